/* rawio.h — raw packet I/O for the scan engine and host discovery.
 *
 * Sending uses a raw IP socket with the IP header included (IPv4 IP_HDRINCL, IPv6
 * IPPROTO_RAW); the kernel routes and resolves neighbours. Receiving uses one
 * AF_PACKET SOCK_DGRAM socket (network header first) with a classic BPF filter
 * compiled by libpcap, so only replies addressed to the scanner reach user space;
 * packets we sent ourselves never reach it (PACKET_IGNORE_OUTGOING; on kernels before
 * 4.20 they arrive marked PACKET_OUTGOING and are skipped). Both sockets need
 * CAP_NET_RAW at open time only. Sends can be queued and go out RAWIO_BATCH at a time
 * with sendmmsg(2). Receives come from a PACKET_RX_RING (net/rxring.h) mapped into the
 * process, or, where the kernel refuses one, RAWIO_BATCH at a time from recvmmsg(2).
 *
 * Threads: the send half (rawio_send, _queue, _queue_via, _rate_hint, _flush, _drops)
 * and the receive half (rawio_recv, poll(2) on io->recv) may each be used by a different
 * thread; rawio_wait() and rawio_filter() use both halves, as do open and close.
 *
 * Optionally (rawio_ring) one Ethernet interface also gets a PACKET_TX_RING
 * (net/txring.h) and a copy of its neighbour table (net/neigh.h): rawio_queue_via() then
 * writes whole frames into the ring when it knows the next hop's MAC, and uses the raw
 * socket otherwise (the kernel resolves that neighbour, so a later reload knows it). */
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
struct rawio_ring;  /* private: the TX ring, its link and the neighbour table */

struct rawio {
    int send4, send6; /* -1 when not opened */
    int recv;
    int ifindex;        /* 0: every interface */
    uint64_t rx_drops;  /* kernel drops seen on the receive socket so far */
    uint64_t rx_badsum; /* received packets dropped for a wrong checksum (receive half) */
    uint64_t tx_lost;   /* queued datagrams the kernel refused (ENOBUFS after retries) */
    uint64_t ring_sent; /* frames put into the TX ring (rawio_queue_via) */
    uint64_t sock_sent; /* datagrams the raw sockets accepted (send, queue, queue_via) */
    struct rawio_batch *b;
    struct rawio_ring *ring; /* NULL unless rawio_ring() succeeded */
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
/* Opens a TX ring on ifindex (an Ethernet interface) and loads its neighbour table.
 * Returns 0, or -1 with e saying why (loopback: the kernel drops such frames from a
 * local address; other link types; no privilege; no PACKET_TX_RING); the raw sockets
 * keep working either way. Frames in the ring go out byte for byte: unlike IP_HDRINCL
 * the kernel fills in neither an IPv4 ID of 0 nor the header checksum. */
int rawio_ring(struct rawio *io, int ifindex, struct pr_error *e);
/* Like rawio_queue(), with the route already known: nexthop is the gateway or dst
 * itself when on-link (NULL: dst), oif the outgoing interface. The datagram goes into
 * the ring when the ring is open on oif, it fits the MTU and a frame, and nexthop's MAC
 * is known (on a miss the neighbour table is reloaded, at most once a second); else
 * through rawio_queue(). Returns 0, or -EAFNOSUPPORT. */
int rawio_queue_via(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst,
                    const struct pr_addr *nexthop, int oif);
/* Tells the TX ring the send rate (packets/s, 0: unlimited), so that it hands frames to
 * the kernel in batches of about 1 ms of probes: fewer, larger kicks at high rates.
 * rawio_flush() and rawio_wait() still send everything queued at once. */
void rawio_rate_hint(struct rawio *io, double rate);
/* Sends whatever is queued (and kicks the TX ring). Returns how many datagrams the
 * kernel refused. */
size_t rawio_flush(struct rawio *io);
/* Receives one datagram without blocking; returns the bytes copied to buf, 0 when none
 * is waiting. With the RX ring only its first RXRING_SNAP bytes (net/rxring.h) are
 * kept: the headers. *wire (may be NULL) gets its length on the wire. Datagrams with a
 * wrong checksum (pkt_csum_check: the IPv4 header; the transport checksum unless the
 * kernel says it is unfinished or verified, or the datagram was cut short) are counted
 * in io->rx_badsum and skipped. */
ssize_t rawio_recv(struct rawio *io, uint8_t *buf, size_t cap, size_t *wire);
/* Waits up to timeout_us for the receive socket to become readable; returns >0 when it is. */
int rawio_wait(struct rawio *io, uint64_t timeout_us);
/* Reads and resets the kernel's drop counter into io->rx_drops; returns the new drops. */
uint64_t rawio_drops(struct rawio *io);

/* 1 when the process may open raw sockets (root or CAP_NET_RAW). */
int rawio_privileged(void);

#endif
