/* fanout.bpf.c — the kernel's half of `detect -i IFACE --workers N` (detect/fanout.h): the
 * eBPF program of a PACKET_FANOUT_EBPF group (program type socket filter), run for every
 * frame the interface receives or sends; it returns the worker (0..n-1) whose socket gets
 * the frame, by the rule of detect/workers.h's dispatcher:
 *
 *   the key is the flow's initiator: a SYN's sender, a SYN-ACK's receiver, the first
 *   packet's sender of any other flow; an ICMP error's quoted probe's sender (else its
 *   receiver); an echo or timestamp reply's receiver; any other ICMP's sender; an ARP
 *   binding's sender. The worker of a key is the keyed mix of its address (workers.c
 *   addr_worker, the same key: conf.k1). A flow whose two ends have one worker needs no
 *   memory; the others are remembered in an LRU hash map keyed by the flow's canonical
 *   5-tuple (which end began it, and when it was last seen: an entry idle for 60 s starts
 *   afresh), except a UDP reply from a service port and discovery sent to a group, which
 *   begin nothing.
 *
 * Ethernet frames (up to four VLAN tags left in the frame), IPv4 and IPv6 (hop-by-hop,
 * routing, destination options, fragment and AH headers); anything it cannot read (a
 * later fragment, a short frame, another link type) goes to worker 0. Built with
 * `clang -target bpf` and compiled into the program (CMakeLists.txt); not part of
 * portreeve_lib. */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#define MAX_FLOWS 131072 /* as workers.c's flow map */
#define FLOW_IDLE_S 60   /* the engine frees a flow idle this long */
/* as far as net/packet.c's decoder goes (MAX_EXT_HDRS, MAX_VLAN_TAGS): a frame it decodes
 * that the program could not key would reach worker 0 whatever its source, splitting a
 * scanner's probes (extension headers) from their answers (none) */
#define MAX_EXT 16
#define MAX_VLAN 4

/* Set by fanout.c after loading: the key of the per-address mix and the workers. */
struct fanout_conf {
    __u64 k1;
    __u32 n;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct fanout_conf);
} conf SEC(".maps");

/* A flow between two workers: its lower end first (any total order will do). */
struct flow {
    __u8 lo[16], hi[16];
    __u16 lport, hport;
    __u8 proto, v6, pad[2];
};

struct seen {
    __u64 last_s;  /* last packet (seconds of the monotonic clock) */
    __u32 lo_init; /* 1: the lower end began the flow */
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, MAX_FLOWS);
    __type(key, struct flow);
    __type(value, struct seen);
} flows SEC(".maps");

/* What the key needs of a frame. */
struct pkey {
    __u8 src[16], dst[16], inner[16];
    __u16 sport, dport;
    __u8 proto, flags, icmp_type, has_inner, v6;
};

enum { KEY_SRC, KEY_DST, KEY_INNER };

static __always_inline __u64 mix(__u64 x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* workers.c addr_worker: the words of the address as they lie in memory (little-endian) */
static __always_inline __u32 addr_worker(const struct fanout_conf *c, const __u8 *a, int v6)
{
    __u64 h;
    if (!v6) {
        __u32 v;
        __builtin_memcpy(&v, a, 4);
        h = mix(c->k1 ^ v);
    } else {
        __u64 w0, w1;
        __builtin_memcpy(&w0, a, 8);
        __builtin_memcpy(&w1, a + 8, 8);
        h = mix(mix(c->k1 ^ w0) ^ w1);
    }
    return (__u32)(((h >> 32) * c->n) >> 32);
}

static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
    return bpf_skb_load_bytes_relative(skb, off, to, len, BPF_HDR_START_MAC);
}

static __always_inline __u16 be16(const __u8 *p)
{
    return (__u16)(p[0] << 8 | p[1]);
}

/* The transport fields at l4 (TCP, UDP, ICMP, ICMPv6) and an ICMP error's quoted sender.
 * 0, or -1 when the frame cannot be keyed. */
