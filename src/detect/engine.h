/* engine.h — the scan detector: events in, scan alerts out.
 *
 * Data flow: det_engine_event() takes one event (a packet or a firewall LOG line)
 * → connection table (first-contact outcomes: SYN answered by SYN-ACK = success,
 * by RST / ICMP unreachable / nothing = failure) → per-source state in a fixed
 * table (keyed SipHash, bounded probing, eviction of the least valuable, oldest
 * entry) → detectors (flags: FIN/NULL/Xmas and odd flag sets; trw: sequential
 * hypothesis test on first contacts; threshold: distinct ports or hosts per
 * window; fwlog: logged drops are failed contacts) → scan records (one per scanning
 * source and technique, updated as the scan grows, tied by the source's incident id;
 * scans of one target by several sources at once share a campaign id, each still
 * reported on its own) with the evidence about the source that --block weighs (the MAC
 * bound to the address on the link by ARP/ND, answers to our SYN-ACKs, hop counts) →
 * the responder hook → sinks, through a global token bucket so that alerts cannot
 * flood the log.
 *
 * Time is the events' time: a capture file replays deterministically; a live
 * source calls det_engine_tick() with the wall clock. Single-threaded; all state
 * lives in struct det_engine. Memory is fixed at creation (see det_engine_bytes). */
#ifndef PR_DETECT_ENGINE_H
#define PR_DETECT_ENGINE_H

#include "core/error.h"
#include "detect/alert.h"
#include "detect/event.h"

#include <stddef.h>
#include <stdint.h>

struct det_config {
    uint32_t max_sources;     /* tracked sources (default 65536) */
    uint32_t max_conns;       /* tracked flows (default 2 * max_sources) */
    uint32_t max_scans;       /* concurrently reported scans (default 256) */
    uint32_t flags_threshold; /* stealth probes to distinct ports before an alert (5) */
    uint32_t trw_min_fail;    /* failed first contacts before a TRW alert (6) */
    double trw_theta0;        /* P(success) of a benign first contact (0.8) */
    double trw_theta1;        /* P(success) of a scanner's first contact (0.2) */
    double trw_pd, trw_pf;    /* wanted detection and false-positive rates (0.99, 0.001) */
    uint32_t port_threshold;  /* threshold detector: distinct ports in a window (25) */
    uint32_t host_threshold;  /* distinct hosts in a window (50) */
    uint32_t ping_threshold;  /* distinct hosts pinged in a window (10) */
    uint64_t window_us;       /* threshold window (60 s) */
    uint32_t burst_ports;     /* distinct ports within burst_us: a scan at once (12; 0: off) */
    uint64_t burst_us;        /* (1 s): nmap -sU's first second, before any answer is due */
    uint64_t conn_timeout_us; /* no answer after this is a failed contact (3 s) */
    uint64_t scan_idle_us;    /* a scan with no probe for this long has ended (30 s) */
    uint64_t horizon_us;      /* a source idle this long starts afresh (1 h) */
    uint64_t update_us;       /* minimum time between updates of one scan (5 s) */
    double alert_rate;        /* alerts per second, all scans together (10) */
    uint32_t alert_burst;     /* bucket size (50) */
    uint8_t no_campaigns;     /* 1: scans are not grouped here (--workers: workers.h does it) */
};

void det_config_defaults(struct det_config *c);

struct det_stats {
    uint64_t events, probes, sources_seen, sources_evicted, conns_evicted, scans_evicted;
    uint64_t scans, alerts, updates, alerts_suppressed, sink_errors;
};

struct det_engine;

/* Creates an engine with its tables allocated once; adds sinks with
 * det_engine_add_sink. Returns NULL with e filled on a bad configuration. */
struct det_engine *det_engine_new(const struct det_config *c, struct pr_error *e);
/* Sinks are closed by det_engine_free. At most 8. Returns 0 or -1. */
int det_engine_add_sink(struct det_engine *d, const struct det_sink *s);
/* The response hook (`--block`, issue 5): called for every alert before the sinks see
 * it; it may act on the source and returns the word for the alert's `action` field
 * ("blocked", "would_block"; NULL or "none" for nothing). Only one responder. */
