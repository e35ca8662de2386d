/* blockresp.c — see blockresp.h. */
#include "detect/blockresp.h"

#include "core/siphash.h"
#include "detect/blockhelper.h"
#include "detect/passive.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECENT_SLOTS 4096 /* addresses blocked by this run, with their expiry */
#define RECENT_PROBE 8

struct recent {
    struct pr_addr addr;
    uint64_t until_us; /* 0: free */
    uint32_t scan_id;  /* the scan that was blocked */
};

struct blk_responder {
    struct blk_options opt;
    struct blk_policy pol;
    struct blk_rate rate;
    struct blk_stats st;
    struct blk_helper helper;
    int (*call)(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e);
    void *call_ctx;
    FILE *log;
    const struct det_store *store; /* --db: decisions recorded for the fleet, or NULL */
    uint64_t capped_said_us;       /* the last "cap reached" message (one per 10 s) */
    uint64_t capped_unsaid;
    struct sip_key key;
    struct recent recent[RECENT_SLOTS];
};

void blk_options_defaults(struct blk_options *o)
{
    memset(o, 0, sizeof *o);
    o->seconds = 3600;
    o->seconds_max = BLK_MAX_SECONDS;
    o->max_per_min = 10;
}

static int parse_cidrs(const char *opt, const char *const *s, unsigned n, struct blk_cidr *out,
                       struct pr_error *e)
{
    for (unsigned i = 0; i < n; i++) {
        struct pr_error sub = {""};
        if (blk_cidr_parse(s[i], &out[i], &sub) < 0)
            return pr_errf(e, "%s %s", opt, sub.msg);
    }
    return 0;
}

static int helper_call(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e)
{
    return blk_helper_call(ctx, req, ans, anslen, e);
}

static struct blk_responder *alloc(const struct blk_options *o, FILE *log)
{
    struct blk_responder *r = pr_calloc(1, sizeof *r);
    r->opt = *o;
    r->log = log;
    r->helper.fd = -1;
    r->helper.pid = -1;
    sip_key_init(&r->key, 0, 0);
    if (blk_rate_init(&r->rate, o->max_per_min ? o->max_per_min : 1) < 0)
        blk_rate_init(&r->rate, 1);
    return r;
}

static int check_options(const struct blk_options *o, struct pr_error *e)
{
    if (o->seconds < 1 || o->seconds > BLK_MAX_SECONDS)
        return pr_errf(e, "--block-time %u: must be from 1 s to %u s", o->seconds, BLK_MAX_SECONDS);
    if (o->seconds_max < o->seconds || o->seconds_max > BLK_MAX_SECONDS_CAP)
        return pr_errf(e, "--block-time-max %u: must be from --block-time (%u s) to %u s",
                       o->seconds_max, o->seconds, BLK_MAX_SECONDS_CAP);
    if (o->max_per_min < 1 || o->max_per_min > BLK_MAX_PER_MIN)
        return pr_errf(e, "--max-blocks-per-min %u: must be from 1 to %u", o->max_per_min,
                       BLK_MAX_PER_MIN);
    if (o->nallow > BLK_MAX_CIDRS || o->nanyway > BLK_MAX_CIDRS)
        return pr_errf(e, "at most %d --allow and %d --block-anyway entries", BLK_MAX_CIDRS,
                       BLK_MAX_CIDRS);
    return 0;
}

/* The --allow and --block-anyway lists of o into p. */
static int parse_lists(const struct blk_options *o, struct blk_policy *p, struct pr_error *e)
{
    if (parse_cidrs("--allow", o->allow, o->nallow, p->allow, e) < 0 ||
        parse_cidrs("--block-anyway", o->anyway, o->nanyway, p->anyway, e) < 0)
        return -1;
    p->nallow = o->nallow;
    p->nanyway = o->nanyway;
    return 0;
}

/* The responder keeps no pointer into the caller's option strings. */
static void keep_scalars(struct blk_options *dst, const struct blk_options *o)
{
    *dst = *o;
    memset(dst->allow, 0, sizeof dst->allow);
    memset(dst->anyway, 0, sizeof dst->anyway);
    dst->resolv = NULL;
}

