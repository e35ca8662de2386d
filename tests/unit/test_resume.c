/* The resume file: what resume_save writes, resume_load reads back exactly; hostile or
 * truncated files are refused with the file name and line; numbers out of range, another
 * format version, an nmap output file and a file from another scan plan are refused with
 * the field named. */
#include "scan/resume.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static void test_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/pr-resume-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct scan_progress p = {.valid = 1, .tech = 1, .position = 12345};
    struct pr_addr up[2];
    addr_parse("198.18.0.2", &up[0]);
    addr_parse("198.18.0.3", &up[1]);
    p.up = up;
    p.nup = 2;
    struct progress_item it = {
        .port = 443, .proto = PR_TCP, .state = PS_OPEN, .reason = RS_SYN_ACK, .ttl = 64};
    it.addr = up[0];
    progress_add(&p, &it);
    it.port = 53;
    it.proto = PR_UDP;
    it.state = PS_CLOSED;
    it.reason = RS_PORT_UNREACH;
    progress_add(&p, &it);
    char *argv[] = {"scan", "-sS", "-sU", "-p", "T:443,U:53", "a\\b\nc", "198.18.0.2-3"};
    struct sip_key key = {0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    struct pr_error e;
    assert_int_equal(resume_save(path, 7, argv, &key, 0x1122334455667788ULL, &p, &e), 0);
    free(p.items);

    struct resume_file rf;
    assert_int_equal(resume_load(path, &rf, &e), 0);
    assert_int_equal(rf.argc, 7);
    for (int i = 0; i < 7; i++)
        assert_string_equal(rf.argv[i], argv[i]);
    assert_true(rf.key.k0 == key.k0 && rf.key.k1 == key.k1);
    assert_true(rf.plan == 0x1122334455667788ULL);
    assert_int_equal(rf.progress.tech, 1);
    assert_int_equal(rf.progress.position, 12345);
    assert_int_equal(rf.progress.nup, 2);
    assert_true(addr_eq(&rf.progress.up[1], &up[1]));
    assert_int_equal(rf.progress.n, 2);
    assert_int_equal(rf.progress.items[1].port, 53);
    assert_int_equal(rf.progress.items[1].proto, PR_UDP);
    assert_int_equal(rf.progress.items[1].reason, RS_PORT_UNREACH);
    assert_true(rf.progress.valid);
    resume_free(&rf);
    unlink(path);
}

