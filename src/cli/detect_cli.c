/* detect_cli.c — `portreeve detect` options → struct det_options; det_run does the work. */
#include "cli/cli.h"

#include "detect/run.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: portreeve detect (-r FILE | -i IFACE | --fwlog FILE|- [-F]) [options] [BPF]\n"
          "\n"
          "inputs (exactly one):\n"
          "  -r FILE            read a pcap or pcapng capture\n"
          "  -i IFACE           capture live on an interface\n"
          "  --fwlog FILE|-     read iptables/nftables LOG lines (kern.log, syslog, dmesg,\n"
          "                     journalctl -k); '-' is standard input\n"
          "  -F, --follow       with --fwlog: keep reading as the file grows\n"
          "  -f, --filter EXPR  BPF filter for -r/-i (also: trailing arguments)\n"
          "outputs:\n"
          "  --alerts FILE      append alerts as JSON lines ('-' for stdout)\n"
          "  --syslog           also send alerts to syslog (LOG_AUTH)\n"
          "  -q, --quiet        no human alert lines on stdout (summary still printed)\n"
          "  --metrics ADDR:PORT  serve counters in the Prometheus text format (-i, -F)\n"
          "bounds and tuning:\n"
          "  --max-sources N    sources tracked at once (default 65536; see docs/detect.md)\n"
          "  --max-scans N      scans reported at once (default 256)\n"
          "  --flags-threshold N  FIN/NULL/Xmas probes to distinct ports before an alert (5)\n"
          "  --trw-min-fail N   failed first contacts before a TRW alert (6)\n"
          "  --port-threshold N distinct ports per window for the threshold detector (25)\n"
          "  --host-threshold N distinct hosts per window (50)\n"
          "  --window SEC       threshold window (60)\n"
          "  --timeout SEC      unanswered probe counts as failed after SEC (3)\n"
          "  --duration SEC     stop a live capture or -F after SEC seconds\n"
          "response (docs/block.md; needs CAP_NET_ADMIN unless --dry-run):\n"
          "  --block            block scanners in nftables (table inet portreeve), only on\n"
          "                     evidence a forged source cannot produce alone\n"
          "  --block-time DUR   how long a block lasts: N, Ns, Nm, Nh, Nd (default 1h)\n"
          "  --dry-run          decide and report (action would_block), touch nothing\n"
          "  --allow CIDR       never block these sources (repeatable)\n"
          "  --block-anyway CIDR  gateways or name servers that may be blocked (repeatable)\n"
          "  --block-on-flags-only  stealth probes (FIN/NULL/Xmas) alone are enough to block\n"
          "  --max-blocks-per-min N  cap on new blocks per minute (default 10)\n"
          "  --keep-blocks      leave the table and its blocks when detect exits\n"
          "privileges (docs/privileges.md):\n"
          "  --user NAME        account after start-up when run as root (default: portreeve\n"
          "                     if it exists, else nobody)\n"
          "  --no-sandbox       no seccomp filter (for debugging)\n",
          f);
}

static int num_opt(const char *name, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x >= lo && x <= hi)) {
        fprintf(stderr, "portreeve detect: %s '%s': expected a number from %.15g to %.15g\n", name,
                v, lo, hi);
        return -1;
    }
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
    O_DURATION,
    O_BLOCK,
    O_METRICS,
    O_USER,
    O_NOSANDBOX,
    O_BLOCKTIME,
    O_DRYRUN,
    O_ALLOW,
    O_ANYWAY,
    O_FLAGSONLY,
    O_MAXBLOCKS,
    O_KEEP,
};

