/* test_services.c — nmap-services parsing, /etc/services fallback and top ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/services.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *text)
{
    static const char tmpl[] = "/tmp/test_services_XXXXXX";
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

static bool have_nmap_services(void)
{
    return access(SVC_DEFAULT_PATH, R_OK) == 0;
}

static bool contains(const uint16_t *p, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == v)
            return true;
    return false;
}

static void test_real_file(void **state)
{
    (void)state;
    if (!have_nmap_services())
        skip();
    struct pr_error e = {{0}};
    struct svc_db *db = svc_load(NULL, &e);
    assert_non_null(db);
    assert_true(db->have_freq);
    assert_string_equal(svc_name(db, PR_TCP, 22), "ssh");
    assert_string_equal(svc_name(db, PR_TCP, 80), "http");
    assert_string_equal(svc_name(db, PR_UDP, 53), "domain");
    assert_null(svc_name(db, PR_TCP, 0));

    uint16_t top[1000];
    assert_int_equal(svc_top_ports(db, PR_TCP, 1, top), 1);
    assert_int_equal(top[0], 80);

    assert_int_equal(svc_top_ports(db, PR_TCP, 10, top), 10);
    static const uint16_t want10[] = {21, 22, 23, 25, 80, 110, 139, 443, 445, 3389};
    assert_memory_equal(top, want10, sizeof want10); /* sorted by port */

    /* nmap 7.93: ipp 631/udp 0.450281 is the most frequent UDP port */
    assert_int_equal(svc_top_ports(db, PR_UDP, 1, top), 1);
    assert_int_equal(top[0], 631);

    size_t n = svc_top_ports(db, PR_TCP, 1000, top);
    assert_int_equal(n, 1000);
    for (size_t i = 1; i < n; i++)
        assert_true(top[i - 1] < top[i]);
    assert_true(contains(top, n, 8080));
    svc_free(db);
}

static void test_fixture_parsing(void **state)
{
    (void)state;
    char *path = write_temp("# comment line\n"
                            "\n"
                            "alpha\t10/tcp\t0.5\t# first\n"
                            "beta 10/udp 0.25\n"
                            "gamma\t11/tcp\t0.5\n" /* ties 10 → lower port first */
                            "delta\t12/tcp\t0.9\n"
                            "dup\t12/tcp\t0.1\n"         /* repeat: first one stays */
                            "sctp1\t13/sctp\t0.9\n"      /* other protocol: ignored */
                            "junk\t70000/tcp\t0.9\n"     /* malformed: skipped */
                            "junk\t14/tcp/x\t0.9\n"      /* malformed */
                            "junk\tabc/tcp\t0.9\n"       /* malformed */
                            "junk\t/tcp\t0.9\n"          /* malformed */
                            "lonely\n"                   /* malformed */
                            "epsilon\t15/tcp\tnan\n"     /* bad freq: treated as an alias */
                            "zeta\t16/tcp\t2.5\n"        /* out of 0..1: alias */
                            "eta\t17/tcp\t-0.5\n"        /* alias */
                            "theta\t18/tcp\t0.7xyz\n"    /* alias */
                            "iota\t0/tcp\t1.0\n"         /* port 0: kept by name, never top */
                            "kappa\t65535/tcp\t0.0001\n" /* highest port */
                            "no-newline\t20/udp\t0.3");
    struct pr_error e = {{0}};
    struct svc_db *db = svc_load(path, &e);
    assert_non_null(db);
    assert_true(db->have_freq);
    assert_string_equal(svc_name(db, PR_TCP, 10), "alpha");
    assert_string_equal(svc_name(db, PR_UDP, 10), "beta");
    assert_string_equal(svc_name(db, PR_TCP, 12), "delta");
    assert_null(svc_name(db, PR_TCP, 13));
    assert_null(svc_name(db, PR_TCP, 14));
    assert_string_equal(svc_name(db, PR_TCP, 15), "epsilon");
    assert_string_equal(svc_name(db, PR_TCP, 65535), "kappa");
    assert_string_equal(svc_name(db, PR_UDP, 20), "no-newline");
    assert_null(svc_name(db, (enum pr_proto)7, 10));

    uint16_t top[100];
    assert_int_equal(svc_top_ports(db, PR_TCP, 2, top), 2);
    assert_int_equal(top[0], 10); /* 12 (0.9) and 10 (0.5, beats 11 on port) */
    assert_int_equal(top[1], 12);
    assert_int_equal(svc_top_ports(db, PR_TCP, 3, top), 3);
    assert_int_equal(top[2], 12);
    assert_int_equal(top[1], 11);
    /* asking for more than listed gives what is listed (port 0 never) */
    size_t n = svc_top_ports(db, PR_TCP, 100, top);
    assert_int_equal(n, 8); /* 10 11 12 15 16 17 18 65535 */
    assert_false(contains(top, n, 0));
    assert_true(contains(top, n, 65535));
    assert_int_equal(svc_top_ports(db, PR_UDP, 100, top), 2);
    assert_int_equal(svc_top_ports(db, PR_TCP, 0, top), 0);
    svc_free(db);
    unlink(path);
    free(path);
}

static void test_fallback(void **state)
{
    (void)state;
    if (access(SVC_FALLBACK_PATH, R_OK) != 0)
        skip();
    struct pr_error e = {{0}};
    struct svc_db *db = svc_load_paths("/nonexistent/nmap-services", SVC_FALLBACK_PATH, &e);
    assert_non_null(db);
    assert_false(db->have_freq);
    assert_string_equal(svc_name(db, PR_TCP, 22), "ssh");
    assert_string_equal(svc_name(db, PR_UDP, 53), "domain");
    /* without frequencies the lowest listed ports come first */
    uint16_t top[3];
    assert_int_equal(svc_top_ports(db, PR_TCP, 3, top), 3);
    assert_true(top[0] < top[1] && top[1] < top[2]);
    assert_non_null(svc_name(db, PR_TCP, top[0]));
    svc_free(db);
}

static void test_missing(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    assert_null(svc_load("/nonexistent/nmap-services", &e));
    assert_string_equal(e.msg, "services file '/nonexistent/nmap-services': No such file or "
                               "directory");
    assert_null(svc_load_paths("/nonexistent/a", "/nonexistent/b", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/a"));
    assert_non_null(strstr(e.msg, "fallback"));
    assert_non_null(strstr(e.msg, "/nonexistent/b"));

    char *path = write_temp("# nothing but comments\n\ngarbage\n");
    assert_null(svc_load(path, &e));
    assert_non_null(strstr(e.msg, "no service entries"));
    unlink(path);
    free(path);
    svc_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_file),
        cmocka_unit_test(test_fixture_parsing),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
