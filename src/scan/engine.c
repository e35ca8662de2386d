/* engine.c — see engine.h. */
#include "scan/engine.h"

#include "core/clock.h"
#include "core/keys.h"
#include "core/perm.h"
#include "core/status.h"
#include "net/payloads.h"
#include "net/rxq.h"
#include "scan/emit.h"
#include "scan/ratectl.h"
#include "scan/rtt.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Linux's default ICMP error limit per destination (net.ipv4.icmp_ratelimit=1000 ms,
 * burst XRLIM_BURST_FACTOR=6): the model the pacer starts from. */
#define ICMP_RATE_PER_S 1.0
#define ICMP_BURST 6.0
#define PACE_BATCH_MAX 256
#define PACE_MAX_TRIES 24 /* a port probed this often counts as tried, conclusive or not */
#define SPORT_TRIES 8     /* low bits of the source port carry the try number */
#define PERM_AHEAD 16     /* pair records prefetched ahead of the send loop */
#define LOSS_SAMPLE 1000  /* direct replies that measure the loss well enough */
#define RXQ_CAP 65536     /* replies queued between the receive thread and the engine */
/* A stop ends the span within this: the longest sleep between looks at the flag, and the
 * longest wait for answers still in flight (those not in by then are probed again by
 * --resume) */
#define STOP_POLL_US 50000
#define STOP_GRACE_US 300000
/* Our source ports: from above Linux's default ephemeral range (32768-60999) and host
 * discovery's 61000 to 65535. A reply to one that no try used is a stray only where the
 * local port range (engine_span.local) does not cover it: a local socket may own it. */
#define SPORT_LO ENGINE_SPORT_LO
#define SPORT_BASES ENGINE_SPORT_BASES
_Static_assert(SPORT_BASES == (65535 - SPORT_LO - SPORT_TRIES) / SPORT_TRIES, "the bases fit");

/* A host's target and cookie state: read by both threads, written by neither during a
 * run, and kept apart from struct ehost's writes (no cache line shared with them). */
struct hkey {
    const struct engine_target *t;
    struct sip_state sip; /* the cookie's hash state after the host's addresses */
};

/* The engine thread's per-host state. */
struct ehost {
    double srtt, rttvar; /* microseconds; srtt 0 = no sample yet */
    uint32_t icmp_errors;
    uint64_t last_icmp_us; /* when the last ICMP error from this host arrived */
    /* ICMP pacing */
    int paced; /* 0 no, 1 active, 2 finished */
    double tokens;
    uint64_t tokens_at;
    int batch_open;
    uint32_t batch_icmp;
    double batch_tokens; /* tokens in the model when the batch was sent */
    uint64_t paced_sent, paced_icmp;
    uint64_t batch_deadline;
    uint64_t *batch; /* PACE_BATCH_MAX entries, allocated when pacing starts */
    size_t nbatch;
    size_t cursor;
    /* canary: a pair of this host that drew an ICMP error; sent last in a batch, its
     * error proves the limiter still had a token after the ports before it */
    int64_t canary;                           /* pair index, -1 none */
    int canary_sent, canary_seen, canary_try; /* canary_try: source-port try it went with */
    unsigned canary_misses;
    /* MATCH_PORTS answers: standing, and not believed (after a stray: engine.strays) */
    uint32_t weak, unbelieved;
};

struct pair {
    uint32_t sent_us; /* when the last try went out (E->t0-relative) */
    uint8_t state, reason, ttl, tries;
};

/* How a reply was matched to a probe (docs/scan-engine.md, "Stateless validation"). */
enum match {
    MATCH_COOKIE, /* it carries the probe's cookie back (or quotes it: ICMP) */
    MATCH_PORTS,  /* a TCP reply from a scanned port to the source port of a try, without
                     the cookie: nmap's rule; it stands at the end only if its host sent
                     no stray, and only if that try was sent */
    MATCH_STRAY,  /* a TCP reply from a scanned port to one of our source ports that no
                     try uses, without the cookie: only counted against its host */
};

/* A reply the receive thread matched to a probe (classify_reply), for the engine thread
 * to record (apply_reply). */
struct reply {
    uint64_t idx; /* the pair */
    uint64_t now; /* when it was read */
    uint8_t state, reason, ttl;
    uint8_t try;   /* the try it answers (source-port offset) */
    uint8_t icmp;  /* 0 a direct reply; 1 an ICMP error; 2 one from the target itself */
    uint8_t match; /* enum match */
};

struct engine {
    const struct scan_config *cfg;
    const struct technique *tech;
    struct rawio *io;
    struct rxq *rxq; /* the receive thread; NULL in a dry run */
    struct ehost *h;
    struct hkey *hk; /* per host, like h */
    /* per host: replies without our cookie to a source port of ours that no sent try
     * used. The receive thread counts MATCH_STRAYs and queues only the first; the engine
     * thread counts replies to tries not sent yet. */
    _Atomic uint64_t *strays;
    size_t nh;
    size_t *paced; /* indices of the hosts being paced (ehost.paced == 1) */
    size_t npaced;
    uint64_t max_to, max_to_at; /* largest probe timeout over the hosts, and when computed */
    const uint16_t *ports;
    size_t np;
    int32_t *portidx; /* port number -> index in ports, or -1 */
    size_t *hash;     /* open addressing: host index + 1, 0 = empty */
    size_t hash_mask;
    /* per (host, port) pair, index = host * np + port: one 8-byte record, so that a
     * probe touches one cache line; ptries only when pacing */
    struct pair *pair;
    uint8_t *ptries;
    uint8_t *weak; /* bit per pair: its state came from a MATCH_PORTS reply; allocated at
                      the first one (engine thread) */
    uint64_t npairs, resolved;
    uint64_t settled; /* unanswered pairs of hosts whose pacing finished: no probe will go
                         to them again, so the status line counts them as done */
    uint64_t t0;
    uint16_t sport_base;
    int fixed_sport;
    /* no match by ports: -g, or fewer than ENGINE_MIN_BASES bases outside the local range */
    int cookie_only;
    struct port_range local;
    /* engine_stats.local_nocookie, counted by the receive thread */
    _Atomic uint64_t *local_nocookie;
    /* rate limiter */
    double rate, tokens, burst;
    uint64_t tokens_at;
    uint64_t now;                     /* clock for the probe being sent (rate_wait) */
    unsigned clock_skip, clock_every; /* probes between clock reads (rate_wait) */
    /* loss estimate from direct (non-ICMP) replies */
    uint64_t responsive, late;
    int tries_needed;
    struct ratectl *rc; /* the rate search (span->rc), or rc_fixed: inactive */
    struct ratectl rc_fixed;
    struct engine_stats *st;
    const struct engine_span *span;
    struct status status;
    volatile sig_atomic_t *stop; /* SIGINT/SIGTERM (STOP_POLL_US, STOP_GRACE_US) */
    uint64_t cur_idx;            /* the pair send_probe is sending (pace_copy) */
    size_t cur_copy;             /* copies of it paced so far: -D sources */
};

/* -v and -d as they are now (keys change them while the scan runs) */
static int verbosity(const struct engine *E)
{
    return E->cfg->live ? (int)E->cfg->live->verbose : E->cfg->verbose;
}

