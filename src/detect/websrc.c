/* websrc.c — see websrc.h. */
#include "detect/websrc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

struct det_websrc {
    int fd, follow, is_stdin, skipping, eof;
    char name[256];
    char path[4096];
    uint64_t lineno;
    off_t pos;
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
    struct det_websrc *s = pr_calloc(1, sizeof *s);
    s->parser = p;
    s->is_stdin = !strcmp(path, "-");
    s->follow = follow;
    snprintf(s->name, sizeof s->name, "%s", s->is_stdin ? "<stdin>" : path);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->fd = s->is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int err = errno;
        det_websrc_close(s);
        return pr_errf(e, "%s: %s", path, strerror(err));
    }
    s->buf = pr_calloc(1, CHUNK);
    s->line = pr_calloc(1, DET_HTTPLOG_MAX_LINE + 1);
    *out = s;
    return 0;
}

/* Follow mode at the end of the file: reopen it when it was replaced (rotation), rewind
 * when it was truncated. */
static void follow_check(struct det_websrc *s)
{
    struct stat a, b;
    if (s->is_stdin || fstat(s->fd, &a) != 0 || stat(s->path, &b) != 0)
        return;
    if (a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        int fd = open(s->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            close(s->fd);
            s->fd = fd;
            s->pos = 0;
        }
    } else if (b.st_size < s->pos) {
        lseek(s->fd, 0, SEEK_SET);
        s->pos = 0;
    }
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
        ssize_t n = read(s->fd, s->buf, CHUNK);
        if (n < 0 && errno == EINTR)
            return 0;
        if (n < 0)
            return pr_errf(e, "%s: read error after line %llu: %s", s->name,
                           (unsigned long long)s->lineno, strerror(errno));
        if (n == 0) {
            if (s->follow) {
                follow_check(s);
                return 0;
            }
            if (s->llen || s->skipping) { /* last line without a newline */
                int rc = handle_line(s, r, e);
                s->llen = 0;
                if (rc != 0)
                    return rc;
            }
            return 2;
        }
        s->pos += n;
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
    if (!s->is_stdin && s->fd >= 0)
        close(s->fd);
    det_httplog_free(s->parser);
    free(s->line);
    free(s->buf);
    free(s);
}
