/* block_cli.c — `portreeve block list | unblock ADDR | flush`: see and undo what
 * `detect --block` did in the nftables table `inet portreeve` (detect/blocknft.h); and
 * `portreeve block --sync URI`: apply the fleet's block decisions, recorded by the
 * sensors' `detect --db URI --block` in PostgreSQL (audit/blockstore.h), to this host's
 * set as they are made (LISTEN/NOTIFY), under the local policy (detect/blocksync.h),
 * reconnecting with backoff and reloading them all after the database went away. */
#include "cli/cli.h"

#include "audit/blockstore.h"
#include "core/privs.h"
#include "core/sandbox.h"
#include "detect/blocknft.h"
#include "detect/blocksync.h"

#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fputs("usage: portreeve block list | unblock ADDR | flush\n"
          "       portreeve block --sync postgresql://... [--allow CIDR]... [--block-anyway "
          "CIDR]...\n"
          "\n"
          "  list          the addresses blocked by detect --block, with their time left\n"
          "                and offence number\n"
          "  unblock ADDR  remove one address from the block sets (its offence count\n"
          "                stays: a repeat offence is still blocked longer)\n"
          "  flush         remove every block and offence count (the table and its drop\n"
          "                rule stay; `nft delete table inet portreeve` removes them)\n"
          "  --sync URI    apply the block decisions of every `detect --db URI --block`\n"
          "                to this host's set as they are made, until SIGTERM; --allow\n"
          "                and --block-anyway as in detect (this host's policy wins)\n"
          "Needs CAP_NET_ADMIN. See docs/block.md.\n",
          f);
}

static volatile sig_atomic_t sync_stop;

static void on_stop(int sig)
{
    (void)sig;
    sync_stop = 1;
}

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Sleeps ms milliseconds, or less when a signal arrives. */
static void nap(unsigned ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Database text in a message: printable ASCII, the rest as '?'. */
static const char *clean(char *s)
{
    for (char *c = s; *c; c++)
        if (*c < 0x20 || *c > 0x7e)
            *c = '?';
    return s;
}

struct sync_state {
    struct blk_nft *n;
    const struct blk_policy *pol;
    int64_t last; /* the newest decision id seen */
    unsigned applied, skipped;
};

static int apply_decision(void *ctx, const struct bst_decision *d)
{
    struct sync_state *s = ctx;
    if (d->id > s->last)
        s->last = d->id;
    struct bst_decision c = *d;
    struct pr_addr a;
    uint32_t secs = 0;
    int64_t now = now_us();
    const char *why = c.addr[0] ? blk_sync_check(s->pol, c.addr, c.expires_us, now, &a, &secs)
                                : "a field cannot be read";
    struct pr_error e = {""};
    if (!why && blk_nft_add(s->n, &a, secs, 0, &e) < 0)
        why = e.msg;
    if (why) {
        s->skipped++;
        printf("decision %lld (%s from %s): not applied: %s\n", (long long)c.id, clean(c.addr),
               clean(c.sensor), why);
    } else {
        s->applied++;
        printf("applied %s for %u s (decision %lld from %s, scan %u, %s; %.0f ms after it was "
               "made)\n",
               c.addr, secs, (long long)c.id, clean(c.sensor), c.scan_id, clean(c.reason),
               (double)(now - c.decided_us) / 1000.0);
    }
    fflush(stdout);
    return 0;
}

static int sync_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "portreeve block --sync: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return PR_EXIT_USAGE;
}

/* `block --sync URI [--allow CIDR]... [--block-anyway CIDR]...` */
static int block_sync(int argc, char **argv)
{
    const char *uri = argc > 2 ? argv[2] : "";
    if (strncmp(uri, "postgresql://", 13) && strncmp(uri, "postgres://", 11))
        return sync_usage("needs a postgresql:// URI (decisions are notified by PostgreSQL)",
                          argc > 2 ? uri : NULL);
    struct blk_policy pol;
    memset(&pol, 0, sizeof pol);
    struct pr_error e = {""};
    for (int i = 3; i < argc; i += 2) {
        int allow = !strcmp(argv[i], "--allow");
        if (!allow && strcmp(argv[i], "--block-anyway"))
            return sync_usage("unknown option", argv[i]);
        if (i + 1 >= argc)
            return sync_usage("a CIDR is needed after", argv[i]);
        unsigned *nn = allow ? &pol.nallow : &pol.nanyway;
        if (*nn >= BLK_MAX_CIDRS)
            return sync_usage("too many", argv[i]);
        if (blk_cidr_parse(argv[i + 1], allow ? &pol.allow[*nn] : &pol.anyway[*nn], &e) < 0)
            return sync_usage(argv[i], e.msg);
        (*nn)++;
    }
    if (blk_policy_load_system(&pol, NULL, &e) < 0) {
        fprintf(stderr, "portreeve block --sync: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    struct sync_state st = {.pol = &pol};
    st.n = blk_nft_open(&e);
    static const int keep[] = {CAP_NET_ADMIN, -1};
    if (!st.n || blk_nft_setup(st.n, &e) < 0 || privs_drop(keep, &e) < 0 ||
        sbx_install(SBX_WORKER, &e) < 0) {
        fprintf(stderr, "portreeve block --sync: %s\n", e.msg);
        blk_nft_close(st.n);
        return PR_EXIT_RUNTIME;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop; /* no SA_RESTART: the waits return at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    unsigned backoff = 100; /* ms, doubled per failed attempt up to 5 s */
    while (!sync_stop) {
        struct hist_db *db = hist_open(uri, &e);
        if (!db || hist_listen(db, BST_CHANNEL, &e) < 0) {
            fprintf(stderr, "portreeve block --sync: %s; again in %u ms\n", e.msg, backoff);
            hist_close(db);
            nap(backoff);
            backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
            continue;
        }
        backoff = 100;
        /* listening before the full load: nothing decided meanwhile is missed */
        st.last = 0;
        st.applied = st.skipped = 0;
        int n = bst_load(db, 0, now_us(), apply_decision, &st, &e);
        if (n >= 0) {
            fprintf(stderr,
                    "portreeve block --sync: synchronised: %d decisions in force, %u applied,"
                    " %u not; listening\n",
                    n, st.applied, st.skipped);
            for (int r = 0; !sync_stop && r >= 0;) {
                r = hist_wait(db, 1000, &e);
                if (r > 0 && bst_load(db, st.last, now_us(), apply_decision, &st, &e) < 0)
                    r = -1;
            }
        }
        if (!sync_stop)
            fprintf(stderr, "portreeve block --sync: %s; reconnecting\n", e.msg);
        hist_close(db);
    }
    fprintf(stderr, "portreeve block --sync: stopped (the blocks stay until they expire)\n");
    blk_nft_close(st.n);
    return PR_EXIT_OK;
}

int cmd_block(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--sync"))
        return block_sync(argc, argv);
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
