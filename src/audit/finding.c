/* finding.c — risk levels and fixes for audit findings (see finding.h). */
#include "audit/finding.h"

#include "core/services.h"
#include "svc/cve.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const risk_names[RISK_COUNT] = {"info", "low", "medium", "high", "critical"};

const char *risk_name(int risk)
{
    return risk >= 0 && risk < RISK_COUNT ? risk_names[risk] : "unknown";
}

int risk_from_name(const char *s)
{
    for (int i = 0; i < RISK_COUNT; i++)
        if (s && !strcmp(s, risk_names[i]))
            return i;
    return -1;
}

const char *finding_kind_name(int kind)
{
    static const char *const names[FK_COUNT] = {
        "unexpected_open",  "expected_closed",   "host_down",         "vulnerable_version",
        "outdated_version", "cleartext_service", "new_since_last_run"};
    return kind >= 0 && kind < FK_COUNT ? names[kind] : "unknown";
}

/* ---- exposure classes: what an open port of this service lets an attacker do ---- */

enum exposure { EX_NONE = 0, EX_SHELL, EX_DATA, EX_FILES, EX_MGMT, EX_ADMIN };

static const char *const exposure_names[] = {"",
                                             "remote shell (cleartext)",
                                             "database/cache",
                                             "file sharing",
                                             "management interface",
                                             "remote administration"};
static const int exposure_risk[] = {RISK_MEDIUM, RISK_CRITICAL, RISK_HIGH,
                                    RISK_HIGH,   RISK_HIGH,     RISK_MEDIUM};

static const struct {
    const char *service; /* nmap-services or -sV name */
    enum exposure ex;
    const char *cleartext; /* the secure replacement, when logins cross in cleartext */
} service_table[] = {
    {"telnet", EX_SHELL, "SSH (openssh-server)"},
    {"login", EX_SHELL, "SSH (openssh-server)"},
    {"shell", EX_SHELL, "SSH (openssh-server)"},
    {"exec", EX_SHELL, "SSH (openssh-server)"},
    {"rlogin", EX_SHELL, "SSH (openssh-server)"},
    {"rsh", EX_SHELL, "SSH (openssh-server)"},
    {"redis", EX_DATA, NULL},
    {"memcache", EX_DATA, NULL},
    {"memcached", EX_DATA, NULL},
    {"mongod", EX_DATA, NULL},
    {"mongodb", EX_DATA, NULL},
    {"mysql", EX_DATA, NULL},
    {"postgresql", EX_DATA, NULL},
    {"ms-sql-s", EX_DATA, NULL},
    {"oracle", EX_DATA, NULL},
    {"oracle-tns", EX_DATA, NULL},
    {"couchdb", EX_DATA, NULL},
    {"elasticsearch", EX_DATA, NULL},
    {"cassandra", EX_DATA, NULL},
    {"zookeeper", EX_DATA, NULL},
    {"ftp", EX_FILES, "SFTP (openssh-server) or FTPS (vsftpd with ssl_enable=YES)"},
    {"tftp", EX_FILES, NULL},
    {"microsoft-ds", EX_FILES, NULL},
    {"netbios-ssn", EX_FILES, NULL},
    {"nfs", EX_FILES, NULL},
    {"rsync", EX_FILES, NULL},
    {"afp", EX_FILES, NULL},
    {"snmp", EX_MGMT, "SNMPv3 with authPriv"},
    {"asf-rmcp", EX_MGMT, NULL},
    {"ipmi", EX_MGMT, NULL},
    {"vnc", EX_MGMT, NULL},
    {"ms-wbt-server", EX_MGMT, NULL},
    {"docker", EX_MGMT, NULL},
    {"X11", EX_MGMT, NULL},
    {"x11", EX_MGMT, NULL},
    {"ssh", EX_ADMIN, NULL},
    {"pop3", EX_NONE, "POP3S (995) with plaintext logins disabled"},
    {"imap", EX_NONE, "IMAPS (993) with plaintext logins disabled"},
    {"ldap", EX_NONE, "LDAPS (636) or StartTLS with simple binds refused in cleartext"},
};

