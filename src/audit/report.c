/* report.c — the HTML audit report (see report.h). */
#include "audit/report.h"

#include "audit/audit.h"

#include <string.h>
#include <time.h>

void html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
                fputc('?', f);
            else
                fputc(*s, f);
        }
    }
}

static void when(int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(buf, len, "unknown time");
}

static const char *style =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;font-size:.9em}"
    "th{background:#f0f0f0}.bad{color:#a00;font-weight:bold}.ok{color:#070;font-weight:bold}"
    ".warn{color:#a60}tr.v td{background:#fee}tr.w td{background:#ffd}"
    ".summary{font-size:1.1em;padding:.6em;border:2px solid #ccc;display:inline-block}"
    "code{background:#f4f4f4;padding:0 .2em}"
    ".risk{font-weight:bold;text-transform:uppercase;font-size:.8em;padding:.1em .4em;"
    "border-radius:.3em;color:#fff}.r4{background:#7a0019}.r3{background:#c33}"
    ".r2{background:#d80}.r1{background:#48a}.r0{background:#888}"
    "td.fix code{display:block;white-space:pre-wrap;word-break:break-all;margin-top:.3em}";

/* Counts by risk, then every finding with its reasons and fix, highest risk first. */
static void diagnosis(FILE *f, const struct report_input *in)
{
    size_t by[RISK_COUNT] = {0};
    for (size_t i = 0; i < in->nfindings; i++)
        by[in->findings[i].risk]++;
    fputs("<h2>Diagnosis</h2>\n<table id=\"risk-summary\"><tr>", f);
    for (int r = RISK_CRITICAL; r >= RISK_INFO; r--)
        fprintf(f, "<th><span class=\"risk r%d\">%s</span></th>", r, risk_name(r));
    fputs("</tr><tr>", f);
    for (int r = RISK_CRITICAL; r >= RISK_INFO; r--)
        fprintf(f, "<td id=\"risk-%s\">%zu</td>", risk_name(r), by[r]);
    fputs("</tr></table>\n", f);
    if (!in->nfindings) {
        fputs("<p>No finding.</p>\n", f);
        return;
    }
    fputs("<table id=\"findings\"><tr><th>risk</th><th>finding</th><th>host</th><th>port</th>"
          "<th>service</th><th>why</th><th>fix</th></tr>\n",
          f);
    for (size_t i = 0; i < in->nfindings; i++) {
        const struct finding *x = &in->findings[i];
        fprintf(f, "<tr><td><span class=\"risk r%d\">%s</span></td><td>", x->risk,
                risk_name(x->risk));
        html_escape(f, finding_kind_name(x->kind));
        fputs("</td><td>", f);
        html_escape(f, x->addr);
        if (x->port)
            fprintf(f, "</td><td>%u/%s</td><td>", x->port, x->proto == 1 ? "udp" : "tcp");
        else
            fputs("</td><td></td><td>", f);
        html_escape(f, x->service);
        if (x->product[0]) {
            fputs(" (", f);
            html_escape(f, x->product);
            fputs(x->version[0] ? " " : "", f);
            html_escape(f, x->version);
            fputs(")", f);
        }
        fputs("</td><td>", f);
        html_escape(f, x->reasons);
        fputs("</td><td class=\"fix\">", f);
        html_escape(f, x->remediation);
        if (x->nft_rule[0]) {
            fputs("<code>", f);
            html_escape(f, x->nft_rule);
            fputs("</code>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void chart(FILE *f, const struct hist_run *runs, size_t n)
{
    const size_t maxbars = 40;
    size_t first = n > maxbars ? n - maxbars : 0, nb = n - first;
    int top = 1;
    for (size_t i = first; i < n; i++)
        if (runs[i].open_ports > top)
            top = runs[i].open_ports;
    const int w = 640, h = 220, left = 40, bottom = 30, plot_h = h - bottom - 20;
    int bw = nb ? (w - left - 10) / (int)nb : 0;
    if (bw > 40)
        bw = 40;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"open ports per run\" id=\"chart\">\n",
            w, h);
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left,
            h - bottom, w - 5, h - bottom);
    fprintf(f, "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", left, left,
            h - bottom);
    fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"11\" text-anchor=\"end\">%d</text>\n", left - 4,
            top);
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">0</text>\n", left - 4,
            h - bottom);
    for (size_t i = first; i < n; i++) {
        int k = (int)(i - first);
        int bh = runs[i].open_ports * plot_h / top;
        int x = left + 4 + k * bw;
        char t[32];
        when(runs[i].started, t, sizeof t);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                "<title>run %lld, %s: %d open ports, %d violations</title></rect>\n",
                x, h - bottom - bh, bw > 4 ? bw - 3 : 1, bh, runs[i].violations ? "#c33" : "#3a3",
                (long long)runs[i].id, t, runs[i].open_ports, runs[i].violations);
        if (nb <= 20 || k % 5 == 0)
            fprintf(f,
                    "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%lld"
                    "</text>\n",
                    x + bw / 2, h - bottom + 14, (long long)runs[i].id);
    }
    fprintf(f,
            "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">run "
            "(red: with violations, green: compliant)</text>\n</svg>\n",
            left + (w - left) / 2, h - 2);
}

