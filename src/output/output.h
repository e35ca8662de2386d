/* output.h — serialisers of a scan_result: one function per format.
 *
 * Each writes the whole result to `f` and returns 0, or -1 when writing failed. They
 * read the result only. Formats: normal text (nmap-like), nmap XML (valid against
 * /usr/share/nmap/nmap.dtd, readable by ndiff and nmap.xsl), grepable (-oG) and JSON
 * lines (one object per port, plus one per host with no ports). */
#ifndef PR_OUTPUT_OUTPUT_H
#define PR_OUTPUT_OUTPUT_H

#include "output/result.h"

#include <stdio.h>

struct out_opts {
    int open_only;   /* --open: show only ports in state open (and open|filtered, like nmap) */
    int reason;      /* --reason */
    int verbose;     /* -v level */
};

int out_normal(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_xml(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_grepable(FILE *f, const struct scan_result *r, const struct out_opts *o);
int out_json(FILE *f, const struct scan_result *r, const struct out_opts *o);

#endif
