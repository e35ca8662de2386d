/* fwsrc.c — see fwsrc.h. */
#include "detect/fwsrc.h"

#include "detect/fwlog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536

struct det_fwsrc {
    int fd, follow, is_stdin, skipping;
    char name[256];
    char path[4096];
    uint64_t lineno;
    int year;
    uint64_t boot_us;
    off_t pos;
    char *buf; /* CHUNK + line space */
    size_t have, start;
    char line[DET_FWLOG_MAX_LINE + 1];
    size_t llen;
    struct det_fwsrc_stats st;
};

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int det_fwsrc_open(const char *path, int follow, struct det_fwsrc **out, struct pr_error *e)
{
    *out = NULL;
    struct det_fwsrc *s = pr_calloc(1, sizeof *s);
    s->is_stdin = !strcmp(path, "-");
    s->follow = follow;
    snprintf(s->name, sizeof s->name, "%s", s->is_stdin ? "<stdin>" : path);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->fd = s->is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int err = errno;
        free(s);
        return pr_errf(e, "%s: %s", path, strerror(err));
    }
    s->buf = pr_calloc(1, CHUNK);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    s->year = tm.tm_year + 1900;
    struct timespec bt;
    clock_gettime(CLOCK_BOOTTIME, &bt);
    uint64_t up = (uint64_t)bt.tv_sec * 1000000u + (uint64_t)bt.tv_nsec / 1000u;
    s->boot_us = wall_us() - up;
    *out = s;
    return 0;
}

/* Refills buf; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t refill(struct det_fwsrc *s)
{
    for (;;) {
        ssize_t n = read(s->fd, s->buf, CHUNK);
        if (n < 0 && errno == EINTR)
            return -2; /* let the caller look at its stop flag */
        if (n > 0)
            s->pos += n;
        return n;
    }
}

/* Follow mode at EOF: wait a little; reopen if the file was truncated or replaced. */
static void follow_wait(struct det_fwsrc *s)
{
    if (s->is_stdin) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        poll(&pfd, 1, 200);
        return;
    }
    struct timespec ts = {0, 200 * 1000000};
    nanosleep(&ts, NULL);
    struct stat a, b;
    if (fstat(s->fd, &a) == 0 && stat(s->path, &b) == 0) {
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
}

static int handle_line(struct det_fwsrc *s, struct det_event *ev, struct pr_error *e)
{
    s->st.lines++;
    s->lineno++;
    if (s->skipping) {
        s->skipping = 0;
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: line longer than %d bytes", s->name, (unsigned long long)s->lineno,
                DET_FWLOG_MAX_LINE);
        return 3;
    }
    struct det_fwlog_line fl;
    struct pr_error pe;
    int r = det_fwlog_parse(s->line, s->llen, s->year, &fl, &pe);
    if (r < 0) {
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: %s", s->name, (unsigned long long)s->lineno, pe.msg);
        return 3;
    }
    if (r == 0) {
        s->st.other_lines++;
        return 0;
    }
    s->st.log_lines++;
    *ev = fl.ev;
    if (fl.has_time == 2)
        ev->ts_us += s->boot_us;
    else if (fl.has_time == 0)
        ev->ts_us = wall_us();
    return 1;
}

int det_fwsrc_next(struct det_fwsrc *s, struct det_event *ev, struct pr_error *e)
{
    for (;;) {
        while (s->start < s->have) {
            char *p = s->buf + s->start;
            size_t n = s->have - s->start;
            char *nl = memchr(p, '\n', n);
            size_t take = nl ? (size_t)(nl - p) : n;
            if (!s->skipping) {
                if (s->llen + take > DET_FWLOG_MAX_LINE) {
                    s->skipping = 1;
                    s->llen = 0;
                } else {
                    memcpy(s->line + s->llen, p, take);
                    s->llen += take;
                }
            }
            s->start += take + (nl ? 1 : 0);
            if (nl) {
                int r = handle_line(s, ev, e);
                s->llen = 0;
                if (r != 0)
                    return r;
            }
        }
        ssize_t n = refill(s);
        if (n == -2)
            return 0;
        if (n < 0)
            return pr_errf(e, "%s: read error after line %llu: %s", s->name,
                           (unsigned long long)s->lineno, strerror(errno));
        if (n == 0) {
            if (s->follow) {
                follow_wait(s);
                return 0;
            }
            if (s->llen || s->skipping) { /* last line without a newline */
                int r = handle_line(s, ev, e);
                s->llen = 0;
                if (r != 0)
                    return r;
            }
            return 2;
        }
        s->have = (size_t)n;
        s->start = 0;
    }
}

void det_fwsrc_stats(const struct det_fwsrc *s, struct det_fwsrc_stats *st)
{
    *st = s->st;
}

void det_fwsrc_close(struct det_fwsrc *s)
{
    if (!s)
        return;
    if (!s->is_stdin && s->fd >= 0)
        close(s->fd);
    free(s->buf);
    free(s);
}
