/* test_detect_view.c — the page's snapshot (view.h), the self-contained report (page.h)
 * and the HTTP server of --web (webui.h) over a real loopback socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "detect/page.h"
#include "detect/view.h"
#include "detect/webui.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define T0 1700000000000000ull

static struct det_alert alert(uint32_t id, enum det_alert_kind kind, const char *src,
                              const char *dst, const char *action, uint64_t ts)
{
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.scan_id = id;
    a.kind = kind;
    a.incident_id = id;
    a.ts_us = a.first_us = a.last_us = ts;
    a.event = "portscan";
    a.scan_type = "syn";
    a.has_src = 1;
    assert_int_equal(addr_parse(src, &a.src), 0);
    if (dst) {
        a.has_dst = 1;
        assert_int_equal(addr_parse(dst, &a.dst), 0);
    } else {
        a.dst_count = 40;
    }
    a.ports_probed = 7;
    a.detector = "threshold";
    a.tool_guess = "nmap";
    a.action = action;
    return a;
}

static json_t *snapshot(const struct det_view *v, const struct assets *as)
{
    char *s = det_view_snapshot(v, NULL, as, 0);
    assert_non_null(s);
    json_error_t err;
    json_t *o = json_loads(s, 0, &err);
    if (!o)
        fail_msg("snapshot is not JSON: %s: %s", err.text, s);
    free(s);
    return o;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

static void test_empty(void **state)
{
    (void)state;
    struct det_view_config c = {.source = "eth0", .live = 1};
    struct det_view *v = det_view_new(&c);
    json_t *o = snapshot(v, NULL);
    assert_true(json_is_null(json_object_get(o, "generated"))); /* nothing seen */
    assert_string_equal(str(o, "source"), "eth0");
    assert_true(json_is_true(json_object_get(o, "live")));
    assert_int_equal(json_array_size(json_object_get(o, "hosts")), 0);
    assert_int_equal(json_array_size(json_object_get(o, "scans")), 0);
    assert_int_equal(json_array_size(json_object_get(o, "alerts")), 0);
    assert_int_equal(json_array_size(json_object_get(o, "blocks")), 0);
    json_t *cn = json_object_get(o, "counters");
    assert_int_equal(json_integer_value(json_object_get(cn, "active_scans")), 0);
    json_decref(o);
    det_view_free(v);
}

/* start/update/end of one scan, a second one still running and blocked; the alerts reach
 * the view through its sink, like the engine's */
static void test_scans_and_blocks(void **state)
{
    (void)state;
    struct det_view_config c = {.source = "x.pcap", .block_seconds = 3600};
    struct det_view *v = det_view_new(&c);
    struct det_sink sink;
    det_view_sink(v, &sink);
    struct pr_error e = {""};
    struct det_alert a = alert(1, DET_ALERT_NEW, "198.18.0.1", "198.18.0.2", "none", T0);
    assert_int_equal(sink.ops->emit(sink.ctx, &a, &e), 0);
    a = alert(1, DET_ALERT_UPDATE, "198.18.0.1", "198.18.0.2", "none", T0 + 1000000);
    det_view_alert(v, &a);
    a = alert(1, DET_ALERT_END, "198.18.0.1", "198.18.0.2", "none", T0 + 2000000);
    det_view_alert(v, &a);
    a = alert(2, DET_ALERT_NEW, "198.18.0.9", NULL, "blocked", T0 + 3000000);
    det_view_alert(v, &a);
    a = alert(2, DET_ALERT_UPDATE, "198.18.0.9", NULL, "blocked", T0 + 4000000);
    det_view_alert(v, &a);

    json_t *o = snapshot(v, NULL);
    assert_string_equal(str(o, "generated"), "2023-11-14T22:13:24.000000Z"); /* latest alert */
    json_t *scans = json_object_get(o, "scans");
    assert_int_equal(json_array_size(scans), 2);
    json_t *s0 = json_array_get(scans, 0), *s1 = json_array_get(scans, 1); /* newest first */
    assert_int_equal(json_integer_value(json_object_get(s0, "scan_id")), 2);
    assert_true(json_is_true(json_object_get(s0, "active")));
    assert_string_equal(str(s0, "phase"), "update");
    assert_int_equal(json_integer_value(json_object_get(s0, "dst_ips_count")), 40);
    assert_int_equal(json_integer_value(json_object_get(s1, "scan_id")), 1);
    assert_true(json_is_false(json_object_get(s1, "active")));
    assert_string_equal(str(s1, "phase"), "end");
    assert_string_equal(str(s1, "dst_ip"), "198.18.0.2");
    /* every field of the alert model comes through (generic: fields added later too) */
    assert_string_equal(str(s1, "tool_guess"), "nmap");
    json_t *alerts = json_object_get(o, "alerts");
    assert_int_equal(json_array_size(alerts), 5);
    assert_string_equal(str(json_array_get(alerts, 0), "phase"), "start");
    assert_string_equal(str(json_array_get(alerts, 4), "src_ip"), "198.18.0.9");
    json_t *blocks = json_object_get(o, "blocks");
    assert_int_equal(json_array_size(blocks), 1); /* one block, not one per alert */
    json_t *b = json_array_get(blocks, 0);
    assert_string_equal(str(b, "ip"), "198.18.0.9");
    assert_string_equal(str(b, "action"), "blocked");
    assert_string_equal(str(b, "since"), "2023-11-14T22:13:23.000000Z");
    assert_string_equal(str(b, "until"), "2023-11-14T23:13:23.000000Z");
    json_t *cn = json_object_get(o, "counters");
    assert_int_equal(json_integer_value(json_object_get(cn, "active_scans")), 1);
    assert_int_equal(json_integer_value(json_object_get(cn, "blocks")), 1);
    json_decref(o);
    /* blocked again for a later scan: the block is renewed, still one per address */
    a = alert(3, DET_ALERT_NEW, "198.18.0.9", NULL, "blocked", T0 + 10000000);
    det_view_alert(v, &a);
    o = snapshot(v, NULL);
    blocks = json_object_get(o, "blocks");
    assert_int_equal(json_array_size(blocks), 1);
    assert_string_equal(str(json_array_get(blocks, 0), "since"), "2023-11-14T22:13:30.000000Z");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(blocks, 0), "scan_id")), 3);
    cn = json_object_get(o, "counters");
    assert_int_equal(json_integer_value(json_object_get(cn, "alert_lines")), 6);
    json_decref(o);
    sink.ops->close(sink.ctx); /* leaves the view alone */
    det_view_free(v);
}

