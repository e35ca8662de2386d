/* The detection engine on hand-built events: each technique gives one alert of the right
 * type and detector; benign patterns give none; a flood of spoofed sources in a small
 * table does not hide a real scan; alerts are rate-limited; tool traits are recognised; a
 * connect scan and a SYN scan from one source are two scans, a mixed one is one.
 * Also the frame decoder on hand-made frames of each link type. */
#include "detect/capture.h"
#include "detect/engine.h"
#include "detect/toolguess.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAXA 64
#define T0 (1795661696ull * 1000000u)

struct got {
    int n;
    struct det_alert a[MAXA];
    char type[MAXA][16], event[MAXA][32], det[MAXA][16], tool[MAXA][16];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        g->a[g->n] = *a;
        snprintf(g->type[g->n], 16, "%s", a->scan_type);
        snprintf(g->event[g->n], 32, "%s", a->event);
        snprintf(g->det[g->n], 16, "%s", a->detector);
        snprintf(g->tool[g->n], 16, "%s", a->tool_guess);
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

static struct det_engine *mk(struct got *g, uint32_t max_sources)
{
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = max_sources;
    struct pr_error e;
    struct det_engine *d = det_engine_new(&c, &e);
    assert_non_null(d);
    det_engine_set_key(d, 1, 2);
    memset(g, 0, sizeof *g);
    struct det_sink s = {&got_ops, g};
    assert_int_equal(det_engine_add_sink(d, &s), 0);
    return d;
}

static void ip4(struct pr_addr *a, uint32_t v)
{
    addr_from_v4(a, v);
}

static struct det_event tcp(uint64_t ts, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                            uint8_t flags)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    ip4(&ev.src, src);
    ip4(&ev.dst, dst);
    ev.proto = DET_PROTO_TCP;
    ev.sport = sp;
    ev.dport = dp;
    ev.flags = flags;
    ev.ttl = 64;
    ev.has_ip_id = 1;
    ev.ip_id = (uint16_t)(ts * 7919);
    ev.window = 64240;
    ev.opts_known = 1;
    return ev;
}

#define SCANNER 0xc6120001u
#define TARGET 0xc6120002u

/* SYN probes from a raw-socket scanner to ports 1..n, each answered by RST. */
static void syn_scan(struct det_engine *d, uint64_t t, int n, uint16_t window)
{
    for (int p = 1; p <= n; p++) {
        struct det_event ev =
            tcp(t + (uint64_t)p * 1000, SCANNER, TARGET, 40000, (uint16_t)p, 0x02);
        ev.window = window;
        ev.nopts = 1;
        ev.mss = 1460;
        ev.opt_mask = 1u << 2;
        det_engine_event(d, &ev);
        struct det_event r =
            tcp(t + (uint64_t)p * 1000 + 100, TARGET, SCANNER, (uint16_t)p, 40000, 0x14);
        det_engine_event(d, &r);
    }
}

static void test_syn_scan(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    syn_scan(d, T0, 9, 1024);
    assert_int_equal(g.n, 1); /* within 10 failed probes */
    assert_string_equal(g.type[0], "syn");
    assert_string_equal(g.event[0], "portscan");
    assert_string_equal(g.det[0], "trw");
    assert_string_equal(g.tool[0], "nmap");
    assert_int_equal(g.a[0].kind, DET_ALERT_NEW);
    syn_scan(d, T0 + 10000000, 200, 1024);
    det_engine_finish(d);
    assert_true(g.n >= 2);
    assert_int_equal(g.a[g.n - 1].scan_id, g.a[0].scan_id); /* updates of the same scan */
    assert_int_equal(g.a[g.n - 1].ports_probed, 200);
    assert_int_equal(det_engine_stats(d)->scans, 1);
    det_engine_free(d);
}

/* A slow scan (nmap -T1: 15 s between probes) of 20 ports reports all 20 whatever the
 * hash key: the ports seen before the scan record exists are kept exactly, not through
 * the hashed contact bitmap, whose collisions once dropped one port in twenty runs. */
static void test_slow_scan_ports(void **state)
{
    (void)state;
    for (uint64_t k = 0; k < 300; k++) {
        struct got g;
        struct det_engine *d = mk(&g, 1024);
        det_engine_set_key(d, k, k * 0x9e3779b97f4a7c15ull + 7);
        for (int p = 0; p < 20; p++) {
            uint64_t t = T0 + (uint64_t)p * 15000000u;
            struct det_event ev = tcp(t, SCANNER, TARGET, 40000, (uint16_t)(1000 + p), 0x02);
            det_engine_event(d, &ev);
            struct det_event r = tcp(t + 100, TARGET, SCANNER, (uint16_t)(1000 + p), 40000, 0x14);
            det_engine_event(d, &r);
        }
        det_engine_finish(d);
        assert_true(g.n >= 1);
        assert_int_equal(g.a[g.n - 1].probes, 20);
        assert_int_equal(g.a[g.n - 1].ports_probed, 20);
        det_engine_free(d);
    }
}

