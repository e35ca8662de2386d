/* scan_cli.c — `portreeve scan` options (nmap-compatible where nmap has them) into a
 * struct scan_config, then the run and the outputs. Every bad option or value gives
 * one line on stderr naming it, and exit code 2 before any packet is sent. */
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/scan_share.h"
#include "cli/scan_shard.h"

#include "audit/history.h"
#include "core/clock.h"
#include "core/keys.h"
#include "core/macvendor.h"
#include "core/ports.h"
#include "net/iflist.h"
#include "net/payloads.h"
#include "net/rawio.h"
#include "net/rdns.h"
#include "os/osdb.h"
#include "output/output.h"
#include "scan/resume.h"
#include "scan/scan.h"
#include "scan/technique.h"
#include "svc/version.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUT 4

struct out_file {
    char fmt; /* 'N', 'X', 'G', 'J' */
    const char *path;
};

/* Long options (prefixes and --name=value, cli/opts.h) and single-dash options that take
 * a value. An option missing here is still taken, spelled out in full. */
static const struct cli_opt scan_opts[] = {
    {"--help", 0},
    {"--top-ports", 1},
    {"--exclude", 1},
    {"--excludefile", 1},
    {"--min-rate", 1},
    {"--max-rate", 1},
    {"--max-retries", 1},
    {"--max-hostgroup", 1},
    {"--host-timeout", 1},
    {"--scan-delay", 1},
    {"--initial-rtt-timeout", 1},
    {"--min-rtt-timeout", 1},
    {"--max-rtt-timeout", 1},
    {"--stats-every", 1},
    {"--open", 0},
    {"--reason", 0},
    {"--user", 1},
    {"--no-sandbox", 0},
    {"--source-port", 1},
    {"--ttl", 1},
    {"--badsum", 0},
    {"--seed", 1},
    {"--shard", 1},
    {"--dry-run", 0},
    {"--resume", 1},
    {"--version-intensity", 1},
    {"--version-light", 0},
    {"--version-all", 0},
    {"--versiondb", 1},
    {"--version-null-wait", 1},
    {"--cve-feed", 1},
    {"--cpe-dict", 1},
    {"--cve-distro", 1},
    {"--payloads", 1},
    {"--exclude-ports", 1},
    {"--append-output", 0},
    {"--data-length", 1},
    {"--db", 1},
    {"--run-id", 1},
    {"--osscan-limit", 0},
    {"--osscan-guess", 0},
    {"--fuzzy", 0},
    {"--max-os-tries", 1},
    {"--osdb", 1},
    {"--traceroute", 0},
    {"--iflist", 0},
    {"--send-ip", 0},
    {"--disable-arp-ping", 0},
    {"--dns-servers", 1},
    {"--system-dns", 0},
    {"--mtu", 1},
    {"--packet-trace", 0},
    {"--debug", 0},
    {"-p", 1},
    {"-iL", 1},
    {"-oN", 1},
    {"-oX", 1},
    {"-oG", 1},
    {"-oJ", 1},
    {"-oA", 1},
    {"-e", 1},
    {"-S", 1},
    {"-g", 1},
    {"-T", 1},
    {"-D", 1},
};

struct scan_cli {
    struct scan_config cfg;
    struct cli_argv args; /* the command line with long options spelled out */
    const char *port_spec;
    long top_ports;
    struct out_file out[MAX_OUT * 2];
    size_t nout;
    const char *oa_base;
    char oa_paths[3][PATH_MAX];
    struct out_opts oo;
    int tech_tcp; /* index+1 into techniques of the TCP technique */
    int want_udp;
    const char *tcp_name;
    int timing_level;
    const char *payload_file;
    const char *exclude_ports; /* --exclude-ports SPEC */
    int append;                /* --append-output */
    int list_only;             /* -sL */
    const char *db;            /* --db: store the scan in the history (audit/history.h) */
    const char *run_id;        /* --run-id: the run's name (and the shards', cli/scan_shard.h) */
    int seed_given;            /* --seed was given */
    const char *osdb_path;     /* --osdb FILE (-O); NULL: nmap-common's nmap-os-db */
    struct osdb *osdb;         /* loaded when -O */
    struct macvendor vendors;  /* nmap-mac-prefixes, for the MAC lines */
    int aggressive;            /* -A: -sV, and as root -O and --traceroute, like nmap */
    unsigned null_wait_ms;     /* --version-null-wait; 0: default (svc_version_set_null_wait) */
    const char *decoy_spec;    /* -D LIST, parsed once the key and family are known */
    int packet_trace;          /* --packet-trace */
    struct run_levels live;    /* -v, -d, --packet-trace while the scan runs (keys) */
    struct {
        double min_rate, max_rate;
        int max_retries;
        int64_t host_timeout, scan_delay, init_rtt, min_rtt, max_rtt;
    } ov; /* explicit overrides; negative = unset */
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    if (!stop_flag)
        stop_flag = sig; /* SIGINT or SIGTERM: the first one decides the exit status */
}

static void warn_line(void *ud, const char *msg)
{
    (void)ud;
    fprintf(stderr, "%s\n", msg);
}

static void usage(FILE *f)
{
    fputs("usage: portreeve scan [options] TARGET...\n"
          "Techniques: -sS SYN (default with privileges)  -sT connect (default without)\n"
          "  -sF FIN  -sN NULL  -sX Xmas  -sU UDP  -sA ACK  -sM Maimon  -sW window\n"
          "  (one TCP technique, combinable with -sU, e.g. -sS -sU or -sSU)\n"
          "Targets: ADDR, CIDR, octet ranges (198.18.1-3.1-254), names, IPv6 with -6\n"
          "  -iL FILE  --exclude LIST  --excludefile FILE  -sL (list them, send nothing)\n"
          "Ports: -p 22,80,1000-2000 | -p U:53,T:22 | -p- ; -F (top 100); --top-ports N\n"
          "  --exclude-ports SPEC  -r (ports in order, not randomised)\n"
          "Discovery: -Pn (no ping: every host up; also -PN)  -sn (ping only)\n"
          "  -PS/-PA/-PU[ports]  -PE  -PP  -PR (ARP/ND, default on the link)\n"
          "  --send-ip|--disable-arp-ping (IP probes on the link too)\n"
          "Timing: -T0..-T5  --min-rate N  --max-rate N  --max-retries N  --host-timeout T\n"
          "  --scan-delay T  --initial-rtt-timeout T  --min-rtt-timeout T  --max-rtt-timeout T\n"
          "  (T: 500ms, 2s, 1m, 1h; a bare number is seconds)\n"
          "Output: -oN FILE  -oX FILE  -oG FILE  -oJ FILE (JSON lines)  -oA BASE\n"
          "  --open  --reason  -v  -d[N]|--debug  --stats-every T  --append-output\n"
          "  --packet-trace (every raw packet sent and received, every connect)\n"
          "  keys while it runs: v/V verbosity, d/D debugging, p/P packet trace, other: status\n"
          "Services: -sV  --version-intensity 0-9  --versiondb FILE  --cve-feed FILE\n"
          "  --version-light (intensity 2)  --version-all (9)\n"
          "  --version-null-wait T (silent NULL probe once another probe matched; 6s: nmap's)\n"
          "  --cpe-dict FILE (NVD CPE dictionary: aliases)  --cve-distro FILE (OSV/DST feed)\n"
          "  -A (-sV -O --traceroute)  --traceroute (hops to each host, as nmap)\n"
          "OS: -O  --osscan-limit  --osscan-guess (--fuzzy)  --max-os-tries N  --osdb FILE\n"
          "Large scans: --seed N  --shard I/N  --dry-run  --resume FILE (after Ctrl-C)\n"
          "  --max-hostgroup N (hosts scanned together; default: 4M host-port pairs)\n"
          "Other: -e IFACE  -S ADDR  -g|--source-port PORT  --ttl N  --seed N  --badsum\n"
          "  --payloads FILE\n"
          "Evasion: -D D1[,D2][,ME][,RND[:N]] (decoys: each raw probe also from them)\n"
          "  -f (8-byte IPv4 fragments)  -ff (16)  --mtu N (N bytes, a multiple of 8)\n"
          "  --data-length N (random bytes in each probe, at most 1400)\n"
          "DNS: -n (no reverse DNS)  -R (reverse DNS of every target, also down)\n"
          "  --dns-servers A[,B...] (else /etc/resolv.conf)  --system-dns (the same)\n"
          "History: --db PATH|postgresql://...  store the scan (see portreeve history)\n"
          "  --run-id ID (name the run; with --shard I/N and --seed, the N shards are one run)\n"
          "Privileges: --user NAME (account after start-up; default portreeve or nobody)\n"
          "  --no-sandbox (no seccomp filter; for debugging)\n"
          "--iflist: print the interfaces and routes (as nmap) and exit\n",
          f);
}

