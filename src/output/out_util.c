/* out_util.c — see out_util.h. */
#include "output/out_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

unsigned out_state(const struct port_result *p)
{
    return p->state < PS_COUNT ? p->state : PS_UNKNOWN;
}

unsigned out_reason(unsigned reason)
{
    return reason < RS_COUNT ? reason : RS_NONE;
}

unsigned out_proto(unsigned proto)
{
    return proto < PR_NPROTO ? proto : PR_TCP;
}

const char *out_proto_name(unsigned proto)
{
    return proto == PR_UDP ? "udp" : "tcp";
}

const char *out_svc_known(const struct scan_result *r, unsigned proto, uint16_t port)
{
    const char *n = NULL;
    if (r->svc && proto < PR_NPROTO)
        n = svc_name(r->svc, (enum pr_proto)proto, port);
    return n && *n ? n : NULL;
}

const char *out_svc(const struct scan_result *r, unsigned proto, uint16_t port)
{
    const char *n = out_svc_known(r, proto, port);
    return n ? n : "unknown";
}

void out_svc_column(const struct scan_result *r, const struct port_result *p, char *buf, size_t len)
{
    const struct svc_info *si = p->svc;
    char name[128];
    if (!si || !si->name) {
        out_clean(out_svc(r, out_proto(p->proto), p->port), buf, len);
        return;
    }
    out_clean(si->name, name, sizeof name);
    snprintf(buf, len, "%s%s%s", si->tunnel_ssl ? "ssl/" : "", name, si->probed ? "" : "?");
}

void out_version_text(const struct svc_info *si, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!si)
        return;
    char raw[1024] = "";
    size_t n = 0;
    const char *parts[2] = {si->product, si->version};
    for (int i = 0; i < 2; i++) {
        if (!parts[i] || !*parts[i])
            continue;
        int w = snprintf(raw + n, sizeof raw - n, "%s%s", n ? " " : "", parts[i]);
        if (w < 0 || (size_t)w >= sizeof raw - n)
            break;
        n += (size_t)w;
    }
    if (si->extrainfo && *si->extrainfo && n < sizeof raw)
        snprintf(raw + n, sizeof raw - n, "%s(%s)", n ? " " : "", si->extrainfo);
    out_clean(raw, buf, len);
}

const char *out_version(const struct scan_result *r)
{
    return r->version && *r->version ? r->version : PR_VERSION;
}

/* nmap never collapses these; with --open, states that may be open stay visible. */
static int may_be_open(unsigned st)
{
    return st == PS_OPEN || st == PS_OPEN_FILTERED || st == PS_UNFILTERED;
}

static int state_ignored(unsigned st, size_t count, const struct out_opts *o)
{
    if (o->debug > 2 || count == 0)
        return 0;
    if (st == PS_OPEN || st == PS_UNKNOWN)
        return 0;
    if (st == PS_OPEN_FILTERED && o->verbose > 2)
        return 0;
    if (o->open_only && !may_be_open(st))
        return 1;
    size_t max = 25;
    if (o->verbose > 0 || o->debug > 0)
        max *= (size_t)(o->verbose > 0 ? o->verbose : 0) + 1 +
               20 * (size_t)(o->debug > 0 ? o->debug : 0);
    return count > max;
}

void out_summarize(const struct host_result *h, const struct out_opts *o, struct out_summary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        unsigned st = out_state(p);
        s->count[st]++;
        s->grp[st][out_proto(p->proto)][out_reason(p->reason)]++;
    }
    for (unsigned st = 0; st < PS_COUNT; st++)
        s->ignored[st] = state_ignored(st, s->count[st], o);
    /* Most ports first; ties go to the lower state number (nmap's order). */
    for (unsigned st = 0; st < PS_COUNT; st++) {
        if (!s->ignored[st])
            continue;
        size_t k = s->norder;
        while (k > 0 && s->count[s->order[k - 1]] < s->count[st]) {
            s->order[k] = s->order[k - 1];
            k--;
        }
        s->order[k] = (unsigned char)st;
        s->norder++;
    }
    for (unsigned st = 0; st < PS_COUNT; st++)
        if (!s->ignored[st])
            s->nshown += s->count[st];
}

