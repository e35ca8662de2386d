/* scan.c — runs a configured scan: routes, privileges, discovery, each technique. */
#include "scan/scan.h"

#include "core/privs.h"
#include "core/sandbox.h"
#include "scan/connect.h"
#include "scan/discovery.h"
#include "scan/engine.h"
#include "net/route.h"
#include "svc/version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

void scan_timing_template(struct scan_timing *t, int level)
{
    /* nmap's -T values for RTT and retries; rates are ours (see docs/portreeve-scan.1) */
    static const struct {
        uint64_t init_ms, min_ms, max_ms, delay_ms;
        int retries;
        double rate;
    } T[6] = {
        {300000, 100, 10000, 300000, 10, 0}, {15000, 100, 10000, 15000, 10, 0},
        {1000, 100, 10000, 400, 10, 0},      {1000, 100, 10000, 0, 10, 10000},
        {500, 100, 1250, 0, 6, 50000},       {250, 50, 300, 0, 2, 200000},
    };
    if (level < 0 || level > 5)
        level = 3;
    memset(t, 0, sizeof *t);
    t->level = level;
    t->initial_rtt_us = T[level].init_ms * 1000;
    t->min_rtt_us = T[level].min_ms * 1000;
    t->max_rtt_us = T[level].max_ms * 1000;
    t->scan_delay_us = T[level].delay_ms * 1000;
    t->max_retries = T[level].retries;
    t->max_rate = T[level].rate;
}

void progress_add(struct scan_progress *p, const struct progress_item *it)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->items = pr_reallocarray(p->items, p->cap, sizeof *p->items);
    }
    p->items[p->n++] = *it;
}

void progress_free(struct scan_progress *p)
{
    free(p->items);
    free(p->up);
    memset(p, 0, sizeof *p);
}

/* Marks the hosts that the saved progress found up (a resumed scan skips discovery). */
static void progress_restore_up(const struct scan_progress *p, struct engine_target *tg, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < p->nup; k++)
            if (addr_eq(&p->up[k], &tg[i].res->addr)) {
                tg[i].res->up = 1;
                tg[i].res->reason = RS_USER_SET;
                break;
            }
}

/* Fills a connect technique's results of hosts that an interrupted run had finished:
 * each host's rest answer on every port of proto, then the answers of single ports. */
static void progress_restore_ports(const struct scan_progress *p, struct engine_target *tg,
                                   size_t n, uint8_t proto)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < p->n; k++) {
            const struct progress_item *it = &p->items[k];
            if (it->proto != proto || it->rest != !pass)
                continue;
            for (size_t i = 0; i < n; i++) {
                struct host_result *h = tg[i].res;
                if (!addr_eq(&h->addr, &it->addr))
                    continue;
                for (size_t q = 0; q < h->nports; q++)
                    if (h->ports[q].proto == proto && (it->rest || h->ports[q].port == it->port)) {
                        h->ports[q].state = it->state;
                        h->ports[q].reason = it->reason;
                        h->ports[q].reason_ttl = it->ttl;
                    }
            }
        }
}

/* Adds a finished technique's results for a host group to p, compactly: per host the
 * answer most of its probed ports got as a rest item, and the ports that got another. */
static void progress_keep(struct scan_progress *p, struct engine_target *tg, size_t n,
                          uint8_t proto)
{
    enum { CANDIDATES = 8 };
    for (size_t i = 0; i < n; i++) {
        struct host_result *h = tg[i].res;
        struct progress_item cand[CANDIDATES];
        size_t count[CANDIDATES] = {0}, ncand = 0, best = 0;
        for (size_t q = 0; q < h->nports; q++) {
            const struct port_result *pr = &h->ports[q];
            if (pr->proto != proto || pr->state == PS_UNKNOWN)
                continue;
            size_t c = 0;
            while (c < ncand && !(cand[c].state == pr->state && cand[c].reason == pr->reason &&
                                  cand[c].ttl == pr->reason_ttl))
                c++;
            if (c == ncand && ncand < CANDIDATES)
                cand[ncand++] = (struct progress_item){.addr = h->addr,
                                                       .proto = proto,
                                                       .state = pr->state,
                                                       .reason = pr->reason,
                                                       .ttl = pr->reason_ttl,
                                                       .rest = 1};
            if (c < ncand && ++count[c] > count[best])
                best = c;
        }
        if (!ncand)
            continue;
        progress_add(p, &cand[best]);
        for (size_t q = 0; q < h->nports; q++) {
            const struct port_result *pr = &h->ports[q];
            if (pr->proto != proto || pr->state == PS_UNKNOWN ||
                (pr->state == cand[best].state && pr->reason == cand[best].reason &&
                 pr->reason_ttl == cand[best].ttl))
                continue;
            struct progress_item it = {.addr = h->addr,
                                       .port = pr->port,
                                       .proto = proto,
                                       .state = pr->state,
                                       .reason = pr->reason,
                                       .ttl = pr->reason_ttl};
            progress_add(p, &it);
        }
    }
}

