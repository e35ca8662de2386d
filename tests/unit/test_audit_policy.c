/* test_audit_policy.c — the audit policy INI reader: good files, every error with its file
 * and line, host membership, defaults, and the judging of a hand-made scan result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "audit/policy.h"
#include "audit/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse(struct policy *p, const char *text, struct pr_error *e)
{
    return policy_parse(p, "t.ini", text, strlen(text), AF_INET, 0, NULL, e);
}

static struct pr_addr A(const char *s) {
    struct pr_addr a;
    assert_int_equal(addr_parse(s, &a), 0);
    return a;
}

static void
test_good(void **state)
{
    (void)state;
    struct policy p;
    struct pr_error e = {{0}};
    const char *text = "\xef\xbb\xbf# comment\r\n; another\n\n[defaults]\ntcp = 22\n"
                       "missing = warn\nports = 1-100,T:8080\n"
                       "[web]\nhosts = 198.18.0.10-12, 198.18.1.0/30\ntcp = 80, 443,8000-8002\n"
                       "udp =\n[dns]\n  hosts=198.18.0.53  \nudp = 53\nmissing = violation\n";
    assert_int_equal(parse(&p, text, &e), 0);
    assert_int_equal(p.nsec, 2);
    assert_string_equal(p.sec[0].name, "web");
    assert_int_equal(p.sec[0].line, 8);
    assert_string_equal(p.scan_ports, "1-100,T:8080");
    assert_int_equal(p.sec[0].missing, POL_MISSING_WARN);
    assert_int_equal(p.sec[1].missing, POL_MISSING_VIOLATION);
    bool in;
    struct pr_addr a = A("198.18.0.11");
    assert_true(policy_allows(&p, &a, PR_TCP, 443, &in) && in);
    assert_true(policy_allows(&p, &a, PR_TCP, 22, &in)); /* from [defaults] */
    assert_true(policy_allows(&p, &a, PR_TCP, 8001, &in));
    assert_false(policy_allows(&p, &a, PR_TCP, 8003, &in));
    assert_false(policy_allows(&p, &a, PR_UDP, 53, &in));
    a = A("198.18.1.3");
    assert_true(policy_allows(&p, &a, PR_TCP, 80, &in) && in);
    a = A("198.18.0.53");
    assert_true(policy_allows(&p, &a, PR_UDP, 53, &in));
    assert_false(policy_allows(&p, &a, PR_TCP, 80, &in));
    a = A("198.18.0.13");
    assert_false(policy_allows(&p, &a, PR_TCP, 22, &in));
    assert_false(in);
    char spec[256];
    assert_int_equal(policy_port_spec(&p, spec, sizeof spec), 0);
    assert_string_equal(spec, "T:22,80,443,8000-8002,U:53");
    policy_free(&p);
}

