/* run.h — `portreeve detect` end to end: open the input and the sinks, drop
 * privileges, feed events to the engine until the input ends or a signal
 * arrives, then print the summary.
 *
 * Called by cli/detect_cli.c with the parsed options. With `--block` the responder
 * (blockresp.h) and its privileged nftables helper are started here, before the drop.
 * SIGINT and SIGTERM stop the loop (blocks stay in nftables: docs/block.md); SIGHUP
 * reopens the alert files (--alerts, --eve: logrotate) and, through `reload`, rereads
 * the configuration file and applies what can change while running (blk_reconfigure). */
#ifndef PR_DETECT_RUN_H
#define PR_DETECT_RUN_H

#include "detect/blockresp.h"
#include "detect/engine.h"
#include "detect/passive.h"

#include <stdint.h>

#define DET_MAX_HTTP_LOGS 16

/* Exit codes (the values of cli.h's PR_EXIT_*; the detect layer does not include cli). */
enum { DET_EXIT_OK = 0, DET_EXIT_USAGE = 2, DET_EXIT_RUNTIME = 3 };

struct det_options;
/* Rereads the configuration (the cli's file and command line) into *out, which stays
 * valid until the next call; returns 0, or -1 with e filled. */
typedef int (*det_reload_fn)(void *ctx, struct det_options *out, struct pr_error *e);

struct det_options {
    const char *iface;                        /* -i */
    const char *file;                         /* -r */
    const char *fwlog;                        /* --fwlog */
    int follow;                               /* -F */
    const char *http_logs[DET_MAX_HTTP_LOGS]; /* --http-log (web.h) */
    unsigned nhttp_logs;
    const char *http_format;         /* --http-log-format: a format name or nginx log_format text */
    const char *filter;              /* BPF filter (-f or trailing expression) */
    const char *alerts;              /* --alerts FILE */
    const char *eve;                 /* --eve FILE (Suricata EVE JSON, eve.h) */
    int syslog;                      /* --syslog */
    const char *metrics;             /* --metrics ADDR:PORT (live and -F only) */
    const char *web;                 /* --web ADDR:PORT: the live page (webui.h) */
    const char *report;              /* --report FILE.html: the page at the end (page.h) */
    int quiet;                       /* -q: no human alert lines */
    uint64_t stop_after_us;          /* --duration: live capture stops after this (0: never) */
    const struct blk_options *block; /* --block (NULL: no response) */
    struct det_passive_config passive; /* --home-net, --assets, --assets-every (passive.h) */
    const char *run_user;              /* --user (NULL: core/privs.h default) */
    int no_sandbox;                    /* --no-sandbox: no seccomp filter */
    unsigned workers; /* --workers N: engines on N threads (workers.h); 0 or 1: one, no thread */
    struct det_config cfg;
    det_reload_fn reload; /* SIGHUP: reread the configuration (NULL: only reopen files) */
    void *reload_ctx;
};

/* Runs the detector; returns DET_EXIT_OK, DET_EXIT_USAGE (input error) or
 * DET_EXIT_RUNTIME. */
int det_run(const struct det_options *o);

#endif
