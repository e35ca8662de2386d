/* decoy.c — see decoy.h. */
#include "scan/decoy.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int decoy_reserved4(uint32_t a)
{
    static const struct {
        uint32_t net;
        unsigned bits;
    } r[] =
        {
            {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
            {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
            {0xc0586300, 24}, {0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24},
            {0xcb007100, 24}, {0xe0000000, 3}, /* 224/4 multicast and 240/4 reserved */
        };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if ((a ^ r[i].net) >> (32 - r[i].bits) == 0)
            return 1;
    return 0;
}

static int add(struct decoys *d, const struct pr_addr *a, size_t item, struct pr_error *e)
{
    if (d->n >= DECOY_MAX)
        return pr_errf(e, "-D item %zu: more than %d sources (ME included)", item, DECOY_MAX);
    d->addr[d->n++] = *a;
    return 0;
}

/* One item that is neither ME nor RND: an address, or a name resolved now. */
static int add_host(struct decoys *d, const char *s, int family, size_t item, struct pr_error *e)
{
    struct pr_addr a;
    if (addr_parse(s, &a) == 0) {
        if (a.family != family)
            return pr_errf(e, "-D item %zu '%s': not an %s address like the targets'", item, s,
                           family == AF_INET ? "IPv4" : "IPv6");
        return add(d, &a, item, e);
    }
    struct addrinfo hints = {.ai_family = family}, *res = NULL;
    int rc = getaddrinfo(s, NULL, &hints, &res);
    if (rc != 0 || !res)
        return pr_errf(e, "-D item %zu '%s': failed to resolve decoy host: %s", item, s,
                       gai_strerror(rc));
    memset(&a, 0, sizeof a);
    a.family = (uint8_t)family;
    if (family == AF_INET)
        memcpy(a.a, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(a.a, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    return add(d, &a, item, e);
}

int decoy_parse(const char *spec, int family, const struct sip_key *key, struct decoys *d,
                struct pr_error *e)
{
    memset(d, 0, sizeof *d);
    int have_me = 0;
    uint64_t draws = 0;
    size_t item = 0;
    const char *p = spec;
    if (!spec || !*spec)
        return pr_errf(e, "-D: empty decoy list");
    for (;;) {
        item++;
        size_t len = strcspn(p, ",");
        char s[256];
        if (len == 0 || len >= sizeof s)
            return pr_errf(e, "-D item %zu: %s", item, len ? "too long" : "empty");
        memcpy(s, p, len);
        s[len] = 0;
        if (!strcasecmp(s, "ME")) {
            if (have_me)
                return pr_errf(e, "-D item %zu: can only use 'ME' as a decoy once", item);
            have_me = 1;
            d->me = d->n;
            struct pr_addr none = {.family = (uint8_t)family};
            if (add(d, &none, item, e) < 0)
                return -1;
        } else if (!strncasecmp(s, "RND", 3) && (!s[3] || s[3] == ':')) {
            if (family != AF_INET)
                return pr_errf(e, "-D item %zu '%s': random decoys are IPv4 only", item, s);
            long n = 1;
            if (s[3]) {
                char *end;
                n = strtol(s + 4, &end, 10);
                if (!s[4] || *end || n < 1 || n > DECOY_MAX)
                    return pr_errf(e, "-D item %zu '%s': RND:N needs N from 1 to %d", item, s,
                                   DECOY_MAX);
            }
            for (long k = 0; k < n; k++) {
                uint32_t v;
                do { /* keyed, so --seed repeats them */
                    uint64_t m[2] = {0x726e64 /* "rnd" */, draws++};
                    v = (uint32_t)siphash24(key, m, sizeof m);
                } while (decoy_reserved4(v));
                struct pr_addr a;
                addr_from_v4(&a, v);
                if (add(d, &a, item, e) < 0)
                    return -1;
            }
        } else if (add_host(d, s, family, item, e) < 0) {
            return -1;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    if (!have_me) { /* as nmap: at a random position before one of the decoys */
        uint64_t m = 0x6d65 /* "me" */;
        size_t at = (size_t)(siphash24(key, &m, sizeof m) % d->n);
        if (d->n >= DECOY_MAX)
            return pr_errf(e, "-D: more than %d sources (ME included)", DECOY_MAX);
        memmove(&d->addr[at + 1], &d->addr[at], (d->n - at) * sizeof d->addr[0]);
        d->addr[at] = (struct pr_addr){.family = (uint8_t)family};
        d->me = at;
        d->n++;
    }
    return 0;
}
