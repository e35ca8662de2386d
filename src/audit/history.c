/* history.c — runs stored and read back through a backend (hist_sqlite.c, hist_pg.c), and
 * the schema migrations. See history.h. */
#include "audit/history.h"

#include "audit/hist_backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct hist_db {
    const struct hist_ops *ops;
    void *conn;
};

/* Each step is one statement; a version is recorded after its last step. @ID@ is the
 * backend's auto-increment key type. Never edit a released step: add a new version. */
static const struct {
    int version;
    const char *sql;
} migrations[] = {
    {1, "CREATE TABLE runs (id @ID@, started BIGINT NOT NULL, ended BIGINT NOT NULL, "
        "kind TEXT NOT NULL, policy TEXT NOT NULL DEFAULT '', args TEXT NOT NULL DEFAULT '', "
        "status INTEGER NOT NULL DEFAULT 0, violations INTEGER NOT NULL DEFAULT 0, "
        "hosts_up INTEGER NOT NULL DEFAULT 0, nhosts INTEGER NOT NULL DEFAULT 0, "
        "open_ports INTEGER NOT NULL DEFAULT 0)"},
    {1, "CREATE TABLE hosts (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
        "addr TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', up INTEGER NOT NULL, "
        "extra_state TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, addr))"},
    {1, "CREATE TABLE ports (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
        "addr TEXT NOT NULL, proto TEXT NOT NULL, port INTEGER NOT NULL, state TEXT NOT NULL, "
        "service TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '', "
        "PRIMARY KEY (run_id, addr, proto, port))"},
    {1, "CREATE TABLE violations (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE "
        "CASCADE, kind TEXT NOT NULL, warn INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL, "
        "host TEXT NOT NULL DEFAULT '', proto TEXT NOT NULL DEFAULT '', port INTEGER NOT NULL "
        "DEFAULT 0, state TEXT NOT NULL DEFAULT '', section TEXT NOT NULL DEFAULT '', "
        "detail TEXT NOT NULL DEFAULT '')"},
    /* 2: the scanned port lists, so unlisted ports can be told apart from unscanned ones */
    {2, "ALTER TABLE runs ADD COLUMN tcp_ports TEXT NOT NULL DEFAULT ''"},
    {2, "ALTER TABLE runs ADD COLUMN udp_ports TEXT NOT NULL DEFAULT ''"},
    {2, "CREATE INDEX runs_policy ON runs (policy, id)"},
    /* 3: what detect saw passively (audit/passive.c): the inventory and the baseline */
    {3, "CREATE TABLE passive_hosts (addr TEXT PRIMARY KEY, mac TEXT NOT NULL DEFAULT '', "
        "vendor TEXT NOT NULL DEFAULT '', os TEXT NOT NULL DEFAULT '', first_seen TEXT NOT "
        "NULL DEFAULT '', last_seen TEXT NOT NULL DEFAULT '', updated BIGINT NOT NULL)"},
    {3, "CREATE TABLE passive_services (addr TEXT NOT NULL, proto TEXT NOT NULL, port "
        "INTEGER NOT NULL, first_seen TEXT NOT NULL DEFAULT '', PRIMARY KEY (addr, proto, "
        "port))"},
    {3, "CREATE TABLE baselines (id @ID@, saved BIGINT NOT NULL, body TEXT NOT NULL)"},
    /* 4: the block decisions of the sensors (audit/blockstore.c), for `block --sync` */
    {4, "CREATE TABLE block_decisions (id @ID@, addr TEXT NOT NULL, scan_id BIGINT NOT NULL "
        "DEFAULT 0, evidence TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '', "
        "sensor TEXT NOT NULL DEFAULT '', decided_us BIGINT NOT NULL, expires_us BIGINT NOT "
        "NULL)"},
    {4, "CREATE INDEX block_decisions_expires ON block_decisions (expires_us)"},
    /* 5: named and sharded runs (scan --run-id, --shard I/N): the run knows its shard
     * count and the parameters every shard must share; run_shards which have arrived
     * (started) and finished (ended > 0), where, and with which parameters */
    {5, "ALTER TABLE runs ADD COLUMN run_key TEXT NOT NULL DEFAULT ''"},
    {5, "ALTER TABLE runs ADD COLUMN shard_total INTEGER NOT NULL DEFAULT 0"},
    {5, "ALTER TABLE runs ADD COLUMN shard_params TEXT NOT NULL DEFAULT ''"},
    {5, "CREATE UNIQUE INDEX runs_run_key ON runs (run_key) WHERE run_key <> ''"},
    {5, "CREATE TABLE run_shards (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
        "shard INTEGER NOT NULL, host TEXT NOT NULL DEFAULT '', started BIGINT NOT NULL, "
        "ended BIGINT NOT NULL DEFAULT 0, params TEXT NOT NULL DEFAULT '', "
        "PRIMARY KEY (run_id, shard))"},
    /* 6: fleet-wide unblock and retention (audit/blockstore.c): a decision revoked by an
     * operator keeps its row as history, with who revoked it, when and why; the index
     * finds the revoked ones for block --sync and for the retention's DELETE */
    {6, "ALTER TABLE block_decisions ADD COLUMN revoked_us BIGINT NOT NULL DEFAULT 0"},
    {6, "ALTER TABLE block_decisions ADD COLUMN revoked_by TEXT NOT NULL DEFAULT ''"},
    {6, "ALTER TABLE block_decisions ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT ''"},
    {6, "CREATE INDEX block_decisions_revoked ON block_decisions (revoked_us) WHERE "
        "revoked_us > 0"},
};

