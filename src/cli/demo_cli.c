/* demo_cli.c — `portreeve demo`: find the lab scripts (tests/lab/demo.sh and lab.sh, next
 * to the build tree or installed under PR_LABDIR) and run the demo with this program: a
 * throwaway lab in network namespaces, scanned with the six classic techniques and watched
 * by detect, both sides printed, the lab torn down. The scripts do the work; this entry
 * point only finds them and hands over, so `make demo` and the installed command are one. */
#include "cli/cli.h"
#include "cli/opts.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef PR_LABDIR
#define PR_LABDIR "/usr/share/portreeve/lab"
#endif

static void demo_usage(FILE *f)
{
    fputs("usage: portreeve demo [--lab-dir DIR]\n"
          "Builds a throwaway lab in network namespaces (a scanner and two targets with real\n"
          "servers), scans one target with connect, SYN, FIN, NULL, Xmas and UDP, watches the\n"
          "scans with detect, prints what each side saw, and removes the lab. Needs root.\n"
          "  --lab-dir DIR  where demo.sh and lab.sh are (default: tests/lab next to a build\n"
          "                 tree, else " PR_LABDIR ")\n",
          f);
}

/* Writes DIR/demo.sh into out when that file exists; returns 1 then, else 0. */
static int demo_script_in(const char *dir, char *out, size_t outsz)
{
    int n = snprintf(out, outsz, "%s/demo.sh", dir);
    return n > 0 && (size_t)n < outsz && access(out, R_OK) == 0;
}

static int demo_run(int argc, char **argv)
{
    const char *labdir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            demo_usage(stdout);
            return PR_EXIT_OK;
        } else if (!strcmp(a, "--lab-dir") && i + 1 < argc) {
            labdir = argv[++i];
        } else {
            fprintf(stderr, "portreeve demo: argument %d '%s' not understood\n", i, a);
            demo_usage(stderr);
            return PR_EXIT_USAGE;
        }
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 1) {
        fprintf(stderr, "portreeve demo: cannot read /proc/self/exe: %s\n",
                n < 0 ? strerror(errno) : "path too long");
        return PR_EXIT_RUNTIME;
    }
    self[n] = '\0';

    char script[PATH_MAX + 16];
    if (labdir) {
        if (!demo_script_in(labdir, script, sizeof script)) {
            fprintf(stderr, "portreeve demo: --lab-dir %s: no readable demo.sh there\n", labdir);
            return PR_EXIT_USAGE;
        }
    } else {
        char tree[PATH_MAX];
        char copy[PATH_MAX];
        memcpy(copy, self, (size_t)n + 1);
        int m = snprintf(tree, sizeof tree, "%s/../tests/lab", dirname(copy));
        if (!(m > 0 && (size_t)m < sizeof tree && demo_script_in(tree, script, sizeof script)) &&
            !demo_script_in(PR_LABDIR, script, sizeof script)) {
            fprintf(stderr,
                    "portreeve demo: the lab scripts are not installed (looked for demo.sh in "
                    "%s and " PR_LABDIR "); give --lab-dir DIR\n",
                    tree);
            return PR_EXIT_RUNTIME;
        }
    }
    fflush(NULL);
    char *args[] = {"bash", script, self, NULL};
    execv("/bin/bash", args);
    fprintf(stderr, "portreeve demo: cannot run /bin/bash %s: %s\n", script, strerror(errno));
    return PR_EXIT_RUNTIME;
}

static const struct cli_opt demo_opts[] = {{"--lab-dir", 1}};

int cmd_demo(int argc, char **argv)
{
    struct cli_argv cl;
    if (cli_expand("portreeve demo", demo_opts, sizeof demo_opts / sizeof demo_opts[0], argc, argv,
                   &cl) < 0) {
        cli_argv_free(&cl);
        return PR_EXIT_USAGE;
    }
    int rc = demo_run(cl.argc, cl.argv);
    cli_argv_free(&cl);
    return rc;
}
