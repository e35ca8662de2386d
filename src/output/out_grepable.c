/* out_grepable.c — grepable output (-oG), laid out like nmap 7.93's.
 *
 *   # portreeve 0.1 scan initiated Thu Nov 26 02:54:56 2026 as: portreeve scan ...
 *   Host: 198.18.0.2 (web)	Status: Up
 *   Host: 198.18.0.2 (web)	Ports: 22/open/tcp//ssh///, 80/open/tcp//http///	Ignored
 * State: closed (998) # portreeve done at Thu Nov 26 02:54:57 2026 -- 1 IP address (1 host up)
 * scanned in 0.06 seconds
 *
 * Like nmap, "Ignored State" appears only when exactly one state was collapsed. The
 * parentheses hold the reverse-DNS name as in nmap, else (unlike nmap) the user-given name. */
#include "output/out_util.h"

#include <string.h>

#define NAME_MAX_TEXT 1024

static void host_prefix(FILE *f, const struct host_result *h)
{
    char addr[PR_ADDRSTRLEN + 2];
    char name[NAME_MAX_TEXT];
    out_addr(h, addr, sizeof addr);
    out_clean(h->ptr_name ? h->ptr_name : h->hostname, name, sizeof name);
    fprintf(f, "Host: %s (%s)\t", addr, name);
}

/* Fields are separated by '/' and entries by ", ": keep both out of a service name. */
static void put_field(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == '/' ? '|' : *s == ',' ? ';' : *s, f);
}

static void ports_scanned(FILE *f, const struct scan_result *r)
{
    static const char *const label[PR_NPROTO] = {"TCP", "UDP"};
    size_t n = r->ninfo < sizeof r->info / sizeof r->info[0] ? r->ninfo
                                                             : sizeof r->info / sizeof r->info[0];
    fputs("# Ports scanned:", f);
    for (unsigned pr = 0; pr < PR_NPROTO; pr++) {
        const struct scan_info *si = NULL;
        for (size_t i = 0; i < n && !si; i++)
            if (r->info[i].proto == pr)
                si = &r->info[i];
        fprintf(f, " %s(%zu;", label[pr], si ? si->nports : 0);
        if (si && si->ports)
            out_put_ranges(f, si->ports, si->nports);
        fputc(')', f);
    }
    fputs(" SCTP(0;) PROTOCOLS(0;)\n", f);
}

/* -O: "\tOS: A|B" (exact matches only), "\tSeq Index: N", "\tIP ID Seq: CLASS", as nmap. */
static void os_fields(FILE *f, const struct os_result *os)
{
    size_t n = out_os_nperfect(os);
    char buf[256];
    for (size_t i = 0; i < n; i++) {
        out_clean(os->matches[i].name, buf, sizeof buf);
        fputs(i ? "|" : "\tOS: ", f);
        fputs(buf, f);
    }
    if (os->seq_index >= 0)
        fprintf(f, "\tSeq Index: %d", os->seq_index);
    if (os->ipid_class[0]) {
        out_clean(os->ipid_class, buf, sizeof buf);
        fprintf(f, "\tIP ID Seq: %s", buf);
    }
}

static void host_ports(FILE *f, const struct scan_result *r, const struct host_result *h,
                       const struct out_opts *o)
{
    struct out_summary s;
    out_summarize(h, o, &s);
    host_prefix(f, h);
    fputs("Ports: ", f);
    const char *sep = "";
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (!out_port_shown(&s, p))
            continue;
        fprintf(f, "%s%u/%s/%s//", sep, p->port, ps_name((enum port_state)out_state(p)),
                out_proto_name(p->proto));
        if (p->svc) {
            char name[160], ver[1024];
            out_clean(p->svc->name ? p->svc->name : "unknown", name, sizeof name);
            out_version_text(p->svc, ver, sizeof ver);
            if (p->svc->tunnel_ssl)
                fputs("ssl|", f);
            put_field(f, name);
            fputs("//", f);
            put_field(f, ver);
            fputc('/', f);
        } else {
            const char *svc = out_svc_known(r, out_proto(p->proto), p->port);
            if (svc)
                put_field(f, svc);
            fputs("///", f);
        }
        sep = ", ";
    }
    if (s.norder == 1)
        fprintf(f, "\tIgnored State: %s (%zu)", ps_name((enum port_state)s.order[0]),
                s.count[s.order[0]]);
    if (h->os)
        os_fields(f, h->os);
    fputc('\n', f);
}

static int grepable_begin(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char when[64];
    out_ctime(r->start.tv_sec, when, sizeof when);
    fprintf(f, "# portreeve %s scan initiated %s as: ", out_version(r), when);
    out_put_text(f, r->args ? r->args : "portreeve");
    fputc('\n', f);
    if (o->verbose > 0)
        ports_scanned(f, r);
    return 0;
}

static int grepable_host(FILE *f, const struct scan_result *r, const struct host_result *h,
                         const struct out_opts *o)
{
    host_prefix(f, h);
    fprintf(f, "Status: %s\n", r->list_only ? "Unknown" : h->up ? "Up" : "Down");
    if (h->up && !r->ping_only)
        host_ports(f, r, h, o);
    return 0;
}

static int grepable_end(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char when[64], counts[128];
    (void)o;
    out_ctime(r->end.tv_sec, when, sizeof when);
    out_done_counts(r, counts, sizeof counts);
    fprintf(f, "# portreeve done at %s -- %s\n", when, counts);
    if (r->errormsg) {
        fputs(r->interrupted ? "# " : "# INCOMPLETE: the scan failed: ", f);
        out_put_text(f, r->errormsg);
        fputc('\n', f);
    }
    return 0;
}

const struct out_format out_format_grepable = {'G', grepable_begin, grepable_host, grepable_end};
