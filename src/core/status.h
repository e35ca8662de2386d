/* status.h — the progress line on stderr for long work ("rate, percent done, ETA").
 *
 * The caller owns a `struct status` and calls status_tick() often; it prints at most
 * once per period, and only once the work has run longer than `after_us` (or always
 * with verbose), so short scans stay quiet. Large work (STATUS_LARGE units or more) gets
 * its first line one second after the process started (or at once, when later). A key pressed on
 * the terminal (core/keys.h; read from status_init() on, as nmap does) prints the line at once. */
#ifndef PR_CORE_STATUS_H
#define PR_CORE_STATUS_H

#include <stdint.h>

struct run_levels;

#define STATUS_LARGE 65536u /* work units (host-port pairs) that make a run large */

struct status {
    const char *what; /* "SYN scan" */
    uint64_t start_us, last_us, period_us, after_us;
    uint64_t keys_us;            /* when the terminal was last looked at */
    uint64_t total;              /* the total of the last status_tick() */
    uint64_t last_done, rate_us; /* done and time when the rate was last measured */
    double rate;                 /* smoothed work units per second */
    uint64_t age_us;             /* how long the process had run at status_init() */
    int key;                     /* a key was pressed: the next status_tick() prints */
    struct run_levels *levels;   /* v/V d/D p/P change these (keys_apply); NULL after
                                    status_init: every key prints the line */
};

void status_init(struct status *s, const char *what, int verbose, int every_s);
/* 1 when the next status_tick() would print: work that is costly to count can wait. Reads
 * the keys pressed since the last look (at most every 50 ms). */
int status_due(struct status *s);
/* done/total in work units; pps is the current packet rate for the line. */
void status_tick(struct status *s, uint64_t done, uint64_t total, double pps);

#endif
