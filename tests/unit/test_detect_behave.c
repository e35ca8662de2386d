/* Behaviour analysis (behave.h, threat.h, topk.h) on hand-built events through the real
 * engine: a home host that sweeps TCP 23 and 2323 while its DNS and NTP queries are
 * answered is one `outbound_sweep` of scan type syn naming both ports, never a UDP scan;
 * the same queries from an outside source, or "answers" from the querier's own MAC, still
 * count; a scan followed by a proven connection to the open port it found is a
 * `scan_then_connect` of the same incident with a higher threat level; levels decay and a
 * scan's later lines add only what it grew by; the top-port counter; the advice; and
 * --block-level in the responder. */
#include "detect/behave.h"
#include "detect/blockresp.h"
#include "detect/engine.h"
#include "detect/threat.h"
#include "detect/topk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAXA 128
#define T0 (1795661696ull * 1000000u)
#define SEC 1000000ull

#define HOME_HOST 0xc0a80210u /* 192.168.2.16, the infected home host */
#define RESOLVER 0xc0a80201u  /* 192.168.2.1: DNS and NTP */
#define SWEPT 0xc6120100u     /* 198.18.1.0/24: the swept addresses (outside the home net) */
#define OUTSIDE 0xc6130001u   /* 198.19.0.1: a scanner outside the home net */
#define SERVER 0xc0a80203u    /* 192.168.2.3: a home server with ssh open */

struct got {
    int n;
    struct det_alert a[MAXA];
    char type[MAXA][16], event[MAXA][32];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        g->a[g->n] = *a;
        snprintf(g->type[g->n], 16, "%s", a->scan_type);
        snprintf(g->event[g->n], 32, "%s", a->event);
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

struct rig {
    struct got g;
    struct det_engine *d;
    struct det_behave *b;
};

/* An engine with sinks and the behaviour hooks; home: 192.168.2.0/24 (or none). */
static void rig_up(struct rig *r, int with_behave)
{
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 1024;
    struct pr_error e;
    r->d = det_engine_new(&c, &e);
    assert_non_null(r->d);
    det_engine_set_key(r->d, 1, 2);
    memset(&r->g, 0, sizeof r->g);
    struct det_sink s = {&got_ops, &r->g};
    assert_int_equal(det_engine_add_sink(r->d, &s), 0);
    r->b = NULL;
    if (with_behave) {
        struct beh_config bc;
        memset(&bc, 0, sizeof bc);
        assert_int_equal(blk_cidr_parse("192.168.2.0/24", &bc.home[0], &e), 0);
        bc.nhome = 1;
        bc.max_sources = 1024;
        r->b = det_behave_new(&bc, r->d, &e);
        assert_non_null(r->b);
    }
}

static void rig_down(struct rig *r)
{
    det_engine_free(r->d);
    det_behave_free(r->b);
}

static struct det_event pkt(uint64_t ts, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sp,
                            uint16_t dp, uint8_t flags)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    addr_from_v4(&ev.src, src);
    addr_from_v4(&ev.dst, dst);
    ev.proto = proto;
    ev.sport = sp;
    ev.dport = dp;
    ev.flags = flags;
    ev.ttl = 64;
    ev.window = 1024;
    ev.opts_known = 1;
    ev.nopts = 1;
    ev.mss = 1460;
    ev.opt_mask = 1u << 2;
    return ev;
}

static void feed(struct rig *r, struct det_event ev)
{
    det_engine_event(r->d, &ev);
}

/* A UDP query from src:sport to dst:dport, answered 2 ms later (when answered). */
static void query(struct rig *r, uint64_t t, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport, int answered)
{
    feed(r, pkt(t, src, dst, DET_PROTO_UDP, sport, dport, 0));
    if (answered)
        feed(r, pkt(t + 2000, dst, src, DET_PROTO_UDP, dport, sport, 0));
}

/* src sweeps TCP 23 and 2323 over 198.18.1.1-.hosts (nothing answers: dropped), with a
 * DNS and an NTP query to the resolver every 20 probes, answered when `answered`. */
static void worm(struct rig *r, uint32_t src, int hosts, int answered)
{
    int k = 0;
    for (int h = 1; h <= hosts; h++)
        for (int i = 0; i < 2; i++, k++) {
            uint64_t t = T0 + (uint64_t)k * 20000;
            feed(r, pkt(t, src, SWEPT + (uint32_t)h, DET_PROTO_TCP, 41000, i ? 2323 : 23, 0x02));
            if (k % 20 == 0) {
                query(r, t + 5000, src, (uint16_t)(50000 + k), RESOLVER, 53, answered);
                query(r, t + 9000, src, (uint16_t)(51000 + k), RESOLVER, 123, answered);
            }
        }
    det_engine_finish(r->d);
}