/* a scan keeps its id when its event changes (portscan, then part of a decoy campaign);
 * alerts without an id are never merged */
static void test_scan_identity(void **state)
{
    (void)state;
    struct det_view_config c = {0};
    struct det_view *v = det_view_new(&c);
    struct det_alert a = alert(7, DET_ALERT_NEW, "198.18.0.3", "198.18.0.2", "none", T0);
    det_view_alert(v, &a);
    a = alert(7, DET_ALERT_END, "198.18.0.3", "198.18.0.2", "none", T0 + 1);
    a.event = "decoy_portscan";
    det_view_alert(v, &a);
    for (int i = 0; i < 2; i++) {
        a = alert(0, DET_ALERT_NEW, "198.18.0.4", "198.18.0.2", "none", T0 + 2);
        a.event = "new_service";
        det_view_alert(v, &a);
    }
    json_t *o = snapshot(v, NULL);
    json_t *scans = json_object_get(o, "scans");
    assert_int_equal(json_array_size(scans), 3);
    json_t *s = json_array_get(scans, 2);
    assert_string_equal(str(s, "event"), "decoy_portscan");
    assert_true(json_is_false(json_object_get(s, "active")));
    assert_string_equal(str(json_array_get(scans, 0), "event"), "new_service");
    assert_string_equal(str(json_array_get(scans, 1), "event"), "new_service");
    json_decref(o);
    det_view_free(v);
}

/* the tables are bounded: the oldest entries make room */
static void test_bounds(void **state)
{
    (void)state;
    struct det_view_config c = {.max_alerts = 3};
    struct det_view *v = det_view_new(&c);
    for (uint32_t i = 1; i <= DET_VIEW_MAX_SCANS + 10; i++) {
        struct det_alert a = alert(i, DET_ALERT_NEW, "198.18.0.1", "198.18.0.2", "none", T0 + i);
        det_view_alert(v, &a);
    }
    json_t *o = snapshot(v, NULL);
    json_t *alerts = json_object_get(o, "alerts");
    assert_int_equal(json_array_size(alerts), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(alerts, 0), "scan_id")),
                     DET_VIEW_MAX_SCANS + 8);
    json_t *scans = json_object_get(o, "scans");
    assert_int_equal(json_array_size(scans), DET_VIEW_MAX_SCANS);
    size_t i;
    json_t *s;
    json_array_foreach(scans, i, s)
        assert_true(json_integer_value(json_object_get(s, "scan_id")) > 10);
    json_decref(o);
    det_view_free(v);
}