static int bad(const char *opt, const char *fmt, const char *val)
{
    fprintf(stderr, "portreeve scan: %s: ", opt);
    fprintf(stderr, fmt, val);
    fputc('\n', stderr);
    return -1;
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "portreeve scan: %s: '%s' is not a whole number from %ld to %ld\n", opt, s,
                lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* The port list of -PS/-PA/-PU ("22,80,1000-1010"; empty: def) into out[0..*n-1]. */
static int disc_ports(const char *opt, const char *s, uint16_t def, uint16_t *out, size_t *n)
{
    *n = 0;
    if (!*s) {
        out[(*n)++] = def;
        return 0;
    }
    while (*s) {
        char *end;
        errno = 0;
        long lo = strtol(s, &end, 10), hi = lo;
        if (end != s && *end == '-') {
            const char *h = end + 1;
            hi = strtol(h, &end, 10);
            if (end == h)
                hi = -1;
        }
        if (end == s || errno || lo < 0 || hi > 65535 || hi < lo || (*end && *end != ',') ||
            (*end == ',' && !end[1]))
            return bad(opt, "'%s' is not a port list (22,80,1000-1010)", s);
        for (long p = lo; p <= hi; p++) {
            if (*n == DISC_MAX_PORTS)
                return bad(opt, "'%s': more than 32 ports", s);
            out[(*n)++] = (uint16_t)p;
        }
        s = *end ? end + 1 : end;
    }
    return 0;
}

static int parse_rate(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v > 0) || v > 1e8)
        return bad(opt, "'%s' is not a rate in packets per second (0 < rate <= 1e8)", s);
    *out = v;
    return 0;
}

/* nmap time syntax: "500ms", "2s", "1m", "1h", bare number = seconds. */
static int parse_time(const char *opt, const char *s, int64_t *us)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double mult = 1e6;
    if (!strcmp(end, "ms"))
        mult = 1e3;
    else if (!strcmp(end, "s") || !*end)
        mult = 1e6;
    else if (!strcmp(end, "m"))
        mult = 60e6;
    else if (!strcmp(end, "h"))
        mult = 3600e6;
    else
        return bad(opt, "'%s' is not a time (use e.g. 500ms, 2s, 1m, 1h)", s);
    if (end == s || errno || v < 0 || v * mult > 8.64e12)
        return bad(opt, "'%s' is not a time (use e.g. 500ms, 2s, 1m, 1h)", s);
    *us = (int64_t)(v * mult);
    return 0;
}

static int add_technique(struct scan_cli *c, char letter)
{
    static const struct {
        char l;
        const char *name;
    } map[] = {{'S', "syn"}, {'T', "connect"}, {'F', "fin"},    {'N', "null"}, {'X', "xmas"},
               {'A', "ack"}, {'M', "maimon"},  {'W', "window"}, {'U', "udp"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].l != letter)
            continue;
        if (letter == 'U') {
            c->want_udp = 1;
            return 0;
        }
        if (c->tcp_name && strcmp(c->tcp_name, map[i].name)) {
            fprintf(stderr,
                    "portreeve scan: -s%c: only one TCP technique per scan (already %s); "
                    "-sU may be added to it\n",
                    letter, c->tcp_name);
            return -1;
        }
        c->tcp_name = map[i].name;
        return 0;
    }
    fprintf(stderr, "portreeve scan: -s%c: unknown scan technique\n", letter);
    return -1;
}

static int add_output(struct scan_cli *c, char fmt, const char *path)
{
    if (c->nout >= sizeof c->out / sizeof c->out[0]) {
        fprintf(stderr, "portreeve scan: too many output files\n");
        return -1;
    }
    c->out[c->nout++] = (struct out_file){fmt, path};
    return 0;
}

