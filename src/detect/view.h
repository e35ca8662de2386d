/* view.h — the picture `detect --web` and `--report` show (docs/detect.md, "The page"):
 * the home hosts of the inventory (assets.h), the latest state of every scan, sweep or
 * other alert (generic: whatever det_alert_json writes), the recent alerts, the sources
 * the responder blocked, and the counters, as one JSON snapshot.
 *
 * Owned by the capture thread: alerts arrive through a sink (det_view_sink) and the
 * snapshot is built on that thread too (det_view_snapshot); other threads only ever see
 * the finished string (webui.h publishes it). All tables are bounded: the oldest entry
 * makes room. */
#ifndef PR_DETECT_VIEW_H
#define PR_DETECT_VIEW_H

#include "detect/alert.h"
#include "detect/assets.h"
#include "detect/engine.h"

#include <stdint.h>

#define DET_VIEW_MAX_ALERTS 200 /* recent alert lines kept (default) */
#define DET_VIEW_MAX_SCANS 256  /* scans whose latest state is kept */
#define DET_VIEW_MAX_BLOCKS 256 /* blocked sources kept */
#define DET_VIEW_MAX_HOSTS 1000 /* hosts in one snapshot (default; more are counted) */

struct det_view_config {
    const char *source;     /* the interface or file shown on the page */
    int live;               /* -i or -F: times are the wall clock's */
    unsigned max_alerts;    /* 0: DET_VIEW_MAX_ALERTS */
    unsigned max_hosts;     /* 0: DET_VIEW_MAX_HOSTS */
    uint32_t block_seconds; /* --block-time, for a block's `until` (0: not shown) */
};

struct det_view;

struct det_view *det_view_new(const struct det_view_config *c);
void det_view_free(struct det_view *v);
/* Records one alert: its JSON in the ring of recent alerts, as the latest state of its
 * scan (event and scan_id), and as a block when its action is blocked or would_block. */
void det_view_alert(struct det_view *v, const struct det_alert *a);
/* A sink (alert.h) that feeds det_view_alert; closing it leaves the view alone. */
void det_view_sink(struct det_view *v, struct det_sink *out);

/* The snapshot as compact JSON (caller frees; NULL when out of memory): engine counters
 * (engine may be NULL), the inventory (assets may be NULL: no hosts), scans with
 * `active` (their latest phase is not "end"), alerts oldest first, blocks. now_us is the
 * snapshot's time: the wall clock live, the latest event's time for a file. */
char *det_view_snapshot(const struct det_view *v, const struct det_engine *engine,
                        const struct assets *assets, uint64_t now_us);

#endif
