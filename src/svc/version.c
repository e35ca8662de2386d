/* version.c — the -sV engine: many services probed at once over epoll.
 *
 * Each open port is a job. A job walks nmap's probe order (svc/order in lane_build):
 * the NULL probe (banner) first for TCP, then the probes whose `ports` (in a TLS tunnel:
 * `sslports`) name the port, then the others with rarity <= --version-intensity, each on
 * its own connection. The first hard match ends the job; a softmatch narrows the rest to
 * probes that can name that service; a hard match of service "ssl" restarts the walk in
 * a second lane inside TLS (OpenSSL), whose matches get tunnel="ssl".
 *
 * Results are decided strictly in probe order, so the answer is the one nmap's sequential
 * walk gives; to save time, up to SV_WINDOW later probes of a lane run speculatively while
 * earlier ones wait out their totalwaitms, and the TLS lane starts as soon as any probe
 * sees TLS. A server that serves one connection at a time (net-snmp's smux) leaves a
 * speculative connection silent while an earlier one is open: the first such silent probe
 * is redone alone, and if it is answered then, the job goes on one probe at a time (as
 * nmap's walk does); if not, the service is merely silent and speculation resumes (an
 * answer while an earlier connection is open settles the question without a redo). A
 * silent NULL probe stops waiting once the answer can no longer change (null_settle), and
 * a silent UDP port gets its probes at once (SV_UDP_WINDOW); docs/svc.md, "Timing".
 * Everything is bounded: bytes per response, connections in flight, time per
 * connect/handshake/probe and per job. */
#include "svc/version.h"

#include "core/clock.h"
#include "core/services.h"
#include "svc/cpedict.h"
#include "svc/cve.h"
#include "svc/distfeed.h"
#include "svc/match.h"
#include "svc/modconn.h"
#include "svc/modules.h"
#include "svc/probes.h"
#include "svc/wrapped.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SV_WINDOW 5             /* attempts in flight per lane */
#define SV_UDP_WINDOW 32        /* per UDP lane: a silent port waits every probe out */
#define SV_NULL_ANSWER_X 10     /* a silent NULL probe waits at least this x an answer's time */
#define SV_SPEC_DELAY_MS 250    /* head start of a lane's first probe before speculation */
#define SV_MAX_INFLIGHT 400     /* connections in flight, all jobs */
#define SV_RESP_MAX 65536       /* bytes kept per response */
#define SV_EARLY_MATCH_MAX 8192 /* match after each read only below this size */
#define SV_CONNECT_MS 5000
#define SV_SSL_CONNECT_MS 8000  /* connect plus TLS handshake */
#define SV_JOB_BUDGET_MS 180000 /* one service never takes longer than this */
#define SV_MAX_CAND 512
#define SV_MOD_BUDGET_MS 60000 /* native modules, all ports of one host group */

enum att_state { AT_CONNECTING, AT_TLS, AT_SENDING, AT_READING, AT_DONE };

struct job;

struct attempt {
    struct job *job;
    int lane;
    int fd;
    SSL *ssl;
    enum att_state st;
    const struct sv_probe *probe;
    uint8_t *buf;
    size_t len, cap, sent;
    uint64_t t_start, deadline;          /* ms */
    uint64_t t_probe, t_end;             /* ms: probe sent (NULL: connected), finished */
    unsigned seq;                        /* start order within the job */
    int64_t wall_connected, wall_closed; /* wall-clock us, for nmap's tcpwrapped rule */
    int closed;                          /* peer closed (EOF or RST) */
    int refused;                         /* connection refused / port unreachable */
    int tls_failed;                      /* handshake failed or stalled */
    int tls_stalled;
    int truncated; /* response cut at SV_RESP_MAX */
    int matched_early;
    int overlapped; /* an earlier connection of the job was open when this one started */
    int redo;       /* the sequential redo of an overlapped silent probe */
    enum sv_outcome oc;
    struct sv_found *found; /* when oc != SV_NOMATCH */
};

struct lane {
    int started;
    int cand[SV_MAX_CAND];
    size_t ncand;
    size_t cur, next;
    struct attempt *att[SV_MAX_CAND];
    int inflight;
    uint64_t t_start;
    char soft[SV_SERVICE_MAX];
    struct sv_found *softfound;
};