static __always_inline int read_l4(struct __sk_buff *skb, __u32 l4, struct pkey *k)
{
    __u8 b[40];
    if (k->proto == 6 || k->proto == 17) {
        if (load(skb, l4, b, k->proto == 6 ? 14 : 4) < 0)
            return -1;
        k->sport = be16(b);
        k->dport = be16(b + 2);
        if (k->proto == 6)
            k->flags = b[13];
        return 0;
    }
    if (k->proto != (k->v6 ? 58 : 1))
        return 0;
    if (load(skb, l4, b, 8) < 0)
        return -1;
    k->icmp_type = b[0];
    if (!k->v6 && b[0] == 3 && load(skb, l4 + 8, b, 20) == 0 && (b[0] >> 4) == 4) {
        k->has_inner = 1;
        __builtin_memcpy(k->inner, b + 12, 4);
    } else if (k->v6 && b[0] == 1 && load(skb, l4 + 8, b, 40) == 0 && (b[0] >> 4) == 6) {
        k->has_inner = 1;
        __builtin_memcpy(k->inner, b + 8, 16);
    }
    return 0;
}

/* An IPv4 datagram at off: 0 with k filled, or -1. */
static __always_inline int read_ip4(struct __sk_buff *skb, __u32 off, struct pkey *k)
{
    __u8 ip[20];
    if (load(skb, off, ip, 20) < 0 || (ip[0] >> 4) != 4)
        return -1;
    __u32 ihl = (__u32)(ip[0] & 15) * 4;
    if (ihl < 20 || (be16(ip + 6) & 0x1fff)) /* a later fragment: not decoded */
        return -1;
    k->proto = ip[9];
    __builtin_memcpy(k->src, ip + 12, 4);
    __builtin_memcpy(k->dst, ip + 16, 4);
    return read_l4(skb, off + ihl, k);
}

/* An IPv6 datagram at off, its extension headers skipped: 0 with k filled, or -1. */
static __always_inline int read_ip6(struct __sk_buff *skb, __u32 off, struct pkey *k)
{
    __u8 ip[40];
    if (load(skb, off, ip, 40) < 0 || (ip[0] >> 4) != 6)
        return -1;
    k->v6 = 1;
    __builtin_memcpy(k->src, ip + 8, 16);
    __builtin_memcpy(k->dst, ip + 24, 16);
    __u8 nh = ip[6];
    off += 40;
#pragma unroll
    for (int i = 0; i < MAX_EXT; i++) {
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
            break;
        __u8 h[4];
        if (load(skb, off, h, 4) < 0)
            return -1;
        if (nh == 44 && (be16(h + 2) >> 3)) /* a later fragment: not decoded */
            return -1;
        __u32 hlen = nh == 44 ? 8 : nh == 51 ? ((__u32)h[1] + 2) * 4 : ((__u32)h[1] + 1) * 8;
        nh = h[0];
        off += hlen;
    }
    if (nh == 0 || nh == 43 || nh == 60 || nh == 44 || nh == 51)
        return -1;
    k->proto = nh;
    return read_l4(skb, off, k);
}

static __always_inline int multicast(const struct pkey *k)
{
    return k->v6 ? k->dst[0] == 0xff : (k->dst[0] & 0xf0) == 0xe0 || k->dst[0] == 0xff;
}

/* -1, 0, 1: (a, ap) against (b, bp) */
static __always_inline int ep_cmp(const __u8 *a, __u16 ap, const __u8 *b, __u16 bp)
{
    __u64 x, y;
    __builtin_memcpy(&x, a, 8);
    __builtin_memcpy(&y, b, 8);
    if (x != y)
        return x < y ? -1 : 1;
    __builtin_memcpy(&x, a + 8, 8);
    __builtin_memcpy(&y, b + 8, 8);
    if (x != y)
        return x < y ? -1 : 1;
    return ap < bp ? -1 : ap > bp;
}

