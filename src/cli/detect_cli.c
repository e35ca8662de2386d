/* detect_cli.c — `portreeve detect` options → struct det_options; det_run does the work.
 *
 * Settings come from the configuration file (/etc/portreeve/detect.conf, or --config
 * FILE; detect/detconf.h: the long option names as keys) and then from the command line,
 * which overrides the file (repeatable options add to it; an input given on the command
 * line replaces the file's). On SIGHUP det_run calls reload(), which parses both again. */
#include "cli/cli.h"
#include "cli/opts.h"

#include "audit/blockstore.h"
#include "audit/passive.h"
#include "detect/baseline.h"
#include "detect/detconf.h"
#include "detect/run.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: portreeve detect (-r FILE | -i IFACE | --fwlog FILE|- [-F]) [options] [BPF]\n"
          "       portreeve detect [-r FILE | -i IFACE | --fwlog FILE] --http-log FILE|- ... [-F]\n"
          "\n"
          "inputs (at most one of -r, -i, --fwlog; any number of --http-log):\n"
          "  -r, --read FILE    read a pcap or pcapng capture\n"
          "  -i, --interface IFACE  capture live on an interface\n"
          "  --fwlog FILE|-     read iptables/nftables LOG lines (kern.log, syslog, dmesg,\n"
          "                     journalctl -k); '-' is standard input\n"
          "  --http-log FILE|-  read an HTTP server or WAF log (nginx/Apache access logs,\n"
          "                     JSON access logs, ModSecurity audit logs; docs/web.md)\n"
          "  --http-log-format NAME|TEXT  combined, common, vhost_combined, json, modsec,\n"
          "                     modsec-json, auto (default), or an nginx log_format text\n"
          "  -F, --follow       with --fwlog/--http-log: keep reading as the files grow\n"
          "  -f, --filter EXPR  BPF filter for -r/-i (also: trailing arguments)\n"
          "outputs:\n"
          "  --alerts FILE      append alerts as JSON lines ('-' for stdout)\n"
          "  --eve FILE         append alerts as Suricata EVE JSON records ('-' for stdout)\n"
          "  --syslog           also send alerts to syslog (LOG_AUTH)\n"
          "  -q, --quiet        no human alert lines on stdout (summary still printed)\n"
          "  --metrics ADDR:PORT  serve counters in the Prometheus text format (-i, -F)\n"
          "the network it guards (passive; OS names from p0f's database in alerts' src_os):\n"
          "  --home-net CIDR    a home network (repeatable; default: the networks of -i,\n"
          "                     else the private ranges)\n"
          "  --assets FILE      the inventory of home hosts as JSON lines: MAC, vendor, OS,\n"
          "                     services, peers (written at the end; live every --assets-every)\n"
          "  --assets-every SEC live: rewrite the inventory this often (default 60)\n"
          "  --web ADDR:PORT    serve a live page: hosts, who talks to whom, scans, blocks,\n"
          "                     timeline (read only, no login: keep it on loopback)\n"
          "  --report FILE.html the same page, self-contained, written at the end\n"
          "  --learn DUR|all    learn each home host's baseline (services, peers, fan-out)\n"
          "                     for DUR (N, Ns, Nm, Nh, Nd) or the whole capture; then\n"
          "                     alert new_service and lateral_fanout (docs/detect.md)\n"
          "  --baseline FILE    load the baseline from FILE (made when --learn is given) and\n"
          "                     rewrite it with the inventory\n"
          "  --db PATH|URI      keep the inventory and the baseline in the history store\n"
          "                     (SQLite file or postgresql://...; see portreeve-audit --passive);\n"
          "                     with --block also every block decision, for `block --sync`\n"
          "  --sensor NAME      this sensor's name in those decisions (default: host name)\n"
          "  --max-assets N     home hosts kept in the inventory and baseline (default 65536;\n"
          "                     about 1.3 KB each, docs/detect.md)\n"
          "bounds and tuning:\n"
          "  --max-sources N    sources tracked at once (default 65536; see docs/detect.md)\n"
          "  --max-scans N      scans reported at once (default 256)\n"
          "  --flags-threshold N  FIN/NULL/Xmas probes to distinct ports before an alert (5)\n"
          "  --trw-min-fail N   failed first contacts before a TRW alert (6)\n"
          "  --port-threshold N distinct ports per window for the threshold detector (25)\n"
          "  --host-threshold N distinct hosts per window (50)\n"
          "  --window SEC       threshold window (60)\n"
          "  --timeout SEC      unanswered probe counts as failed after SEC (3)\n"
          "  --scan-idle SEC    a scan silent this long has ended (30; slow scans: 3x their gap)\n"
          "  --duration SEC     stop a live capture or -F after SEC seconds\n"
          "response (docs/block.md; needs CAP_NET_ADMIN unless --dry-run):\n"
          "  --block            block scanners in nftables (table inet portreeve), only on\n"
          "                     evidence a forged source cannot produce alone\n"
          "  --block-time DUR   how long a first block lasts: N, Ns, Nm, Nh, Nd (default 1h)\n"
          "  --block-time-max DUR  repeat offenders: the time doubles per offence up to\n"
          "                     this (default 7d)\n"
          "  --dry-run          decide and report (action would_block), touch nothing\n"
          "  --allow CIDR       never block these sources (repeatable)\n"
          "  --block-anyway CIDR  gateways or name servers that may be blocked (repeatable)\n"
          "  --block-on-flags-only  stealth probes (FIN/NULL/Xmas) alone are enough to block\n"
          "  --max-blocks-per-min N  cap on new blocks per minute (default 10)\n"
          "  --block-level N    block a source only when its threat level (0-100, in every\n"
          "                     alert) reaches N (default 0: the evidence alone decides)\n"
          "  --flush-on-exit    delete the table and its blocks when detect exits (default:\n"
          "                     blocks outlive detect; `portreeve block flush` lifts them)\n"
          "  --keep-blocks      (the default; accepted for older command lines)\n"
          "configuration:\n"
          "  --config FILE      settings file (default " DET_CONF_DEFAULT " when it exists):\n"
          "                     'long-option = value' lines, '#' comments; the command line\n"
          "                     overrides it. SIGHUP rereads it and reopens --alerts/--eve.\n"
          "privileges (docs/privileges.md):\n"
          "  --user NAME        account after start-up when run as root (default: portreeve\n"
          "                     if it exists, else nobody)\n"
          "  --no-sandbox       no seccomp filter (for debugging)\n"
          "performance:\n"
          "  --workers N        -r, -i: N engines on N threads, each source on one (at most\n"
          "                     the number of CPUs; default 1; docs/detect.md \"Workers\")\n",
          f);
}