/* Parses argv into c. Returns 0, 1 for --help, -1 on error (message printed). */
static int parse_args(struct scan_cli *c, int argc, char **argv, const char ***targets,
                      size_t *ntargets)
{
    struct pr_error e = {{0}};
    *targets = pr_calloc((size_t)argc, sizeof **targets);
    *ntargets = 0;
    const char *il = NULL, *exclude = NULL, *excludefile = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
#define NEED_VAL()                                                                                 \
    do {                                                                                           \
        if (i + 1 >= argc) {                                                                       \
            fprintf(stderr, "portreeve scan: option '%s' needs a value\n", a);                     \
            return -1;                                                                             \
        }                                                                                          \
        val = argv[++i];                                                                           \
    } while (0)
        if (a[0] != '-' || !a[1]) {
            (*targets)[(*ntargets)++] = a;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            return 1;
        } else if (!strcmp(a, "-sV")) {
            c->cfg.version_detect = 1;
        } else if (a[1] == 's' && a[2] && a[1 + strspn(a + 2, "STFNXAMWUnL") + 1] == 0) {
            for (const char *l = a + 2; *l; l++) {
                if (*l == 'n')
                    c->cfg.ping_only = 1;
                else if (*l == 'L')
                    c->list_only = 1;
                else if (add_technique(c, *l) < 0)
                    return -1;
            }
        } else if (a[1] == 's') {
            fprintf(stderr, "portreeve scan: %s: unknown scan technique\n", a);
            return -1;
        } else if (!strcmp(a, "-p-")) {
            c->port_spec = "-";
        } else if (!strncmp(a, "-p", 2) && a[1] == 'p') {
            if (a[2])
                val = a + 2;
            else
                NEED_VAL();
            c->port_spec = val;
        } else if (!strcmp(a, "-F")) {
            c->top_ports = 100;
        } else if (!strcmp(a, "--top-ports")) {
            NEED_VAL();
            if (parse_long(a, val, 1, 65535, &c->top_ports) < 0)
                return -1;
        } else if (!strcmp(a, "-Pn") || !strcmp(a, "-PN")) {
            c->cfg.no_ping = 1;
        } else if (a[1] == 'P' && (a[2] == 'S' || a[2] == 'A' || a[2] == 'U')) {
            struct disc_opts *d = &c->cfg.disc;
            int r = a[2] == 'S'   ? disc_ports(a, a + 3, 80, d->syn, &d->nsyn)
                    : a[2] == 'A' ? disc_ports(a, a + 3, 80, d->ack, &d->nack)
                                  : disc_ports(a, a + 3, 40125, d->udp, &d->nudp);
            if (r < 0)
                return -1;
            d->any = 1;
        } else if (a[1] == 'P' && (a[2] == 'E' || a[2] == 'P' || a[2] == 'R') && !a[3]) {
            struct disc_opts *d = &c->cfg.disc;
            *(a[2] == 'E' ? &d->echo : a[2] == 'P' ? &d->timestamp : &d->arp) = 1;
            d->any = 1;
        } else if (!strcmp(a, "--send-ip") || !strcmp(a, "--disable-arp-ping")) {
            c->cfg.disc.no_arp = 1;
        } else if (!strcmp(a, "-6")) {
            c->cfg.family = AF_INET6;
        } else if (!strcmp(a, "-n")) {
            c->cfg.rdns = -1;
        } else if (!strcmp(a, "-R")) {
            c->cfg.rdns = 1;
        } else if (!strcmp(a, "--dns-servers")) {
            NEED_VAL();
            c->cfg.dns_servers = val;
        } else if (!strcmp(a, "--system-dns")) {
            /* c-ares reads the system's /etc/resolv.conf: the default already */
        } else if (!strcmp(a, "-iL")) {
            NEED_VAL();
            il = val;
        } else if (!strcmp(a, "--exclude")) {
            NEED_VAL();
            exclude = val;
        } else if (!strcmp(a, "--excludefile")) {
            NEED_VAL();
            excludefile = val;
        } else if (a[1] == 'T' && a[2] >= '0' && a[2] <= '5' && !a[3]) {
            c->timing_level = a[2] - '0';
        } else if (!strcmp(a, "-T")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 0, 5, &v) < 0)
                return -1;
            c->timing_level = (int)v;
        } else if (!strcmp(a, "--min-rate")) {
            NEED_VAL();
            if (parse_rate(a, val, &c->ov.min_rate) < 0)
                return -1;
        } else if (!strcmp(a, "--max-rate")) {
            NEED_VAL();
            if (parse_rate(a, val, &c->ov.max_rate) < 0)
                return -1;
        } else if (!strcmp(a, "--max-retries")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 0, 50, &v) < 0)
                return -1;
            c->ov.max_retries = (int)v;
        } else if (!strcmp(a, "--max-hostgroup")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 1, 1L << 30, &v) < 0)
                return -1;
            c->cfg.max_hostgroup = (size_t)v;
        } else if (!strcmp(a, "--host-timeout") || !strcmp(a, "--scan-delay") ||
                   !strcmp(a, "--initial-rtt-timeout") || !strcmp(a, "--min-rtt-timeout") ||
                   !strcmp(a, "--max-rtt-timeout") || !strcmp(a, "--stats-every")) {
            NEED_VAL();
            int64_t us = 0;
            if (parse_time(a, val, &us) < 0)
                return -1;
            if (!strcmp(a, "--host-timeout"))
                c->ov.host_timeout = us;
            else if (!strcmp(a, "--scan-delay"))
                c->ov.scan_delay = us;
            else if (!strcmp(a, "--initial-rtt-timeout"))
                c->ov.init_rtt = us;
            else if (!strcmp(a, "--min-rtt-timeout"))
                c->ov.min_rtt = us;
            else if (!strcmp(a, "--max-rtt-timeout"))
                c->ov.max_rtt = us;
            else
                c->cfg.stats_every_s = (int)(us / 1000000 ? us / 1000000 : 1);
        } else if (!strcmp(a, "-oN") || !strcmp(a, "-oX") || !strcmp(a, "-oG") ||
                   !strcmp(a, "-oJ")) {
            NEED_VAL();
            if (add_output(c, a[2], val) < 0)
                return -1;
        } else if (!strcmp(a, "-oA")) {
            NEED_VAL();
            c->oa_base = val;
        } else if (!strcmp(a, "--open")) {
            c->oo.open_only = 1;
        } else if (!strcmp(a, "--reason")) {
            c->oo.reason = 1;
        } else if (a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
            c->oo.verbose += (int)strlen(a + 1);
        } else if ((a[1] == 'd' && strspn(a + 1, "d") == strlen(a + 1)) ||
                   !strcmp(a, "--debug")) { /* as nmap: each -d raises -v and sets --reason */
            int n = a[1] == '-' ? 1 : (int)strlen(a + 1);
            c->oo.debug += n;
            c->oo.verbose += n;
            c->oo.reason = 1;
        } else if (a[1] == 'd' && a[2] >= '0' && a[2] <= '9' && !a[3]) { /* -dN: both N */
            c->oo.debug = c->oo.verbose = a[2] - '0';
            c->oo.reason = 1;
        } else if (a[1] == 'f' && strspn(a + 1, "f") == strlen(a + 1)) {
            c->cfg.frag_size += 8 * (unsigned)strlen(a + 1); /* -f 8, -ff 16 (nmap) */
        } else if (!strcmp(a, "--mtu")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 8, 1480, &v) < 0)
                return -1;
            if (v % 8)
                return bad(a, "'%s' is not a multiple of 8 (fragment data must be)", val);
            c->cfg.frag_size = (unsigned)v;
        } else if (!strncmp(a, "-D", 2)) {
            if (a[2])
                val = a + 2;
            else
                NEED_VAL();
            c->decoy_spec = val;
        } else if (!strcmp(a, "--packet-trace")) {
            c->packet_trace = 1;
        } else if (!strcmp(a, "-e")) {
            NEED_VAL();
            c->cfg.iface = val;
        } else if (!strcmp(a, "--user")) {
            NEED_VAL();
            c->cfg.run_user = val;
        } else if (!strcmp(a, "--no-sandbox")) {
            c->cfg.no_sandbox = 1;
        } else if (!strcmp(a, "-S")) {
            NEED_VAL();
            if (addr_parse(val, &c->cfg.source) < 0)
                return bad(a, "'%s' is not an IP address", val);
        } else if (!strcmp(a, "-g") || !strcmp(a, "--source-port")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 1, 65535, &v) < 0)
                return -1;
            c->cfg.source_port = (int)v;
        } else if (!strcmp(a, "--ttl")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 1, 255, &v) < 0)
                return -1;
            c->cfg.ttl = (int)v;
        } else if (!strcmp(a, "--badsum")) {
            c->cfg.badsum = 1;
        } else if (!strcmp(a, "-r")) {
            c->cfg.sequential = 1;
        } else if (!strcmp(a, "--exclude-ports")) {
            NEED_VAL();
            c->exclude_ports = val;
        } else if (!strcmp(a, "--append-output")) {
            c->append = 1;
        } else if (!strcmp(a, "--data-length")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 0, SCAN_DATA_MAX, &v) < 0)
                return -1;
            c->cfg.data_length = (size_t)v;
        } else if (!strcmp(a, "--seed")) {
            NEED_VAL();
            char *end;
            errno = 0;
            unsigned long long v = strtoull(val, &end, 0);
            if (!*val || *end || errno)
                return bad(a, "'%s' is not a number", val);
            sip_key_init(&c->cfg.key, 1, v);
            c->seed_given = 1;
        } else if (!strcmp(a, "--shard")) {
            NEED_VAL();
            unsigned si, sn;
            char extra;
            if (sscanf(val, "%u/%u%c", &si, &sn, &extra) != 2 || si < 1 || sn < 1 || si > sn ||
                sn > 65535)
                return bad(a, "'%s' is not I/N with 1 <= I <= N (e.g. 2/3)", val);
            c->cfg.shard_index = si - 1;
            c->cfg.shard_count = sn;
        } else if (!strcmp(a, "--dry-run")) {
            c->cfg.dry_run = 1;
        } else if (!strcmp(a, "--resume")) {
            fprintf(stderr, "portreeve scan: --resume FILE takes no other arguments "
                            "(the file holds the original command)\n");
            return -1;
        } else if (!strcmp(a, "-A")) {
            c->aggressive = 1;
            c->cfg.version_detect = 1;
        } else if (!strcmp(a, "--traceroute")) {
            c->cfg.traceroute = 1;
        } else if (!strcmp(a, "--version-intensity")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 0, 9, &v) < 0)
                return -1;
            c->cfg.version_intensity = (int)v;
        } else if (!strcmp(a, "--version-light")) {
            c->cfg.version_intensity = 2;
        } else if (!strcmp(a, "--version-all")) {
            c->cfg.version_intensity = 9;
        } else if (!strcmp(a, "--versiondb")) {
            NEED_VAL();
            c->cfg.versiondb = val;
        } else if (!strcmp(a, "--version-null-wait")) {
            NEED_VAL();
            int64_t us;
            if (parse_time(a, val, &us) < 0)
                return -1;
            if (us < 1000 || us > 600000000)
                return bad(a, "'%s': from 1ms to 10m", val);
            c->null_wait_ms = (unsigned)(us / 1000);
        } else if (!strcmp(a, "--cve-feed")) {
            NEED_VAL();
            if (c->cfg.ncve_feeds >= sizeof c->cfg.cve_feeds / sizeof c->cfg.cve_feeds[0])
                return bad(a, "'%s': at most 8 feeds", val);
            c->cfg.cve_feeds[c->cfg.ncve_feeds++] = val;
        } else if (!strcmp(a, "--cpe-dict")) {
            NEED_VAL();
            c->cfg.cpe_dict = val;
        } else if (!strcmp(a, "--cve-distro")) {
            NEED_VAL();
            c->cfg.cve_distro = val;
        } else if (!strcmp(a, "-O")) {
            c->cfg.os_detect = 1;
        } else if (!strcmp(a, "--osscan-limit")) {
            c->cfg.osscan_limit = 1;
        } else if (!strcmp(a, "--osscan-guess") || !strcmp(a, "--fuzzy")) {
            c->cfg.osscan_guess = 1;
        } else if (!strcmp(a, "--max-os-tries")) {
            NEED_VAL();
            long v;
            if (parse_long(a, val, 1, 50, &v) < 0)
                return -1;
            c->cfg.max_os_tries = (int)v;
        } else if (!strcmp(a, "--osdb")) {
            NEED_VAL();
            c->osdb_path = val;
        } else if (!strcmp(a, "--payloads")) {
            NEED_VAL();
            c->payload_file = val;
        } else if (!strcmp(a, "--db")) {
            NEED_VAL();
            c->db = val;
        } else if (!strcmp(a, "--run-id")) {
            NEED_VAL();
            struct pr_error re;
            if (scan_run_id_check(val, &re) < 0) {
                fprintf(stderr, "portreeve scan: %s\n", re.msg);
                return -1;
            }
            c->run_id = val;
        } else {
            fprintf(stderr, "portreeve scan: unknown option '%s' (see 'portreeve scan --help')\n",
                    a);
            return -1;
        }
