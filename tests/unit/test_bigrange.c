/* test_bigrange.c — target ranges of any size: counts of huge ranges without expanding
 * them, IPv6 bounds, exclusions, a full keyed-permutation walk of a small range (every host
 * once, none excluded), shards disjoint and complete, and the plan of host groups and
 * windows that bounds a scan's memory (scan/plan.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/perm.h"
#include "core/targets.h"
#include "scan/plan.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Builds a list from a comma-free spec list and an exclusion list (may be NULL). Returns
 * tgt_finish's result; e gets the error. */
static int build(struct target_list *t, int family, const char *const *specs, const char *exclude,
                 struct pr_error *e)
{
    tgt_init(t, family);
    t->no_resolve = true;
    for (size_t i = 0; specs[i]; i++)
        if (tgt_add(t, specs[i], "test", e) < 0)
            return -1;
    if (exclude && tgt_exclude(t, exclude, "--exclude", e) < 0)
        return -1;
    return tgt_finish(t, e);
}

static void assert_host(const struct target_list *t, uint64_t idx, const char *want)
{
    struct pr_addr a;
    char buf[PR_ADDRSTRLEN];
    tgt_get(t, idx, &a, NULL);
    assert_string_equal(addr_str(&a, buf, sizeof buf), want);
}

static void test_huge_counts(void **state)
{
    (void)state;
    struct target_list t;
    struct pr_error e = {{0}};
    static const char *const half[] = {"198.18.0.0/1", NULL};
    assert_int_equal(build(&t, AF_INET, half, NULL, &e), 0);
    assert_int_equal(tgt_count(&t), UINT64_C(1) << 31);
    assert_host(&t, 0, "128.0.0.0");
    assert_host(&t, (UINT64_C(1) << 31) - 1, "255.255.255.255");
    tgt_free(&t);

    /* /0: every address, 0/8, 127/8 and 224/3 included (nothing dropped silently) */
    static const char *const all[] = {"0.0.0.0/0", NULL};
    assert_int_equal(build(&t, AF_INET, all, NULL, &e), 0);
    assert_int_equal(tgt_count(&t), UINT64_C(1) << 32);
    assert_host(&t, 0, "0.0.0.0");
    assert_host(&t, 0x7f000001, "127.0.0.1");
    assert_host(&t, 0xe0000000, "224.0.0.0");
    assert_host(&t, UINT32_MAX, "255.255.255.255");
    tgt_free(&t);

    /* an exclusion inside a /1 is subtracted, and the neighbours stay */
    assert_int_equal(build(&t, AF_INET, half, "198.18.0.0/15", &e), 0);
    assert_int_equal(tgt_count(&t), (UINT64_C(1) << 31) - (UINT64_C(1) << 17));
    uint64_t before = 198ull * 16777216 + 18 * 65536 - 0x80000000ull; /* index of 198.18.0.0 */
    assert_host(&t, before - 1, "198.17.255.255");
    assert_host(&t, before, "198.20.0.0");
    tgt_free(&t);

    /* IPv6: a /96 (2^32 addresses) is the largest range; a /95 is refused with a message */
    static const char *const v6[] = {"2001:2::/96", NULL};
    assert_int_equal(build(&t, AF_INET6, v6, NULL, &e), 0);
    assert_int_equal(tgt_count(&t), UINT64_C(1) << 32);
    assert_host(&t, UINT32_MAX, "2001:2::ffff:ffff");
    tgt_free(&t);
    static const char *const v6big[] = {"2001:2::/95", NULL};
    assert_int_equal(build(&t, AF_INET6, v6big, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "at most 2^32 (/96)"));
    tgt_free(&t);
    /* two /96s together are more than 2^32 hosts: refused after merging */
    static const char *const v6two[] = {"2001:2::/96", "2001:2::1:0:0/96", NULL};
    assert_int_equal(build(&t, AF_INET6, v6two, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "more than 4294967296 hosts"));
    tgt_free(&t);
}

static int addr_cmp(const void *x, const void *y)
{
    return memcmp(((const struct pr_addr *)x)->a, ((const struct pr_addr *)y)->a, 4);
}

/* Walks the keyed permutation over a small range with exclusions: every index once, every
 * host once, no excluded host, all inside the specs. */
static void test_walk_small_range(void **state)
{
    (void)state;
    struct target_list t;
    struct pr_error e = {{0}};
    static const char *const specs[] = {"198.18.0.0/22", "198.18.8-10.0-255", NULL};
    assert_int_equal(build(&t, AF_INET, specs, "198.18.1.0/24,198.18.9.7", &e), 0);
    uint64_t n = tgt_count(&t);
    assert_int_equal(n, 1024 - 256 + 768 - 1);
    struct sip_key key = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    struct perm p;
    perm_init(&p, n, &key);
    struct pr_addr *seen = calloc(n, sizeof *seen);
    assert_non_null(seen);
    for (uint64_t i = 0; i < n; i++)
        tgt_get(&t, perm_at(&p, i), &seen[i], NULL);
    qsort(seen, n, sizeof *seen, addr_cmp);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *a = seen[i].a;
        assert_true(i == 0 || addr_cmp(&seen[i - 1], &seen[i]) < 0); /* unique */
        assert_int_equal(a[0], 198);
        assert_int_equal(a[1], 18);
        assert_true(a[2] <= 3 || (a[2] >= 8 && a[2] <= 10));
        assert_true(a[2] != 1);               /* excluded /24 */
        assert_false(a[2] == 9 && a[3] == 7); /* excluded host */
    }
    free(seen);
    tgt_free(&t);
}

