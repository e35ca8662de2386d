/* fuzz_history.c — libFuzzer target for the row decoding of the audit history
 * (audit/history.c: runs, hosts, ports, violations read back from the database).
 *
 * A history file is written with hostile rows, then read through the real API. Input:
 * records separated by '\n', fields by '\t'; the first field picks the table (r runs,
 * h hosts, p ports, v violations), the others fill its columns in order ("\N" is NULL).
 * Rows the schema refuses are skipped. Every run listed is then loaded with its hosts,
 * ports and violations: texts must come back terminated, ports in 1..65535. */
#include "audit/history.h"
#include "audit/snapshot.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char db_path[128];
static sqlite3 *raw;        /* writes the hostile rows */
static struct hist_db *hdb; /* reads them back */

static void cleanup(void)
{
    hist_close(hdb);
    sqlite3_close(raw);
    unlink(db_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(db_path, sizeof db_path, "/dev/shm/portreeve-fuzz-history-%d.sqlite", (int)getpid());
    unlink(db_path);
    struct pr_error e = {""};
    if (!(hdb = hist_open(db_path, &e))) {
        fprintf(stderr, "fuzz_history: %s\n", e.msg);
        exit(1);
    }
    if (sqlite3_open(db_path, &raw) != SQLITE_OK)
        exit(1);
    atexit(cleanup);
    return 0;
}

static const char *const inserts[] = {
    ['r'] = "INSERT INTO runs (id, started, ended, kind, policy, args, status, violations, "
            "hosts_up, nhosts, open_ports, tcp_ports, udp_ports) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
    ['h'] = "INSERT INTO hosts (run_id, addr, name, up, extra_state) VALUES (?,?,?,?,?)",
    ['p'] = "INSERT INTO ports (run_id, addr, proto, port, state, service, version) VALUES "
            "(?,?,?,?,?,?,?)",
    ['v'] = "INSERT INTO violations (run_id, kind, warn, addr, host, proto, port, state, "
            "section, detail) VALUES (?,?,?,?,?,?,?,?,?,?)",
};

static void insert_row(char *rec)
{
    unsigned char t = (unsigned char)rec[0];
    if (t >= sizeof inserts / sizeof *inserts || !inserts[t] || rec[1] != '\t')
        return;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(raw, inserts[t], -1, &st, NULL) != SQLITE_OK)
        abort();
    int n = sqlite3_bind_parameter_count(st);
    char *save = NULL;
    int i = 1;
    for (char *f = strtok_r(rec + 2, "\t", &save); f && i <= n; f = strtok_r(NULL, "\t", &save))
        if (strcmp(f, "\\N") == 0)
            sqlite3_bind_null(st, i++);
        else
            sqlite3_bind_text(st, i++, f, -1, SQLITE_TRANSIENT);
    for (; i <= n; i++) /* missing fields: empty texts */
        sqlite3_bind_text(st, i, "", 0, SQLITE_STATIC);
    (void)sqlite3_step(st); /* constraint failures are fine */
    sqlite3_finalize(st);
}

static void check_text(const char *s, size_t len)
{
    if (!memchr(s, '\0', len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    if (sqlite3_exec(raw,
                     "DELETE FROM violations; DELETE FROM ports; DELETE FROM hosts; "
                     "DELETE FROM runs;",
                     NULL, NULL, NULL) != SQLITE_OK)
        abort();
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char *save = NULL;
    for (char *rec = strtok_r(text, "\n", &save); rec; rec = strtok_r(NULL, "\n", &save))
        insert_row(rec);
    free(text);

    struct pr_error e = {""};
    struct hist_run *runs = NULL;
    size_t nruns = 0;
    if (hist_list(hdb, NULL, 0, &runs, &nruns, &e) < 0) {
        check_text(e.msg, sizeof e.msg);
        return 0;
    }
    for (size_t i = 0; i < nruns && i < 16; i++) {
        check_text(runs[i].kind, sizeof runs[i].kind);
        check_text(runs[i].policy, sizeof runs[i].policy);
        check_text(runs[i].args, sizeof runs[i].args);
        struct hist_run run;
        struct snapshot s;
        if (hist_load(hdb, runs[i].id, &run, &s, &e) == 0) {
            for (size_t h = 0; h < s.nhosts; h++)
                for (size_t k = 0; k < s.hosts[h].nports; k++)
                    if (s.hosts[h].ports[k].port == 0)
                        abort();
            snap_free(&s);
        }
        struct violation *v = NULL;
        size_t nv = 0;
        if (hist_violations(hdb, runs[i].id, &v, &nv, &e) == 0) {
            for (size_t k = 0; k < nv; k++) {
                check_text(v[k].addr, sizeof v[k].addr);
                check_text(v[k].detail, sizeof v[k].detail);
                (void)viol_kind_name(v[k].kind);
            }
            free(v);
        }
        int64_t prev;
        (void)hist_previous(hdb, runs[i].policy, runs[i].id, &prev, &e);
    }
    free(runs);
    return 0;
}
