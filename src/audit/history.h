/* history.h — the history of scans and audits: an SQLite file (default) or a PostgreSQL
 * database (`postgresql://...` or `postgres://...`), same schema, versioned migrations.
 *
 * Used by `portreeve audit`, `scan --db`, `history` and `diff`. One connection per
 * process; each run is written in one transaction, so an interrupted audit leaves the
 * earlier history intact. SQLite runs in WAL mode with a busy timeout and writes with
 * BEGIN IMMEDIATE, so concurrent audits on one file wait for each other instead of failing.
 * The backends are tables of functions (hist_sqlite.c, hist_pg.c) behind struct hist_db. */
#ifndef PR_AUDIT_HISTORY_H
#define PR_AUDIT_HISTORY_H

#include "audit/snapshot.h"
#include "core/error.h"
#include "output/result.h"

#include <stddef.h>
#include <stdint.h>

#define HIST_SCHEMA_VERSION 6
#define HIST_TEXT 4352
#define HIST_KEY 128 /* a --run-id, at most this long less one */

enum viol_kind { VK_OPEN = 0, VK_MISSING, VK_DOWN, VK_CVE, VK_COUNT };
const char *viol_kind_name(int kind); /* "unexpected-open", "expected-closed", ... */

struct violation {
    int kind; /* enum viol_kind */
    int warn; /* 1: reported, not counted for the exit code */
    char addr[PR_ADDRSTRLEN];
    char host[SNAP_NAME]; /* host name when known */
    uint8_t proto;
    uint16_t port; /* 0 for host-level findings */
    char state[SNAP_STATE];
    char section[256]; /* "[web], [dns]" */
    char detail[512];
};

struct hist_run {
    int64_t id;
    int64_t started, ended; /* unix seconds */
    char kind[8];           /* "scan" or "audit" */
    char policy[HIST_TEXT]; /* absolute policy path for audits, "" for scans */
    char args[HIST_TEXT];
    int status;     /* exit code of the audit (0 compliant, 1 violations); 0 for scans */
    int violations; /* counted ones */
    int hosts_up, nhosts, open_ports;
    /* sharded and named runs (schema 5): --run-id, N of --shard I/N (0: not sharded),
     * how many shards have finished, and the unfinished ones as "2,3" ("" none) */
    char run_key[HIST_KEY];
    int shard_total, shards_done;
    char missing[256];
};

/* Whether a run is a sharded one of which some shards have not finished. */
#define HIST_INCOMPLETE(r) ((r)->shard_total > 0 && (r)->shards_done < (r)->shard_total)

/* One shard of a sharded run, as registered by `scan --shard I/N --run-id`. */
struct hist_shard {
    int index; /* I, 1-based */
    char host[256];
    int64_t started, ended; /* unix seconds; ended 0 while it has not finished */
};

/* What every shard of one run must agree on, as text (compared field by field). */
struct hist_shard_params {
    char targets[512];     /* "5 addresses 198.18.0.1..198.18.0.5 digest 0123..." */
    char ports[HIST_TEXT]; /* "tcp 1-1024 udp 53" */
    char techniques[64];   /* "syn,udp" */
    char seed[40];         /* the permutation key, hex */
    unsigned count;        /* N */
};

struct hist_db;

/* Opens (creating and migrating as needed). `uri` NULL or "" means the default SQLite file
 * (hist_default_path). Returns NULL with e filled. */
struct hist_db *hist_open(const char *uri, struct pr_error *e);
void hist_close(struct hist_db *db);
/* $XDG_DATA_HOME/portreeve/history.sqlite or ~/.local/share/portreeve/history.sqlite,
 * creating the directory (0700). Returns 0 or -1. */
int hist_default_path(char *buf, size_t len, struct pr_error *e);

/* Stores one run in one transaction; sets run->id. */
int hist_store(struct hist_db *db, struct hist_run *run, const struct snapshot *s,
               const struct violation *v, size_t nv, struct pr_error *e);
/* Runs in id order (oldest first); with `policy` only that policy's audits; the last
 * `limit` (0: all). *out is allocated (free it). */
int hist_list(struct hist_db *db, const char *policy, size_t limit, struct hist_run **out,
              size_t *n, struct pr_error *e);
/* One run and its snapshot. Returns 0, 1 when there is no such run, -1 on error. */
int hist_load(struct hist_db *db, int64_t id, struct hist_run *run, struct snapshot *s,
              struct pr_error *e);
/* The violations of a run (*out allocated). */
int hist_violations(struct hist_db *db, int64_t id, struct violation **out, size_t *n,
                    struct pr_error *e);
/* The newest run of `policy` with id < before (before 0: any). 0 found, 1 none, -1 error. */
int hist_previous(struct hist_db *db, const char *policy, int64_t before, int64_t *id,
                  struct pr_error *e);
/* For the other stores in the same database (audit/passive.c): one statement with
 * $1..$n text parameters, each result row to cb (NULL columns as NULL; cb non-zero stops
 * the query); and a write transaction around several. Each returns 0 or -1 with e. */
int hist_exec(struct hist_db *db, const char *sql, int nparams, const char *const *params,
              int (*cb)(void *ctx, int ncol, const char *const *col), void *ctx,
              struct pr_error *e);
int hist_begin(struct hist_db *db, struct pr_error *e);
int hist_commit(struct hist_db *db, struct pr_error *e);
void hist_rollback(struct hist_db *db);
/* Notifications (PostgreSQL's LISTEN/NOTIFY; audit/blockstore.c): hist_notify sends one on
 * channel (delivered at the commit of the current transaction; nothing with SQLite);
 * hist_listen subscribes this connection (-1 with SQLite); hist_wait waits at most
 * timeout_ms for one and consumes all that arrived: 1 some arrived, 0 none, -1 with e
 * when the connection is lost (close it and open a new one). */
int hist_notify(struct hist_db *db, const char *channel, struct pr_error *e);
int hist_listen(struct hist_db *db, const char *channel, struct pr_error *e);
int hist_wait(struct hist_db *db, int timeout_ms, struct pr_error *e);
/* `scan --db`: open, store r as a "scan" run, close. With run_key (--run-id; NULL or ""
 * none) and shard_count 0 the run is named so (a name already used is refused); with
 * shard_count N > 0, r is shard shard_index (0-based) of the run that hist_shard_begin
 * registered: its hosts and ports join the run's (a host's "up" is the OR over shards)
 * and the shard is marked finished. */
int hist_store_scan(const char *uri, const struct scan_result *r, const char *run_key,
                    unsigned shard_index, unsigned shard_count, int64_t *id, struct pr_error *e);
/* `scan --shard I/N --run-id KEY --db URI`, before the scan: creates the run on the first
 * shard to arrive, or checks p against the run's parameters (an error names the differing
 * one: targets, ports, techniques, seed or N), and records shard index (0-based) as
 * started on `host`. A shard that already finished is refused; one that started but never
 * finished may run again. Returns 0 with *run_id, or -1 with e. */
int hist_shard_begin(const char *uri, const char *run_key, unsigned index,
                     const struct hist_shard_params *p, const char *args, const char *host,
                     int64_t *run_id, struct pr_error *e);
/* The shards registered for run id, in index order (*out allocated). */
int hist_shards(struct hist_db *db, int64_t id, struct hist_shard **out, size_t *n,
                struct pr_error *e);
/* The run named by `spec`: a run id number, else a --run-id name. 0 found, 1 none, -1 error. */
int hist_find(struct hist_db *db, const char *spec, int64_t *id, struct pr_error *e);

#endif
