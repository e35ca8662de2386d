/* p0fmatch.c — a SYN or SYN+ACK read as p0f reads it, and matched (see p0fmatch.h). */
#include "os/p0fmatch.h"

#include "net/packet.h"

#include <stdio.h>
#include <string.h>

#define P0F_MAX_DIST 35 /* hops between an initial TTL and the observed one */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The options between p and end, read as p0f reads them: layout, MSS, scale, timestamps
 * and their quirks; a length that does not fit ends the walk and marks the options bad. */
static void read_options(struct p0f_obs *o, const uint8_t *p, const uint8_t *end, int plain_syn)
{
    while (p < end && o->nopt < P0F_MAX_OPTS) {
        uint8_t kind = *p++;
        o->opt[o->nopt++] = kind;
        size_t left = (size_t)(end - p);
        switch (kind) {
        case 0: /* EOL: what follows is padding, which should be zero */
            o->eol_pad = (uint8_t)left;
            for (; p < end; p++)
                if (*p)
                    o->quirks |= P0F_Q_OPTP;
            return;
        case 1:
            break;
        case 2:
            if (left < 3)
                goto bad;
            if (p[0] != 4)
                o->quirks |= P0F_Q_BAD;
            o->mss = be16(p + 1);
            p += 3;
            break;
        case 3:
            if (left < 2)
                goto bad;
            if (p[0] != 3)
                o->quirks |= P0F_Q_BAD;
            o->scale = p[1];
            if (o->scale > 14)
                o->quirks |= P0F_Q_EXWS;
            p += 2;
            break;
        case 4:
            if (left < 1)
                goto bad;
            if (p[0] != 2)
                o->quirks |= P0F_Q_BAD;
            p++;
            break;
        case 8:
            if (left < 9)
                goto bad;
            if (p[0] != 10)
                o->quirks |= P0F_Q_BAD;
            o->ts1 = be32(p + 1);
            if (!o->ts1)
                o->quirks |= P0F_Q_TS1N;
            if (plain_syn && be32(p + 5))
                o->quirks |= P0F_Q_TS2P;
            p += 9;
            break;
        default: /* SACK (10 to 34 bytes) and unknown options (2 to 40) carry a length */
            if (left < 1 || p[0] < (kind == 5 ? 10 : 2) || p[0] > (kind == 5 ? 34 : 40) ||
                (size_t)p[0] - 1 > left)
                goto bad;
            p += p[0] - 1;
            break;
        }
    }
    if (p == end)
        return;
bad:
    o->quirks |= P0F_Q_BAD;
}

int p0f_observe(const uint8_t *ip, size_t len, struct p0f_obs *o)
{
    memset(o, 0, sizeof *o);
    if (len < 1)
        return -1;
    size_t off, total;
    uint8_t ecn_bits;
    if (ip[0] >> 4 == 4) {
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        if (len < 20 || ihl < 20 || ihl > len || ip[9] != 6)
            return -1;
        total = be16(ip + 2);
        if (total < ihl || total > len)
            return -1;
        uint16_t frag = be16(ip + 6);
        if (frag & 0x3fff) /* more fragments, or not the first */
            return -1;
        uint16_t id = be16(ip + 4);
        int df = (frag & 0x4000) != 0;
        if (df)
            o->quirks |= P0F_Q_DF | (id ? P0F_Q_IDP : 0);
        else if (!id)
            o->quirks |= P0F_Q_IDN;
        if (frag & 0x8000)
            o->quirks |= P0F_Q_ZERO;
        o->ver = 4;
        o->ttl = ip[8];
        o->olen = (uint8_t)(ihl - 20);
        ecn_bits = ip[1] & 3;
        off = ihl;
    } else if (ip[0] >> 4 == 6) {
        if (len < 40 || ip[6] != 6) /* extension headers: p0f sees none either */
            return -1;
        total = 40 + (size_t)be16(ip + 4);
        if (total > len)
            return -1;
        uint32_t w = be32(ip);
        if (w & 0xfffff)
            o->quirks |= P0F_Q_FLOW;
        o->ver = 6;
        o->ttl = ip[7];
        ecn_bits = (uint8_t)((w >> 20) & 3);
        off = 40;
    } else {
        return -1;
    }
    if (total - off < 20)
        return -1;
    const uint8_t *t = ip + off;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || doff > total - off)
        return -1;
    uint8_t flags = t[13];
    if ((flags & (TH_SYN | TH_RST | TH_FIN)) != TH_SYN)
        return -1;
    o->dir = flags & TH_ACK ? P0F_SYNACK : P0F_SYN;
    if (ecn_bits || (flags & (TH_ECE | TH_CWR)) || (t[12] & 1)) /* NS */
        o->quirks |= P0F_Q_ECN;
    if (!be32(t + 4))
        o->quirks |= P0F_Q_SEQN;
    if (flags & TH_ACK) {
        if (!be32(t + 8))
            o->quirks |= P0F_Q_ACKN;
    } else if (t[8] & 1) {
        /* p0f 3.09b tests the lowest bit of the ACK field read in host order, which on
         * the little-endian machines its database was built on is the low bit of the
         * first byte: the same test gives the same labels. */
        o->quirks |= P0F_Q_ACKP;
    }
    if (flags & TH_URG)
        o->quirks |= P0F_Q_URGFP;
    else if (be16(t + 18))
        o->quirks |= P0F_Q_UPTRP;
    if (flags & TH_PSH)
        o->quirks |= P0F_Q_PUSHFP;
    o->win = be16(t + 14);
    o->payload = total - off > doff;
    o->tot_hdr = (uint16_t)(off + doff);
    read_options(o, t + 20, t + doff, o->dir == P0F_SYN);
    return 0;
}

