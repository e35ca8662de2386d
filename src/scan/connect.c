/* connect.c — see connect.h. */
#include "scan/connect.h"

#include "core/clock.h"
#include "core/keys.h"
#include "core/perm.h"
#include "core/status.h"
#include "scan/rtt.h"

#include <errno.h>
#include <poll.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct slot {
    int fd;
    uint64_t pair;
    uint64_t started, deadline;
};

struct cjob {
    const struct scan_config *cfg;
    struct engine_target *t;
    size_t nt;
    const uint16_t *ports;
    size_t np;
    uint8_t *state, *reason, *tries;
    double srtt, rttvar; /* over the job: the timeout */
    double *hrtt;        /* per host: srtt, rttvar (the latency shown); 0 = no answer */
    uint64_t resolved;
    int ping;          /* discovery: one answer resolves the whole host */
    uint64_t pos_base; /* first-pass position of pair 0 (--shard) */
    struct engine_stats *st;
};

static uint64_t job_timeout(const struct cjob *j)
{
    return rtt_timeout(&j->cfg->timing, j->srtt, j->rttvar);
}

/* After a failed connect: was it an ICMP error (and which), or a reset? */
static void classify_error(int fd, int err, uint8_t *state, uint8_t *reason)
{
    char cbuf[512];
    char dummy[1];
    struct iovec iov = {dummy, sizeof dummy};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                  (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
                continue;
            struct sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            struct port_result pr = {0};
            int fam = ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? AF_INET6 : AF_INET;
            if ((ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) &&
                tech_classify_icmp(PR_TCP, (uint8_t)fam, ee.ee_type, ee.ee_code, &pr)) {
                *state = pr.state;
                *reason = pr.reason;
                return;
            }
        }
    }
    if (err == ECONNREFUSED) {
        *state = PS_CLOSED;
        *reason = RS_CONN_REFUSED;
    } else {
        *state = PS_FILTERED;
        *reason = err == ENETUNREACH ? RS_NET_UNREACH : RS_HOST_UNREACH;
    }
}

static void resolve(struct cjob *j, uint64_t pair, uint8_t state, uint8_t reason)
{
    if (j->state[pair] != PS_UNKNOWN)
        return;
    if (state == PS_OPEN && !j->ping && j->cfg->show_found) { /* nmap -v, as found */
        char a[PR_ADDRSTRLEN];
        printf("Discovered open port %u/tcp on %s\n", j->ports[pair % j->np],
               addr_str(&j->t[pair / j->np].res->addr, a, sizeof a));
        fflush(stdout);
    }
    if (j->ping) {
        size_t h = pair / j->np;
        for (size_t p = 0; p < j->np; p++)
            if (j->state[h * j->np + p] == PS_UNKNOWN) {
                j->state[h * j->np + p] = state;
                j->reason[h * j->np + p] = reason;
                j->resolved++;
            }
        return;
    }
    j->state[pair] = state;
    j->reason[pair] = reason;
    j->resolved++;
}

static void finish_slot(struct cjob *j, int ep, struct slot *s, int timed_out)
{
    uint64_t now = now_us();
    if (timed_out) {
        /* stays unknown; retried in the next round */
    } else {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        double rtt = (double)(now - s->started);
        if (j->tries[s->pair] == 1 || j->srtt <= 0)
            rtt_update(&j->srtt, &j->rttvar, rtt);
        if (err == 0 || err == ECONNREFUSED) { /* the target answered (or an ICMP error) */
            double *h = &j->hrtt[2 * (s->pair / j->np)];
            if (j->tries[s->pair] == 1 || h[0] <= 0)
                rtt_update(&h[0], &h[1], rtt);
        }
        if (err == 0)
            resolve(j, s->pair, PS_OPEN, RS_SYN_ACK);
        else if (err != EINPROGRESS) {
            uint8_t st = 0, rs = 0;
            classify_error(s->fd, err, &st, &rs);
            resolve(j, s->pair, st, rs);
        }
    }
    epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    s->fd = -1;
}

