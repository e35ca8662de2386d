/* web.h — the web analyzer: HTTP requests from server and WAF logs in, `webscan` and
 * `webprobe` alerts out.
 *
 * Per source (a bounded table like the engine's: keyed SipHash, 8 slots per lookup,
 * eviction of the oldest unreported source): scanner tools by their traits (user agent,
 * request shapes), forced browsing (distinct missing paths within a window), sensitive
 * file probes (/.env, /.git/, backups, admin panels; no window, so slow probers are
 * caught), traversal and injection in the request target, unusual methods and non-HTTP
 * request lines, requests a WAF flagged. A source that port-scanned first (the engine's
 * det_engine_incident_of) is reported on less evidence, in the scan's incident, with a
 * higher threat level. Alerts go through det_engine_emit (responder, token bucket,
 * sinks); a completed HTTP request is evidence a forged source cannot produce, so they
 * carry it for `--block` (ev_handshakes, evidence DET_EV_HTTP: block_evidence
 * "http-request").
 *
 * Time is the requests' time; det_web_tick() with the wall clock when following. One
 * thread; all state in struct det_web; memory fixed at creation (det_web_bytes). */
#ifndef PR_DETECT_WEB_H
#define PR_DETECT_WEB_H

#include "core/error.h"
#include "detect/engine.h"
#include "detect/httplog.h"

#include <stddef.h>
#include <stdint.h>

struct det_web_config {
    uint32_t max_sources;  /* sources tracked (default 4096) */
    uint32_t forced_paths; /* distinct missing paths in `window_us` for a webscan (20) */
    uint32_t sensitive;    /* distinct sensitive paths probed, any time (3) */
    uint32_t attacks;      /* requests with traversal/injection patterns (2) */
    uint32_t odd;          /* unusual methods and non-HTTP request lines (3) */
    uint32_t waf_flagged;  /* requests a WAF rule matched (3) */
    uint32_t scan_paths;   /* distinct paths that make a probe a `webscan` (20) */
    uint64_t window_us;    /* forced-browsing window (10 min) */
    uint64_t idle_us;      /* a reported source silent this long has ended (60 s) */
    uint64_t horizon_us;   /* an unreported source silent this long starts afresh (1 h) */
    uint64_t update_us;    /* minimum time between updates (5 s) */
};

void det_web_config_defaults(struct det_web_config *c);

struct det_web_stats {
    uint64_t requests, sources_seen, sources_evicted, alerts, updates, suppressed;
};

struct det_web;

/* Creates the analyzer; alerts go through engine d (which must outlive it). NULL with
 * e filled on a bad configuration. */
struct det_web *det_web_new(const struct det_web_config *c, struct det_engine *d,
                            struct pr_error *e);
/* Sets the fixed hash key (tests); default is random. */
void det_web_set_key(struct det_web *w, uint64_t k0, uint64_t k1);
/* One request from a log. Requests should come in time order. */
void det_web_request(struct det_web *w, const struct det_http_req *r);
/* Advances time: ends reported sources that fell silent, retries suppressed alerts. */
void det_web_tick(struct det_web *w, uint64_t now_us);
/* End of input: every reported source ends (a last update when it changed). */
void det_web_finish(struct det_web *w);
const struct det_web_stats *det_web_stats(const struct det_web *w);
size_t det_web_bytes(const struct det_web *w);
void det_web_free(struct det_web *w);

/* The traits of one request, exported for the tests: the tool its user agent or shape
 * names ("" for none), and whether its target is a sensitive path, an attack pattern,
 * a harmless miss (favicon, robots.txt, ...). */
const char *det_web_tool_of(const struct det_http_req *r);
int det_web_is_sensitive(const char *path);
int det_web_is_attack(const char *path);
int det_web_is_harmless(const char *path);

#endif
