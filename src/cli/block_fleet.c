/* block_fleet.c — see block_fleet.h. The revocation is a database write only: the
 * `block --sync` hosts (block_cli.c) lift the addresses when its notification arrives,
 * and the rows stay (as history) until the syncs' retention deletes them. */
#include "cli/block_fleet.h"

#include "audit/blockstore.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "detect/block.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int fleet_usage(const char *msg, const char *arg)
{
    fprintf(stderr,
            "portreeve block --db: %s%s%s\n"
            "usage: portreeve block --db URI list [--all] [--json]\n"
            "       portreeve block --db URI unblock ADDR|CIDR|--id N [--reason TEXT]\n",
            msg, arg ? ": " : "", arg ? arg : "");
    return PR_EXIT_USAGE;
}

const char *block_clean(char *s)
{
    for (char *c = s; *c; c++)
        if (*c < 0x20 || *c > 0x7e)
            *c = '?';
    return s;
}

/* us (unix microseconds) as "2026-12-03 12:00:01" UTC, or with sep 'T' and a 'Z' (JSON). */
static const char *utc(int64_t us, char sep, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char fmt[24];
    snprintf(fmt, sizeof fmt, "%%Y-%%m-%%d%c%%H:%%M:%%S%s", sep, sep == 'T' ? "Z" : "");
    if (!gmtime_r(&t, &tm) || !strftime(buf, len, fmt, &tm))
        snprintf(buf, len, "?");
    return buf;
}

static const char *state_of(const struct bst_decision *d, int64_t now)
{
    return d->revoked_us ? "revoked" : d->expires_us > now ? "in_force" : "expired";
}

struct list_ctx {
    int json, all;
    int64_t now;
    json_t *arr;
    int n;
};

static json_t *decision_json(struct bst_decision *d, int64_t now)
{
    char t1[32], t2[32], t3[32];
    json_t *ev = json_array();
    char *save = NULL;
    block_clean(d->evidence);
    for (char *w = strtok_r(d->evidence, ",", &save); w; w = strtok_r(NULL, ",", &save))
        json_array_append_new(ev, json_string(w));
    json_t *o = json_pack(
        "{s:I, s:s, s:I, s:o, s:s, s:s, s:s, s:I, s:s, s:I, s:s}", "id", (json_int_t)d->id, "addr",
        block_clean(d->addr), "scan_id", (json_int_t)d->scan_id, "evidence", ev, "reason",
        block_clean(d->reason), "sensor", block_clean(d->sensor), "decided",
        utc(d->decided_us, 'T', t1, sizeof t1), "decided_us", (json_int_t)d->decided_us, "expires",
        utc(d->expires_us, 'T', t2, sizeof t2), "expires_us", (json_int_t)d->expires_us, "state",
        state_of(d, now));
    if (o && d->revoked_us)
        json_object_update_new(o, json_pack("{s:s, s:I, s:s, s:s}", "revoked",
                                            utc(d->revoked_us, 'T', t3, sizeof t3), "revoked_us",
                                            (json_int_t)d->revoked_us, "revoked_by",
                                            block_clean(d->revoked_by), "revoke_reason",
                                            block_clean(d->revoke_reason)));
    return o;
}