static const char *would_block(void *ctx, const struct det_alert *a)
{
    (void)a;
    ++*(int *)ctx;
    return "would_block";
}

static void test_responder(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    int calls = 0;
    det_engine_set_responder(d, would_block, &calls);
    syn_scan(d, T0, 9, 1024);
    assert_int_equal(calls, 1);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.a[0].action, "would_block");
    det_engine_free(d);
}

static void test_stealth_flags(void **state)
{
    (void)state;
    const struct {
        uint8_t flags;
        const char *type;
    } cases[] = {{0x01, "fin"}, {0x00, "null"}, {0x29, "xmas"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct got g;
        struct det_engine *d = mk(&g, 1024);
        for (int p = 1; p <= 5; p++) {
            struct det_event ev =
                tcp(T0 + (uint64_t)p, SCANNER, TARGET, 50000, (uint16_t)p, cases[i].flags);
            ev.window = 1024;
            det_engine_event(d, &ev);
            assert_int_equal(g.n, p == 5 ? 1 : 0); /* within 5 probes, no answer needed */
        }
        assert_string_equal(g.type[0], cases[i].type);
        assert_string_equal(g.det[0], "flags");
        assert_string_equal(g.tool[0], "nmap");
        det_engine_free(d);
    }
}

static void test_ack_and_maimon(void **state)
{
    (void)state;
    const uint8_t fl[] = {0x10, 0x11};
    const char *want[] = {"ack", "maimon"};
    for (int i = 0; i < 2; i++) {
        struct got g;
        struct det_engine *d = mk(&g, 1024);
        for (int p = 1; p <= 10; p++) {
            struct det_event ev =
                tcp(T0 + (uint64_t)p * 100, SCANNER, TARGET, 50000, (uint16_t)p, fl[i]);
            det_engine_event(d, &ev);
            struct det_event r =
                tcp(T0 + (uint64_t)p * 100 + 10, TARGET, SCANNER, (uint16_t)p, 50000, 0x04);
            det_engine_event(d, &r);
        }
        det_engine_finish(d);
        assert_int_equal(det_engine_stats(d)->scans, 1);
        assert_string_equal(g.type[0], want[i]);
        det_engine_free(d);
    }
}

static void test_udp_scan(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    for (int p = 1; p <= 10; p++) {
        struct det_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_us = T0 + (uint64_t)p * 1000;
        ip4(&ev.src, SCANNER);
        ip4(&ev.dst, TARGET);
        ev.proto = DET_PROTO_UDP;
        ev.sport = 41000;
        ev.dport = (uint16_t)p;
        det_engine_event(d, &ev);
        if (p <= 6) { /* the kernel's ICMP rate limit answers only the first few */
            struct det_event u;
            memset(&u, 0, sizeof u);
            u.ts_us = ev.ts_us + 50;
            ip4(&u.src, TARGET);
            ip4(&u.dst, SCANNER);
            u.proto = DET_PROTO_ICMP;
            u.icmp_type = 3;
            u.icmp_code = 3;
            u.has_inner = 1;
            u.inner_src = ev.src;
            u.inner_dst = ev.dst;
            u.inner_proto = DET_PROTO_UDP;
            u.inner_sport = 41000;
            u.inner_dport = (uint16_t)p;
            det_engine_event(d, &u);
        }
    }
    assert_int_equal(g.n, 1);
    assert_string_equal(g.type[0], "udp");
    det_engine_free(d);
}

static void test_connect_scan(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    uint64_t t = T0;
    for (int p = 1; p <= 12; p++) {
        uint16_t sp = (uint16_t)(30000 + p);
        struct det_event s = tcp(t += 100, SCANNER, TARGET, sp, (uint16_t)p, 0x02);
        s.nopts = 5;
        s.mss = 1460;
        s.opt_mask = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8);
        det_engine_event(d, &s);
        if (p == 3) { /* open: handshake, then the scanner closes without data */
            det_engine_event(d, &(struct det_event){0});
            struct det_event sa = tcp(t += 10, TARGET, SCANNER, 3, sp, 0x12);
            det_engine_event(d, &sa);
            struct det_event a = tcp(t += 10, SCANNER, TARGET, sp, 3, 0x10);
            det_engine_event(d, &a);
            struct det_event r = tcp(t += 10, SCANNER, TARGET, sp, 3, 0x14);
            det_engine_event(d, &r);
        } else {
            struct det_event r = tcp(t += 10, TARGET, SCANNER, (uint16_t)p, sp, 0x14);
            det_engine_event(d, &r);
        }
    }
    det_engine_finish(d);
    assert_true(g.n >= 1);
    assert_string_equal(g.type[g.n - 1], "connect");
    assert_string_equal(g.tool[g.n - 1], "unknown");
    assert_int_equal(g.a[g.n - 1].nopen, 1);
    assert_int_equal(g.a[g.n - 1].open_ports[0], 3);
    det_engine_free(d);
}

