/* snapshot.c — snapshots from scan results and nmap XML files (see snapshot.h). */
#include "audit/snapshot.h"

#include "core/ports.h"
#include "core/services.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLLAPSE_MIN 26 /* like nmap: a state is collapsed when it has more than 25 ports */

void snap_free(struct snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nhosts; i++)
        free(s->hosts[i].ports);
    free(s->hosts);
    memset(s, 0, sizeof *s);
}

struct snap_host *snap_add_host(struct snapshot *s, const char *addr, const char *name, int up,
                                const char *extra_state)
{
    s->hosts = pr_reallocarray(s->hosts, s->nhosts + 1, sizeof *s->hosts);
    struct snap_host *h = &s->hosts[s->nhosts++];
    memset(h, 0, sizeof *h);
    snprintf(h->addr, sizeof h->addr, "%s", addr);
    snprintf(h->name, sizeof h->name, "%s", name ? name : "");
    snprintf(h->extra_state, sizeof h->extra_state, "%s", extra_state ? extra_state : "");
    h->up = up;
    return h;
}

void snap_add_port(struct snap_host *h, uint8_t proto, uint16_t port, const char *state,
                   const char *service, const char *version)
{
    h->ports = pr_reallocarray(h->ports, h->nports + 1, sizeof *h->ports);
    struct snap_port *p = &h->ports[h->nports++];
    memset(p, 0, sizeof *p);
    p->proto = proto;
    p->port = port;
    snprintf(p->state, sizeof p->state, "%s", state ? state : "");
    snprintf(p->service, sizeof p->service, "%s", service ? service : "");
    snprintf(p->version, sizeof p->version, "%s", version ? version : "");
}

static int host_cmp(const void *a, const void *b)
{
    return strcmp(((const struct snap_host *)a)->addr, ((const struct snap_host *)b)->addr);
}

static int port_cmp(const void *a, const void *b)
{
    const struct snap_port *x = a, *y = b;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return (x->port > y->port) - (x->port < y->port);
}

void snap_sort(struct snapshot *s)
{
    if (s->nhosts > 1)
        qsort(s->hosts, s->nhosts, sizeof *s->hosts, host_cmp);
    for (size_t i = 0; i < s->nhosts; i++)
        if (s->hosts[i].nports > 1)
            qsort(s->hosts[i].ports, s->hosts[i].nports, sizeof *s->hosts[i].ports, port_cmp);
}

/* Whether port is in a "1-1024,8080" spec. */
static bool spec_has(const char *spec, uint16_t port)
{
    const char *s = spec;
    while (*s) {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s)
            return false;
        if (*end == '-') {
            s = end + 1;
            hi = strtoul(s, &end, 10);
            if (end == s)
                return false;
        }
        if (port >= lo && port <= hi)
            return true;
        if (*end != ',')
            return false;
        s = end + 1;
    }
    return false;
}

const char *snap_state(const struct snapshot *s, const struct snap_host *h, uint8_t proto,
                       uint16_t port, const struct snap_port **listed)
{
    struct snap_port key = {.port = port, .proto = proto};
    const struct snap_port *p =
        h->nports ? bsearch(&key, h->ports, h->nports, sizeof key, port_cmp) : NULL;
    if (listed)
        *listed = p;
    if (p)
        return p->state;
    if (s->have_scanned && h->up && h->extra_state[0] && proto < 2 &&
        spec_has(s->scanned[proto], port))
        return h->extra_state;
    return NULL;
}

size_t snap_open_ports(const struct snapshot *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nhosts; i++)
        for (size_t j = 0; j < s->hosts[i].nports; j++)
            n += !strcmp(s->hosts[i].ports[j].state, "open");
    return n;
}

void snap_port_version(const struct port_result *p, char *buf, size_t len, const char **name)
{
    buf[0] = '\0';
#ifdef SVC_MAX_CVES /* the -sV fields of the result model (output/result.h), when built */
    const struct svc_info *si = p->svc;
    if (!si)
        return;
    if (si->name && *si->name)
        *name = si->name;
    if (si->product)
        snprintf(buf, len, "%.100s%s%.50s", si->product, si->version ? " " : "",
                 si->version ? si->version : "");
#else
    (void)p;
    (void)len;
    (void)name;
#endif
}

/* collapse 0: every port with a conclusion listed (a shard's part: its unprobed ports are
 * PS_UNKNOWN and left out, the run's union is collapsed when loaded) */
