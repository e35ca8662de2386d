/* hist_backend.h — the contract between history.c and its database backends.
 *
 * A backend is a const table of functions over an opaque connection. Parameters and
 * results are text; SQL uses $1..$n placeholders numbered in order of first use (valid in
 * both SQLite and PostgreSQL). Callers: history.c only. */
#ifndef PR_AUDIT_HIST_BACKEND_H
#define PR_AUDIT_HIST_BACKEND_H

#include "core/error.h"

/* Called once per result row; NULL columns arrive as NULL. Return non-zero to fail the
 * query (after filling nothing: the query reports "stopped"). */
typedef int (*hist_row_cb)(void *ctx, int ncol, const char *const *col);

struct hist_ops {
    const char *name;    /* "SQLite", "PostgreSQL" */
    const char *id_type; /* the type of an auto-increment primary key */
    int (*query)(void *conn, const char *sql, int nparams, const char *const *params,
                 hist_row_cb cb, void *cbctx, struct pr_error *e);
    /* Starts a write transaction that serialises with other writers. */
    int (*begin_write)(void *conn, struct pr_error *e);
    int (*commit)(void *conn, struct pr_error *e);
    void (*rollback)(void *conn);
    void (*close)(void *conn);
    /* LISTEN/NOTIFY (NULL for SQLite): see hist_listen and hist_wait in history.h */
    int (*listen)(void *conn, const char *channel, struct pr_error *e);
    int (*wait)(void *conn, int timeout_ms, struct pr_error *e);
};

extern const struct hist_ops hist_sqlite_ops;
extern const struct hist_ops hist_pg_ops;

/* Each returns the connection or NULL with e filled. */
void *hist_sqlite_open(const char *path, struct pr_error *e);
void *hist_pg_open(const char *uri, struct pr_error *e);

#endif
