/* diff.c — snapshot comparison and its ndiff-like text (see diff.h). */
#include "audit/diff.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void push(struct diff_change **out, size_t *n, const struct diff_change *c)
{
    *out = pr_reallocarray(*out, *n + 1, sizeof **out);
    (*out)[(*n)++] = *c;
}

static void cp(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

/* Ports of two hosts (either may be NULL), merged by (proto, port). */
static void diff_ports(const struct snapshot *a, const struct snap_host *ha,
                       const struct snapshot *b, const struct snap_host *hb,
                       struct diff_change **out, size_t *n)
{
    size_t i = 0, j = 0, na = ha ? ha->nports : 0, nb = hb ? hb->nports : 0;
    while (i < na || j < nb) {
        const struct snap_port *pa = i < na ? &ha->ports[i] : NULL;
        const struct snap_port *pb = j < nb ? &hb->ports[j] : NULL;
        int c = !pa                      ? 1
                : !pb                    ? -1
                : pa->proto != pb->proto ? (pa->proto < pb->proto ? -1 : 1)
                                         : (pa->port > pb->port) - (pa->port < pb->port);
        const struct snap_port *key = c <= 0 ? pa : pb;
        const struct snap_port *la = NULL, *lb = NULL;
        const char *sa = ha ? snap_state(a, ha, key->proto, key->port, &la) : NULL;
        const char *sb = hb ? snap_state(b, hb, key->proto, key->port, &lb) : NULL;
        if (c <= 0)
            i++;
        if (c >= 0)
            j++;
        bool same = sa && sb && !strcmp(sa, sb);
        if (same && la && lb &&
            (strcmp(la->service, lb->service) || strcmp(la->version, lb->version)))
            same = false;
        if (same)
            continue;
        struct diff_change d = {.kind = DK_PORT, .proto = key->proto, .port = key->port};
        cp(d.addr, sizeof d.addr, ha ? ha->addr : hb->addr);
        cp(d.old_state, sizeof d.old_state, sa);
        cp(d.new_state, sizeof d.new_state, sb);
        cp(d.old_service, sizeof d.old_service, la ? la->service : "");
        cp(d.new_service, sizeof d.new_service, lb ? lb->service : "");
        cp(d.old_version, sizeof d.old_version, la ? la->version : "");
        cp(d.new_version, sizeof d.new_version, lb ? lb->version : "");
        push(out, n, &d);
    }
}

void diff_snapshots(const struct snapshot *a, const struct snapshot *b, struct diff_change **out,
                    size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t i = 0, j = 0;
    while (i < a->nhosts || j < b->nhosts) {
        const struct snap_host *ha = i < a->nhosts ? &a->hosts[i] : NULL;
        const struct snap_host *hb = j < b->nhosts ? &b->hosts[j] : NULL;
        int c = !ha ? 1 : !hb ? -1 : strcmp(ha->addr, hb->addr);
        if (c < 0)
            hb = NULL, i++;
        else if (c > 0)
            ha = NULL, j++;
        else
            i++, j++;
        struct diff_change d = {0};
        cp(d.addr, sizeof d.addr, ha ? ha->addr : hb->addr);
        if (!hb)
            d.kind = DK_HOST_GONE;
        else if (!ha)
            d.kind = DK_HOST_NEW;
        else if (ha->up != hb->up)
            d.kind = hb->up ? DK_HOST_UP : DK_HOST_DOWN;
        else
            d.kind = -1;
        if (d.kind >= 0)
            push(out, n, &d);
        diff_ports(a, ha, b, hb, out, n);
    }
}

void diff_describe(const struct diff_change *c, char *buf, size_t len)
{
    const char *proto = c->proto == 1 ? "udp" : "tcp";
    switch (c->kind) {
    case DK_HOST_NEW:
        snprintf(buf, len, "host %s is new", c->addr);
        return;
    case DK_HOST_GONE:
        snprintf(buf, len, "host %s is no longer scanned", c->addr);
        return;
    case DK_HOST_UP:
        snprintf(buf, len, "host %s is up (was down)", c->addr);
        return;
    case DK_HOST_DOWN:
        snprintf(buf, len, "host %s is down (was up)", c->addr);
        return;
    default:
        break;
    }
    const char *ns = c->new_state[0] ? c->new_state : "not scanned";
    const char *os = c->old_state[0] ? c->old_state : "not scanned";
    if (strcmp(ns, os))
        snprintf(buf, len, "%u/%s on %s: %s (was %s)", c->port, proto, c->addr, ns, os);
    else if (strcmp(c->old_service, c->new_service))
        snprintf(buf, len, "%u/%s on %s: service %s (was %s)", c->port, proto, c->addr,
                 c->new_service[0] ? c->new_service : "unknown",
                 c->old_service[0] ? c->old_service : "unknown");
    else
        snprintf(buf, len, "%u/%s on %s: version '%.60s' (was '%.60s')", c->port, proto, c->addr,
                 c->new_version, c->old_version);
}

static void side(FILE *f, char sign, const struct snapshot *s)
{
    char when[32] = "";
    if (s->started) {
        time_t t = (time_t)s->started;
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(when, sizeof when, " at %Y-%m-%d %H:%M:%S", &tm);
    }
    fprintf(f, "%c%s%s\n", sign, s->label, when);
}

static void port_line(FILE *f, char sign, const struct diff_change *c, const char *state,
                      const char *svc, const char *ver)
{
    char port[16];
    snprintf(port, sizeof port, "%u/%s", c->port, c->proto == 1 ? "udp" : "tcp");
    fprintf(f, "%c%-9s %-13s %-15s %s\n", sign, port, state, svc[0] ? svc : "unknown", ver);
}

int diff_print(FILE *f, const struct snapshot *a, const struct snapshot *b,
               const struct diff_change *c, size_t n)
{
    side(f, '-', a);
    side(f, '+', b);
    const char *host = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(host, c[i].addr)) {
            host = c[i].addr;
            fprintf(f, "\n %s:\n", host);
        }
        switch (c[i].kind) {
        case DK_HOST_NEW:
            fprintf(f, "+Host is in this scan only.\n");
            break;
        case DK_HOST_GONE:
            fprintf(f, "-Host is in the earlier scan only.\n");
            break;
        case DK_HOST_UP:
            fprintf(f, "-Host is down.\n+Host is up.\n");
            break;
        case DK_HOST_DOWN:
            fprintf(f, "-Host is up.\n+Host is down.\n");
            break;
        default:
            if (c[i].old_state[0])
                port_line(f, '-', &c[i], c[i].old_state, c[i].old_service, c[i].old_version);
            if (c[i].new_state[0])
                port_line(f, '+', &c[i], c[i].new_state, c[i].new_service, c[i].new_version);
        }
    }
    size_t ports = 0;
    for (size_t i = 0; i < n; i++)
        ports += c[i].kind == DK_PORT;
    fprintf(f, "\n%zu change%s (%zu port%s)\n", n, n == 1 ? "" : "s", ports, ports == 1 ? "" : "s");
    return ferror(f) ? -1 : 0;
}
