/* scan_shard.h — `scan --run-id ID [--shard I/N] --db URI`: a named run, or one shard of a
 * run that N scanners store together (audit/history.h keeps the run).
 *
 * Called by cli/scan_cli.c before the scan (scan_shard_begin registers the shard, so that
 * a shard with other parameters is refused before any packet) and after it (the shard's
 * part is stored by hist_store_scan). */
#ifndef PR_CLI_SCAN_SHARD_H
#define PR_CLI_SCAN_SHARD_H

#include "core/error.h"
#include "scan/config.h"

#include <stdint.h>

/* Checks a --run-id value: 1 to 127 characters of [A-Za-z0-9._:@+-], not all digits (a
 * number names a run by its id). 0 or -1 with e. */
int scan_run_id_check(const char *id, struct pr_error *e);
/* Registers shard cfg->shard_index of run `run_id` in the history at `db_uri` with the
 * parameters every shard must share (targets, ports, techniques, seed, N); a run without
 * shards is only checked to be new (it is stored whole at the end). seed_given: --seed was
 * on the command line (shards need one). Returns 0, or -1 with e. */
int scan_shard_begin(const struct scan_config *cfg, const char *db_uri, const char *run_id,
                     int seed_given, struct pr_error *e);

#endif
