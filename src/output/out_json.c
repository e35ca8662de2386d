/* out_json.c — JSON lines (-oJ): one object per port, for machines.
 *
 *   {"ip":"198.18.0.2","hostname":null,"proto":"tcp","port":22,"state":"open",
 *    "reason":"syn-ack","reason_ttl":64,"service":"ssh"}
 *
 * Nothing is collapsed: every scanned port of every listed host gets a line (with
 * --open only ports that may be open: open, open|filtered, unfiltered). A listed host
 * with no ports scanned (-sn, or an empty port list) gets one line
 *   {"ip":...,"hostname":...,"status":"up","reason":"echo-reply","reason_ttl":64}
 * Down hosts are written like that with "status":"down", only with -v (as nmap's other
 * formats do); hosts are listed by the same rule as the other formats (out_host_listed).
 * Strings go through jansson after replacing control bytes and invalid UTF-8 with '?'. */
#include "output/out_util.h"

#include <jansson.h>
#include <stdlib.h>

/* Steals v into o; any failure poisons *ok. */
static void put(json_t *o, const char *key, json_t *v, int *ok)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        *ok = 0;
}

static json_t *str_or_null(const char *s)
{
    if (!s || !*s)
        return json_null();
    char *c = out_clean_dup(s);
    if (!c)
        return NULL;
    json_t *v = json_string(c);
    free(c);
    return v;
}

static json_t *host_base(const struct host_result *h, int *ok)
{
    char addr[PR_ADDRSTRLEN + 2];
    json_t *o = json_object();
    if (!o) {
        *ok = 0;
        return NULL;
    }
    out_addr(h, addr, sizeof addr);
    put(o, "ip", json_string(addr), ok);
    put(o, "hostname", str_or_null(h->hostname), ok);
    return o;
}

static int emit(FILE *f, json_t *o, int ok)
{
    int rc = -1;
    if (o && ok &&
        json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4)) == 0 &&
        fputc('\n', f) != EOF)
        rc = 0;
    json_decref(o);
    return rc;
}

/* -sV fields: service, product, version, extrainfo, hostname, ostype, devicetype, tunnel,
 * method, conf, cpe[], cves[{id, cvss}], note. */
static void put_service(json_t *j, const struct svc_info *si, int *ok)
{
    put(j, "service", str_or_null(si->name ? si->name : "unknown"), ok);
    put(j, "product", str_or_null(si->product), ok);
    put(j, "version", str_or_null(si->version), ok);
    put(j, "extrainfo", str_or_null(si->extrainfo), ok);
    put(j, "svc_hostname", str_or_null(si->hostname), ok);
    put(j, "ostype", str_or_null(si->ostype), ok);
    put(j, "devicetype", str_or_null(si->devicetype), ok);
    put(j, "tunnel", si->tunnel_ssl ? json_string("ssl") : json_null(), ok);
    put(j, "method", json_string(si->probed ? "probed" : "table"), ok);
    put(j, "conf", json_integer(si->conf), ok);
    json_t *cpes = json_array();
    for (size_t i = 0; cpes && i < si->ncpes && i < SVC_MAX_CPES; i++)
        if (json_array_append_new(cpes, str_or_null(si->cpes[i])) != 0)
            *ok = 0;
    put(j, "cpe", cpes, ok);
    json_t *cves = json_array();
    for (size_t i = 0; cves && i < si->ncves; i++) {
        json_t *c = json_object();
        if (!c) {
            *ok = 0;
            break;
        }
        put(c, "id", str_or_null(si->cves[i].id), ok);
        put(c, "cvss", si->cves[i].cvss >= 0 ? json_real(si->cves[i].cvss) : json_null(), ok);
        if (json_array_append_new(cves, c) != 0)
            *ok = 0;
    }
    put(j, "cves", cves, ok);
    put(j, "note", str_or_null(si->note), ok);
}

static int may_be_open(unsigned st)
{
    return st == PS_OPEN || st == PS_OPEN_FILTERED || st == PS_UNFILTERED;
}

static int json_none(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    (void)f, (void)r, (void)o;
    return 0;
}

static int json_host(FILE *f, const struct scan_result *r, const struct host_result *h,
                     const struct out_opts *o)
{
    if (!h->up || r->ping_only || h->nports == 0) {
        int ok = 1;
        json_t *j = host_base(h, &ok);
        if (j) {
            put(j, "status", json_string(h->up ? "up" : "down"), &ok);
            put(j, "reason", json_string(rs_name((enum port_reason)out_reason(h->reason))), &ok);
            put(j, "reason_ttl", json_integer(h->reason_ttl), &ok);
        }
        return emit(f, j, ok);
    }
    for (size_t k = 0; k < h->nports; k++) {
        const struct port_result *p = &h->ports[k];
        unsigned st = out_state(p);
        if (o->open_only && !may_be_open(st))
            continue;
        int ok = 1;
        json_t *j = host_base(h, &ok);
        if (j) {
            put(j, "proto", json_string(out_proto_name(p->proto)), &ok);
            put(j, "port", json_integer(p->port), &ok);
            put(j, "state", json_string(ps_name((enum port_state)st)), &ok);
            put(j, "reason", json_string(rs_name((enum port_reason)out_reason(p->reason))), &ok);
            put(j, "reason_ttl", json_integer(p->reason_ttl), &ok);
            if (p->svc)
                put_service(j, p->svc, &ok);
            else
                put(j, "service", str_or_null(out_svc(r, out_proto(p->proto), p->port)), &ok);
        }
        if (emit(f, j, ok) != 0)
            return -1;
    }
    return 0;
}

/* JSON lines have no header or footer. */
const struct out_format out_format_json = {'J', json_none, json_host, json_none};