int blk_open(const struct blk_options *o, FILE *log, struct blk_responder **out, struct pr_error *e)
{
    *out = NULL;
    if (check_options(o, e) < 0)
        return -1;
    struct blk_responder *r = alloc(o, log);
    if (parse_lists(o, &r->pol, e) < 0 || blk_policy_load_system(&r->pol, o->resolv, e) < 0) {
        blk_close(r);
        return -1;
    }
    if (!o->dry_run) {
        struct blk_helper_cfg hc;
        memset(&hc, 0, sizeof hc);
        hc.policy = r->pol;
        hc.max_seconds = o->seconds;
        hc.max_seconds_cap = o->seconds_max;
        hc.max_per_min = o->max_per_min;
        hc.flush_on_exit = o->flush_on_exit;
        if (blk_helper_start(&hc, &r->helper, e) < 0) {
            blk_close(r);
            return -1;
        }
        r->call = helper_call;
        r->call_ctx = &r->helper;
    }
    keep_scalars(&r->opt, o);
    *out = r;
    return 0;
}

int blk_reconfigure(struct blk_responder *r, const struct blk_options *o, struct pr_error *e)
{
    if (check_options(o, e) < 0)
        return -1;
    if (o->dry_run != r->opt.dry_run || o->seconds_max != r->opt.seconds_max ||
        o->flush_on_exit != r->opt.flush_on_exit)
        return pr_errf(e, "--dry-run, --block-time-max and --flush-on-exit change only at a"
                          " restart");
    struct blk_policy p = r->pol;
    if (parse_lists(o, &p, e) < 0)
        return -1;
    struct blk_rate rate;
    if (o->max_per_min != r->opt.max_per_min) {
        if (blk_rate_init(&rate, o->max_per_min) < 0)
            return pr_errf(e, "--max-blocks-per-min %u: out of range", o->max_per_min);
        blk_rate_free(&r->rate);
        r->rate = rate;
    }
    r->pol = p;
    keep_scalars(&r->opt, o);
    return 0;
}

uint32_t blk_kept(const struct blk_responder *r)
{
    return r->helper.kept;
}

struct blk_responder *
blk_open_test(const struct blk_options *o, const struct blk_policy *p, FILE *log,
              int (*call)(void *ctx, const char *req, char *ans, size_t anslen, struct pr_error *e),
              void *call_ctx)
{
    struct blk_responder *r = alloc(o, log);
    keep_scalars(&r->opt, o);
    r->pol = *p;
    r->call = call;
    r->call_ctx = call_ctx;
    return r;
}

/* The slot of a (blocked by this run, perhaps expired), or NULL; with `insert`, a slot
 * for it (the one that expires first is reused). */
static struct recent *recent_slot(struct blk_responder *r, const struct pr_addr *a, int insert)
{
    uint64_t h = siphash24(&r->key, a, sizeof *a);
    struct recent *victim = NULL;
    for (unsigned i = 0; i < RECENT_PROBE; i++) {
        struct recent *s = &r->recent[(h + i) % RECENT_SLOTS];
        if (s->until_us && addr_eq(&s->addr, a))
            return s;
        if (!victim || s->until_us < victim->until_us)
            victim = s;
    }
    return insert ? victim : NULL;
}

static void say(struct blk_responder *r, const struct det_alert *a, const char *what,
                const char *why)
{
    if (!r->log)
        return;
    char as[PR_ADDRSTRLEN];
    fprintf(r->log, "portreeve detect: scan %u from %s: %s%s%s\n", a->scan_id,
            addr_str(&a->src, as, sizeof as), what, why ? ": " : "", why ? why : "");
    fflush(r->log);
}

void blk_set_store(struct blk_responder *r, const struct det_store *s)
{
    r->store = s && s->save_block ? s : NULL;
}

/* The decision to block a->src for secs seconds, into the --db store. */
static void record(struct blk_responder *r, const struct det_alert *a, uint32_t secs)
{
    char as[PR_ADDRSTRLEN], ev[256], why[160];
    det_evidence_list(a->evidence, ev, sizeof ev);
    snprintf(why, sizeof why, "%s %s, %u ports, %u hosts, threat %u",
             a->scan_type ? a->scan_type : "-", a->event ? a->event : "scan", a->ports_probed,
             a->hosts_probed, a->threat_level);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    struct det_block_decision d = {
        addr_str(&a->src, as, sizeof as), a->scan_id, ev, why, r->store->sensor, now_us,
        now_us + (int64_t)secs * 1000000};
    struct pr_error e = {""};
    if (r->store->save_block(r->store->ctx, &d, &e) < 0)
        say(r, a, "blocked here, not recorded for the fleet", e.msg);
}

