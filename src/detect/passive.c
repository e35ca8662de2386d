/* passive.c — see passive.h. */
#include "detect/passive.h"

#include "core/macvendor.h"
#include "detect/assets.h"
#include "detect/oscache.h"
#include "os/p0fdb.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct det_passive {
    struct p0f_db db;
    int have_db;
    struct macvendor vendors;
    struct det_oscache *os;
    struct assets *assets;
    FILE *out;
    const char *path;
    uint64_t every_us, last_us;
};

static unsigned prefix_len(const struct sockaddr *mask)
{
    const uint8_t *b = mask->sa_family == AF_INET
                           ? (const uint8_t *)&((const struct sockaddr_in *)mask)->sin_addr
                           : (const uint8_t *)&((const struct sockaddr_in6 *)mask)->sin6_addr;
    unsigned n = 0, len = mask->sa_family == AF_INET ? 4 : 16;
    for (unsigned i = 0; i < len; i++)
        n += (unsigned)__builtin_popcount(b[i]);
    return n;
}

/* The networks of iface (its addresses with their masks), as home networks. */
static void iface_nets(const char *iface, struct assets_config *ac)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) < 0)
        return;
    for (struct ifaddrs *i = ifa; i && ac->nhome < ASSET_MAX_HOME; i = i->ifa_next) {
        if (!i->ifa_addr || !i->ifa_netmask || strcmp(i->ifa_name, iface) ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        struct blk_cidr *c = &ac->home[ac->nhome];
        memset(c, 0, sizeof *c);
        c->net.family = (uint8_t)i->ifa_addr->sa_family;
        if (c->net.family == AF_INET)
            memcpy(c->net.a, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
        else
            memcpy(c->net.a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
        c->bits = (uint8_t)prefix_len(i->ifa_netmask);
        if ((c->net.family == AF_INET && c->net.a[0] == 169 && c->net.a[1] == 254) ||
            (c->net.family == AF_INET6 && c->net.a[0] == 0xfe && (c->net.a[1] & 0xc0) == 0x80))
            continue; /* link-local: every link has one; it names no home network */
        /* the network, not the host's own address */
        for (unsigned b = c->bits; b < (c->net.family == AF_INET ? 32u : 128u); b++)
            c->net.a[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
        ac->nhome++;
    }
    freeifaddrs(ifa);
}

int det_passive_home(const struct det_passive_config *c, struct blk_cidr *out, unsigned max,
                     struct pr_error *e)
{
    struct assets_config ac;
    memset(&ac, 0, sizeof ac);
    for (unsigned i = 0; i < c->nhome; i++) {
        struct pr_error sub = {""};
        if (i >= ASSET_MAX_HOME || blk_cidr_parse(c->home[i], &ac.home[i], &sub) < 0)
            return pr_errf(e, "--home-net %s", i >= ASSET_MAX_HOME ? "given too often" : sub.msg);
        ac.nhome++;
    }
    if (!ac.nhome && c->iface)
        iface_nets(c->iface, &ac);
    if (!ac.nhome)
        ac.nhome = assets_default_home(ac.home, ASSET_MAX_HOME);
    unsigned n = ac.nhome < max ? (unsigned)ac.nhome : max;
    memcpy(out, ac.home, n * sizeof *out);
    return (int)n;
}

struct det_passive *det_passive_open(const struct det_passive_config *c, struct pr_error *e)
{
    struct det_passive *p = pr_calloc(1, sizeof *p);
    struct pr_error sub = {""};
    if (p0f_db_load(&p->db, c->p0f_path, &sub) == 0) {
        p->have_db = 1;
        p->os = det_oscache_new(&p->db, 0);
    } else {
        fprintf(stderr, "portreeve detect: no passive OS names: %s\n", sub.msg);
    }
    if (!c->assets && !c->inventory)
        return p;
    struct assets_config ac = {.p0f = p->have_db ? &p->db : NULL};
    int nh = det_passive_home(c, ac.home, ASSET_MAX_HOME, e);
    if (nh < 0) {
        det_passive_close(p);
        return NULL;
    }
    ac.nhome = (size_t)nh;
    if (macv_load(&p->vendors, NULL, &sub) < 0)
        fprintf(stderr, "portreeve detect: no MAC vendors: %s\n", sub.msg);
    ac.vendors = &p->vendors;
    p->assets = assets_new(&ac, e);
    if (!p->assets) {
        det_passive_close(p);
        return NULL;
    }
    if (!c->assets)
        return p;
    p->out = strcmp(c->assets, "-") ? fopen(c->assets, "w") : stdout;
    if (!p->out) {
        pr_errf(e, "--assets '%s': %s", c->assets, strerror(errno));
        det_passive_close(p);
        return NULL;
    }
    p->path = c->assets;
    p->every_us = c->assets_every_us ? c->assets_every_us : 60000000u;
    return p;
}

void det_passive_event(struct det_passive *p, const struct det_event *ev)
{
    if (!p)
        return;
    if (ev->origin == DET_ORIG_BIND) {
        if (p->assets && ev->has_mac)
            assets_arp(p->assets, &ev->src, ev->src_mac, ev->ts_us);
        return;
    }
    if (!ev->ip)
        return;
    if (p->os && ev->proto == DET_PROTO_TCP && (ev->flags & 0x02))
        det_oscache_packet(p->os, ev->ip, ev->ip_len);
    if (p->assets)
        assets_packet(p->assets, ev->ip, ev->ip_len, ev->has_mac ? ev->src_mac : NULL, ev->ts_us);
}

const char *det_passive_os(void *ctx, const struct pr_addr *a)
{
    struct det_passive *p = ctx;
    return p && p->os ? det_oscache_name(p->os, a) : NULL;
}

int det_passive_write(struct det_passive *p, uint64_t now_us, int final)
{
    if (!p || !p->out || (!final && now_us - p->last_us < p->every_us))
        return 0;
    p->last_us = now_us;
    if (p->out != stdout) { /* the whole inventory each time, in place */
        rewind(p->out);
        if (ftruncate(fileno(p->out), 0) < 0) {
            fprintf(stderr, "portreeve detect: --assets '%s': %s\n", p->path, strerror(errno));
            return -1;
        }
    }
    if (assets_write_json(p->assets, p->out) < 0) {
        fprintf(stderr, "portreeve detect: --assets '%s': writing failed\n", p->path);
        return -1;
    }
    return 0;
}

void det_passive_summary(const struct det_passive *p, FILE *f)
{
    if (!p || !p->assets)
        return;
    const struct assets_stats *st = assets_stats(p->assets);
    fprintf(f,
            "assets: hosts %llu (not kept %llu), services %llu, OS named %llu, table memory "
            "%zu bytes\n",
            (unsigned long long)st->hosts, (unsigned long long)st->hosts_dropped,
            (unsigned long long)st->services, (unsigned long long)st->os_named,
            assets_bytes(p->assets));
    fflush(f);
}

const struct assets *det_passive_assets(const struct det_passive *p)
{
    return p ? p->assets : NULL;
}

void det_passive_close(struct det_passive *p)
{
    if (!p)
        return;
    if (p->out && p->out != stdout)
        fclose(p->out);
    assets_free(p->assets);
    det_oscache_free(p->os);
    macv_free(&p->vendors);
    if (p->have_db)
        p0f_db_free(&p->db);
    free(p);
}
