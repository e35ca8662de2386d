/* baseline.h — what is normal for each home host (NDR issue): the services it offers, the
 * peers and ports it uses as a client, its fan-out (distinct home peers per window);
 * learned during `--learn DURATION` (or over a whole capture), stored as a versioned JSON
 * file (`--baseline FILE`, and in the history store with --db), loaded at start and
 * updated slowly afterwards. After learning it raises `new_service` (a home host answers
 * on a port it never did) and `lateral_fanout` (a home host contacts, within one window,
 * many home hosts it never talked to, well beyond its usual fan-out) through the engine's
 * alert path (det_engine_emit), so they pass the responder, the token bucket and the sinks
 * like every other alert.
 *
 * Fed by the asset inventory's hooks (assets.h: a service answered, a contact initiated)
 * from the capture loop (passive.c). The update rules are documented in docs/detect.md
 * (Baseline). All memory is taken at creation; hosts beyond the bound are counted, not
 * kept. Single-threaded; all state in struct baseline. */
#ifndef PR_DETECT_BASELINE_H
#define PR_DETECT_BASELINE_H

#include "core/addr.h"
#include "core/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BL_FORMAT "portreeve-baseline"
#define BL_VERSION 1
#define BL_MAX_SVC 24            /* services kept per host */
#define BL_MAX_USED 16           /* client ports kept per host */
#define BL_LEARN_ALL UINT64_MAX  /* learn_us: the whole input is learning */
#define BL_MAX_FILE (256u << 20) /* the largest baseline file read */

struct det_engine;

/* Whether an address is in the home network (assets_is_home). */
typedef int (*bl_home_fn)(void *ctx, const struct pr_addr *a);

struct bl_config {
    uint64_t learn_us;    /* learning time from the first packet; BL_LEARN_ALL: all of it;
                             hosts first seen afterwards learn this long on their own */
    uint64_t window_us;   /* the fan-out window (default 60 s) */
    uint32_t max_hosts;   /* hosts kept (default 65536) */
    uint32_t fanout_min;  /* new home peers in one window before lateral_fanout (10) */
    double fanout_factor; /* ... and at least this many times the usual fan-out (3) */
    double ewma_alpha;    /* weight of a new window in the fan-out average (0.1) */
    uint32_t join_days;   /* a new service or client port joins the baseline once seen on
                             this many distinct days (3) */
    bl_home_fn is_home;   /* NULL: every peer counts as home */
    void *home_ctx;
};

void bl_config_defaults(struct bl_config *c);

struct bl_stats {
    uint64_t hosts, hosts_dropped, learned_hosts, services, new_service, lateral_fanout;
    uint64_t joined; /* services and client ports that joined the baseline after learning */
};

struct baseline;

/* Returns NULL with e filled on a bad configuration. */
struct baseline *bl_new(const struct bl_config *c, struct pr_error *e);
void bl_free(struct baseline *b);
/* Alerts go through this engine (NULL: counted only, as in the unit tests' learn phase). */
void bl_set_engine(struct baseline *b, struct det_engine *d);
/* Sets the home network test (config's is_home) after creation. */
void bl_set_home(struct baseline *b, bl_home_fn fn, void *ctx);

/* host answered client on proto/port (a SYN+ACK, a UDP reply) at ts_us. */
void bl_service(struct baseline *b, const struct pr_addr *host, const struct pr_addr *client,
                uint8_t proto, uint16_t port, uint64_t ts_us);
/* src (a home host) opened a contact to dst proto/dport (a SYN, a UDP request). */
void bl_contact(struct baseline *b, const struct pr_addr *src, const struct pr_addr *dst,
                uint8_t proto, uint16_t dport, uint64_t ts_us);
/* 1 while the sensor's own learning period runs (or has not started), else 0. */
int bl_learning(const struct baseline *b, uint64_t now_us);

/* Loads a baseline file's text (len bytes; name for messages). Hosts already known are
 * replaced. Returns 0, or -1 with e naming the input and what is wrong (JSON line and
 * column, or the path of the bad field: "hosts[3].services[0].port"). Hostile input never
 * crashes or grows memory beyond the configured host bound. */
int bl_load_buf(struct baseline *b, const char *buf, size_t len, const char *name,
                struct pr_error *e);
/* Reads and loads a file (at most BL_MAX_FILE bytes) from an open stream. */
int bl_load_file(struct baseline *b, FILE *f, const char *name, struct pr_error *e);
/* Writes the baseline as one JSON document (hosts ordered by address), now_us as `saved`.
 * Returns 0 or -1 on a write error. */
int bl_write_json(const struct baseline *b, FILE *f, uint64_t now_us);
/* The same into a malloc'd string (*len set); NULL on a write failure. */
char *bl_to_string(const struct baseline *b, uint64_t now_us, size_t *len);

const struct bl_stats *bl_stats(const struct baseline *b);
/* Bytes allocated for the tables (the documented bound). */
size_t bl_bytes(const struct baseline *b);
size_t bl_host_bytes(void);

/* What the baseline holds about one host (tests, the bench): services in it, whether
 * proto/port is one; -1 when the host is unknown. */
int bl_has_service(const struct baseline *b, const struct pr_addr *host, uint8_t proto,
                   uint16_t port);
/* The host's fan-out average and learned peak; -1 when unknown. */
int bl_fanout(const struct baseline *b, const struct pr_addr *host, double *ewma, uint32_t *peak);

#endif
