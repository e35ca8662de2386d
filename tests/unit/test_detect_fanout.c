/* The kernel fanout's eBPF program (detect/fanout.h, detect/bpf/fanout.bpf.c) against the
 * dispatcher of workers.h, run in the kernel with BPF_PROG_TEST_RUN: thousands of frames
 * drawn from a few addresses and ports (IPv4 and IPv6 with up to 16 destination-options headers, up
 * to four VLAN tags; TCP of every usual flag set, UDP to and from service ports and to a group,
 * echo requests and replies, timestamp replies, ICMP and ICMPv6 errors quoting a probe, neighbour
 * solicitations, ARP) go to the same worker as the dispatcher gives them, for 2, 3 and 5
 * workers, so flows seen from either end, replies and errors all follow the flow map;
 * frames the program cannot read (a later fragment, a short frame, another ethertype) go
 * to worker 0. Needs CAP_BPF (skipped without it, or when built without libbpf). */
#include "detect/capture.h"
#include "detect/fanout.h"
#include "detect/workers.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#define K0 0x0123456789abcdefull
#define K1 0xfedcba9876543210ull

static uint64_t rnd(uint64_t *s) /* splitmix64: the same frames on every run */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* The address pools: 198.18.0.1-4 and 2001:2::1-3. */
static void addr_of(int v6, unsigned i, uint8_t *a)
{
    if (v6) {
        static const uint8_t p[16] = {0x20, 0x01, 0x00, 0x02};
        memcpy(a, p, 16);
        a[15] = (uint8_t)(i + 1);
    } else {
        a[0] = 198, a[1] = 18, a[2] = 0, a[3] = (uint8_t)(i + 1);
    }
}

/* An IP header of the family at b for a payload of plen bytes: its length. */
static size_t ip_header(uint8_t *b, int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                        size_t plen, unsigned dstopts)
{
    if (!v6) {
        memset(b, 0, 20);
        b[0] = 0x45;
        put16(b + 2, (uint16_t)(20 + plen));
        b[8] = 64;
        b[9] = proto;
        memcpy(b + 12, src, 4);
        memcpy(b + 16, dst, 4);
        return 20;
    }
    memset(b, 0, 40);
    b[0] = 0x60;
    put16(b + 4, (uint16_t)(plen + 8 * dstopts));
    b[6] = dstopts ? 60 : proto;
    b[7] = 64;
    memcpy(b + 8, src, 16);
    memcpy(b + 24, dst, 16);
    for (unsigned k = 0; k < dstopts; k++) { /* a chain of destination-options headers */
        uint8_t *o = b + 40 + 8 * k;
        memset(o, 0, 8);
        o[0] = k + 1 < dstopts ? 60 : proto;
        o[2] = 1; /* PadN of 4 */
        o[3] = 4;
    }
    return 40 + 8 * (size_t)dstopts;
}

/* few flows: the dispatcher's direct-mapped map (131,072 slots) must not see two collide,
 * which would make it forget a flow that the program's LRU map remembers */
static const uint16_t ports[] = {22, 53, 40000, 40001};
static const uint8_t tcp_flags[] = {0x02, 0x12, 0x10, 0x04, 0x14, 0x18, 0x11, 0x01, 0x29, 0x00};

/* One random frame into f: its length. */
static size_t random_frame(uint64_t *s, uint8_t *f)
{
    size_t off = 14;
    memset(f, 0, 14);
    f[0] = 2, f[6] = 2, f[11] = (uint8_t)rnd(s); /* locally administered MACs */
    if (rnd(s) % 8 == 0) { /* VLAN tags left in the frame, as many as the decoder reads */
        for (unsigned t = 1 + (unsigned)(rnd(s) % 4); t--; off += 4) {
            put16(f + off - 2, 0x8100);
            put16(f + off, 7);
        }
    }
    uint8_t *et = f + off - 2;
    if (rnd(s) % 20 == 0) { /* ARP request or reply */
        put16(et, 0x0806);
        uint8_t *a = f + off;
        memset(a, 0, 28);
        put16(a, 1), put16(a + 2, 0x0800), a[4] = 6, a[5] = 4, put16(a + 6, 1 + rnd(s) % 2);
        a[8] = 2;
        addr_of(0, (unsigned)(rnd(s) % 4), a + 14);
        addr_of(0, (unsigned)(rnd(s) % 4), a + 24);
        return off + 28;
    }
    /* IPv6 with up to as many extension headers as the decoder follows (a scanner's probes
     * with more of them than the program follows would reach worker 0, their answers not) */
    int v6 = rnd(s) % 4 == 0;
    unsigned dstopts = v6 && rnd(s) % 4 == 0 ? 1 + (unsigned)(rnd(s) % 16) : 0;
    unsigned na = v6 ? 3 : 4, i = (unsigned)(rnd(s) % na), j = (unsigned)(rnd(s) % (na - 1));
    j += j >= i;
    uint8_t src[16], dst[16], l4[128];
    addr_of(v6, i, src);
    addr_of(v6, j, dst);
    if (!v6 && rnd(s) % 30 == 0) /* to a group */
        dst[0] = 224, dst[1] = 0, dst[2] = 0, dst[3] = 251;
    put16(et, v6 ? 0x86dd : 0x0800);
    uint8_t proto;
    size_t n;
    uint64_t r = rnd(s) % 4;
    uint16_t sp = ports[rnd(s) % 4], dp = ports[rnd(s) % 4];
    if (r < 2) { /* TCP */
        proto = 6;
        memset(l4, 0, 20);
        put16(l4, sp), put16(l4 + 2, dp);
        l4[12] = 0x50;
        l4[13] = tcp_flags[rnd(s) % sizeof tcp_flags];
        put16(l4 + 14, 1024);
        n = 20;
    } else if (r == 2) { /* UDP */
        proto = 17;
        memset(l4, 0, 8);
        put16(l4, sp), put16(l4 + 2, dp), put16(l4 + 4, 8);
        n = 8;
    } else { /* ICMP: echo, replies, errors quoting a probe of the pool */
        static const uint8_t t4[] = {0, 3, 3, 8, 11, 13, 14}, t6[] = {1, 1, 3, 128, 129, 135};
        proto = v6 ? 58 : 1;
        memset(l4, 0, sizeof l4);
        l4[0] = v6 ? t6[rnd(s) % sizeof t6] : t4[rnd(s) % sizeof t4];
        n = 8;
        if (l4[0] == 135) { /* a neighbour solicitation: its target */
            addr_of(1, (unsigned)(rnd(s) % 3), l4 + 8);
            n = 24;
        } else if ((v6 && l4[0] <= 3) || (!v6 && (l4[0] == 3 || l4[0] == 11))) {
            uint8_t qs[16], qd[16];
            addr_of(v6, (unsigned)(rnd(s) % na), qs);
            addr_of(v6, (unsigned)(rnd(s) % na), qd);
            size_t h = ip_header(l4 + 8, v6, qs, qd, 17, 8, 0);
            put16(l4 + 8 + h, ports[rnd(s) % 4]), put16(l4 + 8 + h + 2, ports[rnd(s) % 4]);
            n = 8 + h + 8;
        }
    }
    size_t h = ip_header(f + off, v6, src, dst, proto, n, dstopts);
    memcpy(f + off + h, l4, n);
    return off + h + n;
}

