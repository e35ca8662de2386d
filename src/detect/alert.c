/* alert.c — see alert.h. */
#include "detect/alert.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

void det_fmt_time(uint64_t ts_us, char *buf, size_t len)
{
    time_t s = (time_t)(ts_us / 1000000u);
    struct tm tm;
    if (!gmtime_r(&s, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06uZ", base, (unsigned)(ts_us % 1000000u));
}

static const char *kind_word(enum det_alert_kind k)
{
    return k == DET_ALERT_NEW ? "ALERT" : k == DET_ALERT_UPDATE ? "UPDATE" : "END";
}

/* ", advice: A; B" (the recommended actions), or nothing. */
static void advice_text(const struct det_alert *a, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < a->nactions && i < DET_ALERT_MAX_ACTIONS && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "; " : ", advice: ", a->actions[i]);
}

/* A web alert (web.h): requests and paths instead of ports and hosts. */
static void format_web_line(const struct det_alert *a, char *buf, size_t len)
{
    char ts[40], src[PR_ADDRSTRLEN];
    const struct det_web_info *w = a->web;
    det_fmt_time(a->ts_us, ts, sizeof ts);
    size_t n = (size_t)snprintf(buf, len, "%s %s #%u %s from %s: %u requests, %u paths, statuses",
                                ts, kind_word(a->kind), a->scan_id, a->event,
                                addr_str(&a->src, src, sizeof src), a->probes, w->paths_probed);
    for (unsigned i = 0; i < w->nstatus && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %u:%u", w->status_code[i], w->status_count[i]);
    for (unsigned i = 0; i < w->nsamples && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : ", sample ", w->sample_paths[i]);
    if (n < len)
        n += (size_t)snprintf(buf + n, len - n, ", incident %u, threat %u, tool %s, action %s",
                              w->incident_id, a->threat_level, a->tool_guess, a->action);
    if (n < len)
        advice_text(a, buf + n, len - n);
}

const char *det_alert_phase(enum det_alert_kind k)
{
    return k == DET_ALERT_NEW ? "start" : k == DET_ALERT_UPDATE ? "update" : "end";
}

const char *det_evidence_name(unsigned bit)
{
    switch (bit) {
    case DET_EV_LINK_BOUND:
        return "link:mac-bound";
    case DET_EV_HANDSHAKE:
        return "handshake";
    case DET_EV_HALFOPEN:
        return "halfopen";
    case DET_EV_HOPS_OK:
        return "hops-consistent";
    case DET_EV_STEALTH:
        return "stealth";
    case DET_EV_UNPROVEN:
        return "unproven";
    case DET_EV_HTTP:
        return "http-request";
    case DET_EV_FORGED_MAC:
        return "forged:mac-mismatch";
    case DET_EV_FORGED_TWO_MACS:
        return "forged:two-macs";
    case DET_EV_FORGED_HOPS:
        return "forged:hops";
    case DET_EV_FORGED_STRAY:
        return "forged:stray-rst";
    default:
        return NULL;
    }
}

void det_evidence_list(unsigned ev, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned b = 0; b < 16; b++) {
        const char *n = (ev & (1u << b)) ? det_evidence_name(1u << b) : NULL;
        if (n && o + strlen(n) + 2 < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", n);
    }
    if (!o)
        snprintf(buf, len, "-");
}

static void format_line(const struct det_alert *a, char *buf, size_t len)
{
    if (a->web) {
        format_web_line(a, buf, len);
        return;
    }
    char ts[40], src[PR_ADDRSTRLEN + 24], dst[PR_ADDRSTRLEN + 16], open[DET_ALERT_MAX_OPEN * 6 + 8];
    det_fmt_time(a->ts_us, ts, sizeof ts);
    if (a->nsrcs > 1 && a->has_src) {
        char one[PR_ADDRSTRLEN];
        snprintf(src, sizeof src, "%s (of %u sources)", addr_str(&a->src, one, sizeof one),
                 a->nsrcs);
    } else if (a->nsrcs > 1)
        snprintf(src, sizeof src, "%u sources", a->nsrcs);
    else
        addr_str(&a->src, src, sizeof src);
    if (a->has_dst)
        addr_str(&a->dst, dst, sizeof dst);
    else
        snprintf(dst, sizeof dst, "%u hosts", a->dst_count);
    size_t o = 0;
    open[0] = 0;
    for (unsigned i = 0; i < a->nopen && o + 7 < sizeof open; i++)
        o += (size_t)snprintf(open + o, sizeof open - o, "%s%u", i ? "," : "", a->open_ports[i]);
    char ev[192], camp[32] = "", top[DET_ALERT_MAX_PORTS * 18 + 16] = "";
    det_evidence_list(a->evidence, ev, sizeof ev);
    if (a->campaign_id)
        snprintf(camp, sizeof camp, ", campaign %u", a->campaign_id);
    o = 0;
    for (unsigned i = 0; i < a->nports && i < DET_ALERT_MAX_PORTS; i++)
        o += (size_t)snprintf(top + o, sizeof top - o, "%s%u:%u", i ? "," : " (top ", a->port[i],
                              a->port_count[i]);
    if (o)
        snprintf(top + o, sizeof top - o, ")");
    size_t n = (size_t)snprintf(
        buf, len,
        "%s %s #%u %s %s scan from %s to %s: %u ports%s, %u hosts, %u probes, open [%s], "
        "detector %s, confidence %.3f, tool %s, action %s, phase %s, incident %u%s, "
        "evidence %s, threat %u",
        ts, kind_word(a->kind), a->scan_id, a->event, a->scan_type, src, dst, a->ports_probed, top,
        a->hosts_probed, a->probes, open, a->detector, a->confidence, a->tool_guess, a->action,
        det_alert_phase(a->kind), a->incident_id, camp, ev, a->threat_level);
    if (n < len)
        advice_text(a, buf + n, len - n);
}

/* ---- text sink ---- */

static int text_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    char line[2048];
    format_line(a, line, sizeof line);
    if (fprintf((FILE *)ctx, "%s\n", line) < 0 || fflush((FILE *)ctx) != 0)
        return pr_errf(e, "writing alert to stdout failed");
    return 0;
}

static void text_close(void *ctx)
{
    fflush((FILE *)ctx);
}

static const struct det_sink_ops text_ops = {"text", text_emit, text_close, NULL};

int det_sink_text(FILE *f, struct det_sink *out)
{
    out->ops = &text_ops;
    out->ctx = f;
    return 0;
}

/* ---- JSON lines sink ---- */

static void web_json(json_t *o, const struct det_web_info *w)
{
    json_object_set_new(o, "incident_id", json_integer(w->incident_id));
    json_object_set_new(o, "paths_probed", json_integer(w->paths_probed));
    json_t *st = json_object();
    for (unsigned i = 0; i < w->nstatus && i < DET_WEB_MAX_STATUS; i++) {
        char code[8];
        snprintf(code, sizeof code, "%u", w->status_code[i]);
        json_object_set_new(st, code, json_integer(w->status_count[i]));
    }
    json_object_set_new(o, "status_counts", st);
    json_t *sp = json_array();
    for (unsigned i = 0; i < w->nsamples && i < DET_WEB_MAX_SAMPLES; i++)
        json_array_append_new(sp, json_string(w->sample_paths[i]));
    json_object_set_new(o, "sample_paths", sp);
}

char *det_alert_json(const struct det_alert *a)
{
    char ts[40], first[40], last[40], buf[PR_ADDRSTRLEN];
    det_fmt_time(a->ts_us, ts, sizeof ts);
    det_fmt_time(a->first_us, first, sizeof first);
    det_fmt_time(a->last_us, last, sizeof last);
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "scan_id", json_integer(a->scan_id));
    json_object_set_new(o, "phase", json_string(det_alert_phase(a->kind)));
    json_object_set_new(o, "incident_id", json_integer(a->incident_id));
    if (a->campaign_id)
        json_object_set_new(o, "campaign_id", json_integer(a->campaign_id));
    json_object_set_new(o, "event", json_string(a->event));
    json_object_set_new(o, "scan_type", json_string(a->scan_type));
    if (a->has_src)
        json_object_set_new(o, "src_ip", json_string(addr_str(&a->src, buf, sizeof buf)));
    if (a->nsrcs > 1) {
        json_t *arr = json_array();
        for (unsigned i = 0; i < a->nsrcs && i < DET_ALERT_MAX_SRCS; i++)
            json_array_append_new(arr, json_string(addr_str(&a->srcs[i], buf, sizeof buf)));
        json_object_set_new(o, "src_ips", arr);
    }
    if (a->has_dst)
        json_object_set_new(o, "dst_ip", json_string(addr_str(&a->dst, buf, sizeof buf)));
    else
        json_object_set_new(o, "dst_ips_count", json_integer(a->dst_count));
    json_object_set_new(o, "ports_probed", json_integer(a->ports_probed));
    if (a->nports) {
        json_t *top = json_array();
        for (unsigned i = 0; i < a->nports && i < DET_ALERT_MAX_PORTS; i++)
            json_array_append_new(top, json_pack("{s:i,s:i}", "port", (json_int_t)a->port[i],
                                                 "count", (json_int_t)a->port_count[i]));
        json_object_set_new(o, "ports", top);
    }
    json_object_set_new(o, "hosts_probed", json_integer(a->hosts_probed));
    json_t *open = json_array();
    for (unsigned i = 0; i < a->nopen && i < DET_ALERT_MAX_OPEN; i++)
        json_array_append_new(open, json_integer(a->open_ports[i]));
    json_object_set_new(o, "open_ports_seen", open);
    json_object_set_new(o, "first_seen", json_string(first));
    json_object_set_new(o, "last_seen", json_string(last));
    json_object_set_new(o, "probes", json_integer(a->probes));
    json_object_set_new(o, "detector", json_string(a->detector));
    json_object_set_new(o, "confidence", json_real((double)(int)(a->confidence * 1000) / 1000.0));
    json_object_set_new(o, "tool_guess", json_string(a->tool_guess));
    json_object_set_new(o, "src_os", a->src_os ? json_string(a->src_os) : json_null());
    json_object_set_new(o, "action", json_string(a->action));
    json_t *ev = json_array();
    for (unsigned b = 0; b < 16; b++)
        if ((a->evidence & (1u << b)) && det_evidence_name(1u << b))
            json_array_append_new(ev, json_string(det_evidence_name(1u << b)));
    json_object_set_new(o, "block_evidence", ev);
    json_object_set_new(o, "threat_level", json_integer(a->threat_level));
    json_t *act = json_array();
    for (unsigned i = 0; i < a->nactions && i < DET_ALERT_MAX_ACTIONS; i++)
        json_array_append_new(act, json_string(a->actions[i]));
    json_object_set_new(o, "recommended_actions", act);
    if (a->web)
        web_json(o, a->web);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* A sink that appends one line per alert to a named file ("-": stdout), reopened on
 * SIGHUP: --alerts (det_alert_json) and --eve (eve.h). */
struct lines_sink {
    FILE *f;
    char *path;       /* NULL for stdout */
    const char *what; /* "alerts file", "EVE file" */
    char *(*to_line)(const struct det_alert *a);
};

/* Writes len bytes of line to fd in whole or not at all: a short write (a full disk)
 * on a regular file is cut back, so the file never ends in half a JSON object. Returns
 * 0, or -1 with errno set. */
static int write_line(int fd, const char *line, size_t len)
{
    struct stat st;
    off_t start = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_END) : -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = w < 0 ? errno : ENOSPC;
            /* if the cut fails too, half a line stays; the error is reported anyway */
            int cut = done && start >= 0 ? ftruncate(fd, start) : 0;
            (void)cut;
            errno = err;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

static int lines_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    struct lines_sink *s = ctx;
    char *text = s->to_line(a);
    if (!text)
        return pr_errf(e, "%s: out of memory", s->what);
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return pr_errf(e, "%s: out of memory", s->what);
    }
    line[n++] = '\n';
    fflush(s->f); /* nothing is buffered here, but stdout may be shared with the text sink */
    int r = write_line(fileno(s->f), line, n);
    int err = errno;
    free(line);
    return r < 0 ? pr_errf(e, "writing the %s failed: %s", s->what, strerror(err)) : 0;
}

