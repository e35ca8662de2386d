/* ident.h — what an identification past nmap's probe file found, and the small text
 * helpers its wire parsers share (mod_mq.c, mod_pgb.c, mod_xmpp.c, mod_git.c,
 * mod_proxy.c; run by mod_extra.c).
 *
 * Every field is NUL-terminated, printable ASCII (other bytes become '?'), cut to its
 * array; "" means unknown. */
#ifndef PR_SVC_IDENT_H
#define PR_SVC_IDENT_H

#include "output/result.h"

#include <stddef.h>

struct sv_ident {
    char name[32];       /* nmap-style service name: "nats", "jabber" */
    char product[64];    /* "beanstalkd", "Prosody Jabber client" */
    char version[32];    /* "1.12" */
    char extrainfo[128]; /* "go1.19.8", "backend: nginx 1.22.1" */
    char cpe[64];        /* without version: "cpe:/a:haproxy:haproxy"; "" none */
};

/* Copies src[0..n) to dst (cap > 0), stopping at NUL, '\r' or '\n', each other byte
 * outside 0x20..0x7e becoming '?', cut to cap-1 characters; always terminates. */
void sv_ident_copy(char *dst, size_t cap, const char *src, size_t n);

/* The first occurrence of needle (nlen > 0) in hay[0..hlen), case-insensitive when
 * nocase; NULL when absent. */
const char *sv_ident_find(const char *hay, size_t hlen, const char *needle, size_t nlen,
                          int nocase);

/* The offset in hay[0..n) just past the first pat (case-insensitive when nocase) and the
 * spaces after it; n when pat is absent. */
size_t sv_ident_after(const char *hay, size_t n, const char *pat, int nocase);

/* Makes si say what id found: name, product, version (a missing one cleared), extrainfo
 * (kept when id has none), the CPE with the version appended (added when there is
 * room), method "probed" at confidence 10, and drops si's no-match note. */
void sv_ident_apply(struct svc_info *si, const struct sv_ident *id);

#endif