const char *viol_kind_name(int kind)
{
    static const char *const names[VK_COUNT] = {"unexpected-open", "expected-closed", "host-down",
                                                "vulnerable-version"};
    return kind >= 0 && kind < VK_COUNT ? names[kind] : "unknown";
}

static int kind_from_name(const char *s)
{
    for (int k = 0; k < VK_COUNT; k++)
        if (!strcmp(s, viol_kind_name(k)))
            return k;
    return VK_COUNT;
}

static int q(struct hist_db *db, const char *sql, int n, const char *const *p, hist_row_cb cb,
             void *ctx, struct pr_error *e)
{
    return db->ops->query(db->conn, sql, n, p, cb, ctx, e);
}

static int row_int(void *ctx, int ncol, const char *const *col)
{
    if (ncol < 1)
        return 1;
    *(int64_t *)ctx = col[0] ? strtoll(col[0], NULL, 10) : 0;
    return 0;
}

static int migrate(struct hist_db *db, struct pr_error *e)
{
    if (db->ops->begin_write(db->conn, e) < 0)
        return -1;
    int64_t cur = 0;
    if (q(db,
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
          "applied BIGINT NOT NULL)",
          0, NULL, NULL, NULL, e) < 0 ||
        q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", 0, NULL, row_int, &cur, e) <
            0)
        goto fail;
    if (cur > HIST_SCHEMA_VERSION) {
        pr_errf(e,
                "history database has schema version %" PRId64 ", newer than this "
                "portreeve knows (%d); upgrade portreeve",
                cur, HIST_SCHEMA_VERSION);
        goto fail;
    }
    size_t nm = sizeof migrations / sizeof migrations[0];
    for (size_t i = 0; i < nm; i++) {
        if (migrations[i].version <= cur)
            continue;
        char sql[1024];
        const char *at = strstr(migrations[i].sql, "@ID@");
        if (at)
            snprintf(sql, sizeof sql, "%.*s%s%s", (int)(at - migrations[i].sql), migrations[i].sql,
                     db->ops->id_type, at + 4);
        else
            snprintf(sql, sizeof sql, "%s", migrations[i].sql);
        struct pr_error sub;
        if (q(db, sql, 0, NULL, NULL, NULL, &sub) < 0) {
            pr_errf(e, "migration to schema version %d failed: %s", migrations[i].version, sub.msg);
            goto fail;
        }
        if (i + 1 == nm || migrations[i + 1].version != migrations[i].version) {
            char v[16], t[24];
            snprintf(v, sizeof v, "%d", migrations[i].version);
            snprintf(t, sizeof t, "%lld", (long long)time(NULL));
            const char *p[] = {v, t};
            if (q(db, "INSERT INTO schema_version (version, applied) VALUES ($1, $2)", 2, p, NULL,
                  NULL, e) < 0)
                goto fail;
        }
    }
    return db->ops->commit(db->conn, e);
fail:
    db->ops->rollback(db->conn);
    return -1;
}

static int mkdirs(char *path, struct pr_error *e)
{
    for (char *s = path + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int rc = mkdir(path, 0700);
        int err = errno;
        *s = '/';
        if (rc < 0 && err != EEXIST)
            return pr_errf(e, "cannot create '%.*s': %s", (int)(s - path), path, strerror(err));
    }
    return 0;
}

