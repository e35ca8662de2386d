/* template.c — expansion of nmap version templates (see template.h).
 *
 *   $N               group N (1..9) as is
 *   $P(N)            group N with the unprintable bytes left out
 *   $SUBST(N,"a","b") group N with every "a" replaced by "b"
 *   $I(N,">")        group N (1..8 bytes) as an unsigned big-endian (">") or
 *                    little-endian ("<") integer, in decimal
 * Anything else is copied; a '$' not followed by one of these is copied too. */
#include "svc/template.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

struct outbuf {
    char *p;
    size_t cap, n;
    int flags;
};

static void put(struct outbuf *o, char c, int substituted)
{
    if (o->n + 1 >= o->cap || c == '\0') /* NUL bytes of a group are left out */
        return;
    if (substituted && (o->flags & SV_TMPL_CPE)) {
        c = (char)tolower((unsigned char)c);
        if (c == ' ')
            c = '_';
    }
    o->p[o->n++] = c;
    o->p[o->n] = '\0';
}

static int group(const struct sv_groups *g, int n, const uint8_t **s, size_t *len)
{
    *s = NULL;
    *len = 0;
    if (n < 0 || n >= SV_NGROUPS || (size_t)n >= g->n || !g->subject)
        return 0; /* unset group: empty */
    size_t a = g->start[n], b = g->end[n];
    if (a == SIZE_MAX || b < a || b > g->len)
        return 0;
    *s = g->subject + a;
    *len = b - a;
    return 0;
}

/* Parses a quoted string "..." (no escapes, like nmap) at *t; sets [a, a+len). */
static int quoted(const char **t, const char **a, size_t *len)
{
    const char *s = *t;
    while (*s == ' ')
        s++;
    if (*s != '"')
        return -1;
    const char *e = strchr(s + 1, '"');
    if (!e)
        return -1;
    *a = s + 1;
    *len = (size_t)(e - s - 1);
    *t = e + 1;
    return 0;
}

static int digit_arg(const char **t)
{
    const char *s = *t;
    while (*s == ' ')
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    int n = *s - '0';
    *t = s + 1;
    return n;
}

static int expect(const char **t, char c)
{
    const char *s = *t;
    while (*s == ' ')
        s++;
    if (*s != c)
        return -1;
    *t = s + 1;
    return 0;
}

int sv_tmpl_expand(const char *tmpl, const struct sv_groups *g, int flags, char *out, size_t cap)
{
    if (!out || cap == 0)
        return -1;
    struct outbuf o = {out, cap, 0, flags};
    out[0] = '\0';
    const char *t = tmpl;
    while (*t) {
        if (*t != '$') {
            put(&o, *t++, 0);
            continue;
        }
        const uint8_t *s;
        size_t len;
        if (t[1] >= '1' && t[1] <= '9') {
            group(g, t[1] - '0', &s, &len);
            for (size_t i = 0; i < len; i++)
                put(&o, (char)s[i], 1);
            t += 2;
        } else if (!strncmp(t, "$P(", 3)) {
            t += 3;
            int n = digit_arg(&t);
            if (n < 0 || expect(&t, ')') < 0)
                return -1;
            group(g, n, &s, &len);
            for (size_t i = 0; i < len; i++)
                if (isprint(s[i]))
                    put(&o, (char)s[i], 1);
        } else if (!strncmp(t, "$SUBST(", 7)) {
            t += 7;
            const char *from, *to;
            size_t flen, tlen;
            int n = digit_arg(&t);
            if (n < 0 || expect(&t, ',') < 0 || quoted(&t, &from, &flen) < 0 ||
                expect(&t, ',') < 0 || quoted(&t, &to, &tlen) < 0 || expect(&t, ')') < 0)
                return -1;
            group(g, n, &s, &len);
            for (size_t i = 0; i < len;) {
                if (flen > 0 && len - i >= flen && !memcmp(s + i, from, flen)) {
                    for (size_t k = 0; k < tlen; k++)
                        put(&o, to[k], 1);
                    i += flen;
                } else {
                    put(&o, (char)s[i++], 1);
                }
            }
        } else if (!strncmp(t, "$I(", 3)) {
            t += 3;
            const char *endian;
            size_t elen;
            int n = digit_arg(&t);
            if (n < 0 || expect(&t, ',') < 0 || quoted(&t, &endian, &elen) < 0 || elen != 1 ||
                (*endian != '>' && *endian != '<') || expect(&t, ')') < 0)
                return -1;
            group(g, n, &s, &len);
            if (len > 8)
                return -1;
            unsigned long long v = 0;
            for (size_t i = 0; i < len; i++) {
                size_t k = *endian == '>' ? i : len - 1 - i;
                v = (v << 8) | s[k];
            }
            char num[24];
            snprintf(num, sizeof num, "%llu", v);
            for (const char *c = num; *c; c++)
                put(&o, *c, 1);
        } else {
            put(&o, *t++, 0);
        }
    }
    return (int)o.n;
}
