/* engine.c — see engine.h. The tables, the detectors and the scan records. */
#include "detect/engine.h"

#include "core/siphash.h"
#include "detect/toolguess.h"
#include "detect/topk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PROBE_WINDOW 8 /* slots examined per lookup in every table */
#define MAX_SINKS 8
#define CONN_IDLE_US (60ull * 1000000u)
#define CONTACT_BITS 512
#define WIN_BITS 512
#define SCAN_HOST_BITS 16384
#define SRC_RECENT 16
#define SCAN_OPEN 32

/* Probe techniques, as told by the flags of the first packet of a flow. */
enum tech {
    T_SYN,    /* SYN from a raw socket (few options) */
    T_SYN_OS, /* SYN with an operating system's options: connect() candidate */
    T_FIN,
    T_NULL,
    T_XMAS,
    T_ODD, /* other flag sets no stack sends (SYN|FIN, PSH alone, ...) */
    T_ACK,
    T_MAIMON,
    T_UDP,
    T_ICMP,
    T_PROTO, /* an IP protocol other than TCP, UDP, ICMP (nmap -sO) */
    T_N
};

/* Scan families: one scan record per (source, family), each with its own first contacts.
 * Raw SYNs and SYNs with an operating system's options (connect()) are two families, so that
 * a connect scan and a SYN scan from one source are two scans; while the scan of one of them
 * runs, the other's probes interleaved with it join it (a mixed scan: syn_follow()). */
enum fam {
    F_SYN,
    F_FIN,
    F_NULL,
    F_XMAS,
    F_ODD,
    F_ACK,
    F_MAIMON,
    F_UDP,
    F_ICMP,
    F_PROTO,
    F_CONNECT,
    F_N
};
static const uint8_t fam_of[T_N] = {F_SYN, F_CONNECT, F_FIN, F_NULL, F_XMAS, F_ODD,
                                    F_ACK, F_MAIMON,  F_UDP, F_ICMP, F_PROTO};

/* Interleavings (a probe of a SYN scan after probes of the other SYN family) after which the
 * other family's probes are part of that scan: a mixed scan, no second scan. */
#define MIX_INTERLEAVED 3
/* The longest run of the other SYN family's contacts a second scan needs (syn_follow()'s
 * 64-bit map of them must stay sparse), whatever flags_threshold is. */
#define SIB_RUN_MAX 16

/* The other SYN family (raw SYN and connect), or F_N for the other families. */
static unsigned syn_sibling(unsigned f)
{
    return f == F_SYN ? F_CONNECT : f == F_CONNECT ? F_SYN : F_N;
}

static int stealth_fam(unsigned f)
{
    return f == F_FIN || f == F_NULL || f == F_XMAS || f == F_ODD;
}

/* Address-to-MAC bindings learned from ARP and IPv6 neighbour discovery. */
struct bind {
    struct pr_addr addr;
    uint8_t used, conflict; /* conflict: the address was claimed by two MACs */
    uint8_t mac[6];
    uint64_t ts_us;
};

enum conn_state {
    C_FREE = 0,
    C_SYN,    /* SYN sent, no answer yet */
    C_SYNACK, /* answered by SYN-ACK */
    C_EST,    /* initiator completed the handshake */
    C_PROBE,  /* stealth probe (FIN/NULL/Xmas/odd) awaiting an answer */
    C_ACKP,   /* ACK or FIN|ACK outside any known flow: a probe if answered by RST */
    C_UDP,    /* datagram awaiting an answer */
    C_PING,   /* echo/timestamp request awaiting a reply */
    C_PROTO,  /* datagram of another IP protocol awaiting an answer */
    C_DONE    /* outcome known */
};

#define C_DATA 1    /* the initiator sent data */
#define C_REFUSED 2 /* the responder refused the flow with a RST */
#define C_PROVEN 4  /* the initiator's ACK acknowledged our SYN-ACK */
#define C_RDATA 8   /* the responder sent data (from a believable sender, see believable()) */
#define C_CLIENT 16 /* answered as a client's request is: taken back, no probe (retract()) */
#define C_FOUND 32  /* its SYN-ACK showed the port open: its own handshake is no later connect */
#define C_USE 64    /* scan_then_connect once the initiator sends data (connect_found()) */

/* What probe() counted for the flow's first packet (conn.counted), so that retract() can
 * take exactly that back. */
#define CNT_FIRST 1   /* a first contact */
#define CNT_FCONT 2   /* fcont[] of its family */
#define CNT_PORT 4    /* a new bit of the window's port map */
#define CNT_HOST 8    /* a new bit of the window's host map */
#define CNT_RECENT 16 /* recent_n[] of its port */
#define CNT_SCAN 32   /* the open scan of its family (probes, tech, top ports) */

struct conn {
    struct pr_addr a, b; /* initiator, responder */
    uint16_t ap, bp;
    uint8_t proto, state, tech, counted, vote, ttl, prio; /* counted: CNT_* bits */
    uint8_t fl;        /* C_DATA, C_REFUSED, C_PROVEN, C_RDATA, C_CLIENT, C_FOUND */
    uint16_t sa_ack16; /* low 16 bits of the SYN-ACK's seq + 1: what a real initiator acks */
    uint64_t ts_us;    /* first packet */
    uint64_t last_us;  /* last packet */
};

/* The fields a lookup and the eviction choice read come first: with the table on a page
 * boundary and each entry a multiple of 64 bytes, they share one cache line. */
struct __attribute__((aligned(64))) src {
    struct pr_addr addr;
    uint8_t used, fwlog, has_scan, nrecent, nopen, multi_dst;
    uint64_t last_us;
    uint32_t contacts, stealth;
    uint16_t scan_fams;     /* families with an open scan record (has_scan: any) */
    uint8_t mac_state;      /* Ethernet sources seen: 0 none, 1 one (mac), 2 two or more */
    uint16_t vetoes;        /* forged:* findings so far: once seen, they stay */
    uint8_t ans_n;          /* packets in ans_hops_lo..hi (answers to our SYN-ACKs) */
    uint32_t incident_id;   /* all scans of this source (0: never judged) */
    uint16_t scan_idx[F_N]; /* slot of the open scan of each family in scan_fams */
    uint16_t fcont[F_N];    /* first contacts per family */
    uint8_t ttl_lo[T_N], ttl_hi[T_N], ttl_n[T_N]; /* probe TTLs per technique */
    uint8_t mac[6];
    uint8_t recent_fam[SRC_RECENT];
    uint64_t first_us, win_start;
    uint32_t probes, fails, succ, halfopen, connect_ev;
    /* spoof-resistance evidence for the responder (alert.h): handshakes whose ACK
     * acknowledged our SYN-ACK, RSTs for flows never SYN-ACKed, TTLs of src's answers */
    uint16_t handshakes, stray_rst;
    uint8_t ans_hops_lo, ans_hops_hi;
    double llr;
    uint32_t tech[T_N];
    uint16_t win_ports, win_hosts, win_pings;
    uint16_t burst_base;  /* win_ports when the current burst began */
    uint64_t burst_start; /* begin of the current burst (burst_us long) */
    struct det_toolstats tool;
    struct pr_addr first_dst;
    uint16_t recent_ports[SRC_RECENT];
    uint8_t recent_n[SRC_RECENT]; /* probes (new flows) of each recent port (saturating) */
    uint16_t open[8];             /* open ports found by flows of families without an open scan */
    uint8_t open_fam[8];          /* the family of each */
    uint8_t contact_bits[CONTACT_BITS / 8];
    uint8_t port_bits[WIN_BITS / 8];
    uint8_t host_bits[WIN_BITS / 8];
    uint8_t ping_bits[WIN_BITS / 8];
};

struct scan {
    uint8_t used, emitted, pending, multi_dst, from_fwlog;
    uint8_t fam;       /* enum fam */
    uint8_t mixed;     /* a SYN family's scan that takes its sibling's probes too */
    uint16_t sib_run;  /* first contacts of the sibling SYN family since this scan's last probe */
    uint16_t sib_mix;  /* times a probe of this scan followed such contacts (interleavings) */
    uint64_t sib_keys; /* the run's (destination, port) pairs, hashed to one bit each */
    uint8_t camp_kind; /* 1 decoy, 2 distributed: as last seen with other members running */
    uint32_t id, incident_id, campaign_id;
    unsigned evidence; /* enum det_evidence bits of the last emission */
    struct pr_addr src, dst;
    uint64_t first_us, last_us, last_emit_us;
    uint32_t probes, probes_at_emit, nports, nports_at_emit, nhosts_bits, hosts_extra;
    uint32_t ports_extra; /* distinct ports probed before the scan record existed, beyond
                            the source's short exact list (an estimate) */
    uint32_t tech[T_N];
    uint32_t halfopen, connect_ev;
    uint32_t handshakes, stray_rst; /* as in struct src */
    uint8_t ans_hops_lo, ans_hops_hi;
    struct det_toolstats tool;
    uint16_t open[SCAN_OPEN];
    uint8_t nopen;
    struct det_topk top; /* probes (new flows) per port: the alert's `ports` */
    const char *detector;
    double confidence;
    uint8_t host_bits[SCAN_HOST_BITS / 8];
    uint8_t port_bits[65536 / 8];
};

struct det_engine {
    struct det_config cfg;
    struct sip_key key;
    struct src *srcs;
    struct conn *conns;
    struct scan *scans;
    struct bind *binds;
    uint32_t nbinds;
    struct det_sink sinks[MAX_SINKS];
    unsigned nsinks;
    det_responder_fn responder;
    void *responder_ctx;
    det_os_fn os_namer; /* src_os of alerts, or NULL */
    void *os_ctx;
    det_binder_fn binder;
    void *binder_ctx;
    struct det_hooks hooks; /* behave.h */
    uint64_t binder_next_us;
    struct det_stats st;
    uint64_t now_us, next_sweep_us;
    double tokens;
    uint64_t tokens_us;
    uint32_t next_scan_id, next_incident_id, next_campaign_id;
    double llr_hi, llr_lo, llr_succ, llr_fail;
};

/* ---------------------------------------------------------------- config */

void det_config_defaults(struct det_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_sources = 65536;
    c->max_conns = 0; /* 2 * max_sources */
    c->max_scans = 256;
    c->flags_threshold = 5;
    c->trw_min_fail = 6;
    c->trw_theta0 = 0.8;
    c->trw_theta1 = 0.2;
    c->trw_pd = 0.99;
    c->trw_pf = 0.001;
    c->port_threshold = 25;
    c->host_threshold = 50;
    c->ping_threshold = 10;
    c->window_us = 60ull * 1000000u;
    c->burst_ports = 12;
    c->burst_us = 1000000u;
    c->conn_timeout_us = 3ull * 1000000u;
    c->scan_idle_us = 30ull * 1000000u;
    c->horizon_us = 3600ull * 1000000u;
    c->update_us = 5ull * 1000000u;
    c->alert_rate = 10;
    c->alert_burst = 50;
}

size_t det_engine_source_bytes(void)
{
    return sizeof(struct src);
}

