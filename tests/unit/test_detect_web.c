/* The web analyzer: scanner traits (user agents and request shapes of nmap, nikto,
 * gobuster, dirb, ffuf, wfuzz, whatweb, wapiti, sqlmap, nuclei, masscan, zgrab), forced
 * browsing, sensitive-file probes, slow probers, traversal and injection, unusual methods;
 * benign clients that must never be flagged (a wget crawl, browsers, a health check, a
 * missing favicon, a crawler that keeps to robots.txt); the incident shared with a port
 * scan seen by the engine; the bounded source table under a flood of sources. */
#include "detect/web.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAXA 64
#define T0 1796292000000000ull

struct got {
    int n;
    struct det_alert a[MAXA];
    struct det_web_info w[MAXA];
    char event[MAXA][16], tool[MAXA][16], action[MAXA][16];
};

static int got_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct got *g = ctx;
    if (g->n < MAXA) {
        g->a[g->n] = *a;
        if (a->web)
            g->w[g->n] = *a->web;
        snprintf(g->event[g->n], 16, "%s", a->event);
        snprintf(g->tool[g->n], 16, "%s", a->tool_guess);
        snprintf(g->action[g->n], 16, "%s", a->action);
    }
    g->n++;
    return 0;
}

static const struct det_sink_ops got_ops = {"test", got_emit, NULL, NULL};

struct lab {
    struct got g;
    struct det_engine *d;
    struct det_web *w;
};

static struct lab *mk(uint32_t max_sources)
{
    struct lab *l = calloc(1, sizeof *l);
    assert_non_null(l);
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 1024;
    struct pr_error e;
    l->d = det_engine_new(&c, &e);
    assert_non_null(l->d);
    det_engine_set_key(l->d, 1, 2);
    struct det_sink s = {&got_ops, &l->g};
    assert_int_equal(det_engine_add_sink(l->d, &s), 0);
    struct det_web_config wc;
    det_web_config_defaults(&wc);
    wc.max_sources = max_sources;
    l->w = det_web_new(&wc, l->d, &e);
    assert_non_null(l->w);
    det_web_set_key(l->w, 3, 4);
    return l;
}

static void done(struct lab *l)
{
    det_web_finish(l->w);
    det_engine_finish(l->d);
}

static void lab_free(struct lab *l)
{
    det_web_free(l->w);
    det_engine_free(l->d);
    free(l);
}

static void req(struct lab *l, uint64_t ts, const char *src, const char *method, const char *path,
                const char *proto, uint16_t status, const char *ua)
{
    struct det_http_req r;
    memset(&r, 0, sizeof r);
    r.ts_us = ts;
    assert_int_equal(addr_parse(src, &r.src), 0);
    snprintf(r.method, sizeof r.method, "%s", method);
    snprintf(r.path, sizeof r.path, "%s", path);
    snprintf(r.proto, sizeof r.proto, "%s", proto);
    snprintf(r.ua, sizeof r.ua, "%s", ua);
    r.status = status;
    det_web_request(l->w, &r);
}

/* Web alerts about src: how many, and the last one's index. */
static int alerts_of(const struct lab *l, const char *src, int *last)
{
    int n = 0;
    char buf[PR_ADDRSTRLEN];
    for (int i = 0; i < l->g.n && i < MAXA; i++)
        if (!strcmp(addr_str(&l->g.a[i].src, buf, sizeof buf), src) &&
            !strncmp(l->g.event[i], "web", 3)) {
            n++;
            *last = i;
        }
    return n;
}

static const char *const words[] = {
    "admin",       "backup",       ".env",      ".git/HEAD", "config.php",
    "login",       "test",         "old",       "uploads",   "images",
    "css",         "js",           "api",       "private",   "server-status",
    "phpinfo.php", "wp-login.php", ".htaccess", "db.sql",    "index.bak",
    "secret",      "portal",       "cgi-bin/",  "tmp",       "logs"};
#define NWORDS (sizeof words / sizeof words[0])

