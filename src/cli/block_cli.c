/* block_cli.c — `portreeve block list | unblock ADDR | flush`: see and undo what
 * `detect --block` did in the nftables table `inet portreeve` (detect/blocknft.h); and
 * `portreeve block --sync URI`: apply the fleet's block decisions, recorded by the
 * sensors' `detect --db URI --block` in PostgreSQL (audit/blockstore.h), to this host's
 * set as they are made (LISTEN/NOTIFY), under the local policy (detect/blocksync.h),
 * lifting the decisions an operator revoked (`block --db URI unblock`, block_fleet.c),
 * deleting the rows that ended longer than --retain ago, reconnecting with backoff and
 * reloading them all after the database went away. */
#include "cli/cli.h"

#include "audit/blockstore.h"
#include "cli/block_fleet.h"
#include "cli/opts.h"
#include "core/clock.h"
#include "core/privs.h"
#include "core/sandbox.h"
#include "detect/blocknft.h"
#include "detect/blocksync.h"

#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fputs("usage: portreeve block list | unblock ADDR | flush\n"
          "       portreeve block --sync postgresql://... [--allow CIDR]... [--block-anyway "
          "CIDR]...\n"
          "                       [--retain DUR]\n"
          "       portreeve block --db URI list [--all] [--json]\n"
          "       portreeve block --db URI unblock ADDR|CIDR|--id N [--reason TEXT]\n"
          "\n"
          "  list          the addresses blocked by detect --block, with their time left\n"
          "                and offence number\n"
          "  unblock ADDR  remove one address from the block sets (its offence count\n"
          "                stays: a repeat offence is still blocked longer)\n"
          "  flush         remove every block and offence count (the table and its drop\n"
          "                rule stay; `nft delete table inet portreeve` removes them)\n"
          "  --sync URI    apply the block decisions of every `detect --db URI --block`\n"
          "                to this host's set as they are made, until SIGTERM; --allow\n"
          "                and --block-anyway as in detect (this host's policy wins);\n"
          "                decisions revoked fleet-wide are lifted as they are revoked\n"
          "  --retain DUR  with --sync: delete decisions that expired or were revoked\n"
          "                longer than DUR ago (N, Ns, Nm, Nh, Nd; default 30d), at each\n"
          "                connection and hourly\n"
          "  --db URI      the fleet's decisions in the history database:\n"
          "    list          the decisions in force (--all: every one kept, expired and\n"
          "                  revoked too; --json: a JSON array)\n"
          "    unblock ADDR|CIDR|--id N\n"
          "                  revoke the decisions in force for ADDR, for the addresses in\n"
          "                  CIDR, or decision N, on every --sync host within a second;\n"
          "                  the rows stay as history with who revoked them, when and\n"
          "                  --reason TEXT; a new scan needs a new decision\n"
          "Needs CAP_NET_ADMIN (--db needs none). See docs/block.md.\n",
          f);
}

static volatile sig_atomic_t sync_stop;

static void on_stop(int sig)
{
    (void)sig;
    sync_stop = 1;
}

