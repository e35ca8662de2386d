/* privs.h — dropping privileges once the privileged handles are open.
 *
 * Startup code opens raw sockets (and, for the detector, captures and firewall
 * handles) first, then calls privs_drop_user() (scan, detect) or privs_drop() (the
 * nftables helper, which stays uid 0) to switch to an unprivileged account, keep only
 * the capabilities named, set no-new-privs, and verify that the drop took effect.
 * core/sandbox.h then restricts the system calls. Single-threaded callers only: the
 * capability sets are changed for the calling thread. */
#ifndef PR_CORE_PRIVS_H
#define PR_CORE_PRIVS_H

#include "core/error.h"

/* The account scan and detect switch to when started as root and no --user is given:
 * PRIVS_USER if it exists, else PRIVS_FALLBACK_USER. */
#define PRIVS_USER "portreeve"
#define PRIVS_FALLBACK_USER "nobody"

/* keep: capability numbers to keep (e.g. CAP_NET_ADMIN), terminated by -1; NULL keeps
 * none. The uid stays as it is. Returns 0, or -1 when the drop could not be applied or
 * verified. */
int privs_drop(const int *keep, struct pr_error *e);

/* As privs_drop(), and first, when running as root, switches to user (NULL: the
 * default above; an account with uid 0 means "stay root"): supplementary groups of
 * that account, its gid, its uid; then verifies that setuid(0) and setgid(0) fail.
 * Without root the uid is left alone (there is nothing to switch from). Returns 0, or
 * -1 with e naming the account or the step that failed. */
int privs_drop_user(const char *user, const int *keep, struct pr_error *e);

#endif
