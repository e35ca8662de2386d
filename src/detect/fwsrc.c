/* fwsrc.c — see fwsrc.h. */
#include "detect/fwsrc.h"

#include "detect/follow.h"
#include "detect/fwlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_MS 200
#define CLOCK_LAG_US (2ull * 1000000u)

struct det_fwsrc {
    struct det_lines *in;
    int follow;
    char name[256];
    uint64_t lineno;
    int year;
    uint64_t boot_us;
    uint64_t last_ts, last_read_mono; /* the last line's time, and when it was read */
    struct det_fwsrc_stats st;
};

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The boot time: "btime" of /proc/stat (whole seconds, the same on every run), else
 * the wall clock less the time since boot. */
static uint64_t boot_time_us(void)
{
    FILE *f = fopen("/proc/stat", "re");
    char l[256];
    unsigned long long bt = 0;
    while (f && fgets(l, sizeof l, f))
        if (sscanf(l, "btime %llu", &bt) == 1)
            break;
    if (f)
        fclose(f);
    if (bt)
        return (uint64_t)bt * 1000000u;
    return clock_us(CLOCK_REALTIME) - clock_us(CLOCK_BOOTTIME);
}

int det_fwsrc_open(const char *path, int follow, struct det_fwsrc **out, struct pr_error *e)
{
    *out = NULL;
    struct det_lines *in;
    if (det_lines_open(path, follow, WAIT_MS, DET_FWLOG_MAX_LINE, &in, e) < 0)
        return -1;
    struct det_fwsrc *s = pr_calloc(1, sizeof *s);
    s->in = in;
    s->follow = follow;
    snprintf(s->name, sizeof s->name, "%s", strcmp(path, "-") ? path : "<stdin>");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    s->year = tm.tm_year + 1900;
    s->boot_us = boot_time_us();
    *out = s;
    return 0;
}

static int handle_line(struct det_fwsrc *s, const struct det_line *l, struct det_event *ev,
                       struct pr_error *e)
{
    s->st.lines++;
    s->lineno++;
    if (l->too_long) {
        s->st.bad_lines++;
        pr_errf(e, "%s:%llu: line longer than %d bytes", s->name, (unsigned long long)s->lineno,
                DET_FWLOG_MAX_LINE);
        return 3;
    }
    struct det_fwlog_line fl;
    struct pr_error pe;
    int r = det_fwlog_parse(l->text, l->len, s->year, &fl, &pe);
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
    if (fl.partial) /* a later fragment or a packet cut short: no probe */
        return 0;
    *ev = fl.ev;
    if (fl.has_time == 2)
        ev->ts_us += s->boot_us;
    else if (fl.has_time == 0) /* no time on the line */
        ev->ts_us = s->follow ? clock_us(CLOCK_REALTIME) : s->last_ts;
    s->last_ts = ev->ts_us;
    if (s->follow)
        s->last_read_mono = clock_us(CLOCK_MONOTONIC);
    return 1;
}

int det_fwsrc_next(struct det_fwsrc *s, struct det_event *ev, struct pr_error *e)
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
        int r = handle_line(s, &l, ev, e);
        if (r != 0)
            return r;
    }
}

uint64_t det_fwsrc_clock(const struct det_fwsrc *s)
{
    if (!s->last_read_mono)
        return 0;
    uint64_t t = s->last_ts + (clock_us(CLOCK_MONOTONIC) - s->last_read_mono);
    return t > s->last_ts + CLOCK_LAG_US ? t - CLOCK_LAG_US : s->last_ts;
}

void det_fwsrc_stats(const struct det_fwsrc *s, struct det_fwsrc_stats *st)
{
    *st = s->st;
}

void det_fwsrc_close(struct det_fwsrc *s)
{
    if (!s)
        return;
    det_lines_close(s->in);
    free(s);
}