static void test_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"", "incomplete"},
        {"not a resume file\n", "line 1: not a portreeve resume file"},
        {"# Nmap 7.93 scan initiated Thu Dec  3 03:00:00 2026 as: nmap -oN x 1.2.3.4\n",
         "nmap resume files are not supported"},
        {"portreeve-resume 1\nkey 1 2\nend\n", "line 1: format version 1 is not supported"},
        {"portreeve-resume 3\nkey 1 2\nend\n", "format version 3"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\n", "incomplete (no end line)"},
        {"portreeve-resume 2\nplan 0000000000000001\nend\n", "no key"},
        {"portreeve-resume 2\nkey 1 2\nend\n", "no plan"},
        {"portreeve-resume 2\nplan 12\nkey 1 2\nend\n", "line 2: plan"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey zz 1\nend\n", "line 3"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nitem 198.18.0.2 tcp 0 1 1 64\nend\n",
         "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nitem 198.18.0.2 sctp 5 1 1 64\nend\n",
         "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nitem 198.18.0.2 tcp 5 99 1 64\nend\n",
         "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nitem 198.18.0.2 tcp -5 1 1 64\nend\n",
         "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nup 198.18.0.300\nend\n", "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\narg bad\\qescape\nend\n", "line 4"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\ntech 7\nend\n",
         "line 4: tech: '7' is not a whole number from 0 to 3"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nposition -5\nend\n",
         "line 4: position: '-5' is not a whole number"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nposition "
         "999999999999999999999\nend\n",
         "line 4: position:"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\ngroup 99999999999\nend\n",
         "line 4: group: '99999999999' is not a whole number from 0 to 4294967296"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\ngroup  1\nend\n", "line 4: group"},
        {"portreeve-resume 2\nplan 0000000000000001\nkey 1 2\nfrobnicate\nend\n", "line 4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
        if (!strlen(cases[i].text))
            f = fopen("/dev/null", "r");
        assert_non_null(f);
        struct resume_file rf;
        struct pr_error e = {{0}};
        if (resume_parse(f, "x.resume", &rf, &e) != -1)
            fail_msg("case %zu accepted", i);
        fclose(f);
        if (!strstr(e.msg, cases[i].want) || !strstr(e.msg, "x.resume"))
            fail_msg("case %zu: message '%s' lacks '%s'", i, e.msg, cases[i].want);
    }
}

static void test_too_many_args(void **state)
{
    (void)state;
    size_t cap = 64 + 300 * 8;
    char *text = calloc(1, cap);
    strcpy(text, "portreeve-resume 2\nplan 0000000000000001\nkey 1 2\n");
    for (int i = 0; i < 300; i++)
        strcat(text, "arg x\n");
    strcat(text, "end\n");
    FILE *f = fmemopen(text, strlen(text), "r");
    struct resume_file rf;
    struct pr_error e;
    assert_int_equal(resume_parse(f, "big", &rf, &e), -1);
    fclose(f);
    free(text);
}

/* resume_check against a plan: 3 hosts up, 100 TCP ports, groups of 2 hosts. */
static void test_check_plan(void **state)
{
    (void)state;
    struct scan_config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct pr_error e = {{0}};
    tgt_init(&cfg.targets, AF_INET);
    cfg.targets.no_resolve = true;
    assert_int_equal(tgt_add(&cfg.targets, "198.18.0.1-3", "t", &e), 0);
    assert_int_equal(tgt_finish(&cfg.targets, &e), 0);
    uint16_t ports[100];
    for (int i = 0; i < 100; i++)
        ports[i] = (uint16_t)(i + 1);
    cfg.ports.p[PR_TCP] = ports;
    cfg.ports.n[PR_TCP] = 100;
    cfg.techniques[0] = "syn";
    cfg.ntech = 1;
    cfg.max_hostgroup = 2;
    cfg.key = (struct sip_key){1, 2};

    struct resume_file rf;
    memset(&rf, 0, sizeof rf);
    rf.plan = resume_plan(&cfg);
    rf.line_plan = 2, rf.line_group = 5, rf.line_tech = 6, rf.line_position = 7;
    struct pr_addr up[3];
    addr_parse("198.18.0.1", &up[0]);
    addr_parse("198.18.0.2", &up[1]);
    addr_parse("198.18.0.3", &up[2]);
    rf.progress.up = up;
    rf.progress.nup = 3;
    rf.progress.group = 1;
    rf.progress.position = 100; /* group 1 has one host: 100 probes */
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), 0);
    rf.progress.position = 101;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "'p.resume' line 7: position: 101 is past the end"));
    rf.progress.position = 99999999999ULL;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    rf.progress.group = 0, rf.progress.position = 200; /* group 0: two hosts */
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), 0);
    rf.progress.group = 4294967295ULL;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "line 5: group: 4294967295 is past the last host group (1)"));
    rf.progress.group = 0, rf.progress.tech = 2;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "line 6: tech"));
    rf.progress.tech = 1, rf.progress.position = 0; /* stopped in -sV */
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), 0);
    /* another plan: a port, a target, the seed or the host-group size differ */
    rf.progress.tech = 0;
    cfg.ports.n[PR_TCP] = 99;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    assert_non_null(strstr(e.msg, "line 2: plan: the scan it describes differs"));
    cfg.ports.n[PR_TCP] = 100;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), 0);
    cfg.key.k1 = 3;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    cfg.key.k1 = 2;
    cfg.max_hostgroup = 3;
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    cfg.max_hostgroup = 2;
    tgt_free(&cfg.targets);
    tgt_init(&cfg.targets, AF_INET);
    cfg.targets.no_resolve = true;
    assert_int_equal(tgt_add(&cfg.targets, "198.18.0.1,2,4", "t", &e), 0);
    assert_int_equal(tgt_finish(&cfg.targets, &e), 0);
    assert_int_equal(resume_check(&rf, "p.resume", &cfg, &e), -1);
    tgt_free(&cfg.targets);
}

/* Two default names differ by time or process: a second interrupted scan in the same
 * directory keeps the first one's file. */
static void test_default_name(void **state)
{
    (void)state;
    char a[64];
    resume_default_name(a, sizeof a);
    assert_int_equal(strncmp(a, "portreeve-", 10), 0);
    assert_non_null(strstr(a, ".resume"));
    char pid[24];
    snprintf(pid, sizeof pid, "-%ld.resume", (long)getpid());
    assert_non_null(strstr(a, pid));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_too_many_args), cmocka_unit_test(test_check_plan),
        cmocka_unit_test(test_default_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
