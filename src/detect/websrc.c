/* websrc.c — see websrc.h. */
#include "detect/websrc.h"

#include "core/clock.h"
#include "detect/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct det_websrc {
    struct det_lines *in;
    char name[256];
    uint64_t lineno;
    struct det_httplog *parser;
    struct det_websrc_stats st;
};

int det_websrc_open(const char *path, int follow, const char *format, const char *custom,
                    struct det_websrc **out, struct pr_error *e)
{
    *out = NULL;
    struct det_httplog *p;
    if (det_httplog_new(format, custom, &p, e) < 0)
        return -1;
    struct det_lines *in;
    /* no wait at the end: det_run sleeps once when every input is idle */
    if (det_lines_open(path, follow, 0, DET_HTTPLOG_MAX_LINE, &in, e) < 0) {
        det_httplog_free(p);
        return -1;
    }
    struct det_websrc *s = pr_calloc(1, sizeof *s);
    s->parser = p;
    s->in = in;
    snprintf(s->name, sizeof s->name, "%s", strcmp(path, "-") ? path : "<stdin>");
    *out = s;
    return 0;
}

static int handle_line(struct det_websrc *s, const struct det_line *l, struct det_http_req *r,
                       struct pr_error *e)
{
    s->st.lines++;
    s->lineno++;
    if (l->too_long) {
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: line longer than %d bytes, at column %d", s->name,
                (unsigned long long)s->lineno, DET_HTTPLOG_MAX_LINE, DET_HTTPLOG_MAX_LINE + 1);
        return 3;
    }
    struct pr_error pe = {""};
    int rc = det_httplog_feed(s->parser, l->text, l->len, r, &pe);
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
        struct det_line l;
        int n = det_lines_next(s->in, &l, e);
        if (n < 0) {
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e->msg);
            return pr_errf(e, "%s after line %llu", msg, (unsigned long long)s->lineno);
        }
        if (n != 1)
            return n; /* 0 idle, 2 the end */
        int rc = handle_line(s, &l, r, e);
        if (rc != 0)
            return rc;
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
    det_lines_close(s->in);
    det_httplog_free(s->parser);
    free(s);
}