struct job {
    struct pr_addr addr;
    struct host_result *host;
    struct port_result *pr;
    uint8_t proto;
    uint16_t port;
    struct lane lane[2];
    int active;
    int done;
    uint64_t deadline;
    struct sv_found *sslfound; /* lane 0's "ssl" match */
    int any_response;
    int truncated;
    int seq_check;     /* a redo is under way: nothing else of this job in flight */
    int seq_done;      /* the one-connection question is settled */
    int sequential;    /* the service serves one connection at a time: no speculation */
    unsigned nstarted; /* attempts started, for attempt.seq */
};

struct svc_version {
    struct sv_probedb *db;
    struct cve_db *cves;
    unsigned null_wait_ms; /* svc_version_set_null_wait; 0: the NULL probe's tcpwrappedms */
};

struct engine {
    int intensity;
    unsigned null_wait_ms;
    struct pr_addr source;
    struct scan_result *r;
    const struct sv_probedb *db;
    struct sv_matcher *mt;
    SSL_CTX *ssl;
    int ep;
    int inflight;
    struct job *jobs;
    size_t njobs;
    const struct cve_db *cves;
};

static uint64_t now_ms(void)
{
    return now_us() / 1000;
}

/* ---- candidate order -------------------------------------------------------------- */

static void lane_build(const struct sv_probedb *db, struct lane *L, unsigned proto, uint16_t port,
                       int ssl, int intensity)
{
    L->ncand = 0;
    if (proto == PR_TCP && db->null_probe >= 0)
        L->cand[L->ncand++] = db->null_probe;
    char used[4096] = {0};
    for (size_t i = 0; i < db->nprobes && i < sizeof used && L->ncand < SV_MAX_CAND; i++) {
        const struct sv_probe *p = &db->probes[i];
        if (p->proto != proto || (int)i == db->null_probe)
            continue;
        int hit = ssl ? sv_in_ranges(p->sslports, p->nsslports, proto, port)
                      : sv_in_ranges(p->ports, p->nports, proto, port);
        if (hit) {
            L->cand[L->ncand++] = (int)i;
            used[i] = 1;
        }
    }
    for (size_t i = 0; i < db->nprobes && i < sizeof used && L->ncand < SV_MAX_CAND; i++) {
        const struct sv_probe *p = &db->probes[i];
        if (p->proto != proto || (int)i == db->null_probe || used[i])
            continue;
        int rarity = p->rarity ? p->rarity : 5;
        if (rarity <= intensity)
            L->cand[L->ncand++] = (int)i;
    }
}

/* ---- attempts ----------------------------------------------------------------------- */

static void att_close(struct engine *E, struct attempt *a)
{
    if (a->ssl) {
        SSL_free(a->ssl);
        a->ssl = NULL;
    }
    if (a->fd >= 0) {
        epoll_ctl(E->ep, EPOLL_CTL_DEL, a->fd, NULL);
        close(a->fd);
        a->fd = -1;
        E->inflight--;
        a->job->lane[a->lane].inflight--;
    }
}

static void att_watch(struct engine *E, struct attempt *a, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = a};
    if (epoll_ctl(E->ep, EPOLL_CTL_MOD, a->fd, &ev) < 0)
        epoll_ctl(E->ep, EPOLL_CTL_ADD, a->fd, &ev);
}

/* Ends an attempt: closes it and decides what its response matched. */
static void att_finish(struct engine *E, struct attempt *a)
{
    if (a->st == AT_DONE)
        return;
    att_close(E, a);
    a->st = AT_DONE;
    a->t_end = now_ms();
    if (!a->matched_early && a->len > 0) {
        struct sv_found f;
        a->oc = sv_match_response(E->mt, E->db, a->probe, a->buf, a->len, &f);
        if (a->oc != SV_NOMATCH) {
            a->found = pr_calloc(1, sizeof *a->found);
            *a->found = f;
        }
    }
    if (a->len > 0)
        a->job->any_response = 1;
    if (a->truncated)
        a->job->truncated = 1;
    free(a->buf);
    a->buf = NULL;
}

