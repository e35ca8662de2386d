/* view.c — see view.h. */
#include "detect/view.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan_state {
    uint64_t seen; /* order of its latest alert (0: empty slot) */
    uint32_t scan_id;
    json_t *alert; /* the latest alert of the scan */
};

struct block_state {
    uint64_t seen; /* 0: empty slot */
    uint64_t since_us;
    uint32_t scan_id; /* the scan it was blocked for */
    char ip[PR_ADDRSTRLEN];
    json_t *alert; /* the alert that blocked it */
};

struct det_view {
    struct det_view_config cfg;
    json_t **ring; /* recent alerts; ring[(head + i) % max] for i < n */
    unsigned head, n;
    struct scan_state scans[DET_VIEW_MAX_SCANS];
    struct block_state blocks[DET_VIEW_MAX_BLOCKS];
    uint64_t seen;    /* alerts recorded */
    uint64_t last_us; /* the latest alert's time */
};

struct det_view *det_view_new(const struct det_view_config *c)
{
    struct det_view *v = pr_calloc(1, sizeof *v);
    v->cfg = *c;
    if (!v->cfg.max_alerts)
        v->cfg.max_alerts = DET_VIEW_MAX_ALERTS;
    if (!v->cfg.max_hosts)
        v->cfg.max_hosts = DET_VIEW_MAX_HOSTS;
    v->ring = pr_calloc(v->cfg.max_alerts, sizeof *v->ring);
    return v;
}

void det_view_free(struct det_view *v)
{
    if (!v)
        return;
    for (unsigned i = 0; i < v->n; i++)
        json_decref(v->ring[(v->head + i) % v->cfg.max_alerts]);
    for (unsigned i = 0; i < DET_VIEW_MAX_SCANS; i++)
        json_decref(v->scans[i].alert);
    for (unsigned i = 0; i < DET_VIEW_MAX_BLOCKS; i++)
        json_decref(v->blocks[i].alert);
    free(v->ring);
    free(v);
}

/* The slot of scan id, or the oldest one to reuse. Ids are unique in a run whatever the
 * event (a portscan that turns out to be part of a decoy_portscan keeps its id); an alert
 * without an id (0) always gets a slot of its own. */
static struct scan_state *scan_slot(struct det_view *v, uint32_t id)
{
    struct scan_state *old = &v->scans[0];
    for (unsigned i = 0; i < DET_VIEW_MAX_SCANS; i++) {
        struct scan_state *s = &v->scans[i];
        if (id && s->seen && s->scan_id == id)
            return s;
        if (s->seen < old->seen)
            old = s;
    }
    return old;
}

static struct block_state *block_slot(struct det_view *v, const char *ip)
{
    struct block_state *old = &v->blocks[0];
    for (unsigned i = 0; i < DET_VIEW_MAX_BLOCKS; i++) {
        struct block_state *b = &v->blocks[i];
        if (b->seen && !strcmp(b->ip, ip))
            return b;
        if (b->seen < old->seen)
            old = b;
    }
    return old;
}

void det_view_alert(struct det_view *v, const struct det_alert *a)
{
    char *text = det_alert_json(a);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!o)
        return;
    v->seen++;
    if (a->ts_us > v->last_us)
        v->last_us = a->ts_us;
    /* the ring: the oldest line makes room */
    if (v->n == v->cfg.max_alerts) {
        json_decref(v->ring[v->head]);
        v->ring[v->head] = json_incref(o);
        v->head = (v->head + 1) % v->cfg.max_alerts;
    } else {
        v->ring[(v->head + v->n++) % v->cfg.max_alerts] = json_incref(o);
    }
    /* the scan's latest state */
    struct scan_state *s = scan_slot(v, a->scan_id);
    json_decref(s->alert);
    s->seen = v->seen;
    s->scan_id = a->scan_id;
    s->alert = json_incref(o);
    if (a->has_src && a->action &&
        (!strcmp(a->action, "blocked") || !strcmp(a->action, "would_block"))) {
        char ip[PR_ADDRSTRLEN];
        addr_str(&a->src, ip, sizeof ip);
        struct block_state *b = block_slot(v, ip);
        /* a new block: a new address, or a new scan of one blocked before (a scan's
         * later lines repeat its action) */
        if (!b->seen || strcmp(b->ip, ip) || b->scan_id != a->scan_id) {
            json_decref(b->alert);
            memset(b, 0, sizeof *b);
            snprintf(b->ip, sizeof b->ip, "%s", ip);
            b->since_us = a->ts_us;
            b->scan_id = a->scan_id;
            b->alert = json_incref(o);
        }
        b->seen = v->seen;
    }
    json_decref(o);
}

static int view_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    det_view_alert(ctx, a);
    return 0;
}

static void view_close(void *ctx)
{
    (void)ctx; /* the view belongs to its creator */
}

static const struct det_sink_ops view_sink_ops = {"view", view_emit, view_close, NULL};

void det_view_sink(struct det_view *v, struct det_sink *out)
{
    out->ops = &view_sink_ops;
    out->ctx = v;
}

static json_t *time_json(uint64_t us)
{
    char t[40];
    det_fmt_time(us, t, sizeof t);
    return json_string(t);
}

