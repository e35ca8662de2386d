/* test_audit_passive.c — the passive inventory and the baseline in the history store
 * (audit/passive.c) on a real SQLite file: storing, accumulating, reading back as a scan
 * result, bad lines named, the baseline document replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/passive.h"
#include "core/ports.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct hist_db *open_tmp(char *path, size_t len)
{
    snprintf(path, len, "/tmp/pr-passive-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct pr_error e = {""};
    struct hist_db *db = hist_open(path, &e);
    if (!db)
        fail_msg("%s", e.msg);
    return db;
}

static void drop(const char *path)
{
    char side[4200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static void test_inventory(void **state)
{
    (void)state;
    char path[64];
    struct hist_db *db = open_tmp(path, sizeof path);
    struct pr_error e = {""};
    static const char one[] =
        "{\"ip\":\"198.18.0.2\",\"mac\":\"02:00:00:00:00:02\",\"vendor\":null,\"os\":\"Linux\","
        "\"services\":[{\"port\":22,\"proto\":\"tcp\",\"first_seen\":\"t1\"},{\"port\":53,"
        "\"proto\":\"udp\",\"first_seen\":\"t1\"}],\"first_seen\":\"t1\",\"last_seen\":\"t2\"}\n"
        "{\"ip\":\"198.18.0.1\",\"mac\":null,\"services\":[],\"first_seen\":\"t1\","
        "\"last_seen\":\"t2\"}\n";
    assert_int_equal(pas_store_inventory(db, one, strlen(one), &e), 0);
    /* a later run: a new service, no MAC this time (the stored one stays) */
    static const char two[] =
        "{\"ip\":\"198.18.0.2\",\"mac\":null,\"services\":[{\"port\":8080,\"proto\":\"tcp\"}],"
        "\"first_seen\":\"t3\",\"last_seen\":\"t4\"}\n";
    assert_int_equal(pas_store_inventory(db, two, strlen(two), &e), 0);
    struct pas_result pr;
    assert_int_equal(pas_load_result(db, &pr, &e), 2);
    assert_int_equal(pr.r.hosts_up, 2);
    const struct host_result *h = &pr.r.hosts[1]; /* ordered by address text */
    char buf[64];
    assert_string_equal(addr_str(&h->addr, buf, sizeof buf), "198.18.0.2");
    assert_true(h->have_mac && h->mac[5] == 2);
    assert_int_equal(h->nports, 3); /* 22/tcp, 8080/tcp, 53/udp: accumulated, sorted */
    assert_int_equal(h->ports[0].port, 22);
    assert_int_equal(h->ports[1].port, 8080);
    assert_int_equal(h->ports[2].proto, PR_UDP);
    assert_int_equal(h->ports[2].state, PS_OPEN);
    assert_int_equal(pr.r.ninfo, 2);
    assert_int_equal(pr.r.info[0].nports, 2);
    assert_int_equal(pr.r.hosts[0].nports, 0);
    pas_result_free(&pr);
    /* a bad line is named and nothing of its run is stored */
    static const char bad[] =
        "{\"ip\":\"198.18.0.9\",\"services\":[]}\n"
        "{\"ip\":\"198.18.0.10\",\"services\":[{\"port\":0,\"proto\":\"tcp\"}]}\n";
    assert_int_equal(pas_store_inventory(db, bad, strlen(bad), &e), -1);
    assert_non_null(strstr(e.msg, "inventory line 2: services[0]"));
    static const char junk[] = "{\"ip\":";
    assert_int_equal(pas_store_inventory(db, junk, strlen(junk), &e), -1);
    assert_non_null(strstr(e.msg, "inventory line 1 column"));
    assert_int_equal(pas_load_result(db, &pr, &e), 2);
    pas_result_free(&pr);
    hist_close(db);
    drop(path);
}

static void test_baseline_doc(void **state)
{
    (void)state;
    char path[64];
    struct hist_db *db = open_tmp(path, sizeof path);
    struct pr_error e = {""};
    char *doc;
    size_t len;
    assert_int_equal(pas_load_baseline(db, &doc, &len, &e), 0);
    assert_null(doc);
    assert_int_equal(len, 0);
    assert_int_equal(pas_store_baseline(db, "{\"a\":1}", 7, &e), 0);
    assert_int_equal(pas_store_baseline(db, "{\"b\":2}", 7, &e), 0);
    assert_int_equal(pas_load_baseline(db, &doc, &len, &e), 0);
    assert_string_equal(doc, "{\"b\":2}"); /* the newest only */
    assert_int_equal(len, 7);
    free(doc);
    hist_close(db);
    drop(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_inventory),
                                       cmocka_unit_test(test_baseline_doc)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
