/* HTTP server and WAF log parsers: every format (combined, common, vhost_combined, a custom
 * nginx log_format, JSON access logs, ModSecurity serial and JSON audit logs, v2 and v3),
 * recognition from the first line, the time formats, and hostile lines (every truncation
 * of valid lines, bad values with their column, binary bytes, NULs). */
#include "detect/httplog.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct det_httplog *mk(const char *fmt, const char *custom)
{
    struct det_httplog *p;
    struct pr_error e = {""};
    assert_int_equal(det_httplog_new(fmt, custom, &p, &e), 0);
    return p;
}

static int feed(struct det_httplog *p, const char *s, struct det_http_req *r, struct pr_error *e)
{
    return det_httplog_feed(p, s, strlen(s), r, e);
}

static void addr_is(const struct pr_addr *a, const char *want)
{
    char buf[PR_ADDRSTRLEN];
    assert_string_equal(addr_str(a, buf, sizeof buf), want);
}

#define T_1000 1796292000000000ull /* 2026-12-03T10:00:00Z */

static const char *combined =
    "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"GET /.env?x=1 HTTP/1.1\" 404 153 \"-\" "
    "\"gobuster/3.5\"";

static void test_combined_and_auto(void **state)
{
    (void)state;
    struct det_http_req r;
    struct pr_error e;
    struct det_httplog *p = mk(NULL, NULL);
    assert_string_equal(det_httplog_format(p), "auto");
    assert_int_equal(feed(p, "", &r, &e), 0);
    assert_int_equal(feed(p, combined, &r, &e), 1);
    assert_string_equal(det_httplog_format(p), "combined");
    addr_is(&r.src, "198.18.0.1");
    assert_true(r.ts_us == T_1000);
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.path, "/.env?x=1");
    assert_string_equal(r.proto, "HTTP/1.1");
    assert_int_equal(r.status, 404);
    assert_string_equal(r.ua, "gobuster/3.5");
    assert_int_equal(r.bad_request, 0);
    /* Apache's \" inside a quoted field; IPv6; a zone offset; fractions */
    assert_int_equal(feed(p,
                          "2001:2::1 - bob [03/Dec/2026:11:30:00.250 +0130] \"GET /a\\\" b "
                          "HTTP/1.0\" 200 - \"http://r/\" \"Mozilla/5.0 \\\"x\\\"\"",
                          &r, &e),
                     1);
    addr_is(&r.src, "2001:2::1");
    assert_true(r.ts_us == T_1000 + 250000);
    assert_string_equal(r.ua, "Mozilla/5.0 \\\"x\\\"");
    assert_int_equal(feed(p,
                          "::ffff:198.18.0.7 - - [03/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" "
                          "200 1 \"-\" \"-\"",
                          &r, &e),
                     1);
    addr_is(&r.src, "198.18.0.7"); /* the IPv4 client of a dual-stack socket */
    /* nmap's binary probe as nginx logs it: a bad request, the raw text as its path */
    assert_int_equal(
        feed(p,
             "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"\\x16\\x03\\x01\" 400 157 \"-\" \"-\"",
             &r, &e),
        1);
    assert_int_equal(r.bad_request, 1);
    assert_string_equal(r.path, "\\x16\\x03\\x01");
    det_httplog_free(p);
}

