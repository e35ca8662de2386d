/* addr.h — an IPv4 or IPv6 address as one value type, with parsing and printing.
 *
 * Addresses are kept in network byte order in `a` (IPv4 in a[0..3]). Used by the
 * target lists, the packet code, the engine and the outputs. */
#ifndef PR_CORE_ADDR_H
#define PR_CORE_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PR_ADDRSTRLEN 46

struct pr_addr {
    uint8_t family; /* AF_INET or AF_INET6 */
    uint8_t a[16];
};

/* Parses a literal IPv4 or IPv6 address. Returns 0 or -1. */
int addr_parse(const char *s, struct pr_addr *out);
/* Writes the address as text into buf (at least PR_ADDRSTRLEN bytes); returns buf. */
const char *addr_str(const struct pr_addr *a, char *buf, size_t len);
bool addr_eq(const struct pr_addr *x, const struct pr_addr *y);
/* IPv4 address as a host-order integer; only for AF_INET. */
uint32_t addr_v4(const struct pr_addr *a);
void addr_from_v4(struct pr_addr *a, uint32_t host_order);
/* Fills a sockaddr_in/in6 with the address and port; returns its length. */
socklen_t addr_to_sockaddr(const struct pr_addr *a, uint16_t port, struct sockaddr_storage *ss);

#endif
