/* mod_git.c — git daemon's first pkt-line (see mod_git.h). */
#include "svc/mod_git.h"

#include <stdio.h>
#include <string.h>

size_t sv_git_request(uint8_t *out, size_t cap, const char *host)
{
    char body[300];
    int n = snprintf(body, sizeof body, "git-upload-pack /nonexistent%chost=%s%c", 0, host, 0);
    if (n <= 0 || (size_t)n >= sizeof body || cap < (size_t)n + 5)
        return 0;
    snprintf((char *)out, cap, "%04x", (unsigned)n + 4);
    memcpy(out + 4, body, (size_t)n);
    return (size_t)n + 4;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int sv_git_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen)
{
    size_t plen = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= len)
            return 0;
        int v = hexval(buf[i]);
        if (v < 0) {
            snprintf(err, errlen, "pkt-line length is not lower-case hex at byte %zu", i);
            return -1;
        }
        plen = plen << 4 | (size_t)v;
    }
    if (plen < 5) {
        snprintf(err, errlen, "pkt-line of length %zu (flush or too short) at byte 0", plen);
        return -1;
    }
    if (len < plen)
        return 0;
    const char *s = (const char *)buf + 4;
    size_t n = plen - 4;
    memset(id, 0, sizeof *id);
    if (n >= 4 && !memcmp(s, "ERR ", 4)) {
        /* an ERR line */
    } else {
        size_t h = 0;
        while (h < n && hexval((uint8_t)s[h]) >= 0)
            h++;
        if (h != 40 || n < 42 || s[40] != ' ') {
            snprintf(err, errlen, "first pkt-line is neither ERR nor a ref at byte 4");
            return -1;
        }
        const char *a = sv_ident_find(s, n, "agent=git/", 10, 0);
        if (a) {
            size_t at = (size_t)(a - s) + 10, e = at;
            while (e < n && s[e] != ' ' && s[e] != '\n' && s[e] != 0)
                e++;
            sv_ident_copy(id->version, sizeof id->version, s + at, e - at);
        }
    }
    snprintf(id->name, sizeof id->name, "git");
    snprintf(id->product, sizeof id->product, "git daemon");
    if (id->version[0])
        snprintf(id->cpe, sizeof id->cpe, "cpe:/a:git-scm:git");
    return 1;
}

int sv_git_complete(const uint8_t *buf, size_t len)
{
    struct sv_ident id;
    char err[8];
    return sv_git_parse(buf, len, &id, err, sizeof err) != 0;
}
