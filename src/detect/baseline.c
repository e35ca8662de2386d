/* baseline.c — per-host baselines, their events and their file (see baseline.h). */
#include "detect/baseline.h"

#include "core/siphash.h"
#include "detect/engine.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US 86400000000ull
#define NEW_HOST_LEARN_US 3600000000ull /* a host new to a loaded baseline, without --learn */
#define PEER_BITS 512                   /* the peer filter of a host */
#define WIN_ALL_BITS 128                /* distinct home peers of the current window */
#define WIN_NEW_BITS 256                /* distinct new home peers of the current window */
#define WIN_PORTS 8

enum { E_BASE = 1, E_ALERTED = 2 };
enum { H_ALERTING = 1, H_PREV_ALERTED = 2 };

/* A service (port the host answered on) or a client port (port it contacted). */
struct ent {
    uint16_t port;
    uint8_t proto;
    uint8_t flags;     /* E_* */
    uint16_t days;     /* distinct days seen */
    uint16_t last_day; /* days since the epoch */
};

struct host {
    struct pr_addr addr;
    uint8_t nsvc, nused, hflags, win_protos; /* win_protos: 1 TCP, 2 UDP new contacts */
    uint8_t nwin_ports;
    uint16_t windows; /* windows with home contacts so far (saturating) */
    uint32_t peak;    /* most distinct home peers in one window while learning */
    float ewma;       /* distinct home peers per active window, averaged */
    uint32_t alert_id, win_contacts;
    uint64_t first_us, last_us, learn_until_us, win_start_us, win_first_new_us;
    uint64_t peers[PEER_BITS / 64];
    uint64_t win_all[WIN_ALL_BITS / 64];
    uint64_t win_new[WIN_NEW_BITS / 64];
    uint16_t win_ports[WIN_PORTS];
    struct ent svc[BL_MAX_SVC];
    struct ent used[BL_MAX_USED];
};

struct baseline {
    struct bl_config cfg;
    struct sip_key tkey;     /* the table's key (random) */
    struct sip_key peer_key; /* the peer filters' key (kept in the file) */
    struct host *hosts;
    uint32_t nhosts;
    uint32_t *index; /* 0 empty, else host index + 1; load <= 1/2 */
    uint32_t mask;
    uint64_t start_us, learn_end_us; /* 0: no packet yet */
    struct det_engine *eng;
    struct bl_stats st;
};

void bl_config_defaults(struct bl_config *c)
{
    memset(c, 0, sizeof *c);
    c->window_us = 60000000u;
    c->max_hosts = 65536;
    c->fanout_min = 10;
    c->fanout_factor = 3;
    c->ewma_alpha = 0.1;
    c->join_days = 3;
}

struct baseline *bl_new(const struct bl_config *c, struct pr_error *e)
{
    if (c->max_hosts < 1 || c->max_hosts > (1u << 24)) {
        pr_errf(e, "baseline: hosts must be from 1 to %u", 1u << 24);
        return NULL;
    }
    if (!c->window_us || !c->fanout_min || !c->join_days || !(c->fanout_factor >= 1) ||
        !(c->ewma_alpha > 0 && c->ewma_alpha <= 1)) {
        pr_errf(e, "baseline: window, fan-out minimum and join days must be positive, the "
                   "factor at least 1 and the weight in (0, 1]");
        return NULL;
    }
    struct baseline *b = pr_calloc(1, sizeof *b);
    b->cfg = *c;
    uint32_t cap = 2;
    while (cap < 2 * c->max_hosts)
        cap <<= 1;
    b->mask = cap - 1;
    b->hosts = pr_calloc(c->max_hosts, sizeof *b->hosts); /* pages touched as hosts arrive */
    b->index = pr_calloc(cap, sizeof *b->index);
    sip_key_init(&b->tkey, 0, 0);
    sip_key_init(&b->peer_key, 0, 0);
    return b;
}

void bl_free(struct baseline *b)
{
    if (!b)
        return;
    free(b->hosts);
    free(b->index);
    free(b);
}

