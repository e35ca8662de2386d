/* pageout.c — see pageout.h. */
#include "detect/pageout.h"

#include "detect/page.h"
#include "detect/view.h"
#include "detect/webui.h"

#include <stdlib.h>
#include <time.h>

struct det_pageout {
    struct det_pageout_config cfg;
    struct det_view *view;
    struct det_webui *web; /* NULL without --web */
    FILE *report;          /* NULL without --report */
};

int det_pageout_open(const struct det_pageout_config *c, struct det_engine *d,
                     struct det_pageout **out, struct pr_error *e)
{
    *out = NULL;
    if (!c->web && !c->report)
        return 0;
    struct det_pageout *p = pr_calloc(1, sizeof *p);
    p->cfg = *c;
    if ((c->web && det_webui_open(c->web, stderr, &p->web, e) < 0) ||
        (c->report && !(p->report = det_report_open(c->report, e)))) {
        det_pageout_close(p);
        return -1;
    }
    struct det_view_config vc = {
        .source = c->source, .live = c->live, .block_seconds = c->block_seconds};
    p->view = det_view_new(&vc);
    struct det_sink sink;
    det_view_sink(p->view, &sink);
    if (det_engine_add_sink(d, &sink) < 0) {
        det_pageout_close(p);
        return pr_errf(e, "--web/--report: too many alert sinks");
    }
    *out = p;
    return 0;
}

int det_pageout_start(struct det_pageout *p, FILE *log)
{
    struct pr_error e = {""};
    if (!p || !p->web)
        return 0;
    if (det_webui_start(p->web, &e) < 0) {
        fprintf(log, "portreeve detect: %s\n", e.msg);
        return -1;
    }
    fprintf(log, "portreeve detect: the page is served on http://%s/\n", det_webui_name(p->web));
    return 0;
}

void det_pageout_tick(struct det_pageout *p, const struct det_engine *d, const struct assets *a,
                      uint64_t now_us)
{
    if (p)
        det_webui_update(p->web, p->view, d, a, now_us, 0);
}

int det_pageout_finish(struct det_pageout *p, const struct det_engine *d, const struct assets *a,
                       uint64_t now_us, volatile sig_atomic_t *stop, FILE *log)
{
    if (!p)
        return 0;
    char *snap = det_view_snapshot(p->view, d, a, now_us);
    if (!snap) {
        fputs("portreeve detect: --web/--report: out of memory\n", log);
        return -1;
    }
    int rc = 0;
    if (p->report) {
        struct pr_error e = {""};
        rc = det_report_write(p->report, p->cfg.report, snap, &e);
        p->report = NULL; /* closed by the write */
        if (rc < 0)
            fprintf(log, "portreeve detect: %s\n", e.msg);
    }
    if (!p->web) {
        free(snap);
        return rc;
    }
    det_webui_publish(p->web, snap);
    if (!p->cfg.live && !*stop) {
        fprintf(log,
                "portreeve detect: input read; the page stays on http://%s/ until"
                " interrupted\n",
                det_webui_name(p->web));
        while (!*stop) {
            struct timespec ts = {0, 200 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    return rc;
}

void det_pageout_close(struct det_pageout *p)
{
    if (!p)
        return;
    det_webui_close(p->web);
    if (p->report)
        fclose(p->report);
    det_view_free(p->view);
    free(p);
}
