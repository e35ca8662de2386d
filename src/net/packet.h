/* packet.h — build and parse IPv4/IPv6 packets with TCP, UDP, ICMP and ICMPv6.
 *
 * Pure functions over caller-owned buffers: no I/O, no allocation, no globals, so the
 * engine, the detector, the unit tests and the fuzz targets share them. Builders
 * write a complete IP datagram (header included) with correct checksums and return
 * its length, or 0 when `cap` is too small. The parser takes a datagram starting at
 * the IP header, reads every field byte-wise after checking the length, and never
 * reads past `len`. */
#ifndef PR_NET_PACKET_H
#define PR_NET_PACKET_H

#include "core/addr.h"

#include <stddef.h>
#include <stdint.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define PKT_MAX 1600

/* What every probe shares: addresses and IP-level fields. */
struct pkt_ip {
    struct pr_addr src, dst; /* same family */
    uint8_t ttl;             /* hop limit for IPv6 */
    uint16_t ip_id;          /* IPv4 only */
};

struct pkt_tcp_opts {
    uint16_t mss;   /* 0: no MSS option */
    int8_t wscale;  /* -1: none */
    uint8_t sackok; /* SACK permitted */
    uint8_t tstamp; /* timestamp option with tsval */
    uint32_t tsval;
};

/* TCP segment with the given flags; opts may be NULL (no options). */
size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                     const struct pkt_tcp_opts *opts, const uint8_t *data, size_t dlen);
/* UDP datagram carrying data (may be empty). */
size_t pkt_build_udp(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t sport,
                     uint16_t dport, const uint8_t *data, size_t dlen);
/* ICMP (v4) or ICMPv6 echo request; or ICMPv4 timestamp request when `timestamp`. */
size_t pkt_build_icmp_echo(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t id,
                           uint16_t seq, int timestamp);

/* Internet checksum over a buffer, seeded with a partial sum (pseudo-header). */
uint16_t pkt_cksum(const uint8_t *p, size_t len, uint32_t sum);

enum pkt_l4 { PKT_L4_NONE = 0, PKT_L4_TCP, PKT_L4_UDP, PKT_L4_ICMP, PKT_L4_OTHER };

/* The transport header of a datagram, or of the datagram quoted in an ICMP error. */
struct pkt_l4info {
    uint8_t proto; /* IP protocol number (6, 17, 1, 58, ...) */
    uint16_t sport, dport;
    uint32_t seq, ack;            /* TCP; only seq is guaranteed in a quoted header (8 bytes) */
    uint8_t flags;                /* TCP */
    uint16_t window;              /* TCP */
    uint8_t icmp_type, icmp_code; /* ICMP/ICMPv6 */
    uint16_t icmp_id, icmp_seq;   /* echo/timestamp */
};

struct pkt_info {
    struct pr_addr src, dst;
    uint8_t ttl;
    uint16_t ip_id;  /* IPv4 */
    uint8_t df;      /* IPv4 don't-fragment */
    uint16_t ip_len; /* total length from the header */
    enum pkt_l4 l4;
    struct pkt_l4info t;    /* transport of this datagram */
    const uint8_t *payload; /* TCP/UDP payload within buf, or NULL */
    size_t payload_len;
    /* TCP options seen (for tool fingerprints); 0 when absent */
    uint16_t tcp_mss;
    uint8_t tcp_nopts; /* options seen, wire order, NOP (1) and EOL (0) included; max 16 */
    uint8_t tcp_optkinds[16];
    /* ICMP errors (dest unreachable, time exceeded, ...): the quoted datagram */
    int has_inner;
    struct pr_addr inner_src, inner_dst;
    struct pkt_l4info inner;
};

/* Parses a datagram starting at its IP header. Returns 0 on success, or a negative
 * value for a packet too short, of unknown version, with a bad header length, or
 * fragmented beyond the first fragment. Checksums are not verified here (pkt_csum_check). */
int pkt_parse(const uint8_t *buf, size_t len, struct pkt_info *out);

/* pkt_csum_check() flags:
 * PKT_CSUM_L4: verify the TCP, UDP, ICMP or ICMPv6 checksum too;
 * PKT_CSUM_PARTIAL: accept a TCP/UDP checksum field that holds only the folded
 *   pseudo-header sum: a packet sent by this host whose checksum the NIC was to finish
 *   (CHECKSUM_PARTIAL), as captures of its own traffic show;
 * PKT_CSUM_TCP_BARE: verify TCP checksums only of segments without data (libpcap hands
 *   over GRO-merged segments with the first one's checksum);
 * PKT_CSUM_IP_UNSET: accept an IPv4 header checksum field of 0 (never filled in: captures
 *   taken where the header is not finished yet show it) when the TCP or UDP checksum,
 *   verified in full whatever the other flags, proves the datagram. */
#define PKT_CSUM_L4 1
#define PKT_CSUM_PARTIAL 2
#define PKT_CSUM_TCP_BARE 4
#define PKT_CSUM_IP_UNSET 8

enum { PKT_CSUM_OK = 0, PKT_CSUM_BAD_IP = -1, PKT_CSUM_BAD_L4 = -2 };

/* Verifies the checksums of a datagram starting at its IP header, len bytes of it
 * present: the IPv4 header checksum always, the transport checksum with PKT_CSUM_L4
 * when the whole transport segment is present (a capture cut short, a later fragment,
 * or another protocol: not checked). A packet pkt_parse() refuses is not judged here.
 * Returns PKT_CSUM_OK, PKT_CSUM_BAD_IP or PKT_CSUM_BAD_L4. */
int pkt_csum_check(const uint8_t *buf, size_t len, unsigned flags);

/* Makes the TCP or UDP checksum of a datagram we built wrong (--badsum: a host drops
 * such a probe, so an answer comes from a middlebox that does not check); never 0, which
 * means "no checksum" in UDP. Other datagrams are left alone. */
void pkt_spoil_cksum(uint8_t *buf, size_t len);

/* Rewrites the source address of a datagram we built (a decoy's copy of a probe) and
 * updates the IPv4 header checksum and the TCP, UDP or ICMPv6 checksum to match, a
 * deliberately wrong one (--badsum) staying wrong by the same amount. Returns 0, or -1
 * when buf is no datagram or src is of another family. */
int pkt_set_src(uint8_t *buf, size_t len, const struct pr_addr *src);

/* Same, for a frame that starts with an Ethernet header (VLAN tags skipped). */
int pkt_parse_ether(const uint8_t *buf, size_t len, struct pkt_info *out);
/* Where the IPv4/IPv6 datagram of an Ethernet frame starts: 0 with *off set, or -1. */
int pkt_ether_ip(const uint8_t *buf, size_t len, size_t *off);

#endif
