/* ports.h — the TCP and UDP port lists of a scan, from nmap's port syntax.
 *
 * "-p 22,80,1000-2000", "-p U:53,T:22,80", "-p-", "-p 1-", "-p -1024", "-p http,ssh"
 * (service names from the svc_db), "-F" and "--top-ports N". A port list is sorted
 * and duplicate-free. Built at startup, read-only afterwards. */
#ifndef PR_CORE_PORTS_H
#define PR_CORE_PORTS_H

#include "core/error.h"
#include "core/services.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct port_list {
    uint16_t *p[PR_NPROTO];
    size_t n[PR_NPROTO];
};

/* Parses spec into out. Entries without a T:/U: prefix go to every protocol in
 * `want` (a bit mask of 1<<PR_TCP, 1<<PR_UDP); prefixed entries go to their protocol
 * only and are ignored (like nmap) when that protocol is not scanned. Port 0 is
 * refused. Errors name the spec and the column. */
int ports_parse(const char *spec, unsigned want, const struct svc_db *db, struct port_list *out,
                struct pr_error *e);
/* The n most frequent ports of each protocol in want. */
int ports_top(const struct svc_db *db, size_t n, unsigned want, struct port_list *out,
              struct pr_error *e);
void ports_free(struct port_list *pl);
/* Compact text of one protocol's list ("1-1024,8080"), as nmap's <scaninfo services>. */
int ports_format(const uint16_t *p, size_t n, char *buf, size_t len);

#endif
