/* webui.c — see webui.h. */
#include "detect/webui.h"

#include "core/clock.h"
#include "detect/page.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQ_MEMORY (16 * 1024) /* per connection: the request line and headers */
#define IDLE_SECONDS 30
#define KEEPALIVE_SECONDS 2
#define LOG_MAX 20 /* server messages shown */

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "                \
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct det_webui {
    int fd; /* the listening socket, until libmicrohttpd owns it */
    struct MHD_Daemon *mhd;
    char name[PR_ADDRSTRLEN + 10];
    pthread_mutex_t mu; /* guards snap, snap_len, version, stop */
    pthread_cond_t changed;
    char *snap;
    size_t snap_len;
    uint64_t version;
    int stop;
    unsigned logged; /* server messages so far (guarded by mu too) */
    /* the capture thread's own: when the next snapshot is due */
    uint64_t next_us, cost_us;
};

/* "ADDR:PORT" or "[V6]:PORT" → address and port; errors name the text. */
static int parse_spec(const char *spec, struct pr_addr *a, uint16_t *port, struct pr_error *e)
{
    char host[PR_ADDRSTRLEN + 2];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec)
        return pr_errf(e, "--web '%s': expected ADDR:PORT", spec);
    const char *h = spec;
    size_t hl = (size_t)(colon - spec);
    if (h[0] == '[') {
        if (hl < 3 || h[hl - 1] != ']')
            return pr_errf(e, "--web '%s': expected [ADDR]:PORT", spec);
        h++;
        hl -= 2;
    }
    if (hl >= sizeof host)
        return pr_errf(e, "--web '%s': address too long", spec);
    memcpy(host, h, hl);
    host[hl] = 0;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p < 1 || p > 65535)
        return pr_errf(e, "--web '%s': bad port at position %zu", spec,
                       (size_t)(colon + 1 - spec) + 1);
    if (addr_parse(host, a) < 0)
        return pr_errf(e, "--web '%s': bad address '%s'", spec, host);
    *port = (uint16_t)p;
    return 0;
}

static int is_loopback(const struct pr_addr *a)
{
    static const uint8_t v6lo[16] = {[15] = 1};
    return a->family == AF_INET ? a->a[0] == 127 : !memcmp(a->a, v6lo, 16);
}

int det_webui_open(const char *spec, FILE *log, struct det_webui **out, struct pr_error *e)
{
    *out = NULL;
    struct pr_addr a;
    uint16_t port = 0;
    if (parse_spec(spec, &a, &port, e) < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl = addr_to_sockaddr(&a, port, &ss);
    int fd = socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return pr_errf(e, "--web: socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a.family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
        int err = errno;
        close(fd);
        return pr_errf(e, "--web %s: %s", spec, strerror(err));
    }
    struct det_webui *w = pr_calloc(1, sizeof *w);
    w->fd = fd;
    snprintf(w->name, sizeof w->name, "%s", spec);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->changed, &ca);
    pthread_condattr_destroy(&ca);
    w->snap = pr_strdup("{}");
    w->snap_len = 2;
    if (!is_loopback(&a))
        fprintf(log,
                "portreeve detect: --web %s is not a loopback address: anyone who can reach it"
                " sees the network's hosts and alerts (the page has no login); restrict it with"
                " a firewall or serve on 127.0.0.1 behind an authenticating proxy"
                " (docs/detect.md)\n",
                spec);
    *out = w;
    return 0;
}

const char *det_webui_name(const struct det_webui *w)
{
    return w->name;
}

void det_webui_publish(struct det_webui *w, char *json)
{
    if (!json)
        return;
    pthread_mutex_lock(&w->mu);
    free(w->snap);
    w->snap = json;
    w->snap_len = strlen(json);
    w->version++;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mu);
}

void det_webui_update(struct det_webui *w, const struct det_view *v, const struct det_engine *d,
                      const struct assets *a, uint64_t at_us, int force)
{
    if (!w)
        return;
    uint64_t t0 = now_us();
    if (!force && t0 < w->next_us)
        return;
    det_webui_publish(w, det_view_snapshot(v, d, a, at_us));
    w->cost_us = now_us() - t0;
    uint64_t period = w->cost_us * 20 > DET_WEBUI_PERIOD_US ? w->cost_us * 20 : DET_WEBUI_PERIOD_US;
    w->next_us = t0 + period;
}

/* A copy of the published snapshot and its version (caller frees). */
static char *snapshot_copy(struct det_webui *w, size_t *len, uint64_t *version)
{
    pthread_mutex_lock(&w->mu);
    char *s = malloc(w->snap_len + 1);
    if (s) {
        memcpy(s, w->snap, w->snap_len + 1);
        *len = w->snap_len;
        *version = w->version;
    }
    pthread_mutex_unlock(&w->mu);
    return s;
}

