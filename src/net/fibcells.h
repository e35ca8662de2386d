/* fibcells.h — IPv4 destinations grouped by the routing decision they share.
 *
 * The kernel routes an IPv4 destination by the set of prefixes that contain it: the
 * routes of every table, the `to` prefixes of policy rules and cached exceptions (ICMP
 * redirects) for single destinations. Every other input of a lookup (source, marks,
 * interface, ports) is the same for all targets of one scan. So two destinations whose
 * most specific containing prefix — over the union of all of these — is the same get
 * the same answer: the same interface, gateway and source, or the same error. Such a set
 * is a cell. One route lookup per cell then serves all its destinations, which is what
 * lets a /8 be planned without sixteen million RTM_GETROUTE requests.
 *
 * Two things break the rule and make the cells unusable (fibcells_load says so, and the
 * caller asks per destination): multipath routes and nexthop objects (the kernel picks a
 * path by hashing the destination). What the rule does not cover for single addresses
 * (local, broadcast and loopback answers, the source of a local route being the
 * destination itself) the caller handles by the type of the answer (route.c).
 *
 * The dump is parsed with every length checked (fibcells_parse, also a fuzz target). */
#ifndef PR_NET_FIBCELLS_H
#define PR_NET_FIBCELLS_H

#include "core/addr.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define FIBCELLS_MAX (1u << 21) /* prefixes; a full Internet table is about 1 M */

struct fib_cells {
    uint32_t *net;   /* slot -> prefix address (host order, masked) */
    uint8_t *len;    /* slot -> prefix length + 1; 0: free slot */
    uint32_t cap, n; /* slots (a power of two), prefixes held */
    uint32_t limit;  /* most prefixes worth holding (fibcells_load's argument) */
    uint64_t lens;   /* bit L set: some prefix of length L (0..32) is held */
    int multipath;   /* a multipath route or nexthop object was seen */
};

/* Fills fc from the kernel: routes and exceptions of every IPv4 table, and rule prefixes.
 * More than `limit` prefixes (at most FIBCELLS_MAX) make the cells not worth it: a
 * lookup per destination is then cheaper. Returns 0 when the cells can be used; 1 when
 * they cannot (multipath, too many prefixes; e says why); -1 when rtnetlink failed (e
 * filled). fc is always freeable. */
int fibcells_load(struct fib_cells *fc, uint32_t limit, struct pr_error *e);

/* Adds the prefixes of the RTM_NEWROUTE and RTM_NEWRULE messages in buf (a dump's
 * datagram; messages of other sequence numbers than seq are skipped) to fc, whose
 * fields start zeroed but for limit. Returns 1 at the dump's end (NLMSG_DONE), 0 when
 * more is to come, -1 when buf is malformed or the kernel reported an error (e filled),
 * 2 when fc->limit prefixes are exceeded. */
int fibcells_parse(struct fib_cells *fc, const uint8_t *buf, size_t len, uint32_t seq,
                   struct pr_error *e);

/* The cell of an IPv4 address: a number below fibcells_ncells, the same for two
 * addresses exactly when their most specific containing prefix is. */
uint32_t fibcells_cell(const struct fib_cells *fc, const struct pr_addr *a);
uint32_t fibcells_ncells(const struct fib_cells *fc);

void fibcells_free(struct fib_cells *fc);

#endif
