/* out_normal.c — the human report (stdout and -oN), laid out like nmap 7.93's.
 *
 *   Starting portreeve 0.1 at 2026-11-26 02:55 UTC
 *   portreeve scan report for web (198.18.0.2)
 *   Host is up (0.00012s latency).
 *   Not shown: 990 closed tcp ports (reset), 5 filtered tcp ports (no-response)
 *   PORT   STATE SERVICE
 *   22/tcp open  ssh
 *
 *   portreeve done: 1 IP address (1 host up) scanned in 1.23 seconds
 *
 * With as_file the header and footer are the "# ..." lines nmap writes into -oN files. */
#include "output/out_util.h"

#include <string.h>

#define NAME_MAX_TEXT 1024

static void host_label(const struct host_result *h, char *buf, size_t len)
{
    char addr[PR_ADDRSTRLEN + 2];
    char name[NAME_MAX_TEXT];
    out_addr(h, addr, sizeof addr);
    out_clean(h->hostname, name, sizeof name);
    if (name[0])
        snprintf(buf, len, "%s (%s)", name, addr);
    else
        snprintf(buf, len, "%s", addr);
}

static void reason_text(unsigned reason, unsigned ttl, char *buf, size_t len)
{
    if (ttl)
        snprintf(buf, len, "%s ttl %u", rs_name((enum port_reason)out_reason(reason)), ttl);
    else
        snprintf(buf, len, "%s", rs_name((enum port_reason)out_reason(reason)));
}

static void not_shown(FILE *f, const struct out_summary *s)
{
    struct out_group g[PR_NPROTO * RS_COUNT];
    const char *sep = "Not shown: ";
    for (size_t i = 0; i < s->norder; i++) {
        unsigned st = s->order[i];
        size_t n = out_groups(s, st, g);
        for (size_t k = 0; k < n; k++) {
            fprintf(f, "%s%zu %s %s port%s (%s)", sep, g[k].count, ps_name((enum port_state)st),
                    out_proto_name(g[k].proto), g[k].count == 1 ? "" : "s",
                    rs_name((enum port_reason)g[k].reason));
            sep = ", ";
        }
    }
    if (s->norder)
        fputc('\n', f);
}

static void port_table(FILE *f, const struct scan_result *r, const struct host_result *h,
                       const struct out_summary *s, const struct out_opts *o)
{
    int wport = 4, wstate = 5, wsvc = 7;
    char buf[64];
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (!out_port_shown(s, p))
            continue;
        int n = snprintf(buf, sizeof buf, "%u/%s", p->port, out_proto_name(p->proto));
        if (n > wport)
            wport = n;
        n = (int)strlen(ps_name((enum port_state)out_state(p)));
        if (n > wstate)
            wstate = n;
        n = (int)strlen(out_svc(r, out_proto(p->proto), p->port));
        if (n > wsvc)
            wsvc = n;
    }
    if (o->reason)
        fprintf(f, "%-*s %-*s %-*s REASON\n", wport, "PORT", wstate, "STATE", wsvc, "SERVICE");
    else
        fprintf(f, "%-*s %-*s SERVICE\n", wport, "PORT", wstate, "STATE");
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (!out_port_shown(s, p))
            continue;
        snprintf(buf, sizeof buf, "%u/%s", p->port, out_proto_name(p->proto));
        const char *st = ps_name((enum port_state)out_state(p));
        const char *svc = out_svc(r, out_proto(p->proto), p->port);
        if (o->reason) {
            char rs[64];
            reason_text(p->reason, p->reason_ttl, rs, sizeof rs);
            fprintf(f, "%-*s %-*s %-*s %s\n", wport, buf, wstate, st, wsvc, svc, rs);
        } else {
            fprintf(f, "%-*s %-*s %s\n", wport, buf, wstate, st, svc);
        }
    }
}

