/* debver.c — Debian version comparison, as dpkg's lib/dpkg/version.c does it (see debver.h). */
#include "svc/debver.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

struct dv {
    unsigned long epoch;
    const char *up, *rev; /* up has uplen characters; rev is NUL-terminated ("" when none) */
    size_t uplen;
};

static void split(const char *v, struct dv *d)
{
    d->epoch = 0;
    const char *p = v;
    unsigned long e = 0;
    while (isdigit((unsigned char)*p) && e < 100000000UL)
        e = e * 10 + (unsigned long)(*p++ - '0');
    if (p > v && *p == ':') {
        d->epoch = e;
        v = p + 1;
    }
    const char *dash = strrchr(v, '-');
    d->up = v;
    d->uplen = dash ? (size_t)(dash - v) : strlen(v);
    d->rev = dash ? dash + 1 : "";
}

/* dpkg's order(): '~' first, then the end of a part and digits, then letters, then the rest. */
static int order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    if (c)
        return c + 256;
    return 0;
}

/* dpkg's verrevcmp() over a (alen characters) and b (blen). */
static int verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ae = a + alen, *be = b + blen;
#define CA (a < ae ? (unsigned char)*a : 0)
#define CB (b < be ? (unsigned char)*b : 0)
    while (a < ae || b < be) {
        int first_diff = 0;
        while ((CA && !isdigit(CA)) || (CB && !isdigit(CB))) {
            int ac = order(CA), bc = order(CB);
            if (ac != bc)
                return ac - bc;
            a++;
            b++;
        }
        while (CA == '0')
            a++;
        while (CB == '0')
            b++;
        while (isdigit(CA) && isdigit(CB)) {
            if (!first_diff)
                first_diff = CA - CB;
            a++;
            b++;
        }
        if (isdigit(CA))
            return 1;
        if (isdigit(CB))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
#undef CA
#undef CB
}

int debver_cmp(const char *a, const char *b)
{
    struct dv x, y;
    split(a, &x);
    split(b, &y);
    if (x.epoch != y.epoch)
        return x.epoch < y.epoch ? -1 : 1;
    int c = verrevcmp(x.up, x.uplen, y.up, y.uplen);
    if (!c)
        c = verrevcmp(x.rev, strlen(x.rev), y.rev, strlen(y.rev));
    return c < 0 ? -1 : c > 0;
}

int debver_valid(const char *v)
{
    const char *p = v;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == ':') {
        if (p == v)
            return 0;
        v = p + 1;
    }
    struct dv d;
    split(v, &d);
    if (!d.uplen || !isdigit((unsigned char)d.up[0]))
        return 0;
    if (d.up + d.uplen < v + strlen(v) && !*d.rev)
        return 0; /* a '-' with nothing after it */
    for (const char *q = v; *q; q++)
        if (!isalnum((unsigned char)*q) && !strchr(".+~-", *q))
            return 0;
    return 1;
}