static int service_index(const char *service)
{
    if (!service || !service[0])
        return -1;
    for (size_t i = 0; i < sizeof service_table / sizeof service_table[0]; i++)
        if (!strcmp(service, service_table[i].service))
            return (int)i;
    return -1;
}

static int risk_raise(int risk)
{
    return risk < RISK_CRITICAL ? risk + 1 : risk;
}

static int cvss_risk(double cvss)
{
    return cvss >= 9.0   ? RISK_CRITICAL
           : cvss >= 7.0 ? RISK_HIGH
           : cvss >= 4.0 ? RISK_MEDIUM
           : cvss > 0    ? RISK_LOW
                         : RISK_MEDIUM; /* the feed gave no score */
}

/* ---- building ---- */

__attribute__((format(printf, 2, 3))) static void add_reason(struct finding *f, const char *fmt,
                                                             ...)
{
    size_t used = strlen(f->reasons);
    if (used + 3 >= sizeof f->reasons)
        return;
    if (used) {
        memcpy(f->reasons + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reasons + used, sizeof f->reasons - used, fmt, ap);
    va_end(ap);
}

static const char *proto_name(uint8_t proto)
{
    return proto == PR_UDP ? "udp" : "tcp";
}

static const struct port_result *find_port(const struct scan_result *r, const char *addr,
                                           uint8_t proto, uint16_t port)
{
    for (size_t i = 0; i < r->nhosts; i++) {
        char a[PR_ADDRSTRLEN];
        addr_str(&r->hosts[i].addr, a, sizeof a);
        if (strcmp(a, addr))
            continue;
        for (size_t j = 0; j < r->hosts[i].nports; j++) {
            const struct port_result *pr = &r->hosts[i].ports[j];
            if (pr->proto == proto && pr->port == port)
                return pr;
        }
    }
    return NULL;
}

/* Service, product, version and CVEs of the port from -sV, else the service table. */
static void fill_service(struct finding *f, const struct scan_result *r)
{
    if (!f->port)
        return;
    const struct port_result *pr = find_port(r, f->addr, f->proto, f->port);
    const struct svc_info *si = pr ? pr->svc : NULL;
    const char *name = si && si->name ? si->name : NULL;
    if (!name && r->svc)
        name = svc_name(r->svc, (enum pr_proto)f->proto, f->port);
    snprintf(f->service, sizeof f->service, "%s", name ? name : "");
    if (!si)
        return;
    snprintf(f->product, sizeof f->product, "%s", si->product ? si->product : "");
    snprintf(f->version, sizeof f->version, "%s", si->version ? si->version : "");
    f->ncves_total = si->ncves;
    for (size_t i = 0; i < si->ncves && f->ncves < FINDING_MAX_CVES; i++) {
        snprintf(f->cves[f->ncves].id, sizeof f->cves[0].id, "%s", si->cves[i].id);
        f->cves[f->ncves].cvss = si->cves[i].cvss;
        f->ncves++;
    }
}

static void nft_close_rule(struct finding *f)
{
    snprintf(f->nft_rule, sizeof f->nft_rule,
             "nft 'add table inet portreeve_audit; add chain inet portreeve_audit input "
             "{ type filter hook input priority filter; policy accept; }; add rule inet "
             "portreeve_audit input %s dport %u drop'",
             proto_name(f->proto), f->port);
}

static void first_section(const char *sections, char *out, size_t len)
{
    const char *end = strchr(sections, ',');
    size_t n = end ? (size_t)(end - sections) : strlen(sections);
    if (n >= len)
        n = len - 1;
    memcpy(out, sections, n);
    out[n] = '\0';
}

static void judge_open(struct finding *f, int is_new, const char *policy_path)
{
    int si = service_index(f->service);
    enum exposure ex = si >= 0 ? service_table[si].ex : EX_NONE;
    f->risk = exposure_risk[ex];
    snprintf(f->exposure, sizeof f->exposure, "%s", exposure_names[ex]);
    add_reason(f, "open but not allowed by the policy");
    if (ex != EX_NONE)
        add_reason(f, "%s is in the exposure class '%s': %s by default", f->service,
                   exposure_names[ex], risk_name(f->risk));
    if (is_new) {
        f->risk = risk_raise(f->risk);
        add_reason(f, "new since the last run: one level higher");
    }
    char sec[128];
    first_section(f->section, sec, sizeof sec);
    nft_close_rule(f);
    snprintf(f->policy_line, sizeof f->policy_line, "add %u to '%s =' of %s in %s", f->port,
             proto_name(f->proto), sec, policy_path);
    snprintf(f->remediation, sizeof f->remediation,
             "Stop %s on %s if it is not needed, or bind it to 127.0.0.1 or a management "
             "network; to close %u/%s at the host's firewall now, run on %s: %s. If the port "
             "is meant to be open, %s.",
             f->service[0] ? f->service : "the service", f->addr, f->port, proto_name(f->proto),
             f->addr, f->nft_rule, f->policy_line);
}

static void judge_cves(struct finding *f)
{
    double worst = -1;
    for (size_t i = 0; i < f->ncves; i++)
        if (f->cves[i].cvss > worst)
            worst = f->cves[i].cvss;
    f->risk = cvss_risk(worst);
    char score[32], what[sizeof f->product + sizeof f->version + 2];
    snprintf(score, sizeof score, "%.1f", worst);
    snprintf(what, sizeof what, "%s%s%s", f->product[0] ? f->product : f->service,
             f->version[0] ? " " : "", f->version);
    add_reason(f, "%s has known CVEs; the worst has CVSS %s", what, worst >= 0 ? score : "unknown");
    snprintf(f->remediation, sizeof f->remediation,
             "Upgrade %s on %s to a version without these CVEs (%s%s); your distribution's "
             "security tracker names the fixed package version. Until then, restrict %u/%s to "
             "the hosts that need it.",
             what, f->addr, f->cves[0].id, f->ncves_total > 1 ? " and the others listed" : "",
             f->port, proto_name(f->proto));
}

static int finding_cmp(const void *x, const void *y)
{
    const struct finding *a = x, *b = y;
    if (a->risk != b->risk)
        return b->risk - a->risk;
    if (a->counted != b->counted)
        return b->counted - a->counted;
    int c = strcmp(a->addr, b->addr);
    if (c)
        return c;
    if (a->proto != b->proto)
        return a->proto - b->proto;
    if (a->port != b->port)
        return (a->port > b->port) - (a->port < b->port);
    return a->kind - b->kind;
}

static int is_new_open(const struct diff_change *ch, size_t nch, const char *addr, uint8_t proto,
                       uint16_t port)
{
    for (size_t i = 0; i < nch; i++)
        if (ch[i].kind == DK_PORT && ch[i].proto == proto && ch[i].port == port &&
            !strcmp(ch[i].addr, addr) && !strcmp(ch[i].new_state, "open") &&
            strcmp(ch[i].old_state, "open"))
            return 1;
    return 0;
}

static struct finding *push(struct finding **out, size_t *n)
{
    *out = pr_reallocarray(*out, *n + 1, sizeof **out);
    struct finding *f = &(*out)[(*n)++];
    memset(f, 0, sizeof *f);
    return f;
}

static void from_violation(struct finding *f, const struct violation *v)
{
    f->counted = !v->warn;
    snprintf(f->addr, sizeof f->addr, "%s", v->addr);
    snprintf(f->host, sizeof f->host, "%s", v->host);
    f->proto = v->proto;
    f->port = v->port;
    snprintf(f->state, sizeof f->state, "%s", v->state);
    snprintf(f->section, sizeof f->section, "%s", v->section);
}

/* Outdated versions: an open port of a judged host whose -sV product runs an older version
 * than the newest version of the same product seen on the hosts of this audit (a host
 * that lags behind the rest of the fleet). Without a feed of current releases this is the
 * evidence at hand; a vulnerable version is a finding of its own. */
static void add_outdated(const struct policy *p, const struct scan_result *r, struct finding **out,
                         size_t *n)
{
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct host_result *h = &r->hosts[i];
        bool in_any = false;
        for (size_t j = 0; j < h->nports; j++) {
            const struct port_result *pr = &h->ports[j];
            const struct svc_info *si = pr->svc;
            if (pr->state != PS_OPEN || !si || !si->product || !si->version)
                continue;
            policy_allows(p, &h->addr, pr->proto, pr->port, &in_any);
            if (!in_any)
                break;
            /* the newest version of this product on any host of the scan */
            const struct host_result *nh = NULL;
            const struct svc_info *newest = NULL;
            for (size_t a = 0; a < r->nhosts; a++)
                for (size_t b = 0; b < r->hosts[a].nports; b++) {
                    const struct svc_info *o = r->hosts[a].ports[b].svc;
                    if (r->hosts[a].ports[b].state == PS_OPEN && o && o->product && o->version &&
                        !strcmp(o->product, si->product) &&
                        (!newest || cve_version_cmp(o->version, newest->version) > 0))
                        newest = o, nh = &r->hosts[a];
                }
            if (!newest || cve_version_cmp(si->version, newest->version) >= 0)
                continue;
            struct finding *f = push(out, n);
            addr_str(&h->addr, f->addr, sizeof f->addr);
            snprintf(f->host, sizeof f->host, "%s", h->hostname ? h->hostname : "");
            f->proto = pr->proto;
            f->port = pr->port;
            f->kind = FK_OUTDATED_VERSION;
            f->risk = RISK_LOW;
            snprintf(f->state, sizeof f->state, "open");
            fill_service(f, r);
            for (size_t k = 0; k < p->nsec; k++)
                if (pol_section_has(&p->sec[k], &h->addr)) {
                    snprintf(f->section, sizeof f->section, "[%s]", p->sec[k].name);
                    break;
                }
            char where[PR_ADDRSTRLEN];
            addr_str(&nh->addr, where, sizeof where);
            add_reason(f, "%s %s is older than %s, which %s runs", si->product, si->version,
                       newest->version, where);
            snprintf(f->remediation, sizeof f->remediation,
                     "Upgrade %s on %s from %s to %s or newer (as on %s), from your "
                     "distribution's updates.",
                     si->product, f->addr, si->version, newest->version, where);
        }
    }
}

