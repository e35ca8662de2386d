/* blockhelper.c — see blockhelper.h. */
#include "detect/blockhelper.h"

#include "core/clock.h"
#include "core/privs.h"
#include "core/sandbox.h"
#include "detect/blocknft.h"

#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- requests */

int blk_req_parse(const char *msg, size_t len, uint32_t max_seconds, struct blk_req *out,
                  struct pr_error *e)
{
    char buf[BLK_REQ_MAX + 1];
    if (len > 0 && msg[len - 1] == '\n')
        len--;
    if (len == 0)
        return pr_errf(e, "empty request");
    if (len > BLK_REQ_MAX)
        return pr_errf(e, "request longer than %d bytes", BLK_REQ_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
            return pr_errf(e, "request: unexpected byte 0x%02x at column %zu",
                           (unsigned char)msg[i], i + 1);
    memcpy(buf, msg, len);
    buf[len] = 0;
    memset(out, 0, sizeof *out);
    const char *arg;
    if (strncmp(buf, "block ", 6) == 0) {
        out->kind = BLK_REQ_BLOCK;
        arg = buf + 6;
    } else if (strncmp(buf, "unblock ", 8) == 0) {
        out->kind = BLK_REQ_UNBLOCK;
        arg = buf + 8;
    } else {
        return pr_errf(e, "request: unknown verb at column 1 (want block or unblock)");
    }
    size_t col = (size_t)(arg - buf) + 1;
    size_t alen = strcspn(arg, " ");
    char as[PR_ADDRSTRLEN];
    if (alen == 0 || alen >= sizeof as)
        return pr_errf(e, "request: address expected at column %zu", col);
    memcpy(as, arg, alen);
    as[alen] = 0;
    if (addr_parse(as, &out->addr) < 0)
        return pr_errf(e, "request: '%s' is not an IP address at column %zu", as, col);
    const char *rest = arg + alen;
    if (out->kind == BLK_REQ_UNBLOCK) {
        if (*rest)
            return pr_errf(e, "request: unexpected text at column %zu", col + alen);
        return 0;
    }
    if (*rest != ' ' || !rest[1])
        return pr_errf(e, "request: seconds expected at column %zu", col + alen + 1);
    rest++;
    size_t scol = (size_t)(rest - buf) + 1;
    uint64_t v = 0;
    for (const char *q = rest; *q; q++) {
        if (*q < '0' || *q > '9')
            return pr_errf(e, "request: bad seconds at column %zu", scol + (size_t)(q - rest));
        v = v * 10 + (uint64_t)(*q - '0');
        if (v > max_seconds)
            return pr_errf(e, "request: seconds beyond %u at column %zu", max_seconds, scol);
    }
    if (v == 0)
        return pr_errf(e, "request: seconds must be at least 1 at column %zu", scol);
    out->seconds = (uint32_t)v;
    return 0;
}

const char *blk_helper_check(const struct blk_helper_cfg *c, struct blk_rate *rate,
                             const struct blk_req *r, uint64_t now_us)
{
    if (r->kind != BLK_REQ_BLOCK)
        return NULL;
    const char *why = blk_protected(&c->policy, &r->addr);
    if (why)
        return why;
    if (!blk_rate_take(rate, now_us))
        return "the cap of new blocks per minute is reached";
    return NULL;
}

/* ---------------------------------------------------------------- the helper process */

static void reply(int fd, const char *word, const char *why)
{
    char buf[600];
    int n = snprintf(buf, sizeof buf, "%s%s%s", word, why ? " " : "", why ? why : "");
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    (void)send(fd, buf, (size_t)n, MSG_NOSIGNAL);
}

/* A block request that passed the policy: already blocked (the time left is kept), or
 * a new block for as long as the offence count in nftables says. */
static void do_block(int fd, const struct blk_helper_cfg *c, struct blk_rate *rate,
                     struct blk_nft *nft, const struct blk_req *r)
{
    struct pr_error e = {""};
    uint32_t left = 0, remembered = 0, count = 0, unused;
    int found = blk_nft_lookup(nft, BLK_NFT_BLOCKS, &r->addr, &left, &unused, &e);
    if (found < 0 || blk_nft_lookup(nft, BLK_NFT_OFFENCES, &r->addr, &remembered, &count, &e) < 0) {
        reply(fd, "err", e.msg);
        return;
    }
    char ans[64];
    if (found && left > 0) {
        snprintf(ans, sizeof ans, "%u %u", left, count ? count : 1);
        reply(fd, "ok", ans);
        return;
    }
    const char *why = blk_helper_check(c, rate, r, now_us());
    if (why) {
        reply(fd, "err", why);
        return;
    }
    count = count < 1000000 ? count + 1 : count;
    uint32_t secs = blk_repeat_seconds(r->seconds, c->max_seconds_cap, count);
    if (blk_nft_add(nft, &r->addr, secs, count, &e) < 0) {
        reply(fd, "err", e.msg);
        return;
    }
    snprintf(ans, sizeof ans, "%u %u", secs, count);
    reply(fd, "ok", ans);
}

static void serve(int fd, const struct blk_helper_cfg *c, struct blk_nft *nft)
{
    struct blk_rate rate;
    blk_rate_init(&rate, c->max_per_min);
    char buf[BLK_REQ_MAX + 2];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the detector has gone */
        struct pr_error e = {""};
        struct blk_req r;
        if ((size_t)n > BLK_REQ_MAX + 1 ||
            blk_req_parse(buf, (size_t)n, c->max_seconds, &r, &e) < 0) {
            reply(fd, "err", (size_t)n > BLK_REQ_MAX + 1 ? "request too long" : e.msg);
            continue;
        }
        if (r.kind == BLK_REQ_BLOCK) {
            const char *why = blk_protected(&c->policy, &r.addr);
            if (why)
                reply(fd, "err", why);
            else
                do_block(fd, c, &rate, nft, &r);
            continue;
        }
        int rc = blk_nft_del(nft, &r.addr, &e);
        reply(fd, rc < 0 ? "err" : "ok", rc < 0 ? e.msg : NULL);
    }
    blk_rate_free(&rate);
}