static int count_scans(const struct got *g, const char *type)
{
    uint32_t ids[MAXA];
    int n = 0;
    for (int i = 0; i < g->n && i < MAXA; i++) {
        if (type && strcmp(g->type[i], type))
            continue;
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= ids[j] == g->a[i].scan_id;
        if (!dup)
            ids[n++] = g->a[i].scan_id;
    }
    return n;
}

static void test_worm_sweep_is_one_syn_sweep(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    worm(&r, HOME_HOST, 200, 1);
    assert_true(r.g.n >= 1);
    assert_int_equal(count_scans(&r.g, NULL), 1); /* one scan, no udp, no mixed */
    const struct det_alert *last = &r.g.a[r.g.n - 1];
    assert_string_equal(r.g.event[r.g.n - 1], "outbound_sweep");
    assert_string_equal(r.g.type[r.g.n - 1], "syn");
    assert_int_equal(last->ports_probed, 2);
    assert_int_equal(last->nports, 2);
    /* both ports, each with (about) the 200 hosts swept: the first 16 are counted exactly */
    int seen23 = 0, seen2323 = 0;
    for (unsigned i = 0; i < last->nports; i++) {
        seen23 |= last->port[i] == 23 && last->port_count[i] >= 190;
        seen2323 |= last->port[i] == 2323 && last->port_count[i] >= 190;
    }
    assert_true(seen23 && seen2323);
    assert_int_equal(last->nopen, 0); /* the answered DNS/NTP ports are not "open ports seen" */
    assert_true(last->threat_level >= 45);
    assert_true(last->nactions >= 1);
    assert_string_equal(last->actions[0], "isolate 192.168.2.16: it sweeps TCP 23 and 2323");
    rig_down(&r);
}

/* Without the retraction (no hooks: the engine as before) the same traffic also opens a
 * UDP scan: the test above can fail. */
static void test_without_retraction_udp_counts(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 0);
    worm(&r, HOME_HOST, 200, 1);
    assert_true(count_scans(&r.g, "udp") >= 1);
    rig_down(&r);
}

/* Only home sources' requests are taken back: an outside source cannot hide a UDP scan
 * behind answers (forged or real), and a home host's unanswered queries still count. */
static void test_outside_and_unanswered_still_count(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    for (int p = 0; p < 40; p++) /* an outside UDP scan whose every probe is "answered" */
        query(&r, T0 + (uint64_t)p * 10000, OUTSIDE, 40000, SERVER, (uint16_t)(1000 + p), 1);
    det_engine_finish(r.d);
    assert_int_equal(count_scans(&r.g, "udp"), 1);
    rig_down(&r);

    rig_up(&r, 1);
    for (int p = 0; p < 40; p++) /* a home host's UDP scan that nobody answers */
        query(&r, T0 + (uint64_t)p * 10000, HOME_HOST, 40000, SERVER, (uint16_t)(1000 + p), 0);
    det_engine_finish(r.d);
    assert_int_equal(count_scans(&r.g, "udp"), 1);
    rig_down(&r);
}

/* "Answers" sent from the querier's own MAC (a host forging replies to itself on the link)
 * are not believed: the scan is reported. */
static void test_answers_from_own_mac_not_believed(void **state)
{
    (void)state;
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0x16};
    struct rig r;
    rig_up(&r, 1);
    for (int p = 0; p < 40; p++) {
        uint64_t t = T0 + (uint64_t)p * 10000;
        struct det_event q =
            pkt(t, HOME_HOST, SERVER, DET_PROTO_UDP, 40000, (uint16_t)(1000 + p), 0);
        q.has_mac = 1;
        memcpy(q.src_mac, mac, 6);
        feed(&r, q);
        struct det_event a =
            pkt(t + 2000, SERVER, HOME_HOST, DET_PROTO_UDP, (uint16_t)(1000 + p), 40000, 0);
        a.has_mac = 1;
        memcpy(a.src_mac, mac, 6);
        feed(&r, a);
    }
    det_engine_finish(r.d);
    assert_int_equal(count_scans(&r.g, "udp"), 1);
    rig_down(&r);
}