static void host_table(FILE *f, const struct report_input *in, const struct snap_host *h)
{
    fputs("<h3>", f);
    html_escape(f, h->addr);
    if (h->name[0] && strcmp(h->name, h->addr)) {
        fputs(" (", f);
        html_escape(f, h->name);
        fputs(")", f);
    }
    fprintf(f, " — %s</h3>\n", h->up ? "up" : "<span class=\"bad\">down</span>");
    if (!h->up)
        return;
    fputs("<table><tr><th>port</th><th>state</th><th>service</th><th>version</th>"
          "<th>finding</th></tr>\n",
          f);
    for (size_t j = 0; j < h->nports; j++) {
        const struct snap_port *p = &h->ports[j];
        const struct violation *v = NULL;
        for (size_t k = 0; k < in->nviol; k++)
            if (!strcmp(in->viol[k].addr, h->addr) && in->viol[k].port == p->port &&
                in->viol[k].proto == p->proto)
                v = &in->viol[k];
        fprintf(f, "<tr%s><td>%u/%s</td><td>", v ? (v->warn ? " class=\"w\"" : " class=\"v\"") : "",
                p->port, p->proto == 1 ? "udp" : "tcp");
        html_escape(f, p->state);
        fputs("</td><td>", f);
        html_escape(f, p->service);
        fputs("</td><td>", f);
        html_escape(f, p->version);
        fputs("</td><td>", f);
        if (v)
            html_escape(f, viol_kind_name(v->kind));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    if (h->extra_state[0]) {
        fputs("<p>Other scanned ports: ", f);
        html_escape(f, h->extra_state);
        fputs(".</p>\n", f);
    }
}

int report_html(FILE *f, const struct report_input *in)
{
    size_t counted = 0, warns = 0;
    for (size_t i = 0; i < in->nviol; i++)
        in->viol[i].warn ? warns++ : counted++;
    char t[32];
    when(in->run->started, t, sizeof t);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<title>portreeve audit: ",
          f);
    html_escape(f, in->policy_path);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>portreeve audit</h1>\n", style);
    fputs("<p>Policy <code>", f);
    html_escape(f, in->policy_path);
    fprintf(f, "</code>, started %s", t);
    if (in->run->id)
        fprintf(f, ", stored as run %lld", (long long)in->run->id);
    fputs(".</p>\n", f);
    fprintf(f,
            "<p class=\"summary\" id=\"summary\">%s — %zu violation%s, %zu warning%s; "
            "%d of %d hosts up, %d open ports.</p>\n",
            counted ? "<span class=\"bad\">NOT COMPLIANT</span>"
                    : "<span class=\"ok\">COMPLIANT</span>",
            counted, counted == 1 ? "" : "s", warns, warns == 1 ? "" : "s", in->run->hosts_up,
            in->run->nhosts, in->run->open_ports);

    diagnosis(f, in);

    fputs("<h2>Violations</h2>\n", f);
    if (!in->nviol) {
        fputs("<p>None.</p>\n", f);
    } else {
        fputs("<table id=\"violations\"><tr><th>kind</th><th>host</th><th>port</th>"
              "<th>state</th><th>policy</th><th>detail</th></tr>\n",
              f);
        for (size_t i = 0; i < in->nviol; i++) {
            const struct violation *v = &in->viol[i];
            fprintf(f, "<tr class=\"%s\"><td>", v->warn ? "w" : "v");
            if (v->warn)
                fputs("warning: ", f);
            html_escape(f, viol_kind_name(v->kind));
            fputs("</td><td>", f);
            html_escape(f, v->addr);
            if (v->host[0] && strcmp(v->host, v->addr)) {
                fputs(" (", f);
                html_escape(f, v->host);
                fputs(")", f);
            }
            if (v->port)
                fprintf(f, "</td><td>%u/%s</td><td>", v->port, v->proto == 1 ? "udp" : "tcp");
            else
                fputs("</td><td></td><td>", f);
            html_escape(f, v->state);
            fputs("</td><td>", f);
            html_escape(f, v->section);
            fputs("</td><td>", f);
            html_escape(f, v->detail);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }

    fputs("<h2>Changes since the previous run</h2>\n", f);
    if (!in->prev_label) {
        fputs("<p>This is the first run of this policy.</p>\n", f);
    } else if (!in->nchanges) {
        fputs("<p>No changes since ", f);
        html_escape(f, in->prev_label);
        fputs(".</p>\n", f);
    } else {
        fputs("<p>Compared with ", f);
        html_escape(f, in->prev_label);
        fputs(":</p>\n<ul id=\"changes\">\n", f);
        for (size_t i = 0; i < in->nchanges; i++) {
            char line[512];
            diff_describe(&in->changes[i], line, sizeof line);
            fputs("<li>", f);
            html_escape(f, line);
            fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
    }

    fputs("<h2>Open ports per run</h2>\n", f);
    chart(f, in->runs, in->nruns);

    fputs("<h2>Hosts</h2>\n", f);
    for (size_t i = 0; i < in->snap->nhosts; i++)
        host_table(f, in, &in->snap->hosts[i]);

    fputs("<h2>Policy</h2>\n<table><tr><th>section</th><th>hosts</th><th>line</th></tr>\n", f);
    for (size_t i = 0; i < in->policy->nsec; i++) {
        fputs("<tr><td>", f);
        html_escape(f, in->policy->sec[i].name);
        fputs("</td><td>", f);
        html_escape(f, in->policy->sec[i].hosts);
        fprintf(f, "</td><td>%u</td></tr>\n", in->policy->sec[i].line);
    }
    fputs("</table>\n<p><small>Generated by portreeve.</small></p>\n</body></html>\n", f);
    return ferror(f) ? -1 : 0;
}
