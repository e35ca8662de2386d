/* mod_proxy.h — HTTP servers in front of other HTTP servers (and Node.js), which nmap's
 * probe file reports as their backend (or not at all):
 *
 *   Varnish   a plain `GET /` is answered with the backend's headers plus X-Varnish, Age
 *             and `Via: 1.1 varnish (Varnish/7.1)`: "Varnish http accelerator" (nmap's
 *             name), version from Via.
 *   HAProxy   a request with a header line without a colon gets HAProxy's own 400 page
 *             ("<h1>400 Bad request</h1>\nYour browser sent an invalid request.");
 *             "HAProxy http proxy".
 *   Privoxy   that request gets "400 Invalid header received from client"; then
 *             `GET http://p.p/` (Privoxy's own start page) says "Privoxy</a> 3.0.34";
 *             "Privoxy http proxy" (name http-proxy).
 *   Node.js   that request gets exactly "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"
 *             (llhttp's answer), and `GET /` has no Server header: "Node.js".
 * A proxy found on a port whose probe match named a backend keeps the backend in
 * extrainfo: "backend: nginx 1.22.1". */
#ifndef PR_SVC_MOD_PROXY_H
#define PR_SVC_MOD_PROXY_H

#include "svc/ident.h"

#include <stddef.h>
#include <stdint.h>

#define SV_HTTP_MAX 65536 /* answers are read up to this */

/* Which request: */
enum sv_http_req {
    SV_HTTP_GET,     /* GET / with Connection: close */
    SV_HTTP_BADHDR,  /* GET / with a header line without a colon */
    SV_HTTP_PRIVOXY, /* GET http://p.p/ */
};

/* Writes request `which` for host to out. Returns its length, or 0 when cap is too
 * small. */
size_t sv_http_request(char *out, size_t cap, enum sv_http_req which, const char *host);

/* 1 when buf[0..len) holds a whole HTTP answer (headers and Content-Length bytes) or is
 * not HTTP at all; 0 to read on (without Content-Length: until the peer closes). */
int sv_http_complete(const uint8_t *buf, size_t len);

/* What the answers say. get, bad: the answers to SV_HTTP_GET and SV_HTTP_BADHDR (len 0:
 * none). Returns 1 with id filled (name "http", product, version) for a proxy in front
 * (Varnish, HAProxy), 2 when the bad request says Privoxy (then ask SV_HTTP_PRIVOXY and
 * call sv_http_privoxy), 3 for Node.js (a server itself, not in front of one), 0 nothing
 * known. Never reads outside the buffers. */
int sv_http_classify(const uint8_t *get, size_t glen, const uint8_t *bad, size_t blen,
                     struct sv_ident *id);

/* Privoxy's identity from its start page p[0..len) (version when the page gives it). */
void sv_http_privoxy(const uint8_t *p, size_t len, struct sv_ident *id);

#endif