/* A TCP segment from src to dst with flags (no options). */
static size_t segment(uint8_t *b, const char *src, const char *dst, uint16_t sport, uint16_t dport,
                      uint8_t flags)
{
    struct pr_addr s, d;
    assert_int_equal(addr_parse(src, &s), 0);
    assert_int_equal(addr_parse(dst, &d), 0);
    memset(b, 0, 40);
    b[0] = 0x45;
    b[3] = 40;
    b[8] = 64;
    b[9] = 6;
    memcpy(b + 12, s.a, 4);
    memcpy(b + 16, d.a, 4);
    b[20] = (uint8_t)(sport >> 8), b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8), b[23] = (uint8_t)dport;
    b[32] = 5 << 4;
    b[33] = flags;
    return 40;
}

static void test_hosts(void **state)
{
    (void)state;
    struct pr_error e = {""};
    struct assets_config ac = {.max_hosts = 16};
    struct assets *as = assets_new(&ac, &e);
    assert_non_null(as);
    uint8_t b[40];
    static const uint8_t mac[6] = {0x52, 0x54, 0, 1, 2, 3};
    assets_packet(as, b, segment(b, "198.18.0.2", "198.18.0.1", 22, 40000, 0x12), mac, T0);
    assets_packet(as, b, segment(b, "198.18.0.1", "198.18.0.2", 40000, 22, 0x02), NULL, T0 + 1);
    assets_packet(as, b, segment(b, "198.18.0.3", "8.8.8.8", 40001, 443, 0x02), NULL, T0 + 2);

    struct det_view_config c = {0};
    struct det_view *v = det_view_new(&c);
    json_t *o = snapshot(v, as);
    json_t *hosts = json_object_get(o, "hosts");
    assert_int_equal(json_array_size(hosts), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "hosts_total")), 3);
    /* no alert: the time of a file's snapshot is its latest host's */
    assert_string_equal(str(o, "generated"), "2023-11-14T22:13:20.000002Z");
    json_t *h = json_array_get(hosts, 1); /* by address */
    assert_string_equal(str(h, "ip"), "198.18.0.2");
    assert_string_equal(str(h, "mac"), "52:54:00:01:02:03");
    json_t *svc = json_array_get(json_object_get(h, "services"), 0);
    assert_int_equal(json_integer_value(json_object_get(svc, "port")), 22);
    assert_string_equal(str(json_array_get(hosts, 2), "ip"), "198.18.0.3");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_array_get(hosts, 2), "peers"), 0)),
        "8.8.8.8");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "counters"), "hosts")),
                     3);
    json_decref(o);
    det_view_free(v);

    struct det_view_config c1 = {.max_hosts = 1}; /* more hosts are counted, not shown */
    v = det_view_new(&c1);
    o = snapshot(v, as);
    assert_int_equal(json_array_size(json_object_get(o, "hosts")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "hosts_total")), 3);
    json_decref(o);
    det_view_free(v);
    assets_free(as);
}

/* The report: one file, the snapshot inlined so that no text in it can end its element,
 * no reference to another resource, a CSP without remote sources. */
