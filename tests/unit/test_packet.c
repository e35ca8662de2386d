/* Packet build/parse: byte-exact checks against packets made with scapy, build→parse
 * round trips, ICMP errors quoting datagrams, truncation at every length, malformed
 * headers, IPv6 extension headers, VLAN-tagged Ethernet, and (as root) the Linux kernel
 * accepting our checksums on 127.0.0.1 through a raw socket. */
#include "net/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Made once with python3-scapy 2.5 (Debian 12):
 *   raw(IP(src="198.18.0.1", dst="198.18.0.2", ttl=64, id=0x1234, flags=0) /
 *       TCP(sport=40000, dport=80, seq=0x01020304, ack=0, flags="S", window=1024,
 *           options=[("MSS",1460), ("SAckOK",b""), ("Timestamp",(0x11223344,0)),
 *                    ("NOP",None), ("WScale",7)])) */
static const uint8_t scapy_syn4[] = {
    0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0xdc, 0x60, 0xc6, 0x12, 0x00,
    0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
    0x00, 0x00, 0xa0, 0x02, 0x04, 0x00, 0xd2, 0xdb, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
    0x02, 0x08, 0x0a, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* Made once with python3-scapy 2.5 (Debian 12):
 *   raw(IPv6(src="2001:2::1", dst="2001:2::2", hlim=64) / UDP(sport=53000, dport=53) /
 *       b"\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00") */
static const uint8_t scapy_udp6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x11, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xcf, 0x08, 0x00, 0x35, 0x00,
    0x14, 0xe0, 0x7f, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t dns_status[12] = {0x00, 0x00, 0x10, 0x00};

static struct pkt_ip mkip(const char *src, const char *dst)
{
    struct pkt_ip ip;
    memset(&ip, 0, sizeof ip);
    assert_int_equal(addr_parse(src, &ip.src), 0);
    assert_int_equal(addr_parse(dst, &ip.dst), 0);
    ip.ttl = 64;
    ip.ip_id = 0x1234;
    return ip;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Sum of the TCP/UDP/ICMPv6 pseudo-header of a datagram we built. */
static uint32_t pseudo(const uint8_t *pkt, uint8_t proto, size_t l4len)
{
    uint32_t s = 0;
    int v6 = pkt[0] >> 4 == 6;
    const uint8_t *a = pkt + (v6 ? 8 : 12);
    size_t alen = v6 ? 32 : 8;
    for (size_t i = 0; i < alen; i += 2)
        s += (uint32_t)(a[i] << 8 | a[i + 1]);
    return s + proto + (uint32_t)l4len;
}

/* The checksum property: summing a datagram's transport part including its checksum
 * (and the pseudo-header) gives 0; for IPv4 the header sums to 0 too. */
static void assert_checksums_ok(const uint8_t *pkt, size_t len)
{
    size_t hl = 40;
    uint8_t proto = pkt[6];
    if (pkt[0] >> 4 == 4) {
        hl = (size_t)(pkt[0] & 15) * 4;
        proto = pkt[9];
        assert_int_equal(pkt_cksum(pkt, hl, 0), 0);
    }
    uint32_t seed = proto == 1 ? 0 : pseudo(pkt, proto, len - hl);
    assert_int_equal(pkt_cksum(pkt + hl, len - hl, seed), 0);
}

static void test_syn4_matches_scapy(void **state)
{
    (void)state;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    struct pkt_tcp_opts o = {
        .mss = 1460, .wscale = 7, .sackok = 1, .tstamp = 1, .tsval = 0x11223344};
    uint8_t b[PKT_MAX];
    size_t n = pkt_build_tcp(b, sizeof b, &ip, 40000, 80, 0x01020304, 0, TH_SYN, 1024, &o, NULL, 0);
    assert_int_equal(n, sizeof scapy_syn4);
    assert_memory_equal(b, scapy_syn4, n);
    assert_checksums_ok(b, n);
}

static void test_udp6_matches_scapy(void **state)
{
    (void)state;
    struct pkt_ip ip = mkip("2001:2::1", "2001:2::2");
    uint8_t b[PKT_MAX];
    size_t n = pkt_build_udp(b, sizeof b, &ip, 53000, 53, dns_status, sizeof dns_status);
    assert_int_equal(n, sizeof scapy_udp6);
    assert_memory_equal(b, scapy_udp6, n);
    assert_checksums_ok(b, n);
}

/* pkt_csum_check on scapy's bytes and on built packets: a flipped byte in the IPv4
 * header or the transport part is caught, truncated or header-only checks pass, and a
 * NIC-pending (pseudo-header only) TCP checksum passes only with PKT_CSUM_PARTIAL. */
static void test_csum_check(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX];
    memcpy(b, scapy_syn4, sizeof scapy_syn4);
    size_t n = sizeof scapy_syn4;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    b[37] ^= 0x01; /* TCP checksum */
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    assert_int_equal(pkt_csum_check(b, n, 0), PKT_CSUM_OK);               /* L4 not asked */
    assert_int_equal(pkt_csum_check(b, n - 4, PKT_CSUM_L4), PKT_CSUM_OK); /* cut short */
    b[37] ^= 0x01;
    b[50] ^= 0x80; /* TCP payload/option byte */
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    b[50] ^= 0x80;
    b[11] ^= 0x10; /* IPv4 header checksum */
    assert_int_equal(pkt_csum_check(b, n, 0), PKT_CSUM_BAD_IP);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_IP);
    b[11] ^= 0x10;
    b[8] = 1; /* TTL changed without updating the header checksum */
    assert_int_equal(pkt_csum_check(b, n, 0), PKT_CSUM_BAD_IP);
    b[8] = 64;

    /* a checksum left for the NIC: the folded pseudo-header sum */
    uint32_t ps = pseudo(b, 6, n - 20);
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    put16(b + 36, (uint16_t)ps);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4 | PKT_CSUM_PARTIAL), PKT_CSUM_OK);

    memcpy(b, scapy_udp6, sizeof scapy_udp6);
    n = sizeof scapy_udp6;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    b[n - 1] ^= 0x01;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);

    /* UDP over IPv4: 0 means no checksum; otherwise verified */
    struct pkt_ip ip4 = mkip("198.18.0.2", "198.18.0.1");
    n = pkt_build_udp(b, sizeof b, &ip4, 53, 61000, dns_status, sizeof dns_status);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    b[n - 2] ^= 0x04;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    put16(b + 26, 0);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);

    /* ICMP (no pseudo-header) and ICMPv6 (with one) */
    n = pkt_build_icmp_echo(b, sizeof b, &ip4, 7, 9, 0);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    b[25] ^= 0x01;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4 | PKT_CSUM_PARTIAL), PKT_CSUM_BAD_L4);
    struct pkt_ip ip6 = mkip("2001:2::2", "2001:2::1");
    n = pkt_build_icmp_echo(b, sizeof b, &ip6, 7, 9, 0);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    b[8] ^= 0x01; /* source address: only the pseudo-header sees it */
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);

    /* a later IPv4 fragment: the segment is not all here, only the header is checked */
    n = pkt_build_tcp(b, sizeof b, &ip4, 80, 61000, 1, 2, TH_SYN | TH_ACK, 1024, NULL, NULL, 0);
    b[37] ^= 0x01;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    b[6] |= 0x20; /* more fragments */
    put16(b + 10, 0);
    put16(b + 10, pkt_cksum(b, 20, 0));
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_OK);
    /* TCP data (maybe GRO-merged in a capture) is left unjudged with PKT_CSUM_TCP_BARE */
    n = pkt_build_tcp(b, sizeof b, &ip4, 80, 61000, 1, 2, TH_ACK, 1024, NULL,
                      (const uint8_t *)"data", 4);
    b[n - 1] ^= 0x20;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4 | PKT_CSUM_TCP_BARE), PKT_CSUM_OK);
    n = pkt_build_tcp(b, sizeof b, &ip4, 80, 61000, 1, 2, TH_SYN, 1024, NULL, NULL, 0);
    b[37] ^= 0x01;
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4 | PKT_CSUM_TCP_BARE), PKT_CSUM_BAD_L4);

    /* an IPv4 header checksum never filled in (0), as captures where the header is not
     * finished show: believed with PKT_CSUM_IP_UNSET only when the whole TCP or UDP
     * checksum verifies (also for TCP data, whatever PKT_CSUM_TCP_BARE says) */
    const unsigned unset = PKT_CSUM_L4 | PKT_CSUM_PARTIAL | PKT_CSUM_TCP_BARE | PKT_CSUM_IP_UNSET;
    n = pkt_build_udp(b, sizeof b, &ip4, 53, 61000, dns_status, sizeof dns_status);
    put16(b + 10, 0);
    assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_IP);
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_OK);
    b[n - 2] ^= 0x04;
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_BAD_IP);
    b[n - 2] ^= 0x04;
    put16(b + 26, 0); /* no UDP checksum: nothing proves the datagram */
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_BAD_IP);
    n = pkt_build_tcp(b, sizeof b, &ip4, 80, 61000, 1, 2, TH_ACK, 1024, NULL,
                      (const uint8_t *)"data", 4);
    put16(b + 10, 0);
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_OK);
    b[n - 1] ^= 0x20;
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_BAD_IP);
    b[n - 1] ^= 0x20;
    b[11] = 1; /* a wrong checksum that is not 0 stays wrong */
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_BAD_IP);
    n = pkt_build_icmp_echo(b, sizeof b, &ip4, 7, 9, 0);
    put16(b + 10, 0); /* ICMP has no pseudo-header: the addresses would be unproven */
    assert_int_equal(pkt_csum_check(b, n, unset), PKT_CSUM_BAD_IP);

    /* --badsum: every probe we build comes out with a checksum that does not verify */
    for (uint32_t seq = 0; seq < 4000; seq++) {
        n = pkt_build_tcp(b, sizeof b, &ip4, 61000, 80, seq * 7919u, 0, TH_SYN, 1024, NULL, NULL,
                          0);
        pkt_spoil_cksum(b, n);
        assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
        uint8_t d[2] = {(uint8_t)seq, (uint8_t)(seq >> 8)};
        n = pkt_build_udp(b, sizeof b, seq & 1 ? &ip4 : &ip6, 61000, 53, d, 2);
        pkt_spoil_cksum(b, n);
        assert_int_equal(pkt_csum_check(b, n, PKT_CSUM_L4), PKT_CSUM_BAD_L4);
    }
    /* garbage is left to pkt_parse */
    assert_int_equal(pkt_csum_check(b, 3, PKT_CSUM_L4), PKT_CSUM_OK);
    assert_int_equal(pkt_csum_check(NULL, 0, PKT_CSUM_L4), PKT_CSUM_OK);
}

