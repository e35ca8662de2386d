/* Firewall LOG line parser: the formats of kern.log, syslog (RFC 3339), dmesg and
 * journalctl, IPv4 and IPv6, TCP options, ICMP errors with the quoted datagram, and
 * hostile lines (every truncation of a valid line, bad values, huge and binary lines). */
#include "detect/engine.h"
#include "detect/fwlog.h"
#include "detect/fwsrc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static int parse(const char *s, struct det_fwlog_line *l, struct pr_error *e)
{
    return det_fwlog_parse(s, strlen(s), 2026, l, e);
}

static void addr_is(const struct pr_addr *a, const char *want)
{
    char buf[PR_ADDRSTRLEN];
    assert_string_equal(addr_str(a, buf, sizeof buf), want);
}

static const char *kern_syn =
    "Nov 26 10:00:00 fw kernel: [ 1177.370983] DROP-IN: IN=eth0 OUT= "
    "MAC=4e:3b:d2:47:9a:64:66:1b:38:7c:b6:26:08:00 SRC=198.18.0.1 DST=198.18.0.2 LEN=44 "
    "TOS=0x00 PREC=0x00 TTL=55 ID=9439 PROTO=TCP SPT=44490 DPT=22 WINDOW=1024 RES=0x00 SYN "
    "URGP=0 \n";

static void test_kern_log_syn(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse(kern_syn, &l, &e), 1);
    addr_is(&l.ev.src, "198.18.0.1");
    addr_is(&l.ev.dst, "198.18.0.2");
    assert_int_equal(l.ev.proto, 6);
    assert_int_equal(l.ev.sport, 44490);
    assert_int_equal(l.ev.dport, 22);
    assert_int_equal(l.ev.flags, 0x02);
    assert_int_equal(l.ev.window, 1024);
    assert_int_equal(l.ev.ttl, 55);
    assert_true(l.ev.has_ip_id);
    assert_int_equal(l.ev.ip_id, 9439);
    assert_int_equal(l.ev.origin, DET_ORIG_FWLOG);
    assert_string_equal(l.prefix, "DROP-IN:");
    assert_int_equal(l.has_time, 1);
    /* 2026-11-26T10:00:00Z */
    assert_int_equal(l.ev.ts_us, 1795687200ull * 1000000u);
}

static void test_dmesg_and_journal(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse("[   12.500000] IN=veth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TTL=64 "
                           "ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=0 RES=0x00 URGP=0",
                           &l, &e),
                     1);
    assert_int_equal(l.has_time, 2);
    assert_int_equal(l.ev.ts_us, 12500000u);
    assert_int_equal(l.ev.flags, 0); /* a NULL probe */
    assert_string_equal(l.prefix, "");
    assert_int_equal(parse("2026-11-26T10:00:01.250000+01:00 fw kernel: nft-drop IN=eth0 OUT= "
                           "SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TTL=64 ID=1 DF PROTO=TCP SPT=1 "
                           "DPT=3 WINDOW=0 RES=0x00 FIN PSH URG URGP=0",
                           &l, &e),
                     1);
    assert_int_equal(l.has_time, 1);
    assert_int_equal(l.ev.ts_us, (1795687200ull - 3600 + 1) * 1000000u + 250000u);
    assert_int_equal(l.ev.flags, 0x01 | 0x08 | 0x20);
    assert_string_equal(l.prefix, "nft-drop");
}

static void test_ipv6_icmp(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse("Nov  6 01:02:03 h kernel: v6 IN=eth0 OUT= SRC=2001:0002:0000:0000:"
                           "0000:0000:0000:0001 DST=2001:2::2 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=1 "
                           "PROTO=ICMPv6 TYPE=128 CODE=0 ID=77 SEQ=1",
                           &l, &e),
                     1);
    addr_is(&l.ev.src, "2001:2::1");
    assert_int_equal(l.ev.proto, 58);
    assert_int_equal(l.ev.icmp_type, 128);
    assert_int_equal(l.ev.icmp_id, 77);
    assert_false(l.ev.has_ip_id);
    assert_true(det_event_is_ping(&l.ev));
}

