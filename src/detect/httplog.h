/* httplog.h — parse HTTP server and WAF logs into one request record.
 *
 * One parser per format, in a const table (httplog.c): `combined` (nginx's default and
 * Apache's), `common`, `vhost_combined` (Apache), `format` (a custom nginx log_format
 * given as text; the three above are this interpreter with fixed format strings),
 * `json` (one JSON object per line: nginx `escape=json` formats, Caddy/Traefik-like
 * keys), `modsec` (ModSecurity 2 serial audit log, multi-line parts A/B/F/H/Z) and
 * `modsec-json` (ModSecurity 2 `SecAuditLogFormat JSON` and ModSecurity 3 JSON). The
 * format is chosen by name or recognised from the first non-empty line.
 *
 * Used by websrc.c (file reader) and the unit and fuzz tests. Pure functions over a
 * line and a parser context; every field is length-checked; a line need not be
 * NUL-terminated. One thread per context. */
#ifndef PR_DETECT_HTTPLOG_H
#define PR_DETECT_HTTPLOG_H

#include "core/addr.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define DET_HTTPLOG_MAX_LINE 16384
#define DET_HTTP_PATH_MAX 256
#define DET_HTTP_UA_MAX 160

/* One completed request as the log tells it. */
struct det_http_req {
    uint64_t ts_us; /* microseconds since the epoch; 0 when the line had no time */
    struct pr_addr src;
    char method[16];              /* "" when the request line had no method */
    char path[DET_HTTP_PATH_MAX]; /* request target, truncated */
    char proto[16];               /* "HTTP/1.1", "" when absent */
    char ua[DET_HTTP_UA_MAX];     /* User-Agent, "" or "-" when absent */
    uint16_t status;              /* 0 when unknown */
    uint8_t bad_request;          /* the request line was not METHOD TARGET [PROTO] */
    uint16_t waf_rules;           /* ModSecurity messages (rules that matched) */
};

struct det_httplog;

/* Creates a parser. `format` is a format name (see above), "auto" or NULL (recognise
 * from the first line), and `custom` the nginx log_format text for "format" (NULL
 * otherwise; giving `custom` with "auto" selects "format"). Returns 0, or -1 with e
 * naming the bad name or the column of the bad format text. */
int det_httplog_new(const char *format, const char *custom, struct det_httplog **out,
                    struct pr_error *e);
void det_httplog_free(struct det_httplog *p);

/* Feeds one line (without its newline). Returns 1 with *out filled when a request
 * record is complete (for multi-line formats on the line that ends it), 0 for a line
 * that carries no record (blank, part of a multi-line record, another part of an audit
 * log), or -1 with e->msg saying what is wrong "at column N" (the line is skipped). */
int det_httplog_feed(struct det_httplog *p, const char *line, size_t len, struct det_http_req *out,
                     struct pr_error *e);

/* The name of the format in use ("auto" until the first record line was recognised). */
const char *det_httplog_format(const struct det_httplog *p);

/* Parses a log time: CLF "03/Dec/2026:10:00:00 +0000" (fractions allowed), ISO 8601
 * "2026-12-03T10:00:00+00:00" / "...Z" (fractions allowed), ctime "Thu Dec  3 10:00:00
 * 2026" (UTC) or seconds since the epoch ("1764756000.123"). Returns 0 or -1. */
int det_http_time(const char *s, size_t len, uint64_t *ts_us);

#endif
