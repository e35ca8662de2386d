/* traceroute.c — see traceroute.h. */
#include "scan/traceroute.h"

#include "core/clock.h"
#include "core/siphash.h"
#include "net/packet.h"
#include "os/osfp.h"
#include "scan/emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TR_MAX_TTL 30     /* nmap's MAX_TTL: the highest TTL tried */
#define TR_FIRST_TTL 10   /* where a host of unknown distance starts counting down */
#define TR_OUTSTANDING 10 /* probes in flight over all hosts (nmap's figure) */
#define TR_MAX_RESENDS 2  /* more tries of a silent TTL, fewer with --max-retries */
#define TR_TIMEOUT_US 1000000
#define TR_HOSTS 800 /* hosts per batch: every probe of a batch has a token */
#define TR_SLOTS (TR_MAX_TTL + 1)
#define TR_TOKENS (TR_HOSTS * TR_SLOTS)
/* TCP/UDP probes carry their token in the source port, below the scan engine's 61000 and up */
#define TR_SPORT_BASE 33000

enum { HOP_NONE = 0, HOP_ADDR, HOP_SILENT };

struct thop {
    uint8_t state; /* HOP_* */
    struct pr_addr addr;
    double rtt_ms;
};

struct tprobe { /* one per (host, TTL): token = host * TR_SLOTS + ttl */
    uint32_t host;
    uint8_t ttl;
    uint8_t used;
    uint8_t resends;
    uint8_t active;  /* sent, waiting for its answer */
    uint8_t pending; /* timed out, to be sent again */
    uint8_t done;    /* answered or given up */
    uint64_t sent_us;
};

struct thost {
    struct engine_target *t;
    struct trace_probe pr;
    uint8_t sent[TR_MAX_TTL + 2];
    unsigned cur; /* the TTL to try next */
    int counting_up;
    unsigned reached; /* the TTL the host itself answered at; 0: not yet */
    struct thop hops[TR_MAX_TTL + 1];
    int link; /* host whose hops 1..link_ttl this one shares; -1 none */
    unsigned link_ttl;
    int finished;
};

struct trun {
    const struct scan_config *cfg;
    struct rawio *io;
    struct engine_stats *st;
    struct thost *h;
    size_t nh;
    struct tprobe *p; /* nh * TR_SLOTS, by token */
    size_t active;    /* probes in flight */
    size_t next;      /* round-robin position */
    uint16_t gid;     /* distinguishes this run's probes from another's */
    unsigned max_resends;
    uint64_t timeout_us;
};

static int tcp_spoofed(uint16_t port) /* ports nmap trusts less: often answered by middleboxes */
{
    return port == 25 || port == 113 || port == 135 || port == 139 || port == 445;
}

void trace_choose_probe(const struct host_result *h, int discovered, struct trace_probe *out)
{
    /* nmap's pingprobe_score: the best-scoring answer wins, the first of equals (discovery
     * answered before the port scan). */
    int best = 0;
    *out = (struct trace_probe){.proto = TRACE_PROTO_ICMP};
    if (discovered) {
        if (h->reason == RS_ECHO_REPLY || h->reason == RS_TIMESTAMP_REPLY) {
            best = 50;
            out->reply_ttl = h->reason_ttl;
        } else if (h->reason == RS_RESET) { /* the RST to the SYN to 443 or the ACK to 80 */
            int p443 = 0;
            for (size_t i = 0; i < h->nports; i++)
                p443 |= h->ports[i].proto == PR_TCP && h->ports[i].port == 443 &&
                        h->ports[i].reason == RS_RESET;
            *out = (struct trace_probe){PR_TCP, p443 ? TH_SYN : TH_ACK, p443 ? 443 : 80,
                                        h->reason_ttl};
            best = 60;
        } else if (h->reason == RS_SYN_ACK) {
            *out = (struct trace_probe){PR_TCP, TH_SYN, 443, h->reason_ttl};
            best = 30;
        }
    }
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        struct trace_probe c = {p->proto, TH_SYN, p->port, p->reason_ttl};
        int score = 0;
        if (p->proto == PR_TCP && p->reason == RS_RESET) {
            score = tcp_spoofed(p->port) ? 50 : 60;
            if (p->state == PS_UNFILTERED) /* an ACK scan's answer */
                c.tcp_flags = TH_ACK;
        } else if (p->proto == PR_TCP && p->reason == RS_SYN_ACK) {
            score = 30;
        } else if (p->proto == PR_UDP &&
                   (p->reason == RS_UDP_RESPONSE || p->reason == RS_PORT_UNREACH)) {
            score = 20;
        }
        if (score > best) {
            best = score;
            *out = c;
        }
    }
}