int hist_default_path(char *buf, size_t len, struct pr_error *e)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int w;
    if (xdg && xdg[0] == '/')
        w = snprintf(buf, len, "%s/portreeve/history.sqlite", xdg);
    else if (home && home[0] == '/')
        w = snprintf(buf, len, "%s/.local/share/portreeve/history.sqlite", home);
    else
        return pr_errf(e, "no HOME or XDG_DATA_HOME for the default history file; use --db");
    if (w < 0 || (size_t)w >= len)
        return pr_errf(e, "history file path too long");
    return mkdirs(buf, e);
}

struct hist_db *hist_open(const char *uri, struct pr_error *e)
{
    char path[4096];
    if (!uri || !*uri) {
        if (hist_default_path(path, sizeof path, e) < 0)
            return NULL;
        uri = path;
    }
    struct hist_db *db = pr_calloc(1, sizeof *db);
    if (!strncmp(uri, "postgresql://", 13) || !strncmp(uri, "postgres://", 11)) {
        db->ops = &hist_pg_ops;
        db->conn = hist_pg_open(uri, e);
    } else {
        db->ops = &hist_sqlite_ops;
        db->conn = hist_sqlite_open(uri, e);
    }
    if (!db->conn) {
        free(db);
        return NULL;
    }
    if (migrate(db, e) < 0) {
        hist_close(db);
        return NULL;
    }
    return db;
}

int hist_exec(struct hist_db *db, const char *sql, int nparams, const char *const *params,
              int (*cb)(void *ctx, int ncol, const char *const *col), void *ctx, struct pr_error *e)
{
    return q(db, sql, nparams, params, cb, ctx, e);
}

int hist_begin(struct hist_db *db, struct pr_error *e)
{
    return db->ops->begin_write(db->conn, e);
}

int hist_commit(struct hist_db *db, struct pr_error *e)
{
    return db->ops->commit(db->conn, e);
}

void hist_rollback(struct hist_db *db)
{
    db->ops->rollback(db->conn);
}

int hist_notify(struct hist_db *db, const char *channel, struct pr_error *e)
{
    if (!db->ops->listen)
        return 0; /* SQLite: no one to tell */
    const char *p[] = {channel};
    return q(db, "SELECT pg_notify($1, '')", 1, p, NULL, NULL, e);
}

int hist_listen(struct hist_db *db, const char *channel, struct pr_error *e)
{
    if (!db->ops->listen)
        return pr_errf(e, "%s cannot notify: use a postgresql:// database", db->ops->name);
    return db->ops->listen(db->conn, channel, e);
}

int hist_wait(struct hist_db *db, int timeout_ms, struct pr_error *e)
{
    if (!db->ops->wait)
        return pr_errf(e, "%s cannot notify: use a postgresql:// database", db->ops->name);
    return db->ops->wait(db->conn, timeout_ms, e);
}

void hist_close(struct hist_db *db)
{
    if (!db)
        return;
    db->ops->close(db->conn);
    free(db);
}

static const char *proto_name(uint8_t p)
{
    return p == PR_UDP ? "udp" : "tcp";
}

/* The hosts and ports of s under run `ids`, inside the caller's transaction. With `merge`
 * (a shard joining its run) a host already stored by another shard is up when either found
 * it up, and a port another shard stored too (a connect scan, -sT, probes every port in
 * every shard) keeps the first shard's answer. */
