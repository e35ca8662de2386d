/* threat.c — see threat.h. */
#include "detect/threat.h"

#include "core/siphash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THR_PROBE 8 /* slots examined per lookup */
#define THR_SCANS 4 /* scans remembered per address (their points so far) */

struct thr_entry {
    struct pr_addr addr;
    uint8_t used, next;
    uint8_t pts[THR_SCANS];
    uint32_t scan_id[THR_SCANS];
    double level; /* at ts_us */
    uint64_t ts_us;
};

struct thr_table {
    struct sip_key key;
    struct thr_entry *e;
    uint32_t n;
    uint64_t half_life_us;
};

struct thr_table *thr_new(uint32_t max_entries, uint64_t half_life_us, struct pr_error *e)
{
    if (max_entries < THR_PROBE || max_entries > (1u << 24) || !half_life_us) {
        pr_errf(e, "threat table: %u entries, half-life %llu us: out of range", max_entries,
                (unsigned long long)half_life_us);
        return NULL;
    }
    struct thr_table *t = pr_calloc(1, sizeof *t);
    t->e = pr_calloc(max_entries, sizeof *t->e);
    t->n = max_entries;
    t->half_life_us = half_life_us;
    sip_key_init(&t->key, 0, 0);
    return t;
}

void thr_free(struct thr_table *t)
{
    if (!t)
        return;
    free(t->e);
    free(t);
}

static double decayed(const struct thr_table *t, const struct thr_entry *x, uint64_t now_us)
{
    if (now_us <= x->ts_us)
        return x->level;
    return x->level * exp2(-(double)(now_us - x->ts_us) / (double)t->half_life_us);
}

static uint32_t slot_base(const struct thr_table *t, const struct pr_addr *a)
{
    return (uint32_t)(siphash24(&t->key, a->a, a->family == AF_INET6 ? 16 : 4) ^ a->family) %
           (t->n - THR_PROBE + 1);
}

static struct thr_entry *find(const struct thr_table *t, const struct pr_addr *a)
{
    uint32_t base = slot_base(t, a);
    for (uint32_t i = 0; i < THR_PROBE; i++)
        if (t->e[base + i].used && addr_eq(&t->e[base + i].addr, a))
            return &t->e[base + i];
    return NULL;
}

/* The entry of a, made when missing: a free slot, else the one with the lowest level now. */
static struct thr_entry *get(struct thr_table *t, const struct pr_addr *a, uint64_t now_us)
{
    struct thr_entry *x = find(t, a);
    if (x)
        return x;
    uint32_t base = slot_base(t, a);
    for (uint32_t i = 0; i < THR_PROBE; i++) {
        struct thr_entry *y = &t->e[base + i];
        if (!y->used) {
            x = y;
            break;
        }
        if (!x || decayed(t, y, now_us) < decayed(t, x, now_us))
            x = y;
    }
    memset(x, 0, sizeof *x);
    x->used = 1;
    x->addr = *a;
    x->ts_us = now_us;
    return x;
}

static int is_event(const struct det_alert *a, const char *w)
{
    return a->event && !strcmp(a->event, w);
}

unsigned thr_points(const struct det_alert *a)
{
    if (a->threat_level)
        return a->threat_level > 100 ? 100 : a->threat_level;
    double p = is_event(a, "outbound_sweep")      ? 45
               : is_event(a, "lateral_fanout")    ? 40
               : is_event(a, "scan_then_connect") ? 35
               : is_event(a, "new_service")       ? 20
               : is_event(a, "portsweep")         ? 30
               : is_event(a, "hostsweep")         ? 15
                                                  : 25; /* portscan, campaigns, others */
    double size = (double)(a->ports_probed ? a->ports_probed : 1) *
                  (double)(a->hosts_probed ? a->hosts_probed : 1);
    double s = 5 * log10(size);
    p += s > 15 ? 15 : s;
    p += a->nopen >= 2 ? 10 : a->nopen ? 5 : 0;
    if (a->tool_guess && strcmp(a->tool_guess, "unknown"))
        p += 5;
    if (a->evidence & DET_EV_FORGED_MASK) /* the address may be someone else's */
        p /= 2;
    return p > 100 ? 100 : (unsigned)lround(p);
}

