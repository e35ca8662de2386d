/* arp.h — ARP requests and replies (RFC 826, Ethernet/IPv4) for host discovery (-PR).
 *
 * One AF_PACKET SOCK_DGRAM socket of protocol ETH_P_ARP, opened while privileged (before
 * the sandbox) and bound to no interface: requests go out to the Ethernet broadcast
 * address of the interface the caller names, and every ARP packet the host sees comes
 * back for arp_parse_reply() to pick out the replies. The kernel adds the Ethernet
 * header; the 28-byte ARP body is ours. No global state. */
#ifndef PR_NET_ARP_H
#define PR_NET_ARP_H

#include "core/addr.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARP_LEN 28 /* an Ethernet/IPv4 ARP body */

/* Opens the socket (needs CAP_NET_RAW). Returns the descriptor (non-blocking), or -1 with
 * e filled. */
int arp_open(struct pr_error *e);
/* Builds a request from (smac, sip) for tip into buf (at least ARP_LEN bytes); sip and tip
 * are IPv4. Returns ARP_LEN. */
size_t arp_build_request(uint8_t *buf, const uint8_t smac[6], const struct pr_addr *sip,
                         const struct pr_addr *tip);
/* Sends len bytes of ARP body to the broadcast address of interface ifindex. Returns 0,
 * or -errno. */
int arp_send(int fd, int ifindex, const uint8_t *buf, size_t len);
/* Receives one ARP packet without blocking: its length, 0 when none waits, -1 on error. */
ssize_t arp_recv(int fd, uint8_t *buf, size_t cap);
/* When buf (len bytes from the wire, untrusted) is an Ethernet/IPv4 ARP reply: returns 1
 * with the sender's address and MAC and the target address (ours) filled; else 0. */
int arp_parse_reply(const uint8_t *buf, size_t len, struct pr_addr *sender, uint8_t smac[6],
                    struct pr_addr *target);

#endif
