/* fptests.c — nmap's OS fingerprint tests from a record of probes and replies (fptests.h).
 *
 * Each function follows what nmap 7.93 does in osscan2.cc (makeTSeqFP, processT*Resp,
 * makeFP) and osscan.cc (WriteSInfo), including its quirks: a reply's options are read on
 * past an end-of-list option, IP ID differences wrap as 32-bit values before they are cut
 * to 16 bits, and the ISN rates are kept as floats. */
#include "os/fptests.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- reading a stored reply -------------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IPv4 datagram split into its IP fields and its transport bytes. */
struct ipv4 {
    uint8_t ttl, proto;
    int df;
    uint16_t id, tot_len;
    size_t hl;
    const uint8_t *l4;
    size_t l4len;
};

static int ip_read(const struct fpt_pkt *pk, struct ipv4 *ip)
{
    if (pk->len < 20 || pk->len > sizeof pk->b || pk->b[0] >> 4 != 4)
        return -1;
    size_t hl = (size_t)(pk->b[0] & 15) * 4;
    if (hl < 20 || hl > pk->len)
        return -1;
    ip->ttl = pk->b[8];
    ip->proto = pk->b[9];
    ip->df = (pk->b[6] & 0x40) != 0;
    ip->id = be16(pk->b + 4);
    ip->tot_len = be16(pk->b + 2);
    ip->hl = hl;
    ip->l4 = pk->b + hl;
    ip->l4len = pk->len - hl;
    return 0;
}

/* A TCP reply: its header fields and its option bytes. */
struct tcpr {
    struct ipv4 ip;
    uint32_t seq, ack;
    uint8_t flags, x2;
    uint16_t win, urp;
    const uint8_t *opts, *data;
    size_t optlen, datalen;
};

static int tcp_read(const struct fpt_pkt *pk, struct tcpr *t)
{
    if (!pk->len || ip_read(pk, &t->ip) < 0 || t->ip.proto != 6 || t->ip.l4len < 20)
        return -1;
    const uint8_t *h = t->ip.l4;
    size_t off = (size_t)(h[12] >> 4) * 4;
    if (off < 20 || off > t->ip.l4len)
        return -1;
    t->seq = be32(h + 4);
    t->ack = be32(h + 8);
    t->x2 = h[12] & 15;
    t->flags = h[13];
    t->win = be16(h + 14);
    t->urp = be16(h + 18);
    t->opts = h + 20;
    t->optlen = off - 20;
    t->data = h + off;
    t->datalen = t->ip.l4len - off;
    return 0;
}

/* ---- small pieces -------------------------------------------------------------------- */