static int store_hosts(struct hist_db *db, const char *ids, const struct snapshot *s, int merge,
                       struct pr_error *e)
{
    for (size_t i = 0; i < s->nhosts; i++) {
        const struct snap_host *h = &s->hosts[i];
        const char *hp[] = {ids, h->addr, h->name, h->up ? "1" : "0", h->extra_state};
        if (q(db,
              merge ? "INSERT INTO hosts (run_id, addr, name, up, extra_state) VALUES ($1, $2, "
                      "$3, $4, $5) ON CONFLICT (run_id, addr) DO UPDATE SET up = CASE WHEN "
                      "excluded.up > hosts.up THEN excluded.up ELSE hosts.up END, name = CASE "
                      "WHEN hosts.name = '' THEN excluded.name ELSE hosts.name END"
                    : "INSERT INTO hosts (run_id, addr, name, up, extra_state) VALUES ($1, $2, "
                      "$3, $4, $5)",
              5, hp, NULL, NULL, e) < 0)
            return -1;
        for (size_t j = 0; j < h->nports; j++) {
            const struct snap_port *p = &h->ports[j];
            char port[8];
            snprintf(port, sizeof port, "%u", p->port);
            const char *pp[] = {ids,        h->addr,   proto_name(p->proto), port, p->state,
                                p->service, p->version};
            if (q(db,
                  merge ? "INSERT INTO ports (run_id, addr, proto, port, state, service, "
                          "version) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
                        : "INSERT INTO ports (run_id, addr, proto, port, state, service, "
                          "version) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  7, pp, NULL, NULL, e) < 0)
                return -1;
        }
    }
    return 0;
}

int hist_store(struct hist_db *db, struct hist_run *run, const struct snapshot *s,
               const struct violation *v, size_t nv, struct pr_error *e)
{
    char n[10][24];
    snprintf(n[0], sizeof n[0], "%lld", (long long)run->started);
    snprintf(n[1], sizeof n[1], "%lld", (long long)run->ended);
    snprintf(n[2], sizeof n[2], "%d", run->status);
    snprintf(n[3], sizeof n[3], "%d", run->violations);
    snprintf(n[4], sizeof n[4], "%d", run->hosts_up);
    snprintf(n[5], sizeof n[5], "%d", run->nhosts);
    snprintf(n[6], sizeof n[6], "%d", run->open_ports);
    const char *rp[] = {n[0], n[1], run->kind, run->policy,   run->args,     n[2],        n[3],
                        n[4], n[5], n[6],      s->scanned[0], s->scanned[1], run->run_key};
    if (db->ops->begin_write(db->conn, e) < 0)
        return -1;
    int64_t id = -1;
    if (q(db,
          "INSERT INTO runs (started, ended, kind, policy, args, status, violations, hosts_up, "
          "nhosts, open_ports, tcp_ports, udp_ports, run_key) VALUES ($1, $2, $3, $4, $5, $6, "
          "$7, $8, $9, $10, $11, $12, $13) RETURNING id",
          13, rp, row_int, &id, e) < 0) {
        if (run->run_key[0]) { /* most likely the unique index on run_key */
            char why[PR_ERR_MSG];
            snprintf(why, sizeof why, "%s", e->msg);
            pr_errf(e, "run id '%s': cannot store it (already in the history?): %s", run->run_key,
                    why);
        }
        goto fail;
    }
    if (id < 0) {
        pr_errf(e, "%s: no id for the new run", db->ops->name);
        goto fail;
    }
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if (store_hosts(db, ids, s, 0, e) < 0)
        goto fail;
    for (size_t i = 0; i < nv; i++) {
        char port[8];
        snprintf(port, sizeof port, "%u", v[i].port);
        const char *vp[] = {ids,
                            viol_kind_name(v[i].kind),
                            v[i].warn ? "1" : "0",
                            v[i].addr,
                            v[i].host,
                            v[i].port ? proto_name(v[i].proto) : "",
                            port,
                            v[i].state,
                            v[i].section,
                            v[i].detail};
        if (q(db,
              "INSERT INTO violations (run_id, kind, warn, addr, host, proto, port, state, "
              "section, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
              10, vp, NULL, NULL, e) < 0)
            goto fail;
    }
    if (db->ops->commit(db->conn, e) < 0)
        goto fail;
    run->id = id;
    return 0;
fail:
    db->ops->rollback(db->conn);
    return -1;
}

#define RUN_COLS                                                                                   \
    "id, started, ended, kind, policy, args, status, violations, hosts_up, nhosts, "               \
    "open_ports, tcp_ports, udp_ports, run_key, shard_total, (SELECT COUNT(*) FROM run_shards "    \
    "s WHERE s.run_id = runs.id AND s.ended > 0)"

struct run_rows {
    struct hist_run *runs;
    size_t n;
    struct snapshot *snap; /* scanned lists of the last row, when loading one run */
};

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src ? src : "");
}

static int row_run(void *ctx, int ncol, const char *const *c)
{
    struct run_rows *rr = ctx;
    if (ncol < 16 || !c[0])
        return 1;
    rr->runs = pr_reallocarray(rr->runs, rr->n + 1, sizeof *rr->runs);
    struct hist_run *r = &rr->runs[rr->n++];
    memset(r, 0, sizeof *r);
    r->id = strtoll(c[0], NULL, 10);
    r->started = c[1] ? strtoll(c[1], NULL, 10) : 0;
    r->ended = c[2] ? strtoll(c[2], NULL, 10) : 0;
    copy(r->kind, sizeof r->kind, c[3]);
    copy(r->policy, sizeof r->policy, c[4]);
    copy(r->args, sizeof r->args, c[5]);
    r->status = c[6] ? atoi(c[6]) : 0;
    r->violations = c[7] ? atoi(c[7]) : 0;
    r->hosts_up = c[8] ? atoi(c[8]) : 0;
    r->nhosts = c[9] ? atoi(c[9]) : 0;
    r->open_ports = c[10] ? atoi(c[10]) : 0;
    copy(r->run_key, sizeof r->run_key, c[13]);
    r->shard_total = c[14] ? atoi(c[14]) : 0;
    r->shards_done = c[15] ? atoi(c[15]) : 0;
    if (rr->snap) {
        copy(rr->snap->scanned[0], sizeof rr->snap->scanned[0], c[11]);
        copy(rr->snap->scanned[1], sizeof rr->snap->scanned[1], c[12]);
        rr->snap->have_scanned = c[11] && c[12] && (c[11][0] || c[12][0]);
    }
    return 0;
}

