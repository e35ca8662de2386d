/* emit.h — the send path of every raw scan and discovery probe.
 *
 * A probe is built once, from our own source; emit_probe() sends it once per -D source
 * in list order (a decoy's copy with that source and checksums to match), each copy in
 * IPv4 fragments with -f/-ff/--mtu, and prints a --packet-trace SENT line per datagram on
 * the wire while tracing is on. Replies to decoys go to the decoys: the engines match
 * replies only to our own source, so nothing else changes for them. */
#ifndef PR_SCAN_EMIT_H
#define PR_SCAN_EMIT_H

#include "net/rawio.h"
#include "scan/config.h"

#include <stddef.h>
#include <stdint.h>

struct emit {
    const struct scan_config *cfg;
    struct rawio *io;
    uint64_t *sent, *bytes; /* counters: datagrams (fragments each count) and their bytes */
    /* Called before each copy after a probe's first, in order (before copy i of the -D
     * list, i = 1 .. n-1: each source is one packet against --max-rate); NULL: none. A
     * non-zero return (a stop) sends the rest at once, without more calls. */
    int (*pace)(void *ud);
    void *ud;
    int direct; /* 1: rawio_send at once (discovery); 0: rawio_queue_via (the engine) */
};

/* Sends pkt[0..len) (a whole datagram from our own source to dst; nexthop and oif as for
 * rawio_queue_via, nexthop may be NULL) as described above. pkt is not changed. Returns
 * the datagrams the kernel accepted. */
size_t emit_probe(const struct emit *em, const uint8_t *pkt, size_t len, const struct pr_addr *dst,
                  const struct pr_addr *nexthop, int oif);

/* A --packet-trace line ("SENT" or "RCVD") for a datagram that does not go through
 * emit_probe (OS detection, traceroute) or was received, while tracing is on. */
void emit_trace(const struct scan_config *cfg, const char *dir, const uint8_t *pkt, size_t len);

#endif
