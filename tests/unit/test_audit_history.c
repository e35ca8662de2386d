/* test_audit_history.c — the SQLite history (store, load, list, previous, migrations from
 * schema 1, a newer schema refused, two writer processes at once), snapshot diffs and the
 * nmap XML reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/diff.h"
#include "audit/history.h"
#include "audit/snapshot.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pr-test-hist-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void make_snap(struct snapshot *s, int extra_open)
{
    memset(s, 0, sizeof *s);
    s->have_scanned = true;
    snprintf(s->scanned[0], sizeof s->scanned[0], "20-100,8000");
    struct snap_host *h = snap_add_host(s, "198.18.0.2", "host-a", 1, "closed");
    snap_add_port(h, 0, 22, "open", "ssh", "OpenSSH 9.2p1");
    snap_add_port(h, 0, 25, "filtered", "smtp", "");
    if (extra_open)
        snap_add_port(h, 0, 8000, "open", "http-alt", "");
    snap_add_host(s, "198.18.0.3", "", 0, "");
    snap_sort(s);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char db_path[128];
    path(db_path, sizeof db_path, "h.sqlite");
    struct pr_error e = {{0}};
    struct hist_db *db = hist_open(db_path, &e);
    assert_non_null(db);
    struct snapshot s;
    make_snap(&s, 1);
    struct violation v = {.kind = VK_OPEN, .proto = 0, .port = 8000};
    snprintf(v.addr, sizeof v.addr, "198.18.0.2");
    snprintf(v.detail, sizeof v.detail, "open but 'not' allowed");
    struct hist_run run = {.started = 1000,
                           .ended = 1010,
                           .status = 1,
                           .violations = 1,
                           .hosts_up = 1,
                           .nhosts = 2,
                           .open_ports = 2};
    snprintf(run.kind, sizeof run.kind, "audit");
    snprintf(run.policy, sizeof run.policy, "/etc/p.ini");
    assert_int_equal(hist_store(db, &run, &s, &v, 1, &e), 0);
    assert_true(run.id > 0);
    int64_t first = run.id;
    struct snapshot s2;
    make_snap(&s2, 0);
    run.started = 2000;
    assert_int_equal(hist_store(db, &run, &s2, NULL, 0, &e), 0);
    assert_int_equal(run.id, first + 1);

    struct hist_run got;
    struct snapshot l;
    assert_int_equal(hist_load(db, first, &got, &l, &e), 0);
    assert_int_equal(got.started, 1000);
    assert_string_equal(got.policy, "/etc/p.ini");
    assert_int_equal(l.nhosts, 2);
    assert_string_equal(l.hosts[0].addr, "198.18.0.2");
    assert_string_equal(l.hosts[0].name, "host-a");
    assert_int_equal(l.hosts[0].nports, 3);
    assert_string_equal(l.hosts[0].ports[0].version, "OpenSSH 9.2p1");
    assert_true(l.have_scanned);
    assert_string_equal(snap_state(&l, &l.hosts[0], 0, 80, NULL), "closed"); /* unlisted */
    assert_null(snap_state(&l, &l.hosts[0], 0, 443, NULL));                  /* not scanned */
    struct snapshot none;
    assert_int_equal(hist_load(db, 999, &got, &none, &e), 1);

    struct violation *vv;
    size_t nv;
    assert_int_equal(hist_violations(db, first, &vv, &nv, &e), 0);
    assert_int_equal(nv, 1);
    assert_int_equal(vv[0].port, 8000);
    assert_string_equal(vv[0].detail, "open but 'not' allowed");
    free(vv);

    int64_t prev;
    assert_int_equal(hist_previous(db, "/etc/p.ini", 0, &prev, &e), 0);
    assert_int_equal(prev, first + 1);
    assert_int_equal(hist_previous(db, "/etc/p.ini", first + 1, &prev, &e), 0);
    assert_int_equal(prev, first);
    assert_int_equal(hist_previous(db, "/other.ini", 0, &prev, &e), 1);

    struct hist_run *runs;
    size_t n;
    assert_int_equal(hist_list(db, NULL, 0, &runs, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_true(runs[0].id < runs[1].id);
    free(runs);
    assert_int_equal(hist_list(db, "/etc/p.ini", 1, &runs, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].id, first + 1);
    free(runs);

    /* the diff of the two stored runs: 8000 went from open to closed (the extra state) */
    struct snapshot l2;
    assert_int_equal(hist_load(db, first + 1, &got, &l2, &e), 0);
    struct diff_change *c;
    diff_snapshots(&l, &l2, &c, &n);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].port, 8000);
    assert_string_equal(c[0].old_state, "open");
    assert_string_equal(c[0].new_state, "closed");
    char line[256];
    diff_describe(&c[0], line, sizeof line);
    assert_string_equal(line, "8000/tcp on 198.18.0.2: closed (was open)");
    free(c);
    snap_free(&l);
    snap_free(&l2);
    snap_free(&s);
    snap_free(&s2);
    hist_close(db);
}