static int debugging(const struct engine *E)
{
    return E->cfg->live ? (int)E->cfg->live->debug : 0;
}

static uint32_t elapsed32(const struct engine *E, uint64_t now)
{
    return (uint32_t)(now - E->t0);
}

static size_t addr_hash(const struct pr_addr *a)
{
    uint64_t x = 1469598103934665603ULL;
    for (int i = 0; i < 16; i++)
        x = (x ^ a->a[i]) * 1099511628211ULL;
    return (size_t)(x ^ (x >> 29));
}

static void hash_build(struct engine *E)
{
    size_t cap = 16;
    while (cap < E->nh * 2)
        cap <<= 1;
    E->hash = pr_calloc(cap, sizeof *E->hash);
    E->hash_mask = cap - 1;
    for (size_t i = 0; i < E->nh; i++) {
        size_t s = addr_hash(&E->hk[i].t->res->addr) & E->hash_mask;
        while (E->hash[s])
            s = (s + 1) & E->hash_mask;
        E->hash[s] = i + 1;
    }
}

/* The index of the host with address a, or -1. */
static int64_t host_find(const struct engine *E, const struct pr_addr *a)
{
    size_t s = addr_hash(a) & E->hash_mask;
    while (E->hash[s]) {
        size_t i = E->hash[s] - 1;
        if (addr_eq(&E->hk[i].t->res->addr, a))
            return (int64_t)i;
        s = (s + 1) & E->hash_mask;
    }
    return -1;
}

/* The probe cookie: a keyed hash of everything that identifies the probe. The host's
 * addresses (32 bytes) are absorbed once per host (hkey.sip). */
static uint32_t cookie(const struct engine *E, const struct hkey *k, uint16_t tport, uint16_t sport)
{
    uint8_t b[5] = {(uint8_t)(tport >> 8), (uint8_t)tport, (uint8_t)(sport >> 8), (uint8_t)sport,
                    E->tech->proto};
    return (uint32_t)sip_finish(&k->sip, b, sizeof b);
}

static uint64_t host_timeout(const struct engine *E, const struct ehost *h)
{
    return rtt_timeout(&E->cfg->timing, h->srtt, h->rttvar);
}

/* The largest probe timeout over the hosts; recomputed at most every 20 ms (a pass over
 * every host), since RTT samples move it only gradually. */
static uint64_t max_timeout(struct engine *E)
{
    uint64_t now = now_us();
    if (E->max_to_at && now - E->max_to_at < 20000)
        return E->max_to;
    uint64_t m = 0;
    for (size_t i = 0; i < E->nh; i++) {
        uint64_t to = host_timeout(E, &E->h[i]);
        if (to > m)
            m = to;
    }
    E->max_to = m;
    E->max_to_at = now;
    return m;
}

/* ---- replies -------------------------------------------------------------------- */

static int weak_bit(const struct engine *E, uint64_t idx)
{
    return E->weak && (E->weak[idx / 8] >> (idx % 8) & 1);
}

static void show_found(const struct engine *E, uint64_t idx)
{
    if (E->pair[idx].state != PS_OPEN || !E->cfg->show_found) /* nmap -v, as found */
        return;
    char a[PR_ADDRSTRLEN];
    printf("Discovered open port %u/%s on %s\n", E->ports[idx % E->np],
           E->tech->proto == PR_UDP ? "udp" : "tcp",
           addr_str(&E->hk[idx / E->np].t->res->addr, a, sizeof a));
    fflush(stdout);
}

/* Withdraws the MATCH_PORTS answers of host hi: its pairs are unanswered again (and
 * probed again while the run's rounds still reach them). */
static void weak_withdraw(struct engine *E, size_t hi)
{
    struct ehost *h = &E->h[hi];
    for (size_t p = 0; h->weak && p < E->np; p++) {
        uint64_t idx = (uint64_t)hi * E->np + p;
        if (!weak_bit(E, idx))
            continue;
        E->weak[idx / 8] &= (uint8_t) ~(1u << idx % 8);
        E->pair[idx].state = PS_UNKNOWN;
        E->pair[idx].reason = RS_NONE;
        E->pair[idx].ttl = 0;
        E->resolved--;
        if (h->paced == 2)
            E->settled++;
        h->weak--;
        h->unbelieved++;
    }
}

/* Whether a reply without our cookie to port (no try of its pair) is a stray: one of our
 * ports, outside the local port range (where a local socket may own it; our base never
 * lies there when it can be helped, engine_setup). */
static int stray_port(const struct engine *E, uint16_t port)
{
    return port >= SPORT_LO && (port < E->local.lo || port > E->local.hi);
}

/* A reply without our cookie. To a try not sent (yet), or to a source port of ours no try
 * uses (stray_port): a stray, and from then on none of its host's are believed. Else
 * (MATCH_PORTS) the pair's answer, unless it has one; weak_settle decides at the end. No RTT, loss
 * or rate sample: it might be forged. */
static void record_weak(struct engine *E, struct ehost *h, const struct reply *r)
{
    uint64_t idx = r->idx;
    size_t hi = (size_t)(h - E->h);
    struct pair *p = &E->pair[idx];
    if (r->match == MATCH_STRAY) { /* the first; the receive thread counted it */
        weak_withdraw(E, hi);
        return;
    }
    if (p->tries <= SPORT_TRIES && r->try >= p->tries) {
        if (!atomic_fetch_add_explicit(&E->strays[hi], 1, memory_order_relaxed))
            weak_withdraw(E, hi);
        return;
    }
    if (p->state != PS_UNKNOWN)
        return;
    if (atomic_load_explicit(&E->strays[hi], memory_order_relaxed)) {
        h->unbelieved++;
        return;
    }
    if (!E->weak)
        E->weak = pr_calloc(E->npairs / 8 + 1, 1);
    E->weak[idx / 8] |= (uint8_t)(1u << idx % 8);
    h->weak++;
    p->state = r->state;
    p->reason = r->reason;
    p->ttl = r->ttl;
    E->resolved++;
    if (h->paced == 2)
        E->settled--;
}

static void record(struct engine *E, struct ehost *h, const struct reply *r)
{
    if (r->match != MATCH_COOKIE) {
        record_weak(E, h, r);
        return;
    }
    uint64_t idx = r->idx, now = r->now;
    int try = r->try, via_icmp = r->icmp != 0;
    /* RTT samples come from the target's own answers; an ICMP error from elsewhere (a
     * router, our kernel's host-unreachable after a failed ARP) says nothing of it */
    if (try == E->pair[idx].tries - 1 && !E->fixed_sport && r->icmp != 1) {
        uint32_t rtt = elapsed32(E, now) - E->pair[idx].sent_us;
        rtt_update(&h->srtt, &h->rttvar, (double)rtt);
    }
    int was_weak = weak_bit(E, idx);
    if (E->pair[idx].state != PS_UNKNOWN && !was_weak)
        return; /* the first definite answer stands; one with our cookie outranks one without */
    if (was_weak) {
        E->weak[idx / 8] &= (uint8_t) ~(1u << idx % 8);
        h->weak--;
    } else if (!via_icmp && try == 0 && E->pair[idx].tries == 1) { /* a first try's reply */
        ratectl_reply(E->rc, now - (uint32_t)(elapsed32(E, now) - E->pair[idx].sent_us), now);
    }
    E->pair[idx].state = r->state;
    E->pair[idx].reason = r->reason;
    E->pair[idx].ttl = r->ttl;
    show_found(E, idx);
    if (!was_weak) { /* else counted when the weak answer came */
        E->resolved++;
        if (h->paced == 2) /* a late answer to a pair pace_finish() counted */
            E->settled--;
    }
    if (!via_icmp) {
        E->responsive++;
        if (try > 0)
            E->late++;
    }
}