#undef NEED_VAL
    }

    /* Targets, in the order given, then exclusions. */
    char where[64];
    for (size_t t = 0; t < *ntargets; t++) {
        snprintf(where, sizeof where, "target %zu", t + 1);
        if (tgt_add(&c->cfg.targets, (*targets)[t], where, &e) < 0)
            goto err;
    }
    if (il && tgt_add_file(&c->cfg.targets, il, &e) < 0)
        goto err;
    if (exclude && tgt_exclude(&c->cfg.targets, exclude, "--exclude", &e) < 0)
        goto err;
    if (excludefile && tgt_exclude_file(&c->cfg.targets, excludefile, &e) < 0)
        goto err;
    if (tgt_finish(&c->cfg.targets, &e) < 0)
        goto err;
    if (!*ntargets && !il) {
        fprintf(stderr, "portreeve scan: no targets given (see 'portreeve scan --help')\n");
        return -1;
    }
    if (c->cfg.targets.skipped && !tgt_count(&c->cfg.targets)) /* nmap's words */
        fputs("WARNING: No targets were specified, so 0 hosts scanned.\n", stderr);
    return 0;
err:
    fprintf(stderr, "portreeve scan: %s\n", e.msg);
    return -1;
}

/* --exclude-ports: takes the ports of that spec (nmap's -p syntax) out of the scan's.
 * Returns 0 or -1 (message printed). */
static int exclude_ports(struct scan_cli *c, unsigned want)
{
    struct port_list ex = {0};
    struct pr_error e = {{0}};
    if (ports_parse(c->exclude_ports, want, c->cfg.svc, &ex, &e) < 0) {
        fprintf(stderr, "portreeve scan: --exclude-ports: %s\n", e.msg);
        return -1;
    }
    for (int p = 0; p < PR_NPROTO; p++) {
        size_t w = 0, k = 0; /* both lists are sorted */
        for (size_t i = 0; i < c->cfg.ports.n[p]; i++) {
            uint16_t port = c->cfg.ports.p[p][i];
            while (k < ex.n[p] && ex.p[p][k] < port)
                k++;
            if (k == ex.n[p] || ex.p[p][k] != port)
                c->cfg.ports.p[p][w++] = port;
        }
        c->cfg.ports.n[p] = w;
    }
    ports_free(&ex);
    return 0;
}

/* -D, -f/--mtu and --packet-trace, once the techniques, the family and the key are
 * known. As nmap: they are raw-packet options, not honoured by a connect scan (warned). */
static int evasion_config(struct scan_cli *c, int priv)
{
    struct scan_config *cfg = &c->cfg;
    int raw = priv && (strcmp(c->tcp_name ? c->tcp_name : "", "connect") || c->want_udp);
    if ((c->decoy_spec || cfg->frag_size) && !raw) {
        fprintf(stderr,
                "portreeve scan: warning: -D, -f and --mtu need raw packets; they are "
                "not honoured %s\n",
                priv ? "for a TCP connect scan (-sT)" : "without root or CAP_NET_RAW");
        cfg->frag_size = 0;
        return 0;
    }
    if (cfg->frag_size && cfg->family == AF_INET6) {
        fprintf(stderr, "portreeve scan: -f/--mtu: IPv6 fragmentation is not implemented; use "
                        "them with IPv4 targets\n");
        return -1;
    }
    if (c->decoy_spec) {
        struct pr_error e = {{0}};
        if (decoy_parse(c->decoy_spec, cfg->family, &cfg->key, &cfg->decoys, &e) < 0) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
            return -1;
        }
    }
    return 0;
}

