/* blocksync.h — the firewall side of `portreeve block --sync`: one block decision of the
 * fleet (made by some sensor's `detect --block`, read from the database by
 * cli/block_cli.c through audit/blockstore.h) checked against this host's own policy and
 * applied to its nftables set (blocknft.h) for the time the decision has left.
 *
 * The local policy wins: an address this host protects (--allow, loopback, its own
 * addresses, its gateways and name servers unless --block-anyway: block.h) is never
 * blocked here, whatever another sensor decided. nftables' element timeouts end the
 * blocks, so an expired decision needs nothing. Needs CAP_NET_ADMIN (blocknft.h). */
#ifndef PR_DETECT_BLOCKSYNC_H
#define PR_DETECT_BLOCKSYNC_H

#include "core/addr.h"
#include "core/error.h"
#include "detect/block.h"

#include <stdint.h>

/* The pure decision: NULL when addr (text) may be blocked here, with *a parsed and *secs
 * the whole seconds left until expires_us (at least 1, at most BLK_MAX_SECONDS_CAP); else
 * why not ("not an address", "expired", "allowlisted (--allow)", ...). */
const char *blk_sync_check(const struct blk_policy *p, const char *addr, int64_t expires_us,
                           int64_t now_us, struct pr_addr *a, uint32_t *secs);

#endif
