/* fwsrc.h — firewall-log source: reads kernel LOG lines from a file or stdin.
 *
 * Reads in bounded chunks through follow.h (a line longer than DET_FWLOG_MAX_LINE is
 * an error for that line, never a large allocation), parses each line with fwlog.h,
 * and gives each event the time written on its line, in microseconds since the epoch
 * (dmesg's seconds since boot are moved by the boot time of /proc/stat). A line
 * without a time takes the time of the line before it (the epoch when there is none),
 * so that a file gives the same events on every run; under `follow` (-F) it takes the
 * time it was read. With `follow` it waits at the end of the file for more, like
 * tail -F (rotation, truncation and rewrites are followed, see follow.h). Owned by
 * the caller; one thread. */
#ifndef PR_DETECT_FWSRC_H
#define PR_DETECT_FWSRC_H

#include "core/error.h"
#include "detect/event.h"

#include <stdint.h>

struct det_fwsrc;

struct det_fwsrc_stats {
    uint64_t lines, log_lines, bad_lines, other_lines;
};

/* path "-" is standard input. */
int det_fwsrc_open(const char *path, int follow, struct det_fwsrc **out, struct pr_error *e);

/* Next event: 1 with *ev filled; 0 when following and nothing new arrived within
 * ~200 ms; 2 at the end of input; 3 for a malformed line (e says "FILE:LINE: what",
 * the line is skipped and counted); -1 on a read error. LOG lines of later fragments
 * and of packets cut short are counted as LOG lines but give no event. */
int det_fwsrc_next(struct det_fwsrc *s, struct det_event *ev, struct pr_error *e);

/* Following: the log's time now, estimated from the time of the last line and the time
 * elapsed since it was read, less 2 s for lines written late or stamped to the second;
 * never before the last line's time. 0 before the first line with a time. The detector
 * is ticked with it while the log is quiet, so that scans end on the log's own clock. */
uint64_t det_fwsrc_clock(const struct det_fwsrc *s);

void det_fwsrc_stats(const struct det_fwsrc *s, struct det_fwsrc_stats *st);
void det_fwsrc_close(struct det_fwsrc *s);

#endif