void findings_build(const struct policy *p, const char *policy_path, const struct scan_result *r,
                    const struct violation *v, size_t nv, const struct diff_change *changes,
                    size_t nchanges, struct finding **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < nv; i++) {
        struct finding *f = push(out, n);
        from_violation(f, &v[i]);
        fill_service(f, r);
        char sec[128];
        first_section(f->section, sec, sizeof sec);
        switch (v[i].kind) {
        case VK_OPEN:
            f->kind = FK_UNEXPECTED_OPEN;
            judge_open(f, is_new_open(changes, nchanges, f->addr, f->proto, f->port), policy_path);
            break;
        case VK_MISSING:
            f->kind = FK_EXPECTED_CLOSED;
            f->risk = f->counted ? RISK_LOW : RISK_INFO;
            add_reason(f, "allowed by the policy but %s", f->state);
            snprintf(f->remediation, sizeof f->remediation,
                     "Start the service on %s %u/%s if it should run, or remove %u from '%s =' "
                     "of %s in %s.",
                     f->addr, f->port, proto_name(f->proto), f->port, proto_name(f->proto), sec,
                     policy_path);
            break;
        case VK_DOWN:
            f->kind = FK_HOST_DOWN;
            f->risk = f->counted ? RISK_MEDIUM : RISK_LOW;
            add_reason(f, "the host did not answer: its allowed services are unreachable");
            snprintf(f->remediation, sizeof f->remediation,
                     "Check that %s is running and reachable from the scanner; if it was retired, "
                     "remove it from the hosts of %s in %s.",
                     f->addr, sec, policy_path);
            break;
        case VK_CVE:
            f->kind = FK_VULNERABLE_VERSION;
            judge_cves(f);
            break;
        default:
            f->kind = FK_UNEXPECTED_OPEN;
            f->risk = RISK_MEDIUM;
            break;
        }
    }
    /* Cleartext logins (allowed or not) and allowed ports that are new: open ports of the
     * hosts the policy judges. */
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct host_result *h = &r->hosts[i];
        bool in_any = false;
        for (size_t j = 0; j < h->nports; j++) {
            const struct port_result *pr = &h->ports[j];
            if (pr->state != PS_OPEN)
                continue;
            bool allowed = policy_allows(p, &h->addr, pr->proto, pr->port, &in_any);
            if (!in_any)
                break;
            struct finding probe = {0};
            addr_str(&h->addr, probe.addr, sizeof probe.addr);
            probe.proto = pr->proto;
            probe.port = pr->port;
            fill_service(&probe, r);
            int si = service_index(probe.service);
            int is_new = is_new_open(changes, nchanges, probe.addr, pr->proto, pr->port);
            for (int kind = FK_CLEARTEXT_SERVICE; kind <= FK_NEW_SINCE_LAST_RUN; kind++) {
                if (kind == FK_CLEARTEXT_SERVICE && (si < 0 || !service_table[si].cleartext))
                    continue;
                if (kind == FK_NEW_SINCE_LAST_RUN && (!is_new || !allowed))
                    continue;
                struct finding *f = push(out, n);
                *f = probe;
                f->kind = kind;
                snprintf(f->state, sizeof f->state, "open");
                snprintf(f->host, sizeof f->host, "%s", h->hostname ? h->hostname : "");
                for (size_t k = 0; k < p->nsec; k++)
                    if (pol_section_has(&p->sec[k], &h->addr)) {
                        snprintf(f->section, sizeof f->section, "[%s]", p->sec[k].name);
                        break;
                    }
                if (kind == FK_CLEARTEXT_SERVICE) {
                    f->risk = service_table[si].ex == EX_SHELL ? RISK_HIGH : RISK_MEDIUM;
                    add_reason(f, "%s sends logins and data in cleartext", f->service);
                    snprintf(f->remediation, sizeof f->remediation,
                             "Replace %s on %s with %s, then close %u/%s.", f->service, f->addr,
                             service_table[si].cleartext, f->port, proto_name(f->proto));
                } else {
                    f->risk = RISK_INFO;
                    add_reason(f, "allowed, but not open in the previous run");
                    snprintf(f->remediation, sizeof f->remediation,
                             "Confirm that %s on %s %u/%s was meant to start; nothing to do if it "
                             "was.",
                             f->service[0] ? f->service : "the service", f->addr, f->port,
                             proto_name(f->proto));
                }
            }
        }
    }
    add_outdated(p, r, out, n);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, finding_cmp);
}

