/* workers.c — see workers.h. */
#include "detect/workers.h"

#include "core/clock.h"
#include "core/siphash.h"
#include "detect/behave.h"
#include "detect/fanout.h"
#include "detect/pcapmap.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- dispatch key */

#define FLOWMAP_BITS 17
#define FLOWMAP_SIZE (1u << FLOWMAP_BITS)
#define FLOW_IDLE_S 60 /* the engine frees a flow idle this long (seconds) */

/* 16 bytes: four to a cache line; the dispatcher's cost is mostly these lines */
struct flow_slot {
    uint64_t tag;     /* the flow's hash (0: empty) */
    uint32_t last;    /* last packet, seconds */
    uint32_t lo_init; /* 1: the lower endpoint began the flow */
};

struct det_flowmap {
    uint64_t k0, k1;
    struct flow_slot slot[FLOWMAP_SIZE];
};

struct det_flowmap *det_flowmap_new(uint64_t k0, uint64_t k1)
{
    struct det_flowmap *m = calloc(1, sizeof *m);
    if (m)
        m->k0 = k0 ^ 0x776f726b657273ull, m->k1 = k1;
    return m;
}

void det_flowmap_free(struct det_flowmap *m)
{
    free(m);
}

static size_t alen(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? 16 : 4;
}

/* A fast keyed mix (murmur3's finaliser): a sender that forges collisions only moves its
 * own flows to another worker, so the dispatcher does not pay for SipHash. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t addr_hash(uint64_t h, const struct pr_addr *a)
{
    uint64_t w[2];
    if (a->family != AF_INET6) {
        uint32_t v;
        memcpy(&v, a->a, 4);
        return mix(h ^ v);
    }
    memcpy(w, a->a, 16);
    return mix(mix(h ^ w[0]) ^ w[1]);
}

/* -1, 0, 1: the order of two endpoints (address, then port) */
static int ep_cmp(const struct pr_addr *a, uint16_t ap, const struct pr_addr *b, uint16_t bp)
{
    if (a->family != AF_INET6) { /* (any order will do, so long as it is total) */
        uint32_t x, y;
        memcpy(&x, a->a, 4);
        memcpy(&y, b->a, 4);
        if (x != y)
            return x < y ? -1 : 1;
        return ap < bp ? -1 : ap > bp;
    }
    int c = memcmp(a->a, b->a, 16);
    if (c)
        return c < 0 ? -1 : 1;
    return ap < bp ? -1 : ap > bp;
}

static int multicast(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? a->a[0] == 0xff : (a->a[0] & 0xf0) == 0xe0 || a->a[0] == 0xff;
}

/* What the key needs of a packet: an event's fields (pkey_of_event), or those of an IPv4
 * frame read at fixed offsets (quick_key), which fills only the 4 bytes of each address
 * that an IPv4 address uses. */
struct pkey {
    uint64_t ts_us;
    uint8_t packet; /* DET_ORIG_PACKET (else a binding or a LOG line: keyed on its sender) */
    uint8_t proto, flags, icmp_type, has_inner;
    uint16_t sport, dport;
    struct pr_addr src, dst, inner_src;
};

static void pkey_of_event(const struct det_event *ev, struct pkey *k)
{
    k->ts_us = ev->ts_us;
    k->packet = ev->origin == DET_ORIG_PACKET;
    k->proto = ev->proto;
    k->flags = ev->flags;
    k->icmp_type = ev->icmp_type;
    k->has_inner = ev->has_inner;
    k->sport = ev->sport;
    k->dport = ev->dport;
    k->src = ev->src;
    k->dst = ev->dst;
    k->inner_src = ev->inner_src;
}

enum { KEY_SRC, KEY_DST, KEY_INNER };

/* The worker (0..n-1) of a key address. */
static inline __attribute__((always_inline)) unsigned
addr_worker(const struct det_flowmap *m, const struct pr_addr *a, unsigned n)
{
    uint64_t h;
    if (a->family != AF_INET6) { /* addr_hash's, inline: twice for most frames */
        uint32_t v;
        memcpy(&v, a->a, 4);
        h = mix(m->k1 ^ v);
    } else {
        h = addr_hash(m->k1, a);
    }
    return (unsigned)(((h >> 32) * n) >> 32);
}

/* How a flow's first packet names its initiator (flow_key). */
enum { BEGIN_SRC, BEGIN_DST, BEGIN_NONE };

/* Where a packet's key is: given at once (a binding, ICMP), or the flow's slot in the map;
 * with what flow_key needs to find or record the slot (no packet field is read again). */
struct flow_ref {
    int key; /* KEY_*: no lookup needed; -1: the flow's slot says */
    uint64_t h;
    uint32_t now;        /* the packet's time, seconds */
    uint8_t src_lo;      /* the sender is the lower endpoint (ep_cmp) */
    uint8_t begin;       /* BEGIN_*: whom the flow's first packet names */
    uint8_t have_w;      /* wsrc, wdst are set */
    unsigned wsrc, wdst; /* the workers of the two ends */
};

/* The flow's slot hash and what its first packet would name, from the packet's ends (each
 * flow_ref path calls it with its own view of the packet), prefetching the slot. */
static inline __attribute__((always_inline)) void ref_slot(const struct det_flowmap *m,
                                                           struct flow_ref *r, uint64_t pair,
                                                           uint8_t proto, uint16_t sp, uint16_t dp,
                                                           uint8_t flags, int dst_group)
{
    uint32_t ports = r->src_lo ? (uint32_t)sp << 16 | dp : (uint32_t)dp << 16 | sp;
    r->h = mix(pair ^ m->k1 ^ ((uint64_t)proto << 32 | ports)) | 1;
    /* its first packet's sender began it, as the engine sees it — except an answer to a
     * SYN sent before we looked, and what the engine ignores (a UDP reply from a service
     * port, discovery sent to a group), which begin nothing */
    r->begin = BEGIN_SRC;
    if (proto == DET_PROTO_TCP && (flags & 0x12) == 0x12)
        r->begin = BEGIN_DST;
    else if (proto == DET_PROTO_UDP && ((sp < 1024 && dp >= 1024) || dst_group))
        r->begin = BEGIN_NONE;
    __builtin_prefetch(&m->slot[r->h & (FLOWMAP_SIZE - 1)], 1);
}

/* The stateless part of the key (no memory touched but k); prefetches the flow's slot.
 * n: the number of workers, when only the worker of the key is wanted: a flow whose ends
 * have one worker needs no slot (its key is taken as its sender, the same worker), so
 * every worker's map holds the same flows, those between two workers; 0: the key itself. */