/* Whether source-port base b has all its ports outside the local port range. */
static int base_free(const struct port_range *local, unsigned b)
{
    unsigned lo = SPORT_LO + b * SPORT_TRIES, hi = lo + SPORT_TRIES - 1;
    return hi < local->lo || lo > local->hi;
}

unsigned engine_free_bases(const struct port_range *local)
{
    unsigned n = 0;
    for (unsigned b = 0; b < SPORT_BASES; b++)
        n += (unsigned)base_free(local, b);
    return n;
}

static int try_of(const struct engine *E, uint16_t sport)
{
    if (E->fixed_sport)
        return sport == E->sport_base ? 0 : -1;
    int d = (int)sport - (int)E->sport_base;
    return (d >= 0 && d < SPORT_TRIES) ? d : -1;
}

/* ---- on the receive thread: which probe a packet answers ------------------------
 * These read only what engine_setup() built and the send loop leaves alone: the hosts'
 * addresses and hash states, the host table, the port index, the source ports. */

static int classify_icmp(const struct engine *E, const struct pkt_info *pi, uint64_t now,
                         struct reply *r)
{
    if (!pi->has_inner)
        return 0;
    uint8_t want = E->tech->proto == PR_TCP ? 6 : 17;
    if (pi->inner.proto != want)
        return 0;
    int64_t hi = host_find(E, &pi->inner_dst);
    if (hi < 0)
        return 0;
    const struct hkey *k = &E->hk[hi];
    if (!addr_eq(&k->t->src, &pi->inner_src))
        return 0;
    int32_t pidx = E->portidx[pi->inner.dport];
    int try = try_of(E, pi->inner.sport);
    if (pidx < 0 || try < 0)
        return 0;
    if (E->tech->proto == PR_TCP && pi->inner.seq != cookie(E, k, pi->inner.dport, pi->inner.sport))
        return 0;
    struct port_result pr = {0};
    if (!tech_classify_icmp(E->tech->proto, pi->src.family, pi->t.icmp_type, pi->t.icmp_code, &pr))
        return 0;
    *r = (struct reply){.idx = (uint64_t)hi * E->np + (uint64_t)pidx,
                        .now = now,
                        .state = (uint8_t)pr.state,
                        .reason = (uint8_t)pr.reason,
                        .ttl = pi->ttl,
                        .try = (uint8_t)try,
                        .icmp = addr_eq(&pi->src, &k->t->res->addr) ? 2 : 1};
    return 1;
}

/* How a TCP reply from a scanned port of target k to our address relates to our probes
 * (enum match), or -1: not ours. With the cookie: its acknowledgement is the cookie or
 * the cookie + 1 (SYN/ACK, RST/ACK), or without ACK its sequence is the complement we put
 * in the probe's ACK field (RST to an ACK-flagged probe). Without: nmap's rule, the ports,
 * for a try's source port; a stray to another of ours outside the local port range. With
 * -g, or when the local range leaves fewer than ENGINE_MIN_BASES bases free, the cookie
 * only. */
static int tcp_match(const struct engine *E, const struct hkey *k, const struct pkt_info *pi,
                     int try)
{
    if (try >= 0) {
        uint32_t c = cookie(E, k, pi->t.sport, pi->t.dport);
        if ((pi->t.flags & TH_ACK) ? (uint32_t)(pi->t.ack - c) <= 1 : pi->t.seq == ~c)
            return MATCH_COOKIE;
    }
    if (E->cookie_only) {
        if (!E->fixed_sport && try >= 0)
            atomic_fetch_add_explicit(E->local_nocookie, 1, memory_order_relaxed);
        return -1;
    }
    if (try >= 0)
        return MATCH_PORTS;
    return stray_port(E, pi->t.dport) ? MATCH_STRAY : -1;
}

static int classify_reply(const struct engine *E, const uint8_t *buf, size_t len, uint64_t now,
                          struct reply *r)
{
    struct pkt_info pi;
    if (pkt_parse(buf, len, &pi) < 0)
        return 0;
    if (pi.l4 == PKT_L4_ICMP)
        return classify_icmp(E, &pi, now, r);
    if ((E->tech->proto == PR_TCP && pi.l4 != PKT_L4_TCP) ||
        (E->tech->proto == PR_UDP && pi.l4 != PKT_L4_UDP))
        return 0;
    int64_t hi = host_find(E, &pi.src);
    if (hi < 0)
        return 0;
    const struct hkey *k = &E->hk[hi];
    if (!addr_eq(&k->t->src, &pi.dst))
        return 0;
    int32_t pidx = E->portidx[pi.t.sport];
    int try = try_of(E, pi.t.dport);
    if (pidx < 0)
        return 0;
    int m = E->tech->proto == PR_TCP ? tcp_match(E, k, &pi, try) : try < 0 ? -1 : MATCH_COOKIE;
    if (m < 0)
        return 0;
    if (m == MATCH_STRAY && atomic_fetch_add_explicit(&E->strays[hi], 1, memory_order_relaxed))
        return 0; /* only the first goes to the engine thread: a spray must not fill the queue */
    struct port_result pr = {0};
    if (m != MATCH_STRAY && !E->tech->classify(E->tech, &pi, &pr))
        return 0;
    *r = (struct reply){.idx = (uint64_t)hi * E->np + (uint64_t)pidx,
                        .now = now,
                        .state = (uint8_t)pr.state,
                        .reason = (uint8_t)pr.reason,
                        .ttl = pi.ttl,
                        .try = (uint8_t)(try < 0 ? 0 : try),
                        .match = (uint8_t)m};
    return 1;
}

/* The receive thread's classifier (rxq_classify_fn): out is the queue's byte buffer. */
static int classify_cb(void *ud, const uint8_t *buf, size_t len, uint64_t now, void *out)
{
    const struct engine *E = ud;
    if (E->cfg->live && E->cfg->live->ptrace)
        ptrace_ip(&E->cfg->trace, "RCVD", now, buf, len);
    struct reply r;
    if (!classify_reply(ud, buf, len, now, &r))
        return 0;
    memcpy(out, &r, sizeof r);
    return 1;
}

/* ---- on the engine thread: recording what the receive thread matched ------------ */

static void apply_reply(struct engine *E, const struct reply *r)
{
    struct ehost *h = &E->h[r->idx / E->np];
    if (r->icmp) {
        h->icmp_errors++;
        h->last_icmp_us = r->now;
        if (h->batch_open)
            h->batch_icmp++;
        /* a canary must be the target's own limiter talking, not a router's on the path */
        if (r->icmp == 2 && !E->fixed_sport) {
            if (h->canary < 0)
                h->canary = (int64_t)r->idx;
            else if (h->batch_open && h->canary_sent && r->idx == (uint64_t)h->canary &&
                     r->try == h->canary_try)
                h->canary_seen = 1;
        }
    }
    record(E, h, r);
}

