/* out_xml.c — nmap XML (-oX), xmloutputversion 1.05.
 *
 * Valid against /usr/share/nmap/nmap.dtd, read by ndiff and rendered by nmap.xsl. The
 * DTD fixes scanner="nmap", so portreeve names itself in the leading comment, in args
 * and in the runstats summary. Collapsed ports are kept in <extrareasons ports="...">
 * as nmap 7.93 writes them, so every port's state can be read back. */
#include "output/out_util.h"

#include <stdlib.h>
#include <string.h>

static void attr(FILE *f, const char *name, const char *value)
{
    fprintf(f, " %s=\"", name);
    out_put_xml(f, value);
    fputc('"', f);
}

/* The DTD enumerates scan types; an element with another type would make the file invalid. */
static int known_type(const char *t)
{
    static const char *const types[] = {"syn",    "ack",    "connect", "null", "xmas",
                                        "window", "maimon", "fin",     "udp"};
    for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(t, types[i]))
            return 1;
    return 0;
}

static void scaninfo(FILE *f, const struct scan_result *r)
{
    size_t n = r->ninfo < sizeof r->info / sizeof r->info[0] ? r->ninfo
                                                             : sizeof r->info / sizeof r->info[0];
    for (size_t i = 0; i < n; i++) {
        const struct scan_info *si = &r->info[i];
        if (!known_type(si->type))
            continue;
        fprintf(f, "<scaninfo type=\"%s\" protocol=\"%s\" numservices=\"%zu\" services=\"",
                si->type, out_proto_name(si->proto), si->nports);
        out_put_ranges(f, si->ports, si->ports ? si->nports : 0);
        fputs("\"/>\n", f);
    }
}

