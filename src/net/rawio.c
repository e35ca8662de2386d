/* rawio.c — see rawio.h. */
#include "net/rawio.h"

#include "core/clock.h"
#include "net/neigh.h"
#include "net/packet.h"
#include "net/rxring.h"
#include "net/txring.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int rawio_privileged(void)
{
    return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) || geteuid() == 0;
}

struct rawio_batch {
    /* send queue */
    uint8_t tx[RAWIO_BATCH][RAWIO_PKT];
    struct sockaddr_storage txdst[RAWIO_BATCH];
    struct mmsghdr txm[RAWIO_BATCH];
    struct iovec txv[RAWIO_BATCH];
    int txfd[RAWIO_BATCH];
    size_t ntx;
    /* receive batch */
    uint8_t rx[RAWIO_BATCH][RAWIO_PKT];
    struct sockaddr_ll rxfrom[RAWIO_BATCH];
    struct mmsghdr rxm[RAWIO_BATCH];
    struct iovec rxv[RAWIO_BATCH];
    size_t nrx, rxnext;
    struct rxring rxr; /* rxr.ring NULL: the recvmmsg batch above is used */
};

#define RING_RELOAD_US 1000000u /* neighbour table reload on a miss, at most this often */
#define RING_WAIT_TRIES 100     /* a full ring: waits of 1 ms before using the socket */

struct rawio_ring {
    struct txring tx;
    struct link_info li;
    struct neigh_table neigh;
    uint64_t loaded_us;      /* when neigh was last loaded */
    struct pr_addr last_hop; /* ring_mac's last answer: this next hop */
    const uint8_t *last_mac; /* has this MAC (in neigh), or NULL */
};