static int list_one(void *ctx, const struct bst_decision *dd)
{
    struct list_ctx *l = ctx;
    struct bst_decision d = *dd;
    l->n++;
    if (!d.addr[0]) { /* hostile or broken row: named, never guessed at */
        fprintf(stderr, "portreeve block --db list: decision %lld: a field cannot be read\n",
                (long long)d.id);
        return 0;
    }
    if (l->json) {
        json_t *o = decision_json(&d, l->now);
        if (o)
            json_array_append_new(l->arr, o);
        return 0;
    }
    char t1[32], t2[32], t3[32], state[BST_TEXT * 2 + 64];
    if (d.revoked_us)
        snprintf(state, sizeof state, "revoked %s by %s%s%s", utc(d.revoked_us, ' ', t3, sizeof t3),
                 block_clean(d.revoked_by), d.revoke_reason[0] ? ": " : "",
                 block_clean(d.revoke_reason));
    else if (d.expires_us > l->now)
        snprintf(state, sizeof state, "in force, %lld s left",
                 (long long)((d.expires_us - l->now + 999999) / 1000000));
    else
        snprintf(state, sizeof state, "expired");
    printf("%-6lld %-20s %-12s %-19s %-19s %s (%s)\n", (long long)d.id, block_clean(d.addr),
           block_clean(d.sensor), utc(d.decided_us, ' ', t1, sizeof t1),
           utc(d.expires_us, ' ', t2, sizeof t2), state, block_clean(d.reason));
    return 0;
}

static int list_args(struct list_ctx *l, int argc, char **argv)
{
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            l->json = 1;
        else if (!strcmp(argv[i], "--all"))
            l->all = 1;
        else
            return fleet_usage("unknown option of list", argv[i]);
    }
    return 0;
}

