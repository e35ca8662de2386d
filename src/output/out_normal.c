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

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_TEXT 1024

/* "NAME (ADDR)" with the user-given name, else the PTR name (nmap's NameIP), or "ADDR". */
static void host_label(const struct host_result *h, char *buf, size_t len)
{
    char addr[PR_ADDRSTRLEN + 2];
    char name[NAME_MAX_TEXT];
    out_addr(h, addr, sizeof addr);
    out_clean(h->hostname && *h->hostname ? h->hostname : h->ptr_name, name, sizeof name);
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

static int host_has_versions(const struct host_result *h, const struct out_summary *s)
{
    for (size_t i = 0; i < h->nports; i++)
        if (h->ports[i].svc && out_port_shown(s, &h->ports[i]))
            return 1;
    return 0;
}

/* NSE-like lines under a port: its CVEs from --cve-feed and why -sV stopped early. */
static void port_extras(FILE *f, const struct svc_info *si)
{
    if (!si)
        return;
    char note[256];
    out_clean(si->note, note, sizeof note);
    if (si->ncves) {
        fprintf(f, "| cve-feed: %zu known CVE%s\n", si->ncves, si->ncves == 1 ? "" : "s");
        for (size_t i = 0; i < si->ncves; i++) {
            char id[40];
            out_clean(si->cves[i].id, id, sizeof id);
            const char *lead = i + 1 == si->ncves && !note[0] ? "|_" : "| ";
            if (si->cves[i].cvss >= 0)
                fprintf(f, "%s  %-16s %.1f\n", lead, id, si->cves[i].cvss);
            else
                fprintf(f, "%s  %-16s -\n", lead, id);
        }
    }
    if (note[0])
        fprintf(f, "|_service-note: %s\n", note);
}

static void port_table(FILE *f, const struct scan_result *r, const struct host_result *h,
                       const struct out_summary *s, const struct out_opts *o)
{
    int wport = 4, wstate = 5, wsvc = 7, wrs = 6;
    int versions = host_has_versions(h, s);
    char buf[64], svc[160], rs[64], ver[1024];
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
        out_svc_column(r, p, svc, sizeof svc);
        n = (int)strlen(svc);
        if (n > wsvc)
            wsvc = n;
        reason_text(p->reason, p->reason_ttl, rs, sizeof rs);
        n = (int)strlen(rs);
        if (n > wrs)
            wrs = n;
    }
    if (o->reason && versions)
        fprintf(f, "%-*s %-*s %-*s %-*s VERSION\n", wport, "PORT", wstate, "STATE", wsvc, "SERVICE",
                wrs, "REASON");
    else if (o->reason)
        fprintf(f, "%-*s %-*s %-*s REASON\n", wport, "PORT", wstate, "STATE", wsvc, "SERVICE");
    else if (versions)
        fprintf(f, "%-*s %-*s %-*s VERSION\n", wport, "PORT", wstate, "STATE", wsvc, "SERVICE");
    else
        fprintf(f, "%-*s %-*s SERVICE\n", wport, "PORT", wstate, "STATE");
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (!out_port_shown(s, p))
            continue;
        snprintf(buf, sizeof buf, "%u/%s", p->port, out_proto_name(p->proto));
        const char *st = ps_name((enum port_state)out_state(p));
        out_svc_column(r, p, svc, sizeof svc);
        out_version_text(p->svc, ver, sizeof ver);
        fprintf(f, "%-*s %-*s ", wport, buf, wstate, st);
        if (o->reason) {
            reason_text(p->reason, p->reason_ttl, rs, sizeof rs);
            if (versions && ver[0])
                fprintf(f, "%-*s %-*s %s\n", wsvc, svc, wrs, rs, ver);
            else
                fprintf(f, "%-*s %s\n", wsvc, svc, rs);
        } else if (versions && ver[0]) {
            fprintf(f, "%-*s %s\n", wsvc, svc, ver);
        } else {
            fprintf(f, "%s\n", svc);
        }
        port_extras(f, p->svc);
    }
}

/* Adds s (cleaned) to a ", "-separated list unless present; counts entries. */
static void list_add(char *list, size_t len, size_t *n, const char *s)
{
    char c[256];
    out_clean(s, c, sizeof c);
    if (!c[0])
        return;
    for (const char *p = list; (p = strstr(p, c)) != NULL; p++) {
        size_t l = strlen(c);
        if ((p == list || p[-1] == ' ') && (p[l] == '\0' || p[l] == ','))
            return;
    }
    size_t used = strlen(list);
    snprintf(list + used, len - used, "%s%s", used ? ", " : "", c);
    (*n)++;
}