void bl_set_engine(struct baseline *b, struct det_engine *d)
{
    b->eng = d;
}

void bl_set_home(struct baseline *b, bl_home_fn fn, void *ctx)
{
    b->cfg.is_home = fn;
    b->cfg.home_ctx = ctx;
}

const struct bl_stats *bl_stats(const struct baseline *b)
{
    return &b->st;
}

size_t bl_host_bytes(void)
{
    return sizeof(struct host);
}

size_t bl_bytes(const struct baseline *b)
{
    return sizeof *b + (size_t)b->cfg.max_hosts * sizeof *b->hosts +
           ((size_t)b->mask + 1) * sizeof *b->index;
}

static size_t alen(const struct pr_addr *x)
{
    return x->family == AF_INET ? 4 : 16;
}

static int addr_ok(const struct pr_addr *a)
{
    return a->family == AF_INET || a->family == AF_INET6;
}

int bl_learning(const struct baseline *b, uint64_t now_us)
{
    return !b->start_us || now_us < b->learn_end_us;
}

/* The sensor's learning period starts with its first packet. */
static void clock_start(struct baseline *b, uint64_t ts)
{
    if (b->start_us)
        return;
    b->start_us = ts ? ts : 1;
    b->learn_end_us = b->cfg.learn_us == BL_LEARN_ALL || ts > UINT64_MAX - b->cfg.learn_us
                          ? UINT64_MAX
                          : ts + b->cfg.learn_us;
}

static struct host *host_find(const struct baseline *b, const struct pr_addr *a, uint32_t *slot)
{
    uint64_t h = siphash24(&b->tkey, a->a, alen(a)) ^ a->family;
    for (uint32_t i = (uint32_t)h & b->mask;; i = (i + 1) & b->mask) {
        if (!b->index[i]) {
            *slot = i;
            return NULL;
        }
        struct host *x = &b->hosts[b->index[i] - 1];
        if (addr_eq(&x->addr, a))
            return x;
    }
}

/* The record of a (created when there is room: learning for learn_until). */
static struct host *host_get(struct baseline *b, const struct pr_addr *a, uint64_t ts)
{
    uint32_t slot;
    struct host *h = host_find(b, a, &slot);
    if (h)
        return h;
    if (b->nhosts == b->cfg.max_hosts) {
        b->st.hosts_dropped++;
        return NULL;
    }
    h = &b->hosts[b->nhosts++];
    memset(h, 0, sizeof *h);
    h->addr = *a;
    h->first_us = h->last_us = ts;
    if (ts < b->learn_end_us) {
        h->learn_until_us = b->learn_end_us; /* the sensor's own learning period */
    } else {                                 /* new since: it learns on its own */
        uint64_t l = b->cfg.learn_us && b->cfg.learn_us != BL_LEARN_ALL ? b->cfg.learn_us
                                                                        : NEW_HOST_LEARN_US;
        h->learn_until_us = ts + l;
    }
    b->index[slot] = b->nhosts;
    b->st.hosts++;
    return h;
}

static struct ent *ent_find(struct ent *v, unsigned n, uint8_t proto, uint16_t port)
{
    for (unsigned i = 0; i < n; i++)
        if (v[i].port == port && v[i].proto == proto)
            return &v[i];
    return NULL;
}

/* Room for a new entry: a free one, else the non-baseline entry seen longest ago; NULL
 * when every entry is in the baseline. */
static struct ent *ent_new(struct ent *v, uint8_t *n, unsigned max)
{
    if (*n < max)
        return &v[(*n)++];
    struct ent *old = NULL;
    for (unsigned i = 0; i < max; i++)
        if (!(v[i].flags & E_BASE) && (!old || v[i].last_day < old->last_day))
            old = &v[i];
    return old;
}