uint32_t fpt_crc32(const uint8_t *p, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void hex(char *out, size_t cap, unsigned long v)
{
    snprintf(out, cap, "%lX", v);
}

/* nmap's initial TTL guess from a received TTL. */
static int ttl_guess(unsigned ttl)
{
    return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

int fpt_tcpopt_string(const uint8_t *o, size_t len, char *out, size_t outlen)
{
    /* As nmap 7.93's get_tcpopt_string: every option is taken to have its usual length
     * (the length byte is not read), and an unknown kind is skipped one byte at a time
     * without counting it, so the bytes after it are read as options. */
    const uint8_t *end = o + len;
    size_t left = len, w = 0;
    if (!outlen)
        return -1;
    while (left > 0 && w + 5 < outlen) {
        if (o >= end)
            goto bad; /* nmap would read past the header here */
        uint8_t op = *o++;
        static const uint8_t need[9] = {0, 0, 3, 2, 1, 0, 0, 0, 9}; /* bytes after the kind */
        if (op < 9 && o + need[op] > end)
            goto bad;
        int n = 0;
        if (op == 0 || op == 1) {
            out[w++] = op ? 'N' : 'L';
            left--;
        } else if (op == 2) {
            if (left < 4)
                break;
            n = snprintf(out + w, outlen - w, "M%X", (unsigned)be16(o + 1));
            o += 3;
            left -= 4;
        } else if (op == 3) {
            if (left < 3)
                break;
            n = snprintf(out + w, outlen - w, "W%X", (unsigned)o[1]);
            o += 2;
            left -= 3;
        } else if (op == 4) {
            if (left < 2)
                break;
            out[w++] = 'S';
            o++;
            left -= 2;
        } else if (op == 8) {
            if (left < 10)
                break;
            n = snprintf(out + w, outlen - w, "T%c%c", (o[1] | o[2] | o[3] | o[4]) ? '1' : '0',
                         (o[5] | o[6] | o[7] | o[8]) ? '1' : '0');
            o += 9;
            left -= 10;
        }
        if (n < 0 || (size_t)n >= outlen - w)
            goto bad;
        w += (size_t)n;
    }
    if (left > 0)
        goto bad;
    out[w] = 0;
    return (int)w;
bad:
    out[0] = 0;
    return -1;
}

/* The TCP timestamp value of a reply's options (nmap 7.93's gettcpopt_ts, which stops at
 * an end-of-list option): 1 with *ts set, 0 when it has none. */
static int tcp_tsval(const struct tcpr *t, uint32_t *ts)
{
    const uint8_t *o = t->opts;
    size_t len = t->optlen;
    *ts = 0;
    while (len > 0 && o[0] != 0) {
        if (o[0] == 1) {
            o++;
            len--;
            continue;
        }
        if (len < 2 || o[1] < 2 || o[1] > len)
            return 0;
        if (o[0] == 8 && o[1] == 10) {
            *ts = be32(o + 2);
            return 1;
        }
        len -= o[1];
        o += o[1];
    }
    return 0;
}

/* ---- IP ID sequences (identify_sequence, get_diffs) ---------------------------------- */

static int identify(int n, uint32_t *d, int islocalhost)
{
    if (islocalhost) {
        int allgto = 1;
        for (int i = 0; i < n - 1; i++)
            if (d[i] < 2)
                allgto = 0;
        for (int i = 0; allgto && i < n - 1; i++)
            d[i] -= d[i] % 256 == 0 ? 256 : 1;
    }
    int allzero = 1;
    for (int i = 0; i < n - 1; i++)
        if (d[i])
            allzero = 0;
    if (allzero)
        return FPT_IPID_CONSTANT;
    for (int i = 0; i < n - 1; i++)
        if (d[i] > 1000 && (d[i] % 256 != 0 || d[i] >= 25600))
            return FPT_IPID_RPI;
    int small = 1, broken = 1, even = 1;
    for (int i = 0; i < n - 1; i++) {
        if (d[i] > 5120 || d[i] % 256 != 0)
            broken = 0;
        if (d[i] % 2)
            even = 0;
        if (d[i] > 9)
            small = 0;
    }
    if (broken)
        return FPT_IPID_BROKEN_INCR;
    if (even)
        return FPT_IPID_INCR_BY_2;
    if (small)
        return FPT_IPID_INCR;
    return FPT_IPID_UNKNOWN;
}

int fpt_ipid_class(const uint32_t *ids, int n, int islocalhost)
{
    uint32_t d[FPT_NSEQ];
    if (n < 2 || n > FPT_NSEQ)
        return FPT_IPID_UNKNOWN;
    int allzero = 1;
    for (int i = 1; i < n; i++) {
        if (ids[i - 1] || ids[i])
            allzero = 0;
        d[i - 1] = ids[i] - ids[i - 1];
        if (n > 2 && d[i - 1] > 20000)
            return FPT_IPID_RD;
    }
    if (allzero)
        return FPT_IPID_ZERO;
    for (int i = 0; i < n - 1; i++)
        d[i] &= 0xffff;
    return identify(n, d, islocalhost);
}

/* The SEQ value of an IP ID class (make_aval_ipid_seq); NULL: omitted. */
static const char *ipid_aval(int cls, uint32_t first, char *buf, size_t cap)
{
    switch (cls) {
    case FPT_IPID_CONSTANT:
        hex(buf, cap, first);
        return buf;
    case FPT_IPID_INCR_BY_2:
    case FPT_IPID_INCR:
        return "I";
    case FPT_IPID_BROKEN_INCR:
        return "BI";
    case FPT_IPID_RPI:
        return "RI";
    case FPT_IPID_RD:
        return "RD";
    case FPT_IPID_ZERO:
        return "Z";
    default:
        return NULL;
    }
}

const char *fpt_ipid_class_str(int cls)
{
    static const char *const names[] = {
        [FPT_IPID_UNKNOWN] = "Busy server or unknown class",
        [FPT_IPID_INCR] = "Incremental",
        [FPT_IPID_BROKEN_INCR] = "Broken little-endian incremental",
        [FPT_IPID_RPI] = "Random positive increments",
        [FPT_IPID_RD] = "Randomized",
        [FPT_IPID_CONSTANT] = "Duplicated ipid (!)",
        [FPT_IPID_ZERO] = "All zeros",
        [FPT_IPID_INCR_BY_2] = "Incrementing by 2",
    };
    return cls >= 0 && cls <= FPT_IPID_INCR_BY_2 ? names[cls] : "unknown class";
}

const char *fpt_ts_class_str(int cls)
{
    static const char *const names[] = {
        [FPT_TS_UNKNOWN] = "unknown class",
        [FPT_TS_ZERO] = "zero timestamp",
        [FPT_TS_2HZ] = "2HZ",
        [FPT_TS_100HZ] = "100HZ",
        [FPT_TS_1000HZ] = "1000HZ",
        [FPT_TS_OTHER] = "other",
        [FPT_TS_UNSUPPORTED] = "none returned (unsupported)",
    };
    return cls >= 0 && cls <= FPT_TS_UNSUPPORTED ? names[cls] : "unknown class";
}

const char *fpt_seq_difficulty(int idx)
{
    return idx < 3    ? "Trivial joke"
           : idx < 6  ? "Easy"
           : idx < 11 ? "Medium"
           : idx < 12 ? "Formidable"
           : idx < 16 ? "Worthy challenge"
                      : "Good luck!";
}

/* ---- the tests ----------------------------------------------------------------------- */

/* Computation state: the record, the fingerprint being filled, the first error. */
struct ctx {
    const struct fpt_record *rec;
    struct osfp *fp;
    struct pr_error *err;
    int failed;
    int hop_distance; /* nmap's hss->distance: from U1's quote, or -1 */
};

static void set(struct ctx *c, const char *test, const char *attr, const char *value)
{
    if (!c->failed && value && osfp_set(c->fp, test, attr, value, c->err) < 0)
        c->failed = 1;
}

static void set_hex(struct ctx *c, const char *test, const char *attr, unsigned long v)
{
    char b[24];
    hex(b, sizeof b, v);
    set(c, test, attr, b);
}

/* R, DF and T or TG: T is the received TTL made initial with the U1 distance, or without
 * one the initial TTL is guessed (TG) and T left out (makeFP). */
static void set_rdft(struct ctx *c, const char *test, int df, unsigned ttl, const char *dfname)
{
    set(c, test, "R", "Y");
    if (dfname)
        set(c, test, dfname, df ? "Y" : "N");
    if (c->hop_distance != -1)
        set_hex(c, test, "T", ttl + (unsigned)c->hop_distance - 1);
    else
        set_hex(c, test, "TG", (unsigned long)ttl_guess(ttl));
}

static void set_opts(struct ctx *c, const char *test, const char *attr, const struct tcpr *t)
{
    char ops[256];
    if (fpt_tcpopt_string(t->opts, t->optlen, ops, sizeof ops) <= 0)
        ops[0] = 0;
    set(c, test, attr, ops);
}

static void set_quirks(struct ctx *c, const char *test, const struct tcpr *t)
{
    char q[4];
    size_t n = 0;
    if (t->x2)
        q[n++] = 'R';
    if (!(t->flags & 0x20) && t->urp)
        q[n++] = 'U';
    q[n] = 0;
    set(c, test, "Q", q);
}

/* T1-T7 (processT1_7Resp): no = 0 for T1, which has no W and no O. */
static void test_t(struct ctx *c, int no, const struct tcpr *t)
{
    char name[4] = {'T', (char)('1' + no), 0};
    const struct fpt_record *r = c->rec;
    set_rdft(c, name, t->ip.df, t->ip.ttl, "DF");
    if (no)
        set_hex(c, name, "W", t->win);
    set(c, name, "S",
        t->seq == 0            ? "Z"
        : t->seq == r->ack     ? "A"
        : t->seq == r->ack + 1 ? "A+"
                               : "O");
    set(c, name, "A",
        t->ack == 0                 ? "Z"
        : t->ack == r->seq_base     ? "S"
        : t->ack == r->seq_base + 1 ? "S+"
                                    : "O");
    static const struct {
        uint8_t bit;
        char c;
    } fl[] = {{0x40, 'E'}, {0x20, 'U'}, {0x10, 'A'}, {0x08, 'P'},
              {0x04, 'R'}, {0x02, 'S'}, {0x01, 'F'}};
    char f[8];
    size_t n = 0;
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (t->flags & fl[i].bit)
            f[n++] = fl[i].c;
    f[n] = 0;
    set(c, name, "F", f);
    if (no)
        set_opts(c, name, "O", t);
    /* RST data: nmap 7.93 takes its length from the IP total length */
    long dl = (long)t->ip.tot_len - (long)t->ip.hl - (long)(t->data - t->ip.l4);
    if ((t->flags & 0x04) && dl > 0)
        set_hex(c, name, "RD",
                fpt_crc32(t->data, (size_t)dl < t->datalen ? (size_t)dl : t->datalen));
    else
        set(c, name, "RD", "0");
    set_quirks(c, name, t);
}

static void test_ecn(struct ctx *c, const struct tcpr *t)
{
    set_rdft(c, "ECN", t->ip.df, t->ip.ttl, "DF");
    set_hex(c, "ECN", "W", t->win);
    set_opts(c, "ECN", "O", t);
    int ece = (t->flags & 0x40) != 0, cwr = (t->flags & 0x80) != 0;
    set(c, "ECN", "CC", ece && cwr ? "S" : ece ? "Y" : !cwr ? "N" : "O");
    set_quirks(c, "ECN", t);
}

/* U1's quoted datagram, read once for the distance and the test (processTUdpResp). */
struct u1r {
    struct ipv4 ip;
    const uint8_t *icmp, *ip2, *udp, *end;
    size_t ip2hl;
};

static int u1_read(const struct fpt_record *r, struct u1r *u)
{
    if (!r->u1.len || ip_read(&r->u1, &u->ip) < 0 || u->ip.proto != 1 || u->ip.l4len < 8)
        return -1;
    u->icmp = u->ip.l4;
    if (u->icmp[0] != 3 || u->icmp[1] != 3 || u->ip.l4len < 8 + 20 + 8)
        return -1;
    u->ip2 = u->icmp + 8;
    u->ip2hl = (size_t)(u->ip2[0] & 15) * 4;
    if (u->ip2hl < 20 || u->ip.l4len < 8 + u->ip2hl + 8)
        return -1;
    u->udp = u->ip2 + u->ip2hl;
    u->end = u->icmp + u->ip.l4len;
    if (be16(u->udp) != r->u1_sport || (int)be16(u->udp + 2) != r->closed_udp)
        return -1;
    return 0;
}

static void test_u1(struct ctx *c, const struct u1r *u)
{
    const struct fpt_record *r = c->rec;
    set_rdft(c, "U1", u->ip.df, u->ip.ttl, "DF");
    set_hex(c, "U1", "IPL", u->ip.tot_len);
    set_hex(c, "U1", "UN", be32(u->icmp + 4));
    uint16_t ripl = be16(u->ip2 + 2);
    if (ripl == 328)
        set(c, "U1", "RIPL", "G");
    else
        set_hex(c, "U1", "RIPL", ripl);
    uint16_t rid = be16(u->ip2 + 4);
    if (rid == r->u1_ipid)
        set(c, "U1", "RID", "G");
    else
        set_hex(c, "U1", "RID", rid);
    uint16_t ck = be16(u->ip2 + 10);
    if (ck == 0) {
        set(c, "U1", "RIPCK", "Z");
    } else { /* the checksum of the quoted header's first 20 bytes, its own field zero */
        uint32_t sum = 0;
        for (size_t i = 0; i < 20; i += 2)
            sum += i == 10 ? 0 : be16(u->ip2 + i);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        set(c, "U1", "RIPCK", (uint16_t)~sum == ck ? "G" : "I");
    }
    uint16_t uck = be16(u->udp + 6);
    if (uck == r->u1_cksum)
        set(c, "U1", "RUCK", "G");
    else
        set_hex(c, "U1", "RUCK", uck);
    const uint8_t *p = u->udp + 8;
    while (p < u->end && *p == FPT_U1_PATTERN)
        p++;
    set(c, "U1", "RUD", p < u->end ? "I" : "G");
}

/* An echo reply's DF bit, TTL and code; -1 when it is not one. */
static int ie_read(const struct fpt_pkt *pk, struct ipv4 *ip, uint8_t *code)
{
    if (!pk->len || ip_read(pk, ip) < 0 || ip->proto != 1 || ip->l4len < 8 || ip->l4[0] != 0)
        return -1;
    *code = ip->l4[1];
    return 0;
}

static void test_ie(struct ctx *c)
{
    const struct fpt_record *r = c->rec;
    struct ipv4 a, b;
    uint8_t ca, cb;
    if (ie_read(&r->ie[0], &a, &ca) < 0 || ie_read(&r->ie[1], &b, &cb) < 0)
        return;
    set(c, "IE", "R", "Y");
    set(c, "IE", "DFI", a.df && b.df ? "Y" : a.df && !b.df ? "S" : !a.df && !b.df ? "N" : "O");
    if (c->hop_distance != -1)
        set_hex(c, "IE", "T", a.ttl + (unsigned)c->hop_distance - 1);
    else
        set_hex(c, "IE", "TG", (unsigned long)ttl_guess(a.ttl));
    if (ca == cb) {
        if (ca == 0)
            set(c, "IE", "CD", "Z");
        else
            set_hex(c, "IE", "CD", ca);
    } else {
        set(c, "IE", "CD", ca == 9 && cb == 0 ? "S" : "O");
    }
}

/* gcd_n_uint */
static uint32_t gcd_n(int n, const uint32_t *v)
{
    if (!n)
        return 1;
    uint32_t a = v[0];
    for (int i = 1; i < n; i++) {
        uint32_t b = v[i];
        if (a < b) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        while (b) {
            uint32_t t = a % b;
            a = b;
            b = t;
        }
    }
    return a;
}

static uint32_t mod_diff(uint32_t a, uint32_t b)
{
    uint32_t x = a - b, y = b - a;
    return x < y ? x : y;
}

static long long tv_usec_diff(const struct timeval *a, const struct timeval *b)
{
    return (long long)(a->tv_sec - b->tv_sec) * 1000000 + (a->tv_usec - b->tv_usec);
}

/* The SEQ test (processTSeqResp for each reply, then makeTSeqFP). */
static void test_seq(struct ctx *c, struct fpt_summary *s)
{
    const struct fpt_record *r = c->rec;
    uint32_t seqs[FPT_NSEQ] = {0}, ts[FPT_NSEQ] = {0};
    uint32_t ipids[FPT_NSEQ] = {0};
    struct timeval sent[FPT_NSEQ];
    uint32_t tcp_ipids[FPT_NSEQ], closed_ipids[3], icmp_ipids[2];
    int ntcp = 0, nclosed = 0, nicmp = 0;
    uint16_t lastipid = 0;
    s->ts_class = FPT_TS_UNKNOWN;
    for (int i = 0; i < FPT_NSEQ; i++) {
        struct tcpr t;
        sent[i] = r->seq_sent[i];
        if (tcp_read(&r->seq[i], &t) < 0)
            continue;
        if (lastipid != 0 && t.ip.id == lastipid)
            continue; /* a duplicate, nmap says */
        lastipid = t.ip.id;
        if ((t.flags & 0x04) || (t.flags & 0x12) != 0x12 || seqs[i])
            continue;
        seqs[i] = t.seq;
        ipids[i] = t.ip.id;
        uint32_t v;
        if (!tcp_tsval(&t, &v))
            s->ts_class = FPT_TS_UNSUPPORTED;
        else if (v == 0)
            s->ts_class = FPT_TS_ZERO;
        ts[i] = v;
        tcp_ipids[ntcp++] = t.ip.id;
    }
    for (int i = 4; i < 7; i++) {
        struct tcpr t;
        if (tcp_read(&r->t[i], &t) == 0)
            closed_ipids[nclosed++] = t.ip.id;
    }
    for (int i = 0; i < 2; i++) {
        struct ipv4 ip;
        uint8_t code;
        if (!r->ie_retx[i] && ie_read(&r->ie[i], &ip, &code) == 0)
            icmp_ipids[nicmp++] = ip.id;
    }

    /* compact the responses (an ISN of 0 counts as none, as in nmap) */
    uint32_t seq_diffs[FPT_NSEQ], ts_diffs[FPT_NSEQ];
    unsigned long usec[FPT_NSEQ]; /* unsigned as in nmap: a clock step back wraps */
    float rates[FPT_NSEQ];
    double avg_rate = 0;
    int j = 0;
    for (int i = 0; i < FPT_NSEQ; i++) {
        if (!seqs[i])
            continue;
        seqs[j] = seqs[i];
        ipids[j] = ipids[i];
        ts[j] = ts[i];
        sent[j] = sent[i];
        if (j > 0) {
            seq_diffs[j - 1] = mod_diff(seqs[j], seqs[j - 1]);
            ts_diffs[j - 1] = mod_diff(ts[j], ts[j - 1]);
            usec[j - 1] = (unsigned long)tv_usec_diff(&sent[j], &sent[j - 1]);
            if (!usec[j - 1])
                usec[j - 1]++;
            rates[j - 1] = (float)(seq_diffs[j - 1] * 1000000.0 / (double)usec[j - 1]);
            avg_rate += rates[j - 1];
        }
        j++;
    }
    int n = j;
    s->responses = n;
    for (int i = 0; i < n; i++) {
        s->isns[i] = seqs[i];
        s->ipids[i] = (uint16_t)ipids[i];
        s->tsvals[i] = ts[i];
    }
    s->seq_index = -1;
    if (n >= 4) {
        avg_rate /= n - 1;
        double rate = avg_rate, stddev = 0;
        uint32_t g = gcd_n(n - 1, seq_diffs);
        int index;
        if (!g) {
            rate = 0;
            index = 0;
        } else {
            rate = (unsigned)(log(rate) / log(2.0) * 8 + 0.5);
            double div = g > 9 ? g : 1;
            for (int i = 0; i < n - 1; i++) {
                double d = rates[i] / div - avg_rate / div;
                stddev += d * d;
            }
            stddev = sqrt(stddev / (n - 2));
            index = stddev <= 1 ? 0 : (int)(log(stddev) / log(2.0) * 8 + 0.5);
        }
        s->seq_index = index;
        set_hex(c, "SEQ", "SP", (unsigned)index);
        set_hex(c, "SEQ", "GCD", g);
        set_hex(c, "SEQ", "ISR", (unsigned)rate);
    }

    int tcls = ntcp >= 3 ? fpt_ipid_class(tcp_ipids, ntcp, r->islocalhost) : FPT_IPID_UNKNOWN;
    int ccls =
        nclosed >= 2 ? fpt_ipid_class(closed_ipids, nclosed, r->islocalhost) : FPT_IPID_UNKNOWN;
    int icls = nicmp >= 2 ? fpt_ipid_class(icmp_ipids, nicmp, r->islocalhost) : FPT_IPID_UNKNOWN;
    s->ipid_class = tcls;
    char b[3][24];
    set(c, "SEQ", "TI", ipid_aval(tcls, tcp_ipids[0], b[0], sizeof b[0]));
    set(c, "SEQ", "CI", ipid_aval(ccls, closed_ipids[0], b[1], sizeof b[1]));
    set(c, "SEQ", "II", ipid_aval(icls, icmp_ipids[0], b[2], sizeof b[2]));
    int tinc = tcls == FPT_IPID_INCR || tcls == FPT_IPID_BROKEN_INCR || tcls == FPT_IPID_RPI;
    int iinc = icls == FPT_IPID_INCR || icls == FPT_IPID_BROKEN_INCR || icls == FPT_IPID_RPI;
    if (tinc && iinc) {
        uint32_t avg = (tcp_ipids[ntcp - 1] - tcp_ipids[0]) / (uint32_t)(ntcp - 1);
        set(c, "SEQ", "SS", icmp_ipids[0] < tcp_ipids[ntcp - 1] + 3 * avg ? "S" : "O");
    }

    double hz = 0;
    s->lastboot = 0;
    if (s->ts_class == FPT_TS_UNKNOWN && n >= 2) {
        long long uptime = 0;
        for (int i = 0; i < n - 1; i++)
            hz += ((double)ts_diffs[i] / ((double)usec[i] / 1000000.0)) / (n - 1);
        if (hz > 0 && hz < 5.66) {
            s->ts_class = FPT_TS_2HZ;
            uptime = ts[0] / 2;
        } else if (hz > 70 && hz < 150) {
            s->ts_class = FPT_TS_100HZ;
            uptime = ts[0] / 100;
        } else if (hz > 724 && hz < 1448) {
            s->ts_class = FPT_TS_1000HZ;
            uptime = ts[0] / 1000;
        } else if (hz > 0) {
            s->ts_class = FPT_TS_OTHER;
            /* nmap's (unsigned int)(0.5 + hz): as gcc on x86-64 converts, through 64 bits */
            unsigned div = (unsigned)(uint64_t)(0.5 + hz);
            uptime = div ? ts[0] / div : 0;
        }
        if (uptime > 63072000)
            uptime = 0; /* two years: probably lying */
        s->lastboot = (long long)sent[0].tv_sec - uptime;
    }
    switch (s->ts_class) {
    case FPT_TS_ZERO:
        set(c, "SEQ", "TS", "0");
        break;
    case FPT_TS_2HZ:
    case FPT_TS_100HZ:
    case FPT_TS_1000HZ:
    case FPT_TS_OTHER: {
        unsigned v = hz <= 5.66              ? 1
                     : hz > 70 && hz <= 150  ? 7
                     : hz > 150 && hz <= 350 ? 8
                                             : (unsigned)(0.5 + log(hz) / log(2.0));
        set_hex(c, "SEQ", "TS", v);
        break;
    }
    case FPT_TS_UNSUPPORTED:
        set(c, "SEQ", "TS", "U");
        break;
    default:
        break;
    }
}

/* OPS and WIN: from the SEQ replies, or the re-probes; only when all six are there. */
static void test_ops_win(struct ctx *c)
{
    const struct fpt_record *r = c->rec;
    struct tcpr t[FPT_NSEQ];
    for (int i = 0; i < FPT_NSEQ; i++)
        if (tcp_read(&r->seq[i], &t[i]) < 0 && tcp_read(&r->ops[i], &t[i]) < 0)
            return;
    for (int i = 0; i < FPT_NSEQ; i++) {
        char a[3] = {'O', (char)('1' + i), 0};
        set_opts(c, "OPS", a, &t[i]);
    }
    for (int i = 0; i < FPT_NSEQ; i++) {
        char a[3] = {'W', (char)('1' + i), 0};
        set_hex(c, "WIN", a, t[i].win);
    }
}

int fpt_compute(const struct fpt_record *rec, struct osfp *fp, struct fpt_summary *sum,
                struct pr_error *err)
{
    memset(fp, 0, sizeof *fp);
    memset(sum, 0, sizeof *sum);
    struct ctx c = {.rec = rec, .fp = fp, .err = err, .hop_distance = -1};
    struct u1r u;
    int have_u1 = u1_read(rec, &u) == 0;
    if (have_u1)
        c.hop_distance = rec->u1_ttl - u.ip2[8] + 1;

    test_seq(&c, sum);
    test_ops_win(&c);
    struct tcpr t;
    if (tcp_read(&rec->ecn, &t) == 0)
        test_ecn(&c, &t);
    else if (rec->open_port != -1)
        set(&c, "ECN", "R", "N");
    for (int i = 0; i < 7; i++) {
        char name[4] = {'T', (char)('1' + i), 0};
        const struct fpt_pkt *pk = i == 0 && rec->seq[0].len ? &rec->seq[0] : &rec->t[i];
        if (tcp_read(pk, &t) == 0)
            test_t(&c, i, &t);
        else if ((i < 4 && rec->open_port != -1) || (i >= 4 && rec->closed_port_known))
            set(&c, name, "R", "N");
    }
    if (have_u1)
        test_u1(&c, &u);
    else
        set(&c, "U1", "R", "N");
    test_ie(&c);
    if (!osfp_test(fp, "IE"))
        set(&c, "IE", "R", "N");

    sum->distance = rec->islocalhost ? 0 : rec->direct ? 1 : c.hop_distance;
    sum->dist_method = rec->islocalhost ? 'L' : rec->direct ? 'D' : c.hop_distance != -1 ? 'I' : 0;
    if (rec->open_port >= 0)
        sum->timing_ratio =
            (double)(tv_usec_diff(&rec->seq_sent[FPT_NSEQ - 1], &rec->seq_sent[0]) / 1000) /
            (100.0 * (FPT_NSEQ - 1));
    return c.failed ? -1 : 0;
}

int fpt_scan_line(struct osfp *fp, const struct fpt_record *rec, const struct fpt_summary *sum,
                  const char *version, const uint8_t *mac, int good, long long now, int month,
                  int mday, int private_addr, struct pr_error *err)
{
    struct osfp_test *s = &fp->scan;
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "SCAN");
    char v[8][OSFP_VALUE];
    const char *names[OSFP_MAX_ATTRS];
    const char *vals[OSFP_MAX_ATTRS];
    size_t n = 0;
#define ADD(k, val)                                                                                \
    do {                                                                                           \
        names[n] = (k);                                                                            \
        vals[n++] = (val);                                                                         \
    } while (0)
    ADD("V", version);
    ADD("E", "4");
    snprintf(v[0], sizeof v[0], "%d/%d", month, mday);
    ADD("D", v[0]);
    v[1][0] = v[2][0] = v[3][0] = 0;
    if (rec->open_port != -1)
        snprintf(v[1], sizeof v[1], "%d", rec->open_port);
    if (rec->closed_port != -1 && rec->closed_port_known)
        snprintf(v[2], sizeof v[2], "%d", rec->closed_port);
    if (rec->closed_udp != -1 && (rec->closed_udp_known || rec->u1.len))
        snprintf(v[3], sizeof v[3], "%d", rec->closed_udp);
    ADD("OT", v[1]);
    ADD("CT", v[2]);
    ADD("CU", v[3]);
    ADD("PV", private_addr ? "Y" : "N");
    if (sum->distance != -1) {
        snprintf(v[4], sizeof v[4], "%d", sum->distance);
        ADD("DS", v[4]);
    }
    if (sum->dist_method) {
        v[5][0] = sum->dist_method;
        v[5][1] = 0;
        ADD("DC", v[5]);
    }
    ADD("G", good ? "Y" : "N");
    if (mac) {
        snprintf(v[6], sizeof v[6], "%02X%02X%02X", mac[0], mac[1], mac[2]);
        ADD("M", v[6]);
    }
    snprintf(v[7], sizeof v[7], "%llX", (unsigned long long)now);
    ADD("TM", v[7]);
    ADD("P", "x86_64-pc-linux-gnu");
#undef ADD
    for (size_t i = 0; i < n; i++) {
        if (i >= OSFP_MAX_ATTRS || strlen(names[i]) >= OSFP_NAME || strlen(vals[i]) >= OSFP_VALUE)
            return pr_errf(err, "fingerprint SCAN line: attribute %s too long", names[i]);
        snprintf(s->attrs[i].name, OSFP_NAME, "%s", names[i]);
        snprintf(s->attrs[i].value, OSFP_VALUE, "%s", vals[i]);
    }
    s->nattrs = n;
    return 0;
}