static void test_cksum_basics(void **state)
{
    (void)state;
    /* RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2 (checksum 0x220d). */
    const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(pkt_cksum(rfc, sizeof rfc, 0), 0x220d);
    /* Odd length pads with a zero byte. */
    const uint8_t odd[] = {0x12, 0x34, 0x56};
    assert_int_equal(pkt_cksum(odd, 3, 0), (uint16_t) ~(0x1234 + 0x5600));
    assert_int_equal(pkt_cksum(NULL, 0, 0), 0xffff);
    /* Large buffer: no overflow of the running sum. */
    uint8_t *big = malloc(200000);
    assert_non_null(big);
    memset(big, 0xff, 200000);
    assert_int_equal(pkt_cksum(big, 200000, 0xffffffffu), 0);
    free(big);
}

static void check_syn_roundtrip(const char *src, const char *dst, int family)
{
    struct pkt_ip ip = mkip(src, dst);
    struct pkt_tcp_opts o = {.mss = 1460, .wscale = 10, .sackok = 1, .tstamp = 1, .tsval = 123456};
    uint8_t b[PKT_MAX];
    const uint8_t data[] = "hello";
    size_t n = pkt_build_tcp(b, sizeof b, &ip, 1234, 443, 0xdeadbeef, 7, TH_SYN | TH_ECE, 64240, &o,
                             data, 5);
    assert_true(n > 0);
    assert_checksums_ok(b, n);
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.src.family, family);
    assert_true(addr_eq(&pi.src, &ip.src));
    assert_true(addr_eq(&pi.dst, &ip.dst));
    assert_int_equal(pi.ttl, 64);
    assert_int_equal(pi.ip_len, n);
    assert_int_equal(pi.l4, PKT_L4_TCP);
    assert_int_equal(pi.t.proto, 6);
    assert_int_equal(pi.t.sport, 1234);
    assert_int_equal(pi.t.dport, 443);
    assert_int_equal(pi.t.seq, 0xdeadbeef);
    assert_int_equal(pi.t.ack, 7);
    assert_int_equal(pi.t.flags, TH_SYN | TH_ECE);
    assert_int_equal(pi.t.window, 64240);
    assert_int_equal(pi.tcp_mss, 1460);
    /* Linux order: MSS, SACK-permitted, timestamp, NOP, window scale. */
    const uint8_t kinds[] = {2, 4, 8, 1, 3};
    assert_int_equal(pi.tcp_nopts, sizeof kinds);
    assert_memory_equal(pi.tcp_optkinds, kinds, sizeof kinds);
    assert_int_equal(pi.payload_len, 5);
    assert_memory_equal(pi.payload, "hello", 5);
    assert_int_equal(pi.has_inner, 0);
    if (family == AF_INET)
        assert_int_equal(pi.ip_id, 0x1234);
}

