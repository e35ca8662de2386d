/* config.h — the configuration of one scan, shared by everything under scan/.
 *
 * cli/scan_cli.c fills a `struct scan_config` from the command line (no work done
 * there); scan_run() (scan.h) and the engines it calls (engine.h, connect.h,
 * discovery.h) and -sV (svc/version.h) read it. Types only: this header includes no
 * other scan/ header but rtt.h and progress.h, so the engines need not include scan.h
 * and no include cycle runs through it. */
#ifndef PR_SCAN_CONFIG_H
#define PR_SCAN_CONFIG_H

#include "core/error.h"
#include "core/ports.h"
#include "core/siphash.h"
#include "core/targets.h"
#include "output/ptrace.h"
#include "output/result.h"
#include "scan/decoy.h"
#include "scan/progress.h"
#include "scan/rtt.h"

#include <stdint.h>

struct payload_db;
struct macvendor;
struct svc_version;
struct osdb;
struct run_levels;

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

#define DISC_MAX_PORTS 32 /* ports of one -PS/-PA/-PU option list */

/* Host discovery probes (-PS, -PA, -PU, -PE, -PP, -PR); none given: nmap's defaults (ICMP
 * echo, SYN to 443, ACK to 80, ICMP timestamp; ARP / ND for on-link targets). */
struct disc_opts {
    uint16_t syn[DISC_MAX_PORTS], ack[DISC_MAX_PORTS], udp[DISC_MAX_PORTS];
    size_t nsyn, nack, nudp;
    int echo, timestamp, arp; /* -PE, -PP, -PR */
    int any;                  /* some -P probe option was given */
    int no_arp;               /* --send-ip / --disable-arp-ping: IP probes on the link too */
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
    int badsum;            /* --badsum: probes with a wrong TCP/UDP checksum */
    int sequential;        /* -r: ports in order, not in the keyed permutation's */
    size_t data_length;    /* --data-length: random bytes after the TCP/UDP header */
    int show_found;        /* -v with the report on stdout: "Discovered open port" lines */
    /* every raw probe goes through scan/emit.h: once per -D source, in fragments with -f */
    struct decoys decoys; /* -D; decoys.n == 0: our own source only */
    unsigned frag_size;   /* -f 8, -ff 16, --mtu N: IPv4 payload bytes per fragment; 0 off */
    /* -v, -d and --packet-trace as the run goes (keys change them: core/keys.h); NULL in
     * callers that have none (then no trace, and cfg->verbose stands) */
    struct run_levels *live;
    struct ptrace trace; /* where --packet-trace lines go, and their time origin */
    /* host discovery: the -P probes; nmap-mac-prefixes for MAC vendors (may be NULL) */
    struct disc_opts disc;
    const struct macvendor *vendors;
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
    struct svc_version *sv;   /* opened by the caller before scan_run when version_detect */
    int version_intensity;    /* 0..9, default 7 */
    const char *versiondb;    /* --versiondb FILE; NULL = /usr/share/nmap/nmap-service-probes */
    const char *cve_feeds[8]; /* --cve-feed FILE (repeatable) */
    size_t ncve_feeds;        /* status line period; 0 = auto */
    const char *cpe_dict;     /* --cpe-dict FILE: CPE aliases (svc/cpedict.h), or NULL */
    const char *cve_distro;   /* --cve-distro FILE: OSV/DST feed (svc/distfeed.h), or NULL */
    /* OS detection (-O): see scan/osscan.h */
    int os_detect;
    int osscan_limit;        /* --osscan-limit: only hosts with an open and a closed TCP port */
    int osscan_guess;        /* --osscan-guess / --fuzzy */
    int max_os_tries;        /* --max-os-tries, default 5 */
    const struct osdb *osdb; /* loaded by the caller before scan_run when os_detect */
    int traceroute;          /* --traceroute (and -A as root): scan/traceroute.h */
    int rdns; /* reverse DNS: 0 hosts that are up, -1 none (-n), 1 every target (-R) */
    const char *dns_servers; /* --dns-servers "a,b"; NULL: /etc/resolv.conf (net/rdns.h) */
    char *args;              /* command line, for the outputs */
    /* after start-up (core/privs.h, core/sandbox.h) */
    const char *run_user; /* --user: account to switch to as root; NULL = the default */
    int stay_root;        /* keep the uid: files are created after the scan (--db, audit) */
    int no_sandbox;       /* --no-sandbox: no seccomp filter (debugging) */
};

/* Pairs in one host group: the engine keeps ~10 bytes per pair and the result 16. */
#define SCAN_GROUP_PAIRS ((uint64_t)1 << 22)

/* --data-length at most: probes stay below the usual MTU, unfragmented. */
#define SCAN_DATA_MAX 1400

#endif