static void test_benign(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    uint64_t t = T0;
    /* 100 attempts at one closed port, each from a new source port */
    for (int i = 0; i < 100; i++) {
        struct det_event s = tcp(t += 1000, SCANNER, TARGET, (uint16_t)(20000 + i), 9999, 0x02);
        det_engine_event(d, &s);
        struct det_event r = tcp(t += 10, TARGET, SCANNER, 9999, (uint16_t)(20000 + i), 0x14);
        det_engine_event(d, &r);
    }
    /* 200 web requests to 5 servers on 80 and 443, all answered */
    for (int i = 0; i < 200; i++) {
        uint32_t srv = TARGET + (uint32_t)(i % 5);
        uint16_t port = i % 2 ? 443 : 80, sp = (uint16_t)(40000 + i);
        struct det_event s = tcp(t += 1000, SCANNER, srv, sp, port, 0x02);
        det_engine_event(d, &s);
        struct det_event sa = tcp(t += 10, srv, SCANNER, port, sp, 0x12);
        det_engine_event(d, &sa);
        struct det_event a = tcp(t += 10, SCANNER, srv, sp, port, 0x18);
        a.payload_len = 100;
        det_engine_event(d, &a);
        struct det_event f = tcp(t += 10, SCANNER, srv, sp, port, 0x11);
        det_engine_event(d, &f);
    }
    /* ACKs of connections that began before the capture, not refused */
    for (int i = 0; i < 100; i++) {
        struct det_event a = tcp(t += 100, TARGET, SCANNER, 80, (uint16_t)(50000 + i), 0x10);
        det_engine_event(d, &a);
    }
    det_engine_finish(d);
    assert_int_equal(g.n, 0);
    det_engine_free(d);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_flood_keeps_scan(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    uint64_t s = 88172645463325252ull, t = T0;
    int port = 1;
    for (int i = 0; i < 200000; i++) {
        uint32_t src = (uint32_t)rng(&s);
        struct det_event ev = tcp(t += 5, src, TARGET, (uint16_t)rng(&s), 80, 0x02);
        det_engine_event(d, &ev);
        if (i % 1000 == 0 && port <= 150) { /* the real scan, one probe per 1000 spoofed */
            struct det_event p = tcp(t += 1, SCANNER, TARGET, 40000, (uint16_t)port, 0x02);
            p.window = 1024;
            det_engine_event(d, &p);
            struct det_event r = tcp(t += 1, TARGET, SCANNER, (uint16_t)port, 40000, 0x14);
            det_engine_event(d, &r);
            port++;
        }
    }
    det_engine_finish(d);
    const struct det_stats *st = det_engine_stats(d);
    assert_true(st->sources_evicted > 100000);
    int found = 0;
    for (int i = 0; i < g.n && i < MAXA; i++)
        if (addr_v4(&g.a[i].src) == SCANNER)
            found = 1;
    assert_true(found);
    /* each spoofed source sent one probe: none of them is a scan */
    assert_int_equal(st->scans, 1);
    assert_true(det_engine_bytes(d) < 4u << 20);
    det_engine_free(d);
}

static void test_rate_limit(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 4096);
    /* 300 scanners at the same moment: 5 FIN probes each */
    for (uint32_t s = 0; s < 300; s++)
        for (int p = 1; p <= 5; p++) {
            struct det_event ev = tcp(T0 + s, 0x0a000000u + s, TARGET, 1, (uint16_t)p, 0x01);
            det_engine_event(d, &ev);
        }
    const struct det_stats *st = det_engine_stats(d);
    assert_true(st->alerts <= 60);
    assert_true(st->alerts_suppressed > 0);
    det_engine_free(d);
}

static void test_tool_traits(void **state)
{
    (void)state;
    struct det_event ev = tcp(T0, SCANNER, TARGET, 40000, 80, 0x02);
    ev.ip_id = 54321;
    ev.window = 65535;
    assert_int_equal(det_tool_vote(&ev), DET_TOOL_ZMAP);
    ev.window = 1024;
    ev.seq = 709109823;
    ev.dport = 5;
    /* measured on masscan 1.3.2: id = (dst ^ dport ^ seq) & 0xffff */
    ev.ip_id = (uint16_t)((0x0002 ^ 5 ^ 709109823u) & 0xffff);
    assert_int_equal(ev.ip_id, 0x2838);
    assert_int_equal(det_tool_vote(&ev), DET_TOOL_MASSCAN);
    ev.ip_id = 1234;
    ev.nopts = 1;
    ev.mss = 1460;
    assert_int_equal(det_tool_vote(&ev), DET_TOOL_NMAP);
    ev.window = 512; /* hping3 */
    ev.nopts = 0;
    ev.mss = 0;
    assert_int_equal(det_tool_vote(&ev), DET_TOOL_UNKNOWN);
}

