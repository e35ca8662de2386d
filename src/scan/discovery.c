/* discovery.c — see discovery.h. */
#include "scan/discovery.h"

#include "core/clock.h"
#include "core/keys.h"
#include "core/macvendor.h"
#include "core/status.h"
#include "net/arp.h"
#include "net/neigh.h"
#include "scan/emit.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define DISC_SPORT 61000 /* below the engine's source ports; cookies tell ours apart */
#define LINKS_MAX 8      /* interfaces whose link-layer details are kept */
#define ARPHRD_ETHER_ 1  /* linux/if_arp.h */

enum { VIA_IP = 0, VIA_ARP, VIA_ND }; /* how a target is discovered */

/* One outgoing interface: its type and MAC, and its neighbour table once loaded. */
struct link {
    int ifindex, ok; /* ok: Ethernet, details known */
    uint8_t mac[6];
    struct neigh_table nt;
    int loaded;
};

struct links {
    struct link l[LINKS_MAX];
    size_t n;
};

/* The link of ifindex (its details asked once); NULL when it is not Ethernet or unknown. */
static struct link *link_get(struct links *L, int ifindex)
{
    for (size_t i = 0; i < L->n; i++)
        if (L->l[i].ifindex == ifindex)
            return L->l[i].ok ? &L->l[i] : NULL;
    if (L->n == LINKS_MAX || ifindex <= 0)
        return NULL;
    struct link *k = &L->l[L->n++];
    memset(k, 0, sizeof *k);
    k->ifindex = ifindex;
    struct link_info li = {0};
    struct pr_error e;
    if (link_info(ifindex, &li, &e) == 0 && li.type == ARPHRD_ETHER_ && li.mac_len == 6) {
        k->ok = 1;
        memcpy(k->mac, li.mac, 6);
    }
    return k->ok ? k : NULL;
}

/* (Re)loads the link's neighbour table; 0, or -1 when the kernel did not answer. */
static int link_neigh(struct link *k)
{
    struct pr_error e;
    k->loaded = neigh_load(&k->nt, k->ifindex, &e) >= 0;
    return k->loaded ? 0 : -1;
}

static void links_free(struct links *L)
{
    for (size_t i = 0; i < L->n; i++)
        neigh_free(&L->l[i].nt);
}

/* The link of a target that is on a directly connected Ethernet link, else NULL. */
static struct link *onlink(struct links *L, const struct engine_target *t)
{
    if (!t->src.family || !t->oif || !addr_eq(&t->nexthop, &t->res->addr))
        return NULL;
    return link_get(L, t->oif);
}

static void set_mac(const struct scan_config *cfg, struct host_result *r, const uint8_t *mac)
{
    memcpy(r->mac, mac, 6);
    r->have_mac = 1;
    r->mac_vendor = cfg->vendors ? macv_lookup(cfg->vendors, mac) : NULL;
}

int discovery_wants_arp(const struct scan_config *cfg)
{
    return !cfg->disc.no_arp && !cfg->no_ping && !cfg->connect_only && !cfg->dry_run;
}

static uint32_t disc_cookie(const struct scan_config *cfg, const struct engine_target *t)
{
    uint8_t b[33];
    memcpy(b, t->res->addr.a, 16);
    memcpy(b + 16, t->src.a, 16);
    b[32] = 0xd1;
    return (uint32_t)siphash24(&cfg->key, b, sizeof b);
}

/* One probe through the scan's send path (decoys, fragments, --packet-trace): every
 * copy counts in st->sent, which the discovery rate limit reads. */
static void put(const struct scan_config *cfg, struct rawio *io, const uint8_t *pkt, size_t n,
                const struct pr_addr *dst, struct engine_stats *st)
{
    const struct emit em = {
        .cfg = cfg, .io = io, .sent = &st->sent, .bytes = &st->bytes_sent, .direct = 1};
    emit_probe(&em, pkt, n, dst, NULL, 0);
}

/* nmap's --packet-trace lines for ARP, while tracing is on */
static int tracing(const struct scan_config *cfg)
{
    return cfg->live && cfg->live->ptrace;
}

