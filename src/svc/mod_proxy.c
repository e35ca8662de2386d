/* mod_proxy.c — proxies in front of HTTP servers, and Node.js (see mod_proxy.h). */
#include "svc/mod_proxy.h"

#include <stdio.h>
#include <string.h>

size_t sv_http_request(char *out, size_t cap, enum sv_http_req which, const char *host)
{
    int n;
    if (which == SV_HTTP_PRIVOXY)
        n = snprintf(out, cap,
                     "GET http://p.p/ HTTP/1.1\r\nHost: p.p\r\nConnection: close\r\n\r\n");
    else
        n = snprintf(out, cap, "GET / HTTP/1.1\r\nHost: %s%s%s\r\n%sConnection: close\r\n\r\n",
                     strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
                     which == SV_HTTP_BADHDR ? "Bad header line\r\n" : "");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The length of the header block of b[0..len) with its empty line; 0 when incomplete. */
static size_t head_len(const char *b, size_t len)
{
    const char *e = sv_ident_find(b, len, "\r\n\r\n", 4, 0);
    return e ? (size_t)(e - b) + 4 : 0;
}

/* Header `name` (with ':') in head[0..n): its value (spaces skipped) in out. 1 found. */
static int header(const char *head, size_t n, const char *name, char *out, size_t cap)
{
    char pat[48];
    snprintf(pat, sizeof pat, "\r\n%s:", name);
    size_t i = sv_ident_after(head, n, pat, 1);
    if (i >= n)
        return 0;
    sv_ident_copy(out, cap, head + i, n - i);
    return 1;
}

int sv_http_complete(const uint8_t *buf, size_t len)
{
    const char *b = (const char *)buf;
    size_t cmp = len < 5 ? len : 5;
    if (memcmp(b, "HTTP/", cmp))
        return 1;
    size_t h = head_len(b, len);
    if (!h)
        return len >= SV_HTTP_MAX;
    char v[24];
    if (!header(b, h, "Content-Length", v, sizeof v))
        return 0;
    size_t cl = 0;
    for (size_t i = 0; v[i] >= '0' && v[i] <= '9' && cl < SV_HTTP_MAX; i++)
        cl = cl * 10 + (size_t)(v[i] - '0');
    return len - h >= cl;
}

static void set(struct sv_ident *id, const char *name, const char *product, const char *cpe)
{
    memset(id, 0, sizeof *id);
    snprintf(id->name, sizeof id->name, "%s", name);
    snprintf(id->product, sizeof id->product, "%s", product);
    snprintf(id->cpe, sizeof id->cpe, "%s", cpe);
}

int sv_http_classify(const uint8_t *get, size_t glen, const uint8_t *bad, size_t blen,
                     struct sv_ident *id)
{
    const char *g = (const char *)get, *b = (const char *)bad;
    size_t gh = glen >= 5 && !memcmp(g, "HTTP/", 5) ? head_len(g, glen) : 0;
    char v[128];
    if (gh &&
        (header(g, gh, "X-Varnish", v, sizeof v) ||
         (header(g, gh, "Via", v, sizeof v) && sv_ident_find(v, strlen(v), "varnish", 7, 1)))) {
        set(id, "http", "Varnish http accelerator", "cpe:/a:varnish-cache:varnish");
        if (header(g, gh, "Via", v, sizeof v)) {
            const char *p = sv_ident_find(v, strlen(v), "(Varnish/", 9, 0);
            if (p) {
                p += 9;
                sv_ident_copy(id->version, sizeof id->version, p, strcspn(p, ")"));
            }
        }
        return 1;
    }
    size_t bh = blen >= 5 && !memcmp(b, "HTTP/", 5) ? head_len(b, blen) : 0;
    if (!bh)
        return 0;
    static const char haproxy[] =
        "<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n";
    if (sv_ident_find(b + bh, blen - bh, haproxy, sizeof haproxy - 1, 0)) {
        set(id, "http", "HAProxy http proxy", "cpe:/a:haproxy:haproxy");
        return 1;
    }
    static const char privoxy[] = " 400 Invalid header received from client\r\n";
    if (sv_ident_find(b, bh, privoxy, sizeof privoxy - 1, 0)) {
        set(id, "http-proxy", "Privoxy http proxy", "cpe:/a:privoxy:privoxy");
        if (header(b, bh, "Proxy-Agent", v, sizeof v) && !strncmp(v, "Privoxy ", 8))
            sv_ident_copy(id->version, sizeof id->version, v + 8, strlen(v + 8));
        return 2;
    }
    static const char node[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
    if (blen == sizeof node - 1 && !memcmp(b, node, blen) && gh &&
        !header(g, gh, "Server", v, sizeof v)) {
        set(id, "http", "Node.js", "cpe:/a:nodejs:node.js");
        return 3;
    }
    return 0;
}

void sv_http_privoxy(const uint8_t *p, size_t len, struct sv_ident *id)
{
    static const char mark[] = "Privoxy</a> ";
    const char *s = (const char *)p;
    const char *m = sv_ident_find(s, len, mark, sizeof mark - 1, 0);
    if (!m || id->version[0])
        return;
    size_t at = (size_t)(m - s) + sizeof mark - 1, e = at;
    while (e < len && e - at < 24 && ((s[e] >= '0' && s[e] <= '9') || s[e] == '.'))
        e++;
    sv_ident_copy(id->version, sizeof id->version, s + at, e - at);
}