static void test_ipproto_and_groups(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    /* nmap -sO: protocols 20..40, each answered by ICMP protocol unreachable */
    for (int pr = 20; pr <= 40; pr++) {
        struct det_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_us = T0 + (uint64_t)pr * 100;
        ip4(&ev.src, SCANNER);
        ip4(&ev.dst, TARGET);
        ev.proto = (uint8_t)pr;
        ev.ttl = (uint8_t)(40 + pr % 7);
        det_engine_event(d, &ev);
        struct det_event u;
        memset(&u, 0, sizeof u);
        u.ts_us = ev.ts_us + 10;
        u.src = ev.dst;
        u.dst = ev.src;
        u.proto = DET_PROTO_ICMP;
        u.icmp_type = 3;
        u.icmp_code = 2;
        u.has_inner = 1;
        u.inner_src = ev.src;
        u.inner_dst = ev.dst;
        u.inner_proto = (uint8_t)pr;
        det_engine_event(d, &u);
    }
    det_engine_finish(d);
    assert_true(g.n >= 1);
    assert_string_equal(g.type[g.n - 1], "ipproto");
    assert_int_equal(g.a[g.n - 1].ports_probed, 21);
    det_engine_free(d);

    /* three sources, the same ports, at the same time: a decoy scan; only one source
     * resets the half-open connection of the open port 7 */
    d = mk(&g, 1024);
    for (int p = 1; p <= 12; p++)
        for (uint32_t k = 0; k < 3; k++) {
            uint32_t src = SCANNER + 100 * k;
            uint64_t t = T0 + (uint64_t)p * 1000 + k * 10;
            struct det_event ev = tcp(t, src, TARGET, 40000, (uint16_t)p, 0x02);
            ev.window = 1024;
            det_engine_event(d, &ev);
            if (p == 7) {
                struct det_event sa = tcp(t + 1, TARGET, src, 7, 40000, 0x12);
                det_engine_event(d, &sa);
                if (k == 0) {
                    struct det_event r = tcp(t + 2, src, TARGET, 40000, 7, 0x04);
                    det_engine_event(d, &r);
                }
            } else if (k == 0) {
                struct det_event r = tcp(t + 1, TARGET, src, (uint16_t)p, 40000, 0x14);
                det_engine_event(d, &r);
            }
        }
    det_engine_finish(d);
    /* one campaign of three scans, each reported with its own source and evidence */
    assert_int_equal(det_engine_stats(d)->alerts, 3);
    uint32_t seen = 0, campaign = 0;
    unsigned most = 0;
    for (int i = 0; i < g.n; i++)
        most = g.a[i].nsrcs > most ? g.a[i].nsrcs : most;
    assert_int_equal(most, 3); /* src_ips lists the members while they run */
    for (int i = 0; i < g.n; i++) {
        const struct det_alert *a = &g.a[i];
        uint32_t k = (addr_v4(&a->src) - SCANNER) / 100;
        assert_true(k < 3);
        seen |= 1u << k;
        if (a->kind == DET_ALERT_NEW && !a->campaign_id)
            continue; /* the first scan's first line: no campaign yet */
        assert_int_equal(addr_v4(&a->srcs[0]), addr_v4(&a->src));
        assert_string_equal(g.event[i], "decoy_portscan");
        assert_int_not_equal(a->campaign_id, 0);
        if (!campaign)
            campaign = a->campaign_id;
        assert_int_equal(a->campaign_id, campaign);
        assert_int_equal(!!(a->evidence & DET_EV_HALFOPEN), k == 0); /* only the real one */
    }
    assert_int_equal(seen, 7);
    det_engine_free(d);
}

static void test_bad_config(void **state)
{
    (void)state;
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 2;
    struct pr_error e;
    assert_null(det_engine_new(&c, &e));
    assert_non_null(strstr(e.msg, "max-sources"));
}

/* hand-made frames: one IPv4 TCP SYN under each link type */
static const uint8_t ip_syn[] = {
    0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x00, 0x00, 0x37, 0x06, 0xe5, 0x70, /* ...checksum */
    198,  18,   0,    1,    198,  18,   0,    2,                            /* addrs */
    0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* ports seq ack */
    0x60, 0x02, 0x04, 0x00, 0x6b, 0x6d, 0x00, 0x00, /* off flags win checksum urgent */
    0x02, 0x04, 0x05, 0xb4,                         /* MSS 1460 */
};

