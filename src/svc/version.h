/* version.h — service and version detection (-sV) over the open ports of a scan result.
 *
 * Called by scan_run() after the port scan when cfg->version_detect is set: probes each
 * open (and open|filtered UDP) port with nmap-service-probes, fills the port's service
 * fields in the result model, and (with --cve-feed) the CVEs of what it found. */
#ifndef PR_SVC_VERSION_H
#define PR_SVC_VERSION_H

#include "core/error.h"
#include "output/result.h"
#include "scan/config.h"

#include <signal.h>

int svc_version_run(const struct scan_config *cfg, struct scan_result *r,
                    volatile sig_atomic_t *stop, struct pr_error *e);

#endif
