/* scan_shard.c — the shard parameters of `scan --shard I/N --run-id ID` and their
 * registration in the history (see scan_shard.h). */
#include "cli/scan_shard.h"

#include "audit/history.h"
#include "core/addr.h"
#include "core/ports.h"
#include "core/siphash.h"
#include "core/targets.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TARGET_SAMPLES 4096 /* addresses hashed into the targets' digest, evenly spread */

int scan_run_id_check(const char *id, struct pr_error *e)
{
    size_t n = strlen(id);
    if (n < 1 || n >= HIST_KEY)
        return pr_errf(e, "--run-id '%.40s': give 1 to %d characters", id, HIST_KEY - 1);
    size_t bad = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+-");
    if (bad < n)
        return pr_errf(e,
                       "--run-id '%.40s': character %zu is not a letter, digit or one of "
                       "._:@+-",
                       id, bad + 1);
    if (strspn(id, "0123456789") == n)
        return pr_errf(e,
                       "--run-id '%.40s': a name, not a number (numbers are the history's "
                       "run ids)",
                       id);
    return 0;
}

/* The targets as text: count, first and last address, and a digest of a sample. */
static void targets_text(const struct target_list *t, char *buf, size_t len)
{
    static const struct sip_key fixed = {0x706f72747265ULL, 0x7665736861726473ULL};
    uint64_t count = tgt_count(t), digest = 0;
    char first[PR_ADDRSTRLEN] = "-", last[PR_ADDRSTRLEN] = "-";
    for (uint64_t i = 0; i <= TARGET_SAMPLES && count; i++) {
        uint64_t idx = count > TARGET_SAMPLES ? (count - 1) / TARGET_SAMPLES * i : i % count;
        struct pr_addr a;
        const char *name;
        tgt_get(t, idx, &a, &name);
        uint8_t b[25];
        memcpy(b, &digest, 8);
        b[8] = a.family;
        memcpy(b + 9, a.a, 16);
        digest = siphash24(&fixed, b, sizeof b);
        if (i == 0)
            addr_str(&a, first, sizeof first);
    }
    if (count) {
        struct pr_addr a;
        const char *name;
        tgt_get(t, count - 1, &a, &name);
        addr_str(&a, last, sizeof last);
    }
    snprintf(buf, len, "%" PRIu64 " address%s %s..%s digest %016" PRIx64, count,
             count == 1 ? "" : "es", first, last, digest);
}

static void ports_text(const struct port_list *pl, char *buf, size_t len)
{
    static const char *const name[PR_NPROTO] = {"tcp", "udp"};
    size_t used = 0;
    buf[0] = '\0';
    for (int p = 0; p < PR_NPROTO; p++) {
        if (!pl->n[p])
            continue;
        char spec[SNAP_PORTSPEC];
        if (ports_format(pl->p[p], pl->n[p], spec, sizeof spec) < 0) {
            static const struct sip_key fixed = {1, 2};
            snprintf(spec, sizeof spec, "%zu ports digest %016" PRIx64, pl->n[p],
                     siphash24(&fixed, pl->p[p], pl->n[p] * sizeof *pl->p[p]));
        }
        int w = snprintf(buf + used, len - used, "%s%s %s", used ? " " : "", name[p], spec);
        if (w < 0 || (size_t)w >= len - used)
            return; /* truncated: still the same text on every shard */
        used += (size_t)w;
    }
}

int scan_shard_begin(const struct scan_config *cfg, const char *db_uri, const char *run_id,
                     int seed_given, struct pr_error *e)
{
    if (cfg->shard_count < 1) { /* a named run: the name must be new (checked again at the end) */
        struct hist_db *db = hist_open(db_uri, e);
        int64_t id;
        int rc = db ? hist_find(db, run_id, &id, e) : -1;
        hist_close(db);
        if (rc == 0)
            return pr_errf(e, "run id '%s' is already in the history (run %lld)", run_id,
                           (long long)id);
        return rc < 0 ? -1 : 0;
    }
    if (!seed_given)
        return pr_errf(e, "--shard with --run-id needs --seed N, the same on every shard (it "
                          "decides which probes each shard sends)");
    struct hist_shard_params p;
    memset(&p, 0, sizeof p);
    targets_text(&cfg->targets, p.targets, sizeof p.targets);
    ports_text(&cfg->ports, p.ports, sizeof p.ports);
    for (size_t i = 0; i < cfg->ntech; i++)
        snprintf(p.techniques + strlen(p.techniques), sizeof p.techniques - strlen(p.techniques),
                 "%s%s", i ? "," : "", cfg->techniques[i]);
    snprintf(p.seed, sizeof p.seed, "%016" PRIx64 "%016" PRIx64, cfg->key.k0, cfg->key.k1);
    p.count = cfg->shard_count;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "?");
    int64_t id;
    return hist_shard_begin(db_uri, run_id, cfg->shard_index, &p, cfg->args, host, &id, e);
}