/* Counts one sighting of an entry on day; it joins the baseline on its join_days-th day. */
static void ent_seen(struct baseline *b, struct ent *x, uint16_t day)
{
    if (x->last_day != day || !x->days) { /* (day 0: times since boot, LOG lines) */
        x->last_day = day;
        if (x->days < UINT16_MAX)
            x->days++;
    }
    if (!(x->flags & E_BASE) && x->days >= b->cfg.join_days) {
        x->flags |= E_BASE;
        b->st.joined++;
    }
}

static uint16_t day_of(uint64_t ts)
{
    uint64_t d = ts / DAY_US;
    return d > UINT16_MAX ? UINT16_MAX : (uint16_t)d;
}

static void fill_alert(struct det_alert *a, const struct host *h, uint64_t ts, const char *event)
{
    memset(a, 0, sizeof *a);
    a->kind = DET_ALERT_NEW;
    a->ts_us = a->last_us = ts;
    a->first_us = ts;
    a->event = event;
    a->has_src = 1;
    a->src = h->addr;
    a->nsrcs = 1;
    a->detector = "baseline";
    a->confidence = 0.9;
    a->tool_guess = "unknown";
    a->action = "none";
    a->evidence = DET_EV_UNPROVEN; /* behaviour of an address: nothing proves who sent it */
}

/* new_service: h answered client on proto/port, which it never did. 0, or -1 when the
 * alert was not sent (the token bucket; it is tried again at the next answer). */
static int alert_new_service(struct baseline *b, const struct host *h, const struct pr_addr *client,
                             uint8_t proto, uint16_t port, uint64_t ts)
{
    b->st.new_service++;
    if (!b->eng)
        return 0;
    struct det_alert a;
    fill_alert(&a, h, ts, "new_service");
    a.scan_id = det_engine_next_id(b->eng);
    uint32_t inc = det_engine_incident_of(b->eng, &h->addr);
    a.incident_id = inc ? inc : a.scan_id;
    a.scan_type = proto == 6 ? "tcp" : "udp";
    a.has_dst = 1;
    a.dst = *client;
    a.dst_count = 1;
    a.ports_probed = a.hosts_probed = a.probes = 1;
    a.nopen = 1;
    a.open_ports[0] = port;
    if (det_engine_emit(b->eng, &a) < 0) {
        b->st.new_service--;
        return -1;
    }
    return 0;
}

void bl_service(struct baseline *b, const struct pr_addr *host, const struct pr_addr *client,
                uint8_t proto, uint16_t port, uint64_t ts_us)
{
    if (!addr_ok(host) || (proto != 6 && proto != 17))
        return;
    clock_start(b, ts_us);
    struct host *h = host_get(b, host, ts_us);
    if (!h)
        return;
    if (ts_us > h->last_us)
        h->last_us = ts_us;
    uint16_t day = day_of(ts_us);
    struct ent *x = ent_find(h->svc, h->nsvc, proto, port);
    int learning = ts_us < h->learn_until_us;
    if (!x) {
        x = ent_new(h->svc, &h->nsvc, BL_MAX_SVC);
        if (!x) { /* every slot is in the baseline: still say so, but it cannot be kept */
            if (!learning)
                alert_new_service(b, h, client, proto, port, ts_us);
            return;
        }
        *x = (struct ent){port, proto, learning ? E_BASE : 0, 0, 0};
        b->st.services++;
    }
    ent_seen(b, x, day);
    if (!(x->flags & (E_BASE | E_ALERTED)) &&
        alert_new_service(b, h, client, proto, port, ts_us) == 0)
        x->flags |= E_ALERTED;
}

static unsigned popcount(const uint64_t *v, unsigned words)
{
    unsigned n = 0;
    for (unsigned i = 0; i < words; i++)
        n += (unsigned)__builtin_popcountll(v[i]);
    return n;
}

static void bit_set(uint64_t *v, unsigned bit)
{
    v[bit / 64] |= 1ull << (bit % 64);
}

static int bit_get(const uint64_t *v, unsigned bit)
{
    return (int)(v[bit / 64] >> (bit % 64)) & 1;
}

