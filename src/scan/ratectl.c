/* ratectl.c — see ratectl.h. */
#include "scan/ratectl.h"

#include "scan/rtt.h"

#include <math.h>
#include <string.h>

#define RATECTL_REF_MIN 200 /* probes behind the reference share */
#define RATECTL_SIGNAL 0.05 /* below this reference share there is nothing to measure */
#define RATECTL_QUIET 50    /* lossless judgements near the lossy rate before probing above */

void ratectl_init(struct ratectl *rc, int active, double start, double floor, double ceiling)
{
    memset(rc, 0, sizeof *rc);
    rc->active = active && start > 0;
    rc->rate = rc->start = start;
    rc->floor = floor > 0 ? floor : 100;
    rc->ceiling = ceiling > start ? ceiling : start;
}

/* The slot of epoch e, emptied when it held an older epoch. */
static unsigned slot(struct ratectl *rc, uint64_t e)
{
    unsigned s = (unsigned)(e % RATECTL_EPOCHS);
    if (rc->epoch[s] != e + 1) {
        rc->epoch[s] = e + 1;
        rc->sent[s] = rc->replied[s] = 0;
        rc->rate_of[s] = rc->rate;
    }
    return s;
}

void ratectl_sent(struct ratectl *rc, uint64_t t)
{
    if (rc->active)
        rc->sent[slot(rc, t / RATECTL_EPOCH_US)]++;
}

void ratectl_reply(struct ratectl *rc, uint64_t sent_t, uint64_t t)
{
    if (!rc->active || t < sent_t)
        return;
    uint64_t e = sent_t / RATECTL_EPOCH_US;
    unsigned s = (unsigned)(e % RATECTL_EPOCHS);
    if (rc->epoch[s] == e + 1)
        rc->replied[s]++;
    rtt_update(&rc->srtt, &rc->rttvar, (double)(t - sent_t));
}

static void set(struct ratectl *rc, double rate, uint64_t now_epoch, int up)
{
    rate = fmax(rc->floor, fmin(rc->ceiling, rate));
    if (rate == rc->rate)
        return;
    rc->rate = rate;
    rc->changed = now_epoch + 1; /* judge growth only on epochs wholly at the new rate */
    if (up)
        rc->ups++;
    else
        rc->downs++;
}

void ratectl_overrun(struct ratectl *rc)
{
    if (!rc->active)
        return;
    rc->lossy = rc->lossy > 0 ? fmin(rc->lossy, rc->rate) : rc->rate;
    rc->rate = fmax(rc->floor, rc->rate / 2);
    rc->downs++;
}

/* Judges settled epochs taken together: n probes, k replies, the first epoch e, the highest
 * rate r among them. Returns 1 when the rate changed. */
static int judge(struct ratectl *rc, uint64_t n, uint64_t k, uint64_t e, double r,
                 uint64_t now_epoch)
{
    if (rc->ref_sent < RATECTL_REF_MIN) { /* still measuring the start rate's share */
        if (r <= rc->start) {
            rc->ref_sent += n;
            rc->ref_replied += k;
        }
        return 0;
    }
    double p = (double)rc->ref_replied / (double)rc->ref_sent;
    if (p < RATECTL_SIGNAL)
        return 0; /* nothing to measure: stay */
    double share = (double)k / (double)n, sigma = sqrt(p * (1 - p) / (double)n);
    double before = rc->rate;
    if (share < p - fmax(4 * sigma, 0.03)) {
        rc->quiet = 0;
        rc->lossy = rc->lossy > 0 ? fmin(rc->lossy, r) : r;
        /* epochs from before the last slow-down say nothing new about the current rate */
        if (r < rc->rate || (r == rc->rate && e >= rc->changed))
            set(rc, r / 2, now_epoch, 0);
    } else if (e >= rc->changed) {
        /* long quiet just under the lossy rate: the loss may have been a fluke, or gone */
        if (rc->lossy > 0 && rc->rate >= rc->lossy * 0.9 && ++rc->quiet >= RATECTL_QUIET) {
            rc->lossy *= 1.1;
            rc->quiet = 0;
        }
        double next = rc->lossy > 0 ? fmin(rc->rate * 1.05, rc->lossy * 0.95) : rc->rate * 1.5;
        if (next > rc->rate)
            set(rc, next, now_epoch, 1);
    }
    return rc->rate != before;
}

int ratectl_update(struct ratectl *rc, uint64_t t)
{
    if (!rc->active || rc->srtt <= 0)
        return 0; /* no reply yet: no settle time either */
    double settle = fmin(RATECTL_SETTLE_MAX, 2 * (rc->srtt + 4 * rc->rttvar) + 2000);
    if ((double)t < settle + RATECTL_EPOCH_US)
        return 0;
    uint64_t last = (t - (uint64_t)settle) / RATECTL_EPOCH_US; /* before it: settled */
    uint64_t now_epoch = t / RATECTL_EPOCH_US;
    if (last > rc->judged + RATECTL_EPOCHS)
        rc->judged = last - RATECTL_EPOCHS; /* older slots were reused */
    int changed = 0;
    for (; rc->judged < last; rc->judged++) {
        unsigned s = (unsigned)(rc->judged % RATECTL_EPOCHS);
        if (rc->epoch[s] != rc->judged + 1 || !rc->sent[s])
            continue;
        if (!rc->acc_sent) {
            rc->acc_first = rc->judged;
            rc->acc_rate = 0;
        }
        rc->acc_sent += rc->sent[s];
        rc->acc_replied += rc->replied[s];
        rc->acc_rate = fmax(rc->acc_rate, rc->rate_of[s]);
        if (rc->acc_sent >= RATECTL_JUDGE_MIN) {
            changed |=
                judge(rc, rc->acc_sent, rc->acc_replied, rc->acc_first, rc->acc_rate, now_epoch);
            rc->acc_sent = rc->acc_replied = 0;
        }
    }
    return changed;
}
