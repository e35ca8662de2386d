/* rawio.c — see rawio.h. */
#include "net/rawio.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <stdio.h>
#include <unistd.h>

int rawio_privileged(void)
{
    return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) || geteuid() == 0;
}

int rawio_open(struct rawio *io, unsigned families, const char *iface, struct pr_error *e)
{
    memset(io, 0, sizeof *io);
    io->send4 = io->send6 = io->recv = -1;
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
    int sz = 32 << 20;
    if (setsockopt(io->recv, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
        setsockopt(io->recv, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
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

void rawio_close(struct rawio *io)
{
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
    uint8_t junk[2048];
    while (recv(io->recv, junk, sizeof junk, MSG_DONTWAIT) > 0)
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
    return 0;
}

ssize_t rawio_recv(struct rawio *io, uint8_t *buf, size_t cap)
{
    for (;;) {
        struct sockaddr_ll sll;
        socklen_t sl = sizeof sll;
        ssize_t n = recvfrom(io->recv, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&sll, &sl);
        if (n < 0)
            return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
        if (sll.sll_pkttype == PACKET_OUTGOING)
            continue;
        return n;
    }
}

int rawio_wait(struct rawio *io, uint64_t timeout_us)
{
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

int route_source(const struct pr_addr *dst, struct pr_addr *src, char *ifname, struct pr_error *e)
{
    char buf[PR_ADDRSTRLEN];
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(dst, 9, &ss);
    int fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pr_errf(e, "socket: %s", strerror(errno));
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
        int err = errno;
        close(fd);
        return pr_errf(e, "target %s: no route (%s)", addr_str(dst, buf, sizeof buf),
                       strerror(err));
    }
    struct sockaddr_storage me;
    socklen_t ml = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &ml);
    close(fd);
    memset(src, 0, sizeof *src);
    src->family = dst->family;
    if (dst->family == AF_INET6)
        memcpy(src->a, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
    else
        memcpy(src->a, &((struct sockaddr_in *)&me)->sin_addr, 4);
    if (ifname) {
        ifname[0] = 0;
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) == 0) {
            for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != dst->family)
                    continue;
                const void *a = dst->family == AF_INET6
                                    ? (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr
                                    : (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr;
                if (!memcmp(a, src->a, dst->family == AF_INET6 ? 16 : 4)) {
                    snprintf(ifname, IF_NAMESIZE, "%s", i->ifa_name);
                    break;
                }
            }
            freeifaddrs(ifa);
        }
    }
    return 0;
}