int trace_distance(uint8_t ttl)
{
    if (ttl == 0)
        return 0;
    int initial = ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
    return initial - ttl + 1;
}

static int is_loopback(const struct pr_addr *a)
{
    static const uint8_t lo6[16] = {[15] = 1};
    return a->family == AF_INET ? a->a[0] == 127 : !memcmp(a->a, lo6, 16);
}

/* The TCP sequence number of probe tok: answers must carry it back. */
static uint32_t probe_seq(const struct trun *R, size_t tok)
{
    uint64_t t = tok;
    return (uint32_t)siphash24(&R->cfg->key, &t, sizeof t);
}

static void send_probe(struct trun *R, size_t tok)
{
    struct tprobe *p = &R->p[tok];
    struct thost *H = &R->h[p->host];
    const struct engine_target *t = H->t;
    uint8_t pkt[PKT_MAX];
    uint32_t seq = probe_seq(R, tok);
    struct pkt_ip ip = {.src = t->src, .dst = t->res->addr, .ttl = p->ttl, .ip_id = (uint16_t)seq};
    uint16_t sport = (uint16_t)(TR_SPORT_BASE + (tok + R->gid) % TR_TOKENS);
    size_t n;
    if (H->pr.proto == PR_TCP) {
        struct pkt_tcp_opts mss = {.mss = 1460, .wscale = -1};
        int syn = H->pr.tcp_flags == TH_SYN;
        n = pkt_build_tcp(pkt, sizeof pkt, &ip, sport, H->pr.port, seq, syn ? 0 : ~seq,
                          H->pr.tcp_flags, 1024, syn ? &mss : NULL, NULL, 0);
    } else if (H->pr.proto == PR_UDP) {
        n = pkt_build_udp(pkt, sizeof pkt, &ip, sport, H->pr.port, NULL, 0);
    } else {
        n = pkt_build_icmp_echo(pkt, sizeof pkt, &ip, R->gid, (uint16_t)tok, 0);
    }
    p->sent_us = now_us();
    p->active = 1;
    p->pending = 0;
    R->active++;
    if (n && rawio_send(R->io, pkt, n, &ip.dst) == 0) {
        R->st->sent++;
        R->st->bytes_sent += n;
        emit_trace(R->cfg, "SENT", pkt, n);
    }
}

static int has_more(const struct thost *H)
{
    return !(H->counting_up && ((H->reached && H->cur >= H->reached) || H->cur > TR_MAX_TTL));
}

/* nmap's HostState::next_ttl: down to 1 past the TTLs already tried, then up. */
static void next_ttl(struct thost *H)
{
    if (!H->counting_up) {
        while (H->cur > 1 && H->sent[H->cur])
            H->cur--;
        if (H->cur == 1)
            H->counting_up = 1;
    }
    if (H->counting_up)
        while (H->cur <= TR_MAX_TTL && H->sent[H->cur])
            H->cur++;
}

