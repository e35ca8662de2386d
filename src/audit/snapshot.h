/* snapshot.h — one scan as the audit history sees it: hosts and their listed ports with
 * state, service and version, all as text. Made from a live scan_result, loaded from the
 * history database, or read from an nmap XML file; compared by audit/diff.c.
 *
 * Like nmap's output, a host keeps the ports not in its most common state; that state is
 * `extra_state` and, when the scanned port lists are known (`have_scanned`), a scanned but
 * unlisted port is in it. Everything is owned by the snapshot (snap_free). */
#ifndef PR_AUDIT_SNAPSHOT_H
#define PR_AUDIT_SNAPSHOT_H

#include "core/addr.h"
#include "core/error.h"
#include "output/result.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_STATE 24
#define SNAP_SERVICE 48
#define SNAP_VERSION 160
#define SNAP_NAME 256
#define SNAP_PORTSPEC 16384
#define SNAP_MAX_HOSTS 65536
#define SNAP_MAX_PORTS 1000000 /* over all hosts */

struct snap_port {
    uint16_t port;
    uint8_t proto; /* enum pr_proto */
    char state[SNAP_STATE];
    char service[SNAP_SERVICE];
    char version[SNAP_VERSION]; /* product and version, "" when unknown */
};

struct snap_host {
    char addr[PR_ADDRSTRLEN];
    char name[SNAP_NAME];
    int up;
    char extra_state[SNAP_STATE]; /* "" when every port is listed */
    struct snap_port *ports;      /* sorted by proto, then port */
    size_t nports;
};

struct snapshot {
    char label[SNAP_NAME]; /* "run 12" or the file name */
    int64_t started;       /* unix seconds, 0 unknown */
    bool have_scanned;
    char scanned[2][SNAP_PORTSPEC]; /* TCP, UDP port specs as "1-1024,8080" */
    struct snap_host *hosts;        /* sorted by address text as stored */
    size_t nhosts;
};

void snap_free(struct snapshot *s);
/* From a finished scan. Returns 0 (cannot fail short of memory, which aborts). */
int snap_from_result(struct snapshot *s, const struct scan_result *r);
/* From one shard's part of a scan: every port with a conclusion listed, nothing collapsed
 * (another shard's ports of the same host are unknown here). */
void snap_from_shard(struct snapshot *s, const struct scan_result *r);
/* Collapses, on each host without an extra_state, the most common non-open state of more
 * than 25 ports into extra_state, as snap_from_result does (a union of shards, loaded). */
void snap_collapse(struct snapshot *s);
/* The "product version" text -sV found on p ("" without -sV), and its service name into
 * *name when -sV named one. */
void snap_port_version(const struct port_result *p, char *buf, size_t len, const char **name);
/* As a scan result, for audit_eval on a stored run: each host with its listed ports and,
 * when the scanned lists are known, every other scanned port in its extra_state; no -sV
 * details. r's host names point into s (keep s until result_free(r)). 0, or -1 with e
 * naming the run and the bad value. */
int snap_to_result(const struct snapshot *s, struct scan_result *r, struct pr_error *e);
/* From an nmap (or portreeve) XML file, with libxml2 (no network, no entities, no DTD
 * loading). Returns 0 or -1 with e naming the file and what is wrong. */
int snap_from_xml(struct snapshot *s, const char *path, struct pr_error *e);
/* Appends a port (takes copies, truncating overlong text). */
void snap_add_port(struct snap_host *h, uint8_t proto, uint16_t port, const char *state,
                   const char *service, const char *version);
struct snap_host *snap_add_host(struct snapshot *s, const char *addr, const char *name, int up,
                                const char *extra_state);
/* Sorts hosts and ports (after loading). */
void snap_sort(struct snapshot *s);
/* The state of proto/port on h: the listed one, else extra_state when scanned, else NULL. */
const char *snap_state(const struct snapshot *s, const struct snap_host *h, uint8_t proto,
                       uint16_t port, const struct snap_port **listed);
size_t snap_open_ports(const struct snapshot *s);

#endif