static void test_syn_roundtrip_v4(void **state)
{
    (void)state;
    check_syn_roundtrip("198.18.0.1", "198.18.0.2", AF_INET);
}

static void test_syn_roundtrip_v6(void **state)
{
    (void)state;
    check_syn_roundtrip("2001:2::1", "2001:2::2", AF_INET6);
}

static void test_tcp_option_layouts(void **state)
{
    (void)state;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    uint8_t b[PKT_MAX];
    struct pkt_info pi;
    /* No timestamp: MSS, NOP, NOP, SACK-permitted, NOP, WS (as Linux without TS). */
    struct pkt_tcp_opts o = {.mss = 536, .wscale = 2, .sackok = 1};
    size_t n = pkt_build_tcp(b, sizeof b, &ip, 1, 2, 3, 0, TH_SYN, 1024, &o, NULL, 0);
    assert_int_equal(n, 20 + 20 + 12);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    const uint8_t k1[] = {2, 1, 1, 4, 1, 3};
    assert_int_equal(pi.tcp_nopts, sizeof k1);
    assert_memory_equal(pi.tcp_optkinds, k1, sizeof k1);
    assert_checksums_ok(b, n);
    /* MSS only (what nmap's SYN probes carry). */
    struct pkt_tcp_opts m = {.mss = 1460, .wscale = -1};
    n = pkt_build_tcp(b, sizeof b, &ip, 1, 2, 3, 0, TH_SYN, 1024, &m, NULL, 0);
    assert_int_equal(n, 44);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.tcp_nopts, 1);
    assert_int_equal(pi.tcp_mss, 1460);
    /* No options at all. */
    n = pkt_build_tcp(b, sizeof b, &ip, 1, 2, 3, 0, TH_RST, 0, NULL, NULL, 0);
    assert_int_equal(n, 40);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.tcp_nopts, 0);
    assert_int_equal(pi.tcp_mss, 0);
    assert_int_equal(pi.payload_len, 0);
}

