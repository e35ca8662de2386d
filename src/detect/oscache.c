/* oscache.c — see oscache.h. */
#include "detect/oscache.h"

#include "core/siphash.h"
#include "os/p0fmatch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define WAYS 4 /* entries a host may take: two hosts hashed alike do not evict each other */

struct entry {
    struct pr_addr addr;
    uint8_t rank; /* 0 empty; 1 tool, 2 fuzzy, 3 generic, 4 exact */
    uint32_t label;
};

struct det_oscache {
    const struct p0f_db *db;
    struct sip_key key;
    struct entry *e;
    size_t mask;
    char name[160];
};

struct det_oscache *det_oscache_new(const struct p0f_db *db, size_t slots)
{
    if (slots < WAYS || (slots & (slots - 1)))
        slots = 4096;
    struct det_oscache *c = pr_calloc(1, sizeof *c);
    c->db = db;
    c->e = pr_calloc(slots, sizeof *c->e);
    c->mask = slots - 1;
    sip_key_init(&c->key, 0, 0);
    return c;
}

void det_oscache_free(struct det_oscache *c)
{
    if (!c)
        return;
    free(c->e);
    free(c);
}

/* The entry of a in its set of WAYS, or NULL. */
static struct entry *find(const struct det_oscache *c, const struct pr_addr *a)
{
    size_t n = a->family == AF_INET ? 4 : 16;
    struct entry *set = &c->e[siphash24(&c->key, a->a, n) & c->mask & ~(size_t)(WAYS - 1)];
    for (size_t i = 0; i < WAYS; i++)
        if (set[i].rank && addr_eq(&set[i].addr, a))
            return &set[i];
    return NULL;
}

/* The entry for a: its own, else an empty one of its set, else the set's lowest rank. */
static struct entry *claim(const struct det_oscache *c, const struct pr_addr *a)
{
    struct entry *e = find(c, a);
    if (e)
        return e;
    size_t n = a->family == AF_INET ? 4 : 16;
    struct entry *set = &c->e[siphash24(&c->key, a->a, n) & c->mask & ~(size_t)(WAYS - 1)];
    e = &set[0];
    for (size_t i = 0; i < WAYS; i++)
        if (set[i].rank < e->rank)
            e = &set[i];
    e->rank = 0; /* another host's answer is forgotten */
    return e;
}

void det_oscache_packet(struct det_oscache *c, const uint8_t *ip, size_t len)
{
    struct p0f_obs o;
    if (!c || p0f_observe(ip, len, &o) < 0)
        return;
    struct p0f_result r;
    p0f_match(c->db, &o, &r);
    if (!r.label)
        return;
    struct pr_addr src = {0};
    src.family = o.ver == 4 ? AF_INET : AF_INET6;
    memcpy(src.a, ip + (o.ver == 4 ? 12 : 8), o.ver == 4 ? 4 : 16);
    uint8_t rank = !strcmp(r.label->cls, "!") ? 1 : r.fuzzy ? 2 : r.label->type == 'g' ? 3 : 4;
    struct entry *e = claim(c, &src);
    if (e->rank > rank)
        return; /* a better answer about the same host stays */
    e->addr = src;
    e->rank = rank;
    e->label = (uint32_t)(r.label - c->db->labels);
}

const char *det_oscache_name(void *ctx, const struct pr_addr *a)
{
    struct det_oscache *c = ctx;
    const struct entry *e = find(c, a);
    if (!e)
        return NULL;
    p0f_label_str(&c->db->labels[e->label], c->name, sizeof c->name);
    return c->name;
}
