/* The `detect --block` policy and its helper protocol: CIDRs, the system readers (resolv.conf,
 * /proc/net/route, /proc/net/ipv6_route), protected addresses and --block-anyway, the
 * spoof-resistance rules, the per-minute cap, strict parsing of helper requests (hostile
 * ones too), and the engine + responder end to end on hand-built packets: a real SYN
 * scanner is blocked once its kernel answers a SYN-ACK, forged scans are not. */
#include "detect/block.h"
#include "detect/blockhelper.h"
#include "detect/blockresp.h"
#include "detect/engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define T0 (1795661696ull * 1000000u)

static struct pr_addr A(const char *s) {
    struct pr_addr a;
    assert_int_equal(addr_parse(s, &a), 0);
    return a;
}

static void
test_cidr(void **state)
{
    (void)state;
    struct blk_cidr c;
    struct pr_error e = {""};
    assert_int_equal(blk_cidr_parse("198.18.0.0/15", &c, &e), 0);
    struct pr_addr in = A("198.19.255.1"), out = A("198.20.0.1"), v6 = A("2001:2::1");
    assert_true(blk_cidr_contains(&c, &in));
    assert_false(blk_cidr_contains(&c, &out));
    assert_false(blk_cidr_contains(&c, &v6));
    assert_int_equal(blk_cidr_parse("2001:2::/48", &c, &e), 0);
    assert_true(blk_cidr_contains(&c, &v6));
    assert_int_equal(blk_cidr_parse("10.0.0.1", &c, &e), 0);
    assert_int_equal(c.bits, 32);
    assert_int_equal(blk_cidr_parse("0.0.0.0/0", &c, &e), 0);
    assert_true(blk_cidr_contains(&c, &out));
    static const char *const bad[] = {"",           "/8",           "10.0.0.0/",   "10.0.0.0/33",
                                      "10.0.0.1/8", "10.0.0.0/8x",  "10.0.0.0/-1", "2001::/129",
                                      "host.lab",   "10.0.0.0/0008"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(blk_cidr_parse(bad[i], &c, &e), -1);
        assert_true(strlen(e.msg) > 0);
    }
    char longs[200];
    memset(longs, '1', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    assert_int_equal(blk_cidr_parse(longs, &c, &e), -1);
}

static char *tmpfile_with(const char *text)
{
    char *path = strdup("/tmp/pr_test_block_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_system_readers(void **state)
{
    (void)state;
    struct blk_policy p;
    memset(&p, 0, sizeof p);
    struct pr_error e = {""};
    char *r = tmpfile_with("# comment\nnameserver 198.18.0.3\nsearch lab\n"
                           "nameserver fe80::1%eth0\nnameserver not-an-address\nnameserver\n"
                           "nameserver 198.18.0.3\n");
    assert_int_equal(blk_read_resolv(r, &p, &e), 0);
    assert_int_equal(p.nnameserver, 2);
    struct pr_addr ns = A("198.18.0.3"), ll = A("fe80::1");
    assert_true(addr_eq(&p.nameserver[0], &ns));
    assert_true(addr_eq(&p.nameserver[1], &ll));
    /* /proc/net/route: the gateway is a little-endian hex word */
    char *rt = tmpfile_with(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "eth0\tZZ\tjunk\n");
    assert_int_equal(blk_read_routes4(rt, &p, &e), 0);
    assert_int_equal(p.ngateway, 1);
    struct pr_addr gw = A("192.168.0.1");
    assert_true(addr_eq(&p.gateway[0], &gw));
    char *rt6 = tmpfile_with("00000000000000000000000000000000 00 00000000000000000000000000000000"
                             " 00 fe800000000000000000000000000001 00000400 00000001 00000000"
                             " 00000003 eth0\n"
                             "20010002000000000000000000000000 30 00000000000000000000000000000000"
                             " 00 00000000000000000000000000000000 00000100 00000001 00000000"
                             " 00000001 eth0\nshort line\n");
    assert_int_equal(blk_read_routes6(rt6, &p, &e), 0);
    assert_int_equal(p.ngateway, 2);
    struct pr_addr gw6 = A("fe80::1");
    assert_true(addr_eq(&p.gateway[1], &gw6));
    assert_int_equal(blk_read_resolv("/nonexistent/resolv.conf", &p, &e), 0);
    unlink(r);
    unlink(rt);
    unlink(rt6);
    free(r);
    free(rt);
    free(rt6);
    assert_int_equal(blk_read_own(&p, &e), 0);
    assert_true(p.nown >= 1); /* at least lo */
}

static void test_protected(void **state)
{
    (void)state;
    struct blk_policy p;
    memset(&p, 0, sizeof p);
    struct pr_error e = {""};
    assert_int_equal(blk_cidr_parse("198.18.0.0/30", &p.allow[0], &e), 0);
    p.nallow = 1;
    p.own[p.nown++] = A("198.18.0.2");
    p.gateway[p.ngateway++] = A("198.18.0.254");
    p.nameserver[p.nnameserver++] = A("198.18.0.3");
    struct pr_addr a;
    a = A("198.18.0.1");
    assert_non_null(strstr(blk_protected(&p, &a), "allowlisted"));
    a = A("::ffff:198.18.0.1"); /* v4-mapped is judged as the IPv4 address */
    assert_non_null(strstr(blk_protected(&p, &a), "allowlisted"));
    a = A("127.0.0.9");
    assert_string_equal(blk_protected(&p, &a), "loopback");
    a = A("::1");
    assert_string_equal(blk_protected(&p, &a), "loopback");
    a = A("224.0.0.1");
    assert_non_null(blk_protected(&p, &a));
    a = A("0.0.0.0");
    assert_non_null(blk_protected(&p, &a));
    a = A("198.18.0.254");
    assert_non_null(strstr(blk_protected(&p, &a), "gateway"));
    a = A("198.18.0.10");
    assert_null(blk_protected(&p, &a));
    a = A("2001:2::9");
    assert_null(blk_protected(&p, &a));
    /* --block-anyway lifts the gateway and name-server rules, not --allow or loopback */
    assert_int_equal(blk_cidr_parse("198.18.0.0/24", &p.anyway[0], &e), 0);
    p.nanyway = 1;
    a = A("198.18.0.254");
    assert_null(blk_protected(&p, &a));
    a = A("198.18.0.1");
    assert_non_null(blk_protected(&p, &a));
    p.nameserver[p.nnameserver++] = A("198.18.5.5");
    a = A("198.18.5.5");
    assert_non_null(strstr(blk_protected(&p, &a), "name server"));
}

static void test_evidence_rules(void **state)
{
    (void)state;
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.has_src = 1;
    assert_non_null(blk_evidence_refusal(&a, false)); /* failures alone: forgeable */
    a.evidence = DET_EV_STEALTH;
    assert_non_null(blk_evidence_refusal(&a, false));
    assert_null(blk_evidence_refusal(&a, true)); /* --block-on-flags-only */
    a.evidence = DET_EV_HALFOPEN; /* a live host whose address is forged answers too */
    assert_non_null(strstr(blk_evidence_refusal(&a, false), "distance"));
    a.evidence = DET_EV_HALFOPEN | DET_EV_HOPS_OK;
    assert_null(blk_evidence_refusal(&a, false));
    a.evidence = DET_EV_HANDSHAKE;
    assert_null(blk_evidence_refusal(&a, false));
    a.evidence = DET_EV_LINK_BOUND; /* the address's own MAC on the link: any scan type */
    assert_null(blk_evidence_refusal(&a, false));
    a.evidence = DET_EV_LINK_BOUND | DET_EV_STEALTH;
    assert_null(blk_evidence_refusal(&a, false));
    /* every veto wins over every proof, the opt-in included */
    static const unsigned vetoes[] = {DET_EV_FORGED_MAC, DET_EV_FORGED_TWO_MACS, DET_EV_FORGED_HOPS,
                                      DET_EV_FORGED_STRAY};
    for (size_t i = 0; i < sizeof vetoes / sizeof vetoes[0]; i++) {
        a.evidence = vetoes[i] | DET_EV_HANDSHAKE | DET_EV_HALFOPEN | DET_EV_HOPS_OK |
                     DET_EV_LINK_BOUND | DET_EV_STEALTH;
        assert_non_null(blk_evidence_refusal(&a, true));
    }
    a.evidence = DET_EV_FORGED_MAC;
    assert_non_null(strstr(blk_evidence_refusal(&a, false), "MAC"));
    a.evidence = DET_EV_HANDSHAKE;
    a.has_src = 0; /* no source named */
    assert_non_null(blk_evidence_refusal(&a, true));
}

static void test_rate_cap(void **state)
{
    (void)state;
    struct blk_rate r;
    assert_int_equal(blk_rate_init(&r, 0), -1);
    assert_int_equal(blk_rate_init(&r, 3), 0);
    assert_true(blk_rate_take(&r, T0));
    assert_true(blk_rate_take(&r, T0 + 1000000));
    assert_true(blk_rate_take(&r, T0 + 2000000));
    for (int i = 0; i < 10000; i++) /* a flood inside the minute adds nothing */
        assert_false(blk_rate_take(&r, T0 + 3000000 + (uint64_t)i * 5000));
    assert_true(blk_rate_take(&r, T0 + 60000000)); /* the first one is a minute old */
    assert_false(blk_rate_take(&r, T0 + 60500000));
    assert_true(blk_rate_take(&r, T0 + 61000000));
    assert_false(blk_rate_take(&r, T0)); /* the clock going back opens nothing */
    blk_rate_free(&r);
}

static void test_requests(void **state)
{
    (void)state;
    struct blk_req r;
    struct pr_error e = {""};
    assert_int_equal(blk_req_parse("block 198.18.0.1 8", 18, 3600, &r, &e), 0);
    assert_int_equal(r.kind, BLK_REQ_BLOCK);
    assert_int_equal(r.seconds, 8);
    assert_int_equal(blk_req_parse("block 2001:2::1 3600\n", 21, 3600, &r, &e), 0);
    assert_int_equal(r.addr.family, AF_INET6);
    assert_int_equal(blk_req_parse("unblock 198.18.0.1", 18, 3600, &r, &e), 0);
    assert_int_equal(r.kind, BLK_REQ_UNBLOCK);
    static const char *const bad[] = {
        "",
        "block",
        "block ",
        "block 198.18.0.1",
        "block 198.18.0.1 ",
        "block 198.18.0.1 0",
        "block 198.18.0.1 3601",
        "block 198.18.0.1 99999999999999999999999",
        "block 198.18.0.1 8 extra",
        "block 198.18.0.1  8",
        "block 198.18.0.1 -8",
        "block 198.18.0.0/24 8",
        "block lab.example 8",
        "unblock 198.18.0.1 8",
        "unblock",
        "flush",
        "BLOCK 198.18.0.1 8",
        "block 198.18.0.1; delete table inet filter 8",
        "block 198.18.0.1 8\n\n",
        "block 198.18.0.1 8 2",
        "block  198.18.0.1 8",
        " block 198.18.0.1 8",
        "block 198.18.0.1 8\r",
        "block 198.18.0.1\t8",
        "block 198.18.0.1 08x",
        "block 198.18.0.1 1e3",
        "block 198.18.0.1 +8",
        "block 0x7f000001 8",
        "block 198.18.0.1%eth0 8",
        "block fe80::1%eth0 8",
        "block [2001:2::1] 8",
        "ready",
        "ok 8 1",
        "reload",
        "list",
        "unblock 198.18.0.1 ",
        "block 198.18.0.1 4294967297",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(blk_req_parse(bad[i], strlen(bad[i]), 3600, &r, &e), -1);
        assert_true(strlen(e.msg) > 0);
    }
    static const char nul[] = "block 198.18.0.1\0 8";
    assert_int_equal(blk_req_parse(nul, sizeof nul - 1, 3600, &r, &e), -1);
    assert_non_null(strstr(e.msg, "column 17"));
    char big[BLK_REQ_MAX + 10];
    memset(big, 'a', sizeof big);
    assert_int_equal(blk_req_parse(big, sizeof big, 3600, &r, &e), -1);
    /* the helper's own checks: the policy and its own cap, whatever the requester says */
    struct blk_helper_cfg c;
    memset(&c, 0, sizeof c);
    c.policy.nameserver[c.policy.nnameserver++] = A("198.18.0.3");
    c.max_seconds = 3600;
    c.max_per_min = 2;
    struct blk_rate rate;
    assert_int_equal(blk_rate_init(&rate, c.max_per_min), 0);
    assert_int_equal(blk_req_parse("block 198.18.0.3 8", 18, 3600, &r, &e), 0);
    assert_non_null(blk_helper_check(&c, &rate, &r, T0));
    assert_int_equal(blk_req_parse("block 127.0.0.1 8", 17, 3600, &r, &e), 0);
    assert_non_null(blk_helper_check(&c, &rate, &r, T0));
    assert_int_equal(blk_req_parse("block 198.18.0.1 8", 18, 3600, &r, &e), 0);
    assert_null(blk_helper_check(&c, &rate, &r, T0));
    assert_null(blk_helper_check(&c, &rate, &r, T0 + 1));
    assert_non_null(blk_helper_check(&c, &rate, &r, T0 + 2));
    assert_int_equal(blk_req_parse("unblock 198.18.0.3", 18, 3600, &r, &e), 0);
    assert_null(blk_helper_check(&c, &rate, &r, T0 + 3));
    blk_rate_free(&rate);
}

/* Repeat offenders: the time doubles per offence, within [base, max]. */
static void test_repeat_times(void **state)
{
    (void)state;
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 0), 3600);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 1), 3600);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 2), 7200);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 3), 14400);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 8), 128 * 3600);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 9), 7 * 86400); /* 256 h > 7 d */
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, 1000000), 7 * 86400);
    assert_int_equal(blk_repeat_seconds(3600, 7 * 86400, UINT32_MAX), 7 * 86400);
    assert_int_equal(blk_repeat_seconds(20, 40, 2), 40);
    assert_int_equal(blk_repeat_seconds(20, 40, 3), 40);
    assert_int_equal(blk_repeat_seconds(20, 10, 5), 20); /* never below the first time */
    assert_int_equal(blk_repeat_seconds(BLK_MAX_SECONDS, BLK_MAX_SECONDS_CAP, 40),
                     BLK_MAX_SECONDS_CAP);
}

