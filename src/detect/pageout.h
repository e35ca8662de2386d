/* pageout.h — the page outputs of one `detect` run: `--web ADDR:PORT` (webui.h) and
 * `--report FILE.html` (page.h), both showing the picture of view.h.
 *
 * Used by detect/run.c on the capture thread: opened before the privilege drop (the
 * socket, the report file; the view's sink is added to the engine), started after it,
 * ticked from the capture loop, finished at the end of the input (final snapshot, report
 * written; with --web on a file the page stays up until SIGINT/SIGTERM). */
#ifndef PR_DETECT_PAGEOUT_H
#define PR_DETECT_PAGEOUT_H

#include "detect/assets.h"
#include "detect/engine.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

struct det_pageout_config {
    const char *web;        /* --web ADDR:PORT, or NULL */
    const char *report;     /* --report FILE, or NULL */
    const char *source;     /* what is watched, shown on the page */
    int live;               /* -i or -F */
    uint32_t block_seconds; /* --block-time when --block is on, else 0 */
};

struct det_pageout;

/* *out is NULL when neither --web nor --report is given. Returns 0, or -1 with e
 * filled. */
int det_pageout_open(const struct det_pageout_config *c, struct det_engine *d,
                     struct det_pageout **out, struct pr_error *e);
/* Starts the server (after the privilege drop); errors go to log. p may be NULL. */
int det_pageout_start(struct det_pageout *p, FILE *log);
/* A new snapshot for the page when one is due. now_us: the wall clock live, 0 for a
 * file (the latest event's time is shown). p may be NULL. */
void det_pageout_tick(struct det_pageout *p, const struct det_engine *d, const struct assets *a,
                      uint64_t now_us);
/* End of the input: the final snapshot published and written to --report (errors go to
 * log, -1). With --web and !live, serves until *stop is set. p may be NULL. */
int det_pageout_finish(struct det_pageout *p, const struct det_engine *d, const struct assets *a,
                       uint64_t now_us, volatile sig_atomic_t *stop, FILE *log);
void det_pageout_close(struct det_pageout *p);

#endif