static void test_report(void **state)
{
    (void)state;
    struct pr_error e = {""};
    const char *snap =
        "{\"hosts\":[{\"ip\":\"198.18.0.2\",\"os\":\"</script><script>x()</script>\"}]}";
    char *html = det_page_report(snap, &e);
    assert_non_null(html);
    assert_non_null(strstr(html, "<script type=\"application/json\" id=\"snapshot\">"));
    assert_non_null(strstr(html, "\\u003c/script>\\u003cscript>x()"));
    assert_null(strstr(html, "<script>x()"));
    assert_null(strstr(html, "src=\""));
    assert_null(strstr(html, "href=\""));
    assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
    assert_non_null(strstr(html, "function render(")); /* the script is inlined */
    assert_non_null(strstr(html, "<style>"));
    free(html);

    char path[] = "/tmp/test_detect_view_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    FILE *f = det_report_open(path, &e);
    assert_non_null(f);
    assert_int_equal(det_report_write(f, path, snap, &e), 0);
    f = fopen(path, "r");
    char buf[256] = "";
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "<!DOCTYPE html>\n");
    unlink(path);
    assert_null(det_report_open("/nonexistent/dir/r.html", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/dir/r.html"));
}

static void test_page_files(void **state)
{
    (void)state;
    assert_non_null(det_page_find("index.html"));
    assert_non_null(det_page_find("app.js"));
    assert_null(det_page_find("../etc/passwd"));
    assert_string_equal(det_page_type("app.css"), "text/css; charset=utf-8");
    assert_string_equal(det_page_type("app.js"), "text/javascript; charset=utf-8");
}

static void test_webui_spec(void **state)
{
    (void)state;
    struct pr_error e = {""};
    struct det_webui *w;
    assert_int_equal(det_webui_open("127.0.0.1", stderr, &w, &e), -1);
    assert_non_null(strstr(e.msg, "expected ADDR:PORT"));
    assert_int_equal(det_webui_open("127.0.0.1:99999", stderr, &w, &e), -1);
    assert_non_null(strstr(e.msg, "bad port at position 11"));
    assert_int_equal(det_webui_open("127.0.0.300:80", stderr, &w, &e), -1);
    assert_non_null(strstr(e.msg, "bad address"));
    assert_int_equal(det_webui_open("[::1:80", stderr, &w, &e), -1);
}

/* Connects to 127.0.0.1:port and sends req; returns the socket. */
static int http(uint16_t port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    return fd;
}

/* Reads into buf until it holds want (or 5 s pass); returns whether it does. */
static int read_until(int fd, char *buf, size_t len, size_t *have, const char *want)
{
    for (int i = 0; i < 50 && !strstr(buf, want); i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) == 1) {
            ssize_t n = read(fd, buf + *have, len - 1 - *have);
            if (n <= 0)
                break;
            *have += (size_t)n;
            buf[*have] = 0;
        }
    }
    return strstr(buf, want) != NULL;
}

static void test_webui_serves(void **state)
{
    (void)state;
    struct pr_error e = {""};
    struct det_webui *w = NULL;
    uint16_t port = 0;
    char spec[32];
    for (unsigned i = 0; i < 20 && !w; i++) { /* a free port in a quiet range */
        port = (uint16_t)(20000 + (getpid() * 7 + i * 131) % 20000);
        snprintf(spec, sizeof spec, "127.0.0.1:%u", port);
        det_webui_open(spec, stderr, &w, &e);
    }
    assert_non_null(w);
    assert_int_equal(det_webui_start(w, &e), 0);
    det_webui_publish(w, strdup("{\"n\":1}"));

    char buf[8192] = "";
    size_t have = 0;
    int fd = http(port, "GET /api/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_true(read_until(fd, buf, sizeof buf, &have, "{\"n\":1}"));
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    assert_non_null(strstr(buf, "Content-Security-Policy: default-src 'none'"));
    assert_non_null(strstr(buf, "X-Content-Type-Options: nosniff"));
    close(fd);

    /* the event stream: the current snapshot, then each new one without asking */
    buf[0] = 0, have = 0;
    fd = http(port, "GET /api/events HTTP/1.1\r\nHost: localhost:1\r\n\r\n");
    assert_true(read_until(fd, buf, sizeof buf, &have, "data: {\"n\":1}\n\n"));
    assert_non_null(strstr(buf, "text/event-stream"));
    det_webui_publish(w, strdup("{\"n\":2}"));
    assert_true(read_until(fd, buf, sizeof buf, &have, "data: {\"n\":2}\n\n"));

    /* refused: other methods, rebinding hosts, unknown paths */
    char b2[2048] = "";
    size_t h2 = 0;
    int f2 = http(port, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    assert_true(read_until(f2, b2, sizeof b2, &h2, "HTTP/1.1 405"));
    close(f2);
    b2[0] = 0, h2 = 0;
    f2 = http(port, "GET / HTTP/1.1\r\nHost: attacker.example\r\n\r\n");
    assert_true(read_until(f2, b2, sizeof b2, &h2, "HTTP/1.1 421"));
    close(f2);
    b2[0] = 0, h2 = 0;
    f2 = http(port, "GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_true(read_until(f2, b2, sizeof b2, &h2, "HTTP/1.1 404"));
    close(f2);

    det_webui_close(w); /* ends the open stream: the client sees its end */
    char tail[256];
    ssize_t n = 1;
    for (int i = 0; i < 30 && n > 0; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) == 1)
            n = read(fd, tail, sizeof tail);
    }
    assert_true(n <= 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),        cmocka_unit_test(test_scans_and_blocks),
        cmocka_unit_test(test_bounds),       cmocka_unit_test(test_scan_identity),
        cmocka_unit_test(test_hosts),        cmocka_unit_test(test_report),
        cmocka_unit_test(test_page_files),   cmocka_unit_test(test_webui_spec),
        cmocka_unit_test(test_webui_serves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
