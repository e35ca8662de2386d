/* toolguess.c — see toolguess.h. */
#include "detect/toolguess.h"

static int nmap_window(uint16_t w)
{
    return w == 1024 || w == 2048 || w == 3072 || w == 4096;
}

enum det_tool det_tool_vote(const struct det_event *ev)
{
    if (ev->has_ip_id && ev->ip_id == 54321)
        return DET_TOOL_ZMAP;
    if (ev->proto != DET_PROTO_TCP)
        return DET_TOOL_UNKNOWN;
    /* masscan's relation needs the sequence number: packets have it, LOG lines only with
     * SEQ= (nftables `flags tcp sequence`, iptables --log-tcp-sequence) */
    int seq_known = ev->origin == DET_ORIG_PACKET || ev->seq_known;
    if (seq_known && ev->has_ip_id && ev->src.family == AF_INET) {
        uint32_t d = (uint32_t)ev->dst.a[2] << 8 | ev->dst.a[3];
        if (ev->ip_id == ((d ^ ev->dport ^ ev->seq) & 0xffff) && ev->ip_id != 0)
            return DET_TOOL_MASSCAN;
    }
    /* nmap's IPv4 TTL is random in 37-59: one above 64 (masscan and zmap send 255) is not
     * nmap (its IPv6 hop limits are higher) */
    if (!nmap_window(ev->window) || (ev->src.family == AF_INET && ev->ttl > 64))
        return DET_TOOL_UNKNOWN;
    int syn = (ev->flags & TH_SYN) != 0;
    if (ev->opts_known) /* packets, LOG lines with OPT (...) or a LEN without options */
        return (syn ? ev->nopts == 1 && ev->mss == 1460 : ev->nopts == 0) ? DET_TOOL_NMAP
                                                                          : DET_TOOL_UNKNOWN;
    if (ev->tcp_extra >= 0) /* LOG line: LEN tells the option bytes, MSS alone is 4 */
        return (syn ? ev->tcp_extra == 4 : ev->tcp_extra == 0) ? DET_TOOL_NMAP : DET_TOOL_UNKNOWN;
    return DET_TOOL_NMAP; /* a LOG line with neither: the window and the TTL */
}

void det_tool_account(struct det_toolstats *st, enum det_tool vote, uint8_t ttl, uint16_t sport,
                      uint8_t proto)
{
    if ((unsigned)vote < DET_TOOL_N)
        st->votes[vote]++;
    if (st->probes) {
        if (ttl != st->last_ttl)
            st->ttl_changes++;
        if (sport == st->last_sport)
            st->sport_same++;
    }
    if (proto == DET_PROTO_UDP)
        st->udp_probes++;
    st->probes++;
    st->last_ttl = ttl;
    st->last_sport = sport;
}

void det_tool_merge(struct det_toolstats *to, const struct det_toolstats *from)
{
    for (int t = 0; t < DET_TOOL_N; t++)
        to->votes[t] += from->votes[t];
    to->probes += from->probes;
    to->ttl_changes += from->ttl_changes;
    to->sport_same += from->sport_same;
    to->udp_probes += from->udp_probes;
    to->last_ttl = from->last_ttl;
    to->last_sport = from->last_sport;
}

enum det_tool det_tool_decide(const struct det_toolstats *st)
{
    if (!st->probes)
        return DET_TOOL_UNKNOWN;
    for (int t = DET_TOOL_NMAP; t < DET_TOOL_N; t++)
        if (st->votes[t] * 10 >= st->probes * 6)
            return (enum det_tool)t;
    /* nmap's UDP and mixed probes: randomised TTL with a fixed source port */
    if (st->probes >= 4 && st->ttl_changes * 2 >= st->probes && st->sport_same * 2 >= st->probes)
        return DET_TOOL_NMAP;
    return DET_TOOL_UNKNOWN;
}

const char *det_tool_name(enum det_tool t)
{
    switch (t) {
    case DET_TOOL_NMAP:
        return "nmap";
    case DET_TOOL_MASSCAN:
        return "masscan";
    case DET_TOOL_ZMAP:
        return "zmap";
    default:
        return "unknown";
    }
}
