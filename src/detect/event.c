/* event.c — see event.h. */
#include "detect/event.h"

#include <string.h>

void det_event_from_pkt(const struct pkt_info *p, uint64_t ts_us, struct det_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_us = ts_us;
    ev->origin = DET_ORIG_PACKET;
    ev->src = p->src;
    ev->dst = p->dst;
    ev->proto = p->t.proto;
    ev->ttl = p->ttl;
    ev->has_ip_id = p->src.family == AF_INET;
    ev->ip_id = p->ip_id;
    ev->sport = p->t.sport;
    ev->dport = p->t.dport;
    ev->flags = p->t.flags;
    ev->window = p->t.window;
    ev->seq = p->t.seq;
    ev->ack = p->t.ack;
    ev->mss = p->tcp_mss;
    ev->opts_known = 1;
    size_t n = p->tcp_nopts < sizeof p->tcp_optkinds ? p->tcp_nopts : sizeof p->tcp_optkinds;
    ev->nopts = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        if (p->tcp_optkinds[i] < 32)
            ev->opt_mask |= 1u << p->tcp_optkinds[i];
    ev->payload_len = (uint32_t)p->payload_len;
    ev->icmp_type = p->t.icmp_type;
    ev->icmp_code = p->t.icmp_code;
    ev->icmp_id = p->t.icmp_id;
    if (p->has_inner) {
        ev->has_inner = 1;
        ev->inner_src = p->inner_src;
        ev->inner_dst = p->inner_dst;
        ev->inner_proto = p->inner.proto;
        ev->inner_sport = p->inner.sport;
        ev->inner_dport = p->inner.dport;
    }
}

int det_event_is_ping(const struct det_event *ev)
{
    if (ev->proto == DET_PROTO_ICMP)
        return ev->icmp_type == 8 || ev->icmp_type == 13;
    if (ev->proto == DET_PROTO_ICMP6)
        return ev->icmp_type == 128;
    return 0;
}

int det_event_is_unreach(const struct det_event *ev)
{
    if (ev->proto == DET_PROTO_ICMP)
        return ev->icmp_type == 3;
    if (ev->proto == DET_PROTO_ICMP6)
        return ev->icmp_type == 1;
    return 0;
}
