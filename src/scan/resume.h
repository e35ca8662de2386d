/* resume.h — the file an interrupted scan leaves behind, and reading it back.
 *
 * On SIGINT/SIGTERM `portreeve scan` writes the command line, the probe key (so the
 * permutation and cookies are the same), how far the first pass got and every answer so
 * far; `portreeve scan --resume FILE` re-runs the same command from there, so that the
 * resumed scan neither repeats nor skips a probe and ends with the same results as an
 * uninterrupted one. Text format, one record per line (see resume.c). */
#ifndef PR_SCAN_RESUME_H
#define PR_SCAN_RESUME_H

#include "core/error.h"
#include "core/siphash.h"
#include "scan/scan.h"

#include <stdio.h>

#define RESUME_MAX_ARGS 256

struct resume_file {
    char *argv[RESUME_MAX_ARGS]; /* owned; the original arguments after "scan" */
    int argc;
    struct sip_key key;
    struct scan_progress progress;
};

/* Writes rf to path (atomically: a temporary file renamed over it). Returns 0 or -1. */
int resume_save(const char *path, int argc, char **argv, const struct sip_key *key,
                const struct scan_progress *p, struct pr_error *e);
/* Reads path; errors name the file and the line. Returns 0 or -1. */
int resume_load(const char *path, struct resume_file *rf, struct pr_error *e);
/* The same from an open stream; path names it in errors. */
int resume_parse(FILE *f, const char *path, struct resume_file *rf, struct pr_error *e);
void resume_free(struct resume_file *rf);

#endif
