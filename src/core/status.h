/* status.h — the progress line on stderr for long work ("rate, percent done, ETA").
 *
 * The caller owns a `struct status` and calls status_tick() often; it prints at most
 * once per period, and only once the work has run longer than `after_us` (or always
 * with verbose), so short scans stay quiet. */
#ifndef PR_CORE_STATUS_H
#define PR_CORE_STATUS_H

#include <stdint.h>

struct status {
    const char *what; /* "SYN scan" */
    uint64_t start_us, last_us, period_us, after_us;
    uint64_t last_done;
    double rate; /* smoothed work units per second */
};

void status_init(struct status *s, const char *what, int verbose, int every_s);
/* 1 when the next status_tick() would print: work that is costly to count can wait. */
int status_due(const struct status *s);
/* done/total in work units; pps is the current packet rate for the line. */
void status_tick(struct status *s, uint64_t done, uint64_t total, double pps);

#endif
