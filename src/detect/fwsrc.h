/* fwsrc.h — firewall-log source: reads kernel LOG lines from a file or stdin.
 *
 * Reads in bounded chunks (a line longer than DET_FWLOG_MAX_LINE is an error for
 * that line, never a large allocation), parses each line with fwlog.h, and turns
 * times into microseconds since the epoch (dmesg's seconds-since-boot are moved by
 * the boot time; lines without a time get the wall clock). With `follow` it waits
 * at the end of the file for more (like tail -F, reopening a file that was
 * truncated). Owned by the caller; one thread. */
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
 * the line is skipped and counted); -1 on a read error. */
int det_fwsrc_next(struct det_fwsrc *s, struct det_event *ev, struct pr_error *e);

void det_fwsrc_stats(const struct det_fwsrc *s, struct det_fwsrc_stats *st);
void det_fwsrc_close(struct det_fwsrc *s);

#endif
