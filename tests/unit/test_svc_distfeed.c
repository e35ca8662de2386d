/* Distribution feeds (svc/distfeed.c): Debian OSV records (ids from id/aliases/upstream,
 * introduced/fixed/last_affected events, releases from the ecosystem), Debian Security
 * Tracker JSON (codenames, open, not-affected "0"), epochs the banner does not show, the
 * Debian package a service reports, and malformed feeds. */
#include "svc/distfeed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static const char osv[] =
    "[{\"id\":\"DEBIAN-CVE-2023-38408\",\"upstream\":[\"CVE-2023-38408\"],\"affected\":["
    " {\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssh\"},\"ranges\":[{\"type\":"
    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1:9.2p1-2+deb12u3\"}]}]},"
    " {\"package\":{\"ecosystem\":\"Debian:11\",\"name\":\"openssh\"},\"ranges\":[{\"type\":"
    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1:8.4p1-5+deb11u2\"}]}]}]},"
    "{\"id\":\"CVE-2099-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
    "\"openssh\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1:9.0p1-1\"}"
    "]}]}]},"
    "{\"id\":\"DSA-1-1\",\"aliases\":[\"CVE-2099-2\"],\"affected\":[{\"package\":{\"ecosystem\":"
    "\"Debian:12\",\"name\":\"bind9\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
    "\"introduced\":\"0\"},{\"last_affected\":\"1:9.18.19-1~deb12u1\"}]}]}]},"
    "{\"id\":\"PYSEC-1\",\"aliases\":[\"CVE-2099-9\"],\"affected\":[{\"package\":{\"ecosystem\":"
    "\"PyPI\",\"name\":\"openssh\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{"
    "\"introduced\":\"0\"}]}]}]}]";

static const char dst[] =
    "{\"openssh\":{\"CVE-2023-38408\":{\"description\":\"x\",\"releases\":{"
    " \"bookworm\":{\"status\":\"resolved\",\"fixed_version\":\"1:9.2p1-2+deb12u3\","
    "\"urgency\":\"not yet assigned\"},"
    " \"sid\":{\"status\":\"resolved\",\"fixed_version\":\"1:9.3p2-1\"}}},"
    " \"CVE-2099-3\":{\"releases\":{\"bookworm\":{\"status\":\"open\",\"urgency\":\"low\"}}},"
    " \"TEMP-0000000-1\":{\"releases\":{}}},"
    "\"nginx\":{\"CVE-2099-4\":{\"releases\":{\"bookworm\":{\"status\":\"resolved\","
    "\"fixed_version\":\"0\"}}}}}";

static struct distfeed *load(const char *text)
{
    struct pr_error e = {""};
    struct distfeed *f = distfeed_parse(text, strlen(text), "feed", &e);
    if (!f)
        fail_msg("%s", e.msg);
    return f;
}

static void test_osv(void **state)
{
    (void)state;
    struct distfeed *f = load(osv);
    assert_int_equal(distfeed_count(f), 4);
    const char *c = "CVE-2023-38408";
    /* the banner has no epoch: the fixed version's is assumed */
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "9.2p1-2+deb12u3"), DF_FIXED);
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "1:9.2p1-2+deb12u3"), DF_FIXED);
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "9.2p1-2+deb12u2"), DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "9.2p1-2"), DF_AFFECTED);
    /* release unknown: fixed only when fixed in every release listed */
    assert_int_equal(distfeed_check(f, "openssh", c, NULL, "9.2p1-2+deb12u3"), DF_FIXED);
    assert_int_equal(distfeed_check(f, "openssh", c, NULL, "8.4p1-5+deb11u1"), DF_UNKNOWN);
    assert_int_equal(distfeed_check(f, "openssh", c, "10", "7.9p1-10+deb10u2"), DF_UNKNOWN);
    /* introduced without a fix */
    assert_int_equal(distfeed_check(f, "openssh", "CVE-2099-1", "12", "9.2p1-2+deb12u3"),
                     DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "openssh", "CVE-2099-1", "12", "1:8.9p1-3"), DF_FIXED);
    /* last_affected is inclusive */
    assert_int_equal(distfeed_check(f, "bind9", "CVE-2099-2", "12", "1:9.18.19-1~deb12u1"),
                     DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "bind9", "CVE-2099-2", "12", "1:9.18.19-1~deb12u2"),
                     DF_FIXED);
    assert_int_equal(distfeed_check(f, "openssh", "CVE-2099-9", NULL, "1"), DF_UNKNOWN);
    assert_int_equal(distfeed_check(f, "nginx", c, "12", "1.22.1-9"), DF_UNKNOWN);
    distfeed_free(f);

    /* one record alone, and {"vulns": [...]} as osv.dev's API answers */
    const char one[] = "{\"id\":\"CVE-2099-5\",\"schema_version\":\"1.6.0\",\"affected\":[{"
                       "\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"a\"},\"ranges\":[{"
                       "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.1-1\"}]}]}]}";
    f = load(one);
    assert_int_equal(distfeed_check(f, "a", "CVE-2099-5", "12", "1.0-1"), DF_AFFECTED);
    distfeed_free(f);
    char wrapped[sizeof one + 16];
    snprintf(wrapped, sizeof wrapped, "{\"vulns\":[%s]}", one);
    f = load(wrapped);
    assert_int_equal(distfeed_check(f, "a", "CVE-2099-5", "12", "1.1-1"), DF_FIXED);
    distfeed_free(f);
}