/* One probe for host hi: a resend first, else the next TTL. Returns 1 when one was sent. */
static int send_next(struct trun *R, size_t hi)
{
    struct thost *H = &R->h[hi];
    for (size_t k = hi * TR_SLOTS; k < (hi + 1) * TR_SLOTS; k++)
        if (R->p[k].pending) {
            R->p[k].resends++;
            send_probe(R, k);
            return 1;
        }
    next_ttl(H);
    if (!has_more(H) || H->cur > TR_MAX_TTL)
        return 0;
    size_t tok = hi * TR_SLOTS + H->cur;
    R->p[tok] = (struct tprobe){.host = (uint32_t)hi, .ttl = (uint8_t)H->cur, .used = 1};
    H->sent[H->cur] = 1;
    send_probe(R, tok);
    return 1;
}

static void cancel(struct trun *R, size_t tok)
{
    struct tprobe *p = &R->p[tok];
    if (p->active)
        R->active--;
    p->active = p->pending = 0;
    p->done = 1;
}

/* Cancels host hi's unanswered probes above (above=1) or below (0) ttl. */
static void cancel_ttls(struct trun *R, size_t hi, unsigned ttl, int above)
{
    for (size_t k = hi * TR_SLOTS; k < (hi + 1) * TR_SLOTS; k++)
        if (R->p[k].used && !R->p[k].done && (above ? R->p[k].ttl > ttl : R->p[k].ttl < ttl))
            cancel(R, k);
}

/* A hop answered for host hi at ttl: kept, or, when another host has the same router at
 * the same TTL, the two traces are the same below it (nmap's hop cache). */
static void set_hop(struct trun *R, size_t hi, unsigned ttl, const struct pr_addr *from,
                    double rtt_ms)
{
    struct thost *H = &R->h[hi];
    for (size_t o = 0; o < R->nh; o++) {
        const struct thop *x = &R->h[o].hops[ttl];
        if (o == hi || x->state != HOP_ADDR || !addr_eq(&x->addr, from))
            continue;
        if (H->link < 0 || ttl > H->link_ttl) {
            H->link = (int)o;
            H->link_ttl = ttl;
        }
        if (!H->counting_up) { /* the rest of the way down is the other host's */
            H->counting_up = 1;
            cancel_ttls(R, hi, ttl, 0);
        }
        return;
    }
    struct thop *hp = &H->hops[ttl];
    if (hp->state != HOP_ADDR)
        *hp = (struct thop){HOP_ADDR, *from, rtt_ms};
}

/* The probe a reply answers, or -1; *from gets who sent it. */
static long match_reply(const struct trun *R, const struct pkt_info *pi, struct pr_addr *from)
{
    const struct pr_addr *target;
    uint16_t sport;
    int icmp_seq = -1;
    *from = pi->src;
    if (pi->l4 == PKT_L4_ICMP && pi->has_inner) {
        int v6 = pi->src.family == AF_INET6;
        uint8_t ty = pi->t.icmp_type, code = pi->t.icmp_code;
        int exceeded = v6 ? ty == 3 && code == 0 : ty == 11 && code == 0;
        int unreach = v6 ? ty == 1 : ty == 3;
        if (!exceeded && !unreach)
            return -1;
        target = &pi->inner_dst;
        if (pi->inner.proto == 6 || pi->inner.proto == 17) {
            sport = pi->inner.sport;
        } else if (pi->inner.proto == 1 || pi->inner.proto == 58) {
            if (pi->inner.icmp_id != R->gid)
                return -1;
            icmp_seq = pi->inner.icmp_seq;
            sport = 0;
        } else {
            return -1;
        }
    } else if (pi->l4 == PKT_L4_ICMP) {
        if (!(pi->t.icmp_type == 0 || pi->t.icmp_type == 129) || pi->t.icmp_id != R->gid)
            return -1;
        target = &pi->src;
        icmp_seq = pi->t.icmp_seq;
        sport = 0;
    } else if (pi->l4 == PKT_L4_TCP || pi->l4 == PKT_L4_UDP) {
        target = &pi->src;
        sport = pi->t.dport;
    } else {
        return -1;
    }
    size_t tok;
    if (icmp_seq >= 0)
        tok = (size_t)icmp_seq;
    else if (sport >= TR_SPORT_BASE && sport < TR_SPORT_BASE + TR_TOKENS)
        tok = (size_t)(sport - TR_SPORT_BASE + TR_TOKENS - R->gid % TR_TOKENS) % TR_TOKENS;
    else
        return -1;
    if (tok >= R->nh * TR_SLOTS || !R->p[tok].used || R->p[tok].done)
        return -1;
    const struct thost *H = &R->h[R->p[tok].host];
    if (!addr_eq(&H->t->res->addr, target))
        return -1;
    if ((icmp_seq >= 0) != (H->pr.proto == TRACE_PROTO_ICMP))
        return -1;
    /* TCP: the probe's sequence number comes back (quoted, acknowledged, or as the RST's
     * sequence number for an ACK probe), so a late answer to another scan is not taken */
    uint32_t seq = probe_seq(R, tok);
    uint8_t proto = pi->has_inner ? pi->inner.proto : pi->l4 == PKT_L4_TCP ? 6 : 17;
    if (icmp_seq < 0 && proto != (H->pr.proto == PR_TCP ? 6 : 17))
        return -1;
    if (proto == 6 && (pi->has_inner          ? pi->inner.seq != seq
                       : pi->t.flags & TH_ACK ? pi->t.ack != seq + 1
                                              : pi->t.seq != ~seq))
        return -1;
    return (long)tok;
}