static void test_build_limits(void **state)
{
    (void)state;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    uint8_t b[PKT_MAX];
    assert_int_equal(pkt_build_udp(b, 27, &ip, 1, 2, dns_status, 0), 0);
    assert_int_equal(pkt_build_udp(b, 28, &ip, 1, 2, dns_status, 0), 28);
    assert_int_equal(pkt_build_tcp(b, 39, &ip, 1, 2, 0, 0, TH_SYN, 0, NULL, NULL, 0), 0);
    assert_int_equal(pkt_build_icmp_echo(b, 27, &ip, 1, 1, 0), 0);
    struct pkt_ip mixed = mkip("198.18.0.1", "2001:2::1");
    assert_int_equal(pkt_build_udp(b, sizeof b, &mixed, 1, 2, NULL, 0), 0);
    struct pkt_ip v6 = mkip("2001:2::1", "2001:2::2");
    assert_int_equal(pkt_build_icmp_echo(b, sizeof b, &v6, 1, 1, 1), 0); /* no v6 timestamp */
}

static void check_udp_roundtrip(const char *src, const char *dst)
{
    struct pkt_ip ip = mkip(src, dst);
    uint8_t b[PKT_MAX];
    size_t n = pkt_build_udp(b, sizeof b, &ip, 53000, 53, dns_status, sizeof dns_status);
    assert_true(n > 0);
    assert_checksums_ok(b, n);
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_UDP);
    assert_int_equal(pi.t.proto, 17);
    assert_int_equal(pi.t.sport, 53000);
    assert_int_equal(pi.t.dport, 53);
    assert_int_equal(pi.payload_len, sizeof dns_status);
    assert_memory_equal(pi.payload, dns_status, sizeof dns_status);
    /* Trailing padding (as on a minimum-size Ethernet frame) is not payload. */
    uint8_t padded[PKT_MAX];
    memcpy(padded, b, n);
    memset(padded + n, 0xee, 10);
    assert_int_equal(pkt_parse(padded, n + 10, &pi), 0);
    assert_int_equal(pi.payload_len, sizeof dns_status);
    /* Empty payload. */
    n = pkt_build_udp(b, sizeof b, &ip, 1, 2, NULL, 0);
    assert_checksums_ok(b, n);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.payload_len, 0);
}

static void test_udp_roundtrip_v4(void **state)
{
    (void)state;
    check_udp_roundtrip("198.18.0.1", "198.18.0.2");
}

static void test_udp_roundtrip_v6(void **state)
{
    (void)state;
    check_udp_roundtrip("2001:2::1", "2001:2::2");
}

static void test_icmp_echo(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX];
    struct pkt_info pi;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    size_t n = pkt_build_icmp_echo(b, sizeof b, &ip, 0x4242, 7, 0);
    assert_int_equal(n, 28);
    assert_checksums_ok(b, n);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_ICMP);
    assert_int_equal(pi.t.proto, 1);
    assert_int_equal(pi.t.icmp_type, 8);
    assert_int_equal(pi.t.icmp_id, 0x4242);
    assert_int_equal(pi.t.icmp_seq, 7);

    n = pkt_build_icmp_echo(b, sizeof b, &ip, 0x4242, 8, 1);
    assert_int_equal(n, 40);
    assert_checksums_ok(b, n);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.t.icmp_type, 13);
    assert_int_equal(pi.t.icmp_seq, 8);

    struct pkt_ip ip6 = mkip("2001:2::1", "2001:2::2");
    n = pkt_build_icmp_echo(b, sizeof b, &ip6, 0x4343, 9, 0);
    assert_int_equal(n, 48);
    assert_checksums_ok(b, n);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_ICMP);
    assert_int_equal(pi.t.proto, 58);
    assert_int_equal(pi.t.icmp_type, 128);
    assert_int_equal(pi.t.icmp_id, 0x4343);
    assert_int_equal(pi.t.icmp_seq, 9);
}

/* Wraps `inner` (quoted, possibly truncated) in an ICMP error from `from` to the inner
 * datagram's source. Returns the length. */
static size_t icmp_error(uint8_t *b, size_t cap, const char *from, uint8_t type, uint8_t code,
                         const uint8_t *inner, size_t ilen)
{
    struct pkt_ip ip;
    memset(&ip, 0, sizeof ip);
    assert_int_equal(addr_parse(from, &ip.src), 0);
    int v6 = ip.src.family == AF_INET6;
    ip.dst.family = ip.src.family;
    memcpy(ip.dst.a, inner + (v6 ? 8 : 12), v6 ? 16 : 4);
    ip.ttl = 255;
    /* Borrow the echo builder for the IP header, then replace the ICMP part. */
    size_t hl = v6 ? 40 : 20;
    assert_true(cap >= hl + 8 + ilen);
    assert_true(pkt_build_icmp_echo(b, cap, &ip, 0, 0, 0) > 0);
    uint8_t *c = b + hl;
    memset(c, 0, 8);
    c[0] = type;
    c[1] = code;
    memcpy(c + 8, inner, ilen);
    size_t l4 = 8 + ilen;
    if (v6) {
        put16(b + 4, (uint16_t)l4);
        put16(c + 2, pkt_cksum(c, l4, pseudo(b, 58, l4)));
    } else {
        put16(b + 2, (uint16_t)(hl + l4));
        put16(b + 10, 0);
        put16(b + 10, pkt_cksum(b, 20, 0));
        put16(c + 2, pkt_cksum(c, l4, 0));
    }
    assert_checksums_ok(b, hl + l4);
    return hl + l4;
}