static int start_one(struct cjob *j, int ep, struct slot *s, uint64_t pair)
{
    struct engine_target *t = &j->t[pair / j->np];
    uint16_t port = j->ports[pair % j->np];
    int fam = t->res->addr.family;
    int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (fam == AF_INET6)
        setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
    else
        setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof one);
    struct linger lg = {1, 0}; /* close with a reset: no TIME_WAIT pile-up */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (j->cfg->iface)
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, j->cfg->iface,
                   (socklen_t)strlen(j->cfg->iface));
    if (j->cfg->source.family) {
        struct sockaddr_storage ss;
        socklen_t sl = addr_to_sockaddr(&j->cfg->source, 0, &ss);
        if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
            close(fd);
            return -errno;
        }
    }
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(&t->res->addr, port, &ss);
    s->fd = fd;
    s->pair = pair;
    s->started = now_us();
    s->deadline = s->started + job_timeout(j);
    j->tries[pair]++;
    j->st->sent++;
    int rc = connect(fd, (struct sockaddr *)&ss, sl);
    int err = rc == 0 ? 0 : errno;
    if (j->cfg->live && j->cfg->live->ptrace) /* nmap's CONN line */
        ptrace_conn(&j->cfg->trace, now_us(), &t->res->addr, port,
                    rc == 0 ? "Connected" : strerror(err));
    errno = err;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLERR | EPOLLHUP, .data.ptr = s};
    if (rc == 0 || errno == EINPROGRESS) {
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
        return 0;
    }
    /* immediate failure (e.g. ECONNREFUSED on loopback, EHOSTUNREACH) */
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    return 0;
}

static int run_job(struct cjob *j, int tries, volatile sig_atomic_t *stop, struct pr_error *e)
{
    uint64_t npairs = (uint64_t)j->nt * j->np;
    struct rlimit rl;
    size_t maxpar = 512;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < maxpar + 64)
        maxpar = rl.rlim_cur > 96 ? (size_t)rl.rlim_cur - 64 : 32;
    struct slot *slots = pr_calloc(maxpar, sizeof *slots);
    for (size_t i = 0; i < maxpar; i++)
        slots[i].fd = -1;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        free(slots);
        return pr_errf(e, "epoll_create1: %s", strerror(errno));
    }
    struct perm perm;
    if (j->cfg->sequential)
        perm_init_sequential(&perm, npairs, j->nt);
    else
        perm_init(&perm, npairs, &j->cfg->key);
    struct status status;
    status_init(&status, j->ping ? "connect ping" : "connect scan", j->cfg->verbose,
                j->cfg->stats_every_s);
    status.levels = j->cfg->live;
    double rate = j->cfg->timing.max_rate;
    uint64_t t0 = now_us();
    int rc = 0;
    for (int round = 0; round < tries && !(stop && *stop); round++) {
        uint64_t i = 0;
        size_t active = 0;
        for (;;) {
            /* fill free slots */
            for (size_t s = 0; s < maxpar && i < npairs && !(stop && *stop); s++) {
                if (slots[s].fd >= 0)
                    continue;
                if (rate > 0 && (double)(now_us() - t0) < (double)j->st->sent * 1e6 / rate)
                    break; /* not yet: let the event loop wait */
                uint64_t pair = UINT64_MAX;
                while (i < npairs && pair == UINT64_MAX) {
                    uint64_t c = perm_at(&perm, i++);
                    if ((j->ping || engine_in_shard(j->cfg, j->pos_base + i - 1)) &&
                        j->state[c] == PS_UNKNOWN && j->tries[c] == round &&
                        !host_expired(j->cfg, j->t[c / j->np].res))
                        pair = c;
                }
                if (pair == UINT64_MAX)
                    break;
                int r = start_one(j, ep, &slots[s], pair);
                if (r == -EMFILE || r == -ENFILE)
                    break;
                if (r < 0) {
                    rc = pr_errf(e, "connect scan: %s", strerror(-r));
                    goto out;
                }
                active++;
            }
            if (!active && (i >= npairs || (stop && *stop)))
                break;
            struct epoll_event evs[64];
            int n = epoll_wait(ep, evs, 64, 5);
            for (int k = 0; k < n; k++) {
                finish_slot(j, ep, evs[k].data.ptr, 0);
                active--;
            }
            uint64_t now = now_us();
            for (size_t s = 0; s < maxpar; s++)
                if (slots[s].fd >= 0 && (now >= slots[s].deadline || (stop && *stop) ||
                                         j->state[slots[s].pair] != PS_UNKNOWN)) {
                    /* a connect that completed after its deadline, or whose event is
                     * still queued behind the 64 read above (a starved scanner), is an
                     * answer, not a timeout */
                    struct pollfd pf = {.fd = slots[s].fd, .events = POLLOUT};
                    int done = !(stop && *stop) && j->state[slots[s].pair] == PS_UNKNOWN &&
                               poll(&pf, 1, 0) == 1;
                    finish_slot(j, ep, &slots[s], !done);
                    active--;
                }
            status_tick(&status, j->resolved, npairs, 0);
        }
    }