static void test_common_vhost_custom(void **state)
{
    (void)state;
    struct det_http_req r;
    struct pr_error e;
    struct det_httplog *p = mk(NULL, NULL);
    assert_int_equal(
        feed(p, "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"OPTIONS / RTSP/1.0\" 400 0", &r, &e),
        1);
    assert_string_equal(det_httplog_format(p), "common");
    assert_string_equal(r.proto, "RTSP/1.0");
    det_httplog_free(p);
    p = mk(NULL, NULL);
    assert_int_equal(feed(p,
                          "tg.lab:8080 198.18.0.14 - - [03/Dec/2026:10:00:00 +0000] \"GET /admin "
                          "HTTP/1.1\" 404 416 \"-\" \"Wfuzz/3.1.0\"",
                          &r, &e),
                     1);
    assert_string_equal(det_httplog_format(p), "vhost_combined");
    addr_is(&r.src, "198.18.0.14");
    assert_string_equal(r.ua, "Wfuzz/3.1.0");
    det_httplog_free(p);
    /* a custom log_format: $msec time, method and URI apart, a trailing variable */
    p = mk("auto", "$remote_addr [$msec] \"$request_method $request_uri $server_protocol\" "
                   "$status \"$http_user_agent\" ${host}");
    assert_string_equal(det_httplog_format(p), "format");
    assert_int_equal(feed(p,
                          "198.18.0.9 [1796292000.125] \"POST /login HTTP/1.1\" 401 \"curl/7.88\" "
                          "tg.lab",
                          &r, &e),
                     1);
    assert_true(r.ts_us == T_1000 + 125000);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.path, "/login");
    assert_int_equal(r.status, 401);
    assert_int_equal(feed(p, "198.18.0.9 [x] \"GET / HTTP/1.1\" 200 \"-\" h", &r, &e), -1);
    assert_non_null(strstr(e.msg, "bad time at column 13"));
    det_httplog_free(p);
    /* bad format texts and names */
    struct det_httplog *q;
    assert_int_equal(det_httplog_new("format", NULL, &q, &e), -1);
    assert_int_equal(det_httplog_new("auto", "$request $status", &q, &e), -1);
    assert_non_null(strstr(e.msg, "remote_addr"));
    assert_int_equal(det_httplog_new("auto", "$remote_addr$status", &q, &e), -1);
    assert_non_null(strstr(e.msg, "column 13"));
    assert_int_equal(det_httplog_new("auto", "$remote_addr ${x", &q, &e), -1);
    assert_int_equal(det_httplog_new("nope", NULL, &q, &e), -1);
    assert_non_null(strstr(e.msg, "unknown HTTP log format 'nope'"));
}

static void test_json(void **state)
{
    (void)state;
    struct det_http_req r;
    struct pr_error e;
    struct det_httplog *p = mk(NULL, NULL);
    assert_int_equal(feed(p,
                          "{\"remote_addr\":\"198.18.0.1\",\"time_iso8601\":\"2026-12-03T10:00:00+"
                          "00:00\",\"request\":\"GET /?id=1 HTTP/1.1\",\"status\":200,"
                          "\"http_user_agent\":\"sqlmap/1.7\"}",
                          &r, &e),
                     1);
    assert_string_equal(det_httplog_format(p), "json");
    assert_true(r.ts_us == T_1000);
    assert_string_equal(r.path, "/?id=1");
    assert_string_equal(r.ua, "sqlmap/1.7");
    /* Caddy-like: nested request, header arrays, addr:port, epoch seconds, string status */
    assert_int_equal(feed(p,
                          "{\"ts\":1796292000.5,\"request\":{\"remote_ip\":\"198.18.0.2:4444\","
                          "\"method\":\"HEAD\",\"uri\":\"/x\",\"headers\":{\"User-Agent\":["
                          "\"curl/8\"]}},\"status\":\"404\"}",
                          &r, &e),
                     1);
    addr_is(&r.src, "198.18.0.2");
    assert_true(r.ts_us == T_1000 + 500000);
    assert_string_equal(r.method, "HEAD");
    assert_string_equal(r.ua, "curl/8");
    assert_int_equal(r.status, 404);
    /* raw high bytes (nginx escape=json passes them) and \u0000 are kept as '?' */
    assert_int_equal(feed(p,
                          "{\"remote_addr\":\"198.18.0.1\",\"request\":\"\\u0016\xa7\",\"status\":"
                          "400}",
                          &r, &e),
                     1);
    assert_int_equal(r.bad_request, 1);
    assert_string_equal(r.path, "??");
    assert_int_equal(feed(p, "{\"remote_addr\":\"x\",\"request\":\"GET / HTTP/1.1\"}", &r, &e), -1);
    assert_non_null(strstr(e.msg, "client address"));
    assert_int_equal(feed(p, "{\"remote_addr\":\"198.18.0.1\",", &r, &e), -1);
    assert_non_null(strstr(e.msg, "at column"));
    assert_int_equal(feed(p, "[1]", &r, &e), -1);
    det_httplog_free(p);
}

