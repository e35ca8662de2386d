/* block.c — see block.h. */
#include "detect/block.h"

#include "core/text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- CIDRs */

static unsigned addr_len(const struct pr_addr *a)
{
    return a->family == AF_INET6 ? 16 : 4;
}

int blk_cidr_parse(const char *s, struct blk_cidr *out, struct pr_error *e)
{
    char buf[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return pr_errf(e, "'%.80s': expected ADDR or ADDR/BITS", s);
    memcpy(buf, s, n + 1);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = 0;
    memset(out, 0, sizeof *out);
    if (addr_parse(buf, &out->net) < 0)
        return pr_errf(e, "'%s': not an IPv4 or IPv6 address at column 1", s);
    unsigned max = addr_len(&out->net) * 8;
    out->bits = (uint8_t)max;
    if (slash) {
        const char *b = slash + 1;
        size_t col = (size_t)(b - buf) + 1;
        if (!*b || strlen(b) > 3)
            return pr_errf(e, "'%s': prefix length expected at column %zu", s, col);
        unsigned v = 0;
        for (const char *q = b; *q; q++) {
            if (!isdigit((unsigned char)*q))
                return pr_errf(e, "'%s': bad prefix length at column %zu", s,
                               col + (size_t)(q - b));
            v = v * 10 + (unsigned)(*q - '0');
        }
        if (v > max)
            return pr_errf(e, "'%s': prefix length %u is more than %u at column %zu", s, v, max,
                           col);
        out->bits = (uint8_t)v;
    }
    for (unsigned i = 0; i < addr_len(&out->net); i++) {
        unsigned keep = out->bits >= 8 * (i + 1) ? 8 : out->bits > 8 * i ? out->bits - 8 * i : 0;
        uint8_t mask = (uint8_t)(keep ? 0xffu << (8 - keep) : 0);
        if (out->net.a[i] & ~mask)
            return pr_errf(e, "'%s': address has bits set beyond the /%u prefix", s, out->bits);
    }
    return 0;
}

bool blk_cidr_contains(const struct blk_cidr *c, const struct pr_addr *a)
{
    if (c->net.family != a->family)
        return false;
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->net.a, a->a, full) != 0)
        return false;
    if (rest) {
        uint8_t mask = (uint8_t)(0xffu << (8 - rest));
        if ((c->net.a[full] & mask) != (a->a[full] & mask))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- protected addresses */

static void add_unique(struct pr_addr *list, unsigned *n, const struct pr_addr *a)
{
    for (unsigned i = 0; i < *n; i++)
        if (addr_eq(&list[i], a))
            return;
    if (*n < BLK_MAX_PROTECT)
        list[(*n)++] = *a;
}

int blk_read_resolv(const char *path, struct blk_policy *p, struct pr_error *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : pr_errf(e, "%s: %s", path, strerror(errno));
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n') && !feof(f)) { /* an overlong line: skip the rest of it */
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
            continue;
        }
        char *save = NULL;
        char *kw = strtok_r(line, " \t\r\n", &save);
        if (!kw || strcmp(kw, "nameserver") != 0)
            continue;
        char *v = strtok_r(NULL, " \t\r\n", &save);
        if (!v)
            continue;
        char *pct = strchr(v, '%'); /* fe80::1%eth0 */
        if (pct)
            *pct = 0;
        struct pr_addr a;
        if (addr_parse(v, &a) == 0)
            add_unique(p->nameserver, &p->nnameserver, &a);
    }
    fclose(f);
    return 0;
}

/* n bytes of hex text into out; returns 0 or -1. */
static int hex_bytes(const char *s, size_t slen, uint8_t *out, size_t n)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int h = pr_hexval((unsigned char)s[2 * i]), l = pr_hexval((unsigned char)s[2 * i + 1]);
        if (h < 0 || l < 0)
            return -1;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}

