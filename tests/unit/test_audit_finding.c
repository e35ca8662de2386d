/* test_audit_finding.c — the audit diagnosis: risk rules, fixes, order, JSON and SARIF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "audit/finding.h"
#include "audit/policy.h"
#include "output_fixtures.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char *policy_text = "[defaults]\nmissing = violation\n"
                                 "[web]\nhosts = 198.18.0.2\ntcp = 22, 80, 443\n";

struct fixture {
    struct policy pol;
    struct scan_result r;
    struct svc_db *db;
    struct violation *v;
    size_t nv;
    struct finding *f;
    size_t n;
};

static void cve(struct svc_info *si, const char *id, double cvss)
{
    si->cves = realloc(si->cves, (si->ncves + 1) * sizeof *si->cves);
    assert_non_null(si->cves);
    snprintf(si->cves[si->ncves].id, sizeof si->cves[0].id, "%s", id);
    si->cves[si->ncves++].cvss = cvss;
}

/* 198.18.0.2 with: 22 open (allowed, OpenSSH with a 7.5 and a 9.8 CVE), 23 open (telnet),
 * 6379 open (-sV redis), 443 closed (allowed), 80 open (allowed, new since the last run). */
static void build(struct fixture *x, const struct diff_change *ch, size_t nch)
{
    memset(x, 0, sizeof *x);
    struct pr_error e = {{0}};
    assert_int_equal(
        policy_parse(&x->pol, "site.ini", policy_text, strlen(policy_text), AF_INET, 0, NULL, &e),
        0);
    x->db = mkdb();
    x->r.svc = x->db;
    x->r.hosts = calloc(1, sizeof *x->r.hosts);
    x->r.nhosts = x->r.hosts_up = 1;
    struct host_result *h = &x->r.hosts[0];
    assert_int_equal(addr_parse("198.18.0.2", &h->addr), 0);
    h->up = 1;
    add(h, PR_TCP, 22, PS_OPEN, 0, 64);
    h->ports[0].svc = mksvc("ssh", "OpenSSH", "9.2p1", NULL, 0);
    cve(h->ports[0].svc, "CVE-2023-38408", 9.8);
    cve(h->ports[0].svc, "CVE-2023-51385", 6.5);
    add(h, PR_TCP, 23, PS_OPEN, 0, 64);
    add(h, PR_TCP, 80, PS_OPEN, 0, 64);
    add(h, PR_TCP, 443, PS_CLOSED, 0, 64);
    add(h, PR_TCP, 6379, PS_OPEN, 0, 64);
    h->ports[4].svc = mksvc("redis", "Redis key-value store", "7.0.15", NULL, 0);
    audit_eval(&x->pol, &x->r, &x->v, &x->nv);
    findings_build(&x->pol, "site.ini", &x->r, x->v, x->nv, ch, nch, &x->f, &x->n);
}

static void teardown(struct fixture *x)
{
    free(x->f);
    free(x->v);
    result_free(&x->r);
    free(x->db);
    policy_free(&x->pol);
}

static const struct finding *get(const struct fixture *x, int kind, uint16_t port)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->f[i].kind == kind && x->f[i].port == port)
            return &x->f[i];
    return NULL;
}