int findings_worst(const struct finding *f, size_t n)
{
    int worst = -1;
    for (size_t i = 0; i < n; i++)
        if (f[i].risk > worst)
            worst = f[i].risk;
    return worst;
}

/* ---- writers ---- */

static json_t *finding_json(const struct finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "host", json_string(f->addr));
    json_object_set_new(o, "hostname", f->host[0] ? json_string(f->host) : json_null());
    json_object_set_new(o, "port", f->port ? json_integer(f->port) : json_null());
    json_object_set_new(o, "proto", f->port ? json_string(proto_name(f->proto)) : json_null());
    json_object_set_new(o, "state", json_string(f->state));
    json_object_set_new(o, "service", f->service[0] ? json_string(f->service) : json_null());
    json_object_set_new(o, "product", f->product[0] ? json_string(f->product) : json_null());
    json_object_set_new(o, "version", f->version[0] ? json_string(f->version) : json_null());
    json_object_set_new(o, "kind", json_string(finding_kind_name(f->kind)));
    json_object_set_new(o, "risk", json_string(risk_name(f->risk)));
    json_object_set_new(o, "violation", json_boolean(f->counted));
    json_object_set_new(o, "policy_section", json_string(f->section));
    json_object_set_new(o, "exposure", f->exposure[0] ? json_string(f->exposure) : json_null());
    json_t *reasons = json_array();
    const char *s = f->reasons;
    while (*s) {
        const char *end = strstr(s, "; ");
        size_t len = end ? (size_t)(end - s) : strlen(s);
        json_array_append_new(reasons, json_stringn(s, len));
        s += len + (end ? 2 : 0);
    }
    json_object_set_new(o, "reasons", reasons);
    json_object_set_new(o, "remediation", json_string(f->remediation));
    json_object_set_new(o, "nft_rule", f->nft_rule[0] ? json_string(f->nft_rule) : json_null());
    json_object_set_new(o, "policy_change",
                        f->policy_line[0] ? json_string(f->policy_line) : json_null());
    json_t *cves = json_array();
    for (size_t i = 0; i < f->ncves; i++)
        json_array_append_new(
            cves,
            json_pack("{s:s, s:o, s:o}", "id", f->cves[i].id, "cvss",
                      f->cves[i].cvss >= 0 ? json_real(f->cves[i].cvss) : json_null(), "fixed_in",
                      f->cves[i].fixed_in[0] ? json_string(f->cves[i].fixed_in) : json_null()));
    json_object_set_new(o, "cves", cves);
    if (f->first_seen > 0) {
        char ts[32];
        time_t t = (time_t)f->first_seen;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_set_new(o, "first_seen", json_string(ts));
    } else {
        json_object_set_new(o, "first_seen", json_null());
    }
    return o;
}