static int num_opt(const char *name, const char *v, double lo, double hi, double *out,
                   struct pr_error *e)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi))
        return pr_errf(e, "%s '%s': expected a number from %.15g to %.15g", name, v, lo, hi);
    *out = x;
    return 0;
}

enum {
    O_FWLOG = 256,
    O_ALERTS,
    O_SYSLOG,
    O_MAXSRC,
    O_MAXSCANS,
    O_FLAGS,
    O_TRWFAIL,
    O_PORTS,
    O_HOSTS,
    O_WINDOW,
    O_TIMEOUT,
    O_SCANIDLE,
    O_DURATION,
    O_BLOCK,
    O_METRICS,
    O_USER,
    O_NOSANDBOX,
    O_WORKERS,
    O_BLOCKTIME,
    O_DRYRUN,
    O_ALLOW,
    O_ANYWAY,
    O_FLAGSONLY,
    O_MAXBLOCKS,
    O_KEEP,
    O_EVE,
    O_CONFIG,
    O_BLOCKTIMEMAX,
    O_FLUSH,
    O_HTTPLOG,
    O_HTTPFMT,
    O_HOMENET,
    O_ASSETS,
    O_ASSETSEVERY,
    O_BLOCKLEVEL,
    O_WEB,
    O_REPORT,
    O_LEARN,
    O_BASELINE,
    O_DB,
    O_MAXASSETS,
    O_SENSOR,
};

/* "90", "90s", "15m", "1h", "2d" → seconds within 1 .. max. */
static int duration_opt(const char *name, const char *v, uint32_t max, uint32_t *out,
                        struct pr_error *e)
{
    return cli_duration(name, v, max, out, e);
}