static void flow_ref(const struct det_flowmap *m, const struct pkey *k, unsigned n,
                     struct flow_ref *r)
{
    r->key = -1;
    r->have_w = 0;
    if (!k->packet) {
        r->key = KEY_SRC; /* a binding, a LOG line: about its sender */
        return;
    }
    if (k->proto == DET_PROTO_ICMP || k->proto == DET_PROTO_ICMP6) {
        int reply = (k->proto == DET_PROTO_ICMP && (k->icmp_type == 0 || k->icmp_type == 14)) ||
                    (k->proto == DET_PROTO_ICMP6 && k->icmp_type == 129);
        int unreach = k->icmp_type == (k->proto == DET_PROTO_ICMP ? 3 : 1); /* event.h */
        if (unreach) /* the quoted probe's sender */
            r->key = k->has_inner ? KEY_INNER : KEY_DST;
        else
            r->key = reply ? KEY_DST : KEY_SRC;
        return;
    }
    if (n) {
        r->have_w = 1;
        r->wsrc = addr_worker(m, &k->src, n);
        r->wdst = addr_worker(m, &k->dst, n);
        if (r->wsrc == r->wdst) {
            r->key = KEY_SRC;
            return;
        }
    }
    uint16_t sp = 0, dp = 0;
    if (k->proto == DET_PROTO_TCP || k->proto == DET_PROTO_UDP)
        sp = k->sport, dp = k->dport;
    r->now = (uint32_t)(k->ts_us / 1000000u);
    r->src_lo = ep_cmp(&k->src, sp, &k->dst, dp) <= 0;
    const struct pr_addr *lo = r->src_lo ? &k->src : &k->dst;
    const struct pr_addr *hi = r->src_lo ? &k->dst : &k->src;
    uint64_t pair;
    if (lo->family != AF_INET6) { /* one mix for both IPv4 addresses */
        uint32_t x, y;
        memcpy(&x, lo->a, 4);
        memcpy(&y, hi->a, 4);
        pair = mix(m->k0 ^ ((uint64_t)x << 32 | y));
    } else {
        pair = addr_hash(addr_hash(m->k0, lo), hi);
    }
    ref_slot(m, r, pair, k->proto, sp, dp, k->flags, multicast(&k->dst));
}

/* flow_ref with n workers, straight from the bytes of an Ethernet frame of an unfragmented
 * IPv4 TCP or UDP datagram (the same reference as quick_key then flow_ref give): 0, or -1
 * for any other frame. The hot path of -r: most frames are only keyed, not decoded. */
static int quick_ref4(const struct det_flowmap *m, const struct det_frame *fr, unsigned n,
                      struct flow_ref *r)
{
    const uint8_t *d = fr->data, *ip = d + 14;
    if (fr->dlt != 1 /* DLT_EN10MB */ || fr->len < 14 + 20 + 14 || d[12] != 0x08 || d[13] != 0x00 ||
        ip[0] != 0x45 || (ip[6] & 0x3f) || ip[7] ||
        (ip[9] != DET_PROTO_TCP && ip[9] != DET_PROTO_UDP))
        return -1; /* (IPv4 options: quick_key reads them) */
    uint32_t x, y;
    memcpy(&x, ip + 12, 4);
    memcpy(&y, ip + 16, 4);
    r->key = -1;
    r->have_w = 1;
    r->wsrc = (unsigned)(((mix(m->k1 ^ x) >> 32) * n) >> 32); /* addr_worker's */
    r->wdst = (unsigned)(((mix(m->k1 ^ y) >> 32) * n) >> 32);
    if (r->wsrc == r->wdst) {
        r->key = KEY_SRC;
        return 0;
    }
    const uint8_t *l4 = ip + 20;
    uint16_t sp = (uint16_t)(l4[0] << 8 | l4[1]), dp = (uint16_t)(l4[2] << 8 | l4[3]);
    r->now = (uint32_t)(fr->ts_us / 1000000u);
    r->src_lo = x != y ? x < y : sp <= dp; /* ep_cmp's order */
    uint64_t pair = r->src_lo ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
    ref_slot(m, r, mix(m->k0 ^ pair), ip[9], sp, dp, ip[9] == DET_PROTO_TCP ? l4[13] : 0,
             (ip[16] & 0xf0) == 0xe0 || ip[16] == 0xff);
    return 0;
}

/* The stateful part: the flow's recorded initiator (KEY_SRC or KEY_DST), or a new flow
 * recorded. */
static int flow_key(struct det_flowmap *m, const struct flow_ref *r)
{
    if (r->key >= 0)
        return r->key;
    struct flow_slot *s = &m->slot[r->h & (FLOWMAP_SIZE - 1)];
    if (s->tag == r->h && r->now - s->last < FLOW_IDLE_S) {
        s->last = r->now;
        return s->lo_init == r->src_lo ? KEY_SRC : KEY_DST;
    }
    if (r->begin == BEGIN_NONE)
        return KEY_SRC;
    s->tag = r->h;
    s->last = r->now;
    s->lo_init = (uint32_t)((r->begin == BEGIN_SRC) == r->src_lo);
    return r->begin == BEGIN_SRC ? KEY_SRC : KEY_DST;
}

/* The worker of the packet of k (flow_ref with n workers; k is read only when the ends'
 * workers were not worked out: a key given at once). */
static inline unsigned flow_worker(struct det_flowmap *m, const struct pkey *k,
                                   const struct flow_ref *r, unsigned n)
{
    int which = flow_key(m, r);
    if (r->have_w && which != KEY_INNER)
        return which == KEY_SRC ? r->wsrc : r->wdst;
    return addr_worker(m,
                       which == KEY_SRC   ? &k->src
                       : which == KEY_DST ? &k->dst
                                          : &k->inner_src,
                       n);
}

const struct pr_addr *det_dispatch_key(struct det_flowmap *m, const struct det_event *ev)
{
    struct pkey k;
    struct flow_ref r;
    pkey_of_event(ev, &k);
    flow_ref(m, &k, 0, &r);
    int which = flow_key(m, &r);
    return which == KEY_SRC ? &ev->src : which == KEY_DST ? &ev->dst : &ev->inner_src;
}

unsigned det_dispatch_worker(const struct det_flowmap *m, const struct pr_addr *key, unsigned n)
{
    return addr_worker(m, key, n);
}

uint64_t det_flowmap_worker_key(const struct det_flowmap *m)
{
    return m->k1;
}

/* ---------------------------------------------------------------- rings */

#define RING_SLOTS 1024u
#define PUBLISH_EVERY 64u
/* the IP and TCP headers of a SYN (IPv4 options and TCP options included), for the passive
 * OS cache; a longer IPv6 header chain is cut */
#define IP_COPY 128u

enum { MSG_EVENT = 0, MSG_FRAME, MSG_TICK, MSG_FINISH };

#define FRAME_INLINE (sizeof(struct det_event) + IP_COPY) /* a raw frame up to this long */

struct msg {
    uint8_t type;
    uint64_t now_us; /* MSG_TICK; MSG_FRAME: the frame's time */
    uint32_t flen;   /* MSG_FRAME */
    int dlt;
    union {
        struct {
            struct det_event ev; /* MSG_EVENT: decoded by the reader */
            uint8_t ip[IP_COPY];
        };
        uint8_t frame[FRAME_INLINE]; /* MSG_FRAME: decoded by the worker */
    };
};

/* An alert waiting for the merge point (with the scan's ports when it has them, and its
 * OS name: the worker's passive cache rewrites the buffer a->src_os points to). */
struct queued {
    struct det_alert a;
    int has_bits;
    uint8_t bits[DET_ALERT_PORT_BITS / 8];
    char os[160];
};

struct worker {
    /* producer side */
    _Alignas(64) _Atomic uint32_t head;
    uint32_t head_local, tail_cached;
    /* consumer side */
    _Alignas(64) _Atomic uint32_t tail;
    struct msg *ring;
    unsigned idx;
    struct det_workers *w;
    struct det_engine *eng;
    struct det_passive *pas;
    struct det_behave *beh;
    pthread_t thread;
    int started;
    uint64_t undecodable, badsum; /* frames it could not use (read after the join) */
    /* -r (det_workers_read_file): the keyer's entries (head and tail as for ring), and
     * whether it left (it takes no more) */
    struct kentry *kq;
    _Atomic int kq_left;
    /* -i with the kernel fanout: its socket (cap: the run's for worker 0, borrowed), its
     * clock's ticks, how its reading ended, the frames processed */
    struct det_capture *cap;
    uint64_t last_tick_us, next_sweep_us;
    int read_failed;
    struct pr_error read_err;
    int borrowed;
    uint64_t live_frames;
    /* under the merge lock: lines not merged yet (q[qhead..qn)), and the time up to which
     * this worker has read its events */
    struct queued *q;
    size_t qhead, qn, qcap;
    uint64_t clock;
};

