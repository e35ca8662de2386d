/* blockresp.h — the `detect --block` responder: the engine's hook (engine.h
 * det_engine_set_responder) that turns a scan alert into a block.
 *
 * For every alert: is the source protected, is the evidence spoof-proof, has its threat
 * level reached --block-level, is it already
 * blocked, is the per-minute cap open (block.h)? If all say yes, it asks the helper
 * (blockhelper.h) for "block ADDR SECONDS" (the helper lengthens it for a repeat
 * offender) and answers "blocked"; with --dry-run it
 * touches nothing and answers "would_block". Reasons for not blocking a newly reported
 * source go to stderr. blk_open() runs before the detector drops its capabilities. */
#ifndef PR_DETECT_BLOCKRESP_H
#define PR_DETECT_BLOCKRESP_H

#include "core/error.h"
#include "detect/alert.h"
#include "detect/block.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct blk_options {
    bool dry_run;                     /* --dry-run */
    bool flags_only;                  /* --block-on-flags-only: stealth probes alone suffice */
    bool flush_on_exit;               /* --flush-on-exit (default: blocks outlive detect) */
    uint32_t seconds;                 /* --block-time (default 3600) */
    uint32_t seconds_max;             /* --block-time-max for repeat offenders (7 days) */
    uint32_t max_per_min;             /* --max-blocks-per-min (default 10) */
    uint32_t block_level;             /* --block-level: the alert's threat_level needed (0) */
    const char *allow[BLK_MAX_CIDRS]; /* --allow CIDR */
    unsigned nallow;
    const char *anyway[BLK_MAX_CIDRS]; /* --block-anyway CIDR */
    unsigned nanyway;
    const char *resolv; /* resolv.conf to read (NULL: /etc/resolv.conf) */
};

void blk_options_defaults(struct blk_options *o);

struct blk_stats {
    uint64_t blocked, would_block, protected_, no_evidence, capped, already, errors;
    uint64_t below_level; /* alerts whose threat level was below --block-level */
};

struct blk_responder;

/* Builds the policy (options + the system's addresses) and, unless dry_run, starts the
 * helper, which creates the nftables table or keeps the one it finds, with its blocks.
 * log receives the reasons (stderr). */
int blk_open(const struct blk_options *o, FILE *log, struct blk_responder **out,
             struct pr_error *e);
/* Same without the system's addresses and without a helper: for unit tests (dry run
 * only, or with a call function standing in for the helper). */
struct blk_responder *
blk_open_test(const struct blk_options *o, const struct blk_policy *p, FILE *log,
              int (*call)(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e),
              void *call_ctx);
/* Applies options reread from the configuration (SIGHUP): --allow, --block-anyway,
 * --block-time, --block-on-flags-only, --max-blocks-per-min. The helper keeps the policy
 * and the bounds it was started with (so a block time above the first one, or an address
 * the new options no longer protect, is refused by it until a restart). --dry-run and
 * --block-time-max cannot change. Returns 0, or -1 with e filled and nothing changed. */
int blk_reconfigure(struct blk_responder *r, const struct blk_options *o, struct pr_error *e);
/* Blocks found in nftables at start (an earlier run's). */
uint32_t blk_kept(const struct blk_responder *r);
/* The engine hook (det_responder_fn): returns "blocked", "would_block" or "none". */
const char *blk_respond(void *ctx, const struct det_alert *a);
const struct blk_stats *blk_stats(const struct blk_responder *r);
/* With `detect --db`: every block made from now on is also recorded in s (passive.h
 * save_block) for the fleet; s must outlive r. A failed record is reported on the log and
 * the block stays. */
struct det_store;
void blk_set_store(struct blk_responder *r, const struct det_store *s);
/* Stops the helper (which removes the table only with --flush-on-exit) and frees r. */
void blk_close(struct blk_responder *r);

#endif
