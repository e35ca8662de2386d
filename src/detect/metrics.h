/* metrics.h — `--metrics ADDR:PORT`: the detector's counters in the Prometheus text format.
 *
 * A listening TCP socket opened before the privilege drop and served from the detector's
 * own loop (no thread): det_metrics_poll() accepts the waiting clients without blocking,
 * answers each with one HTTP/1.0 response and closes it. A client that does not send its
 * request within the poll is answered anyway; a slow reader gets what fits in the socket
 * buffer. At most DET_METRICS_PER_POLL clients per call, so scrapers cannot stall detection. */
#ifndef PR_DETECT_METRICS_H
#define PR_DETECT_METRICS_H

#include "core/error.h"
#include "detect/engine.h"

#define DET_METRICS_PER_POLL 4

struct det_metrics;

/* spec: "ADDR:PORT" or "[V6ADDR]:PORT". */
int det_metrics_open(const char *spec, struct det_metrics **out, struct pr_error *e);
/* Serves waiting scrapers with the engine's counters. */
void det_metrics_poll(struct det_metrics *m, const struct det_engine *d);
void det_metrics_close(struct det_metrics *m);

/* The Prometheus text for the counters (exposed for tests); returns its length. */
size_t det_metrics_format(const struct det_engine *d, char *buf, size_t len);

#endif
