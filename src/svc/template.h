/* template.h — nmap's version-field templates: $1..$9, $P(n), $SUBST(n,"a","b"), $I(n,">").
 *
 * Expands a match line's p/ v/ i/ h/ o/ d/ or cpe:/ template with the capture groups of a
 * successful regex match. Pure and bounded: the output never exceeds the caller's
 * buffer, and every group offset is checked against the subject. Used by svc/match.c. */
#ifndef PR_SVC_TEMPLATE_H
#define PR_SVC_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#define SV_NGROUPS 10 /* group 0 (whole match) and $1..$9 */

/* Capture groups: group i is subject[start[i], end[i]); start[i] == SIZE_MAX when unset. */
struct sv_groups {
    const uint8_t *subject;
    size_t len;
    size_t start[SV_NGROUPS], end[SV_NGROUPS];
    size_t n; /* groups reported by the regex engine (<= SV_NGROUPS) */
};

#define SV_TMPL_CPE 1 /* CPE part: substituted text is lowercased, spaces become '_' */

/* Expands tmpl (NUL-terminated) into out (capacity cap >= 1, always NUL-terminated).
 * Returns the length written, or -1 when the template is malformed (e.g. "$SUBST(1,"),
 * in which case out holds what was written before the error. Text that would not fit is
 * cut (the return value is then cap - 1). */
int sv_tmpl_expand(const char *tmpl, const struct sv_groups *g, int flags, char *out, size_t cap);

#endif
