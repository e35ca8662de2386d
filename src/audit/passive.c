/* passive.c — the passive inventory and baseline in the history store (see passive.h). */
#include "audit/passive.h"

#include "core/ports.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

/* One inventory line into the tables; -1 with e naming line and field. */
static int store_host(struct hist_db *db, json_t *o, size_t line, const char *now,
                      struct pr_error *e)
{
    json_t *ip = json_object_get(o, "ip"), *svcs = json_object_get(o, "services");
    struct pr_addr a;
    if (!json_is_object(o) || !json_is_string(ip) || addr_parse(json_string_value(ip), &a) < 0)
        return pr_errf(e, "inventory line %zu: ip: expected an IPv4 or IPv6 address", line);
    if (!json_is_array(svcs))
        return pr_errf(e, "inventory line %zu: services: expected an array", line);
    const char *addr = json_string_value(ip);
    const char *hp[] = {addr,
                        str_or(o, "mac", ""),
                        str_or(o, "vendor", ""),
                        str_or(o, "os", ""),
                        str_or(o, "first_seen", ""),
                        str_or(o, "last_seen", ""),
                        now};
    if (hist_exec(db,
                  "INSERT INTO passive_hosts (addr, mac, vendor, os, first_seen, last_seen, "
                  "updated) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (addr) DO UPDATE SET "
                  "mac = COALESCE(NULLIF(excluded.mac, ''), passive_hosts.mac), "
                  "vendor = COALESCE(NULLIF(excluded.vendor, ''), passive_hosts.vendor), "
                  "os = COALESCE(NULLIF(excluded.os, ''), passive_hosts.os), "
                  "last_seen = excluded.last_seen, updated = excluded.updated",
                  7, hp, NULL, NULL, e) < 0)
        return -1;
    for (size_t i = 0; i < json_array_size(svcs); i++) {
        json_t *s = json_array_get(svcs, i), *port = json_object_get(s, "port");
        const char *proto = str_or(s, "proto", "");
        if (!json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
            return pr_errf(e, "inventory line %zu: services[%zu]: expected a port and tcp or udp",
                           line, i);
        char pb[8];
        snprintf(pb, sizeof pb, "%d", (int)json_integer_value(port));
        const char *sp[] = {addr, proto, pb, str_or(s, "first_seen", "")};
        if (hist_exec(db,
                      "INSERT INTO passive_services (addr, proto, port, first_seen) VALUES ($1, "
                      "$2, $3, $4) ON CONFLICT (addr, proto, port) DO NOTHING",
                      4, sp, NULL, NULL, e) < 0)
            return -1;
    }
    return 0;
}

int pas_store_inventory(struct hist_db *db, const char *jsonl, size_t len, struct pr_error *e)
{
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    if (hist_begin(db, e) < 0)
        return -1;
    size_t line = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(jsonl + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (jsonl + off)) : len - off;
        line++;
        if (n) {
            json_error_t je;
            json_t *o = json_loadb(jsonl + off, n, 0, &je);
            int rc = o ? store_host(db, o, line, now, e)
                       : pr_errf(e, "inventory line %zu column %d: %s", line, je.column, je.text);
            json_decref(o);
            if (rc < 0) {
                hist_rollback(db);
                return -1;
            }
        }
        off += n + 1;
    }
    return hist_commit(db, e);
}

int pas_store_baseline(struct hist_db *db, const char *json, size_t len, struct pr_error *e)
{
    char *body = pr_calloc(len + 1, 1);
    memcpy(body, json, len);
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    const char *p[] = {now, body};
    int rc = hist_begin(db, e) < 0                                                ? -1
             : hist_exec(db, "DELETE FROM baselines", 0, NULL, NULL, NULL, e) < 0 ? -1
             : hist_exec(db, "INSERT INTO baselines (saved, body) VALUES ($1, $2)", 2, p, NULL,
                         NULL, e) < 0
                 ? -1
                 : 0;
    if (rc < 0)
        hist_rollback(db);
    else
        rc = hist_commit(db, e);
    free(body);
    return rc;
}

static int row_body(void *ctx, int ncol, const char *const *col)
{
    char **out = ctx;
    if (ncol < 1 || !col[0] || *out)
        return 0;
    *out = pr_strdup(col[0]);
    return 0;
}

int pas_load_baseline(struct hist_db *db, char **json, size_t *len, struct pr_error *e)
{
    *json = NULL;
    *len = 0;
    if (hist_exec(db, "SELECT body FROM baselines ORDER BY id DESC", 0, NULL, row_body, json, e) <
        0)
        return -1;
    if (*json)
        *len = strlen(*json);
    return 0;
}

