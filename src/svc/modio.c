/* modio.c — the bounded exchange of the native version modules (see modio.h). */
#include "svc/modio.h"

#include "core/clock.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int sv_wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_us();
        if (now >= deadline)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)((deadline - now + 999) / 1000));
        if (r > 0)
            return 1;
        if (r == 0 || errno != EINTR)
            return 0;
    }
}

long sv_exchange(const struct pr_addr *dst, uint16_t port, int udp, const struct pr_addr *src,
                 const uint8_t *req, size_t reqlen, uint8_t *resp, size_t cap, unsigned timeout_ms,
                 sv_complete_fn complete)
{
    uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000;
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(dst, port, &ss);
    int fd =
        socket(dst->family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (src && src->family == dst->family) {
        struct sockaddr_storage s;
        socklen_t l = addr_to_sockaddr(src, 0, &s);
        (void)bind(fd, (struct sockaddr *)&s, l);
    }
    long got = -1;
    if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS)
        goto out;
    size_t sent = 0;
    while (sent < reqlen) {
        if (!sv_wait_fd(fd, POLLOUT, deadline))
            goto out;
        ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            goto out;
        if (n > 0)
            sent += (size_t)n;
    }
    size_t len = 0;
    while (len < cap && sv_wait_fd(fd, POLLIN, deadline)) {
        ssize_t n = recv(fd, resp + len, cap - len, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (udp || (complete && complete(resp, len)))
            break;
    }
    got = (long)len;
out:
    close(fd);
    return got;
}
