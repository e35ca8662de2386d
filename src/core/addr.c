/* addr.c — see addr.h. */
#include "core/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int addr_parse(const char *s, struct pr_addr *out)
{
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, s, out->a) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->a) == 1) {
        out->family = AF_INET6;
        return 0;
    }
    return -1;
}

const char *addr_str(const struct pr_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

bool addr_eq(const struct pr_addr *x, const struct pr_addr *y)
{
    size_t n = x->family == AF_INET6 ? 16 : 4;
    return x->family == y->family && memcmp(x->a, y->a, n) == 0;
}

uint32_t addr_v4(const struct pr_addr *a)
{
    return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3];
}

void addr_from_v4(struct pr_addr *a, uint32_t v)
{
    memset(a, 0, sizeof *a);
    a->family = AF_INET;
    a->a[0] = (uint8_t)(v >> 24);
    a->a[1] = (uint8_t)(v >> 16);
    a->a[2] = (uint8_t)(v >> 8);
    a->a[3] = (uint8_t)v;
}

socklen_t addr_to_sockaddr(const struct pr_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        memcpy(&s6->sin6_addr, a->a, 16);
        return sizeof *s6;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    memcpy(&s4->sin_addr, a->a, 4);
    return sizeof *s4;
}
