/* netlink.h — rtnetlink plumbing shared by net/neigh.c and net/route.c.
 *
 * A socket bound to the kernel with a receive timeout and one receive buffer, and walkers
 * over the messages and attributes of a received datagram that check every length before
 * use (the kernel is trusted to be the sender, its bytes are not). */
#ifndef PR_NET_NETLINK_H
#define PR_NET_NETLINK_H

#include "core/error.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NL_BUF 65536           /* one recvmsg; the kernel's dump skbs are smaller */
#define NL_TIMEOUT_US 1000000u /* per recvmsg */

struct nl_sock {
    int fd;
    uint32_t seq; /* a first sequence number for requests */
    uint8_t *buf; /* NL_BUF bytes */
};

/* Opens and binds a NETLINK_ROUTE socket. Returns 0, or -1 with e filled. */
int nl_open(struct nl_sock *s, struct pr_error *e);
void nl_close(struct nl_sock *s);
/* Sends one request datagram to the kernel. Returns 0, or -1 with e filled. */
int nl_request(struct nl_sock *s, const void *req, size_t len, struct pr_error *e);
/* One datagram from the kernel into s->buf (others are skipped); its length, or -1 with
 * e filled and errno kept (EAGAIN: no answer within NL_TIMEOUT_US; ENOBUFS: answers were
 * dropped, the rest still come). */
ssize_t nl_recv(struct nl_sock *s, struct pr_error *e);

/* One message of buf at *off: its header, payload start and payload length. Returns 1
 * and advances *off past it, 0 at the end of the buffer, -1 when the header's length
 * is impossible. */
int nl_next(const uint8_t *buf, size_t len, size_t *off, struct nlmsghdr *h,
            const uint8_t **payload, size_t *plen);
/* One attribute of p at *off (the same contract; trailing padding ends the walk). */
int rta_next(const uint8_t *p, size_t len, size_t *off, uint16_t *type, const uint8_t **data,
             size_t *dlen);
/* The payload of an NLMSG_ERROR: 0 for an acknowledgement, else the errno (EPROTO when
 * the value is no errno); -1 when truncated. */
int nl_errno(const uint8_t *payload, size_t plen);

#endif
