/* mod_amqp.c — AMQP protocol header and Connection.Start (see mod_amqp.h). */
#include "svc/mod_amqp.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t sv_amqp_request(uint8_t *out, size_t cap)
{
    static const uint8_t hdr[] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
    if (cap < sizeof hdr)
        return 0;
    memcpy(out, hdr, sizeof hdr);
    return sizeof hdr;
}

int sv_amqp_complete(const uint8_t *buf, size_t len)
{
    if (len >= 8 && !memcmp(buf, "AMQP", 4))
        return 1;
    return len >= 7 && len - 7 > get32(buf + 3); /* header, payload and the frame end */
}

/* Copies a string value as printable text. */
static void text(char *out, size_t cap, const uint8_t *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    out[k] = 0;
}

int sv_amqp_parse(const uint8_t *buf, size_t len, struct sv_amqp_info *info, char *err,
                  size_t errlen)
{
    memset(info, 0, sizeof *info);
    if (len >= 8 && !memcmp(buf, "AMQP", 4)) {
        snprintf(err, errlen, "the broker wants protocol %u-%u-%u (its header at byte 0)", buf[5],
                 buf[6], buf[7]);
        return -1;
    }
    if (len < 7 || buf[0] != 1 || buf[1] || buf[2]) {
        snprintf(err, errlen, "not a method frame on channel 0 at byte 0");
        return -1;
    }
    size_t size = get32(buf + 3);
    if (size > len - 7 || len - 7 - size < 1 || buf[7 + size] != 0xce) {
        snprintf(err, errlen, "frame of %zu bytes cut or without its end byte (%zu read)", size,
                 len);
        return -1;
    }
    const uint8_t *f = buf + 7;
    if (size < 10 || f[0] || f[1] != 10 || f[2] || f[3] != 10) {
        snprintf(err, errlen, "not Connection.Start at byte 7");
        return -1;
    }
    unsigned ver = (unsigned)f[4] << 8 | f[5];
    if (ver != 0x0009 && ver != 0x0800) {
        snprintf(err, errlen, "unknown protocol version 0x%04x at byte 11", ver);
        return -1;
    }
    snprintf(info->proto, sizeof info->proto, "%s", ver == 0x0009 ? "0-9" : "0-8");
    size_t tsize = get32(f + 6), p = 10;
    if (tsize > size - 10) {
        snprintf(err, errlen, "server-properties of %zu bytes run past the frame at byte 13",
                 tsize);
        return -1;
    }
    size_t end = 10 + tsize;
    while (p < end) {
        size_t klen = f[p];
        if (klen + 2 > end - p) {
            snprintf(err, errlen, "property name runs past the table at byte %zu", 7 + p);
            return -1;
        }
        const uint8_t *key = f + p + 1;
        uint8_t type = f[p + 1 + klen];
        p += 2 + klen;
        size_t vlen; /* bytes of the value after its type */
        switch (type) {
        case 'S':
        case 'F':
        case 'A':
        case 'x':
            if (end - p < 4) {
                snprintf(err, errlen, "value length cut at byte %zu", 7 + p);
                return -1;
            }
            vlen = 4 + (size_t)get32(f + p);
            break;
        case 't':
        case 'b':
        case 'B':
            vlen = 1;
            break;
        case 's':
        case 'u':
            vlen = 2;
            break;
        case 'I':
        case 'i':
        case 'f':
            vlen = 4;
            break;
        case 'D':
            vlen = 5;
            break;
        case 'l':
        case 'L':
        case 'd':
        case 'T':
            vlen = 8;
            break;
        case 'V':
            vlen = 0;
            break;
        default:
            snprintf(err, errlen, "unknown field type 0x%02x at byte %zu", type, 7 + p - 1);
            return -1;
        }
        if (vlen > end - p) {
            snprintf(err, errlen, "value of %zu bytes at byte %zu runs past the table", vlen,
                     7 + p);
            return -1;
        }
        if (type == 'S' && klen == 7 && !memcmp(key, "product", 7))
            text(info->product, sizeof info->product, f + p + 4, vlen - 4);
        else if (type == 'S' && klen == 7 && !memcmp(key, "version", 7))
            text(info->version, sizeof info->version, f + p + 4, vlen - 4);
        p += vlen;
    }
    return 0;
}

void sv_amqp_apply(struct svc_info *si, const struct sv_amqp_info *info)
{
    char **fields[] = {&si->product, &si->version, &si->extrainfo};
    const char *vals[] = {info->product, info->version, info->proto};
    for (int i = 0; i < 3; i++) {
        if (!vals[i][0])
            continue;
        free(*fields[i]);
        *fields[i] = pr_strdup(vals[i]);
    }
    free(si->name);
    si->name = pr_strdup("amqp");
}
