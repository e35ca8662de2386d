/* event.h — the one event model of the detector.
 *
 * Every input (live capture, capture file, firewall log line) is turned into a
 * `struct det_event`: one IP packet as the detector needs it, with the fields that
 * decide outcomes (flags, ICMP errors and the datagram they quote) and the traits
 * that hint at the tool (IP ID, window, TCP options, TTL). Producers: capture.c
 * (packets and ARP bindings) and fwlog.c (kernel LOG lines). Consumer: engine.c. Plain value
 * type. */
#ifndef PR_DETECT_EVENT_H
#define PR_DETECT_EVENT_H

#include "core/addr.h"
#include "net/packet.h"

#include <stdint.h>

/* DET_ORIG_BIND: not a datagram but an address-to-MAC binding learned from an ARP packet
 * (src is the sender's protocol address, src_mac its hardware address; nothing else set). */
enum det_origin { DET_ORIG_PACKET = 0, DET_ORIG_FWLOG, DET_ORIG_BIND };

#define DET_PROTO_ICMP 1
#define DET_PROTO_TCP 6
#define DET_PROTO_UDP 17
#define DET_PROTO_ICMP6 58

struct det_event {
    uint64_t ts_us; /* microseconds since the epoch (or since boot for dmesg lines) */
    enum det_origin origin;
    struct pr_addr src, dst;
    uint8_t proto; /* IP protocol number */
    uint8_t ttl;
    uint8_t has_ip_id; /* IPv4 only */
    uint16_t ip_id;
    uint16_t sport, dport; /* TCP/UDP */
    uint8_t flags;         /* TCP flags (TH_*) */
    uint16_t window;
    uint32_t seq, ack;
    uint16_t mss;       /* 0: no MSS option seen */
    uint8_t nopts;      /* number of TCP option kinds (LOG lines: from OPT (...)) */
    uint32_t opt_mask;  /* bit k set when option kind k (< 32) is present */
    uint8_t opts_known; /* 1 when the options were visible (packets; LOG lines with OPT or LEN) */
    uint8_t seq_known;  /* LOG lines: 1 when SEQ= was logged (packets: always known) */
    int16_t tcp_extra;  /* LOG lines without OPT: TCP option + payload bytes that LEN= implies
                           (-1 unknown; packets: unused, see opts_known) */
    uint32_t payload_len;
    uint8_t icmp_type, icmp_code;
    uint16_t icmp_id; /* echo/timestamp identifier */
    /* ICMP errors: the quoted datagram (sent by the receiver of this error) */
    uint8_t has_inner;
    struct pr_addr inner_src, inner_dst;
    uint8_t inner_proto;
    uint16_t inner_sport, inner_dport;
    /* the Ethernet source of the frame (has_mac 0 for fwlog lines and link types without
     * one: raw IP, loopback, Linux cooked) */
    uint8_t has_mac;
    uint8_t src_mac[6];
    /* the IP datagram itself, inside the capture's frame buffer (valid until the next
     * event of that capture; NULL for fwlog lines and bindings): for passive OS
     * fingerprints and the asset inventory */
    const uint8_t *ip;
    uint32_t ip_len;
};

/* Fills ev from a parsed packet seen at ts_us. */
void det_event_from_pkt(const struct pkt_info *p, uint64_t ts_us, struct det_event *ev);

/* True for an ICMP/ICMPv6 echo or timestamp request. */
int det_event_is_ping(const struct det_event *ev);
/* True for an ICMP/ICMPv6 destination-unreachable (or v6 equivalent) error. */
int det_event_is_unreach(const struct det_event *ev);

#endif
