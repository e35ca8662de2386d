/* engine.h — the raw-packet scan engine: one technique over hosts × ports.
 *
 * Visits every (host, port) pair in keyed pseudo-random order at the configured
 * rate, validates replies statelessly (the TCP sequence number is a SipHash cookie
 * of the probe's addresses and ports; the low 3 bits of the source port carry the
 * try number), retransmits only what is still unanswered, and estimates reply loss
 * so that it retries as often as the observed loss requires (up to --max-retries).
 * Techniques whose states depend on ICMP errors (UDP, FIN, NULL, Xmas, Maimon) are
 * paced per host to the target's ICMP rate limit once the first burst shows one,
 * so that closed ports are told from open|filtered ones. Replies are read, parsed and
 * matched to their probe on a receive thread (net/rxq.h); everything else, every
 * piece of mutable scan state included, stays on the calling thread. */
#ifndef PR_SCAN_ENGINE_H
#define PR_SCAN_ENGINE_H

#include "net/portrange.h"
#include "net/rawio.h"
#include "scan/ratectl.h"
#include "scan/config.h"
#include "scan/technique.h"

#include <signal.h>

/* One host to scan: where its results go. res->ports[port_off .. port_off+nports) are
 * filled for this technique's ports (already holding the port numbers and proto). */
struct engine_target {
    struct host_result *res;
    size_t port_off;
    struct pr_addr src;     /* our source address towards it */
    struct pr_addr nexthop; /* the gateway towards it, or itself when directly reachable */
    int oif;                /* output interface index; 0 when unknown */
};

/* The raw techniques' source ports: a base from ENGINE_SPORT_LO in steps of 8, the try in
 * the low three bits (docs/scan-engine.md, "Stateless validation"). */
#define ENGINE_SPORT_LO 61008
#define ENGINE_SPORT_BASES 564 /* the last base's ports end at 65519 */
/* fewer bases than this outside the local port range: only the cookie is believed */
#define ENGINE_MIN_BASES 16

/* How many source-port bases have all their 8 ports outside the local port range (lo 0:
 * none covered). The engine picks its base among them; with fewer than ENGINE_MIN_BASES
 * a TCP reply without our cookie is not believed: a local connection may own the port. */
unsigned engine_free_bases(const struct port_range *local);

/* Which part of the scan one engine run is: a technique over one host group. */
struct engine_span {
    size_t tech_index;                  /* index into cfg->techniques */
    size_t group;                       /* host group index (scan_run) */
    uint64_t pos_base;                  /* global first-pass position of the group's first
                                           pair: --shard picks positions across groups */
    uint64_t done_before, total;        /* pairs of earlier spans, and of the whole scan,
                                           for the status line */
    struct ratectl *rc;                 /* the technique's rate search, or NULL */
    const struct scan_progress *resume; /* an interrupted run's progress, or NULL */
    struct scan_progress *save;         /* on a stop: position set, answers appended */
    struct port_range local;            /* the local port range (net/portrange.h): replies
                                           to ports in it are never strays */
};

struct engine_stats {
    uint64_t sent, rcvd, bytes_sent, bytes_rcvd;
    /* TCP replies without our cookie not believed because the local port range leaves
     * fewer than ENGINE_MIN_BASES source-port bases free (not counted with -g) */
    uint64_t local_nocookie;
};

/* Is first-pass position pos this shard's (--shard I/N: positions = I-1 mod N)? Every
 * technique, raw or connect, numbers its positions the same way (engine_span.pos_base). */
static inline int engine_in_shard(const struct scan_config *cfg, uint64_t pos)
{
    return cfg->shard_count < 2 || pos % cfg->shard_count == cfg->shard_index;
}

/* Runs tech over the targets and ports of one span. With cfg->shard_count > 1 only every
 * shard_count-th global permutation position is probed; with cfg->dry_run the first-pass
 * probes are printed, not sent. With span->resume valid: a span the interrupted run had
 * finished is restored from it without sending; the span it stopped in resumes where it
 * stopped. On a stop span->save gets the position and the answers. Ports never probed are
 * left PS_UNKNOWN. Returns 0, or -1 with e filled. */
int engine_run(const struct scan_config *cfg, const struct technique *tech,
               const struct engine_span *span, struct rawio *io, struct engine_target *targets,
               size_t ntargets, const uint16_t *ports, size_t nports, volatile sig_atomic_t *stop,
               struct engine_stats *st, struct pr_error *e);

/* 1 once --host-timeout has passed for the host since res->start (then sets res->timed_out). */
int host_expired(const struct scan_config *cfg, struct host_result *res);

#endif
