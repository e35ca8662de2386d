/* assets.h — the passive inventory of the home network (NDR issue): every home host the
 * sensor sees sending, its MAC and vendor, its OS (p0f signatures of its SYNs and
 * SYN+ACKs), the services it offers (TCP ports it answered with SYN+ACK, UDP ports that
 * replied to a request), its peers, first and last seen.
 *
 * Fed one IP datagram at a time by the capture loop (detect/run.c), with the frame's
 * Ethernet source when there is one and ARP bindings seen on the link. All memory is taken
 * at creation (hosts, the index, a table of recent UDP requests): a flood of forged home
 * sources cannot grow it; hosts beyond the bound are counted, not stored. Single-threaded;
 * all state in struct assets. Written as JSON lines (`--assets FILE`). */
#ifndef PR_DETECT_ASSETS_H
#define PR_DETECT_ASSETS_H

#include "core/error.h"
#include "core/macvendor.h"
#include "detect/block.h"
#include "os/p0fdb.h"

#include <stdint.h>
#include <stdio.h>

#define ASSET_MAX_HOME 64  /* --home-net CIDRs */
#define ASSET_MAX_SVC 24   /* services kept per host */
#define ASSET_MAX_PEERS 16 /* peers kept per host (more are counted) */

struct assets_config {
    struct blk_cidr home[ASSET_MAX_HOME];
    size_t nhome;             /* 0: the private ranges (RFC 1918, RFC 4193) and 198.18.0.0/15 */
    uint32_t max_hosts;       /* hosts kept (default 65536) */
    const struct p0f_db *p0f; /* may be NULL: no OS */
    const struct macvendor *vendors; /* may be NULL: no vendor */
    /* Optional hooks (the baseline, baseline.h), called for every datagram of a home host
     * whether or not it has a record: service — host answered client on proto/port (a
     * SYN+ACK, a UDP reply); contact — src opened a contact to dst proto/dport (a SYN
     * without ACK, a UDP datagram that answers nothing). */
    void (*on_service)(void *ctx, const struct pr_addr *host, const struct pr_addr *client,
                       uint8_t proto, uint16_t port, uint64_t ts_us);
    void (*on_contact)(void *ctx, const struct pr_addr *src, const struct pr_addr *dst,
                       uint8_t proto, uint16_t dport, uint64_t ts_us);
    void *hook_ctx;
};

struct assets_stats {
    uint64_t packets, hosts, hosts_dropped, services, os_named;
};

struct assets;

/* The default home network (the private ranges and 198.18.0.0/15) into out; returns how
 * many (at most max). */
size_t assets_default_home(struct blk_cidr *out, size_t max);
/* Returns NULL with e filled on a bad configuration. */
struct assets *assets_new(const struct assets_config *c, struct pr_error *e);
/* One IP datagram (ip, len) seen at ts_us; src_mac is the frame's Ethernet source or NULL. */
void assets_packet(struct assets *a, const uint8_t *ip, size_t len, const uint8_t *src_mac,
                   uint64_t ts_us);
/* An ARP reply or request seen on the link: sender address and MAC. */
void assets_arp(struct assets *a, const struct pr_addr *ip, const uint8_t *mac, uint64_t ts_us);
/* Whether addr is in the home network. */
int assets_is_home(const struct assets *a, const struct pr_addr *addr);
/* Every host as one JSON object per line, ordered by address. Returns 0 or -1 on a write
 * error. */
int assets_write_json(const struct assets *a, FILE *f);
const struct assets_stats *assets_stats(const struct assets *a);
/* Bytes allocated for the tables (the documented bound). */
size_t assets_bytes(const struct assets *a);
void assets_free(struct assets *a);

#endif
