/* engine.h — the raw-packet scan engine: one technique over hosts × ports.
 *
 * Visits every (host, port) pair in keyed pseudo-random order at the configured
 * rate, validates replies statelessly (the TCP sequence number is a SipHash cookie
 * of the probe's addresses and ports; the low 3 bits of the source port carry the
 * try number), retransmits only what is still unanswered, and estimates reply loss
 * so that it retries as often as the observed loss requires (up to --max-retries).
 * Techniques whose states depend on ICMP errors (UDP, FIN, NULL, Xmas, Maimon) are
 * paced per host to the target's ICMP rate limit once the first burst shows one,
 * so that closed ports are told from open|filtered ones. Single-threaded. */
#ifndef PR_SCAN_ENGINE_H
#define PR_SCAN_ENGINE_H

#include "net/rawio.h"
#include "scan/scan.h"
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

struct engine_stats {
    uint64_t sent, rcvd, bytes_sent, bytes_rcvd;
};

/* Runs tech (the tech_index-th technique of cfg) over the targets and ports. With
 * cfg->shard_count > 1 only every shard_count-th permutation position is probed; with
 * cfg->dry_run the first-pass probes are printed, not sent; with cfg->progress valid for
 * this technique the scan resumes where it stopped, and on a stop it is filled. Ports
 * never probed are left PS_UNKNOWN. Returns 0, or -1 with e filled. */
int engine_run(const struct scan_config *cfg, const struct technique *tech, size_t tech_index,
               struct rawio *io, struct engine_target *targets, size_t ntargets,
               const uint16_t *ports, size_t nports, volatile sig_atomic_t *stop,
               struct engine_stats *st, struct pr_error *e);

/* 1 once --host-timeout has passed for the host since res->start (then sets res->timed_out). */
int host_expired(const struct scan_config *cfg, struct host_result *res);

#endif
