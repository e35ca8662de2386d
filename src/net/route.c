/* route.c — see route.h. */
#include "net/route.h"

#include "net/fibcells.h"
#include "net/netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* One request: header, rtmsg and one RTA_DST attribute of up to 16 bytes. */
struct route_req {
    struct nlmsghdr nh;
    struct rtmsg rt;
    struct rtattr dst_attr;
    uint8_t dst[16];
};

static void copy_addr(struct pr_addr *a, int family, const void *p, size_t len)
{
    memset(a, 0, sizeof *a);
    a->family = (uint8_t)family;
    memcpy(a->a, p, len);
}

int route_parse(const uint8_t *buf, size_t len, uint32_t base, const struct pr_addr *dst, size_t n,
                struct route_answer *out, uint8_t *answered)
{
    int filled = 0, rc;
    size_t off = 0, plen;
    struct nlmsghdr nh;
    const uint8_t *body;
    while ((rc = nl_next(buf, len, &off, &nh, &body, &plen)) > 0) {
        uint64_t k = (uint64_t)nh.nlmsg_seq - base;
        if (nh.nlmsg_seq <= base || k > n || answered[k - 1])
            continue; /* not one of ours, or already answered */
        k--;
        struct route_answer *a = &out[k];
        if (nh.nlmsg_type == NLMSG_ERROR) {
            int err = nl_errno(body, plen);
            if (err < 0)
                return -1;
            if (err == 0)
                continue; /* an acknowledgement: the answer comes separately */
            memset(a, 0, sizeof *a);
            a->err = err;
        } else if (nh.nlmsg_type == RTM_NEWROUTE) {
            struct rtmsg rt;
            if (plen < sizeof rt)
                return -1;
            memcpy(&rt, body, sizeof rt);
            size_t alen = rt.rtm_family == AF_INET6 ? 16 : rt.rtm_family == AF_INET ? 4 : 0;
            if (!alen || rt.rtm_family != dst[k].family)
                return -1;
            memset(a, 0, sizeof *a);
            a->nexthop = dst[k];
            a->type = rt.rtm_type;
            int have_src = 0, arc;
            size_t aoff = NLMSG_ALIGN(sizeof rt), vlen;
            uint16_t type;
            const uint8_t *val;
            while ((arc = rta_next(body, plen, &aoff, &type, &val, &vlen)) > 0) {
                if (type == RTA_PREFSRC && vlen == alen) {
                    copy_addr(&a->src, rt.rtm_family, val, alen);
                    have_src = 1;
                } else if (type == RTA_GATEWAY && vlen == alen) {
                    copy_addr(&a->nexthop, rt.rtm_family, val, alen);
                    a->via_gateway = 1;
                } else if (type == RTA_OIF && vlen == 4) {
                    uint32_t oif;
                    memcpy(&oif, val, 4);
                    a->oif = (int)oif;
                }
            }
            if (arc < 0)
                return -1;
            if (!have_src)
                a->err = EADDRNOTAVAIL; /* the kernel named no source: no usable route */
        } else {
            continue;
        }
        answered[k] = 1;
        filled++;
    }
    return rc < 0 ? -1 : filled;
}

/* Sends one batch of requests (sequence numbers base+1..base+n) and collects the answers. */
static int lookup_batch(struct nl_sock *s, uint32_t base, const struct pr_addr *dst, size_t n,
                        struct route_answer *out, struct pr_error *e)
{
    struct route_req req[ROUTE_BATCH];
    uint8_t answered[ROUTE_BATCH] = {0};
    memset(req, 0, sizeof req);
    struct iovec iov[ROUTE_BATCH];
    for (size_t i = 0; i < n; i++) {
        size_t alen = dst[i].family == AF_INET6 ? 16 : 4;
        struct route_req *r = &req[i];
        r->nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof r->rt) + RTA_LENGTH(alen));
        r->nh.nlmsg_type = RTM_GETROUTE;
        r->nh.nlmsg_flags = NLM_F_REQUEST;
        r->nh.nlmsg_seq = base + (uint32_t)i + 1;
        r->rt.rtm_family = dst[i].family;
        r->rt.rtm_dst_len = (unsigned char)(alen * 8);
        r->dst_attr.rta_len = (unsigned short)RTA_LENGTH(alen);
        r->dst_attr.rta_type = RTA_DST;
        memcpy(r->dst, dst[i].a, alen);
        out[i] = (struct route_answer){.err = ETIMEDOUT};
        iov[i] = (struct iovec){r, NLMSG_ALIGN(r->nh.nlmsg_len)};
    }
    /* one datagram: the iovecs are concatenated, and the kernel answers each message */
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct msghdr mh = {
        .msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = iov, .msg_iovlen = n};
    if (sendmsg(s->fd, &mh, 0) < 0)
        return pr_errf(e, "rtnetlink route lookup: %s", strerror(errno));
    for (size_t got = 0; got < n;) {
        ssize_t len = nl_recv(s, e);
        if (len < 0 && errno == ENOBUFS)
            continue; /* dropped answers stay ETIMEDOUT and are asked again one by one */
        if (len < 0)
            return errno == EAGAIN ? 0 : -1; /* no more answers: the rest stay ETIMEDOUT */
        int f = route_parse(s->buf, (size_t)len, base, dst, n, out, answered);
        if (f < 0)
            return pr_errf(e, "rtnetlink route lookup: malformed answer (%zd bytes)", len);
        got += (size_t)f;
    }
    return 0;
}