/* /proc/net/route: "Iface Destination Gateway Flags ..." with little-endian hex fields. */
int blk_read_routes4(const char *path, struct blk_policy *p, struct pr_error *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : pr_errf(e, "%s: %s", path, strerror(errno));
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *fld[4] = {NULL, NULL, NULL, NULL};
        fld[0] = strtok_r(line, " \t\r\n", &save);
        for (int i = 1; i < 4 && fld[i - 1]; i++)
            fld[i] = strtok_r(NULL, " \t\r\n", &save);
        if (!fld[3])
            continue;
        uint8_t dst[4], gw[4];
        if (hex_bytes(fld[1], strlen(fld[1]), dst, 4) < 0 ||
            hex_bytes(fld[2], strlen(fld[2]), gw, 4) < 0)
            continue; /* the header line */
        if (dst[0] | dst[1] | dst[2] | dst[3])
            continue; /* not a default route */
        if (!(gw[0] | gw[1] | gw[2] | gw[3]))
            continue;
        struct pr_addr a;
        memset(&a, 0, sizeof a);
        a.family = AF_INET;
        for (int i = 0; i < 4; i++) /* the kernel prints the address as a host-order word */
            a.a[i] = gw[3 - i];
        add_unique(p->gateway, &p->ngateway, &a);
    }
    fclose(f);
    return 0;
}

/* /proc/net/ipv6_route: "dst dstlen src srclen nexthop metric refcnt use flags iface". */
int blk_read_routes6(const char *path, struct blk_policy *p, struct pr_error *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : pr_errf(e, "%s: %s", path, strerror(errno));
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *fld[5] = {NULL, NULL, NULL, NULL, NULL};
        fld[0] = strtok_r(line, " \t\r\n", &save);
        for (int i = 1; i < 5 && fld[i - 1]; i++)
            fld[i] = strtok_r(NULL, " \t\r\n", &save);
        if (!fld[4] || strcmp(fld[1], "00") != 0)
            continue; /* only ::/0 */
        uint8_t dst[16];
        struct pr_addr a;
        memset(&a, 0, sizeof a);
        a.family = AF_INET6;
        if (hex_bytes(fld[0], strlen(fld[0]), dst, 16) < 0 ||
            hex_bytes(fld[4], strlen(fld[4]), a.a, 16) < 0)
            continue;
        int any = 0;
        for (int i = 0; i < 16; i++)
            any |= a.a[i];
        if (any)
            add_unique(p->gateway, &p->ngateway, &a);
    }
    fclose(f);
    return 0;
}

int blk_read_own(struct blk_policy *p, struct pr_error *e)
{
    struct ifaddrs *ifa;
    if (getifaddrs(&ifa) < 0)
        return pr_errf(e, "listing the interface addresses: %s", strerror(errno));
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr)
            continue;
        struct pr_addr a;
        memset(&a, 0, sizeof a);
        if (i->ifa_addr->sa_family == AF_INET) {
            const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)i->ifa_addr;
            a.family = AF_INET;
            memcpy(a.a, &s->sin_addr, 4);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
            a.family = AF_INET6;
            memcpy(a.a, &s->sin6_addr, 16);
        } else {
            continue;
        }
        add_unique(p->own, &p->nown, &a);
    }
    freeifaddrs(ifa);
    return 0;
}

int blk_policy_load_system(struct blk_policy *p, const char *resolv, struct pr_error *e)
{
    if (blk_read_own(p, e) < 0 || blk_read_routes4("/proc/net/route", p, e) < 0 ||
        blk_read_routes6("/proc/net/ipv6_route", p, e) < 0 ||
        blk_read_resolv(resolv ? resolv : "/etc/resolv.conf", p, e) < 0)
        return -1;
    return 0;
}

static bool in_list(const struct pr_addr *list, unsigned n, const struct pr_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (addr_eq(&list[i], a))
            return true;
    return false;
}

static bool in_cidrs(const struct blk_cidr *list, unsigned n, const struct pr_addr *a)
{
    for (unsigned i = 0; i < n; i++)
        if (blk_cidr_contains(&list[i], a))
            return true;
    return false;
}

