/* audit.c — judging a scan result against a policy (see audit.h). */
#include "audit/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(struct violation **out, size_t *n, const struct violation *v)
{
    *out = pr_reallocarray(*out, *n + 1, sizeof **out);
    (*out)[(*n)++] = *v;
}

/* The strictest `missing` setting of the sections holding addr, and their names. */
static int host_sections(const struct policy *p, const struct pr_addr *addr, char *names,
                         size_t len)
{
    int missing = POL_MISSING_IGNORE + 1;
    names[0] = '\0';
    for (size_t i = 0; i < p->nsec; i++) {
        if (!pol_section_has(&p->sec[i], addr))
            continue;
        if (p->sec[i].missing < missing)
            missing = p->sec[i].missing;
        size_t used = strlen(names);
        snprintf(names + used, len - used, "%s[%s]", used ? ", " : "", p->sec[i].name);
    }
    return missing;
}

/* A vulnerable-version finding for an open port whose -sV version has CVEs in the feed. */
static void add_cves(struct violation **out, size_t *n, const struct violation *base,
                     const struct port_result *pr)
{
#ifdef SVC_MAX_CVES /* the -sV fields of the result model (output/result.h), when built */
    const struct svc_info *si = pr->svc;
    if (!si || !si->ncves || !si->cves)
        return;
    struct violation v = *base;
    v.kind = VK_CVE;
    v.warn = 0;
    char ver[SNAP_VERSION];
    const char *name = NULL;
    snap_port_version(pr, ver, sizeof ver, &name);
    int used = snprintf(v.detail, sizeof v.detail,
                        "%s has %zu known CVE%s:", ver[0] ? ver : "the detected version", si->ncves,
                        si->ncves == 1 ? "" : "s");
    size_t shown = 0;
    for (size_t i = 0; i < si->ncves && used > 0 && (size_t)used < sizeof v.detail - 40; i++) {
        char one[64];
        if (si->cves[i].cvss >= 0)
            snprintf(one, sizeof one, " %.31s (CVSS %.1f)", si->cves[i].id, si->cves[i].cvss);
        else
            snprintf(one, sizeof one, " %.31s", si->cves[i].id);
        used +=
            snprintf(v.detail + used, sizeof v.detail - (size_t)used, "%s%s", i ? "," : "", one);
        shown++;
    }
    if (shown < si->ncves && (size_t)used < sizeof v.detail)
        snprintf(v.detail + used, sizeof v.detail - (size_t)used, " and %zu more",
                 si->ncves - shown);
    add(out, n, &v);
#else
    (void)out;
    (void)n;
    (void)base;
    (void)pr;
#endif
}

static int is_closed(int state)
{
    return state == PS_CLOSED || state == PS_FILTERED || state == PS_CLOSED_FILTERED;
}

static int viol_cmp(const void *x, const void *y)
{
    const struct violation *a = x, *b = y;
    if (a->warn != b->warn)
        return a->warn - b->warn;
    if (a->kind != b->kind)
        return a->kind - b->kind;
    int c = strcmp(a->addr, b->addr);
    if (c)
        return c;
    if (a->proto != b->proto)
        return a->proto - b->proto;
    return (a->port > b->port) - (a->port < b->port);
}

size_t audit_eval(const struct policy *p, const struct scan_result *r, struct violation **out,
                  size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct host_result *h = &r->hosts[i];
        char secs[256];
        int missing = host_sections(p, &h->addr, secs, sizeof secs);
        if (missing > POL_MISSING_IGNORE)
            continue; /* in no section: not judged */
        struct violation v = {0};
        addr_str(&h->addr, v.addr, sizeof v.addr);
        snprintf(v.host, sizeof v.host, "%s", h->hostname ? h->hostname : "");
        snprintf(v.section, sizeof v.section, "%s", secs);
        if (!h->up) {
            if (missing == POL_MISSING_IGNORE)
                continue;
            v.kind = VK_DOWN;
            v.warn = missing == POL_MISSING_WARN;
            snprintf(v.state, sizeof v.state, "down");
            snprintf(v.detail, sizeof v.detail, "host is down; its allowed ports are unreachable");
            add(out, n, &v);
            continue;
        }
        for (size_t j = 0; j < h->nports; j++) {
            const struct port_result *pr = &h->ports[j];
            bool in_any;
            bool allowed = policy_allows(p, &h->addr, pr->proto, pr->port, &in_any);
            const char *svc = r->svc ? svc_name(r->svc, (enum pr_proto)pr->proto, pr->port) : NULL;
            v.proto = pr->proto;
            v.port = pr->port;
            snprintf(v.state, sizeof v.state, "%s", ps_name((enum port_state)pr->state));
            if (pr->state == PS_OPEN)
                add_cves(out, n, &v, pr);
            if (pr->state == PS_OPEN && !allowed) {
                v.kind = VK_OPEN;
                v.warn = 0;
                snprintf(v.detail, sizeof v.detail, "open%s%s%s but not allowed by %s",
                         svc ? " (" : "", svc ? svc : "", svc ? ")" : "", secs);
                add(out, n, &v);
            } else if (allowed && is_closed(pr->state) && missing != POL_MISSING_IGNORE) {
                v.kind = VK_MISSING;
                v.warn = missing == POL_MISSING_WARN;
                snprintf(v.detail, sizeof v.detail, "allowed by %s but %s%s%s%s", secs,
                         ps_name((enum port_state)pr->state), svc ? " (" : "", svc ? svc : "",
                         svc ? ")" : "");
                add(out, n, &v);
            }
        }
    }
    if (*n > 1)
        qsort(*out, *n, sizeof **out, viol_cmp);
    size_t counted = 0;
    for (size_t i = 0; i < *n; i++)
        counted += !(*out)[i].warn;
    return counted;
}

void audit_describe(const struct violation *v, char *buf, size_t len)
{
    char who[PR_ADDRSTRLEN + SNAP_NAME + 4];
    if (v->host[0] && strcmp(v->host, v->addr))
        snprintf(who, sizeof who, "%s (%s)", v->addr, v->host);
    else
        snprintf(who, sizeof who, "%s", v->addr);
    if (v->port)
        snprintf(buf, len, "%s%s %s %u/%s: %s", v->warn ? "warning: " : "", viol_kind_name(v->kind),
                 who, v->port, v->proto == PR_UDP ? "udp" : "tcp", v->detail);
    else
        snprintf(buf, len, "%s%s %s: %s", v->warn ? "warning: " : "", viol_kind_name(v->kind), who,
                 v->detail);
}