/* New home peers in one window before lateral_fanout: at least fanout_min, fanout_factor
 * times the usual fan-out, and more than the most seen in a window while learning. */
static unsigned fanout_threshold(const struct baseline *b, const struct host *h)
{
    double t = ceil(b->cfg.fanout_factor * (double)h->ewma);
    unsigned thr = b->cfg.fanout_min;
    if (t > thr)
        thr = t > 1e9 ? 1000000000u : (unsigned)t;
    if (h->peak + 1 > thr)
        thr = h->peak + 1;
    return thr;
}

/* Closes the host's window when ts is past it: its distinct home peers update the fan-out
 * average (not a window that raised lateral_fanout), and the peak while learning. */
static void window_roll(struct baseline *b, struct host *h, uint64_t ts)
{
    if (ts - h->win_start_us < b->cfg.window_us && ts >= h->win_start_us)
        return;
    unsigned n = popcount(h->win_all, WIN_ALL_BITS / 64);
    int alerted = h->hflags & H_ALERTING;
    if (n && !alerted) {
        h->ewma = h->windows ? (float)(b->cfg.ewma_alpha * n + (1 - b->cfg.ewma_alpha) * h->ewma)
                             : (float)n;
        if (h->windows < UINT16_MAX)
            h->windows++;
    }
    /* a fan-out that goes on in the next window is the same alert, updated */
    h->hflags = alerted && ts - h->win_start_us < 2 * b->cfg.window_us ? H_PREV_ALERTED : 0;
    memset(h->win_all, 0, sizeof h->win_all);
    memset(h->win_new, 0, sizeof h->win_new);
    h->win_start_us = ts;
    h->win_protos = 0;
    h->nwin_ports = 0;
    h->win_contacts = 0;
}

static void alert_fanout(struct baseline *b, struct host *h, unsigned n, uint64_t ts)
{
    int update = (h->hflags & H_PREV_ALERTED) && h->alert_id;
    h->hflags = (uint8_t)((h->hflags & ~H_PREV_ALERTED) | H_ALERTING);
    if (!update)
        b->st.lateral_fanout++;
    if (!b->eng)
        return;
    struct det_alert a;
    fill_alert(&a, h, ts, "lateral_fanout");
    if (!update)
        h->alert_id = det_engine_next_id(b->eng);
    a.kind = update ? DET_ALERT_UPDATE : DET_ALERT_NEW;
    a.scan_id = h->alert_id;
    uint32_t inc = det_engine_incident_of(b->eng, &h->addr);
    a.incident_id = inc ? inc : a.scan_id;
    a.first_us = h->win_first_new_us;
    a.scan_type = h->win_protos == 1 ? "syn" : h->win_protos == 2 ? "udp" : "mixed";
    a.dst_count = a.hosts_probed = n;
    a.ports_probed = h->nwin_ports;
    a.probes = h->win_contacts;
    det_engine_emit(b->eng, &a);
}

static void used_port(struct baseline *b, struct host *h, uint8_t proto, uint16_t dport,
                      uint64_t ts, int learning)
{
    struct ent *x = ent_find(h->used, h->nused, proto, dport);
    if (!x) {
        x = ent_new(h->used, &h->nused, BL_MAX_USED);
        if (!x)
            return;
        *x = (struct ent){dport, proto, learning ? E_BASE : 0, 0, 0};
    }
    ent_seen(b, x, day_of(ts));
}

