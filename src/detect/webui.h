/* webui.h — `detect --web ADDR:PORT`: the live page, served by libmicrohttpd.
 *
 * Endpoints (all GET or HEAD, read only): `/` the page (page.h), `/app.css`, `/app.js`,
 * `/api/snapshot` the latest snapshot (view.h) as JSON, `/api/events` the same pushed as
 * server-sent events (one `snapshot` event per new snapshot, a comment every 2 s when
 * nothing changes). Nothing else: no files are served. Every answer carries a
 * Content-Security-Policy without remote sources, nosniff, no-store, DENY framing; a Host
 * header that is not an address or "localhost" is refused (DNS rebinding). Connections
 * (16), request headers (16 KiB) and idle time (30 s) are bounded.
 *
 * Threads: the capture thread calls det_webui_update, which builds a snapshot when due
 * and publishes the finished string under a mutex; libmicrohttpd's threads (one per
 * connection) only copy the published string under that mutex, so they never touch the
 * engine's tables. The socket is bound before the privilege drop (det_webui_open), the
 * threads start after it (det_webui_start), under the seccomp allowlist. */
#ifndef PR_DETECT_WEBUI_H
#define PR_DETECT_WEBUI_H

#include "core/error.h"
#include "detect/view.h"

#include <stdint.h>
#include <stdio.h>

#define DET_WEBUI_MAX_CONN 16
#define DET_WEBUI_PERIOD_US 1000000u /* a new snapshot at most this often */

struct det_webui;

/* spec: "ADDR:PORT" or "[V6ADDR]:PORT". Binds and listens; a warning goes to log when
 * the address is not a loopback one (the page has no authentication). Returns 0, or -1
 * with e filled. */
int det_webui_open(const char *spec, FILE *log, struct det_webui **out, struct pr_error *e);
/* Starts serving (libmicrohttpd's threads). Returns 0, or -1 with e filled. */
int det_webui_start(struct det_webui *w, struct pr_error *e);
/* Capture thread: builds and publishes a snapshot when one is due (every
 * DET_WEBUI_PERIOD_US, less often when building takes long: at most 5 % of the time), or
 * now with force. at_us as det_view_snapshot's. */
void det_webui_update(struct det_webui *w, const struct det_view *v, const struct det_engine *d,
                      const struct assets *a, uint64_t at_us, int force);
/* Publishes json (taken over; freed by the webui). Any thread. */
void det_webui_publish(struct det_webui *w, char *json);
/* The address served ("127.0.0.1:8080"), for messages. */
const char *det_webui_name(const struct det_webui *w);
/* Ends the open event streams, stops the threads, closes the socket, frees w. */
void det_webui_close(struct det_webui *w);

#endif