/* p0f's reading of a window as a multiple of the MSS (*use_mtu 0) or the MTU (1): the
 * first divisor that divides it, in p0f's order; -1 when none does. */
static int win_multiple(const struct p0f_obs *o, int *use_mtu)
{
    const int mss = o->mss;
    const struct {
        int div, mtu, when;
    } tries[] = {
        {mss, 0, 1},
        {mss - 12, 0, o->ts1 != 0},
        {1500 - 40, 0, 1},
        {1500 - 40 - 12, 0, 1},
        {1500 - 60, 0, o->ver == 6},
        {1500 - 60 - 12, 0, o->ver == 6},
        {mss + 40, 1, 1},
        {mss + o->tot_hdr, 1, 1},
        {mss + 60, 1, o->ver == 6},
        {1500, 1, 1},
        {o->peer_mss, 0, o->peer_mss != 0},
        {o->peer_mss - 12, 0, o->peer_mss > 12},
    };
    if (!o->win || mss < 100)
        return -1;
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
        if (tries[i].when && tries[i].div > 0 && o->win % tries[i].div == 0) {
            *use_mtu = tries[i].mtu;
            return o->win / tries[i].div;
        }
    return -1;
}

/* 0: no match; 1: fuzzy; 2: exact. */
static int sig_fits(const struct p0f_tcp_sig *s, const struct p0f_obs *o, int multi, int use_mtu)
{
    if ((s->ver != -1 && s->ver != o->ver) || s->nopt != o->nopt ||
        memcmp(s->opt, o->opt, o->nopt) || s->eol_pad != o->eol_pad || s->olen != o->olen)
        return 0;
    int fuzzy = 0;
    uint32_t sq = s->quirks;
    if (s->ver == -1) /* a signature for both drops the other version's quirks */
        sq &= o->ver == 4 ? ~(uint32_t)P0F_Q_FLOW : ~(uint32_t)(P0F_Q_DF | P0F_Q_IDP | P0F_Q_IDN);
    if (sq != o->quirks) {
        if ((sq & ~o->quirks & ~(uint32_t)(P0F_Q_DF | P0F_Q_IDP)) ||
            (o->quirks & ~sq & ~(uint32_t)(P0F_Q_IDN | P0F_Q_ECN)))
            return 0;
        fuzzy = 1;
    }
    if (s->ttl_rand) {
        if (s->ittl < o->ttl)
            return 0;
    } else if (s->ittl < o->ttl || s->ittl - o->ttl > P0F_MAX_DIST) {
        fuzzy = 1;
    }
    if ((s->mss != -1 && s->mss != o->mss) || (s->scale != -1 && s->scale != o->scale) ||
        (s->pclass != -1 && s->pclass != o->payload))
        return 0;
    switch (s->win_type) {
    case P0F_WIN_FIXED:
        if (o->win != s->win_val)
            return 0;
        break;
    case P0F_WIN_MOD:
        if (!s->win_val || o->win % s->win_val)
            return 0;
        break;
    case P0F_WIN_MSS:
    case P0F_WIN_MTU:
        if (use_mtu != (s->win_type == P0F_WIN_MTU) || multi < 0 || (uint32_t)multi != s->win_val)
            return 0;
        break;
    default:
        break;
    }
    return fuzzy ? 1 : 2;
}

static int guess_dist(uint8_t ttl)
{
    static const uint8_t initial[] = {32, 64, 128, 255};
    for (size_t i = 0; i < sizeof initial; i++)
        if (ttl <= initial[i])
            return initial[i] - ttl;
    return -1;
}

void p0f_match(const struct p0f_db *db, const struct p0f_obs *o, struct p0f_result *res)
{
    memset(res, 0, sizeof *res);
    res->dist = -1;
    int use_mtu = 0;
    int multi = win_multiple(o, &use_mtu);
    const struct p0f_tcp_sig *best = NULL, *generic = NULL, *fuzzy = NULL;
    for (size_t i = 0; i < db->nsigs[o->dir] && !best; i++) {
        const struct p0f_tcp_sig *s = &db->sigs[o->dir][i];
        int fit = sig_fits(s, o, multi, use_mtu);
        if (fit == 2 && db->labels[s->label].type != 'g')
            best = s;
        else if (fit == 2 && !generic)
            generic = s;
        else if (fit == 1 && !fuzzy)
            fuzzy = s;
    }
    if (!best && generic)
        best = generic;
    if (!best && fuzzy && strcmp(db->labels[fuzzy->label].cls, "!")) {
        best = fuzzy; /* never a fuzzy match for a tool's signature */
        res->fuzzy = 1;
    }
    if (best) {
        res->label = &db->labels[best->label];
        res->line = best->line;
        if (best->ittl >= o->ttl && (best->ttl_rand || best->ittl - o->ttl <= P0F_MAX_DIST))
            res->dist = best->ittl - o->ttl;
    }
    if (res->dist < 0)
        res->dist = guess_dist(o->ttl);
    if (o->mss && (!best || best->mss == -1)) {
        uint32_t mtu = o->mss + (o->ver == 4 ? 40u : 60u);
        for (size_t i = 0; i < db->nmtus; i++)
            if (db->mtus[i].mtu == mtu) {
                res->link = db->mtu_names[db->mtus[i].label];
                break;
            }
    }
}

void p0f_label_str(const struct p0f_label *l, char *buf, size_t len)
{
    if (!l)
        snprintf(buf, len, "unknown");
    else if (l->flavor[0])
        snprintf(buf, len, "%s %s", l->name, l->flavor);
    else
        snprintf(buf, len, "%s", l->name);
}