int route_lookup_each(const struct pr_addr *dst, size_t n, struct route_answer *out,
                      volatile sig_atomic_t *stop, struct pr_error *e)
{
    struct nl_sock s;
    if (nl_open(&s, e) < 0)
        return -1;
    int sz = 1 << 20;
    setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    int rc = 0;
    uint32_t seq = 0; /* answers are matched by seq - base: start low, never wrap */
    for (size_t i = 0; i < n && rc == 0; i += ROUTE_BATCH) {
        if (stop && *stop) {
            rc = 1;
            break;
        }
        size_t m = n - i < ROUTE_BATCH ? n - i : ROUTE_BATCH;
        if (lookup_batch(&s, seq, dst + i, m, out + i, e) < 0)
            rc = -1;
        /* one more try, one at a time, for what got lost (a full receive buffer) */
        seq += ROUTE_BATCH;
        for (size_t k = 0; k < m && rc == 0; k++)
            if (out[i + k].err == ETIMEDOUT) {
                rc = lookup_batch(&s, seq, dst + i + k, 1, out + i + k, e);
                seq += ROUTE_BATCH;
            }
    }
    nl_close(&s);
    return rc;
}

/* Looks up dst[idx[0..n)] into out[idx[...]]. */
static int lookup_some(const struct pr_addr *dst, const size_t *idx, size_t n,
                       struct route_answer *out, volatile sig_atomic_t *stop, struct pr_error *e)
{
    struct pr_addr *d = pr_calloc(n, sizeof *d);
    struct route_answer *a = pr_calloc(n, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        d[i] = dst[idx[i]];
        a[i].err = ETIMEDOUT;
    }
    int rc = route_lookup_each(d, n, a, stop, e);
    for (size_t i = 0; i < n; i++)
        out[idx[i]] = a[i];
    free(d);
    free(a);
    return rc;
}

/* Addresses the kernel routes by more than the tables (this network, loopback,
 * multicast, reserved and the limited broadcast): always asked one by one. */
static int special_v4(const struct pr_addr *a)
{
    return a->a[0] == 0 || a->a[0] == 127 || a->a[0] >= 224;
}

/* An answer that holds for every member of its cell: a plain unicast route (the source
 * of a local route is the destination itself; broadcast and the like are single
 * addresses anyway) or an error of the route (unreachable, prohibit, no route). */
static int shareable(const struct route_answer *a)
{
    return a->err ? a->err != ETIMEDOUT : a->type == RTN_UNICAST;
}

#define NO_CELL UINT32_MAX

/* One lookup per cell (fibcells.h) for its first member, which the others share; a
 * member of a cell whose answer cannot be shared, and every IPv6 or special address,
 * is asked on its own. Returns as route_lookup_many, or 2 when cells cannot be used. */
static int lookup_by_cells(const struct pr_addr *dst, size_t n, struct route_answer *out,
                           volatile sig_atomic_t *stop, struct pr_error *e)
{
    struct fib_cells fc;
    if (fibcells_load(&fc, n < UINT32_MAX ? (uint32_t)n : UINT32_MAX, NULL) != 0) {
        fibcells_free(&fc);
        return 2;
    }
    uint32_t nc = fibcells_ncells(&fc);
    size_t *rep = pr_calloc(nc, sizeof *rep); /* cell -> 1 + its first member */
    uint32_t *cell = pr_calloc(n, sizeof *cell);
    size_t *ask = pr_calloc(n, sizeof *ask), na = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = (struct route_answer){.err = ETIMEDOUT};
        if (dst[i].family != AF_INET || special_v4(&dst[i])) {
            cell[i] = NO_CELL;
            ask[na++] = i;
            continue;
        }
        uint32_t c = fibcells_cell(&fc, &dst[i]);
        cell[i] = c;
        if (!rep[c]) {
            rep[c] = i + 1;
            ask[na++] = i;
        }
    }
    int rc = lookup_some(dst, ask, na, out, stop, e);
    size_t nb = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (cell[i] == NO_CELL || rep[cell[i]] == i + 1)
            continue;
        const struct route_answer *r = &out[rep[cell[i]] - 1];
        if (!shareable(r)) {
            ask[nb++] = i;
            continue;
        }
        out[i] = *r;
        if (!r->via_gateway && !r->err)
            out[i].nexthop = dst[i];
    }
    if (rc == 0 && nb)
        rc = lookup_some(dst, ask, nb, out, stop, e);
    free(rep);
    free(cell);
    free(ask);
    fibcells_free(&fc);
    return rc;
}

int route_lookup_many(const struct pr_addr *dst, size_t n, struct route_answer *out,
                      volatile sig_atomic_t *stop, struct pr_error *e)
{
    if (n >= ROUTE_CELLS_MIN) {
        int rc = lookup_by_cells(dst, n, out, stop, e);
        if (rc != 2)
            return rc;
    }
    return route_lookup_each(dst, n, out, stop, e);
}
