/* out_json.c — JSON lines (-oJ): one object per port, for machines.
 *
 *   {"ip":"198.18.0.2","hostname":null,"proto":"tcp","port":22,"state":"open",
 *    "reason":"syn-ack","reason_ttl":64,"service":"ssh"}
 *
 * An on-link host's lines carry "mac" (and "mac_vendor", null when nmap-mac-prefixes does
 * not know its prefix) after "ip".
 * Nothing is collapsed: every scanned port of every listed host gets a line (with
 * --open only ports that may be open: open, open|filtered, unfiltered). A listed host
 * with no ports scanned (-sn, or an empty port list) gets one line
 *   {"ip":...,"hostname":...,"status":"up","reason":"echo-reply","reason_ttl":64}
 * Down hosts are written like that with "status":"down", only with -v (as nmap's other
 * formats do); hosts are listed by the same rule as the other formats (out_host_listed).
 * A host that -O or --traceroute ran on gets one more line after its ports, with keys "os"
 * and/or "trace" (tests/schemas/scan-host.schema.json).
 * Written directly (a /16 is 65536 lines: a JSON library's object per line cost ~0.4 s
 * there); strings go through out_put_json: control bytes and invalid UTF-8 become '?',
 * '"' and '\' are escaped. Key names and the state, reason and protocol names are ours. */
#include "output/out_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "key":"string" or "key":null, after a comma. */
static int put_str(FILE *f, const char *key, const char *s)
{
    return fprintf(f, ",\"%s\":", key) < 0 || out_put_json(f, s) < 0 ? -1 : 0;
}

/* A real as JSON with 4 significant digits, always with a '.' or an exponent, so that a
 * reader keeps it a real (9.8, 10.0); null when not finite (JSON has no inf or nan). */
static int put_real(FILE *f, const char *key, double v)
{
    char b[32] = "null";
    if (isfinite(v)) {
        snprintf(b, sizeof b, "%.4g", v);
        if (!strpbrk(b, ".eE"))
            strncat(b, ".0", sizeof b - strlen(b) - 1);
    }
    return fprintf(f, ",\"%s\":%s", key, b) < 0 ? -1 : 0;
}

static int host_base(FILE *f, const struct host_result *h)
{
    char addr[PR_ADDRSTRLEN + 2];
    out_addr(h, addr, sizeof addr);
    if (fprintf(f, "{\"ip\":\"%s\"", addr) < 0) /* an address needs no escaping */
        return -1;
    if (h->have_mac && (fprintf(f, ",\"mac\":\"%02X:%02X:%02X:%02X:%02X:%02X\"", h->mac[0],
                                h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]) < 0 ||
                        put_str(f, "mac_vendor", h->mac_vendor) < 0))
        return -1;
    int rc = put_str(f, "hostname", h->hostname);
    return h->ptr_name ? rc | put_str(f, "rdns", h->ptr_name) : rc; /* only when named */
}

/* -sV fields: service, product, version, extrainfo, hostname, ostype, devicetype, tunnel,
 * method, conf, cpe[], cves[{id, cvss}], note. */
static int put_service(FILE *f, const struct svc_info *si)
{
    int rc = 0;
    rc |= put_str(f, "service", si->name ? si->name : "unknown");
    rc |= put_str(f, "product", si->product);
    rc |= put_str(f, "version", si->version);
    rc |= put_str(f, "extrainfo", si->extrainfo);
    rc |= put_str(f, "svc_hostname", si->hostname);
    rc |= put_str(f, "ostype", si->ostype);
    rc |= put_str(f, "devicetype", si->devicetype);
    rc |= put_str(f, "tunnel", si->tunnel_ssl ? "ssl" : NULL);
    rc |= put_str(f, "method", si->probed ? "probed" : "table");
    rc |= fprintf(f, ",\"conf\":%d,\"cpe\":[", si->conf) < 0 ? -1 : 0;
    for (size_t i = 0; i < si->ncpes && i < SVC_MAX_CPES; i++) {
        if (i && fputc(',', f) == EOF)
            rc = -1;
        rc |= out_put_json(f, si->cpes[i]);
    }
    rc |= fputs("],\"cves\":[", f) == EOF ? -1 : 0;
    for (size_t i = 0; i < si->ncves; i++) {
        rc |= fputs(i ? ",{\"id\":" : "{\"id\":", f) == EOF ? -1 : 0;
        rc |= out_put_json(f, si->cves[i].id);
        if (si->cves[i].cvss >= 0)
            rc |= put_real(f, "cvss", si->cves[i].cvss);
        else
            rc |= fputs(",\"cvss\":null", f) == EOF ? -1 : 0;
        rc |= fputc('}', f) == EOF ? -1 : 0;
    }
    rc |= fputc(']', f) == EOF ? -1 : 0;
    rc |= put_str(f, "note", si->note);
    return rc;
}

