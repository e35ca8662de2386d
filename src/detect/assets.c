/* assets.c — the passive inventory of home hosts (see assets.h). */
#include "detect/assets.h"

#include "core/siphash.h"
#include "detect/alert.h"
#include "os/p0fmatch.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define UDP_REQ_SLOTS 65536 /* recent UDP requests, direct-mapped */

enum os_rank { OS_NONE = 0, OS_APP, OS_FUZZY, OS_GENERIC, OS_SPECIFIC };

struct svc {
    uint64_t first_us;
    uint16_t port;
    uint8_t proto; /* 6 or 17 */
};

struct host {
    struct pr_addr addr;
    uint8_t mac[6];
    uint8_t have_mac, mac_from_arp;
    uint8_t os_rank; /* enum os_rank */
    uint8_t nsvc, npeers, peers_truncated;
    uint32_t os_label; /* index into the p0f labels */
    uint64_t first_us, last_us;
    struct svc svc[ASSET_MAX_SVC];
    struct pr_addr peers[ASSET_MAX_PEERS];
};

struct assets {
    struct assets_config cfg;
    struct sip_key key;
    struct host *hosts;
    uint32_t nhosts;
    uint32_t *index; /* 0 empty, else host index + 1; open addressing, load <= 1/2 */
    uint32_t mask;
    uint64_t *udp_req; /* hash of (server, port, client, port) of requests seen */
    struct assets_stats st;
};

static const struct {
    const char *net;
    uint8_t bits;
} default_home[] = {{"10.0.0.0", 8},    {"172.16.0.0", 12}, {"192.168.0.0", 16},
                    {"198.18.0.0", 15}, {"fc00::", 7},      {"fe80::", 10}};

size_t assets_default_home(struct blk_cidr *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof default_home / sizeof default_home[0] && n < max; i++, n++) {
        memset(&out[n], 0, sizeof out[n]);
        addr_parse(default_home[i].net, &out[n].net);
        out[n].bits = default_home[i].bits;
    }
    return n;
}

struct assets *assets_new(const struct assets_config *c, struct pr_error *e)
{
    if (c->nhome > ASSET_MAX_HOME) {
        pr_errf(e, "--home-net: at most %d networks", ASSET_MAX_HOME);
        return NULL;
    }
    struct assets *a = pr_calloc(1, sizeof *a);
    a->cfg = *c;
    if (!a->cfg.max_hosts)
        a->cfg.max_hosts = 65536;
    if (a->cfg.max_hosts > (1u << 24)) {
        free(a);
        pr_errf(e, "--max-assets: at most %u hosts", 1u << 24);
        return NULL;
    }
    if (!a->cfg.nhome)
        a->cfg.nhome = assets_default_home(a->cfg.home, ASSET_MAX_HOME);
    uint32_t cap = 2;
    while (cap < 2 * a->cfg.max_hosts)
        cap <<= 1;
    a->mask = cap - 1;
    /* calloc: untouched pages cost nothing until hosts arrive */
    a->hosts = pr_calloc(a->cfg.max_hosts, sizeof *a->hosts);
    a->index = pr_calloc(cap, sizeof *a->index);
    a->udp_req = pr_calloc(UDP_REQ_SLOTS, sizeof *a->udp_req);
    sip_key_init(&a->key, 0, 0);
    return a;
}

void assets_free(struct assets *a)
{
    if (!a)
        return;
    free(a->hosts);
    free(a->index);
    free(a->udp_req);
    free(a);
}

size_t assets_bytes(const struct assets *a)
{
    return sizeof *a + (size_t)a->cfg.max_hosts * sizeof *a->hosts +
           ((size_t)a->mask + 1) * sizeof *a->index + UDP_REQ_SLOTS * sizeof *a->udp_req;
}

const struct assets_stats *assets_stats(const struct assets *a)
{
    return &a->st;
}