static void host_report(FILE *f, const struct scan_result *r, const struct host_result *h,
                        const struct out_opts *o)
{
    char label[NAME_MAX_TEXT + PR_ADDRSTRLEN + 8];
    host_label(h, label, sizeof label);
    if (!h->up) {
        fprintf(f, "portreeve scan report for %s [host down", label);
        if (o->reason)
            fprintf(f, ", received %s", rs_name((enum port_reason)out_reason(h->reason)));
        fputs("]\n", f);
        return;
    }
    if (h->timed_out) {
        fprintf(f, "Skipping host %s due to host timeout\n", label);
        return;
    }
    fprintf(f, "portreeve scan report for %s\nHost is up", label);
    if (o->reason) {
        char rs[64];
        reason_text(h->reason, h->reason_ttl, rs, sizeof rs);
        fprintf(f, ", received %s", rs);
    }
    if (h->srtt_us > 0) {
        char lat[32];
        out_latency(h->srtt_us, lat, sizeof lat);
        fprintf(f, " (%ss latency)", lat);
    }
    fputs(".\n", f);
    if (!r->ping_only && h->nports > 0) {
        struct out_summary s;
        out_summarize(h, o, &s);
        if (s.nshown == 0)
            fprintf(f, "All %zu scanned ports on %s are in ignored states.\n", h->nports, label);
        not_shown(f, &s);
        if (s.norder == 0) /* nmap leaves the "Not shown" line empty */
            fputc('\n', f);
        if (s.nshown > 0)
            port_table(f, r, h, &s, o);
    }
    if (h->have_mac)
        fprintf(f, "MAC Address: %02X:%02X:%02X:%02X:%02X:%02X (Unknown)\n", h->mac[0], h->mac[1],
                h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
    if (!r->ping_only)
        fputc('\n', f);
}

/* nmap's byte counts: B below 1000, then KB/MB/GB with three decimals (powers of 1000). */
static void bytecount(uint64_t b, char *buf, size_t len)
{
    if (b < 1000)
        snprintf(buf, len, "%lluB", (unsigned long long)b);
    else if (b < 1000000)
        snprintf(buf, len, "%.3fKB", (double)b / 1e3);
    else if (b < 1000000000)
        snprintf(buf, len, "%.3fMB", (double)b / 1e6);
    else
        snprintf(buf, len, "%.3fGB", (double)b / 1e9);
}

int out_normal(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char when[64], counts[128];
    if (o->as_file) {
        out_ctime(r->start.tv_sec, when, sizeof when);
        fprintf(f, "# portreeve %s scan initiated %s as: ", out_version(r), when);
        out_put_text(f, r->args ? r->args : "portreeve");
        fputc('\n', f);
    } else {
        struct tm tm;
        time_t t = r->start.tv_sec;
        if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm))
            snprintf(when, sizeof when, "%lld", (long long)t);
        fprintf(f, "Starting portreeve %s at %s\n", out_version(r), when);
    }
    for (size_t i = 0; i < r->nhosts; i++)
        if (out_host_listed(r, &r->hosts[i], o))
            host_report(f, r, &r->hosts[i], o);
    out_done_counts(r, counts, sizeof counts);
    if (o->as_file) {
        out_ctime(r->end.tv_sec, when, sizeof when);
        fprintf(f, "# portreeve done at %s -- %s\n", when, counts);
    } else {
        if (r->nhosts == 1 && r->hosts_up == 0 && !r->ping_only)
            fputs("Note: Host seems down. If it is really up, but blocking our ping probes, try "
                  "-Pn\n",
                  f);
        fprintf(f, "portreeve done: %s\n", counts);
        if (o->verbose > 0 && (r->pkts_sent || r->pkts_rcvd)) {
            char bs[32], br[32];
            bytecount(r->bytes_sent, bs, sizeof bs);
            bytecount(r->bytes_rcvd, br, sizeof br);
            fprintf(f, "           Raw packets sent: %llu (%s) | Rcvd: %llu (%s)\n",
                    (unsigned long long)r->pkts_sent, bs, (unsigned long long)r->pkts_rcvd, br);
        }
    }
    if (fflush(f) != 0 || ferror(f))
        return -1;
    return 0;
}