static void test_dst(void **state)
{
    (void)state;
    struct distfeed *f = load(dst);
    assert_int_equal(distfeed_count(f), 4);
    const char *c = "CVE-2023-38408";
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "9.2p1-2+deb12u3"), DF_FIXED);
    assert_int_equal(distfeed_check(f, "openssh", c, "12", "9.2p1-2+deb12u2"), DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "openssh", c, "sid", "1:9.3p1-1"), DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "openssh", "CVE-2099-3", "12", "1:99-1"), DF_AFFECTED);
    assert_int_equal(distfeed_check(f, "nginx", "CVE-2099-4", "12", "1.22.1-9"), DF_FIXED);
    distfeed_free(f);
    /* an escaped package name, strings holding brackets and quotes */
    f = load("{\"ngi\\u006ex\": {\"CVE-2099-4\": {\"description\": \"a ] } \\\" [\", "
             "\"releases\": {\"bookworm\": {\"status\": \"open\"}}}}}");
    assert_int_equal(distfeed_check(f, "nginx", "CVE-2099-4", "12", "1.22.1-9"), DF_AFFECTED);
    distfeed_free(f);
}

static void test_package(void **state)
{
    (void)state;
    char pkg[32], ver[64], rel[8];
    assert_int_equal(distfeed_debian_package("openbsd:openssh", "9.2p1 Debian 2+deb12u3", pkg,
                                             sizeof pkg, ver, sizeof ver, rel, sizeof rel),
                     0);
    assert_string_equal(pkg, "openssh");
    assert_string_equal(ver, "9.2p1-2+deb12u3");
    assert_string_equal(rel, "12");
    assert_int_equal(distfeed_debian_package("isc:bind", "9.18.19-1~deb12u1-Debian", pkg,
                                             sizeof pkg, ver, sizeof ver, rel, sizeof rel),
                     0);
    assert_string_equal(pkg, "bind9");
    assert_string_equal(ver, "9.18.19-1~deb12u1");
    assert_string_equal(rel, "12");
    assert_int_equal(distfeed_debian_package("openbsd:openssh", "9.2p1 Debian 2", pkg, sizeof pkg,
                                             ver, sizeof ver, rel, sizeof rel),
                     0);
    assert_string_equal(rel, "");
    assert_int_equal(distfeed_debian_package("thekelleys:dnsmasq", "2.89-1", pkg, sizeof pkg, ver,
                                             sizeof ver, rel, sizeof rel),
                     0);
    assert_string_equal(pkg, "dnsmasq");
    /* no Debian revision: the package version is not known */
    assert_int_equal(distfeed_debian_package("igor_sysoev:nginx", "1.22.1", pkg, sizeof pkg, ver,
                                             sizeof ver, rel, sizeof rel),
                     -1);
    assert_int_equal(distfeed_debian_package("x:y", "1.0 Debian <b>", pkg, sizeof pkg, ver,
                                             sizeof ver, rel, sizeof rel),
                     -1);
    assert_int_equal(
        distfeed_debian_package("x:y", "1.0 Debian 1", pkg, sizeof pkg, ver, 4, rel, sizeof rel),
        -1);
}

static void bad(const char *text, const char *want)
{
    struct pr_error e = {""};
    assert_null(distfeed_parse(text, strlen(text), "bad.json", &e));
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
}

static void test_bad(void **state)
{
    (void)state;
    bad("[{\"id\":\"X\",\n\"affected\":[{\"package\":{\"name\":\"a\"}}]}]",
        "record 0 (X): affected[0].package lacks ecosystem or name");
    bad("[{\"id\":\"CVE-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
        "\"a\"},\"ranges\":[{\"events\":[{\"fixed\":\"1.0 beta\"}]}]}]}]",
        "fixed \"1.0 beta\" is not a Debian version");
    bad("[{\"id\":\"CVE-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
        "\"a\"},\"ranges\":[{\"events\":[{\"other\":\"1\"}]}]}]}]",
        "ranges[0].events[0] is not an event");
    bad("[5]", "record 0 (no id)");
    bad("{\"openssh\": [1]}", "package \"openssh\" is not an object");
    bad("{\"a\":{\"CVE-1\":{\"releases\":{\"bookworm\":{\"fixed_version\":\"1\"}}}}}",
        "a/CVE-1: release bookworm lacks a status");
    bad("[\n{\"id\": }]", "bad.json line 2");
    bad("\"text\"", "bad.json line 1");
    bad("7", "bad.json line 1");
    /* the scanner that splits the file: positions are lines of the whole file */
    bad("{\"a\": {},\n \"b\": {},\n \"c\": {\"CVE-1\": {\"releases\": {\"x\": {\"status\":\n "
        "5}}}}}",
        "c/CVE-1: release x lacks a status");
    bad("{\"a\": {},\n \"b\": {\"CVE-1\": tru}}", "bad.json line 2");
    bad("[{\"id\": \"a\"}] x", "bad.json line 1: text after the JSON value");
    bad("[{\"id\": \"a\"},\n{\"id\": \"b\"", "bad.json line 2: unterminated value");
    bad("[{\"id\": \"a\"}\n{\"id\": \"b\"}]", "bad.json line 2: ',' or ']' expected");
    bad("{\"a\": {},\n", "bad.json line 2: the object is not closed");
    bad("{\"a\" {}}", "':' and a value expected");
    bad("{5: {}}", "a key expected");
    bad("  ", "neither an OSV record list");
    struct pr_error e = {""};
    assert_null(distfeed_load("/nonexistent/osv.json", &e));
    assert_non_null(strstr(e.msg, "/nonexistent/osv.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_osv),
        cmocka_unit_test(test_dst),
        cmocka_unit_test(test_package),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
