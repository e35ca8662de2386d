/* rtt.c — see rtt.h. */
#include "scan/rtt.h"

#include <string.h>

void scan_timing_template(struct scan_timing *t, int level)
{
    /* nmap's -T values for RTT and retries; rates are ours (see docs/portreeve-scan.1) */
    static const struct {
        uint64_t init_ms, min_ms, max_ms, delay_ms;
        int retries;
        double rate;
    } T[6] = {
        {300000, 100, 10000, 300000, 10, 0}, {15000, 100, 10000, 15000, 10, 0},
        {1000, 100, 10000, 400, 10, 0},      {1000, 100, 10000, 0, 10, 10000},
        {500, 100, 1250, 0, 6, 50000},       {250, 50, 300, 0, 2, 200000},
    };
    if (level < 0 || level > 5)
        level = 3;
    memset(t, 0, sizeof *t);
    t->level = level;
    t->initial_rtt_us = T[level].init_ms * 1000;
    t->min_rtt_us = T[level].min_ms * 1000;
    t->max_rtt_us = T[level].max_ms * 1000;
    t->scan_delay_us = T[level].delay_ms * 1000;
    t->max_retries = T[level].retries;
    t->max_rate = T[level].rate;
}

void rtt_update(double *srtt, double *rttvar, double sample_us)
{
    if (*srtt <= 0) {
        *srtt = sample_us;
        *rttvar = sample_us / 2 > 1000 ? sample_us / 2 : 1000; /* at least 1 ms */
        return;
    }
    double d = sample_us > *srtt ? sample_us - *srtt : *srtt - sample_us;
    *rttvar = 0.75 * *rttvar + 0.25 * d;
    *srtt = 0.875 * *srtt + 0.125 * sample_us;
}

uint64_t rtt_timeout(const struct scan_timing *t, double srtt, double rttvar)
{
    double to = srtt > 0 ? srtt + 4 * rttvar : (double)t->initial_rtt_us;
    if (to < (double)t->min_rtt_us)
        to = (double)t->min_rtt_us;
    if (to > (double)t->max_rtt_us)
        to = (double)t->max_rtt_us;
    return (uint64_t)to;
}
