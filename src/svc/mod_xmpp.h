/* mod_xmpp.h — XMPP (Jabber) stream open, as far as nmap's probe file does not go.
 *
 * The request opens a stream (jabber:client, or jabber:server on a port named
 * xmpp-server) to the target's address. Any server answers with its stream header (and
 * stream features or a stream error). Reported: jabber (nmap's name for XMPP); extrainfo
 * the XMPP server name of the header's from= when it is not the address we sent; product
 * "Prosody Jabber client"/"Prosody Jabber server" (nmap's names) only when the stream
 * error text is one of Prosody's own ("This server does not serve", "A 'to' attribute is
 * required on stream headers", "No stream features to proceed with", "No stream
 * features to offer"). */
#ifndef PR_SVC_MOD_XMPP_H
#define PR_SVC_MOD_XMPP_H

#include "svc/ident.h"

#include <stddef.h>
#include <stdint.h>

#define SV_XMPP_MAX 16384 /* an answer without its header's end by then is not XMPP */

/* Writes the stream open to `to` (server namespace when s2s) to out. Returns its length,
 * or 0 when cap is too small. */
size_t sv_xmpp_request(char *out, size_t cap, const char *to, int s2s);

/* Reads the answer buf[0..len) to the stream open sent to `to`. Returns 1 XMPP (id
 * filled), 0 incomplete (the stream error or features have not ended yet and the peer
 * has not closed), -1 not XMPP (err with the byte offset). */
int sv_xmpp_parse(const uint8_t *buf, size_t len, const char *to, struct sv_ident *id, char *err,
                  size_t errlen);
int sv_xmpp_complete(const uint8_t *buf, size_t len); /* 1: a whole answer or not XMPP */

#endif
