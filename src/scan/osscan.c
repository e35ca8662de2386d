/* osscan.c — sends nmap's OS detection probes to a host group, collects the replies
 * into one fpt_record per host and round, and turns them into host->os (osscan.h).
 *
 * Timeline of a round, for every host at once: SEQ probe k at t0 + k*100 ms (k = 0..5),
 * then IE 1-2, U1, ECN and T2-T7 at once; after a probe timeout the unanswered ones
 * (plus OPS/WIN re-probes for SEQ probes without a reply, and T1 when the first got none)
 * go once more. Source ports tell the TCP probes apart: base+0..5 SEQ, +6..11 OPS/WIN,
 * +12 ECN, +13..19 T1-T7. A host that matched no reference exactly gets a second round,
 * and more (up to --max-os-tries) only when a round lost replies it should have had. */
#include "scan/osscan.h"

#include "core/clock.h"
#include "net/neigh.h"
#include "net/packet.h"
#include "os/fptests.h"
#include "os/osdb.h"
#include "scan/emit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SEQ_GAP_US 100000u
#define PORT_OPS 6
#define PORT_ECN 12
#define PORT_T 13
#define NPORTS 20
#define IE_SEQ 295
#define STANDARD_TRIES 2  /* nmap's STANDARD_OS2_TRIES */
#define OSSCAN_CHUNK 1024 /* hosts probed at the same time */

/* nmap's option bytes: SEQ 1-6, ECN, T2-T6 (as T1: SEQ 1's), T7; and window sizes. */
static const struct {
    uint8_t len;
    uint8_t b[20];
} opts[] = {
    {20, {3, 3, 10, 1, 2, 4, 5, 180, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 4, 2}},
    {20, {2, 4, 5, 120, 3, 3, 0, 4, 2, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 0}},
    {20, {8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 1, 1, 3, 3, 5, 1, 2, 4, 2, 128}},
    {16, {4, 2, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 3, 3, 10, 0}},
    {20, {2, 4, 2, 24, 4, 2, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 3, 3, 10, 0}},
    {16, {2, 4, 1, 9, 4, 2, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0}},
    {12, {3, 3, 10, 1, 2, 4, 5, 180, 4, 2, 1, 1}},
    {20, {3, 3, 10, 1, 2, 4, 1, 9, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 4, 2}},
    {20, {3, 3, 15, 1, 2, 4, 1, 9, 8, 10, 255, 255, 255, 255, 0, 0, 0, 0, 4, 2}},
};
static const uint16_t windows[] = {1, 63, 4, 4, 16, 512, 3, 128, 256, 1024, 31337, 32768, 65535};

enum pkind { P_SEQ, P_OPS, P_ECN, P_T, P_U1, P_IE };

struct probe {
    uint8_t kind, idx; /* enum pkind; SEQ/OPS 0-5, T 0-6, IE 0-1 */
    uint8_t tries;
};

struct oshost {
    struct engine_target *tg;
    struct fpt_record rec;
    uint16_t tcp_base, ie_id;
    int unreliable;
    int have_mac; /* the target's MAC (SCAN's M), from the neighbour table */
    uint8_t mac[NEIGH_MAC_LEN];
    /* the best round so far */
    int have_best, best_acc, best_perfect;
    struct os_result *best;
};

struct osrun {
    const struct scan_config *cfg;
    struct rawio *io;
    struct engine_stats *st;
    struct pr_error *e;
    struct oshost *h;
    size_t n;
    uint64_t timeout_us;
};

