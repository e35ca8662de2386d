/* mod_git.h — git daemon (git://, 9418), which nmap 7.93 does not identify.
 *
 * The request is one pkt-line, `git-upload-pack /nonexistent\0host=<target>\0`. git
 * daemon answers a path it does not export with a pkt-line "ERR access denied or
 * repository not exported: /nonexistent" (or another ERR text), and an exported
 * repository with its ref advertisement, whose capabilities carry agent=git/2.39.5.
 * Reported: git, product "git daemon", version git's when an agent=git/ capability is
 * there. */
#ifndef PR_SVC_MOD_GIT_H
#define PR_SVC_MOD_GIT_H

#include "svc/ident.h"

#include <stddef.h>
#include <stdint.h>

/* Writes the pkt-line request (host = target) to out. Returns its length, or 0 when cap
 * is too small. */
size_t sv_git_request(uint8_t *out, size_t cap, const char *host);

/* Reads the first pkt-line of buf[0..len). Returns 1 git (id filled), 0 incomplete, -1
 * not git (err with the byte offset). */
int sv_git_parse(const uint8_t *buf, size_t len, struct sv_ident *id, char *err, size_t errlen);
int sv_git_complete(const uint8_t *buf, size_t len); /* sv_git_parse != 0 */

#endif
