/* run.c — see run.h. */
#include "detect/run.h"

#include "core/clock.h"
#include "detect/behave.h"
#include "detect/capture.h"
#include "detect/eve.h"
#include "detect/fwsrc.h"
#include "detect/metrics.h"
#include "detect/pageout.h"
#include "detect/tablekey.h"
#include "detect/web.h"
#include "detect/websrc.h"
#include "detect/workers.h"

#include "core/privs.h"
#include "core/sandbox.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_LINE_ERRORS 20 /* malformed-line messages shown before they are only counted */

static volatile sig_atomic_t det_stop, det_hup;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        det_hup = 1;
    else
        det_stop = 1;
}

/* The sinks that write to named files (--alerts, --eve), reopened on SIGHUP. */
struct file_sinks {
    struct det_sink s[2];
    unsigned n;
};

/* Opens a file sink (det_sink_json, det_sink_eve) and gives it to the engine. */
static int add_file_sink(struct det_engine *d, struct file_sinks *fs,
                         int (*opener)(const char *path, struct det_sink *out, struct pr_error *e),
                         const char *path, struct pr_error *e)
{
    struct det_sink sink;
    if (opener(path, &sink, e) < 0)
        return -1;
    det_engine_add_sink(d, &sink);
    fs->s[fs->n++] = sink;
    return 0;
}

/* SIGHUP: reopen the alert files (a file logrotate moved away is left to it, a new one
 * is created), then reread the configuration and apply what can change while running. */
static void on_hup(const struct det_options *o, struct file_sinks *fs, struct blk_responder *blk)
{
    struct pr_error e = {""};
    for (unsigned i = 0; i < fs->n; i++)
        if (fs->s[i].ops->reopen && fs->s[i].ops->reopen(fs->s[i].ctx, &e) < 0)
            fprintf(stderr, "portreeve detect: SIGHUP: %s\n", e.msg);
    if (!o->reload) {
        fputs("portreeve detect: SIGHUP: alert files reopened\n", stderr);
        return;
    }
    struct det_options n;
    memset(&n, 0, sizeof n);
    if (o->reload(o->reload_ctx, &n, &e) < 0) {
        fprintf(stderr, "portreeve detect: SIGHUP: %s; the configuration in use stays\n", e.msg);
        return;
    }
    if (blk && n.block && blk_reconfigure(blk, n.block, &e) < 0) {
        fprintf(stderr, "portreeve detect: SIGHUP: %s; the configuration in use stays\n", e.msg);
        return;
    }
    if (!!blk != !!n.block)
        fputs("portreeve detect: SIGHUP: turning --block on or off needs a restart\n", stderr);
    fputs("portreeve detect: SIGHUP: alert files reopened, configuration reread (block"
          " settings applied; the others take effect at a restart)\n",
          stderr);
}

/* After the inputs and outputs are open nothing needs a capability any more: switch to
 * the unprivileged account, then the seccomp allowlist. Logs followed with -F are the
 * exception: the files that replace rotated logs belong to root or the server
 * (kern.log root:adm 0640, nginx www-data:adm 0640) and must be reopened by name, so
 * CAP_DAC_READ_SEARCH (read any file, nothing else) is kept. */