static void test_icmp_error_and_opts(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse("IN= OUT=eth0 SRC=198.18.0.2 DST=198.18.0.1 LEN=56 TTL=64 ID=5 "
                           "PROTO=ICMP TYPE=3 CODE=3 [SRC=198.18.0.1 DST=198.18.0.2 LEN=28 "
                           "TTL=50 ID=9 PROTO=UDP SPT=40000 DPT=53 LEN=8 ] ",
                           &l, &e),
                     1);
    assert_true(det_event_is_unreach(&l.ev));
    assert_true(l.ev.has_inner);
    addr_is(&l.ev.inner_src, "198.18.0.1");
    assert_int_equal(l.ev.inner_proto, 17);
    assert_int_equal(l.ev.inner_sport, 40000);
    assert_int_equal(l.ev.inner_dport, 53);
    assert_int_equal(l.ev.ip_id, 5);
    assert_int_equal(parse("IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 LEN=60 TTL=64 ID=1 PROTO=TCP "
                           "SPT=1 DPT=2 SEQ=123 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 "
                           "OPT (020405B40402080A0000000100000000)",
                           &l, &e),
                     1);
    assert_int_equal(l.ev.seq, 123);
    assert_int_equal(l.ev.mss, 1460);
    assert_true(l.ev.opts_known);
    assert_int_equal(l.ev.nopts, 3); /* MSS, SACK permitted, timestamps */
}

static void test_not_log_lines(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse("Nov 26 10:00:00 h sshd[1]: Accepted publickey for root", &l, &e), 0);
    assert_int_equal(parse("", &l, &e), 0);
    assert_int_equal(parse("LOGIN=1 SRC=1.2.3.4", &l, &e), 0);
}

