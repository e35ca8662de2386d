/* out_util.h — pieces shared by the output formats (internal to src/output).
 *
 * nmap's rules for what a report shows (which port states are collapsed, in which
 * order, which hosts are listed), time and number formats, and writers that make
 * hostile strings (user-given host names, the command line) safe for a terminal, for
 * XML and for JSON. Everything here reads the result only. */
#ifndef PR_OUTPUT_OUT_UTIL_H
#define PR_OUTPUT_OUT_UTIL_H

#include "output/opts.h"
#include "output/result.h"

#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* How one host's ports are shown: which states are collapsed ("ignored") and how many
 * ports of each (state, protocol, reason) there are. */
struct out_summary {
    size_t count[PS_COUNT];                    /* ports per state, all protocols */
    size_t grp[PS_COUNT][PR_NPROTO][RS_COUNT]; /* ports per (state, proto, reason) */
    int ignored[PS_COUNT];                     /* 1 when the state is collapsed */
    unsigned char order[PS_COUNT];             /* collapsed states, most ports first */
    size_t norder;
    size_t nshown; /* ports not collapsed */
};

/* One (protocol, reason) group of a collapsed state. */
struct out_group {
    unsigned char proto, reason;
    size_t count;
};

/* Fills s for host h. Ports with out-of-range state/proto/reason count as unknown. */
void out_summarize(const struct host_result *h, const struct out_opts *o, struct out_summary *s);
/* The groups of one state, most ports first (ties: tcp before udp, then reason order);
 * returns how many (at most PR_NPROTO * RS_COUNT). */
size_t out_groups(const struct out_summary *s, unsigned state,
                  struct out_group g[PR_NPROTO * RS_COUNT]);
/* Whether the port is listed (not collapsed). */
int out_port_shown(const struct out_summary *s, const struct port_result *p);
/* Whether a host appears in the report at all: up hosts (with --open only those with a
 * port that may be open), down hosts only with -v (and never with --open). */
int out_host_listed(const struct scan_result *r, const struct host_result *h,
                    const struct out_opts *o);

/* Clamped accessors for model bytes that may be out of range. */
unsigned out_state(const struct port_result *p);
unsigned out_reason(unsigned reason);
unsigned out_proto(unsigned proto);
const char *out_proto_name(unsigned proto); /* "tcp", "udp" */
/* Service name from r->svc, or "unknown" like nmap's normal output. */
const char *out_svc(const struct scan_result *r, unsigned proto, uint16_t port);
/* Service name, or NULL when the port has none (nmap then writes no <service> element and
 * an empty grepable field). */
const char *out_svc_known(const struct scan_result *r, unsigned proto, uint16_t port);
const char *out_version(const struct scan_result *r);

/* -sV: the SERVICE column of port p ("ssh", "ssl/http", "http?" when only the table
 * named it), terminal-safe; falls back to out_svc without a svc_info. */
void out_svc_column(const struct scan_result *r, const struct port_result *p, char *buf,
                    size_t len);
/* -sV: "product version (extrainfo)" like nmap's VERSION column, cleaned; "" when none. */
void out_version_text(const struct svc_info *si, char *buf, size_t len);

/* "Thu Nov 26 02:54:56 2026" (ctime layout, local time). */
void out_ctime(time_t t, char *buf, size_t len);
/* Seconds between r->start and r->end (never negative). */
double out_elapsed(const struct scan_result *r);
/* "1 IP address (1 host up) scanned in 0.06 seconds" */
void out_done_counts(const struct scan_result *r, char *buf, size_t len);
/* Latency with two significant digits like nmap: 0.0000040, 0.00012, 1.2 (seconds). */
void out_latency(double us, char *buf, size_t len);
/* Address as text; hostile-safe copy of hostname ('?' for control bytes and bad UTF-8). */
void out_addr(const struct host_result *h, char *buf, size_t len);
void out_clean(const char *s, char *buf, size_t len);
/* malloc'd clean copy (valid UTF-8, control bytes '?'), NULL for NULL input. */
char *out_clean_dup(const char *s);

/* -O (nmap's FingerPrintResults): why the fingerprint is not ideal (OmitSubmissionFP: no
 * open or no closed TCP port, a distance above five hops), or NULL. buf holds the text. */
const char *out_os_reason(const struct os_result *os, char *buf, size_t len);
/* More than 8 exact matches, none listed (nmap's "Too many fingerprints match this host"). */
int out_os_too_many(const struct os_result *os);
/* How many leading matches are exact (100%) when os->perfect; 0 otherwise. */
size_t out_os_nperfect(const struct os_result *os);
/* How many leading matches nmap lists as guesses: at most 10, within 10% of the best. */
size_t out_os_nguesses(const struct os_result *os);
/* The fingerprint text as nmap prints it: wrapped ("OS:" lines of 75 characters, each ending
 * in a newline) or not (one test per line, as after "OS fingerprint not ideal"); control
 * bytes other than the newlines are '?'. malloc'd; NULL when there is none. */
char *out_os_fingerprint(const struct os_result *os, int wrap);
/* The text of a trace's probe ("port 80/tcp", "proto 1/icmp"), "" when none was sent. */
void out_trace_probe(const struct host_result *h, char *buf, size_t len);

/* The three parts of each format, called by out_begin, out_host and out_end (output.c),
 * which choose listed hosts, flush and check f for errors. Each returns 0, or -1 when it
 * failed; stream errors may also be left for ferror(f). */
struct out_format {
    char code; /* 'N', 'X', 'G', 'J' */
    int (*begin)(FILE *f, const struct scan_result *r, const struct out_opts *o);
    int (*host)(FILE *f, const struct scan_result *r, const struct host_result *h,
                const struct out_opts *o);
    int (*end)(FILE *f, const struct scan_result *r, const struct out_opts *o);
};
extern const struct out_format out_format_normal, out_format_xml, out_format_grepable,
    out_format_json;

/* Writers; each returns 0 or -1 on a stream error. */
int out_put_text(FILE *f, const char *s); /* terminal-safe */
int out_put_xml(FILE *f, const char *s);  /* entities escaped, "--" as "-&#45;" */
/* A JSON string: quoted, cleaned like out_clean, '"' and '\\' escaped; null for NULL or "". */
int out_put_json(FILE *f, const char *s);
/* Compact ranges "1-21,23-79,81" of a sorted list. */
int out_put_ranges(FILE *f, const uint16_t *p, size_t n);
/* Compact ranges of h's ports in (state, proto, reason). */
int out_put_group_ports(FILE *f, const struct host_result *h, unsigned state, unsigned proto,
                        unsigned reason);

#endif