int assets_is_home(const struct assets *a, const struct pr_addr *addr)
{
    for (size_t i = 0; i < a->cfg.nhome; i++)
        if (blk_cidr_contains(&a->cfg.home[i], addr))
            return 1;
    return 0;
}

static size_t alen(const struct pr_addr *x)
{
    return x->family == AF_INET ? 4 : 16;
}

/* The host record of addr, created when create is set and there is room; NULL else. */
static struct host *host_get(struct assets *a, const struct pr_addr *addr, uint64_t ts, int create)
{
    uint64_t h = siphash24(&a->key, addr->a, alen(addr)) ^ addr->family;
    for (uint32_t i = (uint32_t)h & a->mask;; i = (i + 1) & a->mask) {
        uint32_t slot = a->index[i];
        if (!slot) {
            if (!create)
                return NULL;
            if (a->nhosts == a->cfg.max_hosts) {
                a->st.hosts_dropped++;
                return NULL;
            }
            struct host *n = &a->hosts[a->nhosts++];
            n->addr = *addr;
            n->first_us = n->last_us = ts;
            a->index[i] = a->nhosts;
            a->st.hosts++;
            return n;
        }
        struct host *x = &a->hosts[slot - 1];
        if (addr_eq(&x->addr, addr))
            return x;
    }
}

static void set_mac(struct host *h, const uint8_t *mac, int from_arp)
{
    if (h->mac_from_arp && !from_arp)
        return; /* what the owner said in ARP wins over a frame's source */
    memcpy(h->mac, mac, 6);
    h->have_mac = 1;
    h->mac_from_arp = (uint8_t)from_arp;
}

void assets_arp(struct assets *a, const struct pr_addr *ip, const uint8_t *mac, uint64_t ts_us)
{
    if (!assets_is_home(a, ip))
        return;
    struct host *h = host_get(a, ip, ts_us, 1);
    if (!h)
        return;
    if (ts_us > h->last_us)
        h->last_us = ts_us;
    set_mac(h, mac, 1);
}

static void add_service(struct assets *a, struct host *h, uint8_t proto, uint16_t port, uint64_t ts)
{
    for (unsigned i = 0; i < h->nsvc; i++)
        if (h->svc[i].port == port && h->svc[i].proto == proto)
            return;
    if (h->nsvc == ASSET_MAX_SVC)
        return;
    h->svc[h->nsvc++] = (struct svc){ts, port, proto};
    a->st.services++;
}

static void add_peer(struct host *h, const struct pr_addr *peer)
{
    for (unsigned i = 0; i < h->npeers; i++)
        if (addr_eq(&h->peers[i], peer))
            return;
    if (h->npeers == ASSET_MAX_PEERS)
        h->peers_truncated = 1;
    else
        h->peers[h->npeers++] = *peer;
}

static void learn_os(struct assets *a, struct host *h, const uint8_t *ip, size_t len)
{
    struct p0f_obs o;
    struct p0f_result r;
    if (!a->cfg.p0f || p0f_observe(ip, len, &o) < 0)
        return;
    p0f_match(a->cfg.p0f, &o, &r);
    if (!r.label)
        return;
    uint8_t rank = !strcmp(r.label->cls, "!") ? OS_APP
                   : r.fuzzy                  ? OS_FUZZY
                   : r.label->type == 'g'     ? OS_GENERIC
                                              : OS_SPECIFIC;
    if (rank < h->os_rank)
        return;
    if (!h->os_rank)
        a->st.os_named++;
    h->os_rank = rank;
    h->os_label = (uint32_t)(r.label - a->cfg.p0f->labels);
}

