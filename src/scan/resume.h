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
/* Writes the same to the open stream f (named path in errors). Returns 0 or -1. */
int resume_write(FILE *f, const char *path, int argc, char **argv, const struct sip_key *key,
                 uint64_t plan, const struct scan_progress *p, struct pr_error *e);

/* The resume file of one scan, made at start-up while the process still has the rights
 * of the user who started it: the scan later runs as an unprivileged account that may not
 * write the directory (root's home). A new file is created empty (O_EXCL) and removed
 * again when the scan ends without a stop; when the process will drop privileges, a small
 * child that keeps them does the removal (it waits on a pipe: "keep" or end of file).
 * An existing file (--resume FILE) is overwritten in place. */
struct resume_out {
    int fd;      /* -1: could not be opened (err holds why) */
    int keeper;  /* pipe to the child that removes the file, or -1 */
    int created; /* the file is new: remove it when not kept */
    char path[4096];
    char err[256];
};

/* Opens path (created when `create`); with `keeper` forks the child described above.
 * Never fails: a file that cannot be opened is reported by resume_out_save. */
void resume_out_open(struct resume_out *o, const char *path, int create, int keeper);
/* Writes the progress into the opened file and keeps it. Returns 0 or -1 (e filled). */
int resume_out_save(struct resume_out *o, int argc, char **argv, const struct sip_key *key,
                    uint64_t plan, const struct scan_progress *p, struct pr_error *e);
/* Ends it: a new file that was not saved is removed (by the child, if any). */
void resume_out_close(struct resume_out *o);

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
