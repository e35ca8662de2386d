/* status.c — see status.h. */
#include "core/status.h"

#include "core/clock.h"
#include "core/keys.h"

#include <stdio.h>

#define KEYS_EVERY_US 50000u
#define LARGE_AFTER_US 1000000u

void status_init(struct status *s, const char *what, int verbose, int every_s)
{
    s->what = what;
    s->start_us = s->last_us = s->rate_us = now_us();
    s->keys_us = 0;
    s->period_us = (uint64_t)(every_s > 0 ? every_s : 2) * 1000000u;
    s->after_us = (verbose || every_s > 0) ? 0 : 3000000u;
    s->total = 0;
    s->last_done = 0;
    s->rate = 0;
    s->key = 0;
    keys_start();
}

static void hms(char *buf, size_t len, uint64_t secs)
{
    snprintf(buf, len, "%u:%02u:%02u", (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
             (unsigned)(secs % 60));
}

static int due_at(struct status *s, uint64_t now)
{
    if (now - s->keys_us >= KEYS_EVERY_US) {
        s->keys_us = now;
        while (keys_poll() >= 0) /* any key, as in nmap; several at once print one line */
            s->key = 1;
    }
    if (s->key)
        return 1;
    int large = s->total >= STATUS_LARGE;
    uint64_t after = large && s->after_us > LARGE_AFTER_US ? LARGE_AFTER_US : s->after_us;
    uint64_t gap = s->period_us;
    if (s->last_us == s->start_us && large && gap > LARGE_AFTER_US)
        gap = LARGE_AFTER_US; /* large work: the first line after a second */
    return now - s->last_us >= gap && now - s->start_us >= after;
}

int status_due(struct status *s)
{
    return due_at(s, now_us());
}

void status_tick(struct status *s, uint64_t done, uint64_t total, double pps)
{
    uint64_t now = now_us();
    s->total = total;
    if (!due_at(s, now))
        return;
    s->key = 0;
    double dt = (double)(now - s->rate_us) / 1e6;
    if (dt >= 0.05 && done >= s->last_done) { /* a key right after a line: keep the rate */
        double r = (double)(done - s->last_done) / dt;
        s->rate = s->rate > 0 ? 0.5 * s->rate + 0.5 * r : r;
        s->last_done = done;
        s->rate_us = now;
    }
    s->last_us = now;
    char el[32], eta[32] = "?";
    hms(el, sizeof el, (now - s->start_us) / 1000000u);
    if (s->rate > 0 && total >= done)
        hms(eta, sizeof eta, (uint64_t)((double)(total - done) / s->rate) + 1);
    fprintf(stderr, "Stats: %s elapsed; %s: %.1f%% done (%llu of %llu); %.0f pkt/s; ETA %s\n", el,
            s->what, total ? 100.0 * (double)done / (double)total : 100.0, (unsigned long long)done,
            (unsigned long long)total, pps, eta);
}
