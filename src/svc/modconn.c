/* modconn.c — the bounded multi-exchange session of the native modules (see modconn.h). */
#include "svc/modconn.h"

#include "core/clock.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

void *sv_tls_client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_min_proto_version(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_LEGACY_SERVER_CONNECT);
    return ctx;
}

/* After an SSL call returned rc: 1 to retry once the socket is ready, 0 to give up. */
static int ssl_retry(struct sv_conn *c, int rc)
{
    int err = SSL_get_error(c->ssl, rc);
    if (err == SSL_ERROR_WANT_READ)
        return sv_wait_fd(c->fd, POLLIN, c->deadline);
    if (err == SSL_ERROR_WANT_WRITE)
        return sv_wait_fd(c->fd, POLLOUT, c->deadline);
    return 0;
}

int sv_conn_open(struct sv_conn *c, const struct pr_addr *dst, uint16_t port,
                 const struct pr_addr *src, int tls, unsigned timeout_ms)
{
    c->ctx = c->ssl = NULL;
    c->deadline = now_us() + (uint64_t)timeout_ms * 1000;
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(dst, port, &ss);
    c->fd = socket(dst->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (src && src->family == dst->family) {
        struct sockaddr_storage s;
        socklen_t l = addr_to_sockaddr(src, 0, &s);
        (void)bind(c->fd, (struct sockaddr *)&s, l);
    }
    int soerr = 0;
    socklen_t el = sizeof soerr;
    if ((connect(c->fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) ||
        !sv_wait_fd(c->fd, POLLOUT, c->deadline) ||
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr)
        goto fail;
    if (tls) {
        c->ctx = sv_tls_client_ctx();
        if (!c->ctx || !(c->ssl = SSL_new(c->ctx)) || SSL_set_fd(c->ssl, c->fd) != 1)
            goto fail;
        SSL_set_connect_state(c->ssl);
        int rc;
        while ((rc = SSL_do_handshake(c->ssl)) != 1)
            if (!ssl_retry(c, rc))
                goto fail;
    }
    return 0;
fail:
    ERR_clear_error();
    sv_conn_close(c);
    return -1;
}

int sv_conn_send(struct sv_conn *c, const uint8_t *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        if (c->ssl) {
            int n = SSL_write(c->ssl, buf + sent, (int)(len - sent));
            if (n > 0)
                sent += (size_t)n;
            else if (!ssl_retry(c, n))
                return -1;
            continue;
        }
        if (!sv_wait_fd(c->fd, POLLOUT, c->deadline))
            return -1;
        ssize_t n = send(c->fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        if (n > 0)
            sent += (size_t)n;
    }
    return 0;
}

size_t sv_conn_recv(struct sv_conn *c, uint8_t *buf, size_t cap, sv_complete_fn complete)
{
    size_t len = 0;
    while (len < cap) {
        long n;
        if (c->ssl) {
            int r = SSL_read(c->ssl, buf + len, (int)(cap - len));
            if (r <= 0) {
                if (ssl_retry(c, r))
                    continue;
                break;
            }
            n = r;
        } else {
            if (!sv_wait_fd(c->fd, POLLIN, c->deadline))
                break;
            n = recv(c->fd, buf + len, cap - len, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0)
                break;
        }
        len += (size_t)n;
        if (!complete || complete(buf, len))
            break;
    }
    return len;
}

void sv_conn_close(struct sv_conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    c->ssl = c->ctx = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}