static struct attempt *att_start(struct engine *E, struct job *J, int lane, int probe_idx)
{
    struct attempt *a = pr_calloc(1, sizeof *a);
    a->job = J;
    a->lane = lane;
    a->fd = -1;
    a->probe = &E->db->probes[probe_idx];
    a->t_start = now_ms();
    a->seq = J->nstarted++;
    a->oc = SV_NOMATCH;
    int udp = J->proto == PR_UDP;
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(&J->addr, J->port, &ss);
    int fd =
        socket(J->addr.family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        a->st = AT_DONE;
        return a;
    }
    if (E->source.family == J->addr.family) {
        struct sockaddr_storage src;
        socklen_t srcl = addr_to_sockaddr(&E->source, 0, &src);
        (void)bind(fd, (struct sockaddr *)&src, srcl);
    }
    a->fd = fd;
    a->overlapped = J->lane[0].inflight + J->lane[1].inflight > 0;
    E->inflight++;
    J->lane[lane].inflight++;
    int rc = connect(fd, (struct sockaddr *)&ss, sl);
    if (rc < 0 && errno != EINPROGRESS) {
        a->refused = errno == ECONNREFUSED;
        att_finish(E, a);
        return a;
    }
    if (udp) {
        a->st = AT_SENDING;
        a->t_probe = a->t_start;
        a->deadline = a->t_start + a->probe->totalwaitms;
        att_watch(E, a, EPOLLOUT);
    } else {
        a->st = AT_CONNECTING;
        a->deadline = a->t_start + (lane ? SV_SSL_CONNECT_MS : SV_CONNECT_MS);
        att_watch(E, a, EPOLLOUT);
    }
    return a;
}

static void att_begin_probe(struct engine *E, struct attempt *a)
{
    a->st = AT_SENDING;
    a->sent = 0;
    a->t_probe = now_ms();
    a->deadline = a->t_probe + a->probe->totalwaitms;
    att_watch(E, a, a->probe->len ? EPOLLOUT : EPOLLIN);
    if (!a->probe->len)
        a->st = AT_READING;
}

static void att_tls_step(struct engine *E, struct attempt *a)
{
    int rc = SSL_do_handshake(a->ssl);
    if (rc == 1) {
        att_begin_probe(E, a);
        return;
    }
    int err = SSL_get_error(a->ssl, rc);
    if (err == SSL_ERROR_WANT_READ)
        att_watch(E, a, EPOLLIN);
    else if (err == SSL_ERROR_WANT_WRITE)
        att_watch(E, a, EPOLLOUT);
    else {
        ERR_clear_error();
        a->tls_failed = 1;
        att_finish(E, a);
    }
}

static void att_connected(struct engine *E, struct attempt *a)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
        a->refused = soerr == ECONNREFUSED;
        a->closed = 1;
        att_finish(E, a);
        return;
    }
    a->wall_connected = sv_wall_us();
    if (a->lane == 1) {
        a->ssl = SSL_new(E->ssl);
        if (!a->ssl || SSL_set_fd(a->ssl, a->fd) != 1) {
            a->tls_failed = 1;
            att_finish(E, a);
            return;
        }
        SSL_set_connect_state(a->ssl);
        a->st = AT_TLS;
        att_tls_step(E, a);
        return;
    }
    att_begin_probe(E, a);
}

static void att_send(struct engine *E, struct attempt *a)
{
    while (a->sent < a->probe->len) {
        size_t left = a->probe->len - a->sent;
        ssize_t n;
        if (a->ssl) {
            int w = SSL_write(a->ssl, a->probe->payload + a->sent, (int)left);
            if (w <= 0) {
                int err = SSL_get_error(a->ssl, w);
                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
                    return;
                ERR_clear_error();
                a->closed = 1;
                att_finish(E, a);
                return;
            }
            n = w;
        } else {
            n = send(a->fd, a->probe->payload + a->sent, left, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    return;
                a->refused = errno == ECONNREFUSED;
                a->closed = 1;
                att_finish(E, a);
                return;
            }
        }
        a->sent += (size_t)n;
    }
    a->st = AT_READING;
    att_watch(E, a, EPOLLIN);
}

static void att_got(struct attempt *a, const uint8_t *d, size_t n)
{
    if (a->len + n > SV_RESP_MAX) {
        n = SV_RESP_MAX - a->len;
        a->truncated = 1;
    }
    if (a->len + n > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + n)
            cap *= 2;
        if (cap > SV_RESP_MAX)
            cap = SV_RESP_MAX;
        a->buf = pr_reallocarray(a->buf, cap, 1);
        a->cap = cap;
    }
    memcpy(a->buf + a->len, d, n);
    a->len += n;
}

/* An answer on a while a connection of its job that started earlier is still open: the
 * service serves connections at the same time, so the one-connection-at-a-time question
 * (seq_redo) is settled. */
static void seq_concurrent(struct job *J, const struct attempt *a)
{
    if (J->seq_done || J->seq_check || J->proto != PR_TCP)
        return;
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < J->lane[l].ncand; i++) {
            const struct attempt *b = J->lane[l].att[i];
            /* b connected (accepted) before a, and is still open: a connection still
             * being made proves nothing (the server may take a first) */
            if (b && b != a && b->fd >= 0 && b->st != AT_DONE && b->seq < a->seq &&
                b->wall_connected && b->wall_connected <= a->wall_connected && !b->closed) {
                J->seq_done = 1;
                return;
            }
        }
}