size_t det_engine_conn_bytes(void)
{
    return sizeof(struct conn);
}

size_t det_engine_scan_bytes(void)
{
    return sizeof(struct scan);
}

/* Page-aligned, zeroed on first touch: memory is only committed as the table fills. */
static void *table_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fputs("portreeve: out of memory\n", stderr);
        abort();
    }
    return p;
}

struct det_engine *det_engine_new(const struct det_config *c, struct pr_error *e)
{
    if (c->max_sources < PROBE_WINDOW || c->max_sources > (1u << 26)) {
        pr_errf(e, "--max-sources %u: must be between %d and %u", c->max_sources, PROBE_WINDOW,
                1u << 26);
        return NULL;
    }
    if (c->max_scans < PROBE_WINDOW || c->max_scans > 65536) {
        pr_errf(e, "max scans %u: must be between %d and 65536", c->max_scans, PROBE_WINDOW);
        return NULL;
    }
    if (!(c->trw_theta0 > c->trw_theta1 && c->trw_theta1 > 0 && c->trw_theta0 < 1 &&
          c->trw_pd > c->trw_pf && c->trw_pf > 0 && c->trw_pd < 1)) {
        pr_errf(e, "TRW parameters out of range");
        return NULL;
    }
    struct det_engine *d = pr_calloc(1, sizeof *d);
    d->cfg = *c;
    if (!d->cfg.max_conns)
        d->cfg.max_conns = 2 * c->max_sources;
    if (d->cfg.max_conns < PROBE_WINDOW)
        d->cfg.max_conns = PROBE_WINDOW;
    d->srcs = table_alloc((size_t)d->cfg.max_sources * sizeof *d->srcs);
    d->conns = table_alloc((size_t)d->cfg.max_conns * sizeof *d->conns);
    d->scans = pr_calloc(d->cfg.max_scans, sizeof *d->scans);
    d->nbinds = d->cfg.max_sources / 16 < 1024 ? 1024 : d->cfg.max_sources / 16;
    d->binds = table_alloc((size_t)d->nbinds * sizeof *d->binds);
    sip_key_init(&d->key, 0, 0);
    d->tokens = c->alert_burst;
    d->next_scan_id = d->next_incident_id = d->next_campaign_id = 1;
    d->llr_hi = log(c->trw_pd / c->trw_pf);
    d->llr_lo = log((1 - c->trw_pd) / (1 - c->trw_pf));
    d->llr_succ = log(c->trw_theta1 / c->trw_theta0);
    d->llr_fail = log((1 - c->trw_theta1) / (1 - c->trw_theta0));
    return d;
}

int det_engine_add_sink(struct det_engine *d, const struct det_sink *s)
{
    if (d->nsinks >= MAX_SINKS)
        return -1;
    d->sinks[d->nsinks++] = *s;
    return 0;
}

void det_engine_set_responder(struct det_engine *d, det_responder_fn fn, void *ctx)
{
    d->responder = fn;
    d->responder_ctx = ctx;
}

void det_engine_set_os_namer(struct det_engine *d, det_os_fn fn, void *ctx)
{
    d->os_namer = fn;
    d->os_ctx = ctx;
}

void det_engine_set_binder(struct det_engine *d, det_binder_fn fn, void *ctx)
{
    d->binder = fn;
    d->binder_ctx = ctx;
}

void det_engine_set_hooks(struct det_engine *d, const struct det_hooks *h)
{
    d->hooks = *h;
}

/* Commits a table's pages, writable and zero: by the kernel in one call (each page zeroed
 * once; MADV_POPULATE_WRITE, Linux 5.14), else by writing them. */
static void table_commit(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, bytes, MADV_POPULATE_WRITE) == 0)
        return;
#endif
    memset(p, 0, bytes);
}

void det_engine_prefault(struct det_engine *d)
{
    table_commit(d->srcs, (size_t)d->cfg.max_sources * sizeof *d->srcs);
    table_commit(d->conns, (size_t)d->cfg.max_conns * sizeof *d->conns);
    table_commit(d->binds, (size_t)d->nbinds * sizeof *d->binds);
}

void det_engine_set_key(struct det_engine *d, uint64_t k0, uint64_t k1)
{
    d->key.k0 = k0;
    d->key.k1 = k1;
}

const struct det_stats *det_engine_stats(const struct det_engine *d)
{
    return &d->st;
}

size_t det_engine_bytes(const struct det_engine *d)
{
    return sizeof *d + (size_t)d->cfg.max_sources * sizeof(struct src) +
           (size_t)d->cfg.max_conns * sizeof(struct conn) +
           (size_t)d->cfg.max_scans * sizeof(struct scan) + (size_t)d->nbinds * sizeof(struct bind);
}

void det_engine_free(struct det_engine *d)
{
    if (!d)
        return;
    for (unsigned i = 0; i < d->nsinks; i++)
        if (d->sinks[i].ops->close)
            d->sinks[i].ops->close(d->sinks[i].ctx);
    munmap(d->srcs, (size_t)d->cfg.max_sources * sizeof *d->srcs);
    munmap(d->conns, (size_t)d->cfg.max_conns * sizeof *d->conns);
    munmap(d->binds, (size_t)d->nbinds * sizeof *d->binds);
    free(d->scans);
    free(d);
}

/* ---------------------------------------------------------------- hashing */

static size_t addr_len(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? 16 : 4;
}

static uint64_t hash_addr(const struct det_engine *d, const struct pr_addr *a, uint8_t tag)
{
    uint8_t b[18];
    b[0] = tag;
    b[1] = a->family == AF_INET6 ? 6 : 4;
    memcpy(b + 2, a->a, 16);
    return siphash24(&d->key, b, 2 + addr_len(a));
}

/* A first contact is one (destination, protocol, port) per scan family: a FIN scan of the
 * ports a SYN scan just probed is a scan of its own, not retries of the SYN scan. */
static uint64_t hash_contact(const struct det_engine *d, const struct pr_addr *dst, uint8_t proto,
                             uint16_t port, unsigned fam)
{
    uint8_t b[20];
    b[0] = proto;
    b[1] = (uint8_t)(port >> 8);
    b[2] = (uint8_t)port;
    b[3] = (uint8_t)((dst->family == AF_INET6 ? 6 : 4) | fam << 3);
    memcpy(b + 4, dst->a, 16);
    return siphash24(&d->key, b, 4 + addr_len(dst));
}

static uint64_t hash_port(const struct det_engine *d, uint8_t proto, uint16_t port)
{
    uint8_t b[4] = {0xa5, proto, (uint8_t)(port >> 8), (uint8_t)port};
    return siphash24(&d->key, b, sizeof b);
}

/* The same for both directions of a flow (endpoints in a canonical order), so that one
 * probe window holds both and a packet needs one lookup whichever way it goes. */
static uint64_t hash_conn(const struct det_engine *d, uint8_t proto, const struct pr_addr *a,
                          uint16_t ap, const struct pr_addr *b, uint16_t bp)
{
    uint8_t k[38];
    size_t n = addr_len(a);
    int c = memcmp(a->a, b->a, n);
    if (c > 0 || (c == 0 && ap > bp)) {
        const struct pr_addr *t = a;
        a = b;
        b = t;
        uint16_t tp = ap;
        ap = bp;
        bp = tp;
    }
    k[0] = proto;
    k[1] = (uint8_t)(ap >> 8);
    k[2] = (uint8_t)ap;
    k[3] = (uint8_t)(bp >> 8);
    k[4] = (uint8_t)bp;
    k[5] = (uint8_t)n;
    memcpy(k + 6, a->a, n);
    memcpy(k + 6 + n, b->a, n);
    return siphash24(&d->key, k, 6 + 2 * n);
}

/* Sets bit h % nbits; returns 1 when it was clear. */
static int bit_set(uint8_t *bits, size_t nbits, uint64_t h)
{
    size_t i = (size_t)(h % nbits);
    uint8_t m = (uint8_t)(1u << (i & 7));
    if (bits[i >> 3] & m)
        return 0;
    bits[i >> 3] |= m;
    return 1;
}

/* Linear counting: distinct items behind `set` bits of an m-bit map. */
static uint32_t linear_count(uint32_t set, uint32_t m)
{
    if (set >= m)
        return m * 4;
    return (uint32_t)llround(-(double)m * log(1.0 - (double)set / m));
}

/* ---------------------------------------------------------------- sources */

static int src_class(const struct src *s)
{
    if (s->has_scan)
        return 3;
    if (s->contacts >= 3 || s->stealth)
        return 2;
    return s->contacts >= 2 ? 1 : 0;
}

static void scan_attach(struct det_engine *d, struct src *s);

static struct src *src_find(struct det_engine *d, const struct pr_addr *a, int create)
{
    uint32_t n = d->cfg.max_sources;
    uint32_t base = (uint32_t)(hash_addr(d, a, 1) % (n - PROBE_WINDOW + 1)); /* no wrap */
    struct src *victim = NULL, *empty = NULL, *s = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct src *x = &d->srcs[base + i];
        if (x->used && addr_eq(&x->addr, a)) {
            if (x->last_us + d->cfg.horizon_us >= d->now_us || x->has_scan)
                return x;
            /* idle beyond the horizon: start afresh */
            s = x;
            break;
        }
        if (!x->used) {
            if (!empty)
                empty = x;
        } else if (!victim || src_class(x) < src_class(victim) ||
                   (src_class(x) == src_class(victim) && x->last_us < victim->last_us)) {
            victim = x;
        }
    }
    if (!create)
        return NULL;
    if (!s && empty) {
        s = empty;
    } else if (!s) {
        s = victim;
        d->st.sources_evicted++;
    }
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->addr = *a;
    s->first_us = s->last_us = s->win_start = d->now_us;
    d->st.sources_seen++;
    scan_attach(d, s);
    return s;
}

/* The entry of a, without creating or refreshing one (const: for det_engine_incident_of). */
static const struct src *src_peek(const struct det_engine *d, const struct pr_addr *a)
{
    uint32_t n = d->cfg.max_sources;
    uint32_t base = (uint32_t)(hash_addr(d, a, 1) % (n - PROBE_WINDOW + 1));
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        const struct src *x = &d->srcs[base + i];
        if (x->used && addr_eq(&x->addr, a))
            return x;
    }
    return NULL;
}

/* ---------------------------------------------------------------- link bindings */

static struct bind *bind_find(const struct det_engine *d, const struct pr_addr *a)
{
    uint32_t base = (uint32_t)(hash_addr(d, a, 4) % (d->nbinds - PROBE_WINDOW + 1));
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct bind *b = &d->binds[base + i];
        if (b->used && addr_eq(&b->addr, a))
            return b;
    }
    return NULL;
}

/* a announced itself with mac (ARP sender, neighbour discovery). A second MAC for the
 * same address marks the binding as contested for good. Returns 1 when that changed what
 * is known about a. */