static void test_decode_frames(void **state)
{
    (void)state;
    uint8_t f[128];
    struct pkt_info p;
    /* Ethernet */
    memset(f, 0, 14);
    f[12] = 0x08;
    memcpy(f + 14, ip_syn, sizeof ip_syn);
    assert_int_equal(det_decode_frame(1, f, 14 + sizeof ip_syn, &p), 0);
    assert_int_equal(p.t.dport, 80);
    assert_int_equal(p.t.flags, 0x02);
    assert_int_equal(p.tcp_mss, 1460);
    assert_int_equal(p.ip_id, 0x1234);
    /* raw IP */
    assert_int_equal(det_decode_frame(101, ip_syn, sizeof ip_syn, &p), 0);
    /* Linux cooked v1 and v2 */
    memset(f, 0, 20);
    f[14] = 0x08;
    memcpy(f + 16, ip_syn, sizeof ip_syn);
    assert_int_equal(det_decode_frame(113, f, 16 + sizeof ip_syn, &p), 0);
    memset(f, 0, 20);
    f[0] = 0x08;
    memcpy(f + 20, ip_syn, sizeof ip_syn);
    assert_int_equal(det_decode_frame(276, f, 20 + sizeof ip_syn, &p), 0);
    /* BSD loopback (family 2, host order) */
    memset(f, 0, 4);
    f[0] = 2;
    memcpy(f + 4, ip_syn, sizeof ip_syn);
    assert_int_equal(det_decode_frame(0, f, 4 + sizeof ip_syn, &p), 0);
    /* truncations never read past the end */
    for (size_t k = 0; k < 14 + sizeof ip_syn; k++) {
        uint8_t *q = malloc(k ? k : 1);
        assert_non_null(q);
        memcpy(q, f, k);
        (void)det_decode_frame(1, q, k, &p);
        (void)det_decode_frame(276, q, k, &p);
        (void)det_decode_frame(0, q, k, &p);
        free(q);
    }
    assert_int_equal(det_decode_frame(9999, f, 60, &p), -1);
}

/* ARP frames become bindings; Ethernet IP frames carry their source MAC; other links none. */
static void test_decode_events(void **state)
{
    (void)state;
    uint8_t f[128];
    struct det_event ev;
    static const uint8_t arp_reply[] = {
        0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x02,       /* Ethernet/IPv4, reply */
        0x3e, 0x09, 0x59, 0xf1, 0x1d, 0xe3,                   /* sender MAC */
        198,  18,   0,    1,                                  /* sender address */
        0x86, 0xf4, 0x4a, 0x5a, 0x4b, 0x21, 198,  18,   0, 2, /* target */
    };
    memset(f, 0, sizeof f);
    memcpy(f + 6, "\x3e\x09\x59\xf1\x1d\xe3", 6);
    f[12] = 0x08;
    f[13] = 0x06;
    memcpy(f + 14, arp_reply, sizeof arp_reply);
    assert_int_equal(det_decode_event(1, f, 14 + sizeof arp_reply, T0, &ev), 0);
    assert_int_equal(ev.origin, DET_ORIG_BIND);
    assert_int_equal(addr_v4(&ev.src), 0xc6120001u);
    assert_true(ev.has_mac);
    assert_memory_equal(ev.src_mac, "\x3e\x09\x59\xf1\x1d\xe3", 6);
    /* behind a VLAN tag too */
    uint8_t v[128];
    memcpy(v, f, 12);
    v[12] = 0x81;
    v[13] = 0x00;
    v[14] = 0;
    v[15] = 5;
    memcpy(v + 16, f + 12, 2 + sizeof arp_reply);
    assert_int_equal(det_decode_event(1, v, 18 + sizeof arp_reply, T0, &ev), 0);
    assert_int_equal(ev.origin, DET_ORIG_BIND);
    /* an ARP probe (sender 0.0.0.0) claims nothing; every truncation is refused */
    uint8_t z[128];
    memcpy(z, f, sizeof z);
    memset(z + 14 + 14, 0, 4);
    assert_int_equal(det_decode_event(1, z, 14 + sizeof arp_reply, T0, &ev), -1);
    for (size_t k = 0; k < 14 + sizeof arp_reply; k++)
        assert_int_equal(det_decode_event(1, f, k, T0, &ev), -1);
    /* an IP frame keeps its Ethernet source */
    f[12] = 0x08;
    f[13] = 0x00;
    memcpy(f + 14, ip_syn, sizeof ip_syn);
    assert_int_equal(det_decode_event(1, f, 14 + sizeof ip_syn, T0, &ev), 0);
    assert_int_equal(ev.origin, DET_ORIG_PACKET);
    assert_true(ev.has_mac);
    assert_int_equal(ev.src_mac[0], 0x3e);
    assert_int_equal(det_decode_event(101, ip_syn, sizeof ip_syn, T0, &ev), 0);
    assert_false(ev.has_mac);
    /* a wrong TCP or IPv4 header checksum: a forgery no stack took, -2 */
    uint8_t bad[sizeof ip_syn];
    memcpy(bad, ip_syn, sizeof bad);
    bad[37] ^= 1;
    assert_int_equal(det_decode_event(101, bad, sizeof bad, T0, &ev), -2);
    memcpy(bad, ip_syn, sizeof bad);
    bad[11] ^= 1;
    assert_int_equal(det_decode_event(101, bad, sizeof bad, T0, &ev), -2);
}

/* Xmas, then SYN, then UDP from one source: three scans (own scan_id, type and phases),
 * one incident; the incident is what det_engine_incident_of answers. */
