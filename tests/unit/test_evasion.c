/* Evasion pieces of the scan send path: IPv4 fragments (net/frag.h) checked field by field
 * and reassembled, a decoy's source rewrite keeping every checksum right (or wrong by
 * the same amount with --badsum), -D lists (order, ME, RND, errors) and nmap's
 * --packet-trace descriptions of whole and fragmented datagrams. */
#include "net/frag.h"
#include "net/packet.h"
#include "output/ptrace.h"
#include "scan/decoy.h"

#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static struct pr_addr a4(const char *s)
{
    struct pr_addr a;
    assert_int_equal(addr_parse(s, &a), 0);
    return a;
}

/* A SYN with the MSS option (44 bytes: 20 IP + 24 TCP), as the engine builds it. */
static size_t syn(uint8_t *buf, const char *src, const char *dst)
{
    struct pkt_ip ip = {.src = a4(src), .dst = a4(dst), .ttl = 64, .ip_id = 0x1234};
    struct pkt_tcp_opts o = {.mss = 1460, .wscale = -1};
    size_t n =
        pkt_build_tcp(buf, PKT_MAX, &ip, 61000, 80, 0xdeadbeef, 0, TH_SYN, 1024, &o, NULL, 0);
    assert_int_equal(n, 44);
    return n;
}

static unsigned g16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static void check_frags(size_t size, size_t want_n, const size_t *want_len)
{
    uint8_t pkt[PKT_MAX], out[PKT_MAX * 4], re[PKT_MAX];
    size_t n = syn(pkt, "198.18.0.1", "198.18.0.2"), lens[FRAG_MAX];
    size_t nf = frag_split(pkt, n, size, out, sizeof out, lens, FRAG_MAX);
    assert_int_equal(nf, want_n);
    memcpy(re, pkt, 20);
    size_t at = 0, data = 0;
    for (size_t i = 0; i < nf; i++) {
        const uint8_t *f = out + at;
        assert_int_equal(lens[i], want_len[i]);
        assert_int_equal(g16(f + 2), lens[i]);                 /* total length */
        assert_int_equal(g16(f + 4), 0x1234);                  /* same id */
        assert_int_equal(g16(f + 6) & 0x1fff, data / 8);       /* offset */
        assert_int_equal(!!(g16(f + 6) & 0x2000), i + 1 < nf); /* MF but on the last */
        assert_int_equal(pkt_cksum(f, 20, 0), 0);              /* header checksum */
        assert_int_equal(pkt_csum_check(f, lens[i], PKT_CSUM_L4), PKT_CSUM_OK);
        memcpy(re + 20 + data, f + 20, lens[i] - 20);
        data += lens[i] - 20;
        at += lens[i];
    }
    assert_int_equal(data, n - 20);
    assert_memory_equal(re + 20, pkt + 20, n - 20); /* the payload, reassembled */
}

static void test_frag_sizes(void **st)
{
    (void)st;
    const size_t f8[] = {28, 28, 28}, f16[] = {36, 28}, f24[] = {44};
    check_frags(8, 3, f8);   /* -f */
    check_frags(16, 2, f16); /* -ff, --mtu 16 */
    check_frags(24, 1, f24); /* the payload fits: one unchanged datagram */
}

static void test_frag_refuses(void **st)
{
    (void)st;
    uint8_t pkt[PKT_MAX], out[PKT_MAX * 4];
    size_t lens[FRAG_MAX], n = syn(pkt, "198.18.0.1", "198.18.0.2");
    assert_int_equal(frag_split(pkt, n, 12, out, sizeof out, lens, FRAG_MAX), 0); /* not 8k */
    assert_int_equal(frag_split(pkt, n, 0, out, sizeof out, lens, FRAG_MAX), 0);
    assert_int_equal(frag_split(pkt, n - 1, 8, out, sizeof out, lens, FRAG_MAX), 0); /* cut */
    assert_int_equal(frag_split(pkt, n, 8, out, sizeof out, lens, 2), 0);            /* too many */
    assert_int_equal(frag_split(pkt, n, 8, out, 60, lens, FRAG_MAX), 0);             /* no room */
    pkt[6] = 0x40;                                                                   /* DF */
    assert_int_equal(frag_split(pkt, n, 8, out, sizeof out, lens, FRAG_MAX), 0);
    pkt[6] = 0x20; /* already a fragment */
    assert_int_equal(frag_split(pkt, n, 8, out, sizeof out, lens, FRAG_MAX), 0);
    uint8_t six[64] = {0x60};
    assert_int_equal(frag_split(six, sizeof six, 8, out, sizeof out, lens, FRAG_MAX), 0);
}

