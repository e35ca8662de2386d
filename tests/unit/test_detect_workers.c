/* The dispatcher of --workers (workers.h) on hand-built events: a scan's probes and its
 * target's answers (SYN-ACK, RST, a UDP reply, ICMP unreachable, echo reply) are keyed on
 * the scanner, an ACK probe's bare RST too, a flow seen mid-way on its first sender, a UDP
 * reply nobody asked for on its sender; an idle flow starts afresh; keys spread over the
 * workers. End to end: two sources scanning the same ports of one target from different
 * workers are one decoy campaign, with the same scans as one engine reports; with a
 * responder (--block) on the merge engine, it sees the lines one engine's responder sees
 * (a scan proven after its first report is re-emitted with the proof), one call at a time. */
#include "detect/workers.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define T0 (1795661696ull * 1000000u)
#define SCANNER 0xc6120001u /* 198.18.0.1 */
#define TARGET 0xc6120002u  /* 198.18.0.2 */

static struct pr_addr v4(uint32_t a)
{
    struct pr_addr x;
    memset(&x, 0, sizeof x);
    x.family = AF_INET;
    uint32_t be = htonl(a);
    memcpy(x.a, &be, 4);
    return x;
}

static struct det_event pkt(uint64_t ts, uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
                            uint8_t proto, uint8_t flags)
{
    struct det_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_us = ts;
    ev.src = v4(src);
    ev.dst = v4(dst);
    ev.sport = sp;
    ev.dport = dp;
    ev.proto = proto;
    ev.flags = flags;
    ev.ttl = 64;
    ev.window = 1024;
    ev.opts_known = 1;
    ev.seq_known = 1;
    return ev;
}

static int keyed_on(struct det_flowmap *m, const struct det_event *ev, uint32_t want)
{
    struct pr_addr w = v4(want);
    const struct pr_addr *k = det_dispatch_key(m, ev);
    return k->family == w.family && !memcmp(k->a, w.a, 4);
}

static void test_key_scan_and_replies(void **state)
{
    (void)state;
    struct det_flowmap *m = det_flowmap_new(1, 2);
    assert_non_null(m);
    uint64_t t = T0;
    /* SYN probe, SYN-ACK, the scanner's RST; a closed port's RST|ACK */
    struct det_event e = pkt(t, SCANNER, 40000, TARGET, 22, DET_PROTO_TCP, 0x02);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 1, TARGET, 22, SCANNER, 40000, DET_PROTO_TCP, 0x12);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 2, SCANNER, 40000, TARGET, 22, DET_PROTO_TCP, 0x04);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 3, SCANNER, 40000, TARGET, 23, DET_PROTO_TCP, 0x02);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 4, TARGET, 23, SCANNER, 40000, DET_PROTO_TCP, 0x14);
    assert_true(keyed_on(m, &e, SCANNER));
    /* an ACK probe (nmap -sA) and its bare RST */
    e = pkt(t + 5, SCANNER, 40001, TARGET, 80, DET_PROTO_TCP, 0x10);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 6, TARGET, 80, SCANNER, 40001, DET_PROTO_TCP, 0x04);
    assert_true(keyed_on(m, &e, SCANNER));
    /* a UDP probe and its answer from the service port */
    e = pkt(t + 7, SCANNER, 40002, TARGET, 53, DET_PROTO_UDP, 0);
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 8, TARGET, 53, SCANNER, 40002, DET_PROTO_UDP, 0);
    assert_true(keyed_on(m, &e, SCANNER));
    /* ICMP port unreachable quoting a probe; echo request and reply */
    e = pkt(t + 9, TARGET, 0, SCANNER, 0, DET_PROTO_ICMP, 0);
    e.icmp_type = 3;
    e.icmp_code = 3;
    e.has_inner = 1;
    e.inner_src = v4(SCANNER);
    e.inner_dst = v4(TARGET);
    e.inner_proto = DET_PROTO_UDP;
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 10, SCANNER, 0, TARGET, 0, DET_PROTO_ICMP, 0);
    e.icmp_type = 8;
    assert_true(keyed_on(m, &e, SCANNER));
    e = pkt(t + 11, TARGET, 0, SCANNER, 0, DET_PROTO_ICMP, 0);
    e.icmp_type = 0;
    assert_true(keyed_on(m, &e, SCANNER));
    /* an ARP binding: about its sender */
    e = pkt(t + 12, TARGET, 0, 0, 0, 0, 0);
    e.origin = DET_ORIG_BIND;
    assert_true(keyed_on(m, &e, TARGET));
    det_flowmap_free(m);
}

