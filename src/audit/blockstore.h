/* blockstore.h — the fleet's block decisions in the history store (table block_decisions,
 * schema version 4): `detect --db URI --block` records each decision of its responder
 * (the source, the scan, its evidence, why, the sensor, when it was decided and when it
 * expires) and notifies the channel BST_CHANNEL; `portreeve block --sync URI` loads the
 * unexpired ones and, LISTENing on the channel, each new one (cli/block_cli.c).
 *
 * Text in, text out: audit includes nothing of detect (the detect layer reaches the
 * writer through its det_store table, detect/passive.h). Notification needs PostgreSQL;
 * with SQLite the decisions are only recorded. */
#ifndef PR_AUDIT_BLOCKSTORE_H
#define PR_AUDIT_BLOCKSTORE_H

#include "audit/history.h"
#include "core/addr.h"
#include "core/error.h"

#include <stdint.h>

#define BST_CHANNEL "portreeve_blocks"
#define BST_TEXT 256

struct bst_decision {
    int64_t id;               /* set by the store (0 before it is recorded) */
    char addr[PR_ADDRSTRLEN]; /* the blocked source, as addr_str writes it */
    uint32_t scan_id;         /* the sensor's scan id */
    char evidence[BST_TEXT];  /* block_evidence names, comma-separated */
    char reason[BST_TEXT];    /* "syn portscan, 100 ports" */
    char sensor[BST_TEXT];    /* the deciding sensor's name */
    int64_t decided_us;       /* unix time, microseconds */
    int64_t expires_us;       /* unix time, microseconds */
};

/* Records d in one transaction and notifies BST_CHANNEL at its commit. 0 or -1 with e. */
int bst_record(struct hist_db *db, const struct bst_decision *d, struct pr_error *e);

/* Calls cb for every decision with id > after that expires after now_us, in id order;
 * a row whose fields cannot be read arrives with addr "" (cb names it by id). cb
 * returns non-zero to stop. Returns the number of decisions, or -1 with e. */
int bst_load(struct hist_db *db, int64_t after, int64_t now_us,
             int (*cb)(void *ctx, const struct bst_decision *d), void *ctx, struct pr_error *e);

#endif
