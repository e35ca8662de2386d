/* services.h — port numbers to service names and frequencies, from nmap-services.
 *
 * Reads /usr/share/nmap/nmap-services (Debian package nmap-common) at run time; falls
 * back to /etc/services (names only, no frequencies) when it is missing. Used by the
 * port-spec parser (--top-ports, -F, names in -p) and by the outputs. */
#ifndef PR_CORE_SERVICES_H
#define PR_CORE_SERVICES_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define SVC_DEFAULT_PATH "/usr/share/nmap/nmap-services"
#define SVC_FALLBACK_PATH "/etc/services"

enum pr_proto { PR_TCP = 0, PR_UDP = 1, PR_NPROTO = 2 };

struct svc_db {
    char *name[PR_NPROTO][65536]; /* NULL where unknown */
    double freq[PR_NPROTO][65536];
    int have_freq; /* 0 when loaded from /etc/services */
};

/* Loads path (NULL: default, then fallback). Malformed lines are skipped, not fatal:
 * the file is not ours. Returns a new db, or NULL with e filled when nothing could be read. */
struct svc_db *svc_load(const char *path, struct pr_error *e);
/* The same with the fallback named (NULL: none): primary first, fallback when the
 * primary cannot be read or holds no entries. svc_load(NULL) is
 * svc_load_paths(SVC_DEFAULT_PATH, SVC_FALLBACK_PATH). */
struct svc_db *svc_load_paths(const char *primary, const char *fallback, struct pr_error *e);
void svc_free(struct svc_db *db);
/* Service name or NULL. */
const char *svc_name(const struct svc_db *db, enum pr_proto proto, uint16_t port);
/* Writes the n most frequent ports of proto (ties broken by lower port), sorted by
 * port number, into out (capacity n); returns how many were written. Like nmap, only
 * ports the file lists are candidates (never port 0), so fewer than n may come back. */
size_t svc_top_ports(const struct svc_db *db, enum pr_proto proto, size_t n, uint16_t *out);

#endif