static int drop_privileges(const struct det_options *o)
{
    static const int keep_read[] = {2 /* CAP_DAC_READ_SEARCH */, -1};
    struct pr_error e = {""};
    if (privs_drop_user(o->run_user, o->follow ? keep_read : NULL, &e) < 0) {
        fprintf(stderr, "portreeve detect: dropping privileges: %s\n", e.msg);
        return -1;
    }
    if (!o->no_sandbox && sbx_install(SBX_WORKER, &e) < 0) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* st, bytes: the engine's (det_engine_stats, det_engine_bytes) or the workers' summed */
static void print_summary(const struct det_stats *st, size_t bytes, const struct det_capture *cap,
                          const struct det_fwsrc *fw, FILE *f)
{
    fprintf(f, "summary:");
    if (cap) {
        struct det_capture_stats cs;
        det_capture_stats((struct det_capture *)cap, &cs);
        fprintf(f, " frames %llu (undecodable %llu, bad checksum %llu, kernel drops %llu),",
                (unsigned long long)cs.frames, (unsigned long long)cs.undecodable,
                (unsigned long long)cs.badsum, (unsigned long long)cs.kernel_drops);
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
            (unsigned long long)st->updates, (unsigned long long)st->alerts_suppressed, bytes);
    if (st->sink_errors)
        fprintf(f, "summary: alert sink write errors %llu (some alerts were not written)\n",
                (unsigned long long)st->sink_errors);
    fflush(f);
}

/* The first MAX_LINE_ERRORS malformed lines are shown, then they are only counted. */
static void report_line_error(unsigned *n, const struct pr_error *e)
{
    if (++*n <= MAX_LINE_ERRORS)
        fprintf(stderr, "portreeve detect: %s (line skipped)\n", e->msg);
    else if (*n == MAX_LINE_ERRORS + 1)
        fputs("portreeve detect: further malformed lines are only counted\n", stderr);
}

/* One line per HTTP log and one for the web analyzer (after the summary line). */
static void print_web_summary(struct det_websrc *const *ws, unsigned n, const struct det_web *w,
                              FILE *f)
{
    for (unsigned i = 0; i < n; i++) {
        struct det_websrc_stats st;
        det_websrc_stats(ws[i], &st);
        fprintf(f, "http log %s (%s): lines %llu, requests %llu, malformed %llu, other %llu\n",
                det_websrc_name(ws[i]), det_websrc_format(ws[i]), (unsigned long long)st.lines,
                (unsigned long long)st.requests, (unsigned long long)st.bad_lines,
                (unsigned long long)st.other_lines);
    }
    if (w) {
        const struct det_web_stats *st = det_web_stats(w);
        fprintf(f,
                "web: requests %llu, sources %llu (evicted %llu), alerts %llu, updates %llu,"
                " suppressed %llu, table memory %zu bytes\n",
                (unsigned long long)st->requests, (unsigned long long)st->sources_seen,
                (unsigned long long)st->sources_evicted, (unsigned long long)st->alerts,
                (unsigned long long)st->updates, (unsigned long long)st->suppressed,
                det_web_bytes(w));
    }
    fflush(f);
}

/* The inputs of one run: at most one packet or LOG line source and the HTTP logs, read
 * in the order of their events' times (files), or as they come (live, -F). */
struct inputs {
    struct det_capture *cap;
    struct det_fwsrc *fw;
    struct det_websrc *web[DET_MAX_HTTP_LOGS];
    unsigned nweb;
};

static void close_inputs(struct inputs *in)
{
    det_capture_close(in->cap);
    det_fwsrc_close(in->fw);
    for (unsigned i = 0; i < in->nweb; i++)
        det_websrc_close(in->web[i]);
}

static int open_web_logs(const struct det_options *o, struct inputs *in, struct pr_error *e)
{
    const char *fmt = o->http_format, *custom = NULL;
    if (fmt && strchr(fmt, '$')) /* nginx log_format text rather than a name */
        custom = fmt, fmt = NULL;
    for (unsigned i = 0; i < o->nhttp_logs; i++) {
        if (det_websrc_open(o->http_logs[i], o->follow, fmt, custom, &in->web[i], e) < 0)
            return -1;
        in->nweb = i + 1;
    }
    return 0;
}

/* The behaviour analysis on the engine, with the same home network as the inventory. */
static struct det_behave *behave_open(const struct det_passive_config *pc,
                                      const struct det_config *cfg, struct det_engine *d,
                                      struct pr_error *e)
{
    struct beh_config bc = {.max_sources =
                                cfg->max_sources < (1u << 20) ? cfg->max_sources : 1u << 20};
    int nh = det_passive_home(pc, bc.home, BEH_MAX_HOME, e);
    if (nh < 0)
        return NULL;
    bc.nhome = (unsigned)nh;
    return det_behave_new(&bc, d, e);
}

int det_run(const struct det_options *o)
{
    struct pr_error e = {""};
    struct inputs in;
    memset(&in, 0, sizeof in);
    int rc = DET_EXIT_OK;

    /* first of all: a SIGHUP (systemctl reload) during start-up must not kill us */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    if (o->file) {
        if (det_capture_open_file(o->file, o->filter, &in.cap, &e) < 0)
            goto input_error;
    } else if (o->iface) {
        if (det_capture_open_live(o->iface, o->filter, &in.cap, &e) < 0) {
            fprintf(stderr, "portreeve detect: %s\n", e.msg);
            return DET_EXIT_RUNTIME;
        }
    } else if (o->fwlog && det_fwsrc_open(o->fwlog, o->follow, &in.fw, &e) < 0) {
        goto input_error;
    }
    struct det_capture *cap = in.cap;
    struct det_fwsrc *fw = in.fw;
    if (open_web_logs(o, &in, &e) < 0) {
        close_inputs(&in);
        goto input_error;
    }

    struct det_engine *d = det_engine_new(&o->cfg, &e);
    if (!d) {
        close_inputs(&in);
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        return DET_EXIT_USAGE;
    }
    uint64_t k0 = 0, k1 = 0; /* offline: the same alerts on every run (tablekey.h) */
    int stable = 0;
    if (!o->iface && !o->follow) {
        if (det_table_key_stable("/etc/machine-id", &k0, &k1) == 0) {
            det_engine_set_key(d, k0, k1);
            stable = 1;
        } else {
            fputs("portreeve detect: no /etc/machine-id: the table key is random, so runs over"
                  " the same input may differ\n",
                  stderr);
        }
    }
    struct det_web *web = NULL;
    if (in.nweb) {
        struct det_web_config wc;
        det_web_config_defaults(&wc);
        web = det_web_new(&wc, d, &e);
        if (!web) {
            det_engine_free(d);
            close_inputs(&in);
            fprintf(stderr, "portreeve detect: %s\n", e.msg);
            return DET_EXIT_USAGE;
        }
        if (stable)
            det_web_set_key(web, k1, k0); /* another key from the same stable pair */
    }
    if (o->iface) /* the kernel's neighbour table binds addresses to MACs (block.md) */
        det_engine_set_binder(d, det_capture_neighbour, cap);
    struct det_sink sink;
    struct file_sinks fs = {.n = 0};
    if (!o->quiet) {
        det_sink_text(stdout, &sink);
        det_engine_add_sink(d, &sink);
    }
    if ((o->alerts && add_file_sink(d, &fs, det_sink_json, o->alerts, &e) < 0) ||
        (o->eve && add_file_sink(d, &fs, det_sink_eve, o->eve, &e) < 0)) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        det_web_free(web);
        det_engine_free(d);
        close_inputs(&in);
        return DET_EXIT_USAGE;
    }
    if (o->syslog) {
        det_sink_syslog(&sink);
        det_engine_add_sink(d, &sink);
    }
    struct det_metrics *metrics = NULL;
    if (o->metrics && det_metrics_open(o->metrics, &metrics, &e) < 0) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        det_web_free(web);
        det_engine_free(d);
        close_inputs(&in);
        return DET_EXIT_USAGE;
    }
    /* --block: the helper that keeps CAP_NET_ADMIN is forked before the drop */
    struct blk_responder *blk = NULL;
    if (o->block) {
        if (blk_open(o->block, stderr, &blk, &e) < 0) {
            fprintf(stderr, "portreeve detect: --block: %s\n", e.msg);
            det_metrics_close(metrics);
            det_web_free(web);
            det_engine_free(d);
            close_inputs(&in);
            return DET_EXIT_RUNTIME;
        }
        det_engine_set_responder(d, blk_respond, blk);
        blk_set_store(blk, o->passive.store); /* --db: decisions for the fleet */
        if (blk_kept(blk))
            fprintf(stderr,
                    "portreeve detect: --block: %u blocks kept from an earlier run (they run"
                    " out by their own timeouts; `portreeve block flush` lifts them)\n",
                    blk_kept(blk));
    }
    /* the passive picture: OS names for src_os, the --assets inventory (file opened here);
     * behaviour (behave.h): outbound sweeps, scan_then_connect, threat levels and advice */
    struct det_passive_config pc = o->passive;
    pc.iface = o->iface;
    pc.inventory = o->web || o->report;
    if (o->workers > 1) /* --db: the workers record --block's decisions only, no inventory */
        pc.store = NULL;
    struct det_passive *pas = det_passive_open(&pc, &e);
    /* --workers: each worker has its own behaviour analysis; d is only their merge point */
    struct det_behave *beh = pas && o->workers < 2 ? behave_open(&pc, &o->cfg, d, &e) : NULL;
    struct det_workers *wk = NULL;
    /* -r of a regular file: the workers' keyer reads it; stdin or a pipe can be read once
     * only, and a pcapng file or a filter needs libpcap, so their frames go through the
     * dispatcher as live frames do */
    struct stat fst;
    int wread = o->workers > 1 && o->file && strcmp(o->file, "-") && stat(o->file, &fst) == 0 &&
                S_ISREG(fst.st_mode);
    if (pas && o->workers > 1) {
        pc.share_db = pas; /* the workers match with the run's p0f database */
        struct det_workers_config wc = {.n = o->workers,
                                        .cfg = o->cfg,
                                        .pc = &pc,
                                        .stable = stable,
                                        .k0 = k0,
                                        .k1 = k1,
                                        .merge = d,
                                        .binder = o->iface ? det_capture_neighbour : NULL,
                                        .binder_ctx = cap,
                                        .respond = blk != NULL}; /* d's responder decides */
        if (det_workers_open(&wc, &wk, &e) < 0)
            det_passive_close(pas), pas = NULL;
        else if (wread &&
                 (wread = det_workers_read_file(wk, o->file, o->filter, &det_stop, &e)) < 0)
            det_workers_free(wk), wk = NULL, det_passive_close(pas), pas = NULL;
    }
    if (wk && o->iface) { /* the kernel hands each worker its frames; else this thread does */
        struct pr_error fe = {""};
        if (det_workers_read_live(wk, cap, o->iface, o->filter, &det_stop, &fe) == 0)
            fprintf(stderr, "portreeve detect: --workers %u: eBPF fanout on %s\n", o->workers,
                    o->iface);
        else
            fprintf(stderr,
                    "portreeve detect: --workers %u: no eBPF fanout (%s); one thread reads"
                    " %s for the workers\n",
                    o->workers, fe.msg, o->iface);
    }
    int fan = wk && det_workers_fanout(wk); /* the workers read the interface themselves */
    int live = o->iface || o->follow;
    if (!beh && !wk) {
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
        det_passive_close(pas);
        blk_close(blk);
        det_metrics_close(metrics);
        det_web_free(web);
        det_engine_free(d);
        close_inputs(&in);
        return DET_EXIT_USAGE;
    }
    det_engine_set_os_namer(d, det_passive_os, pas);
    det_passive_set_engine(pas, d); /* baseline alerts: new_service, lateral_fanout */
    /* --web, --report: the socket and the file are opened before the drop */
    struct det_pageout_config pgc = {o->web, o->report,
                                     o->iface  ? o->iface
                                     : o->file ? o->file
                                               : o->fwlog,
                                     live, o->block ? o->block->seconds : 0};
    struct det_pageout *pg = NULL;
    int pg_rc = det_pageout_open(&pgc, d, &pg, &e);
    if (pg_rc < 0)
        fprintf(stderr, "portreeve detect: %s\n", e.msg);
    if (pg_rc < 0 || drop_privileges(o) < 0 || det_pageout_start(pg, stderr) < 0 ||
        (wk && det_workers_start(wk, &e) < 0)) {
        if (*e.msg)
            fprintf(stderr, "portreeve detect: %s\n", e.msg);
        det_workers_free(wk);
        det_pageout_close(pg);
        det_behave_free(beh);
        det_passive_close(pas);
        blk_close(blk);
        det_metrics_close(metrics);
        det_web_free(web);
        det_engine_free(d);
        close_inputs(&in);
        return DET_EXIT_RUNTIME;
    }

    if (o->iface)
        fprintf(stderr, "portreeve detect: listening on %s\n", o->iface);
    uint64_t started = wall_us();
    unsigned line_errors = 0;
    uint64_t events = 0;
    /* Each input is NEED (call its next), HAVE (an event waits) or DONE. The waiting
     * event with the earliest time goes first, so files are merged in time order; an
     * input with nothing new (live, -F) holds nobody back. */
    enum { NEED = 0, HAVE, DONE };
    int pstate = (cap && !(wk && (wread || fan))) || fw ? NEED : DONE; /* the workers read */
    int wstate[DET_MAX_HTTP_LOGS] = {0};
    struct det_event ev;
    struct det_http_req req[DET_MAX_HTTP_LOGS];
    while (!det_stop) {
        if (det_hup) {
            det_hup = 0;
            det_workers_hold(wk, 1); /* the workers write to the sinks being reopened */
            on_hup(o, &fs, blk);
            det_workers_hold(wk, 0);
        }
        int idle = fan; /* -i with the fanout: this thread only waits */
        if (pstate == NEED) {
            struct det_frame fr; /* -i --workers: frames go to the workers as they come
                                    (the only input), decoded there */
            int r = wk    ? det_capture_next_frame(cap, &fr, &e)
                    : cap ? det_capture_next(cap, &ev, &e)
                          : det_fwsrc_next(fw, &ev, &e);
            if (r == 1 && wk) {
                det_workers_frame(wk, &fr);
            } else if (r == 1) {
                pstate = HAVE;
            } else if (r == 0) {
                idle = 1;
                if (live && wk)
                    det_workers_tick(wk, wall_us());
                else if (live) /* a log is ticked on its own clock (fwsrc.h) */
                    det_engine_tick(d, fw ? det_fwsrc_clock(fw) : wall_us());
                det_metrics_poll(metrics, d);
            } else if (r == 2) {
                pstate = DONE;
            } else if (r == 3) {
                report_line_error(&line_errors, &e);
            } else {
                fprintf(stderr, "portreeve detect: %s; reporting what was found so far\n", e.msg);
                rc = DET_EXIT_USAGE;
                break;
            }
        }
        for (unsigned i = 0; i < in.nweb; i++) {
            if (wstate[i] != NEED)
                continue;
            int r = det_websrc_next(in.web[i], &req[i], &e);
            if (r == 1)
                wstate[i] = HAVE;
            else if (r == 0)
                idle = 1;
            else if (r == 2)
                wstate[i] = DONE;
            else if (r == 3)
                report_line_error(&line_errors, &e);
            else {
                fprintf(stderr, "portreeve detect: %s\n", e.msg);
                rc = DET_EXIT_USAGE;
                wstate[i] = DONE;
            }
        }
        int pick = -2; /* -1: the packet/LOG event; i: HTTP log i */
        uint64_t best = UINT64_MAX;
        if (pstate == HAVE)
            pick = -1, best = ev.ts_us;
        for (unsigned i = 0; i < in.nweb; i++)
            if (wstate[i] == HAVE && req[i].ts_us < best)
                pick = (int)i, best = req[i].ts_us;
        int all_done = pstate == DONE && !fan;
        for (unsigned i = 0; i < in.nweb; i++)
            all_done &= wstate[i] == DONE;
        if (pick == -1) {
            det_passive_event(pas, &ev);
            det_engine_event(d, &ev);
            pstate = NEED;
            if ((++events & 1023) == 0) { /* scrapers and timers are served under load too */
                det_metrics_poll(metrics, d);
                if (live)
                    det_passive_write(pas, wall_us(), 0);
                if (web && live)
                    det_web_tick(web, wall_us());
                det_pageout_tick(pg, d, det_passive_assets(pas), live ? wall_us() : 0);
            }
        } else if (pick >= 0) {
            det_web_request(web, &req[pick]);
            wstate[pick] = NEED;
        } else if (all_done) {
            break;
        } else if (idle) {
            if (live)
                det_passive_write(pas, wall_us(), 0);
            if (web && live)
                det_web_tick(web, wall_us());
            det_pageout_tick(pg, d, det_passive_assets(pas), live ? wall_us() : 0);
            if (pstate == DONE) { /* only HTTP logs, all idle: nobody else waits */
                det_metrics_poll(metrics, d);
                struct timespec ts = {0, 100 * 1000000};
                nanosleep(&ts, NULL);
            }
        }
        if (o->stop_after_us && live && wall_us() - started >= o->stop_after_us)
            break;
        if (fan && det_workers_fanout(wk) == 2) /* a worker's read failed */
            break;
    }
    if (web)
        det_web_finish(web);
    struct det_stats wst;
    size_t wbytes = 0;
    if (wk) {
        det_workers_finish(wk);
        if (det_workers_read_error(wk, &e) < 0) {
            fprintf(stderr, "portreeve detect: %s; reporting what was found so far\n", e.msg);
            rc = DET_EXIT_USAGE;
        }
        det_workers_stats(wk, &wst, &wbytes);
        uint64_t frames, undecodable, badsum;
        det_workers_frames(wk, &frames, &undecodable, &badsum);
        det_capture_count(cap, frames, undecodable, badsum);
    } else {
        det_engine_finish(d);
    }
    if (det_engine_stats(d)->sink_errors && rc == DET_EXIT_OK)
        rc = DET_EXIT_RUNTIME; /* alerts were lost: the exit code says so */
    det_metrics_poll(metrics, d);
    det_metrics_close(metrics);
    print_summary(wk ? &wst : det_engine_stats(d), wk ? wbytes : det_engine_bytes(d), cap, fw,
                  stdout);
    if (wk)
        det_workers_summary(wk, stdout);
    print_web_summary(in.web, in.nweb, web, stdout);
    if (det_passive_write(pas, wall_us(), 1) < 0 && rc == DET_EXIT_OK)
        rc = DET_EXIT_RUNTIME;
    det_passive_summary(pas, stdout);
    if (det_pageout_finish(pg, d, det_passive_assets(pas), live ? wall_us() : 0, &det_stop,
                           stderr) < 0 &&
        rc == DET_EXIT_OK)
        rc = DET_EXIT_RUNTIME;
    if (blk) {
        const struct blk_stats *bs = blk_stats(blk);
        printf("block: blocked %llu, would block %llu, protected %llu, without evidence %llu,"
               " over the cap %llu, errors %llu, below --block-level %llu\n",
               (unsigned long long)bs->blocked, (unsigned long long)bs->would_block,
               (unsigned long long)bs->protected_, (unsigned long long)bs->no_evidence,
               (unsigned long long)bs->capped, (unsigned long long)bs->errors,
               (unsigned long long)bs->below_level);
        fflush(stdout);
        blk_close(blk);
    }
    det_workers_free(wk);
    det_passive_close(pas);
    det_web_free(web);
    det_engine_free(d);
    det_behave_free(beh);
    det_pageout_close(pg);
    close_inputs(&in);
    return rc;

input_error:
    fprintf(stderr, "portreeve detect: %s\n", e.msg);
    return DET_EXIT_USAGE;
}