static int put_int_or_null(FILE *f, const char *key, int v, int known)
{
    return (known ? fprintf(f, ",\"%s\":%d", key, v) : fprintf(f, ",\"%s\":null", key)) < 0 ? -1
                                                                                            : 0;
}

/* A list of strings, after a comma: ,"key":["a","b"]. */
static int put_strs(FILE *f, const char *key, const char (*s)[96], size_t n)
{
    int rc = fprintf(f, ",\"%s\":[", key) < 0 ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        if (i && fputc(',', f) == EOF)
            rc = -1;
        rc |= out_put_json(f, s[i]);
    }
    return rc | (fputc(']', f) == EOF ? -1 : 0);
}

/* -O as one object: the matches with their classes, the ports used, the fingerprint and the
 * sequence analyses (null when unknown). */
static int put_os(FILE *f, const struct os_result *os)
{
    static const char *const pstate[] = {[PS_OPEN] = "open", [PS_CLOSED] = "closed"};
    char why[128];
    const char *reason = out_os_reason(os, why, sizeof why);
    size_t nperfect = out_os_nperfect(os);
    size_t n = nperfect ? nperfect : out_os_nguesses(os);
    int rc = fprintf(f, ",\"os\":{\"exact\":%s,\"too_many\":%s,\"guess\":%s,\"unreliable\":%s",
                     nperfect ? "true" : "false", out_os_too_many(os) ? "true" : "false",
                     os->guess ? "true" : "false", os->unreliable ? "true" : "false") < 0
                 ? -1
                 : 0;
    rc |= put_str(f, "not_ideal", reason);
    rc |= fputs(",\"ports_used\":[", f) == EOF ? -1 : 0;
    for (size_t i = 0, k = 0; i < os->nused && i < sizeof os->used / sizeof os->used[0]; i++) {
        const struct os_portused *u = &os->used[i];
        if (u->state != PS_OPEN && u->state != PS_CLOSED)
            continue;
        rc |= fprintf(f, "%s{\"proto\":\"%s\",\"port\":%u,\"state\":\"%s\"}", k++ ? "," : "",
                      out_proto_name(u->proto), u->port, pstate[u->state]) < 0
                  ? -1
                  : 0;
    }
    rc |= fputs("],\"matches\":[", f) == EOF ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        const struct os_match_result *m = &os->matches[i];
        rc |= fputs(i ? ",{\"name\":" : "{\"name\":", f) == EOF ? -1 : 0;
        rc |= out_put_json(f, m->name);
        rc |= fprintf(f, ",\"accuracy\":%d,\"line\":%u,\"classes\":[", m->accuracy, m->line) < 0
                  ? -1
                  : 0;
        for (size_t c = 0; c < m->nclasses && c < OS_MAX_CLASSES; c++) {
            const struct os_class_result *oc = &m->classes[c];
            rc |= fputs(c ? ",{\"type\":" : "{\"type\":", f) == EOF ? -1 : 0;
            rc |= out_put_json(f, oc->type);
            rc |= put_str(f, "vendor", oc->vendor);
            rc |= put_str(f, "family", oc->family);
            rc |= put_str(f, "gen", oc->gen);
            rc |= put_strs(f, "cpe", oc->cpes,
                           oc->ncpes < OS_MAX_CLASS_CPES ? oc->ncpes : OS_MAX_CLASS_CPES);
            rc |= fputc('}', f) == EOF ? -1 : 0;
        }
        rc |= fputs("]}", f) == EOF ? -1 : 0;
    }
    rc |= fputc(']', f) == EOF ? -1 : 0;
    char *fp = out_os_fingerprint(os, 0); /* one test a line: joined into one string */
    for (char *r = fp, *w = fp; r && (*w = *r) != '\0'; r++)
        w += *r != '\n';
    rc |= put_str(f, "fingerprint", fp);
    free(fp);
    if (os->uptime_s >= 0)
        rc |= put_real(f, "uptime_s", os->uptime_s);
    else
        rc |= fputs(",\"uptime_s\":null", f) == EOF ? -1 : 0;
    rc |= put_str(f, "lastboot", os->lastboot);
    rc |= put_int_or_null(f, "distance", os->distance, os->distance >= 0);
    rc |= put_int_or_null(f, "tcp_seq_index", os->seq_index, os->seq_index >= 0);
    rc |= put_str(f, "tcp_seq_difficulty", os->seq_difficulty);
    rc |= put_str(f, "tcp_seq_values", os->seq_values);
    rc |= put_str(f, "ip_id_class", os->ipid_class);
    rc |= put_str(f, "ip_id_values", os->ipid_values);
    rc |= put_str(f, "tcp_ts_class", os->ts_class);
    rc |= put_str(f, "tcp_ts_values", os->ts_values);
    return rc | (fputc('}', f) == EOF ? -1 : 0);
}

