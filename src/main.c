/* main.c — subcommand dispatch only. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"scan", cmd_scan, "find open ports (connect, SYN, FIN, NULL, Xmas, UDP, ACK, ...)"},
    {"detect", cmd_detect, "notice port scans in live traffic, capture files and firewall logs"},
    {"block", cmd_block, "list and undo the blocks made by detect --block"},
    {"audit", cmd_audit, "scan against a policy of allowed ports, keep history, flag CVEs"},
    {"history", cmd_history, "list the scans and audits kept in the history database"},
    {"diff", cmd_diff, "compare two scans (history ids or nmap XML files)"},
    {"demo", cmd_demo, "scan and watch a throwaway lab in network namespaces (root)"},
};

static void usage(FILE *f)
{
    fputs("usage: portreeve COMMAND [options]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fputs("\n'portreeve COMMAND --help' describes each command's options;\n"
          "'portreeve --version' prints the version and the libraries' versions.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PR_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") && argc > 2) { /* `portreeve help scan` = `scan --help` */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(argv[2], commands[i].name)) {
                char *args[] = {argv[2], "--help", NULL};
                return commands[i].run(2, args);
            }
        fprintf(stderr, "portreeve: no command '%s' (try 'portreeve --help')\n", argv[2]);
        return PR_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return PR_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version"))
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "portreeve: unknown command '%s' (try 'portreeve --help')\n", argv[1]);
    return PR_EXIT_USAGE;
}
