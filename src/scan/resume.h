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
#define RESUME_VERSION 2 /* the format written; the only one read */

struct resume_file {
    char *argv[RESUME_MAX_ARGS]; /* owned; the original arguments after "scan" */
    int argc;
    struct sip_key key;
    uint64_t plan; /* resume_plan() of the scan that wrote the file */
    struct scan_progress progress;
    /* where each field was read, for resume_check()'s messages */
    unsigned line_plan, line_group, line_tech, line_position;
};

/* Writes the progress p of a scan (its arguments, key and resume_plan()) to path,
 * atomically: a temporary file renamed over it. Returns 0 or -1. */
int resume_save(const char *path, int argc, char **argv, const struct sip_key *key, uint64_t plan,
                const struct scan_progress *p, struct pr_error *e);
/* Reads path; errors name the file, the line and the field (numbers out of range, an
 * unknown format version, an nmap output file). Returns 0 or -1. */
int resume_load(const char *path, struct resume_file *rf, struct pr_error *e);
/* The same from an open stream; path names it in errors. */
int resume_parse(FILE *f, const char *path, struct resume_file *rf, struct pr_error *e);
void resume_free(struct resume_file *rf);

/* A checksum of what decides the probes and their order: targets (count and a sample of
 * addresses), ports, techniques, key, shard and host-group size. A file from another
 * plan (an -iL file or nmap-services changed since) must not be resumed. */
uint64_t resume_plan(const struct scan_config *cfg);
/* Checks rf against the scan cfg re-parsed from it (its key set): the plan checksum,
 * and that the group, technique and position exist in that plan. Returns 0, or -1 with
 * e naming path, the line and the field. */
int resume_check(const struct resume_file *rf, const char *path, const struct scan_config *cfg,
                 struct pr_error *e);
/* The default name of a scan's resume file, unique per scan:
 * portreeve-YYYYmmdd-HHMMSS-PID.resume (in the current directory). */
void resume_default_name(char *buf, size_t len);

#endif
