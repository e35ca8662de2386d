/* decoy.h — the sources of every raw probe with -D (nmap's decoys).
 *
 * With -D each raw probe goes out once per source, in list order, our own address ("ME")
 * at its place in the list: where the user put ME, or, when absent, a position drawn
 * from the scan key among the decoys (as nmap: never after the last one). "RND" and
 * "RND:N" add random addresses outside reserved ranges (IPv4 only). Parsed once at
 * start-up; read-only afterwards. */
#ifndef PR_SCAN_DECOY_H
#define PR_SCAN_DECOY_H

#include "core/addr.h"
#include "core/error.h"
#include "core/siphash.h"

#include <stddef.h>

#define DECOY_MAX 128 /* sources per probe, ME included (nmap's MAX_DECOYS) */

struct decoys {
    struct pr_addr addr[DECOY_MAX]; /* send order; addr[me] is unused (our own source) */
    size_t n;                       /* sources per probe, ME included; 0: no -D */
    size_t me;                      /* index of our own source */
};

/* Parses a -D list ("198.18.0.7,ME,RND:3,host.example") for targets of `family` into d.
 * Names are resolved now. Errors name the item and its position ("-D item 2 'x': ...").
 * Returns 0, or -1 with e filled. */
int decoy_parse(const char *spec, int family, const struct sip_key *key, struct decoys *d,
                struct pr_error *e);

/* 1 when the IPv4 address (host order) is in a reserved, private, loopback, link-local,
 * documentation, benchmarking or multicast range: not drawn by RND. */
int decoy_reserved4(uint32_t a);

#endif