static void drain(struct engine *E)
{
    struct reply r;
    for (int i = 0; i < 4096 && E->rxq && rxq_pop(E->rxq, &r); i++)
        apply_reply(E, &r);
}

/* Sends what is queued, then sleeps until a reply is queued or timeout_us passed. */
static void engine_wait(struct engine *E, uint64_t timeout_us)
{
    rawio_flush(E->io);
    if (E->rxq)
        rxq_wait(E->rxq, timeout_us);
    /* the next probe reads the clock: a send time from before the wait would add the
     * wait to its RTT sample (at high rates rate_wait reads it every few probes only) */
    E->clock_skip = E->clock_every;
}

/* ---- probes --------------------------------------------------------------------- */

/* --data-length: the probe's random bytes (keyed by the pair and try, so a retry differs).
 * Returns how many, at most SCAN_DATA_MAX. */
static size_t probe_data(const struct engine *E, uint64_t idx, int try, uint8_t *out)
{
    size_t n = E->cfg->data_length;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t m[3] = {idx, (uint64_t)try, i}, r = siphash24(&E->cfg->key, m, sizeof m);
        memcpy(out + i, &r, n - i < 8 ? n - i : 8);
    }
    return n;
}

static int rate_wait(struct engine *E);

/* emit.h's pace: a -D copy waits for its own token (a stop sends it at once); when the
 * copy is our own, the probe's send time is now (its RTT sample must not hold the waits
 * of the decoys before it). */
static int pace_copy(void *ud)
{
    struct engine *E = ud;
    int stopped = rate_wait(E) < 0;
    if (++E->cur_copy == E->cfg->decoys.me)
        E->pair[E->cur_idx].sent_us = elapsed32(E, E->now);
    return stopped;
}

static void send_probe(struct engine *E, uint64_t idx)
{
    const struct hkey *k = &E->hk[idx / E->np];
    const struct engine_target *t = k->t;
    uint16_t tport = E->ports[idx % E->np];
    if (E->cfg->dry_run) {
        char a[PR_ADDRSTRLEN];
        printf("probe %s %s %u\n", E->tech->proto == PR_TCP ? "tcp" : "udp",
               addr_str(&t->res->addr, a, sizeof a), tport);
        E->st->sent++;
        E->pair[idx].tries++;
        return;
    }
    int try = E->pair[idx].tries;
    uint16_t sport =
        E->fixed_sport ? E->sport_base : (uint16_t)(E->sport_base + (try % SPORT_TRIES));
    struct pkt_ip ip = {
        .src = t->src, .dst = t->res->addr, .ttl = (uint8_t)(E->cfg->ttl ? E->cfg->ttl : 64)};
    /* counted as sent before it goes: a reply may be recorded while decoy copies wait */
    E->pair[idx].sent_us = elapsed32(E, E->now);
    E->cur_idx = idx;
    if (try == 0)
        ratectl_sent(E->rc, E->now);
    if (E->pair[idx].tries < 255)
        E->pair[idx].tries++;
    uint8_t pkt[PKT_MAX];
    /* every -D source is a packet against the rate: the first took its token already */
    const struct emit em = {.cfg = E->cfg,
                            .io = E->io,
                            .sent = &E->st->sent,
                            .bytes = &E->st->bytes_sent,
                            .pace = pace_copy,
                            .ud = E};
    if (E->tech->proto == PR_TCP) {
        uint32_t c = cookie(E, k, tport, sport);
        ip.ip_id = (uint16_t)((c >> 16) ^ (c >> 3)); /* keyed, and differs per try */
        uint8_t f = E->tech->tcp_flags;
        struct pkt_tcp_opts opts = {.mss = 1460, .wscale = -1};
        uint8_t data[SCAN_DATA_MAX];
        size_t nd = probe_data(E, idx, try, data);
        size_t n = pkt_build_tcp(pkt, sizeof pkt, &ip, sport, tport, c, (f & TH_ACK) ? ~c : 0, f,
                                 1024 + (c & 0x3ff), (f & TH_SYN) ? &opts : NULL, data, nd);
        if (E->cfg->badsum)
            pkt_spoil_cksum(pkt, n);
        E->cur_copy = 0;
        emit_probe(&em, pkt, n, &ip.dst, &t->nexthop, t->oif);
    } else {
        ip.ip_id = (uint16_t)(siphash24(&E->cfg->key, &idx, sizeof idx) + try);
        const struct payload *pl = NULL;
        size_t npl = E->cfg->payloads ? payload_get(E->cfg->payloads, tport, &pl) : 0;
        uint8_t data[SCAN_DATA_MAX];
        size_t nd = npl ? 0 : probe_data(E, idx, try, data); /* a port's own payload wins */
        for (size_t i = 0; i < (npl ? npl : 1); i++) {
            size_t n = pkt_build_udp(pkt, sizeof pkt, &ip, sport, tport, npl ? pl[i].data : data,
                                     npl ? pl[i].len : nd);
            if (E->cfg->badsum)
                pkt_spoil_cksum(pkt, n);
            E->cur_copy = 0;
            emit_probe(&em, pkt, n, &ip.dst, &t->nexthop, t->oif);
        }
    }
}

/* Sets the send rate (0: unlimited): a bucket of 5 ms of tokens, and how often rate_wait
 * reads the clock (every probe up to 200k/s, at most every 16th). */
static void set_rate(struct engine *E, double rate)
{
    E->rate = rate;
    rawio_rate_hint(E->io, rate);
    E->burst = rate > 0 ? fmax(1.0, rate / 200.0) : 0;
    double every = rate / 200000.0;
    E->clock_every = every < 1 ? 1 : every > 16 ? 16 : (unsigned)every;
}

/* Blocks until the rate limiter allows one more packet, receiving meanwhile, and sets
 * E->now for the probe. Reading the clock costs ~150 ns in a VM, so while the bucket
 * holds tokens it is read only every E->clock_every probes (at most ~16 us stale).
 * Returns 0, or -1 when a stop came first (-T0 waits 5 minutes between probes). */
static int rate_wait(struct engine *E)
{
    if (E->rate <= 0) {
        E->now = now_us();
        return 0;
    }
    if (E->tokens >= 1 && ++E->clock_skip < E->clock_every) {
        E->tokens -= 1;
        return 0;
    }
    E->clock_skip = 0;
    for (;;) {
        uint64_t now = now_us();
        E->now = now;
        E->tokens += (double)(now - E->tokens_at) * E->rate / 1e6;
        E->tokens_at = now;
        if (E->tokens > E->burst)
            E->tokens = E->burst;
        if (E->tokens >= 1) {
            E->tokens -= 1;
            return 0;
        }
        if (E->stop && *E->stop)
            return -1;
        uint64_t wait = (uint64_t)((1 - E->tokens) * 1e6 / E->rate);
        if (wait >= 1000)
            engine_wait(E, wait < STOP_POLL_US ? wait : STOP_POLL_US); /* flushes first */
        else
            rawio_flush(E->io);
        drain(E);
    }
}

