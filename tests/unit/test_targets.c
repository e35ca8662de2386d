/* test_targets.c — target specs, exclusions, merging, indexing and -iL files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/targets.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Builds a list from specs (NULL-terminated) and exclusions; asserts success. */
static void build(struct target_list *t, int family, const char *const *specs, const char *exclude)
{
    struct pr_error e = {{0}};
    tgt_init(t, family);
    t->no_resolve = true;
    for (size_t i = 0; specs[i]; i++) {
        int rc = tgt_add(t, specs[i], "test", &e);
        if (rc != 0)
            print_error("tgt_add(%s): %s\n", specs[i], e.msg);
        assert_int_equal(rc, 0);
    }
    if (exclude) {
        int rc = tgt_exclude(t, exclude, "--exclude", &e);
        if (rc != 0)
            print_error("tgt_exclude(%s): %s\n", exclude, e.msg);
        assert_int_equal(rc, 0);
    }
    int rc = tgt_finish(t, &e);
    if (rc != 0)
        print_error("tgt_finish: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

static void assert_host(const struct target_list *t, uint64_t idx, const char *want)
{
    struct pr_addr a;
    char buf[PR_ADDRSTRLEN];
    tgt_get(t, idx, &a, NULL);
    assert_string_equal(addr_str(&a, buf, sizeof buf), want);
}

struct good_case {
    const char *spec;
    uint64_t count;
    const char *first, *last;
};

static void test_good_v4(void **state)
{
    (void)state;
    static const struct good_case cases[] = {
        {"198.18.0.2", 1, "198.18.0.2", "198.18.0.2"},
        {"198.18.0.0/24", 256, "198.18.0.0", "198.18.0.255"},
        {"198.18.0.7/32", 1, "198.18.0.7", "198.18.0.7"},
        {"198.18.0.77/30", 4, "198.18.0.76", "198.18.0.79"},
        {"198.18.1-3.1-254", 3 * 254, "198.18.1.1", "198.18.3.254"},
        {"198.18.0.*", 256, "198.18.0.0", "198.18.0.255"},
        {"10.0.0,1.1", 2, "10.0.0.1", "10.0.1.1"},
        {"10.0.0.1,3,5-6", 4, "10.0.0.1", "10.0.0.6"},
        {"10.0.0.250-", 6, "10.0.0.250", "10.0.0.255"},
        {"10.0.0.-3", 4, "10.0.0.0", "10.0.0.3"},
        {"10.1-2.*.*", 2 * 65536, "10.1.0.0", "10.2.255.255"},
        {"198.18.0.0/15", 131072, "198.18.0.0", "198.19.255.255"},
        {"0.0.0.0/0", UINT64_C(1) << 32, "0.0.0.0", "255.255.255.255"},
        {"*.*.*.*", UINT64_C(1) << 32, "0.0.0.0", "255.255.255.255"},
        {"1-2.3.4.5", 2, "1.3.4.5", "2.3.4.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target_list t;
        const char *specs[] = {cases[i].spec, NULL};
        build(&t, AF_INET, specs, NULL);
        assert_int_equal(tgt_count(&t), cases[i].count);
        assert_host(&t, 0, cases[i].first);
        assert_host(&t, cases[i].count - 1, cases[i].last);
        tgt_free(&t);
    }
}

static void test_octet_range_order(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"198.18.1-3.1-254", NULL};
    build(&t, AF_INET, specs, NULL);
    /* stored as three ranges, not 762 entries */
    assert_int_equal(t.n, 3);
    assert_host(&t, 253, "198.18.1.254");
    assert_host(&t, 254, "198.18.2.1");
    assert_host(&t, 761, "198.18.3.254");
    tgt_free(&t);
}

static void test_big_range_no_blowup(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"198.18.0.0/15", NULL};
    build(&t, AF_INET, specs, NULL);
    assert_int_equal(tgt_count(&t), 131072);
    assert_int_equal(t.n, 1);
    assert_host(&t, 131071, "198.19.255.255");
    assert_host(&t, 65536, "198.19.0.0");
    tgt_free(&t);
}

struct bad_case {
    int family;
    const char *spec;
    const char *msg; /* expected substring */
};

static void test_bad_specs(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {AF_INET, "198.18.0.300", "target '198.18.0.300' (argument 2): octet 4 out of range 0-255"},
        {AF_INET, "198.18.0.0/33", "prefix length 33 out of range 0-32"},
        {AF_INET, "198.18.5-2.1", "octet 3 range 5-2 is reversed"},
        {AF_INET, "", "empty"},
        {AF_INET, "1.2.3.4.5", "too many octets"},
        {AF_INET, "1.2.3", "too few octets"},
        {AF_INET, "::1", "IPv6 address given without -6"},
        {AF_INET, "2001:2::/120", "without -6"},
        {AF_INET6, "198.18.0.1", "IPv4 address given with -6"},
        {AF_INET, "1.2.3.4/", "missing prefix length"},
        {AF_INET, "1.2.3.4/2x", "bad prefix length"},
        {AF_INET, "1.2.3.4/24/1", "bad prefix length"},
        {AF_INET, "/24", "no address before '/'"},
        {AF_INET, "1.2..4", "octet 3 is empty"},
        {AF_INET, "1.2.3.", "octet 4 is empty"},
        {AF_INET, "1.2.3.4,", "empty list item"},
        {AF_INET, "1.2.3.,4", "empty list item"},
        {AF_INET, "1.2.3.4-5-6", "unexpected '-'"},
        {AF_INET, "1.2.3.99999999999999999999", "octet 4 out of range"},
        {AF_INET, "1.2.3.0-4/24", "cannot be combined with octet ranges"},
        {AF_INET, "1.2.3.4 5", "white space"},
        {AF_INET, "1.2.3.4x", "unexpected 'x' (column 8)"},
        {AF_INET, "10.0.0.1:80", "without -6"},
        {AF_INET, "198.18.0.1a.7", "unexpected 'a' (column 11)"},
        {AF_INET, "foo..bar", "target 'foo..bar' (argument 2): cannot resolve host name"},
        {AF_INET, "foo_bar!", "unexpected character '!'"},
        {AF_INET, "0x7f.1", "unexpected 'x' (column 2)"},
        {AF_INET, "example.test", "resolution disabled"},
        {AF_INET6, "2001:2::/95", "at most 2^32"},
        {AF_INET6, "2001:2::/129", "out of range 0-128"},
        {AF_INET6, "2001:2:::1", "not a valid IPv6 address"},
        {AF_INET6, "fe80::1%eth0", "zone index"},
        {AF_INET6, "2001:2::1garbage", "not a valid IPv6 address"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target_list t;
        struct pr_error e = {{0}};
        tgt_init(&t, cases[i].family);
        t.no_resolve = true;
        int rc = tgt_add(&t, cases[i].spec, "argument 2", &e);
        if (rc != -1 || !strstr(e.msg, cases[i].msg))
            print_error("spec '%s': rc %d, message \"%s\", wanted \"%s\"\n", cases[i].spec, rc,
                        e.msg, cases[i].msg);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(e.msg, cases[i].msg));
        assert_non_null(strstr(e.msg, "argument 2"));
        assert_int_equal(t.n, 0);
        tgt_free(&t);
    }
}