int rawio_open(struct rawio *io, unsigned families, const char *iface, struct pr_error *e)
{
    memset(io, 0, sizeof *io);
    io->send4 = io->send6 = io->recv = -1;
    io->b = pr_calloc(1, sizeof *io->b);
    if (iface) {
        io->ifindex = (int)if_nametoindex(iface);
        if (!io->ifindex)
            return pr_errf(e, "interface '%s' (-e): no such interface", iface);
    }
    if (families & 1) {
        io->send4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (io->send4 < 0)
            goto fail;
    }
    if (families & 2) {
        io->send6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (io->send6 < 0)
            goto fail;
    }
    io->recv = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    if (io->recv < 0)
        goto fail;
    /* our own probes never reach the tap: without this the kernel clones every sent
     * frame for this socket and runs the filter on it (Linux >= 4.20; older kernels
     * hand them over marked PACKET_OUTGOING, skipped in rawio_recv) */
    int one = 1;
    (void)setsockopt(io->recv, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    /* the ring holds what arrives between reads; without one (no PACKET_RX_RING), a
     * large socket buffer does */
    if (rxring_open(&io->b->rxr, io->recv, NULL) < 0) {
        int sz = 32 << 20;
        if (setsockopt(io->recv, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
            setsockopt(io->recv, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    }
    for (int s = 0; s < 2; s++) {
        int fd = s ? io->send6 : io->send4;
        if (fd >= 0) {
            int snd = 8 << 20;
            if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof snd) < 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
            if (iface &&
                setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) < 0)
                goto fail;
        }
    }
    if (io->ifindex) {
        struct sockaddr_ll sll = {
            .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = io->ifindex};
        if (bind(io->recv, (struct sockaddr *)&sll, sizeof sll) < 0)
            goto fail;
    }
    return 0;
fail:;
    int err = errno;
    rawio_close(io);
    if (err == EPERM || err == EACCES)
        return pr_errf(e, "raw sockets need root or CAP_NET_RAW (%s)", strerror(err));
    return pr_errf(e, "cannot open raw sockets%s%s: %s", iface ? " on " : "", iface ? iface : "",
                   strerror(err));
}

static void ring_close(struct rawio *io)
{
    if (!io->ring)
        return;
    txring_close(&io->ring->tx);
    neigh_free(&io->ring->neigh);
    free(io->ring);
    io->ring = NULL;
}

void rawio_close(struct rawio *io)
{
    if (io->b && io->recv >= 0)
        rawio_flush(io);
    ring_close(io);
    if (io->b)
        rxring_close(&io->b->rxr);
    free(io->b);
    io->b = NULL;
    if (io->send4 >= 0)
        close(io->send4);
    if (io->send6 >= 0)
        close(io->send6);
    if (io->recv >= 0)
        close(io->recv);
    io->send4 = io->send6 = io->recv = -1;
}

int rawio_filter(struct rawio *io, const char *expr, struct pr_error *e)
{
    struct bpf_program prog;
    pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
    if (!dead)
        return pr_errf(e, "libpcap: cannot create a BPF compiler");
    if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        pr_errf(e, "BPF filter '%s': %s", expr, pcap_geterr(dead));
        pcap_close(dead);
        return -1;
    }
    pcap_close(dead);
    struct sock_fprog fp = {.len = (unsigned short)prog.bf_len,
                            .filter = (struct sock_filter *)prog.bf_insns};
    int rc = setsockopt(io->recv, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp);
    pcap_freecode(&prog);
    if (rc < 0)
        return pr_errf(e, "cannot attach BPF filter: %s", strerror(errno));
    /* Drain what arrived before the filter was in place. */
    uint8_t junk[RAWIO_PKT];
    while (rawio_recv(io, junk, sizeof junk, NULL) > 0)
        ;
    return 0;
}

int rawio_send(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst)
{
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(dst, 0, &ss);
    int fd = dst->family == AF_INET6 ? io->send6 : io->send4;
    if (fd < 0)
        return -EAFNOSUPPORT;
    if (sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0)
        return -errno;
    io->sock_sent++;
    return 0;
}

int rawio_queue(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst)
{
    struct rawio_batch *b = io->b;
    int fd = dst->family == AF_INET6 ? io->send6 : io->send4;
    if (fd < 0)
        return -EAFNOSUPPORT;
    if (len > RAWIO_PKT)
        len = RAWIO_PKT;
    size_t i = b->ntx++;
    memcpy(b->tx[i], pkt, len);
    socklen_t sl = addr_to_sockaddr(dst, 0, &b->txdst[i]);
    b->txv[i] = (struct iovec){b->tx[i], len};
    b->txm[i] = (struct mmsghdr){
        .msg_hdr = {
            .msg_name = &b->txdst[i], .msg_namelen = sl, .msg_iov = &b->txv[i], .msg_iovlen = 1}};
    b->txfd[i] = fd;
    if (b->ntx == RAWIO_BATCH)
        rawio_flush(io);
    return 0;
}

int rawio_ring(struct rawio *io, int ifindex, struct pr_error *e)
{
    ring_close(io);
    struct rawio_ring *R = pr_calloc(1, sizeof *R);
    R->tx.fd = -1;
    if (link_info(ifindex, &R->li, e) < 0)
        goto fail;
    char name[IF_NAMESIZE] = "?";
    if (!if_indextoname((unsigned)ifindex, name))
        snprintf(name, sizeof name, "#%d", ifindex);
    if (R->li.type == ARPHRD_ETHER) {
        if (R->li.mac_len != NEIGH_MAC_LEN) {
            pr_errf(e, "interface %s: no Ethernet address, TX ring not used", name);
            goto fail;
        }
        if (neigh_load(&R->neigh, ifindex, e) < 0)
            goto fail;
    } else if (R->li.type == ARPHRD_LOOPBACK) {
        /* Frames from a packet socket reach the stack on lo without the route an IP
         * socket's packet carries, and the kernel drops those with a local source
         * address as martians (unless net.ipv4.conf.lo.accept_local=1): measured, see
         * tests/lab/t_txring.sh. The raw socket does the job on lo. */
        pr_errf(e,
                "interface %s: loopback, TX ring not used (the kernel drops frames from "
                "a local address sent into lo through a packet socket)",
                name);
        goto fail;
    } else {
        pr_errf(e, "interface %s: link type %u is not Ethernet, TX ring not used", name,
                (unsigned)R->li.type);
        goto fail;
    }
    if (txring_open(&R->tx, ifindex, R->li.mac, e) < 0)
        goto fail;
    R->loaded_us = now_us();
    io->ring = R;
    return 0;
fail:
    neigh_free(&R->neigh);
    free(R);
    return -1;
}

/* The next hop's MAC for a frame on the ring, or NULL. Most probes share a next hop: the
 * last answer is kept (until the table is reloaded), so the table is not hashed per frame. */
static const uint8_t *ring_mac(struct rawio_ring *R, const struct pr_addr *nexthop)
{
    if (R->last_mac && addr_eq(&R->last_hop, nexthop))
        return R->last_mac;
    const uint8_t *mac = neigh_lookup(&R->neigh, nexthop);
    if (!mac) {
        uint64_t now = now_us();
        if (now - R->loaded_us >= RING_RELOAD_US) {
            R->loaded_us = now;
            R->last_mac = NULL; /* points into the table being replaced */
            if (neigh_load(&R->neigh, R->tx.ifindex, NULL) >= 0)
                mac = neigh_lookup(&R->neigh, nexthop);
        }
    }
    if (mac) {
        R->last_hop = *nexthop;
        R->last_mac = mac;
    }
    return mac;
}

int rawio_queue_via(struct rawio *io, const uint8_t *pkt, size_t len, const struct pr_addr *dst,
                    const struct pr_addr *nexthop, int oif)
{
    struct rawio_ring *R = io->ring;
    if (R && oif == R->tx.ifindex && (!R->li.mtu || len <= R->li.mtu) &&
        len <= R->tx.max_len - TXRING_ETH_HLEN) {
        const uint8_t *mac = ring_mac(R, nexthop ? nexthop : dst);
        uint16_t type = dst->family == AF_INET6 ? ETH_P_IPV6 : ETH_P_IP;
        for (int tries = 0; mac && tries <= RING_WAIT_TRIES; tries++) {
            int rc = txring_put(&R->tx, mac, type, pkt, len);
            if (rc == 0) {
                io->ring_sent++;
                return 0;
            }
            if (rc != -EAGAIN)
                break;
            txring_wait(&R->tx, 1000); /* the device is behind: let it drain */
        }
    }
    return rawio_queue(io, pkt, len, dst);
}

void rawio_rate_hint(struct rawio *io, double rate)
{
    if (io->ring)
        txring_kick_every(&io->ring->tx,
                          rate > 0 && rate < 4e9 ? (uint32_t)(rate / 1000) : UINT32_MAX);
}

size_t rawio_flush(struct rawio *io)
{
    struct rawio_batch *b = io->b;
    size_t lost = 0, i = 0;
    if (io->ring)
        (void)txring_flush(&io->ring->tx);
    if (!b) /* never opened */
        return 0;
    int stalls = 0;
    while (i < b->ntx) {
        size_t run = 1; /* a run of datagrams for the same socket (family) */
        while (i + run < b->ntx && b->txfd[i + run] == b->txfd[i])
            run++;
        int n = sendmmsg(b->txfd[i], &b->txm[i], (unsigned)run, 0);
        if (n > 0) {
            i += (size_t)n;
            io->sock_sent += (uint64_t)n;
            stalls = 0;
        } else if ((errno == ENOBUFS || errno == EAGAIN || errno == EINTR) && stalls++ < 100) {
            struct timespec ts = {0, 20000}; /* the device queue is full: let it drain */
            nanosleep(&ts, NULL);
        } else {
            i++; /* refused: counted, and the engine's retries cover it */
            lost++;
            stalls = 0;
        }
    }
    b->ntx = 0;
    io->tx_lost += lost;
    return lost;
}

ssize_t rawio_recv(struct rawio *io, uint8_t *buf, size_t cap, size_t *wire)
{
    struct rawio_batch *b = io->b;
    if (b->rxr.ring) {
        const uint8_t *pkt;
        size_t len, wlen;
        uint8_t type;
        uint32_t status;
        while (rxring_next(&b->rxr, &pkt, &len, &wlen, &type, &status)) {
            /* our own frames, and empty ones (a header rxring_next refused), are skipped:
             * 0 must keep meaning "nothing waiting"; so are packets with a wrong checksum
             * (the transport one only where the kernel has not finished or verified it) */
            int keep = type != PACKET_OUTGOING && len > 0 && cap > 0;
            unsigned fl =
                status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID) ? 0 : PKT_CSUM_L4;
            if (keep && pkt_csum_check(pkt, len, fl) != PKT_CSUM_OK) {
                io->rx_badsum++;
                keep = 0;
            }
            size_t n = len < cap ? len : cap;
            if (keep)
                memcpy(buf, pkt, n);
            rxring_release(&b->rxr);
            if (keep) {
                if (wire)
                    *wire = wlen;
                return (ssize_t)n;
            }
        }
        return 0;
    }
    for (;;) {
        if (b->rxnext == b->nrx) {
            for (size_t i = 0; i < RAWIO_BATCH; i++) {
                b->rxv[i] = (struct iovec){b->rx[i], RAWIO_PKT};
                b->rxm[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &b->rxfrom[i],
                                                         .msg_namelen = sizeof b->rxfrom[i],
                                                         .msg_iov = &b->rxv[i],
                                                         .msg_iovlen = 1}};
            }
            int n = recvmmsg(io->recv, b->rxm, RAWIO_BATCH, MSG_DONTWAIT, NULL);
            if (n <= 0)
                return (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                           ? 0
                           : -errno;
            b->nrx = (size_t)n;
            b->rxnext = 0;
        }
        size_t i = b->rxnext++;
        if (b->rxfrom[i].sll_pkttype == PACKET_OUTGOING || !b->rxm[i].msg_len || !cap)
            continue;
        size_t n = b->rxm[i].msg_len;
        /* no ring status here: a checksum left for the NIC is recognised by its value */
        if (pkt_csum_check(b->rx[i], n < RAWIO_PKT ? n : RAWIO_PKT,
                           PKT_CSUM_L4 | PKT_CSUM_PARTIAL) != PKT_CSUM_OK) {
            io->rx_badsum++;
            continue;
        }
        if (wire)
            *wire = n;
        if (n > cap)
            n = cap;
        memcpy(buf, b->rx[i], n);
        return (ssize_t)n;
    }
}

int rawio_wait(struct rawio *io, uint64_t timeout_us)
{
    rawio_flush(io);
    if (io->b->rxnext < io->b->nrx)
        return 1; /* a received batch is still being handed out */
    struct pollfd p = {.fd = io->recv, .events = POLLIN};
    int ms = (int)((timeout_us + 999) / 1000);
    return poll(&p, 1, ms);
}

uint64_t rawio_drops(struct rawio *io)
{
    struct tpacket_stats st;
    socklen_t sl = sizeof st;
    if (getsockopt(io->recv, SOL_PACKET, PACKET_STATISTICS, &st, &sl) < 0)
        return 0;
    io->rx_drops += st.tp_drops;
    return st.tp_drops;
}
