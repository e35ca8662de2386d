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

/* What an interrupted scan has done, to resume it (--resume): the host group and the
 * technique it was in, how far that technique's first pass through the group's
 * permutation got, and every answer so far. Finished (group, technique) spans are kept
 * compact: per host one `rest` item (the answer most of its probed ports got) and items
 * only for the ports that got another; the interrupted span keeps one item per answer. */
struct progress_item {
    struct pr_addr addr;
    uint16_t port;
    uint8_t proto, state, reason, ttl;
    uint8_t rest; /* 1: the answer of every probed port of addr/proto without its own item */
};

struct scan_progress {
    int valid;          /* 1 when loaded from a resume file / saved by a stop */
    size_t group;       /* host group that was being scanned; earlier groups are finished */
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
    int rate_auto;             /* no --max-rate: max_rate is where the search starts
                                  (scan/ratectl.h), rate_ceiling where it stops */
    double rate_ceiling;
    int max_retries; /* retransmissions after the first probe */
    uint64_t initial_rtt_us, min_rtt_us, max_rtt_us;
    uint64_t scan_delay_us;   /* --scan-delay / -T0..-T2: between probes to one host */
    uint64_t host_timeout_us; /* 0 = none */
};

/* Where finished hosts go while the scan runs (streamed outputs). Without a sink every
 * host stays in the scan_result with its ports; with one, each finished host group is
 * handed over in target order (up and down hosts) and its ports are freed afterwards, so
 * memory stays bounded by the group size (scan_run). Callbacks return 0, or -1 to fail. */
struct scan_sink {
    /* once, before the first hosts: r->args, start, info[] and ping_only are set */
    int (*begin)(void *ud, const struct scan_result *r);
    int (*hosts)(void *ud, const struct scan_result *r, struct host_result *h, size_t n);
    void *ud;
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
    struct scan_sink *sink;            /* NULL: keep every host's ports in the result */
    size_t max_hostgroup;              /* --max-hostgroup: hosts per group; 0 = by pairs */
    /* service detection (-sV, -A): see svc/version.h */
    int version_detect;
    int version_intensity;    /* 0..9, default 7 */
    const char *versiondb;    /* --versiondb FILE; NULL = /usr/share/nmap/nmap-service-probes */
    const char *cve_feeds[8]; /* --cve-feed FILE (repeatable) */
    size_t ncve_feeds;        /* status line period; 0 = auto */
    char *args;               /* command line, for the outputs */
    /* after start-up (core/privs.h, core/sandbox.h) */
    const char *run_user; /* --user: account to switch to as root; NULL = the default */
    int stay_root;        /* keep the uid: files are created after the scan (--db, audit) */
    int no_sandbox;       /* --no-sandbox: no seccomp filter (debugging) */
};

/* Runs the scan and fills r. Hosts are scanned in groups of at most SCAN_GROUP_PAIRS
 * (host, port) pairs per technique, each group finished (every technique, then -sV)
 * before the next starts; with cfg->sink the group's hosts go to it and their ports are
 * freed. Returns 0, or -1 with e filled (runtime failure).
 * `stop` is polled: when it becomes non-zero the scan ends early with what it has. */
int scan_run(struct scan_config *cfg, struct scan_result *r, volatile sig_atomic_t *stop,
             struct pr_error *e);

/* Pairs in one host group: the engine keeps ~10 bytes per pair and the result 16. */
#define SCAN_GROUP_PAIRS ((uint64_t)1 << 22)

/* Round-trip estimate shared by the engines (Jacobson/Karels, as RFC 6298): folds one
 * sample into *srtt / *rttvar (microseconds; *srtt 0 means no sample yet). */
void rtt_update(double *srtt, double *rttvar, double sample_us);
/* Probe timeout from the estimate, clamped to the timing's min/max; initial without one. */
uint64_t rtt_timeout(const struct scan_timing *t, double srtt, double rttvar);

/* Sets timing defaults for -T level (0..5). */
void scan_timing_template(struct scan_timing *t, int level);

#endif