const char *blk_respond(void *ctx, const struct det_alert *a)
{
    struct blk_responder *r = ctx;
    const char *done = r->opt.dry_run ? "would_block" : "blocked";
    /* protection first: a protected address is never blocked, whatever the evidence */
    const char *why = a->has_src ? blk_protected(&r->pol, &a->src) : NULL;
    if (why) {
        r->st.protected_++;
        if (a->kind == DET_ALERT_NEW || a->ev_halfopen + a->ev_handshakes <= 1)
            say(r, a, "never blocked", why);
        return "none";
    }
    why = blk_evidence_refusal(a, r->opt.flags_only);
    if (why) {
        r->st.no_evidence++;
        if (a->kind == DET_ALERT_NEW)
            say(r, a, a->evidence & DET_EV_FORGED_MASK ? "never blocked" : "not blocked (yet)",
                why);
        return "none";
    }
    if (a->threat_level < r->opt.block_level) {
        r->st.below_level++;
        if (a->kind == DET_ALERT_NEW) {
            char msg[64];
            snprintf(msg, sizeof msg, "threat level %u is below --block-level %u", a->threat_level,
                     r->opt.block_level);
            say(r, a, "not blocked (yet)", msg);
        }
        return "none";
    }
    struct recent *old = recent_slot(r, &a->src, 0);
    bool same_scan = old && old->scan_id == a->scan_id;
    if (same_scan && old->until_us > a->ts_us) {
        r->st.already++;
        return done;
    }
    /* one block per scan: when it has run out, the source is blocked again for a new
     * scan (after it has been silent long enough for this one to end), not for more of
     * the same one */
    if (same_scan || a->kind == DET_ALERT_END)
        return "none";
    /* a new scan from an address blocked for an earlier one: nftables, not this memory,
     * says whether the block still holds (`portreeve block unblock` may have lifted it),
     * so the helper is asked again; it answers with the time left and charges no cap */
    bool believed = old && old->until_us > a->ts_us;
    if (believed && r->opt.dry_run) {
        r->st.already++;
        return done;
    }
    if (!believed && !blk_rate_take(&r->rate, a->ts_us)) {
        r->st.capped++;
        if (!r->capped_said_us || a->ts_us >= r->capped_said_us + 10000000u) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "the cap of new blocks per minute is reached (%llu more not blocked since"
                     " the last message)",
                     (unsigned long long)r->capped_unsaid);
            say(r, a, "not blocked", msg);
            r->capped_said_us = a->ts_us;
            r->capped_unsaid = 0;
        } else {
            r->capped_unsaid++;
        }
        return "none";
    }
    char as[PR_ADDRSTRLEN], req[BLK_REQ_MAX];
    addr_str(&a->src, as, sizeof as);
    uint32_t secs = r->opt.seconds, count = 0;
    if (!r->opt.dry_run) {
        struct pr_error e = {""};
        char ans[64] = "";
        snprintf(req, sizeof req, "block %s %u", as, r->opt.seconds);
        if (!r->call || r->call(r->call_ctx, req, ans, sizeof ans, &e) < 0) {
            r->st.errors++;
            say(r, a, "block failed", r->call ? e.msg : "no helper");
            return "none";
        }
        /* "TIME COUNT": the helper's block time (longer for a repeat offender, or the
         * time left of a block it found) and the offence number */
        unsigned t = 0, c = 0;
        if (sscanf(ans, "%u %u", &t, &c) == 2 && t > 0) {
            secs = t;
            count = c;
        }
        r->st.blocked++;
        if (r->store)
            record(r, a, secs);
    } else {
        r->st.would_block++;
    }
    struct recent *s = old ? old : recent_slot(r, &a->src, 1);
    s->addr = a->src;
    s->scan_id = a->scan_id;
    s->until_us = a->ts_us + (uint64_t)secs * 1000000u;
    char msg[96];
    if (count > 1)
        snprintf(msg, sizeof msg, "%s for %u s (offence %u)", done, secs, count);
    else
        snprintf(msg, sizeof msg, "%s for %u s", done, secs);
    say(r, a, msg, NULL);
    return done;
}

const struct blk_stats *blk_stats(const struct blk_responder *r)
{
    return &r->st;
}

void blk_close(struct blk_responder *r)
{
    if (!r)
        return;
    blk_helper_stop(&r->helper);
    blk_rate_free(&r->rate);
    free(r);
}