/* --traceroute: the probe and every TTL up to the host, "ip" null where no hop answered. */
static int put_trace(FILE *f, const struct host_result *h)
{
    const struct trace_result *t = h->trace;
    const char *proto = t->proto == PR_TCP   ? "tcp"
                        : t->proto == PR_UDP ? "udp"
                        : t->proto == TRACE_PROTO_ICMP
                            ? (h->addr.family == AF_INET6 ? "icmpv6" : "icmp")
                            : NULL;
    int rc = fputs(",\"trace\":{\"proto\":", f) == EOF ? -1 : 0;
    rc |= out_put_json(f, proto);
    rc |= put_int_or_null(f, "port", t->port, t->proto == PR_TCP || t->proto == PR_UDP);
    char a[PR_ADDRSTRLEN];
    if (t->shared_ttl && t->shared_with.family)
        rc |= fprintf(f, ",\"shared_ttl\":%u,\"shared_with\":\"%s\"", t->shared_ttl,
                      addr_str(&t->shared_with, a, sizeof a)) < 0
                  ? -1
                  : 0;
    else
        rc |= fputs(",\"shared_ttl\":0,\"shared_with\":null", f) == EOF ? -1 : 0;
    rc |= fputs(",\"hops\":[", f) == EOF ? -1 : 0;
    for (size_t i = 0; i < t->nhops && i < TRACE_MAX_HOPS; i++) {
        const struct trace_hop *hp = &t->hops[i];
        rc |= fprintf(f, "%s{\"ttl\":%u", i ? "," : "", hp->ttl) < 0 ? -1 : 0;
        if (hp->have_addr) {
            rc |= fprintf(f, ",\"ip\":\"%s\"", addr_str(&hp->addr, a, sizeof a)) < 0 ? -1 : 0;
            if (hp->rtt_ms >= 0)
                rc |= put_real(f, "rtt_ms", hp->rtt_ms);
            else
                rc |= fputs(",\"rtt_ms\":null", f) == EOF ? -1 : 0;
        } else {
            rc |= fputs(",\"ip\":null,\"rtt_ms\":null", f) == EOF ? -1 : 0;
        }
        rc |= put_str(f, "host", hp->host);
        rc |= fputc('}', f) == EOF ? -1 : 0;
    }
    return rc | (fputs("]}", f) == EOF ? -1 : 0);
}

/* One line for what belongs to the host rather than a port: {"ip":..,"hostname":..,
 * "os":{..},"trace":{..}} (each key only when that ran). */
static int host_extra(FILE *f, const struct host_result *h)
{
    if (!h->os && !h->trace)
        return 0;
    int rc = host_base(f, h);
    if (h->os)
        rc |= put_os(f, h->os);
    if (h->trace)
        rc |= put_trace(f, h);
    return rc | (fputs("}\n", f) == EOF ? -1 : 0);
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
        if (host_base(f, h) < 0 ||
            fprintf(f, ",\"status\":\"%s\",\"reason\":\"%s\",\"reason_ttl\":%d}\n",
                    r->list_only ? "unknown"
                    : h->up      ? "up"
                                 : "down",
                    rs_name((enum port_reason)out_reason(h->reason)), (int)h->reason_ttl) < 0)
            return -1;
        return h->up ? host_extra(f, h) : 0;
    }
    for (size_t k = 0; k < h->nports; k++) {
        const struct port_result *p = &h->ports[k];
        unsigned st = out_state(p);
        if (o->open_only && !may_be_open(st))
            continue;
        if (host_base(f, h) < 0 ||
            fprintf(f,
                    ",\"proto\":\"%s\",\"port\":%d,\"state\":\"%s\",\"reason\":\"%s\","
                    "\"reason_ttl\":%d",
                    out_proto_name(p->proto), (int)p->port, ps_name((enum port_state)st),
                    rs_name((enum port_reason)out_reason(p->reason)), (int)p->reason_ttl) < 0)
            return -1;
        int rc = p->svc ? put_service(f, p->svc)
                        : put_str(f, "service", out_svc(r, out_proto(p->proto), p->port));
        if (rc < 0 || fputs("}\n", f) == EOF)
            return -1;
    }
    return host_extra(f, h);
}

/* JSON lines have no header or footer, except a last line for a scan that failed:
 * {"incomplete":true,"error":"..."}. */
static int json_end(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    (void)o;
    if (!r->errormsg)
        return 0;
    if (fputs("{\"incomplete\":true", f) == EOF ||
        (r->interrupted && fputs(",\"interrupted\":true", f) == EOF) ||
        put_str(f, "error", r->errormsg) < 0 || fputs("}\n", f) == EOF)
        return -1;
    return 0;
}

const struct out_format out_format_json = {'J', json_none, json_host, json_end};
