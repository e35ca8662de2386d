/* osmatch.c — test and debugging tool for the nmap-os-db matcher (os/osdb.c): loads a
 * database and a subject fingerprint in nmap's printed form and prints the matches
 * osdb_match reports, best first, one a line:
 *
 *     ACCURACY<TAB>LINE<TAB>NAME<TAB>CLASS; CLASS...
 *
 * (a class is "vendor|family|gen|type"), preceded by one line "perfect N" or
 * "toomany", followed by nmap's "Device type:", "Running:" and "OS CPE:" lines as
 * osdb_summarize gives them (with --osscan-guess). With -e LINE it prints instead why the reference
 * at LINE is not a perfect match (osdb_explain) and its exact score; with -f (-F) the subject as
 * osfp_format (osfp_format_flat) writes it, nothing else; -t prints the load and match times on
 * stderr.
 *
 *     osmatch [-f|-F] [-t] [-e LINE] [-d nmap-os-db] SUBJECT-FILE */
#include "core/text.h"
#include "os/osdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *dbpath = OSDB_DEFAULT_PATH;
    unsigned explain = 0;
    int timing = 0, format = 0, c;
    while ((c = getopt(argc, argv, "d:e:fFt")) != -1) {
        if (c == 'd')
            dbpath = optarg;
        else if (c == 'e')
            explain = (unsigned)strtoul(optarg, NULL, 10);
        else if (c == 't')
            timing = 1;
        else if (c == 'f' || c == 'F')
            format = c;
        else
            return 2;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "usage: osmatch [-f|-F] [-t] [-e LINE] [-d nmap-os-db] SUBJECT-FILE\n");
        return 2;
    }
    struct pr_error e;
    char *text;
    size_t len;
    if (pr_read_file(argv[optind], 1 << 20, &text, &len, &e) < 0) {
        fprintf(stderr, "osmatch: %s\n", e.msg);
        return 2;
    }
    struct osfp fp;
    if (osfp_parse(&fp, text, len, argv[optind], &e) < 0) {
        fprintf(stderr, "osmatch: %s\n", e.msg);
        free(text);
        return 2;
    }
    free(text);
    if (format) {
        char out[16384];
        if (format == 'f')
            osfp_format(&fp, out, sizeof out);
        else
            osfp_format_flat(&fp, out, sizeof out);
        fputs(out, stdout);
        return 0;
    }
    double t0 = now();
    struct osdb *db;
    if (osdb_load(dbpath, &db, &e) < 0) {
        fprintf(stderr, "osmatch: %s\n", e.msg);
        return 2;
    }
    double t1 = now();
    if (explain) {
        double acc = osdb_score_line(db, &fp, explain);
        if (acc < 0) {
            fprintf(stderr, "osmatch: no fingerprint starts at line %u\n", explain);
            osdb_free(db);
            return 2;
        }
        char buf[8192];
        osdb_explain(db, &fp, explain, buf, sizeof buf);
        printf("score %.6f\n%s", acc, buf);
        osdb_free(db);
        return 0;
    }
    static struct os_result r; /* large: not on the stack */
    struct osdb_match_opts opts = {.guess = 1};
    osdb_match(db, &fp, &opts, &r);
    double t2 = now();
    if (timing)
        fprintf(stderr, "osmatch: %zu fingerprints loaded in %.1f ms, matched in %.1f ms\n",
                osdb_count(db), (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    if (r.perfect && !r.nmatches)
        printf("toomany\n");
    else
        printf("perfect %d\n", r.perfect);
    for (size_t i = 0; i < r.nmatches; i++) {
        const struct os_match_result *m = &r.matches[i];
        printf("%d\t%u\t%s\t", m->accuracy, m->line, m->name);
        for (size_t k = 0; k < m->nclasses; k++)
            printf("%s%s|%s|%s|%s", k ? "; " : "", m->classes[k].vendor, m->classes[k].family,
                   m->classes[k].gen, m->classes[k].type);
        printf("\n");
    }
    struct osdb_summary sum;
    osdb_summarize(db, &fp, 1, &sum);
    if (sum.running[0]) {
        printf("Device type: %s\nRunning%s: %s\n", sum.device_type,
               sum.guessing ? " (JUST GUESSING)" : "", sum.running);
        if (sum.cpe[0])
            printf("OS CPE: %s\n", sum.cpe);
    }
    osdb_free(db);
    return 0;
}