static uint64_t udp_key(const struct assets *a, const struct pr_addr *srv, uint16_t sport,
                        const struct pr_addr *cli, uint16_t cport)
{
    uint8_t buf[36];
    size_t n = alen(srv);
    memcpy(buf, srv->a, n);
    memcpy(buf + n, cli->a, n);
    buf[2 * n] = (uint8_t)(sport >> 8);
    buf[2 * n + 1] = (uint8_t)sport;
    buf[2 * n + 2] = (uint8_t)(cport >> 8);
    buf[2 * n + 3] = (uint8_t)cport;
    return siphash24(&a->key, buf, 2 * n + 4) | 1; /* never 0, the empty slot */
}

void assets_packet(struct assets *a, const uint8_t *ip, size_t len, const uint8_t *src_mac,
                   uint64_t ts_us)
{
    struct pr_addr src = {0}, dst = {0};
    size_t off;
    uint8_t proto, ttl;
    int first_fragment = 1;
    a->st.packets++;
    if (len >= 20 && ip[0] >> 4 == 4) {
        off = (size_t)(ip[0] & 15) * 4;
        if (off < 20 || off > len)
            return;
        src.family = dst.family = AF_INET;
        memcpy(src.a, ip + 12, 4);
        memcpy(dst.a, ip + 16, 4);
        proto = ip[9];
        ttl = ip[8];
        first_fragment = ((ip[6] & 0x1f) | ip[7]) == 0;
    } else if (len >= 40 && ip[0] >> 4 == 6) {
        off = 40;
        src.family = dst.family = AF_INET6;
        memcpy(src.a, ip + 8, 16);
        memcpy(dst.a, ip + 24, 16);
        proto = ip[6];
        ttl = ip[7];
    } else {
        return;
    }
    int src_home = assets_is_home(a, &src);
    if (src_home && proto == 6 && first_fragment && len >= off + 14) {
        uint8_t flags = ip[off + 13];
        uint16_t sport = (uint16_t)(ip[off] << 8 | ip[off + 1]);
        if ((flags & 0x17) == 0x12 && a->cfg.on_service)
            a->cfg.on_service(a->cfg.hook_ctx, &src, &dst, 6, sport, ts_us);
        else if ((flags & 0x17) == 0x02 && a->cfg.on_contact)
            a->cfg.on_contact(a->cfg.hook_ctx, &src, &dst, 6,
                              (uint16_t)(ip[off + 2] << 8 | ip[off + 3]), ts_us);
    }
    if (src_home) {
        struct host *h = host_get(a, &src, ts_us, 1);
        if (h) {
            if (ts_us > h->last_us)
                h->last_us = ts_us;
            /* an initial TTL means no router in between: the frame's source is the host */
            if (src_mac && (ttl == 64 || ttl == 128 || ttl == 255 || ttl == 32))
                set_mac(h, src_mac, 0);
            add_peer(h, &dst);
            if (proto == 6 && first_fragment && len >= off + 14) {
                uint8_t flags = ip[off + 13];
                if ((flags & 0x17) == 0x12) /* SYN+ACK: a service */
                    add_service(a, h, 6, (uint16_t)(ip[off] << 8 | ip[off + 1]), ts_us);
                if ((flags & 0x07) == 0x02)
                    learn_os(a, h, ip, len);
            }
        }
    }
    if (proto != 17 || !first_fragment || len < off + 8)
        return;
    uint16_t sport = (uint16_t)(ip[off] << 8 | ip[off + 1]);
    uint16_t dport = (uint16_t)(ip[off + 2] << 8 | ip[off + 3]);
    /* A UDP datagram from a home host that answers one seen the other way is a service */
    uint64_t back = udp_key(a, &src, sport, &dst, dport);
    if (a->udp_req[back & (UDP_REQ_SLOTS - 1)] == back) {
        struct host *h = src_home ? host_get(a, &src, ts_us, 0) : NULL;
        if (h)
            add_service(a, h, 17, sport, ts_us);
        if (src_home && a->cfg.on_service)
            a->cfg.on_service(a->cfg.hook_ctx, &src, &dst, 17, sport, ts_us);
        return; /* an answer is no request: the client's next query is not a "reply" */
    }
    if (src_home && a->cfg.on_contact)
        a->cfg.on_contact(a->cfg.hook_ctx, &src, &dst, 17, dport, ts_us);
    if (assets_is_home(a, &dst)) {
        uint64_t req = udp_key(a, &dst, dport, &src, sport);
        a->udp_req[req & (UDP_REQ_SLOTS - 1)] = req;
    }
}