/* An event or frame waiting in the dispatcher's pipeline while its flow's slot is fetched. */
#define PIPE 8u
struct pending {
    struct msg m;
    struct pkey key; /* what the key needs of the frame or event */
    struct flow_ref ref;
};

/* -r: an entry of a worker's queue from the keyer: one of its frames (data, which stays in
 * the keyer's ring of buffers until every worker is past it) or a tick of its clock (data
 * NULL), and the number in the file of the frame it came with */
struct kentry {
    const uint8_t *data;
    uint64_t ts_us;
    uint64_t i;
    uint32_t len;
};
#define KQ_SLOTS (1u << 15) /* a worker's queue (1 MB) */
#define KQ_PUBLISH 64u      /* positions are published every so many entries */
#define KEY_BUFS 4u         /* the keyer's buffers (pcapmap_open_ring) */
#define KEY_BUF_SIZE ((size_t)2 << 20)
/* the keyer, ahead, waits for the workers (a queue or a buffer holds milliseconds of their
 * work): in naps long enough not to cost it a wake-up every few frames */
#define KEYER_NAP_US 200
#define OWN_NONE 0xffu /* no worker's: a frame that cannot be used (the keyer counts it) */

/* A frame in the keyer's look-ahead: its worker, or its flow's reference while the flow's
 * slot is fetched (pending). */
struct kahead {
    struct det_frame fr;
    uint64_t i;
    int pending;
    uint8_t owner;
    struct flow_ref ref;
};

struct det_workers {
    struct pending pipe[PIPE]; /* events in order: pipe_head (oldest) .. pipe_tail */
    uint32_t pipe_head, pipe_tail;
    unsigned n;
    struct det_engine *merge;
    pthread_mutex_t lock; /* the merge point: the registry below and merge's sinks */
    struct mscan *reg;    /* open scans of one target, of every worker */
    unsigned nreg;
    uint32_t next_campaign;
    uint64_t scan_idle_us, sweep_us; /* the engine's: a scan's end, its sweeps */
    det_binder_fn binder;            /* one at a time (bind_lock): the capture's netlink socket */
    void *binder_ctx;
    pthread_mutex_t bind_lock;
    struct det_flowmap *map; /* the dispatcher's, or -r's keyer's */
    uint64_t last_tick_us, next_sweep_us;
    uint64_t undecodable, badsum;      /* frames the reader decoded and could not use */
    const volatile sig_atomic_t *stop; /* -r: reading ends when it is set */
    int fanout;                        /* -i: the workers read their sockets of one group */
    uint64_t live_from_us;             /* frames older than the group are dropped */
    _Atomic int live_stop;             /* det_workers_finish: the readers end */
    struct worker *wk;
    /* -r: the keyer (keyer_main) reads the file on kcap into its ring of buffers and hands
     * each frame to its worker's queue (wk[].kq) in the file's order, through its look-ahead
     * kpipe[khead..ktail): the frames read (ki), key_end once every entry is in the queues,
     * and how its reading ended; its clock is last_tick_us and next_sweep_us */
    struct det_capture *kcap;
    struct kahead kpipe[PIPE];
    unsigned khead, ktail;
    uint64_t ki;
    pthread_t kthread;
    int kstarted, kread_failed;
    struct pr_error kread_err;
    _Atomic int key_end;
    _Atomic int kabort; /* -r: a thread could not start: the keyer and the workers stop */
};

/* Waiting: a few yields (the other side is running), then naps of nap_us; a worker
 * with nothing to do naps long (its ring holds 1024 events, a third of a millisecond at
 * 3 M events/s), the reader waiting for room naps short. */
static void pause_briefly(unsigned *spins, unsigned yields, long nap_us)
{
    if (++*spins < yields) {
        sched_yield();
        return;
    }
    struct timespec ts = {0, nap_us * 1000};
    nanosleep(&ts, NULL);
}

static void publish(struct worker *k)
{
    atomic_store_explicit(&k->head, k->head_local, memory_order_release);
}

/* The next free slot of k's ring (waits while it is full). */
static struct msg *ring_slot(struct worker *k)
{
    unsigned spins = 0;
    while (k->head_local - k->tail_cached >= RING_SLOTS) {
        k->tail_cached = atomic_load_explicit(&k->tail, memory_order_acquire);
        if (k->head_local - k->tail_cached < RING_SLOTS)
            break;
        publish(k);
        pause_briefly(&spins, 64, 20);
    }
    return &k->ring[k->head_local & (RING_SLOTS - 1)];
}

static void push_ctl(struct worker *k, uint8_t type, uint64_t now_us)
{
    struct msg *m = ring_slot(k);
    m->type = type;
    m->now_us = now_us;
    k->head_local++;
    publish(k);
}

/* ---------------------------------------------------------------- merge point */

/* What the merge point knows of one open scan of one target: enough to group scans of
 * different workers into campaigns as engine.c's join_group and fill_campaign do. */
struct mscan {
    uint8_t used, camp_kind; /* camp_kind: 1 decoy, 2 distributed (as last reported) */
    uint8_t pending;         /* its last line again, now naming its campaign, at pending_at */
    uint64_t pending_at;
    unsigned worker;
    uint32_t scan_id, campaign_id; /* the worker's scan id; the merge point's campaign */
    uint32_t nbits;                /* ports in bits */
    struct det_alert last;         /* its last line (a campaign's first names it again) */
    char os[160];                  /* what last.src_os points to */
    uint8_t bits[DET_ALERT_PORT_BITS / 8];
};

static uint32_t popcount_and(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint32_t c = 0;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        c += (uint32_t)__builtin_popcountll(x & y);
    }
    return c;
}

static int addr_same(const struct pr_addr *a, const struct pr_addr *b)
{
    return a->family == b->family && !memcmp(a->a, b->a, alen(a));
}

/* The campaign fields of a line of m (engine.c fill_campaign): decoys when it probed mostly
 * the same ports as every other open member, else a distributed scan. */
static void fill_campaign(const struct det_workers *w, struct mscan *m, struct det_alert *a)
{
    int decoy = m->camp_kind != 2;
    a->campaign_id = m->campaign_id;
    a->nsrcs = 1;
    a->srcs[0] = a->src;
    for (unsigned i = 0; i < w->nreg; i++) {
        const struct mscan *o = &w->reg[i];
        if (!o->used || o == m || o->campaign_id != m->campaign_id)
            continue;
        if (a->nsrcs < DET_ALERT_MAX_SRCS)
            a->srcs[a->nsrcs++] = o->last.src;
        uint32_t inter = popcount_and(m->bits, o->bits, sizeof m->bits);
        uint32_t small = m->nbits < o->nbits ? m->nbits : o->nbits;
        if (a->nsrcs == 2)
            decoy = 1;
        if (inter * 2 < small)
            decoy = 0;
    }
    a->event = decoy ? "decoy_portscan" : "distributed_portscan";
    if (a->nsrcs > 1)
        m->camp_kind = decoy ? 1 : 2;
}

