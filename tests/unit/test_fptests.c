/* test_fptests.c — nmap's OS fingerprint tests (os/fptests.c) on hand-built replies, each
 * expected value worked out from nmap's formulas (osscan2.cc, and the Nmap book's
 * "TCP/IP Fingerprinting Methods Supported by Nmap"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "os/fptests.h"

#include <stdio.h>
#include <string.h>

#define SEQ_BASE 0x10000000u
#define ACK 0x20000000u
#define U1_SPORT 45000
#define U1_DPORT 33000

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint16_t cksum(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4 header of 20 bytes at b for a datagram of tot bytes. */
static void ip4(uint8_t *b, size_t tot, uint8_t proto, uint8_t ttl, int df, uint16_t id)
{
    memset(b, 0, 20);
    b[0] = 0x45;
    put16(b + 2, (uint16_t)tot);
    put16(b + 4, id);
    b[6] = df ? 0x40 : 0;
    b[8] = ttl;
    b[9] = proto;
    b[12] = 198, b[13] = 18, b[14] = 0, b[15] = 2; /* from the target */
    b[16] = 198, b[17] = 18, b[18] = 0, b[19] = 1;
    put16(b + 10, cksum(b, 20));
}

struct tcpspec {
    uint8_t ttl;
    int df;
    uint16_t id;
    uint32_t seq, ack;
    uint8_t flags, x2;
    uint16_t win, urp;
    const uint8_t *opts;
    size_t optlen;
    const char *data;
};

static void tcp(struct fpt_pkt *pk, const struct tcpspec *t)
{
    size_t dl = t->data ? strlen(t->data) : 0, thl = 20 + t->optlen, tot = 20 + thl + dl;
    ip4(pk->b, tot, 6, t->ttl, t->df, t->id);
    uint8_t *h = pk->b + 20;
    memset(h, 0, thl);
    put16(h, 8000);
    put16(h + 2, 40000);
    put32(h + 4, t->seq);
    put32(h + 8, t->ack);
    h[12] = (uint8_t)((thl / 4) << 4 | t->x2);
    h[13] = t->flags;
    put16(h + 14, t->win);
    put16(h + 18, t->urp);
    if (t->optlen)
        memcpy(h + 20, t->opts, t->optlen);
    if (dl)
        memcpy(h + thl, t->data, dl);
    pk->len = tot;
}

/* Linux's SYN/ACK options: MSS 1460, SACK permitted, timestamp (tsval, echo), NOP, WS 7 */
static size_t linux_opts(uint8_t *o, uint32_t tsval, uint32_t echo)
{
    static const uint8_t head[] = {2, 4, 5, 0xb4, 4, 2, 8, 10};
    memcpy(o, head, sizeof head);
    put32(o + 8, tsval);
    put32(o + 12, echo);
    o[16] = 1, o[17] = 3, o[18] = 3, o[19] = 7;
    return 20;
}

static void record_init(struct fpt_record *r)
{
    memset(r, 0, sizeof *r);
    r->seq_base = SEQ_BASE;
    r->ack = ACK;
    r->open_port = 8000;
    r->closed_port = 7999;
    r->closed_port_known = 1;
    r->closed_udp = U1_DPORT;
    r->u1_sport = U1_SPORT;
    r->u1_ipid = 0x1042;
    r->u1_ttl = 60;
    r->direct = 1;
    for (int i = 0; i < FPT_NSEQ; i++) {
        r->seq_sent[i].tv_sec = 1000000000 + (i * 100000) / 1000000;
        r->seq_sent[i].tv_usec = (i * 100000) % 1000000;
    }
}

/* Six SYN/ACKs: ISN isn0 + sum of diffs, IP IDs ids[i], timestamps ts0 + i*tsstep (or none
 * when with_ts is 0). */
