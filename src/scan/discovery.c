/* discovery.c — see discovery.h. */
#include "scan/discovery.h"

#include "core/clock.h"
#include "core/status.h"

#include <stdlib.h>
#include <string.h>

#define DISC_SPORT 61000 /* below the engine's source ports; cookies tell ours apart */

static uint32_t disc_cookie(const struct scan_config *cfg, const struct engine_target *t)
{
    uint8_t b[33];
    memcpy(b, t->res->addr.a, 16);
    memcpy(b + 16, t->src.a, 16);
    b[32] = 0xd1;
    return (uint32_t)siphash24(&cfg->key, b, sizeof b);
}

static void send_probes(const struct scan_config *cfg, struct rawio *io,
                        const struct engine_target *t, struct engine_stats *st)
{
    uint32_t c = disc_cookie(cfg, t);
    struct pkt_ip ip = {.src = t->src, .dst = t->res->addr, .ttl = 64, .ip_id = (uint16_t)c};
    uint8_t pkt[PKT_MAX];
    size_t n[4];
    uint8_t bufs[4][128];
    struct pkt_tcp_opts opts = {.mss = 1460, .wscale = -1};
    n[0] = pkt_build_icmp_echo(bufs[0], sizeof bufs[0], &ip, (uint16_t)c, (uint16_t)(c >> 16), 0);
    n[1] = pkt_build_tcp(bufs[1], sizeof bufs[1], &ip, DISC_SPORT, 443, c, 0, TH_SYN, 1024, &opts,
                         NULL, 0);
    n[2] = pkt_build_tcp(bufs[2], sizeof bufs[2], &ip, DISC_SPORT, 80, c, ~c, TH_ACK, 1024, NULL,
                         NULL, 0);
    n[3] = t->res->addr.family == AF_INET ? pkt_build_icmp_echo(bufs[3], sizeof bufs[3], &ip,
                                                                (uint16_t)c, (uint16_t)(c >> 16), 1)
                                          : 0;
    (void)pkt;
    for (int i = 0; i < 4; i++)
        if (n[i] && rawio_send(io, bufs[i], n[i], &ip.dst) == 0) {
            st->sent++;
            st->bytes_sent += n[i];
        }
}

/* Returns the reason when pi proves that t is up, else 0. */
static int is_answer(const struct scan_config *cfg, const struct engine_target *t,
                     const struct pkt_info *pi)
{
    if (!addr_eq(&pi->src, &t->res->addr) || !addr_eq(&pi->dst, &t->src))
        return 0;
    uint32_t c = disc_cookie(cfg, t);
    if (pi->l4 == PKT_L4_ICMP && !pi->has_inner) {
        if (pi->t.icmp_id != (uint16_t)c)
            return 0;
        if (pi->t.icmp_type == 0 || pi->t.icmp_type == 129)
            return RS_ECHO_REPLY;
        if (pi->t.icmp_type == 14)
            return RS_TIMESTAMP_REPLY;
        return 0;
    }
    if (pi->l4 == PKT_L4_TCP && pi->t.dport == DISC_SPORT) {
        int ok = (pi->t.flags & TH_ACK) ? (uint32_t)(pi->t.ack - c) <= 1 : pi->t.seq == ~c;
        if (!ok)
            return 0;
        if ((pi->t.flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
            return RS_SYN_ACK;
        if (pi->t.flags & TH_RST)
            return RS_RESET;
    }
    return 0;
}

/* The target whose address is a; targets are in ascending address order (the target
 * list is sorted), so a binary search finds it. */
static struct engine_target *find_target(struct engine_target *t, size_t n, const struct pr_addr *a)
{
    size_t lo = 0, hi = n, len = a->family == AF_INET6 ? 16 : 4;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t[mid].res->addr.a, a->a, len);
        if (c == 0)
            return t[mid].res->addr.family == a->family ? &t[mid] : NULL;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Packets sent per second since `start`, for the status line. */
static double pkt_rate(const struct engine_stats *st, uint64_t start)
{
    uint64_t el = now_us() - start;
    return el ? (double)st->sent * 1e6 / (double)el : 0;
}

int discovery_run(const struct scan_config *cfg, struct rawio *io, struct engine_target *targets,
                  size_t ntargets, volatile sig_atomic_t *stop, struct engine_stats *st,
                  struct pr_error *e)
{
    (void)e;
    uint64_t start = now_us();
    double rtt_sum = 0;
    size_t rtt_n = 0;
    uint64_t *sent = pr_calloc(ntargets ? ntargets : 1, sizeof *sent); /* each target's probes */
    struct status status; /* done: hosts probed in this round */
    status_init(&status, "ping scan", cfg->verbose, cfg->stats_every_s);
    for (int round = 0; round < 2 && !(stop && *stop); round++) {
        int pending = 0;
        for (size_t i = 0; i < ntargets && !(stop && *stop); i++) {
            if (targets[i].res->up)
                continue;
            send_probes(cfg, io, &targets[i], st);
            sent[i] = now_us();
            pending = 1;
            if ((i & 255) == 255)
                status_tick(&status, i + 1, ntargets, pkt_rate(st, start));
            if (cfg->timing.max_rate > 0 && (i & 15) == 15) {
                double due = (double)st->sent * 1e6 / cfg->timing.max_rate;
                while ((double)(now_us() - start) < due && !(stop && *stop))
                    rawio_wait(io, 1000);
            }
        }
        if (!pending)
            break;
        uint64_t to = round == 0 ? cfg->timing.initial_rtt_us : cfg->timing.max_rtt_us / 2;
        if (rtt_n) {
            uint64_t adaptive = (uint64_t)(4 * rtt_sum / (double)rtt_n);
            to = adaptive > cfg->timing.min_rtt_us ? adaptive : cfg->timing.min_rtt_us;
        }
        uint64_t until = now_us() + to;
        size_t left = 0;
        for (size_t i = 0; i < ntargets; i++)
            left += !targets[i].res->up;
        while (left && now_us() < until && !(stop && *stop)) {
            rawio_wait(io, 10000);
            status_tick(&status, ntargets, ntargets, pkt_rate(st, start));
            uint8_t buf[PKT_MAX];
            ssize_t n;
            size_t wire;
            while ((n = rawio_recv(io, buf, sizeof buf, &wire)) > 0) {
                st->rcvd++; /* every packet read, as the engine counts them */
                st->bytes_rcvd += wire;
                struct pkt_info pi;
                if (pkt_parse(buf, (size_t)n, &pi) < 0)
                    continue;
                struct engine_target *t = find_target(targets, ntargets, &pi.src);
                int why;
                if (!t || t->res->up || !(why = is_answer(cfg, t, &pi)))
                    continue;
                struct host_result *r = t->res;
                r->up = 1;
                r->reason = (uint8_t)why;
                r->reason_ttl = pi.ttl;
                double rtt = (double)(now_us() - sent[t - targets]);
                r->srtt_us = rtt;
                rtt_sum += rtt;
                rtt_n++;
                left--;
            }
        }
    }
    free(sent);
    return 0;
}
