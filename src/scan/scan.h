/* scan.h — the configuration of one scan and the entry point that runs it.
 *
 * cli/scan_cli.c fills a `struct scan_config` from the command line (no work done
 * there); scan_run() resolves routes, discovers hosts, runs each technique through
 * the raw engine (scan/engine.c) or the connect engine (scan/connect.c) and fills
 * the result model (output/result.h) that the outputs serialise. */
#ifndef PR_SCAN_SCAN_H
#define PR_SCAN_SCAN_H

#include "core/error.h"
#include "core/ports.h"
#include "core/siphash.h"
#include "core/targets.h"
#include "output/result.h"

#include <signal.h>
#include <stdint.h>

struct payload_db;

/* What an interrupted scan has done, to resume it (--resume): the technique it was in,
 * how far its first pass through the permutation got, and every answer so far. */
struct progress_item {
    struct pr_addr addr;
    uint16_t port;
    uint8_t proto, state, reason, ttl;
};

struct scan_progress {
    int valid;          /* 1 when loaded from a resume file / saved by a stop */
    size_t tech;        /* index into scan_config.techniques of the interrupted one */
    uint64_t position;  /* first-pass permutation positions [0, position) were sent */
    struct pr_addr *up; /* hosts found up by discovery */
    size_t nup;
    struct progress_item *items;
    size_t n, cap;
};

void progress_add(struct scan_progress *p, const struct progress_item *it);
void progress_free(struct scan_progress *p);

/* Timing: from -T0..-T5, then overridden by explicit options. Times in microseconds. */
struct scan_timing {
    int level;                 /* 0..5 */
    double min_rate, max_rate; /* packets/s; 0 = unset */
    int max_retries;           /* retransmissions after the first probe */
    uint64_t initial_rtt_us, min_rtt_us, max_rtt_us;
    uint64_t scan_delay_us;   /* --scan-delay / -T0..-T2: between probes to one host */
    uint64_t host_timeout_us; /* 0 = none */
};

struct scan_config {
    struct target_list targets;
    struct port_list ports;
    struct svc_db *svc;
    struct payload_db *payloads;
    const char *techniques[3]; /* names from the technique table ("syn", "udp", ...) */
    size_t ntech;
    int connect_only;      /* every TCP technique is connect (unprivileged) */
    int no_ping;           /* -Pn */
    int ping_only;         /* -sn */
    int family;            /* AF_INET or AF_INET6 (-6) */
    const char *iface;     /* -e */
    struct pr_addr source; /* -S; family 0 when unset */
    int source_port;       /* -g; -1 when unset */
    int ttl;               /* --ttl; 0 = default 64 */
    struct scan_timing timing;
    struct sip_key key;
    int verbose;
    int stats_every_s;
    unsigned shard_index, shard_count; /* --shard I/N: index is 0-based here; count 0 = off */
    int dry_run;                       /* --dry-run: print each first-pass probe, send nothing */
    struct scan_progress *progress;    /* in: where to resume (or NULL); out: filled on a stop */
    /* service detection (-sV, -A): see svc/version.h */
    int version_detect;
    int version_intensity;    /* 0..9, default 7 */
    const char *versiondb;    /* --versiondb FILE; NULL = /usr/share/nmap/nmap-service-probes */
    const char *cve_feeds[8]; /* --cve-feed FILE (repeatable) */
    size_t ncve_feeds;        /* status line period; 0 = auto */
    char *args;               /* command line, for the outputs */
};

/* Runs the scan and fills r. Returns 0, or -1 with e filled (runtime failure).
 * `stop` is polled: when it becomes non-zero the scan ends early with what it has. */
int scan_run(struct scan_config *cfg, struct scan_result *r, volatile sig_atomic_t *stop,
             struct pr_error *e);

/* Round-trip estimate shared by the engines (Jacobson/Karels, as RFC 6298): folds one
 * sample into *srtt / *rttvar (microseconds; *srtt 0 means no sample yet). */
void rtt_update(double *srtt, double *rttvar, double sample_us);
/* Probe timeout from the estimate, clamped to the timing's min/max; initial without one. */
uint64_t rtt_timeout(const struct scan_timing *t, double srtt, double rttvar);

/* Sets timing defaults for -T level (0..5). */
void scan_timing_template(struct scan_timing *t, int level);

#endif
