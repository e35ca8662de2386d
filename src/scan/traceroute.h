/* traceroute.h — --traceroute: the hops to every up host of a group, as nmap does it after the
 * port scan (and -O).
 *
 * Each host is traced with the probe its scan found to get an answer (nmap's "ping probe": a
 * closed TCP port's RST first, then ICMP echo, an open port's SYN/ACK, a UDP answer; ICMP echo
 * when nothing answered), with increasing TTLs, in parallel over the group: a host whose
 * distance is known (-O, or the TTL of its answers) starts there and counts down, else at TTL
 * 10; a reply from the host itself says how far it is and skips the TTLs beyond; a router
 * already seen at the same TTL on the way to another host ends the count down, and the hops
 * below are that host's ("Hops 1-N are the same as for ..."). ICMP time-exceeded and
 * unreachable messages name the hops; a TTL nothing answers after the retries is a missing
 * hop. Directly connected hosts get one hop without a probe; loopback targets no trace.
 *
 * Runs on the scan's thread with the scan's raw sockets (opened before privileges are
 * dropped); fills each host's result->trace. */
#ifndef PR_SCAN_TRACEROUTE_H
#define PR_SCAN_TRACEROUTE_H

#include "scan/engine.h"

#include <signal.h>
#include <stdint.h>

/* The probe a host is traced with: proto PR_TCP, PR_UDP or TRACE_PROTO_ICMP. */
struct trace_probe {
    uint8_t proto;
    uint8_t tcp_flags; /* TH_SYN or TH_ACK */
    uint16_t port;
    uint8_t reply_ttl; /* TTL of the host's answer to it, 0 when unknown */
};

/* Chooses nmap's probe for host h from its results (pure): discovered says that host
 * discovery ran (its reason then names the answer that found it). */
void trace_choose_probe(const struct host_result *h, int discovered, struct trace_probe *out);

/* The hop count an answer with this TTL travelled, from the initial TTLs systems use (32, 64,
 * 128, 255); 0 when it cannot be told. */
int trace_distance(uint8_t reply_ttl);

/* Traces the up hosts targets[0..n-1] (their routes filled by the scan) and sets each one's
 * res->trace; with -O, a host the trace reached gets its distance from it, in
 * res->os->distance and in the fingerprint's SCAN line (DS, DC=T), as nmap. Polls stop. Returns 0
 * (the signature of the scan's other steps: allocation failures abort, core/error.h). */
int trace_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *targets,
              size_t n, volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e);

#endif
