/* detect_cli.c — `portreeve detect` options (placeholder until the detector lands). */
#include "cli/cli.h"

#include <stdio.h>

int cmd_detect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("portreeve detect: not built yet\n", stderr);
    return PR_EXIT_RUNTIME;
}