static int row_shard(void *ctx, int ncol, const char *const *c)
{
    struct {
        struct hist_shard *v;
        size_t n;
    } *sr = ctx;
    if (ncol < 4 || !c[0])
        return 1;
    sr->v = pr_reallocarray(sr->v, sr->n + 1, sizeof *sr->v);
    struct hist_shard *h = &sr->v[sr->n++];
    memset(h, 0, sizeof *h);
    h->index = atoi(c[0]);
    copy(h->host, sizeof h->host, c[1]);
    h->started = c[2] ? strtoll(c[2], NULL, 10) : 0;
    h->ended = c[3] ? strtoll(c[3], NULL, 10) : 0;
    return 0;
}

int hist_shards(struct hist_db *db, int64_t id, struct hist_shard **out, size_t *n,
                struct pr_error *e)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    struct {
        struct hist_shard *v;
        size_t n;
    } sr = {NULL, 0};
    if (q(db, "SELECT shard, host, started, ended FROM run_shards WHERE run_id = $1 ORDER BY shard",
          1, p, row_shard, &sr, e) < 0) {
        free(sr.v);
        return -1;
    }
    *out = sr.v;
    *n = sr.n;
    return 0;
}

/* Fills run->missing ("2,3") for an incomplete sharded run. */
static int fill_missing(struct hist_db *db, struct hist_run *run, struct pr_error *e)
{
    run->missing[0] = '\0';
    if (!HIST_INCOMPLETE(run))
        return 0;
    struct hist_shard *sh = NULL;
    size_t n = 0;
    if (hist_shards(db, run->id, &sh, &n, e) < 0)
        return -1;
    size_t len = 0, j = 0;
    for (int i = 1; i <= run->shard_total; i++) {
        while (j < n && sh[j].index < i)
            j++;
        if (j < n && sh[j].index == i && sh[j].ended > 0)
            continue;
        if (len + 16 >= sizeof run->missing) {
            snprintf(run->missing + len, sizeof run->missing - len, ",...");
            break;
        }
        len += (size_t)snprintf(run->missing + len, sizeof run->missing - len, "%s%d",
                                len ? "," : "", i);
    }
    free(sh);
    return 0;
}

int hist_list(struct hist_db *db, const char *policy, size_t limit, struct hist_run **out,
              size_t *n, struct pr_error *e)
{
    struct run_rows rr = {0};
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", limit ? limit : (size_t)INT64_MAX);
    int rc;
    if (policy) {
        const char *p[] = {policy, lim};
        rc = q(db,
               "SELECT * FROM (SELECT " RUN_COLS " FROM runs WHERE kind = 'audit' AND policy = "
               "$1 ORDER BY id DESC LIMIT $2) AS t ORDER BY id",
               2, p, row_run, &rr, e);
    } else {
        const char *p[] = {lim};
        rc = q(db,
               "SELECT * FROM (SELECT " RUN_COLS " FROM runs ORDER BY id DESC LIMIT $1) AS t "
               "ORDER BY id",
               1, p, row_run, &rr, e);
    }
    for (size_t i = 0; i < rr.n && rc == 0; i++)
        rc = fill_missing(db, &rr.runs[i], e);
    if (rc < 0) {
        free(rr.runs);
        return -1;
    }
    *out = rr.runs;
    *n = rr.n;
    return 0;
}

static int row_host(void *ctx, int ncol, const char *const *c)
{
    if (ncol < 4 || !c[0])
        return 1;
    snap_add_host(ctx, c[0], c[1] ? c[1] : "", c[2] && atoi(c[2]), c[3] ? c[3] : "");
    return 0;
}

static int host_cmp(const void *k, const void *h)
{
    return strcmp(k, ((const struct snap_host *)h)->addr);
}

