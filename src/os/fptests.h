/* fptests.h — the tests of nmap's second-generation OS fingerprint, computed as nmap 7.93
 * computes them (osscan2.cc), from a record of what was sent to one host and the replies.
 *
 * Pure functions: no I/O, no clock, no globals. The probe engine (scan/osscan.c) fills a
 * struct fpt_record while it probes; fpt_compute() turns it into the subject fingerprint
 * (os/osfp.h: SEQ, OPS, WIN, ECN, T1-T7, U1, IE in nmap's order) and the summary that the
 * outputs print (uptime, TCP sequence prediction, IP ID and TCP timestamp sequences).
 * Unit tests build records by hand. Replies are stored as whole IP datagrams (IPv4), so
 * every length and offset is checked here; a malformed reply counts as no reply. */
#ifndef PR_OS_FPTESTS_H
#define PR_OS_FPTESTS_H

#include "core/error.h"
#include "os/osfp.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define FPT_NSEQ 6      /* SEQ probes (nmap's NUM_SEQ_SAMPLES) */
#define FPT_PKT_MAX 600 /* a stored reply: IP header up to 60, ICMP quote of 328 and more */
#define FPT_U1_DATA 300 /* U1 payload bytes ('C') */
#define FPT_U1_PATTERN 0x43

/* One reply as received (IPv4 datagram from its IP header); len 0: none. */
struct fpt_pkt {
    size_t len;
    uint8_t b[FPT_PKT_MAX];
};

/* What was sent to one host in one round, and what came back. */
struct fpt_record {
    /* the probes */
    uint32_t seq_base;                 /* nmap's tcpSeqBase: SEQ probe i carries seq_base + i */
    uint32_t ack;                      /* nmap's tcpAck: the ACK number of the TCP probes */
    struct timeval seq_sent[FPT_NSEQ]; /* when each SEQ probe went out (last try) */
    int open_port;                     /* TCP port probed as open; -1: none known */
    int closed_port;                   /* TCP port probed as closed; -1: none */
    int closed_port_known;             /* 1 when the scan found closed_port closed (nmap's
                                          osscan_closedtcpport); 0 when picked at random */
    int closed_udp;                    /* UDP port of U1; -1: none */
    int closed_udp_known;              /* 1 when the scan found closed_udp closed */
    uint16_t u1_sport, u1_ipid;        /* U1 as sent */
    uint16_t u1_cksum;                 /* its UDP checksum field as sent (network order bytes
                                          read big-endian) */
    uint8_t u1_ttl;                    /* its IP TTL */
    int islocalhost;                   /* target is an address of this machine */
    int direct; /* target on a directly connected link (nmap's DIST_METHOD_DIRECT) */
    /* the replies */
    struct fpt_pkt seq[FPT_NSEQ]; /* to SEQ probe i (any TCP reply to its source port) */
    struct fpt_pkt ops[FPT_NSEQ]; /* to the OPS/WIN re-probe i (sent when seq[i] got none) */
    struct fpt_pkt ecn;
    struct fpt_pkt t[7];  /* T1..T7; t[0] only when seq[0] got no reply */
    struct fpt_pkt u1;    /* ICMP port unreachable quoting U1 */
    struct fpt_pkt ie[2]; /* echo replies to IE probes 1 and 2 */
    int ie_retx[2];       /* the IE reply answered a retransmission (no II sample) */
    int ie_last;          /* index of the IE reply that arrived last (T of IE) */
};

/* What the outputs show besides the fingerprint (nmap's seq_info). */
struct fpt_summary {
    int responses; /* SYN/ACKs to the SEQ probes */
    uint32_t isns[FPT_NSEQ];
    uint16_t ipids[FPT_NSEQ];
    uint32_t tsvals[FPT_NSEQ];
    int seq_index;       /* -1: not computed (fewer than 4 responses) */
    int ipid_class;      /* enum fpt_ipid_class of the open-port TCP replies */
    int ts_class;        /* enum fpt_ts_class */
    long long lastboot;  /* seconds since the epoch; 0: unknown */
    int distance;        /* hops: 0 localhost, 1 direct, from U1's quote, or -1 */
    char dist_method;    /* 'L', 'D', 'I' or 0 (nmap's DC) */
    double timing_ratio; /* time from the 1st to the 6th SEQ probe / 500 ms; 0 unknown */
};

enum fpt_ipid_class {
    FPT_IPID_UNKNOWN = 0,
    FPT_IPID_INCR,
    FPT_IPID_BROKEN_INCR,
    FPT_IPID_RPI,
    FPT_IPID_RD,
    FPT_IPID_CONSTANT,
    FPT_IPID_ZERO,
    FPT_IPID_INCR_BY_2
};

enum fpt_ts_class {
    FPT_TS_UNKNOWN = 0,
    FPT_TS_ZERO,
    FPT_TS_2HZ,
    FPT_TS_100HZ,
    FPT_TS_1000HZ,
    FPT_TS_OTHER,
    FPT_TS_UNSUPPORTED
};

/* Computes every test of rec into fp (cleared first; SCAN left empty) and sum. Returns 0,
 * or -1 with err when fp's fixed tables are too small (not expected). */
int fpt_compute(const struct fpt_record *rec, struct osfp *fp, struct fpt_summary *sum,
                struct pr_error *err);

/* nmap's option string of a TCP header's options ("M5B4ST11NW7"); opts/len are the
 * option bytes. Returns the length written, 0 for none, -1 when an option is malformed
 * or out does not hold it (out is then ""). */
int fpt_tcpopt_string(const uint8_t *opts, size_t len, char *out, size_t outlen);

/* nmap's IP ID sequence class of n IDs (16-bit), as identify_sequence(). */
int fpt_ipid_class(const uint32_t *ids, int n, int islocalhost);

/* The SCAN line (osfp.h's scan test) as nmap writes it with `version` for V, the local
 * time `now` for D and TM, and whether the fingerprint is good for submission. */
int fpt_scan_line(struct osfp *fp, const struct fpt_record *rec, const struct fpt_summary *sum,
                  const char *version, const uint8_t *mac, int good, long long now, int month,
                  int mday, int private_addr, struct pr_error *err);

/* CRC-32 (IEEE 802.3, as nmap's nbase_crc32) of RST data (T RD). */
uint32_t fpt_crc32(const uint8_t *p, size_t len);

/* nmap's names for the outputs. */
const char *fpt_ipid_class_str(int cls);
const char *fpt_ts_class_str(int cls);
const char *fpt_seq_difficulty(int index);

#endif
