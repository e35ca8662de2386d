/* status.c — see status.h. */
#include "core/status.h"

#include "core/clock.h"
#include "core/keys.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEYS_EVERY_US 50000u
#define LARGE_AFTER_US 1000000u

/* How long this process has run, from /proc/self/stat (start time in clock ticks since
 * boot) and CLOCK_BOOTTIME; 0 when it cannot be read. */
static uint64_t process_age_us(void)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    unsigned long long start = 0;
    /* after ") " come fields 3..: state, then 18 numbers, then field 22, the start time */
    if (!p || sscanf(p + 2,
                     "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
                     "%*s %*s %*s %llu",
                     &start) != 1)
        return 0;
    long hz = sysconf(_SC_CLK_TCK);
    struct timespec ts;
    if (hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
        return 0;
    uint64_t now = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    uint64_t began = start * 1000000u / (uint64_t)hz;
    return now > began ? now - began : 0;
}

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
    s->levels = NULL;
    s->age_us = process_age_us();
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
        for (int k; (k = keys_poll()) >= 0;) /* as nmap: level keys, else any key prints */
            if (!keys_apply(s->levels, k))
                s->key = 1; /* several at once print one line */
    }
    if (s->key)
        return 1;
    if (s->total >= STATUS_LARGE && s->last_us == s->start_us)  /* large work, first line: */
        return now - s->start_us + s->age_us >= LARGE_AFTER_US; /* a second after start-up */
    return now - s->last_us >= s->period_us && now - s->start_us >= s->after_us;
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
    hms(el, sizeof el, (now - s->start_us + s->age_us) / 1000000u); /* since start-up */
    if (s->rate > 0 && total >= done)
        hms(eta, sizeof eta, (uint64_t)((double)(total - done) / s->rate) + 1);
    fprintf(stderr, "Stats: %s elapsed; %s: %.1f%% done (%llu of %llu); %.0f pkt/s; ETA %s\n", el,
            s->what, total ? 100.0 * (double)done / (double)total : 100.0, (unsigned long long)done,
            (unsigned long long)total, pps, eta);
}