/* The registry entry of worker k's scan (a new one for its first line; the stalest is
 * replaced when all are in use), or NULL for a line that is no scan's (no port set). */
static struct mscan *reg_entry(struct det_workers *w, unsigned k, const struct det_alert *a)
{
    if (!a->port_bits || !a->has_dst || a->dst_count > 1)
        return NULL; /* web and behaviour alerts; sweeps join no campaign */
    struct mscan *free_ = NULL, *stale = NULL;
    for (unsigned i = 0; i < w->nreg; i++) {
        struct mscan *m = &w->reg[i];
        if (m->used && m->worker == k && m->scan_id == a->scan_id)
            return m;
        if (!m->used && !free_)
            free_ = m;
        if (m->used && (!stale || m->last.last_us < stale->last.last_us))
            stale = m;
    }
    struct mscan *m = free_ ? free_ : stale;
    memset(m, 0, offsetof(struct mscan, bits));
    m->used = 1;
    m->worker = k;
    m->scan_id = a->scan_id;
    return m;
}

/* A new scan of one target while another source's scan of it with the same technique is
 * under way: both are one campaign, and the other's next line names it (engine.c
 * join_group). */
static void join_group(struct det_workers *w, struct mscan *m, const struct det_alert *a)
{
    for (unsigned i = 0; i < w->nreg; i++) {
        struct mscan *l = &w->reg[i];
        if (l == m || !l->used || strcmp(l->last.scan_type, a->scan_type) ||
            !addr_same(&l->last.dst, &a->dst) || addr_same(&l->last.src, &a->src) ||
            l->last.last_us + w->scan_idle_us < a->first_us)
            continue;
        if (!l->campaign_id) {
            l->campaign_id = w->next_campaign++;
            l->pending = 1; /* its next line names the campaign */
            l->pending_at = a->ts_us + w->sweep_us;
        }
        m->campaign_id = l->campaign_id;
        return;
    }
}

/* Worker k's id (scan, incident) as one unique across workers. */
static uint32_t renumber(uint32_t id, const struct worker *k)
{
    return id ? (id - 1) * k->w->n + k->idx + 1 : 0;
}

/* One line at the merge point, in time order: renumbered, grouped, written. */
static void merge_line(struct det_workers *w, struct worker *k, struct queued *q)
{
    struct det_alert c = q->a;
    if (c.src_os)
        c.src_os = q->os;
    c.scan_id = renumber(q->a.scan_id, k);
    c.incident_id = renumber(q->a.incident_id, k);
    c.port_bits = NULL;
    struct mscan *m = q->has_bits ? reg_entry(w, k->idx, &q->a) : NULL;
    if (m) {
        int first = !m->last.scan_type;
        memcpy(m->bits, q->bits, sizeof m->bits);
        m->nbits = popcount_and(m->bits, m->bits, sizeof m->bits);
        m->last = c;
        if (first)
            join_group(w, m, &c);
        if (m->campaign_id)
            fill_campaign(w, m, &c);
        m->last = c;
        if (c.src_os) /* (the queue's copy is gone once merged) */
            m->last.src_os = memcpy(m->os, q->os, sizeof m->os);
        m->pending = 0;
        if (c.kind == DET_ALERT_END)
            m->used = 0;
    }
    det_engine_emit(w->merge, &c); /* suppressed or failed: counted by the merge engine */
}

/* Worker k's clock is now clock (UINT64_MAX: it has finished): every queued line older
 * than all workers' clocks can no longer be preceded by another, and is merged, oldest
 * first (ties: the lower worker first). */
static void merge_release(struct det_workers *w, struct worker *k, uint64_t clock)
{
    pthread_mutex_lock(&w->lock);
    k->clock = clock;
    uint64_t mark = UINT64_MAX;
    for (unsigned i = 0; i < w->n; i++)
        if (w->wk[i].clock < mark)
            mark = w->wk[i].clock;
    for (;;) {
        struct worker *best = NULL;
        for (unsigned i = 0; i < w->n; i++) {
            struct worker *x = &w->wk[i];
            if (x->qhead < x->qn && x->q[x->qhead].a.ts_us < mark &&
                (!best || x->q[x->qhead].a.ts_us < best->q[best->qhead].a.ts_us))
                best = x;
        }
        uint64_t next = best ? best->q[best->qhead].a.ts_us : UINT64_MAX;
        /* a campaign's naming line falls due at the sweep after the join, as in the
         * engine: before any later line, and only once no worker can still be before it */
        struct mscan *due = NULL;
        for (unsigned i = 0; i < w->nreg; i++) {
            struct mscan *l = &w->reg[i];
            if (l->used && l->pending && l->pending_at <= next && l->pending_at < mark &&
                (!due || l->pending_at < due->pending_at))
                due = l;
        }
        if (due) {
            struct det_alert again = due->last;
            again.kind = DET_ALERT_UPDATE;
            again.ts_us = due->pending_at;
            fill_campaign(w, due, &again);
            due->last = again;
            due->pending = 0;
            det_engine_emit(w->merge, &again);
            continue;
        }
        if (!best)
            break;
        merge_line(w, best, &best->q[best->qhead++]);
    }
    if (k->qhead == k->qn)
        k->qhead = k->qn = 0;
    pthread_mutex_unlock(&w->lock);
}

/* The workers' sink: each line waits in its worker's queue for merge_release. */
static int merge_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    struct worker *k = ctx;
    pthread_mutex_lock(&k->w->lock);
    if (k->qn == k->qcap) {
        size_t cap = k->qcap ? 2 * k->qcap : 16;
        struct queued *q = realloc(k->q, cap * sizeof *q);
        if (!q) {
            pthread_mutex_unlock(&k->w->lock);
            return pr_errf(e, "out of memory for an alert of worker %u", k->idx), -1;
        }
        k->q = q, k->qcap = cap;
    }
    struct queued *q = &k->q[k->qn++];
    q->a = *a;
    q->has_bits = a->port_bits != NULL;
    if (q->has_bits)
        memcpy(q->bits, a->port_bits, sizeof q->bits);
    if (a->src_os)
        snprintf(q->os, sizeof q->os, "%s", a->src_os);
    pthread_mutex_unlock(&k->w->lock);
    return 0;
}

static void merge_close(void *ctx)
{
    (void)ctx;
}

static const struct det_sink_ops merge_ops = {"merge", merge_emit, merge_close, NULL};

/* ---------------------------------------------------------------- workers */

/* Decodes one of worker k's frames and hands it to k's engine, or counts it as unused. */
static void worker_frame(struct worker *k, int dlt, const uint8_t *f, size_t len, uint64_t ts_us)
{
    struct det_event ev;
    int dr = det_decode_event(dlt, f, len, ts_us, &ev);
    if (dr == 0) {
        det_passive_event(k->pas, &ev);
        det_engine_event(k->eng, &ev);
    } else if (dr == -2) {
        k->badsum++;
    } else {
        k->undecodable++;
    }
}

static void worker_read(struct worker *k);
static void *keyer_main(void *arg);
static void worker_live(struct worker *k);

