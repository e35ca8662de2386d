/* output.h — serialisers of a scan_result: normal, XML, grepable and JSON lines.
 *
 * Two ways to write a format, with byte-identical output:
 *   - streaming, host by host (out_begin, out_host for each finished host, out_end), so a
 *     scanner need not keep every host's ports until the end of a large scan;
 *   - the whole result at once (out_normal, out_xml, ...), thin wrappers over streaming.
 * They read the result only and return 0, or -1 when writing failed. Formats: normal text
 * (nmap-like), nmap XML (valid against /usr/share/nmap/nmap.dtd, readable by ndiff and nmap.xsl),
 * grepable (-oG) and JSON lines (one object per port, plus one per host with no ports).
 *
 * Collapsing ("Not shown: 995 closed tcp ports (reset)") follows nmap 7.93: a state other
 * than open is collapsed when it has more than 25 ports (25 * (verbose + 1) with -v), or,
 * with --open, whenever it cannot be open. XML keeps every collapsed port in the `ports`
 * list of <extrareasons>; JSON never collapses. */
#ifndef PR_OUTPUT_OUTPUT_H
#define PR_OUTPUT_OUTPUT_H

#include "output/opts.h"
#include "output/result.h"

#include <stdio.h>

/* One output being written host by host. Lives wherever the caller likes (stack, array);
 * needs no freeing. The fields are private to src/output: set by out_begin, read by
 * out_host and out_end. Several streams may run side by side over the same scan (the
 * terminal report and every -oN/-oX/-oG/-oJ file). Nothing is global. */
struct out_stream {
    char fmt;             /* 'N' normal, 'X' XML, 'G' grepable, 'J' JSON lines */
    FILE *f;              /* not owned: the caller opens and closes it */
    struct out_opts opts; /* a copy of the caller's options */
    int err;              /* a write failed: later calls write nothing and return -1 */
    int errnum;           /* errno of that first failure (EIO when unknown) */
};

/* Starts stream s of format fmt ('N', 'X', 'G' or 'J') on f and writes the header. Reads
 * only what is known before the first host: r->args, r->version, r->start, r->info[] and
 * r->ninfo (with their port lists), r->ping_only; o is copied. r->hosts, r->nhosts,
 * r->hosts_up, r->end and the packet counters are not read (JSON writes no header).
 * Returns -1 for an unknown fmt or when writing failed; s is usable (and failed) after
 * that, so out_host/out_end can be called blindly. */
int out_begin(struct out_stream *s, char fmt, FILE *f, const struct scan_result *r,
              const struct out_opts *o);

/* Writes one finished host (nothing when out_host_listed's rules leave it out: down hosts
 * without -v, hosts with no possibly-open port under --open). Reads h and, from r, only
 * svc and ping_only; keeps nothing of either, so h and its ports may be freed right after.
 * h need not be in r->hosts. Hosts appear in the order they are handed in. Does not flush
 * (a /16 would cost a write per host): see out_flush. Returns 0, or -1 on failure. */
int out_host(struct out_stream *s, const struct scan_result *r, const struct host_result *h);

/* Flushes f, so that what is on disk is whole hosts (the scan CLI calls it after each
 * host group, as nmap does). Returns 0, or -1 when this or an earlier call failed. */
int out_flush(struct out_stream *s);

/* Writes the footer (runstats, "N IP addresses (M hosts up) scanned in S seconds", raw
 * packet counts) and flushes f; f stays open. Reads r->nhosts (every target, listed or
 * not), r->hosts_up, r->end and the packet counters, which the caller fills before
 * calling, and r->start, r->ping_only; not r->hosts. Returns 0, or -1 when this or any earlier
 * call of the stream failed. Without out_end the XML output lacks </nmaprun>. */
int out_end(struct out_stream *s, const struct scan_result *r);

/* The whole result: out_begin, out_host for each of r->hosts in order, out_end. */
int out_normal(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_xml(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_grepable(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_json(FILE *f, const struct scan_result *r, const struct out_opts *o);

#endif