static int host_cmp(const void *x, const void *y)
{
    const struct host *a = *(const struct host *const *)x, *b = *(const struct host *const *)y;
    if (a->addr.family != b->addr.family)
        return a->addr.family == AF_INET ? -1 : 1;
    return memcmp(a->addr.a, b->addr.a, alen(&a->addr));
}

static int svc_cmp(const void *x, const void *y)
{
    const struct svc *a = x, *b = y;
    if (a->proto != b->proto)
        return a->proto - b->proto;
    return (a->port > b->port) - (a->port < b->port);
}

static json_t *time_json(uint64_t us)
{
    char t[40];
    det_fmt_time(us, t, sizeof t);
    return json_string(t);
}

int assets_write_json(const struct assets *a, FILE *f)
{
    const struct host **order = pr_calloc(a->nhosts ? a->nhosts : 1, sizeof *order);
    for (uint32_t i = 0; i < a->nhosts; i++)
        order[i] = &a->hosts[i];
    qsort(order, a->nhosts, sizeof *order, host_cmp);
    int rc = 0;
    for (uint32_t i = 0; i < a->nhosts && rc == 0; i++) {
        const struct host *h = order[i];
        char buf[64];
        json_t *o = json_object();
        json_object_set_new(o, "ip", json_string(addr_str(&h->addr, buf, sizeof buf)));
        const char *vendor = NULL;
        if (h->have_mac) {
            snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1],
                     h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
            json_object_set_new(o, "mac", json_string(buf));
            vendor = macv_lookup(a->cfg.vendors, h->mac);
        } else {
            json_object_set_new(o, "mac", json_null());
        }
        json_object_set_new(o, "vendor", vendor ? json_string(vendor) : json_null());
        if (h->os_rank && h->os_rank != OS_APP) {
            char os[160];
            p0f_label_str(&a->cfg.p0f->labels[h->os_label], os, sizeof os);
            json_object_set_new(o, "os", json_string(os));
            json_object_set_new(o, "os_match",
                                json_string(h->os_rank == OS_SPECIFIC  ? "exact"
                                            : h->os_rank == OS_GENERIC ? "generic"
                                                                       : "fuzzy"));
        } else {
            json_object_set_new(o, "os", json_null());
            json_object_set_new(o, "os_match", json_null());
        }
        struct svc sv[ASSET_MAX_SVC];
        memcpy(sv, h->svc, h->nsvc * sizeof *sv);
        qsort(sv, h->nsvc, sizeof *sv, svc_cmp);
        json_t *svcs = json_array();
        for (unsigned k = 0; k < h->nsvc; k++)
            json_array_append_new(svcs, json_pack("{s:i, s:s, s:o}", "port", sv[k].port, "proto",
                                                  sv[k].proto == 6 ? "tcp" : "udp", "first_seen",
                                                  time_json(sv[k].first_us)));
        json_object_set_new(o, "services", svcs);
        json_t *peers = json_array();
        for (unsigned k = 0; k < h->npeers; k++)
            json_array_append_new(peers, json_string(addr_str(&h->peers[k], buf, sizeof buf)));
        json_object_set_new(o, "peers", peers);
        json_object_set_new(o, "peers_truncated", json_boolean(h->peers_truncated));
        json_object_set_new(o, "first_seen", time_json(h->first_us));
        json_object_set_new(o, "last_seen", time_json(h->last_us));
        if (json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f) == EOF)
            rc = -1;
        json_decref(o);
    }
    free(order);
    if (fflush(f) != 0)
        rc = -1;
    return rc;
}