/* ---------------------------------------------------------------- engine + responder */

struct calls {
    int n;
    char last[BLK_REQ_MAX];
    const char *answer; /* what the helper answers after "ok " (NULL: nothing) */
};

static int fake_helper(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e)
{
    (void)e;
    struct calls *c = ctx;
    c->n++;
    snprintf(c->last, sizeof c->last, "%s", req);
    snprintf(ans, anslen, "%s", c->answer ? c->answer : "");
    return 0;
}

#define MAXA 256
struct got {
    int n;
    char action[MAXA][16];
    unsigned ev[MAXA];
    uint32_t src[MAXA], scan[MAXA];
    uint64_t ts[MAXA];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        snprintf(g->action[g->n], 16, "%s", a->action);
        g->ev[g->n] = a->evidence;
        g->src[g->n] = addr_v4(&a->src);
        g->scan[g->n] = a->scan_id;
        g->ts[g->n] = a->ts_us;
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

struct rig {
    struct det_engine *d;
    struct blk_responder *r;
    struct got g;
    struct calls c;
};

static void rig_up(struct rig *x, bool flags_only, uint32_t cap)
{
    memset(x, 0, sizeof *x);
    struct det_config cfg;
    det_config_defaults(&cfg);
    cfg.max_sources = 4096;
    struct pr_error e;
    x->d = det_engine_new(&cfg, &e);
    assert_non_null(x->d);
    det_engine_set_key(x->d, 1, 2);
    struct det_sink s = {&got_ops, &x->g};
    det_engine_add_sink(x->d, &s);
    struct blk_options o;
    blk_options_defaults(&o);
    o.seconds = 8;
    o.flags_only = flags_only;
    o.max_per_min = cap;
    struct blk_policy p;
    memset(&p, 0, sizeof p);
    p.nameserver[p.nnameserver++] = A("198.18.0.3");
    x->r = blk_open_test(&o, &p, NULL, fake_helper, &x->c);
    det_engine_set_responder(x->d, blk_respond, x->r);
}

static void rig_down(struct rig *x)
{
    det_engine_free(x->d);
    blk_close(x->r);
}

static void pkt(struct det_engine *d, uint64_t ts, uint32_t src, uint32_t dst, uint16_t sp,
                uint16_t dp, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t ttl)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    addr_from_v4(&ev.src, src);
    addr_from_v4(&ev.dst, dst);
    ev.proto = DET_PROTO_TCP;
    ev.sport = sp;
    ev.dport = dp;
    ev.flags = flags;
    ev.seq = seq;
    ev.ack = ack;
    ev.ttl = ttl;
    ev.window = 1024;
    ev.nopts = 1;
    ev.mss = 1460;
    ev.opt_mask = 1u << 2;
    ev.opts_known = 1;
    det_engine_event(d, &ev);
}