/* Checks and derived settings once all options are known. Returns 0 or -1. */
static int finish_config(struct scan_cli *c)
{
    struct scan_config *cfg = &c->cfg;
    struct pr_error e = {{0}};
    int priv = rawio_privileged();
    struct rdns *dns = NULL; /* --dns-servers is checked here, a usage error when bad */
    if (c->run_id && !c->db) {
        fprintf(stderr, "portreeve scan: --run-id names a run in the history: give --db too\n");
        return -1;
    }
    if (cfg->dns_servers && cfg->rdns >= 0 && rdns_open(cfg->dns_servers, &dns, &e) < 0) {
        fprintf(stderr, "portreeve scan: %s\n", e.msg);
        return -1;
    }
    rdns_close(dns);
    if (c->list_only) { /* nothing is sent: no technique, port or privilege applies */
        if (c->tcp_name || c->want_udp || cfg->ping_only || cfg->version_detect || cfg->os_detect ||
            cfg->traceroute) {
            fprintf(stderr, "portreeve scan: -sL lists the targets and sends nothing: it "
                            "takes no other scan type (-s*, -sV, -O, --traceroute)\n");
            return -1;
        }
        cfg->verbose = c->oo.verbose;
        return 0;
    }
    if (cfg->os_detect && !priv) {
        fprintf(stderr, "portreeve scan: -O needs root or CAP_NET_RAW (raw probes)\n");
        return -1;
    }

    if (!c->tcp_name && !c->want_udp)
        c->tcp_name = priv ? "syn" : "connect";
    if (c->tcp_name && strcmp(c->tcp_name, "connect") && !priv) {
        if (!strcmp(c->tcp_name, "syn")) {
            fprintf(stderr, "portreeve scan: notice: -sS needs root or CAP_NET_RAW; "
                            "falling back to a connect scan (-sT)\n");
            c->tcp_name = "connect";
        } else {
            fprintf(stderr, "portreeve scan: the %s scan needs root or CAP_NET_RAW\n", c->tcp_name);
            return -1;
        }
    }
    if (c->want_udp && !priv) {
        fprintf(stderr, "portreeve scan: the UDP scan (-sU) needs root or CAP_NET_RAW\n");
        return -1;
    }
    if (cfg->traceroute && !priv) {
        fprintf(stderr, "portreeve scan: --traceroute needs root or CAP_NET_RAW\n");
        return -1;
    }
    if (c->aggressive) { /* nmap's -A: -O and --traceroute only with privileges */
        int os = priv && cfg->family == AF_INET;
        cfg->os_detect |= os;
        cfg->traceroute |= priv;
        fprintf(stderr,
                "portreeve scan: notice: -A runs -sV%s%s%s; nmap's default scripts (-sC) are not "
                "run\n",
                os ? " -O" : "", priv ? " --traceroute" : "",
                !priv ? " (-O and --traceroute need root or CAP_NET_RAW)"
                : !os ? " (no -O: IPv6 OS detection is not implemented)"
                      : "");
    }
    if (c->tcp_name)
        cfg->techniques[cfg->ntech++] = c->tcp_name;
    if (c->want_udp)
        cfg->techniques[cfg->ntech++] = "udp";
    cfg->connect_only = !priv;
    if (cfg->connect_only && !cfg->no_ping)
        fprintf(stderr, "portreeve scan: notice: without raw sockets, hosts are discovered "
                        "with connects to ports 80 and 443\n");
    if (cfg->iface && !if_nametoindex(cfg->iface)) {
        fprintf(stderr, "portreeve scan: -e: interface '%s' does not exist\n", cfg->iface);
        return -1;
    }
    if (cfg->source.family && cfg->source.family != cfg->family) {
        fprintf(stderr, "portreeve scan: -S: address family differs from the targets' "
                        "(use -6 for IPv6)\n");
        return -1;
    }

    if (evasion_config(c, priv) < 0)
        return -1;

    /* Ports */
    unsigned want = (c->tcp_name ? 1u << PR_TCP : 0) | (c->want_udp ? 1u << PR_UDP : 0);
    cfg->svc = svc_load(NULL, &e);
    if (!cfg->svc) {
        fprintf(stderr, "portreeve scan: %s\n", e.msg);
        return -1;
    }
    if (c->port_spec && c->top_ports) {
        fprintf(stderr, "portreeve scan: -p and --top-ports/-F cannot be combined\n");
        return -1;
    }
    if (c->port_spec) {
        if (ports_parse(c->port_spec, want, cfg->svc, &cfg->ports, &e) < 0) {
            fprintf(stderr, "portreeve scan: -p: %s\n", e.msg);
            return -1;
        }
    } else if (!cfg->ping_only && ports_top(cfg->svc, c->top_ports ? (size_t)c->top_ports : 1000,
                                            want, &cfg->ports, &e) < 0) {
        fprintf(stderr, "portreeve scan: %s\n", e.msg);
        return -1;
    }
    if (c->exclude_ports && exclude_ports(c, want) < 0)
        return -1;
    if (!cfg->ping_only) {
        size_t total =
            (c->tcp_name ? cfg->ports.n[PR_TCP] : 0) + (c->want_udp ? cfg->ports.n[PR_UDP] : 0);
        if (!total) {
            fprintf(stderr, "portreeve scan: -p: no ports left for the chosen techniques\n");
            return -1;
        }
    }
    /* MAC vendors for on-link hosts; without nmap-common's file they are "Unknown" */
    if (macv_load(&c->vendors, NULL, &e) == 0)
        cfg->vendors = &c->vendors;
    else if (access(MACV_DEFAULT_PATH, F_OK) == 0)
        fprintf(stderr, "portreeve scan: warning: %s; MAC vendors are not shown\n", e.msg);
    if (c->want_udp) {
        cfg->payloads = payload_load(c->payload_file, &e);
        if (!cfg->payloads) {
            fprintf(stderr, "portreeve scan: --payloads: %s\n", e.msg);
            return -1;
        }
    }

    /* Service detection: the probe file and the CVE feeds are read now, so that a bad
     * one fails before any packet is sent */
    if ((cfg->cpe_dict || cfg->cve_distro) && !cfg->ncve_feeds) {
        fprintf(stderr, "portreeve scan: %s needs --cve-feed\n",
                cfg->cpe_dict ? "--cpe-dict" : "--cve-distro");
        return -1;
    }
    if (cfg->version_detect) {
        const struct svc_cve_files cf = {cfg->cve_feeds, cfg->ncve_feeds, cfg->cpe_dict,
                                         cfg->cve_distro};
        cfg->sv = svc_version_open(cfg->versiondb, &cf, &e);
        if (!cfg->sv) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
            return -1;
        }
        svc_version_set_null_wait(cfg->sv, c->null_wait_ms);
    } else if (cfg->ncve_feeds || cfg->versiondb || c->null_wait_ms) {
        fprintf(stderr, "portreeve scan: %s needs -sV (or -A)\n",
                cfg->ncve_feeds  ? "--cve-feed"
                : cfg->versiondb ? "--versiondb"
                                 : "--version-null-wait");
        return -1;
    }

    /* OS detection: raw sockets, IPv4, and the fingerprint database read now */
    if (cfg->os_detect) {
        if (cfg->family == AF_INET6) {
            fprintf(stderr, "portreeve scan: -O: IPv6 OS detection is not implemented; "
                            "use -O with IPv4 targets\n");
            return -1;
        }
        if (osdb_load(c->osdb_path ? c->osdb_path : OSDB_DEFAULT_PATH, &c->osdb, &e) < 0) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
            return -1;
        }
        cfg->osdb = c->osdb;
        tzset(); /* the fingerprint's date is local time; the sandbox opens no zone file */
    } else if (c->osdb_path) {
        fprintf(stderr, "portreeve scan: --osdb needs -O\n");
        return -1;
    }

    /* Timing */
    scan_timing_template(&cfg->timing, c->timing_level);
    struct scan_timing *t = &cfg->timing;
    if (t->scan_delay_us)
        t->max_rate = 1e6 / (double)t->scan_delay_us;
    if (c->ov.scan_delay >= 0) {
        t->scan_delay_us = (uint64_t)c->ov.scan_delay;
        t->max_rate = c->ov.scan_delay ? 1e6 / (double)c->ov.scan_delay : t->max_rate;
    }
    /* -T3..-T5 without --max-rate or a scan delay: the engine searches for the rate,
     * from the template's up to 100 times it */
    t->rate_auto =
        c->ov.max_rate <= 0 && c->ov.scan_delay < 0 && !t->scan_delay_us && t->max_rate > 0;
    t->rate_ceiling = t->max_rate * 100;
    if (c->ov.max_rate > 0)
        t->max_rate = c->ov.max_rate;
    if (c->ov.min_rate > 0) {
        t->min_rate = c->ov.min_rate;
        if (t->max_rate > 0 && t->max_rate < t->min_rate && c->ov.max_rate <= 0)
            t->max_rate = t->min_rate;
    }
    if (t->min_rate > 0 && t->max_rate > 0 && t->min_rate > t->max_rate) {
        fprintf(stderr, "portreeve scan: --min-rate is above --max-rate\n");
        return -1;
    }
    if (c->ov.max_retries >= 0)
        t->max_retries = c->ov.max_retries;
    if (c->ov.host_timeout >= 0)
        t->host_timeout_us = (uint64_t)c->ov.host_timeout;
    if (c->ov.init_rtt >= 0)
        t->initial_rtt_us = (uint64_t)c->ov.init_rtt;
    if (c->ov.min_rtt >= 0)
        t->min_rtt_us = (uint64_t)c->ov.min_rtt;
    if (c->ov.max_rtt >= 0)
        t->max_rtt_us = (uint64_t)c->ov.max_rtt;
    if (t->min_rtt_us > t->max_rtt_us) {
        fprintf(stderr, "portreeve scan: --min-rtt-timeout is above --max-rtt-timeout\n");
        return -1;
    }
    if (t->initial_rtt_us < t->min_rtt_us)
        t->initial_rtt_us = t->min_rtt_us;
    if (t->initial_rtt_us > t->max_rtt_us)
        t->initial_rtt_us = t->max_rtt_us;
    cfg->verbose = c->oo.verbose;
    c->oo.servicescan = cfg->version_detect && !cfg->ping_only;
    c->oo.osscan = cfg->os_detect && !cfg->ping_only;
    cfg->show_found = c->oo.verbose > 0;
    cfg->trace.f = stdout; /* --packet-trace and -d lines: stdout, as nmap, unless ... */
    for (size_t i = 0; i < c->nout; i++) /* the report is not on stdout: no extra lines */
        if (!strcmp(c->out[i].path, "-")) {
            cfg->show_found = 0;
            if (c->out[i].fmt != 'N')
                cfg->trace.f = stderr; /* ... a machine format is on stdout */
        }
    c->live.verbose = c->oo.verbose;
    c->live.debug = c->oo.debug;
    c->live.ptrace = c->packet_trace;
    c->live.out = cfg->trace.f;
    cfg->live = &c->live;
    return 0;
}