static void seq_replies(struct fpt_record *r, uint32_t isn0, const uint32_t *diffs,
                        const uint16_t *ids, int with_ts, uint32_t ts0, uint32_t tsstep)
{
    uint32_t isn = isn0;
    for (int i = 0; i < FPT_NSEQ; i++) {
        uint8_t o[20];
        size_t ol = with_ts ? linux_opts(o, ts0 + (uint32_t)i * tsstep, 0xffffffffu) : 0;
        if (!with_ts) {
            static const uint8_t mss[] = {2, 4, 5, 0xb4};
            memcpy(o, mss, sizeof mss);
            ol = 4;
        }
        struct tcpspec t = {.ttl = 64,
                            .df = 1,
                            .id = ids ? ids[i] : 0,
                            .seq = isn,
                            .ack = SEQ_BASE + (uint32_t)i + 1,
                            .flags = 0x12,
                            .win = 0xfe88,
                            .opts = o,
                            .optlen = ol};
        tcp(&r->seq[i], &t);
        if (i < FPT_NSEQ - 1)
            isn += diffs[i];
    }
}

static const char *get(const struct osfp *fp, const char *t, const char *a)
{
    const char *v = osfp_get(fp, t, a);
    return v ? v : "(absent)";
}

/* The test as nmap writes it: NAME(A=V%B=W). */
static const char *test_str(const struct osfp *fp, const char *name, char *buf, size_t cap)
{
    const struct osfp_test *t = osfp_test(fp, name);
    if (!t)
        return "(absent)";
    size_t w = (size_t)snprintf(buf, cap, "%s(", t->name);
    for (size_t i = 0; i < t->nattrs && w < cap; i++)
        w += (size_t)snprintf(buf + w, cap - w, "%s%s=%s", i ? "%" : "", t->attrs[i].name,
                              t->attrs[i].value);
    if (w < cap)
        snprintf(buf + w, cap - w, ")");
    return buf;
}

static void compute(const struct fpt_record *r, struct osfp *fp, struct fpt_summary *s)
{
    struct pr_error e = {{0}};
    assert_int_equal(fpt_compute(r, fp, s, &e), 0);
}

/* ---- option strings ------------------------------------------------------------------ */

static void test_opts(void **state)
{
    (void)state;
    char out[64];
    uint8_t o[20];
    linux_opts(o, 5, 0);
    assert_int_equal(fpt_tcpopt_string(o, 20, out, sizeof out), 11);
    assert_string_equal(out, "M5B4ST10NW7"); /* echo 0: the second timestamp digit is 0 */
    linux_opts(o, 5, 9);
    fpt_tcpopt_string(o, 20, out, sizeof out);
    assert_string_equal(out, "M5B4ST11NW7");
    /* end-of-list padding is read on: every zero byte is an L */
    const uint8_t eol[] = {2, 4, 0x05, 0x78, 1, 1, 0, 0};
    fpt_tcpopt_string(eol, sizeof eol, out, sizeof out);
    assert_string_equal(out, "M578NNLL");
    /* nmap 7.93 skips an unknown kind one byte at a time without counting it, so it walks
     * past the end of the options: the value is empty */
    const uint8_t unk[] = {30, 4, 2, 1, 1, 1};
    assert_int_equal(fpt_tcpopt_string(unk, sizeof unk, out, sizeof out), -1);
    assert_string_equal(out, "");
    /* a truncated MSS: nmap gives up and the value is empty */
    const uint8_t trunc[] = {1, 2, 4, 5};
    assert_int_equal(fpt_tcpopt_string(trunc, sizeof trunc, out, sizeof out), -1);
    assert_string_equal(out, "");
    assert_int_equal(fpt_tcpopt_string(o, 0, out, sizeof out), 0);
}

/* ---- SEQ ---------------------------------------------------------------------------- */