static void address(FILE *f, const struct host_result *h)
{
    char addr[PR_ADDRSTRLEN + 2];
    out_addr(h, addr, sizeof addr);
    fprintf(f, "<address addr=\"%s\" addrtype=\"%s\"/>\n", addr,
            h->addr.family == AF_INET6 ? "ipv6" : "ipv4");
    if (h->have_mac) {
        fprintf(f, "<address addr=\"%02X:%02X:%02X:%02X:%02X:%02X\" addrtype=\"mac\"", h->mac[0],
                h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
        if (h->mac_vendor) /* nmap leaves vendor out when the prefix is unknown */
            attr(f, "vendor", h->mac_vendor);
        fputs("/>\n", f);
    }
}

/* The user-given name (type "user") and the reverse-DNS name (type "PTR"), as nmap. */
static void hostnames(FILE *f, const struct host_result *h)
{
    fputs("<hostnames>\n", f);
    if (h->hostname && *h->hostname) {
        fputs("<hostname", f);
        attr(f, "name", h->hostname);
        fputs(" type=\"user\"/>\n", f);
    }
    if (h->ptr_name && *h->ptr_name) {
        fputs("<hostname", f);
        attr(f, "name", h->ptr_name);
        fputs(" type=\"PTR\"/>\n", f);
    }
    fputs("</hostnames>\n", f);
}

static void opt_attr(FILE *f, const char *name, const char *value)
{
    if (value && *value)
        attr(f, name, value);
}

/* -sV: <service name product version extrainfo hostname ostype devicetype tunnel method
 * conf> with <cpe> children, as nmap writes it; CVEs and notes as <script> elements. */
static void service(FILE *f, const struct svc_info *si)
{
    fputs("<service", f);
    attr(f, "name", si->name ? si->name : "unknown");
    opt_attr(f, "product", si->product);
    opt_attr(f, "version", si->version);
    opt_attr(f, "extrainfo", si->extrainfo);
    opt_attr(f, "hostname", si->hostname);
    opt_attr(f, "ostype", si->ostype);
    opt_attr(f, "devicetype", si->devicetype);
    if (si->tunnel_ssl)
        fputs(" tunnel=\"ssl\"", f);
    int conf = si->conf < 0 ? 0 : si->conf > 10 ? 10 : si->conf;
    fprintf(f, " method=\"%s\" conf=\"%d\"", si->probed ? "probed" : "table", conf);
    if (si->ncpes == 0) {
        fputs("/>", f);
    } else {
        fputc('>', f);
        for (size_t i = 0; i < si->ncpes && i < SVC_MAX_CPES; i++) {
            fputs("<cpe>", f);
            out_put_xml(f, si->cpes[i] ? si->cpes[i] : "");
            fputs("</cpe>", f);
        }
        fputs("</service>", f);
    }
    if (si->ncves) {
        fputs("<script id=\"cve-feed\" output=\"", f);
        for (size_t i = 0; i < si->ncves; i++) {
            out_put_xml(f, si->cves[i].id);
            if (si->cves[i].cvss >= 0)
                fprintf(f, " %.1f", si->cves[i].cvss);
            if (i + 1 < si->ncves)
                fputs("&#xa;", f);
        }
        fputs("\">", f);
        for (size_t i = 0; i < si->ncves; i++) {
            fputs("<table><elem key=\"id\">", f);
            out_put_xml(f, si->cves[i].id);
            fputs("</elem>", f);
            if (si->cves[i].cvss >= 0)
                fprintf(f, "<elem key=\"cvss\">%.1f</elem>", si->cves[i].cvss);
            fputs("</table>", f);
        }
        fputs("</script>", f);
    }
    if (si->note && *si->note) {
        fputs("<script id=\"service-note\"", f);
        attr(f, "output", si->note);
        fputs("/>", f);
    }
}

static void ports(FILE *f, const struct scan_result *r, const struct host_result *h,
                  const struct out_opts *o)
{
    struct out_summary s;
    struct out_group g[PR_NPROTO * RS_COUNT];
    out_summarize(h, o, &s);
    fputs("<ports>", f);
    for (size_t i = 0; i < s.norder; i++) {
        unsigned st = s.order[i];
        fprintf(f, "<extraports state=\"%s\" count=\"%zu\">\n", ps_name((enum port_state)st),
                s.count[st]);
        size_t n = out_groups(&s, st, g);
        for (size_t k = 0; k < n; k++) {
            fprintf(f, "<extrareasons reason=\"%s\" count=\"%zu\" proto=\"%s\" ports=\"",
                    rs_name((enum port_reason)g[k].reason), g[k].count, out_proto_name(g[k].proto));
            out_put_group_ports(f, h, st, g[k].proto, g[k].reason);
            fputs("\"/>\n", f);
        }
        fputs("</extraports>\n", f);
    }
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (!out_port_shown(&s, p))
            continue;
        fprintf(f,
                "<port protocol=\"%s\" portid=\"%u\"><state state=\"%s\" reason=\"%s\" "
                "reason_ttl=\"%u\"/>",
                out_proto_name(p->proto), p->port, ps_name((enum port_state)out_state(p)),
                rs_name((enum port_reason)out_reason(p->reason)), p->reason_ttl);
        if (p->svc) {
            service(f, p->svc);
        } else {
            const char *svc = out_svc_known(r, out_proto(p->proto), p->port);
            if (svc) {
                fputs("<service", f);
                attr(f, "name", svc);
                fputs(" method=\"table\" conf=\"3\"/>", f);
            }
        }
        fputs("</port>\n", f);
    }
    fputs("</ports>\n", f);
}

/* Text with line breaks as "&#xa;" (the fingerprint attribute). */
static void put_xml_lines(FILE *f, const char *s)
{
    char line[128];
    while (*s) {
        size_t n = strcspn(s, "\n");
        while (n > 0) {
            size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
            memcpy(line, s, k);
            line[k] = '\0';
            out_put_xml(f, line);
            s += k;
            n -= k;
        }
        if (*s == '\n') {
            fputs("&#xa;", f);
            s++;
        }
    }
}

static void osclass(FILE *f, const struct os_class_result *c, int accuracy)
{
    fputs("<osclass", f);
    attr(f, "type", c->type);
    attr(f, "vendor", c->vendor);
    attr(f, "osfamily", c->family);
    opt_attr(f, "osgen", c->gen);
    fprintf(f, " accuracy=\"%d\"", accuracy);
    if (c->ncpes == 0) {
        fputs("/>\n", f);
        return;
    }
    fputc('>', f);
    for (size_t i = 0; i < c->ncpes && i < OS_MAX_CLASS_CPES; i++) {
        fputs("<cpe>", f);
        out_put_xml(f, c->cpes[i]);
        fputs("</cpe>", f);
    }
    fputs("</osclass>\n", f);
}

