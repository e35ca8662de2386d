/* audit_cli.c — `portreeve audit`, `history` and `diff` (placeholder until audit lands). */
#include "cli/cli.h"

#include <stdio.h>

static int not_built(const char *what)
{
    fprintf(stderr, "portreeve %s: not built yet\n", what);
    return PR_EXIT_RUNTIME;
}

int cmd_audit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_built("audit");
}

int cmd_history(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_built("history");
}

int cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return not_built("diff");
}
