/* mod_pgb.c — PgBouncer's ErrorResponse (see mod_pgb.h). */
#include "svc/mod_pgb.h"

#include <stdio.h>
#include <string.h>

#define PGB_MSG_MAX 4096 /* a longer first message is not a startup error */

size_t sv_pgb_request(uint8_t *out, size_t cap)
{
    static const char params[] = "user\0portreeve\0database\0portreeve\0";
    size_t n = 8 + sizeof params; /* length, protocol, params with the final NUL */
    if (cap < n)
        return 0;
    out[0] = 0, out[1] = 0, out[2] = (uint8_t)(n >> 8), out[3] = (uint8_t)n;
    out[4] = 0, out[5] = 3, out[6] = 0, out[7] = 0; /* protocol 3.0 */
    memcpy(out + 8, params, sizeof params);
    return n;
}

int sv_pgb_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen)
{
    if (!len) {
        snprintf(err, errlen, "no answer");
        return -1;
    }
    if (buf[0] != 'E') {
        snprintf(err, errlen, "first message is '%c', not an ErrorResponse, at byte 0",
                 buf[0] >= 0x20 && buf[0] < 0x7f ? buf[0] : '?');
        return -1;
    }
    if (len < 5)
        return 0;
    size_t mlen = (size_t)buf[1] << 24 | (size_t)buf[2] << 16 | (size_t)buf[3] << 8 | buf[4];
    if (mlen < 5 || mlen > PGB_MSG_MAX) {
        snprintf(err, errlen, "ErrorResponse length %zu out of range at byte 1", mlen);
        return -1;
    }
    if (len < 1 + mlen)
        return 0;
    static const char *const texts[] = {"no such database",
                                        "no such user",
                                        "authentication failed",
                                        "bad packet header",
                                        "client sent partial pkt",
                                        "unsupported startup parameter",
                                        "pooler is shutting down",
                                        "login rejected",
                                        "server login has been failing",
                                        "no more connections allowed"};
    int sev = 0, known = 0;
    size_t p = 5, end = 1 + mlen;
    while (p < end && buf[p]) {
        char f = (char)buf[p++];
        const char *v = (const char *)buf + p;
        size_t vl = 0;
        while (p + vl < end && buf[p + vl])
            vl++;
        if (p + vl >= end) {
            snprintf(err, errlen, "ErrorResponse field '%c' not terminated at byte %zu",
                     f >= 0x20 && f < 0x7f ? f : '?', p);
            return -1;
        }
        if (strchr("VFLR", f)) {
            snprintf(err, errlen, "ErrorResponse has PostgreSQL's field '%c' at byte %zu", f,
                     p - 1);
            return -1;
        }
        if (f == 'S')
            sev = 1;
        for (size_t t = 0; f == 'M' && t < sizeof texts / sizeof texts[0]; t++)
            known |= sv_ident_find(v, vl, texts[t], strlen(texts[t]), 0) != NULL;
        p += vl + 1;
    }
    if (!sev || !known) {
        snprintf(err, errlen, "ErrorResponse without PgBouncer's severity and message (%zu bytes)",
                 mlen);
        return -1;
    }
    memset(id, 0, sizeof *id);
    snprintf(id->name, sizeof id->name, "pgbouncer");
    snprintf(id->product, sizeof id->product, "PgBouncer");
    snprintf(id->cpe, sizeof id->cpe, "cpe:/a:pgbouncer:pgbouncer");
    return 1;
}

int sv_pgb_complete(const uint8_t *buf, size_t len)
{
    struct sv_ident id;
    char err[8];
    return sv_pgb_parse(buf, len, &id, err, sizeof err) != 0;
}
