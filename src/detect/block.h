/* block.h — the `detect --block` policy: which scan sources may be blocked, and when.
 *
 * Three questions decide a block (docs/block.md): is the address protected (--allow,
 * loopback, the host's own addresses, its default gateways, the name servers of
 * resolv.conf — the last two unless --block-anyway names them)? Does the alert carry
 * evidence that a forged source cannot produce alone (blk_evidence_refusal)? Is the cap
 * of new blocks per minute (struct blk_rate) still open? The same policy value is
 * checked twice: by the responder in the analysis process (blockresp.h) and again, in its
 * own copy, by the privileged helper (blockhelper.h) for every request it receives.
 * Pure functions over values; the system readers take their file paths for the tests. */
#ifndef PR_DETECT_BLOCK_H
#define PR_DETECT_BLOCK_H

#include "core/addr.h"
#include "core/error.h"
#include "detect/alert.h"

#include <stdbool.h>
#include <stdint.h>

#define BLK_MAX_CIDRS 64                    /* --allow and --block-anyway entries each */
#define BLK_MAX_PROTECT 64                  /* own addresses, gateways, name servers each */
#define BLK_MAX_SECONDS (7u * 86400u)       /* --block-time */
#define BLK_MAX_SECONDS_CAP (365u * 86400u) /* --block-time-max */
#define BLK_MAX_PER_MIN 100000u

struct blk_cidr {
    struct pr_addr net;
    uint8_t bits;
};

struct blk_policy {
    struct blk_cidr allow[BLK_MAX_CIDRS]; /* --allow: never blocked */
    unsigned nallow;
    struct blk_cidr anyway[BLK_MAX_CIDRS]; /* --block-anyway: gateways/name servers that may be */
    unsigned nanyway;
    struct pr_addr own[BLK_MAX_PROTECT]; /* the host's interface addresses */
    unsigned nown;
    struct pr_addr gateway[BLK_MAX_PROTECT]; /* next hops of default routes */
    unsigned ngateway;
    struct pr_addr nameserver[BLK_MAX_PROTECT]; /* resolv.conf */
    unsigned nnameserver;
};

/* "ADDR" or "ADDR/BITS" (IPv4 or IPv6); host bits beyond the prefix must be zero. Errors
 * name the text and the position. */
int blk_cidr_parse(const char *s, struct blk_cidr *out, struct pr_error *e);
bool blk_cidr_contains(const struct blk_cidr *c, const struct pr_addr *a);

/* Readers of the system's protected addresses (append to p; duplicates are skipped).
 * A missing file is not an error (no IPv6, no resolv.conf); a malformed line is skipped. */
int blk_read_resolv(const char *path, struct blk_policy *p, struct pr_error *e);
int blk_read_routes4(const char *path, struct blk_policy *p,
                     struct pr_error *e); /* /proc/net/route */
int blk_read_routes6(const char *path, struct blk_policy *p,
                     struct pr_error *e); /* /proc/net/ipv6_route */
/* The interface addresses (getifaddrs). */
int blk_read_own(struct blk_policy *p, struct pr_error *e);
/* All of the above with the real paths; resolv may be NULL for /etc/resolv.conf. */
int blk_policy_load_system(struct blk_policy *p, const char *resolv, struct pr_error *e);

/* NULL when a may be blocked; else why not ("allowlisted (--allow)", "loopback", ...). */
const char *blk_protected(const struct blk_policy *p, const struct pr_addr *a);

/* Spoof resistance, from the alert's named evidence (docs/block.md): NULL when it proves
 * that its source is a real host that scanned — a completed handshake, probes from the MAC
 * the address is bound to on the link, or a half-open close from the distance of the
 * probes — or, with flags_ok, that it sent stealth probes; never when a veto (forged:*)
 * shows that someone else used the address. Else the reason for not blocking. */
const char *blk_evidence_refusal(const struct det_alert *a, bool flags_ok);

/* Repeat offenders (like fail2ban's bantime.increment): the block time of offence number
 * count (1 the first) is base doubled for each earlier offence, at most max (and at least
 * base). */
uint32_t blk_repeat_seconds(uint32_t base, uint32_t max, uint32_t count);

/* The cap of new blocks per minute: a sliding window of the last `cap` block times. */
struct blk_rate {
    uint64_t *ts; /* ring of cap entries */
    uint32_t cap, n, head;
};
int blk_rate_init(struct blk_rate *r, uint32_t cap);
/* True (and the block is counted) when fewer than cap blocks were made in the 60 s
 * before now_us. */
bool blk_rate_take(struct blk_rate *r, uint64_t now_us);
void blk_rate_free(struct blk_rate *r);

#endif