static void add_headers(struct MHD_Response *r, const char *type)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, struct MHD_Response *r,
                              const char *type)
{
    if (!r)
        return MHD_NO;
    add_headers(r, type);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result answer_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return answer(
        c, status,
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT),
        "text/plain; charset=utf-8");
}

/* One event stream: what is left to send of the current event. */
struct stream {
    struct det_webui *w;
    uint64_t version; /* of the last snapshot sent */
    char *buf;
    size_t len, off;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    if (s->off == s->len) {
        free(s->buf);
        s->buf = NULL;
        s->len = s->off = 0;
        struct det_webui *w = s->w;
        pthread_mutex_lock(&w->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += KEEPALIVE_SECONDS;
        int timed_out = 0;
        while (!w->stop && w->version == s->version && !timed_out)
            timed_out = pthread_cond_timedwait(&w->changed, &w->mu, &until) == ETIMEDOUT;
        if (w->stop) {
            pthread_mutex_unlock(&w->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (w->version != s->version) {
            static const char head[] = "event: snapshot\ndata: ";
            s->len = sizeof head - 1 + w->snap_len + 2;
            s->buf = malloc(s->len + 1);
            if (s->buf)
                snprintf(s->buf, s->len + 1, "%s%s\n\n", head, w->snap);
            s->version = w->version;
        } else {
            s->buf = pr_strdup(": keepalive\n\n");
            s->len = strlen(s->buf);
        }
        pthread_mutex_unlock(&w->mu);
        if (!s->buf)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(out, s->buf + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    free(s->buf);
    free(s);
}

/* A Host header names an address or localhost (a DNS name pointing here may be a
 * rebinding attack on a page that a browser would otherwise treat as the attacker's). */
static int host_ok(const char *host)
{
    if (!host)
        return 1; /* HTTP/1.0 */
    char h[PR_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close)
            return 0;
        n = (size_t)(close - host - 1);
        host++;
    } else {
        const char *colon = strchr(host, ':');
        if (colon)
            n = (size_t)(colon - host);
    }
    if (n >= sizeof h)
        return 0;
    memcpy(h, host, n);
    h[n] = 0;
    struct pr_addr a;
    return !strcmp(h, "localhost") || addr_parse(h, &a) == 0;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **req_cls)
{
    (void)version, (void)upload, (void)upload_len, (void)req_cls;
    struct det_webui *w = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "read only: GET or HEAD\n");
    if (!host_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)))
        return answer_text(c, MHD_HTTP_MISDIRECTED_REQUEST,
                           "the Host header must be an address or localhost\n");
    if (!strcmp(url, "/api/snapshot")) {
        size_t len;
        uint64_t v;
        char *s = snapshot_copy(w, &len, &v);
        if (!s)
            return MHD_NO;
        return answer(c, MHD_HTTP_OK,
                      MHD_create_response_from_buffer(len, s, MHD_RESPMEM_MUST_FREE),
                      "application/json");
    }
    if (!strcmp(url, "/api/events")) {
        struct stream *s = pr_calloc(1, sizeof *s);
        s->w = w;
        struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                                   stream_read, s, stream_free);
        if (!r) {
            free(s);
            return MHD_NO;
        }
        MHD_add_response_header(r, "X-Accel-Buffering", "no");
        return answer(c, MHD_HTTP_OK, r, "text/event-stream");
    }
    const char *name = !strcmp(url, "/") ? "index.html" : url + 1;
    const struct det_page_file *f = url[0] == '/' ? det_page_find(name) : NULL;
    if (!f)
        return answer_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return answer(c, MHD_HTTP_OK,
                  MHD_create_response_from_buffer(f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT),
                  det_page_type(name));
}

/* libmicrohttpd's messages (bad requests among them): the first LOG_MAX only, so clients
 * cannot fill the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct det_webui *w = cls;
    pthread_mutex_lock(&w->mu);
    unsigned n = w->logged < LOG_MAX + 1 ? ++w->logged : w->logged;
    pthread_mutex_unlock(&w->mu);
    if (n > LOG_MAX)
        return;
    fputs("portreeve detect: --web: ", stderr);
    vfprintf(stderr, fmt, ap);
    if (n == LOG_MAX)
        fputs("portreeve detect: --web: further server messages are not shown\n", stderr);
}

int det_webui_start(struct det_webui *w, struct pr_error *e)
{
    w->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                  MHD_USE_POLL | MHD_USE_ERROR_LOG,
                              0, NULL, NULL, handle, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
                              MHD_OPTION_LISTEN_SOCKET, w->fd, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)DET_WEBUI_MAX_CONN, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)REQ_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)IDLE_SECONDS, MHD_OPTION_END);
    if (!w->mhd)
        return pr_errf(e, "--web %s: the HTTP server did not start", w->name);
    w->fd = -1; /* libmicrohttpd closes it */
    return 0;
}

void det_webui_close(struct det_webui *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->mu);
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    if (w->fd >= 0)
        close(w->fd);
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->mu);
    free(w->snap);
    free(w);
}