static void test_seq_constant_rate(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    record_init(&r);
    /* ISNs 100000 apart every 100 ms: 1e6/s, ISR = round(8*log2(1e6)) = 159 = 9F; all rates
     * equal: SP 0; GCD 100000 = 186A0. IP IDs all zero: TI=Z. Timestamps +100 every 100 ms:
     * 1000 Hz, TS = round(log2(1000)) = 10 = A; uptime 3600000/1000 s. */
    uint32_t d[5] = {100000, 100000, 100000, 100000, 100000};
    seq_replies(&r, 0x1000, d, NULL, 1, 3600000, 100);
    compute(&r, &fp, &s);
    char b[256];
    assert_string_equal(test_str(&fp, "SEQ", b, sizeof b), "SEQ(SP=0%GCD=186A0%ISR=9F%TI=Z%TS=A)");
    assert_int_equal(s.responses, 6);
    assert_int_equal(s.seq_index, 0);
    assert_int_equal(s.ipid_class, FPT_IPID_ZERO);
    assert_int_equal(s.ts_class, FPT_TS_1000HZ);
    assert_int_equal(s.lastboot, 1000000000 - 3600);
    assert_string_equal(fpt_seq_difficulty(s.seq_index), "Trivial joke");
}

static void test_seq_gcd_sp(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    record_init(&r);
    /* diffs 2000..10000: GCD 2000 = 7D0; rates 20000..100000/s, mean 60000: ISR =
     * round(8*log2(60000)) = round(126.98) = 127 = 7F; rates/GCD 10..50, deviations
     * -20..20, squares 1000 / (6-2) = 250, sqrt 15.81, SP = round(8*log2(15.81)) = 32 = 20.
     * IP IDs 1000..1005 step 1: TI=I; no timestamps: TS=U. */
    uint32_t d[5] = {2000, 4000, 6000, 8000, 10000};
    uint16_t ids[6] = {1000, 1001, 1002, 1003, 1004, 1005};
    seq_replies(&r, 0x1000, d, ids, 0, 0, 0);
    /* ICMP echo replies with IDs 1006, 1007: II=I, and shared with TCP's: SS=S */
    for (int i = 0; i < 2; i++) {
        ip4(r.ie[i].b, 28, 1, 64, 0, (uint16_t)(1006 + i));
        r.ie[i].len = 28;
    }
    compute(&r, &fp, &s);
    char b[256];
    assert_string_equal(test_str(&fp, "SEQ", b, sizeof b),
                        "SEQ(SP=20%GCD=7D0%ISR=7F%TI=I%II=I%SS=S%TS=U)");
    assert_string_equal(fpt_seq_difficulty(s.seq_index), "Good luck!");
    assert_int_equal(s.ts_class, FPT_TS_UNSUPPORTED);
    assert_int_equal(s.lastboot, 0);
    /* far apart from the TCP sequence: SS=O (1005 + 3*1 <= 1200) */
    for (int i = 0; i < 2; i++)
        ip4(r.ie[i].b, 28, 1, 64, 0, (uint16_t)(1200 + i));
    compute(&r, &fp, &s);
    assert_string_equal(get(&fp, "SEQ", "SS"), "O");
}

static void test_seq_few(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    record_init(&r);
    uint32_t d[5] = {7, 7, 7, 7, 7};
    seq_replies(&r, 0x1000, d, NULL, 1, 500, 0);
    /* only three replies: no SP/GCD/ISR (nmap wants 4); timestamps that do not move:
     * 0 Hz gives no class and no TS */
    r.seq[3].len = r.seq[4].len = r.seq[5].len = 0;
    compute(&r, &fp, &s);
    char b[256];
    assert_string_equal(test_str(&fp, "SEQ", b, sizeof b), "SEQ(TI=Z)");
    assert_int_equal(s.seq_index, -1);
    /* a zero timestamp: TS=0 */
    uint8_t o[20];
    linux_opts(o, 0, 0);
    struct tcpspec t = {
        .ttl = 64, .df = 1, .seq = 5, .ack = SEQ_BASE + 1, .flags = 0x12, .opts = o, .optlen = 20};
    tcp(&r.seq[0], &t);
    compute(&r, &fp, &s);
    assert_string_equal(get(&fp, "SEQ", "TS"), "0");
    /* a RST is no SEQ response (nmap asks "is this port really open?") */
    t.flags = 0x14;
    tcp(&r.seq[0], &t);
    compute(&r, &fp, &s);
    assert_int_equal(s.responses, 2);
}