static void test_union_of_sections(void **state)
{
    (void)state;
    struct policy p;
    struct pr_error e;
    assert_int_equal(parse(&p,
                           "[a]\nhosts=198.18.0.2\ntcp=22\n[b]\nhosts=198.18.0.0/24\n"
                           "tcp=80\n",
                           &e),
                     0);
    bool in;
    struct pr_addr a = A("198.18.0.2");
    assert_true(policy_allows(&p, &a, PR_TCP, 22, &in));
    assert_true(policy_allows(&p, &a, PR_TCP, 80, &in));
    a = A("198.18.0.3");
    assert_false(policy_allows(&p, &a, PR_TCP, 22, &in));
    policy_free(&p);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg; /* a substring of the message */
    } bad[] = {
        {"[web]\nhosts = 198.18.0.2\ntpc = 22\n", "t.ini:3: unknown key 'tpc' in [web]"},
        {"[web]\nhosts = 198.18.0.2\ntcp = 22, 70000\n", "t.ini:3: tcp: '70000' is not a port"},
        {"[web]\nhosts = 198.18.0.2\ntcp = 0\n", "t.ini:3: tcp: '0' is not a port"},
        {"[web]\nhosts = 198.18.0.2\ntcp = 22,,80\n", "t.ini:3: tcp: item 2 is empty"},
        {"[web]\nhosts = 198.18.0.2\ntcp = 90-80\n", "t.ini:3: tcp: range '90-80' is reversed"},
        {"[web]\nhosts = 198.18.0.2\ntcp = http\n", "t.ini:3: tcp: 'http' is not a port number"},
        {"[web]\nhosts = 198.18.0.2\nudp = 5-\n", "t.ini:3: udp: '5-' is not a port"},
        {"[web]\nhosts =\ntcp = 22\n", "t.ini:2: hosts is empty in [web]"},
        {"[web]\nhosts = , ,\n", "t.ini:2: hosts is empty"},
        {"\n[web]\ntcp = 22\n", "t.ini:2: section [web] has no 'hosts' key"},
        {"[web]\nhosts = 198.18.0.300\n", "t.ini:2:"},
        {"[web]\nhosts = www.example.org\n", "t.ini:2:"},
        {"tcp = 22\n", "t.ini:1: key 'tcp' outside a section"},
        {"[web\nhosts = 1.2.3.4\n", "t.ini:1: section header without closing ']'"},
        {"[]\n", "t.ini:1: empty section name"},
        {"[a<b]\n", "t.ini:1: section name 'a<b': character '<'"},
        {"[web]\nhosts = 198.18.0.2\n[web]\nhosts = 198.18.0.3\n",
         "t.ini:3: section [web] given twice (first on line 1)"},
        {"[web]\nhosts = 198.18.0.2\nhosts = 198.18.0.3\n", "t.ini:3: key 'hosts' given twice"},
        {"[defaults]\nhosts = 198.18.0.2\n", "t.ini:2: unknown key 'hosts' in [defaults]"},
        {"[web]\nhosts = 198.18.0.2\nports = 1-10\n", "t.ini:3: unknown key 'ports' in [web]"},
        {"[defaults]\nports = 1 - 10\n", "t.ini:2: ports: write the list without spaces"},
        {"[defaults]\nports = 80-20\n", "t.ini:2: ports:"},
        {"[web]\nhosts = 198.18.0.2\nmissing = maybe\n", "t.ini:3: missing: 'maybe'"},
        {"[web]\nhosts = 198.18.0.2\njust text\n", "t.ini:3: expected 'key = value'"},
        {"[web]\nhosts = 198.18.0.2\n = 5\n", "t.ini:3: missing key before '='"},
        {"[web]\nhosts = 198.18.0.2\ntcp = 22\x01\n", "t.ini:3: control character 0x01"},
        {"# nothing\n", "t.ini: no host sections"},
        {"", "t.ini: no host sections"},
        {"[defaults]\n[defaults]\n", "t.ini:2: [defaults] given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct policy p;
        struct pr_error e = {{0}};
        int rc = parse(&p, bad[i].text, &e);
        if (rc != -1 || !strstr(e.msg, bad[i].msg))
            fail_msg("case %zu: rc %d, message '%s', wanted '%s'", i, rc, e.msg, bad[i].msg);
        assert_null(p.sec);
        assert_null(strchr(e.msg, '\n'));
    }
}

static void test_nul_and_long_lines(void **state)
{
    (void)state;
    struct policy p;
    struct pr_error e;
    const char nul[] = "[web]\nhosts = 1.2.3.4\ntcp = 2\0 2\n";
    assert_int_equal(policy_parse(&p, "t.ini", nul, sizeof nul - 1, AF_INET, 0, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "t.ini:3: contains a NUL byte"));
    size_t n = POL_MAX_LINE + 100;
    char *longl = calloc(1, n + 32);
    strcpy(longl, "[web]\nhosts = ");
    memset(longl + strlen(longl), '1', n);
    assert_int_equal(parse(&p, longl, &e), -1);
    assert_non_null(strstr(e.msg, "t.ini:2: line longer than"));
    free(longl);
}

static void test_unreadable(void **state)
{
    (void)state;
    struct policy p;
    struct pr_error e;
    assert_int_equal(policy_load(&p, "/nonexistent/policy.ini", AF_INET, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "policy file '/nonexistent/policy.ini': No such file"));
    assert_int_equal(policy_load(&p, "/", AF_INET, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "policy file '/'"));
}

static void test_service_names(void **state)
{
    (void)state;
    struct svc_db *db = calloc(1, sizeof *db);
    db->name[PR_TCP][22] = strdup("ssh");
    db->name[PR_UDP][53] = strdup("domain");
    struct policy p;
    struct pr_error e;
    const char *t = "[a]\nhosts=198.18.0.2\ntcp = ssh\nudp = domain\n";
    assert_int_equal(policy_parse(&p, "t.ini", t, strlen(t), AF_INET, 0, db, &e), 0);
    assert_true(pol_ports_has(&p.sec[0].allow, PR_TCP, 22));
    assert_true(pol_ports_has(&p.sec[0].allow, PR_UDP, 53));
    policy_free(&p);
    t = "[a]\nhosts=198.18.0.2\ntcp = domain\n";
    assert_int_equal(policy_parse(&p, "t.ini", t, strlen(t), AF_INET, 0, db, &e), -1);
    assert_non_null(strstr(e.msg, "known TCP service"));
    svc_free(db);
}