static void test_too_many_pieces(void **state)
{
    (void)state;
    struct target_list t;
    struct pr_error e = {{0}};
    tgt_init(&t, AF_INET);
    /* 256^3 * 128 separate ranges: refused before anything is allocated */
    char spec[1024] = "*.*.*.";
    for (int v = 0; v < 256; v += 2)
        snprintf(spec + strlen(spec), sizeof spec - strlen(spec), "%s%d", v ? "," : "", v);
    assert_int_equal(tgt_add(&t, spec, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "separate ranges"));
    assert_int_equal(t.n, 0);
    tgt_free(&t);
}

static void test_merge_duplicates(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"198.18.0.5",   "198.18.0.0/29", "198.18.0.5",
                           "198.18.0.8-9", "198.18.0.20",   NULL};
    build(&t, AF_INET, specs, NULL);
    /* 0..9 merged (adjacent), 20 separate */
    assert_int_equal(tgt_count(&t), 11);
    assert_int_equal(t.n, 2);
    assert_host(&t, 9, "198.18.0.9");
    assert_host(&t, 10, "198.18.0.20");
    tgt_free(&t);
}

static void test_exclusions(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"198.18.0.0/24", "198.18.2.1", NULL};
    build(&t, AF_INET, specs, "198.18.0.0,198.18.0.255,198.18.0.10-19,198.18.2.1,10.0.0.0/8");
    assert_int_equal(tgt_count(&t), 256 - 2 - 10);
    assert_host(&t, 0, "198.18.0.1");
    assert_host(&t, 8, "198.18.0.9");
    assert_host(&t, 9, "198.18.0.20");
    assert_host(&t, 243, "198.18.0.254");
    tgt_free(&t);

    /* everything excluded */
    const char *all[] = {"198.18.0.0/24", NULL};
    build(&t, AF_INET, all, "198.18.0.0/16");
    assert_int_equal(tgt_count(&t), 0);
    tgt_free(&t);
}

