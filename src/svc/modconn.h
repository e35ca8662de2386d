/* modconn.h — a bounded TCP session (plain or TLS) for native version modules that need
 * more than one request/response on the same connection (SMB2 NEGOTIATE then
 * SESSION_SETUP, Murmur's TLS control channel). One deadline covers the whole session:
 * nothing blocks past it. modio.c is the one-exchange form. Called inside svc_version_run,
 * which blocks SIGPIPE (OpenSSL writes with write(2)). */
#ifndef PR_SVC_MODCONN_H
#define PR_SVC_MODCONN_H

#include "core/addr.h"
#include "svc/modio.h"

#include <stddef.h>
#include <stdint.h>

struct sv_conn {
    int fd;
    void *ctx, *ssl;   /* OpenSSL SSL_CTX and SSL, NULL without TLS */
    uint64_t deadline; /* now_us() stamp */
};

/* A TLS client context (an OpenSSL SSL_CTX) set up as nmap's: no certificate check, every
 * protocol version and cipher, legacy renegotiation allowed, so that old servers the -sV
 * probes reach are reached by the modules too. NULL when OpenSSL fails; SSL_CTX_free it. */
void *sv_tls_client_ctx(void);

/* Connects to dst:port from src (family 0: the kernel's choice) and, with tls, completes a
 * TLS handshake (no certificate check: only the service is wanted). timeout_ms bounds the
 * whole session from now. Returns 0, or -1 (c is then closed). */
int sv_conn_open(struct sv_conn *c, const struct pr_addr *dst, uint16_t port,
                 const struct pr_addr *src, int tls, unsigned timeout_ms);

/* Sends buf[0..len). Returns 0, or -1 when the peer or the deadline stopped it. */
int sv_conn_send(struct sv_conn *c, const uint8_t *buf, size_t len);

/* Reads into buf[0..cap) until complete(buf, len) says whole (NULL: the first read), the
 * peer closes, buf is full or the deadline passes. Returns the bytes read. */
size_t sv_conn_recv(struct sv_conn *c, uint8_t *buf, size_t cap, sv_complete_fn complete);

/* Closes the session (safe on a closed or never-opened one after memset 0 / fd -1). */
void sv_conn_close(struct sv_conn *c);

#endif
