/* p0fmatch.h — passive OS fingerprinting of one SYN or SYN+ACK against p0f's database.
 *
 * p0f_observe() reads what p0f reads from a TCP SYN or SYN+ACK (an IPv4 or IPv6 datagram,
 * every length checked): TTL, IP options length, MSS, window and scale, the option layout,
 * the quirks of the IP and TCP headers, whether there is a payload. p0f_match() finds the
 * signature as p0f 3 does, so that both name the same system for the same packet: in file
 * order, the first exact specific signature; else the first exact generic one; else the
 * first fuzzy one (the 'df' and 'id+' quirks may be missing, 'id-' and 'ecn' may appear,
 * the TTL may be out of range), never for application labels ('!'). A window given as a
 * multiple of MSS or MTU is matched by the first divisor p0f tries. Pure functions; the
 * database is read-only. Used by the detector and by tests/tools/p0f_pcap. */
#ifndef PR_OS_P0FMATCH_H
#define PR_OS_P0FMATCH_H

#include "os/p0fdb.h"

#include <stddef.h>
#include <stdint.h>

struct p0f_obs {
    enum p0f_dir dir; /* SYN or SYN+ACK */
    uint8_t ver;      /* 4 or 6 */
    uint8_t ttl;
    uint8_t olen;
    uint16_t mss; /* 0: no MSS option */
    uint16_t win;
    uint8_t scale; /* 0 without a window scale option */
    uint8_t nopt;
    uint8_t opt[P0F_MAX_OPTS];
    uint8_t eol_pad;
    uint32_t quirks;
    uint8_t payload;   /* 1: the segment carries data */
    uint32_t ts1;      /* own timestamp, 0 without the option */
    uint16_t tot_hdr;  /* IP plus TCP header bytes */
    uint16_t peer_mss; /* for a SYN+ACK: the MSS of the SYN it answers, 0 unknown (caller) */
};

struct p0f_result {
    const struct p0f_label *label; /* NULL: no signature matched */
    int fuzzy;                     /* matched only with p0f's allowed differences */
    int dist;                      /* hops: initial TTL minus observed, -1 unknown */
    const char *link;              /* [mtu] name for the MSS, or NULL */
    uint32_t line;                 /* of the matching signature in the file */
};

/* Reads a SYN (no ACK) or SYN+ACK from an IP datagram. Returns 0, or -1 for anything else
 * (not TCP, not a SYN, fragment, truncated or inconsistent headers). */
int p0f_observe(const uint8_t *ip, size_t len, struct p0f_obs *o);
/* Matches o against db; res->label is NULL when nothing matches. */
void p0f_match(const struct p0f_db *db, const struct p0f_obs *o, struct p0f_result *res);
/* "Linux 3.11 and newer" (name and flavor) into buf. */
void p0f_label_str(const struct p0f_label *l, char *buf, size_t len);

#endif
