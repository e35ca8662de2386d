/* web.c — see web.h. */
#include "detect/web.h"

#include "core/text.h"

#include "core/siphash.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROBE_WINDOW 8 /* slots examined per lookup */
#define PATH_BITS 2048 /* distinct paths of a source (approximate count) */
#define SENS_EXACT 8   /* distinct sensitive paths remembered exactly */
#define SAMPLE_LEN 64

/* ---------------------------------------------------------------- traits */

/* User agents of scanners (case-insensitive substrings), measured on the Debian 12
 * packages (docs/web.md). */
static const struct {
    const char *ua, *tool;
    uint8_t sure; /* the tool's own name: reported on its first request */
} ua_traits[] = {
    {"Nmap Scripting Engine", "nmap", 1},
    {"Nikto", "nikto", 1},
    {"gobuster", "gobuster", 1},
    {"Fuzz Faster U Fool", "ffuf", 1},
    {"Wfuzz", "wfuzz", 1},
    {"WhatWeb", "whatweb", 1},
    {"wapiti", "wapiti", 1},
    {"sqlmap", "sqlmap", 1},
    {"Nuclei", "nuclei", 1},
    {"masscan", "masscan", 1},
    {"zgrab", "zgrab", 1},
    {"DirBuster", "dirbuster", 1},
    /* defaults of tools that pose as browsers nobody runs any more: dirb's Internet
     * Explorer 6 (2001), wapiti 3.0's Firefox 45 (2016); they need more evidence */
    {"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", "dirb", 0},
    {"Mozilla/5.0 (Windows NT 6.1; rv:45.0) Gecko/20100101 Firefox/45.0", "wapiti", 0},
};

/* The tool a user agent names, or ""; *sure when the agent is the tool's own name. */
static const char *ua_tool(const char *ua, int *sure)
{
    *sure = 0;
    for (size_t i = 0; i < sizeof ua_traits / sizeof ua_traits[0]; i++)
        if (strcasestr(ua, ua_traits[i].ua)) {
            *sure = ua_traits[i].sure;
            return ua_traits[i].tool;
        }
    return "";
}

/* As det_web_tool_of, with the user agent's verdict given (ua_tool); *weak set when only
 * a bare "GET / HTTP/1.0" without a user agent (nmap -sV's GetRequest, but also a
 * hand-made health check) pointed at the tool. */
static const char *tool_of(const struct det_http_req *r, const char *by_ua, int *weak)
{
    *weak = 0;
    if (*by_ua)
        return by_ua;
    /* nmap -sV: its service probes (nmap-service-probes GetRequest, HTTPOptions,
     * RTSPRequest, FourOhFourRequest) carry no user agent */
    int no_ua = !r->ua[0] || !strcmp(r->ua, "-");
    if (!strncmp(r->path, "/nice%20ports%2C/Tri%6Eity.txt%2ebak", 36) ||
        !strncmp(r->path, "/nmaplowercheck", 15))
        return "nmap";
    if (no_ua && !strcmp(r->proto, "RTSP/1.0"))
        return "nmap";
    if (no_ua && !strcmp(r->path, "/") && !strcmp(r->proto, "HTTP/1.0") &&
        !strcmp(r->method, "OPTIONS"))
        return "nmap";
    if (no_ua && !strcmp(r->path, "/") && !strcmp(r->proto, "HTTP/1.0") &&
        !strcmp(r->method, "GET")) {
        *weak = 1;
        return "nmap";
    }
    return "";
}

const char *det_web_tool_of(const struct det_http_req *r)
{
    int weak, sure;
    return tool_of(r, ua_tool(r->ua, &sure), &weak);
}

/* FNV-1a of a user agent's length and first and last 32 bytes: a source keeps its agent,
 * so its verdict is remembered (a source that varies only the middle of its own agent
 * fools only itself about its own name). */
static uint32_t ua_hash(const char *ua)
{
    size_t n = strlen(ua);
    uint32_t h = 2166136261u ^ (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (uint8_t)ua[i]) * 16777619u;
        if (i == 31 && n > 64)
            i = n - 33;
    }
    return h | 1; /* 0: nothing remembered */
}