static void att_read(struct engine *E, struct attempt *a)
{
    uint8_t tmp[16384];
    int got = 0;
    size_t had = a->len;
    for (int rounds = 0; rounds < 8 && !a->truncated; rounds++) {
        ssize_t n;
        if (a->ssl) {
            int r = SSL_read(a->ssl, tmp, sizeof tmp);
            if (r <= 0) {
                int err = SSL_get_error(a->ssl, r);
                if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
                    break;
                ERR_clear_error();
                a->closed = 1;
                break;
            }
            n = r;
        } else {
            n = recv(a->fd, tmp, sizeof tmp, 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                a->refused = errno == ECONNREFUSED;
                a->closed = 1;
                break;
            }
            if (n == 0 && a->job->proto == PR_TCP) {
                a->closed = 1;
                break;
            }
        }
        att_got(a, tmp, (size_t)n);
        got = 1;
    }
    if (!had && a->len)
        seq_concurrent(a->job, a);
    if (a->closed && !a->wall_closed)
        a->wall_closed = sv_wall_us();
    if (a->closed || a->truncated) {
        att_finish(E, a);
        return;
    }
    if (got && a->len <= SV_EARLY_MATCH_MAX) {
        struct sv_found f;
        if (sv_match_response(E->mt, E->db, a->probe, a->buf, a->len, &f) == SV_HARD) {
            a->oc = SV_HARD;
            a->found = pr_calloc(1, sizeof *a->found);
            *a->found = f;
            a->matched_early = 1;
            att_finish(E, a);
        }
    }
}

static void att_event(struct engine *E, struct attempt *a, uint32_t ev)
{
    if (a->st == AT_DONE || a->fd < 0)
        return;
    switch (a->st) {
    case AT_CONNECTING:
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            att_connected(E, a);
        break;
    case AT_TLS:
        att_tls_step(E, a);
        break;
    case AT_SENDING:
        if (ev & (EPOLLERR | EPOLLHUP) && !(ev & EPOLLIN)) {
            a->closed = 1;
            a->wall_closed = sv_wall_us();
            att_finish(E, a);
        } else {
            att_send(E, a);
        }
        break;
    case AT_READING:
        att_read(E, a);
        break;
    case AT_DONE:
        break;
    }
}

static void att_timeout(struct engine *E, struct attempt *a)
{
    if (a->st == AT_TLS || (a->st == AT_CONNECTING && a->lane == 1)) {
        a->tls_failed = 1;
        a->tls_stalled = 1;
    }
    att_finish(E, a);
}

/* ---- jobs ----------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s && *s ? pr_strdup(s) : NULL;
}

static void job_cancel_all(struct engine *E, struct job *J)
{
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < J->lane[l].ncand; i++) {
            struct attempt *a = J->lane[l].att[i];
            if (a && a->st != AT_DONE) {
                att_close(E, a);
                a->st = AT_DONE;
                free(a->buf);
                a->buf = NULL;
            }
        }
}

static void set_note(struct svc_info *si, const char *note)
{
    if (!si->note && note)
        si->note = pr_strdup(note);
}

/* The job's answer. found: the decisive match (NULL: none); how: 'h' hard, 's' soft,
 * 'w' tcpwrapped, 'n' nothing matched, 'r' refused. */