/* A stop outside the engine (between techniques, in a connect scan, in -sV): resume at
 * technique k of group g from its start. The engine's own save, if any, stands. */
static void stop_at(struct scan_progress *p, size_t g, size_t k)
{
    if (p->valid)
        return;
    p->valid = 1;
    p->group = g;
    p->tech = k;
    p->position = 0;
}

/* Hands r->hosts[from, to) to the sink, if any, and frees their ports (a dry run keeps
 * none: its output was the probes). */
static int sink_hosts(const struct scan_config *cfg, struct scan_result *r, size_t from, size_t to,
                      struct pr_error *e)
{
    if ((!cfg->sink && !cfg->dry_run) || from >= to)
        return 0;
    if (cfg->sink && cfg->sink->hosts(cfg->sink->ud, r, r->hosts + from, to - from) < 0)
        return pr_errf(e, "writing the results failed");
    for (size_t i = from; i < to; i++)
        host_result_free(&r->hosts[i]);
    return 0;
}

/* Drops ports that were never probed (other shards' ports, or after a stop). */
static void drop_unprobed(struct host_result *h)
{
    size_t w = 0;
    for (size_t q = 0; q < h->nports; q++)
        if (h->ports[q].state != PS_UNKNOWN)
            h->ports[w++] = h->ports[q];
    h->nports = w;
}

void rtt_update(double *srtt, double *rttvar, double sample_us)
{
    if (*srtt <= 0) {
        *srtt = sample_us;
        *rttvar = sample_us / 2 > 1000 ? sample_us / 2 : 1000; /* at least 1 ms */
        return;
    }
    double d = sample_us > *srtt ? sample_us - *srtt : *srtt - sample_us;
    *rttvar = 0.75 * *rttvar + 0.25 * d;
    *srtt = 0.875 * *srtt + 0.125 * sample_us;
}

uint64_t rtt_timeout(const struct scan_timing *t, double srtt, double rttvar)
{
    double to = srtt > 0 ? srtt + 4 * rttvar : (double)t->initial_rtt_us;
    if (to < (double)t->min_rtt_us)
        to = (double)t->min_rtt_us;
    if (to > (double)t->max_rtt_us)
        to = (double)t->max_rtt_us;
    return (uint64_t)to;
}

static int family_bit(int family)
{
    return family == AF_INET6 ? 2 : 1;
}

/* BPF filter that keeps packets addressed to any of our source addresses. */
static int build_filter(const struct engine_target *t, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    struct pr_addr seen[8];
    size_t nseen = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t k = 0; k < nseen; k++)
            dup |= addr_eq(&seen[k], &t[i].src);
        if (dup)
            continue;
        if (nseen == 8)
            return snprintf(buf, len, "ip or ip6") < 0 ? -1 : 0;
        seen[nseen++] = t[i].src;
        char a[PR_ADDRSTRLEN];
        int w = snprintf(buf + used, len - used, "%sdst host %s", nseen > 1 ? " or " : "",
                         addr_str(&t[i].src, a, sizeof a));
        if (w < 0 || (size_t)w >= len - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}

/* Opens a TX ring on the interface that most targets are routed through (or -e's), so
 * that probes go out as whole frames; without one (loopback, another link type) the raw
 * sockets carry everything. */
static void open_ring(const struct scan_config *cfg, struct rawio *io,
                      const struct engine_target *tg, size_t n)
{
    int best = io->ifindex;
    if (!best) {
        enum { SLOTS = 16 };
        int oif[SLOTS];
        size_t cnt[SLOTS] = {0}, used = 0, top = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < used && oif[k] != tg[i].oif)
                k++;
            if (k == used && used < SLOTS)
                oif[used++] = tg[i].oif;
            if (k < used && tg[i].src.family && ++cnt[k] > top) {
                top = cnt[k];
                best = oif[k];
            }
        }
    }
    struct pr_error e;
    if (best && rawio_ring(io, best, &e) < 0 && cfg->verbose >= 2)
        fprintf(stderr, "portreeve: no TX ring (%s); sending through raw sockets\n", e.msg);
}