static int cidr_opt(const char *name, const char *v, const char **list, unsigned *n,
                    struct pr_error *e)
{
    struct blk_cidr c;
    struct pr_error sub = {""};
    if (blk_cidr_parse(v, &c, &sub) < 0)
        return pr_errf(e, "%s %s", name, sub.msg);
    if (*n >= BLK_MAX_CIDRS)
        return pr_errf(e, "at most %d %s entries", BLK_MAX_CIDRS, name);
    list[(*n)++] = v;
    return 0;
}

static const struct option longopts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"fwlog", required_argument, NULL, O_FWLOG},
    {"follow", no_argument, NULL, 'F'},
    {"http-log", required_argument, NULL, O_HTTPLOG},
    {"http-log-format", required_argument, NULL, O_HTTPFMT},
    {"filter", required_argument, NULL, 'f'},
    {"alerts", required_argument, NULL, O_ALERTS},
    {"eve", required_argument, NULL, O_EVE},
    {"syslog", no_argument, NULL, O_SYSLOG},
    {"quiet", no_argument, NULL, 'q'},
    {"max-sources", required_argument, NULL, O_MAXSRC},
    {"max-scans", required_argument, NULL, O_MAXSCANS},
    {"flags-threshold", required_argument, NULL, O_FLAGS},
    {"trw-min-fail", required_argument, NULL, O_TRWFAIL},
    {"port-threshold", required_argument, NULL, O_PORTS},
    {"host-threshold", required_argument, NULL, O_HOSTS},
    {"window", required_argument, NULL, O_WINDOW},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"scan-idle", required_argument, NULL, O_SCANIDLE},
    {"duration", required_argument, NULL, O_DURATION},
    {"block", no_argument, NULL, O_BLOCK},
    {"block-time", required_argument, NULL, O_BLOCKTIME},
    {"block-time-max", required_argument, NULL, O_BLOCKTIMEMAX},
    {"dry-run", no_argument, NULL, O_DRYRUN},
    {"allow", required_argument, NULL, O_ALLOW},
    {"block-anyway", required_argument, NULL, O_ANYWAY},
    {"block-on-flags-only", no_argument, NULL, O_FLAGSONLY},
    {"max-blocks-per-min", required_argument, NULL, O_MAXBLOCKS},
    {"block-level", required_argument, NULL, O_BLOCKLEVEL},
    {"flush-on-exit", no_argument, NULL, O_FLUSH},
    {"keep-blocks", no_argument, NULL, O_KEEP},
    {"metrics", required_argument, NULL, O_METRICS},
    {"config", required_argument, NULL, O_CONFIG},
    {"home-net", required_argument, NULL, O_HOMENET},
    {"assets", required_argument, NULL, O_ASSETS},
    {"assets-every", required_argument, NULL, O_ASSETSEVERY},
    {"web", required_argument, NULL, O_WEB},
    {"report", required_argument, NULL, O_REPORT},
    {"learn", required_argument, NULL, O_LEARN},
    {"baseline", required_argument, NULL, O_BASELINE},
    {"db", required_argument, NULL, O_DB},
    {"max-assets", required_argument, NULL, O_MAXASSETS},
    {"sensor", required_argument, NULL, O_SENSOR},
    {"user", required_argument, NULL, O_USER},
    {"no-sandbox", no_argument, NULL, O_NOSANDBOX},
    {"workers", required_argument, NULL, O_WORKERS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
#define NLONGOPTS (sizeof longopts / sizeof longopts[0] - 1)

/* Everything one parse of the file and the command line yields; det_options points into
 * it (block → bo, filter → filter, strings → argv or conf), so it lives as long as they
 * are used: the first one for the whole run, a reread one until the next SIGHUP. */
struct detect_args {
    struct det_options o;
    struct blk_options bo;
    int block, block_opts;
    int cmdline_inputs; /* inputs given on the command line (they replace the file's) */
    int cmdline_block;  /* --block on the command line (the file's does not act on -r) */
    int cmdline_follow, cmdline_format; /* -F, --http-log-format on the command line */
    int cmdline_filter; /* -f on the command line (trailing words may not add another) */
    char filter[4096];
    const char *db_uri; /* --db: opened by cmd_detect, given to det_run as a det_store */
    const char *sensor; /* --sensor: this sensor's name in the fleet's block decisions */
    char *conf;         /* the configuration file's text (values point into it) */
    const char *conf_path;
    int argc;
    char **argv;
    struct detect_args *reread; /* the latest SIGHUP parse (freed by the next one) */
};

/* Applies one option (from the file or the command line). Returns 0, 1 for --help, or
 * -1 with e filled. */
static int apply_opt(struct detect_args *a, int c, const char *v, int from_cmdline,
                     struct pr_error *e)
{
    struct det_options *o = &a->o;
    struct blk_options *bo = &a->bo;
    double x;
    if (from_cmdline && (c == 'r' || c == 'i' || c == O_FWLOG || c == O_HTTPLOG) &&
        !a->cmdline_inputs++) { /* the file's inputs, and what goes with them, are replaced */
        o->file = o->iface = o->fwlog = NULL;
        o->nhttp_logs = 0;
        if (!a->cmdline_follow)
            o->follow = 0;
        if (!a->cmdline_format)
            o->http_format = NULL;
        if (!a->cmdline_filter)
            o->filter = NULL;
    }
    switch (c) {
    case 'r':
        o->file = v;
        break;
    case 'i':
        o->iface = v;
        break;
    case O_FWLOG:
        o->fwlog = v;
        break;
    case 'F':
        o->follow = 1;
        a->cmdline_follow |= from_cmdline;
        break;
    case O_HTTPLOG:
        if (o->nhttp_logs >= DET_MAX_HTTP_LOGS)
            return pr_errf(e, "at most %d --http-log", DET_MAX_HTTP_LOGS);
        o->http_logs[o->nhttp_logs++] = v;
        break;
    case O_HTTPFMT:
        o->http_format = v;
        a->cmdline_format |= from_cmdline;
        break;
    case 'f':
        o->filter = v;
        a->cmdline_filter |= from_cmdline;
        break;
    case O_ALERTS:
        o->alerts = v;
        break;
    case O_EVE:
        o->eve = v;
        break;
    case O_SYSLOG:
        o->syslog = 1;
        break;
    case 'q':
        o->quiet = 1;
        break;
    case O_MAXSRC:
        if (num_opt("--max-sources", v, 8, 1 << 26, &x, e) < 0)
            return -1;
        o->cfg.max_sources = (uint32_t)x;
        break;
    case O_MAXSCANS:
        if (num_opt("--max-scans", v, 8, 65536, &x, e) < 0)
            return -1;
        o->cfg.max_scans = (uint32_t)x;
        break;
    case O_FLAGS:
        if (num_opt("--flags-threshold", v, 1, 65535, &x, e) < 0)
            return -1;
        o->cfg.flags_threshold = (uint32_t)x;
        break;
    case O_TRWFAIL:
        if (num_opt("--trw-min-fail", v, 1, 65535, &x, e) < 0)
            return -1;
        o->cfg.trw_min_fail = (uint32_t)x;
        break;
    case O_PORTS:
        if (num_opt("--port-threshold", v, 2, 65535, &x, e) < 0)
            return -1;
        o->cfg.port_threshold = (uint32_t)x;
        break;
    case O_HOSTS:
        if (num_opt("--host-threshold", v, 2, 65535, &x, e) < 0)
            return -1;
        o->cfg.host_threshold = (uint32_t)x;
        break;
    case O_WINDOW:
        if (num_opt("--window", v, 0.001, 86400, &x, e) < 0)
            return -1;
        o->cfg.window_us = (uint64_t)(x * 1e6);
        break;
    case O_TIMEOUT:
        if (num_opt("--timeout", v, 0.001, 3600, &x, e) < 0)
            return -1;
        o->cfg.conn_timeout_us = (uint64_t)(x * 1e6);
        break;
    case O_SCANIDLE:
        if (num_opt("--scan-idle", v, 0.1, 86400, &x, e) < 0)
            return -1;
        o->cfg.scan_idle_us = (uint64_t)(x * 1e6);
        break;
    case O_DURATION:
        if (num_opt("--duration", v, 0.001, 1e7, &x, e) < 0)
            return -1;
        o->stop_after_us = (uint64_t)(x * 1e6);
        break;
    case O_HOMENET: {
        struct blk_cidr net;
        struct pr_error sub = {""};
        if (blk_cidr_parse(v, &net, &sub) < 0)
            return pr_errf(e, "--home-net %s", sub.msg);
        if (o->passive.nhome >= DET_MAX_HOME_NETS)
            return pr_errf(e, "at most %d --home-net", DET_MAX_HOME_NETS);
        o->passive.home[o->passive.nhome++] = v;
        break;
    }
    case O_ASSETS:
        o->passive.assets = v;
        break;
    case O_ASSETSEVERY:
        if (num_opt("--assets-every", v, 1, 86400, &x, e) < 0)
            return -1;
        o->passive.assets_every_us = (uint64_t)(x * 1e6);
        break;
    case O_LEARN: {
        uint32_t sec;
        if (!strcmp(v, "all"))
            o->passive.learn_us = BL_LEARN_ALL;
        else if (duration_opt("--learn", v, 366 * 86400, &sec, e) < 0)
            return -1;
        else
            o->passive.learn_us = (uint64_t)sec * 1000000u;
        break;
    }
    case O_BASELINE:
        o->passive.baseline = v;
        break;
    case O_DB:
        a->db_uri = v;
        break;
    case O_SENSOR:
        a->sensor = v;
        break;
    case O_MAXASSETS:
        if (num_opt("--max-assets", v, 16, 1 << 24, &x, e) < 0)
            return -1;
        o->passive.max_hosts = (uint32_t)x;
        break;
    case O_USER:
        o->run_user = v;
        break;
    case O_NOSANDBOX:
        o->no_sandbox = 1;
        break;
    case O_WORKERS: {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (num_opt("--workers", v, 1, cpus > 1 ? (double)cpus : 1, &x, e) < 0)
            return -1;
        if (x != (unsigned)x)
            return pr_errf(e, "--workers '%s': expected a whole number", v);
        o->workers = (unsigned)x;
        break;
    }
    case O_METRICS:
        o->metrics = v;
        break;
    case O_WEB:
        o->web = v;
        break;
    case O_REPORT:
        o->report = v;
        break;
    case O_BLOCK:
        a->block = 1;
        a->cmdline_block |= from_cmdline;
        break;
    case O_BLOCKTIME:
        if (duration_opt("--block-time", v, BLK_MAX_SECONDS, &bo->seconds, e) < 0)
            return -1;
        a->block_opts = 1;
        break;
    case O_BLOCKTIMEMAX:
        if (duration_opt("--block-time-max", v, BLK_MAX_SECONDS_CAP, &bo->seconds_max, e) < 0)
            return -1;
        a->block_opts = 1;
        break;
    case O_DRYRUN:
        bo->dry_run = true;
        a->block_opts = 1;
        break;
    case O_ALLOW:
        if (cidr_opt("--allow", v, bo->allow, &bo->nallow, e) < 0)
            return -1;
        a->block_opts = 1;
        break;
    case O_ANYWAY:
        if (cidr_opt("--block-anyway", v, bo->anyway, &bo->nanyway, e) < 0)
            return -1;
        a->block_opts = 1;
        break;
    case O_FLAGSONLY:
        bo->flags_only = true;
        a->block_opts = 1;
        break;
    case O_MAXBLOCKS:
        if (num_opt("--max-blocks-per-min", v, 1, BLK_MAX_PER_MIN, &x, e) < 0)
            return -1;
        bo->max_per_min = (uint32_t)x;
        a->block_opts = 1;
        break;
    case O_BLOCKLEVEL:
        if (num_opt("--block-level", v, 0, 100, &x, e) < 0)
            return -1;
        bo->block_level = (uint32_t)x;
        a->block_opts = 1;
        break;
    case O_FLUSH:
        bo->flush_on_exit = true;
        a->block_opts = 1;
        break;
    case O_KEEP: /* the default since blocks outlive detect */
        a->block_opts = 1;
        break;
    case O_CONFIG: /* read before the other options (parse_args) */
        break;
    case 'h':
        return 1;
    default:
        return pr_errf(e, "unknown option");
    }
    return 0;
}

static int conf_apply(void *ctx, int code, const char *value, struct pr_error *e)
{
    return apply_opt(ctx, code, value, 0, e) == 0 ? 0 : -1;
}

/* The configuration file's keys: every long option but --config and --help. */
static size_t conf_keys(struct det_conf_key *keys)
{
    size_t n = 0;
    for (size_t i = 0; i < NLONGOPTS; i++) {
        if (longopts[i].val == O_CONFIG || longopts[i].val == 'h')
            continue;
        keys[n].name = longopts[i].name;
        keys[n].has_value = longopts[i].has_arg == required_argument;
        keys[n].repeatable = longopts[i].val == O_ALLOW || longopts[i].val == O_ANYWAY ||
                             longopts[i].val == O_HTTPLOG || longopts[i].val == O_HOMENET;
        keys[n].code = longopts[i].val;
        n++;
    }
    return n;
}

/* Parses the configuration file and then argv into a (already zeroed). Returns -1 when
 * the options are complete, else the exit code (help, or a usage error with e filled
 * and usage_shown when getopt printed its own message). */
static int parse_args(struct detect_args *a, int argc, char **argv, struct pr_error *e)
{
    a->argc = argc;
    a->argv = argv;
    det_config_defaults(&a->o.cfg);
    blk_options_defaults(&a->bo);
    /* --config first: the file is applied before the rest of the command line */
    const char *conf = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+r:i:Ff:qh", longopts, NULL)) != -1)
        if (c == O_CONFIG)
            conf = optarg;
    opterr = 1;
    a->conf_path = conf ? conf : DET_CONF_DEFAULT;
    size_t len = 0;
    int found = det_conf_read(a->conf_path, conf == NULL, &a->conf, &len, e);
    if (found < 0)
        return PR_EXIT_USAGE;
    if (found) {
        struct det_conf_key keys[NLONGOPTS];
        size_t nkeys = conf_keys(keys);
        if (det_conf_parse(a->conf_path, a->conf, len, keys, nkeys, conf_apply, a, e) < 0)
            return PR_EXIT_USAGE;
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, "+r:i:Ff:qh", longopts, NULL)) != -1) {
        if (c == '?')
            return pr_errf(e, "see 'portreeve detect --help'"), PR_EXIT_USAGE;
        int r = apply_opt(a, c, optarg, 1, e);
        if (r < 0)
            return PR_EXIT_USAGE;
        if (r > 0)
            return PR_EXIT_OK;
    }
    struct det_options *o = &a->o;
    int inputs = !!o->file + !!o->iface + !!o->fwlog;
    if (inputs > 1 || (inputs == 0 && !o->nhttp_logs))
        return pr_errf(e, "give one input: -r FILE, -i IFACE or --fwlog FILE (HTTP logs may be"
                          " added with --http-log FILE)"),
               PR_EXIT_USAGE;
    int stdins = o->fwlog && !strcmp(o->fwlog, "-");
    for (unsigned i = 0; i < o->nhttp_logs; i++)
        stdins += !strcmp(o->http_logs[i], "-");
    if (stdins > 1)
        return pr_errf(e, "only one input can be standard input ('-')"), PR_EXIT_USAGE;
    if (o->http_format && !o->nhttp_logs)
        return pr_errf(e, "--http-log-format needs --http-log"), PR_EXIT_USAGE;
    if (a->block_opts && !a->block)
        return pr_errf(e, "--block-time, --block-time-max, --dry-run, --allow, --block-anyway,"
                          " --block-on-flags-only, --max-blocks-per-min, --block-level, "
                          "--flush-on-exit and"
                          " --keep-blocks need --block"),
               PR_EXIT_USAGE;
    if (a->block && o->file && !a->cmdline_block) {
        /* a capture file is the past: the service's configuration does not block from it */
        fputs("portreeve detect: notice: 'block' of the configuration file does not apply to"
              " -r (give --block to block from a capture)\n",
              stderr);
        a->block = 0;
        a->block_opts = 0;
    }
    if (a->block)
        o->block = &a->bo;
    if (a->block && a->bo.seconds_max < a->bo.seconds)
        return pr_errf(e, "--block-time-max (%u s) is shorter than --block-time (%u s)",
                       a->bo.seconds_max, a->bo.seconds),
               PR_EXIT_USAGE;
    if (o->follow && !o->fwlog && !o->nhttp_logs)
        return pr_errf(e, "-F applies to --fwlog and --http-log only"), PR_EXIT_USAGE;
    if (optind < argc) {
        if (a->cmdline_filter || (!o->file && !o->iface)) /* (they replace the file's filter) */
            return pr_errf(e, "unexpected argument '%s'", argv[optind]), PR_EXIT_USAGE;
        size_t n = 0;
        a->filter[0] = 0;
        for (int i = optind; i < argc; i++) {
            int w = snprintf(a->filter + n, sizeof a->filter - n, "%s%s", i > optind ? " " : "",
                             argv[i]);
            if (w < 0 || (size_t)w >= sizeof a->filter - n)
                return pr_errf(e, "filter expression too long"), PR_EXIT_USAGE;
            n += (size_t)w;
        }
        o->filter = a->filter;
    }
    if (o->filter && o->fwlog)
        return pr_errf(e, "a BPF filter applies to -r and -i only"), PR_EXIT_USAGE;
    if (o->workers > 1 &&
        (o->fwlog || o->follow || o->nhttp_logs || o->metrics || o->web || o->report ||
         o->passive.assets || o->passive.learn_us || o->passive.baseline))
        return pr_errf(e, "--workers N (N > 1) applies to -r and -i alone: not yet with --fwlog,"
                          " -F, --http-log, --metrics, --web, --report, --assets, --learn or"
                          " --baseline"),
               PR_EXIT_USAGE;
    if (o->workers > 1 && a->db_uri && !o->block) /* (the inventory needs one engine) */
        return pr_errf(e, "--workers N (N > 1) with --db records --block's decisions only:"
                          " add --block, or use one worker"),
               PR_EXIT_USAGE;
    return -1;
}

