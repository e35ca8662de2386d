/* packet.c — build and parse IPv4/IPv6 datagrams with TCP, UDP, ICMP and ICMPv6.
 *
 * See packet.h for the contract. Every multi-byte field is read and written one byte
 * at a time in network order (no casts of the buffer to wider types: the checksum code
 * is where type punning bites under -O2 strict aliasing). Every length that comes from
 * the wire is checked against the bytes actually present before it is used. */
#include "net/packet.h"

#include <string.h>

enum {
    IP4_HDR = 20,
    IP6_HDR = 40,
    TCP_HDR = 20,
    UDP_HDR = 8,
    ICMP_HDR = 8,
    ICMP_TS_LEN = 20,
    TCP_OPT_MAX = 40,
    MAX_EXT_HDRS = 16, /* IPv6 extension headers followed before giving up */
    MAX_VLAN_TAGS = 4,
};

enum {
    PROTO_HOPOPTS = 0,
    PROTO_ICMP = 1,
    PROTO_TCP = 6,
    PROTO_UDP = 17,
    PROTO_ROUTING = 43,
    PROTO_FRAGMENT = 44,
    PROTO_AH = 51,
    PROTO_ICMPV6 = 58,
    PROTO_DSTOPTS = 60,
};

/* ---- byte-wise big-endian helpers ------------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- checksums ---------------------------------------------------------------------- */

/* Adds the bytes as big-endian 16-bit words to sum, without folding. A trailing odd
 * byte is padded with zero. Folds often enough that the 32-bit sum cannot overflow. */
static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
    size_t i = 0;
    while (i + 1 < len) {
        sum += (uint32_t)p[i] << 8 | p[i + 1];
        i += 2;
        if ((i & 0xfffe) == 0) /* every 64 KiB: fold to keep headroom */
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (i < len)
        sum += (uint32_t)p[i] << 8;
    return sum;
}