static void job_final(struct engine *E, struct job *J, const struct sv_found *found, char how,
                      int tunnel, const char *note)
{
    if (J->done)
        return;
    J->done = 1;
    job_cancel_all(E, J);
    if (how == 'r')
        return;
    if (how == 'n' && !J->any_response && J->proto == PR_UDP)
        return; /* silent UDP port: nothing learnt, like nmap */
    struct svc_info *si = pr_calloc(1, sizeof *si);
    if (J->proto == PR_UDP && J->any_response && J->pr->state == PS_OPEN_FILTERED) {
        J->pr->state = PS_OPEN;
        J->pr->reason = RS_UDP_RESPONSE;
    }
    if (how == 'w') {
        si->name = pr_strdup("tcpwrapped");
        si->probed = 1;
        si->answered = 1;
        si->conf = 8;
    } else if (found) {
        const char *svc = found->service;
        if (!strncmp(svc, "ssl/", 4)) {
            tunnel = 1;
            svc += 4;
        }
        si->name = pr_strdup(svc);
        si->product = dup_or_null(found->field[SVF_PRODUCT]);
        si->version = dup_or_null(found->field[SVF_VERSION]);
        si->extrainfo = dup_or_null(found->field[SVF_INFO]);
        si->hostname = dup_or_null(found->field[SVF_HOST]);
        si->ostype = dup_or_null(found->field[SVF_OS]);
        si->devicetype = dup_or_null(found->field[SVF_DEVICE]);
        /* Like nmap: one CPE per part (a, h, o), the last one of each wins. */
        static const char parts[] = "aho";
        const char *bypart[3] = {NULL, NULL, NULL};
        for (size_t i = 0; i < found->ncpe; i++) {
            const char *c = strchr(parts, found->cpe[i][5]);
            if (c && found->cpe[i][5])
                bypart[c - parts] = found->cpe[i];
        }
        for (int k = 0; k < 3; k++)
            if (bypart[k])
                si->cpes[si->ncpes++] = pr_strdup(bypart[k]);
        si->probed = 1;
        si->answered = 1;
        si->conf = 10;
        si->tunnel_ssl = tunnel;
    } else {
        const char *t = E->r->svc ? svc_name(E->r->svc, (enum pr_proto)J->proto, J->port) : NULL;
        si->name = pr_strdup(t ? t : "unknown");
        si->probed = 0;
        si->conf = 3;
        si->tunnel_ssl = tunnel;
        si->answered = J->any_response;
        if (J->any_response && !note)
            note = J->truncated ? "endless response: cut at 65536 bytes, no match"
                                : "responses match no probe line";
    }
    if (J->truncated && !note)
        note = "endless response: cut at 65536 bytes";
    set_note(si, note);
    svc_info_free(J->pr->svc);
    J->pr->svc = si;
}

static int can_try(const struct engine *E, const struct lane *L, int probe_idx)
{
    if (!L->soft[0])
        return 1;
    return sv_probe_can_name(E->db, &E->db->probes[probe_idx], L->soft);
}

static void lane_start(struct engine *E, struct job *J, int l)
{
    struct lane *L = &J->lane[l];
    if (L->started)
        return;
    L->started = 1;
    L->t_start = now_ms();
    lane_build(E->db, L, J->proto, J->port, l == 1, E->intensity);
}

static void lane_launch(struct engine *E, struct job *J, int l, uint64_t now)
{
    struct lane *L = &J->lane[l];
    if (!L->started || (J->seq_check && l != J->active))
        return;
    if (L->next < L->cur)
        L->next = L->cur;
    int window = J->sequential || J->seq_check ? 1 : J->proto == PR_UDP ? SV_UDP_WINDOW : SV_WINDOW;
    while (L->next < L->ncand && L->inflight < window && E->inflight < SV_MAX_INFLIGHT) {
        /* Speculation waits until the lane's first probe had a head start (banners). */
        if (L->next > L->cur && now < L->t_start + SV_SPEC_DELAY_MS)
            break;
        int idx = L->cand[L->next];
        if (L->att[L->next] || !can_try(E, L, idx)) {
            L->next++;
            continue;
        }
        L->att[L->next] = att_start(E, J, l, idx);
        L->att[L->next]->redo = J->seq_check && L->next == L->cur;
        L->next++;
    }
}

/* The one-connection-at-a-time check, for the attempt a at L->cur (finished). An
 * overlapped attempt that got nothing (no byte, not refused) is redone alone: every other
 * connection of the job is closed and its probes will be sent again later. When the redo
 * finishes, an answer makes the job sequential for good; silence settles it the other
 * way. Returns 1 when a redo was started (a is gone), else 0. */
static int seq_redo(struct engine *E, struct job *J, struct lane *L, struct attempt *a)
{
    if (a->redo) {
        J->seq_check = 0;
        J->seq_done = 1;
        J->sequential = a->len > 0;
        return 0;
    }
    if (J->seq_done || !a->overlapped || a->len > 0 || a->refused || a->tls_failed)
        return 0;
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < J->lane[l].ncand; i++) {
            struct attempt *b = J->lane[l].att[i];
            if (!b || b == a || b->st == AT_DONE)
                continue;
            att_close(E, b);
            free(b->buf);
            free(b->found);
            free(b);
            J->lane[l].att[i] = NULL;
            if (J->lane[l].next > i)
                J->lane[l].next = i;
        }
    free(a->found);
    free(a);
    L->att[L->cur] = NULL;
    L->next = L->cur;
    J->seq_check = 1;
    return 1;
}

