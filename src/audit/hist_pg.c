/* hist_pg.c — the PostgreSQL backend of the history (libpq; see hist_backend.h).
 *
 * Text parameters through PQexecParams; writers take a transaction-scoped advisory lock so
 * migrations and runs of concurrent audits are serialised like SQLite's. Server notices
 * ("relation already exists, skipping") are silenced. A transaction that cannot begin
 * because the server went away (a restart) reconnects once and begins again, so that a
 * long-lived writer (detect --db) outlives a database restart. */
#include "audit/hist_backend.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define HIST_PG_LOCK "SELECT pg_advisory_xact_lock(7367847323)"

static void no_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static int pg_fail(PGconn *c, PGresult *res, struct pr_error *e)
{
    char msg[400];
    snprintf(msg, sizeof msg, "%s", res ? PQresultErrorMessage(res) : PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    PQclear(res);
    return pr_errf(e, "PostgreSQL: %s", msg);
}

static int pg_query(void *conn, const char *sql, int nparams, const char *const *params,
                    hist_row_cb cb, void *cbctx, struct pr_error *e)
{
    PGconn *c = conn;
    PGresult *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return pg_fail(c, res, e);
    int rows = PQntuples(res), n = PQnfields(res);
    if (n > 32)
        n = 32;
    const char *cols[32];
    for (int r = 0; r < rows; r++) {
        for (int i = 0; i < n; i++)
            cols[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
        if (cb && cb(cbctx, n, cols)) {
            PQclear(res);
            return pr_errf(e, "PostgreSQL: bad row in the history database");
        }
    }
    PQclear(res);
    return 0;
}

static int pg_simple(PGconn *c, const char *sql, struct pr_error *e)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        return pg_fail(c, res, e);
    PQclear(res);
    return 0;
}

static int pg_begin(void *conn, struct pr_error *e)
{
    if (pg_simple(conn, "BEGIN", e) < 0) {
        if (PQstatus(conn) != CONNECTION_BAD)
            return -1;
        PQreset(conn);
        if (PQstatus(conn) != CONNECTION_OK || pg_simple(conn, "BEGIN", e) < 0)
            return -1;
    }
    if (pg_simple(conn, HIST_PG_LOCK, e) < 0) {
        PQclear(PQexec(conn, "ROLLBACK"));
        return -1;
    }
    return 0;
}

static int pg_commit(void *conn, struct pr_error *e)
{
    return pg_simple(conn, "COMMIT", e);
}

static void pg_rollback(void *conn)
{
    PQclear(PQexec(conn, "ROLLBACK"));
}

static void pg_close(void *conn)
{
    PQfinish(conn);
}

static int pg_listen(void *conn, const char *channel, struct pr_error *e)
{
    char *id = PQescapeIdentifier(conn, channel, strlen(channel));
    if (!id)
        return pg_fail(conn, NULL, e);
    char sql[160];
    snprintf(sql, sizeof sql, "LISTEN %s", id);
    PQfreemem(id);
    return pg_simple(conn, sql, e);
}

static int pg_lost(PGconn *c, struct pr_error *e)
{
    char msg[400];
    snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
    msg[strcspn(msg, "\n")] = '\0';
    return pr_errf(e, "PostgreSQL: connection lost%s%s", msg[0] ? ": " : "", msg);
}

static int pg_wait(void *conn, int timeout_ms, struct pr_error *e)
{
    PGconn *c = conn;
    int got = 0;
    for (int round = 0; round < 2; round++) {
        if (!PQconsumeInput(c) || PQstatus(c) != CONNECTION_OK)
            return pg_lost(c, e);
        PGnotify *n;
        while ((n = PQnotifies(c))) {
            got = 1;
            PQfreemem(n);
        }
        if (got || round)
            break;
        struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
        if (p.fd < 0)
            return pg_lost(c, e);
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno != EINTR)
            return pr_errf(e, "poll: %s", strerror(errno));
        if (r <= 0)
            return 0;
    }
    return got;
}

void *hist_pg_open(const char *uri, struct pr_error *e)
{
    /* a connect timeout unless the URI sets one: a reconnect (pg_begin) must not hold a
     * live detector for the kernel's TCP timeout */
    const char *const kw[] = {"connect_timeout", "dbname", NULL};
    const char *const val[] = {"5", uri, NULL};
    PGconn *c = PQconnectdbParams(kw, val, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        PQfinish(c);
        pr_errf(e, "PostgreSQL history: cannot connect: %s", msg);
        return NULL;
    }
    PQsetNoticeProcessor(c, no_notice, NULL);
    return c;
}

const struct hist_ops hist_pg_ops = {
    .name = "PostgreSQL",
    .id_type = "BIGSERIAL PRIMARY KEY",
    .query = pg_query,
    .begin_write = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .close = pg_close,
    .listen = pg_listen,
    .wait = pg_wait,
};