static uint32_t rnd32(void)
{
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
        v = (uint32_t)now_us() * 2654435761u;
    return v;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* IPv4 header of 20 bytes for an l4len transport part; returns the pseudo-header sum. */
static uint32_t ip_header(uint8_t *b, const struct oshost *h, uint8_t proto, size_t l4len,
                          uint8_t tos, int df, uint16_t id, uint8_t ttl)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    b[1] = tos;
    put16(b + 2, (uint16_t)(20 + l4len));
    put16(b + 4, id);
    b[6] = df ? 0x40 : 0;
    b[8] = ttl;
    b[9] = proto;
    memcpy(b + 12, h->tg->src.a, 4);
    memcpy(b + 16, h->tg->res->addr.a, 4);
    put16(b + 10, pkt_cksum(b, 20, 0));
    uint32_t sum = 0;
    for (int i = 12; i < 20; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    return sum + proto + (uint32_t)l4len;
}

static uint8_t probe_ttl(const struct osrun *R)
{
    return (uint8_t)(R->cfg->ttl ? R->cfg->ttl : 64);
}

/* Builds probe p for host h into b; returns its length. */
static size_t build(const struct osrun *R, struct oshost *h, const struct probe *p, uint8_t *b)
{
    struct fpt_record *r = &h->rec;
    if (p->kind == P_U1) {
        size_t l4 = 8 + FPT_U1_DATA;
        uint32_t ps = ip_header(b, h, 17, l4, 0, 0, r->u1_ipid, r->u1_ttl);
        uint8_t *u = b + 20;
        put16(u, r->u1_sport);
        put16(u + 2, (uint16_t)r->closed_udp);
        put16(u + 4, (uint16_t)l4);
        put16(u + 6, 0);
        memset(u + 8, FPT_U1_PATTERN, FPT_U1_DATA);
        uint16_t ck = pkt_cksum(u, l4, ps);
        put16(u + 6, ck ? ck : 0xffff);
        r->u1_cksum = (uint16_t)(u[6] << 8 | u[7]);
        return 20 + l4;
    }
    if (p->kind == P_IE) {
        size_t dlen = p->idx ? 150 : 120, l4 = 8 + dlen;
        ip_header(b, h, 1, l4, p->idx ? 0x04 : 0, !p->idx, (uint16_t)rnd32(), probe_ttl(R));
        uint8_t *c = b + 20;
        memset(c, 0, l4);
        c[0] = 8;
        c[1] = p->idx ? 0 : 9;
        put16(c + 4, (uint16_t)(h->ie_id + p->idx));
        put16(c + 6, (uint16_t)(IE_SEQ + p->idx));
        put16(c + 2, pkt_cksum(c, l4, 0));
        return 20 + l4;
    }
    /* TCP: sport, dport, seq, ack, reserved bits, flags, window, urgent, options, DF */
    int oi, wi, df = 0, reserved = 0;
    uint16_t sport, dport = (uint16_t)r->open_port, urp = 0;
    uint32_t seq = r->seq_base, ack = r->ack;
    uint8_t flags = TH_SYN;
    switch (p->kind) {
    case P_SEQ:
        oi = wi = p->idx;
        sport = (uint16_t)(h->tcp_base + p->idx);
        seq = r->seq_base + p->idx;
        break;
    case P_OPS:
        oi = wi = p->idx;
        sport = (uint16_t)(h->tcp_base + PORT_OPS + p->idx);
        break;
    case P_ECN:
        oi = wi = 6;
        sport = (uint16_t)(h->tcp_base + PORT_ECN);
        ack = 0;
        reserved = 8;
        flags = TH_CWR | TH_ECE | TH_SYN;
        urp = 63477;
        break;
    default: {
        static const uint8_t tflags[7] = {TH_SYN, 0,      TH_SYN | TH_FIN | TH_URG | TH_PSH, TH_ACK,
                                          TH_SYN, TH_ACK, TH_FIN | TH_PSH | TH_URG};
        oi = p->idx == 0 ? 0 : p->idx == 6 ? 8 : 7;
        wi = p->idx == 0 ? 0 : 6 + p->idx;
        sport = (uint16_t)(h->tcp_base + PORT_T + p->idx);
        flags = tflags[p->idx];
        df = p->idx == 1 || p->idx == 3 || p->idx == 5;
        if (p->idx >= 4)
            dport = (uint16_t)r->closed_port;
        break;
    }
    }
    size_t olen = opts[oi].len, l4 = 20 + olen;
    uint32_t ps = ip_header(b, h, 6, l4, 0, df, (uint16_t)rnd32(), probe_ttl(R));
    uint8_t *t = b + 20;
    put16(t, sport);
    put16(t + 2, dport);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)((l4 / 4) << 4 | reserved);
    t[13] = flags;
    put16(t + 14, windows[wi]);
    put16(t + 16, 0);
    put16(t + 18, urp);
    memcpy(t + 20, opts[oi].b, olen);
    put16(t + 16, pkt_cksum(t, l4, ps));
    return 20 + l4;
}

