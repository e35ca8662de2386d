/* status.c — see status.h. */
#include "core/status.h"

#include "core/clock.h"

#include <stdio.h>

void status_init(struct status *s, const char *what, int verbose, int every_s)
{
    s->what = what;
    s->start_us = s->last_us = now_us();
    s->period_us = (uint64_t)(every_s > 0 ? every_s : 2) * 1000000u;
    s->after_us = (verbose || every_s > 0) ? 0 : 3000000u;
    s->last_done = 0;
    s->rate = 0;
}

static void hms(char *buf, size_t len, uint64_t secs)
{
    snprintf(buf, len, "%u:%02u:%02u", (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
             (unsigned)(secs % 60));
}

static int due_at(const struct status *s, uint64_t now)
{
    return now - s->last_us >= s->period_us && now - s->start_us >= s->after_us;
}

int status_due(const struct status *s)
{
    return due_at(s, now_us());
}

void status_tick(struct status *s, uint64_t done, uint64_t total, double pps)
{
    uint64_t now = now_us();
    if (!due_at(s, now))
        return;
    double dt = (double)(now - s->last_us) / 1e6;
    double r = (double)(done - s->last_done) / dt;
    s->rate = s->rate > 0 ? 0.5 * s->rate + 0.5 * r : r;
    s->last_us = now;
    s->last_done = done;
    char el[32], eta[32] = "?";
    hms(el, sizeof el, (now - s->start_us) / 1000000u);
    if (s->rate > 0 && total >= done)
        hms(eta, sizeof eta, (uint64_t)((double)(total - done) / s->rate) + 1);
    fprintf(stderr, "Stats: %s elapsed; %s: %.1f%% done (%llu of %llu); %.0f pkt/s; ETA %s\n", el,
            s->what, total ? 100.0 * (double)done / (double)total : 100.0, (unsigned long long)done,
            (unsigned long long)total, pps, eta);
}
