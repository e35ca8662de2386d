/* privs.c — see privs.h (libcap-ng). */
#include "core/privs.h"

#include <cap-ng.h>
#include <sys/prctl.h>

int privs_drop(const int *keep, struct pr_error *e)
{
    capng_get_caps_process();
    capng_clear(CAPNG_SELECT_BOTH);
    for (const int *k = keep; k && *k >= 0; k++)
        capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, (unsigned)*k);
    if (capng_apply(CAPNG_SELECT_BOTH) < 0)
        return pr_errf(e, "cannot drop capabilities");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return pr_errf(e, "cannot set no-new-privs");
    /* verify: nothing beyond what was asked for is left */
    capng_get_caps_process();
    for (unsigned c = 0; c <= CAP_LAST_CAP; c++) {
        if (!capng_have_capability(CAPNG_EFFECTIVE, c))
            continue;
        int wanted = 0;
        for (const int *k = keep; k && *k >= 0; k++)
            wanted |= (unsigned)*k == c;
        if (!wanted)
            return pr_errf(e, "capability %u is still held after the drop", c);
    }
    return 0;
}
