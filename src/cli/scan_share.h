/* scan_share.h — what `portreeve scan` shares with `portreeve audit`: the scan options
 * parsed into a struct scan_config, and the -oN/-oX/-oG/-oJ/-oA output files.
 *
 * Implemented at the end of cli/scan_cli.c. The caller owns the returned handle and frees
 * it with scan_cli_free(); the config inside stays valid until then. */
#ifndef PR_CLI_SCAN_SHARE_H
#define PR_CLI_SCAN_SHARE_H

#include "output/result.h"
#include "scan/scan.h"

struct scan_cli;
struct cli_opt;

/* The scan's options for cli_expand() (cli/opts.h): *n of them. */
const struct cli_opt *scan_cli_opts(size_t *n);

/* Parses scan options and targets (argv[0] is the command name, like main's argv + 1) and
 * checks them. Returns the handle with *status 0; NULL with *status 1 after printing the
 * usage for --help, or NULL with *status -1 after printing the error. */
struct scan_cli *scan_cli_parse(int argc, char **argv, int *status);
struct scan_config *scan_cli_config(struct scan_cli *c);
/* --db PATH|URI of the command line, or NULL. */
const char *scan_cli_db(const struct scan_cli *c);
/* Writes the -o files; with `terminal` also the normal report on stdout (unless an output
 * file is "-"). Returns 0 or -1 (message printed). */
int scan_cli_write(struct scan_cli *c, const struct scan_result *r, int terminal);
/* Checks before a scan that every -o file can be written (creating it), so that a bad
 * path costs no scan. Returns 0 or -1 (message printed). */
int scan_cli_outputs_check(const struct scan_cli *c);
void scan_cli_free(struct scan_cli *c);

#endif
