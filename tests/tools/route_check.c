/* route_check — test tool for route planning by cells (net/route.h, net/fibcells.h).
 *
 * Not installed; tests/lab/t_route_cells.sh runs it inside a namespace whose tables it
 * filled. Usage: route_check TARGET... (IPv4 target specs, at most 2^20 addresses). It
 * looks up every address twice, with route_lookup_many (cells, from ROUTE_CELLS_MIN
 * addresses on) and route_lookup_each (one lookup per address), and prints
 *   cells=usable prefixes=P targets=N routed=R differ=D ms_many=X ms_each=Y
 * (or cells=unusable why=...), then one line per address whose answers differ (error,
 * interface, source, next hop). X and Y: wall time of each way, in milliseconds.
 * Exit status 0 when none differ, 1 when some do or a lookup failed, 2 on bad arguments. */
#include "core/addr.h"
#include "core/clock.h"
#include "core/targets.h"
#include "net/fibcells.h"
#include "net/route.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: route_check TARGET...\n");
        return 2;
    }
    struct target_list tl;
    tgt_init(&tl, AF_INET);
    tl.no_resolve = true;
    struct pr_error e = {{0}};
    for (int i = 1; i < argc; i++)
        if (tgt_add(&tl, argv[i], "argument", &e) < 0) {
            fprintf(stderr, "route_check: %s\n", e.msg);
            return 2;
        }
    if (tgt_finish(&tl, &e) < 0 || tgt_count(&tl) > MAX_ADDRS) {
        fprintf(stderr, "route_check: %s\n",
                tgt_count(&tl) > MAX_ADDRS ? "too many addresses" : e.msg);
        return 2;
    }
    size_t n = (size_t)tgt_count(&tl);
    struct pr_addr *dst = calloc(n ? n : 1, sizeof *dst);
    for (size_t i = 0; i < n; i++)
        tgt_get(&tl, i, &dst[i], NULL);
    tgt_free(&tl);
    struct fib_cells fc;
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
