/* test_ports.c — nmap port specs, --top-ports and the compact list format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T (1u << PR_TCP)
#define U (1u << PR_UDP)

/* A small hand-made db so that most tests do not depend on the installed nmap. */
static struct svc_db *small_db(void)
{
    struct svc_db *db = pr_calloc(1, sizeof *db);
    static const struct {
        int proto;
        uint16_t port;
        const char *name;
        double freq;
    } rows[] = {
        {PR_TCP, 22, "ssh", 0.18},          {PR_TCP, 80, "http", 0.48},
        {PR_UDP, 80, "http", 0.03},         {PR_TCP, 8008, "http", 0.006},
        {PR_TCP, 443, "https", 0.2},        {PR_UDP, 53, "domain", 0.2},
        {PR_TCP, 53, "domain", 0.04},       {PR_UDP, 161, "snmp", 0.43},
        {PR_TCP, 139, "netbios-ssn", 0.05}, {PR_UDP, 631, "ipp", 0.45},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        db->name[rows[i].proto][rows[i].port] = pr_strdup(rows[i].name);
        db->freq[rows[i].proto][rows[i].port] = rows[i].freq;
    }
    db->have_freq = 1;
    return db;
}

/* Formats one protocol's list for comparison. */
static const char *fmt(const struct port_list *pl, int proto, char *buf, size_t len)
{
    assert_true(ports_format(pl->p[proto], pl->n[proto], buf, len) >= 0);
    return buf;
}

struct good_case {
    const char *spec;
    unsigned want;
    const char *tcp, *udp;
};

static void test_good(void **state)
{
    struct svc_db *db = *state;
    static const struct good_case cases[] = {
        {"22", T, "22", ""},
        {"22,80,1000-2000", T, "22,80,1000-2000", ""},
        {"80,22,80,21-23", T, "21-23,80", ""},
        {"-", T, "1-65535", ""},
        {"1-", T, "1-65535", ""},
        {"60000-", T, "60000-65535", ""},
        {"-1024", T, "1-1024", ""},
        {"65535", T, "65535", ""},
        {"22", T | U, "22", "22"},
        {"T:22,80,U:53,111", T | U, "22,80", "53,111"},
        {"U:53,T:22", T | U, "22", "53"},
        {"t:22,u:53", T | U, "22", "53"},
        {"U:53,T:22", T, "22", ""}, /* UDP entries ignored without -sU */
        {"22,U:53", U, "", "22,53"},
        {"http", T, "80,8008", ""},
        {"http", T | U, "80,8008", "80"},
        {"HTTP,ssh", T, "22,80,8008", ""},
        {"U:http", T | U, "", "80"},
        {"netbios-ssn,1-3", T, "1-3,139", ""},
        {"domain,snmp", T | U, "53", "53,161"},
        {"0022", T, "22", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct port_list pl;
        struct pr_error e = {{0}};
        char buf[256];
        int rc = ports_parse(cases[i].spec, cases[i].want, db, &pl, &e);
        if (rc != 0)
            print_error("'%s': %s\n", cases[i].spec, e.msg);
        assert_int_equal(rc, 0);
        assert_string_equal(fmt(&pl, PR_TCP, buf, sizeof buf), cases[i].tcp);
        assert_string_equal(fmt(&pl, PR_UDP, buf, sizeof buf), cases[i].udp);
        ports_free(&pl);
    }
}

static void test_all_ports_list(void **state)
{
    struct port_list pl;
    assert_int_equal(ports_parse("-", T | U, *state, &pl, NULL), 0);
    assert_int_equal(pl.n[PR_TCP], 65535);
    assert_int_equal(pl.n[PR_UDP], 65535);
    assert_int_equal(pl.p[PR_TCP][0], 1);
    assert_int_equal(pl.p[PR_TCP][65534], 65535);
    ports_free(&pl);
    ports_free(&pl); /* idempotent */
}

static void test_many_entries(void **state)
{
    /* 20000 whole-range entries must stay fast (byte-wise bit sets) */
    size_t n = 20000;
    char *spec = malloc(2 * n);
    assert_non_null(spec);
    for (size_t i = 0; i < n; i++) {
        spec[2 * i] = '-';
        spec[2 * i + 1] = ',';
    }
    spec[2 * n - 1] = '\0';
    struct port_list pl;
    assert_int_equal(ports_parse(spec, T | U, *state, &pl, NULL), 0);
    assert_int_equal(pl.n[PR_TCP], 65535);
    ports_free(&pl);
    free(spec);
}

struct bad_case {
    const char *spec;
    const char *msg;
};

static void test_bad(void **state)
{
    struct svc_db *db = *state;
    static const struct bad_case cases[] = {
        {"0-70000", "port spec '0-70000': port 0 is not scannable (column 1)"},
        {"1-70000", "port 70000 is out of range 1-65535 (column 3)"},
        {"80-20", "port spec '80-20': range start 80 is above its end 20 (column 1)"},
        {"abc", "unknown service name 'abc' (column 1)"},
        {"U:", "'U:' is followed by no ports (column 1)"},
        {"T:22,U:", "'U:' is followed by no ports (column 6)"},
        {"U:,22", "'U:' is followed by no ports"},
        {"", "port spec '': empty"},
        {"1,,2", "empty entry (column 3)"},
        {",1", "empty entry (column 1)"},
        {"1,", "empty entry after the last ','"},
        {"65536", "port 65536 is out of range 1-65535 (column 1)"},
        {"99999999999999999999999", "out of range 1-65535"},
        {"0", "port 0 is not scannable (column 1)"},
        {"22-0", "port 0 is not scannable (column 4)"},
        {"22x", "unexpected character 'x' (column 3)"},
        {"22 ,80", "unexpected character ' ' (column 3)"},
        {"1-2-3", "unexpected character '-' (column 4)"},
        {"--1", "unexpected character '-' (column 2)"},
        {"S:22", "SCTP ports ('S:') are not supported"},
        {"P:6", "IP protocol scans ('P:') are not supported"},
        {"X:22", "unknown protocol prefix 'X:'"},
        {"[1-1024]", "brackets"},
        {"http*", "wildcards are not supported (column 5)"},
        {"ht$p", "unexpected character '$' in service name (column 3)"},
        {"U:53", "no ports left for the protocols being scanned"},
        {"T:http", "no ports left"}, /* want is UDP in this row, see below */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct port_list pl;
        struct pr_error e = {{0}};
        unsigned want = strcmp(cases[i].spec, "T:http") == 0 ? U : T;
        int rc = ports_parse(cases[i].spec, want, db, &pl, &e);
        if (rc != -1 || !strstr(e.msg, cases[i].msg))
            print_error("'%s': rc %d, \"%s\", wanted \"%s\"\n", cases[i].spec, rc, e.msg,
                        cases[i].msg);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(e.msg, cases[i].msg));
        assert_null(pl.p[PR_TCP]);
        assert_null(pl.p[PR_UDP]);
        assert_null(strchr(e.msg, '\n'));
    }
    /* names need a database */
    struct port_list pl;
    struct pr_error e = {{0}};
    assert_int_equal(ports_parse("http", T, NULL, &pl, &e), -1);
    assert_non_null(strstr(e.msg, "needs the services database"));
    assert_int_equal(ports_parse(NULL, T, NULL, &pl, &e), -1);
}

