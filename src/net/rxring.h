/* rxring.h — a PACKET_RX_RING on an AF_PACKET socket: received packets without a copy
 * or a system call each.
 *
 * The receive path of net/rawio.h: the kernel writes each packet that passes the
 * socket's BPF filter into the next free frame of a TPACKET_V2 ring mapped into the
 * process and marks it for user space; rxring_next() hands out the oldest marked frame,
 * rxring_release() gives it back. Frames are small, RXRING_FRAME bytes, so that the
 * ring holds many replies (65536: ~0.2 s of replies at 300k/s) in little memory; at
 * most RXRING_SNAP bytes of a packet are kept: the headers, which is what the scan
 * engine and host discovery read (an ICMPv6 error quoting an IPv6 header with
 * extension headers included). *wire_len says how long the packet was. poll(2) on
 * the socket says POLLIN when a frame is ready. One ring belongs to one thread at a
 * time. */
#ifndef PR_NET_RXRING_H
#define PR_NET_RXRING_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define RXRING_FRAME 256u       /* bytes per frame, the TPACKET2 header included */
#define RXRING_BLOCK (1u << 16) /* 64 KiB blocks: order-4 pages, easy for the kernel */
#define RXRING_BLOCKS 256u      /* 16 MiB ring: 65536 frames */
#define RXRING_SNAP 176u        /* at least this much of each packet is kept */

struct rxring {
    uint8_t *ring; /* NULL when not open */
    size_t ring_len;
    uint32_t frame_nr;
    uint32_t head; /* the frame rxring_next() looks at */
};

/* Sets up the ring on fd, an AF_PACKET socket (SOCK_DGRAM: frames start at the network
 * header). Returns 0, or -1 with e saying why (the socket keeps working without it). */
int rxring_open(struct rxring *r, int fd, struct pr_error *e);
/* The oldest received packet: 1 with *pkt, *len (bytes kept), *wire_len (bytes on the
 * wire), *pkttype (PACKET_HOST, PACKET_OUTGOING, ...) and *status (the frame's
 * TP_STATUS_* bits: TP_STATUS_CSUMNOTREADY, a locally sent packet whose transport
 * checksum is unfinished; TP_STATUS_CSUM_VALID, the NIC verified it) set; 0 when none
 * is waiting. The frame stays valid until rxring_release(). */
int rxring_next(struct rxring *r, const uint8_t **pkt, size_t *len, size_t *wire_len,
                uint8_t *pkttype, uint32_t *status);
/* Gives the frame rxring_next() returned back to the kernel. */
void rxring_release(struct rxring *r);
/* Unmaps the ring (the socket is the caller's). Safe on a zeroed or closed ring. */
void rxring_close(struct rxring *r);

#endif