static char *join_args(int argc, char **argv)
{
    size_t len = strlen("portreeve") + 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = pr_calloc(len, 1);
    strcpy(s, "portreeve");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* The open outputs of one scan: the terminal report and every -oN/-oX/-oG/-oJ file, each
 * written host by host (output.h's streams). A write error is reported on stderr when it
 * happens, the other outputs go on, and the terminal report's summary lists it. */
struct outputs {
    struct scan_cli *c;
    struct out_stream st[MAX_OUT * 2 + 1];
    FILE *f[MAX_OUT * 2 + 1];
    const char *name[MAX_OUT * 2 + 1]; /* NULL: the terminal report */
    int reported[MAX_OUT * 2 + 1];     /* its failure was reported */
    size_t n;
    int failed, begun;
};

static const char *output_name(const struct outputs *o, size_t i)
{
    return o->name[i] && strcmp(o->name[i], "-") ? o->name[i] : "standard output";
}

/* Reports every output that failed since the last look, once each, at once. */
static void outputs_check(struct outputs *o)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->st[i].err && !o->reported[i]) {
            fprintf(stderr, "portreeve scan: writing '%s' failed: %s\n", output_name(o, i),
                    strerror(o->st[i].errnum));
            o->reported[i] = 1;
            o->failed = 1;
        }
}

/* Opens every output file (before the scan, so that a bad path fails at once). */
static int outputs_open(struct outputs *o, struct scan_cli *c, int terminal)
{
    memset(o, 0, sizeof *o);
    o->c = c;
    int to_stdout = 0; /* like nmap: an output file "-" replaces the terminal report */
    for (size_t i = 0; i < c->nout; i++)
        to_stdout |= !strcmp(c->out[i].path, "-");
    if (terminal && !to_stdout) {
        o->f[o->n] = stdout;
        o->name[o->n++] = NULL;
    }
    for (size_t i = 0; i < c->nout; i++) {
        FILE *f =
            strcmp(c->out[i].path, "-") ? fopen(c->out[i].path, c->append ? "a" : "w") : stdout;
        if (!f) {
            fprintf(stderr, "portreeve scan: cannot write '%s': %s\n", c->out[i].path,
                    strerror(errno));
            o->failed = 1;
            continue;
        }
        o->f[o->n] = f;
        o->name[o->n++] = c->out[i].path;
    }
    return o->failed ? -1 : 0;
}

static int outputs_begin(void *ud, const struct scan_result *r)
{
    struct outputs *o = ud;
    o->begun = 1;
    for (size_t i = 0; i < o->n; i++) {
        struct out_opts oo = o->c->oo;
        oo.as_file = o->name[i] != NULL;
        char fmt = 'N';
        for (size_t k = 0; o->name[i] && k < o->c->nout; k++)
            if (o->c->out[k].path == o->name[i])
                fmt = o->c->out[k].fmt;
        out_begin(&o->st[i], fmt, o->f[i], r, &oo);
    }
    outputs_check(o);
    return 0;
}

static int outputs_hosts(void *ud, const struct scan_result *r, struct host_result *h, size_t n)
{
    struct outputs *o = ud;
    for (size_t i = 0; i < o->n; i++) {
        for (size_t k = 0; k < n; k++)
            out_host(&o->st[i], r, &h[k]);
        out_flush(&o->st[i]); /* whole host groups on disk */
    }
    outputs_check(o);
    return 0; /* the scan goes on for the outputs that work */
}

/* Writes the footers (when the headers were written) and closes the files, the
 * terminal report last, so that its summary can list every output that failed.
 * Returns -1 when any output failed. */
