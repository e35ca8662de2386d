/* topk.c — see topk.h. */
#include "detect/topk.h"

void det_topk_add(struct det_topk *t, uint16_t port, uint32_t k)
{
    unsigned min = 0;
    for (unsigned i = 0; i < t->n; i++) {
        if (t->port[i] == port) {
            t->count[i] = t->count[i] > UINT32_MAX - k ? UINT32_MAX : t->count[i] + k;
            return;
        }
        if (t->count[i] < t->count[min])
            min = i;
    }
    if (t->n < DET_TOPK) {
        t->port[t->n] = port;
        t->count[t->n++] = k;
        return;
    }
    t->port[min] = port;
    t->count[min] = t->count[min] > UINT32_MAX - k ? UINT32_MAX : t->count[min] + k;
}

uint32_t det_topk_sub(struct det_topk *t, uint16_t port)
{
    for (unsigned i = 0; i < t->n; i++) {
        if (t->port[i] != port)
            continue;
        if (t->count[i] > 1)
            return --t->count[i];
        t->n--;
        t->port[i] = t->port[t->n];
        t->count[i] = t->count[t->n];
        return 0;
    }
    return UINT32_MAX;
}

unsigned det_topk_top(const struct det_topk *t, uint16_t *port, uint32_t *count, unsigned max)
{
    unsigned n = 0;
    uint8_t taken[DET_TOPK] = {0};
    while (n < max && n < t->n) {
        int best = -1;
        for (unsigned i = 0; i < t->n; i++)
            if (!taken[i] && (best < 0 || t->count[i] > t->count[best] ||
                              (t->count[i] == t->count[best] && t->port[i] < t->port[best])))
                best = (int)i;
        taken[best] = 1;
        port[n] = t->port[best];
        count[n++] = t->count[best];
    }
    return n;
}
