/* oscache.c — see oscache.h. */
#include "detect/oscache.h"

#include "core/siphash.h"
#include "os/p0fmatch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
    if (!slots || (slots & (slots - 1)))
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

static struct entry *slot(const struct det_oscache *c, const struct pr_addr *a)
{
    size_t n = a->family == AF_INET ? 4 : 16;
    return &c->e[siphash24(&c->key, a->a, n) & c->mask];
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
    struct entry *e = slot(c, &src);
    if (addr_eq(&e->addr, &src) && e->rank > rank)
        return; /* a better answer about the same host stays */
    e->addr = src;
    e->rank = rank;
    e->label = (uint32_t)(r.label - c->db->labels);
}

const char *det_oscache_name(void *ctx, const struct pr_addr *a)
{
    struct det_oscache *c = ctx;
    const struct entry *e = slot(c, a);
    if (!e->rank || !addr_eq(&e->addr, a))
        return NULL;
    p0f_label_str(&c->db->labels[e->label], c->name, sizeof c->name);
    return c->name;
}
