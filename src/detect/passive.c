/* passive.c — see passive.h. */
#include "detect/passive.h"

#include "core/macvendor.h"
#include "detect/assets.h"
#include "detect/baseline.h"
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
    struct p0f_db own_db;
    const struct p0f_db *db; /* own_db, the one shared (share_db), or NULL */
    struct macvendor vendors;
    struct det_oscache *os;
    struct assets *assets;
    FILE *out;
    const char *path;
    uint64_t every_us, last_us;
    struct baseline *bl;
    FILE *bl_out; /* --baseline FILE, rewritten in place */
    const char *bl_path;
    const struct det_store *store;
};

static int home_of(void *ctx, const struct pr_addr *a)
{
    return assets_is_home(ctx, a);
}

static void on_service(void *ctx, const struct pr_addr *host, const struct pr_addr *client,
                       uint8_t proto, uint16_t port, uint64_t ts_us)
{
    bl_service(ctx, host, client, proto, port, ts_us);
}

static void on_contact(void *ctx, const struct pr_addr *src, const struct pr_addr *dst,
                       uint8_t proto, uint16_t dport, uint64_t ts_us)
{
    bl_contact(ctx, src, dst, proto, dport, ts_us);
}

/* The inventory's hooks feed the baseline. */
static int hook_baseline(struct det_passive *p, struct assets_config *ac)
{
    ac->on_service = on_service;
    ac->on_contact = on_contact;
    ac->hook_ctx = p->bl;
    return 0;
}

/* The baseline (--learn, --baseline): loaded from the store, then from the file (which
 * wins for the hosts it has); a missing file is made when learning. 0, or -1 with e. */
static int open_baseline(struct det_passive *p, const struct det_passive_config *c,
                         struct assets_config *ac, struct pr_error *e)
{
    struct bl_config bc;
    bl_config_defaults(&bc);
    bc.learn_us = c->learn_us;
    bc.max_hosts = ac->max_hosts ? ac->max_hosts : 65536;
    p->bl = bl_new(&bc, e);
    if (!p->bl)
        return -1;
    if (c->store && c->store->load_baseline) {
        char *doc = NULL;
        size_t len = 0;
        if (c->store->load_baseline(c->store->ctx, &doc, &len, e) < 0)
            return -1;
        int rc = doc ? bl_load_buf(p->bl, doc, len, "--db", e) : 0;
        free(doc);
        if (rc < 0)
            return -1;
    }
    if (c->baseline) {
        p->bl_path = c->baseline;
        p->bl_out = fopen(c->baseline, "r+");
        if (!p->bl_out && (errno == EACCES || errno == EROFS)) { /* judge, keep it as it is */
            FILE *ro = fopen(c->baseline, "r");
            if (!ro)
                return pr_errf(e, "--baseline '%s': %s", c->baseline, strerror(errno));
            fprintf(stderr,
                    "portreeve detect: --baseline '%s' is read-only: it is used, not "
                    "updated\n",
                    c->baseline);
            int rc = bl_load_file(p->bl, ro, c->baseline, e);
            fclose(ro);
            return rc < 0 ? -1 : hook_baseline(p, ac);
        }
        if (p->bl_out) {
            if (bl_load_file(p->bl, p->bl_out, c->baseline, e) < 0)
                return -1;
        } else if (errno == ENOENT && c->learn_us) {
            p->bl_out = fopen(c->baseline, "w+");
        } else if (errno == ENOENT) {
            return pr_errf(e, "--baseline '%s': no such file (--learn DURATION makes one)",
                           c->baseline);
        }
        if (!p->bl_out)
            return pr_errf(e, "--baseline '%s': %s", c->baseline, strerror(errno));
    }
    return hook_baseline(p, ac);
}

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
    if (c->share_db && c->share_db->db) {
        p->db = c->share_db->db;
        p->os = det_oscache_new(p->db, 0);
    } else if (p0f_db_load(&p->own_db, c->p0f_path, &sub) == 0) {
        p->db = &p->own_db;
        p->os = det_oscache_new(p->db, 0);
    } else {
        fprintf(stderr, "portreeve detect: no passive OS names: %s\n", sub.msg);
    }
    int want_bl = c->learn_us || c->baseline;
    if (!c->assets && !c->inventory && !want_bl && !c->store)
        return p;
    struct assets_config ac = {.p0f = p->db, .max_hosts = c->max_hosts};
    int nh = det_passive_home(c, ac.home, ASSET_MAX_HOME, e);
    if (nh < 0) {
        det_passive_close(p);
        return NULL;
    }
    ac.nhome = (size_t)nh;
    if (macv_load(&p->vendors, NULL, &sub) < 0)
        fprintf(stderr, "portreeve detect: no MAC vendors: %s\n", sub.msg);
    ac.vendors = &p->vendors;
    if (want_bl && open_baseline(p, c, &ac, e) < 0) {
        det_passive_close(p);
        return NULL;
    }
    p->store = c->store;
    p->assets = assets_new(&ac, e);
    if (!p->assets) {
        det_passive_close(p);
        return NULL;
    }
    if (p->bl) /* only home peers count towards a fan-out */
        bl_set_home(p->bl, home_of, p->assets);
    p->every_us = c->assets_every_us ? c->assets_every_us : 60000000u;
    if (!c->assets)
        return p;
    p->out = strcmp(c->assets, "-") ? fopen(c->assets, "w") : stdout;
    if (!p->out) {
        pr_errf(e, "--assets '%s': %s", c->assets, strerror(errno));
        det_passive_close(p);
        return NULL;
    }
    p->path = c->assets;
    return p;
}