#define SCANNER 0xc6120001u
#define TARGET 0xc6120002u
#define NAMESERVER 0xc6120003u
#define SYN 0x02
#define RST 0x04
#define ACK 0x10
#define SYNACK 0x12
#define RSTACK 0x14

/* A SYN scan of ports 1..n from src; port `open` answers SYN-ACK, which the scanner's side
 * answers with `answer` (0: nothing) carrying ack `ack_ok ? right : wrong`; the others RST.
 * forged_rsts: the scanner also sends RSTs for the closed ports (a blind forger). */
static void scan(struct det_engine *d, uint64_t t, uint32_t src, int n, int open, uint8_t answer,
                 int ack_ok, int forged_rsts, uint8_t answer_ttl)
{
    for (int p = 1; p <= n; p++) {
        uint64_t ts = t + (uint64_t)p * 1000;
        pkt(d, ts, src, TARGET, 40000, (uint16_t)p, SYN, 1000, 0, 64);
        if (p == open) {
            pkt(d, ts + 100, TARGET, src, (uint16_t)p, 40000, SYNACK, 777000, 1001, 64);
            if (answer)
                pkt(d, ts + 200, src, TARGET, 40000, (uint16_t)p, answer, 1001,
                    ack_ok ? 777001 : 12345, answer_ttl);
            if (answer == ACK) /* a connect scan leaves without a byte */
                pkt(d, ts + 300, src, TARGET, 40000, (uint16_t)p, RSTACK, 1001,
                    ack_ok ? 777001 : 12345, answer_ttl);
        } else {
            pkt(d, ts + 100, TARGET, src, (uint16_t)p, 40000, RSTACK, 0, 1001, 64);
            if (forged_rsts)
                pkt(d, ts + 200, src, TARGET, 40000, (uint16_t)p, RST, 1001, 0, 50);
        }
    }
}

