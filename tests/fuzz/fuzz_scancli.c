/* fuzz_scancli.c — libFuzzer target for `portreeve scan`'s option parser
 * (cli/scan_cli.c scan_cli_parse): parsing only, nothing is scanned or written.
 *
 * Input: the arguments, separated by NUL bytes (argv[0] is added). Options that read a
 * file (-iL, --excludefile, --payloads, --resume, --cve-feed, --versiondb, --db) are left out:
 * their readers have targets of their own, and "-" would read standard input. Target names may be
 * looked up: the target runs in a network namespace of its own (set up at start, needs root), so no
 * lookup leaves the machine. */
#include "cli/opts.h"
#include "cli/scan_share.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (unshare(CLONE_NEWNET) != 0) {
        perror("fuzz_scancli: unshare(CLONE_NEWNET) (run as root)");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "scan";
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i += strlen(text + i) + 1)
        argv[argc++] = text + i;
    argv[argc] = NULL;
    /* the file options are recognised in every spelling the parser takes (prefixes,
     * --name=value): spelled out first, as scan_cli_parse does */
    size_t nopts;
    const struct cli_opt *opts = scan_cli_opts(&nopts);
    struct cli_argv x;
    if (cli_expand("fuzz", opts, nopts, argc, argv, &x) < 0) {
        free(text);
        return 0;
    }
    for (int k = 1; k < x.argc; k++) {
        const char *a = x.argv[k];
        if (!strcmp(a, "-iL") || !strcmp(a, "--excludefile") || !strcmp(a, "--payloads") ||
            !strcmp(a, "--resume") || !strcmp(a, "--cve-feed") || !strcmp(a, "--versiondb") ||
            !strcmp(a, "--db")) {
            cli_argv_free(&x);
            free(text);
            return 0;
        }
    }
    int status = 0;
    struct scan_cli *c = scan_cli_parse(x.argc, x.argv, &status);
    if (c) {
        const struct scan_config *cfg = scan_cli_config(c);
        if (cfg->ntech > 3 || cfg->version_intensity < 0 || cfg->version_intensity > 9)
            abort();
        scan_cli_free(c);
    }
    cli_argv_free(&x);
    free(text);
    return 0;
}