static void helper_main(int fd, const struct blk_helper_cfg *c)
{
    signal(SIGINT, SIG_IGN); /* the detector's Ctrl-C: clean up when it closes the socket */
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_NAME, "portreeve-nft", 0, 0, 0);
    if (fd != 3) {
        if (dup2(fd, 3) < 0)
            _exit(1);
        fd = 3;
    }
    close_range(4, ~0u, 0); /* the capture, the log files, the metrics socket */
    struct pr_error e = {""};
    static const int keep[] = {CAP_NET_ADMIN, -1};
    if (privs_drop(keep, &e) < 0) {
        reply(fd, "err", e.msg);
        _exit(1);
    }
    struct blk_nft *nft = blk_nft_open(&e);
    if (!nft || blk_nft_setup(nft, &e) < 0) {
        reply(fd, "err", e.msg);
        _exit(1);
    }
    int kept = blk_nft_list(nft, NULL, &e);
    if (kept < 0) {
        reply(fd, "err", e.msg);
        _exit(1);
    }
    if (sbx_install(SBX_NFT, &e) < 0) {
        reply(fd, "err", e.msg);
        _exit(1);
    }
    char n[16];
    snprintf(n, sizeof n, "%d", kept);
    reply(fd, "ready", n);
    serve(fd, c, nft);
    int rc = 0;
    if (c->flush_on_exit && blk_nft_teardown(nft, &e) < 0) {
        fprintf(stderr, "portreeve detect: removing the blocks: %s\n", e.msg);
        rc = 1;
    }
    blk_nft_close(nft);
    _exit(rc);
}

/* Waits at most ms for one datagram; returns its length, or -1 with e filled. */
static ssize_t recv_wait(int fd, char *buf, size_t len, int ms, struct pr_error *e)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return pr_errf(e, "the nftables helper did not answer within %d ms", ms);
    if (r < 0)
        return pr_errf(e, "waiting for the nftables helper: %s", strerror(errno));
    ssize_t n;
    do
        n = recv(fd, buf, len - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return pr_errf(e, "the nftables helper has exited");
    buf[n] = 0;
    return n;
}

int blk_helper_start(const struct blk_helper_cfg *c, struct blk_helper *h, struct pr_error *e)
{
    int sv[2];
    h->pid = -1;
    h->fd = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return pr_errf(e, "socketpair: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return pr_errf(e, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        helper_main(sv[1], c);
        _exit(1);
    }
    close(sv[1]);
    h->pid = pid;
    h->fd = sv[0];
    char buf[700];
    if (recv_wait(h->fd, buf, sizeof buf, 10000, e) < 0) {
        blk_helper_stop(h);
        return -1;
    }
    char *end = NULL;
    unsigned long kept = strncmp(buf, "ready ", 6) == 0 ? strtoul(buf + 6, &end, 10) : 0;
    if (!end || *end || end == buf + 6) {
        pr_errf(e, "%s", strncmp(buf, "err ", 4) == 0 ? buf + 4 : buf);
        blk_helper_stop(h);
        return -1;
    }
    h->kept = (uint32_t)kept;
    return 0;
}

int blk_helper_call(struct blk_helper *h, const char *req, char *ans, size_t anslen,
                    struct pr_error *e)
{
    if (h->fd < 0)
        return pr_errf(e, "the nftables helper is not running");
    if (send(h->fd, req, strlen(req), MSG_NOSIGNAL) < 0)
        return pr_errf(e, "the nftables helper: %s", strerror(errno));
    char buf[700];
    if (recv_wait(h->fd, buf, sizeof buf, 2000, e) < 0)
        return -1;
    if (strcmp(buf, "ok") == 0 || strncmp(buf, "ok ", 3) == 0) {
        if (anslen)
            snprintf(ans, anslen, "%s", buf[2] ? buf + 3 : "");
        return 0;
    }
    return pr_errf(e, "%s", strncmp(buf, "err ", 4) == 0 ? buf + 4 : buf);
}

void blk_helper_stop(struct blk_helper *h)
{
    if (h->fd >= 0)
        close(h->fd);
    h->fd = -1;
    if (h->pid <= 0)
        return;
    for (int i = 0; i < 500; i++) { /* 5 s for the table to be removed */
        int st;
        pid_t r = waitpid(h->pid, &st, WNOHANG);
        if (r == h->pid || (r < 0 && errno != EINTR)) {
            h->pid = -1;
            return;
        }
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    kill(h->pid, SIGKILL);
    waitpid(h->pid, NULL, 0);
    h->pid = -1;
}
