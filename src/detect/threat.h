/* threat.h — how dangerous an address is, 0-100, from the alerts that name it as their
 * source (an outside scanner, a home host that sweeps), decaying while it stays quiet; and
 * what to do about it (`recommended_actions`).
 *
 * Called by behave.c for every alert the engine or the web analyzer emits, before the
 * responder, so that `--block-level` can act on the level (blockresp.h). The formula is in
 * docs/detect.md. All memory is taken at creation (a fixed table, keyed SipHash, the
 * lowest level evicted): forged sources cannot grow it. Single-threaded. */
#ifndef PR_DETECT_THREAT_H
#define PR_DETECT_THREAT_H

#include "core/error.h"
#include "detect/alert.h"

#include <stdint.h>

#define THR_HALF_LIFE_US (3600ull * 1000000u) /* a level halves per quiet hour */
#define THR_BLOCK_LEVEL 40 /* the level from which "block" is advised for an outside source */

struct thr_table;

/* A table of max_entries addresses (at least 8) whose levels halve every half_life_us.
 * Returns NULL with e filled on a bad size. */
struct thr_table *thr_new(uint32_t max_entries, uint64_t half_life_us, struct pr_error *e);
/* The points of one alert's evidence (0-100): a->threat_level when its producer preset it
 * (web alerts), else by event, size, open ports found, named tool and evidence. */
unsigned thr_points(const struct det_alert *a);
/* Adds a's points to its source's level (the later lines of one scan add only what its
 * points grew by) at a->ts_us and returns the level, 0-100. Alerts without a source: 0. */
unsigned thr_assess(struct thr_table *t, const struct det_alert *a);
/* The level of addr at now_us (decayed), 0 when unknown. */
unsigned thr_level(const struct thr_table *t, const struct pr_addr *addr, uint64_t now_us);
/* Fills a->actions from the alert and its threat_level: block (an outside source from
 * THR_BLOCK_LEVEL), watch (below), isolate (a home host that sweeps: "isolate ADDR: it
 * sweeps TCP 23 and 2323"), check (another home source), do not block (forged evidence);
 * then close (each open port the scan found on one target) or check the logs (a
 * scan_then_connect). src_home: the source is in the home network. */
void thr_advise(struct det_alert *a, int src_home);
void thr_free(struct thr_table *t);

#endif
