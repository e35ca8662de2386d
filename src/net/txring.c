/* txring.c — see txring.h. The technique is the one of bench/txring.c. */
#include "net/txring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TXRING_KICK 256u /* default kick_every */
#define TXRING_KICK_MIN 64u
/* Where a TPACKET_V2 transmit frame's data starts (no PACKET_TX_HAS_OFF). */
#define TXRING_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

_Static_assert(TXRING_BLOCK % TXRING_FRAME == 0, "frames must tile a block");
_Static_assert(TXRING_FRAME % TPACKET_ALIGNMENT == 0, "frame size must be aligned");

static struct tpacket2_hdr *frame(const struct txring *r, uint32_t i)
{
    return (struct tpacket2_hdr *)(r->ring + (size_t)i * TXRING_FRAME);
}

static uint32_t status(const struct tpacket2_hdr *h)
{
    return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

int txring_open(struct txring *r, int ifindex, const uint8_t src_mac[6], struct pr_error *e)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (ifindex <= 0)
        return pr_errf(e, "TX ring: invalid interface index %d", ifindex);
    const char *step = "socket(AF_PACKET)";
    /* Protocol 0: the socket sends only and never has packets queued for reading. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    int v = TPACKET_V2, one = 1;
    step = "PACKET_VERSION";
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0)
        goto fail;
    r->qdisc_bypass = setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) == 0;
    /* Frames the kernel cannot send are skipped instead of stopping the ring. */
    (void)setsockopt(fd, SOL_PACKET, PACKET_LOSS, &one, sizeof one);
    int snd = 8 << 20; /* frames in flight are charged to the send buffer */
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
    struct tpacket_req req = {.tp_block_size = TXRING_BLOCK,
                              .tp_block_nr = TXRING_BLOCKS,
                              .tp_frame_size = TXRING_FRAME,
                              .tp_frame_nr = TXRING_BLOCK / TXRING_FRAME * TXRING_BLOCKS};
    step = "PACKET_TX_RING";
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0)
        goto fail;
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = 0, .sll_ifindex = ifindex};
    step = "bind";
    if (bind(fd, (struct sockaddr *)&ll, sizeof ll) < 0)
        goto fail;
    size_t len = (size_t)TXRING_BLOCK * TXRING_BLOCKS;
    step = "mmap";
    void *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (ring == MAP_FAILED)
        goto fail;
    r->fd = fd;
    r->ifindex = ifindex;
    memcpy(r->src_mac, src_mac, 6);
    r->ring = ring;
    r->ring_len = len;
    r->frame_nr = req.tp_frame_nr;
    r->kick_every = TXRING_KICK;
    r->max_len = TXRING_FRAME - TXRING_DATA_OFF;
    return 0;
fail:;
    int err = errno;
    if (fd >= 0)
        close(fd);
    if (err == EPERM || err == EACCES)
        return pr_errf(e, "TX ring: packet sockets need root or CAP_NET_RAW (%s)", strerror(err));
    return pr_errf(e, "TX ring on interface %d: %s: %s", ifindex, step, strerror(err));
}

/* One send(2) that makes the kernel walk the ring; 0 or -errno. */
static int kick(struct txring *r)
{
    if (send(r->fd, NULL, 0, MSG_DONTWAIT) < 0) {
        int err = errno;
        return err == ENOBUFS || err == EAGAIN || err == EINTR ? 0 : -err;
    }
    r->unkicked = 0;
    return 0;
}

int txring_put(struct txring *r, const uint8_t dst_mac[6], uint16_t ethertype,
               const uint8_t *ip_pkt, size_t len)
{
    if (len > r->max_len - TXRING_ETH_HLEN)
        return -EMSGSIZE;
    struct tpacket2_hdr *h = frame(r, r->head);
    uint32_t st = status(h);
    if (st & TP_STATUS_WRONG_FORMAT) { /* only without PACKET_LOSS: reuse the slot */
        r->wrong_fmt++;
        st = TP_STATUS_AVAILABLE;
    }
    if (st != TP_STATUS_AVAILABLE) {
        (void)kick(r);
        if (status(h) != TP_STATUS_AVAILABLE)
            return -EAGAIN;
    }
    uint8_t *f = (uint8_t *)h + TXRING_DATA_OFF;
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, r->src_mac, 6);
    f[12] = (uint8_t)(ethertype >> 8);
    f[13] = (uint8_t)ethertype;
    memcpy(f + TXRING_ETH_HLEN, ip_pkt, len);
    h->tp_len = (uint32_t)(TXRING_ETH_HLEN + len);
    __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
    r->head = r->head + 1 == r->frame_nr ? 0 : r->head + 1;
    if (++r->unkicked >= r->kick_every)
        (void)kick(r);
    return 0;
}

void txring_kick_every(struct txring *r, uint32_t n)
{
    uint32_t max = r->frame_nr / 2 ? r->frame_nr / 2 : 1;
    uint32_t min = TXRING_KICK_MIN < max ? TXRING_KICK_MIN : max;
    r->kick_every = n < min ? min : n > max ? max : n;
}

int txring_flush(struct txring *r)
{
    if (!r->ring || !r->unkicked)
        return 0;
    return kick(r);
}

int txring_wait(struct txring *r, uint64_t timeout_us)
{
    if (status(frame(r, r->head)) == TP_STATUS_AVAILABLE)
        return 1;
    (void)kick(r);
    struct pollfd p = {.fd = r->fd, .events = POLLOUT};
    return poll(&p, 1, (int)((timeout_us + 999) / 1000));
}

uint32_t txring_drain(struct txring *r, uint64_t timeout_us)
{
    uint32_t pending = 0;
    if (!r->ring)
        return 0;
    for (uint64_t waited = 0;; waited += 100) {
        (void)kick(r);
        pending = 0;
        for (uint32_t i = 0; i < r->frame_nr; i++) {
            uint32_t st = status(frame(r, i));
            pending += st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING;
        }
        if (!pending || waited >= timeout_us)
            return pending;
        struct timespec ts = {0, 100000}; /* 100 us */
        nanosleep(&ts, NULL);
    }
}

void txring_close(struct txring *r)
{
    if (!r->ring)
        return;
    (void)txring_drain(r, 100000);
    munmap(r->ring, r->ring_len);
    close(r->fd);
    r->ring = NULL;
    r->fd = -1;
}