static void check_port_unreach(const char *src, const char *dst, const char *router, uint8_t type,
                               uint8_t code)
{
    struct pkt_ip ip = mkip(src, dst);
    uint8_t probe[PKT_MAX], b[PKT_MAX];
    size_t pn = pkt_build_udp(probe, sizeof probe, &ip, 61000, 161, dns_status, 12);
    size_t n = icmp_error(b, sizeof b, router, type, code, probe, pn);
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_ICMP);
    assert_int_equal(pi.t.icmp_type, type);
    assert_int_equal(pi.t.icmp_code, code);
    assert_int_equal(pi.has_inner, 1);
    assert_true(addr_eq(&pi.inner_src, &ip.src));
    assert_true(addr_eq(&pi.inner_dst, &ip.dst));
    assert_int_equal(pi.inner.proto, 17);
    assert_int_equal(pi.inner.sport, 61000);
    assert_int_equal(pi.inner.dport, 161);
    /* Quotes truncated anywhere: never a crash; ports present once 4 bytes are. */
    size_t hl = ip.src.family == AF_INET6 ? 40 : 20;
    for (size_t q = 0; q <= pn; q++) {
        n = icmp_error(b, sizeof b, router, type, code, probe, q);
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        memcpy(copy, b, n);
        assert_int_equal(pkt_parse(copy, n, &pi), 0);
        assert_int_equal(pi.has_inner, q >= hl);
        if (q >= hl + 4)
            assert_int_equal(pi.inner.dport, 161);
        else
            assert_int_equal(pi.inner.dport, 0);
        free(copy);
    }
}

static void test_icmp_port_unreach_v4(void **state)
{
    (void)state;
    check_port_unreach("198.18.0.1", "198.18.0.2", "198.18.0.2", 3, 3);
    check_port_unreach("198.18.0.1", "198.18.0.9", "198.18.0.254", 11, 0);
}

static void test_icmp_port_unreach_v6(void **state)
{
    (void)state;
    check_port_unreach("2001:2::1", "2001:2::2", "2001:2::2", 1, 4);
    check_port_unreach("2001:2::1", "2001:2::9", "2001:2::fe", 3, 0);
}

static void test_icmp_admin_prohibited_tcp(void **state)
{
    (void)state;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    uint8_t probe[PKT_MAX], b[PKT_MAX];
    struct pkt_tcp_opts m = {.mss = 1460, .wscale = -1};
    size_t pn = pkt_build_tcp(probe, sizeof probe, &ip, 45000, 22, 0xcafef00d, 0, TH_SYN, 1024, &m,
                              NULL, 0);
    /* Routers quote the IP header plus 8 bytes of transport (RFC 792). */
    size_t n = icmp_error(b, sizeof b, "198.18.0.3", 3, 13, probe, 28);
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.t.icmp_type, 3);
    assert_int_equal(pi.t.icmp_code, 13);
    assert_int_equal(pi.has_inner, 1);
    assert_int_equal(pi.inner.proto, 6);
    assert_int_equal(pi.inner.sport, 45000);
    assert_int_equal(pi.inner.dport, 22);
    assert_int_equal(pi.inner.seq, 0xcafef00d);
    assert_int_equal(pi.inner.flags, 0); /* not quoted */
    /* A full quote also gives the flags. */
    n = icmp_error(b, sizeof b, "198.18.0.3", 3, 13, probe, pn);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.inner.flags, TH_SYN);
    /* The quote's length field is ignored (some stacks quote it byte-swapped). */
    put16(b + 28 + 2, 0x0300);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.inner.seq, 0xcafef00d);
}

static void test_icmp_quote_family_mismatch(void **state)
{
    (void)state;
    struct pkt_ip ip6 = mkip("2001:2::1", "2001:2::2");
    uint8_t probe[PKT_MAX], b[PKT_MAX];
    size_t pn = pkt_build_udp(probe, sizeof probe, &ip6, 1, 2, NULL, 0);
    /* An ICMPv4 error quoting an IPv6 datagram: outer parses, no inner. */
    struct pkt_ip ip4 = mkip("198.18.0.3", "198.18.0.1");
    size_t n = pkt_build_icmp_echo(b, sizeof b, &ip4, 0, 0, 0);
    b[20] = 3;
    b[21] = 3;
    memcpy(b + 28, probe, pn);
    put16(b + 2, (uint16_t)(n + pn));
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, n + pn, &pi), 0);
    assert_int_equal(pi.has_inner, 0);
}

/* Every prefix of every packet: return value is 0 or negative, no out-of-bounds read
 * (each prefix lives in its own heap block so ASan sees any overrun). */
