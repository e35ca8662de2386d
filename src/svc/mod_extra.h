/* mod_extra.h — identification past nmap's probe file (issue 17): services nmap 7.93
 * leaves unidentified or names by the server behind them.
 *
 *   ports the probes left unmatched (TCP)  NATS, beanstalkd (mod_mq.c), PgBouncer
 *       (mod_pgb.c), XMPP/Prosody (mod_xmpp.c), git daemon (mod_git.c), Privoxy, HAProxy,
 *       Node.js (mod_proxy.c). The identifier the port's nmap-services name suggests
 *       (pgbouncer, xmpp-client, git, privoxy, ...) is tried first, SV_EXTRA_HINT_MS per
 *       exchange; when the port answered some probe, the others follow, SV_EXTRA_TRY_MS
 *       each, until one identifies it. A port silent to every probe gets only the suggested one.
 *   ports matched http or http-proxy (plain TCP)  Varnish, HAProxy, Privoxy, Node.js in
 *       front: the proxy becomes the product, the matched server "backend: ..." extrainfo.
 *
 * Each exchange is one bounded sv_exchange; an answer that does not parse leaves the
 * port as the probes left it. */
#ifndef PR_SVC_MOD_EXTRA_H
#define PR_SVC_MOD_EXTRA_H

#include "core/addr.h"
#include "output/result.h"

#define SV_EXTRA_HINT_MS 2000 /* per exchange of the suggested identifier */
#define SV_EXTRA_WEB_MS 1000  /* per exchange on a port matched http */
#define SV_EXTRA_TRY_MS 700   /* per exchange of an identifier tried without a hint */

/* Runs the identifiers that fit port pr of host h (TCP only; nothing for other ports),
 * from source (family 0: the kernel's choice); may rewrite pr->svc. */
void sv_extra_port(struct host_result *h, struct port_result *pr, const struct pr_addr *source);

#endif