/* The dispatcher's worker for a frame (workers.h), or -1 when it uses none (undecodable). */
static int dispatcher_worker(struct det_flowmap *m, const uint8_t *f, size_t len, uint64_t ts,
                             unsigned n)
{
    struct det_event ev;
    struct pkt_info p;
    int r = det_decode_event(1, f, len, ts, &ev);
    if (r != 0 || ev.origin == DET_ORIG_PACKET) { /* without the checksums (none were made) */
        if (det_decode_frame(1, f, len, &p) < 0)
            return -1;
        det_event_from_pkt(&p, ts, &ev);
    }
    return (int)det_dispatch_worker(m, det_dispatch_key(m, &ev), n);
}

/* Loads the program for n workers, or skips the test without the privilege. */
static struct det_fanout *load_or_skip(unsigned n)
{
    struct pr_error e = {""};
    struct det_fanout *f = det_fanout_load(K1, n, &e);
    if (!f) {
        fprintf(stderr, "(skipped: %s)\n", e.msg);
        skip();
    }
    return f;
}

static void same_as_dispatcher(unsigned n, unsigned frames)
{
    struct det_fanout *f = load_or_skip(n);
    struct det_flowmap *m = det_flowmap_new(K0, K1);
    assert_non_null(m);
    assert_int_equal(det_flowmap_worker_key(m), K1);
    uint64_t s = 42 + n, ts = (uint64_t)time(NULL) * 1000000u;
    unsigned per[8] = {0}, compared = 0;
    for (unsigned i = 0; i < frames; i++) {
        uint8_t fr[512];
        size_t len = random_frame(&s, fr);
        struct pr_error e = {""};
        int got = det_fanout_run(f, fr, len, &e);
        if (got < 0)
            fail_msg("%s", e.msg);
        int want = dispatcher_worker(m, fr, len, ts + i, n);
        if (want < 0)
            continue;
        if (got != want)
            fail_msg("%u workers, frame %u (%zu bytes, ethertype %02x%02x): program %d, "
                     "dispatcher %d",
                     n, i, len, fr[12], fr[13], got, want);
        per[got]++;
        compared++;
    }
    assert_true(compared > frames * 9 / 10);
    unsigned used = 0;
    for (unsigned w = 0; w < n; w++)
        used += per[w] > compared / (4 * n);
    assert_true(used >= 2); /* (7 addresses do not spread evenly over 5 workers) */
    det_flowmap_free(m);
    det_fanout_free(f);
}

static void test_same_2(void **state)
{
    (void)state;
    same_as_dispatcher(2, 4000);
}

static void test_same_3(void **state)
{
    (void)state;
    same_as_dispatcher(3, 3000);
}

static void test_same_5(void **state)
{
    (void)state;
    same_as_dispatcher(5, 3000);
}

/* Frames it cannot read go to worker 0; a short frame is no error. */
static void test_unreadable(void **state)
{
    (void)state;
    struct det_fanout *f = load_or_skip(4);
    uint64_t s = 7;
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 64; i++) {
        uint8_t fr[512];
        size_t len = random_frame(&s, fr);
        struct pr_error e = {""};
        if (fr[12] == 0x08 && fr[13] == 0x00) {
            put16(fr + 14 + 6, 0x2000 | 185); /* a later fragment */
            assert_int_equal(det_fanout_run(f, fr, len, &e), 0);
            put16(fr + 14 + 6, 0);
            /* no transport header (a test run needs the IP header) */
            assert_int_equal(det_fanout_run(f, fr, 14 + 20, &e), 0);
        }
        nonzero += det_fanout_run(f, fr, len, &e) != 0;

        put16(fr + 12, 0x88cc); /* LLDP */
        assert_int_equal(det_fanout_run(f, fr, len, &e), 0);
    }
    assert_true(nonzero > 0); /* (the same frames whole do go elsewhere) */
    det_fanout_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_2),
        cmocka_unit_test(test_same_3),
        cmocka_unit_test(test_same_5),
        cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