static void test_ipid_classes(void **state)
{
    (void)state;
    const uint32_t incr[] = {10, 11, 13, 14};
    const uint32_t by2[] = {10, 12, 14, 16};
    const uint32_t broken[] = {256, 512, 768, 1024}; /* little-endian counters */
    const uint32_t rpi[] = {100, 2100, 4200, 6300};
    const uint32_t rd[] = {5000, 4000, 6000, 7000}; /* a step back wraps: > 20000 */
    const uint32_t zero[] = {0, 0, 0};
    const uint32_t same[] = {77, 77, 77};
    const uint32_t busy[] = {10, 20, 35, 50};
    const uint32_t wrap[] = {65534, 65535, 0, 1}; /* 16-bit wrap: still incremental */
    assert_int_equal(fpt_ipid_class(incr, 4, 0), FPT_IPID_INCR);
    assert_int_equal(fpt_ipid_class(by2, 4, 0), FPT_IPID_INCR_BY_2);
    assert_int_equal(fpt_ipid_class(broken, 4, 0), FPT_IPID_BROKEN_INCR);
    assert_int_equal(fpt_ipid_class(rpi, 4, 0), FPT_IPID_RPI);
    assert_int_equal(fpt_ipid_class(rd, 4, 0), FPT_IPID_RD);
    assert_int_equal(fpt_ipid_class(zero, 3, 0), FPT_IPID_ZERO);
    assert_int_equal(fpt_ipid_class(same, 3, 0), FPT_IPID_CONSTANT);
    assert_int_equal(fpt_ipid_class(busy, 4, 0), FPT_IPID_UNKNOWN);
    assert_int_equal(fpt_ipid_class(wrap, 4, 0), FPT_IPID_RD); /* 0 - 65535 wraps in 32 bits */
    assert_int_equal(fpt_ipid_class(wrap + 2, 2, 0), FPT_IPID_INCR); /* RD needs 3 samples */
    /* on localhost every difference loses the RST the kernel sent back: 2,2,2 is 1,1,1 */
    const uint32_t lo[] = {10, 12, 14, 16};
    assert_int_equal(fpt_ipid_class(lo, 4, 1), FPT_IPID_INCR);
    assert_string_equal(fpt_ipid_class_str(FPT_IPID_ZERO), "All zeros");
    assert_string_equal(fpt_ts_class_str(FPT_TS_UNSUPPORTED), "none returned (unsupported)");
}

/* ---- OPS, WIN, ECN, T1-T7 ---------------------------------------------------------- */

