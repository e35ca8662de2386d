/* libFuzzer target: every HTTP/WAF log parser (httplog.h) and the web analyzer behind it.
 * The first byte picks the parser (auto-detection, each named format, or a custom nginx
 * log_format); the rest is split into lines, each fed to the parser (it must never read
 * out of bounds, crash or hang), and every request to a small web analyzer and engine. */
#include "detect/engine.h"
#include "detect/httplog.h"
#include "detect/web.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const formats[] = {"auto", "combined", "common",      "vhost_combined",
                                          "json", "modsec",   "modsec-json", "format"};
    if (size < 1)
        return 0;
    const char *fmt = formats[data[0] & 7];
    const char *custom = !strcmp(fmt, "format")
                             ? "$remote_addr [$time_iso8601] \"$request_method $request_uri "
                               "$server_protocol\" $status $msec \"$http_user_agent\" $host"
                             : NULL;
    struct det_httplog *p;
    if (det_httplog_new(fmt, custom, &p, NULL) < 0)
        return 0;
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 16;
    c.max_conns = 16;
    c.max_scans = 8;
    struct det_engine *d = det_engine_new(&c, NULL);
    struct det_web_config wc;
    det_web_config_defaults(&wc);
    wc.max_sources = 16;
    struct det_web *w = d ? det_web_new(&wc, d, NULL) : NULL;
    const char *s = (const char *)data + 1, *end = (const char *)data + size;
    while (s < end && w) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        struct det_http_req r;
        struct pr_error e;
        if (det_httplog_feed(p, s, n, &r, &e) == 1)
            det_web_request(w, &r);
        s += n + (nl ? 1 : 0);
    }
    if (w)
        det_web_finish(w);
    det_web_free(w);
    det_engine_free(d);
    det_httplog_free(p);
    return 0;
}
