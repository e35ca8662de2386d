/* passive.h — what the sensor learns about hosts without asking them: the OS of every
 * SYN and SYN+ACK sender (p0f's database, for alerts' `src_os`) and, with `--assets`, the
 * inventory of the home network (assets.h), written as JSON lines; with `--learn` or
 * `--baseline`, each home host's baseline and its alerts (baseline.h); with `--db`, both
 * kept in the history store.
 *
 * Opened by detect/run.c before the privilege drop (the database, the MAC vendors and the
 * --assets file), fed every decoded event, written at the end of the input and every
 * `--assets-every` when live. Single-threaded; all state in struct det_passive. */
#ifndef PR_DETECT_PASSIVE_H
#define PR_DETECT_PASSIVE_H

#include "core/error.h"
#include "detect/assets.h"
#include "detect/event.h"

#include <stdint.h>
#include <stdio.h>

#define DET_MAX_HOME_NETS 64

/* One block decision of `detect --block` (blockresp.c), as text for the store. */
struct det_block_decision {
    const char *addr;               /* the source blocked */
    uint32_t scan_id;               /* the scan it was blocked for */
    const char *evidence;           /* its block_evidence names, comma-separated */
    const char *reason;             /* "syn portscan, N ports" */
    const char *sensor;             /* det_store.sensor */
    int64_t decided_us, expires_us; /* unix time */
};

/* The history store (--db): the command line wires audit's store in (cli/detect_cli.c), so
 * that the detect layer includes nothing of audit. Each function returns 0 or -1 with e. */
struct det_store {
    void *ctx;
    /* Replaces the stored passive inventory with these JSON lines (assets.h's format). */
    int (*save_inventory)(void *ctx, const char *jsonl, size_t len, struct pr_error *e);
    /* Stores a baseline document (baseline.h's format). */
    int (*save_baseline)(void *ctx, const char *json, size_t len, struct pr_error *e);
    /* The newest stored baseline (malloc'd; NULL and *len 0 when there is none). */
    int (*load_baseline)(void *ctx, char **json, size_t *len, struct pr_error *e);
    /* Records a block decision for the fleet (`portreeve block --sync`, docs/block.md). */
    int (*save_block)(void *ctx, const struct det_block_decision *d, struct pr_error *e);
    const char *sensor; /* this sensor's name in the decisions (--sensor, else the host name) */
};

struct det_passive_config {
    const char *home[DET_MAX_HOME_NETS]; /* --home-net CIDRs */
    unsigned nhome;           /* 0: the networks of iface (-i), else the private ranges */
    const char *iface;        /* -i, for the default home networks */
    const char *assets;       /* --assets FILE, or NULL: no inventory */
    uint64_t assets_every_us; /* live: rewrite the file this often (0: 60 s) */
    const char *p0f_path;     /* NULL: /etc/p0f/p0f.fp */
    int inventory;            /* keep the inventory without --assets (--web, --report) */
    uint64_t learn_us;        /* --learn: learning time (BL_LEARN_ALL: all of it; 0: none) */
    const char *baseline;     /* --baseline FILE (loaded at start, rewritten with the inventory) */
    const struct det_store *store; /* --db, or NULL */
    uint32_t max_hosts;            /* --max-assets: home hosts kept (0: 65536) */
    /* NULL, or an open picture whose p0f database this one matches with too (read only; it
     * outlives this one: --workers share the run's) */
    const struct det_passive *share_db;
};

struct det_passive;
struct blk_cidr;

/* The home network of c: its --home-net CIDRs, else the networks of c->iface, else the
 * private ranges (assets.h assets_default_home). Returns how many were put in out (at most
 * max), or -1 with e filled on a bad CIDR. */
int det_passive_home(const struct det_passive_config *c, struct blk_cidr *out, unsigned max,
                     struct pr_error *e);

/* Returns NULL with e filled on a bad --home-net or an --assets file that cannot be
 * written. A missing p0f database costs only the OS names (one warning on stderr). */
struct det_passive *det_passive_open(const struct det_passive_config *c, struct pr_error *e);
/* The engine that baseline alerts (new_service, lateral_fanout) go through. */
struct det_engine;
void det_passive_set_engine(struct det_passive *p, struct det_engine *d);
/* One decoded event (a datagram with ev->ip, or an ARP/ND binding). */
void det_passive_event(struct det_passive *p, const struct det_event *ev);
/* The OS of an address, for det_engine_set_os_namer (ctx: the det_passive); NULL unknown. */
const char *det_passive_os(void *ctx, const struct pr_addr *a);
/* Rewrites the --assets and --baseline files and the --db store when due (live) or now
 * (final); 0, or -1 on a write error (reported on stderr). */
int det_passive_write(struct det_passive *p, uint64_t now_us, int final);
/* Summary lines on f ("assets: ...", "baseline: ..."), when there is an inventory. */
void det_passive_summary(const struct det_passive *p, FILE *f);
/* The inventory (NULL without --assets or inventory), for the page (view.h). */
const struct assets *det_passive_assets(const struct det_passive *p);
void det_passive_close(struct det_passive *p);

#endif