static int send_probe(struct osrun *R, struct oshost *h, struct probe *p)
{
    uint8_t b[PKT_MAX];
    size_t len = build(R, h, p, b);
    int rc;
    for (int tries = 0;
         (rc = rawio_send(R->io, b, len, &h->tg->res->addr)) == -ENOBUFS && tries < 50; tries++)
        rawio_wait(R->io, 1000);
    if (rc < 0 && rc != -ENOBUFS) {
        char a[PR_ADDRSTRLEN];
        return pr_errf(R->e, "OS detection: sending to %s: %s",
                       addr_str(&h->tg->res->addr, a, sizeof a), strerror(-rc));
    }
    if (rc == 0)
        emit_trace(R->cfg, "SENT", b, len);
    p->tries++;
    if (p->kind == P_SEQ)
        gettimeofday(&h->rec.seq_sent[p->idx], NULL);
    if (p->kind == P_IE && p->tries > 1)
        h->rec.ie_retx[p->idx] = 1;
    R->st->sent++;
    R->st->bytes_sent += len;
    return 0;
}

static int addr_cmp(const void *x, const void *y)
{
    const struct oshost *a = x, *b = y;
    return memcmp(a->tg->res->addr.a, b->tg->res->addr.a, 4);
}

static struct oshost *find_host(struct osrun *R, const struct pr_addr *src)
{
    size_t lo = 0, hi = R->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(src->a, R->h[mid].tg->res->addr.a, 4);
        if (!c)
            return &R->h[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static void keep(struct fpt_pkt *slot, const uint8_t *b, size_t len)
{
    if (slot->len)
        return; /* the first reply counts, as in nmap */
    slot->len = len < sizeof slot->b ? len : sizeof slot->b;
    memcpy(slot->b, b, slot->len);
}

/* Files one received datagram into its host's record. */
static void on_reply(struct osrun *R, const uint8_t *b, size_t len)
{
    struct pkt_info pi;
    if (pkt_parse(b, len, &pi) < 0 || pi.src.family != AF_INET)
        return;
    struct oshost *h = find_host(R, &pi.src);
    if (!h)
        return;
    struct fpt_record *r = &h->rec;
    if (pi.l4 == PKT_L4_TCP) {
        unsigned k = (unsigned)(uint16_t)(pi.t.dport - h->tcp_base);
        if (k >= NPORTS)
            return;
        int closed = k >= PORT_T + 4;
        if (pi.t.sport != (closed ? r->closed_port : r->open_port))
            return;
        struct fpt_pkt *slot = k < PORT_OPS    ? &r->seq[k]
                               : k < PORT_ECN  ? &r->ops[k - PORT_OPS]
                               : k == PORT_ECN ? &r->ecn
                                               : &r->t[k - PORT_T];
        keep(slot, b, len);
    } else if (pi.l4 == PKT_L4_ICMP && pi.t.icmp_type == 0) {
        unsigned k = (unsigned)(uint16_t)(pi.t.icmp_id - h->ie_id);
        if (k < 2)
            keep(&r->ie[k], b, len);
    } else if (pi.l4 == PKT_L4_ICMP && pi.t.icmp_type == 3 && pi.t.icmp_code == 3 && pi.has_inner &&
               pi.inner.proto == 17 && pi.inner.sport == r->u1_sport) {
        keep(&r->u1, b, len);
    } else {
        return;
    }
    R->st->rcvd++;
    R->st->bytes_rcvd += len;
}

/* Receives until `until` (monotonic µs) or a stop. */
static void receive_until(struct osrun *R, uint64_t until, volatile sig_atomic_t *stop)
{
    uint8_t b[RAWIO_PKT];
    for (;;) {
        ssize_t got;
        while ((got = rawio_recv(R->io, b, sizeof b, NULL)) > 0) {
            emit_trace(R->cfg, "RCVD", b, (size_t)got);
            on_reply(R, b, (size_t)got);
        }
        uint64_t now = now_us();
        if (now >= until || (stop && *stop))
            return;
        rawio_wait(R->io, until - now);
    }
}

/* Whether probe p of host h still lacks its reply. */
static int unanswered(const struct oshost *h, const struct probe *p)
{
    const struct fpt_record *r = &h->rec;
    switch (p->kind) {
    case P_SEQ:
        return !r->seq[p->idx].len;
    case P_OPS:
        return !r->ops[p->idx].len && !r->seq[p->idx].len;
    case P_ECN:
        return !r->ecn.len;
    case P_T:
        return !r->t[p->idx].len && !(p->idx == 0 && r->seq[0].len);
    case P_U1:
        return !r->u1.len;
    default:
        return !r->ie[p->idx].len;
    }
}

/* The probes of the second stage (nmap's TUI list), in nmap's order. */
static size_t tui_list(const struct oshost *h, struct probe *out, int retry)
{
    const struct fpt_record *r = &h->rec;
    size_t n = 0;
    for (int i = 0; i < 2; i++)
        out[n++] = (struct probe){.kind = P_IE, .idx = (uint8_t)i};
    if (r->closed_udp >= 0)
        out[n++] = (struct probe){.kind = P_U1};
    if (r->open_port >= 0) {
        for (int i = 0; retry && i < FPT_NSEQ; i++)
            out[n++] = (struct probe){.kind = P_OPS, .idx = (uint8_t)i};
        out[n++] = (struct probe){.kind = P_ECN};
        for (int i = retry ? 0 : 1; i < 4; i++)
            out[n++] = (struct probe){.kind = P_T, .idx = (uint8_t)i};
    }
    for (int i = 4; i < 7 && r->closed_port >= 0; i++)
        out[n++] = (struct probe){.kind = P_T, .idx = (uint8_t)i};
    return n;
}

/* Port choice (nmap's initScanStats): the lowest open TCP port, the lowest closed (or
 * unfiltered, or a random one of 30000-44780) TCP port, the lowest closed (likewise) UDP
 * port. */
static int pick(const struct host_result *res, uint8_t proto, uint8_t state)
{
    int best = -1;
    for (size_t i = 0; i < res->nports; i++) {
        const struct port_result *p = &res->ports[i];
        if (p->proto == proto && p->state == state && p->port && (best < 0 || p->port < best))
            best = p->port;
    }
    return best;
}

static void round_init(struct oshost *h)
{
    const struct host_result *res = h->tg->res;
    struct fpt_record *r = &h->rec;
    memset(r, 0, sizeof *r);
    r->seq_base = rnd32();
    r->ack = rnd32();
    r->open_port = pick(res, PR_TCP, PS_OPEN);
    r->closed_port = pick(res, PR_TCP, PS_CLOSED);
    r->closed_port_known = r->closed_port > 0;
    if (r->closed_port < 0)
        r->closed_port = pick(res, PR_TCP, PS_UNFILTERED);
    if (r->closed_port < 0)
        r->closed_port = (int)(rnd32() % 14781) + 30000;
    r->closed_udp = pick(res, PR_UDP, PS_CLOSED);
    r->closed_udp_known = r->closed_udp > 0;
    if (r->closed_udp < 0)
        r->closed_udp = pick(res, PR_UDP, PS_UNFILTERED);
    if (r->closed_udp < 0)
        r->closed_udp = (int)(rnd32() % 14781) + 30000;
    r->u1_sport = (uint16_t)(rnd32() % 20000 + 40000);
    r->u1_ipid = 0x1042;
    r->u1_ttl = (uint8_t)(time(NULL) % 14 + 51);
    h->tcp_base = (uint16_t)(rnd32() % 20000 + 33000);
    h->ie_id = (uint16_t)rnd32();
    r->direct = addr_eq(&h->tg->nexthop, &res->addr) || !h->tg->nexthop.family;
    r->islocalhost = addr_eq(&h->tg->src, &res->addr) || (res->addr.a[0] == 127);
    if (r->islocalhost)
        r->direct = 0;
}

static const char *version_str(void)
{
#ifdef PR_VERSION
    return PR_VERSION;
#else
    return "0";
#endif
}

/* nmap 7.93's isipprivate() (SCAN's PV): 10/8, 172.16/12, 169.254/16, 192.168/16. */
static int private_v4(const uint8_t *a)
{
    return a[0] == 10 || (a[0] == 172 && a[1] >= 16 && a[1] <= 31) ||
           (a[0] == 169 && a[1] == 254) || (a[0] == 192 && a[1] == 168);
}

static void list_hex(char *out, size_t cap, const uint32_t *v, int n)
{
    size_t w = 0;
    out[0] = 0;
    for (int i = 0; i < n && w < cap; i++) {
        int k = snprintf(out + w, cap - w, "%s%X", i ? "," : "", v[i]);
        if (k < 0 || (size_t)k >= cap - w) {
            out[w] = 0;
            return;
        }
        w += (size_t)k;
    }
}

/* Computes host h's round into a fresh os_result; *acc gets its top accuracy. */
static struct os_result *round_result(struct osrun *R, struct oshost *h, int *acc)
{
    struct os_result *os = pr_calloc(1, sizeof *os);
    struct osfp *fp = pr_calloc(1, sizeof *fp);
    struct fpt_summary s;
    struct pr_error e;
    const struct fpt_record *r = &h->rec;
    os->uptime_s = -1;
    os->seq_index = -1;
    os->distance = -1;
    if (fpt_compute(r, fp, &s, &e) < 0)
        fprintf(stderr, "portreeve: OS fingerprint incomplete: %s\n", e.msg);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int good = r->open_port > 0 && r->closed_port_known && s.distance >= -1 && s.distance <= 5 &&
               s.timing_ratio <= 1.4 && (r->closed_udp_known || r->u1.len);
    const struct host_result *res = h->tg->res;
    if (fpt_scan_line(fp, r, &s, version_str(), h->have_mac && r->direct ? h->mac : NULL, good,
                      (long long)now, tm.tm_mon + 1, tm.tm_mday, private_v4(res->addr.a), &e) < 0)
        fprintf(stderr, "portreeve: %s\n", e.msg);
    struct osdb_match_opts mo = {.guess = R->cfg->osscan_guess};
    if (R->cfg->osdb)
        osdb_match(R->cfg->osdb, fp, &mo, os);
    *acc = os->nmatches ? os->matches[0].accuracy : 0;
    size_t need = osfp_format(fp, NULL, 0);
    os->fingerprint = pr_calloc(need + 1, 1);
    osfp_format(fp, os->fingerprint, need + 1);
    free(fp);

    if (r->open_port > 0)
        os->used[os->nused++] =
            (struct os_portused){.port = (uint16_t)r->open_port, .proto = PR_TCP, .state = PS_OPEN};
    if (r->closed_port_known)
        os->used[os->nused++] = (struct os_portused){
            .port = (uint16_t)r->closed_port, .proto = PR_TCP, .state = PS_CLOSED};
    if (r->closed_udp_known || r->u1.len)
        os->used[os->nused++] = (struct os_portused){
            .port = (uint16_t)r->closed_udp, .proto = PR_UDP, .state = PS_CLOSED};
    os->unreliable = h->unreliable;
    os->guess = R->cfg->osscan_guess;
    os->distance = s.distance;
    if (s.lastboot) {
        time_t lb = (time_t)s.lastboot;
        os->uptime_s = difftime(now, lb);
        char buf[64];
        if (ctime_r(&lb, buf)) {
            buf[strcspn(buf, "\n")] = 0;
            snprintf(os->lastboot, sizeof os->lastboot, "%s", buf);
        }
    }
    uint32_t v[FPT_NSEQ];
    if (s.responses > 3 && s.seq_index >= 0) {
        os->seq_index = s.seq_index;
        snprintf(os->seq_difficulty, sizeof os->seq_difficulty, "%s",
                 fpt_seq_difficulty(s.seq_index));
        list_hex(os->seq_values, sizeof os->seq_values, s.isns, s.responses);
    }
    if (s.responses > 2) {
        for (int i = 0; i < s.responses; i++)
            v[i] = s.ipids[i];
        snprintf(os->ipid_class, sizeof os->ipid_class, "%s", fpt_ipid_class_str(s.ipid_class));
        list_hex(os->ipid_values, sizeof os->ipid_values, v, s.responses);
        snprintf(os->ts_class, sizeof os->ts_class, "%s", fpt_ts_class_str(s.ts_class));
        if (s.ts_class != FPT_TS_UNSUPPORTED)
            list_hex(os->ts_values, sizeof os->ts_values, s.tsvals, s.responses);
    }
    return os;
}

/* Whether a round lost replies that another round could bring (SEQ replies or the
 * OPS/WIN re-probes, the echo replies, a closed port's RST). */
static int lossy(const struct oshost *h)
{
    const struct fpt_record *r = &h->rec;
    int lost = !r->ie[0].len || !r->ie[1].len;
    for (int i = 0; i < FPT_NSEQ && r->open_port >= 0; i++)
        lost |= !r->seq[i].len;
    for (int i = 4; i < 7 && r->closed_port_known; i++)
        lost |= !r->t[i].len;
    return lost;
}

/* The MACs of the directly reachable hosts, from their links' neighbour tables (the
 * probes made the kernel resolve them). */
static void find_macs(struct oshost **hs, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        if (hs[i]->have_mac || !hs[i]->rec.direct || !hs[i]->tg->oif)
            continue;
        struct neigh_table t = {0};
        struct pr_error e;
        if (neigh_load(&t, hs[i]->tg->oif, &e) >= 0)
            for (size_t k = i; k < m; k++) {
                const uint8_t *mac = hs[k]->tg->oif == hs[i]->tg->oif
                                         ? neigh_lookup(&t, &hs[k]->tg->res->addr)
                                         : NULL;
                if (mac) {
                    memcpy(hs[k]->mac, mac, NEIGH_MAC_LEN);
                    hs[k]->have_mac = 1;
                }
            }
        neigh_free(&t);
    }
}

/* One round over the hosts hs[0..m-1]. Returns 0, or -1 on a send failure. */
static int run_round(struct osrun *R, struct oshost **hs, size_t m, volatile sig_atomic_t *stop)
{
    for (size_t i = 0; i < m; i++)
        round_init(hs[i]);
    uint64_t t0 = now_us();
    for (int k = 0; k < FPT_NSEQ; k++) { /* SEQ probes, 100 ms apart */
        receive_until(R, t0 + (uint64_t)k * SEQ_GAP_US, stop);
        if (stop && *stop)
            return 0;
        for (size_t i = 0; i < m; i++) {
            struct probe p = {.kind = P_SEQ, .idx = (uint8_t)k};
            if (hs[i]->rec.open_port >= 0 && send_probe(R, hs[i], &p) < 0)
                return -1;
        }
        rawio_flush(R->io);
    }
    enum { TUI_MAX = 24 };
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            receive_until(R, now_us() + R->timeout_us, stop);
        if (stop && *stop)
            return 0;
        for (size_t i = 0; i < m; i++) {
            struct probe l[TUI_MAX];
            size_t nl = tui_list(hs[i], l, pass);
            for (size_t k = 0; k < nl; k++) {
                if (pass)
                    l[k].tries = 1;
                if (unanswered(hs[i], &l[k]) && send_probe(R, hs[i], &l[k]) < 0)
                    return -1;
            }
        }
    }
    receive_until(R, now_us() + R->timeout_us, stop);
    find_macs(hs, m);
    return 0;
}

