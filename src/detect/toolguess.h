/* toolguess.h — which scanner made a probe, from its packet traits.
 *
 * Each probe a source sends votes for at most one tool; the engine keeps the
 * votes per source and per scan and names the tool that has a clear majority.
 * Traits (measured on captures of nmap 7.93, masscan 1.3.2, zmap 2.1.1 in the lab,
 * documented in docs/detect.md):
 *   zmap    — IPv4 ID 54321, window 65535, no TCP options;
 *   masscan — IPv4 ID == (dst address ^ dst port ^ seq) & 0xffff, window 1024;
 *   nmap    — raw TCP probes with window 1024/2048/3072/4096 and IPv4 TTL 37-59, SYN with
 *             exactly one option (MSS 1460), other flags with none; TTL that changes
 *             from probe to probe; one source port for most of a scan.
 * For LOG lines the masscan relation needs SEQ=; the options come from OPT (...) or,
 * when not logged, from the length (LEN=) of the packet. Pure functions. */
#ifndef PR_DETECT_TOOLGUESS_H
#define PR_DETECT_TOOLGUESS_H

#include "detect/event.h"

#include <stdint.h>

enum det_tool { DET_TOOL_UNKNOWN = 0, DET_TOOL_NMAP, DET_TOOL_MASSCAN, DET_TOOL_ZMAP, DET_TOOL_N };

/* The tool this single probe's traits point to, or DET_TOOL_UNKNOWN. */
enum det_tool det_tool_vote(const struct det_event *ev);

/* Per-source or per-scan trait counters. */
struct det_toolstats {
    uint32_t votes[DET_TOOL_N]; /* by det_tool_vote */
    uint32_t probes;            /* probes considered */
    uint32_t ttl_changes;       /* probes whose TTL differs from the previous probe's */
    uint32_t sport_same;        /* probes whose source port equals the previous one */
    uint32_t udp_probes;
    uint8_t last_ttl;
    uint16_t last_sport;
};

/* Adds one probe: its vote, TTL, source port and protocol. */
void det_tool_account(struct det_toolstats *st, enum det_tool vote, uint8_t ttl, uint16_t sport,
                      uint8_t proto);
/* Adds the counters of `from` (an earlier stage of the same scanner) to `to`. */
void det_tool_merge(struct det_toolstats *to, const struct det_toolstats *from);
/* The verdict from the counters; kernel-made probes (connect scans) give UNKNOWN. */
enum det_tool det_tool_decide(const struct det_toolstats *st);
const char *det_tool_name(enum det_tool t);

#endif
