/* opts.h — what the user asked of every output format (--open, --reason, -v, -d, -oN
 * layout). Its own header so that the formats' shared pieces (out_util.h) and the
 * public interface (output.h) both use it without including each other. */
#ifndef PR_OUTPUT_OPTS_H
#define PR_OUTPUT_OPTS_H

struct out_opts {
    int open_only;   /* --open: show only ports that may be open (open, open|filtered and, like
                        nmap, unfiltered); hosts without such ports are left out */
    int reason;      /* --reason */
    int verbose;     /* -v level: more ports before collapsing, down hosts listed */
    int debug;       /* -d level: <debugging level>; > 2 collapses nothing, like nmap */
    int osscan;      /* -O ran: the footer says "OS detection performed. Please report ..." */
    int servicescan; /* -sV ran: the footer says "Service detection performed. ..." */
    int as_file;     /* out_normal only: -oN file layout ("# portreeve ... scan initiated ..."
                        header, "# portreeve done at ..." footer) instead of the terminal one */
};

#endif
