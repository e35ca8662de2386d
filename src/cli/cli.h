/* cli.h — one entry point per subcommand. Each parses its options into a config
 * struct, runs the work and returns the process exit code:
 * 0 success, 1 findings the user asked to fail on, 2 usage or input error,
 * 3 runtime failure. */
#ifndef PR_CLI_CLI_H
#define PR_CLI_CLI_H

#define PR_EXIT_OK 0
#define PR_EXIT_FINDINGS 1
#define PR_EXIT_USAGE 2
#define PR_EXIT_RUNTIME 3

int cmd_scan(int argc, char **argv);
int cmd_detect(int argc, char **argv);
int cmd_block(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_diff(int argc, char **argv);
/* `portreeve demo`: runs the lab demo script (tests/lab/demo.sh or the installed copy). */
int cmd_demo(int argc, char **argv);
/* `portreeve --version`: version, git description, library versions on stdout. */
int cmd_version(int argc, char **argv);

#endif