unsigned thr_assess(struct thr_table *t, const struct det_alert *a)
{
    if (!a->has_src)
        return 0;
    struct thr_entry *x = get(t, &a->src, a->ts_us);
    unsigned pts = thr_points(a), add = pts;
    int k = -1;
    for (int i = 0; i < THR_SCANS; i++)
        if (x->scan_id[i] == a->scan_id && a->scan_id)
            k = i;
    if (k >= 0) { /* a later line of a scan already counted: only its growth */
        add = pts > x->pts[k] ? pts - x->pts[k] : 0;
    } else {
        k = x->next;
        x->next = (uint8_t)((x->next + 1) % THR_SCANS);
        x->scan_id[k] = a->scan_id;
        x->pts[k] = 0;
    }
    if (pts > x->pts[k])
        x->pts[k] = (uint8_t)pts;
    double lv = decayed(t, x, a->ts_us) + add;
    x->level = lv > 100 ? 100 : lv;
    if (a->ts_us > x->ts_us)
        x->ts_us = a->ts_us;
    return (unsigned)lround(x->level);
}

unsigned thr_level(const struct thr_table *t, const struct pr_addr *addr, uint64_t now_us)
{
    const struct thr_entry *x = find(t, addr);
    return x ? (unsigned)lround(decayed(t, x, now_us)) : 0;
}

/* "TCP 23 and 2323", "UDP 53, 123 and 161" from the alert's `ports`, else its open ports. */
static void port_words(const struct det_alert *a, char *buf, size_t len)
{
    const char *proto = a->scan_type && !strcmp(a->scan_type, "udp") ? "UDP" : "TCP";
    unsigned n = a->nports;
    size_t o = (size_t)snprintf(buf, len, "%s", proto);
    for (unsigned i = 0; i < n && i < 4 && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%u",
                              i == 0                      ? " "
                              : i + 1 == (n < 4 ? n : 4u) ? " and "
                                                          : ", ",
                              a->port[i]);
    if (n > 4 && o < len)
        snprintf(buf + o, len - o, " (and %u more)", n - 4);
}

__attribute__((format(printf, 2, 3))) static void add_action(struct det_alert *a, const char *fmt,
                                                             ...)
{
    if (a->nactions >= DET_ALERT_MAX_ACTIONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->actions[a->nactions++], DET_ALERT_ACTION_LEN, fmt, ap);
    va_end(ap);
}

void thr_advise(struct det_alert *a, int src_home)
{
    char src[PR_ADDRSTRLEN] = "?", dst[PR_ADDRSTRLEN] = "", what[96];
    a->nactions = 0;
    if (!a->has_src)
        return;
    addr_str(&a->src, src, sizeof src);
    if (a->has_dst)
        addr_str(&a->dst, dst, sizeof dst);
    if (a->evidence & DET_EV_FORGED_MASK) {
        add_action(a, "do not block %s: its packets look forged (block_evidence)", src);
    } else if (src_home && is_event(a, "outbound_sweep")) {
        port_words(a, what, sizeof what);
        add_action(a, "isolate %s: it sweeps %s", src, what);
    } else if (is_event(a, "new_service")) { /* src is the server that answered */
        const char *proto = a->scan_type && !strcmp(a->scan_type, "udp") ? "udp" : "tcp";
        for (unsigned i = 0; i < a->nopen; i++)
            add_action(a, "close %u/%s on %s or allow it in the policy", a->open_ports[i], proto,
                       src);
        return;
    } else if (src_home && is_event(a, "lateral_fanout")) {
        add_action(a, "isolate %s: it contacts %u home hosts it never talked to", src,
                   a->dst_count);
    } else if (src_home) {
        add_action(a, "check %s: a home host that %s", src,
                   is_event(a, "scan_then_connect") ? "scanned, then connected" : "scans");
    } else if (a->threat_level >= THR_BLOCK_LEVEL) {
        add_action(a, "block %s at the firewall", src);
    } else {
        add_action(a, "watch %s: threat level below %d", src, THR_BLOCK_LEVEL);
    }
    if (is_event(a, "scan_then_connect") && a->nopen && a->has_dst) {
        add_action(a, "check the logs of %s for the connection from %s to %u/tcp", dst, src,
                   a->open_ports[0]);
        return;
    }
    /* what the scan found open on one target: close it, or say it is meant to be open */
    const char *proto = a->scan_type && !strcmp(a->scan_type, "udp") ? "udp" : "tcp";
    for (unsigned i = 0; a->has_dst && i < a->nopen; i++)
        add_action(a, "close %u/%s on %s or allow it in the policy", a->open_ports[i], proto, dst);
}
