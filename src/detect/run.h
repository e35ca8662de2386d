/* run.h — `portreeve detect` end to end: open the input and the sinks, drop
 * privileges, feed events to the engine until the input ends or a signal
 * arrives, then print the summary.
 *
 * Called by cli/detect_cli.c with the parsed options. With `--block` the responder
 * (blockresp.h) and its privileged nftables helper are started here, before the drop. */
#ifndef PR_DETECT_RUN_H
#define PR_DETECT_RUN_H

#include "detect/blockresp.h"
#include "detect/engine.h"

#include <stdint.h>

struct det_options {
    const char *iface;               /* -i */
    const char *file;                /* -r */
    const char *fwlog;               /* --fwlog */
    int follow;                      /* -F */
    const char *filter;              /* BPF filter (-f or trailing expression) */
    const char *alerts;              /* --alerts FILE */
    int syslog;                      /* --syslog */
    const char *metrics;             /* --metrics ADDR:PORT (live and -F only) */
    int quiet;                       /* -q: no human alert lines */
    uint64_t stop_after_us;          /* --duration: live capture stops after this (0: never) */
    const struct blk_options *block; /* --block (NULL: no response) */
    const char *run_user;            /* --user (NULL: core/privs.h default) */
    int no_sandbox;                  /* --no-sandbox: no seccomp filter */
    struct det_config cfg;
};

/* Runs the detector; returns a process exit code (cli.h: 0, 2 input error, 3 runtime). */
int det_run(const struct det_options *o);

#endif