static int bind_learn(struct det_engine *d, const struct pr_addr *a, const uint8_t *mac)
{
    struct bind *b = bind_find(d, a);
    if (b) {
        b->ts_us = d->now_us;
        if (b->conflict || !memcmp(b->mac, mac, 6))
            return 0;
        b->conflict = 1;
        return 1;
    }
    uint32_t base = (uint32_t)(hash_addr(d, a, 4) % (d->nbinds - PROBE_WINDOW + 1));
    struct bind *victim = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct bind *x = &d->binds[base + i];
        if (!x->used) {
            victim = x;
            break;
        }
        if (!victim || x->ts_us < victim->ts_us)
            victim = x;
    }
    memset(victim, 0, sizeof *victim);
    victim->used = 1;
    victim->addr = *a;
    memcpy(victim->mac, mac, 6);
    victim->ts_us = d->now_us;
    return 1;
}

/* The Ethernet source of a packet from s (a probe or an answer). */
static int note_mac(struct src *s, const struct det_event *ev)
{
    if (!ev->has_mac || s->mac_state == 2)
        return 0;
    if (s->mac_state == 0) {
        memcpy(s->mac, ev->src_mac, 6);
        s->mac_state = 1;
        return 0;
    }
    if (!memcmp(s->mac, ev->src_mac, 6))
        return 0;
    s->mac_state = 2;
    return 1;
}

/* ---------------------------------------------------------------- flows */

static int conn_match(const struct conn *c, uint8_t proto, const struct pr_addr *a, uint16_t ap,
                      const struct pr_addr *b, uint16_t bp)
{
    return c->state != C_FREE && c->proto == proto && c->ap == ap && c->bp == bp &&
           addr_eq(&c->a, a) && addr_eq(&c->b, b);
}

static struct conn *conn_find(struct det_engine *d, uint8_t proto, const struct pr_addr *a,
                              uint16_t ap, const struct pr_addr *b, uint16_t bp)
{
    uint32_t n = d->cfg.max_conns;
    uint32_t base =
        (uint32_t)(hash_conn(d, proto, a, ap, b, bp) % (n - PROBE_WINDOW + 1)); /* no wrap */
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct conn *c = &d->conns[base + i];
        if (conn_match(c, proto, a, ap, b, bp))
            return c;
    }
    return NULL;
}

/* Both directions at once: *fwd is the flow a→b (a initiated it), *rev the flow b→a. */
static void conn_find2(struct det_engine *d, uint8_t proto, const struct pr_addr *a, uint16_t ap,
                       const struct pr_addr *b, uint16_t bp, struct conn **fwd, struct conn **rev)
{
    uint32_t n = d->cfg.max_conns;
    uint32_t base =
        (uint32_t)(hash_conn(d, proto, a, ap, b, bp) % (n - PROBE_WINDOW + 1)); /* no wrap */
    *fwd = *rev = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct conn *c = &d->conns[base + i];
        if (c->state == C_FREE || c->proto != proto)
            continue;
        if (!*fwd && conn_match(c, proto, a, ap, b, bp))
            *fwd = c;
        else if (!*rev && conn_match(c, proto, b, bp, a, ap))
            *rev = c;
    }
}

static int conn_pending(const struct conn *c)
{
    return c->state == C_SYN || c->state == C_PROBE || c->state == C_UDP || c->state == C_PING ||
           c->state == C_ACKP || c->state == C_PROTO;
}

static struct conn *conn_new(struct det_engine *d, uint8_t proto, const struct pr_addr *a,
                             uint16_t ap, const struct pr_addr *b, uint16_t bp, uint8_t prio)
{
    uint32_t n = d->cfg.max_conns;
    uint32_t base =
        (uint32_t)(hash_conn(d, proto, a, ap, b, bp) % (n - PROBE_WINDOW + 1)); /* no wrap */
    struct conn *victim = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct conn *c = &d->conns[base + i];
        if (c->state == C_FREE) {
            victim = c;
            break;
        }
        /* prefer finished flows, then flows of unremarkable sources, then the oldest */
        int cv = conn_pending(c) ? 1 + c->prio : 0;
        int vv = victim ? (conn_pending(victim) ? 1 + victim->prio : 0) : 0;
        if (!victim || cv < vv || (cv == vv && c->last_us < victim->last_us))
            victim = c;
    }
    if (victim->state != C_FREE)
        d->st.conns_evicted++;
    memset(victim, 0, sizeof *victim);
    victim->a = *a;
    victim->b = *b;
    victim->ap = ap;
    victim->bp = bp;
    victim->proto = proto;
    victim->prio = prio;
    victim->ts_us = victim->last_us = d->now_us;
    return victim;
}

/* ---------------------------------------------------------------- scans */

static const char *const det_names[] = {"flags", "trw", "threshold"};
enum { DN_FLAGS, DN_TRW, DN_THRESHOLD };

/* The open scan of s in family f, or NULL (a slot reused by another scan detaches it). */
static struct scan *src_scan(struct det_engine *d, struct src *s, unsigned f)
{
    if (!(s->scan_fams & (1u << f)))
        return NULL;
    struct scan *sc = &d->scans[s->scan_idx[f]];
    if (!sc->used || (sc->fam != f && !(sc->mixed && syn_sibling(sc->fam) == f)) ||
        !addr_eq(&sc->src, &s->addr)) {
        s->scan_fams &= (uint16_t) ~(1u << f);
        s->has_scan = s->scan_fams != 0;
        return NULL;
    }
    return sc;
}

/* True when s has at least one open scan (stale slots are dropped on the way). */
static int src_scanning(struct det_engine *d, struct src *s)
{
    for (unsigned f = 0; f < F_N && s->scan_fams; f++)
        if (src_scan(d, s, f))
            return 1;
    return 0;
}

/* A re-created source entry finds the scans still open for its address. */
static void scan_attach(struct det_engine *d, struct src *s)
{
    uint32_t n = d->cfg.max_scans;
    uint32_t base = (uint32_t)(hash_addr(d, &s->addr, 2) % (n - PROBE_WINDOW + 1)); /* no wrap */
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct scan *sc = &d->scans[base + i];
        if (sc->used && addr_eq(&sc->src, &s->addr)) {
            s->scan_fams |= (uint16_t)(1u << sc->fam);
            s->scan_idx[sc->fam] = (uint16_t)(base + i);
            s->incident_id = sc->incident_id;
            unsigned g = syn_sibling(sc->fam);
            if (sc->mixed && !(s->scan_fams & (1u << g))) { /* its sibling's own scan wins */
                s->scan_fams |= (uint16_t)(1u << g);
                s->scan_idx[g] = (uint16_t)(base + i);
            }
        }
    }
    s->has_scan = s->scan_fams != 0;
}

static const char *scan_type_name(const struct scan *sc)
{
    static const char *names[F_N] = {"syn",    "fin", "null", "xmas",    "mixed",  "ack",
                                     "maimon", "udp", "icmp", "ipproto", "connect"};
    /* a SYN family's scan by its own evidence (a mixed one, a connect scan from a stack without
     * SACK and timestamps): completed handshakes against half-open closes, else its SYNs */
    if (syn_sibling(sc->fam) < F_N)
        return sc->connect_ev > sc->halfopen ||
                       (sc->halfopen == 0 && sc->tech[T_SYN_OS] > sc->tech[T_SYN])
                   ? "connect"
                   : "syn";
    return names[sc->fam];
}

static uint32_t scan_hosts(const struct scan *sc)
{
    if (!sc->multi_dst)
        return 1;
    uint32_t n = linear_count(sc->nhosts_bits, SCAN_HOST_BITS) + sc->hosts_extra;
    return n < 2 ? 2 : n;
}

static uint32_t popcount_and(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (uint32_t)__builtin_popcount(a[i] & b[i]);
    return c;
}

/* ---------------------------------------------------------------- spoof-resistance evidence */

/* Hops from a TTL: the distance below the nearest initial TTL (32, 64, 128, 255). */
static int ttl_hops(uint8_t ttl)
{
    int init = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
    return init - ttl;
}

/* Every packet of one sender crosses the same number of hops. Each observation of the
 * address narrows an interval of hop counts: its answers (kernel-made RSTs and ACKs:
 * exact), the probes of one technique that kept one TTL over at least 3 probes (exact),
 * probes whose TTL changes within nmap's range 37-59 (hops within [37 - lowest TTL,
 * 59 - highest]). Two senders at different distances leave the interval empty. The
 * answers of a live host whose address is forged are as exact as a scanner's: they count
 * as consistent only when the probes alone narrowed the distance to the answers' one. */
static unsigned hop_evidence(const struct src *s)
{
    int lo = 0, hi = 255; /* the probes' interval */
    int answers = s->ans_n > 0;
    if (answers && s->ans_hops_hi > s->ans_hops_lo + 1)
        return DET_EV_FORGED_HOPS;
    for (int t = 0; t < T_N; t++) {
        int plo, phi;
        if (!s->ttl_n[t])
            continue;
        if (s->ttl_lo[t] == s->ttl_hi[t]) {
            if (s->ttl_n[t] < 3)
                continue;
            plo = phi = ttl_hops(s->ttl_lo[t]);
        } else if (s->ttl_hi[t] <= 59 && s->ttl_lo[t] >= 7) {
            plo = 37 - s->ttl_lo[t] > 0 ? 37 - s->ttl_lo[t] : 0;
            phi = 59 - s->ttl_hi[t];
        } else {
            continue;
        }
        lo = plo > lo ? plo : lo;
        hi = phi < hi ? phi : hi;
    }
    if (lo > hi || (answers && (hi < s->ans_hops_lo || lo > s->ans_hops_hi)))
        return DET_EV_FORGED_HOPS;
    /* consistent only when the probes alone pin the distance the answers came from */
    return answers && lo == hi ? DET_EV_HOPS_OK : 0;
}

/* On the local link: the MAC the address announced (ARP, neighbour discovery) against the
 * Ethernet source of its packets. Routed packets come from a router's MAC, bound to the
 * router's own address: they give no link evidence either way. */
static unsigned link_evidence(const struct det_engine *d, const struct src *s)
{
    if (s->mac_state == 2)
        return DET_EV_FORGED_TWO_MACS;
    const struct bind *b = bind_find(d, &s->addr);
    if (!b)
        return 0;
    if (b->conflict)
        return DET_EV_FORGED_TWO_MACS;
    if (s->mac_state == 0)
        return 0;
    return memcmp(b->mac, s->mac, 6) ? DET_EV_FORGED_MAC : DET_EV_LINK_BOUND;
}

/* A source seen from one MAC whose binding no packet showed: ask the system (live). */
static void ask_binder(struct det_engine *d, struct src *s)
{
    uint8_t mac[6];
    if (!d->binder || s->mac_state != 1 || d->now_us < d->binder_next_us || bind_find(d, &s->addr))
        return;
    d->binder_next_us = d->now_us + 100000u;
    if (d->binder(d->binder_ctx, &s->addr, mac) == 1)
        bind_learn(d, &s->addr, mac);
}

/* The named evidence of a scan (alert.h enum det_evidence); s may be NULL (evicted): the
 * link and hop findings of the last emission stand. */