static void free_args(struct detect_args *a)
{
    if (!a)
        return;
    free_args(a->reread);
    free(a->conf);
    free(a);
}

/* det_reload_fn: the file and the same command line again, into a fresh parse. */
static int reload(void *ctx, struct det_options *out, struct pr_error *e)
{
    struct detect_args *first = ctx;
    struct detect_args *a = pr_calloc(1, sizeof *a);
    if (parse_args(a, first->argc, first->argv, e) != -1) {
        free_args(a);
        return -1;
    }
    free_args(first->reread);
    first->reread = a;
    *out = a->o;
    return 0;
}

/* --db: audit's history store behind the detect layer's det_store (passive.h). */
static int store_inventory(void *ctx, const char *jsonl, size_t len, struct pr_error *e)
{
    return pas_store_inventory(ctx, jsonl, len, e);
}

static int store_baseline(void *ctx, const char *json, size_t len, struct pr_error *e)
{
    return pas_store_baseline(ctx, json, len, e);
}

static int load_baseline(void *ctx, char **json, size_t *len, struct pr_error *e)
{
    return pas_load_baseline(ctx, json, len, e);
}

static int save_block(void *ctx, const struct det_block_decision *d, struct pr_error *e)
{
    struct bst_decision b = {
        .scan_id = d->scan_id, .decided_us = d->decided_us, .expires_us = d->expires_us};
    snprintf(b.addr, sizeof b.addr, "%s", d->addr);
    snprintf(b.evidence, sizeof b.evidence, "%s", d->evidence);
    snprintf(b.reason, sizeof b.reason, "%s", d->reason);
    snprintf(b.sensor, sizeof b.sensor, "%s", d->sensor);
    return bst_record(ctx, &b, e);
}

