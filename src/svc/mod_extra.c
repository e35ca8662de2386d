/* mod_extra.c — which identifier past nmap's probe file runs on which port (see
 * mod_extra.h). */
#include "svc/mod_extra.h"

#include "svc/ident.h"
#include "svc/mod_git.h"
#include "svc/mod_mq.h"
#include "svc/mod_pgb.h"
#include "svc/mod_proxy.h"
#include "svc/mod_xmpp.h"
#include "svc/modio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
    const struct host_result *h;
    const struct port_result *pr;
    const struct pr_addr *source;
    char host[64];  /* the target's address as text */
    unsigned ms;    /* per exchange */
    uint8_t *a, *b; /* two SV_HTTP_MAX buffers */
};

static long xchg(const struct ctx *c, const void *req, size_t n, uint8_t *resp, size_t cap,
                 unsigned ms, sv_complete_fn done)
{
    return sv_exchange(&c->h->addr, c->pr->port, 0, c->source, req, n, resp, cap, ms, done);
}

static int try_nats(const struct ctx *c, struct sv_ident *id)
{
    char err[160];
    unsigned ms = c->ms < 600 ? c->ms : 600; /* the INFO line comes at once or never */
    long got = xchg(c, "", 0, c->a, SV_NATS_LINE_MAX + 1, ms, sv_nats_complete);
    return got > 0 && sv_nats_parse(c->a, (size_t)got, id, err, sizeof err) == 1;
}

static int try_beanstalk(const struct ctx *c, struct sv_ident *id)
{
    char err[160];
    long got = xchg(c, sv_beanstalk_request, strlen(sv_beanstalk_request), c->a, SV_HTTP_MAX, c->ms,
                    sv_beanstalk_complete);
    return got > 0 && sv_beanstalk_parse(c->a, (size_t)got, id, err, sizeof err) == 1;
}

static int try_pgb(const struct ctx *c, struct sv_ident *id)
{
    uint8_t req[64];
    char err[160];
    long got =
        xchg(c, req, sv_pgb_request(req, sizeof req), c->a, SV_HTTP_MAX, c->ms, sv_pgb_complete);
    return got > 0 && sv_pgb_parse(c->a, (size_t)got, id, err, sizeof err) == 1;
}

static int try_xmpp(const struct ctx *c, struct sv_ident *id)
{
    char req[400], err[160];
    int s2s = c->pr->svc && c->pr->svc->name && !strcmp(c->pr->svc->name, "xmpp-server");
    size_t n = sv_xmpp_request(req, sizeof req, c->host, s2s);
    long got = xchg(c, req, n, c->a, SV_XMPP_MAX + 1, c->ms, sv_xmpp_complete);
    return got > 0 && sv_xmpp_parse(c->a, (size_t)got, c->host, id, err, sizeof err) == 1;
}

static int try_git(const struct ctx *c, struct sv_ident *id)
{
    uint8_t req[400];
    char err[160];
    long got = xchg(c, req, sv_git_request(req, sizeof req, c->host), c->a, SV_HTTP_MAX, c->ms,
                    sv_git_complete);
    return got > 0 && sv_git_parse(c->a, (size_t)got, id, err, sizeof err) == 1;
}

static long http(const struct ctx *c, enum sv_http_req which, uint8_t *buf)
{
    char req[512];
    size_t n = sv_http_request(req, sizeof req, which, c->host);
    long got = xchg(c, req, n, buf, SV_HTTP_MAX, c->ms, sv_http_complete);
    return got > 0 ? got : 0;
}

/* sv_http_classify's answer for the port (0 nothing known). */
static int try_http(const struct ctx *c, struct sv_ident *id)
{
    long g = http(c, SV_HTTP_GET, c->a);
    int r = sv_http_classify(c->a, (size_t)g, NULL, 0, id);
    if (!r)
        r = sv_http_classify(c->a, (size_t)g, c->b, (size_t)http(c, SV_HTTP_BADHDR, c->b), id);
    if (r == 2)
        sv_http_privoxy(c->b, (size_t)http(c, SV_HTTP_PRIVOXY, c->b), id);
    return r;
}

static const struct {
    const char *hints; /* nmap-services names that suggest it, space-separated */
    int (*run)(const struct ctx *c, struct sv_ident *id);
} tries[] = {
    {" nats ", try_nats},
    {" beanstalkd ", try_beanstalk},
    {" pgbouncer postgresql ", try_pgb},
    {" xmpp-client xmpp-server jabber ", try_xmpp},
    {" git ", try_git},
    {" http http-alt http-proxy privoxy ", try_http},
};
#define NTRIES (sizeof tries / sizeof tries[0])

static int hinted(size_t t, const char *name)
{
    char pat[72];
    snprintf(pat, sizeof pat, " %s ", name);
    return strstr(tries[t].hints, pat) != NULL;
}

/* 1 when the probes got an answer that matched no line (version.c's note). */
static int responded(const struct svc_info *si)
{
    return si->note && (strstr(si->note, "match no probe") || strstr(si->note, "no match"));
}

void sv_extra_port(struct host_result *h, struct port_result *pr, const struct pr_addr *source)
{
    struct svc_info *si = pr->svc;
    if (!si || !si->name || si->tunnel_ssl || pr->proto != PR_TCP ||
        !strcmp(si->name, "tcpwrapped"))
        return;
    int web = si->probed && (!strcmp(si->name, "http") || !strcmp(si->name, "http-proxy"));
    if (si->probed && !web)
        return;
    struct ctx c = {.h = h, .pr = pr, .source = source, .ms = SV_EXTRA_HINT_MS};
    addr_str(&h->addr, c.host, sizeof c.host);
    c.a = malloc(SV_HTTP_MAX);
    c.b = malloc(SV_HTTP_MAX);
    struct sv_ident id;
    int found = 0;
    if (!c.a || !c.b)
        goto out;
    if (web) {
        c.ms = SV_EXTRA_WEB_MS;
        int r = try_http(&c, &id);
        /* A proxy found: the matched server is its backend. Node.js only where the probes
         * named no product (they know Express and others better). */
        found = r && !(r == 3 && si->product);
        if (found && r != 3 && si->product && strcmp(si->product, id.product))
            snprintf(id.extrainfo, sizeof id.extrainfo, "backend: %s%s%s", si->product,
                     si->version ? " " : "", si->version ? si->version : "");
        if (found)
            snprintf(id.name, sizeof id.name, "%s", si->name);
        goto out;
    }
    size_t first = NTRIES;
    for (size_t t = 0; t < NTRIES && first == NTRIES; t++)
        if (hinted(t, si->name))
            first = t;
    if (first < NTRIES)
        found = tries[first].run(&c, &id);
    c.ms = SV_EXTRA_TRY_MS;
    for (size_t t = 0; !found && responded(si) && t < NTRIES; t++)
        if (t != first)
            found = tries[t].run(&c, &id);
out:
    if (found)
        sv_ident_apply(si, &id);
    free(c.a);
    free(c.b);
}