static void test_engine_real_scanner_blocked(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    /* the alert comes first (failures), the block when the kernel's RST answers our SYN-ACK */
    scan(x.d, T0, SCANNER, 20, 15, RST, 1, 0, 64);
    assert_int_equal(x.c.n, 1);
    assert_string_equal(x.c.last, "block 198.18.0.1 8");
    assert_true(x.g.n >= 2);
    assert_string_equal(x.g.action[0], "none");
    assert_string_equal(x.g.action[x.g.n - 1], "blocked");
    /* more of the same scan while blocked: no second request */
    scan(x.d, T0 + 6000000, SCANNER, 200, 0, 0, 0, 0, 64);
    assert_int_equal(x.c.n, 1);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 1);
    assert_int_equal(blk_stats(x.r)->blocked, 1);
    rig_down(&x);
}

/* The helper decides the time (a repeat offender's is longer): the responder counts the
 * block as lasting what the helper answered, not its own --block-time; a new scan from an
 * address it believes blocked is asked again (nftables is the state). */
static void test_engine_repeat_offender(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    x.c.answer = "32 3";
    scan(x.d, T0, SCANNER, 20, 15, RST, 1, 0, 64);
    assert_int_equal(x.c.n, 1);
    assert_string_equal(x.c.last, "block 198.18.0.1 8");
    /* more of the same scan 20 s later (ports 21-60): an 8 s block would have run out */
    int before = x.g.n;
    scan(x.d, T0 + 20000000, SCANNER, 60, 45, RST, 1, 0, 64);
    assert_true(x.g.n > before);
    assert_string_equal(x.g.action[x.g.n - 1], "blocked");
    assert_int_equal(x.c.n, 1);
    /* a new scan (after the first ended) at +25 s, while this memory says blocked until
     * +32 s: the helper is asked again (an admin may have lifted the block) */
    det_engine_finish(x.d);
    x.c.answer = "7 3";
    scan(x.d, T0 + 25000000, SCANNER, 120, 105, RST, 1, 0, 64);
    assert_int_equal(x.c.n, 2);
    assert_string_equal(x.g.action[x.g.n - 1], "blocked");
    rig_down(&x);
    /* the same with the helper's answer 8 s: the update says none, no new request */
    rig_up(&x, false, 10);
    x.c.answer = "8 1";
    scan(x.d, T0, SCANNER, 20, 15, RST, 1, 0, 64);
    before = x.g.n;
    scan(x.d, T0 + 20000000, SCANNER, 60, 45, RST, 1, 0, 64);
    assert_true(x.g.n > before);
    assert_string_equal(x.g.action[x.g.n - 1], "none");
    assert_int_equal(x.c.n, 1);
    rig_down(&x);
}

