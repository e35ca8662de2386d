/* perm.h — a keyed pseudo-random permutation of 0..n-1.
 *
 * A 4-round Feistel network over the smallest even number of bits that covers n,
 * with cycle walking for indices >= n: every index appears exactly once, the order
 * is fixed by the key (so --seed reproduces it), and no table is stored. The engine
 * walks it to visit (host, port) pairs in an order that spreads load across hosts. */
#ifndef PR_CORE_PERM_H
#define PR_CORE_PERM_H

#include "core/siphash.h"

#include <stdint.h>

struct perm {
    uint64_t n;
    unsigned half_bits;
    uint64_t half_mask;
    uint64_t rk[4]; /* round keys */
};

void perm_init(struct perm *p, uint64_t n, const struct sip_key *key);
/* The i-th element of the permutation (0 <= i < n). */
uint64_t perm_at(const struct perm *p, uint64_t i);

#endif