static unsigned scan_findings(const struct det_engine *d, const struct scan *sc,
                              const struct src *s)
{
    unsigned ev = stealth_fam(sc->fam) ? DET_EV_STEALTH : 0;
    uint32_t hs = sc->handshakes, ho = sc->halfopen, stray = sc->stray_rst;
    if (s) { /* the source's proofs count for all its scans */
        hs = s->handshakes > hs ? s->handshakes : hs;
        ho = s->halfopen > ho ? s->halfopen : ho;
        stray = s->stray_rst > stray ? s->stray_rst : stray;
    }
    /* one connection proves that the host exists, not that it scanned (an `nc -z`, a health
     * check): a single handshake is an answer like a half-open close */
    ev |= (hs >= 2 ? DET_EV_HANDSHAKE : 0) | (ho || hs == 1 ? DET_EV_HALFOPEN : 0);
    if (!s)
        return ev | (sc->evidence & ~(DET_EV_STEALTH | DET_EV_HANDSHAKE | DET_EV_HALFOPEN));
    ev |= s->vetoes | (sc->evidence & DET_EV_FORGED_MASK);
    unsigned link = link_evidence(d, s);
    ev |= link;
    if (link & DET_EV_LINK_BOUND) /* the owner itself: its hops and resets are its own */
        return ev;
    ev |= hop_evidence(s);
    if (stray && stray * 4 > hs + ho)
        ev |= DET_EV_FORGED_STRAY;
    return ev;
}

/* The findings, with `unproven` when they hold neither a proof nor a veto. */
static unsigned scan_evidence(const struct det_engine *d, const struct scan *sc,
                              const struct src *s)
{
    unsigned ev = scan_findings(d, sc, s) & ~DET_EV_UNPROVEN;
    if (!(ev & (DET_EV_LINK_BOUND | DET_EV_HANDSHAKE | DET_EV_HALFOPEN | DET_EV_FORGED_MASK)))
        ev |= DET_EV_UNPROVEN;
    return ev;
}

/* What the responder weighs before acting on the source (alert.h). */
static void fill_evidence(const struct scan *sc, struct det_alert *a)
{
    a->ev_handshakes = sc->handshakes;
    a->ev_halfopen = sc->halfopen;
    a->ev_stray_rst = sc->stray_rst;
    a->ev_hops_lo = sc->ans_hops_lo;
    a->ev_hops_hi = sc->ans_hops_hi;
    a->ev_stealth = sc->tech[T_FIN] + sc->tech[T_NULL] + sc->tech[T_XMAS] + sc->tech[T_ODD];
}

/* A scan of a campaign (scans of one target by several sources at once): decoys when it
 * probed mostly the same ports as every other member (nmap -D), else a distributed scan.
 * srcs[] lists up to DET_ALERT_MAX_SRCS members, this scan's source first. */
static void fill_campaign(const struct det_engine *d, const struct scan *sc, struct det_alert *a)
{
    int decoy = sc->camp_kind != 2;
    a->nsrcs = 1;
    a->srcs[0] = sc->src;
    for (uint32_t i = 0; i < d->cfg.max_scans; i++) {
        const struct scan *m = &d->scans[i];
        if (!m->used || m == sc || m->campaign_id != sc->campaign_id)
            continue;
        if (a->nsrcs < DET_ALERT_MAX_SRCS)
            a->srcs[a->nsrcs++] = m->src;
        uint32_t inter = popcount_and(sc->port_bits, m->port_bits, sizeof m->port_bits);
        uint32_t small = sc->nports < m->nports ? sc->nports : m->nports;
        if (a->nsrcs == 2) /* the first other member decides afresh */
            decoy = 1;
        if (inter * 2 < small)
            decoy = 0;
    }
    a->event = decoy ? "decoy_portscan" : "distributed_portscan";
}

static void fill_alert(const struct det_engine *d, const struct scan *sc, enum det_alert_kind kind,
                       struct det_alert *a)
{
    memset(a, 0, sizeof *a);
    a->scan_id = sc->id;
    a->kind = kind;
    a->incident_id = sc->incident_id;
    a->campaign_id = sc->campaign_id;
    a->ts_us = d->now_us;
    a->first_us = sc->first_us;
    a->last_us = sc->last_us;
    a->probes = sc->probes;
    a->ports_probed = sc->nports + sc->ports_extra;
    a->src = sc->src;
    a->has_src = 1;
    fill_evidence(sc, a);
    a->src_os = d->os_namer ? d->os_namer(d->os_ctx, &sc->src) : NULL;
    a->evidence = scan_evidence(d, sc, src_peek(d, &sc->src));
    uint32_t hosts = scan_hosts(sc);
    a->scan_type = scan_type_name(sc);
    a->port_bits = sc->port_bits;
    a->event = !strcmp(a->scan_type, "icmp") ? "hostsweep" : hosts > 1 ? "portsweep" : "portscan";
    if (sc->campaign_id)
        fill_campaign(d, sc, a);
    a->has_dst = hosts == 1;
    a->dst = sc->dst;
    a->dst_count = hosts;
    a->hosts_probed = hosts;
    a->nopen = sc->nopen;
    memcpy(a->open_ports, sc->open, sizeof(uint16_t) * sc->nopen);
    if (hosts > 1 && sc->fam != F_ICMP)
        a->nports = det_topk_top(&sc->top, a->port, a->port_count, DET_ALERT_MAX_PORTS);
    a->detector = sc->detector;
    a->confidence = sc->confidence;
    int raw = !strcmp(a->scan_type, "connect") ? 0 : 1;
    a->tool_guess = det_tool_name(raw ? det_tool_decide(&sc->tool) : DET_TOOL_UNKNOWN);
    a->action = "none";
}

/* A sink failed to write an alert: said at once on stderr, the first SINK_ERRORS_SHOWN
 * times and then at 10, 100, 1000... errors, so a full disk cannot flood the terminal;
 * every error is counted (det_stats.sink_errors, the summary, the exit code). */
#define SINK_ERRORS_SHOWN 5
static void sink_error(struct det_engine *d, const struct pr_error *e)
{
    uint64_t n = ++d->st.sink_errors;
    int power_of_ten = 0;
    for (uint64_t p = 10; p <= n && p != 0; p *= 10)
        power_of_ten |= p == n;
    if (n > SINK_ERRORS_SHOWN && !power_of_ten)
        return;
    fprintf(stderr, "portreeve detect: %s (%llu write error%s so far%s)\n", e->msg,
            (unsigned long long)n, n == 1 ? "" : "s",
            n == SINK_ERRORS_SHOWN ? "; further ones are shown at 10, 100, 1000..." : "");
}

/* One token of the global alert bucket at time now: 1, or 0 (counted) when it is empty. */
static int take_token(struct det_engine *d, uint64_t now)
{
    double dt = now > d->tokens_us ? (double)(now - d->tokens_us) / 1e6 : 0;
    if (now > d->tokens_us)
        d->tokens_us = now;
    d->tokens += dt * d->cfg.alert_rate;
    if (d->tokens > d->cfg.alert_burst)
        d->tokens = d->cfg.alert_burst;
    if (d->tokens < 1) {
        d->st.alerts_suppressed++;
        return 0;
    }
    d->tokens -= 1;
    return 1;
}

/* Emits the scan's alert through the global token bucket. */
static void scan_emit(struct det_engine *d, struct scan *sc, enum det_alert_kind kind)
{
    if (!take_token(d, d->now_us)) {
        sc->pending = 1;
        return;
    }
    if (!sc->emitted)
        kind = DET_ALERT_NEW;
    struct src *s = src_find(d, &sc->src, 0);
    if (s)
        ask_binder(d, s);
    struct det_alert a;
    fill_alert(d, sc, kind, &a);
    if (d->hooks.enrich)
        d->hooks.enrich(d->hooks.ctx, &a);
    if (d->responder) {
        const char *act = d->responder(d->responder_ctx, &a);
        if (act)
            a.action = act;
    }
    for (unsigned i = 0; i < d->nsinks; i++) {
        struct pr_error e = {""};
        if (d->sinks[i].ops->emit(d->sinks[i].ctx, &a, &e) < 0)
            sink_error(d, &e);
    }
    if (kind == DET_ALERT_NEW)
        d->st.alerts++;
    else
        d->st.updates++;
    sc->emitted = 1;
    sc->pending = 0;
    sc->evidence = a.evidence;
    if (sc->campaign_id && a.nsrcs > 1)
        sc->camp_kind = !strcmp(a.event, "decoy_portscan") ? 1 : 2;
    if (s)
        s->vetoes |= (uint16_t)(a.evidence & DET_EV_FORGED_MASK);
    sc->last_emit_us = d->now_us;
    sc->probes_at_emit = sc->probes;
    sc->nports_at_emit = sc->nports;
}

/* The evidence about s may have changed (an answer, a binding, a second MAC, narrower
 * hops): each of its reported scans whose findings changed is re-emitted at once, so
 * that the responder acts on the first proof (or stops on the first veto). */
static void evidence_changed(struct det_engine *d, struct src *s)
{
    ask_binder(d, s);
    for (unsigned f = 0; f < F_N && s->scan_fams; f++) {
        struct scan *sc = src_scan(d, s, f);
        if (!sc)
            continue;
        unsigned ev = scan_evidence(d, sc, s);
        s->vetoes |= (uint16_t)(ev & DET_EV_FORGED_MASK);
        if (d->responder && sc->emitted && ((ev ^ sc->evidence) & ~DET_EV_STEALTH))
            scan_emit(d, sc, DET_ALERT_UPDATE);
    }
}

/* Ends a scan: a last update if it changed. When it was the source's last open scan, the
 * source must show fresh evidence before it is reported again. */
static void scan_close(struct det_engine *d, struct scan *sc)
{
    if (sc->pending || !sc->emitted || sc->probes != sc->probes_at_emit)
        scan_emit(d, sc, DET_ALERT_END);
    sc->used = 0;
    struct src *s = src_find(d, &sc->src, 0);
    if (!s || src_scanning(d, s))
        return;
    s->llr = 0;
    s->fails = s->succ = s->stealth = 0;
    s->win_ports = s->win_hosts = s->win_pings = 0;
    memset(s->fcont, 0, sizeof s->fcont);
    memset(s->port_bits, 0, sizeof s->port_bits);
    memset(s->host_bits, 0, sizeof s->host_bits);
    memset(s->ping_bits, 0, sizeof s->ping_bits);
}

/* How long a scan may stay silent before it has ended: at least scan_idle, and three
 * times its mean gap between probes (slow scans: nmap -T1 waits 15 s, -T0 5 min). */
static uint64_t scan_idle_limit(const struct det_engine *d, const struct scan *sc)
{
    uint64_t lim = d->cfg.scan_idle_us;
    if (sc->probes > 1) {
        uint64_t gap = (sc->last_us - sc->first_us) / (sc->probes - 1);
        if (3 * gap > lim)
            lim = 3 * gap;
    }
    return lim < d->cfg.horizon_us ? lim : d->cfg.horizon_us;
}

