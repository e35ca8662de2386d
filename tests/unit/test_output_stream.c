/* Streaming output (out_begin, out_host, out_end) against the whole-result functions
 * (out_normal, out_xml, out_grepable, out_json): byte-identical for every format over a
 * few scans (many ports, down hosts, a host timeout, IPv6, hostile names, -sV with CPEs,
 * CVEs and notes, -sn, one down host, no host) and option sets (-v, --open, --reason,
 * -d3, -oN layout).
 *
 * The streaming side is what a scanner with host groups does: the scan_result it passes
 * holds no hosts, its counts and end time are filled only before out_end, each host is
 * built just before out_host and freed right after it (ASan would see a later use), and
 * the four formats are written side by side. */
#include "output/output.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "output_fixtures.h"

#define T0 1795661696

enum scenario { SC_MIXED, SC_SVC, SC_PING, SC_DOWN1, SC_EMPTY, SC_COUNT };

static const size_t nhosts_of[SC_COUNT] = {7, 3, 4, 1, 0};

static uint16_t tcp_list[1000], udp_list[36], svc_list[5] = {22, 443, 2000, 6000, 8080};

/* Everything of a scan but its hosts, as known before the first host; the counts and the
 * end time are set apart (set_totals) because a streaming caller knows them only at the
 * end. */
static void mkhead(enum scenario sc, struct scan_result *r, const struct svc_db *db)
{
    memset(r, 0, sizeof *r);
    r->start.tv_sec = T0;
    r->start.tv_usec = 120000;
    r->svc = db;
    for (unsigned i = 0; i < 1000; i++)
        tcp_list[i] = (uint16_t)(i + 1);
    size_t nu = 0;
    udp_list[nu++] = 53;
    for (unsigned p = 67; p <= 69; p++)
        udp_list[nu++] = (uint16_t)p;
    for (unsigned p = 120; p <= 150; p++)
        udp_list[nu++] = (uint16_t)p;
    udp_list[nu++] = 161;
    switch (sc) {
    case SC_MIXED:
        r->args = strdup("portreeve scan -sS -sU -p T:1-1000 \"a&b\" <x> 'q' -- 198.18.0.0/29");
        r->ninfo = 2;
        r->info[0] = (struct scan_info){"syn", PR_TCP, tcp_list, 1000};
        r->info[1] = (struct scan_info){"udp", PR_UDP, udp_list, nu};
        break;
    case SC_SVC:
        r->args = strdup("portreeve scan -sV -p 22,443,2000,6000,8080 198.18.0.2-4");
        r->version = "9.9-test";
        r->ninfo = 1;
        r->info[0] = (struct scan_info){"connect", PR_TCP, svc_list, 5};
        break;
    case SC_PING:
        r->args = strdup("portreeve scan -sn 198.18.0.1-4");
        r->ping_only = 1;
        break;
    case SC_DOWN1:
        r->args = strdup("portreeve scan 198.18.0.99");
        r->ninfo = 1;
        r->info[0] = (struct scan_info){"syn", PR_TCP, tcp_list, 1000};
        break;
    case SC_EMPTY:
        r->args = NULL; /* "portreeve" is written instead */
        r->ninfo = 1;
        r->info[0] = (struct scan_info){"bogus-type", PR_TCP, tcp_list, 3};
        break;
    default:
        fail();
    }
}

static void set_totals(enum scenario sc, struct scan_result *r, size_t nhosts, size_t up)
{
    r->nhosts = nhosts;
    r->hosts_up = up;
    r->end.tv_sec = T0 + 7 + (time_t)sc;
    r->end.tv_usec = 340000;
    if (sc == SC_MIXED) {
        r->pkts_sent = 2093;
        r->pkts_rcvd = 2061;
        r->bytes_sent = 92092;
        r->bytes_rcvd = 1234567;
    }
}

