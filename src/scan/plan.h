/* plan.h — the shape of a scan before it runs: host groups, target windows, the
 * first-pass probe count, and the summary `--dry-run` prints.
 *
 * scan_run() takes its group and window sizes from here, so the summary and the scan
 * agree. A target list is a compact set of ranges (core/targets.h); the scan
 * materialises at most one window of targets at a time (their results, routes and
 * engine state), so memory does not grow with the size of the range. Pure arithmetic on
 * the configuration: no route lookup, no I/O but scan_plan_print. */
#ifndef PR_SCAN_PLAN_H
#define PR_SCAN_PLAN_H

#include "scan/config.h"

#include <stdint.h>
#include <stdio.h>

/* Targets whose results, routes and engine state exist at one time (a /16). */
#define SCAN_WINDOW_HOSTS ((uint64_t)1 << 16)
/* Most targets of a scan that keeps its whole result (--db, audit): ~200 MB. */
#define SCAN_KEEP_MAX ((uint64_t)1 << 20)
/* Most first-pass probes a --dry-run lists one by one; larger plans print the summary. */
#define SCAN_DRY_LIST_MAX ((uint64_t)1 << 20)
/* Most answers a scan keeps for --resume (24 bytes each; one per finished host in most
 * scans, ~24 MiB); a scan stopped beyond that says it cannot be resumed. */
#define SCAN_RESUME_ITEMS_MAX ((size_t)1 << 20)

struct scan_plan {
    uint64_t targets;  /* after merging and exclusions */
    size_t ntcp, nudp; /* ports of the TCP and of the UDP techniques (0 when none) */
    size_t ntech;
    size_t group_hosts; /* most up hosts per host group */
    uint64_t window;    /* targets per window: a multiple of group_hosts */
    uint64_t groups;    /* host groups when every target is up (-Pn, --dry-run) */
    uint64_t probes;    /* first-pass probes of this shard when every target is up */
};

/* Fills p from cfg (targets finished, techniques and ports set). keep_all: the scan keeps
 * its whole result (no sink), so it is one window. */
void scan_plan_make(const struct scan_config *cfg, int keep_all, struct scan_plan *p);

/* Writes the --dry-run summary: targets, ports, techniques, probes, groups, shard and the
 * estimated first-pass time at the configured rate. */
void scan_plan_print(FILE *f, const struct scan_config *cfg, const struct scan_plan *p);

#endif