static void test_hostile(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    const char *bad[] = {
        "IN=eth0 OUT= SRC=300.1.1.1 DST=1.1.1.1 PROTO=TCP",
        "IN=eth0 OUT= DST=1.1.1.1 PROTO=TCP",
        "IN=eth0 OUT= SRC=1.1.1.1 PROTO=TCP",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=2001::2 PROTO=TCP",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP SPT=70000",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP SPT=-1",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 TTL=99999999999999999999 PROTO=TCP",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP [[SRC=1.1.1.1",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP OPT (0204",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=BOGUS",
        "IN=eth0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP RES=0xZZ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(parse(bad[i], &l, &e), -1);
        assert_true(strlen(e.msg) > 0);
    }
    assert_int_equal(parse("IN=eth0 OUT= SRC=300.1.1.1 DST=1.1.1.1 PROTO=TCP", &l, &e), -1);
    assert_non_null(strstr(e.msg, "column 14"));
    /* a NUL inside the line */
    char nul[] = "IN=eth0 OUT= SRC=1.1.1.1\0 DST=1.1.1.2 PROTO=TCP";
    assert_int_equal(det_fwlog_parse(nul, sizeof nul - 1, 2026, &l, &e), -1);
    /* a huge line */
    size_t n = DET_FWLOG_MAX_LINE + 10;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'A', n);
    memcpy(big, "IN=", 3);
    assert_int_equal(det_fwlog_parse(big, n, 2026, &l, &e), -1);
    /* every truncation of a valid line, without a terminating NUL (ASan checks reads) */
    size_t kl = strlen(kern_syn);
    for (size_t k = 0; k <= kl; k++) {
        char *p = malloc(k ? k : 1);
        assert_non_null(p);
        memcpy(p, kern_syn, k);
        int r = det_fwlog_parse(p, k, 2026, &l, &e);
        assert_true(r >= -1 && r <= 1);
        free(p);
    }
    free(big);
}

/* Every protocol the kernel logs: names (AH, ESP with SPI=), numbers (GRE is PROTO=47),
 * IPv6 ESP lines that end before PROTO=, as nf_log_syslog writes them (lines from the lab). */
static void test_every_protocol(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    static const struct {
        const char *line;
        int proto;
    } cases[] = {
        {"[31313.733214] P: IN=v0 OUT= MAC=7e:c8:16:b1:f9:7f:2e:9b:82:aa:0c:9d:08:00 "
         "SRC=198.18.0.1 DST=198.18.0.2 LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=AH "
         "SPI=0x1001 ",
         51},
        {"[31313.753422] P: IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=44 TOS=0x00 "
         "PREC=0x00 TTL=64 ID=1 PROTO=ESP SPI=0xf1234567 ",
         50},
        {"[31313.774067] P: IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=44 TOS=0x00 "
         "PREC=0x00 TTL=64 ID=1 PROTO=47 ",
         47},
        {"IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=20 TTL=50 ID=7 PROTO=255 ", 255},
        {"IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=20 TTL=50 ID=7 PROTO=0 ", 0},
        {"IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=28 TTL=50 ID=7 PROTO=2 ", 2},
        {"IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=52 TTL=50 ID=7 PROTO=132 ", 132},
        {"IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=28 TTL=50 ID=7 PROTO=UDPLITE SPT=1 "
         "DPT=2 LEN=8 ",
         136},
        /* IPv6 ESP: the kernel stops at the extension header, with or without `flags ip
         * options` */
        {"[31313.821232] P: IN=v0 OUT= SRC=2001:0002:0000:0000:0000:0000:0000:0001 "
         "DST=2001:0002:0000:0000:0000:0000:0000:0002 LEN=64 TC=0 HOPLIMIT=64 FLOWLBL=0 ",
         50},
        {"IN=v0 OUT= SRC=2001:2::1 DST=2001:2::2 LEN=64 TC=0 HOPLIMIT=64 FLOWLBL=0 "
         "OPT ( ESP SPI=0x1003 )",
         50},
        {"IN=v0 OUT= SRC=2001:2::1 DST=2001:2::2 LEN=72 TC=0 HOPLIMIT=64 FLOWLBL=0 "
         "OPT ( AH SPI=0x1004 ) PROTO=120 ",
         120},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        e.msg[0] = 0;
        assert_int_equal(parse(cases[i].line, &l, &e), 1);
        assert_int_equal(l.ev.proto, cases[i].proto);
        assert_false(l.partial);
    }
    /* numbers beyond a byte, and names the kernel never writes, are still errors */
    assert_int_equal(parse("IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=256", &l, &e), -1);
    assert_int_equal(parse("IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=AH SPI=0xZZ", &l, &e), -1);
    /* an IPv6 line cut before FLOWLBL= is not taken for ESP */
    assert_int_equal(parse("IN=v0 OUT= SRC=2001:2::1 DST=2001:2::2 LEN=64", &l, &e), -1);
}

/* Later fragments and packets cut short are valid lines that carry no probe. */
static void test_fragments_and_incomplete(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=1500 TTL=64 ID=5 MF "
                           "FRAG:185 PROTO=TCP ",
                           &l, &e),
                     1);
    assert_true(l.partial);
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=24 TTL=64 ID=5 "
                           "PROTO=TCP INCOMPLETE [4 bytes] ",
                           &l, &e),
                     1);
    assert_true(l.partial);
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=22 TTL=64 ID=5 "
                           "PROTO=ESP INCOMPLETE [2 bytes] ",
                           &l, &e),
                     1);
    assert_false(l.partial);
    assert_int_equal(l.ev.proto, 50);
    /* an ICMP error quoting only 8 bytes of a TCP header */
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.9 DST=198.18.0.1 LEN=56 TTL=64 ID=5 "
                           "PROTO=ICMP TYPE=3 CODE=13 [SRC=198.18.0.1 DST=198.18.0.2 LEN=44 "
                           "TOS=0x00 PREC=0x00 TTL=49 ID=1 PROTO=TCP INCOMPLETE [8 bytes] ] ",
                           &l, &e),
                     1);
    assert_false(l.partial);
    assert_true(l.ev.has_inner);
    assert_int_equal(l.ev.inner_proto, 6);
    assert_int_equal(parse("IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 PROTO=TCP INCOMPLETE [8", &l, &e),
                     -1);
    assert_non_null(strstr(e.msg, "INCOMPLETE"));
    /* IPv6: a later fragment with `flags ip options` */
    assert_int_equal(parse("IN=v0 OUT= SRC=2001:2::1 DST=2001:2::2 LEN=1280 TC=0 HOPLIMIT=64 "
                           "FLOWLBL=0 OPT ( FRAG:1232 ID:0000abcd ) PROTO=UDP ",
                           &l, &e),
                     1);
    assert_true(l.partial);
}

