/* output.h — serialisers of a scan_result: one function per format.
 *
 * Each writes the whole result to `f` and returns 0, or -1 when writing failed. They
 * read the result only. Formats: normal text (nmap-like), nmap XML (valid against
 * /usr/share/nmap/nmap.dtd, readable by ndiff and nmap.xsl), grepable (-oG) and JSON
 * lines (one object per port, plus one per host with no ports).
 *
 * Collapsing ("Not shown: 995 closed tcp ports (reset)") follows nmap 7.93: a state other
 * than open is collapsed when it has more than 25 ports (25 * (verbose + 1) with -v), or,
 * with --open, whenever it cannot be open. XML keeps every collapsed port in the `ports`
 * list of <extrareasons>; JSON never collapses. */
#ifndef PR_OUTPUT_OUTPUT_H
#define PR_OUTPUT_OUTPUT_H

#include "output/result.h"

#include <stdio.h>

struct out_opts {
    int open_only; /* --open: show only ports that may be open (open, open|filtered and, like
                      nmap, unfiltered); hosts without such ports are left out */
    int reason;    /* --reason */
    int verbose;   /* -v level: more ports before collapsing, down hosts listed */
    int debug;     /* -d level: <debugging level>; > 2 collapses nothing, like nmap */
    int as_file;   /* out_normal only: -oN file layout ("# portreeve ... scan initiated ..."
                      header, "# portreeve done at ..." footer) instead of the terminal one */
};

int out_normal(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_xml(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_grepable(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_json(FILE *f, const struct scan_result *r, const struct out_opts *o);

#endif
