/* scan.c — runs a configured scan: routes, privileges, discovery, each technique.
 *
 * Targets are taken one window at a time (scan/plan.h): a window's results, routes and
 * engine state exist only while it is scanned, then its hosts go to the sink and are
 * freed, so memory does not depend on the size of the target range. Host groups and
 * first-pass positions are numbered across windows, for --shard and --resume. */
#include "scan/scan.h"

#include "core/privs.h"
#include "core/sandbox.h"
#include "scan/connect.h"
#include "scan/discovery.h"
#include "scan/engine.h"
#include "scan/osscan.h"
#include "scan/plan.h"
#include "scan/traceroute.h"
#include "net/arp.h"
#include "net/rdns.h"
#include "net/route.h"
#include "svc/version.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int addr_order(const void *x, const void *y)
{
    const struct pr_addr *a = x, *b = y;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->a, b->a, sizeof a->a);
}

/* Marks the hosts that the saved progress found up (up: sorted by addr_order). */
static void progress_restore_up(const struct pr_addr *up, size_t nup, struct engine_target *tg,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nup && bsearch(&tg[i].res->addr, up, nup, sizeof *up, addr_order)) {
            tg[i].res->up = 1;
            tg[i].res->reason = RS_USER_SET;
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
 * answer most of its probed ports got as a rest item, and the ports that got another.
 * Returns -1 (and adds nothing more) once p holds SCAN_RESUME_ITEMS_MAX items. */
static int progress_keep(struct scan_progress *p, struct engine_target *tg, size_t n, uint8_t proto)
{
    enum { CANDIDATES = 8 };
    for (size_t i = 0; i < n; i++) {
        if (p->n >= SCAN_RESUME_ITEMS_MAX)
            return -1;
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
    return 0;
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

/* Frees r->hosts with their ports (a window of a streamed scan, after the sink). */
static void free_hosts(struct scan_result *r)
{
    for (size_t i = 0; r->hosts && i < r->nhosts; i++)
        host_result_free(&r->hosts[i]);
    free(r->hosts);
    r->hosts = NULL;
    r->nhosts = 0;
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

/* Fills the address, route and source of targets first.. first+nh-1 into r->hosts[0..nh-1]
 * and tg (rtnetlink, in batches). Targets without a
 * route, or not looked up before a stop, keep src.family 0 and stay down. Returns 0, or -1
 * when routing cannot be asked at all. */
static int plan_routes(const struct scan_config *cfg, struct scan_result *r, uint64_t first,
                       struct engine_target *tg, size_t nh, volatile sig_atomic_t *stop,
                       struct pr_error *e)
{
    struct pr_addr *dst = pr_calloc(nh ? nh : 1, sizeof *dst);
    struct route_answer *ans = pr_calloc(nh ? nh : 1, sizeof *ans);
    for (size_t i = 0; i < nh; i++) {
        struct host_result *h = &r->hosts[i];
        tgt_get(&cfg->targets, first + i, &h->addr, &h->hostname);
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

/* One scan_run: what lasts across target windows. */
struct run {
    struct scan_config *cfg;
    struct scan_result *r;
    volatile sig_atomic_t *stop;
    struct pr_error *e;
    struct scan_plan plan;
    const struct technique *tech[3]; /* NULL for connect */
    int need_raw, io_ready, resuming, stopped, keep_full;
    struct rawio io;
    int arp_fd; /* net/arp.h's socket for -PR, or -1 */
    struct engine_stats st;
    struct scan_progress *prog; /* --resume: what an interrupted run saved, or NULL */
    struct scan_progress saved; /* what a stop of this run leaves for --resume */
    struct pr_addr *prog_up;    /* prog->up sorted, for lookups */
    struct pr_addr *ups;        /* hosts found up so far, for a save (not with -Pn) */
    size_t nups, capups;
    uint64_t discovered;      /* targets [0, discovered) went through discovery */
    struct ratectl search[4]; /* each technique's rate search, across groups */
    size_t group;             /* index of the next host group */
    uint64_t hosts_before;    /* up hosts in earlier groups (first-pass positions) */
    uint64_t done, total;     /* pairs, for the status line */
    uint64_t reported;        /* targets of the windows that went to the outputs */
    struct rdns *dns;         /* reverse DNS, opened before the privilege drop; NULL with -n */
    struct port_range local;  /* net/portrange.h, read before the sandbox (engine_span.local) */
};

/* Reverse DNS of r->hosts[from, to) before they go to the outputs: the hosts that are up
 * (every one with -R) and their --traceroute hops, all lookups of the range in flight at
 * once, bounded in time (net/rdns.h). */
static void name_hosts(struct run *R, size_t from, size_t to)
{
    if (!R->dns || from >= to || R->cfg->dry_run)
        return;
    struct host_result *hs = R->r->hosts;
    size_t cap = 0, n = 0;
    for (size_t i = from; i < to; i++)
        cap += 1 + (hs[i].trace ? hs[i].trace->nhops : 0);
    struct pr_addr *addr = pr_calloc(cap, sizeof *addr);
    char **names = pr_calloc(cap, sizeof *names);
    struct {
        size_t host, hop; /* hop: SIZE_MAX for the host itself */
    } *at = pr_calloc(cap, sizeof *at);
    for (size_t i = from; i < to; i++) {
        if ((hs[i].up || R->cfg->rdns > 0) && !hs[i].ptr_name) {
            at[n].host = i;
            at[n].hop = SIZE_MAX;
            addr[n++] = hs[i].addr;
        }
        for (size_t k = 0; hs[i].trace && k < hs[i].trace->nhops; k++)
            if (hs[i].trace->hops[k].have_addr) {
                at[n].host = i;
                at[n].hop = k;
                addr[n++] = hs[i].trace->hops[k].addr;
            }
    }
    int was_dead = rdns_dead(R->dns);
    rdns_resolve(R->dns, addr, n, names, R->stop);
    for (size_t k = 0; k < n; k++) {
        struct host_result *h = &hs[at[k].host];
        if (at[k].hop == SIZE_MAX) {
            h->ptr_name = names[k];
            continue;
        }
        if (names[k]) /* cleaned names fit: RDNS_NAME_MAX < sizeof host */
            snprintf(h->trace->hops[at[k].hop].host, sizeof h->trace->hops[0].host, "%s", names[k]);
        free(names[k]);
    }
    if (!was_dead && rdns_dead(R->dns))
        fputs("portreeve: reverse DNS: no DNS server answered; hosts are not named (try "
              "--dns-servers or -n)\n",
              stderr);
    free(addr);
    free(names);
    free(at);
}

/* Opens the raw sockets (when needed) from the first window's routes, then drops every
 * capability, except CAP_NET_RAW when connect sockets must be bound to an interface. With
 * more than one window the receive filter takes every packet of the family: later windows
 * may be routed from other source addresses. */
static int run_open(struct run *R, const struct engine_target *tg, size_t n)
{
    const struct scan_config *cfg = R->cfg;
    R->io_ready = 1;
    if (R->need_raw && !cfg->dry_run) {
        unsigned families = 0;
        for (size_t i = 0; i < n; i++)
            if (tg[i].src.family)
                families |= (unsigned)family_bit(tg[i].res->addr.family);
        if (R->plan.targets > R->plan.window)
            families |= (unsigned)family_bit(cfg->family);
        if (rawio_open(&R->io, families ? families : 1, cfg->iface, R->e) < 0)
            return -1;
        char filter[1024];
        if (R->plan.targets > R->plan.window)
            snprintf(filter, sizeof filter, "%s", cfg->family == AF_INET6 ? "ip6" : "ip");
        else if (build_filter(tg, n, filter, sizeof filter) < 0)
            return pr_errf(R->e, "cannot build the receive filter");
        if (rawio_filter(&R->io, filter, R->e) < 0)
            return -1;
        open_ring(cfg, &R->io, tg, n);
        struct pr_error ae;
        if ((!families || (families & (unsigned)family_bit(AF_INET))) && discovery_wants_arp(cfg) &&
            (R->arp_fd = arp_open(&ae)) < 0 && cfg->verbose)
            fprintf(stderr, "portreeve: no ARP discovery (%s); IP probes instead\n", ae.msg);
    }
    if (cfg->rdns >= 0 && !cfg->dry_run && rdns_open(cfg->dns_servers, &R->dns, R->e) < 0)
        return -1;
    struct pr_error pe;
    if (R->need_raw && portrange_read(&R->local, &pe) < 0) {
        fprintf(stderr, "portreeve: %s; assuming Linux's default 32768-60999\n", pe.msg);
        R->local = (struct port_range){32768, 60999};
    }
    /* Every privileged handle is open: switch to the unprivileged account and keep no
     * capability from here on, except CAP_NET_RAW when connect sockets must be bound to
     * an interface (-e); then the seccomp allowlist for the rest of the scan. */
    static const int keep_raw[] = {13 /* CAP_NET_RAW */, -1};
    int any_tcp = R->plan.ntcp > 0;
    const int *keep = cfg->iface && (cfg->connect_only || any_tcp) ? keep_raw : NULL;
    if ((cfg->stay_root ? privs_drop(keep, R->e) : privs_drop_user(cfg->run_user, keep, R->e)) < 0)
        return -1;
    if (!cfg->no_sandbox && sbx_install(SBX_WORKER, R->e) < 0)
        return -1;
    return 0;
}

/* Host discovery of one window's routable targets tg[0..n-1] (targets first..first+wn-1):
 * sets res->up. Returns 0, or -1 with R->e filled. A stop during discovery leaves the
 * window undiscovered (R->discovered stays first). */
static int run_discover(struct run *R, struct engine_target *tg, size_t n, uint64_t first,
                        uint64_t wn)
{
    const struct scan_config *cfg = R->cfg;
    for (size_t i = 0; i < n; i++)
        gettimeofday(&tg[i].res->start, NULL);
    if (cfg->no_ping || cfg->dry_run) {
        for (size_t i = 0; i < n; i++) {
            tg[i].res->up = 1;
            tg[i].res->reason = RS_USER_SET;
        }
        return 0;
    }
    if (R->resuming && first + wn <= R->prog->discovered) {
        progress_restore_up(R->prog_up, R->prog->nup, tg, n);
    } else if (cfg->connect_only) {
        if (connect_ping(cfg, tg, n, R->stop, R->e) < 0)
            return -1;
    } else if (discovery_run(cfg, &R->io, R->arp_fd, tg, n, R->stop, &R->st, R->e) < 0) {
        return -1;
    }
    if (R->stop && *R->stop)
        return 0;
    R->discovered = first + wn;
    for (size_t i = 0; i < n; i++) {
        if (!tg[i].res->up)
            continue;
        if (R->nups == R->capups) {
            R->capups = R->capups ? R->capups * 2 : 256;
            R->ups = pr_reallocarray(R->ups, R->capups, sizeof *R->ups);
        }
        R->ups[R->nups++] = tg[i].res->addr;
    }
    return 0;
}

/* Scans the up hosts tg[0..nup-1] of the window in r->hosts[0..wn-1] in host groups:
 * each group by every technique, then -sV, then to the sink with the down hosts before
 * it. Returns 0, or -1 with R->e filled. */
/* A failure in the middle of a window: what was found so far still goes to the outputs
 * (r->hosts[emitted, reached): the hosts of earlier groups and the group being scanned). */
static int fail_flush(struct run *R, size_t emitted, size_t reached)
{
    for (size_t i = emitted; i < reached; i++) /* a kept result shows no unprobed port */
        drop_unprobed(&R->r->hosts[i]);
    if (R->cfg->sink && emitted < reached) {
        struct pr_error e2;
        (void)sink_hosts(R->cfg, R->r, emitted, reached, &e2);
    }
    return -1;
}

static int run_groups(struct run *R, struct engine_target *tg, size_t nup, size_t wn)
{
    struct scan_config *cfg = R->cfg;
    struct scan_result *r = R->r;
    const struct scan_progress *prog = R->prog;
    size_t ntcp = R->plan.ntcp, nudp = R->plan.nudp, gsize = R->plan.group_hosts;
    size_t emitted = 0; /* r->hosts[0, emitted) went to the sink */
    for (size_t g0 = 0; g0 < nup && !R->stopped; g0 += gsize) {
        size_t gi = R->group++, n = nup - g0 < gsize ? nup - g0 : gsize;
        struct engine_target *gt = tg + g0;
        size_t reached = (size_t)(gt[n - 1].res - r->hosts) + 1; /* hosts being scanned */
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
        for (size_t k = 0; k < r->ninfo && !cfg->ping_only && !R->stopped; k++) {
            if (R->stop && *R->stop) { /* between techniques: resume at this one */
                stop_at(&R->saved, gi, k);
                R->stopped = 1;
                break;
            }
            int is_connect = !R->tech[k];
            uint8_t proto = r->info[k].proto;
            size_t np = r->info[k].nports;
            for (size_t i = 0; i < n; i++)
                gt[i].port_off = proto == PR_TCP ? 0 : ntcp;
            int k_rc;
            if (is_connect && R->resuming &&
                (gi < prog->group || (gi == prog->group && k < prog->tech))) {
                progress_restore_ports(prog, gt, n, proto); /* finished before the stop */
                k_rc = 0;
            } else if (is_connect) {
                k_rc = connect_run(cfg, gt, n, r->info[k].ports, np, R->hosts_before * np, R->stop,
                                   &R->st, R->e);
            } else {
                struct engine_span span = {.tech_index = k,
                                           .group = gi,
                                           .pos_base = R->hosts_before * np,
                                           .done_before = R->done,
                                           .total = R->total,
                                           .rc = &R->search[k],
                                           .resume = R->resuming ? prog : NULL,
                                           .save = &R->saved,
                                           .local = R->local};
                k_rc = engine_run(cfg, R->tech[k], &span, &R->io, gt, n, r->info[k].ports, np,
                                  R->stop, &R->st, R->e);
            }
            if (k_rc < 0)
                return fail_flush(R, emitted, reached);
            R->done += (uint64_t)n * np;
            R->stopped = R->stop && *R->stop;
            if (R->stopped && is_connect) {
                stop_at(&R->saved, gi, k); /* a connect scan restarts for this group */
                break;
            }
            if (R->stopped && R->saved.valid)
                break; /* the engine saved where it stopped */
            if (prog && !R->keep_full && progress_keep(&R->saved, gt, n, proto) < 0)
                R->keep_full = 1;
            if (R->stopped) /* the technique had finished: resume at the next one */
                stop_at(&R->saved, gi, k + 1);
        }
        R->hosts_before += n;
        if (!cfg->dry_run && R->io.recv >= 0)
            discovery_macs(cfg, gt, n); /* on-link hosts' MACs, however they were found */
        if (cfg->version_detect && !cfg->ping_only && !R->stopped &&
            svc_version_run(cfg->sv, cfg->version_intensity, &cfg->source, r, R->stop, R->e) < 0)
            return fail_flush(R, emitted, reached);
        if (cfg->os_detect && !cfg->ping_only && !cfg->dry_run && !R->stopped &&
            !(R->stop && *R->stop) && osscan_run(cfg, &R->io, gt, n, R->stop, &R->st, R->e) < 0)
            return fail_flush(R, emitted, reached);
        for (size_t i = 0; cfg->version_detect && cfg->os_detect && i < n; i++)
            svc_version_os_cves(cfg->sv, gt[i].res); /* -O's OS CPEs as platforms */
        if (cfg->traceroute && !cfg->dry_run && !R->stopped &&
            trace_run(cfg, &R->io, gt, n, R->stop, &R->st, R->e) < 0)
            return fail_flush(R, emitted, reached);
        if (!R->stopped && R->stop && *R->stop) { /* during -sV: the group's -sV runs again */
            stop_at(&R->saved, gi, r->ninfo);
            R->stopped = 1;
        }
        for (size_t i = 0; i < n; i++) {
            struct host_result *h = gt[i].res;
            gettimeofday(&h->end, NULL);
            drop_unprobed(h);
            if (h->timed_out) /* the outputs say "Skipping host ... due to host timeout" */
                host_result_free(h);
        }
        size_t upto = g0 + n < nup ? (size_t)(gt[n - 1].res - r->hosts) + 1 : wn;
        name_hosts(R, emitted, upto);
        if (sink_hosts(cfg, r, emitted, upto, R->e) < 0)
            return -1;
        emitted = upto;
    }
    name_hosts(R, emitted, wn); /* down hosts after the last group (-R) */
    return sink_hosts(cfg, r, emitted, wn, R->e);
}

/* One window: targets first..first+wn-1 get results, routes, discovery and their groups.
 * The window's results stay in r->hosts when the scan keeps its whole result. */
static int run_window(struct run *R, uint64_t first, size_t wn)
{
    struct scan_result *r = R->r;
    r->hosts = pr_calloc(wn, sizeof *r->hosts);
    r->nhosts = wn;
    struct engine_target *tg = pr_calloc(wn, sizeof *tg);
    int rc = -1;
    if (plan_routes(R->cfg, r, first, tg, wn, R->stop, R->e) < 0)
        goto out;
    if (!R->io_ready && run_open(R, tg, wn) < 0)
        goto out;
    size_t nroutable = 0; /* hosts without a route stay down */
    for (size_t i = 0; i < wn; i++)
        if (tg[i].src.family)
            tg[nroutable++] = tg[i];
    if (run_discover(R, tg, nroutable, first, wn) < 0)
        goto out;
    if (R->stop && *R->stop && R->discovered < first + wn && !R->cfg->no_ping &&
        !R->cfg->dry_run) { /* stopped in discovery: this window starts again, and none of
                             * its hosts is reported (some were never probed) */
        stop_at(&R->saved, R->group, 0);
        R->stopped = 1;
        free_hosts(r);
        rc = 0;
        goto out;
    }
    size_t nup = 0;
    for (size_t i = 0; i < nroutable; i++)
        if (tg[i].res->up)
            tg[nup++] = tg[i];
    r->hosts_up += nup;
    R->reported += wn;
    if (R->plan.targets <= R->plan.window) { /* one window: the status line's exact total */
        R->total = 0;
        for (size_t k = 0; k < r->ninfo; k++)
            R->total += (uint64_t)nup * r->info[k].nports;
    }
    rc = run_groups(R, tg, nup, wn);
out:
    free(tg);
    return rc;
}

int scan_run(struct scan_config *cfg, struct scan_result *r, volatile sig_atomic_t *stop,
             struct pr_error *e)
{
    struct run *R = pr_calloc(1, sizeof *R);
    *R = (struct run){.cfg = cfg, .r = r, .stop = stop, .e = e};
    R->io = (struct rawio){.send4 = -1, .send6 = -1, .recv = -1};
    R->arp_fd = -1;
    int keep_all = !cfg->sink && !cfg->dry_run;
    scan_plan_make(cfg, keep_all, &R->plan);
    uint64_t nh = R->plan.targets;
    gettimeofday(&r->start, NULL);
    r->args = cfg->args;
    cfg->args = NULL;
    r->svc = cfg->svc;
    r->ping_only = cfg->ping_only;
    int rc = -1;
    if (keep_all && nh > SCAN_KEEP_MAX) {
        pr_errf(e,
                "%llu targets: a scan that keeps its whole result (--db, audit) takes at most "
                "%llu; scan the range in parts",
                (unsigned long long)nh, (unsigned long long)SCAN_KEEP_MAX);
        goto out;
    }

    if (cfg->dry_run) { /* the summary, then the probes of a plan small enough to list */
        scan_plan_print(stderr, cfg, &R->plan);
        if (R->plan.probes > SCAN_DRY_LIST_MAX) {
            fprintf(stderr, "plan: more than %llu probes: not listed one by one\n",
                    (unsigned long long)SCAN_DRY_LIST_MAX);
            rc = 0;
            goto out;
        }
    }

    /* --resume: cfg->progress holds what an interrupted run saved; the engine picks up
     * technique prog->tech where it stopped, and a stop of this run overwrites it. */
    R->prog = cfg->progress;
    R->resuming = R->prog && R->prog->valid;
    if (R->resuming && R->prog->nup) {
        R->prog_up = pr_calloc(R->prog->nup, sizeof *R->prog_up);
        memcpy(R->prog_up, R->prog->up, R->prog->nup * sizeof *R->prog_up);
        qsort(R->prog_up, R->prog->nup, sizeof *R->prog_up, addr_order);
    }
    R->need_raw = (!cfg->no_ping && !cfg->connect_only) || cfg->os_detect || cfg->traceroute;
    for (size_t i = 0; i < cfg->ntech; i++) {
        int is_connect = !strcmp(cfg->techniques[i], "connect");
        if (!is_connect) {
            R->tech[i] = tech_find(cfg->techniques[i]);
            R->need_raw = 1;
        }
        uint8_t proto = is_connect ? PR_TCP : R->tech[i]->proto;
        if (!cfg->ping_only)
            r->info[r->ninfo++] =
                (struct scan_info){.type = is_connect ? "connect" : R->tech[i]->name,
                                   .proto = proto,
                                   .ports = cfg->ports.p[proto],
                                   .nports = cfg->ports.n[proto]};
    }
    if (cfg->sink && cfg->sink->begin && cfg->sink->begin(cfg->sink->ud, r) < 0) {
        pr_errf(e, "writing the results failed");
        goto out;
    }
    for (size_t k = 0; k < r->ninfo; k++) {
        R->total += nh * r->info[k].nports; /* every target up: the status line's estimate */
        ratectl_init(&R->search[k], cfg->timing.rate_auto && !cfg->dry_run && R->tech[k],
                     cfg->timing.max_rate, cfg->timing.min_rate, cfg->timing.rate_ceiling);
    }
    if (nh == 0 && run_window(R, 0, 0) < 0) /* opens and drops privileges all the same */
        goto out;
    for (uint64_t w0 = 0; w0 < nh && !R->stopped; w0 += R->plan.window) {
        if (w0 && stop && *stop) { /* between windows: resume at the next group */
            stop_at(&R->saved, R->group, 0);
            break;
        }
        if (!keep_all)
            free_hosts(r);
        size_t wn = (size_t)(nh - w0 < R->plan.window ? nh - w0 : R->plan.window);
        if (run_window(R, w0, wn) < 0)
            goto out;
    }
    int raw_tcp = 0;
    for (size_t k = 0; k < r->ninfo; k++)
        raw_tcp |= R->tech[k] && R->tech[k]->proto == PR_TCP;
    if (R->st.local_nocookie || (cfg->verbose >= 1 && raw_tcp && cfg->source_port < 0 &&
                                 engine_free_bases(&R->local) < ENGINE_MIN_BASES))
        fprintf(stderr,
                "portreeve: the local port range %u-%u (net.ipv4.ip_local_port_range) leaves "
                "%u of our %u source-port bases (%u-65535) free, fewer than %u: a reply "
                "without our cookie may belong to a local connection, so only replies with it "
                "are believed (%llu were not)\n",
                R->local.lo, R->local.hi, engine_free_bases(&R->local), ENGINE_SPORT_BASES,
                ENGINE_SPORT_LO, ENGINE_MIN_BASES, (unsigned long long)R->st.local_nocookie);
    for (size_t k = 0; k < r->ninfo && cfg->verbose >= 1; k++)
        if (R->search[k].active)
            fprintf(stderr,
                    "%s scan: rate search from %.0f/s: ended at %.0f/s (%u up, %u down; replies "
                    "lost from %.0f/s)\n",
                    r->info[k].type, R->search[k].start, R->search[k].rate, R->search[k].ups,
                    R->search[k].downs, R->search[k].lossy);
    if (R->prog && R->saved.valid && R->keep_full) {
        fprintf(stderr,
                "portreeve: too many finished hosts to save for --resume (more than %zu "
                "answers); the progress is not saved\n",
                (size_t)SCAN_RESUME_ITEMS_MAX);
        R->prog->valid = 0;                 /* an older resume file, if any, is left as it was */
    } else if (R->prog && R->saved.valid) { /* stopped: this is where to resume */
        progress_free(R->prog);
        *R->prog = R->saved;
        R->saved = (struct scan_progress){0};
        R->prog->up = R->ups;
        R->prog->nup = R->nups;
        R->prog->discovered = R->discovered;
        R->ups = NULL;
    }
    rc = 0;
out:
    if (!keep_all) { /* streamed or a dry run: the hosts went to the sink */
        free_hosts(r);
        r->nhosts = (size_t)(R->stopped || (stop && *stop) ? R->reported : nh);
    }
    progress_free(&R->saved);
    gettimeofday(&r->end, NULL);
    r->pkts_sent = R->st.sent;
    r->pkts_rcvd = R->st.rcvd;
    r->bytes_sent = R->st.bytes_sent;
    r->bytes_rcvd = R->st.bytes_rcvd;
    r->pkts_badsum = R->io.rx_badsum;
    rawio_close(&R->io);
    if (R->arp_fd >= 0)
        close(R->arp_fd);
    rdns_close(R->dns);
    free(R->prog_up);
    free(R->ups);
    free(R);
    return rc;
}
