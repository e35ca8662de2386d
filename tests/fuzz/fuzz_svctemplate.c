/* libFuzzer target: the version-template expander. Input: one byte choosing group
 * offsets, a template up to the first NUL, then the subject. Output must stay inside the
 * buffer, NUL-terminated, and the length returned must be the string's. */
#include "svc/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    data++, size--;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    char *tmpl = malloc(tlen + 1);
    if (!tmpl)
        return 0;
    memcpy(tmpl, data, tlen);
    tmpl[tlen] = '\0';
    const uint8_t *subj = nul ? nul + 1 : data + size;
    size_t slen = nul ? size - tlen - 1 : 0;
    struct sv_groups g = {.subject = subj, .len = slen, .n = sel % (SV_NGROUPS + 1)};
    for (size_t i = 0; i < SV_NGROUPS; i++) {
        /* Offsets derived from the selector, sometimes outside the subject on purpose. */
        size_t a = (sel * (i + 3)) % (slen + 3), b = a + (sel >> (i % 8)) % 9;
        g.start[i] = (sel & (1u << (i % 8))) ? SIZE_MAX : a;
        g.end[i] = b;
    }
    char out[64];
    int n = sv_tmpl_expand(tmpl, &g, (sel & 1) ? SV_TMPL_CPE : 0, out, sizeof out);
    size_t real = strnlen(out, sizeof out);
    if (real >= sizeof out || (n >= 0 && (size_t)n != real))
        abort();
    free(tmpl);
    return 0;
}
