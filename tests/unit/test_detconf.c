/* The `detect` configuration file parser (detect/detconf.h): settings in file order,
 * flags and their yes/no forms, comments, CRLF, repeatable and once-only keys, and
 * hostile input (NUL and control bytes, overlong lines, unknown keys, missing values,
 * a value the caller rejects) with the file, line and column in the message. Also the
 * EVE signature ids (detect/eve.h), which must never change. */
#include "detect/detconf.h"
#include "detect/eve.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

enum { K_TIME = 1, K_ALLOW, K_BLOCK, K_QUIET, K_FILTER };

static const struct det_conf_key keys[] = {
    {"block-time", true, false, K_TIME}, {"allow", true, true, K_ALLOW},
    {"block", false, false, K_BLOCK},    {"quiet", false, false, K_QUIET},
    {"filter", true, false, K_FILTER},
};
#define NKEYS (sizeof keys / sizeof keys[0])

struct seen {
    int n;
    int code[16];
    char value[16][64];
};

static int record(void *ctx, int code, const char *value, struct pr_error *e)
{
    struct seen *s = ctx;
    if (value && !strcmp(value, "reject"))
        return pr_errf(e, "value rejected");
    if (s->n < 16) {
        s->code[s->n] = code;
        snprintf(s->value[s->n], 64, "%s", value ? value : "(flag)");
    }
    s->n++;
    return 0;
}

/* Parses text (copied with room for the NUL the parser may write). */
static int parse(const char *text, struct seen *s, struct pr_error *e)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    memcpy(buf, text, n + 1);
    memset(s, 0, sizeof *s);
    e->msg[0] = 0;
    int r = det_conf_parse("t.conf", buf, n, keys, NKEYS, record, s, e);
    free(buf);
    return r;
}

static void test_good(void **state)
{
    (void)state;
    struct seen s;
    struct pr_error e;
    const char *text = "# portreeve detect\n"
                       "\n"
                       "block-time = 1h\n"
                       "  allow=198.18.0.0/24   # the lab\n"
                       "allow = 2001:2::/64\r\n"
                       "block\n"
                       "quiet = no\n"
                       "filter = tcp and port 80#not-a-comment\n"
                       "\t# indented comment\n"
                       "allow = 10.0.0.0/8";
    assert_int_equal(parse(text, &s, &e), 6);
    assert_int_equal(s.code[0], K_TIME);
    assert_string_equal(s.value[0], "1h");
    assert_string_equal(s.value[1], "198.18.0.0/24");
    assert_string_equal(s.value[2], "2001:2::/64");
    assert_int_equal(s.code[3], K_BLOCK);
    assert_string_equal(s.value[3], "(flag)");
    assert_int_equal(s.code[4], K_FILTER); /* quiet = no: not set */
    assert_string_equal(s.value[4], "tcp and port 80#not-a-comment");
    assert_string_equal(s.value[5], "10.0.0.0/8"); /* no newline at the end */
    assert_int_equal(parse("block = yes\nquiet = on\n", &s, &e), 2);
    assert_int_equal(parse("", &s, &e), 0);
    assert_int_equal(parse("\n\n# only comments\n", &s, &e), 0);
}

static void test_hostile(void **state)
{
    (void)state;
    struct seen s;
    struct pr_error e;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"bogus = 1\n", "t.conf:1:1: unknown setting 'bogus'"},
        {"\nblock-time\n", "t.conf:2:11: 'block-time' needs a value"},
        {"block-time =\n", "t.conf:1:13: a value is expected"},
        {"block-time = # nothing\n", "t.conf:1:14: a value is expected"},
        {"block-time 1h\n", "t.conf:1:12: expected '='"},
        {"block-time = 1h\nblock-time = 2h\n", "t.conf:2:1: 'block-time' is set twice"},
        {"block = maybe\n", "t.conf:1:9: 'block' is a flag"},
        {"Block = yes\n", "t.conf:1:1: expected a setting name"},
        {"= 1\n", "t.conf:1:1: expected a setting name"},
        {"--block\n", "t.conf:1:1: unknown setting '--block'"},
        {"allow = 1\x01\n", "t.conf:1:10: unexpected byte 0x01"},
        {"allow = 1\x7f\n", "t.conf:1:10: unexpected byte 0x7f"},
        {"quiet\rblock\n", "t.conf:1:6: unexpected byte 0x0d"},
        {"allow = reject\n", "t.conf:1:9: value rejected"},
        {"allow = a\nallow = b\n  allow =   reject  \n", "t.conf:3:13: value rejected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse(bad[i].text, &s, &e) != -1)
            fail_msg("accepted: '%s'", bad[i].text);
        if (!strstr(e.msg, bad[i].want))
            fail_msg("'%s': got '%s', want '%s'", bad[i].text, e.msg, bad[i].want);
    }
    /* a NUL byte inside a line */
    static const char nul[] = "allow = 198.18.0.1\0\n";
    char buf[sizeof nul];
    memcpy(buf, nul, sizeof nul);
    assert_int_equal(det_conf_parse("t.conf", buf, sizeof nul - 1, keys, NKEYS, record, &s, &e),
                     -1);
    assert_non_null(strstr(e.msg, "t.conf:1:19: unexpected byte 0x00"));
    /* an overlong line, and a file over the limit */
    size_t n = DET_CONF_MAX_LINE + 20;
    char *big = malloc(n + 1);
    memcpy(big, "allow = ", 8);
    memset(big + 8, 'x', n - 8);
    big[n] = 0;
    assert_int_equal(parse(big, &s, &e), -1);
    assert_non_null(strstr(e.msg, "line longer than"));
    free(big);
    assert_int_equal(
        det_conf_parse("t.conf", buf, DET_CONF_MAX_FILE + 1, keys, NKEYS, record, &s, &e), -1);
    assert_non_null(strstr(e.msg, "larger than"));
}

static void test_read(void **state)
{
    (void)state;
    char *buf;
    size_t len;
    struct pr_error e;
    assert_int_equal(det_conf_read("/nonexistent/detect.conf", true, &buf, &len, &e), 0);
    assert_null(buf);
    assert_int_equal(det_conf_read("/nonexistent/detect.conf", false, &buf, &len, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/detect.conf"));
    char path[] = "/tmp/pr_test_detconf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "block\n", 6), 6);
    close(fd);
    assert_int_equal(det_conf_read(path, false, &buf, &len, &e), 1);
    assert_int_equal(len, 6);
    struct seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(det_conf_parse(path, buf, len, keys, NKEYS, record, &s, &e), 1);
    free(buf);
    unlink(path);
}

/* EVE signature ids are an interface (rules, dashboards): they must never change. */
static void test_eve_sids(void **state)
{
    (void)state;
    assert_int_equal(det_eve_sid("portscan", "connect"), 9100101);
    assert_int_equal(det_eve_sid("portscan", "syn"), 9100102);
    assert_int_equal(det_eve_sid("portsweep", "udp"), 9100206);
    assert_int_equal(det_eve_sid("distributed_portscan", "syn"), 9100302);
    assert_int_equal(det_eve_sid("decoy_portscan", "xmas"), 9100405);
    assert_int_equal(det_eve_sid("hostsweep", "icmp"), 9100510);
    assert_int_equal(det_eve_sid("portscan", "ipproto"), 9100112);
    assert_int_equal(det_eve_sid("webscan", "mixed"), 9109911);
    assert_int_equal(det_eve_sid(NULL, NULL), 9109999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_eve_sids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