/* Fills each target's address, route and source (rtnetlink, in batches). Targets without a
 * route, or not looked up before a stop, keep src.family 0 and stay down. Returns 0, or -1
 * when routing cannot be asked at all. */
static int plan_routes(const struct scan_config *cfg, struct scan_result *r,
                       struct engine_target *tg, size_t nh, volatile sig_atomic_t *stop,
                       struct pr_error *e)
{
    struct pr_addr *dst = pr_calloc(nh ? nh : 1, sizeof *dst);
    struct route_answer *ans = pr_calloc(nh ? nh : 1, sizeof *ans);
    for (size_t i = 0; i < nh; i++) {
        struct host_result *h = &r->hosts[i];
        tgt_get(&cfg->targets, i, &h->addr, &h->hostname);
        tg[i].res = h;
        dst[i] = h->addr;
    }
    int rc = route_lookup_many(dst, nh, ans, stop, e);
    if (rc >= 0)
        for (size_t i = 0; i < nh; i++) {
            if (rc > 0 && ans[i].err == ETIMEDOUT) {
                tg[i].src.family = 0; /* stopped before its answer: not scanned */
                continue;
            }
            tg[i].src = cfg->source.family ? cfg->source : ans[i].src;
            tg[i].nexthop = ans[i].nexthop;
            tg[i].oif = ans[i].oif;
            if (ans[i].err) {
                char a[PR_ADDRSTRLEN];
                fprintf(stderr, "portreeve: target %s: no route (%s); skipping it\n",
                        addr_str(&tg[i].res->addr, a, sizeof a), strerror(ans[i].err));
                tg[i].src.family = 0;
            }
        }
    free(dst);
    free(ans);
    return rc < 0 ? -1 : 0;
}

int scan_run(struct scan_config *cfg, struct scan_result *r, volatile sig_atomic_t *stop,
             struct pr_error *e)
{
    int rc = -1;
    struct rawio io = {.send4 = -1, .send6 = -1, .recv = -1};
    struct engine_target *tg = NULL;
    struct engine_stats st = {0};
    uint64_t nh = tgt_count(&cfg->targets);
    gettimeofday(&r->start, NULL);
    r->args = cfg->args;
    cfg->args = NULL;
    r->svc = cfg->svc;
    r->ping_only = cfg->ping_only;
    r->hosts = pr_calloc((size_t)nh, sizeof *r->hosts);
    r->nhosts = (size_t)nh;
    tg = pr_calloc((size_t)nh, sizeof *tg);

    /* Techniques and whether any needs raw sockets. */
    const struct technique *tech[3] = {0};
    /* --resume: cfg->progress holds what an interrupted run saved; the engine picks up
     * technique prog->tech where it stopped, and a stop of this run overwrites it. */
    struct scan_progress *prog = cfg->progress;
    int resuming = prog && prog->valid;
    int need_raw = !cfg->no_ping && !cfg->connect_only && !resuming;
    int any_tcp = 0, any_udp = 0;
    for (size_t i = 0; i < cfg->ntech; i++) {
        int is_connect = !strcmp(cfg->techniques[i], "connect");
        if (!is_connect) {
            tech[i] = tech_find(cfg->techniques[i]);
            need_raw = 1;
        }
        uint8_t proto = is_connect ? PR_TCP : tech[i]->proto;
        any_tcp |= proto == PR_TCP;
        any_udp |= proto == PR_UDP;
        if (!cfg->ping_only)
            r->info[r->ninfo++] = (struct scan_info){.type = is_connect ? "connect" : tech[i]->name,
                                                     .proto = proto,
                                                     .ports = cfg->ports.p[proto],
                                                     .nports = cfg->ports.n[proto]};
    }
    if (cfg->sink && cfg->sink->begin && cfg->sink->begin(cfg->sink->ud, r) < 0) {
        pr_errf(e, "writing the results failed");
        goto out;
    }