/* A new scan of one target while another source's scan of it with the same technique (raw
 * and connect() SYNs alike) is under way: both are one campaign (decoys or a distributed
 * scan). The campaign only names them; each scan is still reported and judged on its own. */
static void join_group(struct det_engine *d, struct scan *sc)
{
    if (sc->multi_dst || d->cfg.no_campaigns)
        return;
    for (uint32_t i = 0; i < d->cfg.max_scans; i++) {
        struct scan *l = &d->scans[i];
        if (l == sc || !l->used || l->multi_dst ||
            (l->fam != sc->fam && syn_sibling(l->fam) != sc->fam) || !addr_eq(&l->dst, &sc->dst) ||
            addr_eq(&l->src, &sc->src))
            continue;
        if (l->last_us + d->cfg.scan_idle_us < sc->first_us)
            continue;
        if (!l->campaign_id) {
            l->campaign_id = d->next_campaign_id++;
            l->pending = l->emitted; /* its next line names the campaign */
        }
        sc->campaign_id = l->campaign_id;
        return;
    }
}

static void scan_add_port(struct scan *sc, uint16_t port)
{
    uint8_t m = (uint8_t)(1u << (port & 7));
    if (!(sc->port_bits[port >> 3] & m)) {
        sc->port_bits[port >> 3] |= m;
        sc->nports++;
    }
}

static void scan_add_host(struct det_engine *d, struct scan *sc, const struct pr_addr *dst)
{
    if (!addr_eq(dst, &sc->dst))
        sc->multi_dst = 1;
    if (bit_set(sc->host_bits, SCAN_HOST_BITS, hash_addr(d, dst, 3)))
        sc->nhosts_bits++;
}

/* Adds port to the open list; 1 when it was not there before. */
static int add_open(uint16_t *open, uint8_t *n, unsigned cap, uint16_t port)
{
    for (unsigned i = 0; i < *n; i++)
        if (open[i] == port)
            return 0;
    if (*n < cap)
        open[(*n)++] = port;
    return 1;
}

/* Opens the scan record of s's family f, from what the source table holds. `judging`: the
 * scan that made the source a scanner (it takes the source's history: start time, open
 * ports); later families start at the probe that opened them. */
static struct scan *open_scan(struct det_engine *d, struct src *s, unsigned f, unsigned det,
                              double conf, int judging)
{
    uint32_t n = d->cfg.max_scans;
    uint32_t base = (uint32_t)(hash_addr(d, &s->addr, 2) % (n - PROBE_WINDOW + 1)); /* no wrap */
    struct scan *victim = NULL;
    uint32_t vidx = 0;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        uint32_t k = base + i;
        struct scan *sc = &d->scans[k];
        if (!sc->used) {
            victim = sc;
            vidx = k;
            break;
        }
        if (!victim || sc->last_us < victim->last_us) {
            victim = sc;
            vidx = k;
        }
    }
    if (victim->used) {
        d->st.scans_evicted++;
        scan_close(d, victim);
    }
    struct scan *sc = victim;
    memset(sc, 0, sizeof *sc);
    sc->used = 1;
    sc->fam = (uint8_t)f;
    sc->id = d->next_scan_id++;
    if (!s->incident_id)
        s->incident_id = d->next_incident_id++;
    sc->incident_id = s->incident_id;
    sc->src = s->addr;
    sc->dst = s->first_dst;
    sc->first_us = judging ? s->first_us : d->now_us;
    sc->last_us = s->last_us;
    uint32_t fam_probes = 0;
    for (int t = 0; t < T_N; t++)
        if (fam_of[t] == f) {
            sc->tech[t] = s->tech[t];
            fam_probes += s->tech[t];
        }
    sc->probes = fam_probes;
    if (syn_sibling(f) < F_N) {
        if (judging) { /* a later SYN scan tells connect from syn by its own flows */
            sc->halfopen = s->halfopen;
            sc->connect_ev = s->connect_ev;
        }
        sc->handshakes = s->handshakes;
        sc->stray_rst = s->stray_rst;
        sc->ans_hops_lo = s->ans_hops_lo;
        sc->ans_hops_hi = s->ans_hops_hi;
    }
    sc->tool = s->tool;
    sc->from_fwlog = s->fwlog;
    uint32_t copied = 0;
    for (unsigned i = 0; i < s->nrecent; i++)
        if (s->recent_fam[i] == f) {
            scan_add_port(sc, s->recent_ports[i]);
            det_topk_add(&sc->top, s->recent_ports[i], s->recent_n[i] ? s->recent_n[i] : 1);
            copied++;
        }
    /* ports beyond the short exact list: the window's distinct ports when every probe was
     * of this family, else the family's first contacts (estimates) */
    uint32_t seen = fam_probes == s->probes      ? s->win_ports
                    : s->fcont[f] < s->win_ports ? s->fcont[f]
                                                 : s->win_ports;
    if (seen > copied)
        sc->ports_extra = seen - copied;
    scan_add_host(d, sc, &s->first_dst);
    if (s->multi_dst) {
        sc->multi_dst = 1;
        uint32_t h = linear_count(s->win_hosts, WIN_BITS);
        sc->hosts_extra = h > 1 ? h - 1 : 0;
    }
    for (unsigned i = 0; i < s->nopen; i++) /* a later scan: the ports its family found */
        if (judging || s->open_fam[i] == f)
            add_open(sc->open, &sc->nopen, SCAN_OPEN, s->open[i]);
    sc->detector = s->fwlog ? "fwlog" : det_names[det];
    sc->confidence = conf;
    s->scan_fams |= (uint16_t)(1u << f);
    s->scan_idx[f] = (uint16_t)vidx;
    s->has_scan = 1;
    d->st.scans++;
    join_group(d, sc);
    scan_emit(d, sc, DET_ALERT_NEW);
    return sc;
}

static double trw_confidence(double llr)
{
    double c = 1.0 - exp(-llr);
    return c > 0.999 ? 0.999 : c < 0 ? 0 : c;
}

/* A family that reached the stealth threshold of first contacts after its source was
 * judged: a scan of its own (Xmas, then SYN, then UDP: three scans of one incident). */
static void open_later_scan(struct det_engine *d, struct src *s, unsigned f)
{
    if (stealth_fam(f))
        open_scan(d, s, f, DN_FLAGS, 0.99, 0);
    else if (s->llr >= d->llr_hi)
        open_scan(d, s, f, DN_TRW, trw_confidence(s->llr), 0);
    else
        open_scan(d, s, f, DN_THRESHOLD, 0.9, 0);
}

/* A source has been judged a scanner: its scan record for the family of most of its first
 * contacts (then probes: a host's many connections to a few web servers are no scan beside
 * its SYN scan), and one for each other family with enough first contacts (not for the
 * sibling of an open SYN scan: syn_follow() tells a second scan from a mixed one). */
static void detect(struct det_engine *d, struct src *s, unsigned det, double conf)
{
    uint64_t fp[F_N] = {0}, best = 0;
    unsigned bf = F_N;
    for (int t = 0; t < T_N; t++)
        fp[fam_of[t]] += s->tech[t];
    for (unsigned f = 0; f < F_N; f++)
        if ((fp[f] += (uint64_t)s->fcont[f] << 32) > best) {
            best = fp[f];
            bf = f;
        }
    if (bf == F_N)
        return;
    open_scan(d, s, bf, det, conf, 1);
    for (unsigned f = 0; f < F_N; f++)
        if (f != bf && s->fcont[f] >= d->cfg.flags_threshold && !src_scan(d, s, f) &&
            !(syn_sibling(f) < F_N && src_scan(d, s, syn_sibling(f))))
            open_later_scan(d, s, f);
}

static void check_source(struct det_engine *d, struct src *s)
{
    if (s->has_scan && src_scanning(d, s))
        return;
    if (s->stealth >= d->cfg.flags_threshold)
        detect(d, s, DN_FLAGS, 0.99);
    else if (s->llr >= d->llr_hi && s->fails >= d->cfg.trw_min_fail)
        detect(d, s, DN_TRW, trw_confidence(s->llr));
    else if (s->win_ports >= d->cfg.port_threshold || s->win_hosts >= d->cfg.host_threshold ||
             s->win_pings >= d->cfg.ping_threshold ||
             (d->cfg.burst_ports && (uint32_t)(s->win_ports - s->burst_base) >= d->cfg.burst_ports))
        detect(d, s, DN_THRESHOLD, 0.9);
}

/* ---------------------------------------------------------------- probes and outcomes */

/* A probe of gs's own family came after first contacts of its sibling SYN family: the two
 * interleave. From the MIX_INTERLEAVED-th time on, gs is a mixed scan: the sibling's probes
 * are its own (src_scan() finds it for both families) and no second scan opens. */
static void syn_interleaved(struct det_engine *d, struct src *s, struct scan *gs)
{
    gs->sib_run = 0;
    gs->sib_keys = 0;
    unsigned g = syn_sibling(gs->fam);
    if (++gs->sib_mix < MIX_INTERLEAVED || gs->mixed || src_scan(d, s, g))
        return;
    gs->mixed = 1;
    s->scan_fams |= (uint16_t)(1u << g);
    s->scan_idx[g] = s->scan_idx[gs->fam];
    for (unsigned i = 0; i < s->nrecent; i++) { /* the sibling's ports so far are the scan's */
        if (s->recent_fam[i] != g)
            continue;
        uint32_t had = gs->nports;
        scan_add_port(gs, s->recent_ports[i]);
        if (gs->nports != had)
            det_topk_add(&gs->top, s->recent_ports[i], s->recent_n[i] ? s->recent_n[i] : 1);
    }
    for (unsigned i = 0; i < s->nopen; i++)
        if (s->open_fam[i] == g)
            add_open(gs->open, &gs->nopen, SCAN_OPEN, s->open[i]);
}

/* A probe of SYN family f to dst:port (what probe() counted: k) while the scan gs of its
 * sibling runs and f has none: flags_threshold (at most SIB_RUN_MAX) first contacts of f to
 * distinct (destination, port) pairs in a row, with no probe of gs between them, are a scan of
 * their own (nmap -sS after nmap -sT); shorter runs wait (connections of the scanning host — the
 * same service again counts once even when the contact filter is too full to tell —, or a mixed
 * scan whose next probe of gs comes). */
static void syn_follow(struct det_engine *d, struct src *s, struct scan *gs, unsigned f,
                       const struct pr_addr *dst, uint16_t port, uint8_t k)
{
    uint64_t key = 1ull << ((port + 31u * dst->a[dst->family == AF_INET6 ? 15 : 3]) & 63);
    if (!(k & CNT_FCONT) || (gs->sib_keys & key))
        return;
    gs->sib_keys |= key;
    if (++gs->sib_run >= d->cfg.flags_threshold || gs->sib_run >= SIB_RUN_MAX) {
        gs->sib_run = 0;
        gs->sib_keys = 0;
        open_later_scan(d, s, f);
    }
}

/* One probe packet from s: counts it everywhere; *cnt says what was counted (CNT_*;
 * CNT_FIRST: a first contact), for the flow it opens. */
