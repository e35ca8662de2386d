/* ndr_mem.c — bench helper: the memory of the home network's inventory and baselines
 * (detect/assets.c, detect/baseline.c) for N home hosts, measured.
 *
 *   ndr_mem [N]   (default 100000)
 *
 * Makes both tables for N hosts, as `detect --max-assets N --assets F --learn D` does,
 * and fills every host through the real inventory path (assets_packet and its hooks): each
 * host answers on 3 TCP and 1 UDP service, contacts 20 home peers (16 kept as peers by the
 * inventory) on 2 ports, during learning and again after it. Prints the tables' allocated
 * bytes, the process's RSS before and after (VmRSS), bytes per host, and the size of the
 * baseline file. Sends nothing. */
#include "detect/assets.h"
#include "detect/baseline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

static int is_home(void *ctx, const struct pr_addr *addr)
{
    return assets_is_home(ctx, addr);
}

static void on_service(void *ctx, const struct pr_addr *h, const struct pr_addr *c, uint8_t proto,
                       uint16_t port, uint64_t ts)
{
    bl_service(ctx, h, c, proto, port, ts);
}

static void on_contact(void *ctx, const struct pr_addr *s, const struct pr_addr *d, uint8_t proto,
                       uint16_t port, uint64_t ts)
{
    bl_contact(ctx, s, d, proto, port, ts);
}

/* host i: 10.x.y.z */
static void ip_of(uint32_t i, uint8_t *a)
{
    a[0] = 10;
    a[1] = (uint8_t)(i >> 16);
    a[2] = (uint8_t)(i >> 8);
    a[3] = (uint8_t)i;
}

static size_t dgram(uint8_t *b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
                    uint16_t dport, uint8_t flags)
{
    size_t len = 20 + (proto == 6 ? 20 : 8);
    memset(b, 0, len);
    b[0] = 0x45;
    b[3] = (uint8_t)len;
    b[8] = 64;
    b[9] = proto;
    ip_of(src, b + 12);
    ip_of(dst, b + 16);
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8);
    b[23] = (uint8_t)dport;
    if (proto == 6) {
        b[32] = 5 << 4;
        b[33] = flags;
    }
    return len;
}

static void fill(struct assets *a, uint32_t n, uint64_t t)
{
    uint8_t p[64];
    static const uint16_t svc[] = {22, 80, 443};
    for (uint32_t i = 1; i <= n; i++) {
        for (unsigned k = 0; k < 3; k++) { /* a peer's SYN, this host's SYN+ACK */
            uint32_t peer = 1 + (i + k + 1) % n;
            assets_packet(a, p, dgram(p, peer, i, 6, 40000, svc[k], 0x02), NULL, t);
            assets_packet(a, p, dgram(p, i, peer, 6, svc[k], 40000, 0x12), NULL, t);
        }
        uint32_t peer = 1 + (i + 7) % n; /* a DNS request and its answer */
        assets_packet(a, p, dgram(p, peer, i, 17, 40001, 53, 0), NULL, t);
        assets_packet(a, p, dgram(p, i, peer, 17, 53, 40001, 0), NULL, t);
        for (unsigned k = 0; k < 20; k++) /* its own contacts */
            assets_packet(a, p,
                          dgram(p, i, 1 + (i * 7 + k * 13) % n, 6, 41000, k & 1 ? 445 : 80, 0x02),
                          NULL, t + k);
    }
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
    if (n < 10 || n > (1u << 24)) {
        fprintf(stderr, "usage: ndr_mem [N from 10 to 16777216]\n");
        return 2;
    }
    long before = rss_kib();
    struct pr_error e = {""};
    struct bl_config bc;
    bl_config_defaults(&bc);
    bc.learn_us = 60000000u;
    bc.max_hosts = n;
    struct baseline *b = bl_new(&bc, &e);
    struct assets_config ac = {.max_hosts = n, .on_service = on_service, .on_contact = on_contact};
    ac.hook_ctx = b;
    struct assets *a = b ? assets_new(&ac, &e) : NULL;
    if (!a) {
        fprintf(stderr, "ndr_mem: %s\n", e.msg);
        return 1;
    }
    bl_set_home(b, is_home, a);
    uint64_t t0 = 1796292000000000ull;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    fill(a, n, t0);                /* learning */
    fill(a, n, t0 + 120000000ull); /* after learning (the same hosts: no alerts) */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    long after = rss_kib();
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    size_t doc_len = 0;
    char *doc = bl_to_string(b, t0, &doc_len);
    const struct bl_stats *bs = bl_stats(b);
    const struct assets_stats *as = assets_stats(a);
    size_t tables = assets_bytes(a) + bl_bytes(b);
    printf("hosts %u: inventory %llu hosts (%zu bytes allocated), baseline %llu hosts (%zu bytes "
           "allocated, %zu per host record)\n",
           n, (unsigned long long)as->hosts, assets_bytes(a), (unsigned long long)bs->hosts,
           bl_bytes(b), bl_host_bytes());
    printf("tables %zu bytes = %.0f bytes per host; RSS %ld KiB before, %ld KiB after: %.0f "
           "bytes per host measured\n",
           tables, (double)tables / n, before, after, (double)(after - before) * 1024 / n);
    printf("%llu datagrams (all SYN, SYN+ACK or UDP: every one reaches the baseline) in %.2f s "
           "of CPU: %.2f M per second, first touches of the tables included\n",
           (unsigned long long)as->packets, cpu, (double)as->packets / cpu / 1e6);
    printf("baseline file %zu bytes (%.0f per host); new_service %llu, lateral_fanout %llu\n",
           doc_len, (double)doc_len / n, (unsigned long long)bs->new_service,
           (unsigned long long)bs->lateral_fanout);
    free(doc);
    assets_free(a);
    bl_free(b);
    return bs->hosts == n && as->hosts == n ? 0 : 1;
}