static void test_key_midway_and_idle(void **state)
{
    (void)state;
    struct det_flowmap *m = det_flowmap_new(3, 4);
    const uint32_t client = 0xc6120105u, server = 0xc6120201u;
    /* an established flow seen from its middle: the first sender keys both directions */
    struct det_event e = pkt(T0, server, 443, client, 30000, DET_PROTO_TCP, 0x18);
    assert_true(keyed_on(m, &e, server));
    e = pkt(T0 + 10, client, 30000, server, 443, DET_PROTO_TCP, 0x10);
    assert_true(keyed_on(m, &e, server));
    /* silent for longer than the engine keeps a flow: it starts afresh */
    e = pkt(T0 + 61000000u, client, 30000, server, 443, DET_PROTO_TCP, 0x10);
    assert_true(keyed_on(m, &e, client));
    e = pkt(T0 + 61000001u, server, 443, client, 30000, DET_PROTO_TCP, 0x18);
    assert_true(keyed_on(m, &e, client));
    /* a DNS answer nobody was seen asking for begins nothing: the query is the client's */
    e = pkt(T0 + 62000000u, server, 53, client, 40000, DET_PROTO_UDP, 0);
    assert_true(keyed_on(m, &e, server));
    e = pkt(T0 + 62000001u, client, 40000, server, 53, DET_PROTO_UDP, 0);
    assert_true(keyed_on(m, &e, client));
    det_flowmap_free(m);
}

static void test_worker_split(void **state)
{
    (void)state;
    struct det_flowmap *m = det_flowmap_new(5, 6);
    unsigned count[2] = {0, 0};
    for (uint32_t i = 0; i < 1000; i++) {
        struct pr_addr a = v4(0xc6120000u + i);
        unsigned w = det_dispatch_worker(m, &a, 2);
        assert_true(w < 2);
        assert_int_equal(det_dispatch_worker(m, &a, 2), w); /* stable */
        count[w]++;
    }
    assert_in_range(count[0], 400, 600);
    det_flowmap_free(m);
}

/* ---------------------------------------------------------------- end to end */