static void *worker_main(void *arg)
{
    struct worker *k = arg;
    det_engine_prefault(k->eng); /* no copy-on-write faults, which stop the other threads */
    if (k->w->kcap || k->cap) {  /* -r: the keyer's frames; -i with the fanout: its socket */
        if (k->w->kcap)
            worker_read(k);
        else
            worker_live(k);
        det_engine_finish(k->eng);
        merge_release(k->w, k, UINT64_MAX);
        return NULL;
    }
    uint32_t tail = atomic_load_explicit(&k->tail, memory_order_relaxed), head = tail;
    unsigned spins = 0, since = 0;
    for (;;) {
        if (tail == head) {
            atomic_store_explicit(&k->tail, tail, memory_order_release);
            since = 0;
            head = atomic_load_explicit(&k->head, memory_order_acquire);
            if (tail == head) {
                pause_briefly(&spins, 2, 100);
                continue;
            }
            spins = 0;
        }
        struct msg *m = &k->ring[tail & (RING_SLOTS - 1)];
        if (m->type == MSG_FRAME) {
            worker_frame(k, m->dlt, m->frame, m->flen, m->now_us);
        } else if (m->type == MSG_EVENT) {
            if (m->ev.ip)
                m->ev.ip = m->ip;
            det_passive_event(k->pas, &m->ev);
            det_engine_event(k->eng, &m->ev);
        } else if (m->type == MSG_TICK) {
            det_engine_tick(k->eng, m->now_us);
            merge_release(k->w, k, m->now_us);
        } else {
            det_engine_finish(k->eng);
            merge_release(k->w, k, UINT64_MAX);
            atomic_store_explicit(&k->tail, tail + 1, memory_order_release);
            return NULL;
        }
        tail++;
        if (++since == PUBLISH_EVERY) {
            atomic_store_explicit(&k->tail, tail, memory_order_release);
            since = 0;
        }
    }
}

static int locked_binder(void *ctx, const struct pr_addr *a, uint8_t mac[6])
{
    struct det_workers *w = ctx;
    pthread_mutex_lock(&w->bind_lock);
    int r = w->binder(w->binder_ctx, a, mac);
    pthread_mutex_unlock(&w->bind_lock);
    return r;
}

/* A worker's responder when the run has one (--block): the decision is the run's, at the
 * merge point; having a responder makes the worker's engine re-emit a reported scan as
 * soon as its evidence changes (a proof or a veto), as one engine with --block does. */
static const char *defer_response(void *ctx, const struct det_alert *a)
{
    (void)ctx, (void)a;
    return NULL;
}

static int worker_open(struct det_workers *w, const struct det_workers_config *c, unsigned i,
                       struct pr_error *e)
{
    struct worker *k = &w->wk[i];
    k->idx = i;
    k->w = w;
    k->ring = calloc(RING_SLOTS, sizeof *k->ring);
    if (!k->ring)
        return pr_errf(e, "out of memory for worker %u's queue", i), -1;
    struct det_config cfg = c->cfg;
    cfg.no_campaigns = 1; /* the merge point groups them */
    cfg.max_sources = cfg.max_sources / c->n > 1024 ? cfg.max_sources / c->n : 1024;
    if (cfg.max_conns) /* else 2 * max_sources of the worker (engine.h) */
        cfg.max_conns = cfg.max_conns / c->n > 2048 ? cfg.max_conns / c->n : 2048;
    k->eng = det_engine_new(&cfg, e);
    if (!k->eng)
        return -1;
    if (c->stable)
        det_engine_set_key(k->eng, c->k0, c->k1);
    struct det_sink s = {&merge_ops, k};
    det_engine_add_sink(k->eng, &s);
    k->pas = det_passive_open(c->pc, e);
    if (!k->pas)
        return -1;
    struct beh_config bc = {.max_sources =
                                cfg.max_sources < (1u << 20) ? cfg.max_sources : 1u << 20};
    int nh = det_passive_home(c->pc, bc.home, BEH_MAX_HOME, e);
    if (nh < 0)
        return -1;
    bc.nhome = (unsigned)nh;
    k->beh = det_behave_new(&bc, k->eng, e);
    if (!k->beh)
        return -1;
    det_engine_set_os_namer(k->eng, det_passive_os, k->pas);
    if (w->binder)
        det_engine_set_binder(k->eng, locked_binder, w);
    if (c->respond)
        det_engine_set_responder(k->eng, defer_response, NULL);
    return 0;
}

int det_workers_open(const struct det_workers_config *c, struct det_workers **out,
                     struct pr_error *e)
{
    if (c->n < 2 || c->n > DET_MAX_WORKERS)
        return pr_errf(e, "--workers: %u is out of range 1..%u", c->n, DET_MAX_WORKERS), -1;
    struct det_workers *w = calloc(1, sizeof *w);
    if (!w)
        return pr_errf(e, "out of memory for the workers"), -1;
    w->n = c->n;
    w->merge = c->merge;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->bind_lock, NULL);
    w->binder = c->binder;
    w->binder_ctx = c->binder_ctx;
    w->wk = aligned_alloc(_Alignof(struct worker), c->n * sizeof *w->wk); /* (64-byte fields) */
    if (w->wk)
        memset(w->wk, 0, c->n * sizeof *w->wk);
    w->nreg = c->cfg.max_scans * c->n;
    w->reg = calloc(w->nreg, sizeof *w->reg);
    w->next_campaign = 1;
    w->scan_idle_us = c->cfg.scan_idle_us;
    w->sweep_us = c->cfg.conn_timeout_us / 4;
    struct sip_key key = {c->k0, c->k1};
    if (!c->stable) /* live: a key no sender can aim at */
        sip_key_init(&key, 0, 0);
    w->map = det_flowmap_new(key.k0, key.k1);
    if (!w->wk || !w->map || !w->reg) {
        det_workers_free(w);
        return pr_errf(e, "out of memory for the workers"), -1;
    }
    for (unsigned i = 0; i < c->n; i++) {
        if (worker_open(w, c, i, e) < 0) {
            det_workers_free(w);
            return -1;
        }
    }
    *out = w;
    return 0;
}

int det_workers_start(struct det_workers *w, struct pr_error *e)
{
    if (w->kcap) {
        int rc = pthread_create(&w->kthread, NULL, keyer_main, w);
        if (rc)
            return pr_errf(e, "starting the workers' keyer: %s", strerror(rc)), -1;
        w->kstarted = 1;
    }
    for (unsigned i = 0; i < w->n; i++) {
        int rc = pthread_create(&w->wk[i].thread, NULL, worker_main, &w->wk[i]);
        if (rc) {
            atomic_store(&w->kabort, 1); /* (the keyer would wait for this worker) */
            for (unsigned j = i; j < w->n; j++)
                atomic_store(&w->wk[j].kq_left, 1);
            det_workers_finish(w);
            return pr_errf(e, "starting worker %u: %s", i, strerror(rc)), -1;
        }
        w->wk[i].started = 1;
    }
    return 0;
}

#define TICK_EVERY_US 100000u /* every worker's clock follows the input's this closely */

static void broadcast_tick(struct det_workers *w, uint64_t now_us)
{
    w->last_tick_us = now_us;
    if (now_us >= w->next_sweep_us) /* the engines' next sweep (engine.c det_engine_tick) */
        w->next_sweep_us = now_us + w->sweep_us;
    for (unsigned i = 0; i < w->n; i++)
        push_ctl(&w->wk[i], MSG_TICK, now_us);
}