static int outputs_end(struct outputs *o, const struct scan_result *r)
{
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < o->n; i++) {
            if ((o->name[i] == NULL) != pass)
                continue; /* files first, then the terminal */
            if (pass && o->failed && !o->st[i].err) {
                for (size_t k = 0; k < o->n; k++)
                    if (o->st[k].err)
                        fprintf(o->f[i],
                                "WARNING: output '%s' is incomplete: writing it failed (%s)\n",
                                output_name(o, k), strerror(o->st[k].errnum));
            }
            if (o->begun)
                out_end(&o->st[i], r);
            errno = 0;
            if (o->f[i] != stdout ? fclose(o->f[i]) != 0 : fflush(o->f[i]) != 0) {
                if (!o->st[i].err) {
                    o->st[i].err = 1;
                    o->st[i].errnum = errno ? errno : EIO;
                }
            }
            outputs_check(o);
        }
    o->n = 0;
    return o->failed ? -1 : 0;
}

/* Writes a whole result to every output. */
static int write_outputs(struct scan_cli *c, const struct scan_result *r, int terminal)
{
    struct outputs o;
    outputs_open(&o, c, terminal);
    outputs_begin(&o, r);
    outputs_hosts(&o, r, r->hosts, r->nhosts);
    return outputs_end(&o, r);
}

/* ---- shared with `portreeve audit` (cli/scan_share.h) ---- */

void scan_cli_free(struct scan_cli *c)
{
    if (!c)
        return;
    free(c->cfg.args);
    cli_argv_free(&c->args);
    tgt_free(&c->cfg.targets);
    ports_free(&c->cfg.ports);
    svc_free(c->cfg.svc);
    payload_free(c->cfg.payloads);
    svc_version_close(c->cfg.sv);
    osdb_free(c->osdb);
    macv_free(&c->vendors);
    free(c);
}

struct scan_cli *scan_cli_parse(int argc, char **argv, int *status)
{
    struct scan_cli *c = pr_calloc(1, sizeof *c);
    if (cli_expand("portreeve scan", scan_opts, sizeof scan_opts / sizeof scan_opts[0], argc, argv,
                   &c->args) < 0) {
        scan_cli_free(c);
        *status = -1;
        return NULL;
    }
    argc = c->args.argc;
    argv = c->args.argv;
    c->ov.max_retries = -1;
    c->ov.host_timeout = c->ov.scan_delay = c->ov.init_rtt = c->ov.min_rtt = c->ov.max_rtt = -1;
    c->timing_level = 3;
    c->cfg.source_port = -1;
    c->cfg.family = AF_INET;
    c->cfg.version_intensity = 7;
    sip_key_init(&c->cfg.key, 0, 0);
    c->cfg.trace.t0_us = now_us(); /* --packet-trace times count from here, as nmap's */
    /* -6 must be known before targets are parsed */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-6"))
            c->cfg.family = AF_INET6;
    tgt_init(&c->cfg.targets, c->cfg.family);
    c->cfg.targets.warn = warn_line; /* a bad name is skipped, as in nmap */

    const char **targets = NULL;
    size_t ntargets = 0;
    int rc = parse_args(c, argc, argv, &targets, &ntargets);
    free(targets);
    if (rc == 1) {
        usage(stdout);
        scan_cli_free(c);
        *status = 1;
        return NULL;
    }
    if (rc < 0 || finish_config(c) < 0) {
        scan_cli_free(c);
        *status = -1;
        return NULL;
    }
    if (c->oa_base) {
        const char ext[3][6] = {"nmap", "xml", "gnmap"};
        const char fmt[3] = {'N', 'X', 'G'};
        for (int i = 0; i < 3; i++) {
            snprintf(c->oa_paths[i], sizeof c->oa_paths[i], "%s.%s", c->oa_base, ext[i]);
            add_output(c, fmt[i], c->oa_paths[i]);
        }
    }
    c->cfg.args = join_args(argc, argv);
    *status = 0;
    return c;
}

const struct cli_opt *scan_cli_opts(size_t *n)
{
    *n = sizeof scan_opts / sizeof scan_opts[0];
    return scan_opts;
}

struct scan_config *scan_cli_config(struct scan_cli *c)
{
    return &c->cfg;
}

const char *scan_cli_db(const struct scan_cli *c)
{
    return c->db;
}

int scan_cli_write(struct scan_cli *c, const struct scan_result *r, int terminal)
{
    return write_outputs(c, r, terminal);
}

int scan_cli_outputs_check(const struct scan_cli *c)
{
    for (size_t i = 0; i < c->nout; i++) {
        if (!strcmp(c->out[i].path, "-"))
            continue;
        FILE *f = fopen(c->out[i].path, "a"); /* created now, written whole at the end */
        if (!f) {
            fprintf(stderr, "portreeve: cannot write '%s': %s\n", c->out[i].path, strerror(errno));
            return -1;
        }
        fclose(f);
    }
    return 0;
}

/* ---- end of the shared part ---- */

/* Exit status of a scan stopped by signal sig: 128 + sig, as a shell shows it. */
static int stop_exit(int sig)
{
    return 128 + sig;
}

/* What the outputs say of a scan stopped by signal sig. */
static const char *stop_why(int sig)
{
    return sig == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT";
}

/* Reverse DNS of h[0..n-1] for -sL (every target, as nmap; not with -n). */
static void list_names(struct rdns *dns, struct host_result *h, size_t n,
                       volatile sig_atomic_t *stop)
{
    if (!dns)
        return;
    struct pr_addr *addr = pr_calloc(n ? n : 1, sizeof *addr);
    char **names = pr_calloc(n ? n : 1, sizeof *names);
    for (size_t k = 0; k < n; k++)
        addr[k] = h[k].addr;
    rdns_resolve(dns, addr, n, names, stop);
    for (size_t k = 0; k < n; k++)
        h[k].ptr_name = names[k];
    free(addr);
    free(names);
}

/* -sL: every target to the outputs, 4096 at a time, nothing sent but the reverse-DNS
 * queries (no privileges needed). Returns the exit status. */
static int list_targets(struct scan_cli *c, volatile sig_atomic_t *stop)
{
    struct outputs o;
    struct scan_result r = {0};
    if (outputs_open(&o, c, 1) < 0) {
        outputs_end(&o, &r);
        return PR_EXIT_RUNTIME;
    }
    gettimeofday(&r.start, NULL);
    r.args = c->cfg.args;
    c->cfg.args = NULL;
    r.list_only = 1;
    outputs_begin(&o, &r);
    enum { CHUNK = 4096 };
    struct host_result *h = pr_calloc(CHUNK, sizeof *h);
    struct rdns *dns = NULL;
    struct pr_error e;
    if (c->cfg.rdns >= 0 && rdns_open(c->cfg.dns_servers, &dns, &e) < 0)
        fprintf(stderr, "portreeve scan: %s; listing without names\n", e.msg);
    uint64_t n = tgt_count(&c->cfg.targets), i = 0;
    while (i < n && !*stop) {
        size_t k = 0;
        for (; k < CHUNK && i < n; k++, i++) {
            h[k] = (struct host_result){.reason = RS_USER_SET};
            tgt_get(&c->cfg.targets, i, &h[k].addr, &h[k].hostname);
        }
        list_names(dns, h, k, stop);
        outputs_hosts(&o, &r, h, k);
        for (size_t q = 0; q < k; q++)
            host_result_free(&h[q]);
    }
    rdns_close(dns);
    free(h);
    r.nhosts = (size_t)i;
    r.interrupted = *stop != 0;
    r.errormsg = r.interrupted ? stop_why(*stop) : NULL;
    gettimeofday(&r.end, NULL);
    int rc = outputs_end(&o, &r) < 0 ? PR_EXIT_RUNTIME : PR_EXIT_OK;
    if (r.interrupted && rc == PR_EXIT_OK)
        rc = stop_exit(*stop);
    result_free(&r);
    return rc;
}