static void read_replies(struct trun *R)
{
    uint8_t buf[PKT_MAX];
    ssize_t n;
    size_t wire;
    while ((n = rawio_recv(R->io, buf, sizeof buf, &wire)) > 0) {
        R->st->rcvd++;
        R->st->bytes_rcvd += wire;
        emit_trace(R->cfg, "RCVD", buf, (size_t)n);
        struct pkt_info pi;
        struct pr_addr from;
        if (pkt_parse(buf, (size_t)n, &pi) < 0)
            continue;
        long tok = match_reply(R, &pi, &from);
        if (tok < 0)
            continue;
        struct tprobe *p = &R->p[tok];
        size_t hi = p->host;
        struct thost *H = &R->h[hi];
        double rtt = (double)(now_us() - p->sent_us) / 1000.0;
        if (addr_eq(&from, &H->t->res->addr)) { /* the host itself: how far it is */
            if (!H->reached || p->ttl < H->reached)
                H->reached = p->ttl;
            int d = trace_distance(pi.ttl);
            if (!H->counting_up && d > 0 && (unsigned)d < H->cur)
                H->cur = (unsigned)d < TR_MAX_TTL ? (unsigned)d : TR_MAX_TTL;
            cancel_ttls(R, hi, p->ttl, 1);
        }
        set_hop(R, hi, p->ttl, &from, rtt);
        cancel(R, (size_t)tok);
    }
}

static void cull_timeouts(struct trun *R)
{
    uint64_t now = now_us();
    for (size_t k = 0; k < R->nh * TR_SLOTS; k++) {
        struct tprobe *p = &R->p[k];
        if (!p->active || now - p->sent_us <= R->timeout_us)
            continue;
        struct thop *hp = &R->h[p->host].hops[p->ttl];
        if (hp->state == HOP_NONE)
            hp->state = HOP_SILENT;
        p->active = 0;
        R->active--;
        if (p->resends < R->max_resends)
            p->pending = 1;
        else
            p->done = 1;
    }
}

static int host_busy(const struct trun *R, size_t hi)
{
    for (size_t k = hi * TR_SLOTS; k < (hi + 1) * TR_SLOTS; k++)
        if (R->p[k].active || R->p[k].pending)
            return 1;
    return 0;
}

/* The hop at ttl of host hi with the hops it shares (nmap's merge_hops: the other host's
 * hop wins unless it is a silent one). */