static void test_scans_per_technique(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    struct pr_addr sa, other;
    ip4(&sa, SCANNER);
    ip4(&other, 0xc6120063u);
    assert_int_equal(det_engine_incident_of(d, &sa), 0);
    uint64_t t = T0;
    for (int p = 1; p <= 10; p++, t += 1000) {
        struct det_event ev = tcp(t, SCANNER, TARGET, 40000, (uint16_t)p, 0x29); /* Xmas */
        det_engine_event(d, &ev);
    }
    for (int p = 1; p <= 30; p++, t += 1000) {
        struct det_event ev = tcp(t, SCANNER, TARGET, 40001, (uint16_t)p, 0x02);
        det_engine_event(d, &ev);
        struct det_event r = tcp(t + 100, TARGET, SCANNER, (uint16_t)p, 40001, 0x14);
        det_engine_event(d, &r);
    }
    for (int p = 1; p <= 30; p++, t += 1000) {
        struct det_event ev = tcp(t, SCANNER, TARGET, 40002, (uint16_t)p, 0);
        ev.proto = DET_PROTO_UDP;
        det_engine_event(d, &ev);
    }
    uint32_t inc = det_engine_incident_of(d, &sa);
    assert_int_not_equal(inc, 0);
    assert_int_equal(det_engine_incident_of(d, &other), 0);
    det_engine_finish(d);
    assert_int_equal(det_engine_stats(d)->scans, 3);
    const char *want[3] = {"xmas", "syn", "udp"};
    uint32_t ids[3] = {0};
    int ended[3] = {0};
    for (int i = 0; i < g.n; i++) {
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (!strcmp(g.type[i], want[j]))
                k = j;
        assert_true(k >= 0);
        assert_int_equal(g.a[i].incident_id, inc);
        if (g.a[i].kind == DET_ALERT_NEW) {
            assert_int_equal(ids[k], 0); /* one start per scan */
            ids[k] = g.a[i].scan_id;
        }
        assert_int_equal(g.a[i].scan_id, ids[k]); /* the same id on every line */
        assert_false(ended[k]);
        if (g.a[i].kind == DET_ALERT_END)
            ended[k] = 1;
        assert_string_equal(det_alert_phase(g.a[i].kind), g.a[i].kind == DET_ALERT_NEW ? "start"
                                                          : g.a[i].kind == DET_ALERT_UPDATE
                                                              ? "update"
                                                              : "end");
    }
    assert_true(ids[0] && ids[1] && ids[2]);
    assert_true(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    assert_int_equal(det_engine_incident_of(d, &sa), inc); /* stays after the scans end */
    det_engine_free(d);
}

/* FIN, NULL, Xmas and UDP scans of the very 1024 ports a SYN scan just probed (the demo's
 * sequence) are scans of their own: first contacts are counted per scan family, and once a
 * source's contact filter is half full every probe of a family counts towards opening its
 * scan (else the last families of the sequence find no bit left). */
static void test_same_ports_next_family(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    uint64_t t = T0;
    const uint8_t flags[5] = {0x02, 0x01, 0, 0x29, 0};
    for (int k = 0; k < 5; k++)
        for (int p = 1; p <= 1024; p++, t += 100) {
            struct det_event ev =
                tcp(t, SCANNER, TARGET, (uint16_t)(40001 + k), (uint16_t)p, flags[k]);
            if (k == 4)
                ev.proto = DET_PROTO_UDP;
            det_engine_event(d, &ev);
            if (k < 4) {
                struct det_event r =
                    tcp(t + 10, TARGET, SCANNER, (uint16_t)p, (uint16_t)(40001 + k), 0x14);
                det_engine_event(d, &r);
            }
        }
    det_engine_finish(d);
    assert_int_equal(det_engine_stats(d)->scans, 5);
    const char *want[5] = {"syn", "fin", "null", "xmas", "udp"};
    for (int k = 0; k < 5; k++) {
        int starts = 0;
        for (int i = 0; i < g.n; i++)
            starts += g.a[i].kind == DET_ALERT_NEW && !strcmp(g.type[i], want[k]);
        assert_int_equal(starts, 1);
    }
    det_engine_free(d);
}

/* One SYN from SCANNER to TARGET:port from source port sp at *t: with an operating system's
 * options (connect()) or a raw socket's (MSS only). An open port answers SYN-ACK; then the
 * connect() side completes the handshake and resets it without data, the raw side resets
 * the half-open flow. A closed port answers RST. */
static void syn_probe(struct det_engine *d, uint64_t *t, uint16_t sp, uint16_t port, int os,
                      int open)
{
    struct det_event s = tcp(*t += 1000, SCANNER, TARGET, sp, port, 0x02);
    s.mss = 1460;
    s.nopts = os ? 5 : 1;
    s.opt_mask = os ? (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8) : 1u << 2;
    det_engine_event(d, &s);
    if (!open) {
        struct det_event r = tcp(*t += 10, TARGET, SCANNER, port, sp, 0x14);
        det_engine_event(d, &r);
        return;
    }
    struct det_event sa = tcp(*t += 10, TARGET, SCANNER, port, sp, 0x12);
    sa.seq = 9000;
    det_engine_event(d, &sa);
    if (os) {
        struct det_event a = tcp(*t += 10, SCANNER, TARGET, sp, port, 0x10);
        a.ack = 9001;
        det_engine_event(d, &a);
    }
    struct det_event r = tcp(*t += 10, SCANNER, TARGET, sp, port, os ? 0x14 : 0x04);
    det_engine_event(d, &r);
}

/* A scan of ports 1..n of TARGET, 22 and 80 open; kind(p): 1 connect(), 0 raw SYN. */
static void syn_kinds(struct det_engine *d, uint64_t *t, int n, int (*kind)(int))
{
    for (int p = 1; p <= n; p++) {
        int os = kind(p);
        syn_probe(d, t, (uint16_t)(os ? 30000 + p : 40000), (uint16_t)p, os, p == 22 || p == 80);
    }
}

static int k_connect(int p)
{
    (void)p;
    return 1;
}

static int k_raw(int p)
{
    (void)p;
    return 0;
}

static int k_mixed(int p)
{
    return p % 3 == 0; /* a third of the probes from connect() */
}

/* The scans in g: their ids in order of start and the last line of each. */
static int scans_of(const struct got *g, const struct det_alert **last, int max)
{
    int n = 0;
    for (int i = 0; i < g->n && i < MAXA; i++) {
        int k = 0;
        while (k < n && last[k]->scan_id != g->a[i].scan_id)
            k++;
        if (k == n) {
            assert_true(n < max);
            n++;
        }
        last[k] = &g->a[i];
    }
    return n;
}

/* A connect scan then a SYN scan of the same 100 ports from one source are two scans, each
 * with its own type, ports, open ports and times; and the same in the reverse order. */
static void test_connect_then_syn(void **state)
{
    (void)state;
    int (*order[2][2])(int) = {{k_connect, k_raw}, {k_raw, k_connect}};
    const char *want[2][2] = {{"connect", "syn"}, {"syn", "connect"}};
    for (int o = 0; o < 2; o++) {
        struct got g;
        struct det_engine *d = mk(&g, 1024);
        uint64_t t = T0;
        syn_kinds(d, &t, 100, order[o][0]);
        t += 500000;
        syn_kinds(d, &t, 100, order[o][1]);
        det_engine_finish(d);
        const struct det_alert *last[4];
        assert_int_equal(scans_of(&g, last, 4), 2);
        for (int k = 0; k < 2; k++) {
            assert_string_equal(last[k]->scan_type, want[o][k]);
            assert_int_equal(last[k]->kind, DET_ALERT_END);
            assert_int_equal(last[k]->nopen, 2);
            /* the second scan opens a few probes in: the ports before are an estimate */
            assert_in_range(last[k]->ports_probed, 95, 105);
            assert_int_equal(last[k]->incident_id, last[0]->incident_id);
        }
        assert_true(last[1]->first_us > last[0]->last_us - 1000000u);
        assert_true(last[1]->first_us >= T0 + 100 * 1000);
        assert_true(last[0]->last_us < T0 + 101 * 1100);
        assert_string_equal(last[o]->tool_guess, "unknown"); /* connect(): the kernel's */
        det_engine_free(d);
    }
}

/* A page fetched by SCANNER from srv:port over connect() (data both ways). */
static void web_page(struct det_engine *d, uint64_t *t, uint32_t srv, uint16_t sp, uint16_t port)
{
    struct det_event s = tcp(*t += 1000, SCANNER, srv, sp, port, 0x02);
    s.nopts = 5;
    s.opt_mask = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 8);
    det_engine_event(d, &s);
    struct det_event sa = tcp(*t += 10, srv, SCANNER, port, sp, 0x12);
    sa.seq = 5000;
    det_engine_event(d, &sa);
    struct det_event a = tcp(*t += 10, SCANNER, srv, sp, port, 0x18);
    a.ack = 5001;
    a.payload_len = 100;
    det_engine_event(d, &a);
    struct det_event r = tcp(*t += 10, srv, SCANNER, port, sp, 0x18);
    r.payload_len = 1000;
    det_engine_event(d, &r);
    struct det_event f = tcp(*t += 10, SCANNER, srv, sp, port, 0x11);
    det_engine_event(d, &f);
}

