/* test_os_p0f.c — p0f.fp reading (errors with line and column) and passive matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "os/p0fmatch.h"

#include <stdio.h>
#include <string.h>

static const char db_text[] =
    "; comment\nclasses = win,unix,other\n"
    "[mtu]\nlabel = Ethernet or modem\nsig = 1500\n"
    "[tcp:request]\n"
    "label = s:unix:Linux:3.11 and newer\nsys = Linux\n"
    "sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
    "label = g:unix:Linux:2.2.x-3.x\n"
    "sig = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0\n"
    "label = s:!:NMap:SYN scan\n"
    "sig = *:64-:0:1460:1024,0:mss::0\n"
    "label = s:win:Windows:7 or 8\n"
    "sig = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
    "[tcp:response]\nlabel = s:unix:Linux:3.x\n"
    "sig = *:64:0:*:mss*10,0:mss:df:0\n"
    "[http:request]\nua_os = Linux,Windows\nlabel = s:!:wget:\nsig = *:Host:Server\n";

static int parse(struct p0f_db *db, const char *text, struct pr_error *e)
{
    return p0f_db_parse(db, "t.fp", text, strlen(text), e);
}

static void test_parse(void **state)
{
    (void)state;
    struct p0f_db db;
    struct pr_error e = {{0}};
    assert_int_equal(parse(&db, db_text, &e), 0);
    assert_int_equal(db.nsigs[P0F_SYN], 4);
    assert_int_equal(db.nsigs[P0F_SYNACK], 1);
    assert_int_equal(db.nmtus, 1);
    const struct p0f_tcp_sig *s = &db.sigs[P0F_SYN][0];
    assert_int_equal(s->ver, -1);
    assert_int_equal(s->ittl, 64);
    assert_int_equal(s->mss, -1);
    assert_int_equal(s->win_type, P0F_WIN_MSS);
    assert_int_equal(s->win_val, 20);
    assert_int_equal(s->scale, 10);
    assert_int_equal(s->nopt, 5);
    assert_memory_equal(s->opt, "\x02\x04\x08\x01\x03", 5);
    assert_int_equal(s->quirks, P0F_Q_DF | P0F_Q_IDP);
    assert_int_equal(s->line, 9);
    assert_string_equal(db.labels[s->label].name, "Linux");
    assert_string_equal(db.labels[s->label].flavor, "3.11 and newer");
    assert_int_equal(db.sigs[P0F_SYN][2].ttl_rand, 1);
    assert_string_equal(db.labels[db.sigs[P0F_SYN][2].label].cls, "!");
    p0f_db_free(&db);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"classes = unix\n[tcp:request]\nsig = *:64:0:*:*,*:mss::0\n",
         "t.fp:3: sig before any label of its section, at column 1"},
        {"classes = unix\n[tcp:request]\nlabel = s:win:Windows:7\n",
         "t.fp:3: label class not declared by 'classes =', at column 11"},
        {"classes = unix\n[tcp:request]\nlabel = x:unix:Linux:\n",
         "t.fp:3: label type must be 's' or 'g', at column 9"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss:zz:0\n",
         "t.fp:4: unknown quirk, at column 24"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:300:0:*:*,*:mss::0\n",
         "t.fp:4: bad initial TTL, at column 9"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:eol+0,mss::0\n",
         "t.fp:4: option after eol, at column 26"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:*,*:mss::0:1\n",
         "t.fp:4: signature has more than 8 fields"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0\n",
         "t.fp:4: signature needs 8 fields"},
        {"classes = unix\n[tcp:request]\nlabel = s:unix:L:\nsig = *:64:0:*:mss*0,*:mss::0\n",
         "t.fp:4: bad window multiplier, at column 20"},
        {"classes = unix\n[tcp:request]\nfoo = 1\n", "t.fp:3: unknown key, at column 1"},
        {"[tcp:request\n", "t.fp:1: section header without ']'"},
        {"classes = unix\n", "t.fp: no TCP signature"},
        {"label = x\n", "t.fp:1: key outside a section, at column 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct p0f_db db;
        struct pr_error e = {{0}};
        assert_int_equal(parse(&db, bad[i].text, &e), -1);
        if (!strstr(e.msg, bad[i].want))
            fail_msg("case %zu: got '%s', want '%s'", i, e.msg, bad[i].want);
        assert_null(db.sigs[0]);
    }
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct p0f_db db;
    struct pr_error e = {{0}};
    assert_int_equal(parse(&db, big, &e), -1);
    assert_non_null(strstr(e.msg, "t.fp:1: line longer than 4096 bytes"));
    const char nul[] = "classes = unix\n[tcp:request]\nlabel = s:unix:L\0x:\n";
    assert_int_equal(p0f_db_parse(&db, "t.fp", nul, sizeof nul - 1, &e), -1);
    assert_non_null(strstr(e.msg, "t.fp:3: NUL byte, at column 17"));
}

/* An IPv4 SYN: TTL, DF and ID, window, then the options given. */
static size_t syn(uint8_t *b, uint8_t ttl, int df, uint16_t id, uint16_t win, uint8_t flags,
                  const uint8_t *opt, size_t optlen)
{
    size_t len = 20 + 20 + optlen;
    memset(b, 0, len);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[4] = (uint8_t)(id >> 8);
    b[5] = (uint8_t)id;
    b[6] = df ? 0x40 : 0;
    b[8] = ttl;
    b[9] = 6;
    uint8_t *t = b + 20;
    t[0] = 0x9c;
    t[1] = 0x40;
    t[3] = 80;
    t[7] = 1; /* seq 1 */
    t[12] = (uint8_t)((5 + optlen / 4) << 4);
    t[13] = flags;
    t[14] = (uint8_t)(win >> 8);
    t[15] = (uint8_t)win;
    memcpy(t + 20, opt, optlen);
    return len;
}