size_t out_groups(const struct out_summary *s, unsigned state,
                  struct out_group g[PR_NPROTO * RS_COUNT])
{
    size_t n = 0;
    if (state >= PS_COUNT)
        return 0;
    for (unsigned pr = 0; pr < PR_NPROTO; pr++)
        for (unsigned rs = 0; rs < RS_COUNT; rs++) {
            size_t c = s->grp[state][pr][rs];
            if (!c)
                continue;
            size_t k = n;
            while (k > 0 && g[k - 1].count < c) {
                g[k] = g[k - 1];
                k--;
            }
            g[k] = (struct out_group){(unsigned char)pr, (unsigned char)rs, c};
            n++;
        }
    return n;
}

int out_port_shown(const struct out_summary *s, const struct port_result *p)
{
    return !s->ignored[out_state(p)];
}

int out_host_listed(const struct scan_result *r, const struct host_result *h,
                    const struct out_opts *o)
{
    if (r->list_only)
        return 1;
    if (!h->up)
        return o->verbose > 0 && !o->open_only;
    if (r->ping_only || !o->open_only)
        return 1;
    for (size_t i = 0; i < h->nports; i++)
        if (may_be_open(out_state(&h->ports[i])))
            return 1;
    return 0;
}

void out_ctime(time_t t, char *buf, size_t len)
{
    struct tm tm;
    if (len == 0)
        return;
    if (!localtime_r(&t, &tm) || strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm) == 0)
        snprintf(buf, len, "%lld", (long long)t);
}

double out_elapsed(const struct scan_result *r)
{
    double d = (double)(r->end.tv_sec - r->start.tv_sec) +
               (double)(r->end.tv_usec - r->start.tv_usec) / 1e6;
    return d > 0 ? d : 0;
}

void out_done_counts(const struct scan_result *r, char *buf, size_t len)
{
    snprintf(buf, len, "%zu IP address%s (%zu host%s up) scanned in %.2f seconds%s", r->nhosts,
             r->nhosts == 1 ? "" : "es", r->hosts_up, r->hosts_up == 1 ? "" : "s", out_elapsed(r),
             r->interrupted ? " (interrupted)" : "");
}

void out_latency(double us, char *buf, size_t len)
{
    double s = us / 1e6;
    int decimals = 0;
    if (!(s > 0) || !isfinite(s)) {
        snprintf(buf, len, "0");
        return;
    }
    int mag = (int)floor(log10(s));
    /* Rounding may carry into the next decade (0.0000999 -> 0.00010). */
    decimals = 1 - mag;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 12)
        decimals = 12;
    snprintf(buf, len, "%.*f", decimals, s);
}

void out_addr(const struct host_result *h, char *buf, size_t len)
{
    char tmp[PR_ADDRSTRLEN];
    if (h->addr.family != AF_INET && h->addr.family != AF_INET6) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%s", addr_str(&h->addr, tmp, sizeof tmp));
}

/* Length of the valid, printable UTF-8 sequence at s (of avail bytes), or 0 when the
 * byte there must be replaced: control characters (C0, DEL, C1), malformed or
 * overlong sequences, surrogates, and U+FFFE/U+FFFF (not allowed in XML). */
static size_t utf8_ok(const unsigned char *s, size_t avail)
{
    unsigned c = s[0];
    if (c < 0x80)
        return (c >= 0x20 && c != 0x7f) ? 1 : 0;
    size_t n;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    if (avail < n)
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    if (c == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F: C1 controls */
        return 0;
    if (c == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
        return 0;
    return n;
}

/* Calls put for each safe piece of s; replaced bytes come as "?". */
static void clean_walk(const char *s, void (*put)(void *ctx, const char *p, size_t n), void *ctx)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_ok(u + i, len - i);
        if (k == 0) {
            put(ctx, "?", 1);
            i++;
        } else {
            put(ctx, s + i, k);
            i += k;
        }
    }
}

struct bufctx {
    char *buf;
    size_t len, used;
    int full;
};