static void test_exclusion_errors(void **state)
{
    (void)state;
    static const struct {
        const char *list, *msg;
    } cases[] = {
        {"", "empty"},
        {"1.2.3.4,,1.2.3.5", "empty entry (column 9)"},
        {"1.2.3.4,", "empty entry"},
        {"1.2.3.400", "exclusion '1.2.3.400' (--exclude): octet 4 out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct target_list t;
        struct pr_error e = {{0}};
        tgt_init(&t, AF_INET);
        t.no_resolve = true;
        assert_int_equal(tgt_exclude(&t, cases[i].list, "--exclude", &e), -1);
        if (!strstr(e.msg, cases[i].msg))
            print_error("'%s': got \"%s\"\n", cases[i].list, e.msg);
        assert_non_null(strstr(e.msg, cases[i].msg));
        tgt_free(&t);
    }
}

static void test_ipv6(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"2001:2::/120", "2001:2::5", "2001:2:0:1::1", NULL};
    build(&t, AF_INET6, specs, "2001:2::10");
    assert_int_equal(tgt_count(&t), 256 - 1 + 1);
    assert_host(&t, 0, "2001:2::");
    assert_host(&t, 16, "2001:2::11");
    assert_host(&t, 254, "2001:2::ff");
    assert_host(&t, 255, "2001:2:0:1::1");
    tgt_free(&t);

    /* two adjacent /96 merge; halves excluded leave exactly the 2^32 limit */
    const char *big[] = {"2001:2::/96", "2001:2::1:0:0/96", NULL};
    build(&t, AF_INET6, big, "2001:2::/97,2001:2::1:8000:0/97");
    assert_int_equal(tgt_count(&t), UINT64_C(1) << 32);
    assert_host(&t, 0, "2001:2::8000:0");
    assert_host(&t, (UINT64_C(1) << 31) - 1, "2001:2::ffff:ffff");
    assert_host(&t, UINT64_C(1) << 31, "2001:2::1:0:0");
    assert_host(&t, (UINT64_C(1) << 32) - 1, "2001:2::1:7fff:ffff");
    tgt_free(&t);
}

static void test_over_max(void **state)
{
    (void)state;
    struct target_list t;
    struct pr_error e = {{0}};
    tgt_init(&t, AF_INET6);
    assert_int_equal(tgt_add(&t, "2001:2::/96", NULL, &e), 0);
    assert_int_equal(tgt_add(&t, "2001:2:1::/96", NULL, &e), 0);
    assert_int_equal(tgt_finish(&t, &e), -1);
    assert_non_null(strstr(e.msg, "more than 4294967296 hosts"));
    assert_int_equal(tgt_count(&t), 0);
    tgt_free(&t);
}