/* nmap's "Service Info: Host: x; OS: Linux; CPE: cpe:/o:linux:linux_kernel". */
static void service_info(FILE *f, const struct host_result *h, const struct out_summary *s)
{
    char hosts[512] = "", oss[512] = "", devs[512] = "", cpes[1024] = "";
    size_t nh = 0, no = 0, nd = 0, nc = 0;
    for (size_t i = 0; i < h->nports; i++) {
        const struct svc_info *si = h->ports[i].svc;
        if (!si || !out_port_shown(s, &h->ports[i]))
            continue;
        list_add(hosts, sizeof hosts, &nh, si->hostname);
        list_add(oss, sizeof oss, &no, si->ostype);
        list_add(devs, sizeof devs, &nd, si->devicetype);
        for (size_t k = 0; k < si->ncpes && k < SVC_MAX_CPES; k++)
            if (si->cpes[k] &&
                (!strncmp(si->cpes[k], "cpe:/o", 6) || !strncmp(si->cpes[k], "cpe:/h", 6)))
                list_add(cpes, sizeof cpes, &nc, si->cpes[k]);
    }
    if (!nh && !no && !nd && !nc)
        return;
    const char *sep = "";
    fputs("Service Info: ", f);
    if (nh) {
        fprintf(f, "%sHost%s: %s", sep, nh > 1 ? "s" : "", hosts);
        sep = "; ";
    }
    if (no) {
        fprintf(f, "%sOS%s: %s", sep, no > 1 ? "s" : "", oss);
        sep = "; ";
    }
    if (nd) {
        fprintf(f, "%sDevice%s: %s", sep, nd > 1 ? "s" : "", devs);
        sep = "; ";
    }
    if (nc)
        fprintf(f, "%sCPE%s: %s", sep, nc > 1 ? "s" : "", cpes);
    fputc('\n', f);
}

/* nmap's OS classification lines (printosclassificationoutput), as the matcher summarised
 * them (os/osdb.h osdb_summarize); guessed ones only when `guess`. */
static void os_classes(FILE *f, const struct os_result *os, int guess)
{
    if (!os->running[0] || (os->running_guess && !guess))
        return;
    fputs("Device type: ", f);
    out_put_text(f, os->device_type);
    fprintf(f, "\nRunning%s: ", os->running_guess ? " (JUST GUESSING)" : "");
    out_put_text(f, os->running);
    fputc('\n', f);
    if (os->os_cpe[0]) {
        fputs("OS CPE: ", f);
        out_put_text(f, os->os_cpe);
        fputc('\n', f);
    }
}

static void os_fingerprint(FILE *f, const struct os_result *os, int wrap)
{
    char *fp = out_os_fingerprint(os, wrap);
    if (!fp)
        return;
    fprintf(f, "TCP/IP fingerprint:\n%s\n", fp);
    free(fp);
}

static void os_names(FILE *f, const char *lead, const struct os_result *os, size_t n, int acc)
{
    fputs(lead, f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        out_put_text(f, os->matches[i].name);
        if (acc)
            fprintf(f, " (%d%%)", os->matches[i].accuracy);
    }
    fputc('\n', f);
}

/* -O, as nmap's printosscanoutput writes it to the normal output. */
static void os_report(FILE *f, const struct host_result *h, const struct out_opts *o)
{
    const struct os_result *os = h->os;
    char why[128];
    const char *reason = out_os_reason(os, why, sizeof why);
    int loud = o->verbose > 1 || o->debug > 0;
    size_t nperfect = out_os_nperfect(os);
    if (os->unreliable && !out_os_too_many(os))
        fputs("Warning: OSScan results may be unreliable because we could not find at least 1 "
              "open and 1 closed port\n",
              f);
    os_classes(f, os, os->guess || reason);
    if (out_os_too_many(os)) {
        fputs("Too many fingerprints match this host to give specific OS details\n", f);
        if (loud)
            os_fingerprint(f, os, 0);
    } else if (nperfect > 0) {
        os_names(f, "OS details: ", os, nperfect, 0);
        if (loud)
            os_fingerprint(f, os, 1);
    } else if (os->nmatches > 0) {
        if (loud && reason)
            fprintf(f, "OS fingerprint not ideal because: %s\n", reason);
        if (os->guess || reason)
            os_names(f, "Aggressive OS guesses: ", os, out_os_nguesses(os), 1);
        if (!reason) {
            fputs("No exact OS matches for host (If you know what OS is running on it, see "
                  "https://nmap.org/submit/ ).\n",
                  f);
            os_fingerprint(f, os, 1);
        } else {
            fputs("No exact OS matches for host (test conditions non-ideal).\n", f);
            if (loud)
                os_fingerprint(f, os, 0);
        }
    } else if (!reason) {
        fputs("No OS matches for host (If you know what OS is running on it, see "
              "https://nmap.org/submit/ ).\n",
              f);
        os_fingerprint(f, os, 1);
    } else {
        fprintf(f, "OS fingerprint not ideal because: %s\nNo OS matches for host\n", reason);
        if (loud)
            os_fingerprint(f, os, 0);
    }
    if (os->uptime_s >= 0 && o->verbose > 0) {
        char boot[80];
        out_clean(os->lastboot, boot, sizeof boot);
        if (boot[0])
            fprintf(f, "Uptime guess: %.3f days (since %s)\n", os->uptime_s / 86400, boot);
        else
            fprintf(f, "Uptime guess: %.3f days\n", os->uptime_s / 86400);
    }
    if (os->distance >= 0)
        fprintf(f, "Network Distance: %d hop%s\n", os->distance, os->distance == 1 ? "" : "s");
    if (os->seq_index >= 0 && o->verbose > 0) {
        char d[40];
        out_clean(os->seq_difficulty, d, sizeof d);
        fprintf(f, "TCP Sequence Prediction: Difficulty=%d (%s)\n", os->seq_index, d);
    }
    if (os->ipid_class[0] && o->verbose > 0) {
        char c[40];
        out_clean(os->ipid_class, c, sizeof c);
        fprintf(f, "IP ID Sequence Generation: %s\n", c);
    }
}