    unsigned families = 0;
    if (plan_routes(cfg, r, tg, (size_t)nh, stop, e) < 0)
        goto out;
    for (size_t i = 0; i < nh; i++)
        if (tg[i].src.family)
            families |= (unsigned)family_bit(tg[i].res->addr.family);

    if (cfg->dry_run)
        need_raw = 0;
    if (need_raw) {
        if (rawio_open(&io, families ? families : 1, cfg->iface, e) < 0)
            goto out;
        char filter[1024];
        if (build_filter(tg, (size_t)nh, filter, sizeof filter) < 0 ||
            rawio_filter(&io, filter, e) < 0)
            goto out;
        open_ring(cfg, &io, tg, (size_t)nh);
    }
    /* Every privileged handle is open: switch to the unprivileged account and keep no
     * capability from here on, except CAP_NET_RAW when connect sockets must be bound to
     * an interface (-e); then the seccomp allowlist for the rest of the scan. */
    static const int keep_raw[] = {13 /* CAP_NET_RAW */, -1};
    const int *keep = cfg->iface && (cfg->connect_only || any_tcp) ? keep_raw : NULL;
    if ((cfg->stay_root ? privs_drop(keep, e) : privs_drop_user(cfg->run_user, keep, e)) < 0)
        goto out;
    if (!cfg->no_sandbox && sbx_install(SBX_WORKER, e) < 0)
        goto out;

    /* Discovery. Hosts without a route stay down. */
    size_t nroutable = 0;
    for (size_t i = 0; i < nh; i++)
        if (tg[i].src.family)
            tg[nroutable++] = tg[i];
    for (size_t i = 0; i < nroutable; i++)
        gettimeofday(&tg[i].res->start, NULL);
    if (resuming) {
        progress_restore_up(prog, tg, nroutable);
    } else if (cfg->no_ping || cfg->dry_run) {
        for (size_t i = 0; i < nroutable; i++) {
            tg[i].res->up = 1;
            tg[i].res->reason = RS_USER_SET;
        }
    } else if (cfg->connect_only) {
        if (connect_ping(cfg, tg, nroutable, stop, e) < 0)
            goto out;
    } else if (discovery_run(cfg, &io, tg, nroutable, stop, &st, e) < 0) {
        goto out;
    }
    size_t nup = 0;
    for (size_t i = 0; i < nroutable; i++)
        if (tg[i].res->up)
            tg[nup++] = tg[i];
    r->hosts_up = nup;

