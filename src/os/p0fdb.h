/* p0fdb.h — p0f 3's fingerprint database (/etc/p0f/p0f.fp from Debian's p0f), read at run
 * time: the TCP signatures of SYNs ([tcp:request]) and SYN+ACKs ([tcp:response]) with their
 * labels, and the link types of [mtu]. HTTP sections are skipped.
 *
 * Signature format (p0f's README, "Fingerprint database"):
 *   label = type:class:name:flavor
 *   sig   = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass
 * The file is hostile input: every error names the file, the line and the column. Used by
 * os/p0fmatch.c; loaded once, read-only afterwards. */
#ifndef PR_OS_P0FDB_H
#define PR_OS_P0FDB_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

#define P0F_DEFAULT_PATH "/etc/p0f/p0f.fp"
#define P0F_MAX_OPTS 40 /* TCP options fit in 40 bytes: at most 40 one-byte options */

enum p0f_dir { P0F_SYN = 0, P0F_SYNACK = 1 };

enum p0f_quirk {
    P0F_Q_DF = 1u << 0,      /* df: don't fragment (IPv4) */
    P0F_Q_IDP = 1u << 1,     /* id+: DF set, IP ID non-zero */
    P0F_Q_IDN = 1u << 2,     /* id-: DF clear, IP ID zero */
    P0F_Q_ECN = 1u << 3,     /* ecn */
    P0F_Q_ZERO = 1u << 4,    /* 0+: must-be-zero bit set (IPv4) */
    P0F_Q_FLOW = 1u << 5,    /* flow: IPv6 flow label non-zero */
    P0F_Q_SEQN = 1u << 6,    /* seq-: sequence number zero */
    P0F_Q_ACKP = 1u << 7,    /* ack+: ACK number without the ACK flag */
    P0F_Q_ACKN = 1u << 8,    /* ack-: ACK flag with a zero ACK number */
    P0F_Q_UPTRP = 1u << 9,   /* uptr+: URG pointer without the URG flag */
    P0F_Q_URGFP = 1u << 10,  /* urgf+: URG flag */
    P0F_Q_PUSHFP = 1u << 11, /* pushf+: PUSH flag */
    P0F_Q_TS1N = 1u << 12,   /* ts1-: own timestamp zero */
    P0F_Q_TS2P = 1u << 13,   /* ts2+: peer timestamp non-zero on a SYN */
    P0F_Q_OPTP = 1u << 14,   /* opt+: non-zero bytes after EOL */
    P0F_Q_EXWS = 1u << 15,   /* exws: window scale above 14 */
    P0F_Q_BAD = 1u << 16,    /* bad: malformed options */
};
#define P0F_Q_V4_ONLY (P0F_Q_DF | P0F_Q_IDP | P0F_Q_IDN | P0F_Q_ZERO)
#define P0F_Q_V6_ONLY P0F_Q_FLOW

enum p0f_win { P0F_WIN_ANY = 0, P0F_WIN_FIXED, P0F_WIN_MSS, P0F_WIN_MTU, P0F_WIN_MOD };

struct p0f_label {
    char type;       /* 's' specific, 'g' generic (only when nothing specific matches) */
    char cls[16];    /* "unix", "win", "other", or "!" for applications */
    char name[64];   /* "Linux" */
    char flavor[64]; /* "3.11 and newer" */
};

struct p0f_tcp_sig {
    uint32_t label;   /* index into p0f_db.labels */
    uint32_t line;    /* in the file */
    int8_t ver;       /* 4, 6, or -1 for both */
    uint8_t ittl;     /* initial TTL */
    uint8_t ttl_rand; /* "64-": tools with random TTLs up to ittl */
    uint8_t olen;     /* IPv4 options / IPv6 extension header length */
    int32_t mss;      /* -1: any */
    uint8_t win_type; /* enum p0f_win */
    uint32_t win_val;
    int16_t scale; /* -1: any */
    uint8_t nopt;  /* option layout: kinds in wire order (0 EOL, 1 NOP, 2 MSS, 3 WS, 4 SOK,
                      5 SACK, 8 TS, other numbers from ?n) */
    uint8_t opt[P0F_MAX_OPTS];
    uint8_t eol_pad; /* bytes after EOL ("eol+n") */
    uint32_t quirks; /* enum p0f_quirk bits */
    int8_t pclass;   /* -1 any, 0 no payload, 1 payload */
};

struct p0f_mtu {
    uint16_t mtu;
    uint32_t label; /* index into p0f_db.mtu_names */
};

struct p0f_db {
    struct p0f_label *labels;
    size_t nlabels;
    struct p0f_tcp_sig *sigs[2]; /* by enum p0f_dir */
    size_t nsigs[2];
    struct p0f_mtu *mtus;
    size_t nmtus;
    char (*mtu_names)[64];
    size_t nmtu_names;
};

/* Parses a database held in memory; `name` is used in messages. Returns 0, or -1 with e
 * naming name:line:column and what is wrong (db left empty). */
int p0f_db_parse(struct p0f_db *db, const char *name, const char *buf, size_t len,
                 struct pr_error *e);
/* The same from a file (path NULL: P0F_DEFAULT_PATH). */
int p0f_db_load(struct p0f_db *db, const char *path, struct pr_error *e);
void p0f_db_free(struct p0f_db *db);

#endif
