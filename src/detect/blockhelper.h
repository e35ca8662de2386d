/* blockhelper.h — the privileged half of `detect --block`.
 *
 * blk_helper_start() forks a small process before the detector drops its capabilities.
 * The helper closes every other descriptor, creates the nftables table when missing
 * (blocknft.h; blocks and offence counts of an earlier run stay), keeps only
 * CAP_NET_ADMIN (core/privs), answers "ready N" (N: blocks kept from before) and then
 * serves one request per datagram of a SOCK_SEQPACKET socketpair:
 *
 *     "block ADDR SECONDS"  → "ok TIME COUNT" | "err REASON"
 *     "unblock ADDR"        → "ok" | "err REASON"
 *
 * Nothing else is accepted. Each request is parsed strictly and checked again against
 * the helper's own copy of the policy (block.h: --allow, loopback, own addresses,
 * gateways, name servers), the block-time bound and the helper's own per-minute cap, so
 * a compromised analysis process cannot block a friend or fill the set. The helper, not
 * the requester, decides how long: SECONDS is the first-offence time, doubled for each
 * earlier offence of ADDR recorded in nftables, at most max_seconds_cap; TIME is the
 * block time applied (the time left when ADDR was blocked already: then nothing changes
 * and the cap is not charged), COUNT its offence number. When the socket closes (the
 * detector exits, cleanly or not) the helper removes the table only with
 * `flush_on_exit`, and exits. */
#ifndef PR_DETECT_BLOCKHELPER_H
#define PR_DETECT_BLOCKHELPER_H

#include "core/addr.h"
#include "core/error.h"
#include "detect/block.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BLK_REQ_MAX 128 /* longest request datagram accepted */

enum blk_req_kind { BLK_REQ_BLOCK = 1, BLK_REQ_UNBLOCK };

struct blk_req {
    enum blk_req_kind kind;
    struct pr_addr addr;
    uint32_t seconds; /* block only */
};

/* Parses one request of len bytes (no NUL needed; one optional trailing newline);
 * seconds must be 1..max_seconds. Returns 0 or -1 with e naming the position. */
int blk_req_parse(const char *msg, size_t len, uint32_t max_seconds, struct blk_req *out,
                  struct pr_error *e);

struct blk_helper_cfg {
    struct blk_policy policy;
    uint32_t max_seconds;     /* the --block-time asked for: longer requests are refused */
    uint32_t max_seconds_cap; /* --block-time-max: repeat offences are blocked at most this */
    uint32_t max_per_min;
    int flush_on_exit; /* --flush-on-exit: delete the table on exit */
};

/* The helper's decision for one parsed request at now_us: NULL to go ahead, else why not.
 * rate is the helper's own cap. */
const char *blk_helper_check(const struct blk_helper_cfg *c, struct blk_rate *rate,
                             const struct blk_req *r, uint64_t now_us);

struct blk_helper {
    pid_t pid;
    int fd;
    uint32_t kept; /* blocks found in the sets at start */
};

/* Forks the helper and waits for it to report that the table is ready. */
int blk_helper_start(const struct blk_helper_cfg *c, struct blk_helper *h, struct pr_error *e);
/* Sends one request and waits (at most 2 s) for the answer; returns 0 for "ok" (what
 * follows "ok " copied to ans, "" when nothing), -1 with the helper's reason in e. */
int blk_helper_call(struct blk_helper *h, const char *req, char *ans, size_t anslen,
                    struct pr_error *e);
/* Closes the socket and waits (at most 5 s) for the helper to clean up and exit. */
void blk_helper_stop(struct blk_helper *h);

#endif