/* Paths scanners try because they hold secrets or run administration. `always`: a
 * request for it is suspicious whatever the answer (dot files, backups); otherwise only
 * when it failed (an administrator may open his own /admin). */
#define S(text, suffix, always)                                                                    \
    {                                                                                              \
        text, sizeof text - 1, suffix, always                                                      \
    }
static const struct {
    const char *s;
    uint8_t len, suffix, always;
} sensitive[] = {
    S("/.env", 0, 1),
    S("/.git", 0, 1),
    S("/.svn", 0, 1),
    S("/.hg/", 0, 1),
    S("/.ds_store", 0, 1),
    S("/.htaccess", 0, 1),
    S("/.htpasswd", 0, 1),
    S("/.aws", 0, 1),
    S("/.ssh", 0, 1),
    S("/.bash_history", 0, 1),
    S("/.vscode", 0, 1),
    S("/.idea", 0, 1),
    S("/id_rsa", 0, 1),
    S("/wp-config", 0, 1),
    S("/web.config", 0, 1),
    S("/etc/passwd", 0, 1),
    S("/vendor/phpunit", 0, 1),
    S("/wp-admin", 0, 0),
    S("/wp-login", 0, 0),
    S("/xmlrpc.php", 0, 0),
    S("/phpmyadmin", 0, 0),
    S("/pma/", 0, 0),
    S("/admin", 0, 0),
    S("/administrator", 0, 0),
    S("/server-status", 0, 0),
    S("/server-info", 0, 0),
    S("/manager/html", 0, 0),
    S("/actuator", 0, 0),
    S("/console", 0, 0),
    S("/cgi-bin/", 0, 0),
    S("/backup", 0, 0),
    S("/config.php", 0, 0),
    S("/phpinfo", 0, 0),
    S("/jmx-console", 0, 0),
    S("/solr/", 0, 0),
    S(".bak", 1, 1),
    S(".old", 1, 1),
    S(".orig", 1, 1),
    S(".swp", 1, 1),
    S("~", 1, 1),
    S(".sql", 1, 1),
    S(".tar.gz", 1, 1),
    S(".tgz", 1, 1),
    S(".zip", 1, 0),
    S(".7z", 1, 1),
    S(".rar", 1, 0),
    S(".pem", 1, 1),
    S(".key", 1, 1),
    S(".inc", 1, 0),
    S(".conf", 1, 0),
    S(".log", 1, 0),
    S(".save", 1, 1),
};