void bl_contact(struct baseline *b, const struct pr_addr *src, const struct pr_addr *dst,
                uint8_t proto, uint16_t dport, uint64_t ts_us)
{
    if (!addr_ok(src) || !addr_ok(dst) || (proto != 6 && proto != 17))
        return;
    clock_start(b, ts_us);
    struct host *h = host_get(b, src, ts_us);
    if (!h)
        return;
    if (ts_us > h->last_us)
        h->last_us = ts_us;
    int learning = ts_us < h->learn_until_us;
    used_port(b, h, proto, dport, ts_us, learning);
    if (addr_eq(src, dst) || (b->cfg.is_home && !b->cfg.is_home(b->cfg.home_ctx, dst)))
        return;
    window_roll(b, h, ts_us);
    uint64_t k = siphash24(&b->peer_key, dst->a, alen(dst)) ^ dst->family;
    unsigned p1 = (unsigned)k % PEER_BITS, p2 = (unsigned)(k >> 9) % PEER_BITS;
    bit_set(h->win_all, (unsigned)(k >> 18) % WIN_ALL_BITS);
    int known = bit_get(h->peers, p1) && bit_get(h->peers, p2);
    if (learning) { /* the peak as the window fills: a short learning time has no full window */
        unsigned n = popcount(h->win_all, WIN_ALL_BITS / 64);
        if (n > h->peak)
            h->peak = n;
    }
    if (learning || known) {
        bit_set(h->peers, p1);
        bit_set(h->peers, p2);
        return;
    }
    /* a home peer it never talked to */
    unsigned nb = (unsigned)(k >> 25) % WIN_NEW_BITS;
    int fresh = !bit_get(h->win_new, nb);
    bit_set(h->win_new, nb);
    unsigned n = popcount(h->win_new, WIN_NEW_BITS / 64);
    if (n == 1 && fresh)
        h->win_first_new_us = ts_us;
    h->win_contacts++;
    h->win_protos |= proto == 6 ? 1 : 2;
    int seen_port = 0;
    for (unsigned i = 0; i < h->nwin_ports; i++)
        seen_port |= h->win_ports[i] == dport;
    if (!seen_port && h->nwin_ports < WIN_PORTS)
        h->win_ports[h->nwin_ports++] = dport;
    unsigned thr = fanout_threshold(b, h);
    if (n < thr) { /* at the usual pace a new peer joins at once */
        bit_set(h->peers, p1);
        bit_set(h->peers, p2);
        return;
    }
    if (!(h->hflags & H_ALERTING))
        alert_fanout(b, h, n, ts_us);
}

/* ---- queries ---- */

static const struct host *host_peek(const struct baseline *b, const struct pr_addr *a)
{
    uint32_t slot;
    return addr_ok(a) ? host_find(b, a, &slot) : NULL;
}

int bl_has_service(const struct baseline *b, const struct pr_addr *host, uint8_t proto,
                   uint16_t port)
{
    const struct host *h = host_peek(b, host);
    if (!h)
        return -1;
    struct ent *x = ent_find((struct ent *)h->svc, h->nsvc, proto, port);
    return x && (x->flags & E_BASE);
}

int bl_fanout(const struct baseline *b, const struct pr_addr *host, double *ewma, uint32_t *peak)
{
    const struct host *h = host_peek(b, host);
    if (!h)
        return -1;
    *ewma = h->ewma;
    *peak = h->peak;
    return 0;
}

/* ---- the file ---- */

static int host_cmp(const void *x, const void *y)
{
    const struct host *a = *(const struct host *const *)x, *b = *(const struct host *const *)y;
    if (a->addr.family != b->addr.family)
        return a->addr.family == AF_INET ? -1 : 1;
    return memcmp(a->addr.a, b->addr.a, alen(&a->addr));
}

static json_t *ents_json(const struct ent *v, unsigned n)
{
    json_t *arr = json_array();
    for (unsigned i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:b}", "proto", v[i].proto == 6 ? "tcp" : "udp",
                              "port", v[i].port, "days", v[i].days, "last_day", v[i].last_day,
                              "base", (v[i].flags & E_BASE) != 0);
        if (!(v[i].flags & E_BASE))
            json_object_set_new(o, "alerted", json_boolean(v[i].flags & E_ALERTED));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void hex(const void *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = 0;
}