int findings_write_json(FILE *out, const struct finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *o = finding_json(&f[i]);
        int rc = json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (rc < 0 || fputc('\n', out) == EOF)
            return -1;
    }
    return fflush(out) == 0 ? 0 : -1;
}

static const char *sarif_level(int risk)
{
    return risk >= RISK_HIGH ? "error" : risk == RISK_MEDIUM ? "warning" : "note";
}

/* The CVSS-like number GitHub code scanning reads as "security-severity". */
static const char *security_severity(int risk)
{
    static const char *const v[RISK_COUNT] = {"0.0", "3.0", "5.5", "8.0", "9.5"};
    return risk >= 0 && risk < RISK_COUNT ? v[risk] : "0.0";
}

/* A relative path stays a relative URI reference; an absolute one becomes file://. Bytes
 * outside RFC 3986's unreserved set and '/' are percent-encoded. */
static void path_uri(const char *path, char *buf, size_t len)
{
    size_t o = 0;
    if (path[0] == '/' && len > 8) {
        memcpy(buf, "file://", 7);
        o = 7;
    }
    for (const unsigned char *s = (const unsigned char *)path; *s && o + 4 < len; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("-._~/", *s))
            buf[o++] = (char)*s;
        else
            o += (size_t)snprintf(buf + o, len - o, "%%%02X", *s);
    }
    buf[o] = '\0';
}