static const struct thop *resolved(const struct trun *R, size_t hi, unsigned ttl, int depth)
{
    const struct thost *H = &R->h[hi];
    const struct thop *own = &H->hops[ttl];
    if (H->link < 0 || ttl > H->link_ttl || depth > 8)
        return own;
    const struct thop *other = resolved(R, (size_t)H->link, ttl, depth + 1);
    if (other->state == HOP_ADDR || own->state == HOP_NONE)
        return other;
    return own;
}

static void scan_attr(struct osfp_test *t, const char *name, const char *value)
{
    if (t->nattrs == OSFP_MAX_ATTRS)
        return;
    struct osfp_attr *a = &t->attrs[t->nattrs++];
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->value, sizeof a->value, "%s", value);
}

/* nmap writes the OS results after the trace, which sets the host's distance: "Network
 * Distance" is the trace's, and so is the fingerprint's SCAN line (DS=hops, DC=T, before G). */
static void os_from_trace(struct os_result *os, unsigned dist)
{
    os->distance = (int)dist;
    struct osfp *fp = calloc(1, sizeof *fp);
    struct pr_error e;
    if (!fp || !os->fingerprint ||
        osfp_parse(fp, os->fingerprint, strlen(os->fingerprint), "fingerprint", &e) < 0 ||
        !fp->scan.nattrs) {
        free(fp);
        return;
    }
    struct osfp_test old = fp->scan;
    char ds[8];
    snprintf(ds, sizeof ds, "%u", dist);
    int put = 0;
    fp->scan.nattrs = 0;
    snprintf(fp->scan.name, sizeof fp->scan.name, "SCAN"); /* osfp_parse leaves it "" */
    for (size_t i = 0; i < old.nattrs; i++) {
        const char *n = old.attrs[i].name;
        if (!strcmp(n, "DS") || !strcmp(n, "DC"))
            continue;
        if (!put && (!strcmp(n, "G") || !strcmp(n, "M") || !strcmp(n, "TM") || !strcmp(n, "P"))) {
            scan_attr(&fp->scan, "DS", ds);
            scan_attr(&fp->scan, "DC", "T");
            put = 1;
        }
        scan_attr(&fp->scan, n, old.attrs[i].value);
    }
    if (!put) {
        scan_attr(&fp->scan, "DS", ds);
        scan_attr(&fp->scan, "DC", "T");
    }
    size_t need = osfp_format(fp, NULL, 0);
    char *text = malloc(need + 1);
    if (text) {
        osfp_format(fp, text, need + 1);
        free(os->fingerprint);
        os->fingerprint = text;
    }
    free(fp);
}

static void transfer(struct trun *R, size_t hi)
{
    struct thost *H = &R->h[hi];
    struct host_result *res = H->t->res;
    struct trace_result *tr = pr_calloc(1, sizeof *tr);
    tr->proto = H->pr.proto;
    tr->port = H->pr.proto == TRACE_PROTO_ICMP ? 0 : H->pr.port;
    unsigned last = H->reached ? H->reached : TR_MAX_TTL;
    for (unsigned ttl = 1; ttl <= last && tr->nhops < TRACE_MAX_HOPS; ttl++) {
        const struct thop *hp = resolved(R, hi, ttl, 0);
        if (hp->state == HOP_NONE)
            continue;
        struct trace_hop *o = &tr->hops[tr->nhops++];
        o->ttl = (uint8_t)ttl;
        o->have_addr = hp->state == HOP_ADDR;
        o->addr = hp->addr;
        o->rtt_ms = hp->state == HOP_ADDR ? hp->rtt_ms : -1;
        if (H->link >= 0 && ttl <= H->link_ttl && o->have_addr) {
            tr->shared_ttl = (uint8_t)ttl;
            tr->shared_with = R->h[H->link].t->res->addr;
        }
    }
    if (res->os && H->reached)
        os_from_trace(res->os, H->reached);
    free(res->trace);
    res->trace = tr;
}