static json_t *host_json(const struct host *h)
{
    char ip[PR_ADDRSTRLEN], peers[PEER_BITS / 4 + 1];
    uint8_t raw[PEER_BITS / 8];
    for (unsigned i = 0; i < PEER_BITS / 8; i++)
        raw[i] = (uint8_t)(h->peers[i / 8] >> (8 * (i % 8)));
    hex(raw, sizeof raw, peers);
    json_t *o = json_object();
    json_object_set_new(o, "ip", json_string(addr_str(&h->addr, ip, sizeof ip)));
    json_object_set_new(o, "first_us", json_integer((json_int_t)h->first_us));
    json_object_set_new(o, "last_us", json_integer((json_int_t)h->last_us));
    json_object_set_new(
        o, "learn_until_us",
        json_integer((json_int_t)(h->learn_until_us > INT64_MAX ? INT64_MAX : h->learn_until_us)));
    json_object_set_new(o, "windows", json_integer(h->windows));
    json_object_set_new(o, "fanout_ewma", json_real((double)h->ewma));
    json_object_set_new(o, "fanout_peak", json_integer(h->peak));
    json_object_set_new(o, "peers", json_string(peers));
    json_object_set_new(o, "services", ents_json(h->svc, h->nsvc));
    json_object_set_new(o, "ports_used", ents_json(h->used, h->nused));
    return o;
}

int bl_write_json(const struct baseline *b, FILE *f, uint64_t now_us)
{
    const struct host **order = pr_calloc(b->nhosts ? b->nhosts : 1, sizeof *order);
    for (uint32_t i = 0; i < b->nhosts; i++)
        order[i] = &b->hosts[i];
    qsort(order, b->nhosts, sizeof *order, host_cmp);
    char key[33];
    uint8_t kb[16];
    for (int i = 0; i < 8; i++) {
        kb[i] = (uint8_t)(b->peer_key.k0 >> (8 * i));
        kb[8 + i] = (uint8_t)(b->peer_key.k1 >> (8 * i));
    }
    hex(kb, 16, key);
    int rc = fprintf(f,
                     "{\"format\":\"%s\",\"version\":%d,\"saved_us\":%llu,\"window_us\":%llu,"
                     "\"peer_key\":\"%s\",\"hosts\":[",
                     BL_FORMAT, BL_VERSION, (unsigned long long)now_us,
                     (unsigned long long)b->cfg.window_us, key) < 0
                 ? -1
                 : 0;
    for (uint32_t i = 0; i < b->nhosts && rc == 0; i++) {
        json_t *o = host_json(order[i]);
        if ((i && fputc(',', f) == EOF) || fputs("\n ", f) == EOF ||
            json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0)
            rc = -1;
        json_decref(o);
    }
    if (rc == 0 && fputs("\n]}\n", f) == EOF)
        rc = -1;
    free(order);
    if (fflush(f) != 0)
        rc = -1;
    return rc;
}