static void from_result(struct snapshot *s, const struct scan_result *r, int collapse)
{
    memset(s, 0, sizeof *s);
    snprintf(s->label, sizeof s->label, "this scan");
    s->started = r->start.tv_sec;
    s->have_scanned = true;
    for (size_t i = 0; i < r->ninfo; i++) {
        const struct scan_info *in = &r->info[i];
        if (in->proto >= 2 || s->scanned[in->proto][0])
            continue; /* one technique per protocol */
        if (ports_format(in->ports, in->nports, s->scanned[in->proto],
                         sizeof s->scanned[in->proto]) < 0)
            s->have_scanned = false;
    }
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct host_result *hr = &r->hosts[i];
        char addr[PR_ADDRSTRLEN];
        addr_str(&hr->addr, addr, sizeof addr);
        size_t count[PS_COUNT] = {0};
        for (size_t j = 0; j < hr->nports; j++)
            if (hr->ports[j].state < PS_COUNT)
                count[hr->ports[j].state]++;
        int extra = -1;
        for (int st = 0; st < PS_COUNT && collapse; st++)
            if (st != PS_OPEN && count[st] >= COLLAPSE_MIN &&
                (extra < 0 || count[st] > count[extra]))
                extra = st;
        struct snap_host *h = snap_add_host(s, addr, hr->hostname, hr->up,
                                            extra >= 0 ? ps_name((enum port_state)extra) : "");
        for (size_t j = 0; j < hr->nports; j++) {
            const struct port_result *p = &hr->ports[j];
            if ((int)p->state == extra || (!collapse && p->state == PS_UNKNOWN))
                continue;
            const char *svc = r->svc ? svc_name(r->svc, (enum pr_proto)p->proto, p->port) : NULL;
            char ver[SNAP_VERSION] = "";
            snap_port_version(p, ver, sizeof ver, &svc);
            snap_add_port(h, p->proto, p->port, ps_name((enum port_state)p->state), svc, ver);
        }
    }
    snap_sort(s);
}

int snap_from_result(struct snapshot *s, const struct scan_result *r)
{
    from_result(s, r, 1);
    return 0;
}

void snap_from_shard(struct snapshot *s, const struct scan_result *r)
{
    from_result(s, r, 0);
}

void snap_collapse(struct snapshot *s)
{
    for (size_t i = 0; i < s->nhosts; i++) {
        struct snap_host *h = &s->hosts[i];
        if (h->extra_state[0])
            continue;
        size_t count[PS_COUNT] = {0};
        for (size_t j = 0; j < h->nports; j++)
            for (int st = PS_CLOSED; st < PS_COUNT; st++)
                count[st] += !strcmp(h->ports[j].state, ps_name((enum port_state)st));
        int extra = -1;
        for (int st = PS_CLOSED; st < PS_COUNT; st++)
            if (count[st] >= COLLAPSE_MIN && (extra < 0 || count[st] > count[extra]))
                extra = st;
        if (extra < 0)
            continue;
        const char *name = ps_name((enum port_state)extra);
        snprintf(h->extra_state, sizeof h->extra_state, "%s", name);
        size_t k = 0;
        for (size_t j = 0; j < h->nports; j++)
            if (strcmp(h->ports[j].state, name))
                h->ports[k++] = h->ports[j];
        h->nports = k;
    }
}

static int result_port_cmp(const void *a, const void *b)
{
    const struct port_result *x = a, *y = b;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return (x->port > y->port) - (x->port < y->port);
}

/* The ports of a "1-1024,8080" spec as bits (b has 65536 / 8 bytes). */
static void spec_bits(const char *spec, uint8_t *b)
{
    memset(b, 0, 65536 / 8);
    for (const char *p = spec; *p;) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (end == p)
            return;
        if (*end == '-') {
            p = end + 1;
            hi = strtoul(p, &end, 10);
            if (end == p)
                return;
        }
        for (unsigned long q = lo; q <= hi && q < 65536; q++)
            b[q >> 3] |= (uint8_t)(1u << (q & 7));
        if (*end != ',')
            return;
        p = end + 1;
    }
}

static int state_from_name(const char *name)
{
    for (int st = PS_OPEN; st < PS_COUNT; st++)
        if (!strcmp(name, ps_name((enum port_state)st)))
            return st;
    return -1;
}

