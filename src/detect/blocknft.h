/* blocknft.h — the nftables side of `detect --block`, through libnftables.
 *
 * One table, `inet portreeve`, holds two sets with per-element timeouts, `blocklist`
 * (IPv4) and `blocklist6` (IPv6), and one base chain `input` (filter hook, priority -10,
 * so it runs before the usual priority-0 filter chains) that drops every packet from an
 * address in either set. Two more sets, `offences` and `offences6`, no rule uses: each
 * element is an address that was blocked, its comment the number of times, its timeout
 * how long that is remembered (BLK_OFFENCE_MEMORY). The sets are the whole state of the
 * blocker: a restarted detector reads them back (blk_nft_lookup). Used by the privileged helper
 * (blockhelper.c) and by `portreeve block` (cli/block_cli.c). Commands are built only from
 * addresses printed by addr_str, never from outside text. Needs CAP_NET_ADMIN. */
#ifndef PR_DETECT_BLOCKNFT_H
#define PR_DETECT_BLOCKNFT_H

#include "core/addr.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>

#define BLK_TABLE "portreeve"
#define BLK_SET4 "blocklist"
#define BLK_SET6 "blocklist6"
#define BLK_OSET4 "offences"
#define BLK_OSET6 "offences6"
#define BLK_OFFENCE_MEMORY (30u * 86400u) /* seconds an offence counts for a repeat */

enum blk_nft_set { BLK_NFT_BLOCKS, BLK_NFT_OFFENCES };

struct blk_nft;

struct blk_nft *blk_nft_open(struct pr_error *e);
void blk_nft_close(struct blk_nft *n);
/* Creates the table, sets and chain when missing, and (re)writes the drop rules; blocks
 * and offence counts already in the sets (an earlier run) stay. */
int blk_nft_setup(struct blk_nft *n, struct pr_error *e);
/* 1 when the table exists, 0 when not, -1 on error. */
int blk_nft_exists(struct blk_nft *n, struct pr_error *e);
/* Blocks a for seconds as its offence number `count` (1 the first): one transaction adds
 * it to the block set (comment "offence N") and sets its offence count (remembered for
 * BLK_OFFENCE_MEMORY seconds from now); when that fails (the offence set is full), the
 * block alone is made. count 0: a fleet decision (`block --sync`): the block alone, comment
 * "fleet", and the offence count of a stays as this host's detector left it. */
int blk_nft_add(struct blk_nft *n, const struct pr_addr *a, uint32_t seconds, uint32_t count,
                struct pr_error *e);
/* Looks a up in the block or offence set: 1 when there, with *expires (seconds left) and
 * *count (the offence number of its comment; 0 when the comment is not a number), 0 when
 * not, -1 on error. */
int blk_nft_lookup(struct blk_nft *n, enum blk_nft_set which, const struct pr_addr *a,
                   uint32_t *expires, uint32_t *count, struct pr_error *e);
/* Lifts the block of a (its offence count stays). Returns 0, or -1 (e.g. not blocked). */
int blk_nft_del(struct blk_nft *n, const struct pr_addr *a, struct pr_error *e);
/* Empties the block and offence sets (the table and its rule stay). */
int blk_nft_flush(struct blk_nft *n, struct pr_error *e);
/* Deletes the table with its rule and sets. */
int blk_nft_teardown(struct blk_nft *n, struct pr_error *e);
/* Writes "ADDR\texpires in Ns (of Ns), offence N" lines (out NULL: only counts); returns
 * the number of blocks or -1. */
int blk_nft_list(struct blk_nft *n, FILE *out, struct pr_error *e);

#endif