/* Hosts on the link: one hop, no probe (nmap's traceroute_direct). */
static void trace_direct(struct host_result *res)
{
    struct trace_result *tr = pr_calloc(1, sizeof *tr);
    tr->proto = TRACE_PROTO_NONE;
    tr->nhops = 1;
    tr->hops[0] = (struct trace_hop){
        .ttl = 1, .have_addr = 1, .addr = res->addr, .rtt_ms = res->srtt_us / 1000.0};
    free(res->trace);
    res->trace = tr;
}

static void trace_batch(struct trun *R, volatile sig_atomic_t *stop)
{
    int busy = 1;
    while (busy && !(stop && *stop)) {
        /* send, round robin, while fewer than TR_OUTSTANDING are in flight */
        size_t idle = 0;
        while (R->active < TR_OUTSTANDING && idle < R->nh) {
            size_t hi = R->next;
            R->next = (R->next + 1) % R->nh;
            if (R->h[hi].finished || !send_next(R, hi))
                idle++;
            else
                idle = 0;
        }
        rawio_wait(R->io, 10000);
        read_replies(R);
        cull_timeouts(R);
        busy = 0;
        for (size_t hi = 0; hi < R->nh; hi++) {
            struct thost *H = &R->h[hi];
            if (!H->finished && !has_more(H) && !host_busy(R, hi))
                H->finished = 1;
            busy |= !H->finished;
        }
    }
}

int trace_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *targets,
              size_t n, volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e)
{
    (void)e;
    uint8_t seed[8] = "tracert";
    struct trun R = {.cfg = cfg, .io = io, .st = st};
    R.gid = (uint16_t)siphash24(&cfg->key, seed, sizeof seed);
    int retries = cfg->timing.max_retries;
    R.max_resends =
        retries < TR_MAX_RESENDS ? (unsigned)(retries > 0 ? retries : 0) : TR_MAX_RESENDS;
    R.timeout_us = cfg->timing.max_rtt_us && cfg->timing.max_rtt_us < TR_TIMEOUT_US
                       ? cfg->timing.max_rtt_us
                       : TR_TIMEOUT_US;
    unsigned first_ttl = TR_FIRST_TTL;
    for (size_t b0 = 0; b0 < n && !(stop && *stop); b0 += TR_HOSTS) {
        size_t bn = n - b0 < TR_HOSTS ? n - b0 : TR_HOSTS;
        R.h = pr_calloc(bn, sizeof *R.h);
        R.p = pr_calloc(bn * TR_SLOTS, sizeof *R.p);
        R.nh = R.active = R.next = 0;
        for (size_t i = 0; i < bn; i++) {
            struct engine_target *t = &targets[b0 + i];
            struct host_result *res = t->res;
            if (!res->up || res->timed_out || !t->src.family || is_loopback(&res->addr) ||
                addr_eq(&t->src, &res->addr))
                continue;
            if (!t->nexthop.family || addr_eq(&t->nexthop, &res->addr)) {
                trace_direct(res);
                continue;
            }
            struct thost *H = &R.h[R.nh++];
            H->t = t;
            H->link = -1;
            trace_choose_probe(res, !cfg->no_ping, &H->pr);
            int d = res->os && res->os->distance > 0 ? res->os->distance
                                                     : trace_distance(H->pr.reply_ttl);
            H->cur = d > 0 ? (unsigned)(d < TR_MAX_TTL ? d : TR_MAX_TTL) : first_ttl;
        }
        if (R.nh)
            trace_batch(&R, stop);
        unsigned farthest = 0; /* like nmap, where the next batch starts counting down */
        for (size_t hi = 0; hi < R.nh; hi++) {
            transfer(&R, hi);
            farthest = R.h[hi].reached > farthest ? R.h[hi].reached : farthest;
        }
        first_ttl = farthest ? farthest : first_ttl;
        free(R.h);
        free(R.p);
    }
    return 0;
}
