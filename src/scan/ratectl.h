/* ratectl.h — finds the send rate at which replies stop being lost (no --max-rate).
 *
 * The engine tells it when each first-try probe leaves and when a direct reply to one
 * arrives (with that probe's send time; times are the engine's clock, microseconds). One
 * ratectl serves a technique across all host groups. Probes are grouped by send time into
 * epochs of RATECTL_EPOCH_US; because the probe order is a keyed permutation, every epoch is
 * an unbiased sample of the scan, so every epoch should draw the same share of replies.
 * Once all replies to an epoch must have arrived (two smoothed RTT timeouts after it
 * ended), settled epochs are taken together until they hold RATECTL_JUDGE_MIN probes (one
 * epoch at 10k/s and above, several below), and their share is compared with the share of
 * the first ones, sent at the start rate:
 *  - clearly lower (four standard deviations of the binomial, and at least 3 points):
 *    replies were lost at that rate; the rate halves, and that rate becomes the ceiling;
 *  - otherwise, for an epoch sent at the current rate: the rate grows, ×1.5 until the
 *    first loss (slow start), then by 5% up to 95% of the lowest lossy rate; after 50
 *    lossless judgements just under it, that ceiling rises by 10% (the loss may be gone).
 * Without a signal (fewer than 5% of probes answered: a mostly silent network) the rate
 * stays at the start rate: speed is never bought with unseen losses. The retries recover
 * whatever the search lost. Pure bookkeeping: no I/O, no clock of its own. */
#ifndef PR_SCAN_RATECTL_H
#define PR_SCAN_RATECTL_H

#include <stdint.h>

#define RATECTL_EPOCH_US 10000u
#define RATECTL_EPOCHS 512          /* ring of epochs: 5.12 s of history */
#define RATECTL_JUDGE_MIN 100       /* probes behind one judgement */
#define RATECTL_SETTLE_MAX 2500000. /* longest wait for an epoch's replies (us) */

struct ratectl {
    int active; /* 0: a fixed rate; every call is a no-op */
    double rate, start, floor, ceiling;
    double lossy;                   /* lowest rate at which loss was seen; 0 = none yet */
    uint64_t epoch[RATECTL_EPOCHS]; /* which epoch each slot holds (+1; 0 = empty) */
    uint32_t sent[RATECTL_EPOCHS], replied[RATECTL_EPOCHS];
    double rate_of[RATECTL_EPOCHS];
    uint64_t judged;                /* epochs before this one have been judged */
    uint64_t acc_first;             /* settled epochs taken together so far: the first, */
    uint64_t acc_sent, acc_replied; /* their probes and replies, */
    double acc_rate;                /* and the highest rate among them */
    uint64_t changed;               /* first epoch sent at the current rate */
    uint64_t ref_sent, ref_replied; /* the reference share, from start-rate epochs */
    double srtt, rttvar;            /* of every direct reply, microseconds */
    unsigned ups, downs;            /* rate changes, for the verbose report */
    unsigned quiet;                 /* lossless judgements just under the lossy rate */
};

/* start: the first rate; floor/ceiling bound the search (packets/s). */
void ratectl_init(struct ratectl *rc, int active, double start, double floor, double ceiling);
/* A first-try probe left at t (microseconds, the engine's clock). */
void ratectl_sent(struct ratectl *rc, uint64_t t);
/* The first direct reply to a first-try probe sent at sent_t arrived at t. */
void ratectl_reply(struct ratectl *rc, uint64_t sent_t, uint64_t t);
/* Judges the epochs that have settled by t; returns 1 when rc->rate changed. */
int ratectl_update(struct ratectl *rc, uint64_t t);
/* The engine saw the kernel drop replies: the current rate is too high. */
void ratectl_overrun(struct ratectl *rc);

#endif
