/* perm.c — see perm.h. */
#include "core/perm.h"

void perm_init_sequential(struct perm *p, uint64_t n, uint64_t hosts)
{
    p->n = n;
    p->stride = hosts ? hosts : 1;
}

void perm_init(struct perm *p, uint64_t n, const struct sip_key *key)
{
    p->n = n;
    p->stride = 0;
    unsigned bits = 2;
    while (bits < 64 && (UINT64_C(1) << bits) < n)
        bits += 2;
    p->half_bits = bits / 2;
    p->half_mask = (UINT64_C(1) << p->half_bits) - 1;
    for (uint64_t r = 0; r < 4; r++) {
        uint64_t m[2] = {r, n};
        p->rk[r] = siphash24(key, m, sizeof m);
    }
}

static uint64_t round_fn(uint64_t x, uint64_t k)
{
    /* a cheap keyed mixer (splitmix64 finaliser); not a cipher, only an order */
    x ^= k;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t encrypt(const struct perm *p, uint64_t x)
{
    uint64_t l = x >> p->half_bits, r = x & p->half_mask;
    for (int i = 0; i < 4; i++) {
        uint64_t t = l ^ (round_fn(r, p->rk[i]) & p->half_mask);
        l = r;
        r = t;
    }
    return l << p->half_bits | r;
}

uint64_t perm_at(const struct perm *p, uint64_t i)
{
    if (p->stride)
        return (i % p->stride) * (p->n / p->stride) + i / p->stride;
    uint64_t x = encrypt(p, i);
    while (x >= p->n) /* cycle walking: terminates because encrypt is a bijection */
        x = encrypt(p, x);
    return x;
}
