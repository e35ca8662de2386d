/* version.c — placeholder until service detection lands: reports that -sV is not built. */
#include "svc/version.h"

int svc_version_run(const struct scan_config *cfg, struct scan_result *r,
                    volatile sig_atomic_t *stop, struct pr_error *e)
{
    (void)cfg;
    (void)r;
    (void)stop;
    return pr_errf(e, "service detection (-sV) is not built yet");
}
