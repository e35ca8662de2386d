/* passive.h — what `detect` saw without scanning, kept in the history store (tables
 * passive_hosts, passive_services, baselines; schema version 3), and read back as a scan
 * result so that `portreeve audit --policy F --passive` judges it like a scan.
 *
 * Writers are called by cli/detect_cli.c behind the detect layer's det_store (the inventory
 * as assets.h's JSON lines, the baseline as baseline.h's document, both passed as text so
 * that audit includes nothing of detect); the reader by cli/audit_cli.c. The inventory
 * accumulates: a host seen again is updated, a service once seen stays (a passive sensor
 * cannot see a port close). */
#ifndef PR_AUDIT_PASSIVE_H
#define PR_AUDIT_PASSIVE_H

#include "audit/history.h"
#include "core/error.h"
#include "output/result.h"

#include <stddef.h>

/* Stores an inventory (JSON lines: ip, mac, vendor, os, services [{port, proto,
 * first_seen}], first_seen, last_seen) in one transaction. Returns 0 or -1 with e naming
 * the line and the field. */
int pas_store_inventory(struct hist_db *db, const char *jsonl, size_t len, struct pr_error *e);
/* Replaces the stored baseline document. */
int pas_store_baseline(struct hist_db *db, const char *json, size_t len, struct pr_error *e);
/* The stored baseline (*json malloc'd), or *json NULL and *len 0 when none is stored. */
int pas_load_baseline(struct hist_db *db, char **json, size_t *len, struct pr_error *e);
/* The passive inventory as a scan result: every host up, its services open (reason
 * syn-ack or udp-response); scan_info lists the ports seen per protocol (owned by *ports,
 * free with pas_result_free). Returns the number of hosts, or -1 with e. */
struct pas_result {
    struct scan_result r;
    uint16_t *ports[2]; /* the scan_info port arrays (TCP, UDP) */
};
int pas_load_result(struct hist_db *db, struct pas_result *out, struct pr_error *e);
void pas_result_free(struct pas_result *p);

#endif