char *bl_to_string(const struct baseline *b, uint64_t now_us, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    int rc = bl_write_json(b, f, now_us);
    if (fclose(f) != 0 || rc < 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ---- the reader: every field checked, errors name the field's path ---- */

struct rd {
    const char *name;
    struct pr_error *e;
};

static int bad(struct rd *r, const char *path, const char *what)
{
    return pr_errf(r->e, "baseline '%s': %s: %s", r->name, path, what);
}

static int get_uint(struct rd *r, json_t *o, const char *key, const char *at, uint64_t max,
                    uint64_t *out)
{
    char path[96];
    snprintf(path, sizeof path, "%s%s%s", at, *at ? "." : "", key);
    json_t *v = json_object_get(o, key);
    if (!v)
        return bad(r, path, "missing");
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max) {
        char what[64];
        snprintf(what, sizeof what, "expected an integer from 0 to %llu", (unsigned long long)max);
        return bad(r, path, what);
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
    }
    return 0;
}

static int read_ents(struct rd *r, json_t *o, const char *key, const char *at, struct ent *v,
                     uint8_t *n, unsigned max)
{
    char path[96];
    snprintf(path, sizeof path, "%s.%s", at, key);
    json_t *arr = json_object_get(o, key);
    if (!json_is_array(arr))
        return bad(r, path, "expected an array");
    if (json_array_size(arr) > max) {
        char what[48];
        snprintf(what, sizeof what, "more than %u entries", max);
        return bad(r, path, what);
    }
    *n = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char ep[128];
        snprintf(ep, sizeof ep, "%s[%zu]", path, i);
        json_t *x = json_array_get(arr, i);
        if (!json_is_object(x))
            return bad(r, ep, "expected an object");
        json_t *proto = json_object_get(x, "proto");
        const char *ps = json_is_string(proto) ? json_string_value(proto) : "";
        if (strcmp(ps, "tcp") && strcmp(ps, "udp")) {
            char pp[160];
            snprintf(pp, sizeof pp, "%s.proto", ep);
            return bad(r, pp, "expected \"tcp\" or \"udp\"");
        }
        uint64_t port, days, last;
        if (get_uint(r, x, "port", ep, 65535, &port) < 0 ||
            get_uint(r, x, "days", ep, UINT16_MAX, &days) < 0 ||
            get_uint(r, x, "last_day", ep, UINT16_MAX, &last) < 0)
            return -1;
        json_t *base = json_object_get(x, "base"), *al = json_object_get(x, "alerted");
        if (!json_is_boolean(base) || (al && !json_is_boolean(al))) {
            char pp[160];
            snprintf(pp, sizeof pp, "%s.%s", ep, json_is_boolean(base) ? "alerted" : "base");
            return bad(r, pp, "expected true or false");
        }
        uint8_t pr = ps[0] == 't' ? 6 : 17;
        if (ent_find(v, *n, pr, (uint16_t)port))
            return bad(r, ep, "the same port twice");
        v[(*n)++] = (struct ent){
            (uint16_t)port, pr,
            (uint8_t)((json_is_true(base) ? E_BASE : 0) | (al && json_is_true(al) ? E_ALERTED : 0)),
            (uint16_t)days, (uint16_t)last};
    }
    return 0;
}

static int read_host(struct baseline *b, struct rd *r, json_t *o, size_t i)
{
    char at[32];
    snprintf(at, sizeof at, "hosts[%zu]", i);
    if (!json_is_object(o))
        return bad(r, at, "expected an object");
    struct host h;
    memset(&h, 0, sizeof h);
    json_t *ip = json_object_get(o, "ip");
    char path[48];
    snprintf(path, sizeof path, "%s.ip", at);
    if (!json_is_string(ip) || addr_parse(json_string_value(ip), &h.addr) < 0)
        return bad(r, path, "expected an IPv4 or IPv6 address");
    uint64_t first, last, until, windows, peak;
    if (get_uint(r, o, "first_us", at, INT64_MAX, &first) < 0 ||
        get_uint(r, o, "last_us", at, INT64_MAX, &last) < 0 ||
        get_uint(r, o, "learn_until_us", at, INT64_MAX, &until) < 0 ||
        get_uint(r, o, "windows", at, UINT16_MAX, &windows) < 0 ||
        get_uint(r, o, "fanout_peak", at, 1u << 20, &peak) < 0)
        return -1;
    json_t *ew = json_object_get(o, "fanout_ewma");
    snprintf(path, sizeof path, "%s.fanout_ewma", at);
    if (!json_is_number(ew) || !(json_number_value(ew) >= 0 && json_number_value(ew) <= 1e6))
        return bad(r, path, "expected a number from 0 to 1000000");
    json_t *peers = json_object_get(o, "peers");
    uint8_t raw[PEER_BITS / 8];
    snprintf(path, sizeof path, "%s.peers", at);
    if (!json_is_string(peers) || unhex(json_string_value(peers), sizeof raw, raw) < 0)
        return bad(r, path, "expected 128 lower-case hex digits");
    for (unsigned k = 0; k < sizeof raw; k++)
        h.peers[k / 8] |= (uint64_t)raw[k] << (8 * (k % 8));
    if (read_ents(r, o, "services", at, h.svc, &h.nsvc, BL_MAX_SVC) < 0 ||
        read_ents(r, o, "ports_used", at, h.used, &h.nused, BL_MAX_USED) < 0)
        return -1;
    h.first_us = first;
    h.last_us = last;
    h.learn_until_us = until;
    h.windows = (uint16_t)windows;
    h.peak = (uint32_t)peak;
    h.ewma = (float)json_number_value(ew);
    uint32_t slot;
    struct host *x = host_find(b, &h.addr, &slot);
    if (!x) {
        if (b->nhosts == b->cfg.max_hosts) {
            char what[64];
            snprintf(what, sizeof what, "more hosts than the table holds (%u)", b->cfg.max_hosts);
            return bad(r, at, what);
        }
        x = &b->hosts[b->nhosts++];
        b->index[slot] = b->nhosts;
        b->st.hosts++;
        b->st.learned_hosts++;
    }
    *x = h;
    return 0;
}