static void test_risks(void **state)
{
    (void)state;
    struct fixture x;
    build(&x, NULL, 0);
    const struct finding *f = get(&x, FK_UNEXPECTED_OPEN, 23);
    assert_non_null(f);
    assert_int_equal(f->risk, RISK_CRITICAL);
    assert_string_equal(f->service, "telnet");
    assert_true(f->counted);
    assert_non_null(strstr(f->nft_rule, "tcp dport 23 drop"));
    assert_non_null(strstr(f->remediation, f->nft_rule));
    assert_non_null(strstr(f->policy_line, "add 23 to 'tcp =' of [web] in site.ini"));
    f = get(&x, FK_CLEARTEXT_SERVICE, 23);
    assert_non_null(f);
    assert_int_equal(f->risk, RISK_HIGH);
    assert_false(f->counted);
    assert_non_null(strstr(f->remediation, "SSH"));
    f = get(&x, FK_UNEXPECTED_OPEN, 6379); /* -sV name, not the port table */
    assert_non_null(f);
    assert_string_equal(f->service, "redis");
    assert_int_equal(f->risk, RISK_HIGH);
    assert_string_equal(f->exposure, "database/cache");
    f = get(&x, FK_VULNERABLE_VERSION, 22); /* worst CVSS 9.8 */
    assert_non_null(f);
    assert_int_equal(f->risk, RISK_CRITICAL);
    assert_int_equal(f->ncves, 2);
    assert_string_equal(f->product, "OpenSSH");
    assert_non_null(strstr(f->remediation, "Upgrade OpenSSH 9.2p1"));
    f = get(&x, FK_EXPECTED_CLOSED, 443);
    assert_non_null(f);
    assert_int_equal(f->risk, RISK_LOW);
    assert_null(get(&x, FK_NEW_SINCE_LAST_RUN, 80)); /* no previous run */
    for (size_t i = 1; i < x.n; i++)                 /* highest risk first */
        assert_true(x.f[i - 1].risk >= x.f[i].risk);
    assert_int_equal(findings_worst(x.f, x.n), RISK_CRITICAL);
    teardown(&x);
}

static void test_new_since_last_run(void **state)
{
    (void)state;
    struct diff_change ch[2] = {0};
    ch[0].kind = DK_PORT;
    snprintf(ch[0].addr, sizeof ch[0].addr, "198.18.0.2");
    snprintf(ch[0].old_state, sizeof ch[0].old_state, "closed");
    snprintf(ch[0].new_state, sizeof ch[0].new_state, "open");
    ch[1] = ch[0];
    ch[0].port = 6379; /* unexpected and new: one level higher */
    ch[1].port = 80;   /* allowed and new: an info finding */
    struct fixture x;
    build(&x, ch, 2);
    const struct finding *f = get(&x, FK_UNEXPECTED_OPEN, 6379);
    assert_int_equal(f->risk, RISK_CRITICAL);
    assert_non_null(strstr(f->reasons, "new since the last run"));
    f = get(&x, FK_NEW_SINCE_LAST_RUN, 80);
    assert_non_null(f);
    assert_int_equal(f->risk, RISK_INFO);
    assert_false(f->counted);
    teardown(&x);
}

static void test_cvss_levels(void **state)
{
    (void)state;
    const double scores[] = {9.0, 8.9, 7.0, 6.9, 4.0, 3.9, -1};
    const int want[] = {RISK_CRITICAL, RISK_HIGH, RISK_HIGH,  RISK_MEDIUM,
                        RISK_MEDIUM,   RISK_LOW,  RISK_MEDIUM};
    for (size_t i = 0; i < sizeof scores / sizeof scores[0]; i++) {
        struct fixture x;
        memset(&x, 0, sizeof x);
        struct pr_error e = {{0}};
        assert_int_equal(policy_parse(&x.pol, "site.ini", policy_text, strlen(policy_text), AF_INET,
                                      0, NULL, &e),
                         0);
        x.r.hosts = calloc(1, sizeof *x.r.hosts);
        x.r.nhosts = 1;
        struct host_result *h = &x.r.hosts[0];
        assert_int_equal(addr_parse("198.18.0.2", &h->addr), 0);
        h->up = 1;
        add(h, PR_TCP, 80, PS_OPEN, 0, 64);
        h->ports[0].svc = mksvc("http", "nginx", "1.22.1", NULL, 0);
        cve(h->ports[0].svc, "CVE-2026-0001", scores[i]);
        audit_eval(&x.pol, &x.r, &x.v, &x.nv);
        findings_build(&x.pol, "site.ini", &x.r, x.v, x.nv, NULL, 0, &x.f, &x.n);
        const struct finding *f = get(&x, FK_VULNERABLE_VERSION, 80);
        assert_non_null(f);
        assert_int_equal(f->risk, want[i]);
        teardown(&x);
    }
}

