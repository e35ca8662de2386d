/* plan.c — see plan.h. */
#include "scan/plan.h"

#include "scan/technique.h"

#include <string.h>

/* The protocol a technique name probes: connect is TCP. */
static int tech_proto(const char *name)
{
    const struct technique *t = strcmp(name, "connect") ? tech_find(name) : NULL;
    return t ? t->proto : PR_TCP;
}

void scan_plan_make(const struct scan_config *cfg, int keep_all, struct scan_plan *p)
{
    memset(p, 0, sizeof *p);
    p->targets = tgt_count(&cfg->targets);
    p->ntech = cfg->ping_only ? 0 : cfg->ntech;
    int any_tcp = 0, any_udp = 0;
    for (size_t i = 0; i < p->ntech; i++) {
        int proto = tech_proto(cfg->techniques[i]);
        any_tcp |= proto == PR_TCP;
        any_udp |= proto == PR_UDP;
    }
    p->ntcp = any_tcp ? cfg->ports.n[PR_TCP] : 0;
    p->nudp = any_udp ? cfg->ports.n[PR_UDP] : 0;
    size_t widest = p->ntcp > p->nudp ? p->ntcp : p->nudp;
    uint64_t g = widest ? SCAN_GROUP_PAIRS / widest : SCAN_WINDOW_HOSTS;
    if (cfg->max_hostgroup && g > cfg->max_hostgroup)
        g = cfg->max_hostgroup;
    if (g > SCAN_WINDOW_HOSTS)
        g = SCAN_WINDOW_HOSTS;
    if (g < 1)
        g = 1;
    p->group_hosts = (size_t)g;
    p->window = keep_all ? (p->targets ? p->targets : 1) : SCAN_WINDOW_HOSTS / g * g;
    uint64_t full = p->targets / p->window, rest = p->targets % p->window;
    p->groups = full * (p->window / g + (p->window % g != 0)) + rest / g + (rest % g != 0);
    for (size_t i = 0; i < p->ntech; i++) {
        uint64_t np = tech_proto(cfg->techniques[i]) == PR_TCP ? p->ntcp : p->nudp;
        /* positions 0..targets*np-1, each shard takes those = index mod count; at most
         * 2^32 targets x 65536 ports: no overflow */
        uint64_t pos = p->targets * np;
        if (cfg->shard_count > 1)
            pos = pos > cfg->shard_index ? (pos - cfg->shard_index - 1) / cfg->shard_count + 1 : 0;
        p->probes += pos;
    }
}

/* "2d 11h 39m 12s" */
static void put_duration(FILE *f, double s)
{
    uint64_t t = (uint64_t)(s + 0.5);
    if (t >= 86400)
        fprintf(f, "%llud ", (unsigned long long)(t / 86400));
    if (t >= 3600)
        fprintf(f, "%lluh ", (unsigned long long)(t / 3600 % 24));
    if (t >= 60)
        fprintf(f, "%llum ", (unsigned long long)(t / 60 % 60));
    fprintf(f, "%llus", (unsigned long long)(t % 60));
}

void scan_plan_print(FILE *f, const struct scan_config *cfg, const struct scan_plan *p)
{
    fprintf(f, "plan: %llu target%s, ", (unsigned long long)p->targets, p->targets == 1 ? "" : "s");
    if (!p->ntech) {
        fprintf(f, "host discovery only\n");
        return;
    }
    fprintf(f, "ports %zu TCP, %zu UDP; technique%s", p->ntcp, p->nudp, p->ntech == 1 ? "" : "s");
    for (size_t i = 0; i < p->ntech; i++)
        fprintf(f, "%s%s", i ? ", " : " ", cfg->techniques[i]);
    fprintf(f, "\nplan: %llu first-pass probe%s", (unsigned long long)p->probes,
            p->probes == 1 ? "" : "s");
    if (cfg->shard_count > 1)
        fprintf(f, " in shard %u/%u", cfg->shard_index + 1, cfg->shard_count);
    fprintf(f, ", %llu host group%s of up to %zu hosts (every target up)\n",
            (unsigned long long)p->groups, p->groups == 1 ? "" : "s", p->group_hosts);
    const struct scan_timing *t = &cfg->timing;
    fprintf(f, "plan: estimated time ");
    if (t->max_rate > 0) {
        put_duration(f, (double)p->probes / t->max_rate);
        fprintf(f, " at %.0f probes/s%s", t->max_rate,
                t->rate_auto ? " (the start of the rate search; it may go faster)" : "");
    } else if (t->scan_delay_us > 0) {
        size_t widest = p->ntcp > p->nudp ? p->ntcp : p->nudp;
        double per_group = (double)widest * (double)p->ntech * (double)t->scan_delay_us / 1e6;
        put_duration(f, per_group * (double)p->groups);
        fprintf(f, " at one probe per host every %.3f s", (double)t->scan_delay_us / 1e6);
    } else {
        fprintf(f, "unknown (no rate limit)");
    }
    fprintf(f, "; first pass only, retries and waits extra\n");
}
