/* arp.c — see arp.h. */
#include "net/arp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ARP_HW_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

int arp_open(struct pr_error *e)
{
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0)
        return pr_errf(e, "ARP socket: %s (needs root or CAP_NET_RAW)", strerror(errno));
    return fd;
}

size_t arp_build_request(uint8_t *buf, const uint8_t smac[6], const struct pr_addr *sip,
                         const struct pr_addr *tip)
{
    static const uint8_t head[8] = {0, ARP_HW_ETHER, 0x08, 0x00, 6, 4, 0, ARP_OP_REQUEST};
    memcpy(buf, head, sizeof head);
    memcpy(buf + 8, smac, 6);
    memcpy(buf + 14, sip->a, 4);
    memset(buf + 18, 0, 6);
    memcpy(buf + 24, tip->a, 4);
    return ARP_LEN;
}

int arp_send(int fd, int ifindex, const uint8_t *buf, size_t len)
{
    struct sockaddr_ll sll = {.sll_family = AF_PACKET,
                              .sll_protocol = htons(ETH_P_ARP),
                              .sll_ifindex = ifindex,
                              .sll_halen = 6};
    memset(sll.sll_addr, 0xff, 6);
    if (sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof sll) < 0)
        return -errno;
    return 0;
}

ssize_t arp_recv(int fd, uint8_t *buf, size_t cap)
{
    ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    return n;
}

int arp_parse_reply(const uint8_t *buf, size_t len, struct pr_addr *sender, uint8_t smac[6],
                    struct pr_addr *target)
{
    static const uint8_t head[8] = {0, ARP_HW_ETHER, 0x08, 0x00, 6, 4, 0, ARP_OP_REPLY};
    if (len < ARP_LEN || memcmp(buf, head, sizeof head) != 0)
        return 0;
    memset(sender, 0, sizeof *sender);
    memset(target, 0, sizeof *target);
    sender->family = target->family = AF_INET;
    memcpy(smac, buf + 8, 6);
    memcpy(sender->a, buf + 14, 4);
    memcpy(target->a, buf + 24, 4);
    return 1;
}
