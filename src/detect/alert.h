/* alert.h — one scan alert as a value, and the sinks that write it.
 *
 * The engine fills a `struct det_alert` when a scan is first detected and again
 * when it grows or ends (same `scan_id`); sinks only serialise it: readable
 * lines on stdout, JSON lines with the field names of DESIGN.md §3 (--alerts),
 * syslog (--syslog). The responder (the nftables blocker of `--block`, later) is
 * called by the engine before the sinks and names the action it took (`action`).
 * Sinks are a table of functions with a context; no module state. */
#ifndef PR_DETECT_ALERT_H
#define PR_DETECT_ALERT_H

#include "core/addr.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>

#define DET_ALERT_MAX_OPEN 32
#define DET_ALERT_MAX_SRCS 16
#define DET_ALERT_PORT_BITS 65536
#define DET_ALERT_MAX_PORTS 8    /* `ports`: the top ports of a sweep */
#define DET_ALERT_MAX_ACTIONS 4  /* `recommended_actions` */
#define DET_ALERT_ACTION_LEN 120 /* bytes of one action, with its NUL */

enum det_alert_kind { DET_ALERT_NEW = 0, DET_ALERT_UPDATE, DET_ALERT_END };

/* What a web alert (`webscan`, `webprobe`; web.h) adds; NULL in port scan alerts. */
#define DET_WEB_MAX_STATUS 8
#define DET_WEB_MAX_SAMPLES 5
struct det_web_info {
    uint32_t incident_id;  /* the port scan's incident when the source scanned first */
    uint32_t paths_probed; /* distinct paths requested */
    unsigned nstatus;      /* status_counts: code → requests */
    uint16_t status_code[DET_WEB_MAX_STATUS];
    uint32_t status_count[DET_WEB_MAX_STATUS];
    unsigned nsamples;
    char sample_paths[DET_WEB_MAX_SAMPLES][64];
};

/* What the engine saw about a scan's source, as named reasons (`block_evidence`,
 * docs/block.md): facts a forged source cannot produce alone, and vetoes (forged:*) that
 * show that someone else used the address. block.h decides from them. */
enum det_evidence {
    DET_EV_LINK_BOUND = 1u << 0, /* link:mac-bound — probes from the MAC bound to the address */
    DET_EV_HANDSHAKE = 1u << 1,  /* handshake — an ACK of our SYN-ACK's sequence number */
    DET_EV_HALFOPEN = 1u << 2,   /* halfopen — a RST answering our SYN-ACK */
    DET_EV_HOPS_OK = 1u << 3,    /* hops-consistent — probes and answers from one distance */
    DET_EV_STEALTH = 1u << 4,    /* stealth — FIN/NULL/Xmas/odd probes (prove nothing) */
    DET_EV_UNPROVEN = 1u << 5,   /* unproven — no proof and no veto: nothing a forger could
                                    not have sent (failures, stealth probes) */
    DET_EV_HTTP = 1u << 6,       /* http-request — HTTP requests logged by a server: each
                                    completed a handshake (web alerts, web.h) */
    DET_EV_FORGED_MAC = 1u << 8, /* forged:mac-mismatch — probes from another MAC than the
                                    address's owner (ARP/ND) */
    DET_EV_FORGED_TWO_MACS = 1u << 9, /* forged:two-macs — the address seen from two MACs */
    DET_EV_FORGED_HOPS = 1u << 10,  /* forged:hops — packets of the address from two distances */
    DET_EV_FORGED_STRAY = 1u << 11, /* forged:stray-rst — resets for flows it never had */
};
#define DET_EV_FORGED_MASK 0xff00u

/* The name of one evidence bit ("link:mac-bound", ...), or NULL for an unknown bit. */
const char *det_evidence_name(unsigned bit);
/* The evidence names of the bits ev joined by commas ("-" for none), into buf (len). */
void det_evidence_list(unsigned ev, char *buf, size_t len);
/* The phase word of a kind: "start", "update", "end". */
const char *det_alert_phase(enum det_alert_kind k);

