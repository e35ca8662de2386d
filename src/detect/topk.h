/* topk.h — the most frequent ports of a sweep, in fixed memory (the Space-Saving
 * counter of Metwally, Agrawal and El Abbadi 2005): exact while a scan probes at most
 * DET_TOPK ports, the heavy hitters with an upper bound on their counts beyond that.
 *
 * One counter lives in each of the engine's scan records (engine.c) and gives an alert's
 * `ports` (alert.h). Plain value type; no allocation. */
#ifndef PR_DETECT_TOPK_H
#define PR_DETECT_TOPK_H

#include <stdint.h>

#define DET_TOPK 16

struct det_topk {
    uint8_t n;
    uint16_t port[DET_TOPK];
    uint32_t count[DET_TOPK];
};

/* Counts k more for port; when all slots are taken by other ports, the one with the
 * smallest count gives its slot to port, which inherits that count (Space-Saving). */
void det_topk_add(struct det_topk *t, uint16_t port, uint32_t k);
/* Takes one back from port (a contact that turned out to be no probe). Returns the count
 * left: 0 when the port is no longer counted (its slot is freed), UINT32_MAX when port is
 * not tracked. */
uint32_t det_topk_sub(struct det_topk *t, uint16_t port);
/* The at most max ports with the largest counts, largest first (ties: lower port first),
 * into port[] and count[]; returns how many. */
unsigned det_topk_top(const struct det_topk *t, uint16_t *port, uint32_t *count, unsigned max);

#endif