static void put_buf(void *ctx, const char *p, size_t n)
{
    struct bufctx *b = ctx;
    if (b->full || b->used + n + 1 > b->len) {
        b->full = 1; /* never cut a UTF-8 sequence in half */
        return;
    }
    memcpy(b->buf + b->used, p, n);
    b->used += n;
    b->buf[b->used] = '\0';
}

void out_clean(const char *s, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (!s)
        return;
    struct bufctx b = {buf, len, 0, 0};
    clean_walk(s, put_buf, &b);
}

char *out_clean_dup(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1; /* replacement never grows the text */
    char *d = malloc(len);
    if (!d)
        return NULL;
    out_clean(s, d, len);
    return d;
}

enum { PUT_TEXT, PUT_XML, PUT_JSON };

struct filectx {
    FILE *f;
    int mode; /* PUT_TEXT, PUT_XML, PUT_JSON */
    char prev;
    int err;
};

static void put_file(void *ctx, const char *p, size_t n)
{
    struct filectx *c = ctx;
    if (c->err)
        return;
    if (c->mode == PUT_TEXT || n > 1) {
        if (fwrite(p, 1, n, c->f) != n)
            c->err = 1;
        c->prev = 0;
        return;
    }
    const char *rep = NULL;
    if (c->mode == PUT_JSON) /* control bytes are '?' already: only these two are left */
        rep = p[0] == '"' ? "\\\"" : p[0] == '\\' ? "\\\\" : NULL;
    else
        switch (p[0]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '-':
            if (c->prev == '-')
                rep = "&#45;";
            break;
        default:
            break;
        }
    if (rep) {
        if (fputs(rep, c->f) == EOF)
            c->err = 1;
        c->prev = 0;
    } else {
        if (fputc(p[0], c->f) == EOF)
            c->err = 1;
        c->prev = p[0];
    }
}

int out_put_text(FILE *f, const char *s)
{
    struct filectx c = {f, PUT_TEXT, 0, 0};
    if (s)
        clean_walk(s, put_file, &c);
    return c.err ? -1 : 0;
}

int out_put_xml(FILE *f, const char *s)
{
    struct filectx c = {f, PUT_XML, 0, 0};
    if (s)
        clean_walk(s, put_file, &c);
    return c.err ? -1 : 0;
}

int out_put_json(FILE *f, const char *s)
{
    if (!s || !*s)
        return fputs("null", f) == EOF ? -1 : 0;
    struct filectx c = {f, PUT_JSON, 0, 0};
    if (fputc('"', f) == EOF)
        return -1;
    clean_walk(s, put_file, &c);
    return c.err || fputc('"', f) == EOF ? -1 : 0;
}

/* Range writer shared by the two list writers below. */
struct ranges {
    FILE *f;
    int any, open;
    unsigned first, last;
    int err;
};

static void ranges_flush(struct ranges *r)
{
    if (!r->open)
        return;
    int n;
    if (r->first == r->last)
        n = fprintf(r->f, "%s%u", r->any ? "," : "", r->first);
    else
        n = fprintf(r->f, "%s%u-%u", r->any ? "," : "", r->first, r->last);
    if (n < 0)
        r->err = 1;
    r->any = 1;
    r->open = 0;
}

static void ranges_add(struct ranges *r, unsigned port)
{
    if (r->open && port == r->last + 1) {
        r->last = port;
        return;
    }
    ranges_flush(r);
    r->first = r->last = port;
    r->open = 1;
}