static int fleet_list(struct hist_db *db, struct list_ctx l)
{
    struct pr_error e = {""};
    if (l.json)
        l.arr = json_array();
    else
        printf("%-6s %-20s %-12s %-19s %-19s %s\n", "ID", "ADDRESS", "SENSOR", "DECIDED (UTC)",
               "EXPIRES (UTC)", "STATE (WHY)");
    int n = bst_select(db, l.all ? BST_ALL : BST_IN_FORCE, 0, l.now, NULL, list_one, &l, &e);
    if (n < 0) {
        json_decref(l.arr);
        fprintf(stderr, "portreeve block --db list: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    if (l.json) {
        json_dumpf(l.arr, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(l.arr);
    } else {
        printf("%d decisions %s\n", n, l.all ? "kept" : "in force");
    }
    return PR_EXIT_OK;
}

/* What `unblock` revokes: one address, the addresses of a CIDR, or one decision id. */
struct target {
    enum { T_ADDR, T_CIDR, T_ID } kind;
    struct pr_addr addr;
    struct blk_cidr cidr;
    int64_t id;
    const char *text; /* as given, for messages */
};

static int matches(void *ctx, const struct bst_decision *d)
{
    const struct target *t = ctx;
    if (t->kind == T_ID)
        return d->id == t->id;
    struct pr_addr a;
    if (!d->addr[0] || addr_parse(d->addr, &a) < 0)
        return 0;
    return t->kind == T_ADDR ? addr_eq(&a, &t->addr) : blk_cidr_contains(&t->cidr, &a);
}

static void revoked_one(void *ctx, const struct bst_decision *dd)
{
    (void)ctx;
    struct bst_decision d = *dd;
    char t[32];
    if (!d.addr[0]) {
        printf("revoked decision %lld (a field of it cannot be read)\n", (long long)d.id);
        return;
    }
    printf("revoked decision %lld: %s from %s (decided %s UTC, %s)\n", (long long)d.id,
           block_clean(d.addr), block_clean(d.sensor), utc(d.decided_us, ' ', t, sizeof t),
           block_clean(d.reason));
}

/* Who revokes: the user (the one behind sudo when there is one) at this host. Not an
 * authentication: the database's roles decide who may write. */
static void who(char *buf, size_t len)
{
    const char *user = getenv("SUDO_USER");
    struct passwd *pw = user && *user ? NULL : getpwuid(geteuid());
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "?");
    snprintf(buf, len, "%.64s@%.128s", user && *user ? user : pw ? pw->pw_name : "?", host);
    block_clean(buf);
}

static int unblock_args(struct target *tp, const char **reasonp, int argc, char **argv)
{
    struct target t;
    memset(&t, 0, sizeof t);
    const char *reason = "";
    int have = 0;
    for (int i = 4; i < argc; i++) {
        if (!strcmp(argv[i], "--reason") || !strcmp(argv[i], "--id")) {
            if (i + 1 >= argc)
                return fleet_usage("a value is needed after", argv[i]);
            const char *v = argv[++i];
            if (!strcmp(argv[i - 1], "--reason")) {
                reason = v;
                continue;
            }
            char *end;
            errno = 0;
            long long id = strtoll(v, &end, 10);
            if (errno || end == v || *end || id < 1)
                return fleet_usage("--id: expected a decision number from 1", v);
            if (have++)
                return fleet_usage("one address, CIDR or --id only", v);
            t.kind = T_ID;
            t.id = id;
            t.text = v;
            continue;
        }
        if (argv[i][0] == '-')
            return fleet_usage("unknown option of unblock", argv[i]);
        if (have++)
            return fleet_usage("one address, CIDR or --id only", argv[i]);
        struct pr_error ce = {""};
        t.text = argv[i];
        if (!strchr(argv[i], '/')) {
            t.kind = T_ADDR;
            if (addr_parse(argv[i], &t.addr) < 0)
                return fleet_usage("not an IPv4 or IPv6 address", argv[i]);
        } else {
            t.kind = T_CIDR;
            if (blk_cidr_parse(argv[i], &t.cidr, &ce) < 0)
                return fleet_usage(ce.msg, NULL);
        }
    }
    if (!have)
        return fleet_usage("unblock needs an address, a CIDR or --id N", NULL);
    if (strlen(reason) >= BST_TEXT)
        return fleet_usage("--reason: longer than 255 bytes", NULL);
    for (const char *c = reason; *c; c++)
        if (*c < 0x20 || *c > 0x7e) {
            char pos[64];
            snprintf(pos, sizeof pos, "byte %d", (int)(c - reason) + 1);
            return fleet_usage("--reason: printable ASCII only, not at", pos);
        }
    *tp = t;
    *reasonp = reason;
    return 0;
}

static int fleet_unblock(struct hist_db *db, struct target t, const char *reason)
{
    char by[BST_TEXT];
    who(by, sizeof by);
    struct pr_error e = {""};
    int n = bst_revoke(db, (int64_t)wall_us(), by, reason, matches, revoked_one, &t, &e);
    if (n < 0) {
        fprintf(stderr, "portreeve block --db unblock: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    if (n == 0) {
        fprintf(stderr, "portreeve block --db unblock: no decision in force for %s%s\n",
                t.kind == T_ID ? "id " : "", t.text);
        return PR_EXIT_FINDINGS;
    }
    printf("%d decision%s revoked by %s; every block --sync host lifts %s\n", n, n == 1 ? "" : "s",
           by, n == 1 ? "it" : "them");
    return PR_EXIT_OK;
}

int block_fleet(int argc, char **argv)
{
    if (argc < 3 || !argv[2][0])
        return fleet_usage("a history database URI is needed after --db", NULL);
    if (argc < 4)
        return fleet_usage("an action is needed (list or unblock)", NULL);
    const char *verb = argv[3];
    if (strcmp(verb, "list") && strcmp(verb, "unblock"))
        return fleet_usage("unknown action", verb);
    /* the arguments first: a usage error opens (and creates) nothing */
    int list = !strcmp(verb, "list");
    struct list_ctx l = {0, 0, (int64_t)wall_us(), NULL, 0};
    struct target t;
    const char *reason = "";
    int rc = list ? list_args(&l, argc, argv) : unblock_args(&t, &reason, argc, argv);
    if (rc)
        return rc;
    struct pr_error e = {""};
    struct hist_db *db = hist_open(argv[2], &e);
    if (!db) {
        fprintf(stderr, "portreeve block --db: %s\n", e.msg);
        return PR_EXIT_RUNTIME;
    }
    rc = list ? fleet_list(db, l) : fleet_unblock(db, t, reason);
    hist_close(db);
    return rc;
}