/* The NULL probe's wait, shortened once the answer can no longer change: while lane l's
 * NULL connection is still silent, another probe of the lane got a complete answer that
 * matches (a hard match, or a softmatch the server closed the connection after): the
 * service is up, answers at once and serves connections at the same time. A banner service
 * sends its banner when it accepts a connection, so the NULL probe then waits
 * max(null_wait, SV_NULL_ANSWER_X x that answer's time) instead of its totalwaitms.
 * null_wait defaults to the NULL probe's tcpwrappedms, so nmap's tcpwrapped verdict (a
 * close before it) is never cut off. docs/svc.md, "Timing". */
static void null_settle(const struct engine *E, struct job *J, int l)
{
    struct lane *L = &J->lane[l];
    if (J->proto != PR_TCP || !L->ncand || L->cand[0] != E->db->null_probe)
        return;
    struct attempt *a = L->att[0];
    if (!a || a->st != AT_READING || a->len)
        return;
    uint64_t best = UINT64_MAX;
    for (size_t i = 1; i < L->ncand; i++) {
        const struct attempt *b = L->att[i];
        int complete = b && b->st == AT_DONE && b->len &&
                       (b->oc == SV_HARD || (b->oc == SV_SOFT && b->closed));
        if (complete && b->t_end - b->t_probe < best)
            best = b->t_end - b->t_probe;
    }
    if (best == UINT64_MAX)
        return;
    uint64_t wait = E->null_wait_ms ? E->null_wait_ms : a->probe->tcpwrappedms;
    if (best * SV_NULL_ANSWER_X > wait)
        wait = best * SV_NULL_ANSWER_X;
    if (a->t_probe + wait < a->deadline)
        a->deadline = a->t_probe + wait;
}

/* Consumes finished attempts of the active lane in probe order. */
static void job_advance(struct engine *E, struct job *J, uint64_t now)
{
    if (J->done)
        return;
    if (now >= J->deadline) {
        struct lane *L = &J->lane[J->active];
        job_final(E, J, L->softfound, L->softfound ? 's' : 'n', J->active,
                  "version detection stopped: per-service time limit");
        return;
    }
    /* Speculative TLS: any finished lane-0 attempt that found TLS starts lane 1. */
    if (J->proto == PR_TCP && !J->lane[1].started) {
        struct lane *L0 = &J->lane[0];
        for (size_t i = 0; i < L0->ncand; i++) {
            struct attempt *a = L0->att[i];
            if (a && a->st == AT_DONE && a->oc == SV_HARD && a->found &&
                !strcmp(a->found->service, "ssl")) {
                lane_start(E, J, 1);
                break;
            }
        }
    }
    for (int l = 0; l < 2; l++)
        null_settle(E, J, l);
    for (;;) {
        struct lane *L = &J->lane[J->active];
        while (L->cur < L->ncand) {
            int idx = L->cand[L->cur];
            struct attempt *a = L->att[L->cur];
            if (!can_try(E, L, idx)) {
                if (a && a->st != AT_DONE)
                    att_finish(E, a);
                L->cur++;
                continue;
            }
            if (!a || a->st != AT_DONE)
                break;
            if (J->proto == PR_TCP && seq_redo(E, J, L, a))
                break;
            if (a->refused && J->proto == PR_TCP) {
                job_final(E, J, NULL, 'r', 0, NULL);
                return;
            }
            if (J->active == 1 && a->tls_failed) {
                job_final(E, J, J->sslfound, 'h', 0,
                          a->tls_stalled ? "TLS handshake stalled" : "TLS handshake failed");
                return;
            }
            if (J->active == 0 && L->cur == 0 && J->proto == PR_TCP && a->closed &&
                sv_is_tcpwrapped(a->wall_connected, a->wall_closed, a->len,
                                 a->probe->tcpwrappedms)) {
                job_final(E, J, NULL, 'w', 0, NULL);
                return;
            }
            if (a->oc == SV_HARD) {
                if (J->active == 0 && J->proto == PR_TCP && !strcmp(a->found->service, "ssl")) {
                    J->sslfound = a->found;
                    J->active = 1;
                    lane_start(E, J, 1);
                    for (size_t i = 0; i < L->ncand; i++)
                        if (L->att[i] && L->att[i]->st != AT_DONE)
                            att_finish(E, L->att[i]);
                    goto next_lane;
                }
                job_final(E, J, a->found, 'h', J->active, NULL);
                return;
            }
            if (a->oc == SV_SOFT && !L->soft[0] && a->found) {
                snprintf(L->soft, sizeof L->soft, "%s", a->found->service);
                L->softfound = a->found;
            }
            L->cur++;
        }
        if (L->cur >= L->ncand) {
            if (J->active == 1 && !L->softfound)
                job_final(E, J, J->sslfound, 'h', 0, NULL);
            else
                job_final(E, J, L->softfound, L->softfound ? 's' : 'n', J->active, NULL);
            return;
        }
        break;
    next_lane:;
    }
    for (int l = 0; l < 2; l++)
        if (l == J->active || (l == 1 && J->active == 0))
            lane_launch(E, J, l, now);
}