/* The IP probes of the -P options (nmap's defaults without any) to t. */
static void send_ip_probes(const struct scan_config *cfg, struct rawio *io,
                           const struct engine_target *t, struct engine_stats *st)
{
    static const uint16_t syn_def[] = {443}, ack_def[] = {80};
    const struct disc_opts *d = &cfg->disc;
    int dflt = !d->any || (d->arp && !d->nsyn && !d->nack && !d->nudp && !d->echo && !d->timestamp);
    uint32_t c = disc_cookie(cfg, t);
    struct pkt_ip ip = {.src = t->src,
                        .dst = t->res->addr,
                        .ttl = (uint8_t)(cfg->ttl ? cfg->ttl : 64),
                        .ip_id = (uint16_t)c};
    uint8_t buf[PKT_MAX];
    int v4 = t->res->addr.family == AF_INET;
    if (dflt || d->echo)
        put(cfg, io, buf,
            pkt_build_icmp_echo(buf, sizeof buf, &ip, (uint16_t)c, (uint16_t)(c >> 16), 0), &ip.dst,
            st);
    const uint16_t *syn = dflt ? syn_def : d->syn, *ack = dflt ? ack_def : d->ack;
    size_t nsyn = dflt ? 1 : d->nsyn, nack = dflt ? 1 : d->nack;
    struct pkt_tcp_opts opts = {.mss = 1460, .wscale = -1};
    for (size_t i = 0; i < nsyn; i++)
        put(cfg, io, buf,
            pkt_build_tcp(buf, sizeof buf, &ip, DISC_SPORT, syn[i], c, 0, TH_SYN, 1024, &opts, NULL,
                          0),
            &ip.dst, st);
    for (size_t i = 0; i < nack; i++)
        put(cfg, io, buf,
            pkt_build_tcp(buf, sizeof buf, &ip, DISC_SPORT, ack[i], c, ~c, TH_ACK, 1024, NULL, NULL,
                          0),
            &ip.dst, st);
    for (size_t i = 0; !dflt && i < d->nudp; i++) /* empty, as nmap 7.93 sends them */
        put(cfg, io, buf, pkt_build_udp(buf, sizeof buf, &ip, DISC_SPORT, d->udp[i], NULL, 0),
            &ip.dst, st);
    if (v4 && (dflt || d->timestamp))
        put(cfg, io, buf,
            pkt_build_icmp_echo(buf, sizeof buf, &ip, (uint16_t)c, (uint16_t)(c >> 16), 1), &ip.dst,
            st);
}