/* Sleeps ms milliseconds, or less when a signal arrives. */
static void nap(unsigned ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

struct sync_state {
    struct blk_nft *n;
    const struct blk_policy *pol;
    int64_t last; /* the newest decision id seen */
    int track;    /* whether apply_decision moves `last` (not for an address's re-apply) */
    unsigned applied, skipped;
    /* the revoked decisions in force already lifted (ids, ascending), and those read by the
     * current pass (an array of the pass's decisions) */
    int64_t *lifted;
    size_t nlifted;
    struct bst_decision *rev;
    size_t nrev, caprev;
};

static int apply_decision(void *ctx, const struct bst_decision *d)
{
    struct sync_state *s = ctx;
    if (s->track && d->id > s->last)
        s->last = d->id;
    struct bst_decision c = *d;
    struct pr_addr a;
    uint32_t secs = 0;
    int64_t now = (int64_t)wall_us();
    const char *why = c.addr[0] ? blk_sync_check(s->pol, c.addr, c.expires_us, now, &a, &secs)
                                : "a field cannot be read";
    struct pr_error e = {""};
    if (!why && blk_nft_add(s->n, &a, secs, 0, &e) < 0)
        why = e.msg;
    if (why) {
        s->skipped++;
        printf("decision %lld (%s from %s): not applied: %s\n", (long long)c.id,
               block_clean(c.addr), block_clean(c.sensor), why);
    } else {
        s->applied++;
        printf("applied %s for %u s (decision %lld from %s, scan %u, %s; %.0f ms after it was "
               "made)\n",
               c.addr, secs, (long long)c.id, block_clean(c.sensor), c.scan_id,
               block_clean(c.reason), (double)(now - c.decided_us) / 1000.0);
    }
    fflush(stdout);
    return 0;
}

static int keep_revoked(void *ctx, const struct bst_decision *d)
{
    struct sync_state *s = ctx;
    if (s->nrev == s->caprev) {
        s->caprev = s->caprev ? s->caprev * 2 : 16;
        s->rev = pr_reallocarray(s->rev, s->caprev, sizeof *s->rev);
    }
    s->rev[s->nrev++] = *d;
    return 0;
}

static int was_lifted(const struct sync_state *s, int64_t id)
{
    size_t lo = 0, hi = s->nlifted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->lifted[mid] == id)
            return 1;
        if (s->lifted[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Lifts the decisions revoked since the last pass (all the revoked ones in force after a
 * (re)connection: nothing revoked meanwhile is missed): the address leaves the set, then
 * the decisions still in force for it (a newer one, another sensor's) are applied again.
 * No watermark: the revoked decisions in force are few, and read whole each time.
 * Returns 0, or -1 with e when the database failed. */
static int lift_revoked(struct hist_db *db, struct sync_state *s, int quiet, struct pr_error *e)
{
    s->nrev = 0;
    if (bst_select(db, BST_REVOKED, 0, (int64_t)wall_us(), NULL, keep_revoked, s, e) < 0)
        return -1;
    for (size_t i = 0; i < s->nrev; i++) {
        struct bst_decision *d = &s->rev[i];
        struct pr_addr a;
        if (was_lifted(s, d->id) || !d->addr[0] || addr_parse(d->addr, &a) < 0)
            continue;
        struct pr_error ne = {""};
        int removed = blk_nft_del(s->n, &a, &ne) == 0;
        if (removed || !quiet)
            printf("revoked %s (decision %lld from %s, by %s%s%s; %.0f ms after it was "
                   "revoked): %s\n",
                   d->addr, (long long)d->id, block_clean(d->sensor), block_clean(d->revoked_by),
                   d->revoke_reason[0] ? ": " : "", block_clean(d->revoke_reason),
                   (double)((int64_t)wall_us() - d->revoked_us) / 1000.0,
                   removed ? "lifted" : "was not blocked here");
        fflush(stdout);
        s->track = 0; /* a newer decision met here must still arrive by the id order */
        int r = removed
                    ? bst_select(db, BST_ADDR, 0, (int64_t)wall_us(), d->addr, apply_decision, s, e)
                    : 0;
        s->track = 1;
        if (r < 0)
            return -1;
    }
    /* what is lifted now is what was revoked and is in force: the list shrinks as they
     * expire */
    free(s->lifted);
    s->lifted = pr_reallocarray(NULL, s->nrev ? s->nrev : 1, sizeof *s->lifted);
    s->nlifted = 0;
    for (size_t i = 0; i < s->nrev; i++)
        s->lifted[s->nlifted++] = s->rev[i].id; /* ascending: the query's order */
    return 0;
}

/* Retention: deletes the decisions that ended more than retain seconds ago. A failure is
 * said and costs nothing else (another host, or the next hour, prunes). */
static void prune(struct hist_db *db, unsigned retain)
{
    struct pr_error e = {""};
    int n = bst_prune(db, (int64_t)wall_us() - (int64_t)retain * 1000000, &e);
    if (n < 0)
        fprintf(stderr, "portreeve block --sync: retention: %s\n", e.msg);
    else if (n > 0)
        fprintf(stderr,
                "portreeve block --sync: retention: deleted %d decisions that ended more than "
                "%u s ago\n",
                n, retain);
}

static int sync_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "portreeve block --sync: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    usage(stderr);
    return PR_EXIT_USAGE;
}

/* `block --sync URI [--allow CIDR]... [--block-anyway CIDR]... [--retain DUR]` */
static int block_sync(int argc, char **argv)
{
    const char *uri = argc > 2 ? argv[2] : "";
    if (strncmp(uri, "postgresql://", 13) && strncmp(uri, "postgres://", 11))
        return sync_usage("needs a postgresql:// URI (decisions are notified by PostgreSQL)",
                          argc > 2 ? uri : NULL);
    struct blk_policy pol;
    memset(&pol, 0, sizeof pol);
    struct pr_error e = {""};
    unsigned retain = BST_RETAIN_DEFAULT;
    for (int i = 3; i < argc; i += 2) {
        int allow = !strcmp(argv[i], "--allow");
        if (!allow && strcmp(argv[i], "--block-anyway") && strcmp(argv[i], "--retain"))
            return sync_usage("unknown option", argv[i]);
        if (i + 1 >= argc)
            return sync_usage("a value is needed after", argv[i]);
        if (!strcmp(argv[i], "--retain")) {
            if (cli_duration("--retain", argv[i + 1], BST_RETAIN_MAX, &retain, &e) < 0)
                return sync_usage(e.msg, NULL);
            continue;
        }
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
        st.track = 1;
        st.applied = st.skipped = 0;
        st.nlifted = 0; /* lift every revoked one in force again: some may be new */
        int n = bst_load(db, 0, (int64_t)wall_us(), apply_decision, &st, &e);
        if (n >= 0 && lift_revoked(db, &st, 1, &e) == 0) {
            fprintf(stderr,
                    "portreeve block --sync: synchronised: %d decisions in force, %u applied,"
                    " %u not; listening\n",
                    n, st.applied, st.skipped);
            prune(db, retain);
            time_t next_prune = time(NULL) + 3600;
            for (int r = 0; !sync_stop && r >= 0;) {
                r = hist_wait(db, 1000, &e);
                if (r > 0 &&
                    (bst_load(db, st.last, (int64_t)wall_us(), apply_decision, &st, &e) < 0 ||
                     lift_revoked(db, &st, 0, &e) < 0))
                    r = -1;
                if (r >= 0 && time(NULL) >= next_prune) {
                    prune(db, retain);
                    next_prune = time(NULL) + 3600;
                }
            }
        }
        if (!sync_stop)
            fprintf(stderr, "portreeve block --sync: %s; reconnecting\n", e.msg);
        hist_close(db);
    }
    fprintf(stderr, "portreeve block --sync: stopped (the blocks stay until they expire)\n");
    free(st.lifted);
    free(st.rev);
    blk_nft_close(st.n);
    return PR_EXIT_OK;
}

int cmd_block(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--sync"))
        return block_sync(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "--db"))
        return block_fleet(argc, argv);
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