/* The path without its query, lower-cased, into buf. */
static size_t path_only(const char *path, char *buf, size_t cap)
{
    size_t n = 0;
    while (path[n] && path[n] != '?' && path[n] != '#' && n < cap - 1) {
        char c = path[n];
        buf[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    buf[n] = 0;
    return n;
}

/* 0: not sensitive; 1: sensitive when the request failed; 2: always */
int det_web_is_sensitive(const char *path)
{
    char p[DET_HTTP_PATH_MAX];
    size_t n = path_only(path, p, sizeof p);
    size_t nsens = sizeof sensitive / sizeof sensitive[0];
    for (size_t i = 0; i < nsens; i++) { /* suffixes */
        size_t k = sensitive[i].len;
        if (sensitive[i].suffix && n > k + 1 && !memcmp(p + n - k, sensitive[i].s, k))
            return sensitive[i].always ? 2 : 1;
    }
    for (const char *q = p; q; q = strchr(q + 1, '/')) /* "/name" starting a segment */
        for (size_t i = 0; i < nsens; i++) {
            const char *x = sensitive[i].s;
            if (!sensitive[i].suffix && q[1] == x[1] && !strncmp(q, x, sensitive[i].len))
                return sensitive[i].always ? 2 : 1;
        }
    return 0;
}

/* Paths every browser and crawler asks for and many sites lack. */
int det_web_is_harmless(const char *path)
{
    static const char *const names[] = {"/favicon.ico",   "/robots.txt",       "/sitemap.xml",
                                        "/ads.txt",       "/humans.txt",       "/browserconfig.xml",
                                        "/manifest.json", "/site.webmanifest", NULL};
    char p[DET_HTTP_PATH_MAX];
    path_only(path, p, sizeof p);
    for (const char *const *n = names; *n; n++)
        if (!strcmp(p, *n))
            return 1;
    return !strncmp(p, "/apple-touch-icon", 17) || !strncmp(p, "/.well-known/", 13);
}

/* Traversal, file inclusion, SQL, script and command injection in the target (once
 * percent-decoded, '+' as space, lower-cased). Each pattern is looked for only when its
 * key character occurs in the target (0: the plain-character patterns, looked for when
 * "/e", "/b", ".i" or ".e" occurs), so that an ordinary target costs a few compares. */
int det_web_is_attack(const char *path)
{
    static const struct {
        const char *p;
        char key;
    } pats[] = {
        {"/etc/passwd", 0},
        {"/etc/shadow", 0},
        {"win.ini", 0},
        {"boot.ini", 0},
        {"cmd.exe", 0},
        {"/bin/sh", 0},
        {"../", '.'},
        {"..\\", '\\'},
        {"php://", ':'},
        {"file://", ':'},
        {"expect://", ':'},
        {"<script", '<'},
        {"javascript:", ':'},
        {"onerror=", '='},
        {"onload=", '='},
        {"union select", ' '},
        {"union all select", ' '},
        {"' or ", '\''},
        {"' and ", '\''},
        {"\" or ", '"'},
        {"or 1=1", '='},
        {"and 1=1", '='},
        {"sleep(", '('},
        {"benchmark(", '('},
        {"waitfor delay", ' '},
        {"information_schema", '_'},
        {"xp_cmdshell", '_'},
        {"${jndi:", '$'},
        {";wget ", ';'},
        {";curl ", ';'},
        {"|id", '|'},
        {";id;", ';'},
        {"$(", '$'},
        {"`", '`'},
        {"%00", '%'},
        {"<?php", '<'},
        {"order by 1", ' '},
    };
    char d[DET_HTTP_PATH_MAX * 2];
    size_t n = 0;
    for (size_t i = 0; path[i] && n < sizeof d - 1; i++) {
        char c = path[i];
        if (c == '%' && pr_hexval(path[i + 1]) >= 0 && pr_hexval(path[i + 2]) >= 0) {
            int v = pr_hexval(path[i + 1]) * 16 + pr_hexval(path[i + 2]);
            i += 2;
            if (v == 0) { /* keep a NUL visible as text */
                if (n + 3 < sizeof d - 1) {
                    memcpy(d + n, "%00", 3);
                    n += 3;
                }
                continue;
            }
            c = (char)v;
        } else if (c == '+') {
            c = ' ';
        }
        d[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    d[n] = 0;
    uint8_t has[32] = {0};
    int plain = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        char x = d[i + 1];
        has[c >> 3] |= (uint8_t)(1u << (c & 7));
        plain |= (c == '.' && (x == 'i' || x == 'e')) || (c == '/' && (x == 'e' || x == 'b'));
    }
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        unsigned char k = (unsigned char)pats[i].key;
        if ((k ? (has[k >> 3] >> (k & 7)) & 1 : plain) && strstr(d, pats[i].p))
            return 1;
    }
    return 0;
}

static int method_usual(const struct det_http_req *r)
{
    static const char *const ok[] = {"GET",     "HEAD",  "POST",   "PUT",
                                     "OPTIONS", "PATCH", "DELETE", NULL};
    if (r->bad_request)
        return 0;
    for (const char *const *m = ok; *m; m++)
        if (!strcmp(r->method, *m))
            return strncmp(r->proto, "HTTP/", 5) == 0;
    return 0;
}

/* ---------------------------------------------------------------- state */

#define NTOOLS 24

struct wsrc {
    struct pr_addr addr;
    uint8_t used, emitted, pending, dirty, scan, nsamples, nstatus, ntools, evidence, recheck;
    uint32_t id, incident;
    uint64_t first_us, last_us, last_emit_us, win_start, incident_us;
    uint32_t requests, req_at_emit, paths, win_miss, misses, sensitive, attacks, odd, waf;
    uint32_t tool_votes[NTOOLS], voted, strong;
    uint32_t ua_hash; /* the last user agent and what it named */
    const char *ua_tool;
    int ua_sure, sure;
    const char *tools[NTOOLS];
    uint16_t status_code[DET_WEB_MAX_STATUS];
    uint32_t status_count[DET_WEB_MAX_STATUS];
    char samples[DET_WEB_MAX_SAMPLES][SAMPLE_LEN];
    uint8_t path_bits[PATH_BITS / 8];
    uint8_t miss_bits[PATH_BITS / 8];
    uint32_t sens_h[SENS_EXACT]; /* the first distinct sensitive paths, exactly */
};

struct det_web {
    struct det_web_config cfg;
    struct det_engine *eng;
    struct sip_key key;
    struct wsrc *srcs;
    struct det_web_stats st;
    uint64_t now_us, next_sweep_us;
};

void det_web_config_defaults(struct det_web_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_sources = 4096;
    c->forced_paths = 20;
    c->sensitive = 3;
    c->attacks = 2;
    c->odd = 3;
    c->waf_flagged = 3;
    c->scan_paths = 20;
    c->window_us = 600ull * 1000000u;
    c->idle_us = 60ull * 1000000u;
    c->horizon_us = 3600ull * 1000000u;
    c->update_us = 5ull * 1000000u;
}

struct det_web *det_web_new(const struct det_web_config *c, struct det_engine *d,
                            struct pr_error *e)
{
    if (c->max_sources < PROBE_WINDOW || c->max_sources > (1u << 24) || !c->forced_paths ||
        !c->sensitive || !c->attacks || !c->odd || !c->waf_flagged || !c->window_us) {
        pr_errf(e, "web analyzer: bad configuration (max_sources %u)", c->max_sources);
        return NULL;
    }
    struct det_web *w = pr_calloc(1, sizeof *w);
    w->cfg = *c;
    w->eng = d;
    sip_key_init(&w->key, 0, 0);
    w->srcs = pr_calloc(c->max_sources, sizeof *w->srcs);
    return w;
}

void det_web_set_key(struct det_web *w, uint64_t k0, uint64_t k1)
{
    w->key.k0 = k0;
    w->key.k1 = k1;
}

const struct det_web_stats *det_web_stats(const struct det_web *w)
{
    return &w->st;
}

size_t det_web_bytes(const struct det_web *w)
{
    return sizeof *w + (size_t)w->cfg.max_sources * sizeof(struct wsrc);
}

void det_web_free(struct det_web *w)
{
    if (!w)
        return;
    free(w->srcs);
    free(w);
}

static uint64_t hash_bytes(const struct det_web *w, uint8_t tag, const void *p, size_t n)
{
    uint8_t b[1 + DET_HTTP_PATH_MAX + 17];
    if (n > sizeof b - 1)
        n = sizeof b - 1;
    b[0] = tag;
    memcpy(b + 1, p, n);
    return siphash24(&w->key, b, n + 1);
}

/* Sets bit h of a bitmap; returns 1 when it was clear (a new member). */
static int bit_new(uint8_t *bits, size_t nbits, uint64_t h)
{
    size_t i = (size_t)(h % nbits);
    uint8_t m = (uint8_t)(1u << (i & 7));
    if (bits[i >> 3] & m)
        return 0;
    bits[i >> 3] |= m;
    return 1;
}

/* A sensitive path not seen from this source before? The first SENS_EXACT are compared
 * exactly (the thresholds are small numbers), later ones all count. */
static int sens_new(struct wsrc *s, uint32_t h)
{
    unsigned n = s->sensitive < SENS_EXACT ? s->sensitive : SENS_EXACT;
    for (unsigned i = 0; i < n; i++)
        if (s->sens_h[i] == h)
            return 0;
    if (n < SENS_EXACT)
        s->sens_h[n] = h;
    return 1;
}

static void emit(struct det_web *w, struct wsrc *s, enum det_alert_kind kind);

static struct wsrc *src_find(struct det_web *w, const struct pr_addr *a)
{
    uint8_t k[17];
    k[0] = a->family == AF_INET6 ? 6 : 4;
    memcpy(k + 1, a->a, 16);
    uint32_t n = w->cfg.max_sources;
    uint32_t base = (uint32_t)(hash_bytes(w, 1, k, sizeof k) % (n - PROBE_WINDOW + 1));
    struct wsrc *victim = NULL;
    for (uint32_t i = 0; i < PROBE_WINDOW; i++) {
        struct wsrc *x = &w->srcs[base + i];
        if (x->used && addr_eq(&x->addr, a)) {
            if (x->emitted || x->last_us + w->cfg.horizon_us >= w->now_us)
                return x;
            victim = x; /* silent beyond the horizon: start afresh */
            break;
        }
        if (!x->used) {
            if (!victim || victim->used)
                victim = x;
        } else if (!victim || (victim->used &&
                               (victim->emitted > x->emitted ||
                                (victim->emitted == x->emitted && x->last_us < victim->last_us)))) {
            victim = x;
        }
    }
    if (victim->used && !addr_eq(&victim->addr, a)) {
        w->st.sources_evicted++;
        if (victim->emitted && (victim->pending || victim->requests != victim->req_at_emit))
            emit(w, victim, DET_ALERT_END); /* its last word before the slot is reused */
    }
    memset(victim, 0, sizeof *victim);
    victim->used = 1;
    victim->addr = *a;
    victim->first_us = victim->last_us = victim->win_start = w->now_us;
    w->st.sources_seen++;
    return victim;
}

static const char *tool_verdict(const struct wsrc *s)
{
    unsigned best = 0;
    for (unsigned i = 1; i < s->ntools; i++)
        if (s->tool_votes[i] > s->tool_votes[best])
            best = i;
    if (s->ntools && s->tool_votes[best] * 10 >= s->voted * 6)
        return s->tools[best];
    return "unknown";
}

static void add_status(struct wsrc *s, uint16_t code)
{
    for (unsigned i = 0; i < s->nstatus; i++)
        if (s->status_code[i] == code) {
            s->status_count[i]++;
            return;
        }
    if (s->nstatus < DET_WEB_MAX_STATUS) {
        s->status_code[s->nstatus] = code;
        s->status_count[s->nstatus++] = 1;
    }
}

/* The incident of a source that port-scanned (engine.h), 0 when it did not; no lookup
 * at all while the engine has seen no scan (a run on HTTP logs alone). */
static uint32_t incident(const struct det_web *w, const struct pr_addr *a)
{
    return det_engine_stats(w->eng)->scans ? det_engine_incident_of(w->eng, a) : 0;
}

/* Is the source a web scanner or prober yet? The thresholds drop to one piece of
 * evidence for a source that port-scanned first. */
static int judged(const struct det_web *w, const struct wsrc *s)
{
    const struct det_web_config *c = &w->cfg;
    int scanned = s->incident != 0;
    int named = strcmp(tool_verdict(s), "unknown") != 0;
    if (s->win_miss >= c->forced_paths && s->misses * 2 >= s->requests)
        return 1; /* forced browsing: many distinct misses, most requests failing */
    if (s->sensitive >= (scanned ? 1 : c->sensitive) || s->attacks >= (scanned ? 1 : c->attacks))
        return 1;
    if (s->odd >= (scanned ? 1 : c->odd) || s->waf >= (scanned ? 1 : c->waf_flagged))
        return 1;
    /* a scanner's own user agent, or nmap's service probes, with anything else */
    return s->sure ||
           (named && (s->strong >= 2 || scanned || (s->strong && (s->misses || s->odd))));
}

static unsigned threat(const struct wsrc *s, const struct det_web_config *c)
{
    unsigned t = s->scan ? 50 : 35;
    if (strcmp(tool_verdict(s), "unknown"))
        t += 10;
    if (s->attacks)
        t += 15;
    if (s->sensitive >= c->sensitive)
        t += 10;
    if (s->waf)
        t += 5;
    if (s->incident)
        t += 25;
    return t > 100 ? 100 : t;
}

static void emit(struct det_web *w, struct wsrc *s, enum det_alert_kind kind)
{
    struct det_web_info info;
    memset(&info, 0, sizeof info);
    uint32_t inc = incident(w, &s->addr);
    if (inc)
        s->incident = inc;
    if (!s->id)
        s->id = det_engine_next_id(w->eng);
    info.incident_id = s->incident ? s->incident : s->id;
    info.paths_probed = s->paths;
    info.nstatus = s->nstatus;
    memcpy(info.status_code, s->status_code, sizeof info.status_code);
    memcpy(info.status_count, s->status_count, sizeof info.status_count);
    info.nsamples = s->nsamples;
    memcpy(info.sample_paths, s->samples, sizeof info.sample_paths);
    struct det_alert a;
    memset(&a, 0, sizeof a);
    a.threat_level = (uint8_t)threat(s, &w->cfg); /* its points; the level is threat.h's */
    a.scan_id = s->id;
    a.kind = s->emitted ? kind : DET_ALERT_NEW;
    a.ts_us = w->now_us;
    a.first_us = s->first_us;
    a.last_us = s->last_us;
    a.event = s->scan ? "webscan" : "webprobe";
    a.scan_type = "http";
    a.has_src = 1;
    a.src = s->addr;
    a.nsrcs = 1;
    a.dst_count = 1;
    a.hosts_probed = 1;
    a.probes = s->requests;
    a.detector = "weblog";
    a.confidence = s->scan || s->incident ? 0.99 : 0.9;
    a.tool_guess = tool_verdict(s);
    a.action = "none";
    a.ev_handshakes = s->requests; /* each logged request completed a handshake */
    a.evidence = DET_EV_HTTP;
    a.web = &info;
    if (det_engine_emit(w->eng, &a) < 0) {
        w->st.suppressed++;
        s->pending = 1;
        return;
    }
    if (a.kind == DET_ALERT_NEW)
        w->st.alerts++;
    else
        w->st.updates++;
    s->emitted = 1;
    s->pending = s->dirty = 0;
    s->last_emit_us = w->now_us;
    s->req_at_emit = s->requests;
}

/* A reported source that fell silent: a last update if it changed, then it starts afresh. */
static void src_end(struct det_web *w, struct wsrc *s)
{
    if (s->pending || s->requests != s->req_at_emit)
        emit(w, s, DET_ALERT_END);
    struct pr_addr a = s->addr;
    uint64_t last = s->last_us;
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->addr = a;
    s->first_us = s->last_us = s->win_start = last;
}

static void sweep(struct det_web *w, int final)
{
    for (uint32_t i = 0; i < w->cfg.max_sources; i++) {
        struct wsrc *s = &w->srcs[i];
        if (s->used && s->recheck && (final || w->now_us >= s->last_us + 1000000u)) {
            /* a log's one-second stamps may put the requests before the packets of the
             * port scan that preceded them: look again for the scan, once */
            s->recheck = 0;
            s->incident = incident(w, &s->addr);
            if (s->incident && judged(w, s))
                emit(w, s, DET_ALERT_NEW);
        }
        if (!s->used || (!s->emitted && !s->pending))
            continue;
        if (final || s->last_us + w->cfg.idle_us <= w->now_us)
            src_end(w, s);
        else if (s->pending)
            emit(w, s, s->emitted ? DET_ALERT_UPDATE : DET_ALERT_NEW);
    }
}

void det_web_request(struct det_web *w, const struct det_http_req *r)
{
    if (r->ts_us > w->now_us)
        w->now_us = r->ts_us;
    w->st.requests++;
    struct wsrc *s = src_find(w, &r->src);
    s->last_us = w->now_us;
    s->requests++;
    if (r->status)
        add_status(s, r->status);
    if (w->now_us > s->win_start + w->cfg.window_us) {
        s->win_start = w->now_us;
        s->win_miss = 0;
        memset(s->miss_bits, 0, sizeof s->miss_bits);
    }
    char p[DET_HTTP_PATH_MAX];
    size_t n = path_only(r->path, p, sizeof p);
    uint64_t ph = hash_bytes(w, 2, p, n); /* low bits: all paths, high bits: misses */
    int fresh = bit_new(s->path_bits, PATH_BITS, ph);
    s->paths += (uint32_t)fresh;
    int failed = r->status >= 400 || r->bad_request;
    int suspicious = 0;
    if (failed && r->status != 408 && r->status != 429 && !det_web_is_harmless(r->path)) {
        s->misses++;
        s->win_miss += (uint32_t)bit_new(s->miss_bits, PATH_BITS, ph >> 32);
        suspicious = 1;
    }
    int sens = det_web_is_sensitive(r->path);
    if (sens == 2 || (sens == 1 && (failed || !r->status))) {
        s->sensitive += (uint32_t)sens_new(s, (uint32_t)(ph >> 32));
        suspicious = 1;
    }
    if (det_web_is_attack(r->path)) {
        s->attacks++;
        suspicious = 1;
    }
    if (!method_usual(r)) {
        s->odd++;
        suspicious = 1;
    }
    if (r->waf_rules) {
        s->waf++;
        suspicious = 1;
    }
    uint32_t uh = ua_hash(r->ua);
    if (uh != s->ua_hash) {
        s->ua_hash = uh;
        s->ua_tool = ua_tool(r->ua, &s->ua_sure);
    }
    s->sure |= s->ua_sure;
    int weak;
    const char *tool = tool_of(r, s->ua_tool, &weak);
    if (*tool) {
        s->strong += (uint32_t)!weak;
        unsigned i = 0;
        while (i < s->ntools && strcmp(s->tools[i], tool))
            i++;
        if (i == s->ntools && i < NTOOLS)
            s->tools[s->ntools++] = tool;
        if (i < s->ntools)
            s->tool_votes[i]++;
        s->voted++;
        suspicious = 1;
    }
    s->evidence |= (uint8_t)suspicious;
    if (suspicious && !s->incident && w->now_us >= s->incident_us + 1000000u) {
        /* did it port-scan first? (looked up when needed, at most once a second) */
        s->incident = incident(w, &r->src);
        s->incident_us = w->now_us;
        s->recheck = !s->incident && !s->emitted;
    }
    if (suspicious && fresh && s->nsamples < DET_WEB_MAX_SAMPLES) {
        size_t k = strnlen(r->path, SAMPLE_LEN - 1);
        memcpy(s->samples[s->nsamples], r->path, k);
        s->samples[s->nsamples++][k] = 0;
    }
    if (s->paths >= w->cfg.scan_paths && !s->scan && (s->misses || s->voted)) {
        s->scan = 1;
        s->dirty = 1;
    }
    if (!s->emitted) {
        if (judged(w, s))
            emit(w, s, DET_ALERT_NEW);
    } else if ((s->dirty || s->requests >= 2 * s->req_at_emit) &&
               w->now_us >= s->last_emit_us + w->cfg.update_us) {
        emit(w, s, DET_ALERT_UPDATE);
    }
    if (w->now_us >= w->next_sweep_us) {
        w->next_sweep_us = w->now_us + 1000000u;
        sweep(w, 0);
    }
}

void det_web_tick(struct det_web *w, uint64_t now_us)
{
    if (now_us > w->now_us)
        w->now_us = now_us;
    if (w->now_us >= w->next_sweep_us) {
        w->next_sweep_us = w->now_us + 1000000u;
        sweep(w, 0);
    }
}

void det_web_finish(struct det_web *w)
{
    sweep(w, 1);
}