/* Hands the oldest pipelined event to its worker. */
static void dispatch_oldest(struct det_workers *w)
{
    struct pending *p = &w->pipe[w->pipe_head++ & (PIPE - 1)];
    struct worker *k = &w->wk[flow_worker(w->map, &p->key, &p->ref, w->n)];
    struct msg *m = ring_slot(k);
    m->type = p->m.type;
    if (p->m.type == MSG_FRAME) {
        m->now_us = p->m.now_us;
        m->flen = p->m.flen;
        m->dlt = p->m.dlt;
        memcpy(m->frame, p->m.frame, p->m.flen);
    } else {
        m->ev = p->m.ev;
        if (p->m.ev.ip)
            memcpy(m->ip, p->m.ip, p->m.ev.ip_len);
    }
    k->head_local++;
    if ((k->head_local & (PUBLISH_EVERY - 1)) == 0)
        publish(k);
}

static void drain(struct det_workers *w)
{
    while (w->pipe_head != w->pipe_tail)
        dispatch_oldest(w);
}

/* A new place at the end of the pipeline (the oldest goes to its worker when it is full). */
static struct pending *pipe_add(struct det_workers *w)
{
    if (w->pipe_tail - w->pipe_head == PIPE)
        dispatch_oldest(w);
    return &w->pipe[w->pipe_tail++ & (PIPE - 1)];
}

/* After an event or frame at ts_us: every engine sweeps when one engine alone would, at
 * the first event past its sweep time, whichever worker that event is for; that event's
 * worker gets it first, so that its passive cache has seen it when the sweep names a
 * source's OS, as in run.c. */
static void after(struct det_workers *w, uint64_t ts_us)
{
    if (ts_us >= w->next_sweep_us || ts_us >= w->last_tick_us + TICK_EVERY_US) {
        drain(w);
        broadcast_tick(w, ts_us);
    }
}

void det_workers_event(struct det_workers *w, const struct det_event *ev)
{
    struct pending *p = pipe_add(w);
    p->m.type = MSG_EVENT;
    p->m.ev = *ev;
    /* only a SYN's headers are read from the datagram (passive.h without an inventory) */
    if (ev->ip && ev->proto == DET_PROTO_TCP && (ev->flags & 0x02)) {
        p->m.ev.ip_len = ev->ip_len < IP_COPY ? ev->ip_len : IP_COPY;
        memcpy(p->m.ip, ev->ip, p->m.ev.ip_len);
    } else {
        p->m.ev.ip = NULL;
        p->m.ev.ip_len = 0;
    }
    pkey_of_event(&p->m.ev, &p->key);
    flow_ref(w->map, &p->key, w->n, &p->ref);
    after(w, ev->ts_us);
}

/* What the key needs of an Ethernet frame of an unfragmented IPv4 datagram, read at fixed
 * offsets: 0 with k filled, or -1 for any other frame (the reader decodes it). */
static int quick_key(const struct det_frame *fr, struct pkey *k)
{
    const uint8_t *ip = fr->data + 14;
    if (fr->dlt != 1 /* DLT_EN10MB */ || fr->len < 14 + 20 || fr->data[12] != 0x08 ||
        fr->data[13] != 0x00 || (ip[0] >> 4) != 4)
        return -1;
    size_t n = fr->len - 14, ihl = (size_t)(ip[0] & 15) * 4;
    if (ihl < 20 || n < ihl || (ip[6] & 0x3f) || ip[7]) /* a fragment: the full decode */
        return -1;
    const uint8_t *l4 = ip + ihl;
    size_t m = n - ihl;
    k->ts_us = fr->ts_us;
    k->packet = 1;
    k->proto = ip[9];
    k->flags = k->icmp_type = k->has_inner = 0;
    k->sport = k->dport = 0;
    k->src.family = k->dst.family = AF_INET;
    memcpy(k->src.a, ip + 12, 4);
    memcpy(k->dst.a, ip + 16, 4);
    if (k->proto == DET_PROTO_TCP || k->proto == DET_PROTO_UDP) {
        if (m < (k->proto == DET_PROTO_TCP ? 14u : 4u))
            return -1;
        k->sport = (uint16_t)(l4[0] << 8 | l4[1]);
        k->dport = (uint16_t)(l4[2] << 8 | l4[3]);
        if (k->proto == DET_PROTO_TCP)
            k->flags = l4[13];
    } else if (k->proto == DET_PROTO_ICMP) {
        if (m < 8)
            return -1;
        k->icmp_type = l4[0];
        if (k->icmp_type == 3 && m >= 8 + 20 && (l4[8] >> 4) == 4) { /* the quoted datagram */
            k->has_inner = 1;
            k->inner_src.family = AF_INET;
            memcpy(k->inner_src.a, l4 + 8 + 12, 4);
        }
    }
    return 0;
}

/* Worker k's clock after a frame at ts_us: it ticks where the dispatcher would broadcast
 * a tick (broadcast_tick, after), so every engine sweeps when one engine would. */
static inline void worker_clock(struct worker *k, uint64_t ts_us)
{
    if (ts_us < k->next_sweep_us && ts_us < k->last_tick_us + TICK_EVERY_US)
        return;
    k->last_tick_us = ts_us;
    if (ts_us >= k->next_sweep_us)
        k->next_sweep_us = ts_us + k->w->sweep_us;
    det_engine_tick(k->eng, ts_us);
    merge_release(k->w, k, ts_us);
}

/* frame_owner for a frame that is no IPv4 TCP or UDP over Ethernet (apart: the usual
 * frame's path stays lean). */
static __attribute__((noinline)) int other_owner(struct det_workers *w, const struct det_frame *fr,
                                                 struct flow_ref *r, uint8_t *owner)
{
    struct pkey key;
    if (quick_key(fr, &key) < 0) { /* not IPv4 over Ethernet: decoded for its key */
        struct det_event ev;
        int dr = det_decode_event(fr->dlt, fr->data, fr->len, fr->ts_us, &ev);
        if (dr < 0) {
            w->badsum += dr == -2;
            w->undecodable += dr != -2;
            *owner = OWN_NONE;
            return 1;
        }
        pkey_of_event(&ev, &key);
    }
    flow_ref(w->map, &key, w->n, r);
    if (r->key < 0) /* (then both ends' workers are known) */
        return 0;
    *owner = (uint8_t)flow_worker(w->map, &key, r, w->n); /* (a key given at once) */
    return 1;
}

/* The worker of a frame (one read from the file stays where it is, so any length is keyed
 * from its bytes): 1 with *owner (OWN_NONE for a frame that cannot be used, counted here),
 * or 0 with r to be looked up in the flow map (flow_key), its slot prefetched. */
static inline __attribute__((always_inline)) int
frame_owner(struct det_workers *w, const struct det_frame *fr, struct flow_ref *r, uint8_t *owner)
{
    if (quick_ref4(w->map, fr, w->n, r) < 0)
        return other_owner(w, fr, r, owner);
    if (r->key < 0)
        return 0;
    *owner = (uint8_t)r->wsrc; /* (both ends' worker) */
    return 1;
}

/* Publishes worker k's queue to it (the keyer's side: head as for ring). */
static void kq_publish(struct worker *k)
{
    atomic_store_explicit(&k->head, k->head_local, memory_order_release);
}

/* -r: reading ends (a signal, or a thread that could not start). */
static inline int r_stopping(const struct det_workers *w)
{
    return *w->stop || atomic_load_explicit(&w->kabort, memory_order_relaxed);
}

