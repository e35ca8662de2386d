/* test_cli_opts.c — long options as nmap users type them (cli/opts.h): --name=value,
 * unambiguous prefixes, ambiguity errors; the scan parser giving the same config for the
 * spelled-out and the short forms; bad target names skipped with nmap's warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/opts.h"
#include "cli/scan_share.h"
#include "core/targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_opt T[] = {
    {"--max-rate", 1}, {"--max-retries", 1}, {"--top-ports", 1}, {"--open", 0},
    {"--exclude", 1},  {"--excludefile", 1}, {"-oN", 1},         {"-p", 1},
};
#define NT (sizeof T / sizeof T[0])

/* Splits line at spaces into argv (at most 31 words, then NULL), the words kept in buf. */
static int split(const char *line, char buf[512], char *argv[32])
{
    int argc = 0;
    snprintf(buf, 512, "%s", line);
    for (char *s = NULL, *w = strtok_r(buf, " ", &s); w && argc < 31; w = strtok_r(NULL, " ", &s))
        argv[argc++] = w;
    argv[argc] = NULL;
    return argc;
}

/* Expands the words of `line` and joins the result with '|' into out. Returns
 * cli_expand's result. */
static int expand(const char *line, char *out, size_t len)
{
    char buf[512], *argv[32];
    int argc = split(line, buf, argv);
    struct cli_argv a;
    int rc = cli_expand("test", T, NT, argc, argv, &a);
    out[0] = 0;
    for (int i = 0; rc == 0 && i < a.argc; i++) {
        if (i)
            strncat(out, "|", len - strlen(out) - 1);
        strncat(out, a.argv[i], len - strlen(out) - 1);
    }
    if (rc == 0)
        assert_null(a.argv[a.argc]);
    cli_argv_free(&a);
    return rc;
}

static void test_forms(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(expand("scan --max-rate=100 x", out, sizeof out), 0);
    assert_string_equal(out, "scan|--max-rate|100|x");
    assert_int_equal(expand("scan --top-port 3 --max-ra=5", out, sizeof out), 0);
    assert_string_equal(out, "scan|--top-ports|3|--max-rate|5");
    assert_int_equal(expand("scan --o", out, sizeof out), 0); /* the only one */
    assert_string_equal(out, "scan|--open");
    /* an exact name wins over the longer one it prefixes */
    assert_int_equal(expand("scan --exclude a --excl=b", out, sizeof out), -1);
    assert_int_equal(expand("scan --exclude a --excludef=b", out, sizeof out), 0);
    assert_string_equal(out, "scan|--exclude|a|--excludefile|b");
    /* an empty value, a value with '=', a value that looks like an option */
    assert_int_equal(expand("scan --exclude= --top-ports=a=b -oN --max-r", out, sizeof out), 0);
    assert_string_equal(out, "scan|--exclude||--top-ports|a=b|-oN|--max-r");
    assert_int_equal(expand("scan --max-rate --max-r", out, sizeof out), 0);
    assert_string_equal(out, "scan|--max-rate|--max-r");
    /* what the table does not know passes through for the parser to judge */
    assert_int_equal(expand("scan --traceroute --x=1 -sS -p- -p 22 - -T4", out, sizeof out), 0);
    assert_string_equal(out, "scan|--traceroute|--x=1|-sS|-p-|-p|22|-|-T4");
}

static void test_errors(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(expand("scan --max 3", out, sizeof out), -1);   /* ambiguous */
    assert_int_equal(expand("scan --max-r 3", out, sizeof out), -1); /* rate, retries */
    assert_int_equal(expand("scan --open=yes", out, sizeof out), -1);
    assert_int_equal(expand("scan --max-rate", out, sizeof out), 0); /* parser: needs a value */
    assert_string_equal(out, "scan|--max-rate");
}

/* Parses a scan command line (no -sS: the test need not be root) and returns the handle. */
static struct scan_cli *parse(const char *line)
{
    char buf[512], *argv[32];
    int argc = split(line, buf, argv);
    int status;
    return scan_cli_parse(argc, argv, &status);
}