static void probe(struct det_engine *d, struct src *s, const struct pr_addr *dst, uint8_t proto,
                  uint16_t port, enum tech t, enum det_tool vote, uint8_t ttl, uint16_t sport,
                  uint8_t *cnt)
{
    unsigned f = fam_of[t];
    uint8_t k = 0;
    d->st.probes++;
    s->probes++;
    s->tech[t]++;
    det_tool_account(&s->tool, vote, ttl, sport, proto);
    if (!s->ttl_n[t] || ttl < s->ttl_lo[t])
        s->ttl_lo[t] = ttl;
    if (!s->ttl_n[t] || ttl > s->ttl_hi[t])
        s->ttl_hi[t] = ttl;
    if (s->ttl_n[t] < UINT8_MAX)
        s->ttl_n[t]++;
    if (s->contacts == 0 && s->probes == 1)
        s->first_dst = *dst;
    else if (!addr_eq(dst, &s->first_dst))
        s->multi_dst = 1;
    if (d->now_us > s->win_start + d->cfg.window_us) {
        s->win_start = d->now_us;
        s->win_ports = s->win_hosts = s->win_pings = 0;
        memset(s->port_bits, 0, sizeof s->port_bits);
        memset(s->host_bits, 0, sizeof s->host_bits);
        memset(s->ping_bits, 0, sizeof s->ping_bits);
    }
    if (d->now_us > s->burst_start + d->cfg.burst_us || s->win_ports < s->burst_base) {
        s->burst_start = d->now_us;
        s->burst_base = s->win_ports;
    }
    uint64_t hh = hash_addr(d, dst, 3);
    if (t == T_ICMP) {
        if (bit_set(s->ping_bits, WIN_BITS, hh))
            s->win_pings++;
    } else if (bit_set(s->port_bits, WIN_BITS, hash_port(d, proto, port))) {
        s->win_ports++;
        k |= CNT_PORT;
    }
    if (bit_set(s->host_bits, WIN_BITS, hh)) {
        s->win_hosts++;
        k |= CNT_HOST;
    }
    if (bit_set(s->contact_bits, CONTACT_BITS, hash_contact(d, dst, proto, port, f))) {
        k |= CNT_FIRST;
        s->contacts++;
        if (stealth_fam(f))
            s->stealth++;
    }
    /* the short exact list of ports does not depend on the hashed contact bitmap, whose
     * collisions (a few percent at 20 contacts) would otherwise drop a port from the scan */
    if (t != T_ICMP) {
        unsigned i = 0;
        while (i < s->nrecent && !(s->recent_ports[i] == port && s->recent_fam[i] == f))
            i++;
        if (i == s->nrecent && s->nrecent < SRC_RECENT) {
            s->recent_fam[i] = (uint8_t)f;
            s->recent_ports[i] = port;
            s->recent_n[s->nrecent++] = 0;
        }
        if (i < s->nrecent && s->recent_n[i] < UINT8_MAX) {
            s->recent_n[i]++;
            k |= CNT_RECENT;
        }
    }
    /* A source whose contacts filled half the filter (a scan of hundreds of ports) finds
     * few bits left for its next technique: there, every probe of a family counts towards
     * opening that family's scan, or a second full-range scan would never be reported. */
    if (((k & CNT_FIRST) || s->contacts >= CONTACT_BITS / 2) && s->fcont[f] < UINT16_MAX) {
        s->fcont[f]++;
        k |= CNT_FCONT;
    }
    *cnt = k;
    struct scan *sc = src_scan(d, s, f);
    if (sc) {
        *cnt |= CNT_SCAN;
        sc->probes++;
        sc->tech[t]++;
        sc->last_us = d->now_us;
        det_tool_account(&sc->tool, vote, ttl, sport, proto);
        if (t != T_ICMP)
            scan_add_port(sc, port);
        if (t != T_ICMP)
            det_topk_add(&sc->top, port, 1);
        scan_add_host(d, sc, dst);
        if (sc->pending ||
            (d->now_us >= sc->last_emit_us + d->cfg.update_us &&
             (sc->probes >= 2 * sc->probes_at_emit || sc->nports >= 2 * sc->nports_at_emit)))
            scan_emit(d, sc, DET_ALERT_UPDATE);
        if (sc->sib_run && sc->fam == f)
            syn_interleaved(d, s, sc);
        /* hop counts narrow as probes come: the answers may now be confirmed or refuted */
        if (s->ans_n && !(sc->evidence & (DET_EV_LINK_BOUND | DET_EV_HOPS_OK | DET_EV_FORGED_MASK)))
            evidence_changed(d, s);
    } else if (s->has_scan) {
        unsigned g = syn_sibling(f);
        struct scan *gs = g < F_N ? src_scan(d, s, g) : NULL;
        if (gs)
            syn_follow(d, s, gs, f, dst, port, k);
        else if (s->fcont[f] >= d->cfg.flags_threshold && src_scanning(d, s))
            open_later_scan(d, s, f);
    }
}

/* The outcome of a first contact: TRW step, open ports, detection. */
static void outcome(struct det_engine *d, struct conn *c, int success)
{
    if (!conn_pending(c) && c->state != C_SYNACK)
        return;
    struct src *s = src_find(d, &c->a, 0);
    c->state = C_DONE;
    if (!s)
        return;
    if (c->counted & CNT_FIRST) {
        if (success) {
            s->succ++;
            s->llr += d->llr_succ;
            if (s->llr < d->llr_lo)
                s->llr = d->llr_lo;
        } else {
            s->fails++;
            s->llr += d->llr_fail;
        }
    }
    check_source(d, s);
}

/* port, found open by a flow of family f, joins s's list; 1 when it was not there. */
static int src_add_open(struct src *s, uint16_t port, unsigned f)
{
    for (unsigned i = 0; i < s->nopen; i++)
        if (s->open[i] == port && s->open_fam[i] == f)
            return 0;
    if (s->nopen < 8) {
        s->open_fam[s->nopen] = (uint8_t)f;
        s->open[s->nopen++] = port;
    }
    return 1;
}

/* Takes port, as found by family f, off s's list. */
static void src_drop_open(struct src *s, uint16_t port, unsigned f)
{
    for (unsigned i = 0; i < s->nopen; i++)
        if (s->open[i] == port && s->open_fam[i] == f) {
            s->nopen--;
            s->open[i] = s->open[s->nopen];
            s->open_fam[i] = s->open_fam[s->nopen];
            return;
        }
}

/* c's SYN-ACK (or UDP answer) shows its port open; a port new to the source's lists marks
 * c as the flow that found it (C_FOUND). */
static void open_port(struct det_engine *d, struct conn *c)
{
    struct src *s = src_find(d, &c->a, 0);
    if (!s)
        return;
    unsigned f = fam_of[c->tech];
    struct scan *sc = src_scan(d, s, f);
    if (sc ? add_open(sc->open, &sc->nopen, SCAN_OPEN, c->bp) : src_add_open(s, c->bp, f))
        c->fl |= C_FOUND;
}

/* ---------------------------------------------------------------- client traffic */

/* An answer that another host sent: not from the requester's own MAC and, when the
 * answering address is bound to a MAC on the link (ARP/ND), from that MAC. */
static int believable(const struct det_engine *d, const struct conn *c, const struct det_event *ev)
{
    if (!ev->has_mac)
        return 1;
    const struct src *s = src_peek(d, &c->a);
    if (s && s->mac_state == 1 && !memcmp(s->mac, ev->src_mac, 6))
        return 0;
    const struct bind *b = bind_find(d, &ev->src);
    return !b || (!b->conflict && !memcmp(b->mac, ev->src_mac, 6));
}

static void bit_clear(uint8_t *bits, size_t nbits, uint64_t h)
{
    size_t i = (size_t)(h % nbits);
    bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

static void drop_open(uint16_t *open, uint8_t *n, uint16_t port)
{
    for (unsigned i = 0; i < *n; i++)
        if (open[i] == port) {
            open[i] = open[--*n];
            return;
        }
}

/* A home source's request was answered as a client's is (a UDP reply, a TCP connection
 * whose handshake it proved and that carried data both ways): it was no probe. Takes back
 * what probe() counted for it (c->counted), so that DNS, NTP or web traffic neither opens
 * a scan nor joins one; its success stays in the TRW, as every answered contact's does.
 * Unanswered and refused requests are never taken back (docs/detect.md). */
static void retract(struct det_engine *d, struct conn *c)
{
    if ((c->fl & C_CLIENT) || !d->hooks.is_home || !d->hooks.is_home(d->hooks.ctx, &c->a))
        return;
    c->fl |= C_CLIENT;
    struct src *s = src_find(d, &c->a, 0);
    if (!s || c->ts_us < s->first_us) /* the entry is not the one that counted it */
        return;
    unsigned f = fam_of[c->tech];
    uint8_t k = c->counted;
    s->probes -= s->probes > 0;
    s->tech[c->tech] -= s->tech[c->tech] > 0;
    if (k & CNT_FIRST)
        s->contacts -= s->contacts > 0;
    if (k & CNT_FCONT)
        s->fcont[f] -= s->fcont[f] > 0;
    if (c->ts_us >= s->win_start) { /* counted in this window */
        if ((k & CNT_PORT) && s->win_ports) {
            s->win_ports--;
            bit_clear(s->port_bits, WIN_BITS, hash_port(d, c->proto, c->bp));
            if (s->burst_base > s->win_ports)
                s->burst_base = s->win_ports;
        }
        if ((k & CNT_HOST) && s->win_hosts) {
            s->win_hosts--;
            bit_clear(s->host_bits, WIN_BITS, hash_addr(d, &c->b, 3));
        }
    }
    for (unsigned i = 0; (k & CNT_RECENT) && i < s->nrecent; i++) {
        if (s->recent_ports[i] != c->bp || s->recent_fam[i] != f)
            continue;
        if (s->recent_n[i] && --s->recent_n[i] == 0) { /* its only contact: no port of s */
            src_drop_open(s, c->bp, f);
            s->nrecent--;
            s->recent_ports[i] = s->recent_ports[s->nrecent];
            s->recent_fam[i] = s->recent_fam[s->nrecent];
            s->recent_n[i] = s->recent_n[s->nrecent];
        }
        break;
    }
    struct scan *sc = (k & CNT_SCAN) ? src_scan(d, s, f) : NULL;
    if (!sc || c->ts_us < sc->first_us)
        return;
    sc->probes -= sc->probes > 0;
    sc->tech[c->tech] -= sc->tech[c->tech] > 0;
    if (c->tech != T_ICMP && det_topk_sub(&sc->top, c->bp) == 0) {
        sc->port_bits[c->bp >> 3] &= (uint8_t) ~(1u << (c->bp & 7));
        sc->nports -= sc->nports > 0;
        drop_open(sc->open, &sc->nopen, c->bp);
    }
}

/* A TCP flow with a proven handshake and data both ways is a client's connection. */
static void tcp_client(struct det_engine *d, struct conn *c)
{
    if ((c->fl & (C_PROVEN | C_DATA | C_RDATA | C_CLIENT)) == (C_PROVEN | C_DATA | C_RDATA))
        retract(d, c);
}

/* A source judged a scanner completed a handshake on c (proven by its ACK) to a port one
 * of its open scans of that one target found open, and c was no probe of that scan (the
 * port was no first contact, and c is not the flow whose SYN-ACK found it: a connect
 * scan's own handshake whose first contact the source's filter took for a repeat): the
 * hooks' connect (scan_then_connect). A flow of one SYN family is no probe of the other
 * family's own scan (ssh after nmap -sS) once it carries data (C_USE: called again at its
 * first byte), which a connect scan's probe never does (nmap -sT after nmap -sS).
 * Sweeps keep no open ports per host, so a connection after one cannot be tied to what it
 * found. */
static void connect_found(struct det_engine *d, struct src *s, struct conn *c)
{
    if (!d->hooks.connect || !s->has_scan)
        return;
    int first = (c->counted & CNT_FIRST) || (c->fl & C_FOUND);
    unsigned sib = syn_sibling(fam_of[c->tech]);
    for (unsigned f = 0; f < F_N; f++) {
        struct scan *sc = src_scan(d, s, f);
        int other = sc && sc->fam == sib && !sc->mixed; /* c is none of its probes */
        if (!sc || sc->multi_dst || !addr_eq(&sc->dst, &c->b) || (first && !other))
            continue;
        for (unsigned i = 0; i < sc->nopen; i++) {
            if (sc->open[i] != c->bp)
                continue;
            if (other && !(c->fl & C_DATA)) {
                c->fl |= C_USE;
                return;
            }
            struct det_connect x = {.src = c->a,
                                    .dst = c->b,
                                    .port = c->bp,
                                    .ts_us = d->now_us,
                                    .scan_id = sc->id,
                                    .incident_id = sc->incident_id,
                                    .scan_type = scan_type_name(sc)};
            x.evidence = (scan_evidence(d, sc, s) | DET_EV_HANDSHAKE) & ~DET_EV_UNPROVEN;
            d->hooks.connect(d->hooks.ctx, &x);
            return;
        }
    }
}

static enum tech tcp_tech(const struct det_event *ev, int *candidate)
{
    uint8_t f = ev->flags & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG);
    *candidate = 0;
    if (f & TH_RST)
        return T_N;
    if (f == TH_SYN) {
        if (ev->opts_known && ev->nopts >= 3 && (ev->opt_mask & ((1u << 4) | (1u << 8))))
            return T_SYN_OS;
        return T_SYN;
    }
    if (f == 0)
        return T_NULL;
    if (f == TH_FIN)
        return T_FIN;
    if (f == (TH_FIN | TH_PSH | TH_URG))
        return T_XMAS;
    if (f & TH_ACK) {
        if (f & TH_SYN)
            return T_N; /* SYN-ACK without a SYN seen: capture started late */
        if (ev->payload_len)
            return T_N;
        if (f == TH_ACK) {
            *candidate = 1;
            return T_ACK;
        }
        if (f == (TH_FIN | TH_ACK)) {
            *candidate = 1;
            return T_MAIMON;
        }
        return T_N;
    }
    return T_ODD;
}