typedef const char *(*det_responder_fn)(void *ctx, const struct det_alert *a);
void det_engine_set_responder(struct det_engine *d, det_responder_fn fn, void *ctx);
/* Names the operating system of an address for an alert's `src_os` (oscache.h), or NULL
 * when unknown. Optional. */
typedef const char *(*det_os_fn)(void *ctx, const struct pr_addr *a);
void det_engine_set_os_namer(struct det_engine *d, det_os_fn fn, void *ctx);
/* The system's view of the link (`-i`: the kernel's neighbour table, capture.h
 * det_capture_neighbour): asked for the MAC of a reported source whose binding no ARP or
 * neighbour discovery packet showed (at most once per 100 ms). Returns 1 with mac filled,
 * 0 when unknown. */
typedef int (*det_binder_fn)(void *ctx, const struct pr_addr *a, uint8_t mac[6]);
void det_engine_set_binder(struct det_engine *d, det_binder_fn fn, void *ctx);
/* What the behaviour analysis (behave.h) sees of the engine; every member optional.
 * connect: a source judged a scanner completed a TCP handshake (its ACK acknowledged the
 * responder's SYN-ACK) to a port that one of its open scans found open, on a flow that was
 * no probe of that scan (scan_then_connect). */
struct det_connect {
    struct pr_addr src, dst;
    uint16_t port;
    uint64_t ts_us;
    uint32_t scan_id, incident_id;
    const char *scan_type; /* the scan that found the port */
    unsigned evidence;     /* the scan's block_evidence (alert.h), with `handshake` */
};
struct det_hooks {
    /* called for every alert after the engine filled it, before the responder and the
     * sinks: may refine `event`, and fills `threat_level` and `recommended_actions` */
    void (*enrich)(void *ctx, struct det_alert *a);
    void (*connect)(void *ctx, const struct det_connect *c);
    /* whether a is in the home network: only home sources' answered requests are taken
     * back as client traffic (docs/detect.md); NULL: none is */
    int (*is_home)(void *ctx, const struct pr_addr *a);
    void *ctx;
};
void det_engine_set_hooks(struct det_engine *d, const struct det_hooks *h);
/* Commits the tables' memory now (writes every page) instead of as they fill: a table page
 * first read and then written costs a copy-on-write fault that flushes the TLB of every CPU
 * running one of the process's threads (--workers, workers.h). */
void det_engine_prefault(struct det_engine *d);
/* Sets the fixed key of the hash tables (tests); default is random. */
void det_engine_set_key(struct det_engine *d, uint64_t k0, uint64_t k1);

/* Feeds one event. Events should come in time order; late ones are treated as now. */
void det_engine_event(struct det_engine *d, const struct det_event *ev);
/* Advances time to now_us: expires unanswered probes and ended scans. */
void det_engine_tick(struct det_engine *d, uint64_t now_us);
/* End of input: every pending probe times out and every open scan is closed. */
void det_engine_finish(struct det_engine *d);

const struct det_stats *det_engine_stats(const struct det_engine *d);
/* Bytes allocated for the tables (the documented bound). */
size_t det_engine_bytes(const struct det_engine *d);
/* Bytes of one tracked source, one flow and one scan record. */
size_t det_engine_source_bytes(void);
size_t det_engine_conn_bytes(void);
size_t det_engine_scan_bytes(void);

/* The incident id of src: the same for every scan of that source (its alerts'
 * `incident_id`), so that other inputs (web logs) can tie their findings to it. 0 when the
 * source has never been judged a scanner or is no longer tracked (evicted, or silent
 * beyond the horizon and then seen again). Does not change the engine. */
uint32_t det_engine_incident_of(const struct det_engine *d, const struct pr_addr *src);

void det_engine_free(struct det_engine *d);

/* An alert made outside the engine (the web analyzer, web.h; the lines merged from
 * --workers): takes the next alert id (det_engine_next_id) and, in det_engine_emit, passes
 * the responder and then the global token bucket and the sinks. The responder sees every
 * line, even one the bucket keeps from the sinks (a flood of alerts must not delay a
 * block). det_engine_emit returns 0, or -1 when the bucket suppressed it (counted; the
 * caller may retry later, and the responder then sees it again). */
uint32_t det_engine_next_id(struct det_engine *d);
int det_engine_emit(struct det_engine *d, struct det_alert *a);

#endif
