/* neigh.h — link and neighbour information from the kernel over rtnetlink.
 *
 * For the TX ring send path (net/txring.h), which writes whole Ethernet frames and so
 * must know the interface's hardware type and MAC and the next hop's MAC itself:
 * link_info() asks for one interface (RTM_GETLINK), neigh_load() dumps the neighbour
 * table (RTM_GETNEIGH, IPv4 ARP and IPv6 ND) of one interface into a small
 * open-addressing hash keyed by address. Plain NETLINK_ROUTE sockets, opened and closed
 * per call. Every netlink header and attribute length from the kernel is checked before
 * use; the parsers take a buffer so the unit tests and the fuzz target can feed them
 * crafted messages. No global state: a table belongs to its caller. */
#ifndef PR_NET_NEIGH_H
#define PR_NET_NEIGH_H

#include "core/addr.h"
#include "core/error.h"
#include "core/siphash.h"

#include <stddef.h>
#include <stdint.h>

#define NEIGH_MAC_LEN 6
#define NEIGH_MAX_ENTRIES 65536 /* more are ignored (the kernel's gc_thresh3 is 1024) */

struct link_info {
    int ifindex;
    uint16_t type; /* ARPHRD_ETHER, ARPHRD_LOOPBACK, ... (linux/if_arp.h) */
    uint8_t mac[NEIGH_MAC_LEN];
    uint8_t mac_len; /* bytes of IFLA_ADDRESS seen, 0 when none; mac holds up to 6 */
    uint32_t mtu;    /* 0 when the kernel did not say */
};

struct neigh_entry {
    struct pr_addr addr;
    uint8_t mac[NEIGH_MAC_LEN];
    uint8_t used;   /* slot holds an entry */
    uint16_t state; /* NUD_* */
};

struct neigh_table {
    int ifindex;
    struct neigh_entry *slots; /* cap slots, cap a power of two; NULL when empty */
    size_t cap, n;
    struct sip_key key; /* hash key, from getrandom at the first insert */
};

/* Type, MAC and MTU of interface ifindex. Returns 0, or -1 (no such interface, or
 * netlink failed) with e filled. */
int link_info(int ifindex, struct link_info *li, struct pr_error *e);

/* Replaces t's contents with the neighbour entries (IPv4 and IPv6) of ifindex.
 * t must be zeroed or previously loaded. Returns how many entries were loaded, or -1. */
int neigh_load(struct neigh_table *t, int ifindex, struct pr_error *e);
/* The MAC of a, when the entry is usable (REACHABLE, STALE, DELAY, PROBE, PERMANENT,
 * NOARP); NULL otherwise (unknown, INCOMPLETE, FAILED, NONE). */
const uint8_t *neigh_lookup(const struct neigh_table *t, const struct pr_addr *a);
/* The MAC of a when the neighbour answered recently (REACHABLE) or is PERMANENT; else NULL. */
const uint8_t *neigh_confirmed(const struct neigh_table *t, const struct pr_addr *a);
/* Empties t and frees its memory; t may be loaded again. */
void neigh_free(struct neigh_table *t);

/* Parsers, exposed for the tests. neigh_parse adds the RTM_NEWNEIGH entries of
 * t->ifindex found in one buffer of netlink messages received from the kernel; seq
 * (when non-zero) must match each message's sequence number. Returns 1 when the buffer
 * ended the dump (NLMSG_DONE), 0 when more buffers follow, -1 on NLMSG_ERROR, on a
 * malformed message or a wrong sequence number (e says which). */
int neigh_parse(struct neigh_table *t, const uint8_t *buf, size_t len, uint32_t seq,
                struct pr_error *e);
/* Inserts or replaces one entry; returns 0, or -1 when the table is full. */
int neigh_put(struct neigh_table *t, const struct pr_addr *a, const uint8_t mac[NEIGH_MAC_LEN],
              uint16_t state);
/* Reads the RTM_NEWLINK reply for li->ifindex from one buffer. Returns 1 when found,
 * 0 when the buffer holds no such message, -1 on NLMSG_ERROR or malformed input. */
int link_parse(struct link_info *li, const uint8_t *buf, size_t len, uint32_t seq,
               struct pr_error *e);

#endif