/* A TCP handshake from S to T:port (S's ISN 1000, T's 5000), proven by S's ACK. */
static void handshake(struct rig *r, uint64_t t, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
    struct det_event syn = pkt(t, s, d, DET_PROTO_TCP, sp, dp, 0x02);
    syn.nopts = 5; /* an operating system's SYN: connect() */
    syn.opt_mask = (1u << 2) | (1u << 4) | (1u << 8) | (1u << 3) | (1u << 1);
    syn.seq = 1000;
    feed(r, syn);
    struct det_event sa = pkt(t + 200, d, s, DET_PROTO_TCP, dp, sp, 0x12);
    sa.seq = 5000;
    sa.ack = 1001;
    feed(r, sa);
    struct det_event ack = pkt(t + 400, s, d, DET_PROTO_TCP, sp, dp, 0x10);
    ack.seq = 1001;
    ack.ack = 5001;
    feed(r, ack);
}

/* The client's first bytes on a connection handshake() made (an ssh version line). */
static void banner(struct rig *r, uint64_t t, uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
    struct det_event b = pkt(t, s, d, DET_PROTO_TCP, sp, dp, 0x18);
    b.seq = 1001;
    b.ack = 5001;
    b.payload_len = 21;
    feed(r, b);
}

/* A home host browsing: TLS to 80 different servers within a minute, every connection
 * proven and carrying data both ways, is client traffic: no scan (the engine alone, with
 * no hooks, calls it a sweep of 443 by its 50-host threshold). */
static void browse(struct rig *r)
{
    for (uint32_t h = 0; h < 80; h++) {
        uint64_t t = T0 + h * 500000ull;
        uint16_t sp = (uint16_t)(40000 + h);
        handshake(r, t, HOME_HOST, sp, SWEPT + h, 443);
        struct det_event hello = pkt(t + 600, HOME_HOST, SWEPT + h, DET_PROTO_TCP, sp, 443, 0x18);
        hello.seq = 1001;
        hello.ack = 5001;
        hello.payload_len = 517;
        feed(r, hello);
        struct det_event reply = pkt(t + 900, SWEPT + h, HOME_HOST, DET_PROTO_TCP, 443, sp, 0x18);
        reply.seq = 5001;
        reply.ack = 1518;
        reply.payload_len = 1400;
        feed(r, reply);
    }
    det_engine_finish(r->d);
}

static void test_browsing_is_no_sweep(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    browse(&r);
    assert_int_equal(r.g.n, 0);
    rig_down(&r);
    rig_up(&r, 0);
    browse(&r);
    assert_true(count_scans(&r.g, "connect") == 1);
    rig_down(&r);
}

static void test_scan_then_connect(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1);
    /* a SYN scan of ports 1-100 of the server from outside: 22 answers SYN-ACK (half-open
     * close by the scanner), the rest RST */
    for (int p = 1; p <= 100; p++) {
        uint64_t t = T0 + (uint64_t)p * 1000;
        feed(&r, pkt(t, OUTSIDE, SERVER, DET_PROTO_TCP, 40000, (uint16_t)p, 0x02));
        if (p == 22) {
            struct det_event sa = pkt(t + 100, SERVER, OUTSIDE, DET_PROTO_TCP, 22, 40000, 0x12);
            sa.seq = 7000;
            feed(&r, sa);
            feed(&r, pkt(t + 200, OUTSIDE, SERVER, DET_PROTO_TCP, 40000, 22, 0x04));
        } else {
            feed(&r, pkt(t + 100, SERVER, OUTSIDE, DET_PROTO_TCP, (uint16_t)p, 40000, 0x14));
        }
    }
    int before = r.g.n;
    assert_true(before >= 1);
    const struct det_alert *scan = &r.g.a[before - 1];
    assert_string_equal(r.g.event[before - 1], "portscan");
    unsigned scan_level = scan->threat_level;
    uint32_t incident = scan->incident_id;
    assert_true(scan_level > 0);
    /* a connect scan's probe of that port (handshake, reset without data) is no use of it */
    handshake(&r, T0 + SEC, OUTSIDE, 50122, SERVER, 22);
    feed(&r, pkt(T0 + SEC + 600, OUTSIDE, SERVER, DET_PROTO_TCP, 50122, 22, 0x14));
    for (int i = before; i < r.g.n; i++)
        assert_string_not_equal(r.g.event[i], "scan_then_connect");
    /* then ssh to the port it found, 2 s later: the connection is used when it carries data */
    handshake(&r, T0 + 2 * SEC, OUTSIDE, 50123, SERVER, 22);
    banner(&r, T0 + 2 * SEC + 1000, OUTSIDE, 50123, SERVER, 22);
    int k = -1;
    for (int i = before; i < r.g.n; i++)
        if (!strcmp(r.g.event[i], "scan_then_connect"))
            k = i;
    assert_true(k >= 0);
    const struct det_alert *stc = &r.g.a[k];
    assert_int_equal(stc->incident_id, incident);
    assert_true(stc->scan_id != scan->scan_id);
    assert_int_equal(stc->open_ports[0], 22);
    assert_true(stc->threat_level > scan_level);
    assert_true(stc->evidence & DET_EV_HANDSHAKE);
    assert_string_equal(stc->actions[0], "block 198.19.0.1 at the firewall");
    /* a second connection to the same port: no second alert */
    int n = r.g.n;
    handshake(&r, T0 + 3 * SEC, OUTSIDE, 50124, SERVER, 22);
    banner(&r, T0 + 3 * SEC + 1000, OUTSIDE, 50124, SERVER, 22);
    for (int i = n; i < r.g.n; i++)
        assert_string_not_equal(r.g.event[i], "scan_then_connect");
    /* a connection to a port the scan did not find open: none either */
    handshake(&r, T0 + 4 * SEC, OUTSIDE, 50125, SERVER, 443);
    banner(&r, T0 + 4 * SEC + 1000, OUTSIDE, 50125, SERVER, 443);
    for (int i = n; i < r.g.n; i++)
        assert_string_not_equal(r.g.event[i], "scan_then_connect");
    rig_down(&r);
}