uint16_t pkt_cksum(const uint8_t *p, size_t len, uint32_t sum)
{
    sum = (sum & 0xffff) + (sum >> 16); /* leave headroom for the caller's seed */
    sum = sum_bytes(p, len, sum);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Partial sum of the TCP/UDP/ICMPv6 pseudo-header for the given addresses. */
static uint32_t pseudo_sum(const struct pkt_ip *ip, uint8_t proto, size_t l4len)
{
    uint32_t sum = 0;
    if (ip->src.family == AF_INET6) {
        sum = sum_bytes(ip->src.a, 16, sum);
        sum = sum_bytes(ip->dst.a, 16, sum);
        sum += (uint32_t)(l4len >> 16) & 0xffff;
        sum += (uint32_t)l4len & 0xffff;
    } else {
        sum = sum_bytes(ip->src.a, 4, sum);
        sum = sum_bytes(ip->dst.a, 4, sum);
        sum += (uint32_t)l4len & 0xffff;
    }
    sum += proto;
    return sum;
}

/* ---- builders ----------------------------------------------------------------------- */

static size_t ip_hdr_len(const struct pkt_ip *ip)
{
    if (ip->src.family != ip->dst.family)
        return 0;
    if (ip->src.family == AF_INET)
        return IP4_HDR;
    if (ip->src.family == AF_INET6)
        return IP6_HDR;
    return 0;
}

/* Writes the IP header for an l4len-byte payload of protocol proto; returns its length or
 * 0 when the total does not fit the header's length field or the buffer. */
static size_t write_ip(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint8_t proto,
                       size_t l4len)
{
    size_t hl = ip_hdr_len(ip);
    if (hl == 0 || l4len > 65535 - IP4_HDR || cap < hl || cap - hl < l4len)
        return 0;
    if (hl == IP4_HDR) {
        buf[0] = 0x45;
        buf[1] = 0;
        put16(buf + 2, (uint16_t)(IP4_HDR + l4len));
        put16(buf + 4, ip->ip_id);
        put16(buf + 6, 0); /* no flags, offset 0 */
        buf[8] = ip->ttl;
        buf[9] = proto;
        put16(buf + 10, 0);
        memcpy(buf + 12, ip->src.a, 4);
        memcpy(buf + 16, ip->dst.a, 4);
        put16(buf + 10, pkt_cksum(buf, IP4_HDR, 0));
    } else {
        put32(buf, 6u << 28); /* version 6, traffic class 0, flow label 0 */
        put16(buf + 4, (uint16_t)l4len);
        buf[6] = proto;
        buf[7] = ip->ttl;
        memcpy(buf + 8, ip->src.a, 16);
        memcpy(buf + 24, ip->dst.a, 16);
    }
    return hl;
}

/* Writes TCP options in the order Linux uses for a SYN; returns their length (a
 * multiple of 4, at most TCP_OPT_MAX). */
static size_t write_tcp_opts(uint8_t *o, const struct pkt_tcp_opts *opts)
{
    size_t n = 0;
    if (!opts)
        return 0;
    if (opts->mss) {
        o[n++] = 2;
        o[n++] = 4;
        put16(o + n, opts->mss);
        n += 2;
    }
    if (opts->tstamp) {
        if (opts->sackok) {
            o[n++] = 4;
            o[n++] = 2;
        } else {
            o[n++] = 1;
            o[n++] = 1;
        }
        o[n++] = 8;
        o[n++] = 10;
        put32(o + n, opts->tsval);
        put32(o + n + 4, 0); /* tsecr */
        n += 8;
    } else if (opts->sackok) {
        o[n++] = 1;
        o[n++] = 1;
        o[n++] = 4;
        o[n++] = 2;
    }
    if (opts->wscale >= 0) {
        o[n++] = 1;
        o[n++] = 3;
        o[n++] = 3;
        o[n++] = (uint8_t)(opts->wscale > 14 ? 14 : opts->wscale);
    }
    while (n % 4) /* cannot happen with the layouts above; keeps the invariant local */
        o[n++] = 0;
    return n;
}

size_t pkt_build_tcp(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window,
                     const struct pkt_tcp_opts *opts, const uint8_t *data, size_t dlen)
{
    uint8_t o[TCP_OPT_MAX];
    size_t olen = write_tcp_opts(o, opts);
    size_t thl = TCP_HDR + olen;
    if (dlen > 65535 || (dlen && !data))
        return 0;
    size_t hl = write_ip(buf, cap, ip, PROTO_TCP, thl + dlen);
    if (hl == 0)
        return 0;
    uint8_t *t = buf + hl;
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)((thl / 4) << 4);
    t[13] = flags;
    put16(t + 14, window);
    put16(t + 16, 0);
    put16(t + 18, 0);
    if (olen)
        memcpy(t + TCP_HDR, o, olen);
    if (dlen)
        memcpy(t + thl, data, dlen);
    uint32_t ps = pseudo_sum(ip, PROTO_TCP, thl + dlen);
    put16(t + 16, pkt_cksum(t, thl + dlen, ps));
    return hl + thl + dlen;
}

size_t pkt_build_udp(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t sport,
                     uint16_t dport, const uint8_t *data, size_t dlen)
{
    if (dlen > 65535 - IP4_HDR - UDP_HDR || (dlen && !data))
        return 0;
    size_t ulen = UDP_HDR + dlen;
    size_t hl = write_ip(buf, cap, ip, PROTO_UDP, ulen);
    if (hl == 0)
        return 0;
    uint8_t *u = buf + hl;
    put16(u, sport);
    put16(u + 2, dport);
    put16(u + 4, (uint16_t)ulen);
    put16(u + 6, 0);
    if (dlen)
        memcpy(u + UDP_HDR, data, dlen);
    uint16_t c = pkt_cksum(u, ulen, pseudo_sum(ip, PROTO_UDP, ulen));
    put16(u + 6, c == 0 ? 0xffff : c); /* 0 means "no checksum" in UDP */
    return hl + ulen;
}

size_t pkt_build_icmp_echo(uint8_t *buf, size_t cap, const struct pkt_ip *ip, uint16_t id,
                           uint16_t seq, int timestamp)
{
    int v6 = ip->src.family == AF_INET6;
    if (v6 && timestamp)
        return 0; /* ICMPv6 has no timestamp request */
    size_t len = timestamp ? ICMP_TS_LEN : ICMP_HDR;
    size_t hl = write_ip(buf, cap, ip, v6 ? PROTO_ICMPV6 : PROTO_ICMP, len);
    if (hl == 0)
        return 0;
    uint8_t *c = buf + hl;
    memset(c, 0, len);
    c[0] = v6 ? 128 : (timestamp ? 13 : 8);
    c[1] = 0;
    put16(c + 4, id);
    put16(c + 6, seq);
    uint32_t seed = v6 ? pseudo_sum(ip, PROTO_ICMPV6, len) : 0;
    put16(c + 2, pkt_cksum(c, len, seed));
    return hl + len;
}