/* A scanner mixing connect() and raw SYNs in one scan is one scan (typed by its evidence:
 * half-open closes make it syn); so is a SYN scan while its source also fetches web pages
 * from five servers (connections with data), before and during the scan; so is a SYN scan of
 * 800 ports (its contact filter too full to tell a first contact) amid which the host opens
 * 8 connections to one web server at once. */
static void test_mixed_syn_is_one_scan(void **state)
{
    (void)state;
    struct got g;
    struct det_engine *d = mk(&g, 1024);
    uint64_t t = T0;
    syn_kinds(d, &t, 100, k_mixed);
    det_engine_finish(d);
    const struct det_alert *last[4];
    assert_int_equal(scans_of(&g, last, 4), 1);
    assert_string_equal(last[0]->scan_type, "syn");
    assert_int_equal(last[0]->ports_probed, 100);
    assert_int_equal(last[0]->nopen, 2);
    det_engine_free(d);

    d = mk(&g, 1024);
    t = T0;
    for (int p = 1; p <= 150; p++) {
        if (p <= 50 || p % 10 == 0) /* a page from one of 5 web servers */
            web_page(d, &t, TARGET + 1 + (uint32_t)(p % 5), (uint16_t)(50000 + p), 80);
        if (p > 50)
            syn_probe(d, &t, 40000, (uint16_t)(p - 50), 0, p - 50 == 22);
    }
    det_engine_finish(d);
    assert_int_equal(scans_of(&g, last, 4), 1);
    assert_string_equal(last[0]->scan_type, "syn");
    det_engine_free(d);

    d = mk(&g, 1024);
    t = T0;
    for (int p = 1; p <= 800; p++) {
        syn_probe(d, &t, 40000, (uint16_t)p, 0, p == 22);
        for (int i = 0; p == 700 && i < 8; i++)
            web_page(d, &t, TARGET + 1, (uint16_t)(50000 + i), 443);
    }
    det_engine_finish(d);
    assert_int_equal(scans_of(&g, last, 4), 1);
    assert_string_equal(last[0]->scan_type, "syn");
    assert_int_equal(last[0]->ports_probed, 800);
    det_engine_free(d);
}

