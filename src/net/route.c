/* route.c — see route.h. */
#include "net/route.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One request: header, rtmsg and one RTA_DST attribute of up to 16 bytes. */
struct route_req {
    struct nlmsghdr nh;
    struct rtmsg rt;
    struct rtattr dst_attr;
    uint8_t dst[16];
};

#define ROUTE_WAIT_MS 2000 /* for the answers of one batch */
#define ROUTE_RXBUF 65536  /* one recv: ~120 bytes per answer, a batch spans a few */

static void copy_addr(struct pr_addr *a, int family, const void *p, size_t len)
{
    memset(a, 0, sizeof *a);
    a->family = (uint8_t)family;
    memcpy(a->a, p, len);
}

int route_parse(const uint8_t *buf, size_t len, uint32_t base, const struct pr_addr *dst, size_t n,
                struct route_answer *out, uint8_t *answered)
{
    int filled = 0;
    size_t off = 0;
    while (off < len) {
        if (len - off < sizeof(struct nlmsghdr))
            return -1;
        struct nlmsghdr nh;
        memcpy(&nh, buf + off, sizeof nh);
        if (nh.nlmsg_len < sizeof nh || nh.nlmsg_len > len - off)
            return -1;
        const uint8_t *body = buf + off + NLMSG_HDRLEN;
        size_t blen = nh.nlmsg_len >= NLMSG_HDRLEN ? nh.nlmsg_len - NLMSG_HDRLEN : 0;
        size_t step = NLMSG_ALIGN(nh.nlmsg_len);
        off = step <= len - off ? off + step : len;
        uint64_t k = (uint64_t)nh.nlmsg_seq - base;
        if (nh.nlmsg_seq <= base || k > n || answered[k - 1])
            continue; /* not one of ours, or already answered */
        k--;
        struct route_answer *a = &out[k];
        if (nh.nlmsg_type == NLMSG_ERROR) {
            if (blen < sizeof(struct nlmsgerr))
                return -1;
            struct nlmsgerr ne;
            memcpy(&ne, body, sizeof ne);
            if (ne.error == 0)
                continue; /* an acknowledgement: the answer comes separately */
            memset(a, 0, sizeof *a);
            a->err = ne.error < 0 && ne.error > -4096 ? -ne.error : EINVAL; /* -errno */
        } else if (nh.nlmsg_type == RTM_NEWROUTE) {
            if (blen < sizeof(struct rtmsg))
                return -1;
            struct rtmsg rt;
            memcpy(&rt, body, sizeof rt);
            size_t alen = rt.rtm_family == AF_INET6 ? 16 : rt.rtm_family == AF_INET ? 4 : 0;
            if (!alen || rt.rtm_family != dst[k].family)
                return -1;
            memset(a, 0, sizeof *a);
            a->nexthop = dst[k];
            int have_src = 0;
            size_t aoff = NLMSG_ALIGN(sizeof rt);
            while (aoff < blen) {
                struct rtattr ra;
                if (blen - aoff < sizeof ra)
                    return -1;
                memcpy(&ra, body + aoff, sizeof ra);
                if (ra.rta_len < sizeof ra || ra.rta_len > blen - aoff)
                    return -1;
                const uint8_t *val = body + aoff + RTA_LENGTH(0);
                size_t vlen = ra.rta_len - RTA_LENGTH(0);
                if (ra.rta_type == RTA_PREFSRC && vlen == alen) {
                    copy_addr(&a->src, rt.rtm_family, val, alen);
                    have_src = 1;
                } else if (ra.rta_type == RTA_GATEWAY && vlen == alen) {
                    copy_addr(&a->nexthop, rt.rtm_family, val, alen);
                } else if (ra.rta_type == RTA_OIF && vlen == 4) {
                    uint32_t oif;
                    memcpy(&oif, val, 4);
                    a->oif = (int)oif;
                }
                size_t astep = RTA_ALIGN(ra.rta_len);
                aoff = astep <= blen - aoff ? aoff + astep : blen;
            }
            if (!have_src)
                a->err = EADDRNOTAVAIL; /* the kernel named no source: no usable route */
        } else {
            continue;
        }
        answered[k] = 1;
        filled++;
    }
    return filled;
}

/* Sends one batch of requests (sequence numbers base+1..base+n) and collects the answers. */
static int lookup_batch(int fd, uint32_t base, const struct pr_addr *dst, size_t n,
                        struct route_answer *out, struct pr_error *e)
{
    struct route_req req[ROUTE_BATCH];
    uint8_t answered[ROUTE_BATCH] = {0};
    memset(req, 0, sizeof req);
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
    }
    /* one datagram: the iovecs are concatenated, and the kernel answers each message */
    struct iovec iov[ROUTE_BATCH];
    for (size_t i = 0; i < n; i++)
        iov[i] = (struct iovec){&req[i], NLMSG_ALIGN(req[i].nh.nlmsg_len)};
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    struct msghdr mh = {
        .msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = iov, .msg_iovlen = n};
    if (sendmsg(fd, &mh, 0) < 0)
        return pr_errf(e, "rtnetlink route lookup: %s", strerror(errno));
    size_t got = 0;
    uint8_t buf[ROUTE_RXBUF];
    while (got < n) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ROUTE_WAIT_MS) <= 0)
            break; /* the rest stay ETIMEDOUT */
        ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (len < 0) {
            /* ENOBUFS: some answers were dropped (they stay ETIMEDOUT and are asked again
             * one by one); those still queued come with the next reads */
            if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
                continue;
            return pr_errf(e, "rtnetlink route lookup: %s", strerror(errno));
        }
        int f = route_parse(buf, (size_t)len, base, dst, n, out, answered);
        if (f < 0)
            return pr_errf(e, "rtnetlink route lookup: malformed answer (%zd bytes)", len);
        got += (size_t)f;
    }
    return 0;
}

int route_lookup_many(const struct pr_addr *dst, size_t n, struct route_answer *out,
                      volatile sig_atomic_t *stop, struct pr_error *e)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return pr_errf(e, "rtnetlink: %s", strerror(errno));
    int sz = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    struct sockaddr_nl me = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
        int err = errno;
        close(fd);
        return pr_errf(e, "rtnetlink: %s", strerror(err));
    }
    int rc = 0;
    uint32_t seq = 0;
    for (size_t i = 0; i < n && rc == 0; i += ROUTE_BATCH) {
        if (stop && *stop) {
            rc = 1;
            break;
        }
        size_t m = n - i < ROUTE_BATCH ? n - i : ROUTE_BATCH;
        if (lookup_batch(fd, seq, dst + i, m, out + i, e) < 0)
            rc = -1;
        /* one more try, one at a time, for what got lost (a full receive buffer) */
        seq += ROUTE_BATCH;
        for (size_t k = 0; k < m && rc == 0; k++)
            if (out[i + k].err == ETIMEDOUT) {
                rc = lookup_batch(fd, seq, dst + i + k, 1, out + i + k, e);
                seq += ROUTE_BATCH;
            }
    }
    close(fd);
    return rc;
}