#define MAXA 64
struct got {
    int n;
    struct det_alert a[MAXA];
    char event[MAXA][32], type[MAXA][16];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        g->a[g->n] = *a;
        snprintf(g->event[g->n], 32, "%s", a->event);
        snprintf(g->type[g->n], 16, "%s", a->scan_type);
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

/* The events: SYN probes to 40 ports of TARGET from src1 and src2 alternately. */
static void scan_events(struct det_event *ev, unsigned *n, uint32_t src1, uint32_t src2)
{
    *n = 0;
    for (uint16_t p = 1; p <= 40; p++) {
        ev[(*n)++] = pkt(T0 + p * 2000u, src1, 41000, TARGET, p, DET_PROTO_TCP, 0x02);
        ev[(*n)++] = pkt(T0 + p * 2000u + 1000u, src2, 42000, TARGET, p, DET_PROTO_TCP, 0x02);
    }
}

/* The last line of src's scan in g, or NULL. */
static const struct det_alert *last_of(const struct got *g, uint32_t src, int *idx)
{
    struct pr_addr s = v4(src);
    const struct det_alert *r = NULL;
    for (int i = 0; i < g->n && i < MAXA; i++)
        if (!memcmp(g->a[i].src.a, s.a, 4))
            r = &g->a[i], *idx = i;
    return r;
}

/* The first address after src1 whose worker (of 2, key 7, 8) is not src1's. */
static uint32_t other_worker(uint32_t src1)
{
    struct det_flowmap *probe = det_flowmap_new(7, 8);
    struct pr_addr a1 = v4(src1), a2;
    uint32_t src2 = src1 + 1;
    for (a2 = v4(src2); det_dispatch_worker(probe, &a1, 2) == det_dispatch_worker(probe, &a2, 2);
         a2 = v4(++src2))
        ;
    det_flowmap_free(probe);
    return src2;
}

/* The events through two workers (key 7, 8) behind merge, with the `respond` flag of
 * det_workers_config; returns the workers' statistics summed. */
static struct det_stats run_workers(const struct det_config *c, struct det_engine *merge,
                                    int respond, const struct det_event *ev, unsigned n)
{
    struct pr_error e;
    struct det_passive_config pc;
    memset(&pc, 0, sizeof pc);
    pc.p0f_path = "/nonexistent/p0f.fp";
    struct det_workers_config wc = {2, *c, &pc, 1, 7, 8, merge, NULL, NULL, respond};
    struct det_workers *w = NULL;
    assert_int_equal(det_workers_open(&wc, &w, &e), 0);
    assert_int_equal(det_workers_start(w, &e), 0);
    for (unsigned i = 0; i < n; i++)
        det_workers_event(w, &ev[i]);
    det_workers_finish(w);
    struct det_stats st;
    size_t bytes;
    det_workers_stats(w, &st, &bytes);
    det_workers_free(w);
    return st;
}

static void test_workers_campaign(void **state)
{
    (void)state;
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 4096;
    struct pr_error e;
    /* two sources that land on different workers */
    uint32_t src1 = 0xc6120010u, src2 = other_worker(src1);
    struct det_event ev[100];
    unsigned n;
    scan_events(ev, &n, src1, src2);

    /* one engine */
    static struct got one, two;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    struct det_engine *d = det_engine_new(&c, &e);
    assert_non_null(d);
    det_engine_set_key(d, 7, 8);
    struct det_sink s1 = {&got_ops, &one};
    det_engine_add_sink(d, &s1);
    for (unsigned i = 0; i < n; i++)
        det_engine_event(d, &ev[i]);
    det_engine_finish(d);
    det_engine_free(d);

    /* two workers behind a merge engine */
    struct det_engine *merge = det_engine_new(&c, &e);
    assert_non_null(merge);
    struct det_sink s2 = {&got_ops, &two};
    det_engine_add_sink(merge, &s2);
    struct det_stats st = run_workers(&c, merge, 0, ev, n);
    assert_int_equal(st.events, n);
    assert_int_equal(st.scans, 2);
    det_engine_free(merge);

    int i1, i2, j1, j2;
    const struct det_alert *o1 = last_of(&one, src1, &i1), *o2 = last_of(&one, src2, &i2);
    const struct det_alert *t1 = last_of(&two, src1, &j1), *t2 = last_of(&two, src2, &j2);
    assert_non_null(o1);
    assert_non_null(o2);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_string_equal(one.event[i1], "decoy_portscan");
    assert_string_equal(two.event[j1], one.event[i1]);
    assert_string_equal(two.event[j2], one.event[i2]);
    assert_string_equal(two.type[j1], one.type[i1]);
    assert_int_equal(t1->ports_probed, o1->ports_probed);
    assert_int_equal(t2->ports_probed, o2->ports_probed);
    assert_int_not_equal(t1->campaign_id, 0);
    assert_int_equal(t1->campaign_id, t2->campaign_id);
    assert_int_not_equal(t1->scan_id, t2->scan_id); /* unique across workers */
}

/* ---------------------------------------------------------------- the responder (--block) */

#define MAXR 64
struct calls {
    pthread_mutex_t lock; /* only for the in-flight count: blk_respond itself has none */
    int inflight, overlaps, n;
    uint32_t src[MAXR];
    unsigned evidence[MAXR];
    enum det_alert_kind kind[MAXR];
};

static const char *record_call(void *ctx, const struct det_alert *a)
{
    struct calls *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->overlaps += c->inflight++ > 0;
    pthread_mutex_unlock(&c->lock);
    struct timespec ts = {0, 200000}; /* long enough for an overlap to show */
    nanosleep(&ts, NULL);
    if (c->n < MAXR) {
        uint32_t be;
        memcpy(&be, a->src.a, 4);
        c->src[c->n] = ntohl(be);
        c->evidence[c->n] = a->evidence;
        c->kind[c->n] = a->kind;
    }
    c->n++;
    pthread_mutex_lock(&c->lock);
    c->inflight--;
    pthread_mutex_unlock(&c->lock);
    return "none";
}

/* SYN probes of src to 40 closed ports of TARGET (each refused), then to open port 80, whose
 * SYN-ACK src resets (a half-open close: the proof), from 1 ms after base. */
static void proven_scan(struct det_event *ev, unsigned *n, uint32_t src, uint64_t base)
{
    for (uint16_t p = 1; p <= 41; p++) {
        uint16_t dp = p <= 40 ? p : 80;
        uint64_t t = base + p * 4000u;
        ev[(*n)++] = pkt(t, src, (uint16_t)(40000 + p), TARGET, dp, DET_PROTO_TCP, 0x02);
        struct det_event r = pkt(t + 500, TARGET, dp, src, (uint16_t)(40000 + p), DET_PROTO_TCP,
                                 p <= 40 ? 0x14 : 0x12);
        r.seq = 5000u * p;
        ev[(*n)++] = r;
        if (p > 40) {
            struct det_event rst =
                pkt(t + 1000, src, (uint16_t)(40000 + p), TARGET, dp, DET_PROTO_TCP, 0x04);
            rst.seq = r.seq + 1;
            ev[(*n)++] = rst;
        }
    }
}

/* What the responder saw of src: the evidence of its lines that could be blocked (not an
 * end line), in order, each change once (the line naming a campaign, which repeats the
 * evidence, comes at other times with workers: docs/detect.md); returns how many. */
static int seen(const struct calls *c, uint32_t src, unsigned *out)
{
    int k = 0;
    for (int i = 0; i < c->n && i < MAXR; i++)
        if (c->src[i] == src && c->kind[i] != DET_ALERT_END && (!k || out[k - 1] != c->evidence[i]))
            out[k++] = c->evidence[i];
    return k;
}

/* The events through two workers behind a merge engine whose responder records in got. */
static void respond_workers(const struct det_config *c, const struct det_event *ev, unsigned n,
                            int respond, struct calls *got)
{
    struct pr_error e;
    struct det_engine *merge = det_engine_new(c, &e);
    assert_non_null(merge);
    det_engine_set_responder(merge, record_call, got);
    run_workers(c, merge, respond, ev, n);
    det_engine_free(merge);
}

static void test_workers_responder(void **state)
{
    (void)state;
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 4096;
    struct pr_error e;
    uint32_t src1 = 0xc6120020u, src2 = other_worker(src1);
    static struct det_event ev[400];
    unsigned n = 0;
    proven_scan(ev, &n, src1, T0); /* the two scans overlap in time, on two workers */
    proven_scan(ev, &n, src2, T0 + 1000);
    /* in time order */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && ev[j].ts_us < ev[j - 1].ts_us; j--) {
            struct det_event t = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = t;
        }