static int multicast(const struct pr_addr *a);

/* A firewall LOG line: a logged packet is a contact that failed (it was dropped). */
static void fwlog_event(struct det_engine *d, const struct det_event *ev)
{
    enum tech t;
    int cand;
    uint16_t port = ev->dport;
    if (ev->proto == DET_PROTO_TCP) {
        t = tcp_tech(ev, &cand);
        if (t == T_N)
            return;
    } else if (ev->proto == DET_PROTO_UDP) {
        if (ev->sport < 1024 && ev->dport >= 1024)
            return; /* a reply (see udp_event) */
        t = T_UDP;
    } else if (det_event_is_ping(ev)) {
        t = T_ICMP;
        port = 0;
    } else if (ev->proto != DET_PROTO_ICMP && ev->proto != DET_PROTO_ICMP6 &&
               !multicast(&ev->dst)) {
        t = T_PROTO; /* AH, ESP, GRE, any protocol number: nmap -sO (see other_event) */
        port = ev->proto;
    } else {
        return;
    }
    struct src *s = src_find(d, &ev->src, 1);
    s->last_us = d->now_us;
    s->fwlog = 1;
    uint8_t first;
    probe(d, s, &ev->dst, ev->proto, port, t, det_tool_vote(ev), ev->ttl, ev->sport, &first);
    if ((first & CNT_FIRST) && t != T_ICMP) {
        s->fails++;
        s->llr += d->llr_fail;
    }
    check_source(d, s);
}

/* ---------------------------------------------------------------- answers */

/* TTL consistency: every answer of one host travels the same number of hops, whatever
 * initial TTL its stack or tool chose (32, 64, 128 or 255). */
static void answer_hops(struct src *s, uint8_t ttl)
{
    uint8_t hops = (uint8_t)ttl_hops(ttl);
    if (!s->ans_n || hops < s->ans_hops_lo)
        s->ans_hops_lo = hops;
    if (!s->ans_n || hops > s->ans_hops_hi)
        s->ans_hops_hi = hops;
    if (s->ans_n < UINT8_MAX)
        s->ans_n++;
}

static void scan_answer_hops(struct scan *sc, const struct src *s)
{
    sc->ans_hops_lo = s->ans_hops_lo;
    sc->ans_hops_hi = s->ans_hops_hi;
}

/* A reset from the initiator of c, a flow never accepted nor refused. */
static void stray_rst(struct det_engine *d, const struct conn *c, const struct det_event *ev)
{
    struct src *s = src_find(d, &c->a, 0);
    if (!s)
        return;
    note_mac(s, ev);
    if (s->stray_rst < UINT16_MAX)
        s->stray_rst++;
    struct scan *sc = src_scan(d, s, fam_of[c->tech]);
    if (sc)
        sc->stray_rst++;
    evidence_changed(d, s);
}

/* A packet from s that only the host that received our SYN-ACK on c could send: a RST
 * (half-open close) or the ACK that completes the handshake. The scan of c's family (the
 * SYN's kind) keeps it as its own evidence; the source's counts are proofs for all its scans. */
static void answer(struct det_engine *d, struct src *s, const struct conn *c,
                   const struct det_event *ev, int handshake)
{
    note_mac(s, ev);
    if (handshake) {
        if (s->handshakes < UINT16_MAX)
            s->handshakes++;
    } else {
        s->halfopen++;
    }
    answer_hops(s, ev->ttl);
    struct scan *sc = src_scan(d, s, fam_of[c->tech]);
    if (sc) {
        if (handshake)
            sc->handshakes++;
        else
            sc->halfopen++;
        scan_answer_hops(sc, s);
    }
    evidence_changed(d, s);
}

/* An address-to-MAC binding (ARP, neighbour discovery). The unspecified address of
 * duplicate address detection and multicast senders claim nothing. */
static void learn(struct det_engine *d, const struct det_event *ev)
{
    static const uint8_t zero[16];
    if (!ev->has_mac || !memcmp(ev->src.a, zero, ev->src.family == AF_INET6 ? 16 : 4) ||
        (ev->src.family == AF_INET6 ? ev->src.a[0] == 0xff : (ev->src.a[0] & 0xf0) == 0xe0))
        return;
    if (!bind_learn(d, &ev->src, ev->src_mac))
        return;
    struct src *s = src_find(d, &ev->src, 0);
    if (s && s->has_scan)
        evidence_changed(d, s);
}