static const char *const modsec_serial[] = {
    "--3a8cf659-A--",
    "[03/Dec/2026:10:00:00.528669 +0000] axDjPJsdeN 198.18.0.19 41998 198.18.0.2 8080",
    "--3a8cf659-B--",
    "GET /index.html?id=1%27 HTTP/1.1",
    "Host: tg.lab",
    "User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)",
    "",
    "--3a8cf659-F--",
    "HTTP/1.1 200 OK",
    "",
    "--3a8cf659-H--",
    "Message: Warning. Matched phrase \"sqlmap\" [id \"913100\"] [severity \"CRITICAL\"]",
    "Message: Warning. [id \"920350\"] [severity \"WARNING\"]",
    "Apache-Error: [file \"apache2_util.c\"] [severity \"CRITICAL\"]",
    "",
    "--3a8cf659-Z--",
    "",
};

static void test_modsec_serial(void **state)
{
    (void)state;
    struct det_http_req r;
    struct pr_error e;
    struct det_httplog *p = mk(NULL, NULL);
    size_t n = sizeof modsec_serial / sizeof modsec_serial[0];
    int got = 0;
    for (size_t i = 0; i < n; i++) {
        struct det_http_req t;
        int rc = feed(p, modsec_serial[i], &t, &e);
        assert_true(rc == 0 || (rc == 1 && i == n - 2));
        if (rc == 1)
            r = t;
        got += rc;
    }
    assert_int_equal(got, 1);
    assert_string_equal(det_httplog_format(p), "modsec");
    addr_is(&r.src, "198.18.0.19");
    assert_true(r.ts_us == T_1000 + 528669);
    assert_string_equal(r.path, "/index.html?id=1%27");
    assert_string_equal(r.ua, "sqlmap/1.7.2#stable (https://sqlmap.org)");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.waf_rules, 1); /* the CRITICAL message; not the WARNING */
    /* a record cut short by the next one, a part without its A, text outside records */
    assert_int_equal(feed(p, modsec_serial[0], &r, &e), 0);
    assert_int_equal(feed(p, "--4b8cf659-A--", &r, &e), -1);
    assert_non_null(strstr(e.msg, "without part Z"));
    assert_int_equal(feed(p, "[bad] x 198.18.0.1 1 2 3", &r, &e), -1);
    assert_non_null(strstr(e.msg, "part A: bad time at column 2"));
    assert_int_equal(feed(p, "--4b8cf659-Z--", &r, &e), -1);
    assert_int_equal(feed(p, "--ffffffff-F--", &r, &e), -1);
    assert_non_null(strstr(e.msg, "without its part A"));
    assert_int_equal(feed(p, "stray", &r, &e), -1);
    det_httplog_free(p);
}

static void test_modsec_json(void **state)
{
    (void)state;
    struct det_http_req r;
    struct pr_error e;
    struct det_httplog *p = mk(NULL, NULL);
    assert_int_equal(
        feed(p,
             "{\"transaction\":{\"time\":\"03/Dec/2026:10:00:00.361346 +0000\",\"remote_address\":"
             "\"198.18.0.14\",\"remote_port\":52066},\"request\":{\"request_line\":\"GET /admin "
             "HTTP/1.1\",\"headers\":{\"user-agent\":\"Wfuzz/"
             "3.1.0\"}},\"response\":{\"status\":404},"
             "\"audit_data\":{\"messages\":[\"Warning. [severity \\\"CRITICAL\\\"]\",\"Warning. "
             "[severity \\\"WARNING\\\"]\"]}}",
             &r, &e),
        1);
    assert_string_equal(det_httplog_format(p), "modsec-json");
    addr_is(&r.src, "198.18.0.14");
    assert_true(r.ts_us == T_1000 + 361346);
    assert_string_equal(r.path, "/admin");
    assert_string_equal(r.ua, "Wfuzz/3.1.0");
    assert_int_equal(r.status, 404);
    assert_int_equal(r.waf_rules, 1);
    /* ModSecurity 3 */
    assert_int_equal(feed(p,
                          "{\"transaction\":{\"client_ip\":\"198.18.0.3\",\"time_stamp\":\"Thu Dec "
                          " 3 10:00:00 2026\",\"request\":{\"method\":\"GET\",\"uri\":\"/.git/"
                          "HEAD\",\"headers\":{\"User-Agent\":\"x\"}},\"response\":{\"http_code\":"
                          "404},\"messages\":[{\"details\":{\"severity\":\"2\"}},{\"details\":{"
                          "\"severity\":\"5\"}}]}}",
                          &r, &e),
                     1);
    addr_is(&r.src, "198.18.0.3");
    assert_true(r.ts_us == T_1000);
    assert_string_equal(r.path, "/.git/HEAD");
    assert_int_equal(r.status, 404);
    assert_int_equal(r.waf_rules, 1);
    assert_int_equal(feed(p, "{\"transaction\":{}}", &r, &e), -1);
    det_httplog_free(p);
}

