/* websrc.h — an HTTP server or WAF log as an input of `detect --http-log`.
 *
 * Reads a file or stdin in bounded chunks (a line longer than DET_HTTPLOG_MAX_LINE is
 * skipped and counted, never buffered), parses each line with httplog.h and hands out
 * one request record at a time. Requests without a time on their line get the wall
 * clock. With `follow` it keeps reading as the file grows, through rotations and
 * truncations (follow.h). Owned by the caller; one thread. */
#ifndef PR_DETECT_WEBSRC_H
#define PR_DETECT_WEBSRC_H

#include "core/error.h"
#include "detect/httplog.h"

#include <stdint.h>

struct det_websrc;

struct det_websrc_stats {
    uint64_t lines, requests, bad_lines, other_lines;
};

/* path "-" is standard input; format and custom as det_httplog_new. */
int det_websrc_open(const char *path, int follow, const char *format, const char *custom,
                    struct det_websrc **out, struct pr_error *e);

/* Next request: 1 with *r filled; 0 when following and nothing new is there (it does
 * not wait: the caller sleeps when every input is idle); 2 at the end of input; 3 for a
 * malformed line (e says "FILE:LINE: what, at column N"; skipped and counted); -1 on a
 * read error. */
int det_websrc_next(struct det_websrc *s, struct det_http_req *r, struct pr_error *e);

/* The log's name as given ("<stdin>" for "-") and the format in use. */
const char *det_websrc_name(const struct det_websrc *s);
const char *det_websrc_format(const struct det_websrc *s);
void det_websrc_stats(const struct det_websrc *s, struct det_websrc_stats *st);
void det_websrc_close(struct det_websrc *s);

#endif