static const uint8_t linux_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
                                       0, 1, 0,    0,    0, 0, 1, 3,  3, 10};

static void test_observe_and_match(void **state)
{
    (void)state;
    struct p0f_db db;
    struct pr_error e = {{0}};
    assert_int_equal(parse(&db, db_text, &e), 0);
    uint8_t b[128];
    struct p0f_obs o;
    struct p0f_result r;
    char name[160];

    /* Linux 3.11+: window 20 x MSS 1460, scale 10, exact and specific */
    size_t n = syn(b, 61, 1, 1234, 29200, 0x02, linux_opts, sizeof linux_opts);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    assert_int_equal(o.dir, P0F_SYN);
    assert_int_equal(o.mss, 1460);
    assert_int_equal(o.scale, 10);
    assert_int_equal(o.nopt, 5);
    assert_int_equal(o.quirks, P0F_Q_DF | P0F_Q_IDP);
    p0f_match(&db, &o, &r);
    p0f_label_str(r.label, name, sizeof name);
    assert_string_equal(name, "Linux 3.11 and newer");
    assert_int_equal(r.fuzzy, 0);
    assert_int_equal(r.dist, 3);
    assert_string_equal(r.link, "Ethernet or modem");

    /* another window: only the generic signature fits */
    n = syn(b, 64, 1, 1234, 64240, 0x02, linux_opts, sizeof linux_opts);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    p0f_match(&db, &o, &r);
    assert_string_equal(r.label->flavor, "2.2.x-3.x");
    assert_int_equal(r.label->type, 'g');

    /* DF dropped: a fuzzy match of the first signature */
    n = syn(b, 64, 0, 1234, 29200, 0x02, linux_opts, sizeof linux_opts);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    p0f_match(&db, &o, &r);
    assert_string_equal(r.label->flavor, "3.11 and newer");
    assert_int_equal(r.fuzzy, 1);

    /* nmap -sS: MSS 1460 only, window 1024, random TTL below 64 */
    static const uint8_t mss_only[4] = {2, 4, 0x05, 0xb4};
    n = syn(b, 51, 0, 777, 1024, 0x02, mss_only, sizeof mss_only);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    p0f_match(&db, &o, &r);
    p0f_label_str(r.label, name, sizeof name);
    assert_string_equal(name, "NMap SYN scan");
    /* ... but a tool's signature is never matched fuzzily: above its TTL, nothing */
    n = syn(b, 70, 0, 777, 1024, 0x02, mss_only, sizeof mss_only);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    p0f_match(&db, &o, &r);
    assert_null(r.label);

    /* SYN+ACK: the response section */
    n = syn(b, 64, 1, 0, 14600, 0x12, mss_only, sizeof mss_only);
    b[20 + 11] = 2; /* ack 2 */
    assert_int_equal(p0f_observe(b, n, &o), 0);
    assert_int_equal(o.dir, P0F_SYNACK);
    p0f_match(&db, &o, &r);
    p0f_label_str(r.label, name, sizeof name);
    assert_string_equal(name, "Linux 3.x");

    /* not a SYN, and every truncation of a SYN, are refused without reading past the end */
    n = syn(b, 64, 1, 1, 1024, 0x10, mss_only, sizeof mss_only);
    assert_int_equal(p0f_observe(b, n, &o), -1);
    n = syn(b, 64, 1, 1, 29200, 0x02, linux_opts, sizeof linux_opts);
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(p0f_observe(b, cut, &o), -1);

    /* a timestamp option whose length runs past the header: bad options */
    static const uint8_t broken[8] = {2, 4, 0x05, 0xb4, 8, 10, 0, 0};
    n = syn(b, 64, 1, 1, 1024, 0x02, broken, sizeof broken);
    assert_int_equal(p0f_observe(b, n, &o), 0);
    assert_true(o.quirks & P0F_Q_BAD);
    p0f_db_free(&db);
}

static void test_debian_db(void **state)
{
    (void)state;
    struct p0f_db db;
    struct pr_error e = {{0}};
    if (p0f_db_load(&db, NULL, &e) < 0)
        skip(); /* p0f not installed: make check installs it */
    assert_true(db.nsigs[P0F_SYN] > 50);
    assert_true(db.nsigs[P0F_SYNACK] > 10);
    assert_true(db.nmtus > 10);
    p0f_db_free(&db);
    assert_int_equal(p0f_db_load(&db, "/nonexistent/p0f.fp", &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/p0f.fp: No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_observe_and_match),
        cmocka_unit_test(test_debian_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