static void test_ops_win_ecn_t(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    record_init(&r);
    uint32_t d[5] = {1, 1, 1, 1, 1};
    seq_replies(&r, 0x1000, d, NULL, 1, 100, 0);
    /* the fourth SEQ probe got nothing: its OPS/WIN come from the re-probe */
    r.seq[3].len = 0;
    uint8_t o[20];
    const uint8_t ops4[] = {2, 4, 2, 0x18, 1, 1, 4, 2};
    memcpy(o, ops4, sizeof ops4);
    struct tcpspec t = {.ttl = 64,
                        .df = 1,
                        .seq = 9,
                        .ack = SEQ_BASE + 1,
                        .flags = 0x12,
                        .win = 0x1000,
                        .opts = o,
                        .optlen = sizeof ops4};
    tcp(&r.ops[3], &t);
    /* ECN: SYN/ACK with ECE, no options, urgent pointer without URG, reserved bits */
    struct tcpspec ecn = {.ttl = 64,
                          .df = 0,
                          .seq = 9,
                          .ack = SEQ_BASE + 1,
                          .flags = 0x52,
                          .win = 0xfaf0,
                          .urp = 5,
                          .x2 = 1};
    tcp(&r.ecn, &ecn);
    /* T5: RST/ACK with data "abc" (CRC-32 352441C2), T7: RST seq = our ACK + 1 */
    struct tcpspec t5 = {
        .ttl = 64, .df = 1, .seq = 0, .ack = SEQ_BASE + 1, .flags = 0x14, .data = "abc"};
    tcp(&r.t[4], &t5);
    struct tcpspec t7 = {
        .ttl = 64, .df = 0, .seq = ACK + 1, .ack = SEQ_BASE, .flags = 0x04, .win = 0};
    tcp(&r.t[6], &t7);
    /* U1 answered with the quoted TTL as sent: distance 1, so T is the received TTL */
    uint8_t *b = r.u1.b;
    ip4(b, 20 + 8 + 28 + 8, 1, 64, 0, 1);
    b[20] = 3, b[21] = 3;
    ip4(b + 28, 328, 17, r.u1_ttl, 0, 0x1042);
    put16(b + 48, U1_SPORT);
    put16(b + 50, U1_DPORT);
    memset(b + 56, FPT_U1_PATTERN, 8);
    r.u1.len = 64;
    compute(&r, &fp, &s);
    char buf[512];
    assert_string_equal(test_str(&fp, "OPS", buf, sizeof buf),
                        "OPS(O1=M5B4ST11NW7%O2=M5B4ST11NW7%O3=M5B4ST11NW7%O4=M218NNS%"
                        "O5=M5B4ST11NW7%O6=M5B4ST11NW7)");
    assert_string_equal(test_str(&fp, "WIN", buf, sizeof buf),
                        "WIN(W1=FE88%W2=FE88%W3=FE88%W4=1000%W5=FE88%W6=FE88)");
    assert_string_equal(test_str(&fp, "ECN", buf, sizeof buf),
                        "ECN(R=Y%DF=N%T=40%W=FAF0%O=%CC=Y%Q=RU)");
    /* T1 is the first SEQ reply: no W and no O */
    assert_string_equal(test_str(&fp, "T1", buf, sizeof buf),
                        "T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=)");
    /* T2-T4 unanswered with an open port: R=N; T6 too, the closed port being known */
    assert_string_equal(test_str(&fp, "T2", buf, sizeof buf), "T2(R=N)");
    assert_string_equal(test_str(&fp, "T5", buf, sizeof buf),
                        "T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=352441C2%Q=)");
    assert_string_equal(test_str(&fp, "T6", buf, sizeof buf), "T6(R=N)");
    assert_string_equal(test_str(&fp, "T7", buf, sizeof buf),
                        "T7(R=Y%DF=N%T=40%W=0%S=A+%A=S%F=R%O=%RD=0%Q=)");
    assert_int_equal(s.distance, 1);
    assert_int_equal(s.dist_method, 'D');

    /* the closed port picked at random: no R=N for T5-T7 */
    r.closed_port_known = 0;
    r.t[4].len = r.t[6].len = 0;
    compute(&r, &fp, &s);
    assert_null(osfp_test(&fp, "T6"));
    /* a sixth reply missing everywhere: no OPS, no WIN */
    r.seq[5].len = 0;
    compute(&r, &fp, &s);
    assert_null(osfp_test(&fp, "OPS"));
    assert_null(osfp_test(&fp, "WIN"));
}

/* ---- U1 and IE, T against TG ------------------------------------------------------- */

static void u1_reply(struct fpt_record *r, uint8_t quoted_ttl, uint16_t ripl, int zero_ck,
                     int spoil_data)
{
    uint8_t *b = r->u1.b;
    size_t tot = 20 + 8 + 328;
    ip4(b, tot, 1, 62, 0, 7);
    memset(b + 20, 0, 8);
    b[20] = 3, b[21] = 3;
    ip4(b + 28, ripl, 17, quoted_ttl, 0, 0x1042);
    if (zero_ck)
        put16(b + 28 + 10, 0);
    uint8_t *u = b + 48;
    put16(u, U1_SPORT);
    put16(u + 2, U1_DPORT);
    put16(u + 4, 308);
    put16(u + 6, 0xabcd);
    memset(u + 8, FPT_U1_PATTERN, 300);
    if (spoil_data)
        u[8 + 299] = 0;
    r->u1_cksum = 0xabcd;
    r->u1.len = tot;
}

