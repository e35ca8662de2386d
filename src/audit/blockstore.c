/* blockstore.c — see blockstore.h. */
#include "audit/blockstore.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bst_record(struct hist_db *db, const struct bst_decision *d, struct pr_error *e)
{
    char scan[16], dec[24], exp[24];
    snprintf(scan, sizeof scan, "%" PRIu32, d->scan_id);
    snprintf(dec, sizeof dec, "%" PRId64, d->decided_us);
    snprintf(exp, sizeof exp, "%" PRId64, d->expires_us);
    const char *p[] = {d->addr, scan, d->evidence, d->reason, d->sensor, dec, exp};
    if (hist_begin(db, e) < 0)
        return -1;
    if (hist_exec(db,
                  "INSERT INTO block_decisions (addr, scan_id, evidence, reason, sensor, "
                  "decided_us, expires_us) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  7, p, NULL, NULL, e) < 0 ||
        hist_notify(db, BST_CHANNEL, e) < 0 || hist_commit(db, e) < 0) {
        hist_rollback(db);
        return -1;
    }
    return 0;
}

struct load_ctx {
    int (*cb)(void *ctx, const struct bst_decision *d);
    void *ctx;
    int n;
};

/* A whole decimal int64 in s, else -1 (errno-checked). */
static int num(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int text(char *dst, size_t len, const char *src)
{
    if (!src || strlen(src) >= len)
        return -1;
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int row(void *ctx, int ncol, const char *const *c)
{
    struct load_ctx *l = ctx;
    struct bst_decision d;
    memset(&d, 0, sizeof d);
    if (ncol < 11 || num(c[0], &d.id) < 0)
        return 1; /* the id is the key: without it the query is broken */
    int64_t scan = 0;
    if (text(d.addr, sizeof d.addr, c[1]) < 0 || num(c[2], &scan) < 0 || scan < 0 ||
        scan > UINT32_MAX || text(d.evidence, sizeof d.evidence, c[3]) < 0 ||
        text(d.reason, sizeof d.reason, c[4]) < 0 || text(d.sensor, sizeof d.sensor, c[5]) < 0 ||
        num(c[6], &d.decided_us) < 0 || num(c[7], &d.expires_us) < 0 ||
        num(c[8], &d.revoked_us) < 0 || text(d.revoked_by, sizeof d.revoked_by, c[9]) < 0 ||
        text(d.revoke_reason, sizeof d.revoke_reason, c[10]) < 0)
        d.addr[0] = '\0';
    d.scan_id = (uint32_t)scan;
    l->n++;
    return l->cb(l->ctx, &d);
}

#define BST_COLUMNS                                                                                \
    "SELECT id, addr, scan_id, evidence, reason, sensor, decided_us, expires_us, revoked_us, "     \
    "revoked_by, revoke_reason FROM block_decisions "

int bst_select(struct hist_db *db, enum bst_which which, int64_t after, int64_t now_us,
               const char *addr, int (*cb)(void *ctx, const struct bst_decision *d), void *ctx,
               struct pr_error *e)
{
    static const struct {
        const char *sql;
        int nparams; /* $1 after, $2 now_us, $3 addr */
    } q[] = {
        [BST_IN_FORCE] = {BST_COLUMNS "WHERE id > $1 AND expires_us > $2 AND revoked_us = 0 "
                                      "ORDER BY id",
                          2},
        [BST_REVOKED] = {BST_COLUMNS "WHERE revoked_us > 0 AND id > $1 AND expires_us > $2 "
                                     "ORDER BY id",
                         2},
        [BST_ADDR] = {BST_COLUMNS "WHERE id > $1 AND expires_us > $2 AND revoked_us = 0 AND "
                                  "addr = $3 ORDER BY id",
                      3},
        [BST_ALL] = {BST_COLUMNS "WHERE id > $1 ORDER BY id", 1},
    };
    if ((unsigned)which > BST_ALL)
        return pr_errf(e, "block decisions: unknown selection %d", (int)which);
    char a[24], now[24];
    snprintf(a, sizeof a, "%" PRId64, after);
    snprintf(now, sizeof now, "%" PRId64, now_us);
    const char *p[] = {a, now, addr ? addr : ""};
    struct load_ctx l = {cb, ctx, 0};
    if (hist_exec(db, q[which].sql, q[which].nparams, p, row, &l, e) < 0)
        return -1;
    return l.n;
}

int bst_load(struct hist_db *db, int64_t after, int64_t now_us,
             int (*cb)(void *ctx, const struct bst_decision *d), void *ctx, struct pr_error *e)
{
    return bst_select(db, BST_IN_FORCE, after, now_us, NULL, cb, ctx, e);
}

/* The decisions bst_revoke's match chose, before any is changed (a query's rows are not
 * updated while it runs). */
struct pick {
    int (*match)(void *ctx, const struct bst_decision *d);
    void *ctx;
    struct bst_decision *d;
    size_t n, cap;
};

static int pick_one(void *ctx, const struct bst_decision *d)
{
    struct pick *k = ctx;
    if (!k->match(k->ctx, d))
        return 0;
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 16;
        k->d = pr_reallocarray(k->d, k->cap, sizeof *k->d);
    }
    k->d[k->n++] = *d;
    return 0;
}

static int count_row(void *ctx, int ncol, const char *const *c)
{
    (void)ncol;
    (void)c;
    (*(int *)ctx)++;
    return 0;
}

int bst_revoke(struct hist_db *db, int64_t now_us, const char *by, const char *reason,
               int (*match)(void *ctx, const struct bst_decision *d),
               void (*done)(void *ctx, const struct bst_decision *d), void *ctx, struct pr_error *e)
{
    struct pick k = {match, ctx, NULL, 0, 0};
    char now[24], id[24];
    snprintf(now, sizeof now, "%" PRId64, now_us);
    if (hist_begin(db, e) < 0)
        return -1;
    int n = 0;
    if (bst_select(db, BST_IN_FORCE, 0, now_us, NULL, pick_one, &k, e) < 0)
        goto fail;
    for (size_t i = 0; i < k.n; i++) {
        snprintf(id, sizeof id, "%" PRId64, k.d[i].id);
        const char *p[] = {now, by, reason, id};
        int changed = 0;
        /* revoked_us = 0: a decision revoked meanwhile by someone else keeps their name */
        if (hist_exec(db,
                      "UPDATE block_decisions SET revoked_us = $1, revoked_by = $2, "
                      "revoke_reason = $3 WHERE id = $4 AND revoked_us = 0 RETURNING id",
                      4, p, count_row, &changed, e) < 0)
            goto fail;
        if (!changed)
            continue;
        k.d[i].revoked_us = now_us;
        snprintf(k.d[i].revoked_by, sizeof k.d[i].revoked_by, "%s", by);
        snprintf(k.d[i].revoke_reason, sizeof k.d[i].revoke_reason, "%s", reason);
        k.d[n++] = k.d[i];
    }
    if (n > 0 ? hist_notify(db, BST_CHANNEL, e) < 0 || hist_commit(db, e) < 0
              : hist_commit(db, e) < 0)
        goto fail;
    for (int i = 0; done && i < n; i++)
        done(ctx, &k.d[i]);
    free(k.d);
    return n;
fail:
    hist_rollback(db);
    free(k.d);
    return -1;
}

int bst_prune(struct hist_db *db, int64_t before_us, struct pr_error *e)
{
    char b[24];
    snprintf(b, sizeof b, "%" PRId64, before_us);
    const char *p[] = {b};
    int n = 0;
    if (hist_begin(db, e) < 0)
        return -1;
    /* by the expiry alone (its index): a revocation stays as long as the block it lifts, so
     * that a host that was away when it was made still lifts it when it comes back */
    if (hist_exec(db, "DELETE FROM block_decisions WHERE expires_us < $1 RETURNING id", 1, p,
                  count_row, &n, e) < 0 ||
        hist_commit(db, e) < 0) {
        hist_rollback(db);
        return -1;
    }
    return n;
}