/* The worker of a TCP, UDP or other non-ICMP packet: its flow's initiator's. */
static __always_inline __u32 flow_worker(const struct fanout_conf *c, const struct pkey *k)
{
    __u32 wsrc = addr_worker(c, k->src, k->v6), wdst = addr_worker(c, k->dst, k->v6);
    if (wsrc == wdst)
        return wsrc;
    __u16 sp = 0, dp = 0;
    if (k->proto == 6 || k->proto == 17)
        sp = k->sport, dp = k->dport;
    int src_lo = ep_cmp(k->src, sp, k->dst, dp) <= 0;
    struct flow f;
    __builtin_memset(&f, 0, sizeof f);
    __builtin_memcpy(f.lo, src_lo ? k->src : k->dst, 16);
    __builtin_memcpy(f.hi, src_lo ? k->dst : k->src, 16);
    f.lport = src_lo ? sp : dp;
    f.hport = src_lo ? dp : sp;
    f.proto = k->proto;
    f.v6 = k->v6;
    __u64 now = bpf_ktime_get_ns() / 1000000000ull;
    struct seen *s = bpf_map_lookup_elem(&flows, &f);
    if (s && now - s->last_s < FLOW_IDLE_S) {
        s->last_s = now;
        return s->lo_init == (__u32)src_lo ? wsrc : wdst;
    }
    /* a new flow: its first packet's sender began it, except an answer to a SYN sent
     * before we looked; a UDP reply from a service port and discovery sent to a group
     * begin nothing */
    int init_src = 1;
    if (k->proto == 6 && (k->flags & 0x12) == 0x12)
        init_src = 0;
    else if (k->proto == 17 && ((k->sport < 1024 && k->dport >= 1024) || multicast(k)))
        return wsrc;
    struct seen v = {now, (__u32)(init_src == src_lo), 0};
    bpf_map_update_elem(&flows, &f, &v, BPF_ANY);
    return init_src ? wsrc : wdst;
}

SEC("socket")
int fanout(struct __sk_buff *skb)
{
    __u32 zero = 0;
    const struct fanout_conf *c = bpf_map_lookup_elem(&conf, &zero);
    if (!c || c->n < 2)
        return 0;
    __u8 eth[14];
    if (load(skb, 0, eth, 14) < 0)
        return 0;
    __u32 off = 14;
    __u16 type = be16(eth + 12);
#pragma unroll
    for (int i = 0; i < MAX_VLAN; i++) {
        if (type != 0x8100 && type != 0x88a8 && type != 0x9100)
            break;
        __u8 tag[4];
        if (load(skb, off, tag, 4) < 0)
            return 0;
        type = be16(tag + 2);
        off += 4;
    }
    struct pkey k;
    __builtin_memset(&k, 0, sizeof k);
    if (type == 0x0806) { /* ARP for IPv4 over Ethernet: its sender's binding */
        __u8 a[28];
        if (load(skb, off, a, 28) < 0 || be16(a) != 1 || be16(a + 2) != 0x0800 || a[4] != 6 ||
            a[5] != 4 || (be16(a + 6) != 1 && be16(a + 6) != 2))
            return 0;
        __builtin_memcpy(k.src, a + 14, 4);
        return addr_worker(c, k.src, 0);
    }
    if ((type == 0x0800   ? read_ip4(skb, off, &k)
         : type == 0x86dd ? read_ip6(skb, off, &k)
                          : -1) < 0)
        return 0;
    if (k.proto == (k.v6 ? 58 : 1)) {
        int reply = k.v6 ? k.icmp_type == 129 : k.icmp_type == 0 || k.icmp_type == 14;
        int which = KEY_SRC;
        if (k.icmp_type == (k.v6 ? 1 : 3)) /* an error: the quoted probe's sender */
            which = k.has_inner ? KEY_INNER : KEY_DST;
        else if (reply)
            which = KEY_DST;
        return addr_worker(c, which == KEY_SRC ? k.src : which == KEY_DST ? k.dst : k.inner, k.v6);
    }
    return flow_worker(c, &k);
}

char LICENSE[] SEC("license") = "GPL";