static void test_top_small(void **state)
{
    struct svc_db *db = *state;
    struct port_list pl;
    struct pr_error e = {{0}};
    char buf[256];
    assert_int_equal(ports_top(db, 2, T | U, &pl, &e), 0);
    assert_string_equal(fmt(&pl, PR_TCP, buf, sizeof buf), "80,443");
    assert_string_equal(fmt(&pl, PR_UDP, buf, sizeof buf), "161,631");
    ports_free(&pl);
    assert_int_equal(ports_top(db, 100000, T, &pl, &e), 0);
    assert_int_equal(pl.n[PR_TCP], 6);
    assert_int_equal(pl.n[PR_UDP], 0);
    ports_free(&pl);
    assert_int_equal(ports_top(db, 0, T, &pl, &e), -1);
    assert_non_null(strstr(e.msg, "at least 1"));
    assert_int_equal(ports_top(NULL, 10, T, &pl, &e), -1);
}

static void test_top_real(void **state)
{
    (void)state;
    if (access(SVC_DEFAULT_PATH, R_OK) != 0)
        skip();
    struct pr_error e = {{0}};
    struct svc_db *db = svc_load(NULL, &e);
    assert_non_null(db);
    struct port_list pl;
    char buf[8192];
    assert_int_equal(ports_top(db, 100, T | U, &pl, &e), 0); /* -F */
    assert_int_equal(pl.n[PR_TCP], 100);
    assert_int_equal(pl.n[PR_UDP], 100);
    ports_free(&pl);
    assert_int_equal(ports_top(db, 10, T, &pl, &e), 0);
    assert_string_equal(fmt(&pl, PR_TCP, buf, sizeof buf), "21-23,25,80,110,139,443,445,3389");
    ports_free(&pl);
    assert_int_equal(ports_top(db, 1, U, &pl, &e), 0);
    assert_int_equal(pl.n[PR_UDP], 1);
    assert_int_equal(pl.p[PR_UDP][0], 631);
    ports_free(&pl);
    /* service names from the real file */
    assert_int_equal(ports_parse("http", T, db, &pl, &e), 0);
    assert_int_equal(pl.p[PR_TCP][0], 80);
    ports_free(&pl);
    assert_int_equal(ports_parse("ssh,ms-wbt-server", T, db, &pl, &e), 0);
    assert_string_equal(fmt(&pl, PR_TCP, buf, sizeof buf), "22,3389");
    ports_free(&pl);
    svc_free(db);
}

static void test_format(void **state)
{
    (void)state;
    static const uint16_t p[] = {1, 2, 3, 5, 7, 8, 65535};
    char buf[64];
    assert_int_equal(ports_format(p, 7, buf, sizeof buf), (int)strlen("1-3,5,7-8,65535"));
    assert_string_equal(buf, "1-3,5,7-8,65535");
    assert_int_equal(ports_format(p, 0, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* exactly fitting and one byte short */
    assert_int_equal(ports_format(p, 7, buf, 16), 15);
    assert_int_equal(ports_format(p, 7, buf, 15), -1);
    assert_string_equal(buf, "1-3,5,7-8"); /* whole items only */
    assert_int_equal(ports_format(p, 1, buf, 1), -1);
    assert_string_equal(buf, "");
    assert_int_equal(ports_format(p, 1, buf, 0), -1);
}

static int setup(void **state)
{
    *state = small_db();
    return 0;
}

static int teardown(void **state)
{
    svc_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),         cmocka_unit_test(test_all_ports_list),
        cmocka_unit_test(test_many_entries), cmocka_unit_test(test_bad),
        cmocka_unit_test(test_top_small),    cmocka_unit_test(test_top_real),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