out:
    for (size_t s = 0; s < maxpar; s++)
        if (slots[s].fd >= 0)
            finish_slot(j, ep, &slots[s], 1);
    close(ep);
    free(slots);
    return rc;
}

static void job_init(struct cjob *j, const struct scan_config *cfg, struct engine_target *t,
                     size_t nt, const uint16_t *ports, size_t np, struct engine_stats *st)
{
    memset(j, 0, sizeof *j);
    j->cfg = cfg;
    j->t = t;
    j->nt = nt;
    j->ports = ports;
    j->np = np;
    j->st = st;
    j->state = pr_calloc((size_t)nt * np, 1);
    j->reason = pr_calloc((size_t)nt * np, 1);
    j->tries = pr_calloc((size_t)nt * np, 1);
    j->hrtt = pr_calloc(nt ? 2 * nt : 1, sizeof *j->hrtt);
}

static void job_free(struct cjob *j)
{
    free(j->state);
    free(j->reason);
    free(j->tries);
    free(j->hrtt);
}

int connect_run(const struct scan_config *cfg, struct engine_target *targets, size_t ntargets,
                const uint16_t *ports, size_t nports, uint64_t pos_base,
                volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e)
{
    if (!ntargets || !nports)
        return 0;
    struct cjob j;
    job_init(&j, cfg, targets, ntargets, ports, nports, st);
    j.pos_base = pos_base;
    int tries = cfg->timing.max_retries + 1 < 2 ? cfg->timing.max_retries + 1 : 2;
    int rc = run_job(&j, tries, stop, e);
    for (size_t h = 0; h < ntargets; h++) {
        struct host_result *res = targets[h].res;
        if (j.hrtt[2 * h] > 0 && res->srtt_us <= 0) {
            res->srtt_us = j.hrtt[2 * h];
            res->rttvar_us = j.hrtt[2 * h + 1];
        }
        for (size_t p = 0; p < nports; p++) {
            size_t idx = h * nports + p;
            struct port_result *pr = &res->ports[targets[h].port_off + p];
            if (!j.state[idx] && (!j.tries[idx] || (stop && *stop && j.tries[idx] < tries))) {
                pr->state = PS_UNKNOWN; /* not probed, or stopped before its tries were done */
                pr->reason = RS_NONE;
                continue;
            }
            pr->state = j.state[idx] ? j.state[idx] : PS_FILTERED;
            pr->reason = j.state[idx] ? j.reason[idx] : RS_NO_RESPONSE;
        }
    }
    job_free(&j);
    return rc;
}

int connect_ping(const struct scan_config *cfg, struct engine_target *targets, size_t ntargets,
                 volatile sig_atomic_t *stop, struct pr_error *e)
{
    static const uint16_t ping_ports[] = {80, 443};
    struct engine_stats st = {0};
    struct cjob j;
    job_init(&j, cfg, targets, ntargets, ping_ports, 2, &st);
    j.ping = 1;
    int rc = run_job(&j, 2, stop, e);
    for (size_t h = 0; h < ntargets; h++) {
        uint8_t s = j.state[h * 2];
        targets[h].res->up = s == PS_OPEN || s == PS_CLOSED;
        targets[h].res->reason = s == PS_OPEN     ? RS_SYN_ACK
                                 : s == PS_CLOSED ? RS_CONN_REFUSED
                                                  : RS_NO_RESPONSE;
    }
    job_free(&j);
    return rc;
}
