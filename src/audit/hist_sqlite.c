/* hist_sqlite.c — the SQLite backend of the history (see hist_backend.h).
 *
 * WAL journal, a 30 s busy timeout and BEGIN IMMEDIATE for writes, so two audits writing
 * one file at once queue instead of failing; synchronous=NORMAL is durable enough in WAL
 * mode (a crash loses at most the last transaction, never corrupts earlier ones). */
#include "audit/hist_backend.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BUSY_MS 30000

static int sq_err(sqlite3 *db, const char *what, struct pr_error *e)
{
    return pr_errf(e, "SQLite: %s: %s", what, sqlite3_errmsg(db));
}

static int sq_query(void *conn, const char *sql, int nparams, const char *const *params,
                    hist_row_cb cb, void *cbctx, struct pr_error *e)
{
    sqlite3 *db = conn;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_err(db, "prepare", e);
    if (sqlite3_bind_parameter_count(st) != nparams) {
        sqlite3_finalize(st);
        return pr_errf(e, "SQLite: statement wants %d parameters, got %d",
                       sqlite3_bind_parameter_count(st), nparams);
    }
    for (int i = 0; i < nparams; i++) {
        int rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT)
                           : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(st);
            return sq_err(db, "bind", e);
        }
    }
    int rc;
    const char *cols[32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        if (n > 32)
            n = 32;
        for (int i = 0; i < n; i++)
            cols[i] = (const char *)sqlite3_column_text(st, i);
        if (cb && cb(cbctx, n, cols)) {
            sqlite3_finalize(st);
            return pr_errf(e, "SQLite: bad row in the history database");
        }
    }
    if (rc != SQLITE_DONE) {
        int r = sq_err(db, "step", e);
        sqlite3_finalize(st);
        return r;
    }
    sqlite3_finalize(st);
    return 0;
}

static int sq_exec(sqlite3 *db, const char *sql, struct pr_error *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pr_errf(e, "SQLite: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int sq_begin(void *conn, struct pr_error *e)
{
    return sq_exec(conn, "BEGIN IMMEDIATE", e);
}

static int sq_commit(void *conn, struct pr_error *e)
{
    return sq_exec(conn, "COMMIT", e);
}

static void sq_rollback(void *conn)
{
    sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
}

static void sq_close(void *conn)
{
    sqlite3_close(conn);
}

void *hist_sqlite_open(const char *path, struct pr_error *e)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        pr_errf(e, "history database '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    struct pr_error sub;
    /* Switching a new file to WAL needs it alone, and SQLite answers "locked" at once
     * rather than through the busy handler when another connection is opening it too
     * (two audits starting together): try again for up to BUSY_MS. */
    int wal = -1;
    for (int waited = 0; wal < 0 && waited < BUSY_MS; waited += 50) {
        wal = sq_exec(db, "PRAGMA journal_mode=WAL", &sub);
        if (wal < 0 && sqlite3_errcode(db) != SQLITE_BUSY && sqlite3_errcode(db) != SQLITE_LOCKED)
            break;
        if (wal < 0) {
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    if (wal < 0 || sq_exec(db, "PRAGMA synchronous=NORMAL", &sub) < 0 ||
        sq_exec(db, "PRAGMA foreign_keys=ON", &sub) < 0) {
        pr_errf(e, "history database '%s': %s", path, sub.msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

const struct hist_ops hist_sqlite_ops = {
    .name = "SQLite",
    .id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .query = sq_query,
    .begin_write = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .close = sq_close,
};
