/* blocknft.h — the nftables side of `detect --block`, through libnftables.
 *
 * One table, `inet portreeve`, holds two sets with per-element timeouts, `blocklist`
 * (IPv4) and `blocklist6` (IPv6), and one base chain `input` (filter hook, priority -10,
 * so it runs before the usual priority-0 filter chains) that drops every packet from an
 * address in either set. Used by the privileged helper (blockhelper.c) and by
 * `portreeve block` (cli/block_cli.c). Commands are built only from addresses printed by
 * addr_str, never from outside text. Needs CAP_NET_ADMIN. */
#ifndef PR_DETECT_BLOCKNFT_H
#define PR_DETECT_BLOCKNFT_H

#include "core/addr.h"
#include "core/error.h"

#include <stdint.h>
#include <stdio.h>

#define BLK_TABLE "portreeve"
#define BLK_SET4 "blocklist"
#define BLK_SET6 "blocklist6"

struct blk_nft;

struct blk_nft *blk_nft_open(struct pr_error *e);
void blk_nft_close(struct blk_nft *n);
/* Creates the table, sets and chain when missing, and (re)writes the drop rules; blocks
 * already in the sets (a previous --keep-blocks run) stay. */
int blk_nft_setup(struct blk_nft *n, struct pr_error *e);
/* 1 when the table exists, 0 when not, -1 on error. */
int blk_nft_exists(struct blk_nft *n, struct pr_error *e);
int blk_nft_add(struct blk_nft *n, const struct pr_addr *a, uint32_t seconds, struct pr_error *e);
/* Returns 0, or -1 (e.g. the address is not in the set). */
int blk_nft_del(struct blk_nft *n, const struct pr_addr *a, struct pr_error *e);
int blk_nft_flush(struct blk_nft *n, struct pr_error *e);
/* Deletes the table with its rule and sets. */
int blk_nft_teardown(struct blk_nft *n, struct pr_error *e);
/* Writes "ADDR\texpires in Ns (of Ns)" lines; returns the number of blocks or -1. */
int blk_nft_list(struct blk_nft *n, FILE *out, struct pr_error *e);

#endif