int snap_to_result(const struct snapshot *s, struct scan_result *r, struct pr_error *e)
{
    memset(r, 0, sizeof *r);
    r->start.tv_sec = (time_t)s->started;
    r->hosts = pr_calloc(s->nhosts ? s->nhosts : 1, sizeof *r->hosts);
    uint8_t *bits = pr_calloc(2, 65536 / 8);
    for (int pr = 0; pr < 2 && s->have_scanned; pr++)
        spec_bits(s->scanned[pr], bits + pr * (65536 / 8));
    for (size_t i = 0; i < s->nhosts; i++) {
        const struct snap_host *h = &s->hosts[i];
        struct host_result *hr = &r->hosts[r->nhosts++];
        if (addr_parse(h->addr, &hr->addr) < 0) {
            pr_errf(e, "%s: host '%.60s' is not an IP address", s->label, h->addr);
            goto fail;
        }
        hr->hostname = h->name[0] ? h->name : NULL;
        hr->up = h->up;
        r->hosts_up += h->up != 0;
        int extra = h->extra_state[0] ? state_from_name(h->extra_state) : -1;
        size_t cap = h->nports;
        for (int pr = 0; pr < 2 && extra > 0 && h->up; pr++)
            for (unsigned q = 1; q < 65536; q++)
                cap += (bits[pr * (65536 / 8) + (q >> 3)] >> (q & 7)) & 1u;
        hr->ports = pr_calloc(cap ? cap : 1, sizeof *hr->ports);
        for (size_t j = 0; j < h->nports; j++) {
            int st = state_from_name(h->ports[j].state);
            if (st < 0) {
                pr_errf(e, "%s: host %s port %u: unknown state '%.30s'", s->label, h->addr,
                        h->ports[j].port, h->ports[j].state);
                goto fail;
            }
            hr->ports[hr->nports++] = (struct port_result){
                .port = h->ports[j].port, .proto = h->ports[j].proto, .state = (uint8_t)st};
        }
        for (int pr = 0; pr < 2 && extra > 0 && h->up; pr++)
            for (unsigned q = 1; q < 65536; q++) {
                const struct snap_port *listed = NULL;
                if (!((bits[pr * (65536 / 8) + (q >> 3)] >> (q & 7)) & 1u))
                    continue;
                snap_state(s, h, (uint8_t)pr, (uint16_t)q, &listed);
                if (!listed)
                    hr->ports[hr->nports++] = (struct port_result){
                        .port = (uint16_t)q, .proto = (uint8_t)pr, .state = (uint8_t)extra};
            }
        if (hr->nports > 1)
            qsort(hr->ports, hr->nports, sizeof *hr->ports, result_port_cmp);
    }
    free(bits);
    return 0;
fail:
    free(bits);
    result_free(r);
    return -1;
}

/* ---- nmap XML ---- */

static const char *attr(xmlNode *n, const char *name, char *buf, size_t len)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    snprintf(buf, len, "%s", (const char *)v);
    xmlFree(v);
    return buf;
}