static void test_engine_handshake(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    /* an ACK that does not acknowledge our SYN-ACK's sequence number proves nothing */
    scan(x.d, T0, SCANNER, 20, 15, ACK, 0, 0, 64);
    assert_int_equal(x.c.n, 0);
    rig_down(&x);
    rig_up(&x, false, 10);
    scan(x.d, T0, SCANNER, 20, 15, ACK, 1, 0, 64);
    assert_int_equal(x.c.n, 1);
    rig_down(&x);
}

static void test_engine_forgeries(void **state)
{
    (void)state;
    struct rig x;
    /* failures only (a forged source that answers nothing) */
    rig_up(&x, false, 10);
    scan(x.d, T0, SCANNER, 40, 0, 0, 0, 0, 64);
    det_engine_finish(x.d);
    assert_true(x.g.n >= 1);
    assert_int_equal(x.c.n, 0);
    rig_down(&x);
    /* a blind forger resetting every port, the open one too: its resets for closed ports
     * betray it */
    rig_up(&x, false, 10);
    scan(x.d, T0, SCANNER, 40, 15, RST, 1, 1, 50);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    rig_down(&x);
    /* the name server's address, whose kernel really answers our SYN-ACK: protected */
    rig_up(&x, false, 10);
    scan(x.d, T0, NAMESERVER, 40, 15, RST, 1, 0, 64);
    det_engine_finish(x.d);
    assert_true(x.g.n >= 1);
    assert_int_equal(x.c.n, 0);
    assert_true(blk_stats(x.r)->protected_ >= 1);
    rig_down(&x);
    /* two open ports answered from two distances: two senders use the address */
    rig_up(&x, false, 10);
    for (int p = 1; p <= 20; p++) {
        uint64_t ts = T0 + (uint64_t)p * 1000;
        pkt(x.d, ts, SCANNER, TARGET, 40000, (uint16_t)p, SYN, 1000, 0, 64);
        if (p == 3 || p == 17) {
            pkt(x.d, ts + 100, TARGET, SCANNER, (uint16_t)p, 40000, SYNACK, 777000, 1001, 64);
            pkt(x.d, ts + 200, SCANNER, TARGET, 40000, (uint16_t)p, RST, 1001, 0,
                p == 3 ? 64 : 120);
        } else {
            pkt(x.d, ts + 100, TARGET, SCANNER, (uint16_t)p, 40000, RSTACK, 0, 1001, 64);
        }
    }
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 1); /* the first answer alone looked real */
    rig_down(&x);
}

static void test_engine_flags_and_cap(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, true, 3);
    /* 50 forged FIN scans from different sources to different targets each */
    for (uint32_t s = 0; s < 50; s++) {
        for (int p = 1; p <= 5; p++)
            pkt(x.d, T0 + s * 100000 + (uint64_t)p, 0xc6130000u + s, TARGET + (uint32_t)p, 50000,
                (uint16_t)p, 0x01, 0, 0, 50);
    }
    assert_int_equal(x.c.n, 3);
    assert_true(blk_stats(x.r)->capped >= 1);
    rig_down(&x);
    rig_up(&x, false, 3); /* without the opt-in: none */
    for (uint32_t s = 0; s < 50; s++)
        for (int p = 1; p <= 5; p++)
            pkt(x.d, T0 + s * 100000 + (uint64_t)p, 0xc6130000u + s, TARGET + (uint32_t)p, 50000,
                (uint16_t)p, 0x01, 0, 0, 50);
    assert_int_equal(x.c.n, 0);
    rig_down(&x);
}

/* ---------------------------------------------------------------- link and hop evidence */

#define VICTIM 0xc6120009u /* a live host on the link whose address is forged */
#define ROUTED 0xc6130014u /* a live host one router away */
#define MAC_S 1
#define MAC_V 2
#define MAC_R 3 /* the router */
#define FIN 0x01

/* One packet with an Ethernet source (mac 0: none, as on a raw-IP link). */
static void epkt(struct det_engine *d, uint64_t ts, uint32_t src, uint32_t dst, uint16_t sp,
                 uint16_t dp, uint8_t flags, uint32_t seq, uint32_t ack, uint8_t ttl, int mac)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    addr_from_v4(&ev.src, src);
    addr_from_v4(&ev.dst, dst);
    ev.proto = DET_PROTO_TCP;
    ev.sport = sp;
    ev.dport = dp;
    ev.flags = flags;
    ev.seq = seq;
    ev.ack = ack;
    ev.ttl = ttl;
    ev.window = 512;
    ev.opts_known = 1;
    if (mac) {
        ev.has_mac = 1;
        uint8_t m[6] = {2, 0, 0, 0, 0, (uint8_t)mac};
        memcpy(ev.src_mac, m, 6);
    }
    det_engine_event(d, &ev);
}

/* What capture.c makes of an ARP packet: addr is at mac. */
static void arp(struct det_engine *d, uint64_t ts, uint32_t addr, int mac)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    ev.origin = DET_ORIG_BIND;
    addr_from_v4(&ev.src, addr);
    ev.has_mac = 1;
    uint8_t m[6] = {2, 0, 0, 0, 0, (uint8_t)mac};
    memcpy(ev.src_mac, m, 6);
    det_engine_event(d, &ev);
}

/* n probes (flags) from src via mac to ports base.., TTL ttl, each refused by the target
 * (RST); port `open` answered by SYN-ACK, which `owner_mac` (0: nobody) resets with TTL
 * owner_ttl. 20 ms apart, like hping3 -i u20000. */