static int row_port(void *ctx, int ncol, const char *const *c)
{
    struct snapshot *s = ctx;
    if (ncol < 7 || !c[0] || !c[1] || !c[2] || !c[3])
        return 1;
    struct snap_host *h =
        s->nhosts ? bsearch(c[0], s->hosts, s->nhosts, sizeof *s->hosts, host_cmp) : NULL;
    long port = strtol(c[2], NULL, 10);
    if (!h || port < 1 || port > 65535)
        return 1;
    snap_add_port(h, strcmp(c[1], "udp") ? PR_TCP : PR_UDP, (uint16_t)port, c[3], c[4] ? c[4] : "",
                  c[5] ? c[5] : "");
    return 0;
}

int hist_load(struct hist_db *db, int64_t id, struct hist_run *run, struct snapshot *s,
              struct pr_error *e)
{
    memset(s, 0, sizeof *s);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    struct run_rows rr = {.snap = s};
    if (q(db, "SELECT " RUN_COLS " FROM runs WHERE id = $1", 1, p, row_run, &rr, e) < 0)
        goto fail;
    if (!rr.n) {
        free(rr.runs);
        return 1;
    }
    *run = rr.runs[0];
    free(rr.runs);
    rr.runs = NULL;
    if (fill_missing(db, run, e) < 0)
        goto fail;
    if (HIST_INCOMPLETE(run))
        snprintf(s->label, sizeof s->label, "run %lld (incomplete: shard%s %.160s of %d missing)",
                 (long long)id, strchr(run->missing, ',') ? "s" : "", run->missing,
                 run->shard_total);
    else
        snprintf(s->label, sizeof s->label, "run %lld", (long long)id);
    s->started = run->started;
    if (q(db, "SELECT addr, name, up, extra_state FROM hosts WHERE run_id = $1", 1, p, row_host, s,
          e) < 0)
        goto fail;
    snap_sort(s);
    if (q(db,
          "SELECT addr, proto, port, state, service, version, run_id FROM ports WHERE "
          "run_id = $1",
          1, p, row_port, s, e) < 0)
        goto fail;
    snap_sort(s);
    /* the shards stored every port: the union, collapsed; not an incomplete union, whose
     * unlisted ports may be a missing shard's, not in the common state */
    if (run->shard_total > 0 && !HIST_INCOMPLETE(run))
        snap_collapse(s);
    return 0;
fail:
    free(rr.runs);
    snap_free(s);
    return -1;
}

struct viol_rows {
    struct violation *v;
    size_t n;
};

static int row_viol(void *ctx, int ncol, const char *const *c)
{
    struct viol_rows *vr = ctx;
    if (ncol < 9 || !c[0])
        return 1;
    vr->v = pr_reallocarray(vr->v, vr->n + 1, sizeof *vr->v);
    struct violation *v = &vr->v[vr->n++];
    memset(v, 0, sizeof *v);
    v->kind = kind_from_name(c[0]);
    v->warn = c[1] && atoi(c[1]);
    copy(v->addr, sizeof v->addr, c[2]);
    copy(v->host, sizeof v->host, c[3]);
    v->proto = c[4] && !strcmp(c[4], "udp") ? PR_UDP : PR_TCP;
    long port = c[5] ? strtol(c[5], NULL, 10) : 0;
    v->port = port > 0 && port < 65536 ? (uint16_t)port : 0;
    copy(v->state, sizeof v->state, c[6]);
    copy(v->section, sizeof v->section, c[7]);
    copy(v->detail, sizeof v->detail, c[8]);
    return 0;
}

int hist_violations(struct hist_db *db, int64_t id, struct violation **out, size_t *n,
                    struct pr_error *e)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    const char *p[] = {ids};
    struct viol_rows vr = {0};
    if (q(db,
          "SELECT kind, warn, addr, host, proto, port, state, section, detail FROM "
          "violations WHERE run_id = $1",
          1, p, row_viol, &vr, e) < 0) {
        free(vr.v);
        return -1;
    }
    *out = vr.v;
    *n = vr.n;
    return 0;
}

int hist_previous(struct hist_db *db, const char *policy, int64_t before, int64_t *id,
                  struct pr_error *e)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)(before > 0 ? before : INT64_MAX));
    const char *p[] = {policy, b};
    int64_t found = -1;
    if (q(db,
          "SELECT COALESCE(MAX(id), -1) FROM runs WHERE kind = 'audit' AND policy = $1 AND "
          "id < $2",
          2, p, row_int, &found, e) < 0)
        return -1;
    if (found < 0)
        return 1;
    *id = found;
    return 0;
}

