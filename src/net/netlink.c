/* netlink.c — see netlink.h.
 *
 * The walk does what NLMSG_OK/NLMSG_NEXT and RTA_OK/RTA_NEXT do (header length at least
 * the header, at most what is left; next message at the aligned length), but copies each
 * header out with memcpy first, so a buffer at any alignment (a fuzzer's) is read safely. */
#include "net/netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int nl_next(const uint8_t *buf, size_t len, size_t *off, struct nlmsghdr *h,
            const uint8_t **payload, size_t *plen)
{
    size_t left = len - *off;
    if (left < sizeof *h)
        return left ? -1 : 0;
    memcpy(h, buf + *off, sizeof *h);
    if (h->nlmsg_len < sizeof *h || h->nlmsg_len > left)
        return -1;
    *payload = buf + *off + NLMSG_HDRLEN;
    *plen = h->nlmsg_len - NLMSG_HDRLEN;
    size_t step = NLMSG_ALIGN(h->nlmsg_len);
    *off += step < left ? step : left;
    return 1;
}

int rta_next(const uint8_t *p, size_t len, size_t *off, uint16_t *type, const uint8_t **data,
             size_t *dlen)
{
    size_t left = len - *off;
    struct rtattr ra;
    if (left < sizeof ra)
        return 0; /* trailing padding shorter than a header is not an attribute */
    memcpy(&ra, p + *off, sizeof ra);
    if (ra.rta_len < sizeof ra || ra.rta_len > left)
        return -1;
    *type = ra.rta_type & NLA_TYPE_MASK;
    *data = p + *off + RTA_LENGTH(0);
    *dlen = ra.rta_len - RTA_LENGTH(0);
    size_t step = RTA_ALIGN(ra.rta_len);
    *off += step < left ? step : left;
    return 1;
}

int nl_errno(const uint8_t *payload, size_t plen)
{
    int err;
    if (plen < sizeof err)
        return -1;
    memcpy(&err, payload, sizeof err); /* struct nlmsgerr starts with it */
    return err == 0 ? 0 : err < 0 && err > -4096 ? -err : EPROTO;
}

int nl_open(struct nl_sock *s, struct pr_error *e)
{
    s->buf = NULL;
    s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s->fd < 0)
        return pr_errf(e, "netlink socket: %s", strerror(errno));
    struct timeval tv = {.tv_sec = NL_TIMEOUT_US / 1000000u, .tv_usec = NL_TIMEOUT_US % 1000000u};
    (void)setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int err = errno;
        close(s->fd);
        return pr_errf(e, "netlink bind: %s", strerror(err));
    }
    s->seq = (uint32_t)time(NULL) | 1u;
    s->buf = pr_calloc(1, NL_BUF);
    return 0;
}

void nl_close(struct nl_sock *s)
{
    close(s->fd);
    free(s->buf);
    s->buf = NULL;
}

int nl_request(struct nl_sock *s, const void *req, size_t len, struct pr_error *e)
{
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(s->fd, req, len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
        return pr_errf(e, "netlink send: %s", strerror(errno));
    return 0;
}

ssize_t nl_recv(struct nl_sock *s, struct pr_error *e)
{
    for (int tries = 0; tries < 16; tries++) {
        struct sockaddr_nl from;
        struct iovec iov = {s->buf, NL_BUF};
        struct msghdr m = {
            .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(s->fd, &m, 0);
        if (n < 0) {
            int err = errno;
            if (err == EINTR)
                continue;
            pr_errf(e, "netlink receive: %s",
                    err == EAGAIN ? "no answer from the kernel" : strerror(err));
            errno = err; /* ENOBUFS: the kernel dropped answers; later reads deliver the rest */
            return -1;
        }
        if (m.msg_flags & MSG_TRUNC)
            return pr_errf(e, "netlink receive: message larger than %d bytes", NL_BUF);
        if (m.msg_namelen < sizeof from || from.nl_pid != 0)
            continue; /* not from the kernel */
        return n;
    }
    return pr_errf(e, "netlink receive: interrupted");
}
