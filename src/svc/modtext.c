/* modtext.c — text helpers of the native version modules (see modtext.h). */
#include "svc/modtext.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_text_copy(char *out, size_t cap, const uint8_t *s, size_t n, int utf16)
{
    size_t k = 0, step = utf16 ? 2 : 1;
    for (size_t i = 0; i + step <= n && k + 1 < cap; i += step) {
        unsigned c = utf16 ? (unsigned)s[i] | (unsigned)s[i + 1] << 8 : s[i];
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[k] = 0;
}

void sv_text_set(char **slot, const char *s)
{
    free(*slot);
    *slot = s && *s ? pr_strdup(s) : NULL;
}

void sv_text_note(struct svc_info *si, const char *module, const char *err)
{
    if (si->note)
        return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s: %s", module, err);
    si->note = pr_strdup(buf);
}

void sv_text_cpe_version(struct svc_info *si, const char *base, const char *ver)
{
    size_t bl = strlen(base);
    for (size_t i = 0; i < si->ncpes && i < SVC_MAX_CPES; i++) {
        const char *c = si->cpes[i];
        if (!c || strncmp(c, base, bl) || (c[bl] && c[bl] != ':'))
            continue;
        char buf[256];
        snprintf(buf, sizeof buf, "%s%s%s", base, ver && *ver ? ":" : "", ver ? ver : "");
        sv_text_set(&si->cpes[i], buf);
    }
}