static void mixed_host(size_t i, struct host_result *h)
{
    h->start.tv_sec = T0 + (time_t)i;
    h->end.tv_sec = T0 + 2 + (time_t)i;
    switch (i) {
    case 0: /* many ports, collapsed states, MAC, UDP */
        addr_parse("198.18.0.2", &h->addr);
        h->hostname = "web&<lab>";
        h->up = 1;
        h->reason = RS_ARP_RESPONSE;
        h->srtt_us = 120;
        h->rttvar_us = 30;
        h->have_mac = 1;
        memcpy(h->mac, "\x02\x00\x5e\x10\x00\x01", 6);
        for (unsigned p = 1; p <= 1000; p++) {
            if (p == 22 || p == 80 || p == 443)
                add(h, PR_TCP, (uint16_t)p, PS_OPEN, RS_SYN_ACK, 64);
            else if (p >= 100 && p <= 109)
                add(h, PR_TCP, (uint16_t)p, PS_FILTERED, RS_NO_RESPONSE, 0);
            else if (p >= 110 && p <= 112)
                add(h, PR_TCP, (uint16_t)p, PS_FILTERED, RS_ADMIN_PROHIBITED, 64);
            else if (p >= 700 && p <= 704)
                add(h, PR_TCP, (uint16_t)p, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
            else
                add(h, PR_TCP, (uint16_t)p, PS_CLOSED, RS_RESET, 64);
        }
        add(h, PR_UDP, 53, PS_OPEN, RS_UDP_RESPONSE, 64);
        for (unsigned p = 67; p <= 69; p++)
            add(h, PR_UDP, (uint16_t)p, PS_CLOSED, RS_PORT_UNREACH, 64);
        for (unsigned p = 120; p <= 150; p++)
            add(h, PR_UDP, (uint16_t)p, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
        add(h, PR_UDP, 161, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
        break;
    case 1: /* IPv6, few ports */
        addr_parse("2001:2::5", &h->addr);
        h->up = 1;
        h->reason = RS_ND_RESPONSE;
        h->srtt_us = 4;
        for (unsigned p = 20; p < 30; p++)
            add(h, PR_TCP, (uint16_t)p, p == 22 ? PS_OPEN : PS_CLOSED,
                p == 22 ? RS_SYN_ACK : RS_RESET, 64);
        break;
    case 2: /* down */
        addr_parse("198.18.0.3", &h->addr);
        h->reason = RS_NO_RESPONSE;
        break;
    case 3: /* hostile name, one port, unknown service */
        addr_parse("198.18.0.4", &h->addr);
        h->hostname = "evil\x1b[31m\xff\xfe--x\"'<&>";
        h->up = 1;
        h->reason = RS_USER_SET;
        h->timeout_us = 250000;
        add(h, PR_TCP, 80, PS_OPEN, RS_SYN_ACK, 63);
        add(h, PR_TCP, 81, PS_UNFILTERED, RS_RESET, 63);
        break;
    case 4: /* only closed ports: left out by --open; "All 30 scanned ports" */
        addr_parse("198.18.0.5", &h->addr);
        h->up = 1;
        h->reason = RS_ECHO_REPLY;
        h->reason_ttl = 64;
        for (unsigned p = 1; p <= 30; p++)
            add(h, PR_TCP, (uint16_t)p, PS_CLOSED, RS_RESET, 64);
        break;
    case 5: /* --host-timeout */
        addr_parse("198.18.0.6", &h->addr);
        h->up = 1;
        h->timed_out = 1;
        h->reason = RS_ECHO_REPLY;
        break;
    case 6: /* down with a name */
        addr_parse("198.18.0.7", &h->addr);
        h->hostname = "gone.example";
        h->reason = RS_HOST_UNREACH;
        h->reason_ttl = 12;
        break;
    default:
        fail();
    }
}

static void svc_host(size_t i, struct host_result *h)
{
    h->up = 1;
    h->reason = RS_USER_SET;
    h->srtt_us = 1500;
    h->start.tv_sec = T0;
    h->end.tv_sec = T0 + 7;
    if (i == 1) { /* all closed */
        addr_parse("198.18.0.3", &h->addr);
        for (size_t k = 0; k < 5; k++)
            add(h, PR_TCP, svc_list[k], PS_CLOSED, RS_CONN_REFUSED, 0);
        return;
    }
    addr_parse(i == 0 ? "198.18.0.2" : "198.18.0.4", &h->addr);
    for (size_t k = 0; k < 5; k++)
        add(h, PR_TCP, svc_list[k], k == 4 ? PS_FILTERED : PS_OPEN,
            k == 4 ? RS_NO_RESPONSE : RS_SYN_ACK, 64);
    struct svc_info *s = mksvc("ssh", "OpenSSH", "9.2p1 Debian 2+deb12u3", "protocol 2.0", 0);
    s->ostype = strdup("Linux");
    s->cpes[s->ncpes++] = strdup("cpe:/a:openbsd:openssh:9.2p1");
    s->cpes[s->ncpes++] = strdup("cpe:/o:linux:linux_kernel");
    s->ncves = 2;
    s->cves = calloc(2, sizeof *s->cves);
    assert_non_null(s->cves);
    snprintf(s->cves[0].id, sizeof s->cves[0].id, "CVE-2099-0001");
    s->cves[0].cvss = 9.8;
    snprintf(s->cves[1].id, sizeof s->cves[1].id, "CVE-2099-0002");
    s->cves[1].cvss = -1;
    h->ports[0].svc = s;
    h->ports[1].svc = mksvc("http", "nginx", i ? "1.25.0" : "1.22.1", NULL, 1);
    struct svc_info *evil = mksvc("x-evil", "Ev\"il<b>/,\x1b[31m", "1/2,3", NULL, 0);
    evil->hostname = strdup("h\"<>&");
    evil->devicetype = strdup("router");
    evil->note = strdup("endless response: cut at 65536 bytes");
    h->ports[2].svc = evil;
    struct svc_info *t = mksvc("unknown", NULL, NULL, NULL, 0);
    t->probed = 0;
    t->conf = 3;
    h->ports[3].svc = t;
}

static void ping_host(size_t i, struct host_result *h)
{
    static const char *const addrs[] = {"198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4"};
    addr_parse(addrs[i], &h->addr);
    h->up = i != 2;
    h->reason = h->up ? RS_ECHO_REPLY : RS_NO_RESPONSE;
    h->reason_ttl = h->up ? 64 : 0;
    h->srtt_us = h->up ? 250 : 0;
    h->hostname = i == 3 ? "four" : NULL;
    if (i == 1) {
        h->have_mac = 1;
        memcpy(h->mac, "\x02\x42\xac\x11\x00\x02", 6);
    }
}

/* Host i of scenario sc, freshly allocated. */
static void mkhost(enum scenario sc, size_t i, struct host_result *h)
{
    memset(h, 0, sizeof *h);
    switch (sc) {
    case SC_MIXED:
        mixed_host(i, h);
        break;
    case SC_SVC:
        svc_host(i, h);
        break;
    case SC_PING:
        ping_host(i, h);
        break;
    case SC_DOWN1:
        addr_parse("198.18.0.99", &h->addr);
        h->reason = RS_NO_RESPONSE;
        break;
    default:
        fail();
    }
}

/* The whole result of scenario sc. */
static void mkresult(enum scenario sc, struct scan_result *r, const struct svc_db *db)
{
    size_t n = nhosts_of[sc], up = 0;
    mkhead(sc, r, db);
    r->hosts = n ? calloc(n, sizeof *r->hosts) : NULL;
    for (size_t i = 0; i < n; i++) {
        mkhost(sc, i, &r->hosts[i]);
        up += r->hosts[i].up != 0;
    }
    set_totals(sc, r, n, up);
}

static const struct out_opts opts[] = {
    {0},
    {.verbose = 1},
    {.open_only = 1},
    {.open_only = 1, .verbose = 1},
    {.reason = 1},
    {.reason = 1, .verbose = 2, .debug = 3},
    {.as_file = 1},
    {.as_file = 1, .verbose = 1, .reason = 1},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const char fmts[4] = {'N', 'X', 'G', 'J'};
static int (*const whole[4])(FILE *, const struct scan_result *, const struct out_opts *) = {
    out_normal, out_xml, out_grepable, out_json};

static char *run_whole(int k, const struct scan_result *r, const struct out_opts *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(whole[k](f, r, o), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* The four formats of scenario sc streamed side by side, hosts built and freed one by one. */
static void run_stream(enum scenario sc, const struct svc_db *db, const struct out_opts *o,
                       char *out[4])
{
    size_t len[4];
    FILE *f[4];
    struct out_stream s[4];
    struct scan_result r;
    mkhead(sc, &r, db);
    for (int k = 0; k < 4; k++) {
        out[k] = NULL;
        f[k] = open_memstream(&out[k], &len[k]);
        assert_non_null(f[k]);
        assert_int_equal(out_begin(&s[k], fmts[k], f[k], &r, o), 0);
    }
    size_t n = 0, up = 0;
    for (size_t i = 0; i < nhosts_of[sc]; i++) {
        struct host_result *h = malloc(sizeof *h);
        assert_non_null(h);
        mkhost(sc, i, h);
        for (int k = 0; k < 4; k++)
            assert_int_equal(out_host(&s[k], &r, h), 0);
        n++;
        up += h->up != 0;
        host_result_free(h);
        free(h);
    }
    set_totals(sc, &r, n, up);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(out_end(&s[k], &r), 0);
        assert_int_equal(fclose(f[k]), 0);
    }
    result_free(&r);
}

static void test_identical(void **state)
{
    struct svc_db *db = *state;
    for (int sc = 0; sc < SC_COUNT; sc++) {
        struct scan_result r;
        mkresult((enum scenario)sc, &r, db);
        for (size_t oi = 0; oi < NOPTS; oi++) {
            char *streamed[4];
            run_stream((enum scenario)sc, db, &opts[oi], streamed);
            for (int k = 0; k < 4; k++) {
                char *w = run_whole(k, &r, &opts[oi]);
                if (strcmp(w, streamed[k]) != 0)
                    fail_msg("scenario %d, options %zu, format %c differ:\n--- whole\n%s\n--- "
                             "streamed\n%s",
                             sc, oi, fmts[k], w, streamed[k]);
                free(w);
                free(streamed[k]);
            }
        }
        result_free(&r);
    }
}

/* JSON has no header or footer; the other formats write theirs without any host. */
static void test_header_footer(void **state)
{
    struct svc_db *db = *state;
    struct scan_result r;
    mkhead(SC_MIXED, &r, db);
    struct out_opts o = {.verbose = 1};
    for (int k = 0; k < 4; k++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        struct out_stream s;
        assert_int_equal(out_begin(&s, fmts[k], f, &r, &o), 0);
        size_t head = len; /* flushed by out_begin */
        assert_int_equal(out_end(&s, &r), 0);
        assert_int_equal(fclose(f), 0);
        if (fmts[k] == 'J') {
            assert_int_equal(len, 0);
        } else {
            assert_true(head > 0);
            assert_true(len > head);
        }
        if (fmts[k] == 'X')
            assert_non_null(strstr(buf, "<hosts up=\"0\" down=\"0\" total=\"0\"/>"));
        free(buf);
    }
    result_free(&r);
}

/* An unknown format fails; a failed write fails this call and every later one. */
static void test_errors(void **state)
{
    struct svc_db *db = *state;
    struct scan_result r;
    mkhead(SC_MIXED, &r, db);
    struct out_opts o = {0};
    struct out_stream s;
    assert_int_equal(out_begin(&s, 'Q', stdout, &r, &o), -1);
    struct host_result h;
    mkhost(SC_MIXED, 0, &h);
    assert_int_equal(out_host(&s, &r, &h), -1);
    assert_int_equal(out_end(&s, &r), -1);

    for (int k = 0; k < 4; k++) {
        char small[16];
        FILE *f = fmemopen(small, sizeof small, "w");
        assert_non_null(f);
        setvbuf(f, NULL, _IONBF, 0);
        int rc = out_begin(&s, fmts[k], f, &r, &o);
        if (fmts[k] != 'J') /* the other headers are longer than 16 bytes */
            assert_int_equal(rc, -1);
        assert_int_equal(out_host(&s, &r, &h), -1);
        assert_int_equal(out_end(&s, &r), -1);
        fclose(f);
    }
    host_result_free(&h);
    result_free(&r);
}

static int setup(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    *state = mkdb();
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_header_footer),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
