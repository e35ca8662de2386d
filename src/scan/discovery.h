/* discovery.h — raw host discovery, like nmap's defaults for a privileged user:
 * ICMP echo, TCP SYN to 443, TCP ACK to 80 and ICMP timestamp (IPv4) per host; any
 * validated answer marks the host up with nmap's reason. Unanswered hosts get one
 * more try after an RTT-based timeout. */
#ifndef PR_SCAN_DISCOVERY_H
#define PR_SCAN_DISCOVERY_H

#include "scan/engine.h"

int discovery_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *targets,
                  size_t ntargets, volatile sig_atomic_t *stop, struct engine_stats *st,
                  struct pr_error *e);

#endif
