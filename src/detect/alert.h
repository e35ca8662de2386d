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

enum det_alert_kind { DET_ALERT_NEW = 0, DET_ALERT_UPDATE, DET_ALERT_END };

/* What a web alert (`webscan`, `webprobe`; web.h) adds; NULL in port scan alerts. */
#define DET_WEB_MAX_STATUS 8
#define DET_WEB_MAX_SAMPLES 5
struct det_web_info {
    uint32_t incident_id;  /* the port scan's incident when the source scanned first */
    uint8_t threat_level;  /* 0-100 */
    uint32_t paths_probed; /* distinct paths requested */
    unsigned nstatus;      /* status_counts: code → requests */
    uint16_t status_code[DET_WEB_MAX_STATUS];
    uint32_t status_count[DET_WEB_MAX_STATUS];
    unsigned nsamples;
    char sample_paths[DET_WEB_MAX_SAMPLES][64];
    const char *block_evidence; /* "http-request": completed requests, not forgeable */
};

struct det_alert {
    uint32_t scan_id;
    enum det_alert_kind kind;
    uint64_t ts_us, first_us, last_us;
    const char *event;     /* portscan | portsweep | distributed_portscan | ... */
    const char *scan_type; /* connect | syn | fin | ... | mixed */
    int has_src;           /* src is known (a group of decoys may hide the real one) */
    struct pr_addr src;
    unsigned nsrcs; /* > 1 for distributed and decoy scans: srcs[] lists them */
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