struct det_alert {
    uint32_t scan_id; /* one scan: one source, one technique (stable over its lines) */
    enum det_alert_kind kind;
    uint32_t incident_id; /* the same for every scan of one source */
    uint32_t campaign_id; /* 0, or the group (decoy/distributed) this scan belongs to */
    uint64_t ts_us, first_us, last_us;
    const char *event;     /* portscan | portsweep | distributed_portscan | ... */
    const char *scan_type; /* connect | syn | fin | ... | mixed */
    int has_src;           /* always 1 for engine alerts (each scan has its own source) */
    struct pr_addr src;
    unsigned nsrcs; /* > 1 for distributed and decoy scans: srcs[] lists some of the
                       campaign's sources (at most DET_ALERT_MAX_SRCS; informative only) */
    struct pr_addr srcs[DET_ALERT_MAX_SRCS];
    int has_dst; /* one target: dst; else dst_count targets */
    struct pr_addr dst;
    uint32_t dst_count;
    uint32_t ports_probed, hosts_probed, probes;
    unsigned nopen;
    uint16_t open_ports[DET_ALERT_MAX_OPEN];
    const char *detector; /* flags | threshold | trw | fwlog */
    double confidence;
    const char *tool_guess;
    const char *action; /* none | blocked | would_block */
    /* Evidence about src that a forged source cannot produce alone, for the responder
     * (docs/block.md): handshakes src completed by acknowledging our SYN-ACK's sequence
     * number, RSTs from src answering our SYN-ACKs, RSTs from src for flows we never
     * accepted (a sign of blind forgery), the range of hop counts (from the TTL) of those
     * answers, stealth probes. */
    uint32_t ev_handshakes, ev_halfopen, ev_stray_rst, ev_stealth;
    uint8_t ev_hops_lo, ev_hops_hi;
    const struct det_web_info *web; /* web alerts only */
    unsigned evidence;              /* enum det_evidence bits, named in `block_evidence` */
    const char *src_os;             /* the source's passive OS fingerprint (oscache.h), or NULL */
    /* `ports` (sweeps: more than one host): the most probed ports, most first, with the
     * probes (new flows, not retransmissions) of each; nports 0 leaves the field out */
    unsigned nports;
    uint16_t port[DET_ALERT_MAX_PORTS];
    uint32_t port_count[DET_ALERT_MAX_PORTS];
    /* The threat level of the source (threat.h; 0-100) and what to do about it, filled for
     * every alert before the responder sees it. A producer may preset threat_level as the
     * weight of its own evidence (web.h): threat.h takes it as the alert's points. */
    uint8_t threat_level;
    /* engine alerts: the ports the scan probed (DET_ALERT_PORT_BITS bits, valid during the
     * emission), for the campaign grouping of --workers (workers.h); else NULL */
    const uint8_t *port_bits;
    unsigned nactions;
    char actions[DET_ALERT_MAX_ACTIONS][DET_ALERT_ACTION_LEN];
};

/* Writes ts (microseconds since the epoch) as RFC 3339 UTC with microseconds. */
void det_fmt_time(uint64_t ts_us, char *buf, size_t len);

struct det_sink_ops {
    const char *name;
    /* Writes one alert; returns 0 or -1 with e filled. */
    int (*emit)(void *ctx, const struct det_alert *a, struct pr_error *e);
    void (*close)(void *ctx);
    /* Reopens the sink's file by its name (SIGHUP after logrotate moved it); NULL when
     * the sink has no file. Returns 0, or -1 with e filled (the old file stays in use). */
    int (*reopen)(void *ctx, struct pr_error *e);
};

struct det_sink {
    const struct det_sink_ops *ops;
    void *ctx;
};

/* Human lines ("ALERT ...", "UPDATE ...", "END ...") on f. */
int det_sink_text(FILE *f, struct det_sink *out);
/* JSON lines appended to path ("-" for stdout). */
int det_sink_json(const char *path, struct det_sink *out, struct pr_error *e);
/* One line per alert, made by to_line (its result freed with free(); NULL: out of
 * memory), appended to path ("-" for stdout) and flushed; reopened by name on SIGHUP.
 * what names the file in messages ("alerts file"). --alerts and --eve (eve.h) use it. */
int det_sink_lines(const char *path, const char *what, char *(*to_line)(const struct det_alert *a),
                   struct det_sink *out, struct pr_error *e);
/* syslog(3), facility LOG_AUTH (openlog done here, closelog on close). */
int det_sink_syslog(struct det_sink *out);

/* The JSON object of an alert (caller frees with free()); NULL on allocation failure. */
char *det_alert_json(const struct det_alert *a);

#endif
