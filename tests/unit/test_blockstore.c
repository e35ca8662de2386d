/* test_blockstore.c — the fleet's block decisions: recorded and loaded back through a real
 * SQLite history (id order, only the unexpired ones, only those after an id, a row that
 * cannot be read arrives without an address), notification refused without PostgreSQL,
 * the local check of block --sync (blk_sync_check: allowlist, loopback, expiry,
 * rounding, cap, bad text); revocation (by a match, only decisions in force, the row kept
 * with who/when/why, not loaded again, a second revocation changes nothing), the
 * selections of block --sync and block --db list, retention (expired and revoked rows
 * older than the cut-off deleted, newer ones kept) and the migration of a schema-5
 * database (its decisions kept, not revoked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/blockstore.h"
#include "detect/blocksync.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pr-test-bst-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct got {
    struct bst_decision d[8];
    int n;
};

static int collect(void *ctx, const struct bst_decision *d)
{
    struct got *g = ctx;
    if (g->n < 8)
        g->d[g->n++] = *d;
    return 0;
}

static void decision(struct bst_decision *d, const char *addr, uint32_t scan, int64_t decided,
                     int64_t expires)
{
    memset(d, 0, sizeof *d);
    snprintf(d->addr, sizeof d->addr, "%s", addr);
    d->scan_id = scan;
    snprintf(d->evidence, sizeof d->evidence, "halfopen");
    snprintf(d->reason, sizeof d->reason, "syn portscan");
    snprintf(d->sensor, sizeof d->sensor, "s1");
    d->decided_us = decided;
    d->expires_us = expires;
}

static void test_record_load(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/h.sqlite", dir);
    struct pr_error e = {""};
    struct hist_db *db = hist_open(p, &e);
    assert_non_null(db);
    struct bst_decision d;
    decision(&d, "198.18.0.1", 7, 1000, 5000000);
    assert_int_equal(bst_record(db, &d, &e), 0);
    decision(&d, "198.18.0.9", 8, 1000, 2000); /* expired at 3000 */
    assert_int_equal(bst_record(db, &d, &e), 0);
    decision(&d, "2001:2::1", 9, 2000, 9000000);
    assert_int_equal(bst_record(db, &d, &e), 0);

    struct got g = {0};
    assert_int_equal(bst_load(db, 0, 3000, collect, &g, &e), 2);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.d[0].addr, "198.18.0.1");
    assert_int_equal(g.d[0].scan_id, 7);
    assert_string_equal(g.d[0].evidence, "halfopen");
    assert_string_equal(g.d[0].sensor, "s1");
    assert_int_equal(g.d[0].expires_us, 5000000);
    assert_string_equal(g.d[1].addr, "2001:2::1");
    assert_true(g.d[1].id > g.d[0].id);

    /* only those after an id (what a notification makes block --sync read) */
    memset(&g, 0, sizeof g);
    int64_t first = 0;
    struct got all = {0};
    assert_int_equal(bst_load(db, 0, 0, collect, &all, &e), 3);
    first = all.d[0].id;
    assert_int_equal(bst_load(db, first, 3000, collect, &g, &e), 1);
    assert_string_equal(g.d[0].addr, "2001:2::1");

    /* SQLite cannot notify */
    assert_int_equal(hist_listen(db, BST_CHANNEL, &e), -1);
    assert_non_null(strstr(e.msg, "postgresql://"));
    hist_close(db);

    /* a row that cannot be read (written by something else) arrives without an address */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(p, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "INSERT INTO block_decisions (addr, scan_id, decided_us, "
                                  "expires_us) VALUES ('198.18.0.5', 'x', 1, 9999999)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = hist_open(p, &e);
    assert_non_null(db);
    memset(&g, 0, sizeof g);
    assert_int_equal(bst_load(db, 0, 3000, collect, &g, &e), 3);
    assert_string_equal(g.d[2].addr, "");
    assert_true(g.d[2].id > 0);
    hist_close(db);
}

static void test_sync_check(void **state)
{
    (void)state;
    struct blk_policy p;
    memset(&p, 0, sizeof p);
    struct pr_error e = {""};
    assert_int_equal(blk_cidr_parse("198.18.7.0/30", &p.allow[0], &e), 0);
    p.nallow = 1;
    struct pr_addr a;
    uint32_t secs = 0;
    const int64_t now = 1800000000000000;
    assert_null(blk_sync_check(&p, "198.18.7.9", now + 1200000, now, &a, &secs));
    assert_int_equal(secs, 2); /* rounded up: the block never ends before the decision */
    assert_null(blk_sync_check(&p, "2001:2::1", now + 400LL * 86400 * 1000000, now, &a, &secs));
    assert_int_equal(secs, BLK_MAX_SECONDS_CAP);
    assert_non_null(
        strstr(blk_sync_check(&p, "198.18.7.1", now + 5000000, now, &a, &secs), "allowlisted"));
    assert_non_null(blk_sync_check(&p, "127.0.0.1", now + 5000000, now, &a, &secs));
    assert_string_equal(blk_sync_check(&p, "198.18.7.9", now, now, &a, &secs), "expired");
    assert_string_equal(blk_sync_check(&p, "198.18.7.9; drop", now + 1, now, &a, &secs),
                        "not an IPv4 or IPv6 address");
    assert_non_null(blk_sync_check(&p, NULL, now + 1, now, &a, &secs));
}

/* What a revocation matches (one address) and what it reports. */
struct rev {
    const char *addr;
    struct got g;
};

static int match_addr(void *ctx, const struct bst_decision *d)
{
    return !strcmp(d->addr, ((struct rev *)ctx)->addr);
}

