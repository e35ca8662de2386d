/* txring.c — the bench's ceiling probe: a minimal PACKET_TX_RING sender of TCP SYN frames.
 *
 * Not part of portreeve. bench/run builds it into build/bench/ and runs it in the scanner
 * namespace against a target that drops everything, to measure how many packets per
 * second one core can push through the veth pair (workload E). It sends exactly COUNT
 * Ethernet frames (IPv4 + TCP SYN, correct checksums) from SRC to DST_BASE + (i / NPORTS),
 * port 1 + (i % NPORTS), with the qdisc bypassed, and prints
 *   sent N in S s = R pps
 * Usage: txring IFACE SRC_MAC DST_MAC SRC_IP DST_BASE_IP NPORTS COUNT
 * Bounded: it stops after COUNT frames or 60 s, whichever comes first. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_SIZE 256u       /* TPACKET2 header + 54-byte frame fits */
#define BLOCK_SIZE (1u << 16) /* 64 KiB blocks, a multiple of the page size */
#define BLOCK_COUNT 64u       /* 4 MiB ring, 16384 frames */
#define PKT_LEN 54u           /* Ethernet 14 + IPv4 20 + TCP 20 */
#define TIME_LIMIT_NS 60000000000ull

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* one's-complement sum of len bytes, read big-endian byte by byte */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t acc)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        acc += (uint32_t)p[len - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* Writes the SYN frame for probe i into f (PKT_LEN bytes). */
static void build(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src,
                  uint32_t dst, uint16_t dport, uint32_t seq)
{
    memset(f, 0, PKT_LEN);
    memcpy(f, dmac, 6);
    memcpy(f + 6, smac, 6);
    put16(f + 12, ETHERTYPE_IP);
    uint8_t *ip = f + 14, *tcp = f + 34;
    ip[0] = 0x45;
    put16(ip + 2, 40);
    put16(ip + 4, (uint16_t)seq);
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    put16(tcp, 40000 + (seq & 0x3ff));
    put16(tcp + 2, dport);
    put32(tcp + 4, seq * 2654435761u);
    tcp[12] = 5 << 4;
    tcp[13] = 0x02; /* SYN */
    put16(tcp + 14, 1024);
    uint8_t pseudo[12];
    put32(pseudo, src);
    put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = 6;
    put16(pseudo + 10, 20);
    put16(tcp + 16, fold(sum16(tcp, 20, sum16(pseudo, 12, 0))));
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: txring IFACE SRC_MAC DST_MAC SRC_IP DST_BASE_IP NPORTS COUNT\n");
        return 2;
    }
    uint8_t smac[6], dmac[6];
    struct in_addr sa, da;
    char *end;
    unsigned long nports = strtoul(argv[6], &end, 10);
    int bad = *end || nports < 1 || nports > 65535;
    unsigned long long count = strtoull(argv[7], &end, 10);
    bad |= *end || count < 1 || count > 100000000ull;
    if (parse_mac(argv[2], smac) || parse_mac(argv[3], dmac) ||
        inet_pton(AF_INET, argv[4], &sa) != 1 || inet_pton(AF_INET, argv[5], &da) != 1 || bad) {
        fprintf(stderr, "txring: bad argument (MACs aa:bb:.., IPv4 addresses, NPORTS 1-65535, "
                        "COUNT 1-100000000)\n");
        return 2;
    }
    unsigned ifindex = if_nametoindex(argv[1]);
    if (!ifindex) {
        fprintf(stderr, "txring: no interface %s\n", argv[1]);
        return 1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("txring: socket(AF_PACKET)");
        return 1;
    }
    int v = TPACKET_V2, one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) {
        perror("txring: PACKET_VERSION");
        return 1;
    }
    (void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    struct tpacket_req req = {.tp_block_size = BLOCK_SIZE,
                              .tp_block_nr = BLOCK_COUNT,
                              .tp_frame_size = FRAME_SIZE,
                              .tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_COUNT};
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0) {
        perror("txring: PACKET_TX_RING");
        return 1;
    }
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = (int)ifindex};
    if (bind(fd, (struct sockaddr *)&ll, sizeof ll) < 0) {
        perror("txring: bind");
        return 1;
    }
    size_t ring_len = (size_t)BLOCK_SIZE * BLOCK_COUNT;
    uint8_t *ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) {
        perror("txring: mmap");
        return 1;
    }
    const unsigned nframes = req.tp_frame_nr;
    const size_t data_off = TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
    uint32_t src = ntohl(sa.s_addr), base = ntohl(da.s_addr);
    unsigned long long queued = 0;
    unsigned slot = 0;
    uint64_t t0 = now_ns();
    while (queued < count && now_ns() - t0 < TIME_LIMIT_NS) {
        unsigned filled = 0;
        while (queued < count && filled < nframes) {
            struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)slot * FRAME_SIZE);
            if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
                break;
            uint32_t dst = base + (uint32_t)(queued / nports);
            uint16_t dport = (uint16_t)(1 + queued % nports);
            build((uint8_t *)h + data_off, dmac, smac, src, dst, dport, (uint32_t)queued);
            h->tp_len = PKT_LEN;
            __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
            slot = (slot + 1) % nframes;
            queued++;
            filled++;
        }
        if (send(fd, NULL, 0, 0) < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            perror("txring: send");
            return 1;
        }
        if (!filled) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            (void)poll(&p, 1, 10);
        }
    }
    /* wait until the kernel has taken every frame */
    for (int spins = 0; spins < 1000; spins++) {
        unsigned pending = 0;
        for (unsigned i = 0; i < nframes; i++) {
            struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (size_t)i * FRAME_SIZE);
            unsigned st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
            pending += st == TP_STATUS_SEND_REQUEST || st == TP_STATUS_SENDING;
        }
        if (!pending)
            break;
        (void)send(fd, NULL, 0, 0);
        usleep(1000);
    }
    double s = (double)(now_ns() - t0) / 1e9;
    printf("sent %llu in %.3f s = %.0f pps\n", queued, s, (double)queued / s);
    munmap(ring, ring_len);
    close(fd);
    return queued == count ? 0 : 1;
}
