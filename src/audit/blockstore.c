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
    if (ncol < 8 || num(c[0], &d.id) < 0)
        return 1; /* the id is the key: without it the query is broken */
    int64_t scan = 0;
    if (text(d.addr, sizeof d.addr, c[1]) < 0 || num(c[2], &scan) < 0 || scan < 0 ||
        scan > UINT32_MAX || text(d.evidence, sizeof d.evidence, c[3]) < 0 ||
        text(d.reason, sizeof d.reason, c[4]) < 0 || text(d.sensor, sizeof d.sensor, c[5]) < 0 ||
        num(c[6], &d.decided_us) < 0 || num(c[7], &d.expires_us) < 0)
        d.addr[0] = '\0';
    d.scan_id = (uint32_t)scan;
    l->n++;
    return l->cb(l->ctx, &d);
}

int bst_load(struct hist_db *db, int64_t after, int64_t now_us,
             int (*cb)(void *ctx, const struct bst_decision *d), void *ctx, struct pr_error *e)
{
    char a[24], now[24];
    snprintf(a, sizeof a, "%" PRId64, after);
    snprintf(now, sizeof now, "%" PRId64, now_us);
    const char *p[] = {a, now};
    struct load_ctx l = {cb, ctx, 0};
    if (hist_exec(db,
                  "SELECT id, addr, scan_id, evidence, reason, sensor, decided_us, expires_us "
                  "FROM block_decisions WHERE id > $1 AND expires_us > $2 ORDER BY id",
                  2, p, row, &l, e) < 0)
        return -1;
    return l.n;
}