static struct det_alert alert(uint32_t scan_id, const char *event, uint32_t ports, uint64_t ts)
{
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.scan_id = scan_id;
    a.event = event;
    a.scan_type = "syn";
    a.has_src = 1;
    addr_from_v4(&a.src, OUTSIDE);
    a.ports_probed = ports;
    a.hosts_probed = 1;
    a.tool_guess = "unknown";
    a.ts_us = ts;
    return a;
}

static void test_threat_levels(void **state)
{
    (void)state;
    struct pr_error e;
    struct thr_table *t = thr_new(64, 3600 * SEC, &e);
    assert_non_null(t);
    /* points: 25 for a portscan + 5 log10(1000) = 40 */
    struct det_alert a = alert(1, "portscan", 1000, T0);
    assert_int_equal(thr_points(&a), 40);
    assert_int_equal(thr_assess(t, &a), 40);
    /* the same scan again (an update of the same size): nothing added */
    a.ts_us = T0 + 1;
    assert_int_equal(thr_assess(t, &a), 40);
    /* it found two open ports: +10, only the growth is added */
    a.nopen = 2;
    assert_int_equal(thr_assess(t, &a), 50);
    /* an hour of silence halves it */
    assert_int_equal(thr_level(t, &a.src, T0 + 1 + 3600 * SEC), 25);
    /* forged evidence halves an alert's points */
    struct det_alert f = alert(2, "portscan", 1000, T0);
    f.evidence = DET_EV_FORGED_HOPS;
    assert_int_equal(thr_points(&f), 20);
    /* a preset level (web alerts) is the alert's points */
    struct det_alert w = alert(3, "webscan", 1, T0);
    w.threat_level = 75;
    assert_int_equal(thr_points(&w), 75);
    /* never above 100 */
    for (uint32_t i = 10; i < 20; i++) {
        struct det_alert x = alert(i, "outbound_sweep", 512, T0 + 2);
        assert_true(thr_assess(t, &x) <= 100);
    }
    assert_int_equal(thr_level(t, &a.src, T0 + 2), 100);
    thr_free(t);
}

