/* ratectl.h — finds the send rate at which replies stop being lost (no --max-rate).
 *
 * The engine tells it when each first-try probe leaves and when a direct reply to one
 * arrives (with that probe's send time). Probes are grouped by send time into epochs of
 * RATECTL_EPOCH_US; because the probe order is a keyed permutation, every epoch is an
 * unbiased sample of the scan, so every epoch should draw the same share of replies. Once
 * all replies to an epoch must have arrived (two smoothed RTT timeouts after it ended),
 * its share is compared with the share of the first epochs, sent at the start rate:
 *  - clearly lower (three standard deviations of the binomial, and at least 2 points):
 *    replies were lost at that rate; the rate halves, and that rate becomes the ceiling;
 *  - otherwise, for an epoch sent at the current rate: the rate grows, ×1.5 until the
 *    first loss (slow start), then by 5% up to 95% of the lowest lossy rate.
 * Without a signal (fewer than 5% of probes answered: a mostly silent network) the rate
 * stays at the start rate: speed is never bought with unseen losses. The retries recover
 * whatever the search lost. Pure bookkeeping: no I/O, no clock of its own. */
#ifndef PR_SCAN_RATECTL_H
#define PR_SCAN_RATECTL_H

#include <stdint.h>

#define RATECTL_EPOCH_US 10000u
#define RATECTL_EPOCHS 512 /* ring of epochs: 5.12 s of history */

struct ratectl {
    int active; /* 0: a fixed rate; every call is a no-op */
    double rate, start, floor, ceiling;
    double lossy;                   /* lowest rate at which loss was seen; 0 = none yet */
    uint64_t epoch[RATECTL_EPOCHS]; /* which epoch each slot holds (+1; 0 = empty) */
    uint32_t sent[RATECTL_EPOCHS], replied[RATECTL_EPOCHS];
    double rate_of[RATECTL_EPOCHS];
    uint64_t judged;                /* epochs before this one have been judged */
    uint64_t changed;               /* first epoch sent at the current rate */
    uint64_t ref_sent, ref_replied; /* the reference share, from start-rate epochs */
    double srtt, rttvar;            /* of every direct reply, microseconds */
    unsigned ups, downs;            /* rate changes, for the verbose report */
};

/* start: the first rate; floor/ceiling bound the search (packets/s). */
void ratectl_init(struct ratectl *rc, int active, double start, double floor, double ceiling);
/* A first-try probe left at t (microseconds since the engine's start). */
void ratectl_sent(struct ratectl *rc, uint64_t t);
/* The first direct reply to a first-try probe sent at sent_t arrived at t. */
void ratectl_reply(struct ratectl *rc, uint64_t sent_t, uint64_t t);
/* Judges the epochs that have settled by t; returns 1 when rc->rate changed. */
int ratectl_update(struct ratectl *rc, uint64_t t);
/* The engine saw the kernel drop replies: the current rate is too high. */
void ratectl_overrun(struct ratectl *rc);

#endif