/* "90", "90s", "15m", "1h", "2d" → seconds within 1 .. BLK_MAX_SECONDS. */
static int duration_opt(const char *name, const char *v, uint32_t *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    double mul = 1;
    if (end != v && *end && !end[1]) {
        mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
        if (mul > 0)
            end++;
    }
    x *= mul;
    if (errno || end == v || *end || !(x >= 1 && x <= BLK_MAX_SECONDS) ||
        x != (double)(uint32_t)x) {
        fprintf(stderr,
                "portreeve detect: %s '%s': expected whole seconds from 1 to %u"
                " (suffix s, m, h or d)\n",
                name, v, BLK_MAX_SECONDS);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

static int cidr_opt(const char *name, const char *v, const char **list, unsigned *n)
{
    struct blk_cidr c;
    struct pr_error e = {""};
    if (blk_cidr_parse(v, &c, &e) < 0) {
        fprintf(stderr, "portreeve detect: %s %s\n", name, e.msg);
        return -1;
    }
    if (*n >= BLK_MAX_CIDRS) {
        fprintf(stderr, "portreeve detect: at most %d %s entries\n", BLK_MAX_CIDRS, name);
        return -1;
    }
    list[(*n)++] = v;
    return 0;
}

int cmd_detect(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fwlog", required_argument, NULL, O_FWLOG},
        {"follow", no_argument, NULL, 'F'},
        {"filter", required_argument, NULL, 'f'},
        {"alerts", required_argument, NULL, O_ALERTS},
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
        {"duration", required_argument, NULL, O_DURATION},
        {"block", no_argument, NULL, O_BLOCK},
        {"block-time", required_argument, NULL, O_BLOCKTIME},
        {"dry-run", no_argument, NULL, O_DRYRUN},
        {"allow", required_argument, NULL, O_ALLOW},
        {"block-anyway", required_argument, NULL, O_ANYWAY},
        {"block-on-flags-only", no_argument, NULL, O_FLAGSONLY},
        {"max-blocks-per-min", required_argument, NULL, O_MAXBLOCKS},
        {"keep-blocks", no_argument, NULL, O_KEEP},
        {"metrics", required_argument, NULL, O_METRICS},
        {"user", required_argument, NULL, O_USER},
        {"no-sandbox", no_argument, NULL, O_NOSANDBOX},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct det_options o;
    memset(&o, 0, sizeof o);
    det_config_defaults(&o.cfg);
    struct blk_options bo;
    blk_options_defaults(&bo);
    int block = 0, block_opts = 0;
    double x;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+r:i:Ff:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            o.file = optarg;
            break;
        case 'i':
            o.iface = optarg;
            break;
        case O_FWLOG:
            o.fwlog = optarg;
            break;
        case 'F':
            o.follow = 1;
            break;
        case 'f':
            o.filter = optarg;
            break;
        case O_ALERTS:
            o.alerts = optarg;
            break;
        case O_SYSLOG:
            o.syslog = 1;
            break;
        case 'q':
            o.quiet = 1;
            break;
        case O_MAXSRC:
            if (num_opt("--max-sources", optarg, 8, 1 << 26, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.max_sources = (uint32_t)x;
            break;
        case O_MAXSCANS:
            if (num_opt("--max-scans", optarg, 8, 65536, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.max_scans = (uint32_t)x;
            break;
        case O_FLAGS:
            if (num_opt("--flags-threshold", optarg, 1, 65535, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.flags_threshold = (uint32_t)x;
            break;
        case O_TRWFAIL:
            if (num_opt("--trw-min-fail", optarg, 1, 65535, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.trw_min_fail = (uint32_t)x;
            break;
        case O_PORTS:
            if (num_opt("--port-threshold", optarg, 2, 65535, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.port_threshold = (uint32_t)x;
            break;
        case O_HOSTS:
            if (num_opt("--host-threshold", optarg, 2, 65535, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.host_threshold = (uint32_t)x;
            break;
        case O_WINDOW:
            if (num_opt("--window", optarg, 0.001, 86400, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.window_us = (uint64_t)(x * 1e6);
            break;
        case O_TIMEOUT:
            if (num_opt("--timeout", optarg, 0.001, 3600, &x) < 0)
                return PR_EXIT_USAGE;
            o.cfg.conn_timeout_us = (uint64_t)(x * 1e6);
            break;
        case O_DURATION:
            if (num_opt("--duration", optarg, 0.001, 1e7, &x) < 0)
                return PR_EXIT_USAGE;
            o.stop_after_us = (uint64_t)(x * 1e6);
            break;
        case O_USER:
            o.run_user = optarg;
            break;
        case O_NOSANDBOX:
            o.no_sandbox = 1;
            break;
        case O_METRICS:
            o.metrics = optarg;
            break;
        case O_BLOCK:
            block = 1;
            break;
        case O_BLOCKTIME:
            if (duration_opt("--block-time", optarg, &bo.seconds) < 0)
                return PR_EXIT_USAGE;
            block_opts = 1;
            break;
        case O_DRYRUN:
            bo.dry_run = true;
            block_opts = 1;
            break;
        case O_ALLOW:
            if (cidr_opt("--allow", optarg, bo.allow, &bo.nallow) < 0)
                return PR_EXIT_USAGE;
            block_opts = 1;
            break;
        case O_ANYWAY:
            if (cidr_opt("--block-anyway", optarg, bo.anyway, &bo.nanyway) < 0)
                return PR_EXIT_USAGE;
            block_opts = 1;
            break;
        case O_FLAGSONLY:
            bo.flags_only = true;
            block_opts = 1;
            break;
        case O_MAXBLOCKS:
            if (num_opt("--max-blocks-per-min", optarg, 1, BLK_MAX_PER_MIN, &x) < 0)
                return PR_EXIT_USAGE;
            bo.max_per_min = (uint32_t)x;
            block_opts = 1;
            break;
        case O_KEEP:
            bo.keep = true;
            block_opts = 1;
            break;
        case 'h':
            usage(stdout);
            return PR_EXIT_OK;
        default:
            usage(stderr);
            return PR_EXIT_USAGE;
        }
    }
    int inputs = !!o.file + !!o.iface + !!o.fwlog;
    if (inputs != 1) {
        fputs("portreeve detect: give exactly one input: -r FILE, -i IFACE or --fwlog FILE\n",
              stderr);
        return PR_EXIT_USAGE;
    }
    if (block_opts && !block) {
        fputs("portreeve detect: --block-time, --dry-run, --allow, --block-anyway,"
              " --block-on-flags-only, --max-blocks-per-min and --keep-blocks need --block\n",
              stderr);
        return PR_EXIT_USAGE;
    }
    if (block)
        o.block = &bo;
    if (o.follow && !o.fwlog) {
        fputs("portreeve detect: -F applies to --fwlog only\n", stderr);
        return PR_EXIT_USAGE;
    }
    char filter[4096];
    if (optind < argc) {
        if (o.filter || o.fwlog) {
            fprintf(stderr, "portreeve detect: unexpected argument '%s'\n", argv[optind]);
            return PR_EXIT_USAGE;
        }
        size_t n = 0;
        filter[0] = 0;
        for (int i = optind; i < argc; i++) {
            int w = snprintf(filter + n, sizeof filter - n, "%s%s", i > optind ? " " : "", argv[i]);
            if (w < 0 || (size_t)w >= sizeof filter - n) {
                fputs("portreeve detect: filter expression too long\n", stderr);
                return PR_EXIT_USAGE;
            }
            n += (size_t)w;
        }
        o.filter = filter;
    }
    if (o.filter && o.fwlog) {
        fputs("portreeve detect: a BPF filter applies to -r and -i only\n", stderr);
        return PR_EXIT_USAGE;
    }
    return det_run(&o);
}
