/* txring.h — a PACKET_TX_RING sender of whole Ethernet frames on one interface.
 *
 * The fast send path of the scan engine (through rawio_ring()/rawio_queue_via() in
 * net/rawio.h): an AF_PACKET SOCK_RAW socket with a TPACKET_V2 transmit ring mapped
 * into the process, the qdisc bypassed when the kernel allows it. txring_put() writes
 * the Ethernet header and an IP datagram into the next free frame and marks it for
 * sending; txring_flush() asks the kernel to send every marked frame without waiting.
 * No padding: the kernel or the NIC pads short frames. The socket binds to protocol 0,
 * so it receives nothing. Needs CAP_NET_RAW at open time. One ring belongs to one
 * thread. */
#ifndef PR_NET_TXRING_H
#define PR_NET_TXRING_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define TXRING_FRAME 1024u      /* bytes per frame, TPACKET2 header included */
#define TXRING_BLOCK (1u << 16) /* 64 KiB blocks */
#define TXRING_BLOCKS 64u       /* 4 MiB ring: 4096 frames */
#define TXRING_ETH_HLEN 14u     /* destination MAC, source MAC, ethertype */

struct txring {
    int fd; /* -1 when closed */
    int ifindex;
    uint8_t src_mac[6];
    uint8_t *ring; /* ring_len bytes mapped from fd */
    size_t ring_len;
    uint32_t frame_nr;   /* frames in the ring */
    uint32_t head;       /* next frame txring_put() writes */
    uint32_t unkicked;   /* frames put since the last successful kick */
    uint32_t kick_every; /* txring_put() kicks by itself after this many frames */
    size_t max_len;      /* largest frame (Ethernet header + datagram) a slot holds */
    int qdisc_bypass;    /* 1 when PACKET_QDISC_BYPASS was accepted */
    uint64_t wrong_fmt;  /* frames the kernel refused (TP_STATUS_WRONG_FORMAT) */
};

/* Opens the ring on ifindex; frames carry src_mac as source. Returns 0, or -1. */
int txring_open(struct txring *r, int ifindex, const uint8_t src_mac[6], struct pr_error *e);
/* Writes one frame: dst_mac, the source MAC, ethertype (host order, ETH_P_IP or
 * ETH_P_IPV6) and the datagram. Returns 0; -EAGAIN when the ring stays full after a
 * kick (try later: txring_wait()); -EMSGSIZE when len does not fit a frame. */
int txring_put(struct txring *r, const uint8_t dst_mac[6], uint16_t ethertype,
               const uint8_t *ip_pkt, size_t len);
/* Sets how many frames txring_put() collects before it kicks by itself (clamped to
 * 64 .. half the ring): more frames per kick cost fewer system calls, fewer wait longer. */
void txring_kick_every(struct txring *r, uint32_t n);
/* Asks the kernel to send the frames put so far, without waiting. Returns 0 or -errno
 * (ENOBUFS/EAGAIN are not errors: the frames stay queued for the next kick). */
int txring_flush(struct txring *r);
/* Waits up to timeout_us for a free frame (poll POLLOUT); >0 when there is one. */
int txring_wait(struct txring *r, uint64_t timeout_us);
/* Kicks and waits up to timeout_us until the kernel has taken every frame put so far.
 * Returns how many frames are still pending (0: all sent). */
uint32_t txring_drain(struct txring *r, uint64_t timeout_us);
/* Drains (up to 100 ms), then unmaps and closes. Safe to call again, and on a zeroed
 * struct or after a failed txring_open(). */
void txring_close(struct txring *r);

#endif
