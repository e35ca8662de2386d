/* follow.h — read a log file to its end and keep reading it as it grows, like `tail -F`.
 *
 * Follows a path by inode and read position: when the path names another file (rotation:
 * rename and a new file), the rest of the old file is read first, then the new one from
 * its start; when the file is truncated, or truncated and rewritten to the same or a
 * larger size between two polls (the bytes at the start and just before the read
 * position are compared with what was read there), it is read again from its start.
 * Each of these is reported (DET_FOLLOW_RESTART) so that the caller can end a partial
 * line. Without `follow` it is a plain reader that stops at the end. "-" is standard
 * input (waited on with poll; it cannot be rotated). Used by the firewall-log source
 * (fwsrc.c) and usable by any line reader; one thread; owned by the caller. A rewrite
 * that happens while a read is under way (not at the end of the file) can go unnoticed,
 * as with tail. */
#ifndef PR_DETECT_FOLLOW_H
#define PR_DETECT_FOLLOW_H

#include "core/error.h"

#include <stddef.h>
#include <sys/types.h>

#define DET_FOLLOW_IDLE (-2)    /* following: nothing new (after waiting up to wait_ms) */
#define DET_FOLLOW_RESTART (-3) /* the next bytes come from the start of a new file */

struct det_follow;

/* Opens path ("-": standard input). wait_ms: how long det_follow_read waits at the end
 * of a followed file before it reports DET_FOLLOW_IDLE. Returns 0, or -1 with e naming
 * the path and the system error. */
int det_follow_open(const char *path, int follow, unsigned wait_ms, struct det_follow **out,
                    struct pr_error *e);

/* Reads up to len bytes into buf. Returns the number read (> 0); 0 at the end of input
 * when not following; DET_FOLLOW_IDLE; DET_FOLLOW_RESTART; -1 with e filled on a read
 * error. A signal during the wait returns DET_FOLLOW_IDLE early. */
ssize_t det_follow_read(struct det_follow *f, void *buf, size_t len, struct pr_error *e);

/* How many times the file was rotated, truncated or rewritten. */
unsigned det_follow_restarts(const struct det_follow *f);

void det_follow_close(struct det_follow *f);

/* Lines of a followed file (the log readers: fwsrc.c, websrc.c): what det_follow_read
 * gives, split at newlines; a line longer than max bytes is handed out with too_long set
 * and no text; a last line without its newline (at the end, or before a restart) is
 * handed out too. */
struct det_lines;

struct det_line {
    const char *text; /* NUL-terminated, without the newline; valid until the next call */
    size_t len;
    int too_long;
};

/* Opens path as det_follow_open does; max: the longest line kept. Returns 0, or -1. */
int det_lines_open(const char *path, int follow, unsigned wait_ms, size_t max,
                   struct det_lines **out, struct pr_error *e);

/* Returns 1 with the next line in *out; 0 when following and nothing is new; 2 at the end
 * of input (not following); -1 with e filled on a read error. */
int det_lines_next(struct det_lines *l, struct det_line *out, struct pr_error *e);

void det_lines_close(struct det_lines *l);

#endif