static const char *const rule_text[FK_COUNT] = {
    "A port is open that the policy does not allow.",
    "A port the policy allows is closed or filtered.",
    "A host the policy names did not answer.",
    "An exposed service runs a version with known CVEs.",
    "An exposed service runs an outdated version.",
    "A service sends logins and data in cleartext.",
    "An allowed port opened since the previous run.",
};

int findings_write_sarif(FILE *out, const struct finding *f, size_t n, const char *policy_path,
                         const struct policy *p, const char *version)
{
    char uri[4096];
    path_uri(policy_path, uri, sizeof uri);
    json_t *rules = json_array();
    for (int k = 0; k < FK_COUNT; k++)
        json_array_append_new(rules, json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:[s,s]}}",
                                               "id", finding_kind_name(k), "shortDescription",
                                               "text", rule_text[k], "help", "text",
                                               "See RISK LEVELS in portreeve-audit(1).",
                                               "defaultConfiguration", "level", "warning",
                                               "properties", "tags", "security", "network"));
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
        char where[PR_ADDRSTRLEN + 16], msg[2048];
        if (f[i].port)
            snprintf(where, sizeof where, "%s:%u/%s", f[i].addr, f[i].port, proto_name(f[i].proto));
        else
            snprintf(where, sizeof where, "%s", f[i].addr);
        snprintf(msg, sizeof msg, "%s %s (%s): %s. Fix: %s", risk_name(f[i].risk), where,
                 finding_kind_name(f[i].kind), f[i].reasons, f[i].remediation);
        unsigned line = 1;
        for (size_t k = 0; k < p->nsec; k++) {
            char name[POL_MAX_NAME + 2];
            snprintf(name, sizeof name, "[%s", p->sec[k].name);
            if (!strncmp(f[i].section, name, strlen(name)) && p->sec[k].line) {
                line = p->sec[k].line;
                break;
            }
        }
        char fp[PR_ADDRSTRLEN + 48];
        snprintf(fp, sizeof fp, "%s/%s/%u/%s", f[i].addr, proto_name(f[i].proto), f[i].port,
                 finding_kind_name(f[i].kind));
        json_t *r = json_pack(
            "{s:s, s:i, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:i}}, s:[{s:s, s:s}]}], s:{s:s}, "
            "s:{s:s, s:s, s:s, s:o}}",
            "ruleId", finding_kind_name(f[i].kind), "ruleIndex", f[i].kind, "level",
            sarif_level(f[i].risk), "message", "text", msg, "locations", "physicalLocation",
            "artifactLocation", "uri", uri, "region", "startLine", (int)line, "logicalLocations",
            "name", where, "kind", "resource", "partialFingerprints", "portreeveFinding/v1", fp,
            "properties", "risk", risk_name(f[i].risk), "security-severity",
            security_severity(f[i].risk), "host", f[i].addr, "port",
            f[i].port ? json_integer(f[i].port) : json_null());
        json_array_append_new(results, r);
    }
    json_t *log = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:[{s:b}]}]}",
                            "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version",
                            "2.1.0", "runs", "tool", "driver", "name", "portreeve", "version",
                            version, "semanticVersion", version, "rules", rules, "results", results,
                            "invocations", "executionSuccessful", 1);
    if (!log)
        return -1;
    int rc = json_dumpf(log, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(log);
    if (rc < 0 || fputc('\n', out) == EOF)
        return -1;
    return fflush(out) == 0 ? 0 : -1;
}

