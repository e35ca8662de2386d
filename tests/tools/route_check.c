/* route_check — test tool for route planning by cells (net/route.h, net/fibcells.h).
 *
 * Not installed; tests/lab/t_route_cells.sh runs it inside a namespace whose tables it
 * filled. Usage: route_check CIDR... (IPv4 only, at most 2^20 addresses in all). It
 * looks up every address twice, with route_lookup_many (cells, from ROUTE_CELLS_MIN
 * addresses on) and route_lookup_each (one lookup per address), and prints
 *   cells=usable prefixes=P targets=N routed=R differ=D ms_many=X ms_each=Y
 * (or cells=unusable why=...), then one line per address whose answers differ (error,
 * interface, source, next hop). X and Y: wall time of each way, in milliseconds.
 * Exit status 0 when none differ, 1 when some do or a lookup failed, 2 on bad arguments. */
#include "core/addr.h"
#include "core/clock.h"
#include "net/fibcells.h"
#include "net/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS (1u << 20)

static int same(const struct route_answer *a, const struct route_answer *b)
{
    return a->err == b->err && a->oif == b->oif && addr_eq(&a->src, &b->src) &&
           addr_eq(&a->nexthop, &b->nexthop);
}

static void show(const char *what, const struct route_answer *a)
{
    char s[PR_ADDRSTRLEN], h[PR_ADDRSTRLEN];
    printf(" %s: err=%d oif=%d src=%s nexthop=%s", what, a->err, a->oif,
           a->src.family ? addr_str(&a->src, s, sizeof s) : "-",
           a->nexthop.family ? addr_str(&a->nexthop, h, sizeof h) : "-");
}

/* Appends the addresses of CIDR to dst; returns the new count, or 0 on a bad CIDR. */
static size_t add_cidr(const char *arg, struct pr_addr *dst, size_t n)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", arg);
    char *slash = strchr(buf, '/');
    unsigned len = 32;
    if (slash) {
        *slash = 0;
        len = (unsigned)atoi(slash + 1);
    }
    struct pr_addr base;
    if (addr_parse(buf, &base) < 0 || base.family != AF_INET || len > 32 || len < 12)
        return 0;
    uint32_t v = (uint32_t)base.a[0] << 24 | (uint32_t)base.a[1] << 16 | (uint32_t)base.a[2] << 8 |
                 base.a[3];
    uint64_t count = 1ull << (32 - len);
    if (n + count > MAX_ADDRS)
        return 0;
    v &= len ? ~0u << (32 - len) : 0;
    for (uint64_t i = 0; i < count; i++)
        addr_from_v4(&dst[n++], v + (uint32_t)i);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: route_check CIDR...\n");
        return 2;
    }
    struct pr_addr *dst = calloc(MAX_ADDRS, sizeof *dst);
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        size_t m = add_cidr(argv[i], dst, n);
        if (!m) {
            fprintf(stderr, "route_check: bad or too large CIDR: %s\n", argv[i]);
            return 2;
        }
        n = m;
    }
    struct fib_cells fc;
    struct pr_error e = {{0}};
    int usable = fibcells_load(&fc, FIBCELLS_MAX, &e);
    if (usable == 0)
        printf("cells=usable prefixes=%u", fc.n);
    else
        printf("cells=unusable why=\"%s\"", e.msg);
    fibcells_free(&fc);

    struct route_answer *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
    uint64_t t0 = now_us();
    int rc = route_lookup_many(dst, n, a, NULL, &e);
    uint64_t t1 = now_us();
    if (rc == 0)
        rc = route_lookup_each(dst, n, b, NULL, &e);
    uint64_t t2 = now_us();
    if (rc != 0) {
        printf("\nroute_check: lookup failed: %s\n", e.msg);
        return 1;
    }
    size_t differ = 0, routed = 0;
    for (size_t i = 0; i < n; i++) {
        routed += !b[i].err;
        differ += !same(&a[i], &b[i]);
    }
    printf(" targets=%zu routed=%zu differ=%zu ms_many=%.1f ms_each=%.1f\n", n, routed, differ,
           (double)(t1 - t0) / 1e3, (double)(t2 - t1) / 1e3);
    for (size_t i = 0, shown = 0; i < n && shown < 20; i++)
        if (!same(&a[i], &b[i])) {
            char s[PR_ADDRSTRLEN];
            printf("%s", addr_str(&dst[i], s, sizeof s));
            show("cells", &a[i]);
            show("each", &b[i]);
            printf("\n");
            shown++;
        }
    free(dst);
    free(a);
    free(b);
    return differ ? 1 : 0;
}