static bool is(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static int xml_host(struct snapshot *s, xmlNode *hn, const char *path, struct pr_error *e)
{
    char addr[PR_ADDRSTRLEN] = "", name[SNAP_NAME] = "", buf[SNAP_VERSION];
    int up = 0;
    xmlNode *ports = NULL;
    for (xmlNode *c = hn->children; c; c = c->next) {
        if (is(c, "status") && attr(c, "state", buf, sizeof buf))
            up = !strcmp(buf, "up");
        else if (is(c, "address") && attr(c, "addrtype", buf, sizeof buf) && strcmp(buf, "mac") &&
                 !addr[0])
            attr(c, "addr", addr, sizeof addr);
        else if (is(c, "hostnames"))
            for (xmlNode *hnm = c->children; hnm; hnm = hnm->next)
                if (is(hnm, "hostname") && !name[0])
                    attr(hnm, "name", name, sizeof name);
        if (is(c, "ports"))
            ports = c;
    }
    if (!addr[0])
        return pr_errf(e, "%s line %ld: <host> without an IP <address>", path,
                       (long)xmlGetLineNo(hn));
    struct pr_addr parsed;
    if (addr_parse(addr, &parsed) < 0)
        return pr_errf(e, "%s line %ld: address '%.60s' is not an IP address", path,
                       (long)xmlGetLineNo(hn), addr);
    addr_str(&parsed, addr, sizeof addr); /* one spelling per address ("::0:1" is "::1") */
    if (s->nhosts >= SNAP_MAX_HOSTS)
        return pr_errf(e, "%s: more than %d hosts", path, SNAP_MAX_HOSTS);
    for (size_t i = 0; i < s->nhosts; i++)
        if (!strcmp(s->hosts[i].addr, addr))
            return pr_errf(e, "%s line %ld: host %s listed twice", path, (long)xmlGetLineNo(hn),
                           addr);
    struct snap_host *h = snap_add_host(s, addr, name, up, "");
    if (!ports)
        return 0;
    uint8_t seen[2][65536 / 8]; /* (proto, port) pairs listed so far */
    memset(seen, 0, sizeof seen);
    for (xmlNode *p = ports->children; p; p = p->next) {
        if (!is(p, "port"))
            continue;
        char proto[8], portid[8], state[SNAP_STATE] = "", svc[SNAP_SERVICE] = "";
        char ver[SNAP_VERSION] = "", product[SNAP_VERSION] = "", version[64] = "";
        char *end;
        if (!attr(p, "protocol", proto, sizeof proto) || !attr(p, "portid", portid, sizeof portid))
            return pr_errf(e, "%s line %ld: <port> without protocol or portid", path,
                           (long)xmlGetLineNo(p));
        long pn = strtol(portid, &end, 10);
        if (*end || pn < 1 || pn > 65535)
            return pr_errf(e, "%s line %ld: portid '%s' is not a port", path, (long)xmlGetLineNo(p),
                           portid);
        if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
            continue; /* sctp, ip: not compared */
        for (xmlNode *c = p->children; c; c = c->next) {
            if (is(c, "state"))
                attr(c, "state", state, sizeof state);
            else if (is(c, "service")) {
                attr(c, "name", svc, sizeof svc);
                attr(c, "product", product, sizeof product);
                attr(c, "version", version, sizeof version);
            }
        }
        if (product[0])
            snprintf(ver, sizeof ver, "%.90s%s%.60s", product, version[0] ? " " : "", version);
        int pi = strcmp(proto, "udp") ? 0 : 1;
        if (seen[pi][pn / 8] & (1u << (pn % 8)))
            return pr_errf(e, "%s line %ld: port %ld/%s of host %s listed twice", path,
                           (long)xmlGetLineNo(p), pn, proto, addr);
        seen[pi][pn / 8] |= (uint8_t)(1u << (pn % 8));
        if (h->nports >= 2 * 65535)
            return pr_errf(e, "%s: too many ports", path);
        snap_add_port(h, strcmp(proto, "udp") ? PR_TCP : PR_UDP, (uint16_t)pn,
                      state[0] ? state : "unknown", svc, ver);
    }
    return 0;
}

int snap_from_xml(struct snapshot *s, const char *path, struct pr_error *e)
{
    memset(s, 0, sizeof *s);
    const char *base = strrchr(path, '/');
    snprintf(s->label, sizeof s->label, "%s", base ? base + 1 : path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pr_errf(e, "XML file '%s': %s", path, strerror(errno));
    fclose(f);
    /* No entity substitution, no DTD loading, no network: hostile files stay inert. */
    xmlDoc *doc = xmlReadFile(
        path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (!doc) {
        const xmlError *xe = xmlGetLastError();
        char msg[200] = "cannot read the file";
        if (xe && xe->message) {
            snprintf(msg, sizeof msg, "%s", xe->message);
            msg[strcspn(msg, "\n")] = '\0';
        }
        return pr_errf(e, "%s%s%d: %s", path, xe ? " line " : "", xe ? xe->line : 0, msg);
    }
    int rc = 0;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is(root, "nmaprun")) {
        rc = pr_errf(e, "%s: not an nmap XML file (the root element is not <nmaprun>)", path);
        goto out;
    }
    char buf[32];
    if (attr(root, "start", buf, sizeof buf))
        s->started = strtoll(buf, NULL, 10);
    for (xmlNode *c = root->children; c && rc == 0; c = c->next)
        if (is(c, "host"))
            rc = xml_host(s, c, path, e);
    if (rc == 0)
        snap_sort(s);
out:
    xmlFreeDoc(doc);
    if (rc < 0)
        snap_free(s);
    return rc;
}
