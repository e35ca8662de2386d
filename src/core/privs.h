/* privs.h — dropping privileges once the privileged handles are open.
 *
 * Startup code opens raw sockets (and, for the detector, captures and firewall
 * handles) first, then calls privs_drop() to keep only the capabilities named, set
 * no-new-privs, and verify that the drop took effect. */
#ifndef PR_CORE_PRIVS_H
#define PR_CORE_PRIVS_H

#include "core/error.h"

/* keep: capability numbers to keep (e.g. CAP_NET_ADMIN), terminated by -1; NULL keeps
 * none. Returns 0, or -1 when the drop could not be applied or verified. */
int privs_drop(const int *keep, struct pr_error *e);

#endif