static void note(void *ctx, const struct bst_decision *d)
{
    collect(&((struct rev *)ctx)->g, d);
}

static struct hist_db *fresh(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    struct pr_error e = {""};
    struct hist_db *db = hist_open(path, &e);
    assert_non_null(db);
    return db;
}

static int select_count(struct hist_db *db, enum bst_which w, int64_t now, const char *addr,
                        struct got *g)
{
    struct pr_error e = {""};
    memset(g, 0, sizeof *g);
    return bst_select(db, w, 0, now, addr, collect, g, &e);
}

static void add(struct hist_db *db, const char *addr, uint32_t scan, int64_t decided,
                int64_t expires)
{
    struct pr_error e = {""};
    struct bst_decision d;
    decision(&d, addr, scan, decided, expires);
    assert_int_equal(bst_record(db, &d, &e), 0);
}

static void test_revoke(void **state)
{
    (void)state;
    char p[128];
    struct hist_db *db = fresh("r.sqlite", p, sizeof p);
    struct pr_error e = {""};
    add(db, "198.18.0.1", 1, 1000, 9000000);
    add(db, "198.18.0.2", 2, 1000, 9000000);
    add(db, "198.18.0.1", 3, 2000, 3000); /* expired by 5000: history, not revoked */

    struct rev r = {.addr = "198.18.0.1"};
    assert_int_equal(bst_revoke(db, 5000, "alice@fw", "false positive", match_addr, note, &r, &e),
                     1);
    assert_int_equal(r.g.n, 1);
    assert_int_equal(r.g.d[0].scan_id, 1);
    assert_int_equal(r.g.d[0].revoked_us, 5000);
    assert_string_equal(r.g.d[0].revoked_by, "alice@fw");

    /* in force: only the other address; revoked: the row, kept with who/when/why */
    struct got g;
    assert_int_equal(select_count(db, BST_IN_FORCE, 5000, NULL, &g), 1);
    assert_string_equal(g.d[0].addr, "198.18.0.2");
    assert_int_equal(select_count(db, BST_REVOKED, 5000, NULL, &g), 1);
    assert_string_equal(g.d[0].addr, "198.18.0.1");
    assert_int_equal(g.d[0].revoked_us, 5000);
    assert_string_equal(g.d[0].revoked_by, "alice@fw");
    assert_string_equal(g.d[0].revoke_reason, "false positive");
    assert_int_equal(g.d[0].expires_us, 9000000); /* the decision itself is unchanged */
    assert_int_equal(select_count(db, BST_ADDR, 5000, "198.18.0.1", &g), 0);
    assert_int_equal(select_count(db, BST_ADDR, 5000, "198.18.0.2", &g), 1);
    assert_int_equal(select_count(db, BST_ALL, 5000, NULL, &g), 3);

    /* a second revocation finds nothing in force and changes nothing (not the name) */
    struct rev again = {.addr = "198.18.0.1"};
    assert_int_equal(bst_revoke(db, 6000, "bob@fw", "", match_addr, note, &again, &e), 0);
    assert_int_equal(again.g.n, 0);
    assert_int_equal(select_count(db, BST_REVOKED, 5000, NULL, &g), 1);
    assert_string_equal(g.d[0].revoked_by, "alice@fw");

    /* a new decision for the revoked address is in force again (a new scan) */
    add(db, "198.18.0.1", 4, 7000, 9000000);
    assert_int_equal(select_count(db, BST_ADDR, 7000, "198.18.0.1", &g), 1);
    assert_int_equal(g.d[0].scan_id, 4);

    /* retention goes by the expiry alone: before 4000 the expired one (3000); the one revoked
     * at 5000 stays until its block would have expired (a host away when it was revoked
     * still lifts it), and goes with the rest after 9,000,000 */
    assert_int_equal(bst_prune(db, 4000, &e), 1);
    assert_int_equal(select_count(db, BST_ALL, 0, NULL, &g), 3);
    assert_int_equal(bst_prune(db, 6000, &e), 0);
    assert_int_equal(select_count(db, BST_REVOKED, 6000, NULL, &g), 1);
    assert_int_equal(bst_prune(db, 9500000, &e), 3);
    assert_int_equal(bst_prune(db, 9500000, &e), 0); /* twice (another host): nothing left */
    hist_close(db);
}

/* A database written by schema-5 code: the decision table without the revocation columns
 * and index. Opening it migrates, and its decisions stay in force. */
static void test_migrate_v5(void **state)
{
    (void)state;
    char p[128];
    struct hist_db *db = fresh("m.sqlite", p, sizeof p);
    struct pr_error e = {""};
    add(db, "198.18.0.7", 1, 1000, 9000000);
    hist_close(db);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(p, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "DROP INDEX block_decisions_revoked;"
                                  "ALTER TABLE block_decisions DROP COLUMN revoked_us;"
                                  "ALTER TABLE block_decisions DROP COLUMN revoked_by;"
                                  "ALTER TABLE block_decisions DROP COLUMN revoke_reason;"
                                  "DELETE FROM schema_version WHERE version = 6;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    db = hist_open(p, &e);
    assert_non_null(db);
    struct got g;
    assert_int_equal(select_count(db, BST_IN_FORCE, 2000, NULL, &g), 1);
    assert_string_equal(g.d[0].addr, "198.18.0.7");
    assert_int_equal(g.d[0].revoked_us, 0);
    struct rev r = {.addr = "198.18.0.7"};
    assert_int_equal(bst_revoke(db, 2000, "op@h", "", match_addr, note, &r, &e), 1);
    hist_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_load),
        cmocka_unit_test(test_sync_check),
        cmocka_unit_test(test_revoke),
        cmocka_unit_test(test_migrate_v5),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