    static struct calls one, two, off;
    memset(&one, 0, sizeof one);
    memset(&two, 0, sizeof two);
    memset(&off, 0, sizeof off);
    pthread_mutex_init(&one.lock, NULL);
    pthread_mutex_init(&two.lock, NULL);
    pthread_mutex_init(&off.lock, NULL);
    struct det_engine *d = det_engine_new(&c, &e);
    assert_non_null(d);
    det_engine_set_key(d, 7, 8);
    det_engine_set_responder(d, record_call, &one);
    for (unsigned i = 0; i < n; i++)
        det_engine_event(d, &ev[i]);
    det_engine_finish(d);
    det_engine_free(d);
    respond_workers(&c, ev, n, 1, &two);
    respond_workers(&c, ev, n, 0, &off);

    for (int k = 0; k < 2; k++) {
        uint32_t src = k ? src2 : src1;
        unsigned e1[MAXR], e2[MAXR], e0[MAXR];
        int k1 = seen(&one, src, e1), k2 = seen(&two, src, e2), k0 = seen(&off, src, e0);
        /* one engine: reported unproven, then again at once with the proof */
        assert_true(k1 >= 2);
        assert_true(e1[0] & DET_EV_UNPROVEN);
        assert_true(e1[k1 - 1] & DET_EV_HALFOPEN);
        /* the workers' merged lines: the same evidence, line for line */
        assert_int_equal(k2, k1);
        for (int i = 0; i < k1; i++)
            assert_int_equal(e2[i], e1[i]);
        /* without `respond` no worker re-emits: the proof came with the end line only */
        for (int i = 0; i < k0; i++)
            assert_false(e0[i] & DET_EV_HALFOPEN);
    }
    assert_int_equal(two.overlaps, 0); /* one call at a time */
    pthread_mutex_destroy(&one.lock);
    pthread_mutex_destroy(&two.lock);
    pthread_mutex_destroy(&off.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_scan_and_replies), cmocka_unit_test(test_key_midway_and_idle),
        cmocka_unit_test(test_worker_split),         cmocka_unit_test(test_workers_campaign),
        cmocka_unit_test(test_workers_responder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