static void test_migration_and_newer(void **state)
{
    (void)state;
    char p[128];
    path(p, sizeof p, "v1.sqlite");
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(p, &raw), SQLITE_OK);
    /* a database as schema 1 left it */
    const char *v1 =
        "CREATE TABLE schema_version (version INTEGER NOT NULL, applied BIGINT NOT NULL);"
        "INSERT INTO schema_version VALUES (1, 0);"
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started BIGINT NOT NULL, "
        "ended BIGINT NOT NULL, kind TEXT NOT NULL, policy TEXT NOT NULL DEFAULT '', args TEXT "
        "NOT NULL DEFAULT '', status INTEGER NOT NULL DEFAULT 0, violations INTEGER NOT NULL "
        "DEFAULT 0, hosts_up INTEGER NOT NULL DEFAULT 0, nhosts INTEGER NOT NULL DEFAULT 0, "
        "open_ports INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE hosts (run_id BIGINT NOT NULL, addr TEXT NOT NULL, name TEXT NOT NULL "
        "DEFAULT '', up INTEGER NOT NULL, extra_state TEXT NOT NULL DEFAULT '', PRIMARY KEY "
        "(run_id, addr));"
        "CREATE TABLE ports (run_id BIGINT NOT NULL, addr TEXT NOT NULL, proto TEXT NOT NULL, "
        "port INTEGER NOT NULL, state TEXT NOT NULL, service TEXT NOT NULL DEFAULT '', version "
        "TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, addr, proto, port));"
        "CREATE TABLE violations (run_id BIGINT NOT NULL, kind TEXT NOT NULL, warn INTEGER NOT "
        "NULL DEFAULT 0, addr TEXT NOT NULL, host TEXT NOT NULL DEFAULT '', proto TEXT NOT NULL "
        "DEFAULT '', port INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT '', section "
        "TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');"
        "INSERT INTO runs (started, ended, kind) VALUES (5, 6, 'scan');";
    assert_int_equal(sqlite3_exec(raw, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    struct pr_error e = {{0}};
    struct hist_db *db = hist_open(p, &e);
    assert_non_null(db);
    struct hist_run *runs;
    size_t n;
    assert_int_equal(hist_list(db, NULL, 0, &runs, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].started, 5);
    assert_string_equal(runs[0].run_key, ""); /* schema 5: not named, not sharded */
    assert_int_equal(runs[0].shard_total, 0);
    assert_false(HIST_INCOMPLETE(&runs[0]));
    free(runs);
    hist_close(db);

    assert_int_equal(sqlite3_open(p, &raw), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(raw, "INSERT INTO schema_version VALUES (99, 0)", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);
    assert_null(hist_open(p, &e));
    assert_non_null(strstr(e.msg, "schema version 99, newer"));

    assert_null(hist_open("/nonexistent/dir/h.sqlite", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/dir/h.sqlite"));
    path(p, sizeof p, "not-a-db");
    FILE *f = fopen(p, "w");
    fputs("this is not a database file, not at all; it is long enough to have a header...\n", f);
    fclose(f);
    assert_null(hist_open(p, &e));
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    char p[128];
    path(p, sizeof p, "conc.sqlite");
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            struct pr_error e;
            for (int i = 0; i < 15; i++) {
                struct hist_db *db = hist_open(p, &e);
                if (!db)
                    _exit(10);
                struct snapshot s;
                make_snap(&s, i & 1);
                struct hist_run run = {.started = i};
                snprintf(run.kind, sizeof run.kind, "audit");
                snprintf(run.policy, sizeof run.policy, "/p%d", k);
                int rc = hist_store(db, &run, &s, NULL, 0, &e);
                snap_free(&s);
                hist_close(db);
                if (rc < 0)
                    _exit(11);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    struct pr_error e;
    struct hist_db *db = hist_open(p, &e);
    assert_non_null(db);
    struct hist_run *runs;
    size_t n;
    assert_int_equal(hist_list(db, NULL, 0, &runs, &n, &e), 0);
    assert_int_equal(n, 30);
    free(runs);
    hist_close(db);
}

static void write_file(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_xml(void **state)
{
    (void)state;
    char a[128], b[128], bad[128];
    path(a, sizeof a, "a.xml");
    path(b, sizeof b, "b.xml");
    path(bad, sizeof bad, "bad.xml");
    write_file(a, "<?xml version=\"1.0\"?>\n<nmaprun start=\"100\">\n"
                  "<host><status state=\"up\"/><address addr=\"198.18.0.2\" addrtype=\"ipv4\"/>"
                  "<address addr=\"02:00:00:00:00:01\" addrtype=\"mac\"/><ports>"
                  "<extraports state=\"closed\" count=\"90\"/>"
                  "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/>"
                  "<service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1\"/></port>"
                  "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
                  "<service name=\"http\"/></port></ports></host>\n"
                  "<host><status state=\"up\"/><address addr=\"198.18.0.3\" addrtype=\"ipv4\"/>"
                  "</host></nmaprun>\n");
    write_file(b, "<?xml version=\"1.0\"?>\n<nmaprun start=\"200\">\n"
                  "<host><status state=\"up\"/><address addr=\"198.18.0.2\" addrtype=\"ipv4\"/>"
                  "<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/>"
                  "<service name=\"ssh\" product=\"OpenSSH\" version=\"9.3p1\"/></port>"
                  "<port protocol=\"udp\" portid=\"53\"><state state=\"open\"/></port>"
                  "</ports></host>\n"
                  "<host><status state=\"down\"/><address addr=\"198.18.0.3\" "
                  "addrtype=\"ipv4\"/></host></nmaprun>\n");
    struct snapshot sa, sb;
    struct pr_error e;
    assert_int_equal(snap_from_xml(&sa, a, &e), 0);
    assert_int_equal(snap_from_xml(&sb, b, &e), 0);
    assert_int_equal(sa.started, 100);
    assert_string_equal(sa.hosts[0].ports[0].version, "OpenSSH 9.2p1");
    struct diff_change *c;
    size_t n;
    diff_snapshots(&sa, &sb, &c, &n);
    /* 22 version, 80 gone, 53/udp new, .3 down */
    assert_int_equal(n, 4);
    assert_int_equal(c[0].port, 22);
    assert_string_equal(c[0].new_version, "OpenSSH 9.3p1");
    assert_int_equal(c[1].port, 80);
    assert_string_equal(c[1].new_state, "");
    assert_int_equal(c[2].port, 53);
    assert_int_equal(c[2].proto, 1);
    assert_int_equal(c[3].kind, DK_HOST_DOWN);
    FILE *out = tmpfile();
    assert_int_equal(diff_print(out, &sa, &sb, c, n), 0);
    fclose(out);
    free(c);
    snap_free(&sa);
    snap_free(&sb);

    write_file(bad, "<?xml version=\"1.0\"?>\n<nmaprun>\n<host>\n</nmaprun>\n");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "bad.xml line"));
    write_file(bad, "<?xml version=\"1.0\"?>\n<html/>\n");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "not an nmap XML file"));
    write_file(bad, "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY f SYSTEM \"/etc/passwd\">]>"
                    "\n<nmaprun><host><address addr=\"&f;\" addrtype=\"ipv4\"/></host>"
                    "</nmaprun>\n");
    if (snap_from_xml(&sa, bad, &e) == 0) { /* the entity must not be expanded */
        assert_null(strstr(sa.hosts[0].addr, "root"));
        snap_free(&sa);
    }
    write_file(bad, "<nmaprun><host><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports>"
                    "<port protocol=\"tcp\" portid=\"99999\"/></ports></host></nmaprun>");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "portid '99999'"));
    assert_int_equal(snap_from_xml(&sa, "/nonexistent.xml", &e), -1);
    /* a port listed twice would make a false change: refused with its line */
    write_file(bad, "<nmaprun><host><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports>\n"
                    "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/></port>\n"
                    "<port protocol=\"udp\" portid=\"22\"><state state=\"open\"/></port>\n"
                    "<port protocol=\"tcp\" portid=\"22\"><state state=\"closed\"/></port>\n"
                    "</ports></host></nmaprun>");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "bad.xml line 4: port 22/tcp of host 1.2.3.4 listed twice"));
    /* addr must be an address; two spellings of one address are one host */
    const char *notaddr[] = {"not-an-ip", "1.2.3.4.5", "", "1.2.3.4 ", "::g"};
    for (size_t i = 0; i < sizeof notaddr / sizeof notaddr[0]; i++) {
        char x[256];
        snprintf(x, sizeof x,
                 "<nmaprun>\n<host><address addr=\"%s\" addrtype=\"ipv4\"/></host></nmaprun>",
                 notaddr[i]);
        write_file(bad, x);
        assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
        if (!strstr(e.msg, "bad.xml line 2: ") || !strstr(e.msg, "IP"))
            fail_msg("'%s': %s", notaddr[i], e.msg);
    }
    write_file(bad, "<nmaprun><host><address addr=\"2001:2::1\" addrtype=\"ipv6\"/></host>\n"
                    "<host><address addr=\"2001:2:0::0:1\" addrtype=\"ipv6\"/></host></nmaprun>");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "line 2: host 2001:2::1 listed twice"));
    /* truncated XML: the file and the line */
    write_file(bad, "<nmaprun>\n<host><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/>\n<ports><port");
    assert_int_equal(snap_from_xml(&sa, bad, &e), -1);
    assert_non_null(strstr(e.msg, "bad.xml line 3"));
}

