/* behave.h — behaviour of the network rather than single scans (the NDR issue): a home
 * host that sweeps many outside hosts on a few ports is an `outbound_sweep` (a worm); a source
 * that scanned and then completed a connection to an open port it found is a
 * `scan_then_connect`, a new alert of the scan's incident; and every alert gets the
 * threat level of its source and recommended actions (threat.h).
 *
 * Created by detect/run.c after the engine, which it hooks (engine.h det_hooks): it sees
 * every alert before the responder, and the engine's proven handshakes of scanners. Its
 * own alerts go through det_engine_emit like the web analyzer's. Also tells the engine
 * which sources are home hosts, whose answered requests are client traffic, not probes.
 * Single-threaded; all state in struct det_behave. */
#ifndef PR_DETECT_BEHAVE_H
#define PR_DETECT_BEHAVE_H

#include "core/error.h"
#include "detect/alert.h"
#include "detect/block.h"
#include "detect/engine.h"

#include <stdint.h>

#define BEH_MAX_HOME 64
#define BEH_SWEEP_PORTS 16 /* an outbound sweep probes at most this many ports */

struct beh_config {
    struct blk_cidr home[BEH_MAX_HOME]; /* the home network (passive.h det_passive_home) */
    unsigned nhome;
    uint32_t max_sources;  /* threat table entries (default 65536) */
    uint64_t half_life_us; /* threat decay (default THR_HALF_LIFE_US) */
};

struct det_behave;

/* Hooks d (det_engine_set_hooks). Returns NULL with e filled on a bad configuration. */
struct det_behave *det_behave_new(const struct beh_config *c, struct det_engine *d,
                                  struct pr_error *e);
int det_behave_is_home(const struct det_behave *b, const struct pr_addr *a);
/* The event of a scan alert: `outbound_sweep` for a home source's sweep (more than one
 * host) out of the home network (its first target, a->dst, is not a home host: a sweep of
 * home hosts is lateral) of at most BEH_SWEEP_PORTS ports that probed at least as many
 * hosts as ports; else a->event unchanged. */
const char *det_behave_event(const struct det_alert *a, int src_home, int dst_home);
/* The enrich hook (det_hooks.enrich; ctx: the det_behave): event, threat level, actions. */
void det_behave_enrich(void *ctx, struct det_alert *a);
/* The connect hook (det_hooks.connect): emits `scan_then_connect` once per (incident,
 * target, port). */
void det_behave_connect(void *ctx, const struct det_connect *c);
/* The threat level of addr at now_us (0-100; 0 unknown). */
unsigned det_behave_level(const struct det_behave *b, const struct pr_addr *addr, uint64_t now_us);
/* scan_then_connect alerts emitted, and those the token bucket suppressed. */
uint64_t det_behave_connects(const struct det_behave *b, uint64_t *suppressed);
void det_behave_free(struct det_behave *b);

#endif
