/* blockstore.h — the fleet's block decisions in the history store (table block_decisions,
 * schema versions 4 and 6): `detect --db URI --block` records each decision of its
 * responder (the source, the scan, its evidence, why, the sensor, when it was decided and
 * when it expires) and notifies the channel BST_CHANNEL; `portreeve block --sync URI`
 * loads the unexpired ones and, LISTENing on the channel, each new one (cli/block_cli.c).
 * `portreeve block --db URI unblock` revokes decisions fleet-wide (the row stays, with who
 * revoked it, when and why) and notifies too; the syncs then lift them, and delete the
 * rows that ended (expired or revoked) longer than their retention ago.
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
#define BST_RETAIN_DEFAULT (30u * 86400) /* block --sync --retain: 30 days */
#define BST_RETAIN_MAX (3650u * 86400)   /* ten years */

struct bst_decision {
    int64_t id;                   /* set by the store (0 before it is recorded) */
    char addr[PR_ADDRSTRLEN];     /* the blocked source, as addr_str writes it */
    uint32_t scan_id;             /* the sensor's scan id */
    char evidence[BST_TEXT];      /* block_evidence names, comma-separated */
    char reason[BST_TEXT];        /* "syn portscan, 100 ports" */
    char sensor[BST_TEXT];        /* the deciding sensor's name */
    int64_t decided_us;           /* unix time, microseconds */
    int64_t expires_us;           /* unix time, microseconds */
    int64_t revoked_us;           /* when an operator revoked it (0: not revoked) */
    char revoked_by[BST_TEXT];    /* "alice@fw-1" */
    char revoke_reason[BST_TEXT]; /* the operator's --reason, "" none */
};

/* Which decisions bst_select reads, in id order. */
enum bst_which {
    BST_IN_FORCE, /* id > after, unexpired at now_us, not revoked: what a host applies */
    BST_REVOKED,  /* revoked, unexpired at now_us: what a host lifts */
    BST_ADDR,     /* in force (as BST_IN_FORCE) for the address addr only */
    BST_ALL,      /* every row still kept (history), id > after */
};

/* Records d in one transaction and notifies BST_CHANNEL at its commit. 0 or -1 with e. */
int bst_record(struct hist_db *db, const struct bst_decision *d, struct pr_error *e);

/* Calls cb for every decision with id > after that expires after now_us, in id order;
 * a row whose fields cannot be read arrives with addr "" (cb names it by id). cb
 * returns non-zero to stop. Returns the number of decisions, or -1 with e. */
int bst_load(struct hist_db *db, int64_t after, int64_t now_us,
             int (*cb)(void *ctx, const struct bst_decision *d), void *ctx, struct pr_error *e);

/* The decisions `which` selects (addr: only with BST_ADDR, else ignored), to cb as
 * bst_load does. Returns their number, or -1 with e. */
int bst_select(struct hist_db *db, enum bst_which which, int64_t after, int64_t now_us,
               const char *addr, int (*cb)(void *ctx, const struct bst_decision *d), void *ctx,
               struct pr_error *e);

/* Revokes, in one transaction notified on BST_CHANNEL at its commit, every decision in
 * force at now_us (unexpired, not revoked) for which match returns non-zero: each row
 * keeps its history and gets revoked_us = now_us, revoked_by `by` and revoke_reason
 * `reason` (both printable text shorter than BST_TEXT; the caller checks). done, when not
 * NULL, receives each revoked decision. Returns how many were revoked (0: none matched,
 * nothing notified), or -1 with e and nothing changed. */
int bst_revoke(struct hist_db *db, int64_t now_us, const char *by, const char *reason,
               int (*match)(void *ctx, const struct bst_decision *d),
               void (*done)(void *ctx, const struct bst_decision *d), void *ctx,
               struct pr_error *e);

/* Retention: deletes, in one transaction, the decisions that expired or were revoked
 * before before_us (both columns indexed). Safe when several hosts do it at once (the
 * history's write transactions are serialised). Returns how many rows went, or -1 with e. */
int bst_prune(struct hist_db *db, int64_t before_us, struct pr_error *e);

#endif