int cmd_detect(int argc, char **argv)
{
    struct detect_args *a = pr_calloc(1, sizeof *a);
    struct pr_error e = {""};
    int rc = parse_args(a, argc, argv, &e);
    if (rc == PR_EXIT_OK && !e.msg[0]) {
        usage(stdout);
    } else if (rc >= 0) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        if (strstr(e.msg, "--help"))
            usage(stderr);
    } else {
        a->o.reload = reload;
        a->o.reload_ctx = a;
        struct hist_db *db = NULL;
        char host[BST_TEXT] = "";
        if (!a->sensor && gethostname(host, sizeof host - 1) < 0)
            snprintf(host, sizeof host, "unknown");
        struct det_store store = {NULL,          store_inventory, store_baseline,
                                  load_baseline, save_block,      a->sensor ? a->sensor : host};
        if (a->db_uri) { /* opened before the privilege drop, like the other outputs */
            db = hist_open(a->db_uri, &e);
            if (!db) {
                fprintf(stderr, "portreeve detect: --db: %s\n", e.msg);
                free_args(a);
                return PR_EXIT_USAGE;
            }
            store.ctx = db;
            a->o.passive.store = &store;
        }
        rc = det_run(&a->o);
        hist_close(db);
    }
    free_args(a);
    return rc;
}