static void test_times(void **state)
{
    (void)state;
    uint64_t t;
    const char *good[] = {"03/Dec/2026:10:00:00 +0000",
                          "[03/Dec/2026:10:00:00 +0000]",
                          "2026-12-03T10:00:00Z",
                          "2026-12-03T11:00:00+01:00",
                          "2026-12-03 09:00:00 -0100",
                          "Thu Dec  3 10:00:00 2026",
                          "1796292000"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(det_http_time(good[i], strlen(good[i]), &t), 0);
        assert_true(t == T_1000);
    }
    const char *bad[] = {"",
                         "03/Dex/2026:10:00:00 +0000",
                         "03/Dec/2026:25:00:00 +0000",
                         "32/Dec/2026:10:00:00 +0000",
                         "03/Dec/2026:10:00:00 +00",
                         "2026-13-03T10:00:00Z",
                         "2026-12-03T10:00:00Zjunk",
                         "99999999999999999999",
                         "Thu Dec  3 10:00 2026 xxxxx",
                         "-5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(det_http_time(bad[i], strlen(bad[i]), &t), -1);
}

/* Every prefix of every valid line: no crash, no out-of-bounds read (the buffer is exactly
 * k bytes, for ASan), a clear result; then bad values with their column; binary junk. */
static void test_hostile(void **state)
{
    (void)state;
    const char *lines[] = {
        combined,
        "tg.lab:80 198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" "
        "\"x\"",
        "{\"transaction\":{\"time\":\"03/Dec/2026:10:00:00 +0000\",\"remote_address\":\"198.18.0."
        "1\"},\"request\":{\"request_line\":\"GET / HTTP/1.1\"}}",
        modsec_serial[1],
    };
    const char *fmts[] = {"combined", "vhost_combined", "modsec-json", "modsec", "auto"};
    struct det_http_req r;
    struct pr_error e;
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
            size_t n = strlen(lines[l]);
            for (size_t k = 0; k <= n; k++) {
                struct det_httplog *p = mk(fmts[f], NULL);
                if (!strcmp(fmts[f], "modsec"))
                    feed(p, modsec_serial[0], &r, &e);
                char *b = malloc(k ? k : 1);
                assert_non_null(b);
                memcpy(b, lines[l], k);
                int rc = det_httplog_feed(p, b, k, &r, &e);
                assert_true(rc >= -1 && rc <= 1);
                free(b);
                det_httplog_free(p);
            }
        }
    struct det_httplog *p = mk("combined", NULL);
    assert_int_equal(feed(p,
                          "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 2000 1 "
                          "\"-\" \"-\"",
                          &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "bad status at column 62"));
    assert_int_equal(feed(p,
                          "300.1.1.1 - - [03/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 "
                          "\"-\" \"-\"",
                          &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "bad client address at column 1"));
    assert_int_equal(feed(p,
                          "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 "
                          "\"-\" \"-\" trailing",
                          &r, &e),
                     -1);
    /* NULs and high bytes inside a field become '?' */
    char nul[] = "198.18.0.1 - - [03/Dec/2026:10:00:00 +0000] \"GET /\0\xff HTTP/1.1\" 404 1 "
                 "\"-\" \"-\"";
    assert_int_equal(det_httplog_feed(p, nul, sizeof nul - 1, &r, &e), 1);
    assert_string_equal(r.path, "/??");
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 131 + 7);
    assert_int_equal(det_httplog_feed(p, junk, sizeof junk, &r, &e), -1);
    det_httplog_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_combined_and_auto),
        cmocka_unit_test(test_common_vhost_custom),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_modsec_serial),
        cmocka_unit_test(test_modsec_json),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
