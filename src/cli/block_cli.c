/* block_cli.c — `portreeve block list | unblock ADDR | flush`: see and undo what
 * `detect --block` did in the nftables table `inet portreeve` (detect/blocknft.h). */
#include "cli/cli.h"

#include "detect/blocknft.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: portreeve block list | unblock ADDR | flush\n"
          "\n"
          "  list          the addresses blocked by detect --block, with their time left\n"
          "                and offence number\n"
          "  unblock ADDR  remove one address from the block sets (its offence count\n"
          "                stays: a repeat offence is still blocked longer)\n"
          "  flush         remove every block and offence count (the table and its drop\n"
          "                rule stay; `nft delete table inet portreeve` removes them)\n"
          "Needs CAP_NET_ADMIN. See docs/block.md.\n",
          f);
}

int cmd_block(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? PR_EXIT_USAGE : PR_EXIT_OK;
    }
    const char *verb = argv[1];
    int want = !strcmp(verb, "unblock") ? 3 : 2;
    if ((strcmp(verb, "list") && strcmp(verb, "unblock") && strcmp(verb, "flush")) ||
        argc != want) {
        if (strcmp(verb, "list") && strcmp(verb, "unblock") && strcmp(verb, "flush"))
            fprintf(stderr, "portreeve block: unknown action '%s'\n", verb);
        else
            fprintf(stderr, "portreeve block %s: %s\n", verb,
                    argc < want ? "an address is needed" : "too many arguments");
        usage(stderr);
        return PR_EXIT_USAGE;
    }
    struct pr_addr a;
    if (want == 3 && addr_parse(argv[2], &a) < 0) {
        fprintf(stderr, "portreeve block unblock: '%s' is not an IPv4 or IPv6 address\n", argv[2]);
        return PR_EXIT_USAGE;
    }
    struct pr_error e = {""};
    struct blk_nft *n = blk_nft_open(&e);
    if (!n) {
        fprintf(stderr, "portreeve block: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    int rc = PR_EXIT_OK;
    int exists = blk_nft_exists(n, &e);
    if (exists < 0) {
        fprintf(stderr, "portreeve block: %s\n", e.msg);
        rc = PR_EXIT_RUNTIME;
    } else if (!exists) {
        if (!strcmp(verb, "unblock")) {
            fprintf(stderr, "portreeve block: %s is not blocked (no table inet %s)\n", argv[2],
                    BLK_TABLE);
            rc = PR_EXIT_FINDINGS;
        } else if (!strcmp(verb, "list")) {
            printf("no blocks (no table inet %s)\n", BLK_TABLE);
        }
    } else if (!strcmp(verb, "list")) {
        int c = blk_nft_list(n, stdout, &e);
        if (c < 0) {
            fprintf(stderr, "portreeve block: %s\n", e.msg);
            rc = PR_EXIT_RUNTIME;
        } else {
            printf("%d blocked\n", c);
        }
    } else if (!strcmp(verb, "unblock")) {
        if (blk_nft_del(n, &a, &e) < 0) {
            fprintf(stderr, "portreeve block: %s is not blocked (%s)\n", argv[2], e.msg);
            rc = PR_EXIT_FINDINGS;
        } else {
            printf("unblocked %s\n", argv[2]);
        }
    } else {
        if (blk_nft_flush(n, &e) < 0) {
            fprintf(stderr, "portreeve block: %s\n", e.msg);
            rc = PR_EXIT_RUNTIME;
        } else {
            printf("flushed\n");
        }
    }
    blk_nft_close(n);
    return rc;
}