/* IP options come before PROTO= and are not TCP options; LEN tells the TCP option bytes
 * when OPT is not logged; SEQ= is noted. */
static void test_traits(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    /* masscan (LEN 40: no options) */
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=40 TOS=0x00 PREC=0x00 "
                           "TTL=255 ID=32061 PROTO=TCP SPT=48981 DPT=181 SEQ=1562148234 ACK=0 "
                           "WINDOW=1024 RES=0x00 SYN URGP=0 ",
                           &l, &e),
                     1);
    assert_true(l.ev.seq_known);
    assert_int_equal(l.ev.seq, 1562148234u);
    assert_true(l.ev.opts_known);
    assert_int_equal(l.ev.nopts, 0);
    assert_int_equal(l.ev.tcp_extra, 0);
    /* nmap (LEN 44: 4 bytes of options), without SEQ= or OPT */
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=44 TTL=41 ID=9 "
                           "PROTO=TCP SPT=4 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0",
                           &l, &e),
                     1);
    assert_false(l.ev.seq_known);
    assert_false(l.ev.opts_known);
    assert_int_equal(l.ev.tcp_extra, 4);
    /* IPv4 options logged before PROTO= (flags ip options) */
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=48 TTL=41 ID=9 "
                           "OPT (07070400000000000000) PROTO=TCP SPT=4 DPT=22 WINDOW=1024 "
                           "RES=0x00 SYN URGP=0 OPT (020405B4)",
                           &l, &e),
                     1);
    assert_true(l.ev.opts_known);
    assert_int_equal(l.ev.nopts, 1);
    assert_int_equal(l.ev.mss, 1460);
    assert_int_equal(parse("IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 LEN=48 TTL=41 ID=9 "
                           "OPT (0101010101010101) PROTO=TCP SPT=4 DPT=22 WINDOW=1024 "
                           "RES=0x00 FIN URGP=0",
                           &l, &e),
                     1);
    assert_true(l.ev.opts_known); /* 48 - 28 - 20: none */
    assert_int_equal(l.ev.nopts, 0);
    /* IPv6 extension headers logged as OPT ( ... ) are not TCP options either */
    assert_int_equal(parse("IN=v0 OUT= SRC=2001:2::1 DST=2001:2::2 LEN=60 TC=0 HOPLIMIT=50 "
                           "FLOWLBL=0 PROTO=TCP SPT=4 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0",
                           &l, &e),
                     1);
    assert_true(l.ev.opts_known); /* 60 - 40 - 20 */
}

/* Times: RFC 3339 with an offset, BSD syslog with the year given, dmesg seconds since boot. */
static void test_times(void **state)
{
    (void)state;
    struct det_fwlog_line l;
    struct pr_error e;
    const char *tail = " IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=20 TTL=1 ID=1 PROTO=47";
    char b[256];
    snprintf(b, sizeof b, "2026-01-02T03:04:05.5-02:00 h kernel:%s", tail);
    assert_int_equal(parse(b, &l, &e), 1);
    assert_int_equal(l.has_time, 1);
    assert_int_equal(l.ev.ts_us, (1767323045ull + 7200) * 1000000u + 500000u);
    snprintf(b, sizeof b, "Jan  2 03:04:05 h kernel:%s", tail);
    assert_int_equal(parse(b, &l, &e), 1);
    assert_int_equal(l.ev.ts_us, 1767323045ull * 1000000u);
    snprintf(b, sizeof b, "[  100.000001] PFX:%s", tail);
    assert_int_equal(parse(b, &l, &e), 1);
    assert_int_equal(l.has_time, 2);
    assert_int_equal(l.ev.ts_us, 100000001u);
    assert_int_equal(parse(tail + 1, &l, &e), 1);
    assert_int_equal(l.has_time, 0);
}