static void test_tools_by_traits(void **state)
{
    (void)state;
    static const struct {
        const char *ua, *tool;
    } t[] = {
        {"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", "nmap"},
        {"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)", "nikto"},
        {"gobuster/3.5", "gobuster"},
        {"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", "dirb"},
        {"Fuzz Faster U Fool v1.1.0", "ffuf"},
        {"Wfuzz/3.1.0", "wfuzz"},
        {"WhatWeb/0.5.5", "whatweb"},
        {"Mozilla/5.0 (Windows NT 6.1; rv:45.0) Gecko/20100101 Firefox/45.0", "wapiti"},
        {"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap"},
        {"Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "nuclei"},
        {"masscan/1.3 (https://github.com/robertdavidgraham/masscan)", "masscan"},
        {"Mozilla/5.0 zgrab/0.x", "zgrab"},
        {"curl/7.88.1", ""},
        {"Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0", ""},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct det_http_req r;
        memset(&r, 0, sizeof r);
        snprintf(r.method, sizeof r.method, "GET");
        snprintf(r.path, sizeof r.path, "/");
        snprintf(r.proto, sizeof r.proto, "HTTP/1.1");
        snprintf(r.ua, sizeof r.ua, "%s", t[i].ua);
        assert_string_equal(det_web_tool_of(&r), t[i].tool);
    }
    /* nmap -sV's service probes carry no user agent */
    struct det_http_req r;
    memset(&r, 0, sizeof r);
    snprintf(r.method, sizeof r.method, "OPTIONS");
    snprintf(r.path, sizeof r.path, "/");
    snprintf(r.proto, sizeof r.proto, "RTSP/1.0");
    snprintf(r.ua, sizeof r.ua, "-");
    assert_string_equal(det_web_tool_of(&r), "nmap");
    snprintf(r.method, sizeof r.method, "GET");
    snprintf(r.path, sizeof r.path, "/nice%%20ports%%2C/Tri%%6Eity.txt%%2ebak");
    snprintf(r.proto, sizeof r.proto, "HTTP/1.0");
    assert_string_equal(det_web_tool_of(&r), "nmap");

    /* each tool working through a word list: one webscan, the tool named */
    for (size_t i = 0; i + 2 < sizeof t / sizeof t[0]; i++) {
        struct lab *l = mk(64);
        for (size_t k = 0; k < NWORDS; k++) {
            char p[64];
            snprintf(p, sizeof p, "/%s", words[k]);
            req(l, T0 + k * 20000, "198.18.0.7", "GET", p, "HTTP/1.1", 404, t[i].ua);
        }
        done(l);
        int last = -1;
        assert_true(alerts_of(l, "198.18.0.7", &last) >= 1);
        assert_string_equal(l->g.event[last], "webscan");
        assert_string_equal(l->g.tool[last], t[i].tool);
        assert_int_equal(l->g.w[last].paths_probed, NWORDS);
        assert_int_equal(l->g.w[last].nstatus, 1);
        assert_int_equal(l->g.w[last].status_code[0], 404);
        assert_int_equal(l->g.w[last].status_count[0], NWORDS);
        assert_true(l->g.w[last].nsamples == DET_WEB_MAX_SAMPLES);
        assert_true(l->g.a[last].evidence == DET_EV_HTTP);
        assert_true(l->g.a[last].ev_handshakes == NWORDS);
        lab_free(l);
    }
}

static void test_classes(void **state)
{
    (void)state;
    assert_int_equal(det_web_is_sensitive("/.env"), 2);
    assert_int_equal(det_web_is_sensitive("/.git/HEAD"), 2);
    assert_int_equal(det_web_is_sensitive("/site.tar.gz"), 2);
    assert_int_equal(det_web_is_sensitive("/index.php~"), 2);
    assert_int_equal(det_web_is_sensitive("/wp-login.php?x=1"), 1);
    assert_int_equal(det_web_is_sensitive("/ADMIN/"), 1);
    assert_int_equal(det_web_is_sensitive("/index.html"), 0);
    assert_int_equal(det_web_is_sensitive("/news?file=a.bak"), 0); /* the query is not a file */
    assert_int_equal(det_web_is_attack("/../../etc/passwd"), 1);
    assert_int_equal(det_web_is_attack("/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), 1);
    assert_int_equal(det_web_is_attack("/?id=1%27%20OR%201=1--"), 1);
    assert_int_equal(det_web_is_attack("/?q=%3Cscript%3Ealert(1)%3C/script%3E"), 1);
    assert_int_equal(det_web_is_attack("/?x=${jndi:ldap://a/b}"), 1);
    assert_int_equal(det_web_is_attack("/?id=1+union+select+1,2"), 1);
    assert_int_equal(det_web_is_attack("/search?q=o%27brien+and+friends"), 0);
    assert_int_equal(det_web_is_attack("/a/b.html?page=2&sort=asc"), 0);
    assert_int_equal(det_web_is_harmless("/favicon.ico"), 1);
    assert_int_equal(det_web_is_harmless("/apple-touch-icon-120x120.png"), 1);
    assert_int_equal(det_web_is_harmless("/.well-known/security.txt"), 1);
    assert_int_equal(det_web_is_harmless("/admin"), 0);
}

static void test_benign(void **state)
{
    (void)state;
    struct lab *l = mk(64);
    const char *fx = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0";
    uint64_t t = T0;
    /* wget -r of a 40-page site, with robots.txt and two dead links */
    req(l, t, "198.18.0.20", "GET", "/robots.txt", "HTTP/1.1", 404, "Wget/1.21.3");
    for (int i = 0; i < 40; i++) {
        char p[32];
        snprintf(p, sizeof p, "/page%d.html", i);
        req(l, t += 50000, "198.18.0.20", "GET", p, "HTTP/1.1", 200, "Wget/1.21.3");
    }
    req(l, t += 50000, "198.18.0.20", "GET", "/gone.html", "HTTP/1.1", 404, "Wget/1.21.3");
    req(l, t += 50000, "198.18.0.20", "GET", "/old/x.html", "HTTP/1.1", 404, "Wget/1.21.3");
    /* a browser with a missing favicon and icons */
    req(l, t, "198.18.0.21", "GET", "/", "HTTP/2.0", 200, fx);
    req(l, t, "198.18.0.21", "GET", "/favicon.ico", "HTTP/2.0", 404, fx);
    req(l, t, "198.18.0.21", "GET", "/apple-touch-icon.png", "HTTP/2.0", 404, fx);
    req(l, t, "198.18.0.21", "GET", "/admin", "HTTP/2.0", 302, fx); /* the owner, logged in */
    /* a health check every 2 s for an hour, failing for a while */
    for (int i = 0; i < 1800; i++)
        req(l, T0 + (uint64_t)i * 2000000, "198.18.0.22", "GET", "/healthz", "HTTP/1.1",
            i > 900 && i < 950 ? 503 : 200, "kube-probe/1.28");
    /* a search engine crawler keeping to robots.txt */
    req(l, t, "198.18.0.24", "GET", "/robots.txt", "HTTP/1.1", 200,
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
    for (int i = 0; i < 30; i++) {
        char p[32];
        snprintf(p, sizeof p, "/page%d.html", i);
        req(l, t += 1000000, "198.18.0.24", "GET", p, "HTTP/1.1", i == 7 ? 404 : 200,
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
    }
    /* curl with a browser's user agent */
    req(l, t, "198.18.0.25", "GET", "/", "HTTP/1.1", 200, fx);
    req(l, t, "198.18.0.25", "HEAD", "/page1.html", "HTTP/1.1", 200, fx);
    done(l);
    assert_int_equal(l->g.n, 0);
    lab_free(l);
}

static void test_forced_browsing_and_probers(void **state)
{
    (void)state;
    struct lab *l = mk(64);
    const char *fx = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0";
    /* forced browsing with a browser's user agent: 20 distinct misses make a webscan */
    for (int i = 0; i < 30; i++) {
        char p[32];
        snprintf(p, sizeof p, "/dir%d/", i);
        req(l, T0 + (uint64_t)i * 100000, "198.18.0.30", "GET", p, "HTTP/1.1", 404, fx);
    }
    /* a slow prober: three sensitive paths 10 minutes apart */
    const uint64_t t1 = T0 + 10000000;
    req(l, t1, "198.18.0.31", "GET", "/.env", "HTTP/1.1", 404, fx);
    req(l, t1 + 600000000ull, "198.18.0.31", "GET", "/wp-login.php", "HTTP/1.1", 404, fx);
    req(l, t1 + 1200000000ull, "198.18.0.31", "GET", "/backup.sql", "HTTP/1.1", 404, fx);
    /* injection twice */
    const uint64_t t2 = t1 + 1300000000ull;
    req(l, t2, "198.18.0.32", "GET", "/?id=1%27%20or%201=1--", "HTTP/1.1", 200, fx);
    req(l, t2 + 1000, "198.18.0.32", "GET", "/?id=1%20union%20select%201", "HTTP/1.1", 200, fx);
    /* unusual methods */
    req(l, t2, "198.18.0.33", "PROPFIND", "/", "HTTP/1.1", 405, fx);
    req(l, t2 + 1, "198.18.0.33", "TRACE", "/", "HTTP/1.1", 405, fx);
    req(l, t2 + 2, "198.18.0.33", "DEBUG", "/", "HTTP/1.1", 405, fx);
    /* a scanner's own name: its first request; a browser-like tool agent alone: nothing */
    req(l, t2, "198.18.0.34", "GET", "/", "HTTP/1.1", 200, "sqlmap/1.7.2#stable");
    req(l, t2, "198.18.0.35", "GET", "/", "HTTP/1.1", 200,
        "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)");
    done(l);
    int last = -1;
    assert_int_equal(alerts_of(l, "198.18.0.34", &last), 1);
    assert_true(l->g.a[last].probes == 1);
    assert_string_equal(l->g.tool[last], "sqlmap");
    assert_int_equal(alerts_of(l, "198.18.0.35", &last), 0);
    assert_true(alerts_of(l, "198.18.0.30", &last) >= 1);
    assert_string_equal(l->g.event[last], "webscan");
    assert_string_equal(l->g.tool[last], "unknown");
    assert_true(l->g.a[last].probes == 30);
    assert_true(alerts_of(l, "198.18.0.31", &last) >= 1);
    assert_string_equal(l->g.event[last], "webprobe");
    assert_true(l->g.a[last].first_us == t1);
    assert_true(alerts_of(l, "198.18.0.32", &last) >= 1);
    assert_true(alerts_of(l, "198.18.0.33", &last) >= 1);
    assert_true(l->g.a[last].threat_level > 0 && l->g.a[last].threat_level <= 100);
    lab_free(l);
}

/* A SYN scan seen by the engine, then one bare "GET / HTTP/1.0" (nmap -sV) from the same
 * source: one incident, and the probe is reported on that one request. */
static void test_incident(void **state)
{
    (void)state;
    struct lab *l = mk(64);
    struct pr_addr s, t;
    addr_parse("198.18.0.19", &s);
    addr_parse("198.18.0.2", &t);
    assert_int_equal(det_engine_incident_of(l->d, &s), 0);
    for (int p = 1; p <= 20; p++) {
        struct det_event ev;
        memset(&ev, 0, sizeof ev);
        ev.ts_us = T0 + (uint64_t)p * 1000;
        ev.src = s;
        ev.dst = t;
        ev.proto = DET_PROTO_TCP;
        ev.sport = 40000;
        ev.dport = (uint16_t)p;
        ev.flags = 0x02;
        ev.ttl = 50;
        ev.window = 1024;
        det_engine_event(l->d, &ev);
        struct det_event r = ev;
        r.src = t;
        r.dst = s;
        r.sport = ev.dport;
        r.dport = 40000;
        r.flags = 0x14;
        r.ts_us += 100;
        det_engine_event(l->d, &r);
    }
    assert_true(l->g.n >= 1);
    uint32_t scan_id = l->g.a[0].scan_id;
    assert_int_equal(det_engine_incident_of(l->d, &s), scan_id);
    req(l, T0 + 2000000, "198.18.0.19", "GET", "/", "HTTP/1.0", 200, "-");
    /* the same request from a source that did not scan: nothing */
    req(l, T0 + 2000000, "198.18.0.40", "GET", "/", "HTTP/1.0", 200, "-");
    done(l);
    int last = -1;
    assert_true(alerts_of(l, "198.18.0.19", &last) >= 1);
    assert_string_equal(l->g.event[last], "webprobe");
    assert_int_equal(l->g.w[last].incident_id, scan_id);
    assert_true(l->g.a[last].threat_level >= 60);
    assert_string_equal(l->g.tool[last], "nmap");
    assert_int_equal(alerts_of(l, "198.18.0.40", &last), 0);
    lab_free(l);
}

/* 100000 sources with one request each in a 64-entry table, and a scanner among them:
 * memory stays fixed, evictions are counted, the scanner is still reported. */
static void test_flood(void **state)
{
    (void)state;
    struct lab *l = mk(64);
    size_t bytes = det_web_bytes(l->w);
    for (uint32_t i = 0; i < 100000; i++) {
        char a[32];
        snprintf(a, sizeof a, "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        req(l, T0 + i, a, "GET", "/.env", "HTTP/1.1", 404, "x");
        if (i % 4000 == 0) {
            char p[32];
            snprintf(p, sizeof p, "/w%u", i);
            req(l, T0 + i, "198.18.0.50", "GET", p, "HTTP/1.1", 404, "gobuster/3.5");
        }
    }
    done(l);
    assert_true(det_web_bytes(l->w) == bytes);
    assert_true(det_web_stats(l->w)->sources_evicted > 90000);
    int last = -1;
    assert_true(alerts_of(l, "198.18.0.50", &last) >= 1);
    assert_string_equal(l->g.tool[last], "gobuster");
    lab_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tools_by_traits), cmocka_unit_test(test_classes),
        cmocka_unit_test(test_benign),          cmocka_unit_test(test_forced_browsing_and_probers),
        cmocka_unit_test(test_incident),        cmocka_unit_test(test_flood),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