int hist_find(struct hist_db *db, const char *spec, int64_t *id, struct pr_error *e)
{
    char *end;
    long long v = strtoll(spec, &end, 10);
    int64_t found = -1;
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", v);
    const char *p[] = {*spec && !*end && v > 0 ? ids : "-1", spec};
    /* the last row wins: a --run-id name before a run id number */
    if (q(db, "SELECT id FROM runs WHERE id = $1 OR run_key = $2 ORDER BY run_key = $2", 2, p,
          row_int, &found, e) < 0)
        return -1;
    if (found < 0)
        return 1;
    *id = found;
    return 0;
}

static void params_text(const struct hist_shard_params *p, char *buf, size_t len)
{
    snprintf(buf, len, "targets=%s\nports=%s\ntechniques=%s\nseed=%s\nshards=%u", p->targets,
             p->ports, p->techniques, p->seed, p->count);
}

/* The first "name=value" line of a that differs from b's: 0 and *name, *va, *vb set (into
 * the buffers, modified), or 1 when they agree. */
static int params_differ(char *a, char *b, const char **name, const char **va, const char **vb)
{
    char *sa = NULL, *sb = NULL;
    for (char *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb); la || lb;
         la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb)) {
        if (la && lb && !strcmp(la, lb))
            continue;
        char *eq = la ? strchr(la, '=') : NULL;
        *name = eq ? (*eq = '\0', la) : "parameters";
        *va = eq ? eq + 1 : "?";
        eq = lb ? strchr(lb, '=') : NULL;
        *vb = eq ? eq + 1 : "?";
        return 0;
    }
    return 1;
}

struct shard_row {
    int64_t id, total, ended;
    char params[HIST_TEXT + 1024];
    int have;
};

static int row_run_key(void *ctx, int ncol, const char *const *c)
{
    struct shard_row *r = ctx;
    if (ncol < 3 || !c[0])
        return 1;
    r->id = strtoll(c[0], NULL, 10);
    r->total = c[1] ? strtoll(c[1], NULL, 10) : 0;
    copy(r->params, sizeof r->params, c[2]);
    r->have = 1;
    return 0;
}

static int row_ended(void *ctx, int ncol, const char *const *c)
{
    struct shard_row *r = ctx;
    if (ncol < 1)
        return 1;
    r->ended = c[0] ? strtoll(c[0], NULL, 10) : 0;
    r->have = 1;
    return 0;
}

int hist_shard_begin(const char *uri, const char *run_key, unsigned index,
                     const struct hist_shard_params *p, const char *args, const char *host,
                     int64_t *run_id, struct pr_error *e)
{
    struct hist_db *db = hist_open(uri, e);
    if (!db)
        return -1;
    char mine[HIST_TEXT + 1024], now[24], total[16], shard[16], ids[24];
    params_text(p, mine, sizeof mine);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    snprintf(total, sizeof total, "%u", p->count);
    snprintf(shard, sizeof shard, "%u", index + 1);
    struct shard_row run = {0}, sh = {0};
    if (db->ops->begin_write(db->conn, e) < 0)
        goto out;
    const char *kp[] = {run_key};
    if (q(db, "SELECT id, shard_total, shard_params FROM runs WHERE run_key = $1", 1, kp,
          row_run_key, &run, e) < 0)
        goto fail;
    if (!run.have) {
        const char *rp[] = {now, args ? args : "", run_key, total, mine};
        if (q(db,
              "INSERT INTO runs (started, ended, kind, args, run_key, shard_total, shard_params) "
              "VALUES ($1, 0, 'scan', $2, $3, $4, $5) RETURNING id",
              5, rp, row_int, &run.id, e) < 0)
            goto fail;
    } else if (run.total == 0) {
        pr_errf(e, "run id '%s' is already in the history as a run without shards", run_key);
        goto fail;
    } else {
        char theirs[sizeof run.params];
        snprintf(theirs, sizeof theirs, "%s", run.params);
        const char *name, *va, *vb;
        if (!params_differ(mine, theirs, &name, &va, &vb)) {
            pr_errf(e,
                    "run id '%s': this shard's %s (%.300s) differ from the run's (%.300s); "
                    "every shard of a run needs the same targets, ports, techniques, --seed "
                    "and N",
                    run_key, name, va, vb);
            goto fail;
        }
    }
    snprintf(ids, sizeof ids, "%lld", (long long)run.id);
    const char *sp[] = {ids, shard};
    if (q(db, "SELECT ended FROM run_shards WHERE run_id = $1 AND shard = $2", 2, sp, row_ended,
          &sh, e) < 0)
        goto fail;
    if (sh.have && sh.ended > 0) {
        pr_errf(e, "run id '%s': shard %u/%u is already stored", run_key, index + 1, p->count);
        goto fail;
    }
    params_text(p, mine, sizeof mine); /* params_differ cut it up */
    /* placeholders are numbered in order of first use (hist_backend.h) */
    const char *ip[] = {host ? host : "", now, mine, ids, shard};
    if (q(db,
          sh.have ? "UPDATE run_shards SET host = $1, started = $2, params = $3 WHERE run_id = "
                    "$4 AND shard = $5"
                  : "INSERT INTO run_shards (host, started, params, run_id, shard) VALUES ($1, "
                    "$2, $3, $4, $5)",
          5, ip, NULL, NULL, e) < 0)
        goto fail;
    if (db->ops->commit(db->conn, e) < 0)
        goto fail;
    *run_id = run.id;
    hist_close(db);
    return 0;
fail:
    db->ops->rollback(db->conn);
out:
    hist_close(db);
    return -1;
}