static void test_set_src(void **st)
{
    (void)st;
    uint8_t pkt[PKT_MAX];
    size_t n = syn(pkt, "198.18.0.1", "198.18.0.2");
    struct pr_addr d = a4("203.0.113.77");
    assert_int_equal(pkt_set_src(pkt, n, &d), 0);
    struct pkt_info pi;
    assert_int_equal(pkt_parse(pkt, n, &pi), 0);
    assert_true(addr_eq(&pi.src, &d));
    assert_int_equal(pkt_csum_check(pkt, n, PKT_CSUM_L4), PKT_CSUM_OK);
    /* the same probe built from the decoy's address is byte for byte the same */
    uint8_t ref[PKT_MAX];
    syn(ref, "203.0.113.77", "198.18.0.2");
    assert_memory_equal(pkt, ref, n);
    /* UDP, and --badsum stays bad */
    struct pkt_ip ip = {.src = a4("198.18.0.1"), .dst = a4("198.18.0.2"), .ttl = 64, .ip_id = 7};
    n = pkt_build_udp(pkt, sizeof pkt, &ip, 61000, 53, (const uint8_t *)"abc", 3);
    pkt_spoil_cksum(pkt, n);
    assert_int_equal(pkt_set_src(pkt, n, &d), 0);
    assert_int_equal(pkt_csum_check(pkt, n, 0), PKT_CSUM_OK); /* IP header fixed */
    assert_int_equal(pkt_csum_check(pkt, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    /* IPv6 to an IPv4 source: refused */
    struct pr_addr six;
    assert_int_equal(addr_parse("2001:2::9", &six), 0);
    assert_int_equal(pkt_set_src(pkt, n, &six), -1);
}

static void test_decoy_lists(void **st)
{
    (void)st;
    struct sip_key k;
    sip_key_init(&k, 1, 42);
    struct decoys d;
    struct pr_error e = {{0}};
    char b[PR_ADDRSTRLEN];
    assert_int_equal(decoy_parse("198.18.0.7,198.18.0.8,ME", AF_INET, &k, &d, &e), 0);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.me, 2);
    assert_string_equal(addr_str(&d.addr[0], b, sizeof b), "198.18.0.7");
    assert_string_equal(addr_str(&d.addr[1], b, sizeof b), "198.18.0.8");
    assert_int_equal(decoy_parse("198.18.0.7,me,198.18.0.8", AF_INET, &k, &d, &e), 0);
    assert_int_equal(d.me, 1);
    assert_string_equal(addr_str(&d.addr[2], b, sizeof b), "198.18.0.8");
    /* without ME: a keyed position among the decoys, never after the last (nmap) */
    int seen[3] = {0};
    for (uint64_t s = 0; s < 64; s++) {
        sip_key_init(&k, 1, s);
        assert_int_equal(decoy_parse("198.18.0.7,198.18.0.8", AF_INET, &k, &d, &e), 0);
        assert_int_equal(d.n, 3);
        assert_true(d.me < 2);
        seen[d.me] = 1;
        assert_string_equal(addr_str(&d.addr[d.me == 0 ? 1 : 0], b, sizeof b), "198.18.0.7");
    }
    assert_true(seen[0] && seen[1]);
    /* RND:N: N addresses outside reserved ranges, repeatable with the key */
    assert_int_equal(decoy_parse("RND:20,ME", AF_INET, &k, &d, &e), 0);
    assert_int_equal(d.n, 21);
    assert_int_equal(d.me, 20);
    for (size_t i = 0; i < 20; i++)
        assert_false(decoy_reserved4(addr_v4(&d.addr[i])));
    assert_true(decoy_reserved4(0x7f000001) && decoy_reserved4(0xc6120001) &&
                decoy_reserved4(0xe0000001) && decoy_reserved4(0x0a000001));
    assert_false(decoy_reserved4(0x08080808));
    /* errors name the item */
    assert_int_equal(decoy_parse("ME,198.18.0.7,me", AF_INET, &k, &d, &e), -1);
    assert_non_null(strstr(e.msg, "item 3"));
    assert_int_equal(decoy_parse("198.18.0.7,,ME", AF_INET, &k, &d, &e), -1);
    assert_non_null(strstr(e.msg, "item 2"));
    assert_int_equal(decoy_parse("RND:0", AF_INET, &k, &d, &e), -1);
    assert_int_equal(decoy_parse("RND", AF_INET6, &k, &d, &e), -1);
    assert_int_equal(decoy_parse("2001:2::7", AF_INET, &k, &d, &e), -1);
    assert_non_null(strstr(e.msg, "item 1 '2001:2::7'"));
    assert_int_equal(decoy_parse("RND:100,RND:28", AF_INET, &k, &d, &e), -1); /* 129 */
}

static void test_ptrace_lines(void **st)
{
    (void)st;
    uint8_t pkt[PKT_MAX], out[PKT_MAX * 4];
    char s[512];
    size_t n = syn(pkt, "198.18.0.1", "198.18.0.2");
    assert_string_equal(ptrace_describe(s, sizeof s, pkt, n),
                        "TCP 198.18.0.1:61000 > 198.18.0.2:80 S ttl=64 id=4660 iplen=44  "
                        "seq=3735928559 win=1024 <mss 1460>");
    size_t lens[FRAG_MAX], nf = frag_split(pkt, n, 8, out, sizeof out, lens, FRAG_MAX);
    assert_int_equal(nf, 3);
    assert_string_equal(ptrace_describe(s, sizeof s, out, lens[0]),
                        "TCP 198.18.0.1:61000 > 198.18.0.2:80 ?? seq=3735928559 (incomplete) "
                        "ttl=64 id=4660 iplen=28 frag offset=0+");
    assert_string_equal(ptrace_describe(s, sizeof s, out + 28, lens[1]),
                        "TCP 198.18.0.1:?? > 198.18.0.2:?? S ttl=64 id=4660 iplen=28 frag "
                        "offset=8+");
    assert_string_equal(ptrace_describe(s, sizeof s, out + 56, lens[2]),
                        "TCP 198.18.0.1:?? > 198.18.0.2:?? ?? ttl=64 id=4660 iplen=28 frag "
                        "offset=16 (incomplete)");
    struct pkt_ip ip = {.src = a4("198.18.0.1"), .dst = a4("198.18.0.2"), .ttl = 64, .ip_id = 9};
    n = pkt_build_icmp_echo(pkt, sizeof pkt, &ip, 5, 6, 0);
    assert_string_equal(ptrace_describe(s, sizeof s, pkt, n),
                        "ICMP [198.18.0.1 > 198.18.0.2 Echo request (type=8/code=0) id=5 seq=6] "
                        "IP [ttl=64 id=9 iplen=28 ]");
    n = pkt_build_udp(pkt, sizeof pkt, &ip, 61000, 53, NULL, 0);
    assert_string_equal(ptrace_describe(s, sizeof s, pkt, n),
                        "UDP 198.18.0.1:61000 > 198.18.0.2:53 ttl=64 id=9 iplen=28");
    /* every cut of a datagram is described without reading past it */
    n = syn(pkt, "198.18.0.1", "198.18.0.2");
    for (size_t cut = 0; cut <= n; cut++)
        assert_true(strlen(ptrace_describe(s, sizeof s, pkt, cut)) > 0);
    assert_string_equal(ptrace_describe(s, 8, pkt, n), "TCP 198");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frag_sizes),   cmocka_unit_test(test_frag_refuses),
        cmocka_unit_test(test_set_src),      cmocka_unit_test(test_decoy_lists),
        cmocka_unit_test(test_ptrace_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