/* --iflist: nmap's start line and its interface and route tables; an exit status. */
static int print_iflist(void)
{
    char when[64];
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M %Z", &tm))
        snprintf(when, sizeof when, "?");
    printf("Starting portreeve %s at %s\n", PR_VERSION, when);
    struct pr_error e = {{0}};
    if (iflist_print(stdout, &e) < 0) {
        fprintf(stderr, "portreeve scan: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    return fflush(stdout) == 0 ? PR_EXIT_OK : PR_EXIT_RUNTIME;
}

int cmd_scan(int argc, char **argv)
{
    /* First of all, so that a stop during start-up (names, nmap's files) still ends with
     * marked outputs and a resume file. A repeated signal changes nothing (timeout(1)
     * signals the process and then its group). */
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int status;
    struct resume_file rf;
    memset(&rf, 0, sizeof rf);
    const char *resume_path = NULL;
    struct pr_error e = {{0}};
    struct cli_argv xa;
    if (cli_expand("portreeve scan", scan_opts, sizeof scan_opts / sizeof scan_opts[0], argc, argv,
                   &xa) < 0)
        return PR_EXIT_USAGE;
    for (int i = 1; i < xa.argc; i++)
        if (!strcmp(xa.argv[i], "--iflist")) { /* as nmap: the tables, nothing else */
            cli_argv_free(&xa);
            return print_iflist();
        }
    if (xa.argc == 3 && !strcmp(xa.argv[1], "--resume")) {
        resume_path = xa.argv[2];
        if (resume_load(resume_path, &rf, &e) < 0) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
            cli_argv_free(&xa);
            return PR_EXIT_USAGE;
        }
        argc = rf.argc;
        argv = rf.argv;
    }
    struct scan_cli *c = scan_cli_parse(argc, argv, &status);
    if (!c) {
        resume_free(&rf);
        cli_argv_free(&xa);
        return status == 1 ? PR_EXIT_OK : PR_EXIT_USAGE;
    }
    if (resume_path) {
        c->cfg.key = rf.key; /* same permutation and cookies as the interrupted run */
        if (c->cfg.dry_run || c->cfg.connect_only)
            pr_errf(&e, "--resume: this scan cannot be resumed");
        if (c->cfg.dry_run || c->cfg.connect_only ||
            resume_check(&rf, resume_path, &c->cfg, &e) < 0) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
            scan_cli_free(c);
            resume_free(&rf);
            cli_argv_free(&xa);
            return PR_EXIT_USAGE;
        }
    }
    if (c->list_only) {
        int rc = list_targets(c, &stop_flag);
        scan_cli_free(c);
        resume_free(&rf);
        cli_argv_free(&xa);
        return rc;
    }
    c->cfg.progress = &rf.progress;
    if (c->run_id && !c->cfg.dry_run &&
        scan_shard_begin(&c->cfg, c->db, c->run_id, c->seed_given || resume_path, &e) < 0) {
        fprintf(stderr, "portreeve scan: --run-id: %s\n", e.msg);
        scan_cli_free(c);
        resume_free(&rf);
        cli_argv_free(&xa);
        return PR_EXIT_USAGE;
    }
    /* --db stores the history and writes the outputs after the scan: stay uid 0 */
    if (c->db)
        c->cfg.stay_root = 1;

    struct scan_result r;
    memset(&r, 0, sizeof r);
    int exit_code = PR_EXIT_OK;
    /* Every output is opened before the scan, so that a bad path fails before any packet.
     * Hosts go to the outputs as their group finishes, except for --db, which stores the
     * whole result (and writes it at the end), and for a dry run, whose output is the
     * probes. */
    struct outputs o = {0};
    struct scan_sink sink = {outputs_begin, outputs_hosts, &o};
    int streamed = !c->db && !c->cfg.dry_run;
    if (!c->cfg.dry_run) {
        if (outputs_open(&o, c, 1) < 0) {
            outputs_end(&o, &r);
            scan_cli_free(c);
            resume_free(&rf);
            cli_argv_free(&xa);
            return PR_EXIT_RUNTIME;
        }
        if (streamed)
            c->cfg.sink = &sink;
    }
    /* The resume file is made now, while the process may still write where it was
     * started (the scan switches to an unprivileged account) */
    struct resume_out ro = {.fd = -1, .keeper = -1};
    int resumable = !c->cfg.dry_run && !c->cfg.connect_only;
    char name[64];
    resume_default_name(name, sizeof name);
    if (resumable)
        resume_out_open(&ro, resume_path ? resume_path : name, !resume_path,
                        geteuid() == 0 && !c->cfg.stay_root);
    if (scan_run(&c->cfg, &r, &stop_flag, &e) < 0) {
        fprintf(stderr, "portreeve scan: %s\n", e.msg);
        exit_code = PR_EXIT_RUNTIME;
        r.errormsg = e.msg; /* the outputs keep what was found and say it is incomplete */
    }
    int sig = stop_flag;
    char why[4200];
    if (sig && !c->cfg.dry_run) {
        r.interrupted = 1;
        snprintf(why, sizeof why, "%s", stop_why(sig));
        if (exit_code == PR_EXIT_OK)
            r.errormsg = why;
    }
    if (exit_code == PR_EXIT_OK && r.interrupted && resumable && rf.progress.valid) {
        if (resume_out_save(&ro, argc, argv, &c->cfg.key, resume_plan(&c->cfg), &rf.progress, &e) <
            0) {
            fprintf(stderr, "portreeve scan: %s\n", e.msg);
        } else {
            fprintf(stderr,
                    "portreeve scan: interrupted; resume with: portreeve scan --resume %s\n",
                    ro.path);
            snprintf(why, sizeof why, "%s; resume with: portreeve scan --resume %s", stop_why(sig),
                     ro.path);
        }
    } else if (r.interrupted) {
        fprintf(stderr, "portreeve scan: interrupted; the results show what was found so far\n");
    }
    resume_out_close(&ro);
    if (!streamed && !c->cfg.dry_run) {
        outputs_begin(&o, &r);
        outputs_hosts(&o, &r, r.hosts, r.nhosts);
    }
    if (!c->cfg.dry_run && outputs_end(&o, &r) < 0)
        exit_code = PR_EXIT_RUNTIME;
    if (c->db && exit_code == PR_EXIT_OK && !c->cfg.dry_run && !sig) {
        int64_t id;
        if (hist_store_scan(c->db, &r, c->run_id, c->cfg.shard_index,
                            c->run_id ? c->cfg.shard_count : 0, &id, &e) < 0) {
            fprintf(stderr, "portreeve scan: --db: %s\n", e.msg);
            exit_code = PR_EXIT_RUNTIME;
        } else if (c->oo.verbose) {
            fprintf(stderr, "portreeve scan: stored as run %lld\n", (long long)id);
        }
    }
    result_free(&r);
    scan_cli_free(c);
    resume_free(&rf);
    cli_argv_free(&xa);
    return sig && exit_code != PR_EXIT_RUNTIME ? stop_exit(sig) : exit_code;
}
