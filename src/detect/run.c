/* run.c — see run.h. */
#include "detect/run.h"

#include "cli/cli.h"
#include "detect/capture.h"
#include "detect/fwsrc.h"
#include "detect/metrics.h"

#include "core/privs.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_LINE_ERRORS 20 /* malformed-line messages shown before they are only counted */

static volatile sig_atomic_t det_stop;

static void on_signal(int sig)
{
    (void)sig;
    det_stop = 1;
}

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* After the inputs and outputs are open nothing needs a capability any more. */
static int drop_privileges(void)
{
    struct pr_error e = {""};
    if (privs_drop(NULL, &e) < 0) {
        fprintf(stderr, "portreeve detect: dropping privileges: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void print_summary(const struct det_engine *d, const struct det_capture *cap,
                          const struct det_fwsrc *fw, FILE *f)
{
    const struct det_stats *st = det_engine_stats(d);
    fprintf(f, "summary:");
    if (cap) {
        struct det_capture_stats cs;
        det_capture_stats((struct det_capture *)cap, &cs);
        fprintf(f, " frames %llu (undecodable %llu, kernel drops %llu),",
                (unsigned long long)cs.frames, (unsigned long long)cs.undecodable,
                (unsigned long long)cs.kernel_drops);
    }
    if (fw) {
        struct det_fwsrc_stats fs;
        det_fwsrc_stats(fw, &fs);
        fprintf(f, " lines %llu (LOG %llu, malformed %llu, other %llu),",
                (unsigned long long)fs.lines, (unsigned long long)fs.log_lines,
                (unsigned long long)fs.bad_lines, (unsigned long long)fs.other_lines);
    }
    fprintf(f,
            " events %llu, probes %llu, sources %llu (evicted %llu), flows evicted %llu,"
            " scans %llu (evicted %llu), alerts %llu, updates %llu, suppressed %llu,"
            " table memory %zu bytes\n",
            (unsigned long long)st->events, (unsigned long long)st->probes,
            (unsigned long long)st->sources_seen, (unsigned long long)st->sources_evicted,
            (unsigned long long)st->conns_evicted, (unsigned long long)st->scans,
            (unsigned long long)st->scans_evicted, (unsigned long long)st->alerts,
            (unsigned long long)st->updates, (unsigned long long)st->alerts_suppressed,
            det_engine_bytes(d));
    fflush(f);
}

int det_run(const struct det_options *o)
{
    struct pr_error e = {""};
    struct det_capture *cap = NULL;
    struct det_fwsrc *fw = NULL;
    int rc = PR_EXIT_OK;

    if (o->file) {
        if (det_capture_open_file(o->file, o->filter, &cap, &e) < 0)
            goto input_error;
    } else if (o->iface) {
        if (det_capture_open_live(o->iface, o->filter, &cap, &e) < 0) {
            fprintf(stderr, "portreeve detect: %s\n", e.msg);
            return PR_EXIT_RUNTIME;
        }
    } else if (det_fwsrc_open(o->fwlog, o->follow, &fw, &e) < 0) {
        goto input_error;
    }

    struct det_engine *d = det_engine_new(&o->cfg, &e);
    if (!d) {
        det_capture_close(cap);
        det_fwsrc_close(fw);
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        return PR_EXIT_USAGE;
    }
    if (o->iface) /* the kernel's neighbour table binds addresses to MACs (block.md) */
        det_engine_set_binder(d, det_capture_neighbour, cap);
    struct det_sink sink;
    if (!o->quiet) {
        det_sink_text(stdout, &sink);
        det_engine_add_sink(d, &sink);
    }
    if (o->alerts) {
        if (det_sink_json(o->alerts, &sink, &e) < 0) {
            fprintf(stderr, "portreeve detect: %s\n", e.msg);
            det_engine_free(d);
            det_capture_close(cap);
            det_fwsrc_close(fw);
            return PR_EXIT_USAGE;
        }
        det_engine_add_sink(d, &sink);
    }
    if (o->syslog) {
        det_sink_syslog(&sink);
        det_engine_add_sink(d, &sink);
    }
    struct det_metrics *metrics = NULL;
    if (o->metrics && det_metrics_open(o->metrics, &metrics, &e) < 0) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        det_engine_free(d);
        det_capture_close(cap);
        det_fwsrc_close(fw);
        return PR_EXIT_USAGE;
    }
    /* --block: the helper that keeps CAP_NET_ADMIN is forked before the drop */
    struct blk_responder *blk = NULL;
    if (o->block) {
        if (blk_open(o->block, stderr, &blk, &e) < 0) {
            fprintf(stderr, "portreeve detect: --block: %s\n", e.msg);
            det_metrics_close(metrics);
            det_engine_free(d);
            det_capture_close(cap);
            det_fwsrc_close(fw);
            return PR_EXIT_RUNTIME;
        }
        det_engine_set_responder(d, blk_respond, blk);
    }
    if (drop_privileges() < 0) {
        blk_close(blk);
        det_metrics_close(metrics);
        det_engine_free(d);
        det_capture_close(cap);
        det_fwsrc_close(fw);
        return PR_EXIT_RUNTIME;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (o->iface)
        fprintf(stderr, "portreeve detect: listening on %s\n", o->iface);
    uint64_t started = wall_us();
    unsigned line_errors = 0;
    uint64_t events = 0;
    while (!det_stop) {
        struct det_event ev;
        int r = cap ? det_capture_next(cap, &ev, &e) : det_fwsrc_next(fw, &ev, &e);
        if (r == 1) {
            det_engine_event(d, &ev);
            if (metrics && (++events & 1023) == 0) /* scrapers are served under load too */
                det_metrics_poll(metrics, d);
        } else if (r == 0) {
            if (o->iface || o->follow)
                det_engine_tick(d, wall_us());
            det_metrics_poll(metrics, d);
        } else if (r == 2) {
            break;
        } else if (r == 3) {
            if (++line_errors <= MAX_LINE_ERRORS)
                fprintf(stderr, "portreeve detect: %s (line skipped)\n", e.msg);
            else if (line_errors == MAX_LINE_ERRORS + 1)
                fputs("portreeve detect: further malformed lines are only counted\n", stderr);
        } else {
            fprintf(stderr, "portreeve detect: %s; reporting what was found so far\n", e.msg);
            rc = PR_EXIT_USAGE;
            break;
        }
        if (o->stop_after_us && (o->iface || o->follow) && wall_us() - started >= o->stop_after_us)
            break;
    }
    det_engine_finish(d);
    det_metrics_poll(metrics, d);
    det_metrics_close(metrics);
    print_summary(d, cap, fw, stdout);
    if (blk) {
        const struct blk_stats *bs = blk_stats(blk);
        printf("block: blocked %llu, would block %llu, protected %llu, without evidence %llu,"
               " over the cap %llu, errors %llu\n",
               (unsigned long long)bs->blocked, (unsigned long long)bs->would_block,
               (unsigned long long)bs->protected_, (unsigned long long)bs->no_evidence,
               (unsigned long long)bs->capped, (unsigned long long)bs->errors);
        fflush(stdout);
        blk_close(blk);
    }
    det_engine_free(d);
    det_capture_close(cap);
    det_fwsrc_close(fw);
    return rc;

input_error:
    fprintf(stderr, "portreeve detect: %s\n", e.msg);
    return PR_EXIT_USAGE;
}