/* ---- parser ------------------------------------------------------------------------- */

/* Where the transport header of an IP datagram starts, after the IP header (and IPv6
 * extension headers). */
struct l3 {
    uint8_t family;
    uint8_t proto;
    size_t off; /* offset of the transport header */
    size_t end; /* end of the datagram within the buffer (<= buffer length) */
    int later_fragment;
    int fragment; /* any fragment (IPv4 MF or offset, an IPv6 fragment header) */
};

/* Parses an IPv4 header. Returns 0, or -1 when the header is short or inconsistent.
 * With `quoted` (the datagram inside an ICMP error), the length field describes the
 * original datagram, which some stacks even quote byte-swapped, so it is not used. */
static int parse_ip4(const uint8_t *b, size_t len, int quoted, struct l3 *l, struct pkt_info *out)
{
    if (len < IP4_HDR || b[0] >> 4 != 4)
        return -1;
    size_t ihl = (size_t)(b[0] & 0x0f) * 4;
    if (ihl < IP4_HDR || ihl > len)
        return -1;
    size_t tot = get16(b + 2);
    if (quoted)
        tot = len;
    if (tot < ihl)
        return -1;
    uint16_t frag = get16(b + 6);
    l->family = AF_INET;
    l->proto = b[9];
    l->off = ihl;
    l->end = tot < len ? tot : len;
    l->later_fragment = (frag & 0x1fff) != 0;
    l->fragment = (frag & 0x3fff) != 0;
    if (out) {
        out->src.family = AF_INET;
        memcpy(out->src.a, b + 12, 4);
        out->dst.family = AF_INET;
        memcpy(out->dst.a, b + 16, 4);
        out->ttl = b[8];
        out->ip_id = get16(b + 4);
        out->df = (frag & 0x4000) != 0;
        out->ip_len = (uint16_t)tot;
    }
    return 0;
}

/* Parses an IPv6 header and skips hop-by-hop, routing, destination-options,
 * authentication and fragment headers. Returns 0, or -1 when a header runs past the
 * data present. */
static int parse_ip6(const uint8_t *b, size_t len, int quoted, struct l3 *l, struct pkt_info *out)
{
    if (len < IP6_HDR || b[0] >> 4 != 6)
        return -1;
    size_t plen = get16(b + 4);
    size_t tot = quoted ? len : IP6_HDR + plen;
    l->family = AF_INET6;
    l->end = tot < len ? tot : len;
    l->later_fragment = 0;
    l->fragment = 0;
    if (out) {
        out->src.family = AF_INET6;
        memcpy(out->src.a, b + 8, 16);
        out->dst.family = AF_INET6;
        memcpy(out->dst.a, b + 24, 16);
        out->ttl = b[7];
        out->ip_len = (uint16_t)(tot > 65535 ? 65535 : tot);
    }
    uint8_t nh = b[6];
    size_t off = IP6_HDR;
    for (int i = 0; i < MAX_EXT_HDRS; i++) {
        size_t hlen;
        if (nh != PROTO_HOPOPTS && nh != PROTO_ROUTING && nh != PROTO_DSTOPTS &&
            nh != PROTO_FRAGMENT && nh != PROTO_AH)
            break;
        if (l->end - off < 8)
            return -1;
        const uint8_t *h = b + off;
        if (nh == PROTO_FRAGMENT) {
            hlen = 8;
            l->fragment = 1;
            if ((get16(h + 2) >> 3) != 0)
                l->later_fragment = 1;
        } else if (nh == PROTO_AH) {
            hlen = ((size_t)h[1] + 2) * 4;
        } else {
            hlen = ((size_t)h[1] + 1) * 8;
        }
        if (hlen > l->end - off)
            return -1;
        nh = h[0];
        off += hlen;
        if (l->later_fragment)
            break;
    }
    l->proto = nh;
    l->off = off;
    return 0;
}