static void probes(struct det_engine *d, uint64_t t, uint32_t src, int mac, uint8_t flags, int n,
                   uint16_t base, uint8_t ttl, uint16_t open, int owner_mac, uint8_t owner_ttl)
{
    for (int i = 0; i < n; i++) {
        uint64_t ts = t + (uint64_t)i * 20000;
        uint16_t port = (uint16_t)(base + i);
        epkt(d, ts, src, TARGET, 2000, port, flags, 1000, 0, ttl, mac);
        if (port == open) {
            epkt(d, ts + 100, TARGET, src, port, 2000, SYNACK, 777000, 1001, 64, 9);
            if (owner_mac)
                epkt(d, ts + 200, src, TARGET, 2000, port, RST, 1001, 0, owner_ttl, owner_mac);
        } else {
            epkt(d, ts + 100, TARGET, src, port, 2000, RSTACK, 0, 1001, 64, 9);
        }
    }
}

static int has_ev(const struct got *g, unsigned bit)
{
    for (int i = 0; i < g->n && i < MAXA; i++)
        if (g->ev[i] & bit)
            return 1;
    return 0;
}

/* hping3 -S to 10 closed ports from a host on the link: no SYN-ACK to answer, but the
 * ARP binding of its address to the MAC it sends from is proof; blocked at the alert. */
static void test_link_closed_only_blocked(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    arp(x.d, T0, SCANNER, MAC_S); /* the target's kernel resolved the scanner */
    probes(x.d, T0 + 1000, SCANNER, MAC_S, SYN, 10, 1000, 64, 0, 0, 0);
    assert_int_equal(x.c.n, 1);
    assert_string_equal(x.c.last, "block 198.18.0.1 8");
    assert_string_equal(x.g.action[0], "blocked"); /* the first alert already */
    assert_true(x.g.ev[0] & DET_EV_LINK_BOUND);
    assert_true(x.g.ts[0] - T0 < 1000000); /* within 1 s of the first probe */
    rig_down(&x);
    /* the binding learned after the alert (ARP later): the block follows at once */
    rig_up(&x, false, 10);
    probes(x.d, T0, SCANNER, MAC_S, SYN, 8, 1000, 64, 0, 0, 0);
    assert_int_equal(x.c.n, 0);
    arp(x.d, T0 + 200000, SCANNER, MAC_S);
    assert_int_equal(x.c.n, 1);
    rig_down(&x);
    /* no binding (a forged dead address): no block, and the lines say why */
    rig_up(&x, false, 10);
    probes(x.d, T0, SCANNER, MAC_S, SYN, 10, 1000, 64, 0, 0, 0);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_true(x.g.n >= 1);
    for (int i = 0; i < x.g.n; i++)
        assert_int_equal(x.g.ev[i], DET_EV_UNPROVEN);
    rig_down(&x);
}

/* nmap -sF (and any stealth scan) on the link: blocked on the binding, without the opt-in. */
static void test_link_stealth_blocked(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    arp(x.d, T0, SCANNER, MAC_S);
    probes(x.d, T0 + 1000, SCANNER, MAC_S, FIN, 6, 1, 50, 0, 0, 0);
    assert_int_equal(x.c.n, 1);
    assert_true(has_ev(&x.g, DET_EV_STEALTH | DET_EV_LINK_BOUND));
    rig_down(&x);
    /* routed (the router's MAC, bound to the router's address): stealth proves nothing */
    rig_up(&x, false, 10);
    arp(x.d, T0, 0xc61200feu, MAC_R);
    probes(x.d, T0 + 1000, ROUTED, MAC_R, FIN, 20, 1, 50, 0, 0, 0);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_false(has_ev(&x.g, DET_EV_LINK_BOUND));
    rig_down(&x);
}

/* nmap -S VICTIM / hping3 -a VICTIM from the scanner on the link: the victim's kernel
 * resets our SYN-ACK (a perfect half-open close), but the probes came from another MAC. */
static void test_link_forged_live_host(void **state)
{
    (void)state;
    struct rig x;
    /* the victim's binding is known (ARP): mismatch */
    rig_up(&x, true, 10);
    arp(x.d, T0, VICTIM, MAC_V);
    probes(x.d, T0 + 1000, VICTIM, MAC_S, SYN, 30, 15, 64, 22, MAC_V, 64);
    probes(x.d, T0 + 2000000, VICTIM, MAC_S, FIN, 30, 100, 64, 0, 0, 0);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0); /* not even with --block-on-flags-only */
    assert_true(has_ev(&x.g, DET_EV_FORGED_MAC) || has_ev(&x.g, DET_EV_FORGED_TWO_MACS));
    rig_down(&x);
    /* no ARP seen: the victim's RST comes from its own MAC, the probes from the scanner's */
    rig_up(&x, false, 10);
    probes(x.d, T0, VICTIM, MAC_S, SYN, 30, 15, 64, 20, MAC_V, 64);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_true(has_ev(&x.g, DET_EV_FORGED_TWO_MACS));
    assert_true(has_ev(&x.g, DET_EV_HALFOPEN));
    rig_down(&x);
    /* one address announced by two MACs (ARP spoofing): contested for good */
    rig_up(&x, false, 10);
    arp(x.d, T0, SCANNER, MAC_V);
    arp(x.d, T0 + 10, SCANNER, MAC_S);
    probes(x.d, T0 + 1000, SCANNER, MAC_S, SYN, 10, 1000, 64, 0, 0, 0);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_true(has_ev(&x.g, DET_EV_FORGED_TWO_MACS));
    rig_down(&x);
}

