/* ident.c — the result of the identifications past nmap's probe file (see ident.h). */
#include "svc/ident.h"

#include "core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_ident_copy(char *dst, size_t cap, const char *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        if (!c || c == '\r' || c == '\n')
            break;
        dst[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[k] = 0;
}

const char *sv_ident_find(const char *hay, size_t hlen, const char *needle, size_t nlen, int nocase)
{
    if (!nlen || nlen > hlen)
        return NULL;
    for (size_t i = 0; i + nlen <= hlen; i++) {
        size_t j = 0;
        while (j < nlen &&
               (nocase ? tolower((unsigned char)hay[i + j]) == tolower((unsigned char)needle[j])
                       : hay[i + j] == needle[j]))
            j++;
        if (j == nlen)
            return hay + i;
    }
    return NULL;
}

size_t sv_ident_after(const char *hay, size_t n, const char *pat, int nocase)
{
    const char *p = sv_ident_find(hay, n, pat, strlen(pat), nocase);
    if (!p)
        return n;
    size_t i = (size_t)(p - hay) + strlen(pat);
    while (i < n && hay[i] == ' ')
        i++;
    return i;
}

static char *dup_or_null(const char *s)
{
    return *s ? pr_strdup(s) : NULL;
}

void sv_ident_apply(struct svc_info *si, const struct sv_ident *id)
{
    free(si->name);
    si->name = pr_strdup(id->name);
    free(si->product);
    si->product = dup_or_null(id->product);
    free(si->version);
    si->version = dup_or_null(id->version);
    if (id->extrainfo[0]) {
        free(si->extrainfo);
        si->extrainfo = pr_strdup(id->extrainfo);
    }
    if (id->cpe[0] && si->ncpes < SVC_MAX_CPES) {
        char cpe[128];
        snprintf(cpe, sizeof cpe, "%s%s%s", id->cpe, id->version[0] ? ":" : "", id->version);
        si->cpes[si->ncpes++] = pr_strdup(cpe);
    }
    si->probed = 1;
    si->conf = 10;
    free(si->note);
    si->note = NULL;
}
