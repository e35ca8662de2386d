/* websrc.c — see websrc.h. */
#include "detect/websrc.h"

#include "detect/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK 65536

struct det_websrc {
    struct det_follow *in;
    int skipping;
    char name[256];
    uint64_t lineno;
    struct det_httplog *parser;
    char *buf;
    size_t have, start;
    char *line; /* DET_HTTPLOG_MAX_LINE */
    size_t llen;
    struct det_websrc_stats st;
};

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int det_websrc_open(const char *path, int follow, const char *format, const char *custom,
                    struct det_websrc **out, struct pr_error *e)
{
    *out = NULL;
    struct det_httplog *p;
    if (det_httplog_new(format, custom, &p, e) < 0)
        return -1;
    struct det_follow *in;
    /* no wait at the end: det_run sleeps once when every input is idle */
    if (det_follow_open(path, follow, 0, &in, e) < 0) {
        det_httplog_free(p);
        return -1;
    }
    struct det_websrc *s = pr_calloc(1, sizeof *s);
    s->parser = p;
    s->in = in;
    snprintf(s->name, sizeof s->name, "%s", strcmp(path, "-") ? path : "<stdin>");
    s->buf = pr_calloc(1, CHUNK);
    s->line = pr_calloc(1, DET_HTTPLOG_MAX_LINE + 1);
    *out = s;
    return 0;
}

static int handle_line(struct det_websrc *s, struct det_http_req *r, struct pr_error *e)
{
    s->st.lines++;
    s->lineno++;
    if (s->skipping) {
        s->skipping = 0;
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: line longer than %d bytes, at column %d", s->name,
                (unsigned long long)s->lineno, DET_HTTPLOG_MAX_LINE, DET_HTTPLOG_MAX_LINE + 1);
        return 3;
    }
    struct pr_error pe = {""};
    int rc = det_httplog_feed(s->parser, s->line, s->llen, r, &pe);
    if (rc < 0) {
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: %s", s->name, (unsigned long long)s->lineno, pe.msg);
        return 3;
    }
    if (rc == 0) {
        s->st.other_lines++;
        return 0;
    }
    s->st.requests++;
    if (!r->ts_us)
        r->ts_us = wall_us();
    return 1;
}

int det_websrc_next(struct det_websrc *s, struct det_http_req *r, struct pr_error *e)
{
    for (;;) {
        while (s->start < s->have) {
            char *p = s->buf + s->start;
            size_t n = s->have - s->start;
            char *nl = memchr(p, '\n', n);
            size_t take = nl ? (size_t)(nl - p) : n;
            if (!s->skipping) {
                if (s->llen + take > DET_HTTPLOG_MAX_LINE) {
                    s->skipping = 1;
                    s->llen = 0;
                } else {
                    memcpy(s->line + s->llen, p, take);
                    s->llen += take;
                }
            }
            s->start += take + (nl ? 1 : 0);
            if (nl) {
                int rc = handle_line(s, r, e);
                s->llen = 0;
                if (rc != 0)
                    return rc;
            }
        }
        ssize_t n = det_follow_read(s->in, s->buf, CHUNK, e);
        if (n == DET_FOLLOW_IDLE)
            return 0;
        if (n == DET_FOLLOW_RESTART || n == 0) { /* a last line without its newline */
            if (s->llen || s->skipping) {
                int rc = handle_line(s, r, e);
                s->llen = 0;
                if (rc != 0)
                    return rc;
            }
            if (n == 0)
                return 2;
            continue;
        }
        if (n < 0) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            return pr_errf(e, "%s after line %llu", msg, (unsigned long long)s->lineno);
        }
        s->have = (size_t)n;
        s->start = 0;
    }
}

const char *det_websrc_name(const struct det_websrc *s)
{
    return s->name;
}

const char *det_websrc_format(const struct det_websrc *s)
{
    return det_httplog_format(s->parser);
}

void det_websrc_stats(const struct det_websrc *s, struct det_websrc_stats *st)
{
    *st = s->st;
}

void det_websrc_close(struct det_websrc *s)
{
    if (!s)
        return;
    det_follow_close(s->in);
    det_httplog_free(s->parser);
    free(s->line);
    free(s->buf);
    free(s);
}
