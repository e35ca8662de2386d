/* modtext.h — the text helpers the native version modules share: server strings made
 * printable and bounded, svc_info fields replaced, rejected answers noted, CPE versions
 * kept in step. */
#ifndef PR_SVC_MODTEXT_H
#define PR_SVC_MODTEXT_H

#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

/* Copies s[0..n) into out (cap > 0 bytes, always terminated, cut to cap - 1), bytes
 * outside printable ASCII as '?'. With utf16, s is UTF-16LE (an odd last byte is
 * dropped; code units past ASCII become '?'). */
void sv_text_copy(char *out, size_t cap, const uint8_t *s, size_t n, int utf16);

/* Replaces *slot (an svc_info field) with a copy of s; NULL or "" clears it. */
void sv_text_set(char **slot, const char *s);

/* Says in si's note (when it has none yet) why module's answer was rejected: "module:
 * err". Hostile or broken answers are named, never silently dropped. */
void sv_text_note(struct svc_info *si, const char *module, const char *err);

/* Gives si's CPEs that are base ("cpe:/a:samba:samba", with or without a version) the
 * version ver, or none (NULL or ""): a module that corrects the version keeps the CPE, and
 * so the CVE lookup, in step with it. */
void sv_text_cpe_version(struct svc_info *si, const char *base, const char *ver);

#endif
