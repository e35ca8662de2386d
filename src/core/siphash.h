/* siphash.h — SipHash-2-4, a keyed hash for probe cookies and hash tables whose keys
 * an adversary may choose. Pure function; the caller owns the 16-byte key (from
 * getrandom at startup, or from --seed for reproducible runs). */
#ifndef PR_CORE_SIPHASH_H
#define PR_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sip_key {
    uint64_t k0, k1;
};

uint64_t siphash24(const struct sip_key *key, const void *data, size_t len);

/* The hash of a message whose start is shared by many messages (a probe cookie's
 * addresses): sip_prefix absorbs the start once (len a multiple of 8), sip_finish hashes
 * the rest; sip_finish(prefix(a), b) == siphash24(a || b). */
struct sip_state {
    uint64_t v0, v1, v2, v3;
    size_t absorbed;
};
void sip_prefix(struct sip_state *st, const struct sip_key *key, const void *data, size_t len);
uint64_t sip_finish(const struct sip_state *st, const void *tail, size_t tlen);
/* Fills key from getrandom(2), or derives it from seed when seed_set. */
void sip_key_init(struct sip_key *key, int seed_set, uint64_t seed);

#endif