static int parse_l3(const uint8_t *b, size_t len, int quoted, struct l3 *l, struct pkt_info *out)
{
    if (len < 1)
        return -1;
    switch (b[0] >> 4) {
    case 4:
        return parse_ip4(b, len, quoted, l, out);
    case 6:
        return parse_ip6(b, len, quoted, l, out);
    default:
        return -1;
    }
}

static int is_icmp_error(uint8_t family, uint8_t type)
{
    if (family == AF_INET)
        return type == 3 || type == 11 || type == 12;
    return type == 1 || type == 3 || type == 4;
}

static int is_icmp_echoish(uint8_t family, uint8_t type)
{
    if (family == AF_INET)
        return type == 0 || type == 8 || type == 13 || type == 14;
    return type == 128 || type == 129;
}

static uint8_t icmp_proto(uint8_t family)
{
    return family == AF_INET ? PROTO_ICMP : PROTO_ICMPV6;
}

/* Reads the quoted datagram of an ICMP error. Whatever part of the transport header is
 * present is filled in; a quote too short for its IP header leaves has_inner at 0. */
static void parse_inner(const uint8_t *b, size_t len, uint8_t outer_family, struct pkt_info *out)
{
    struct l3 l;
    if (len < 1 || (outer_family == AF_INET ? 4 : 6) != b[0] >> 4)
        return;
    if (parse_l3(b, len, 1, &l, NULL) < 0)
        return;
    struct pkt_l4info *t = &out->inner;
    out->has_inner = 1;
    out->inner_src.family = out->inner_dst.family = l.family;
    if (l.family == AF_INET) {
        memcpy(out->inner_src.a, b + 12, 4);
        memcpy(out->inner_dst.a, b + 16, 4);
    } else {
        memcpy(out->inner_src.a, b + 8, 16);
        memcpy(out->inner_dst.a, b + 24, 16);
    }
    t->proto = l.proto;
    if (l.later_fragment)
        return;
    const uint8_t *p = b + l.off;
    size_t n = l.end - l.off;
    if (l.proto == PROTO_TCP || l.proto == PROTO_UDP) {
        if (n >= 4) {
            t->sport = get16(p);
            t->dport = get16(p + 2);
        }
        if (l.proto == PROTO_TCP) {
            if (n >= 8)
                t->seq = get32(p + 4);
            if (n >= 12)
                t->ack = get32(p + 8);
            if (n >= 14)
                t->flags = p[13];
            if (n >= 16)
                t->window = get16(p + 14);
        }
    } else if (l.proto == icmp_proto(l.family)) {
        if (n >= 2) {
            t->icmp_type = p[0];
            t->icmp_code = p[1];
        }
        if (n >= 8 && is_icmp_echoish(l.family, p[0])) {
            t->icmp_id = get16(p + 4);
            t->icmp_seq = get16(p + 6);
        }
    }
}

static void parse_tcp_opts(const uint8_t *o, size_t n, struct pkt_info *out)
{
    size_t i = 0;
    while (i < n) {
        uint8_t kind = o[i];
        if (out->tcp_nopts < sizeof out->tcp_optkinds)
            out->tcp_optkinds[out->tcp_nopts++] = kind;
        if (kind == 0) /* end of option list */
            break;
        if (kind == 1) { /* NOP */
            i++;
            continue;
        }
        if (n - i < 2)
            break;
        size_t olen = o[i + 1];
        if (olen < 2 || olen > n - i)
            break; /* malformed: stop, keep what was read */
        if (kind == 2 && olen == 4)
            out->tcp_mss = get16(o + i + 2);
        i += olen;
    }
}

/* Parses the transport header at p (n bytes present). Returns 0 or -1 when a header
 * the datagram claims is not complete. */