static void osmatch(FILE *f, const struct os_match_result *m)
{
    fputs("<osmatch", f);
    attr(f, "name", m->name);
    fprintf(f, " accuracy=\"%d\" line=\"%u\"", m->accuracy, m->line);
    if (m->nclasses == 0) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    for (size_t i = 0; i < m->nclasses && i < OS_MAX_CLASSES; i++)
        osclass(f, &m->classes[i], m->accuracy);
    fputs("</osmatch>\n", f);
}

/* The fingerprint goes into the XML whenever nmap would print it in the normal output. */
static int fingerprint_shown(const struct os_result *os, const struct out_opts *o)
{
    char why[128];
    const char *reason = out_os_reason(os, why, sizeof why);
    int loud = o->verbose > 1 || o->debug > 0;
    if (out_os_nperfect(os) > 0 || reason || out_os_too_many(os))
        return loud;
    return 1;
}

/* -O: <os> with <portused>, <osmatch> (exact matches, or the guesses within 10% of the best)
 * and <osfingerprint>, then <uptime>, <distance>, <tcpsequence>, <ipidsequence> and
 * <tcptssequence>, in nmap's order. */
static void os(FILE *f, const struct os_result *os, const struct out_opts *o)
{
    static const char *const pstate[] = {[PS_OPEN] = "open", [PS_CLOSED] = "closed"};
    fputs("<os>", f);
    for (size_t i = 0; i < os->nused && i < sizeof os->used / sizeof os->used[0]; i++) {
        const struct os_portused *u = &os->used[i];
        if (u->state != PS_OPEN && u->state != PS_CLOSED)
            continue;
        fprintf(f, "<portused state=\"%s\" proto=\"%s\" portid=\"%u\"/>\n", pstate[u->state],
                out_proto_name(u->proto), u->port);
    }
    size_t nperfect = out_os_nperfect(os);
    size_t n = nperfect ? nperfect : out_os_nguesses(os);
    for (size_t i = 0; i < n; i++)
        osmatch(f, &os->matches[i]);
    char *fp = fingerprint_shown(os, o) ? out_os_fingerprint(os, 1) : NULL;
    if (fp) {
        fputs("<osfingerprint fingerprint=\"", f);
        put_xml_lines(f, fp);
        fputs("\"/>\n", f);
        free(fp);
    }
    fputs("</os>\n", f);
    if (os->uptime_s >= 0) {
        fprintf(f, "<uptime seconds=\"%.0f\"", os->uptime_s);
        opt_attr(f, "lastboot", os->lastboot);
        fputs("/>\n", f);
    }
    if (os->distance >= 0)
        fprintf(f, "<distance value=\"%d\"/>\n", os->distance);
    if (os->seq_index >= 0) {
        fprintf(f, "<tcpsequence index=\"%d\"", os->seq_index);
        attr(f, "difficulty", os->seq_difficulty);
        attr(f, "values", os->seq_values);
        fputs("/>\n", f);
    }
    if (os->ipid_class[0]) {
        fputs("<ipidsequence", f);
        attr(f, "class", os->ipid_class);
        attr(f, "values", os->ipid_values);
        fputs("/>\n", f);
        fputs("<tcptssequence", f);
        attr(f, "class", os->ts_class[0] ? os->ts_class : "none returned (unsupported)");
        opt_attr(f, "values", os->ts_values);
        fputs("/>\n", f);
    }
}

/* --traceroute: <trace port proto> with one <hop> per answered TTL (missing hops have none). */
static void trace(FILE *f, const struct host_result *h)
{
    const struct trace_result *t = h->trace;
    if (t->nhops == 0)
        return;
    fputs("<trace", f);
    if (t->proto == PR_TCP || t->proto == PR_UDP)
        fprintf(f, " port=\"%u\" proto=\"%s\"", t->port, out_proto_name(t->proto));
    else if (t->proto == TRACE_PROTO_ICMP && h->addr.family == AF_INET)
        fputs(" proto=\"icmp\"", f);
    fputs(">\n", f);
    for (size_t i = 0; i < t->nhops && i < TRACE_MAX_HOPS; i++) {
        const struct trace_hop *hp = &t->hops[i];
        char a[PR_ADDRSTRLEN];
        if (!hp->have_addr)
            continue;
        fprintf(f, "<hop ttl=\"%u\" ipaddr=\"%s\"", hp->ttl, addr_str(&hp->addr, a, sizeof a));
        if (hp->rtt_ms < 0)
            fputs(" rtt=\"--\"", f);
        else
            fprintf(f, " rtt=\"%.2f\"", hp->rtt_ms);
        opt_attr(f, "host", hp->host);
        fputs("/>\n", f);
    }
    fputs("</trace>\n", f);
}