/* One shard's result: host 198.18.0.2 up with `open` open and `closed` closed (0: none). */
static void shard_result(struct scan_result *r, struct host_result *h, struct port_result *p,
                         uint16_t open, uint16_t closed)
{
    memset(r, 0, sizeof *r);
    memset(h, 0, sizeof *h);
    assert_int_equal(addr_parse("198.18.0.2", &h->addr), 0);
    h->up = 1;
    h->ports = p;
    if (open)
        p[h->nports++] = (struct port_result){.port = open, .proto = PR_TCP, .state = PS_OPEN};
    if (closed)
        p[h->nports++] = (struct port_result){.port = closed, .proto = PR_TCP, .state = PS_CLOSED};
    r->hosts = h;
    r->nhosts = 1;
    r->hosts_up = 1;
}

static void test_shards(void **state)
{
    (void)state;
    char p[128];
    path(p, sizeof p, "shards.sqlite");
    struct pr_error e = {{0}};
    struct hist_shard_params sp;
    memset(&sp, 0, sizeof sp);
    snprintf(sp.targets, sizeof sp.targets, "1 address 198.18.0.2..198.18.0.2");
    snprintf(sp.ports, sizeof sp.ports, "tcp 1-100");
    snprintf(sp.techniques, sizeof sp.techniques, "syn");
    snprintf(sp.seed, sizeof sp.seed, "00ff");
    sp.count = 3;
    int64_t id1, id3;
    assert_int_equal(hist_shard_begin(p, "u1", 0, &sp, "scan 1", "host-a", &id1, &e), 0);
    assert_int_equal(hist_shard_begin(p, "u1", 2, &sp, "scan 3", "host-c", &id3, &e), 0);
    assert_int_equal(id1, id3);
    /* a shard of other parameters is refused, naming the first that differs */
    struct hist_shard_params bad = sp;
    snprintf(bad.seed, sizeof bad.seed, "0100");
    assert_int_equal(hist_shard_begin(p, "u1", 1, &bad, "", "host-b", &id3, &e), -1);
    assert_non_null(strstr(e.msg, "shard's seed (0100) differ from the run's (00ff)"));
    bad = sp;
    bad.count = 4;
    assert_int_equal(hist_shard_begin(p, "u1", 1, &bad, "", "host-b", &id3, &e), -1);
    assert_non_null(strstr(e.msg, "shard's shards (4)"));

    struct scan_result r;
    struct host_result h;
    struct port_result ports[2];
    int64_t id;
    shard_result(&r, &h, ports, 22, 23);
    assert_int_equal(hist_store_scan(p, &r, "u1", 0, 3, &id, &e), 0);
    assert_int_equal(id, id1);
    shard_result(&r, &h, ports, 0, 24);
    assert_int_equal(hist_store_scan(p, &r, "u1", 2, 3, &id, &e), 0);
    /* a finished shard is refused; one never registered cannot store */
    assert_int_equal(hist_shard_begin(p, "u1", 0, &sp, "", "host-a", &id3, &e), -1);
    assert_non_null(strstr(e.msg, "shard 1/3 is already stored"));
    assert_int_equal(hist_store_scan(p, &r, "u1", 1, 3, &id, &e), -1);
    assert_non_null(strstr(e.msg, "not registered"));

    struct hist_db *db = hist_open(p, &e);
    assert_non_null(db);
    struct hist_run *runs;
    size_t n;
    assert_int_equal(hist_list(db, NULL, 0, &runs, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(runs[0].run_key, "u1");
    assert_int_equal(runs[0].shard_total, 3);
    assert_int_equal(runs[0].shards_done, 2);
    assert_string_equal(runs[0].missing, "2");
    assert_true(HIST_INCOMPLETE(&runs[0]));
    assert_int_equal(runs[0].hosts_up, 1);
    assert_int_equal(runs[0].open_ports, 1);
    free(runs);
    struct hist_run run;
    struct snapshot s;
    assert_int_equal(hist_find(db, "u1", &id, &e), 0);
    assert_int_equal(hist_load(db, id, &run, &s, &e), 0);
    assert_non_null(strstr(s.label, "incomplete: shard 2 of 3 missing"));
    assert_int_equal(s.nhosts, 1);
    assert_int_equal(s.hosts[0].nports, 3); /* 22 open, 23 and 24 closed: the union */
    snap_free(&s);
    struct hist_shard *sh;
    assert_int_equal(hist_shards(db, id, &sh, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(sh[1].host, "host-c");
    assert_int_equal(sh[1].index, 3);
    assert_true(sh[1].ended > 0);
    free(sh);
    hist_close(db);

    /* the last shard completes it */
    assert_int_equal(hist_shard_begin(p, "u1", 1, &sp, "scan 2", "host-b", &id3, &e), 0);
    shard_result(&r, &h, ports, 0, 25);
    assert_int_equal(hist_store_scan(p, &r, "u1", 1, 3, &id, &e), 0);
    db = hist_open(p, &e);
    assert_int_equal(hist_load(db, id, &run, &s, &e), 0);
    assert_false(HIST_INCOMPLETE(&run));
    assert_string_equal(s.label, "run 1");
    assert_int_equal(s.hosts[0].nports, 4);
    snap_free(&s);
    hist_close(db);

    /* a named run without shards: the name is taken once */
    shard_result(&r, &h, ports, 80, 0);
    assert_int_equal(hist_store_scan(p, &r, "named", 0, 0, &id, &e), 0);
    assert_int_equal(hist_store_scan(p, &r, "named", 0, 0, &id, &e), -1);
    assert_non_null(strstr(e.msg, "run id 'named'"));
    assert_int_equal(hist_shard_begin(p, "named", 0, &sp, "", "h", &id3, &e), -1);
    assert_non_null(strstr(e.msg, "without shards"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_migration_and_newer),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_shards),
        cmocka_unit_test(test_xml),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
