/* iflist.h — `portreeve scan --iflist`: the interfaces and routes as nmap prints them.
 *
 * nmap's two tables, column for column: INTERFACES (one line per address: the primary
 * IPv4 address or "(none)/0", then each IPv6 address of /proc/net/if_inet6; type
 * loopback, ethernet or other; up/down; MTU; MAC of an Ethernet interface) in the order
 * of /proc/net/dev, and ROUTES (IPv4 from /proc/net/route, then IPv6 from
 * /proc/net/ipv6_route without reject routes, each family by prefix length, longest
 * first). Every line of the kernel's files is checked; a line that does not parse is
 * skipped. */
#ifndef PR_NET_IFLIST_H
#define PR_NET_IFLIST_H

#include "core/error.h"

#include <stdio.h>

/* Writes both tables to f. Returns 0, or -1 with e filled when /proc/net/dev cannot be
 * read. */
int iflist_print(FILE *f, struct pr_error *e);

#endif