static void parse_every_prefix(const uint8_t *pkt, size_t len, size_t min_ok)
{
    struct pkt_info pi;
    for (size_t i = 0; i <= len; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        assert_non_null(copy);
        memcpy(copy, pkt, i);
        int rc = pkt_parse(copy, i, &pi);
        if (i < min_ok)
            assert_true(rc < 0);
        else
            assert_int_equal(rc, 0);
        if (rc == 0 && pi.payload)
            assert_true(pi.payload + pi.payload_len <= copy + i);
        (void)pkt_parse_ether(copy, i, &pi);
        free(copy);
    }
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX], inner[PKT_MAX];
    struct pkt_ip ip4 = mkip("198.18.0.1", "198.18.0.2");
    struct pkt_ip ip6 = mkip("2001:2::1", "2001:2::2");
    struct pkt_tcp_opts o = {.mss = 1460, .wscale = 7, .sackok = 1, .tstamp = 1, .tsval = 1};
    size_t n = pkt_build_tcp(b, sizeof b, &ip4, 1, 2, 3, 4, TH_SYN, 5, &o, NULL, 0);
    parse_every_prefix(b, n, n); /* a TCP header with options must be complete */
    n = pkt_build_tcp(b, sizeof b, &ip6, 1, 2, 3, 4, TH_SYN, 5, &o, (const uint8_t *)"abc", 3);
    parse_every_prefix(b, n, n - 3);
    n = pkt_build_udp(b, sizeof b, &ip4, 1, 2, dns_status, sizeof dns_status);
    parse_every_prefix(b, n, 28);
    n = pkt_build_udp(b, sizeof b, &ip6, 1, 2, dns_status, sizeof dns_status);
    parse_every_prefix(b, n, 48);
    n = pkt_build_icmp_echo(b, sizeof b, &ip4, 1, 2, 1);
    parse_every_prefix(b, n, 28);
    n = pkt_build_icmp_echo(b, sizeof b, &ip6, 1, 2, 0);
    parse_every_prefix(b, n, 48);
    size_t in = pkt_build_udp(inner, sizeof inner, &ip6, 1, 2, dns_status, 12);
    n = icmp_error(b, sizeof b, "2001:2::2", 1, 4, inner, in);
    parse_every_prefix(b, n, 48);
    parse_every_prefix(scapy_syn4, sizeof scapy_syn4, sizeof scapy_syn4);
}

static void test_bad_ip_headers(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX];
    struct pkt_info pi;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    size_t n = pkt_build_udp(b, sizeof b, &ip, 1, 2, dns_status, 12);
    for (int ihl = 0; ihl < 5; ihl++) {
        b[0] = (uint8_t)(0x40 | ihl);
        assert_true(pkt_parse(b, n, &pi) < 0);
    }
    b[0] = 0x4f; /* 60-byte header in a 40-byte datagram */
    assert_true(pkt_parse(b, n, &pi) < 0);
    b[0] = 0x45;
    put16(b + 2, 19); /* total length below the header length */
    assert_true(pkt_parse(b, n, &pi) < 0);
    put16(b + 2, (uint16_t)n);
    b[0] = 0x55; /* version 5 */
    assert_true(pkt_parse(b, n, &pi) < 0);
    b[0] = 0x45;
    put16(b + 6, 0x0010); /* fragment offset 16: not the first fragment */
    assert_true(pkt_parse(b, n, &pi) < 0);
    put16(b + 6, 0x2000); /* first fragment, more to come: parsed */
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.t.dport, 2);
    put16(b + 6, 0x4000);
    assert_int_equal(pkt_parse(b, n, &pi), 0);
    assert_int_equal(pi.df, 1);
    /* TCP with a data offset below 5 or beyond the segment. */
    n = pkt_build_tcp(b, sizeof b, &ip, 1, 2, 3, 4, TH_SYN, 5, NULL, NULL, 0);
    b[32] = 0x40;
    assert_true(pkt_parse(b, n, &pi) < 0);
    b[32] = 0x60;
    assert_true(pkt_parse(b, n, &pi) < 0);
    assert_true(pkt_parse(NULL, 0, &pi) < 0);
}

static void test_ipv4_options(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX], o[PKT_MAX];
    struct pkt_info pi;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    size_t n = pkt_build_udp(b, sizeof b, &ip, 7, 9, dns_status, 12);
    /* Insert 4 bytes of options (NOP NOP NOP EOL): IHL 6. */
    memcpy(o, b, 20);
    memcpy(o + 20, "\x01\x01\x01\x00", 4);
    memcpy(o + 24, b + 20, n - 20);
    o[0] = 0x46;
    put16(o + 2, (uint16_t)(n + 4));
    assert_int_equal(pkt_parse(o, n + 4, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_UDP);
    assert_int_equal(pi.t.sport, 7);
    assert_int_equal(pi.t.dport, 9);
    assert_int_equal(pi.payload_len, 12);
}

