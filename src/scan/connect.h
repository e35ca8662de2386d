/* connect.h — the TCP connect() scan (-sT), for users without raw-socket privileges
 * and as nmap's -sT. Non-blocking connects multiplexed with epoll, many at a time.
 * IP_RECVERR tells a reset (closed) from an ICMP error (filtered), which nmap cannot. */
#ifndef PR_SCAN_CONNECT_H
#define PR_SCAN_CONNECT_H

#include "scan/engine.h"

/* Connects to every (target, port) pair of one host group; pos_base is the first-pass
 * position of the group's first pair, so that --shard takes the same pairs as a raw
 * technique would (engine_in_shard). Pairs of other shards stay PS_UNKNOWN. */
int connect_run(const struct scan_config *cfg, struct engine_target *targets, size_t ntargets,
                const uint16_t *ports, size_t nports, uint64_t pos_base,
                volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e);

/* Host discovery without privileges: a connect to 80 and 443; a completed or refused
 * connection means the host is up. Sets res->up and res->reason for each target. */
int connect_ping(const struct scan_config *cfg, struct engine_target *targets, size_t ntargets,
                 volatile sig_atomic_t *stop, struct pr_error *e);

#endif
