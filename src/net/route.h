/* route.h — the kernel's routing decision for many targets at once.
 *
 * A scan needs, for every target, the source address the kernel would use, the output
 * interface and the next hop (the target itself on a connected network, else the
 * gateway). Asking with one connect()ed UDP socket per target costs four syscalls each,
 * which dominates the planning of a /16. Here the questions go to rtnetlink as
 * RTM_GETROUTE requests, up to ROUTE_BATCH in one sendmsg(2), and the answers come back
 * as one message each: the same full lookup (policy rules included) as connect() makes.
 * From ROUTE_CELLS_MIN IPv4 targets on, one lookup per cell of destinations that share
 * a routing decision (net/fibcells.h) stands for all of the cell's members.
 * Every reply is parsed with its lengths checked (route_parse, also a fuzz target). */
#ifndef PR_NET_ROUTE_H
#define PR_NET_ROUTE_H

#include "core/addr.h"
#include "core/error.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTE_BATCH 256
#define ROUTE_CELLS_MIN 1024 /* targets from which a dump of the tables pays off */

struct route_answer {
    int err;                /* 0: routed; else a positive errno (ENETUNREACH, ...) */
    int oif;                /* output interface index */
    struct pr_addr src;     /* source address the kernel would use */
    struct pr_addr nexthop; /* gateway, or the destination itself when directly reachable */
    uint8_t type;           /* the route's type (RTN_UNICAST, RTN_LOCAL, ...); 0 on error */
    uint8_t via_gateway;    /* nexthop is a gateway named by the route */
};

/* Looks up the route to each of dst[0..n) into out[0..n). Polls *stop (may be NULL)
 * between batches; returns 0, 1 when stopped early (out is then partly filled), or -1
 * with e filled when rtnetlink cannot be used at all. A target the kernel gives no
 * answer for within the time limit gets err = ETIMEDOUT. */
int route_lookup_many(const struct pr_addr *dst, size_t n, struct route_answer *out,
                      volatile sig_atomic_t *stop, struct pr_error *e);

/* The same, one lookup per destination whatever their number (what route_lookup_many
 * does below ROUTE_CELLS_MIN targets or when cells cannot be used). */
int route_lookup_each(const struct pr_addr *dst, size_t n, struct route_answer *out,
                      volatile sig_atomic_t *stop, struct pr_error *e);

/* Parses a buffer of rtnetlink messages received in answer to requests whose sequence
 * numbers are base+1 .. base+n; fills out[seq - base - 1] for each RTM_NEWROUTE or
 * NLMSG_ERROR whose sequence number is in range and sets answered[] for it. `dst` gives
 * each request's destination (the next hop when no gateway is named). Returns how many
 * answers were newly filled, or -1 when the buffer is malformed (truncated header or
 * attribute). */
int route_parse(const uint8_t *buf, size_t len, uint32_t base, const struct pr_addr *dst, size_t n,
                struct route_answer *out, uint8_t *answered);

#endif
