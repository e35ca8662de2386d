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
 * Written directly (a /16 is 65536 lines: a JSON library's object per line cost ~0.4 s
 * there); strings go through out_put_json: control bytes and invalid UTF-8 become '?',
 * '"' and '\' are escaped. Key names and the state, reason and protocol names are ours. */
#include "output/out_util.h"

#include <math.h>
#include <stdio.h>
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
    return put_str(f, "hostname", h->hostname);
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
        return 0;
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
    return 0;
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