/* Adds shard index's part s to run id and marks the shard finished, in one transaction. */
static int store_shard(struct hist_db *db, int64_t id, unsigned index, const struct snapshot *s,
                       struct pr_error *e)
{
    char ids[24], shard[16], now[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    snprintf(shard, sizeof shard, "%u", index + 1);
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    if (db->ops->begin_write(db->conn, e) < 0)
        return -1;
    struct shard_row sh = {0};
    const char *sp[] = {ids, shard};
    if (q(db, "SELECT ended FROM run_shards WHERE run_id = $1 AND shard = $2", 2, sp, row_ended,
          &sh, e) < 0)
        goto fail;
    if (!sh.have || sh.ended > 0) {
        pr_errf(e, "shard %u of run %lld is %s", index + 1, (long long)id,
                sh.have ? "already stored" : "not registered");
        goto fail;
    }
    if (store_hosts(db, ids, s, 1, e) < 0)
        goto fail;
    /* placeholders are numbered in order of first use (hist_backend.h) */
    const char *up[] = {now, ids, shard}, *rp[] = {now, s->scanned[0], s->scanned[1], ids};
    if (q(db, "UPDATE run_shards SET ended = $1 WHERE run_id = $2 AND shard = $3", 3, up, NULL,
          NULL, e) < 0 ||
        q(db,
          "UPDATE runs SET ended = CASE WHEN ended > $1 THEN ended ELSE $1 END, tcp_ports = $2, "
          "udp_ports = $3, started = (SELECT MIN(started) FROM run_shards WHERE run_id = $4), "
          "hosts_up = (SELECT COUNT(*) FROM hosts WHERE run_id = $4 AND up = 1), nhosts = "
          "(SELECT COUNT(*) FROM hosts WHERE run_id = $4), open_ports = (SELECT COUNT(*) FROM "
          "ports WHERE run_id = $4 AND state = 'open') WHERE id = $4",
          4, rp, NULL, NULL, e) < 0)
        goto fail;
    return db->ops->commit(db->conn, e);
fail:
    db->ops->rollback(db->conn);
    return -1;
}

int hist_store_scan(const char *uri, const struct scan_result *r, const char *run_key,
                    unsigned shard_index, unsigned shard_count, int64_t *id, struct pr_error *e)
{
    struct hist_db *db = hist_open(uri, e);
    if (!db)
        return -1;
    struct snapshot s;
    int rc;
    if (shard_count > 0) {
        snap_from_shard(&s, r);
        int fr = hist_find(db, run_key, id, e);
        if (fr == 1)
            pr_errf(e, "run id '%s' is not in the history (was it registered?)", run_key);
        rc = fr != 0 ? -1 : store_shard(db, *id, shard_index, &s, e);
    } else {
        snap_from_result(&s, r);
        struct hist_run run = {0};
        run.started = r->start.tv_sec;
        run.ended = r->end.tv_sec ? r->end.tv_sec : (int64_t)time(NULL);
        snprintf(run.kind, sizeof run.kind, "scan");
        copy(run.args, sizeof run.args, r->args);
        copy(run.run_key, sizeof run.run_key, run_key);
        run.hosts_up = (int)r->hosts_up;
        run.nhosts = (int)r->nhosts;
        run.open_ports = (int)snap_open_ports(&s);
        rc = hist_store(db, &run, &s, NULL, 0, e);
        if (rc == 0)
            *id = run.id;
    }
    snap_free(&s);
    hist_close(db);
    return rc;
}
