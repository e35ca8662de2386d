/* distfeed.h — a distribution's own vulnerability feed (--cve-distro FILE): which package
 * versions are fixed, for distributions that backport fixes without changing the upstream
 * version NVD's ranges speak of (Debian's OpenSSH 1:9.2p1-2+deb12u3 is fixed for CVEs NVD
 * lists against 9.2p1).
 *
 * Two layouts are read (each top-level package or record by jansson alone, see distfeed.c):
 * - OSV (Debian's OSV export): one record, an array of records, or {"vulns":[...]}; each
 *   record's CVE ids come from id, aliases[] and upstream[] ("DEBIAN-CVE-..." counts as
 *   "CVE-..."); affected[].package {ecosystem "Debian:12", name} and ranges[].events
 *   (introduced, fixed, last_affected; Debian version order).
 * - The Debian Security Tracker JSON: {package: {CVE-id: {releases: {bookworm: {status,
 *   fixed_version}}}}}; "open"/"undetermined" without a fixed version is affected, a fixed
 *   version of "0" means not affected. Release codenames are kept as Debian numbers
 *   (bookworm = "12"); other keys than CVE-* are skipped.
 * Versions compare with svc/debver.c. Read-only after loading. */
#ifndef PR_SVC_DISTFEED_H
#define PR_SVC_DISTFEED_H

#include "core/error.h"

#include <stddef.h>

struct distfeed;

/* Loads a feed file. Returns NULL with e naming the file and the line/column (bad JSON)
 * or the record at fault (a field of the wrong type, an invalid Debian version). */
struct distfeed *distfeed_load(const char *path, struct pr_error *e);
/* The same from memory (tests, fuzzing). */
struct distfeed *distfeed_parse(const char *text, size_t len, const char *name, struct pr_error *e);
void distfeed_free(struct distfeed *f);
/* Number of (package, CVE, release) entries. */
size_t distfeed_count(const struct distfeed *f);

enum df_status {
    DF_UNKNOWN, /* the feed says nothing about this package and CVE (for this release) */
    DF_AFFECTED,
    DF_FIXED, /* the installed version is at or past the fix, or never affected */
};

/* Is version (a Debian version; without an epoch, the epoch of each version it is compared
 * with is assumed, because banners do not show it) of source package pkg affected by cve?
 * release: a Debian number ("12"), or NULL when unknown: then DF_FIXED only when the
 * version is fixed in every release the feed lists for pkg and cve. */
enum df_status distfeed_check(const struct distfeed *f, const char *pkg, const char *cve,
                              const char *release, const char *version);

/* The Debian source package and package version a service reports, or -1 when they are not
 * known: product/version as -sV found them ("OpenSSH" "9.2p1 Debian 2+deb12u3" ->
 * "openssh" "9.2p1-2+deb12u3"; BIND "9.18.19-1~deb12u1-Debian" -> "bind9"
 * "9.18.19-1~deb12u1"; "1.22.1" has no Debian revision: -1). cpe_vp is the service CPE's
 * "vendor:product" (names the package); release gets "12" from a "deb12u" mark or "". */
int distfeed_debian_package(const char *cpe_vp, const char *version, char *pkg, size_t pkglen,
                            char *ver, size_t verlen, char *release, size_t rellen);

#endif