void det_passive_set_engine(struct det_passive *p, struct det_engine *d)
{
    if (p && p->bl)
        bl_set_engine(p->bl, d);
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

/* Empties a file rewritten in place (not stdout). */
static int restart_file(FILE *f, const char *what, const char *path)
{
    if (f == stdout)
        return 0;
    rewind(f);
    if (ftruncate(fileno(f), 0) < 0) {
        fprintf(stderr, "portreeve detect: %s '%s': %s\n", what, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The inventory and the baseline into the history store. */
static int write_store(struct det_passive *p, uint64_t now_us)
{
    struct pr_error e = {""};
    int rc = 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m || assets_write_json(p->assets, m) < 0 || fclose(m) != 0) {
        rc = pr_errf(&e, "the inventory could not be written");
    } else if (p->store->save_inventory(p->store->ctx, buf, len, &e) < 0) {
        rc = -1;
    }
    free(buf);
    if (rc == 0 && p->bl) {
        buf = bl_to_string(p->bl, now_us, &len);
        rc = buf ? p->store->save_baseline(p->store->ctx, buf, len, &e)
                 : pr_errf(&e, "the baseline could not be written");
        free(buf);
    }
    if (rc < 0)
        fprintf(stderr, "portreeve detect: --db: %s\n", e.msg);
    return rc;
}

int det_passive_write(struct det_passive *p, uint64_t now_us, int final)
{
    if (!p || !p->assets || (!final && now_us - p->last_us < p->every_us))
        return 0;
    p->last_us = now_us;
    int rc = 0;
    if (p->out) { /* the whole inventory each time, in place */
        if (restart_file(p->out, "--assets", p->path) < 0)
            rc = -1;
        else if (assets_write_json(p->assets, p->out) < 0) {
            fprintf(stderr, "portreeve detect: --assets '%s': writing failed\n", p->path);
            rc = -1;
        }
    }
    if (p->bl_out) {
        if (restart_file(p->bl_out, "--baseline", p->bl_path) < 0)
            rc = -1;
        else if (bl_write_json(p->bl, p->bl_out, now_us) < 0) {
            fprintf(stderr, "portreeve detect: --baseline '%s': writing failed\n", p->bl_path);
            rc = -1;
        }
    }
    if (p->store && write_store(p, now_us) < 0)
        rc = -1;
    return rc;
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
    if (p->bl) {
        const struct bl_stats *b = bl_stats(p->bl);
        fprintf(f,
                "baseline: hosts %llu (loaded %llu, not kept %llu), services %llu, new_service "
                "%llu, lateral_fanout %llu, joined %llu, table memory %zu bytes\n",
                (unsigned long long)b->hosts, (unsigned long long)b->learned_hosts,
                (unsigned long long)b->hosts_dropped, (unsigned long long)b->services,
                (unsigned long long)b->new_service, (unsigned long long)b->lateral_fanout,
                (unsigned long long)b->joined, bl_bytes(p->bl));
    }
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
    if (p->bl_out)
        fclose(p->bl_out);
    bl_free(p->bl);
    assets_free(p->assets);
    det_oscache_free(p->os);
    macv_free(&p->vendors);
    if (p->db == &p->own_db)
        p0f_db_free(&p->own_db);
    free(p);
}