    /* Host groups: each is scanned by every technique (then -sV) before the next. */
    size_t ntcp = any_tcp ? cfg->ports.n[PR_TCP] : 0;
    size_t nudp = any_udp ? cfg->ports.n[PR_UDP] : 0;
    size_t widest = ntcp > nudp ? ntcp : nudp;
    size_t gsize = widest ? (size_t)(SCAN_GROUP_PAIRS / widest) : nup;
    if (cfg->max_hostgroup && gsize > cfg->max_hostgroup)
        gsize = cfg->max_hostgroup;
    if (gsize < 1)
        gsize = 1;
    uint64_t total = 0, done = 0;
    for (size_t k = 0; k < r->ninfo; k++)
        total += (uint64_t)nup * r->info[k].nports;
    struct scan_progress saved = {0}; /* what a stop of this run leaves for --resume */
    struct ratectl search[4];         /* each technique's rate search, across groups */
    for (size_t k = 0; k < r->ninfo; k++)
        ratectl_init(&search[k], cfg->timing.rate_auto && !cfg->dry_run && tech[k],
                     cfg->timing.max_rate, cfg->timing.min_rate, cfg->timing.rate_ceiling);
    size_t emitted = 0; /* r->hosts[0, emitted) went to the sink */
    int stopped = 0;
    for (size_t g0 = 0; g0 < nup && !stopped; g0 += gsize) {
        size_t gi = g0 / gsize, n = nup - g0 < gsize ? nup - g0 : gsize;
        struct engine_target *gt = tg + g0;
        for (size_t i = 0; i < n; i++) {
            struct host_result *h = gt[i].res;
            gettimeofday(&h->start, NULL);
            if (cfg->ping_only)
                continue;
            h->nports = ntcp + nudp;
            h->ports = pr_calloc(h->nports ? h->nports : 1, sizeof *h->ports);
            for (size_t p = 0; p < ntcp; p++)
                h->ports[p] =
                    (struct port_result){.port = cfg->ports.p[PR_TCP][p], .proto = PR_TCP};
            for (size_t p = 0; p < nudp; p++)
                h->ports[ntcp + p] =
                    (struct port_result){.port = cfg->ports.p[PR_UDP][p], .proto = PR_UDP};
        }
        for (size_t k = 0; k < r->ninfo && !cfg->ping_only && !stopped; k++) {
            if (stop && *stop) { /* between techniques: resume at this one */
                stop_at(&saved, gi, k);
                stopped = 1;
                break;
            }
            int is_connect = !tech[k];
            uint8_t proto = r->info[k].proto;
            size_t np = r->info[k].nports;
            for (size_t i = 0; i < n; i++)
                gt[i].port_off = proto == PR_TCP ? 0 : ntcp;
            int k_rc;
            if (is_connect && resuming &&
                (gi < prog->group || (gi == prog->group && k < prog->tech))) {
                progress_restore_ports(prog, gt, n, proto); /* finished before the stop */
                k_rc = 0;
            } else if (is_connect) {
                k_rc = connect_run(cfg, gt, n, r->info[k].ports, np, stop, &st, e);
            } else {
                struct engine_span span = {.tech_index = k,
                                           .group = gi,
                                           .pos_base = (uint64_t)g0 * np,
                                           .done_before = done,
                                           .total = total,
                                           .rc = &search[k],
                                           .resume = resuming ? prog : NULL,
                                           .save = &saved};
                k_rc =
                    engine_run(cfg, tech[k], &span, &io, gt, n, r->info[k].ports, np, stop, &st, e);
            }
            if (k_rc < 0) {
                progress_free(&saved);
                goto out;
            }
            done += (uint64_t)n * np;
            stopped = stop && *stop;
            if (stopped && is_connect) {
                stop_at(&saved, gi, k); /* a connect scan restarts for this group */
                break;
            }
            if (stopped && saved.valid)
                break; /* the engine saved where it stopped */
            if (prog)
                progress_keep(&saved, gt, n, proto);
            if (stopped) /* the technique had finished: resume at the next one */
                stop_at(&saved, gi, k + 1);
        }
        if (cfg->version_detect && !cfg->ping_only && !stopped &&
            svc_version_run(cfg, r, stop, e) < 0) {
            progress_free(&saved);
            goto out;
        }
        if (!stopped && stop && *stop) { /* during -sV: the group's -sV runs again */
            stop_at(&saved, gi, r->ninfo);
            stopped = 1;
        }
        for (size_t i = 0; i < n; i++) {
            struct host_result *h = gt[i].res;
            gettimeofday(&h->end, NULL);
            drop_unprobed(h);
            if (h->timed_out) /* the outputs say "Skipping host ... due to host timeout" */
                host_result_free(h);
        }
        size_t upto = g0 + n < nup ? (size_t)(gt[n - 1].res - r->hosts) + 1 : r->nhosts;
        if (sink_hosts(cfg, r, emitted, upto, e) < 0) {
            progress_free(&saved);
            goto out;
        }
        emitted = upto;
    }
    if (sink_hosts(cfg, r, emitted, r->nhosts, e) < 0) { /* down hosts after the last group */
        progress_free(&saved);
        goto out;
    }
    for (size_t k = 0; k < r->ninfo && cfg->verbose >= 1; k++)
        if (search[k].active)
            fprintf(stderr,
                    "%s scan: rate search from %.0f/s: ended at %.0f/s (%u up, %u down; replies "
                    "lost from %.0f/s)\n",
                    r->info[k].type, search[k].start, search[k].rate, search[k].ups,
                    search[k].downs, search[k].lossy);
    if (prog && saved.valid) { /* stopped: this is where to resume */
        progress_free(prog);
        *prog = saved;
        prog->up = pr_calloc(nup ? nup : 1, sizeof *prog->up);
        prog->nup = nup;
        for (size_t i = 0; i < nup; i++)
            prog->up[i] = tg[i].res->addr;
    } else {
        progress_free(&saved);
    }
    rc = 0;
out:
    gettimeofday(&r->end, NULL);
    r->pkts_sent = st.sent;
    r->pkts_rcvd = st.rcvd;
    r->bytes_sent = st.bytes_sent;
    r->bytes_rcvd = st.bytes_rcvd;
    rawio_close(&io);
    free(tg);
    return rc;
}
