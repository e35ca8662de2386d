/* txring_probe — test tool for the TX ring send path (net/rawio.h rawio_queue_via).
 *
 * Not installed; tests/lab/t_txring.sh runs it inside a namespace. It opens rawio on
 * IFACE (IPv4, receive filter "tcp"), in MODE ring also the TX ring, and queues COUNT
 * TCP SYNs built with pkt_build_tcp from SRC to DST (destination port 1 + i % 65535,
 * source port 40000 + i % 20000) through NEXTHOP ("-": DST) with rawio_queue_via (ring)
 * or rawio_queue (sock). Then it listens for 300 ms and prints one line:
 *   ring_sent=N sock_sent=N tx_lost=N own_incoming=N tap_outgoing=N tap_incoming=N
 *   replies=N secs=S pps=R
 * own_incoming: our own SYNs that rawio_recv() handed out (should be 0); tap_*: our own
 * SYNs seen by a separate AF_PACKET socket on IFACE as PACKET_OUTGOING / anything else;
 * replies: TCP segments from DST to SRC seen by rawio_recv(). secs and pps cover the
 * sending from the first queue call to the end of the final flush (for the ring: the
 * final kick, which with the qdisc bypassed hands every frame to the driver).
 * With "notap" last, there is no tap (for measuring: a tap costs the socket path a copy
 * of every packet). Exit status 0, 1 on an error, 2 on bad arguments. */
#include "core/addr.h"
#include "core/clock.h"
#include "net/packet.h"
#include "net/rawio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_US 300000u
#define MAX_COUNT 100000000ul

static int is_own_syn(const uint8_t *buf, size_t len, const struct pr_addr *src)
{
    struct pkt_info pi;
    return pkt_parse(buf, len, &pi) == 0 && pi.l4 == PKT_L4_TCP && pi.t.flags == TH_SYN &&
           addr_eq(&pi.src, src);
}

int main(int argc, char **argv)
{
    if (argc != 7 && !(argc == 8 && !strcmp(argv[7], "notap"))) {
        fprintf(stderr, "usage: txring_probe IFACE SRC DST NEXTHOP|- COUNT ring|sock [notap]\n");
        return 2;
    }
    struct pkt_ip ip = {.ttl = 64};
    struct pr_addr nexthop;
    char *end;
    unsigned long count = strtoul(argv[5], &end, 10);
    int ring = !strcmp(argv[6], "ring");
    if (addr_parse(argv[2], &ip.src) || addr_parse(argv[3], &ip.dst) || ip.src.family != AF_INET ||
        ip.dst.family != AF_INET || *end || count < 1 || count > MAX_COUNT ||
        (!ring && strcmp(argv[6], "sock")) ||
        addr_parse(strcmp(argv[4], "-") ? argv[4] : argv[3], &nexthop)) {
        fprintf(stderr, "txring_probe: bad argument (IPv4 addresses, COUNT 1-%lu)\n", MAX_COUNT);
        return 2;
    }
    int ifindex = (int)if_nametoindex(argv[1]);
    struct pr_error e = {{0}};
    struct rawio io;
    if (!ifindex || rawio_open(&io, 1, argv[1], &e) < 0 || rawio_filter(&io, "tcp", &e) < 0) {
        fprintf(stderr, "txring_probe: %s\n", ifindex ? e.msg : "no such interface");
        return 1;
    }
    if (ring && rawio_ring(&io, ifindex, &e) < 0) {
        fprintf(stderr, "txring_probe: %s\n", e.msg);
        rawio_close(&io);
        return 1;
    }
    /* a tap beside rawio's receive socket: how our own frames show up on IFACE */
    int notap = argc == 8;
    int tap =
        notap ? -1 : socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
    int big = 64 << 20;
    if (!notap && (tap < 0 || bind(tap, (struct sockaddr *)&sll, sizeof sll) < 0 ||
                   setsockopt(tap, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)) {
        perror("txring_probe: tap socket");
        rawio_close(&io);
        return 1;
    }
    uint8_t pkt[PKT_MAX];
    uint64_t t0 = now_us();
    for (unsigned long i = 0; i < count; i++) {
        ip.ip_id = (uint16_t)i;
        size_t n = pkt_build_tcp(pkt, sizeof pkt, &ip, (uint16_t)(40000 + i % 20000),
                                 (uint16_t)(1 + i % 65535), (uint32_t)(i * 2654435761u), 0, TH_SYN,
                                 1024, NULL, NULL, 0);
        int rc = ring ? rawio_queue_via(&io, pkt, n, &ip.dst, &nexthop, ifindex)
                      : rawio_queue(&io, pkt, n, &ip.dst);
        if (n == 0 || rc < 0) {
            fprintf(stderr, "txring_probe: cannot queue packet %lu (%d)\n", i, rc);
            rawio_close(&io);
            return 1;
        }
    }
    rawio_flush(&io);
    uint64_t t1 = now_us();
    unsigned long own = 0, replies = 0, tap_out = 0, tap_in = 0;
    uint8_t buf[RAWIO_PKT];
    uint64_t stop = now_us() + LISTEN_US;
    while (now_us() < stop) {
        rawio_wait(&io, 10000);
        ssize_t n;
        while ((n = rawio_recv(&io, buf, sizeof buf, NULL)) > 0) {
            struct pkt_info pi;
            if (is_own_syn(buf, (size_t)n, &ip.src))
                own++;
            else if (pkt_parse(buf, (size_t)n, &pi) == 0 && pi.l4 == PKT_L4_TCP &&
                     addr_eq(&pi.src, &ip.dst) && addr_eq(&pi.dst, &ip.src))
                replies++;
        }
    }
    while (!notap) {
        struct sockaddr_ll from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(tap, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n <= 0)
            break;
        if (is_own_syn(buf, (size_t)n, &ip.src)) {
            if (from.sll_pkttype == PACKET_OUTGOING)
                tap_out++;
            else
                tap_in++;
        }
    }
    if (!notap)
        close(tap);
    double secs = (double)(t1 - t0) / 1e6;
    printf("ring_sent=%llu sock_sent=%llu tx_lost=%llu own_incoming=%lu tap_outgoing=%lu "
           "tap_incoming=%lu replies=%lu secs=%.3f pps=%.0f\n",
           (unsigned long long)io.ring_sent, (unsigned long long)io.sock_sent,
           (unsigned long long)io.tx_lost, own, tap_out, tap_in, replies, secs,
           secs > 0 ? (double)count / secs : 0.0);
    rawio_close(&io);
    return 0;
}