int out_put_ranges(FILE *f, const uint16_t *p, size_t n)
{
    struct ranges r = {f, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        ranges_add(&r, p[i]);
    ranges_flush(&r);
    return r.err ? -1 : 0;
}

int out_put_group_ports(FILE *f, const struct host_result *h, unsigned state, unsigned proto,
                        unsigned reason)
{
    struct ranges r = {f, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < h->nports; i++) {
        const struct port_result *p = &h->ports[i];
        if (out_state(p) == state && out_proto(p->proto) == proto &&
            out_reason(p->reason) == reason)
            ranges_add(&r, p->port);
    }
    ranges_flush(&r);
    return r.err ? -1 : 0;
}

const char *out_os_reason(const struct os_result *os, char *buf, size_t len)
{
    int open_tcp = 0, closed_tcp = 0;
    for (size_t i = 0; i < os->nused && i < sizeof os->used / sizeof os->used[0]; i++)
        if (os->used[i].proto == PR_TCP) {
            open_tcp |= os->used[i].state == PS_OPEN;
            closed_tcp |= os->used[i].state == PS_CLOSED;
        }
    if (!open_tcp)
        snprintf(buf, len, "Missing an open TCP port so results incomplete");
    else if (!closed_tcp)
        snprintf(buf, len, "Missing a closed TCP port so results incomplete");
    else if (os->distance > 5)
        snprintf(buf, len, "Host distance (%d network hops) is greater than five", os->distance);
    else
        return NULL;
    return buf;
}

static size_t os_nmatches(const struct os_result *os)
{
    return os->nmatches < OS_MAX_MATCHES ? os->nmatches : OS_MAX_MATCHES;
}

int out_os_too_many(const struct os_result *os)
{
    return os->perfect && os->nmatches == 0;
}

size_t out_os_nperfect(const struct os_result *os)
{
    size_t n = 0, all = os_nmatches(os);
    if (!os->perfect)
        return 0;
    while (n < all && os->matches[n].accuracy >= 100)
        n++;
    return n ? n : all; /* exact matches the matcher scored below 100: all of them */
}

size_t out_os_nguesses(const struct os_result *os)
{
    size_t n = 0, all = os_nmatches(os);
    while (n < all && n < 10 && (n == 0 || os->matches[n].accuracy > os->matches[0].accuracy - 10))
        n++;
    return n;
}

char *out_os_fingerprint(const struct os_result *os, int wrap)
{
    enum { LINE = 75, PREFIX = 3 }; /* nmap 7.93: "OS:" and 72 characters a line */
    if (!os->fingerprint || !*os->fingerprint)
        return NULL;
    /* the tests in one run: "OS:" prefixes and line breaks dropped */
    size_t len = strlen(os->fingerprint);
    char *raw = malloc(len + 1), *clean = malloc(len + 1);
    if (!raw || !clean) {
        free(raw);
        free(clean);
        return NULL;
    }
    size_t n = 0;
    for (const char *p = os->fingerprint; *p;) {
        if (!strncmp(p, "OS:", PREFIX) && (p == os->fingerprint || p[-1] == '\n'))
            p += PREFIX;
        else if (*p == '\n' || *p == '\r')
            p++;
        else
            raw[n++] = *p++;
    }
    raw[n] = '\0';
    out_clean(raw, clean, len + 1);
    free(raw);
    n = strlen(clean);
    /* wrapped: one "OS:" and one newline per 68 characters; else one newline per test */
    size_t cap = wrap ? n + (n / (LINE - PREFIX) + 1) * (PREFIX + 1) + 1 : 2 * n + 2;
    char *out = malloc(cap);
    if (!out) {
        free(clean);
        return NULL;
    }
    size_t w = 0;
    if (wrap) {
        for (size_t i = 0; i < n; i += LINE - PREFIX) {
            size_t k = n - i < LINE - PREFIX ? n - i : LINE - PREFIX;
            memcpy(out + w, "OS:", PREFIX);
            memcpy(out + w + PREFIX, clean + i, k);
            w += PREFIX + k;
            out[w++] = '\n';
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            out[w++] = clean[i];
            if (clean[i] == ')')
                out[w++] = '\n';
        }
        if (w && out[w - 1] != '\n')
            out[w++] = '\n';
    }
    out[w] = '\0';
    free(clean);
    return out;
}

void out_trace_probe(const struct host_result *h, char *buf, size_t len)
{
    const struct trace_result *t = h->trace;
    if (!t || t->proto == TRACE_PROTO_NONE)
        snprintf(buf, len, "%s", "");
    else if (t->proto == TRACE_PROTO_ICMP)
        snprintf(buf, len, "%s",
                 h->addr.family == AF_INET6 ? "proto 58/ipv6-icmp" : "proto 1/icmp");
    else
        snprintf(buf, len, "port %u/%s", t->port, out_proto_name(t->proto));
}
