/* follow.c — see follow.h. */
#include "detect/follow.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SAMPLE 64 /* bytes compared at the start of the file and before the read position */

struct det_follow {
    int fd, follow, is_stdin;
    int at_eof;   /* the last read found the end: check the file before reading on */
    int draining; /* the path names a new file: finish the old one first */
    unsigned wait_ms, restarts;
    char path[4096];
    dev_t dev;
    ino_t ino;
    off_t pos; /* bytes read from the current file */
    unsigned char head[SAMPLE], tail[SAMPLE];
    size_t nhead, ntail;
};

static void remember(struct det_follow *f, const unsigned char *b, size_t n)
{
    if (f->pos < SAMPLE) {
        size_t k = SAMPLE - (size_t)f->pos < n ? SAMPLE - (size_t)f->pos : n;
        memcpy(f->head + f->nhead, b, k);
        f->nhead += k;
    }
    if (n >= SAMPLE) {
        memcpy(f->tail, b + n - SAMPLE, SAMPLE);
        f->ntail = SAMPLE;
    } else {
        size_t keep = f->ntail + n > SAMPLE ? SAMPLE - n : f->ntail;
        memmove(f->tail, f->tail + f->ntail - keep, keep);
        memcpy(f->tail + keep, b, n);
        f->ntail = keep + n;
    }
    f->pos += (off_t)n;
}

static void restart_at(struct det_follow *f, int fd)
{
    struct stat st;
    if (fd != f->fd) {
        close(f->fd);
        f->fd = fd;
    } else {
        lseek(fd, 0, SEEK_SET);
    }
    if (fstat(fd, &st) == 0) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    }
    f->pos = 0;
    f->nhead = f->ntail = 0;
    f->at_eof = f->draining = 0;
    f->restarts++;
}

/* Bytes at off in the open file equal b[0..n)? */
static int same_bytes(int fd, off_t off, const unsigned char *b, size_t n)
{
    unsigned char tmp[SAMPLE];
    if (!n)
        return 1;
    return pread(fd, tmp, n, off) == (ssize_t)n && !memcmp(tmp, b, n);
}

/* At the end of a followed file: has it been rotated (1) or truncated/rewritten (2)? */
static int file_changed(struct det_follow *f)
{
    struct stat st;
    if (stat(f->path, &st) == 0 && (st.st_dev != f->dev || st.st_ino != f->ino))
        return 1;
    if (fstat(f->fd, &st) < 0)
        return 0;
    if (st.st_size < f->pos)
        return 2;
    if (!same_bytes(f->fd, 0, f->head, f->nhead) ||
        !same_bytes(f->fd, f->pos - (off_t)f->ntail, f->tail, f->ntail))
        return 2;
    return 0;
}

int det_follow_open(const char *path, int follow, unsigned wait_ms, struct det_follow **out,
                    struct pr_error *e)
{
    *out = NULL;
    int is_stdin = !strcmp(path, "-");
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pr_errf(e, "%s: %s", path, strerror(errno));
    struct det_follow *f = pr_calloc(1, sizeof *f);
    f->fd = fd;
    f->is_stdin = is_stdin;
    f->follow = follow;
    f->wait_ms = wait_ms;
    snprintf(f->path, sizeof f->path, "%s", path);
    struct stat st;
    if (fstat(fd, &st) == 0) {
        f->dev = st.st_dev;
        f->ino = st.st_ino;
    }
    *out = f;
    return 0;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

ssize_t det_follow_read(struct det_follow *f, void *buf, size_t len, struct pr_error *e)
{
    if (f->is_stdin && f->follow) {
        struct pollfd pfd = {.fd = f->fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)f->wait_ms) <= 0)
            return DET_FOLLOW_IDLE;
    }
    if (f->follow && !f->is_stdin && f->at_eof && !f->draining) {
        int c = file_changed(f);
        if (c == 1) {
            f->draining = 1;
        } else if (c == 2) {
            restart_at(f, f->fd);
            return DET_FOLLOW_RESTART;
        }
    }
    ssize_t n = read(f->fd, buf, len);
    if (n < 0) {
        if (errno == EINTR)
            return DET_FOLLOW_IDLE; /* let the caller look at its stop flag */
        return pr_errf(e, "%s: read error at byte %lld: %s", f->is_stdin ? "<stdin>" : f->path,
                       (long long)f->pos, strerror(errno));
    }
    if (n > 0) {
        remember(f, buf, (size_t)n);
        f->at_eof = 0;
        return n;
    }
    if (!f->follow || f->is_stdin) /* a pipe at its end has ended */
        return 0;
    if (f->draining) {
        int fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            restart_at(f, fd);
            return DET_FOLLOW_RESTART;
        }
        /* not created yet (or not readable): keep the old file and try again */
    }
    f->at_eof = 1;
    pause_ms(f->wait_ms);
    return DET_FOLLOW_IDLE;
}

unsigned det_follow_restarts(const struct det_follow *f)
{
    return f->restarts;
}

void det_follow_close(struct det_follow *f)
{
    if (!f)
        return;
    if (!f->is_stdin && f->fd >= 0)
        close(f->fd);
    free(f);
}

/* ---- lines ---- */

#define LINES_CHUNK 65536

struct det_lines {
    struct det_follow *in;
    char *buf; /* LINES_CHUNK */
    size_t have, start;
    char *line; /* max + 1 */
    size_t llen, max;
    int skipping; /* the line under way is longer than max: its text is dropped */
};

int det_lines_open(const char *path, int follow, unsigned wait_ms, size_t max,
                   struct det_lines **out, struct pr_error *e)
{
    *out = NULL;
    struct det_follow *in;
    if (det_follow_open(path, follow, wait_ms, &in, e) < 0)
        return -1;
    struct det_lines *l = pr_calloc(1, sizeof *l);
    l->in = in;
    l->max = max;
    l->buf = pr_calloc(1, LINES_CHUNK);
    l->line = pr_calloc(1, max + 1);
    *out = l;
    return 0;
}

/* Hands out the line collected so far (there is one when llen or skipping is set). */
static int give_line(struct det_lines *l, struct det_line *out)
{
    l->line[l->llen] = '\0';
    out->text = l->line;
    out->len = l->llen;
    out->too_long = l->skipping;
    l->llen = 0;
    l->skipping = 0;
    return 1;
}

int det_lines_next(struct det_lines *l, struct det_line *out, struct pr_error *e)
{
    for (;;) {
        while (l->start < l->have) {
            char *p = l->buf + l->start;
            size_t n = l->have - l->start;
            char *nl = memchr(p, '\n', n);
            size_t take = nl ? (size_t)(nl - p) : n;
            if (!l->skipping) {
                if (l->llen + take > l->max) {
                    l->skipping = 1;
                    l->llen = 0;
                } else {
                    memcpy(l->line + l->llen, p, take);
                    l->llen += take;
                }
            }
            l->start += take + (nl ? 1 : 0);
            if (nl)
                return give_line(l, out);
        }
        ssize_t n = det_follow_read(l->in, l->buf, LINES_CHUNK, e);
        if (n == DET_FOLLOW_IDLE)
            return 0;
        if (n == DET_FOLLOW_RESTART || n == 0) { /* the last line had no newline */
            if (l->llen || l->skipping)
                return give_line(l, out);
            if (n == 0)
                return 2;
            continue;
        }
        if (n < 0)
            return -1;
        l->have = (size_t)n;
        l->start = 0;
    }
}

void det_lines_close(struct det_lines *l)
{
    if (!l)
        return;
    det_follow_close(l->in);
    free(l->line);
    free(l->buf);
    free(l);
}
