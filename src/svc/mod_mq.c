/* mod_mq.c — NATS INFO and beanstalkd stats (see mod_mq.h). */
#include "svc/mod_mq.h"

#include <stdio.h>
#include <string.h>

const char sv_beanstalk_request[] = "stats\r\n";

/* The string value of "key" in the JSON object line[0..n) (no unescaping: a backslash
 * ends the value), copied to out. Returns 1 found, 0 not. */
static int json_str(const char *line, size_t n, const char *key, char *out, size_t cap)
{
    char pat[40];
    snprintf(pat, sizeof pat, "\"%s\"", key);
    size_t i = sv_ident_after(line, n, pat, 0);
    if (i >= n || line[i++] != ':')
        return 0;
    while (i < n && line[i] == ' ')
        i++;
    if (i >= n || line[i++] != '"')
        return 0;
    size_t e = i;
    while (e < n && line[e] != '"' && line[e] != '\\')
        e++;
    if (e >= n || line[e] != '"')
        return 0;
    sv_ident_copy(out, cap, line + i, e - i);
    return 1;
}

int sv_nats_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen)
{
    static const char pre[] = "INFO {";
    size_t cmp = len < sizeof pre - 1 ? len : sizeof pre - 1;
    if (memcmp(buf, pre, cmp)) {
        snprintf(err, errlen, "no NATS INFO line at byte 0");
        return -1;
    }
    const char *s = (const char *)buf;
    const char *eol = sv_ident_find(s, len, "\r\n", 2, 0);
    if (!eol) {
        if (len > SV_NATS_LINE_MAX) {
            snprintf(err, errlen, "INFO line longer than %d bytes at byte 0", SV_NATS_LINE_MAX);
            return -1;
        }
        return 0;
    }
    size_t n = (size_t)(eol - s);
    memset(id, 0, sizeof *id);
    char ver[32], go[32], sname[64], sid[64];
    if (!json_str(s, n, "version", ver, sizeof ver) || !ver[0]) {
        snprintf(err, errlen, "INFO line without \"version\" (line ends at byte %zu)", n);
        return -1;
    }
    snprintf(id->name, sizeof id->name, "nats");
    snprintf(id->product, sizeof id->product, "nats-server");
    snprintf(id->version, sizeof id->version, "%s", ver);
    if (json_str(s, n, "go", go, sizeof go) && go[0])
        snprintf(id->extrainfo, sizeof id->extrainfo, "%s", go);
    if (json_str(s, n, "server_name", sname, sizeof sname) && sname[0] &&
        !(json_str(s, n, "server_id", sid, sizeof sid) && !strcmp(sid, sname))) {
        size_t k = strlen(id->extrainfo);
        snprintf(id->extrainfo + k, sizeof id->extrainfo - k, "%sname %s", k ? "; " : "", sname);
    }
    return 1;
}

int sv_nats_complete(const uint8_t *buf, size_t len)
{
    struct sv_ident id;
    char err[8];
    return sv_nats_parse(buf, len, &id, err, sizeof err) != 0;
}

int sv_beanstalk_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err,
                       size_t errlen)
{
    const char *s = (const char *)buf;
    size_t cmp = len < 3 ? len : 3;
    if (memcmp(s, "OK ", cmp)) {
        snprintf(err, errlen, "answer to stats is not \"OK <bytes>\" at byte 0");
        return -1;
    }
    const char *eol = sv_ident_find(s, len, "\r\n", 2, 0);
    if (!eol)
        return len > 32 ? (snprintf(err, errlen, "OK line over 32 bytes at byte 0"), -1) : 0;
    size_t body = 0, i = 3, hdr = (size_t)(eol - s) + 2;
    for (; s + i < eol; i++) {
        if (s[i] < '0' || s[i] > '9' || body > 1000000) {
            snprintf(err, errlen, "bad byte count in OK line at byte %zu", i);
            return -1;
        }
        body = body * 10 + (size_t)(s[i] - '0');
    }
    if (i == 3) {
        snprintf(err, errlen, "empty byte count in OK line at byte 3");
        return -1;
    }
    if (len - hdr < body)
        return 0;
    const char *v = sv_ident_find(s + hdr, body, "\nversion: ", 10, 0);
    if (!v) {
        snprintf(err, errlen, "stats without a version line (body at byte %zu)", hdr);
        return -1;
    }
    size_t at = (size_t)(v - s) + 10, end = hdr + body;
    if (at < end && s[at] == '"')
        at++;
    size_t e = at;
    while (e < end && s[e] != '"' && s[e] != '\n')
        e++;
    memset(id, 0, sizeof *id);
    snprintf(id->name, sizeof id->name, "beanstalkd");
    snprintf(id->product, sizeof id->product, "beanstalkd");
    sv_ident_copy(id->version, sizeof id->version, s + at, e - at);
    return 1;
}

int sv_beanstalk_complete(const uint8_t *buf, size_t len)
{
    struct sv_ident id;
    char err[8];
    return sv_beanstalk_parse(buf, len, &id, err, sizeof err) != 0;
}