static void test_scan_same_config(void **state)
{
    (void)state;
    if (access("/usr/share/nmap/nmap-services", R_OK) != 0)
        skip();
    struct scan_cli *a = parse("scan -sT --max-rate 100 --max-retries 2 --top-ports 5 "
                               "--host-timeout 3s --exclude 127.0.0.2 127.0.0.1-3");
    struct scan_cli *b = parse("scan -sT --max-rate=100 --max-ret=2 --top-port 5 "
                               "--host-t=3s --exclude=127.0.0.2 127.0.0.1-3");
    assert_non_null(a);
    assert_non_null(b);
    const struct scan_config *ca = scan_cli_config(a), *cb = scan_cli_config(b);
    assert_true(ca->timing.max_rate == 100 && cb->timing.max_rate == 100);
    assert_int_equal(ca->timing.max_retries, 2);
    assert_int_equal(cb->timing.max_retries, 2);
    assert_int_equal(cb->timing.host_timeout_us, 3000000);
    assert_int_equal(ca->ports.n[0] + ca->ports.n[1], 5);
    assert_int_equal(cb->ports.n[0] + cb->ports.n[1], 5);
    assert_int_equal(tgt_count(&cb->targets), 2);
    scan_cli_free(a);
    scan_cli_free(b);
    assert_null(parse("scan --max 3 127.0.0.1"));
}

/* -PS/-PA/-PU port lists (nmap's defaults when empty), -PE/-PP/-PR, --send-ip; bad lists
 * are refused */
static void test_scan_ping_options(void **state)
{
    (void)state;
    if (access("/usr/share/nmap/nmap-services", R_OK) != 0)
        skip();
    struct scan_cli *a = parse("scan -sn -PS22,80,1000-1002 -PA -PU -PE 127.0.0.1");
    assert_non_null(a);
    const struct disc_opts *d = &scan_cli_config(a)->disc;
    assert_int_equal(d->nsyn, 5);
    assert_int_equal(d->syn[0], 22);
    assert_int_equal(d->syn[4], 1002);
    assert_int_equal(d->nack, 1);
    assert_int_equal(d->ack[0], 80);
    assert_int_equal(d->nudp, 1);
    assert_int_equal(d->udp[0], 40125);
    assert_true(d->echo && !d->timestamp && !d->arp && d->any && !d->no_arp);
    scan_cli_free(a);
    struct scan_cli *b = parse("scan -sn -PP -PR --send 127.0.0.1");
    assert_non_null(b);
    d = &scan_cli_config(b)->disc;
    assert_true(d->timestamp && d->arp && d->no_arp && !d->nsyn);
    scan_cli_free(b);
    assert_null(parse("scan -sn -PS22, 127.0.0.1"));
    assert_null(parse("scan -sn -PS80-22 127.0.0.1"));
    assert_null(parse("scan -sn -PU70000 127.0.0.1"));
    assert_null(parse("scan -sn -PS1-100 127.0.0.1")); /* more than 32 ports */
    assert_null(parse("scan -sn -PEx 127.0.0.1"));
}

static char warned[1024];

static void on_warn(void *ud, const char *msg)
{
    (void)ud;
    strncat(warned, msg, sizeof warned - strlen(warned) - 2);
    strcat(warned, "\n");
}

static void test_bad_names_skipped(void **state)
{
    (void)state;
    char path[] = "/tmp/test_cli_opts_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "127.0.0.1\nbad!name 127.0.0.300\n127.0.0.5 # a comment\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    struct target_list t;
    struct pr_error e;
    warned[0] = 0;
    tgt_init(&t, AF_INET);
    t.warn = on_warn;
    assert_int_equal(tgt_add(&t, "another_bad!", "target 1", &e), 0); /* skipped */
    assert_int_equal(tgt_add_file(&t, path, &e), 0);
    assert_int_equal(tgt_finish(&t, &e), 0);
    assert_int_equal(tgt_count(&t), 2);
    assert_int_equal(t.skipped, 3);
    assert_non_null(strstr(warned, "Failed to resolve \"another_bad!\".\n"));
    assert_non_null(strstr(warned, "Failed to resolve \"bad!name\".\n"));
    assert_non_null(strstr(warned, "line 2"));
    assert_non_null(strstr(warned, "octet 4 out of range"));
    tgt_free(&t);
    /* without warn a bad name is an error, as before (audit policies) */
    tgt_init(&t, AF_INET);
    assert_int_equal(tgt_add_file(&t, path, &e), -1);
    assert_non_null(strstr(e.msg, "line 2"));
    /* an address typo on the command line stays an error with warn too */
    t.warn = on_warn;
    assert_int_equal(tgt_add(&t, "198.18.0.1x", "target 1", &e), -1);
    tgt_free(&t);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_scan_same_config),
        cmocka_unit_test(test_scan_ping_options),
        cmocka_unit_test(test_bad_names_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
