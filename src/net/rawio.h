/* rawio.h — raw packet I/O for the scan engine and host discovery.
 *
 * Sending uses a raw IP socket with the IP header included (IPv4 IP_HDRINCL, IPv6
 * IPPROTO_RAW); the kernel routes and resolves neighbours. Receiving uses one
 * AF_PACKET SOCK_DGRAM socket (network header first) with a classic BPF filter
 * compiled by libpcap, so only replies addressed to the scanner reach user space;
 * packets we sent ourselves (PACKET_OUTGOING) are skipped. Both sockets need
 * CAP_NET_RAW at open time only. Sends can be queued and go out RAWIO_BATCH at a time
 * with sendmmsg(2); receives are read RAWIO_BATCH at a time with recvmmsg(2). One rawio
 * belongs to one thread. */
#ifndef PR_NET_RAWIO_H
#define PR_NET_RAWIO_H

#include "core/addr.h"
#include "core/error.h"

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RAWIO_BATCH 64
#define RAWIO_PKT 1600

struct rawio_batch; /* private: the queued sends and the received batch */

struct rawio {
    int send4, send6; /* -1 when not opened */
    int recv;
    int ifindex;       /* 0: every interface */
    uint64_t rx_drops; /* kernel drops seen on the receive socket so far */
    uint64_t tx_lost;  /* queued datagrams the kernel refused (ENOBUFS after retries) */
    struct rawio_batch *b;
};

/* Opens the sockets for the families in use (bit 1: IPv4, bit 2: IPv6). iface may be
 * NULL. Errors name the interface or the missing privilege. */
int rawio_open(struct rawio *io, unsigned families, const char *iface, struct pr_error *e);
void rawio_close(struct rawio *io);
/* Attaches a BPF filter (tcpdump syntax, over the IP header) to the receive socket. */
int rawio_filter(struct rawio *io, const char *expr, struct pr_error *e);
/* Sends one IP datagram to dst. Returns 0, or -errno (e.g. -ENOBUFS: retry later). */
int rawio_send(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst);
/* Queues one datagram to dst (copied); the queue goes out when it is full, on
 * rawio_flush() and before rawio_wait() sleeps. Returns 0, or -EAFNOSUPPORT. */
int rawio_queue(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst);
/* Sends whatever is queued. Returns how many datagrams the kernel refused. */
size_t rawio_flush(struct rawio *io);
/* Receives one datagram without blocking; returns its length, 0 when none is waiting. */
ssize_t rawio_recv(struct rawio *io, uint8_t *buf, size_t cap);
/* Waits up to timeout_us for the receive socket to become readable; returns >0 when it is. */
int rawio_wait(struct rawio *io, uint64_t timeout_us);
/* Reads and resets the kernel's drop counter into io->rx_drops; returns the new drops. */
uint64_t rawio_drops(struct rawio *io);

/* The source address the kernel would use towards dst, and its interface name
 * (ifname at least IF_NAMESIZE bytes). Returns 0, or -1 when there is no route. */
int route_source(const struct pr_addr *dst, struct pr_addr *src, char *ifname, struct pr_error *e);
/* 1 when the process may open raw sockets (root or CAP_NET_RAW). */
int rawio_privileged(void);

#endif