/* A scan result by hand: 198.18.0.2 with 22 open, 80 closed, 8000 open; .3 down. */
static void test_eval(void **state)
{
    (void)state;
    struct policy p;
    struct pr_error e;
    assert_int_equal(parse(&p, "[a]\nhosts = 198.18.0.2-3\ntcp = 22, 80\n", &e), 0);
    struct scan_result r;
    memset(&r, 0, sizeof r);
    r.nhosts = 2;
    r.hosts = calloc(2, sizeof *r.hosts);
    r.hosts[0].addr = A("198.18.0.2");
    r.hosts[0].up = 1;
    r.hosts[0].nports = 3;
    r.hosts[0].ports = calloc(3, sizeof *r.hosts[0].ports);
    r.hosts[0].ports[0].port = 22;
    r.hosts[0].ports[0].state = PS_OPEN;
    r.hosts[0].ports[1].port = 80;
    r.hosts[0].ports[1].state = PS_CLOSED;
    r.hosts[0].ports[2].port = 8000;
    r.hosts[0].ports[2].state = PS_OPEN;
    r.hosts[1].addr = A("198.18.0.3");
    struct violation *v;
    size_t n;
    assert_int_equal(audit_eval(&p, &r, &v, &n), 3);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].kind, VK_OPEN);
    assert_int_equal(v[0].port, 8000);
    assert_string_equal(v[0].addr, "198.18.0.2");
    assert_int_equal(v[1].kind, VK_MISSING);
    assert_int_equal(v[1].port, 80);
    assert_int_equal(v[2].kind, VK_DOWN);
    char line[1024];
    audit_describe(&v[0], line, sizeof line);
    assert_string_equal(line, "unexpected-open 198.18.0.2 8000/tcp: open but not allowed by [a]");
    free(v);
    policy_free(&p);

    assert_int_equal(parse(&p, "[a]\nhosts = 198.18.0.2-3\ntcp = 22, 80\nmissing = warn\n", &e), 0);
    assert_int_equal(audit_eval(&p, &r, &v, &n), 1);
    assert_int_equal(n, 3);
    assert_true(v[1].warn && v[2].warn);
    free(v);
    policy_free(&p);
    result_free(&r);
}

/* With -sV fields in the result model: a CVE finding and the version in the snapshot. */
static void test_cve(void **state)
{
    (void)state;
#ifdef SVC_MAX_CVES
    struct policy p;
    struct pr_error e;
    assert_int_equal(parse(&p, "[a]\nhosts = 198.18.0.2\ntcp = 22\n", &e), 0);
    struct scan_result r;
    memset(&r, 0, sizeof r);
    r.nhosts = 1;
    r.hosts = calloc(1, sizeof *r.hosts);
    r.hosts[0].addr = A("198.18.0.2");
    r.hosts[0].up = 1;
    r.hosts[0].nports = 1;
    r.hosts[0].ports = calloc(1, sizeof *r.hosts[0].ports);
    struct port_result *pr = &r.hosts[0].ports[0];
    pr->port = 22;
    pr->state = PS_OPEN;
    struct svc_info *si = calloc(1, sizeof *si);
    si->name = strdup("ssh");
    si->product = strdup("OpenSSH");
    si->version = strdup("9.2p1");
    si->ncves = 2;
    si->cves = calloc(2, sizeof *si->cves);
    snprintf(si->cves[0].id, sizeof si->cves[0].id, "CVE-2023-38408");
    si->cves[0].cvss = 9.8;
    snprintf(si->cves[1].id, sizeof si->cves[1].id, "CVE-2023-51385");
    si->cves[1].cvss = -1;
    pr->svc = si;
    struct violation *v;
    size_t n;
    assert_int_equal(audit_eval(&p, &r, &v, &n), 1);
    assert_int_equal(v[0].kind, VK_CVE);
    assert_string_equal(v[0].detail, "OpenSSH 9.2p1 has 2 known CVEs: CVE-2023-38408 (CVSS 9.8),"
                                     " CVE-2023-51385");
    free(v);
    struct snapshot s;
    snap_from_result(&s, &r);
    assert_string_equal(s.hosts[0].ports[0].version, "OpenSSH 9.2p1");
    assert_string_equal(s.hosts[0].ports[0].service, "ssh");
    snap_free(&s);
    pr->svc = NULL;
    free(si->name);
    free(si->product);
    free(si->version);
    free(si->cves);
    free(si);
    policy_free(&p);
    result_free(&r);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),       cmocka_unit_test(test_union_of_sections),
        cmocka_unit_test(test_errors),     cmocka_unit_test(test_nul_and_long_lines),
        cmocka_unit_test(test_unreadable), cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_eval),       cmocka_unit_test(test_cve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