/* The file source: each event has its line's own time, a line without one the time of the
 * line before (the epoch before any), dmesg's uptime is moved by /proc/stat's btime, later
 * fragments count as LOG lines without an event, and a last line needs no newline. */
static void test_fwsrc_times(void **state)
{
    (void)state;
    char path[] = "/tmp/prfwsrcXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *body = " IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=20 TTL=1 ID=1 PROTO=47\n";
    char text[1024];
    snprintf(text, sizeof text,
             "IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=20 TTL=1 ID=1 PROTO=47\n"
             "2026-01-02T03:04:05.25Z h kernel:%s"
             "IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=20 TTL=1 ID=1 PROTO=50\n"
             "2026-01-02T03:04:06Z h kernel: IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=9 TTL=1 "
             "ID=1 FRAG:100 PROTO=TCP\n"
             "[  100.000000] x:%s"
             "IN=v0 OUT= SRC=1.1.1.1 DST=1.1.1.2 LEN=20 TTL=1 ID=1 PROTO=51",
             body, body);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    unsigned long long btime = 0;
    FILE *st = fopen("/proc/stat", "r");
    char l[256];
    while (st && fgets(l, sizeof l, st) && sscanf(l, "btime %llu", &btime) != 1)
        ;
    if (st)
        fclose(st);
    struct det_fwsrc *src;
    struct pr_error e;
    assert_int_equal(det_fwsrc_open(path, 0, &src, &e), 0);
    const uint64_t t = 1767323045ull * 1000000u + 250000u;
    const uint64_t want[] = {0, t, t, btime * 1000000u + 100000000u, btime * 1000000u + 100000000u};
    const int proto[] = {47, 47, 50, 47, 51};
    struct det_event ev;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(det_fwsrc_next(src, &ev, &e), 1);
        assert_int_equal(ev.proto, proto[i]);
        if (btime || i < 3)
            assert_int_equal(ev.ts_us, want[i]);
    }
    assert_int_equal(det_fwsrc_next(src, &ev, &e), 2);
    struct det_fwsrc_stats fs;
    det_fwsrc_stats(src, &fs);
    assert_int_equal(fs.lines, 6);
    assert_int_equal(fs.log_lines, 6);
    assert_int_equal(fs.bad_lines, 0);
    det_fwsrc_close(src);
    unlink(path);
}

/* Lines through the engine: the last alert of the one scan they make. */
struct seen {
    int n;
    char scan_type[16], tool[16], detector[16];
};

static int seen_emit(void *ctx, const struct det_alert *a, struct pr_error *e)
{
    (void)e;
    struct seen *s = ctx;
    s->n++;
    snprintf(s->scan_type, sizeof s->scan_type, "%s", a->scan_type);
    snprintf(s->tool, sizeof s->tool, "%s", a->tool_guess);
    snprintf(s->detector, sizeof s->detector, "%s", a->detector);
    return 0;
}

static const struct det_sink_ops seen_ops = {"test", seen_emit, NULL};