/* One row of the TRACEROUTE table: HOP, RTT and ADDRESS cells ("" for none). */
struct trace_row {
    char hop[8], rtt[96], addr[PR_ADDRSTRLEN + 272];
    int fullrow; /* rtt spans the rest of the row and does not widen its column */
};

static size_t trace_rows(const struct host_result *h, const struct out_opts *o,
                         struct trace_row *rows)
{
    const struct trace_result *t = h->trace;
    size_t n = 0, nh = t->nhops < TRACE_MAX_HOPS ? t->nhops : TRACE_MAX_HOPS, i = 0;
    rows[n++] = (struct trace_row){"HOP", "RTT", "ADDRESS", 0};
    if (!o->debug && t->shared_ttl > 0 && t->shared_with.family) {
        char a[PR_ADDRSTRLEN];
        struct trace_row *r = &rows[n++];
        *r = (struct trace_row){"-", "", "", 1};
        addr_str(&t->shared_with, a, sizeof a);
        if (t->shared_ttl == 1)
            snprintf(r->rtt, sizeof r->rtt, "Hop 1 is the same as for %s", a);
        else
            snprintf(r->rtt, sizeof r->rtt, "Hops 1-%u are the same as for %s", t->shared_ttl, a);
        while (i < nh && t->hops[i].ttl <= t->shared_ttl)
            i++;
    }
    while (i < nh) {
        const struct trace_hop *hp = &t->hops[i];
        struct trace_row *r = &rows[n++];
        *r = (struct trace_row){"", "", "", 0};
        snprintf(r->hop, sizeof r->hop, "%u", hp->ttl);
        if (!hp->have_addr) { /* missing hops in a row: "..." or "... LAST" */
            unsigned last = hp->ttl;
            i++;
            while (!o->debug && i < nh && !t->hops[i].have_addr)
                last = t->hops[i++].ttl;
            if (last == hp->ttl)
                snprintf(r->rtt, sizeof r->rtt, "...");
            else
                snprintf(r->rtt, sizeof r->rtt, "... %u", last);
            continue;
        }
        if (hp->rtt_ms < 0)
            snprintf(r->rtt, sizeof r->rtt, "--");
        else
            snprintf(r->rtt, sizeof r->rtt, "%.2f ms", hp->rtt_ms);
        char a[PR_ADDRSTRLEN], name[256];
        addr_str(&hp->addr, a, sizeof a);
        out_clean(hp->host, name, sizeof name);
        if (name[0])
            snprintf(r->addr, sizeof r->addr, "%s (%s)", name, a);
        else
            snprintf(r->addr, sizeof r->addr, "%s", a);
        i++;
    }
    return n;
}

/* --traceroute, as nmap's printtraceroute_normal: a table whose columns are as wide as their
 * widest cell and one space apart, without trailing spaces. */
static void trace_report(FILE *f, const struct host_result *h, const struct out_opts *o)
{
    const struct trace_result *t = h->trace;
    if (t->nhops == 0) /* localhost */
        return;
    struct trace_row rows[TRACE_MAX_HOPS + 2];
    size_t n = trace_rows(h, o, rows);
    char probe[64];
    out_trace_probe(h, probe, sizeof probe);
    if (probe[0])
        fprintf(f, "\nTRACEROUTE (using %s)\n", probe);
    else
        fputs("\nTRACEROUTE\n", f);
    int w0 = 0, w1 = 0;
    for (size_t i = 0; i < n; i++) {
        int l0 = (int)strlen(rows[i].hop), l1 = (int)strlen(rows[i].rtt);
        w0 = l0 > w0 ? l0 : w0;
        if (!rows[i].fullrow && l1 > w1)
            w1 = l1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct trace_row *r = &rows[i];
        if (r->addr[0])
            fprintf(f, "%-*s %-*s %s\n", w0, r->hop, w1, r->rtt, r->addr);
        else
            fprintf(f, "%-*s %s\n", w0, r->hop, r->rtt);
    }
}

