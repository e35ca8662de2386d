/* macvendor.c — nmap-mac-prefixes (see macvendor.h). */
#include "core/macvendor.h"

#include "core/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MACV_MAX_FILE (8u << 20)
#define MACV_MAX_NAME 256

static int cmp(const void *x, const void *y)
{
    const struct macv_entry *a = x, *b = y;
    return (a->oui > b->oui) - (a->oui < b->oui);
}

int macv_parse(struct macvendor *mv, const char *name, const char *buf, size_t len,
               struct pr_error *e)
{
    memset(mv, 0, sizeof *mv);
    unsigned line = 0;
    for (const char *s = buf, *end = buf + len; s < end;) {
        line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        while (le > s && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
            le--;
        if (le == s || *s == '#') {
            s = next;
            continue;
        }
        uint32_t oui = 0;
        int i;
        for (i = 0; i < 6 && s + i < le; i++) {
            int v = pr_hexval(s[i]);
            if (v < 0)
                break;
            oui = oui << 4 | (uint32_t)v;
        }
        int more = 0; /* 28- and 36-bit prefixes (7 to 9 digits) name parts of an OUI */
        while (i == 6 && s + 6 + more < le && more < 4 && pr_hexval(s[6 + more]) >= 0)
            more++;
        if (more >= 1 && more <= 3) {
            s = next;
            continue;
        }
        const char *v = s + 6;
        if (i != 6 || v >= le || (*v != ' ' && *v != '\t') || v + 1 >= le ||
            le - (v + 1) >= MACV_MAX_NAME || memchr(s, '\0', (size_t)(le - s))) {
            pr_errf(e, "%s:%u: expected 6 hex digits, a space and a vendor name", name, line);
            macv_free(mv);
            return -1;
        }
        v++;
        mv->e = pr_reallocarray(mv->e, mv->n + 1, sizeof *mv->e);
        mv->e[mv->n].oui = oui;
        mv->e[mv->n].name = pr_calloc((size_t)(le - v) + 1, 1);
        memcpy(mv->e[mv->n].name, v, (size_t)(le - v));
        mv->n++;
        s = next;
    }
    if (mv->n > 1)
        qsort(mv->e, mv->n, sizeof *mv->e, cmp);
    return 0;
}

int macv_load(struct macvendor *mv, const char *path, struct pr_error *e)
{
    if (!path)
        path = MACV_DEFAULT_PATH;
    memset(mv, 0, sizeof *mv);
    char *buf;
    size_t n;
    struct pr_error sub;
    if (pr_read_file(path, MACV_MAX_FILE, &buf, &n, &sub) < 0)
        return pr_errf(e, "%s (Debian package nmap-common)", sub.msg);
    int rc = macv_parse(mv, path, buf, n, e);
    free(buf);
    return rc;
}

const char *macv_lookup(const struct macvendor *mv, const uint8_t *mac)
{
    if (!mv || !mv->n)
        return NULL;
    uint32_t oui = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
    size_t lo = 0, hi = mv->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mv->e[mid].oui < oui)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < mv->n && mv->e[lo].oui == oui ? mv->e[lo].name : NULL;
}

void macv_free(struct macvendor *mv)
{
    for (size_t i = 0; i < mv->n; i++)
        free(mv->e[i].name);
    free(mv->e);
    memset(mv, 0, sizeof *mv);
}