/* Returns the reason when pi proves that t is up, else 0. */
static int is_answer(const struct scan_config *cfg, const struct engine_target *t,
                     const struct pkt_info *pi)
{
    if (!addr_eq(&pi->src, &t->res->addr) || !addr_eq(&pi->dst, &t->src))
        return 0;
    uint32_t c = disc_cookie(cfg, t);
    if (pi->l4 == PKT_L4_ICMP && pi->has_inner) { /* an error from the target itself */
        if (!addr_eq(&pi->inner_src, &t->src) || !addr_eq(&pi->inner_dst, &t->res->addr) ||
            pi->inner.sport != DISC_SPORT || (pi->inner.proto != 6 && pi->inner.proto != 17))
            return 0;
        if (pi->inner.proto == 6 && pi->inner.seq != c)
            return 0;
        int v4 = pi->src.family == AF_INET;
        uint8_t ty = pi->t.icmp_type, co = pi->t.icmp_code;
        if ((v4 && ty == 3 && co == 3) || (!v4 && ty == 1 && co == 4))
            return RS_PORT_UNREACH;
        if ((v4 && ty == 3 && co == 2) || (!v4 && ty == 4 && co == 1))
            return RS_PROTO_UNREACH;
        return 0;
    }
    if (pi->l4 == PKT_L4_ICMP) {
        if (pi->t.icmp_id != (uint16_t)c)
            return 0;
        if (pi->t.icmp_type == 0 || pi->t.icmp_type == 129)
            return RS_ECHO_REPLY;
        if (pi->t.icmp_type == 14 && pi->src.family == AF_INET)
            return RS_TIMESTAMP_REPLY;
        return 0;
    }
    if (pi->l4 == PKT_L4_UDP && pi->t.dport == DISC_SPORT) {
        for (size_t i = 0; i < cfg->disc.nudp; i++)
            if (cfg->disc.udp[i] == pi->t.sport)
                return RS_UDP_RESPONSE;
        return 0;
    }
    if (pi->l4 == PKT_L4_TCP && pi->t.dport == DISC_SPORT) {
        int ok = (pi->t.flags & TH_ACK) ? (uint32_t)(pi->t.ack - c) <= 1 : pi->t.seq == ~c;
        if (!ok)
            return 0;
        if ((pi->t.flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
            return RS_SYN_ACK;
        if (pi->t.flags & TH_RST)
            return RS_RESET;
    }
    return 0;
}

/* The target whose address is a; targets are in ascending address order (the target
 * list is sorted), so a binary search finds it. */
static struct engine_target *find_target(struct engine_target *t, size_t n, const struct pr_addr *a)
{
    size_t lo = 0, hi = n, len = a->family == AF_INET6 ? 16 : 4;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t[mid].res->addr.a, a->a, len);
        if (c == 0)
            return t[mid].res->addr.family == a->family ? &t[mid] : NULL;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One discovery run's state. */
struct disc {
    const struct scan_config *cfg;
    struct rawio *io;
    int arp_fd;
    struct engine_target *t;
    size_t n;
    uint8_t *via;   /* VIA_* per target */
    uint64_t *sent; /* when each target's probes last went out */
    size_t left;    /* targets not up yet */
    double rtt_sum; /* RTT samples, for the second round's timeout */
    size_t rtt_n;
    struct links links;
    struct engine_stats *st;
    struct status status; /* the status line; done: targets probed in this round */
    uint64_t start;
};

/* The status line, with the packets sent per second since the run began. */
static void disc_tick(struct disc *D, uint64_t done)
{
    uint64_t el = now_us() - D->start;
    status_tick(&D->status, done, D->n, el ? (double)D->st->sent * 1e6 / (double)el : 0);
}

static void mark_up(struct disc *D, struct engine_target *t, int why, uint8_t ttl, int sample)
{
    struct host_result *r = t->res;
    r->up = 1;
    r->reason = (uint8_t)why;
    r->reason_ttl = ttl;
    if (sample) {
        double rtt = (double)(now_us() - D->sent[t - D->t]);
        r->srtt_us = rtt;
        D->rtt_sum += rtt;
        D->rtt_n++;
    }
    D->left--;
}

/* On-link targets the kernel's neighbour table answers for (REACHABLE or PERMANENT, so
 * confirmed lately: not a STALE entry of a host that may be gone) are up. */
static void from_neigh(struct disc *D)
{
    for (size_t i = 0; i < D->n; i++) {
        struct engine_target *t = &D->t[i];
        if (t->res->up || D->via[i] == VIA_IP)
            continue;
        struct link *k = onlink(&D->links, t);
        if (!k || (!k->loaded && link_neigh(k) < 0))
            continue;
        const uint8_t *mac = neigh_confirmed(&k->nt, &t->res->addr);
        if (!mac)
            continue;
        set_mac(D->cfg, t->res, mac);
        mark_up(D, t, D->via[i] == VIA_ARP ? RS_ARP_RESPONSE : RS_ND_RESPONSE, 0, 0);
    }
}

static void send_round(struct disc *D, volatile sig_atomic_t *stop, uint64_t start)
{
    const struct scan_config *cfg = D->cfg;
    uint8_t arp[ARP_LEN];
    for (size_t i = 0; i < D->n && !(stop && *stop); i++) {
        struct engine_target *t = &D->t[i];
        if (t->res->up)
            continue;
        struct link *k = D->via[i] == VIA_ARP ? onlink(&D->links, t) : NULL;
        if (k) { /* VIA_ARP (always on a known link) */
            arp_build_request(arp, k->mac, &t->src, &t->res->addr);
            if (arp_send(D->arp_fd, k->ifindex, arp, sizeof arp) == 0) {
                D->st->sent++;
                D->st->bytes_sent += sizeof arp;
                if (tracing(cfg))
                    ptrace_arp(&cfg->trace, now_us(), 0, &t->res->addr, &t->src, NULL);
            }
        } else { /* VIA_IP; VIA_ND too: the kernel solicits the neighbour to deliver them */
            send_ip_probes(cfg, D->io, t, D->st);
        }
        D->sent[i] = now_us();
        if ((i & 255) == 255)
            disc_tick(D, i + 1);
        if (cfg->timing.max_rate > 0 && (i & 15) == 15) {
            double due = (double)D->st->sent * 1e6 / cfg->timing.max_rate;
            while ((double)(now_us() - start) < due && !(stop && *stop))
                rawio_wait(D->io, 1000);
        }
    }
}

static void read_ip(struct disc *D)
{
    uint8_t buf[PKT_MAX];
    ssize_t n;
    size_t wire;
    while ((n = rawio_recv(D->io, buf, sizeof buf, &wire)) > 0) {
        D->st->rcvd++; /* every packet read, as the engine counts them */
        D->st->bytes_rcvd += wire;
        emit_trace(D->cfg, "RCVD", buf, (size_t)n);
        struct pkt_info pi;
        if (pkt_parse(buf, (size_t)n, &pi) < 0)
            continue;
        struct engine_target *t = find_target(D->t, D->n, &pi.src);
        int why;
        if (!t || t->res->up || D->via[t - D->t] == VIA_ARP || !(why = is_answer(D->cfg, t, &pi)))
            continue;
        int nd = D->via[t - D->t] == VIA_ND; /* nmap's reason for any on-link IPv6 answer */
        mark_up(D, t, nd ? RS_ND_RESPONSE : why, nd ? 0 : pi.ttl, 1);
    }
}

static void read_arp(struct disc *D)
{
    uint8_t buf[128], mac[6];
    ssize_t n;
    while (D->arp_fd >= 0 && (n = arp_recv(D->arp_fd, buf, sizeof buf)) > 0) {
        struct pr_addr from, to;
        if (!arp_parse_reply(buf, (size_t)n, &from, mac, &to))
            continue;
        struct engine_target *t = find_target(D->t, D->n, &from);
        if (!t || t->res->up || D->via[t - D->t] != VIA_ARP || !addr_eq(&to, &t->src))
            continue;
        D->st->rcvd++;
        D->st->bytes_rcvd += (size_t)n;
        if (tracing(D->cfg))
            ptrace_arp(&D->cfg->trace, now_us(), 1, &t->res->addr, &from, mac);
        set_mac(D->cfg, t->res, mac);
        mark_up(D, t, RS_ARP_RESPONSE, 0, 1);
    }
}

/* Waits up to timeout_us for the IP receive socket or the ARP socket. */
static void wait_any(struct disc *D, uint64_t timeout_us)
{
    if (D->arp_fd < 0) {
        rawio_wait(D->io, timeout_us);
        return;
    }
    if (rawio_wait(D->io, 0) > 0)
        return;
    struct pollfd p[2] = {{.fd = D->io->recv, .events = POLLIN},
                          {.fd = D->arp_fd, .events = POLLIN}};
    (void)poll(p, 2, (int)((timeout_us + 999) / 1000));
}

int discovery_run(const struct scan_config *cfg, struct rawio *io, int arp_fd,
                  struct engine_target *targets, size_t ntargets, volatile sig_atomic_t *stop,
                  struct engine_stats *st, struct pr_error *e)
{
    (void)e;
    uint64_t start = now_us();
    size_t cap = ntargets ? ntargets : 1;
    struct disc D = {.cfg = cfg,
                     .io = io,
                     .arp_fd = arp_fd,
                     .t = targets,
                     .n = ntargets,
                     .via = pr_calloc(cap, 1),
                     .sent = pr_calloc(cap, sizeof *D.sent),
                     .st = st,
                     .start = start};
    status_init(&D.status, "ping scan", cfg->verbose, cfg->stats_every_s);
    D.status.levels = cfg->live;
    int link_layer = !cfg->disc.no_arp;
    for (size_t i = 0; i < ntargets; i++) {
        if (!targets[i].res->up && addr_eq(&targets[i].src, &targets[i].res->addr)) {
            targets[i].res->up = 1; /* one of our own addresses, as nmap: no probe */
            targets[i].res->reason = RS_LOCALHOST;
        }
        D.left += !targets[i].res->up;
        if (!link_layer || !onlink(&D.links, &targets[i]))
            continue;
        if (targets[i].res->addr.family == AF_INET6)
            D.via[i] = VIA_ND;
        else if (arp_fd >= 0)
            D.via[i] = VIA_ARP;
    }
    from_neigh(&D); /* what the kernel already knows */
    for (int round = 0; round < 2 && D.left && !(stop && *stop); round++) {
        send_round(&D, stop, start);
        uint64_t to = round == 0 ? cfg->timing.initial_rtt_us : cfg->timing.max_rtt_us / 2;
        if (D.rtt_n) {
            uint64_t adaptive = (uint64_t)(4 * D.rtt_sum / (double)D.rtt_n);
            to = adaptive > cfg->timing.min_rtt_us ? adaptive : cfg->timing.min_rtt_us;
        }
        uint64_t until = now_us() + to;
        while (D.left && now_us() < until && !(stop && *stop)) {
            wait_any(&D, 10000);
            disc_tick(&D, D.n);
            read_ip(&D);
            read_arp(&D);
        }
        for (size_t k = 0; k < D.links.n; k++) /* the kernel's solicitations (VIA_ND) */
            D.links.l[k].loaded = 0;
        from_neigh(&D);
    }
    links_free(&D.links);
    free(D.via);
    free(D.sent);
    return 0;
}

void discovery_macs(const struct scan_config *cfg, struct engine_target *targets, size_t n)
{
    struct links L = {0};
    for (size_t i = 0; i < n; i++) {
        struct host_result *r = targets[i].res;
        if (!r->up || r->have_mac)
            continue;
        struct link *k = onlink(&L, &targets[i]);
        if (!k || (!k->loaded && link_neigh(k) < 0))
            continue;
        const uint8_t *mac = neigh_lookup(&k->nt, &r->addr);
        if (mac)
            set_mac(cfg, r, mac);
    }
    links_free(&L);
}