static void host_report(FILE *f, const struct scan_result *r, const struct host_result *h,
                        const struct out_opts *o)
{
    char label[NAME_MAX_TEXT + PR_ADDRSTRLEN + 8];
    host_label(h, label, sizeof label);
    if (r->list_only) { /* -sL: the name of each target, as nmap */
        fprintf(f, "portreeve scan report for %s\n", label);
        return;
    }
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
    if (h->hostname && *h->hostname && h->ptr_name && strcmp(h->hostname, h->ptr_name)) {
        char addr[PR_ADDRSTRLEN + 2], ptr[NAME_MAX_TEXT];
        out_addr(h, addr, sizeof addr);
        out_clean(h->ptr_name, ptr, sizeof ptr);
        fprintf(f, "rDNS record for %s: %s\n", addr, ptr); /* as nmap, when they differ */
    }
    struct out_summary s;
    int have_summary = 0;
    if (!r->ping_only && h->nports > 0) {
        out_summarize(h, o, &s);
        have_summary = 1;
        if (s.nshown == 0)
            fprintf(f, "All %zu scanned ports on %s are in ignored states.\n", h->nports, label);
        not_shown(f, &s);
        if (s.norder == 0) /* nmap leaves the "Not shown" line empty */
            fputc('\n', f);
        if (s.nshown > 0)
            port_table(f, r, h, &s, o);
    }
    if (h->have_mac)
        fprintf(f, "MAC Address: %02X:%02X:%02X:%02X:%02X:%02X (%s)\n", h->mac[0], h->mac[1],
                h->mac[2], h->mac[3], h->mac[4], h->mac[5],
                h->mac_vendor ? h->mac_vendor : "Unknown");
    if (h->os)
        os_report(f, h, o);
    if (have_summary && s.nshown > 0)
        service_info(f, h, &s);
    if (h->trace)
        trace_report(f, h, o);
    if (!r->ping_only || h->trace)
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

static int normal_begin(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char when[64];
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
    return 0;
}

static int normal_host(FILE *f, const struct scan_result *r, const struct host_result *h,
                       const struct out_opts *o)
{
    host_report(f, r, h, o);
    return 0;
}

/* nmap's last line before the summary when -O or -sV ran and a host was up. */
static void detection_note(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    if (r->hosts_up == 0 || (!o->osscan && !o->servicescan))
        return;
    fprintf(f,
            "%s detection performed. Please report any incorrect results at "
            "https://nmap.org/submit/ .\n",
            o->osscan && o->servicescan ? "OS and Service"
            : o->osscan                 ? "OS"
                                        : "Service");
}

static int normal_end(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char when[64], counts[128];
    out_done_counts(r, counts, sizeof counts);
    if (o->as_file) {
        out_ctime(r->end.tv_sec, when, sizeof when);
        detection_note(f, r, o);
        fprintf(f, "# portreeve done at %s -- %s\n", when, counts);
        if (r->errormsg) {
            fputs(r->interrupted ? "# " : "# INCOMPLETE: the scan failed: ", f);
            out_put_text(f, r->errormsg);
            fputc('\n', f);
        }
    } else {
        if (r->nhosts == 1 && r->hosts_up == 0 && !r->ping_only && !r->list_only)
            fputs("Note: Host seems down. If it is really up, but blocking our ping probes, try "
                  "-Pn\n",
                  f);
        detection_note(f, r, o);
        fprintf(f, "portreeve done: %s\n", counts);
        if (o->verbose > 0 && (r->pkts_sent || r->pkts_rcvd)) {
            char bs[32], br[32];
            bytecount(r->bytes_sent, bs, sizeof bs);
            bytecount(r->bytes_rcvd, br, sizeof br);
            fprintf(f, "           Raw packets sent: %llu (%s) | Rcvd: %llu (%s)\n",
                    (unsigned long long)r->pkts_sent, bs, (unsigned long long)r->pkts_rcvd, br);
        }
        if (r->pkts_badsum)
            fprintf(f, "Replies with a wrong checksum ignored: %llu\n",
                    (unsigned long long)r->pkts_badsum);
        if (r->errormsg && !r->interrupted) { /* stderr said it */
            fputs("INCOMPLETE: the scan failed: ", f);
            out_put_text(f, r->errormsg);
            fputc('\n', f);
        }
    }
    return 0;
}

const struct out_format out_format_normal = {'N', normal_begin, normal_host, normal_end};