/* --host-timeout: past it, a host gets no more probes and its ports are dropped. */
int host_expired(const struct scan_config *cfg, struct host_result *res)
{
    if (!cfg->timing.host_timeout_us || res->timed_out)
        return res->timed_out;
    struct timeval now;
    gettimeofday(&now, NULL);
    uint64_t el = (uint64_t)(now.tv_sec - res->start.tv_sec) * 1000000u +
                  (uint64_t)(now.tv_usec - res->start.tv_usec);
    if (el < cfg->timing.host_timeout_us)
        return 0;
    res->timed_out = 1;
    return 1;
}

/* ---- ICMP pacing ---------------------------------------------------------------- */

/* Conclusive paced tries a silent port needs, after its unpaced first try: as many as
 * the measured loss asks for (tries_needed - 1), but two when fewer than LOSS_SAMPLE
 * direct replies measured the loss (a UDP scan's few answers: a probe lost on a busy
 * link would otherwise pass for silence); never more than --max-retries allows. */
static int paced_needed(const struct engine *E)
{
    int need = E->tries_needed - 1;
    if (E->responsive < LOSS_SAMPLE && need < 2)
        need = 2;
    if (need < 1)
        need = 1;
    int cap = E->cfg->timing.max_retries > 0 ? E->cfg->timing.max_retries : 1;
    return need < cap ? need : cap;
}

/* A paced host has no more work: its unanswered pairs are settled. */
static void pace_finish(struct engine *E, struct ehost *h)
{
    uint64_t base = (uint64_t)(h - E->h) * E->np;
    h->paced = 2;
    for (size_t p = 0; p < E->np; p++)
        E->settled += E->pair[base + p].state == PS_UNKNOWN;
}

/* Unanswered pairs of the hosts still being paced that need no more paced tries. */
static uint64_t pace_settled(const struct engine *E)
{
    uint64_t n = 0;
    int need = paced_needed(E);
    for (size_t i = 0; i < E->npaced; i++) {
        uint64_t base = (uint64_t)E->paced[i] * E->np;
        for (size_t p = 0; p < E->np; p++)
            n += E->pair[base + p].state == PS_UNKNOWN && E->ptries[base + p] >= need;
    }
    return n;
}

/* Advances one paced host; returns 1 while it still has work.
 *
 * A batch of unanswered ports is conclusive when no ICMP error it drew can have been
 * suppressed by the target's rate limiter; then its still unanswered ports count one
 * paced try, otherwise they are probed again. Two ways to know:
 *  - a canary: a port of this host that drew an ICMP error before, sent last in the
 *    batch. If its error comes back, the limiter had a token after the other ports'
 *    probes, so none of their errors was suppressed (the target answers in order). Used
 *    when few of the paced ports draw errors (silent ports: FIN/NULL/Xmas, UDP behind a
 *    DROP firewall) and the model below says to wait for a token: the batch goes out at
 *    once. After the first canary that does not come back, only the model paces.
 *  - the model: the limiter as a token bucket (ICMP_RATE_PER_S, ICMP_BURST); the batch
 *    drew fewer errors than the tokens the bucket held when it was sent.
 * The batch size follows the share of probes that draw an ICMP error, so a host whose
 * ports are mostly silent is paced by its RTT, not by its ICMP rate. */
static int pace_host(struct engine *E, struct ehost *h, uint64_t now)
{
    size_t hi = (size_t)(h - E->h);
    if (h->batch_open) {
        if (now < h->batch_deadline)
            return 1;
        int conclusive =
            h->canary_sent ? h->canary_seen : (double)h->batch_icmp < floor(h->batch_tokens);
        h->canary_misses += h->canary_sent && !h->canary_seen;
        if (verbosity(E) >= 3)
            fprintf(stderr, "pace host %zu: batch of %zu%s drew %u ICMP errors: %s\n", hi,
                    h->nbatch, h->canary_sent ? " + canary" : "", h->batch_icmp,
                    conclusive ? "conclusive" : "inconclusive");
        h->paced_sent += h->nbatch;
        h->paced_icmp += h->batch_icmp - (uint32_t)h->canary_seen;
        h->tokens -= h->batch_icmp;
        if (h->tokens < 0)
            h->tokens = 0;
        for (size_t i = 0; i < h->nbatch; i++) {
            uint64_t idx = h->batch[i];
            if (E->ptries[idx] < 255 && (conclusive || E->pair[idx].tries >= PACE_MAX_TRIES))
                E->ptries[idx]++;
        }
        h->batch_open = 0;
    }
    h->tokens += (double)(now - h->tokens_at) * ICMP_RATE_PER_S / 1e6;
    h->tokens_at = now;
    if (h->tokens > ICMP_BURST)
        h->tokens = ICMP_BURST;
    double share = ((double)h->paced_icmp + 1) / ((double)h->paced_sent + 1);
    /* the canary only where the model would make us wait, and until it first fails */
    int canary = h->canary >= 0 && share < 0.1 && h->tokens < 1 && !h->canary_misses;
    if (h->tokens < 1 && !canary)
        return 1;
    /* expect about half the tokens to be drawn (with the canary: as if the bucket were
     * full, less the canary's token; a miss sends us back to the model) */
    double tokens = canary ? ICMP_BURST - 1 : floor(h->tokens);
    double want_d = tokens / (2 * share);
    size_t want = want_d < 1 ? 1 : want_d > PACE_BATCH_MAX ? PACE_BATCH_MAX : (size_t)want_d;
    h->nbatch = 0;
    int need = paced_needed(E);
    if (host_expired(E->cfg, E->hk[hi].t->res)) {
        pace_finish(E, h);
        return 0;
    }
    for (size_t k = 0; k < E->np && h->nbatch < want; k++) {
        size_t p = (h->cursor + k) % E->np;
        uint64_t idx = (uint64_t)hi * E->np + p;
        if (E->pair[idx].state == PS_UNKNOWN && E->ptries[idx] < need)
            h->batch[h->nbatch++] = idx;
    }
    if (!h->nbatch) {
        pace_finish(E, h);
        return 0;
    }
    h->cursor = (size_t)(h->batch[h->nbatch - 1] % E->np) + 1;
    if (canary) /* send_probe uses the try count before it increments it (capped) */
        h->canary_try = E->pair[h->canary].tries % SPORT_TRIES;
    /* The batch is open before its first probe: rate_wait() takes in replies while the
     * rest goes out, and an error drawn then is the batch's too (counting it late made a
     * batch that emptied the limiter look conclusive, and its closed ports silent). */
    h->batch_open = 1;
    h->batch_icmp = 0;
    h->canary_sent = canary;
    h->canary_seen = 0;
    h->batch_tokens = h->tokens;
    h->batch_deadline = UINT64_MAX;
    for (size_t i = 0; i < h->nbatch + (size_t)canary; i++) {
        if (rate_wait(E) < 0)
            break; /* stopped: the host's unanswered ports are not concluded */
        send_probe(E, i < h->nbatch ? h->batch[i] : (uint64_t)h->canary);
    }
    if (!E->cfg->dry_run)
        rawio_flush(E->io); /* the wait for answers starts when the batch is out */
    h->batch_deadline = now_us() + host_timeout(E, h);
    return 1;
}

/* Starts pacing a host. The bucket cannot hold fewer tokens than have refilled since
 * the last ICMP error we saw from it (or since this technique began, if none): errors it
 * sent would have reached us, and suppressed ones cost nothing. The first batch size
 * follows the share of first-pass probes that drew an ICMP error. */