/* Rows of (addr, mac) then (addr, proto, port) into the result. */
struct loader {
    struct pas_result *p;
    size_t cap[2], cap_hosts;
};

static int row_host(void *ctx, int ncol, const char *const *col)
{
    struct loader *l = ctx;
    struct scan_result *r = &l->p->r;
    struct pr_addr a;
    if (ncol < 2 || !col[0] || addr_parse(col[0], &a) < 0)
        return 0; /* a row this version cannot read is skipped */
    if (r->nhosts == l->cap_hosts) {
        l->cap_hosts = l->cap_hosts ? 2 * l->cap_hosts : 64;
        r->hosts = pr_reallocarray(r->hosts, l->cap_hosts, sizeof *r->hosts);
    }
    struct host_result *h = &r->hosts[r->nhosts++];
    memset(h, 0, sizeof *h);
    h->addr = a;
    h->up = 1;
    unsigned m[6];
    if (col[1] &&
        sscanf(col[1], "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
        for (int i = 0; i < 6; i++)
            h->mac[i] = (uint8_t)m[i];
        h->have_mac = 1;
    }
    r->hosts_up++;
    return 0;
}

static struct host_result *find_host(struct scan_result *r, const struct pr_addr *a)
{
    for (size_t i = 0; i < r->nhosts; i++) /* rows come in address order: the last first */
        if (addr_eq(&r->hosts[r->nhosts - 1 - i].addr, a))
            return &r->hosts[r->nhosts - 1 - i];
    return NULL;
}

static int row_service(void *ctx, int ncol, const char *const *col)
{
    struct loader *l = ctx;
    struct pr_addr a;
    if (ncol < 3 || !col[0] || !col[1] || !col[2] || addr_parse(col[0], &a) < 0)
        return 0;
    struct host_result *h = find_host(&l->p->r, &a);
    long port = strtol(col[2], NULL, 10);
    if (!h || port < 1 || port > 65535)
        return 0;
    uint8_t proto = !strcmp(col[1], "udp") ? PR_UDP : PR_TCP;
    h->ports = pr_reallocarray(h->ports, h->nports + 1, sizeof *h->ports);
    h->ports[h->nports++] =
        (struct port_result){.port = (uint16_t)port,
                             .proto = proto,
                             .state = PS_OPEN,
                             .reason = proto == PR_UDP ? RS_UDP_RESPONSE : RS_SYN_ACK};
    return 0;
}

static int port_cmp(const void *x, const void *y)
{
    const struct port_result *a = x, *b = y;
    if (a->proto != b->proto)
        return a->proto - b->proto;
    return (a->port > b->port) - (a->port < b->port);
}

int pas_load_result(struct hist_db *db, struct pas_result *out, struct pr_error *e)
{
    memset(out, 0, sizeof *out);
    struct loader l = {out, {0, 0}, 0};
    if (hist_exec(db, "SELECT addr, mac FROM passive_hosts ORDER BY addr", 0, NULL, row_host, &l,
                  e) < 0 ||
        hist_exec(db, "SELECT addr, proto, port FROM passive_services ORDER BY addr, proto, port",
                  0, NULL, row_service, &l, e) < 0) {
        pas_result_free(out);
        return -1;
    }
    struct scan_result *r = &out->r;
    uint8_t *seen = pr_calloc(2 * 65536, 1);
    for (size_t i = 0; i < r->nhosts; i++) {
        struct host_result *h = &r->hosts[i];
        if (h->nports)
            qsort(h->ports, h->nports, sizeof *h->ports, port_cmp);
        for (size_t j = 0; j < h->nports; j++)
            seen[(h->ports[j].proto == PR_UDP) * 65536 + h->ports[j].port] = 1;
    }
    static const char *const type[2] = {"syn", "udp"};
    for (int pr = 0; pr < 2; pr++) {
        size_t n = 0;
        for (unsigned port = 1; port < 65536; port++)
            n += seen[pr * 65536 + port];
        if (!n)
            continue;
        out->ports[pr] = pr_calloc(n, sizeof *out->ports[pr]);
        n = 0;
        for (unsigned port = 1; port < 65536; port++)
            if (seen[pr * 65536 + port])
                out->ports[pr][n++] = (uint16_t)port;
        r->info[r->ninfo++] =
            (struct scan_info){type[pr], (uint8_t)(pr ? PR_UDP : PR_TCP), out->ports[pr], n};
    }
    free(seen);
    return (int)r->nhosts;
}

void pas_result_free(struct pas_result *p)
{
    result_free(&p->r);
    free(p->ports[0]);
    free(p->ports[1]);
    memset(p, 0, sizeof *p);
}