/* The JSON line carries scan_id, phase, incident_id, campaign_id and block_evidence. */
static void test_alert_json_fields(void **state)
{
    (void)state;
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.scan_id = 7;
    a.kind = DET_ALERT_UPDATE;
    a.incident_id = 3;
    a.campaign_id = 2;
    a.event = "decoy_portscan";
    a.scan_type = "syn";
    a.has_src = 1;
    ip4(&a.src, SCANNER);
    a.detector = "trw";
    a.tool_guess = "nmap";
    a.action = "blocked";
    a.evidence = DET_EV_LINK_BOUND | DET_EV_HALFOPEN | DET_EV_FORGED_HOPS;
    char *j = det_alert_json(&a);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"scan_id\":7,\"phase\":\"update\",\"incident_id\":3,"
                              "\"campaign_id\":2,"));
    assert_non_null(
        strstr(j, "\"block_evidence\":[\"link:mac-bound\",\"halfopen\",\"forged:hops\"]"));
    free(j);
    a.campaign_id = 0;
    a.evidence = 0;
    a.kind = DET_ALERT_NEW;
    j = det_alert_json(&a);
    assert_null(strstr(j, "campaign_id"));
    assert_non_null(strstr(j, "\"phase\":\"start\""));
    assert_non_null(strstr(j, "\"block_evidence\":[]"));
    free(j);
}

/* nmap -sU's first second: 18 ports at once, 2 ICMP answers (the kernel's rate limit), no
 * timeout due yet: 12 distinct ports within 1 s are a scan at once. 11 ports, or 12 spread
 * over more than a second with every datagram answered, are not. */
static void test_udp_burst(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        struct got g;
        struct det_engine *d = mk(&g, 1024);
        int n = variant == 1 ? 11 : 12;
        uint64_t gap = variant == 2 ? 100000 : 100;
        for (int p = 0; p < n; p++) {
            uint64_t t = T0 + (uint64_t)p * gap;
            struct det_event ev = tcp(t, SCANNER, TARGET, 56663, (uint16_t)(100 + p), 0);
            ev.proto = DET_PROTO_UDP;
            det_engine_event(d, &ev);
            struct det_event r = tcp(t + 10, TARGET, SCANNER, (uint16_t)(100 + p), 56663, 0);
            r.proto = DET_PROTO_UDP;
            det_engine_event(d, &r); /* answered: only the burst can tell */
        }
        assert_int_equal(g.n, variant == 0 ? 1 : 0);
        if (variant == 0) {
            assert_string_equal(g.det[0], "threshold");
            assert_string_equal(g.type[0], "udp");
            assert_true(g.a[0].ts_us - T0 < 1000000);
        }
        det_engine_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_scan),
        cmocka_unit_test(test_slow_scan_ports),
        cmocka_unit_test(test_responder),
        cmocka_unit_test(test_stealth_flags),
        cmocka_unit_test(test_ack_and_maimon),
        cmocka_unit_test(test_udp_scan),
        cmocka_unit_test(test_connect_scan),
        cmocka_unit_test(test_benign),
        cmocka_unit_test(test_flood_keeps_scan),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_tool_traits),
        cmocka_unit_test(test_ipproto_and_groups),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_decode_frames),
        cmocka_unit_test(test_decode_events),
        cmocka_unit_test(test_scans_per_technique),
        cmocka_unit_test(test_same_ports_next_family),
        cmocka_unit_test(test_connect_then_syn),
        cmocka_unit_test(test_mixed_syn_is_one_scan),
        cmocka_unit_test(test_alert_json_fields),
        cmocka_unit_test(test_udp_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
