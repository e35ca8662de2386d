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
    uint64_t rk[4];  /* round keys */
    uint64_t stride; /* perm_init_sequential: the number of hosts; 0 = keyed */
};

void perm_init(struct perm *p, uint64_t n, const struct sip_key *key);
/* Not random (-r): n = hosts * ports pairs numbered host * ports + port are visited port
 * by port, every host's port before the next port. */
void perm_init_sequential(struct perm *p, uint64_t n, uint64_t hosts);
/* The i-th element of the permutation (0 <= i < n). */
uint64_t perm_at(const struct perm *p, uint64_t i);

#endif