/* Inserts an IPv6 extension header of `elen` bytes (type `nh`) after the fixed header. */
static size_t insert_ext6(uint8_t *out, const uint8_t *pkt, size_t n, uint8_t type,
                          const uint8_t *ext, size_t elen)
{
    memcpy(out, pkt, 40);
    memcpy(out + 40, ext, elen);
    out[40] = pkt[6]; /* the extension header's next header: the old one */
    memcpy(out + 40 + elen, pkt + 40, n - 40);
    out[6] = type;
    put16(out + 4, (uint16_t)(get16(pkt + 4) + elen));
    return n + elen;
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX], x[PKT_MAX], y[PKT_MAX];
    struct pkt_info pi;
    struct pkt_ip ip = mkip("2001:2::1", "2001:2::2");
    size_t n = pkt_build_udp(b, sizeof b, &ip, 5353, 53, dns_status, 12);
    /* Hop-by-hop with a PadN option (8 bytes). */
    const uint8_t hbh[8] = {0, 0, 1, 4, 0, 0, 0, 0};
    size_t m = insert_ext6(x, b, n, 0, hbh, sizeof hbh);
    assert_int_equal(pkt_parse(x, m, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_UDP);
    assert_int_equal(pi.t.dport, 53);
    assert_int_equal(pi.payload_len, 12);
    /* Destination options of 16 bytes (hdr ext len 1) in front of the hop-by-hop. */
    uint8_t dst[16] = {0, 1, 1, 12};
    size_t k = insert_ext6(y, x, m, 60, dst, sizeof dst);
    assert_int_equal(pkt_parse(y, k, &pi), 0);
    assert_int_equal(pi.t.sport, 5353);
    for (size_t i = 0; i <= k; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, y, i);
        assert_int_equal(pkt_parse(copy, i, &pi) == 0, i >= k - 12);
        free(copy);
    }
    /* An extension header longer than the datagram. */
    y[41] = 200;
    assert_true(pkt_parse(y, k, &pi) < 0);
    /* Fragment header: first fragment parsed, later ones refused. */
    uint8_t frag[8] = {0, 0, 0x00, 0x01, 0, 0, 0, 42}; /* offset 0, M=1 */
    m = insert_ext6(x, b, n, 44, frag, sizeof frag);
    assert_int_equal(pkt_parse(x, m, &pi), 0);
    assert_int_equal(pi.t.dport, 53);
    x[42] = 0x01; /* offset 32 */
    assert_true(pkt_parse(x, m, &pi) < 0);
    /* Routing header of 8 bytes, then an unknown upper layer. */
    const uint8_t rh[8] = {0, 0, 0, 0};
    m = insert_ext6(x, b, n, 43, rh, sizeof rh);
    x[40] = 143;
    assert_int_equal(pkt_parse(x, m, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_OTHER);
    assert_int_equal(pi.t.proto, 143);
}

static void test_ethernet_vlan(void **state)
{
    (void)state;
    uint8_t b[PKT_MAX], f[PKT_MAX + 32];
    struct pkt_info pi;
    struct pkt_ip ip = mkip("198.18.0.1", "198.18.0.2");
    size_t n = pkt_build_udp(b, sizeof b, &ip, 1, 2, dns_status, 12);
    memset(f, 0xaa, 12);
    /* Untagged. */
    put16(f + 12, 0x0800);
    memcpy(f + 14, b, n);
    assert_int_equal(pkt_parse_ether(f, 14 + n, &pi), 0);
    assert_int_equal(pi.t.dport, 2);
    /* Single 802.1Q tag, VLAN 100, and Ethernet padding to 60 bytes + junk. */
    put16(f + 12, 0x8100);
    put16(f + 14, 100);
    put16(f + 16, 0x0800);
    memcpy(f + 18, b, n);
    memset(f + 18 + n, 0, 20);
    assert_int_equal(pkt_parse_ether(f, 18 + n + 20, &pi), 0);
    assert_int_equal(pi.l4, PKT_L4_UDP);
    assert_int_equal(pi.t.sport, 1);
    assert_int_equal(pi.payload_len, 12);
    /* QinQ: 802.1ad outer, 802.1Q inner. */
    put16(f + 12, 0x88a8);
    put16(f + 14, 10);
    put16(f + 16, 0x8100);
    put16(f + 18, 20);
    put16(f + 20, 0x0800);
    memcpy(f + 22, b, n);
    assert_int_equal(pkt_parse_ether(f, 22 + n, &pi), 0);
    assert_int_equal(pi.t.dport, 2);
    for (size_t i = 0; i < 22 + n; i++) {
        uint8_t *copy = malloc(i ? i : 1);
        memcpy(copy, f, i);
        assert_true(pkt_parse_ether(copy, i, &pi) < 0 || i >= 22 + 28);
        free(copy);
    }
    /* IPv6 EtherType carrying an IPv4 packet, ARP, and runaway tag stacks. */
    put16(f + 20, 0x86dd);
    assert_true(pkt_parse_ether(f, 22 + n, &pi) < 0);
    put16(f + 12, 0x0806);
    assert_true(pkt_parse_ether(f, 22 + n, &pi) < 0);
    for (int i = 0; i < 16; i++)
        put16(f + 12 + 4 * i, 0x8100);
    assert_true(pkt_parse_ether(f, 12 + 64 + 2, &pi) < 0);
    /* IPv6 over Ethernet. */
    struct pkt_ip ip6 = mkip("2001:2::1", "2001:2::2");
    n = pkt_build_udp(b, sizeof b, &ip6, 3, 4, NULL, 0);
    put16(f + 12, 0x86dd);
    memcpy(f + 14, b, n);
    assert_int_equal(pkt_parse_ether(f, 14 + n, &pi), 0);
    assert_int_equal(pi.src.family, AF_INET6);
    assert_int_equal(pi.t.dport, 4);
}

