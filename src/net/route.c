/* route.c — see route.h. */
#include "net/route.h"

#include "net/netlink.h"

#include <errno.h>
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

int route_lookup_many(const struct pr_addr *dst, size_t n, struct route_answer *out,
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