/* 20 probes of one source, made by fmt(i, buf): the scan the engine reports. */
static struct seen run_lines(void (*fmt)(int i, char *b, size_t n))
{
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 64;
    struct det_engine *d = det_engine_new(&c, NULL);
    assert_non_null(d);
    struct seen s = {0};
    struct det_sink sink = {&seen_ops, &s};
    det_engine_add_sink(d, &sink);
    for (int i = 0; i < 20; i++) {
        char b[512];
        struct det_fwlog_line l;
        struct pr_error e;
        fmt(i, b, sizeof b);
        assert_int_equal(det_fwlog_parse(b, strlen(b), 2026, &l, &e), 1);
        det_engine_event(d, &l.ev);
    }
    det_engine_finish(d);
    det_engine_free(d);
    return s;
}

static void proto_line(int i, char *b, size_t n)
{
    static const char *p[] = {"AH SPI=0x1", "ESP SPI=0x2", "47", "4", "41", "103", "132"};
    char pr[16];
    if (i < 7)
        snprintf(pr, sizeof pr, "%s", p[i]);
    else
        snprintf(pr, sizeof pr, "%d", 130 + i);
    snprintf(b, n,
             "2026-01-02T03:04:05.%02dZ h kernel: IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 "
             "LEN=20 TTL=%d ID=%d PROTO=%s ",
             i, 40 + i % 7, 100 + i, pr);
}

/* masscan: TTL 255, window 1024, LEN 40, ID = (dst ^ dport ^ seq) & 0xffff */
static void masscan_line(int i, char *b, size_t n, int with_seq)
{
    unsigned seq = 123456789u + (unsigned)i, port = 1000u + (unsigned)i * 7;
    unsigned id = ((0x0002u) ^ port ^ seq) & 0xffff; /* dst 198.18.0.2: low 16 bits 0x0002 */
    char seqs[64] = "";
    if (with_seq)
        snprintf(seqs, sizeof seqs, "SEQ=%u ACK=0 ", seq);
    snprintf(b, n,
             "2026-01-02T03:04:05.%02dZ h kernel: IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 "
             "LEN=40 TOS=0x00 PREC=0x00 TTL=254 ID=%u PROTO=TCP SPT=40000 DPT=%u %sWINDOW=1024 "
             "RES=0x00 SYN URGP=0 ",
             i, id, port, seqs);
}

static void masscan_seq(int i, char *b, size_t n)
{
    masscan_line(i, b, n, 1);
}

static void masscan_noseq(int i, char *b, size_t n)
{
    masscan_line(i, b, n, 0);
}

/* nmap -sS from a rule that logs neither SEQ= nor OPT: window, TTL and LEN 44 (MSS) */
static void nmap_line(int i, char *b, size_t n)
{
    snprintf(b, n,
             "2026-01-02T03:04:05.%02dZ h kernel: IN=v0 OUT= SRC=198.18.0.1 DST=198.18.0.2 "
             "LEN=44 TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=51000 DPT=%d WINDOW=1024 "
             "RES=0x00 SYN URGP=0 ",
             i, 37 + (i * 7) % 23, 3000 + i * 11, 1 + i);
}

static void test_engine_scans(void **state)
{
    (void)state;
    struct seen s = run_lines(proto_line);
    assert_true(s.n >= 1);
    assert_string_equal(s.scan_type, "ipproto");
    assert_string_equal(s.detector, "fwlog");
    s = run_lines(masscan_seq);
    assert_string_equal(s.scan_type, "syn");
    assert_string_equal(s.tool, "masscan");
    s = run_lines(masscan_noseq); /* without SEQ=: not nmap, unknown */
    assert_string_equal(s.tool, "unknown");
    s = run_lines(nmap_line);
    assert_string_equal(s.tool, "nmap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kern_log_syn),   cmocka_unit_test(test_dmesg_and_journal),
        cmocka_unit_test(test_ipv6_icmp),      cmocka_unit_test(test_icmp_error_and_opts),
        cmocka_unit_test(test_not_log_lines),  cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_every_protocol), cmocka_unit_test(test_fragments_and_incomplete),
        cmocka_unit_test(test_traits),         cmocka_unit_test(test_times),
        cmocka_unit_test(test_fwsrc_times),    cmocka_unit_test(test_engine_scans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