/* OS detection of tg[0..n-1] at once (osscan_run's contract). */
static int run_chunk(const struct scan_config *cfg, struct rawio *io, struct engine_target *tg,
                     size_t n, volatile sig_atomic_t *stop, struct engine_stats *st,
                     struct pr_error *e)
{
    struct osrun R = {.cfg = cfg, .io = io, .st = st, .e = e};
    R.h = pr_calloc(n ? n : 1, sizeof *R.h);
    double srtt = 0;
    for (size_t i = 0; i < n; i++) {
        struct host_result *res = tg[i].res;
        if (!res->up || res->addr.family != AF_INET || res->timed_out)
            continue;
        int open = pick(res, PR_TCP, PS_OPEN) > 0, closed = pick(res, PR_TCP, PS_CLOSED) > 0;
        if (cfg->osscan_limit && !(open && closed))
            continue; /* nmap's --osscan-limit: not a promising target */
        struct oshost *h = &R.h[R.n++];
        h->tg = &tg[i];
        h->unreliable = !(open && closed);
        double t = res->srtt_us + 4 * res->rttvar_us;
        if (t > srtt)
            srtt = t;
    }
    qsort(R.h, R.n, sizeof *R.h, addr_cmp);
    /* probe timeout: nmap's minimum of 100 ms is for the Internet; on a link a few RTTs do */
    R.timeout_us = (uint64_t)(2 * srtt) + 50000;
    if (R.timeout_us > 1000000)
        R.timeout_us = 1000000;
    int tries = cfg->max_os_tries > 0 ? cfg->max_os_tries : 5;
    struct oshost **todo = pr_calloc(R.n ? R.n : 1, sizeof *todo);
    size_t ntodo = R.n;
    for (size_t i = 0; i < R.n; i++)
        todo[i] = &R.h[i];
    int rc = 0;
    for (int round = 0; round < tries && ntodo && !(stop && *stop); round++) {
        if ((rc = run_round(&R, todo, ntodo, stop)) < 0)
            break;
        if (stop && *stop)
            break;
        size_t keep_n = 0;
        for (size_t i = 0; i < ntodo; i++) {
            struct oshost *h = todo[i];
            int acc;
            struct os_result *os = round_result(&R, h, &acc);
            if (!h->have_best || acc > h->best_acc) {
                os_result_free(h->best);
                h->best = os;
                h->best_acc = acc;
                h->best_perfect = os->perfect;
                h->have_best = 1;
            } else {
                os_result_free(os);
            }
            /* no exact match: a second round as nmap's standard two tries (the random ISN
             * and timestamp values may match better), more only after lost replies */
            if (!h->best_perfect && (round + 1 < STANDARD_TRIES || lossy(h)))
                todo[keep_n++] = h;
        }
        ntodo = keep_n;
    }
    for (size_t i = 0; i < R.n; i++) {
        if (R.h[i].best)
            R.h[i].tg->res->os = R.h[i].best;
    }
    free(todo);
    free(R.h);
    return rc;
}

int osscan_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *tg, size_t n,
               volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e)
{
    /* a record is about 15 KiB: a group of 65536 hosts goes OSSCAN_CHUNK hosts at a time */
    for (size_t i = 0; i < n && !(stop && *stop); i += OSSCAN_CHUNK)
        if (run_chunk(cfg, io, tg + i, n - i < OSSCAN_CHUNK ? n - i : OSSCAN_CHUNK, stop, st, e) <
            0)
            return -1;
    return 0;
}
