/* progress.h — what an interrupted scan has done, to resume it (--resume).
 *
 * Filled by the engine and scan_run on a stop, written and read by resume.c. Holds the
 * host group and the technique the scan was in, how far that technique's first pass
 * through the group's permutation got, and every answer so far. Finished (group,
 * technique) spans are kept compact: per host one `rest` item (the answer most of its
 * probed ports got) and items only for the ports that got another; the interrupted span
 * keeps one item per answer. */
#ifndef PR_SCAN_PROGRESS_H
#define PR_SCAN_PROGRESS_H

#include "core/addr.h"

#include <stddef.h>
#include <stdint.h>

struct progress_item {
    struct pr_addr addr;
    uint16_t port;
    uint8_t proto, state, reason, ttl;
    uint8_t rest; /* 1: the answer of every probed port of addr/proto without its own item */
};

struct scan_progress {
    int valid;          /* 1 when loaded from a resume file / saved by a stop */
    size_t group;       /* host group that was being scanned; earlier groups are finished */
    size_t tech;        /* index into scan_config.techniques of the interrupted one */
    uint64_t position;  /* first-pass permutation positions [0, position) were sent */
    struct pr_addr *up; /* hosts found up by discovery (none with -Pn: every host is up) */
    size_t nup;
    uint64_t discovered; /* targets [0, discovered) went through discovery (up lists those
                            found up); later ones are discovered again on resume */
    struct progress_item *items;
    size_t n, cap;
};

/* Appends one item (the array grows as needed). */
void progress_add(struct scan_progress *p, const struct progress_item *it);
/* Frees what p owns and zeroes it. */
void progress_free(struct scan_progress *p);

#endif
