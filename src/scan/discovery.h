/* discovery.h — raw host discovery, like nmap's for a privileged user.
 *
 * Targets on a directly connected Ethernet link (the route's next hop is the target
 * itself) are found through the link layer, as nmap's -PR: the kernel's neighbour table
 * first (a REACHABLE or PERMANENT entry is an answer already), then an ARP request for an
 * IPv4 target (arp-response) or, for IPv6, a probe that makes the kernel solicit the
 * neighbour, whose entry is then read back (nd-response). Every other target (and, with
 * --send-ip, on-link ones too) gets the probes of the -P options (cfg->disc): SYN (-PS),
 * ACK (-PA), UDP (-PU) to each listed port, ICMP echo (-PE) and, over IPv4, ICMP
 * timestamp (-PP); without any, nmap's defaults: echo, SYN to 443, ACK to 80, timestamp.
 * Any validated answer marks the host up with nmap's reason: syn-ack, reset, udp-response,
 * port-unreach or proto-unreach (from the target itself), echo-reply, timestamp-reply.
 * Unanswered hosts get one more try after an RTT-based timeout. Stateless: the answers
 * are recognised by a keyed cookie per target in the probes. */
#ifndef PR_SCAN_DISCOVERY_H
#define PR_SCAN_DISCOVERY_H

#include "scan/engine.h"

/* Discovers targets[0..ntargets-1] (sorted by address), setting res->up, reason, RTT
 * and, for on-link targets, the MAC and its vendor. arp_fd is net/arp.h's socket, or -1
 * (no ARP: IPv4 on-link targets get IP probes). Returns 0. */
int discovery_run(const struct scan_config *cfg, struct rawio *io, int arp_fd,
                  struct engine_target *targets, size_t ntargets, volatile sig_atomic_t *stop,
                  struct engine_stats *st, struct pr_error *e);

/* Fills the MAC (and vendor) of the up targets on a directly connected Ethernet link
 * that have none yet, from the kernel's neighbour table (as nmap reports the MAC of
 * on-link hosts whatever found them, -Pn included). */
void discovery_macs(const struct scan_config *cfg, struct engine_target *targets, size_t n);

/* 1 when the run may use ARP: raw discovery of IPv4 targets without --send-ip. */
int discovery_wants_arp(const struct scan_config *cfg);

#endif
