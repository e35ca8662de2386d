/* osscan.h — active OS detection (-O): nmap's second-generation probes against the up
 * hosts of a host group, after the port scan.
 *
 * Per host: six SEQ probes 100 ms apart to an open TCP port, then ECN, T2-T7 (T1 is the
 * first SEQ reply), U1 to a closed UDP port and the two ICMP echo probes (IE), each with
 * nmap's exact header fields and options; replies are matched by port and ICMP id,
 * unanswered probes are sent once more. Every host of the group is probed at the same
 * time (nmap probes its OS-scan groups one after another). The replies go to os/fptests.c,
 * the fingerprint to the nmap-os-db matcher (os/osdb.h), and the result to host->os.
 * Runs on the scan's raw sockets (opened before privileges were dropped) in the caller's
 * thread. */
#ifndef PR_SCAN_OSSCAN_H
#define PR_SCAN_OSSCAN_H

#include "core/error.h"
#include "net/rawio.h"
#include "scan/config.h"
#include "scan/engine.h"

#include <signal.h>

/* OS detection of the up hosts tg[0..n-1] (their port results filled by the scan):
 * allocates and fills each probed host's res->os. Hosts skipped by --osscan-limit keep
 * os NULL. Counts packets in st. Returns 0, or -1 with e filled (a send failure that is
 * not transient). A stop ends it early; hosts not finished keep os NULL. */
int osscan_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *tg, size_t n,
               volatile sig_atomic_t *stop, struct engine_stats *st, struct pr_error *e);

#endif
