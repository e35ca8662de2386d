/* scan.h — the entry point that runs one configured scan (scan/config.h).
 *
 * scan_run() resolves routes, discovers hosts, runs each technique through the raw
 * engine (scan/engine.c) or the connect engine (scan/connect.c) and fills the result
 * model (output/result.h) that the outputs serialise. */
#ifndef PR_SCAN_SCAN_H
#define PR_SCAN_SCAN_H

#include "core/error.h"
#include "output/result.h"
#include "scan/config.h"

#include <signal.h>

/* Runs the scan and fills r. Hosts are scanned in groups of at most SCAN_GROUP_PAIRS
 * (host, port) pairs per technique, each group finished (every technique, then -sV, then -O)
 * before the next starts; with cfg->sink the group's hosts go to it and their ports are
 * freed. Returns 0, or -1 with e filled (runtime failure).
 * `stop` is polled: when it becomes non-zero the scan ends early with what it has. */
int scan_run(struct scan_config *cfg, struct scan_result *r, volatile sig_atomic_t *stop,
             struct pr_error *e);

#endif
