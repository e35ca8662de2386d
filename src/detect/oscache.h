/* oscache.h — the passive OS of recent SYN and SYN+ACK senders (p0f's database, os/),
 * for the `src_os` of alerts: which system a scanner's own stack looks like.
 *
 * A fixed table of 4-way sets keyed by a keyed hash of the address: a flood of forged
 * sources only overwrites entries (the lowest-ranked of a set first), it never grows
 * memory, and a few hosts hashed to one set keep their own answers. Fed by the capture loop
 * (detect/run.c) with IP datagrams; read by the engine's OS namer when it fills an alert.
 * Single-threaded; all state in struct det_oscache. */
#ifndef PR_DETECT_OSCACHE_H
#define PR_DETECT_OSCACHE_H

#include "core/addr.h"
#include "os/p0fdb.h"

#include <stddef.h>
#include <stdint.h>

struct det_oscache;

/* db must outlive the cache. slots: a power of two (0: 4096). */
struct det_oscache *det_oscache_new(const struct p0f_db *db, size_t slots);
/* One IP datagram: a SYN or SYN+ACK updates its sender's entry (an OS label outranks a
 * tool's, an exact match a fuzzy one). Anything else is ignored. */
void det_oscache_packet(struct det_oscache *c, const uint8_t *ip, size_t len);
/* The OS label of a ("Linux 3.11 and newer"), or NULL when none is known; the text stays
 * valid until the next call. The signature of det_os_fn (engine.h). */
const char *det_oscache_name(void *ctx, const struct pr_addr *a);
void det_oscache_free(struct det_oscache *c);

#endif