/* A scan_config with targets, TCP ports 1..nports and the SYN technique. */
static void config(struct scan_config *c, const char *spec, size_t nports)
{
    memset(c, 0, sizeof *c);
    struct pr_error e = {{0}};
    const char *const specs[] = {spec, NULL};
    assert_int_equal(build(&c->targets, AF_INET, specs, NULL, &e), 0);
    c->ports.p[PR_TCP] = calloc(nports, sizeof(uint16_t));
    assert_non_null(c->ports.p[PR_TCP]);
    for (size_t i = 0; i < nports; i++)
        c->ports.p[PR_TCP][i] = (uint16_t)(i + 1);
    c->ports.n[PR_TCP] = nports;
    c->techniques[0] = "syn";
    c->ntech = 1;
    c->no_ping = 1;
    scan_timing_template(&c->timing, 3);
}

static void unconfig(struct scan_config *c)
{
    free(c->ports.p[PR_TCP]);
    tgt_free(&c->targets);
}

/* Shards take the positions i with i mod N == shard across the host groups: disjoint,
 * together complete, each the size scan_plan_make says. Checked by walking every position
 * of every group of a small plan (the engine's order: group after group, each through the
 * keyed permutation of its pairs). */
static void test_shards(void **state)
{
    (void)state;
    struct scan_config c;
    config(&c, "198.18.0.0/26", 7); /* 64 hosts x 7 ports */
    c.max_hostgroup = 10;           /* 7 groups: 6 of 10 hosts, one of 4 */
    struct scan_plan pl;
    scan_plan_make(&c, 0, &pl);
    assert_int_equal(pl.group_hosts, 10);
    assert_int_equal(pl.groups, 7);
    assert_int_equal(pl.probes, 64 * 7);
    uint64_t total = 64 * 7;
    struct sip_key key = {1, 2};
    for (unsigned N = 2; N <= 5; N++) {
        unsigned char *hit = calloc(total, 1);
        assert_non_null(hit);
        uint64_t sum = 0;
        for (unsigned s = 0; s < N; s++) {
            c.shard_count = N;
            c.shard_index = s;
            scan_plan_make(&c, 0, &pl);
            uint64_t mine = 0, base = 0;
            for (uint64_t h0 = 0; h0 < 64; h0 += pl.group_hosts) {
                uint64_t gh = 64 - h0 < pl.group_hosts ? 64 - h0 : pl.group_hosts;
                struct perm p;
                perm_init(&p, gh * 7, &key);
                for (uint64_t i = 0; i < gh * 7; i++) {
                    if ((base + i) % N != s)
                        continue;
                    uint64_t pair = h0 * 7 + perm_at(&p, i);
                    assert_int_equal(hit[pair], 0); /* disjoint */
                    hit[pair] = 1;
                    mine++;
                }
                base += gh * 7;
            }
            assert_int_equal(mine, pl.probes);
            sum += mine;
        }
        assert_int_equal(sum, total); /* complete */
        for (uint64_t i = 0; i < total; i++)
            assert_int_equal(hit[i], 1);
        free(hit);
    }
    unconfig(&c);
}

/* The plan of a /1 and of a /0: windows and groups of at most SCAN_WINDOW_HOSTS targets,
 * whatever the range; a scan keeping its whole result is one window. */
static void test_plan_bounds(void **state)
{
    (void)state;
    struct scan_config c;
    struct scan_plan pl;
    config(&c, "198.18.0.0/1", 1);
    scan_plan_make(&c, 0, &pl);
    assert_int_equal(pl.targets, UINT64_C(1) << 31);
    assert_int_equal(pl.window, SCAN_WINDOW_HOSTS);
    assert_int_equal(pl.group_hosts, SCAN_WINDOW_HOSTS);
    assert_int_equal(pl.groups, (UINT64_C(1) << 31) / SCAN_WINDOW_HOSTS);
    assert_int_equal(pl.probes, UINT64_C(1) << 31);
    c.shard_count = 3;
    c.shard_index = 2;
    scan_plan_make(&c, 0, &pl);
    assert_int_equal(pl.probes, ((UINT64_C(1) << 31) - 3) / 3 + 1);
    c.shard_count = 0;
    c.max_hostgroup = 1000; /* windows hold whole groups: 65 of 1000 hosts */
    scan_plan_make(&c, 0, &pl);
    assert_int_equal(pl.window, 65000);
    assert_int_equal(pl.groups,
                     (UINT64_C(1) << 31) / 65000 * 65 + ((UINT64_C(1) << 31) % 65000 + 999) / 1000);
    unconfig(&c);

    config(&c, "0.0.0.0/0", 1000); /* 4194 hosts per group by pairs (2^22 / 1000) */
    scan_plan_make(&c, 0, &pl);
    assert_int_equal(pl.targets, UINT64_C(1) << 32);
    assert_int_equal(pl.group_hosts, 4194);
    assert_int_equal(pl.window, 65536 / 4194 * 4194);
    assert_int_equal(pl.probes, (UINT64_C(1) << 32) * 1000);
    unconfig(&c);

    config(&c, "198.18.0.0/20", 2);
    scan_plan_make(&c, 1, &pl); /* --db, audit: the whole result in one window */
    assert_int_equal(pl.window, 4096);
    assert_int_equal(pl.groups, 1);
    unconfig(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_walk_small_range),
        cmocka_unit_test(test_shards),
        cmocka_unit_test(test_plan_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
