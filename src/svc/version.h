/* version.h — service and version detection (-sV) over the open ports of a scan result.
 *
 * The caller opens the detector before the scan (svc_version_open: the probe file and
 * the CVE feeds are read and checked then, so a bad file fails before any packet is
 * sent); scan_run() then calls svc_version_run() after each host group's port scan: it
 * probes each open (and open|filtered UDP) port with nmap-service-probes, fills the
 * port's service fields in the result model, and (with --cve-feed) the CVEs of what it
 * found. */
#ifndef PR_SVC_VERSION_H
#define PR_SVC_VERSION_H

#include "core/addr.h"
#include "core/error.h"
#include "output/result.h"

#include <signal.h>
#include <stddef.h>

struct svc_version; /* the loaded probes and CVE feeds; read-only while running */

/* The CVE files of a scan (docs/cve.md). cpedict and distro need at least one feed. */
struct svc_cve_files {
    const char *const *feeds; /* --cve-feed: NVD CVE JSON 2.0 */
    size_t nfeeds;
    const char *cpedict; /* --cpe-dict: NVD CPE dictionary XML (aliases), or NULL */
    const char *distro;  /* --cve-distro: OSV or Debian Security Tracker JSON, or NULL */
};

/* Reads the probe file (NULL: /usr/share/nmap/nmap-service-probes) and the CVE files (cf
 * may be NULL). Returns NULL with e naming the file and the line (and column) at fault. */
struct svc_version *svc_version_open(const char *versiondb, const struct svc_cve_files *cf,
                                     struct pr_error *e);
/* The least time a silent NULL-probe connection is waited for once another probe of the
 * same port got an answer that hard-matches (docs/svc.md, "Timing"); 0 (the default): the
 * NULL probe's tcpwrappedms. A value at or above its totalwaitms keeps nmap's full wait. */
void svc_version_set_null_wait(struct svc_version *sv, unsigned ms);
/* Frees what svc_version_open loaded. NULL is fine. */
void svc_version_close(struct svc_version *sv);

/* After -O: looks the CVEs of h's services up again with the CPEs of h's best OS matches
 * as "running on" platforms (cve_lookup_on). Nothing without CVE feeds or an OS match. */
void svc_version_os_cves(const struct svc_version *sv, struct host_result *h);

/* Probes the wanted ports of r's up hosts that have no service yet, at intensity 0..9,
 * from source (family 0: the kernel's choice). Returns 0 (also when stopped: the ports
 * keep what is known), or -1 with e filled. */
int svc_version_run(const struct svc_version *sv, int intensity, const struct pr_addr *source,
                    struct scan_result *r, volatile sig_atomic_t *stop, struct pr_error *e);

#endif