static void test_hostname(void **state)
{
    (void)state;
    struct target_list t;
    struct pr_error e = {{0}};
    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add(&t, "localhost", "argument 1", &e), 0);
    assert_int_equal(tgt_add(&t, "127.0.0.0/30", "argument 2", &e), 0);
    assert_int_equal(tgt_add(&t, "127.0.0.1", "argument 3", &e), 0);
    assert_int_equal(tgt_finish(&t, &e), 0);
    assert_int_equal(tgt_count(&t), 4); /* localhost is 127.0.0.1: scanned once */
    struct pr_addr a;
    const char *name = "x";
    char buf[PR_ADDRSTRLEN];
    tgt_get(&t, 0, &a, &name);
    assert_null(name);
    tgt_get(&t, 1, &a, &name);
    assert_string_equal(addr_str(&a, buf, sizeof buf), "127.0.0.1");
    assert_non_null(name);
    assert_string_equal(name, "localhost");
    tgt_get(&t, 2, &a, &name);
    assert_string_equal(addr_str(&a, buf, sizeof buf), "127.0.0.2");
    assert_null(name);
    tgt_free(&t);

    /* an excluded named host disappears with its name */
    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add(&t, "localhost", NULL, &e), 0);
    assert_int_equal(tgt_exclude(&t, "127.0.0.1", NULL, &e), 0);
    assert_int_equal(tgt_finish(&t, &e), 0);
    assert_int_equal(tgt_count(&t), 0);
    tgt_free(&t);

    tgt_init(&t, AF_INET);
    t.no_resolve = true;
    assert_int_equal(tgt_add(&t, "localhost", NULL, &e), -1);
    assert_non_null(strstr(e.msg, "resolution disabled"));
    tgt_free(&t);
}

static char *write_temp(const char *text)
{
    static const char tmpl[] = "/tmp/test_targets_XXXXXX";
    char *path = malloc(sizeof tmpl);
    assert_non_null(path);
    memcpy(path, tmpl, sizeof tmpl);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_input_file(void **state)
{
    (void)state;
    char *path = write_temp("# lab hosts\n"
                            "198.18.0.1 198.18.0.2   # two on a line\n"
                            "\n"
                            "\t198.18.1.0/30\r\n"
                            "198.18.0.2\n");
    struct target_list t;
    struct pr_error e = {{0}};
    tgt_init(&t, AF_INET);
    t.no_resolve = true;
    assert_int_equal(tgt_add_file(&t, path, &e), 0);
    assert_int_equal(tgt_finish(&t, &e), 0);
    assert_int_equal(tgt_count(&t), 6);
    assert_host(&t, 2, "198.18.1.0");
    tgt_free(&t);
    unlink(path);
    free(path);

    path = write_temp("198.18.0.1\n# fine\n198.18.0.1 198.18.0.300\n");
    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add_file(&t, path, &e), -1);
    assert_non_null(strstr(e.msg, "line 3"));
    assert_non_null(strstr(e.msg, "-iL"));
    assert_non_null(strstr(e.msg, "octet 4 out of range"));
    tgt_free(&t);
    unlink(path);
    free(path);

    /* exclusion files accept commas too */
    path = write_temp("198.18.0.1,198.18.0.2\n198.18.0.3 # more\n");
    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add(&t, "198.18.0.0/29", NULL, &e), 0);
    assert_int_equal(tgt_exclude_file(&t, path, &e), 0);
    assert_int_equal(tgt_finish(&t, &e), 0);
    assert_int_equal(tgt_count(&t), 5);
    tgt_free(&t);
    unlink(path);
    free(path);

    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add_file(&t, "/nonexistent/x.txt", &e), -1);
    assert_string_equal(e.msg, "-iL file '/nonexistent/x.txt': No such file or directory");
    tgt_free(&t);
}

static void test_get_out_of_range(void **state)
{
    (void)state;
    struct target_list t;
    const char *specs[] = {"198.18.0.1", NULL};
    build(&t, AF_INET, specs, NULL);
    struct pr_addr a;
    const char *name = "x";
    tgt_get(&t, 5, &a, &name);
    assert_null(name);
    assert_int_equal(a.family, AF_INET);
    tgt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_v4),
        cmocka_unit_test(test_octet_range_order),
        cmocka_unit_test(test_big_range_no_blowup),
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_too_many_pieces),
        cmocka_unit_test(test_merge_duplicates),
        cmocka_unit_test(test_exclusions),
        cmocka_unit_test(test_exclusion_errors),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_over_max),
        cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_input_file),
        cmocka_unit_test(test_get_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
