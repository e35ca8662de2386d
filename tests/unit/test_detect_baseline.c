/* test_detect_baseline.c — per-host baselines: learning, new_service, lateral_fanout, the
 * slow update rules, the file (round trip, hostile input) and the hooks from the inventory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect/assets.h"
#include "detect/baseline.h"
#include "detect/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXA 32
#define T0 1796292000000000ull /* 2026-12-01 */
#define SEC 1000000ull
#define DAY (86400 * SEC)

struct got {
    int n;
    struct det_alert a[MAXA];
    char event[MAXA][24], type[MAXA][16];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        g->a[g->n] = *a;
        snprintf(g->event[g->n], sizeof g->event[0], "%s", a->event);
        snprintf(g->type[g->n], sizeof g->type[0], "%s", a->scan_type);
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

struct lab {
    struct got g;
    struct det_engine *d;
    struct baseline *b;
};

/* Home: 198.18.0.0/15 only. */
static int home(void *ctx, const struct pr_addr *a)
{
    (void)ctx;
    return a->family == AF_INET && a->a[0] == 198 && (a->a[1] & 0xfe) == 18;
}

static struct lab *mk(uint64_t learn_us)
{
    struct lab *l = calloc(1, sizeof *l);
    assert_non_null(l);
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 1024;
    struct pr_error e;
    l->d = det_engine_new(&c, &e);
    assert_non_null(l->d);
    struct det_sink s = {&got_ops, &l->g};
    det_engine_add_sink(l->d, &s);
    struct bl_config bc;
    bl_config_defaults(&bc);
    bc.learn_us = learn_us;
    bc.is_home = home;
    l->b = bl_new(&bc, &e);
    assert_non_null(l->b);
    bl_set_engine(l->b, l->d);
    return l;
}

static void rm(struct lab *l)
{
    bl_free(l->b);
    det_engine_free(l->d);
    free(l);
}

static struct pr_addr A(const char *s) {
    struct pr_addr a;
    assert_int_equal(addr_parse(s, &a), 0);
    return a;
}

static struct pr_addr
host_n(unsigned i)
{
    struct pr_addr a = A("198.18.1.0");
    a.a[2] = (uint8_t)(1 + i / 250);
    a.a[3] = (uint8_t)(1 + i % 250);
    return a;
}

/* A normal hour: srv answers 22/tcp and 53/udp; cli talks to srv and three others every
 * minute (web, DNS). */
static void normal_traffic(struct lab *l, uint64_t from, uint64_t minutes)
{
    struct pr_addr srv = A("198.18.0.2"), cli = A("198.18.0.1"), out = A("203.0.113.9");
    for (uint64_t m = 0; m < minutes; m++) {
        uint64_t t = from + m * 60 * SEC;
        bl_contact(l->b, &cli, &srv, 6, 22, t);
        bl_service(l->b, &srv, &cli, 6, 22, t + 1000);
        bl_contact(l->b, &cli, &srv, 17, 53, t + 2000);
        bl_service(l->b, &srv, &cli, 17, 53, t + 3000);
        for (unsigned k = 0; k < 3; k++) {
            struct pr_addr p = host_n(k);
            bl_contact(l->b, &cli, &p, 6, 443, t + 4000 + k);
        }
        bl_contact(l->b, &cli, &out, 6, 443, t + 5000); /* not home: no fan-out */
    }
}

static void test_learn_and_new_service(void **state)
{
    (void)state;
    struct lab *l = mk(600 * SEC);
    assert_true(bl_learning(l->b, T0));
    normal_traffic(l, T0, 10);
    assert_int_equal(l->g.n, 0); /* nothing while learning */
    struct pr_addr srv = A("198.18.0.2"), cli = A("198.18.0.1");
    assert_int_equal(bl_has_service(l->b, &srv, 6, 22), 1);
    assert_int_equal(bl_has_service(l->b, &srv, 17, 53), 1);
    assert_int_equal(bl_has_service(l->b, &srv, 6, 8080), 0);
    normal_traffic(l, T0 + 600 * SEC, 30); /* the learnt traffic after learning */
    assert_false(bl_learning(l->b, T0 + 601 * SEC));
    assert_int_equal(l->g.n, 0);
    /* a listener started afterwards */
    bl_service(l->b, &srv, &cli, 6, 8080, T0 + 3000 * SEC);
    assert_int_equal(l->g.n, 1);
    assert_string_equal(l->g.event[0], "new_service");
    assert_string_equal(l->g.type[0], "tcp");
    assert_true(addr_eq(&l->g.a[0].src, &srv));
    assert_true(l->g.a[0].has_dst && addr_eq(&l->g.a[0].dst, &cli));
    assert_int_equal(l->g.a[0].nopen, 1);
    assert_int_equal(l->g.a[0].open_ports[0], 8080);
    assert_int_equal(l->g.a[0].first_us, T0 + 3000 * SEC);
    assert_string_equal(l->g.a[0].detector, "baseline");
    /* once per service */
    bl_service(l->b, &srv, &cli, 6, 8080, T0 + 3001 * SEC);
    assert_int_equal(l->g.n, 1);
    /* a UDP one too, named as such */
    bl_service(l->b, &srv, &cli, 17, 5353, T0 + 3002 * SEC);
    assert_int_equal(l->g.n, 2);
    assert_string_equal(l->g.type[1], "udp");
    assert_int_equal(l->g.a[1].open_ports[0], 5353);
    assert_int_equal(bl_stats(l->b)->new_service, 2);
    rm(l);
}

static void test_slow_update(void **state)
{
    (void)state;
    struct lab *l = mk(600 * SEC);
    normal_traffic(l, T0, 10);
    struct pr_addr srv = A("198.18.0.2"), cli = A("198.18.0.1");
    bl_service(l->b, &srv, &cli, 6, 8443, T0 + DAY);
    bl_service(l->b, &srv, &cli, 6, 8443, T0 + DAY + 5 * SEC); /* same day: one day */
    bl_service(l->b, &srv, &cli, 6, 8443, T0 + 2 * DAY);
    assert_int_equal(bl_has_service(l->b, &srv, 6, 8443), 0); /* two days */
    bl_service(l->b, &srv, &cli, 6, 8443, T0 + 3 * DAY);
    assert_int_equal(bl_has_service(l->b, &srv, 6, 8443), 1); /* the third day: it joins */
    assert_int_equal(bl_stats(l->b)->joined, 1);
    assert_int_equal(l->g.n, 1); /* and it was reported once, the first time */
    rm(l);
}

static void test_lateral_fanout(void **state)
{
    (void)state;
    struct lab *l = mk(600 * SEC);
    normal_traffic(l, T0, 10);
    double ewma;
    uint32_t peak;
    struct pr_addr cli = A("198.18.0.1"), srv = A("198.18.0.2");
    assert_int_equal(bl_fanout(l->b, &cli, &ewma, &peak), 0);
    /* srv and three peers per minute, counted in a 128-bit window under a random key: two
     * of the four share a bit in about one run of twenty */
    assert_true(peak == 4 || peak == 3);
    assert_true(ewma > peak - 0.5 && ewma < peak + 0.5);
    normal_traffic(l, T0 + 600 * SEC, 5);
    /* five new home peers in one window, spread over hours: the usual pace, no alert */
    for (unsigned k = 0; k < 5; k++) {
        struct pr_addr p = host_n(100 + k);
        bl_contact(l->b, &cli, &p, 6, 443, T0 + 3600 * SEC + k);
    }
    assert_int_equal(l->g.n, 0);
    /* a host that talked to srv only sweeps 40 home hosts it never talked to, on 445 */
    uint64_t t = T0 + 7200 * SEC;
    for (unsigned k = 0; k < 40; k++) {
        struct pr_addr p = host_n(200 + k);
        bl_contact(l->b, &srv, &p, 6, 445, t + k * 1000);
    }
    assert_int_equal(l->g.n, 1);
    assert_string_equal(l->g.event[0], "lateral_fanout");
    assert_string_equal(l->g.type[0], "syn");
    assert_true(addr_eq(&l->g.a[0].src, &srv));
    assert_false(l->g.a[0].has_dst);
    assert_int_equal(l->g.a[0].dst_count, 10); /* reported when the threshold is reached */
    assert_int_equal(l->g.a[0].ports_probed, 1);
    assert_int_equal(l->g.a[0].first_us, t);
    /* the same sweep again a minute later: an update of the same alert, and the sweep's
     * peers were not learnt */
    for (unsigned k = 0; k < 40; k++) {
        struct pr_addr p = host_n(200 + k);
        bl_contact(l->b, &srv, &p, 6, 445, t + 70 * SEC + k * 1000);
    }
    assert_int_equal(l->g.n, 2);
    assert_int_equal(l->g.a[1].kind, DET_ALERT_UPDATE);
    assert_int_equal(l->g.a[1].scan_id, l->g.a[0].scan_id);
    /* hosts outside the home network never count */
    for (unsigned k = 0; k < 40; k++) {
        struct pr_addr p = A("203.0.113.0");
        p.a[3] = (uint8_t)k;
        bl_contact(l->b, &cli, &p, 6, 443, t + 3600 * SEC + k);
    }
    assert_int_equal(l->g.n, 2);
    assert_int_equal(bl_stats(l->b)->lateral_fanout, 1);
    rm(l);
}

static void test_learn_all_and_new_hosts(void **state)
{
    (void)state;
    struct lab *l = mk(BL_LEARN_ALL);
    normal_traffic(l, T0, 10);
    struct pr_addr srv = A("198.18.0.2"), cli = A("198.18.0.1"), x = A("198.18.0.77");
    bl_service(l->b, &srv, &cli, 6, 8080, T0 + 5 * DAY);
    assert_int_equal(l->g.n, 0); /* the whole input is learning */
    rm(l);
    l = mk(60 * SEC);
    normal_traffic(l, T0, 2);
    bl_service(l->b, &x, &cli, 6, 80, T0 + 600 * SEC); /* a host new since: it learns */
    bl_service(l->b, &x, &cli, 6, 81, T0 + 610 * SEC);
    assert_int_equal(l->g.n, 0);
    bl_service(l->b, &x, &cli, 6, 82, T0 + 700 * SEC); /* its own minute is over */
    assert_int_equal(l->g.n, 1);
    assert_int_equal(bl_has_service(l->b, &x, 6, 81), 1);
    rm(l);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct lab *l = mk(600 * SEC);
    normal_traffic(l, T0, 10);
    size_t len;
    char *doc = bl_to_string(l->b, T0 + 600 * SEC, &len);
    assert_non_null(doc);
    assert_non_null(strstr(doc, "\"format\":\"portreeve-baseline\",\"version\":1"));
    struct lab *m = mk(0); /* only what was loaded */
    struct pr_error e = {""};
    assert_int_equal(bl_load_buf(m->b, doc, len, "t.json", &e), 0);
    assert_int_equal(bl_stats(m->b)->learned_hosts, bl_stats(l->b)->hosts);
    struct pr_addr srv = A("198.18.0.2"), cli = A("198.18.0.1");
    assert_int_equal(bl_has_service(m->b, &srv, 6, 22), 1);
    double e1, e2;
    uint32_t p1, p2;
    assert_int_equal(bl_fanout(l->b, &cli, &e1, &p1), 0);
    assert_int_equal(bl_fanout(m->b, &cli, &e2, &p2), 0);
    assert_int_equal(p1, p2);
    assert_true(e1 - e2 < 1e-6 && e2 - e1 < 1e-6);
    /* the loaded baseline judges: the learnt traffic is quiet, a new port is not */
    normal_traffic(m, T0 + DAY, 10);
    assert_int_equal(m->g.n, 0);
    bl_service(m->b, &srv, &cli, 6, 2222, T0 + DAY + 700 * SEC);
    assert_int_equal(m->g.n, 1);
    /* written again, it is the same document */
    size_t len2;
    char *doc2 = bl_to_string(l->b, T0 + 600 * SEC, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(doc, doc2, len);
    free(doc2);
    /* every truncation is an error with the file's name, never a crash */
    for (size_t n = 0; n < len - 2; n += 7) {
        struct lab *t = mk(0);
        e.msg[0] = 0;
        assert_int_equal(bl_load_buf(t->b, doc, n, "t.json", &e), -1);
        assert_non_null(strstr(e.msg, "baseline 't.json'"));
        rm(t);
    }
    free(doc);
    rm(m);
    rm(l);
}

static void test_hostile_files(void **state)
{
    (void)state;
    static const char head[] = "{\"format\":\"portreeve-baseline\",\"version\":1,\"saved_us\":1,"
                               "\"window_us\":60000000,\"peer_key\":"
                               "\"000102030405060708090a0b0c0d0e0f\",\"hosts\":[";
    static const char peers[] = "\"peers\":\"0000000000000000000000000000000000000000000000000000"
                                "000000000000000000000000000000000000000000000000000000000000000000"
                                "0000000000\"";
    char good_host[1024];
    snprintf(good_host, sizeof good_host,
             "{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
             "\"windows\":1,\"fanout_ewma\":1.5,\"fanout_peak\":2,%s,\"services\":[{\"proto\":"
             "\"tcp\",\"port\":22,\"days\":1,\"last_day\":20000,\"base\":true}],\"ports_used\":[]}",
             peers);
    static const struct {
        const char *doc; /* %s: a good host */
        const char *want;
    } cases[] = {
        {"{\"format\":", "line 1 column"},
        {"[]", "top level: expected an object"},
        {"{\"format\":\"other\"}", "format: expected"},
        {"{\"format\":\"portreeve-baseline\",\"version\":2}", "version 1 only"},
        {"{\"format\":\"portreeve-baseline\",\"version\":1,\"format\":\"x\"}", "duplicate"},
        {"{\"format\":\"portreeve-baseline\",\"version\":1,\"saved_us\":-1}",
         "saved_us: expected an integer"},
        {"{\"format\":\"portreeve-baseline\",\"version\":1,\"saved_us\":1,\"window_us\":1,"
         "\"peer_key\":\"xyz\"}",
         "peer_key: expected 32"},
        {"HEAD{\"ip\":\"300.1.1.1\"}]}", "hosts[0].ip: expected an IPv4 or IPv6"},
        {"HEAD%s,{\"ip\":\"198.18.0.3\"}]}", "hosts[1].first_us: missing"},
        {"HEAD{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
         "\"windows\":1,\"fanout_ewma\":\"x\",\"fanout_peak\":2}]}",
         "hosts[0].fanout_ewma: expected a number"},
        {"HEAD{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
         "\"windows\":1,\"fanout_ewma\":1,\"fanout_peak\":2,\"peers\":\"00\"}]}",
         "hosts[0].peers: expected 128"},
        {"HEAD{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
         "\"windows\":1,\"fanout_ewma\":1,\"fanout_peak\":2,PEERS,\"services\":[{\"proto\":"
         "\"tcp\",\"port\":70000,\"days\":1,\"last_day\":1,\"base\":true}],\"ports_used\":[]}]}",
         "hosts[0].services[0].port: expected an integer from 0 to 65535"},
        {"HEAD{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
         "\"windows\":1,\"fanout_ewma\":1,\"fanout_peak\":2,PEERS,\"services\":[{\"proto\":"
         "\"sctp\",\"port\":7,\"days\":1,\"last_day\":1,\"base\":true}],\"ports_used\":[]}]}",
         "hosts[0].services[0].proto"},
        {"HEAD{\"ip\":\"198.18.0.2\",\"first_us\":1,\"last_us\":2,\"learn_until_us\":3,"
         "\"windows\":1,\"fanout_ewma\":1,\"fanout_peak\":2,PEERS,\"services\":[],"
         "\"ports_used\":{}}]}",
         "hosts[0].ports_used: expected an array"},
    };
    char doc[4096], tmp[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(tmp, sizeof tmp, cases[i].doc, good_host);
        /* HEAD and PEERS stand for the document's start and a good peer filter */
        const char *s = tmp;
        size_t n = 0;
        while (*s && n < sizeof doc - 512) {
            if (!strncmp(s, "HEAD", 4)) {
                n += (size_t)snprintf(doc + n, sizeof doc - n, "%s", head);
                s += 4;
            } else if (!strncmp(s, "PEERS", 5)) {
                n += (size_t)snprintf(doc + n, sizeof doc - n, "%s", peers);
                s += 5;
            } else {
                doc[n++] = *s++;
            }
        }
        doc[n] = 0;
        struct lab *l = mk(0);
        struct pr_error e = {""};
        assert_int_equal(bl_load_buf(l->b, doc, n, "h.json", &e), -1);
        if (!strstr(e.msg, cases[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].want);
        assert_non_null(strstr(e.msg, "baseline 'h.json'"));
        rm(l);
    }
    /* the good host alone loads */
    snprintf(doc, sizeof doc, "%s%s]}", head, good_host);
    struct lab *l = mk(0);
    struct pr_error e = {""};
    assert_int_equal(bl_load_buf(l->b, doc, strlen(doc), "h.json", &e), 0);
    struct pr_addr srv = A("198.18.0.2");
    assert_int_equal(bl_has_service(l->b, &srv, 6, 22), 1);
    rm(l);
}

static void test_bound(void **state)
{
    (void)state;
    struct bl_config bc;
    bl_config_defaults(&bc);
    bc.learn_us = 60 * SEC;
    bc.max_hosts = 4;
    struct pr_error e = {""};
    struct baseline *b = bl_new(&bc, &e);
    assert_non_null(b);
    for (unsigned i = 0; i < 10; i++) {
        struct pr_addr h = host_n(i), c = A("198.18.0.1");
        bl_service(b, &h, &c, 6, 22, T0 + i);
    }
    assert_int_equal(bl_stats(b)->hosts, 4);
    assert_int_equal(bl_stats(b)->hosts_dropped, 6);
    assert_int_equal(bl_bytes(b) >= 4 * bl_host_bytes(), 1);
    size_t len;
    char *doc = bl_to_string(b, T0, &len);
    bl_free(b);
    bc.max_hosts = 3; /* a file with more hosts than the table: refused, named */
    b = bl_new(&bc, &e);
    assert_int_equal(bl_load_buf(b, doc, len, "big.json", &e), -1);
    assert_non_null(strstr(e.msg, "hosts[3]: more hosts than the table holds (3)"));
    bl_free(b);
    free(doc);
    bc.max_hosts = 0;
    assert_null(bl_new(&bc, &e));
}

/* The inventory's hooks feed the baseline: a SYN+ACK and a UDP reply are services, a SYN
 * and a UDP request are contacts. */
static int hook_calls[2];
static void on_svc(void *ctx, const struct pr_addr *h, const struct pr_addr *c, uint8_t proto,
                   uint16_t port, uint64_t ts)
{
    hook_calls[0]++;
    bl_service(ctx, h, c, proto, port, ts);
}
static void on_con(void *ctx, const struct pr_addr *s, const struct pr_addr *d, uint8_t proto,
                   uint16_t port, uint64_t ts)
{
    hook_calls[1]++;
    bl_contact(ctx, s, d, proto, port, ts);
}

static size_t dgram(uint8_t *b, const char *src, const char *dst, uint8_t proto, uint16_t sport,
                    uint16_t dport, uint8_t flags)
{
    struct pr_addr s = A(src), d = A(dst);
    size_t len = 20 + (proto == 6 ? 20 : 8);
    memset(b, 0, len);
    b[0] = 0x45;
    b[3] = (uint8_t)len;
    b[8] = 64;
    b[9] = proto;
    memcpy(b + 12, s.a, 4);
    memcpy(b + 16, d.a, 4);
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8);
    b[23] = (uint8_t)dport;
    if (proto == 6) {
        b[32] = 5 << 4;
        b[33] = flags;
    }
    return len;
}

static void test_hooks(void **state)
{
    (void)state;
    struct lab *l = mk(10 * SEC);
    struct assets_config ac = {
        .max_hosts = 64, .on_service = on_svc, .on_contact = on_con, .hook_ctx = l->b};
    struct pr_error e = {""};
    struct assets *a = assets_new(&ac, &e);
    assert_non_null(a);
    uint8_t p[64];
    size_t n = dgram(p, "198.18.0.1", "198.18.0.2", 6, 40000, 22, 0x02);
    assets_packet(a, p, n, NULL, T0);
    n = dgram(p, "198.18.0.2", "198.18.0.1", 6, 22, 40000, 0x12);
    assets_packet(a, p, n, NULL, T0 + 1);
    n = dgram(p, "198.18.0.1", "198.18.0.2", 17, 40001, 53, 0);
    assets_packet(a, p, n, NULL, T0 + 2);
    n = dgram(p, "198.18.0.2", "198.18.0.1", 17, 53, 40001, 0);
    assets_packet(a, p, n, NULL, T0 + 3);
    assert_int_equal(hook_calls[0], 2);
    assert_int_equal(hook_calls[1], 2);
    struct pr_addr srv = A("198.18.0.2");
    assert_int_equal(bl_has_service(l->b, &srv, 6, 22), 1);
    assert_int_equal(bl_has_service(l->b, &srv, 17, 53), 1);
    /* after learning, a SYN+ACK from a new port through the inventory: new_service */
    n = dgram(p, "198.18.0.2", "198.18.0.1", 6, 8080, 40002, 0x12);
    assets_packet(a, p, n, NULL, T0 + 20 * SEC);
    assert_int_equal(l->g.n, 1);
    assert_string_equal(l->g.event[0], "new_service");
    assert_int_equal(l->g.a[0].open_ports[0], 8080);
    assets_free(a);
    rm(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_and_new_service),
        cmocka_unit_test(test_slow_update),
        cmocka_unit_test(test_lateral_fanout),
        cmocka_unit_test(test_learn_all_and_new_hosts),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_hooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
