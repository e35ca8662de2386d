/* rtt.h — scan timing: the -T templates and the round-trip estimate the engines share.
 *
 * Pure arithmetic, no I/O: scan_timing holds the limits (from -T0..-T5, then the
 * explicit options), rtt_update folds one round-trip sample into a Jacobson/Karels
 * estimate (as RFC 6298) and rtt_timeout turns the estimate into a probe timeout.
 * Used by scan.c, engine.c, connect.c, discovery.c and ratectl.c; includes nothing of
 * scan/, so none of them forms an include cycle through it. */
#ifndef PR_SCAN_RTT_H
#define PR_SCAN_RTT_H

#include <stdint.h>

/* Timing: from -T0..-T5, then overridden by explicit options. Times in microseconds. */
struct scan_timing {
    int level;                 /* 0..5 */
    double min_rate, max_rate; /* packets/s; 0 = unset */
    int rate_auto;             /* no --max-rate: max_rate is where the search starts
                                  (scan/ratectl.h), rate_ceiling where it stops */
    double rate_ceiling;
    int max_retries; /* retransmissions after the first probe */
    uint64_t initial_rtt_us, min_rtt_us, max_rtt_us;
    uint64_t scan_delay_us;   /* --scan-delay / -T0..-T2: between probes to one host */
    uint64_t host_timeout_us; /* 0 = none */
};

/* Sets timing defaults for -T level (0..5; anything else means 3). */
void scan_timing_template(struct scan_timing *t, int level);

/* Folds one sample into *srtt / *rttvar (microseconds; *srtt 0 means no sample yet). */
void rtt_update(double *srtt, double *rttvar, double sample_us);
/* Probe timeout from the estimate, clamped to the timing's min/max; initial without one. */
uint64_t rtt_timeout(const struct scan_timing *t, double srtt, double rttvar);

#endif