/* Up to max hosts of the inventory (assets_write_json's lines); *total gets them all. */
static json_t *hosts_json(const struct assets *as, unsigned max, uint64_t *total)
{
    json_t *arr = json_array();
    *total = 0;
    if (!as)
        return arr;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return arr;
    int rc = assets_write_json(as, f);
    fclose(f);
    for (char *line = buf, *nl; rc == 0 && line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        ++*total;
        if (json_array_size(arr) >= max)
            continue;
        json_t *h = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
        if (h)
            json_array_append_new(arr, h);
    }
    free(buf);
    return arr;
}

static int scan_order(const void *x, const void *y)
{
    const struct scan_state *a = *(const struct scan_state *const *)x;
    const struct scan_state *b = *(const struct scan_state *const *)y;
    return (a->seen < b->seen) - (a->seen > b->seen); /* newest first */
}

static json_t *scans_json(const struct det_view *v, uint64_t *active)
{
    const struct scan_state *order[DET_VIEW_MAX_SCANS];
    size_t n = 0;
    for (unsigned i = 0; i < DET_VIEW_MAX_SCANS; i++)
        if (v->scans[i].seen)
            order[n++] = &v->scans[i];
    qsort(order, n, sizeof *order, scan_order);
    json_t *arr = json_array();
    *active = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_deep_copy(order[i]->alert);
        const char *phase = json_string_value(json_object_get(o, "phase"));
        int on = !phase || strcmp(phase, "end") != 0;
        *active += (uint64_t)on;
        json_object_set_new(o, "active", json_boolean(on));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *blocks_json(const struct det_view *v)
{
    json_t *arr = json_array();
    for (unsigned i = 0; i < DET_VIEW_MAX_BLOCKS; i++) {
        const struct block_state *b = &v->blocks[i];
        if (!b->seen)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "ip", json_string(b->ip));
        json_object_set(o, "action", json_object_get(b->alert, "action"));
        json_object_set_new(o, "since", time_json(b->since_us));
        if (v->cfg.block_seconds)
            json_object_set_new(o, "until",
                                time_json(b->since_us + (uint64_t)v->cfg.block_seconds * 1000000u));
        json_object_set(o, "event", json_object_get(b->alert, "event"));
        json_object_set(o, "scan_id", json_object_get(b->alert, "scan_id"));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* now_us, or for a file the latest time seen: of an alert or of a host (RFC 3339 UTC
 * strings of one format sort as their times); null when nothing was seen. */
static json_t *generated(const struct det_view *v, json_t *hosts, uint64_t now_us)
{
    if (now_us)
        return time_json(now_us);
    char latest[40] = "";
    if (v->last_us)
        det_fmt_time(v->last_us, latest, sizeof latest);
    size_t i;
    json_t *h;
    json_array_foreach(hosts, i, h)
    {
        const char *t = json_string_value(json_object_get(h, "last_seen"));
        if (t && strcmp(t, latest) > 0)
            snprintf(latest, sizeof latest, "%s", t);
    }
    return latest[0] ? json_string(latest) : json_null();
}

char *det_view_snapshot(const struct det_view *v, const struct det_engine *engine,
                        const struct assets *assets, uint64_t now_us)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    uint64_t nhosts, nactive;
    json_t *hosts = hosts_json(assets, v->cfg.max_hosts, &nhosts);
    json_t *scans = scans_json(v, &nactive);
    json_t *blocks = blocks_json(v);
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "generated", generated(v, hosts, now_us));
    json_object_set_new(o, "source", json_string(v->cfg.source ? v->cfg.source : ""));
    json_object_set_new(o, "live", json_boolean(v->cfg.live));
    json_t *c = json_object();
    if (engine) {
        const struct det_stats *st = det_engine_stats(engine);
        json_object_set_new(c, "events", json_integer((json_int_t)st->events));
        json_object_set_new(c, "probes", json_integer((json_int_t)st->probes));
        json_object_set_new(c, "sources", json_integer((json_int_t)st->sources_seen));
        json_object_set_new(c, "scans", json_integer((json_int_t)st->scans));
        json_object_set_new(c, "alerts", json_integer((json_int_t)st->alerts));
        json_object_set_new(c, "updates", json_integer((json_int_t)st->updates));
        json_object_set_new(c, "suppressed", json_integer((json_int_t)st->alerts_suppressed));
    }
    if (assets) {
        const struct assets_stats *st = assets_stats(assets);
        json_object_set_new(c, "hosts", json_integer((json_int_t)st->hosts));
        json_object_set_new(c, "hosts_not_kept", json_integer((json_int_t)st->hosts_dropped));
        json_object_set_new(c, "services", json_integer((json_int_t)st->services));
        json_object_set_new(c, "os_named", json_integer((json_int_t)st->os_named));
    }
    json_object_set_new(c, "alert_lines", json_integer((json_int_t)v->seen));
    json_object_set_new(c, "active_scans", json_integer((json_int_t)nactive));
    json_object_set_new(c, "blocks", json_integer((json_int_t)json_array_size(blocks)));
    json_object_set_new(o, "counters", c);
    json_object_set_new(o, "hosts_total", json_integer((json_int_t)nhosts));
    json_object_set_new(o, "hosts", hosts);
    json_object_set_new(o, "scans", scans);
    json_t *alerts = json_array();
    for (unsigned i = 0; i < v->n; i++)
        json_array_append(alerts, v->ring[(v->head + i) % v->cfg.max_alerts]);
    json_object_set_new(o, "alerts", alerts);
    json_object_set_new(o, "blocks", blocks);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}