/* masscan: its own stack resets the SYN-ACK (TTL 255) and so does its host's kernel (TTL
 * 64); it also answers the target's RSTs for closed ports with RSTs. None of that is a
 * blind reset; probes and answers agree on the distance: blocked, even without a MAC. */
static void test_masscan_double_rst(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    for (int p = 1; p <= 40; p++) {
        uint64_t ts = T0 + (uint64_t)p * 200;
        epkt(x.d, ts, SCANNER, TARGET, 61000, (uint16_t)p, SYN, 5000, 0, 255, 0);
        if (p == 22) {
            epkt(x.d, ts + 50, TARGET, SCANNER, 22, 61000, SYNACK, 9000, 5001, 64, 0);
            epkt(x.d, ts + 60, SCANNER, TARGET, 61000, 22, RST, 5001, 0, 255, 0);
            epkt(x.d, ts + 61, SCANNER, TARGET, 61000, 22, RST, 5001, 0, 64, 0);
        } else {
            epkt(x.d, ts + 50, TARGET, SCANNER, (uint16_t)p, 61000, RSTACK, 0, 5001, 64, 0);
            epkt(x.d, ts + 60, SCANNER, TARGET, 61000, (uint16_t)p, RST, 5001, 0, 255, 0);
        }
    }
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 1);
    assert_false(has_ev(&x.g, DET_EV_FORGED_STRAY));
    assert_true(has_ev(&x.g, DET_EV_HOPS_OK));
    rig_down(&x);
    /* a blind forger resets ports that never answered (dropped): stray */
    rig_up(&x, false, 10);
    for (int p = 1; p <= 40; p++) {
        uint64_t ts = T0 + (uint64_t)p * 200;
        epkt(x.d, ts, SCANNER, TARGET, 61000, (uint16_t)p, SYN, 5000, 0, 255, 0);
        epkt(x.d, ts + 60, SCANNER, TARGET, 61000, (uint16_t)p, RST, 5001, 0, 255, 0);
    }
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    rig_down(&x);
}

/* Routed: the innocent live host ROUTED (one hop: its kernel's TTL 63 at the target) and a
 * forger two hops away using its address with hping3 (TTL 64 → 62): the distances differ. */
static void test_routed_hops(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    arp(x.d, T0, 0xc61200feu, MAC_R);
    probes(x.d, T0 + 1000, ROUTED, MAC_R, SYN, 30, 15, 62, 22, MAC_R, 63);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_true(has_ev(&x.g, DET_EV_FORGED_HOPS));
    assert_false(has_ev(&x.g, DET_EV_LINK_BOUND)); /* the router's MAC proves nothing */
    rig_down(&x);
    /* the host's own connection (with data: it proves the host exists, not that it scanned,
     * and gives its distance), then hping3 forging its address from two hops away to closed
     * ports: refuted by the hops, where the handshake alone once blocked it */
    rig_up(&x, false, 10);
    struct det_event req; /* its kernel's SYN (with its options), then its request */
    memset(&req, 0, sizeof req);
    req.ts_us = T0;
    addr_from_v4(&req.src, ROUTED);
    addr_from_v4(&req.dst, TARGET);
    req.proto = DET_PROTO_TCP;
    req.sport = 50000;
    req.dport = 80;
    req.flags = SYN;
    req.seq = 100;
    req.ttl = 63;
    req.opts_known = 1;
    req.nopts = 5;
    req.opt_mask = 1u << 2 | 1u << 4 | 1u << 8 | 1u << 1 | 1u << 3;
    det_engine_event(x.d, &req);
    epkt(x.d, T0 + 100, TARGET, ROUTED, 80, 50000, SYNACK, 555000, 101, 64, 9);
    epkt(x.d, T0 + 200, ROUTED, TARGET, 50000, 80, ACK, 101, 555001, 63, MAC_R);
    memset(&req, 0, sizeof req);
    req.ts_us = T0 + 300;
    addr_from_v4(&req.src, ROUTED);
    addr_from_v4(&req.dst, TARGET);
    req.proto = DET_PROTO_TCP;
    req.sport = 50000;
    req.dport = 80;
    req.flags = ACK | 0x08;
    req.payload_len = 120;
    req.ttl = 63;
    det_engine_event(x.d, &req);
    epkt(x.d, T0 + 400, ROUTED, TARGET, 50000, 80, 0x11, 201, 555001, 63, MAC_R);
    probes(x.d, T0 + 1000000, ROUTED, MAC_R, SYN, 30, 2000, 62, 0, 0, 0);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 0);
    assert_true(has_ev(&x.g, DET_EV_FORGED_HOPS));
    assert_false(has_ev(&x.g, DET_EV_HANDSHAKE));
    rig_down(&x);
    /* the real host one hop away: probes and answers from one distance */
    rig_up(&x, false, 10);
    arp(x.d, T0, 0xc61200feu, MAC_R);
    probes(x.d, T0 + 1000, ROUTED, MAC_R, SYN, 30, 15, 63, 22, MAC_R, 63);
    assert_int_equal(x.c.n, 1);
    rig_down(&x);
    /* nmap's TTL changes per probe (37-59 at the sender): the answers count only once the
     * probes pinned the distance; a forger two hops away is refuted, for good */
    for (int forged = 0; forged < 2; forged++) {
        rig_up(&x, false, 10);
        int blocked_at = -1;
        for (int i = 0; i < 200; i++) {
            uint64_t ts = T0 + (uint64_t)i * 2000;
            uint8_t ttl = (uint8_t)(37 + (i * 7) % 23 - 2); /* sent from 2 hops */
            uint16_t port = (uint16_t)(1 + i);
            epkt(x.d, ts, ROUTED, TARGET, 40000, port, SYN, 1000, 0, ttl, 0);
            if (port == 3 || port == 150) { /* open: the owner's kernel resets */
                epkt(x.d, ts + 100, TARGET, ROUTED, port, 40000, SYNACK, 777000, 1001, 64, 0);
                epkt(x.d, ts + 200, ROUTED, TARGET, 40000, port, RST, 1001, 0, forged ? 63 : 62, 0);
            } else {
                epkt(x.d, ts + 100, TARGET, ROUTED, port, 40000, RSTACK, 0, 1001, 64, 0);
            }
            if (blocked_at < 0 && x.c.n)
                blocked_at = i;
        }
        det_engine_finish(x.d);
        if (forged) {
            assert_int_equal(x.c.n, 0);
            assert_true(has_ev(&x.g, DET_EV_FORGED_HOPS));
        } else {
            assert_int_equal(x.c.n, 1);
            assert_int_equal(blocked_at, 13); /* once the TTLs 35 and 57 were seen */
        }
        rig_down(&x);
    }
}