static void pace_start(struct engine *E, struct ehost *h)
{
    uint64_t now = now_us();
    uint64_t since = h->last_icmp_us ? h->last_icmp_us : E->t0;
    h->paced = 1;
    /* no error can still be on its way: pacing starts one timeout after the last probe */
    h->tokens = fmin(ICMP_BURST, (double)(now - since) * ICMP_RATE_PER_S / 1e6);
    h->tokens_at = now;
    h->paced_sent = E->np;
    h->paced_icmp = h->icmp_errors;
    if (!h->batch)
        h->batch = pr_calloc(PACE_BATCH_MAX, sizeof *h->batch);
    E->paced[E->npaced++] = (size_t)(h - E->h);
}

/* Advances every paced host; those that finished leave the list. Returns 1 while any
 * still has work. */
static int pace_all(struct engine *E)
{
    uint64_t now = now_us();
    size_t w = 0;
    for (size_t i = 0; i < E->npaced; i++) {
        struct ehost *h = &E->h[E->paced[i]];
        if (h->paced == 1 && pace_host(E, h, now))
            E->paced[w++] = E->paced[i];
    }
    E->npaced = w;
    return w > 0;
}

/* ---- the loop ------------------------------------------------------------------- */

static void tick(struct engine *E)
{
    drain(E);
    pace_all(E);
    if (ratectl_update(E->rc, now_us())) {
        set_rate(E, E->rc->rate);
        if (verbosity(E) >= 2)
            fprintf(stderr, "%s scan: rate now %.0f/s\n", E->tech->name, E->rate);
    }
    double pps = 0;
    uint64_t el = now_us() - E->t0;
    if (el > 0)
        pps = (double)E->st->sent * 1e6 / (double)el;
    /* done: answered pairs, and unanswered ones that will get no more probes */
    uint64_t done = E->span->done_before + E->resolved + E->settled;
    if (E->npaced && status_due(&E->status))
        done += pace_settled(E);
    status_tick(&E->status, done, E->span->total, pps);
}

/* Waits until `until` (absolute), receiving and pacing meanwhile. */
static void wait_until(struct engine *E, uint64_t until, volatile sig_atomic_t *stop)
{
    for (;;) {
        uint64_t now = now_us();
        if (now >= until || (stop && *stop))
            return;
        uint64_t left = until - now;
        engine_wait(E, left < 10000 ? left : 10000);
        tick(E);
    }
}

/* Replies the kernel dropped on our receive socket mean we outran ourselves: halve the
 * rate for the next round (never below --min-rate); the retries recover what was lost. */
static void slow_down_on_drops(struct engine *E)
{
    if (E->cfg->dry_run || E->rate <= 0)
        return;
    uint64_t drops = rawio_drops(E->io);
    if (!drops)
        return;
    double floor_rate = E->cfg->timing.min_rate > 0 ? E->cfg->timing.min_rate : 100;
    set_rate(E, E->rate / 2 > floor_rate ? E->rate / 2 : floor_rate);
    ratectl_overrun(E->rc);
    if (verbosity(E))
        fprintf(stderr, "%s scan: %llu replies dropped by the kernel; rate now %.0f/s\n",
                E->tech->name, (unsigned long long)drops, E->rate);
}

/* Waits for the replies to a round: until every pair is answered, or one timeout
 * (recomputed as RTT samples arrive) after the round's last probe. */
static void wait_round(struct engine *E, uint64_t last_send, volatile sig_atomic_t *stop)
{
    while (E->resolved < E->npairs && !(stop && *stop)) {
        uint64_t until = last_send + max_timeout(E), now = now_us();
        if (now >= until)
            return;
        uint64_t left = until - now;
        engine_wait(E, left < 10000 ? left : 10000);
        tick(E);
    }
}

/* Answering ports that loss may leave hidden, expected per scan (at 0.05, a top-1000
 * scan under 10% loss each way missed a port in about one run of 150). */
#define HIDDEN_GOAL 0.001

/* How many tries a pair needs so that fewer than HIDDEN_GOAL answering ports are
 * expected to stay hidden, given the fraction of direct replies that needed a
 * retransmission. */
static void update_tries_needed(struct engine *E)
{
    int cap = E->cfg->timing.max_retries + 1;
    int need = cap < 2 ? cap : 2;
    if (E->responsive > 0 && E->late > 0) {
        double q = (double)E->late / (double)E->responsive;
        if (q > 0.9)
            q = 0.9;
        double hidden = (double)E->responsive;
        int t = 0;
        while (hidden > HIDDEN_GOAL && t < 64) {
            hidden *= q;
            t++;
        }
        if (t + 1 > need)
            need = t + 1;
    }
    if (need > cap)
        need = cap;
    E->tries_needed = need;
}

/* -d: what a round did and the timing it leaves (nmap's debugging lines), on the trace
 * stream: how many packets went out (retransmissions after the first round), the
 * answers so far, the retry count the loss asks for, and each host's RTT and timeout
 * (-dd: every host; -d: the first few). */
static void debug_round(struct engine *E, int round, uint64_t packets)
{
    FILE *f = E->cfg->trace.f ? E->cfg->trace.f : stdout;
    fprintf(f,
            "%s scan round %d: %llu packets sent (%s), %llu of %llu pairs answered, "
            "rate %.0f/s, %d tries per port\n",
            E->tech->name, round + 1, (unsigned long long)packets,
            round ? "retransmissions" : "first tries", (unsigned long long)E->resolved,
            (unsigned long long)E->npairs, E->rate, E->tries_needed);
    size_t shown = debugging(E) >= 2 ? E->nh : E->nh < 8 ? E->nh : 8;
    for (size_t h = 0; h < shown; h++) {
        char a[PR_ADDRSTRLEN];
        fprintf(f, "  %s: srtt %.0f us, rttvar %.0f us, probe timeout %llu us%s\n",
                addr_str(&E->hk[h].t->res->addr, a, sizeof a), E->h[h].srtt, E->h[h].rttvar,
                (unsigned long long)host_timeout(E, &E->h[h]),
                E->h[h].paced == 1 ? ", paced to its ICMP rate limit" : "");
    }
    fflush(f);
}

/* Applies the progress of an interrupted run to this span: marks the first-pass
 * positions it had sent as tried once, fills each host's `rest` answer into its tried
 * pairs, then the answers of single ports. Returns the first position still to send;
 * *finished is 1 when the interrupted run had finished this span (nothing to send). */
