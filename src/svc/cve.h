/* cve.h — offline CVE hints: NVD CVE JSON 2.0 feeds matched against detected CPEs.
 *
 * --cve-feed FILE (repeatable) names feed files in the NVD API 2.0 layout
 * ({"vulnerabilities":[{"cve":{"id", "metrics", "configurations":[{"nodes":[{"cpeMatch":
 * [...]}]}]}}]}). A service's CPEs with a version (cpe:/a:openbsd:openssh:9.2p1) are
 * compared with each cpeMatch's criteria and its versionStart/End Including/Excluding
 * range (distribution revisions dropped first: cve_upstream_version); configurations
 * and nodes follow their AND/OR operators and negate. A CPE without a version claims no
 * vulnerable entry, but satisfies a "running on" platform entry that names no version. With
 * --cpe-dict a CPE also matches under its vendor/product aliases (svc/cpedict.h), with
 * --cve-distro a CVE is dropped when Debian's package is fixed (svc/distfeed.h), and after -O
 * the host's OS CPEs are further platforms (cve_lookup_on). Loaded once per scan by
 * svc/version.c; read-only. */
#ifndef PR_SVC_CVE_H
#define PR_SVC_CVE_H

#include "core/error.h"
#include "output/result.h"

#include <stddef.h>

struct cve_db;
struct cpedict;
struct distfeed;

/* Loads n feed files. Returns NULL with e naming the file (and line/column for bad JSON). */
struct cve_db *cve_load(const char *const *paths, size_t n, struct pr_error *e);
/* The same from memory, for tests. */
struct cve_db *cve_parse(const char *text, size_t len, const char *name, struct pr_error *e);
void cve_free(struct cve_db *db);
/* Number of CVE entries loaded. */
size_t cve_count(const struct cve_db *db);

/* Gives db the CPE aliases of NVD's dictionary (svc/cpedict.h): a service's CPE then also
 * matches under each alias of its part:vendor:product, with its own version. db owns d. */
void cve_set_aliases(struct cve_db *db, struct cpedict *d);
/* Gives db a distribution feed (svc/distfeed.h): a CVE that applies by NVD's data is left
 * out when the feed says the service's Debian package version is fixed. db owns f. */
void cve_set_distro(struct cve_db *db, struct distfeed *f);

/* Sets si->cves (highest CVSS first, each id once) from si's CPEs; leaves it empty when
 * nothing applies. Replaces what si->cves held. */
void cve_lookup(const struct cve_db *db, struct svc_info *si);
/* The same, with the host's OS CPEs (from -O; "cpe:/o:..." only) as further "running on"
 * platforms: they satisfy platform entries (vulnerable false), never a vulnerable one. */
void cve_lookup_on(const struct cve_db *db, struct svc_info *si, const char *const *platforms,
                   size_t nplatforms);

/* Compares version strings by runs of digits (numerically) and letters (case-blind),
 * separators ignored: "9.2" < "9.2p1" < "9.3" < "10.0". Returns <0, 0, >0. */
int cve_version_cmp(const char *a, const char *b);

/* The upstream version inside a distribution's version string, which is what NVD's ranges
 * speak of: an epoch ("1:") and a package revision carrying a distribution mark
 * ("9.18.49-1~deb12u3-Debian" -> "9.18.49", "1:9.2p1-2+deb12u3" -> "9.2p1") are dropped;
 * other text is kept as is ("1.0-beta2"). Writes at most outlen-1 characters. */
void cve_upstream_version(const char *v, char *out, size_t outlen);

#endif