/* Waits while worker k's queue is full: 0, or -1 once the run stops or k left. */
static __attribute__((noinline)) int kq_room(struct det_workers *w, struct worker *k)
{
    kq_publish(k);
    unsigned spins = 0;
    while ((k->tail_cached = atomic_load_explicit(&k->tail, memory_order_acquire)) + KQ_SLOTS ==
           k->head_local) {
        if (r_stopping(w) || atomic_load_explicit(&k->kq_left, memory_order_acquire))
            return -1;
        pause_briefly(&spins, 2, KEYER_NAP_US);
    }
    return 0;
}

/* Appends an entry to worker k's queue, waiting while it is full (not once the run
 * stops). */
static inline __attribute__((always_inline)) void kq_push(struct det_workers *w, struct worker *k,
                                                          const uint8_t *data, uint32_t len,
                                                          uint64_t ts_us, uint64_t i)
{
    if (k->head_local - k->tail_cached == KQ_SLOTS && kq_room(w, k) < 0)
        return;
    struct kentry *e = &k->kq[k->head_local & (KQ_SLOTS - 1)];
    e->data = data;
    e->len = len;
    e->ts_us = ts_us;
    e->i = i;
    if ((++k->head_local & (KQ_PUBLISH - 1)) == 0)
        kq_publish(k);
}

/* Hands the oldest frame of the keyer's look-ahead to its worker, then ticks every
 * worker's clock where one engine's would (at the first frame past a sweep time, and every
 * TICK_EVERY_US of the input, whichever worker the frame is for, after it). */
static inline __attribute__((always_inline)) void key_oldest(struct det_workers *w)
{
    struct kahead *a = &w->kpipe[w->khead++ % PIPE];
    unsigned owner = a->owner;
    if (a->pending) /* (both ends' workers are known: no address is read) */
        owner = flow_key(w->map, &a->ref) == KEY_SRC ? a->ref.wsrc : a->ref.wdst;
    if (owner == OWN_NONE) /* (as one engine, which never sees its time) */
        return;
    kq_push(w, &w->wk[owner], a->fr.data, a->fr.len, a->fr.ts_us, a->i);
    uint64_t ts = a->fr.ts_us;
    if (ts < w->next_sweep_us && ts < w->last_tick_us + TICK_EVERY_US)
        return;
    w->last_tick_us = ts;
    if (ts >= w->next_sweep_us)
        w->next_sweep_us = ts + w->sweep_us;
    for (unsigned j = 0; j < w->n; j++)
        kq_push(w, &w->wk[j], NULL, 0, ts, a->i);
}

/* Every frame read is in its worker's queue, published. */
static void key_flush(struct det_workers *w)
{
    while (w->khead != w->ktail)
        key_oldest(w);
    for (unsigned j = 0; j < w->n; j++)
        kq_publish(&w->wk[j]);
}

/* Whether every worker has taken the first n frames: its queue is empty, its next entry
 * came with a later frame, or it left (it reads no more frames). */
static int workers_past(struct det_workers *w, uint64_t n)
{
    for (unsigned j = 0; j < w->n; j++) {
        struct worker *k = &w->wk[j];
        if (atomic_load_explicit(&k->kq_left, memory_order_acquire))
            continue;
        uint32_t t = atomic_load_explicit(&k->tail, memory_order_acquire);
        if (t != k->head_local && k->kq[t & (KQ_SLOTS - 1)].i < n)
            return 0;
    }
    return 1;
}

/* The keyer's ring's gate (pcapmap_open_ring): every frame read goes to its worker, then
 * it waits until every worker has taken the first n frames, those of the buffer to be
 * filled again, or left (when the run stops, each worker leaves after the frame it is
 * decoding: the buffer is never filled under it). */
static void keyer_gate(void *ctx, uint64_t n)
{
    struct det_workers *w = ctx;
    key_flush(w);
    unsigned spins = 0;
    while (!workers_past(w, n))
        pause_briefly(&spins, 2, KEYER_NAP_US);
}

/* -r: the keyer reads the file once into its ring of buffers and finds every frame's key
 * in the file's order with the one flow map (only frames between two workers' ends use
 * it), and hands each frame, where it is, to its worker's queue in the file's order, PIPE
 * of them at most waiting while their flow slots are fetched. */
static void *keyer_main(void *arg)
{
    struct det_workers *w = arg;
    struct pcapmap *pm = det_capture_buffer(w->kcap);
    int dlt = det_capture_dlt(w->kcap), r = 2;
    while (!r_stopping(w)) {
        struct kahead *a = &w->kpipe[w->ktail % PIPE];
        r = pcapmap_next(pm, &a->fr.data, &a->fr.len, &a->fr.ts_us);
        if (r != 1)
            break;
        a->fr.dlt = dlt;
        a->i = w->ki++;
        a->pending = !frame_owner(w, &a->fr, &a->ref, &a->owner);
        if (++w->ktail - w->khead == PIPE)
            key_oldest(w);
    }
    key_flush(w);
    det_capture_count(w->kcap, w->ki, 0, 0);
    if (r < 0) { /* names the error */
        struct det_frame fr;
        r = det_capture_next_frame(w->kcap, &fr, &w->kread_err);
    }
    w->kread_failed = !*w->stop && r < 0;
    atomic_store_explicit(&w->key_end, 1, memory_order_release);
    return NULL;
}

/* -r: worker k takes the entries of its queue: its frames, decoded and processed, and its
 * clock's ticks. */
static void worker_read(struct worker *k)
{
    struct det_workers *w = k->w;
    int dlt = det_capture_dlt(w->kcap);
    uint32_t tail = atomic_load_explicit(&k->tail, memory_order_relaxed), head = tail;
    unsigned spins = 0, since = 0;
    while (!r_stopping(w)) {
        if (tail == head) {
            atomic_store_explicit(&k->tail, tail, memory_order_release);
            since = 0;
            int end = atomic_load_explicit(&w->key_end, memory_order_acquire);
            head = atomic_load_explicit(&k->head, memory_order_acquire);
            if (tail == head) {
                if (end)
                    break;
                pause_briefly(&spins, 2, 50);
                continue;
            }
            spins = 0;
        }
        const struct kentry *e = &k->kq[tail & (KQ_SLOTS - 1)];
        if (e->data) {
            worker_frame(k, dlt, e->data, e->len, e->ts_us);
        } else {
            det_engine_tick(k->eng, e->ts_us);
            merge_release(w, k, e->ts_us);
        }
        tail++;
        if (++since == KQ_PUBLISH) {
            atomic_store_explicit(&k->tail, tail, memory_order_release);
            since = 0;
        }
    }
    atomic_store_explicit(&k->tail, tail, memory_order_release);
    atomic_store_explicit(&k->kq_left, 1, memory_order_release);
}

int det_workers_read_file(struct det_workers *w, const char *path, const char *filter,
                          const volatile sig_atomic_t *stop, struct pr_error *e)
{
    w->stop = stop;
    if (filter) /* libpcap filters it: the dispatcher */
        return 0;
    int r = det_capture_ring(path, KEY_BUF_SIZE, KEY_BUFS, keyer_gate, w, &w->kcap, e);
    if (r <= 0)
        return r;
    for (unsigned i = 0; i < w->n; i++)
        if (!(w->wk[i].kq = malloc(KQ_SLOTS * sizeof *w->wk[i].kq)))
            return pr_errf(e, "out of memory for worker %u's queue", i), -1;
    return 1;
}

int det_workers_read_error(const struct det_workers *w, struct pr_error *e)
{
    for (unsigned i = 0; i < w->n; i++)
        if (w->wk[i].read_failed) {
            *e = w->wk[i].read_err;
            return -1;
        }
    if (w->kread_failed) {
        *e = w->kread_err;
        return -1;
    }
    return 0;
}