static uint64_t resume_apply(struct engine *E, const struct perm *perm,
                             const struct engine_span *sp, int *finished)
{
    const struct scan_progress *p = sp->resume;
    *finished = 0;
    if (!p || !p->valid)
        return 0;
    int before = sp->group < p->group || (sp->group == p->group && sp->tech_index < p->tech);
    if (!before && !(sp->group == p->group && sp->tech_index == p->tech))
        return 0;
    uint64_t pos = before ? E->npairs : p->position < E->npairs ? p->position : E->npairs;
    for (uint64_t i = 0; i < pos; i++)
        if (engine_in_shard(E->cfg, sp->pos_base + i))
            E->pair[perm_at(perm, i)].tries = 1;
    for (int pass = 0; pass < 2; pass++) /* rest answers first, single ports over them */
        for (size_t i = 0; i < p->n; i++) {
            const struct progress_item *it = &p->items[i];
            if (it->rest != !pass || it->proto != E->tech->proto)
                continue;
            int64_t hi = host_find(E, &it->addr);
            if (hi < 0)
                continue;
            uint64_t first = (uint64_t)hi * E->np;
            for (uint64_t idx = first; it->rest && idx < first + E->np; idx++)
                if (E->pair[idx].tries && E->pair[idx].state == PS_UNKNOWN) {
                    E->pair[idx].state = it->state;
                    E->pair[idx].reason = it->reason;
                    E->pair[idx].ttl = it->ttl;
                }
            if (!it->rest && E->portidx[it->port] >= 0) {
                uint64_t idx = first + (uint64_t)E->portidx[it->port];
                E->pair[idx].state = it->state;
                E->pair[idx].reason = it->reason;
                E->pair[idx].ttl = it->ttl;
            }
        }
    for (uint64_t idx = 0; idx < E->npairs; idx++)
        E->resolved += E->pair[idx].state != PS_UNKNOWN;
    *finished = before;
    return pos;
}

/* At the end of a run: the MATCH_PORTS answers of a host that sent no stray stand; those
 * of a host that did are withdrawn (their pairs end unanswered), and the scan says so. */
static void weak_settle(struct engine *E)
{
    for (size_t hi = 0; hi < E->nh; hi++) {
        struct ehost *h = &E->h[hi];
        uint64_t strays = atomic_load_explicit(&E->strays[hi], memory_order_relaxed);
        if (!strays && !h->weak)
            continue;
        if (strays)
            weak_withdraw(E, hi);
        char a[PR_ADDRSTRLEN];
        addr_str(&E->hk[hi].t->res->addr, a, sizeof a);
        if (strays && (h->unbelieved || verbosity(E) >= 1))
            fprintf(stderr,
                    "Warning: %s sent %llu replies to source ports no probe used (forged?): its "
                    "%u answers without our cookie are not believed\n",
                    a, (unsigned long long)strays, h->unbelieved);
        else if (h->weak && verbosity(E) >= 2)
            fprintf(stderr,
                    "%s: %u answers did not acknowledge our sequence number (matched by "
                    "ports)\n",
                    a, h->weak);
        for (size_t p = 0; h->weak && p < E->np; p++)
            if (weak_bit(E, (uint64_t)hi * E->np + p))
                show_found(E, (uint64_t)hi * E->np + p);
    }
}

/* On a stop: where the first pass of this span got to, and its answers, for --resume. */
static void progress_save(struct engine *E, const struct engine_span *sp, uint64_t pos)
{
    struct scan_progress *p = sp->save;
    if (!p)
        return;
    p->valid = 1;
    p->group = sp->group;
    p->tech = sp->tech_index;
    p->position = pos;
    for (uint64_t idx = 0; idx < E->npairs; idx++) {
        if (E->pair[idx].state == PS_UNKNOWN)
            continue;
        struct progress_item it = {.addr = E->hk[idx / E->np].t->res->addr,
                                   .port = E->ports[idx % E->np],
                                   .proto = E->tech->proto,
                                   .state = E->pair[idx].state,
                                   .reason = E->pair[idx].reason,
                                   .ttl = E->pair[idx].ttl};
        progress_add(p, &it);
    }
}

static int engine_setup(struct engine *E, const struct scan_config *cfg,
                        const struct technique *tech, const struct engine_span *span,
                        struct rawio *io, struct engine_target *targets, size_t nt,
                        const uint16_t *ports, size_t np, struct engine_stats *st)
{
    memset(E, 0, sizeof *E);
    E->cfg = cfg;
    E->span = span;
    E->tech = tech;
    E->io = io;
    E->nh = nt;
    E->np = np;
    E->ports = ports;
    E->st = st;
    E->h = pr_calloc(nt, sizeof *E->h);
    E->hk = pr_calloc(nt, sizeof *E->hk);
    E->strays = pr_calloc(nt, sizeof *E->strays);
    E->paced = pr_calloc(nt, sizeof *E->paced);
    for (size_t i = 0; i < nt; i++) {
        E->hk[i].t = &targets[i];
        E->h[i].canary = -1;
        uint8_t a[32];
        memcpy(a, targets[i].res->addr.a, 16);
        memcpy(a + 16, targets[i].src.a, 16);
        sip_prefix(&E->hk[i].sip, &cfg->key, a, sizeof a);
        if (targets[i].res->srtt_us > 0) { /* discovery's sample */
            E->h[i].srtt = targets[i].res->srtt_us;
            E->h[i].rttvar = targets[i].res->srtt_us;
        }
    }
    hash_build(E);
    E->portidx = pr_calloc(65536, sizeof *E->portidx);
    for (size_t i = 0; i < 65536; i++)
        E->portidx[i] = -1;
    for (size_t i = 0; i < np; i++)
        E->portidx[ports[i]] = (int32_t)i;
    E->npairs = (uint64_t)nt * np;
    E->pair = pr_calloc_big(E->npairs, sizeof *E->pair);
    E->ptries = tech->icmp_matters ? pr_calloc(E->npairs ? E->npairs : 1, 1) : NULL;
    if (cfg->source_port >= 0) {
        E->fixed_sport = E->cookie_only = 1;
        E->sport_base = (uint16_t)cfg->source_port;
    } else {
        /* keyed, the k-th base outside the local port range (any base when none is) */
        uint64_t r = siphash24(&cfg->key, "sport", 5);
        unsigned nfree = engine_free_bases(&span->local);
        unsigned k = (unsigned)(r % (nfree ? nfree : SPORT_BASES)), b = 0;
        for (unsigned seen = 0; nfree && b < SPORT_BASES; b++)
            if (base_free(&span->local, b) && seen++ == k)
                break;
        E->sport_base = (uint16_t)(SPORT_LO + (nfree ? b : k) * SPORT_TRIES);
        E->cookie_only = nfree < ENGINE_MIN_BASES;
    }
    E->local = span->local;
    E->local_nocookie = pr_calloc(1, sizeof *E->local_nocookie);
    /* a dry run sends nothing; a rate search goes on where the last span left it */
    E->rc = span->rc && span->rc->active && !cfg->dry_run ? span->rc : &E->rc_fixed;
    set_rate(E, cfg->dry_run ? 0 : E->rc->active ? E->rc->rate : cfg->timing.max_rate);
    E->tokens = E->burst;
    E->t0 = E->tokens_at = E->now = now_us();
    E->tries_needed = cfg->timing.max_retries + 1 < 2 ? cfg->timing.max_retries + 1 : 2;
    return 0;
}

static void engine_free(struct engine *E)
{
    for (size_t i = 0; i < E->nh; i++)
        free(E->h[i].batch);
    free(E->h);
    free(E->hk);
    free((void *)E->strays);
    free((void *)E->local_nocookie);
    free(E->paced);
    free(E->hash);
    free(E->portidx);
    pr_free_big(E->pair, E->npairs, sizeof *E->pair);
    free(E->ptries);
    free(E->weak);
}