static void tcp_event(struct det_engine *d, const struct det_event *ev)
{
    struct conn *c, *rc;
    conn_find2(d, ev->proto, &ev->src, ev->sport, &ev->dst, ev->dport, &c, &rc);
    if (c) { /* from the initiator */
        c->last_us = d->now_us;
        if (ev->payload_len) {
            int use = (c->fl & (C_USE | C_DATA)) == C_USE; /* its first byte */
            c->fl |= C_DATA;
            struct src *s = use ? src_find(d, &c->a, 0) : NULL;
            if (s)
                connect_found(d, s, c);
        }
        if (c->state == C_SYN && (ev->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
            struct src *s = src_find(d, &c->a, 0);
            if (s) { /* a retransmission is a probe packet but no new contact */
                note_mac(s, ev);
                s->probes++;
                struct scan *sc = src_scan(d, s, fam_of[c->tech]);
                if (sc)
                    sc->probes++;
            }
        } else if (c->state == C_SYNACK) {
            struct src *s = src_find(d, &c->a, 0);
            if (ev->flags & TH_RST) { /* half-open: a SYN scanner's kernel or tool */
                if (s)
                    answer(d, s, c, ev, 0);
                c->state = C_DONE;
            } else if (ev->flags & TH_ACK) {
                c->state = C_EST;
                /* only the real initiator saw our SYN-ACK and knows its sequence number: its
                 * distance is known; a proof of scanning once it leaves without a byte */
                if ((uint16_t)ev->ack == c->sa_ack16) {
                    c->fl |= C_PROVEN;
                    if (s) {
                        note_mac(s, ev);
                        answer_hops(s, ev->ttl);
                        connect_found(d, s, c);
                    }
                }
            }
        } else if ((ev->flags & TH_RST) && !(c->fl & C_REFUSED) &&
                   (c->state == C_SYN || (c->state == C_DONE && !c->sa_ack16))) {
            /* a reset for a flow we never accepted nor refused (masscan answers our RST
             * with one: that is a reply, not a blind reset) */
            stray_rst(d, c, ev);
        } else if (c->state == C_EST && (ev->flags & (TH_RST | TH_FIN))) {
            if (!(c->fl & C_DATA)) { /* handshake then teardown without a byte: connect scan */
                struct src *s = src_find(d, &c->a, 0);
                if (s) {
                    s->connect_ev++;
                    struct scan *sc = src_scan(d, s, fam_of[c->tech]);
                    if (sc)
                        sc->connect_ev++;
                    if ((c->fl & C_PROVEN) && (c->counted & CNT_FIRST)) /* a probe */
                        answer(d, s, c, ev, 1);
                }
            }
            c->state = C_DONE;
        }
        tcp_client(d, c);
        return;
    }
    c = rc;
    if (c) { /* from the responder */
        c->last_us = d->now_us;
        /* once per flow: the lookups stay off the path of established traffic */
        if (ev->payload_len && !(c->fl & (C_RDATA | C_CLIENT)) && believable(d, c, ev)) {
            c->fl |= C_RDATA;
            tcp_client(d, c);
        }
        if (c->state == C_SYN) {
            if ((ev->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
                outcome(d, c, 1);
                c->state = C_SYNACK;
                c->sa_ack16 = (uint16_t)(ev->seq + 1u);
                open_port(d, c);
            } else if (ev->flags & TH_RST) {
                outcome(d, c, 0);
                c->fl |= C_REFUSED;
            }
        } else if (c->state == C_PROBE) {
            outcome(d, c, !(ev->flags & TH_RST));
        } else if (c->state == C_ACKP) {
            if (ev->flags & TH_RST) {
                /* an ACK or FIN|ACK outside any flow, refused: a probe after all */
                struct src *s = src_find(d, &c->a, 1);
                s->last_us = d->now_us;
                probe(d, s, &c->b, c->proto, c->bp, (enum tech)c->tech, (enum det_tool)c->vote,
                      c->ttl, c->ap, &c->counted);
                outcome(d, c, 0);
            } else {
                c->state = C_DONE; /* part of a flow that began before we looked */
            }
        }
        return;
    }
    int cand;
    enum tech t = tcp_tech(ev, &cand);
    if (t == T_N)
        return;
    if (cand) {
        struct conn *n = conn_new(d, ev->proto, &ev->src, ev->sport, &ev->dst, ev->dport, 0);
        n->state = C_ACKP;
        n->tech = (uint8_t)t;
        n->vote = (uint8_t)det_tool_vote(ev);
        n->ttl = ev->ttl;
        return;
    }
    struct src *s = src_find(d, &ev->src, 1);
    s->last_us = d->now_us;
    if (note_mac(s, ev))
        evidence_changed(d, s);
    uint8_t first;
    probe(d, s, &ev->dst, ev->proto, ev->dport, t, det_tool_vote(ev), ev->ttl, ev->sport, &first);
    struct conn *n = conn_new(d, ev->proto, &ev->src, ev->sport, &ev->dst, ev->dport,
                              (uint8_t)(src_class(s) >= 2));
    n->state = (t == T_SYN || t == T_SYN_OS) ? C_SYN : C_PROBE;
    n->tech = (uint8_t)t;
    n->counted = first;
    check_source(d, s);
}

static void udp_event(struct det_engine *d, const struct det_event *ev)
{
    struct conn *c, *rc;
    conn_find2(d, ev->proto, &ev->src, ev->sport, &ev->dst, ev->dport, &c, &rc);
    if (c) {
        c->last_us = d->now_us;
        if (c->state == C_UDP) {
            struct src *s = src_find(d, &c->a, 0);
            if (s) {
                s->probes++;
                struct scan *sc = src_scan(d, s, F_UDP);
                if (sc)
                    sc->probes++;
            }
        }
        return;
    }
    c = rc;
    if (c) {
        c->last_us = d->now_us;
        if (c->state == C_UDP) {
            if (believable(d, c, ev)) /* a client's answered query: no probe */
                retract(d, c);
            outcome(d, c, 1);
            if (!(c->fl & C_CLIENT))
                open_port(d, c);
        }
        return;
    }
    /* from a service port to an ephemeral one: the answer to a request sent before we
     * looked (a DNS or NTP reply), not a probe; nor is discovery sent to a group or to
     * everyone (mDNS, SSDP, DHCP), which no unicast answer could complete */
    if ((ev->sport < 1024 && ev->dport >= 1024) || multicast(&ev->dst))
        return;
    struct src *s = src_find(d, &ev->src, 1);
    s->last_us = d->now_us;
    if (note_mac(s, ev))
        evidence_changed(d, s);
    uint8_t first;
    probe(d, s, &ev->dst, ev->proto, ev->dport, T_UDP, det_tool_vote(ev), ev->ttl, ev->sport,
          &first);
    struct conn *n = conn_new(d, ev->proto, &ev->src, ev->sport, &ev->dst, ev->dport,
                              (uint8_t)(src_class(s) >= 2));
    n->state = C_UDP;
    n->tech = T_UDP;
    n->counted = first;
    check_source(d, s);
}

static void icmp_event(struct det_engine *d, const struct det_event *ev)
{
    if (det_event_is_unreach(ev)) {
        if (!ev->has_inner)
            return;
        /* the quoted datagram went from the scanner (inner_src) to the target */
        struct conn *c = conn_find(d, ev->inner_proto, &ev->inner_src, ev->inner_sport,
                                   &ev->inner_dst, ev->inner_dport);
        if (c && conn_pending(c) && c->state != C_ACKP)
            outcome(d, c, 0);
        return;
    }
    if (ev->proto == DET_PROTO_ICMP6 && ev->icmp_type >= 133 && ev->icmp_type <= 136) {
        learn(d, ev); /* neighbour discovery: the sender's address and MAC */
        return;
    }
    if (det_event_is_ping(ev)) {
        struct conn *c = conn_find(d, ev->proto, &ev->src, ev->icmp_id, &ev->dst, 0);
        if (c)
            return;
        struct src *s = src_find(d, &ev->src, 1);
        s->last_us = d->now_us;
        if (note_mac(s, ev))
            evidence_changed(d, s);
        uint8_t first;
        probe(d, s, &ev->dst, ev->proto, 0, T_ICMP, det_tool_vote(ev), ev->ttl, ev->icmp_id,
              &first);
        struct conn *n = conn_new(d, ev->proto, &ev->src, ev->icmp_id, &ev->dst, 0,
                                  (uint8_t)(src_class(s) >= 2));
        n->state = C_PING;
        n->tech = T_ICMP;
        n->counted = first;
        check_source(d, s);
        return;
    }
    int reply = (ev->proto == DET_PROTO_ICMP && (ev->icmp_type == 0 || ev->icmp_type == 14)) ||
                (ev->proto == DET_PROTO_ICMP6 && ev->icmp_type == 129);
    if (reply) {
        struct conn *c = conn_find(d, ev->proto, &ev->dst, ev->icmp_id, &ev->src, 0);
        if (c && c->state == C_PING)
            outcome(d, c, 1);
    }
}

static int multicast(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? a->a[0] == 0xff : (a->a[0] & 0xf0) == 0xe0 || a->a[0] == 0xff;
}

/* Another IP protocol: nmap -sO tries each protocol number; unsupported ones are
 * answered by ICMP protocol unreachable. The protocol number stands for the port. */
static void other_event(struct det_engine *d, const struct det_event *ev)
{
    struct conn *c, *rc;
    conn_find2(d, ev->proto, &ev->src, 0, &ev->dst, 0, &c, &rc);
    if (c) {
        c->last_us = d->now_us;
        return;
    }
    c = rc;
    if (c) {
        c->last_us = d->now_us;
        if (c->state == C_PROTO)
            outcome(d, c, 1);
        return;
    }
    if (multicast(&ev->dst)) /* routing and discovery protocols */
        return;
    struct src *s = src_find(d, &ev->src, 1);
    s->last_us = d->now_us;
    if (note_mac(s, ev))
        evidence_changed(d, s);
    uint8_t first;
    probe(d, s, &ev->dst, ev->proto, ev->proto, T_PROTO, DET_TOOL_UNKNOWN, ev->ttl, 0, &first);
    struct conn *n = conn_new(d, ev->proto, &ev->src, 0, &ev->dst, 0, (uint8_t)(src_class(s) >= 2));
    n->state = C_PROTO;
    n->tech = T_PROTO;
    n->counted = first;
    check_source(d, s);
}

void det_engine_event(struct det_engine *d, const struct det_event *ev)
{
    d->st.events++;
    if (ev->src.family != AF_INET && ev->src.family != AF_INET6)
        return;
    if (ev->ts_us > d->now_us)
        det_engine_tick(d, ev->ts_us);
    if (ev->origin == DET_ORIG_FWLOG) {
        fwlog_event(d, ev);
        return;
    }
    if (ev->origin == DET_ORIG_BIND) {
        learn(d, ev);
        return;
    }
    switch (ev->proto) {
    case DET_PROTO_TCP:
        tcp_event(d, ev);
        break;
    case DET_PROTO_UDP:
        udp_event(d, ev);
        break;
    case DET_PROTO_ICMP:
    case DET_PROTO_ICMP6:
        icmp_event(d, ev);
        break;
    default:
        other_event(d, ev);
        break;
    }
}

/* ---------------------------------------------------------------- time */

static void sweep(struct det_engine *d, int final)
{
    for (uint32_t i = 0; i < d->cfg.max_conns; i++) {
        struct conn *c = &d->conns[i];
        if (c->state == C_FREE)
            continue;
        if (conn_pending(c) && (final || c->ts_us + d->cfg.conn_timeout_us <= d->now_us)) {
            if (c->state == C_ACKP)
                c->state = C_DONE;
            else
                outcome(d, c, 0); /* no answer: filtered or dropped */
        }
        if (!conn_pending(c) && (final || c->last_us + CONN_IDLE_US <= d->now_us))
            c->state = C_FREE;
    }
    /* pending lines first, while every member of a campaign is still there to name */
    for (uint32_t i = 0; i < d->cfg.max_scans; i++)
        if (d->scans[i].used && d->scans[i].pending)
            scan_emit(d, &d->scans[i], DET_ALERT_UPDATE);
    for (uint32_t i = 0; i < d->cfg.max_scans; i++) {
        struct scan *sc = &d->scans[i];
        if (sc->used && (final || sc->last_us + scan_idle_limit(d, sc) <= d->now_us))
            scan_close(d, sc);
    }
}

void det_engine_tick(struct det_engine *d, uint64_t now_us)
{
    if (now_us <= d->now_us)
        return;
    d->now_us = now_us;
    if (!d->next_sweep_us)
        d->next_sweep_us = now_us + d->cfg.conn_timeout_us / 4;
    if (now_us >= d->next_sweep_us) {
        sweep(d, 0);
        d->next_sweep_us = now_us + d->cfg.conn_timeout_us / 4;
    }
}

void det_engine_finish(struct det_engine *d)
{
    /* time moves on past every timeout, so that the last probes get their outcome */
    d->now_us += d->cfg.conn_timeout_us;
    sweep(d, 1);
}

/* ---------------------------------------------------------------- alerts from outside */

uint32_t det_engine_next_id(struct det_engine *d)
{
    return d->next_scan_id++;
}

int det_engine_emit(struct det_engine *d, struct det_alert *a)
{
    /* the responder sees every line, the bucket limits only what is written: the lines
     * merged from --workers were sent once (their engines' own buckets passed them), and a
     * flood of forged scans must not keep a real scanner's proof from the responder, which
     * has its own cap */
    int token = take_token(d, a->ts_us > d->now_us ? a->ts_us : d->now_us);
    if (d->hooks.enrich)
        d->hooks.enrich(d->hooks.ctx, a);
    if (d->responder) {
        const char *act = d->responder(d->responder_ctx, a);
        if (act)
            a->action = act;
    }
    if (!token)
        return -1;
    for (unsigned i = 0; i < d->nsinks; i++) {
        struct pr_error e = {""};
        if (d->sinks[i].ops->emit(d->sinks[i].ctx, a, &e) < 0)
            sink_error(d, &e);
    }
    if (a->kind == DET_ALERT_NEW)
        d->st.alerts++;
    else
        d->st.updates++;
    return 0;
}

uint32_t det_engine_incident_of(const struct det_engine *d, const struct pr_addr *src)
{
    if (src->family != AF_INET && src->family != AF_INET6)
        return 0;
    const struct src *s = src_peek(d, src);
    return s ? s->incident_id : 0;
}