/* ---- the kernel accepts what we build (root only, 127.0.0.1 only) ------------------ */

static int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, ms) == 1;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    return ntohs(a.sin_port);
}

static int open_raw_or_skip(void)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        print_message("skipped: raw sockets need root/CAP_NET_RAW (%s)\n", strerror(errno));
        skip();
    }
    return fd;
}

static void send_raw(int raw, const uint8_t *b, size_t n)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(sendto(raw, b, n, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)n);
}

/* A UDP datagram built by pkt_build_udp reaches a socket bound on 127.0.0.1; the same
 * datagram with its checksum damaged does not (the kernel verifies, so the first
 * delivery is evidence that our checksum is right). */
static void test_kernel_accepts_udp(void **state)
{
    (void)state;
    int raw = open_raw_or_skip();
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(u >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof a), 0);
    uint16_t port = bound_port(u);
    struct pkt_ip ip = mkip("127.0.0.1", "127.0.0.1");
    ip.ip_id = (uint16_t)getpid();
    uint8_t b[PKT_MAX], r[64];
    const uint8_t msg[] = "portreeve-odd-length";
    size_t n = pkt_build_udp(b, sizeof b, &ip, 40001, port, msg, sizeof msg - 2); /* odd */

    uint16_t good = get16(b + 26);
    put16(b + 26, good == 0x1234 ? 0x4321 : 0x1234); /* damaged checksum: dropped */
    send_raw(raw, b, n);
    assert_false(wait_readable(u, 300));
    put16(b + 26, good);
    send_raw(raw, b, n);
    assert_true(wait_readable(u, 2000));
    ssize_t got = recv(u, r, sizeof r, 0);
    assert_int_equal(got, (ssize_t)(sizeof msg - 2));
    assert_memory_equal(r, msg, sizeof msg - 2);
    close(u);
    close(raw);
}

/* A SYN built by pkt_build_tcp to a listener on 127.0.0.1 draws a SYN-ACK that
 * acknowledges our sequence number (seen through a raw IPPROTO_TCP socket). */
static void test_kernel_accepts_syn(void **state)
{
    (void)state;
    int raw = open_raw_or_skip();
    int sniff = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
    assert_true(sniff >= 0);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 4), 0);
    uint16_t port = bound_port(l);
    /* A source port nobody listens on; the kernel answers our SYN-ACK's arrival there
     * with a RST to the listener, which is harmless. */
    uint16_t sport = (uint16_t)(20000 + getpid() % 20000);
    struct pkt_ip ip = mkip("127.0.0.1", "127.0.0.1");
    struct pkt_tcp_opts o = {.mss = 1460, .wscale = 7, .sackok = 1, .tstamp = 1, .tsval = 99};
    uint8_t b[PKT_MAX], r[PKT_MAX];
    size_t n =
        pkt_build_tcp(b, sizeof b, &ip, sport, port, 0x10203040, 0, TH_SYN, 1024, &o, NULL, 0);
    send_raw(raw, b, n);
    int seen = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 1000 && !seen; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long left = 2000 - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || !wait_readable(sniff, (int)left))
            break;
        ssize_t got = recv(sniff, r, sizeof r, 0);
        struct pkt_info pi;
        if (got > 0 && pkt_parse(r, (size_t)got, &pi) == 0 && pi.l4 == PKT_L4_TCP &&
            pi.t.sport == port && pi.t.dport == sport)
            seen = pi.t.flags == (TH_SYN | TH_ACK) && pi.t.ack == 0x10203041;
    }
    assert_true(seen);
    close(l);
    close(sniff);
    close(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn4_matches_scapy),
        cmocka_unit_test(test_udp6_matches_scapy),
        cmocka_unit_test(test_cksum_basics),
        cmocka_unit_test(test_csum_check),
        cmocka_unit_test(test_syn_roundtrip_v4),
        cmocka_unit_test(test_syn_roundtrip_v6),
        cmocka_unit_test(test_tcp_option_layouts),
        cmocka_unit_test(test_build_limits),
        cmocka_unit_test(test_udp_roundtrip_v4),
        cmocka_unit_test(test_udp_roundtrip_v6),
        cmocka_unit_test(test_icmp_echo),
        cmocka_unit_test(test_icmp_port_unreach_v4),
        cmocka_unit_test(test_icmp_port_unreach_v6),
        cmocka_unit_test(test_icmp_admin_prohibited_tcp),
        cmocka_unit_test(test_icmp_quote_family_mismatch),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_bad_ip_headers),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ethernet_vlan),
        cmocka_unit_test(test_kernel_accepts_udp),
        cmocka_unit_test(test_kernel_accepts_syn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