int engine_run(const struct scan_config *cfg, const struct technique *tech,
               const struct engine_span *span, struct rawio *io, struct engine_target *targets,
               size_t ntargets, const uint16_t *ports, size_t nports, volatile sig_atomic_t *stop,
               struct engine_stats *st, struct pr_error *e)
{
    if (!ntargets || !nports)
        return 0;
    struct engine E;
    engine_setup(&E, cfg, tech, span, io, targets, ntargets, ports, nports, st);
    E.stop = stop;
    if (!cfg->dry_run) {
        (void)rawio_drops(io); /* drops while nobody read (before this span) are not its own */
        E.rxq = rxq_start(io, sizeof(struct reply), RXQ_CAP, classify_cb, &E, e);
        if (!E.rxq) {
            engine_free(&E);
            return -1;
        }
    }
    char what[32];
    snprintf(what, sizeof what, "%s scan", tech->name);
    status_init(&E.status, what, cfg->verbose, cfg->stats_every_s);
    E.status.levels = cfg->live;
    struct perm perm;
    if (cfg->sequential)
        perm_init_sequential(&perm, E.npairs, E.nh);
    else
        perm_init(&perm, E.npairs, &cfg->key);
    int finished;
    uint64_t first = resume_apply(&E, &perm, span, &finished);
    uint64_t sent0 = E.st->sent, pass_sent = 0, pass_us = 0;
    uint64_t stopped_at = first; /* where the first pass got to, should it not run */

    for (int round = 0; !finished && !(stop && *stop); round++) {
        int sent_any = 0;
        uint64_t i, round_sent0 = E.st->sent;
        /* the permutation scatters over every pair: fetch PERM_AHEAD records ahead */
        uint64_t look[PERM_AHEAD], start = round ? 0 : first;
        for (uint64_t k = start; k < start + PERM_AHEAD && k < E.npairs; k++) {
            look[k % PERM_AHEAD] = perm_at(&perm, k);
            __builtin_prefetch(&E.pair[look[k % PERM_AHEAD]], 1);
        }
        for (i = start; i < E.npairs && !(stop && *stop); i++) {
            uint64_t idx = look[i % PERM_AHEAD];
            if (i + PERM_AHEAD < E.npairs) {
                look[i % PERM_AHEAD] = perm_at(&perm, i + PERM_AHEAD);
                __builtin_prefetch(&E.pair[look[i % PERM_AHEAD]], 1);
            }
            if (!engine_in_shard(cfg, span->pos_base + i))
                continue;
            if (E.pair[idx].state != PS_UNKNOWN || E.pair[idx].tries != round ||
                E.h[idx / nports].paced)
                continue;
            if (round >= E.tries_needed ||
                (cfg->timing.host_timeout_us && host_expired(cfg, E.hk[idx / nports].t->res)))
                continue;
            if (rate_wait(&E) < 0)
                break; /* stopped: position i was not sent */
            send_probe(&E, idx);
            sent_any = 1;
            if ((E.st->sent & 63) == 0 && !cfg->dry_run)
                tick(&E);
        }
        if (round == 0) {
            stopped_at = i;
            pass_us = now_us() - E.t0;
            pass_sent = E.st->sent - sent0;
        }
        if (cfg->dry_run)
            break;
        if (sent_any)
            wait_round(&E, now_us(), stop);
        if (debugging(&E) && !cfg->dry_run && (round == 0 || sent_any))
            debug_round(&E, round, E.st->sent - round_sent0);
        if (round == 0 && tech->icmp_matters) {
            /* Whatever is unanswered after the first burst may be an ICMP error that the
             * target's rate limit suppressed (possibly because an earlier scan drained
             * its bucket): pace the rest of each such host to that limit. */
            for (size_t h = 0; h < E.nh; h++)
                for (size_t p = 0; p < nports; p++)
                    if (E.pair[h * nports + p].state == PS_UNKNOWN) {
                        pace_start(&E, &E.h[h]);
                        break;
                    }
        }
        update_tries_needed(&E);
        slow_down_on_drops(&E);
        if (!sent_any) /* every unresolved pair was sent in each round so far */
            break;
    }
    /* Let paced hosts finish, then give the last answers one more timeout. */
    while (!(stop && *stop) && !cfg->dry_run && pace_all(&E))
        wait_until(&E, now_us() + 10000, stop);
    if (tech->icmp_matters && !cfg->dry_run && !finished && !(stop && *stop))
        wait_round(&E, now_us(), stop);
    int save = stop && *stop && !cfg->dry_run && !finished;
    if (save) { /* collect the answers to probes still in flight, so that a resumed scan
                 * need not send them again; briefly: a stop must take effect at once */
        uint64_t grace = max_timeout(&E), t = now_us();
        uint64_t until = t + (grace < STOP_GRACE_US ? grace : STOP_GRACE_US);
        while (E.resolved < E.npairs && (t = now_us()) < until) {
            engine_wait(&E, until - t < 10000 ? until - t : 10000);
            drain(&E);
        }
    }
    struct rxq_stats rs = {0};
    rxq_stop(E.rxq, &rs);
    for (struct reply r; E.rxq && rxq_pop(E.rxq, &r);)
        apply_reply(&E, &r); /* what the thread queued before it stopped still counts */
    rxq_free(E.rxq);
    E.rxq = NULL;
    st->rcvd += rs.packets;
    st->bytes_rcvd += rs.bytes;
    st->local_nocookie += atomic_load_explicit(E.local_nocookie, memory_order_relaxed);
    weak_settle(&E);
    if (save)
        progress_save(&E, span, stopped_at);

    for (size_t h = 0; h < E.nh; h++) {
        struct host_result *res = E.hk[h].t->res;
        if (E.h[h].srtt > 0) {
            res->srtt_us = E.h[h].srtt;
            res->rttvar_us = E.h[h].rttvar;
            res->timeout_us = (double)host_timeout(&E, &E.h[h]);
        }
        for (size_t p = 0; p < nports; p++) {
            uint64_t idx = h * nports + p;
            struct port_result *pr = &res->ports[E.hk[h].t->port_off + p];
            int paced = E.h[h].paced; /* 1: pacing was still going on */
            if (E.pair[idx].state == PS_UNKNOWN &&
                (E.pair[idx].tries == 0 || cfg->dry_run ||
                 (save && (paced == 1 || (!paced && E.pair[idx].tries < E.tries_needed))))) {
                /* never probed (another shard's, or a stop), or stopped before its tries
                 * were done: no conclusion, not shown */
                pr->state = PS_UNKNOWN;
                pr->reason = RS_NONE;
            } else if (E.pair[idx].state == PS_UNKNOWN) {
                pr->state = tech->state_on_timeout;
                pr->reason = RS_NO_RESPONSE;
                pr->reason_ttl = 0;
            } else {
                pr->state = E.pair[idx].state;
                pr->reason = E.pair[idx].reason;
                pr->reason_ttl = E.pair[idx].ttl;
            }
        }
    }
    if (verbosity(&E) >= 2)
        fprintf(stderr,
                "%s scan: first pass %llu probes in %.3f s; %llu probes sent (so far %llu "
                "through the TX ring, %llu through raw sockets), %llu direct replies (%llu after "
                "a retry), %d tries per port\n",
                tech->name, (unsigned long long)pass_sent, (double)pass_us / 1e6,
                (unsigned long long)E.st->sent, (unsigned long long)io->ring_sent,
                (unsigned long long)io->sock_sent, (unsigned long long)E.responsive,
                (unsigned long long)E.late, E.tries_needed);
    engine_free(&E);
    return 0;
}