static void lines_close(void *ctx)
{
    struct lines_sink *s = ctx;
    if (s->path)
        fclose(s->f);
    else
        fflush(s->f);
    free(s->path);
    free(s);
}

static int lines_reopen(void *ctx, struct pr_error *e)
{
    struct lines_sink *s = ctx;
    if (!s->path)
        return 0;
    FILE *f = fopen(s->path, "ae");
    if (!f)
        return pr_errf(e,
                       "%s '%s': cannot reopen for writing: %s (the account detect runs as"
                       " must be able to create it: --user, docs/privileges.md)",
                       s->what, s->path, strerror(errno));
    fclose(s->f);
    s->f = f;
    return 0;
}

static const struct det_sink_ops lines_ops = {"lines", lines_emit, lines_close, lines_reopen};

int det_sink_lines(const char *path, const char *what, char *(*to_line)(const struct det_alert *a),
                   struct det_sink *out, struct pr_error *e)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "ae") : stdout;
    if (!f)
        return pr_errf(e, "%s '%s': cannot open for writing", what, path);
    struct lines_sink *s = pr_calloc(1, sizeof *s);
    s->f = f;
    s->path = f == stdout ? NULL : pr_strdup(path);
    s->what = what;
    s->to_line = to_line;
    out->ops = &lines_ops;
    out->ctx = s;
    return 0;
}

int det_sink_json(const char *path, struct det_sink *out, struct pr_error *e)
{
    return det_sink_lines(path, "alerts file", det_alert_json, out, e);
}

/* ---- syslog sink ---- */

static int syslog_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)ctx;
    (void)e;
    char line[2048];
    format_line(a, line, sizeof line);
    syslog(LOG_WARNING, "%s", line);
    return 0;
}

static void syslog_close(void *ctx)
{
    (void)ctx;
    closelog();
}

static const struct det_sink_ops syslog_ops = {"syslog", syslog_emit, syslog_close, NULL};

int det_sink_syslog(struct det_sink *out)
{
    openlog("portreeve-detect", LOG_PID | LOG_NDELAY, LOG_AUTH);
    out->ops = &syslog_ops;
    out->ctx = NULL;
    return 0;
}
