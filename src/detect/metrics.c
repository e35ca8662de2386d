/* metrics.c — see metrics.h. */
#include "detect/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct det_metrics {
    int fd;
};

int det_metrics_open(const char *spec, struct det_metrics **out, struct pr_error *e)
{
    *out = NULL;
    char host[PR_ADDRSTRLEN + 2];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec)
        return pr_errf(e, "--metrics '%s': expected ADDR:PORT", spec);
    size_t hl = (size_t)(colon - spec);
    if (spec[0] == '[') {
        if (hl < 3 || spec[hl - 1] != ']')
            return pr_errf(e, "--metrics '%s': expected [ADDR]:PORT", spec);
        spec++;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return pr_errf(e, "--metrics '%s': address too long", spec);
    memcpy(host, spec, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return pr_errf(e, "--metrics: bad port '%s'", colon + 1);
    struct pr_addr a;
    if (addr_parse(host, &a) < 0)
        return pr_errf(e, "--metrics: bad address '%s'", host);
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(&a, (uint16_t)port, &ss);
    int fd = socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pr_errf(e, "--metrics: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
        int err = errno;
        close(fd);
        return pr_errf(e, "--metrics %s:%ld: %s", host, port, strerror(err));
    }
    struct det_metrics *m = pr_calloc(1, sizeof *m);
    m->fd = fd;
    *out = m;
    return 0;
}

size_t det_metrics_format(const struct det_engine *d, char *buf, size_t len)
{
    const struct det_stats *st = det_engine_stats(d);
    const struct {
        const char *name, *help;
        unsigned long long v;
    } rows[] = {
        {"portreeve_detect_events_total", "Events (packets or LOG lines) processed.", st->events},
        {"portreeve_detect_probes_total", "Probe packets counted.", st->probes},
        {"portreeve_detect_sources_total", "Sources that got a table entry.", st->sources_seen},
        {"portreeve_detect_sources_evicted_total", "Sources evicted from the full table.",
         st->sources_evicted},
        {"portreeve_detect_flows_evicted_total", "Flows evicted from the full table.",
         st->conns_evicted},
        {"portreeve_detect_scans_total", "Scans detected.", st->scans},
        {"portreeve_detect_alerts_total", "New-scan alerts written.", st->alerts},
        {"portreeve_detect_alert_updates_total", "Scan updates written.", st->updates},
        {"portreeve_detect_alerts_suppressed_total", "Emissions held back by the rate limit.",
         st->alerts_suppressed},
    };
    size_t o = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && o < len; i++) {
        int w = snprintf(buf + o, len - o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
                         rows[i].name, rows[i].help, rows[i].name, rows[i].name, rows[i].v);
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
    }
    int w =
        snprintf(buf + o, len - o,
                 "# HELP portreeve_detect_table_bytes Memory of the fixed tables.\n"
                 "# TYPE portreeve_detect_table_bytes gauge\nportreeve_detect_table_bytes %zu\n",
                 det_engine_bytes(d));
    if (w > 0 && (size_t)w < len - o)
        o += (size_t)w;
    return o;
}

void det_metrics_poll(struct det_metrics *m, const struct det_engine *d)
{
    if (!m)
        return;
    for (int i = 0; i < DET_METRICS_PER_POLL; i++) {
        int c = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0)
            return;
        char req[1024];
        (void)!read(c, req, sizeof req); /* the request itself does not matter */
        char body[4096], head[160];
        size_t bl = det_metrics_format(d, body, sizeof body);
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          bl);
        if (hl > 0 && send(c, head, (size_t)hl, MSG_NOSIGNAL) == hl)
            (void)!send(c, body, bl, MSG_NOSIGNAL);
        close(c);
    }
}

void det_metrics_close(struct det_metrics *m)
{
    if (!m)
        return;
    close(m->fd);
    free(m);
}
