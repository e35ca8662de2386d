/* behave.c — see behave.h. */
#include "detect/behave.h"

#include "core/siphash.h"
#include "detect/threat.h"

#include <stdlib.h>
#include <string.h>

#define BEH_SEEN 256 /* scan_then_connect alerts remembered, so each is made once */

struct det_behave {
    struct beh_config cfg;
    struct det_engine *eng;
    struct thr_table *thr;
    struct sip_key key;
    uint64_t seen[BEH_SEEN]; /* keyed hashes of (incident, target, port) reported */
    unsigned seen_next;
    uint64_t connects, suppressed;
};

static int is_home(void *ctx, const struct pr_addr *a)
{
    return det_behave_is_home(ctx, a);
}

struct det_behave *det_behave_new(const struct beh_config *c, struct det_engine *d,
                                  struct pr_error *e)
{
    if (c->nhome > BEH_MAX_HOME) {
        pr_errf(e, "at most %d home networks", BEH_MAX_HOME);
        return NULL;
    }
    struct thr_table *t = thr_new(c->max_sources ? c->max_sources : 65536,
                                  c->half_life_us ? c->half_life_us : THR_HALF_LIFE_US, e);
    if (!t)
        return NULL;
    struct det_behave *b = pr_calloc(1, sizeof *b);
    b->cfg = *c;
    b->eng = d;
    b->thr = t;
    sip_key_init(&b->key, 0, 0);
    struct det_hooks h = {
        .enrich = det_behave_enrich, .connect = det_behave_connect, .is_home = is_home, .ctx = b};
    det_engine_set_hooks(d, &h);
    return b;
}

void det_behave_free(struct det_behave *b)
{
    if (!b)
        return;
    thr_free(b->thr);
    free(b);
}

int det_behave_is_home(const struct det_behave *b, const struct pr_addr *a)
{
    for (unsigned i = 0; i < b->cfg.nhome; i++)
        if (blk_cidr_contains(&b->cfg.home[i], a))
            return 1;
    return 0;
}

const char *det_behave_event(const struct det_alert *a, int src_home, int dst_home)
{
    if (src_home && !dst_home && a->event && !strcmp(a->event, "portsweep") &&
        a->hosts_probed > 1 && a->ports_probed <= BEH_SWEEP_PORTS &&
        a->hosts_probed >= a->ports_probed)
        return "outbound_sweep";
    return a->event;
}

void det_behave_enrich(void *ctx, struct det_alert *a)
{
    struct det_behave *b = ctx;
    int home = a->has_src && det_behave_is_home(b, &a->src);
    /* a sweep's dst is its first target (engine.c fill_alert) */
    a->event = det_behave_event(a, home, home && det_behave_is_home(b, &a->dst));
    a->threat_level = (uint8_t)thr_assess(b->thr, a);
    thr_advise(a, home);
}

unsigned det_behave_level(const struct det_behave *b, const struct pr_addr *addr, uint64_t now_us)
{
    return thr_level(b->thr, addr, now_us);
}

void det_behave_connect(void *ctx, const struct det_connect *c)
{
    struct det_behave *b = ctx;
    uint8_t k[24];
    memcpy(k, &c->incident_id, 4);
    memcpy(k + 4, &c->port, 2);
    k[6] = c->dst.family;
    memcpy(k + 7, c->dst.a, 16);
    uint64_t h = siphash24(&b->key, k, 23) | 1;
    for (unsigned i = 0; i < BEH_SEEN; i++)
        if (b->seen[i] == h)
            return;
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.scan_id = det_engine_next_id(b->eng);
    a.kind = DET_ALERT_NEW;
    a.incident_id = c->incident_id;
    a.ts_us = a.first_us = a.last_us = c->ts_us;
    a.event = "scan_then_connect";
    a.scan_type = c->scan_type;
    a.has_src = 1;
    a.src = c->src;
    a.has_dst = 1;
    a.dst = c->dst;
    a.dst_count = a.hosts_probed = a.ports_probed = a.probes = 1;
    a.nopen = 1;
    a.open_ports[0] = c->port;
    a.detector = "behaviour";
    a.confidence = 0.99;
    a.tool_guess = "unknown";
    a.action = "none";
    a.ev_handshakes = 1;
    a.evidence = c->evidence;
    if (det_engine_emit(b->eng, &a) < 0) { /* the bucket was empty: the next handshake retries */
        b->suppressed++;
        return;
    }
    b->connects++;
    b->seen[b->seen_next] = h;
    b->seen_next = (b->seen_next + 1) % BEH_SEEN;
}

uint64_t det_behave_connects(const struct det_behave *b, uint64_t *suppressed)
{
    if (suppressed)
        *suppressed = b->suppressed;
    return b->connects;
}
