/* mod_xmpp.c — XMPP stream header, features and errors (see mod_xmpp.h). */
#include "svc/mod_xmpp.h"

#include <stdio.h>
#include <string.h>

#define STREAMS_NS "http://etherx.jabber.org/streams"

size_t sv_xmpp_request(char *out, size_t cap, const char *to, int s2s)
{
    int n = snprintf(out, cap,
                     "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:%s' "
                     "xmlns:stream='" STREAMS_NS "' version='1.0'>",
                     to, s2s ? "server" : "client");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The value of attribute `name` (" from=") in tag[0..n), quoted with ' or ", copied to
 * out. Returns 1 found, 0 not. */
static int attr(const char *tag, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = sv_ident_find(tag, n, name, nl, 0);
    if (!p)
        return 0;
    size_t i = (size_t)(p - tag) + nl;
    if (i >= n || (tag[i] != '\'' && tag[i] != '"'))
        return 0;
    char q = tag[i++];
    size_t e = i;
    while (e < n && tag[e] != q)
        e++;
    if (e >= n)
        return 0;
    sv_ident_copy(out, cap, tag + i, e - i);
    return 1;
}

int sv_xmpp_parse(const uint8_t *buf, size_t len, const char *to, struct sv_ident *id, char *err,
                  size_t errlen)
{
    const char *s = (const char *)buf;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\r' || s[i] == '\n' || s[i] == '\t'))
        i++;
    if (i < len && s[i] != '<') {
        snprintf(err, errlen, "answer does not start with an XML tag at byte %zu", i);
        return -1;
    }
    const char *st = sv_ident_find(s, len, "<stream:stream", 14, 0);
    const char *gt = st ? memchr(st, '>', len - (size_t)(st - s)) : NULL;
    if (!gt) {
        if (len > SV_XMPP_MAX) {
            snprintf(err, errlen, "no stream header in the first %d bytes", SV_XMPP_MAX);
            return -1;
        }
        return 0;
    }
    size_t off = (size_t)(st - s), tl = (size_t)(gt - st);
    if (!sv_ident_find(st, tl, STREAMS_NS, sizeof STREAMS_NS - 1, 0)) {
        snprintf(err, errlen, "stream header without the XMPP streams namespace at byte %zu", off);
        return -1;
    }
    size_t rest = len - (size_t)(gt - s);
    int done = sv_ident_find(gt, rest, "</stream:error>", 15, 0) ||
               sv_ident_find(gt, rest, "</stream:features>", 18, 0) ||
               sv_ident_find(gt, rest, "</stream:stream>", 16, 0);
    if (!done && len <= SV_XMPP_MAX)
        return 0;
    memset(id, 0, sizeof *id);
    snprintf(id->name, sizeof id->name, "jabber");
    char from[96];
    if (attr(st, tl, " from=", from, sizeof from) && from[0] && strcmp(from, to))
        snprintf(id->extrainfo, sizeof id->extrainfo, "server name %s", from);
    static const char *const prosody[] = {
        "This server does not serve ", "This host does not serve ",
        "A &apos;to&apos; attribute is required on stream headers",
        "No stream features to proceed with", "No stream features to offer"};
    for (size_t k = 0; k < sizeof prosody / sizeof prosody[0]; k++)
        if (sv_ident_find(gt, rest, prosody[k], strlen(prosody[k]), 0)) {
            int server = sv_ident_find(st, tl, "'jabber:server'", 15, 0) ||
                         sv_ident_find(st, tl, "\"jabber:server\"", 15, 0);
            snprintf(id->product, sizeof id->product, "Prosody Jabber %s",
                     server ? "server" : "client");
            snprintf(id->cpe, sizeof id->cpe, "cpe:/a:prosody:prosody");
            break;
        }
    return 1;
}

int sv_xmpp_complete(const uint8_t *buf, size_t len)
{
    struct sv_ident id;
    char err[8];
    return sv_xmpp_parse(buf, len, "", &id, err, sizeof err) != 0;
}