static void test_u1_ie(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    record_init(&r);
    r.open_port = -1; /* no open port: no SEQ-based tests, no R=N for ECN/T1-T4 */
    r.direct = 0;
    /* the quote came back with TTL 58 of the 60 sent: 3 hops (60 - 58 + 1); the reply's
     * TTL 62 becomes T = 62 + 3 - 1 = 40 */
    u1_reply(&r, 58, 328, 0, 0);
    for (int i = 0; i < 2; i++) { /* IE: DF only on the first (as asked), codes 9 and 0 */
        ip4(r.ie[i].b, 28, 1, (uint8_t)(62 - i), !i, (uint16_t)(1 + i));
        r.ie[i].b[20] = 0;
        r.ie[i].b[21] = i ? 0 : 9;
        r.ie[i].len = 28;
    }
    compute(&r, &fp, &s);
    char buf[512];
    assert_string_equal(test_str(&fp, "U1", buf, sizeof buf),
                        "U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)");
    /* IE's TTL is the first echo reply's (nmap 7.93): 62 + 2 = 40 */
    assert_string_equal(test_str(&fp, "IE", buf, sizeof buf), "IE(R=Y%DFI=S%T=40%CD=S)");
    assert_null(osfp_test(&fp, "ECN"));
    assert_null(osfp_test(&fp, "T1"));
    assert_int_equal(s.distance, 3);
    assert_int_equal(s.dist_method, 'I');

    /* a quote with its length changed, its checksum zeroed and its data spoilt */
    u1_reply(&r, 58, 0x134, 1, 1);
    r.u1_cksum = 0x1111;
    compute(&r, &fp, &s);
    assert_string_equal(test_str(&fp, "U1", buf, sizeof buf),
                        "U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=134%RID=G%RIPCK=Z%RUCK=ABCD%RUD=I)");
    /* a checksum that does not match the quoted header: I */
    u1_reply(&r, 58, 328, 0, 0);
    r.u1.b[28 + 10] ^= 1;
    compute(&r, &fp, &s);
    assert_string_equal(get(&fp, "U1", "RIPCK"), "I");

    /* without U1 the distance is unknown: TG, the guessed initial TTL, replaces T */
    r.u1.len = 0;
    compute(&r, &fp, &s);
    assert_string_equal(test_str(&fp, "U1", buf, sizeof buf), "U1(R=N)");
    assert_string_equal(test_str(&fp, "IE", buf, sizeof buf), "IE(R=Y%DFI=S%TG=40%CD=S)");
    assert_int_equal(s.distance, -1);
    /* one echo reply only: IE(R=N) */
    r.ie[1].len = 0;
    compute(&r, &fp, &s);
    assert_string_equal(test_str(&fp, "IE", buf, sizeof buf), "IE(R=N)");
}

static void test_scan_line(void **state)
{
    (void)state;
    static struct fpt_record r;
    static struct osfp fp;
    struct fpt_summary s;
    struct pr_error e = {{0}};
    record_init(&r);
    u1_reply(&r, 60, 328, 0, 0);
    compute(&r, &fp, &s);
    const uint8_t mac[6] = {0x2a, 0x17, 0xf3, 1, 2, 3};
    assert_int_equal(fpt_scan_line(&fp, &r, &s, "7.93", mac, 1, 0x6B11080D, 12, 3, 0, &e), 0);
    char buf[512];
    size_t w = 0;
    for (size_t i = 0; i < fp.scan.nattrs; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s=%s", i ? "%" : "",
                              fp.scan.attrs[i].name, fp.scan.attrs[i].value);
    assert_string_equal(buf, "V=7.93%E=4%D=12/3%OT=8000%CT=7999%CU=33000%PV=N%DS=1%DC=D%G=Y%"
                             "M=2A17F3%TM=6B11080D%P=x86_64-pc-linux-gnu");
}

static void test_crc32(void **state)
{
    (void)state;
    assert_int_equal(fpt_crc32((const uint8_t *)"abc", 3), 0x352441C2u);
    assert_int_equal(fpt_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts),         cmocka_unit_test(test_seq_constant_rate),
        cmocka_unit_test(test_seq_gcd_sp),   cmocka_unit_test(test_seq_few),
        cmocka_unit_test(test_ipid_classes), cmocka_unit_test(test_ops_win_ecn_t),
        cmocka_unit_test(test_u1_ie),        cmocka_unit_test(test_scan_line),
        cmocka_unit_test(test_crc32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