/* ---- driver --------------------------------------------------------------------- */

static void engine_free(struct engine *E)
{
    for (size_t j = 0; j < E->njobs; j++) {
        struct job *J = &E->jobs[j];
        for (int l = 0; l < 2; l++)
            for (size_t i = 0; i < J->lane[l].ncand; i++) {
                struct attempt *a = J->lane[l].att[i];
                if (!a)
                    continue;
                att_close(E, a);
                free(a->buf);
                free(a->found);
                free(a);
            }
    }
    free(E->jobs);
    if (E->ep >= 0)
        close(E->ep);
    SSL_CTX_free(E->ssl);
    sv_matcher_free(E->mt);
}

static int wanted(const struct sv_probedb *db, const struct port_result *p)
{
    if (p->svc) /* an earlier host group's port, already probed */
        return 0;
    if (p->proto == PR_TCP && p->state != PS_OPEN)
        return 0;
    if (p->proto == PR_UDP && p->state != PS_OPEN && p->state != PS_OPEN_FILTERED)
        return 0;
    if (p->proto != PR_TCP && p->proto != PR_UDP)
        return 0;
    return !sv_in_ranges(db->exclude, db->nexclude, p->proto, p->port);
}

struct svc_version *svc_version_open(const char *versiondb, const struct svc_cve_files *cf,
                                     struct pr_error *e)
{
    struct svc_version *sv = pr_calloc(1, sizeof *sv);
    sv->db = sv_probes_load(versiondb, 0, e);
    int ok = sv->db != NULL;
    if (ok && cf && cf->nfeeds)
        ok = (sv->cves = cve_load(cf->feeds, cf->nfeeds, e)) != NULL;
    if (ok && cf && cf->cpedict) {
        struct cpedict *d = cpedict_load(cf->cpedict, e);
        if ((ok = d != NULL))
            cve_set_aliases(sv->cves, d);
    }
    if (ok && cf && cf->distro) {
        struct distfeed *f = distfeed_load(cf->distro, e);
        if ((ok = f != NULL))
            cve_set_distro(sv->cves, f);
    }
    if (!ok) {
        svc_version_close(sv);
        return NULL;
    }
    return sv;
}

void svc_version_os_cves(const struct svc_version *sv, struct host_result *h)
{
    if (!sv || !sv->cves || !h->os || !h->os->nmatches)
        return;
    const char *os[OS_MAX_CLASSES * OS_MAX_CLASS_CPES];
    size_t n = 0;
    for (size_t m = 0; m < h->os->nmatches && m < OS_MAX_MATCHES; m++) {
        const struct os_match_result *om = &h->os->matches[m];
        if (om->accuracy < h->os->matches[0].accuracy)
            continue;
        for (size_t c = 0; c < om->nclasses; c++)
            for (size_t k = 0; k < om->classes[c].ncpes && k < OS_MAX_CLASS_CPES; k++)
                if (n < sizeof os / sizeof os[0])
                    os[n++] = om->classes[c].cpes[k];
    }
    for (size_t p = 0; n && p < h->nports; p++)
        if (h->ports[p].svc)
            cve_lookup_on(sv->cves, h->ports[p].svc, os, n);
}

void svc_version_set_null_wait(struct svc_version *sv, unsigned ms)
{
    sv->null_wait_ms = ms;
}

void svc_version_close(struct svc_version *sv)
{
    if (!sv)
        return;
    sv_probes_free(sv->db);
    cve_free(sv->cves);
    free(sv);
}