static void times(FILE *f, const struct host_result *h)
{
    double srtt = h->srtt_us > 0 ? h->srtt_us : 0;
    double var = h->rttvar_us > 0 ? h->rttvar_us : 0;
    double to = h->timeout_us;
    if (!(to > 0)) {
        /* RFC 6298's RTO, never below nmap's 100 ms floor. */
        to = srtt + 4 * var;
        if (to < 100000)
            to = 100000;
    }
    if (srtt > 1e12 || var > 1e12 || to > 1e12) /* nonsense from the engine: clamp */
        srtt = var = to = 0;
    fprintf(f, "<times srtt=\"%.0f\" rttvar=\"%.0f\" to=\"%.0f\"/>\n", srtt, var, to);
}

static void host(FILE *f, const struct scan_result *r, const struct host_result *h,
                 const struct out_opts *o)
{
    fputs("<host", f);
    if (h->up && !r->ping_only && h->start.tv_sec)
        fprintf(f, " starttime=\"%lld\" endtime=\"%lld\"", (long long)h->start.tv_sec,
                (long long)h->end.tv_sec);
    fprintf(f, "><status state=\"%s\" reason=\"%s\" reason_ttl=\"%u\"/>\n",
            r->list_only ? "unknown"
            : h->up      ? "up"
                         : "down",
            rs_name((enum port_reason)out_reason(h->reason)), h->reason_ttl);
    address(f, h);
    if (h->up || (h->hostname && *h->hostname) || h->ptr_name)
        hostnames(f, h);
    if (h->up && !r->ping_only) {
        ports(f, r, h, o);
        if (h->os)
            os(f, h->os, o);
    }
    if (h->up && h->trace) /* -sn --traceroute too */
        trace(f, h);
    if (h->up && !r->ping_only)
        times(f, h);
    fputs("</host>\n", f);
}

static int xml_begin(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char start[64];
    const char *args = r->args ? r->args : "portreeve";
    out_ctime(r->start.tv_sec, start, sizeof start);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"
          "<?xml-stylesheet href=\"file:///usr/share/nmap/nmap.xsl\" type=\"text/xsl\"?>\n",
          f);
    fprintf(f, "<!-- portreeve %s scan initiated %s as: ", out_version(r), start);
    out_put_xml(f, args);
    fputs(" -->\n<nmaprun scanner=\"nmap\"", f);
    attr(f, "args", args);
    fprintf(f, " start=\"%lld\"", (long long)r->start.tv_sec);
    attr(f, "startstr", start);
    attr(f, "version", out_version(r));
    fputs(" xmloutputversion=\"1.05\">\n", f);
    if (!r->ping_only)
        scaninfo(f, r);
    fprintf(f, "<verbose level=\"%d\"/>\n<debugging level=\"%d\"/>\n", o->verbose, o->debug);
    return 0;
}

static int xml_host(FILE *f, const struct scan_result *r, const struct host_result *h,
                    const struct out_opts *o)
{
    host(f, r, h, o);
    return 0;
}

static int xml_end(FILE *f, const struct scan_result *r, const struct out_opts *o)
{
    char end[64], counts[128];
    (void)o;
    out_ctime(r->end.tv_sec, end, sizeof end);
    out_done_counts(r, counts, sizeof counts);
    fprintf(f, "<runstats><finished time=\"%lld\"", (long long)r->end.tv_sec);
    attr(f, "timestr", end);
    fprintf(f, " summary=\"portreeve done at ");
    out_put_xml(f, end);
    fprintf(f, "; %s%s\" elapsed=\"%.2f\" exit=\"%s\"", counts,
            r->errormsg && !r->interrupted ? " (incomplete)" : "", out_elapsed(r),
            r->errormsg ? "error" : "success");
    if (r->errormsg)
        attr(f, "errormsg", r->errormsg);
    fputs("/>", f);
    size_t down = r->nhosts > r->hosts_up ? r->nhosts - r->hosts_up : 0;
    fprintf(f, "<hosts up=\"%zu\" down=\"%zu\" total=\"%zu\"/>\n</runstats>\n</nmaprun>\n",
            r->hosts_up, down, r->nhosts);
    return 0;
}

const struct out_format out_format_xml = {'X', xml_begin, xml_host, xml_end};