int bl_load_buf(struct baseline *b, const char *buf, size_t len, const char *name,
                struct pr_error *e)
{
    struct rd r = {name, e};
    if (len > BL_MAX_FILE)
        return pr_errf(e, "baseline '%s': larger than %u bytes", name, BL_MAX_FILE);
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pr_errf(e, "baseline '%s': line %d column %d: %s", name, je.line, je.column,
                       je.text);
    int rc = -1;
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
    json_t *key = json_object_get(root, "peer_key"), *hosts = json_object_get(root, "hosts");
    uint8_t kb[16];
    uint64_t saved, window;
    if (!json_is_object(root))
        bad(&r, "top level", "expected an object");
    else if (!json_is_string(fmt) || strcmp(json_string_value(fmt), BL_FORMAT))
        bad(&r, "format", "expected \"" BL_FORMAT "\"");
    else if (!json_is_integer(ver) || json_integer_value(ver) != BL_VERSION)
        pr_errf(e, "baseline '%s': version: this portreeve reads version %d only", name,
                BL_VERSION);
    else if (get_uint(&r, root, "saved_us", "", INT64_MAX, &saved) < 0 ||
             get_uint(&r, root, "window_us", "", INT64_MAX, &window) < 0)
        ;
    else if (!json_is_string(key) || unhex(json_string_value(key), 16, kb) < 0)
        bad(&r, "peer_key", "expected 32 lower-case hex digits");
    else if (!json_is_array(hosts))
        bad(&r, "hosts", "expected an array");
    else {
        /* the peer filters were made with the file's key */
        struct sip_key k = {0, 0};
        for (int i = 0; i < 8; i++) {
            k.k0 |= (uint64_t)kb[i] << (8 * i);
            k.k1 |= (uint64_t)kb[8 + i] << (8 * i);
        }
        if (b->nhosts && (k.k0 != b->peer_key.k0 || k.k1 != b->peer_key.k1)) {
            /* hosts learned with another key: their filters would no longer match */
            for (uint32_t i = 0; i < b->nhosts; i++)
                memset(b->hosts[i].peers, 0, sizeof b->hosts[i].peers);
        }
        b->peer_key = k;
        rc = 0;
        for (size_t i = 0; i < json_array_size(hosts) && rc == 0; i++)
            rc = read_host(b, &r, json_array_get(hosts, i), i);
    }
    json_decref(root);
    return rc;
}

int bl_load_file(struct baseline *b, FILE *f, const char *name, struct pr_error *e)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = pr_calloc(cap, 1);
    for (;;) {
        if (n == cap) {
            if (cap >= BL_MAX_FILE + 1) {
                free(buf);
                return pr_errf(e, "baseline '%s': larger than %u bytes", name, BL_MAX_FILE);
            }
            cap *= 2;
            buf = pr_reallocarray(buf, cap, 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return pr_errf(e, "baseline '%s': %s", name, strerror(errno));
    }
    int rc = bl_load_buf(b, buf, n, name, e);
    free(buf);
    return rc;
}
