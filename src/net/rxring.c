/* rxring.c — see rxring.h. */
#include "net/rxring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

_Static_assert(RXRING_BLOCK % RXRING_FRAME == 0, "frames must tile a block");
_Static_assert(RXRING_FRAME % TPACKET_ALIGNMENT == 0, "frame size must be aligned");
/* where the kernel puts the network header of a SOCK_DGRAM frame, at most */
_Static_assert(RXRING_FRAME - TPACKET_ALIGN(TPACKET2_HDRLEN + 16) >= RXRING_SNAP,
               "frames must keep RXRING_SNAP bytes");

static struct tpacket2_hdr *frame(const struct rxring *r, uint32_t i)
{
    return (struct tpacket2_hdr *)(r->ring + (size_t)i * RXRING_FRAME);
}

int rxring_open(struct rxring *r, int fd, struct pr_error *e)
{
    memset(r, 0, sizeof *r);
    int v = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
        return pr_errf(e, "RX ring: PACKET_VERSION: %s", strerror(errno));
    struct tpacket_req req = {.tp_block_size = RXRING_BLOCK,
                              .tp_block_nr = RXRING_BLOCKS,
                              .tp_frame_size = RXRING_FRAME,
                              .tp_frame_nr = RXRING_BLOCK / RXRING_FRAME * RXRING_BLOCKS};
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
        return pr_errf(e, "RX ring: PACKET_RX_RING: %s", strerror(errno));
    size_t len = (size_t)RXRING_BLOCK * RXRING_BLOCKS;
    void *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) {
        int err = errno;
        struct tpacket_req none = {0}; /* back to a plain socket */
        (void)setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof none);
        return pr_errf(e, "RX ring: mmap: %s", strerror(err));
    }
    r->ring = ring;
    r->ring_len = len;
    r->frame_nr = req.tp_frame_nr;
    return 0;
}

int rxring_next(struct rxring *r, const uint8_t **pkt, size_t *len, size_t *wire_len,
                uint8_t *pkttype, uint32_t *status)
{
    struct tpacket2_hdr *h = frame(r, r->head);
    uint32_t st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
    if (!(st & TP_STATUS_USER))
        return 0;
    *status = st;
    /* the kernel's offsets, checked against the frame before use */
    size_t net = h->tp_net, snap = h->tp_snaplen;
    size_t hdr = TPACKET_ALIGN(sizeof *h);
    if (net < hdr + sizeof(struct sockaddr_ll) || net > RXRING_FRAME || snap > RXRING_FRAME - net) {
        net = RXRING_FRAME;
        snap = 0;
    }
    const struct sockaddr_ll *ll = (const struct sockaddr_ll *)((const uint8_t *)h + hdr);
    *pkt = (const uint8_t *)h + net;
    *len = snap;
    *wire_len = h->tp_len;
    *pkttype = ll->sll_pkttype;
    return 1;
}

void rxring_release(struct rxring *r)
{
    __atomic_store_n(&frame(r, r->head)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    r->head = r->head + 1 == r->frame_nr ? 0 : r->head + 1;
}

void rxring_close(struct rxring *r)
{
    if (r->ring)
        munmap(r->ring, r->ring_len);
    memset(r, 0, sizeof *r);
}
