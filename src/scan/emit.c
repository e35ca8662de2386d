/* emit.c — see emit.h. */
#include "scan/emit.h"

#include "core/clock.h"
#include "core/keys.h"
#include "net/frag.h"
#include "net/packet.h"

#include <string.h>

void emit_trace(const struct scan_config *cfg, const char *dir, const uint8_t *pkt, size_t len)
{
    if (cfg->live && cfg->live->ptrace)
        ptrace_ip(&cfg->trace, dir, now_us(), pkt, len);
}

/* One datagram onto the wire (and into the trace). Returns 1 when accepted. */
static size_t put(const struct emit *em, const uint8_t *p, size_t n, const struct pr_addr *dst,
                  const struct pr_addr *nexthop, int oif)
{
    int rc = em->direct ? rawio_send(em->io, p, n, dst)
                        : rawio_queue_via(em->io, p, n, dst, nexthop, oif);
    if (rc != 0)
        return 0;
    *em->sent += 1;
    *em->bytes += n;
    emit_trace(em->cfg, "SENT", p, n);
    return 1;
}

/* One copy, whole or in fragments. */
static size_t put_copy(const struct emit *em, const uint8_t *p, size_t n, const struct pr_addr *dst,
                       const struct pr_addr *nexthop, int oif)
{
    if (!em->cfg->frag_size || dst->family != AF_INET)
        return put(em, p, n, dst, nexthop, oif);
    _Static_assert(PKT_MAX / 8 <= FRAG_MAX, "FRAG_MAX fits a probe in 8-byte pieces");
    uint8_t out[PKT_MAX * 4];
    size_t lens[FRAG_MAX],
        nf = frag_split(p, n, em->cfg->frag_size, out, sizeof out, lens, FRAG_MAX);
    if (!nf) /* cannot be split (too many pieces): as it is */
        return put(em, p, n, dst, nexthop, oif);
    size_t ok = 0, at = 0;
    for (size_t i = 0; i < nf; i++) {
        ok += put(em, out + at, lens[i], dst, nexthop, oif);
        at += lens[i];
    }
    return ok;
}

size_t emit_probe(const struct emit *em, const uint8_t *pkt, size_t len, const struct pr_addr *dst,
                  const struct pr_addr *nexthop, int oif)
{
    const struct decoys *d = &em->cfg->decoys;
    if (!len)
        return 0;
    if (d->n == 0 || len > PKT_MAX)
        return put_copy(em, pkt, len, dst, nexthop, oif);
    size_t ok = 0;
    int stopped = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (i && em->pace && !stopped)
            stopped = em->pace(em->ud) != 0;
        if (i == d->me) {
            ok += put_copy(em, pkt, len, dst, nexthop, oif);
            continue;
        }
        uint8_t copy[PKT_MAX];
        memcpy(copy, pkt, len);
        if (pkt_set_src(copy, len, &d->addr[i]) == 0)
            ok += put_copy(em, copy, len, dst, nexthop, oif);
    }
    return ok;
}