static void test_advice(void **state)
{
    (void)state;
    struct det_alert a = alert(1, "portscan", 100, T0);
    a.has_dst = 1;
    addr_from_v4(&a.dst, SERVER);
    a.nopen = 1;
    a.open_ports[0] = 8080;
    a.threat_level = 45;
    thr_advise(&a, 0);
    assert_int_equal(a.nactions, 2);
    assert_string_equal(a.actions[0], "block 198.19.0.1 at the firewall");
    assert_string_equal(a.actions[1], "close 8080/tcp on 192.168.2.3 or allow it in the policy");
    a.threat_level = 20;
    thr_advise(&a, 0);
    assert_string_equal(a.actions[0], "watch 198.19.0.1: threat level below 40");
    a.evidence = DET_EV_FORGED_MAC;
    thr_advise(&a, 0);
    assert_true(strstr(a.actions[0], "do not block 198.19.0.1") == a.actions[0]);
    /* a sweep of three ports by a home host */
    struct det_alert s = alert(2, "outbound_sweep", 3, T0);
    addr_from_v4(&s.src, HOME_HOST);
    s.nports = 3;
    s.port[0] = 23, s.port[1] = 2323, s.port[2] = 8080;
    thr_advise(&s, 1);
    assert_string_equal(s.actions[0], "isolate 192.168.2.16: it sweeps TCP 23, 2323 and 8080");
}

static void test_outbound_event_rule(void **state)
{
    (void)state;
    struct det_alert a = alert(1, "portsweep", 2, T0);
    a.hosts_probed = 50;
    assert_string_equal(det_behave_event(&a, 1, 0), "outbound_sweep");
    /* not a home host; home to home: lateral */
    assert_string_equal(det_behave_event(&a, 0, 0), "portsweep");
    assert_string_equal(det_behave_event(&a, 1, 1), "portsweep");
    a.ports_probed = 200; /* a block scan: many ports */
    assert_string_equal(det_behave_event(&a, 1, 0), "portsweep");
    struct det_alert p = alert(2, "portscan", 2, T0); /* one host */
    assert_string_equal(det_behave_event(&p, 1, 0), "portscan");
}

static void test_topk(void **state)
{
    (void)state;
    struct det_topk t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 100; i++)
        det_topk_add(&t, 23, 1);
    det_topk_add(&t, 2323, 60);
    for (uint16_t p = 1000; p < 1030; p++) /* more ports than slots, one probe each */
        det_topk_add(&t, p, 1);
    uint16_t port[4];
    uint32_t count[4];
    assert_int_equal(det_topk_top(&t, port, count, 4), 4);
    assert_int_equal(port[0], 23);
    assert_int_equal(count[0], 100);
    assert_int_equal(port[1], 2323);
    assert_int_equal(count[1], 60);
    assert_int_equal(det_topk_sub(&t, 23), 99);
    assert_int_equal(det_topk_sub(&t, 9), UINT32_MAX);
    struct det_topk one;
    memset(&one, 0, sizeof one);
    det_topk_add(&one, 53, 1);
    assert_int_equal(det_topk_sub(&one, 53), 0);
    assert_int_equal(det_topk_top(&one, port, count, 4), 0);
}

static int fake_helper(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e)
{
    (void)ctx, (void)req, (void)e;
    snprintf(ans, anslen, "3600 1");
    return 0;
}

static void test_block_level(void **state)
{
    (void)state;
    struct blk_options o;
    blk_options_defaults(&o);
    o.block_level = 60;
    struct blk_policy p;
    memset(&p, 0, sizeof p);
    struct blk_responder *r = blk_open_test(&o, &p, NULL, fake_helper, NULL);
    struct det_alert a = alert(1, "portscan", 100, T0);
    a.evidence = DET_EV_HANDSHAKE;
    a.threat_level = 59;
    assert_string_equal(blk_respond(r, &a), "none");
    assert_int_equal(blk_stats(r)->below_level, 1);
    struct det_alert b = alert(2, "scan_then_connect", 1, T0 + 1);
    b.evidence = DET_EV_HANDSHAKE;
    b.threat_level = 60;
    assert_string_equal(blk_respond(r, &b), "blocked");
    /* the level never overrides a veto */
    struct det_alert c = alert(3, "portscan", 100, T0 + 2);
    addr_from_v4(&c.src, OUTSIDE + 1);
    c.evidence = DET_EV_HANDSHAKE | DET_EV_FORGED_HOPS;
    c.threat_level = 100;
    assert_string_equal(blk_respond(r, &c), "none");
    blk_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worm_sweep_is_one_syn_sweep),
        cmocka_unit_test(test_without_retraction_udp_counts),
        cmocka_unit_test(test_outside_and_unanswered_still_count),
        cmocka_unit_test(test_answers_from_own_mac_not_believed),
        cmocka_unit_test(test_browsing_is_no_sweep),
        cmocka_unit_test(test_scan_then_connect),
        cmocka_unit_test(test_threat_levels),
        cmocka_unit_test(test_advice),
        cmocka_unit_test(test_outbound_event_rule),
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_block_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