/* -i with the kernel fanout: worker k reads the frames the group gives its socket (all of
 * its keys) and decodes them; its clock follows their times, or the wall clock when the
 * socket has been quiet for 100 ms (det_capture_next_frame's wait), so the merge point
 * never waits long for a quiet worker. */
static void worker_live(struct worker *k)
{
    struct det_frame fr;
    int r = 0;
    while (!*k->w->stop && !atomic_load_explicit(&k->w->live_stop, memory_order_relaxed)) {
        r = det_capture_next_frame(k->cap, &fr, &k->read_err);
        if (r == 1 && fr.ts_us >= k->w->live_from_us) {
            k->live_frames++;
            worker_frame(k, fr.dlt, fr.data, fr.len, fr.ts_us);
            worker_clock(k, fr.ts_us);
        } else if (r == 0) {
            worker_clock(k, wall_us());
        } else if (r != 1) {
            break;
        }
    }
    k->read_failed = r < 0;
    if (r < 0) /* (the interface is gone): every worker ends, and the run */
        atomic_store(&k->w->live_stop, 1);
}

int det_workers_read_live(struct det_workers *w, struct det_capture *cap, const char *iface,
                          const char *filter, const volatile sig_atomic_t *stop, struct pr_error *e)
{
    int fds[DET_MAX_WORKERS];
    fds[0] = det_capture_packet_fd(cap);
    if (fds[0] < 0)
        return pr_errf(e, "%s is not an Ethernet interface", iface), -1;
    struct det_fanout *f = det_fanout_load(det_flowmap_worker_key(w->map), w->n, e);
    int rc = f ? 0 : -1;
    for (unsigned i = 1; i < w->n && rc == 0; i++) {
        rc = det_capture_open_live(iface, filter, &w->wk[i].cap, e);
        fds[i] = rc == 0 ? det_capture_packet_fd(w->wk[i].cap) : -1;
    }
    if (rc == 0)
        rc = det_fanout_attach(f, fds, w->n, e);
    det_fanout_free(f); /* (the group holds the program) */
    if (rc < 0) {
        for (unsigned i = 1; i < w->n; i++)
            det_capture_close(w->wk[i].cap), w->wk[i].cap = NULL;
        return -1;
    }
    w->wk[0].cap = cap;
    w->wk[0].borrowed = 1;
    w->stop = stop;
    w->fanout = 1;
    w->live_from_us = wall_us();
    return 0;
}

int det_workers_fanout(const struct det_workers *w)
{
    return w->fanout ? 1 + atomic_load(&w->live_stop) : 0;
}

void det_workers_summary(const struct det_workers *w, FILE *f)
{
    if (!w->fanout)
        return;
    fputs("workers: eBPF fanout, frames per worker", f);
    for (unsigned i = 0; i < w->n; i++) {
        struct det_capture_stats cs;
        det_capture_stats(w->wk[i].cap, &cs);
        fprintf(f, "%s %llu (kernel drops %llu)", i ? "," : "",
                (unsigned long long)w->wk[i].live_frames, (unsigned long long)cs.kernel_drops);
    }
    fputc('\n', f);
    fflush(f);
}

void det_workers_frame(struct det_workers *w, const struct det_frame *fr)
{
    struct pkey key;
    if (fr->len > FRAME_INLINE || quick_key(fr, &key) < 0) {
        struct det_event ev; /* decoded here */
        int dr = det_decode_event(fr->dlt, fr->data, fr->len, fr->ts_us, &ev);
        if (dr == 0)
            det_workers_event(w, &ev);
        else if (dr == -2)
            w->badsum++;
        else
            w->undecodable++;
        return;
    }
    struct pending *p = pipe_add(w);
    p->m.type = MSG_FRAME;
    p->m.now_us = fr->ts_us;
    p->m.flen = fr->len;
    p->m.dlt = fr->dlt;
    memcpy(p->m.frame, fr->data, fr->len);
    p->key = key;
    flow_ref(w->map, &p->key, w->n, &p->ref);
    after(w, fr->ts_us);
}

void det_workers_tick(struct det_workers *w, uint64_t now_us)
{
    drain(w);
    broadcast_tick(w, now_us);
}

void det_workers_finish(struct det_workers *w)
{
    drain(w);
    atomic_store(&w->live_stop, 1);
    for (unsigned i = 0; i < w->n; i++)
        if (w->wk[i].started && !w->wk[i].cap && !w->kcap) /* (a reader ends by itself) */
            push_ctl(&w->wk[i], MSG_FINISH, 0);
    for (unsigned i = 0; i < w->n; i++) {
        if (w->wk[i].started)
            pthread_join(w->wk[i].thread, NULL);
        w->wk[i].started = 0;
    }
    if (w->kstarted)
        pthread_join(w->kthread, NULL);
    w->kstarted = 0;
}

void det_workers_hold(struct det_workers *w, int hold)
{
    if (w && hold)
        pthread_mutex_lock(&w->lock);
    else if (w)
        pthread_mutex_unlock(&w->lock);
}

void det_workers_frames(const struct det_workers *w, uint64_t *frames, uint64_t *undecodable,
                        uint64_t *badsum)
{
    struct det_capture_stats cs = {0};
    if (w->kcap) /* the keyer read them all */
        det_capture_stats(w->kcap, &cs);
    *frames = cs.frames;
    for (unsigned i = 1; i < w->n && w->fanout; i++) { /* (worker 0 read the run's capture) */
        det_capture_stats(w->wk[i].cap, &cs);
        *frames += cs.frames;
    }
    *undecodable = w->undecodable;
    *badsum = w->badsum;
    for (unsigned i = 0; i < w->n; i++) {
        *undecodable += w->wk[i].undecodable;
        *badsum += w->wk[i].badsum;
    }
}

void det_workers_stats(const struct det_workers *w, struct det_stats *sum, size_t *bytes)
{
    memset(sum, 0, sizeof *sum);
    *bytes = 0;
    for (unsigned i = 0; i < w->n; i++) {
        const struct det_stats *s = det_engine_stats(w->wk[i].eng);
        sum->events += s->events;
        sum->probes += s->probes;
        sum->sources_seen += s->sources_seen;
        sum->sources_evicted += s->sources_evicted;
        sum->conns_evicted += s->conns_evicted;
        sum->scans_evicted += s->scans_evicted;
        sum->scans += s->scans;
        sum->alerts_suppressed += s->alerts_suppressed;
        *bytes += det_engine_bytes(w->wk[i].eng);
    }
    const struct det_stats *m = det_engine_stats(w->merge);
    sum->alerts = m->alerts;
    sum->updates = m->updates;
    sum->alerts_suppressed += m->alerts_suppressed;
    sum->sink_errors = m->sink_errors;
}

void det_workers_free(struct det_workers *w)
{
    if (!w)
        return;
    if (w->wk) {
        det_workers_finish(w);
        for (unsigned i = 0; i < w->n; i++) {
            det_engine_free(w->wk[i].eng);
            det_behave_free(w->wk[i].beh);
            det_passive_close(w->wk[i].pas);
            free(w->wk[i].ring);
            if (!w->wk[i].borrowed)
                det_capture_close(w->wk[i].cap);
            free(w->wk[i].q);
            free(w->wk[i].kq);
        }
    }
    free(w->wk);
    free(w->reg);
    det_flowmap_free(w->map);
    det_capture_close(w->kcap);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->bind_lock);
    free(w);
}
