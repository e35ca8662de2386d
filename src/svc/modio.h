/* modio.h — one bounded request/response exchange for the native version modules.
 *
 * A module sends one request to a TCP or UDP service and reads the answer until its own
 * completeness test is satisfied, the peer closes, the buffer is full or the time runs
 * out; nothing blocks longer than timeout_ms in all. */
#ifndef PR_SVC_MODIO_H
#define PR_SVC_MODIO_H

#include "core/addr.h"

#include <stddef.h>
#include <stdint.h>

/* Returns 1 when buf[0..len) holds a whole answer, 0 to read on. */
typedef int (*sv_complete_fn)(const uint8_t *buf, size_t len);

/* Connects (udp: 0 TCP, 1 UDP) to dst:port from src (family 0: the kernel's choice), sends
 * req[0..reqlen), then reads into resp[0..cap). For UDP the first datagram is the answer.
 * Returns the bytes read (0 when nothing came) or -1 when the exchange could not be set
 * up (socket, connect or send failed). */
long sv_exchange(const struct pr_addr *dst, uint16_t port, int udp, const struct pr_addr *src,
                 const uint8_t *req, size_t reqlen, uint8_t *resp, size_t cap, unsigned timeout_ms,
                 sv_complete_fn complete);

/* Waits (poll, EINTR retried) for fd to be ready for events until deadline, a now_us()
 * stamp. Returns 1 ready, 0 not (deadline passed or poll failed). */
int sv_wait_fd(int fd, short events, uint64_t deadline);

#endif