static int parse_l4(const uint8_t *p, size_t n, uint8_t family, uint8_t proto, struct pkt_info *out)
{
    struct pkt_l4info *t = &out->t;
    t->proto = proto;
    if (proto == PROTO_TCP) {
        if (n < TCP_HDR)
            return -1;
        size_t doff = (size_t)(p[12] >> 4) * 4;
        if (doff < TCP_HDR || doff > n)
            return -1;
        out->l4 = PKT_L4_TCP;
        t->sport = get16(p);
        t->dport = get16(p + 2);
        t->seq = get32(p + 4);
        t->ack = get32(p + 8);
        t->flags = p[13];
        t->window = get16(p + 14);
        parse_tcp_opts(p + TCP_HDR, doff - TCP_HDR, out);
        out->payload = p + doff;
        out->payload_len = n - doff;
        return 0;
    }
    if (proto == PROTO_UDP) {
        if (n < UDP_HDR)
            return -1;
        size_t ulen = get16(p + 4);
        out->l4 = PKT_L4_UDP;
        t->sport = get16(p);
        t->dport = get16(p + 2);
        out->payload = p + UDP_HDR;
        out->payload_len = (ulen >= UDP_HDR && ulen <= n) ? ulen - UDP_HDR : n - UDP_HDR;
        return 0;
    }
    if (proto == icmp_proto(family)) {
        if (n < ICMP_HDR)
            return -1;
        out->l4 = PKT_L4_ICMP;
        t->icmp_type = p[0];
        t->icmp_code = p[1];
        if (is_icmp_echoish(family, p[0])) {
            t->icmp_id = get16(p + 4);
            t->icmp_seq = get16(p + 6);
        } else if (is_icmp_error(family, p[0])) {
            parse_inner(p + ICMP_HDR, n - ICMP_HDR, family, out);
        }
        return 0;
    }
    out->l4 = PKT_L4_OTHER;
    return 0;
}

int pkt_parse(const uint8_t *buf, size_t len, struct pkt_info *out)
{
    struct l3 l;
    memset(out, 0, sizeof *out);
    if (!buf || parse_l3(buf, len, 0, &l, out) < 0)
        return -1;
    if (l.later_fragment)
        return -1;
    return parse_l4(buf + l.off, l.end - l.off, l.family, l.proto, out);
}

/* Partial sum of the pseudo-header of a received datagram (addresses in the header). */
static uint32_t rx_pseudo_sum(const uint8_t *b, uint8_t family, uint8_t proto, size_t l4len)
{
    struct pkt_ip ip = {.src.family = family, .dst.family = family};
    size_t alen = family == AF_INET ? 4 : 16;
    memcpy(ip.src.a, b + (family == AF_INET ? 12 : 8), alen);
    memcpy(ip.dst.a, b + (family == AF_INET ? 16 : 24), alen);
    return pseudo_sum(&ip, proto, l4len);
}

int pkt_csum_check(const uint8_t *buf, size_t len, unsigned flags)
{
    struct l3 l;
    if (!buf || parse_l3(buf, len, 0, &l, NULL) < 0)
        return PKT_CSUM_OK; /* not a datagram: pkt_parse refuses it */
    size_t tot = l.family == AF_INET ? get16(buf + 2) : IP6_HDR + (size_t)get16(buf + 4);
    if (l.family == AF_INET && pkt_cksum(buf, l.off, 0) != 0) {
        if (!(flags & PKT_CSUM_IP_UNSET) || get16(buf + 10) != 0)
            return PKT_CSUM_BAD_IP;
        /* never filled in: only a whole TCP or UDP segment whose checksum (it covers the
         * addresses, protocol and length) verifies is believed */
        size_t n4 = l.end >= l.off ? l.end - l.off : 0;
        if (l.fragment || tot > len ||
            !((l.proto == PROTO_TCP && n4 >= TCP_HDR) ||
              (l.proto == PROTO_UDP && n4 >= UDP_HDR && get16(buf + l.off + 6) != 0)))
            return PKT_CSUM_BAD_IP;
        return pkt_cksum(buf + l.off, n4, rx_pseudo_sum(buf, l.family, l.proto, n4)) == 0
                   ? PKT_CSUM_OK
                   : PKT_CSUM_BAD_IP;
    }
    if (!(flags & PKT_CSUM_L4) || l.fragment || tot > len || l.end < l.off)
        return PKT_CSUM_OK; /* the segment is not all here */
    if ((flags & PKT_CSUM_TCP_BARE) && l.proto == PROTO_TCP && l.end - l.off >= TCP_HDR &&
        l.end - l.off > (size_t)(buf[l.off + 12] >> 4) * 4)
        return PKT_CSUM_OK; /* TCP data: maybe segments merged by GRO (first one's checksum) */
    const uint8_t *p = buf + l.off;
    size_t n = l.end - l.off;
    size_t field;
    if (l.proto == PROTO_TCP && n >= TCP_HDR)
        field = 16;
    else if (l.proto == PROTO_UDP && n >= UDP_HDR)
        field = 6;
    else if (l.proto == icmp_proto(l.family) && n >= ICMP_HDR)
        field = 2;
    else
        return PKT_CSUM_OK;
    if (l.proto == PROTO_UDP && l.family == AF_INET && get16(p + 6) == 0)
        return PKT_CSUM_OK; /* IPv4 UDP without a checksum */
    uint32_t seed = l.proto == PROTO_ICMP ? 0 : rx_pseudo_sum(buf, l.family, l.proto, n);
    if (pkt_cksum(p, n, seed) == 0)
        return PKT_CSUM_OK;
    if ((flags & PKT_CSUM_PARTIAL) && l.proto != icmp_proto(l.family)) {
        uint32_t s = seed;
        while (s >> 16)
            s = (s & 0xffff) + (s >> 16);
        if (get16(p + field) == (uint16_t)s)
            return PKT_CSUM_OK;
    }
    return PKT_CSUM_BAD_L4;
}

