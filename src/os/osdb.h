/* osdb.h — nmap's OS fingerprint database (/usr/share/nmap/nmap-os-db from Debian's
 * nmap-common, read at run time, never copied) and the matcher that scores a subject
 * fingerprint (os/osfp.h) against it as nmap does: every attribute of every test weighed
 * with the MatchPoints section, accuracy = points matched / points possible, ranked.
 *
 * The file is hostile input: a missing or malformed file is an error naming the file and
 * the line. Loaded once, read-only afterwards; matching is thread-safe. */
#ifndef PR_OS_OSDB_H
#define PR_OS_OSDB_H

#include "core/error.h"
#include "os/osfp.h"
#include "output/result.h"

#include <stddef.h>

#define OSDB_DEFAULT_PATH "/usr/share/nmap/nmap-os-db"

struct osdb; /* opaque */

int osdb_load(const char *path, struct osdb **out, struct pr_error *err);
/* The same from memory (fuzz targets and unit tests); `what` names it in errors. */
int osdb_load_mem(const char *text, size_t len, const char *what, struct osdb **out,
                  struct pr_error *err);
void osdb_free(struct osdb *db);
size_t osdb_count(const struct osdb *db); /* reference fingerprints loaded */

struct osdb_match_opts {
    int guess;          /* --osscan-guess / --fuzzy (see osdb_match: the list is the same) */
    size_t max_matches; /* 0: OS_MAX_MATCHES */
};

/* Scores fp against every reference and fills out->matches (best first, ties in file
 * order as nmap), out->nmatches, out->perfect and out->too_many, following nmap's rules
 * for when exact matches, guesses or nothing are reported, and the class summary lines
 * (device_type, running, running_guess, os_cpe: osdb_summarize with guesses; an output
 * prints guessed lines only when nmap would: --osscan-guess or an unfit fingerprint). out must
 * be zeroed or hold an earlier match (its classes are freed); free it with
 * os_result_free. Other fields of out are left alone.
 *
 * What nmap 7.93 does, and so this: every reference scoring at least 85% is a candidate
 * (one per OS name, 36 kept); then, as in its XML <osmatch> list:
 *  - 1 to 8 exact (100%) matches: those, perfect = 1 ("OS details: ...");
 *  - more than 8 exact matches: nmatches = 0 with perfect = 1 and too_many ("Too many fingerprints
 *    match this host to give specific OS details");
 *  - no exact match: up to 10 candidates within 10 points of the best, perfect = 0
 *    ("Aggressive OS guesses" in the normal output, with --osscan-guess or when the
 *    fingerprint is not fit for submission; "No exact OS matches for host");
 *  - no candidate: nmatches = 0, perfect = 0 ("No OS matches for host").
 * Accuracies are truncated percents (nmap's (int)(accuracy * 100)); each match's classes
 * carry its accuracy. opts->guess does not change the list (nmap's XML lists the guesses
 * either way); opts->max_matches caps it. Names, classes and CPEs longer or more numerous
 * than os_result holds are cut. */
void osdb_match(const struct osdb *db, const struct osfp *fp, const struct osdb_match_opts *opts,
                struct os_result *out);

/* nmap's OS class summary of one host, the normal output's lines
 *     Device type: <device_type>
 *     Running: <running>            ("Running (JUST GUESSING): " when guessing)
 *     OS CPE: <cpe>                 (only when cpe is not "")
 * computed as nmap 7.93 does from the classes of all its candidates (up to 36, not only the
 * matches listed): distinct classes best first, only those of exact matches when there
 * are some, guesses only when `guess` (nmap: --osscan-guess, or a fingerprint unfit for
 * submission), within 10 points of the best, families merged with their generations
 * ("Linux 4.X|5.X (97%)"). Every string is "" when nmap prints none of the three lines
 * (no class, or more than 8 device types, CPEs or families). */
struct osdb_summary {
    char device_type[512];
    char running[2048];
    int guessing;
    char cpe[1024];
};
void osdb_summarize(const struct osdb *db, const struct osfp *fp, int guess,
                    struct osdb_summary *out);

/* The accuracy (0.0-1.0) of fp against the reference at `line` in the file, for tests;
 * -1 when no reference starts there. */
double osdb_score_line(const struct osdb *db, const struct osfp *fp, unsigned line);

/* For debugging a score: writes one line per attribute of the reference at `line` that fp
 * does not match, as nmap -d does ("T1.W: \"FFCB\" NOMATCH \"8000\" (15 points)"). Returns
 * the length needed (like snprintf); 0 when everything matches or no reference is there. */
size_t osdb_explain(const struct osdb *db, const struct osfp *fp, unsigned line, char *out,
                    size_t outlen);

#endif
