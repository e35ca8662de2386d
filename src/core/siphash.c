/* siphash.c — SipHash-2-4 (Aumasson & Bernstein), written from the paper's description. */
#include "core/siphash.h"

#include <sys/random.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

/* Absorbs the whole 8-byte blocks of in[0, len) into st. */
static void absorb(struct sip_state *st, const uint8_t *in, size_t len)
{
    uint64_t v0 = st->v0, v1 = st->v1, v2 = st->v2, v3 = st->v3;
    size_t full = len & ~(size_t)7;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    *st = (struct sip_state){v0, v1, v2, v3, st->absorbed + full};
}

void sip_prefix(struct sip_state *st, const struct sip_key *key, const void *data, size_t len)
{
    *st = (struct sip_state){0x736f6d6570736575ULL ^ key->k0, 0x646f72616e646f6dULL ^ key->k1,
                             0x6c7967656e657261ULL ^ key->k0, 0x7465646279746573ULL ^ key->k1, 0};
    absorb(st, data, len);
}

uint64_t sip_finish(const struct sip_state *prefix, const void *tail, size_t tlen)
{
    const uint8_t *in = tail;
    struct sip_state st = *prefix;
    absorb(&st, in, tlen);
    size_t full = tlen & ~(size_t)7;
    uint64_t v0 = st.v0, v1 = st.v1, v2 = st.v2, v3 = st.v3;
    uint64_t b = (uint64_t)(prefix->absorbed + tlen) << 56;
    for (size_t i = 0; i < (tlen & 7); i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t siphash24(const struct sip_key *key, const void *data, size_t len)
{
    struct sip_state st;
    size_t full = len & ~(size_t)7;
    sip_prefix(&st, key, data, full);
    return sip_finish(&st, (const uint8_t *)data + full, len - full);
}

void sip_key_init(struct sip_key *key, int seed_set, uint64_t seed)
{
    if (seed_set) {
        /* splitmix64 of the seed: reproducible, still well mixed */
        uint64_t z = seed;
        for (int i = 0; i < 2; i++) {
            z += 0x9e3779b97f4a7c15ULL;
            uint64_t x = z;
            x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
            x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
            x ^= x >> 31;
            if (i == 0)
                key->k0 = x;
            else
                key->k1 = x;
        }
        return;
    }
    uint8_t buf[16];
    size_t got = 0;
    while (got < sizeof buf) {
        ssize_t n = getrandom(buf + got, sizeof buf - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    key->k0 = load_le64(buf);
    key->k1 = load_le64(buf + 8);
}