int svc_version_run(const struct svc_version *sv, int intensity, const struct pr_addr *source,
                    struct scan_result *r, volatile sig_atomic_t *stop, struct pr_error *e)
{
    if (!sv)
        return pr_errf(e, "service detection: the probe file was not loaded");
    struct engine E = {.intensity = intensity,
                       .null_wait_ms = sv->null_wait_ms,
                       .source = *source,
                       .r = r,
                       .ep = -1,
                       .db = sv->db,
                       .cves = sv->cves};
    int rc = -1;
    /* OpenSSL writes with write(2): a TLS peer that closed (during the handshake, or after
     * it, before a probe) must not end the scan with SIGPIPE. Blocked for the whole -sV
     * phase (the modules' sessions included); any SIGPIPE raised is taken back at the end. */
    sigset_t pipe_set, old_mask;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    E.mt = sv_matcher_new();
    E.ssl = sv_tls_client_ctx();
    E.ep = epoll_create1(EPOLL_CLOEXEC);
    if (!E.mt || !E.ssl || E.ep < 0) {
        pr_errf(e, "service detection: cannot set up (matcher, TLS or epoll)");
        goto out;
    }

    size_t n = 0;
    for (size_t h = 0; h < r->nhosts; h++)
        for (size_t p = 0; r->hosts[h].up && p < r->hosts[h].nports; p++)
            n += wanted(E.db, &r->hosts[h].ports[p]);
    E.jobs = pr_calloc(n ? n : 1, sizeof *E.jobs);
    uint64_t t0 = now_ms();
    for (size_t h = 0; h < r->nhosts; h++)
        for (size_t p = 0; r->hosts[h].up && p < r->hosts[h].nports; p++) {
            struct port_result *pr = &r->hosts[h].ports[p];
            if (!wanted(E.db, pr))
                continue;
            struct job *J = &E.jobs[E.njobs++];
            J->addr = r->hosts[h].addr;
            J->host = &r->hosts[h];
            J->pr = pr;
            J->proto = pr->proto;
            J->port = pr->port;
            J->deadline = t0 + SV_JOB_BUDGET_MS;
            lane_start(&E, J, 0);
            if (J->lane[0].ncand == 0)
                J->done = 1;
        }

    struct epoll_event evs[64];
    for (;;) {
        uint64_t now = now_ms();
        size_t open = 0;
        uint64_t next = now + 1000;
        for (size_t j = 0; j < E.njobs; j++) {
            struct job *J = &E.jobs[j];
            if (J->done)
                continue;
            for (int l = 0; l < 2; l++)
                for (size_t i = 0; i < J->lane[l].ncand; i++) {
                    struct attempt *a = J->lane[l].att[i];
                    if (a && a->st != AT_DONE && now >= a->deadline)
                        att_timeout(&E, a);
                }
            job_advance(&E, J, now);
            if (J->done)
                continue;
            open++;
            for (int l = 0; l < 2; l++)
                for (size_t i = 0; i < J->lane[l].ncand; i++) {
                    struct attempt *a = J->lane[l].att[i];
                    if (a && a->st != AT_DONE && a->deadline < next)
                        next = a->deadline;
                }
            if (J->lane[0].t_start + SV_SPEC_DELAY_MS < next &&
                now < J->lane[0].t_start + SV_SPEC_DELAY_MS)
                next = J->lane[0].t_start + SV_SPEC_DELAY_MS;
            if (J->deadline < next)
                next = J->deadline;
        }
        if (!open || (stop && *stop))
            break;
        int wait = next > now ? (int)(next - now) : 0;
        if (wait > 200)
            wait = 200; /* poll `stop` often */
        int k = epoll_wait(E.ep, evs, (int)(sizeof evs / sizeof evs[0]), wait);
        if (k < 0 && errno != EINTR) {
            pr_errf(e, "service detection: epoll_wait: %s", strerror(errno));
            goto out;
        }
        for (int i = 0; i < k; i++)
            att_event(&E, (struct attempt *)evs[i].data.ptr, evs[i].events);
    }
    /* Stopped early: keep what is known. */
    for (size_t j = 0; j < E.njobs; j++) {
        struct job *J = &E.jobs[j];
        if (!J->done) {
            struct lane *L = &J->lane[J->active];
            job_final(&E, J, L->softfound, L->softfound ? 's' : 'n', J->active,
                      "version detection interrupted");
        }
    }
    /* After the probe match, where nmap runs its version scripts: the native modules,
     * then the CVEs of the final answers. */
    uint64_t mod_end = now_ms() + SV_MOD_BUDGET_MS;
    for (size_t j = 0; j < E.njobs && !(stop && *stop) && now_ms() < mod_end; j++)
        sv_modules_port(E.jobs[j].host, E.jobs[j].pr, &E.source);
    for (size_t j = 0; E.cves && j < E.njobs; j++)
        if (E.jobs[j].pr->svc)
            cve_lookup(E.cves, E.jobs[j].pr->svc);
    rc = 0;
out:
    engine_free(&E);
    if (!sigismember(&old_mask, SIGPIPE)) {
        const struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return rc;
}