static void test_json_and_sarif(void **state)
{
    (void)state;
    struct fixture x;
    build(&x, NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(findings_write_json(m, x.f, x.n), 0);
    fclose(m);
    size_t lines = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        assert_non_null(json_string_value(json_object_get(o, "risk")));
        assert_true(json_array_size(json_object_get(o, "reasons")) >= 1);
        assert_true(json_is_array(json_object_get(o, "cves")));
        if (!strcmp(json_string_value(json_object_get(o, "kind")), "vulnerable_version")) {
            json_t *c = json_array_get(json_object_get(o, "cves"), 0);
            assert_string_equal(json_string_value(json_object_get(c, "id")), "CVE-2023-38408");
            assert_true(json_is_null(json_object_get(c, "fixed_in")));
        }
        json_decref(o);
    }
    assert_int_equal(lines, x.n);
    free(buf);

    m = open_memstream(&buf, &len);
    assert_int_equal(
        findings_write_sarif(m, x.f, x.n, "/etc/portreeve/my site.ini", &x.pol, "0.2.0"), 0);
    fclose(m);
    json_error_t je;
    json_t *log = json_loads(buf, 0, &je);
    assert_non_null(log);
    assert_string_equal(json_string_value(json_object_get(log, "version")), "2.1.0");
    json_t *run = json_array_get(json_object_get(log, "runs"), 0);
    json_t *results = json_object_get(run, "results");
    json_t *rules =
        json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
    assert_int_equal(json_array_size(results), x.n);
    for (size_t i = 0; i < json_array_size(results); i++) {
        json_t *r = json_array_get(results, i);
        json_int_t idx = json_integer_value(json_object_get(r, "ruleIndex"));
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(rules, (size_t)idx), "id")),
            json_string_value(json_object_get(r, "ruleId")));
        json_t *loc =
            json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")),
            "file:///etc/portreeve/my%20site.ini");
        assert_int_equal(
            json_integer_value(json_object_get(json_object_get(loc, "region"), "startLine")),
            3); /* [web] */
    }
    json_decref(log);
    free(buf);
    teardown(&x);
}

static void test_names(void **state)
{
    (void)state;
    for (int r = 0; r < RISK_COUNT; r++)
        assert_int_equal(risk_from_name(risk_name(r)), r);
    assert_int_equal(risk_from_name("severe"), -1);
    assert_int_equal(risk_from_name(NULL), -1);
    assert_string_equal(finding_kind_name(FK_NEW_SINCE_LAST_RUN), "new_since_last_run");
    assert_string_equal(finding_kind_name(99), "unknown");
}

static void test_outdated(void **state)
{
    (void)state;
    static const char two[] = "[web]\nhosts = 198.18.0.2-3\ntcp = 22\n";
    struct fixture x;
    memset(&x, 0, sizeof x);
    struct pr_error e = {{0}};
    assert_int_equal(policy_parse(&x.pol, "site.ini", two, strlen(two), AF_INET, 0, NULL, &e), 0);
    x.r.hosts = calloc(2, sizeof *x.r.hosts);
    x.r.nhosts = 2;
    const char *ver[2] = {"9.2p1", "8.4p1"};
    for (int i = 0; i < 2; i++) {
        struct host_result *h = &x.r.hosts[i];
        char a[32];
        snprintf(a, sizeof a, "198.18.0.%d", 2 + i);
        assert_int_equal(addr_parse(a, &h->addr), 0);
        h->up = 1;
        add(h, PR_TCP, 22, PS_OPEN, 0, 64);
        h->ports[0].svc = mksvc("ssh", "OpenSSH", ver[i], NULL, 0);
    }
    audit_eval(&x.pol, &x.r, &x.v, &x.nv);
    findings_build(&x.pol, "site.ini", &x.r, x.v, x.nv, NULL, 0, &x.f, &x.n);
    assert_int_equal(x.n, 1); /* ssh is allowed: only the older version is a finding */
    assert_int_equal(x.f[0].kind, FK_OUTDATED_VERSION);
    assert_string_equal(x.f[0].addr, "198.18.0.3");
    assert_int_equal(x.f[0].risk, RISK_LOW);
    assert_false(x.f[0].counted);
    assert_non_null(strstr(x.f[0].remediation, "from 8.4p1 to 9.2p1 or newer (as on 198.18.0.2)"));
    teardown(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risks),       cmocka_unit_test(test_new_since_last_run),
        cmocka_unit_test(test_cvss_levels), cmocka_unit_test(test_json_and_sarif),
        cmocka_unit_test(test_names),       cmocka_unit_test(test_outdated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