/* ---- history ---- */

#define FIRST_SEEN_RUNS 400

static int vk_of(int kind)
{
    switch (kind) {
    case FK_UNEXPECTED_OPEN:
        return VK_OPEN;
    case FK_EXPECTED_CLOSED:
        return VK_MISSING;
    case FK_HOST_DOWN:
        return VK_DOWN;
    case FK_VULNERABLE_VERSION:
        return VK_CVE;
    default:
        return -1;
    }
}

static const struct snap_host *snap_host_of(const struct snapshot *s, const char *addr)
{
    for (size_t i = 0; i < s->nhosts; i++)
        if (!strcmp(s->hosts[i].addr, addr))
            return &s->hosts[i];
    return NULL;
}

int findings_first_seen(struct finding *f, size_t n, struct hist_db *db, const char *policy,
                        int64_t now, struct pr_error *e)
{
    for (size_t i = 0; i < n; i++)
        f[i].first_seen = now;
    if (!db || !n)
        return 0;
    struct hist_run *runs = NULL;
    size_t nruns = 0;
    if (hist_list(db, policy, FIRST_SEEN_RUNS, &runs, &nruns, e) < 0)
        return -1;
    int rc = 0;
    /* Newest first: a finding's first run is the oldest of the unbroken streak that ends
     * with this run (it may have been fixed and come back). */
    int *open_streak = pr_calloc(n, sizeof *open_streak);
    for (size_t i = 0; i < n; i++)
        open_streak[i] = 1;
    for (size_t r = nruns; r-- > 0 && rc == 0;) {
        struct violation *v = NULL;
        size_t nv = 0;
        struct snapshot snap;
        struct hist_run run;
        int have_snap = 0;
        if (hist_violations(db, runs[r].id, &v, &nv, e) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (!open_streak[i])
                continue;
            int seen = 0, vk = vk_of(f[i].kind);
            if (vk >= 0) {
                for (size_t k = 0; k < nv && !seen; k++)
                    seen = v[k].kind == vk && v[k].proto == f[i].proto && v[k].port == f[i].port &&
                           !strcmp(v[k].addr, f[i].addr);
            } else {
                if (!have_snap) {
                    int lr = hist_load(db, runs[r].id, &run, &snap, e);
                    if (lr < 0) {
                        rc = -1;
                        break;
                    }
                    have_snap = lr == 0 ? 1 : -1;
                }
                const struct snap_host *h = have_snap > 0 ? snap_host_of(&snap, f[i].addr) : NULL;
                const char *st = h ? snap_state(&snap, h, f[i].proto, f[i].port, NULL) : NULL;
                seen = st && !strcmp(st, "open");
            }
            if (seen && runs[r].started > 0 && runs[r].started < f[i].first_seen)
                f[i].first_seen = runs[r].started;
            else if (!seen && runs[r].started < now)
                open_streak[i] = 0;
        }
        if (have_snap > 0)
            snap_free(&snap);
        free(v);
    }
    free(open_streak);
    free(runs);
    return rc;
}
