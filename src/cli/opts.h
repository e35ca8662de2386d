/* opts.h — long options as nmap users type them, for the command parsers of cli/.
 *
 * cli_expand() rewrites a command line before a parser's own loop sees it:
 * `--name=value` becomes `--name value`, and an unambiguous prefix of a long option
 * (`--top-port 3`, `--max-r 100`) becomes its full name, as getopt_long does (nmap uses
 * getopt_long_only). The parser then needs only exact names. Arguments that are not
 * options of the table pass through unchanged, so a parser may know options the table
 * does not (it then takes them only spelled out). Called once per command at start-up,
 * on the main thread. */
#ifndef PR_CLI_OPTS_H
#define PR_CLI_OPTS_H

#include <stddef.h>

/* One option of a command. name: "--long" (prefixes and =value accepted) or "-x" (an
 * exact single-dash option; listed only when it takes a value, so that the value is never
 * mistaken for an option: `-oN --odd-name`). has_arg: 1 when the option takes a value. */
struct cli_opt {
    const char *name;
    int has_arg;
};

/* The rewritten command line: argv[0..argc-1] (argv[argc] is NULL); strings that are not
 * the caller's own live in `store`. */
struct cli_argv {
    int argc;
    char **argv;
    char *store;
};

/* Rewrites argv[1..argc-1] (argv[0] is the command name, copied) by the table opts[0..n-1]
 * into *out. Returns 0, or -1 after printing one line on stderr prefixed by `cmd`
 * ("portreeve scan") for an ambiguous prefix (listing the candidates) or a value given to
 * an option without one. *out is empty on failure; free it with cli_argv_free() either
 * way. */
int cli_expand(const char *cmd, const struct cli_opt *opts, size_t n, int argc, char **argv,
               struct cli_argv *out);
void cli_argv_free(struct cli_argv *a);

/* A duration option: "90", "90s", "15m", "1h", "2d" → whole seconds from 1 to max into
 * *out. Returns 0, or -1 with e naming the option `name` and the value. */
struct pr_error;
int cli_duration(const char *name, const char *v, unsigned max, unsigned *out, struct pr_error *e);

#endif