const char *blk_protected(const struct blk_policy *p, const struct pr_addr *a)
{
    if (a->family != AF_INET && a->family != AF_INET6)
        return "not an IP address";
    /* an IPv4-mapped IPv6 source is judged as the IPv4 address it names */
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct pr_addr v;
    if (a->family == AF_INET6 && memcmp(a->a, mapped, 12) == 0) {
        memset(&v, 0, sizeof v);
        v.family = AF_INET;
        memcpy(v.a, a->a + 12, 4);
        a = &v;
    }
    if (in_cidrs(p->allow, p->nallow, a))
        return "allowlisted (--allow)";
    if (a->family == AF_INET) {
        if (a->a[0] == 127)
            return "loopback";
        if (a->a[0] == 0 || a->a[0] >= 224)
            return "not a unicast address";
    } else {
        static const uint8_t loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        static const uint8_t zero6[16] = {0};
        if (memcmp(a->a, loop6, 16) == 0)
            return "loopback";
        if (memcmp(a->a, zero6, 16) == 0 || a->a[0] == 0xff)
            return "not a unicast address";
    }
    if (in_list(p->own, p->nown, a))
        return "one of this host's own addresses";
    bool anyway = in_cidrs(p->anyway, p->nanyway, a);
    if (!anyway && in_list(p->gateway, p->ngateway, a))
        return "a default gateway (--block-anyway to allow)";
    if (!anyway && in_list(p->nameserver, p->nnameserver, a))
        return "a name server of resolv.conf (--block-anyway to allow)";
    return NULL;
}

/* ---------------------------------------------------------------- evidence */

const char *blk_evidence_refusal(const struct det_alert *a, bool flags_ok)
{
    static const struct {
        unsigned bit;
        const char *why;
    } veto[] = {
        {DET_EV_FORGED_MAC, "its probes came from another MAC than the address's owner (forged)"},
        {DET_EV_FORGED_TWO_MACS, "the address was seen from two MACs (forged)"},
        {DET_EV_FORGED_HOPS, "its packets came from different distances (more than one sender)"},
        {DET_EV_FORGED_STRAY, "it sent resets for connections it never had (forged answers)"},
    };
    if (!a->has_src)
        return "the real source of the group is not known";
    for (size_t i = 0; i < sizeof veto / sizeof veto[0]; i++)
        if (a->evidence & veto[i].bit)
            return veto[i].why;
    if (a->evidence & (DET_EV_HANDSHAKE | DET_EV_LINK_BOUND | DET_EV_HTTP))
        return NULL;
    if ((a->evidence & (DET_EV_HALFOPEN | DET_EV_HOPS_OK)) == (DET_EV_HALFOPEN | DET_EV_HOPS_OK))
        return NULL;
    if (flags_ok && (a->evidence & DET_EV_STEALTH))
        return NULL;
    if (a->evidence & DET_EV_HALFOPEN)
        return "its answers are not (yet) from the distance of its probes (a live host whose "
               "address is forged answers too)";
    if (a->evidence & DET_EV_STEALTH)
        return "stealth probes alone can be forged (--block-on-flags-only to block on them)";
    return "no evidence that the source is real (its probes could be forged)";
}

/* ---------------------------------------------------------------- repeat offenders */

uint32_t blk_repeat_seconds(uint32_t base, uint32_t max, uint32_t count)
{
    uint64_t t = base;
    for (uint32_t i = 1; i < count && t < max; i++)
        t *= 2;
    if (t > max)
        t = max;
    return t < base ? base : (uint32_t)t;
}

/* ---------------------------------------------------------------- rate cap */

int blk_rate_init(struct blk_rate *r, uint32_t cap)
{
    memset(r, 0, sizeof *r);
    if (cap < 1 || cap > BLK_MAX_PER_MIN)
        return -1;
    r->ts = pr_calloc(cap, sizeof *r->ts);
    r->cap = cap;
    return 0;
}

bool blk_rate_take(struct blk_rate *r, uint64_t now_us)
{
    if (!r->cap)
        return false;
    if (r->n == r->cap) { /* the oldest of the last cap blocks must be a minute old */
        uint64_t oldest = r->ts[r->head];
        if (now_us >= oldest && now_us - oldest < 60000000u)
            return false;
        if (now_us < oldest) /* the clock went back: keep counting from now */
            return false;
        r->ts[r->head] = now_us;
        r->head = (r->head + 1) % r->cap;
        return true;
    }
    r->ts[(r->head + r->n) % r->cap] = now_us;
    r->n++;
    return true;
}

void blk_rate_free(struct blk_rate *r)
{
    free(r->ts);
    memset(r, 0, sizeof *r);
}