void pkt_spoil_cksum(uint8_t *buf, size_t len)
{
    struct l3 l;
    if (!buf || parse_l3(buf, len, 0, &l, NULL) < 0 || l.later_fragment)
        return;
    size_t field = l.proto == PROTO_TCP ? 16 : l.proto == PROTO_UDP ? 6 : 0;
    if (!field || l.end < l.off || l.end - l.off < field + 2)
        return;
    uint8_t *c = buf + l.off + field;
    uint16_t v = get16(c) ^ 0x00ff; /* never the same value in ones' complement */
    put16(c, v ? v : 0xffff);
}

int pkt_ether_ip(const uint8_t *buf, size_t len, size_t *off)
{
    if (!buf || len < 14)
        return -1;
    size_t o = 12;
    uint16_t type = get16(buf + o);
    for (int i = 0; i < MAX_VLAN_TAGS && (type == 0x8100 || type == 0x88a8 || type == 0x9100);
         i++) {
        if (len - o < 6)
            return -1;
        o += 4;
        type = get16(buf + o);
    }
    o += 2;
    if (len - o < 1 || (type != 0x0800 && type != 0x86dd) ||
        buf[o] >> 4 != (type == 0x0800 ? 4 : 6))
        return -1;
    *off = o;
    return 0;
}

int pkt_parse_ether(const uint8_t *buf, size_t len, struct pkt_info *out)
{
    size_t off;
    memset(out, 0, sizeof *out);
    if (pkt_ether_ip(buf, len, &off) < 0)
        return -1;
    return pkt_parse(buf + off, len - off, out);
}

/* Ones'-complement update of the checksum field at f for a 16-bit-word change whose
 * partial sum (~old + new, per word) is delta (RFC 1624, eqn. 3). */
static void cksum_adjust(uint8_t *f, uint32_t delta)
{
    uint32_t s = (uint32_t)(uint16_t)~get16(f) + delta;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    put16(f, (uint16_t)~s);
}

int pkt_set_src(uint8_t *buf, size_t len, const struct pr_addr *src)
{
    struct l3 l;
    if (!buf || !src || parse_l3(buf, len, 0, &l, NULL) < 0 || l.family != src->family)
        return -1;
    size_t alen = l.family == AF_INET ? 4 : 16;
    uint8_t *a = buf + (l.family == AF_INET ? 12 : 8);
    uint32_t delta = 0;
    for (size_t i = 0; i < alen; i += 2)
        delta += (uint32_t)(uint16_t)~get16(a + i) + get16(src->a + i);
    memcpy(a, src->a, alen);
    if (l.family == AF_INET)
        cksum_adjust(buf + 10, delta);
    if (l.later_fragment || l.end < l.off)
        return 0; /* the transport checksum is in the first fragment */
    size_t field = l.proto == PROTO_TCP      ? 16
                   : l.proto == PROTO_UDP    ? 6
                   : l.proto == PROTO_ICMPV6 ? 2
                                             : 0;
    if (!field || l.end - l.off < field + 2)
        return 0; /* ICMPv4 has no pseudo-header */
    uint8_t *c = buf + l.off + field;
    if (l.proto == PROTO_UDP && l.family == AF_INET && get16(c) == 0)
        return 0; /* no checksum */
    cksum_adjust(c, delta);
    if (l.proto == PROTO_UDP && get16(c) == 0)
        put16(c, 0xffff);
    return 0;
}