/* A forged 10-SYN scan just before the real one, and 40 forged scans of the same target in
 * a minute: the real scan is reported with its own address and blocked. */
static void test_grouping_never_hides(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    arp(x.d, T0, SCANNER, MAC_S);
    probes(x.d, T0, 0xc612004du, MAC_S, SYN, 10, 5000, 64, 0, 0, 0);
    for (uint32_t k = 0; k < 40; k++)
        probes(x.d, T0 + 300000 + k * 10000, 0xc6140000u + k, MAC_S, SYN, 10, 6000, 64, 0, 0, 0);
    probes(x.d, T0 + 1000000, SCANNER, MAC_S, SYN, 100, 1, 64, 22, MAC_S, 64);
    det_engine_finish(x.d);
    assert_int_equal(x.c.n, 1);
    assert_string_equal(x.c.last, "block 198.18.0.1 8");
    int real_lines = 0;
    for (int i = 0; i < x.g.n && i < MAXA; i++)
        if (x.g.src[i] == SCANNER) {
            real_lines++;
            if (!strcmp(x.g.action[i], "blocked"))
                assert_true(x.g.ev[i] & DET_EV_LINK_BOUND);
        }
    assert_true(real_lines >= 1);
    rig_down(&x);
}

/* IPv6 on the link: the scanner's neighbour advertisement binds its address to its MAC;
 * its SYNs to closed ports from that MAC are then proof. */
static void test_link_nd_binding(void **state)
{
    (void)state;
    struct rig x;
    rig_up(&x, false, 10);
    struct pr_addr s6, t6;
    assert_int_equal(addr_parse("2001:2::1", &s6), 0);
    assert_int_equal(addr_parse("2001:2::2", &t6), 0);
    struct det_event na;
    memset(&na, 0, sizeof na);
    na.ts_us = T0;
    na.src = s6;
    na.dst = t6;
    na.proto = DET_PROTO_ICMP6;
    na.icmp_type = 136;
    na.ttl = 255;
    na.has_mac = 1;
    memcpy(na.src_mac, "\x02\x00\x00\x00\x00\x01", 6);
    det_engine_event(x.d, &na);
    for (int i = 0; i < 10; i++) {
        struct det_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_us = T0 + 1000 + (uint64_t)i * 20000;
        ev.src = s6;
        ev.dst = t6;
        ev.proto = DET_PROTO_TCP;
        ev.sport = 2000;
        ev.dport = (uint16_t)(1000 + i);
        ev.flags = SYN;
        ev.ttl = 64;
        ev.opts_known = 1;
        ev.has_mac = 1;
        memcpy(ev.src_mac, na.src_mac, 6);
        det_engine_event(x.d, &ev);
        struct det_event r = ev;
        r.ts_us += 100;
        r.src = t6;
        r.dst = s6;
        r.sport = ev.dport;
        r.dport = 2000;
        r.flags = RSTACK;
        r.src_mac[5] = 9;
        det_engine_event(x.d, &r);
    }
    assert_int_equal(x.c.n, 1);
    assert_string_equal(x.c.last, "block 2001:2::1 8");
    rig_down(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_system_readers),
        cmocka_unit_test(test_protected),
        cmocka_unit_test(test_evidence_rules),
        cmocka_unit_test(test_rate_cap),
        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_repeat_times),
        cmocka_unit_test(test_engine_repeat_offender),
        cmocka_unit_test(test_engine_real_scanner_blocked),
        cmocka_unit_test(test_engine_handshake),
        cmocka_unit_test(test_engine_forgeries),
        cmocka_unit_test(test_engine_flags_and_cap),
        cmocka_unit_test(test_link_closed_only_blocked),
        cmocka_unit_test(test_link_stealth_blocked),
        cmocka_unit_test(test_link_forged_live_host),
        cmocka_unit_test(test_masscan_double_rst),
        cmocka_unit_test(test_routed_hops),
        cmocka_unit_test(test_grouping_never_hides),
        cmocka_unit_test(test_link_nd_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
