/* The resume file: what resume_save writes, resume_load reads back exactly; hostile or
 * truncated files are refused with the file name and line. */
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
    assert_int_equal(resume_save(path, 7, argv, &key, &p, &e), 0);
    free(p.items);

    struct resume_file rf;
    assert_int_equal(resume_load(path, &rf, &e), 0);
    assert_int_equal(rf.argc, 7);
    for (int i = 0; i < 7; i++)
        assert_string_equal(rf.argv[i], argv[i]);
    assert_true(rf.key.k0 == key.k0 && rf.key.k1 == key.k1);
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
        {"not a resume file\n", "line 1"},
        {"portreeve-resume 1\nkey 1 2\n", "incomplete (no end line)"},
        {"portreeve-resume 1\nend\n", "no key"},
        {"portreeve-resume 1\nkey zz 1\nend\n", "line 2"},
        {"portreeve-resume 1\nkey 1 2\nitem 198.18.0.2 tcp 0 1 1 64\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\nitem 198.18.0.2 sctp 5 1 1 64\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\nitem 198.18.0.2 tcp 5 99 1 64\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\nup 198.18.0.300\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\narg bad\\qescape\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\ntech 7\nend\n", "line 3"},
        {"portreeve-resume 1\nkey 1 2\nfrobnicate\nend\n", "line 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fmemopen((void *)cases[i].text, strlen(cases[i].text), "r");
        if (!strlen(cases[i].text))
            f = fopen("/dev/null", "r");
        assert_non_null(f);
        struct resume_file rf;
        struct pr_error e = {{0}};
        assert_int_equal(resume_parse(f, "x.resume", &rf, &e), -1);
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
    strcpy(text, "portreeve-resume 1\nkey 1 2\n");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_too_many_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
