/* CVE feeds (NVD CVE JSON 2.0): version comparison, ranges (start/end, including/excluding),
 * exact versions split into version + update, AND configurations with a platform, negate,
 * CVSS choice and order, CPEs without a version, malformed feeds; CPE dictionary aliases,
 * a distribution feed's backported fixes and -O's OS CPEs as platforms. */
#include "svc/cpedict.h"
#include "svc/cve.h"
#include "svc/distfeed.h"

#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_version_cmp(void **state)
{
    (void)state;
    assert_true(cve_version_cmp("9.2", "9.2p1") < 0);
    assert_true(cve_version_cmp("9.2p1", "9.3") < 0);
    assert_true(cve_version_cmp("9.3p2", "9.3p10") < 0);
    assert_true(cve_version_cmp("1.22.1", "1.22.10") < 0);
    assert_true(cve_version_cmp("10.0", "9.9") > 0);
    assert_int_equal(cve_version_cmp("2.90", "2.90"), 0);
    assert_int_equal(cve_version_cmp("1.0", "1-0"), 0);
    assert_int_equal(cve_version_cmp("007", "7"), 0);
    assert_true(cve_version_cmp("1.0rc1", "1.0.1") < 0);
    assert_true(cve_version_cmp("", "1") < 0);
    assert_int_equal(cve_version_cmp("", ""), 0);
}

#define ENTRY(id, metric, score, nodes)                                                            \
    "{\"cve\":{\"id\":\"" id "\",\"metrics\":{\"" metric "\":[{\"type\":\"Primary\","              \
    "\"cvssData\":{\"baseScore\":" score "}}]},\"configurations\":[" nodes "]}}"
#define OR_NODE(matches) "{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" matches "]}]}"
#define M(crit, extra) "{\"vulnerable\":true,\"criteria\":\"" crit "\"" extra "}"

static const char feed[] = "{\"vulnerabilities\":["
    /* in range */
    ENTRY("CVE-1", "cvssMetricV31", "9.8",
          OR_NODE(M("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
                    ",\"versionStartIncluding\":\"9.0\",\"versionEndExcluding\":\"9.3p2\""))) ","
    /* below range */
    ENTRY("CVE-2", "cvssMetricV31", "8.0",
          OR_NODE(M("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
                    ",\"versionEndIncluding\":\"9.1\""))) ","
    /* exact version split as version + update */
    ENTRY("CVE-3", "cvssMetricV2", "4.3",
          OR_NODE(M("cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*", ""))) ","
    /* other product */
    ENTRY("CVE-4", "cvssMetricV31", "10.0",
          OR_NODE(M("cpe:2.3:a:openbsd:opensmtpd:*:*:*:*:*:*:*:*", ""))) ","
    /* AND with a platform we detected (linux kernel) and one we did not (windows) */
    ENTRY("CVE-5", "cvssMetricV31", "5.5",
          "{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" M(
              "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
              "") "]},{\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":false,\"criteria\":"
                  "\"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*\"}]}]}") ","
    /* excluding start exactly at our version */
    ENTRY(
        "CVE-6", "cvssMetricV31", "7.0",
        OR_NODE(M(
            "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
            ",\"versionStartExcluding\":\"9.2p1\""))) ","
                                                      /* no CVSS at all, still listed (last) */
                                                      "{\"cve\":{\"id\":\"CVE-7\","
                                                      "\"configurations\":[" OR_NODE(M(
                                                          "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:"
                                                          "*",
                                                          ",\"versionEndExcluding\":\"10\"")) "]}}"
                                                                                              "]}";

static struct svc_info *info(const char *cpe0, const char *cpe1)
{
    struct svc_info *si = calloc(1, sizeof *si);
    assert_non_null(si);
    si->cpes[si->ncpes++] = strdup(cpe0);
    if (cpe1)
        si->cpes[si->ncpes++] = strdup(cpe1);
    return si;
}

static void test_lookup(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct cve_db *db = cve_parse(feed, strlen(feed), "feed.json", &e);
    if (!db)
        fail_msg("%s", e.msg);
    assert_int_equal(cve_count(db), 7);
    struct svc_info *si = info("cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel");
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 3);
    assert_string_equal(si->cves[0].id, "CVE-1");
    assert_true(si->cves[0].cvss > 9.7 && si->cves[0].cvss < 9.9);
    assert_string_equal(si->cves[1].id, "CVE-3");
    assert_string_equal(si->cves[2].id, "CVE-7");
    assert_true(si->cves[2].cvss < 0);
    /* Looking up again replaces, never duplicates. */
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 3);
    svc_info_free(si);

    /* Without a version nothing is claimed. */
    si = info("cpe:/a:openbsd:openssh", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    /* Not a CPE URI at all. */
    si = info("openssh 9.2", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    /* A newer version leaves the ranges. */
    si = info("cpe:/a:openbsd:openssh:9.6p1", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 2); /* CVE-6 (after 9.2p1) and CVE-7 (< 10) */
    assert_string_equal(si->cves[0].id, "CVE-6");
    svc_info_free(si);
    cve_free(db);
}

/* Distribution versions and "running on" platforms. */
static const char feed2[] = "{\"vulnerabilities\":["
    /* BIND up to and including 9.18.49: Debian's 9.18.49-1~deb12u3 is that version */
    ENTRY(
        "CVE-20", "cvssMetricV31", "7.5",
        OR_NODE(M("cpe:2.3:a:isc:bind:*:*:*:*:*:*:*:*",
                  ",\"versionStartIncluding\":\"9.18.0\",\"versionEndIncluding\":\"9.18.49\""))) ","
    /* OpenSSH running on Linux (the kernel CPE the banner gave, without a version) */
    ENTRY("CVE-21", "cvssMetricV31", "6.0",
          "{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" M(
              "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
              ",\"versionEndExcluding\":\"9.3\"") "]},{\"operator\":\"OR\",\"cpeMatch\":["
                                                  "{\"vulnerable\":false,\"criteria\":\"cpe:2.3:o:"
                                                  "linux:linux_kernel:*:*:*:*:*:*:*:*\"}]}]}") ","
    /* the same platform with a version range: an unversioned kernel CPE does not prove it */
    ENTRY("CVE-22", "cvssMetricV31", "6.0",
          "{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" M(
              "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
              "") "]},{\"operator\":\"OR\",\"cpeMatch\":["
                  "{\"vulnerable\":false,\"criteria\":\"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:"
                  "*\","
                  "\"versionEndExcluding\":\"4.0\"}]}]}") ","
    /* a vulnerable entry never matches an unversioned CPE, even with no range */
    ENTRY("CVE-23", "cvssMetricV31", "9.0",
          OR_NODE(M("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", ""))) "]}";

static void test_distribution_versions(void **state)
{
    (void)state;
    char v[64];
    cve_upstream_version("9.18.49-1~deb12u3-Debian", v, sizeof v);
    assert_string_equal(v, "9.18.49");
    cve_upstream_version("1:9.2p1-2+deb12u3", v, sizeof v);
    assert_string_equal(v, "9.2p1");
    cve_upstream_version("2.4.52-1ubuntu4.6", v, sizeof v);
    assert_string_equal(v, "2.4.52");
    cve_upstream_version("1.0-beta2", v, sizeof v);
    assert_string_equal(v, "1.0-beta2");
    cve_upstream_version("3.10.8-1", v, sizeof v); /* no distribution mark: kept */
    assert_string_equal(v, "3.10.8-1");
    cve_upstream_version("9.18.49-1~deb12u3", v, 4);
    assert_string_equal(v, "9.1");

    struct pr_error e = {{0}};
    struct cve_db *db = cve_parse(feed2, strlen(feed2), "feed2.json", &e);
    if (!db)
        fail_msg("%s", e.msg);
    struct svc_info *si = info("cpe:/a:isc:bind:9.18.49-1~deb12u3-Debian", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 1);
    assert_string_equal(si->cves[0].id, "CVE-20");
    svc_info_free(si);
    si = info("cpe:/a:isc:bind:9.18.50-1~deb12u1-Debian", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    si = info("cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel");
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 1);
    assert_string_equal(si->cves[0].id, "CVE-21");
    svc_info_free(si);
    si = info("cpe:/a:openbsd:openssh:9.2p1", NULL); /* no platform seen: not claimed */
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    cve_free(db);
}

/* Aliases (--cpe-dict), a distribution feed (--cve-distro) and -O's OS CPEs. */
static const char feed3[] = "{\"vulnerabilities\":["
    /* NVD's newer name for nginx */
    ENTRY(
        "CVE-30", "cvssMetricV31", "7.0",
        OR_NODE(M("cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", ",\"versionEndExcluding\":\"1.25.3\""))) ","
    /* fixed by Debian in 1:9.2p1-2+deb12u3 */
    ENTRY("CVE-2023-38408", "cvssMetricV31", "9.8",
          OR_NODE(M("cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
                    ",\"versionEndExcluding\":\"9.3p2\""))) ","
    /* OpenSSH running on Linux with a kernel from 4.0 on */
    ENTRY("CVE-32", "cvssMetricV31", "5.0",
          "{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" M(
              "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*",
              "") "]},{\"operator\":\"OR\",\"cpeMatch\":[{\"vulnerable\":false,\"criteria\":"
                  "\"cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":"
                  "\"4.0\"}]}]}") ","
    /* the kernel itself: an OS CPE of -O never claims a vulnerable entry for a service */
    ENTRY("CVE-33", "cvssMetricV31", "9.0",
          OR_NODE(M("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", ""))) "]}";

static const char dict3[] =
    "<cpe-list><cpe-item name=\"cpe:/a:igor_sysoev:nginx:1.22.1\"><cpe-23:cpe23-item "
    "name=\"cpe:2.3:a:igor_sysoev:nginx:1.22.1:*:*:*:*:*:*:*\"><cpe-23:deprecation>"
    "<cpe-23:deprecated-by name=\"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*\"/>"
    "</cpe-23:deprecation></cpe-23:cpe23-item></cpe-item></cpe-list>";

static const char dst3[] =
    "{\"openssh\":{\"CVE-2023-38408\":{\"releases\":{\"bookworm\":{\"status\":\"resolved\","
    "\"fixed_version\":\"1:9.2p1-2+deb12u3\"}}}}}";

static struct svc_info *info_v(const char *cpe, const char *version)
{
    struct svc_info *si = info(cpe, NULL);
    si->version = strdup(version);
    return si;
}

static void test_aliases_distro_os(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct cve_db *db = cve_parse(feed3, strlen(feed3), "feed3.json", &e);
    if (!db)
        fail_msg("%s", e.msg);
    struct svc_info *si = info_v("cpe:/a:igor_sysoev:nginx:1.22.1", "1.22.1");
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0); /* no dictionary: f5:nginx is another product */
    struct cpedict *d = cpedict_parse(dict3, strlen(dict3), "dict.xml", &e);
    assert_non_null(d);
    cve_set_aliases(db, d);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 1);
    assert_string_equal(si->cves[0].id, "CVE-30");
    assert_string_equal(si->cves[0].via, "cpe:/a:f5:nginx"); /* says it was an alias */
    svc_info_free(si);

    struct distfeed *f = distfeed_parse(dst3, strlen(dst3), "dst.json", &e);
    assert_non_null(f);
    cve_set_distro(db, f);
    si = info_v("cpe:/a:openbsd:openssh:9.2p1", "9.2p1 Debian 2+deb12u3"); /* fixed */
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    si = info_v("cpe:/a:openbsd:openssh:9.2p1", "9.2p1 Debian 2+deb12u2"); /* older */
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 1);
    assert_string_equal(si->cves[0].id, "CVE-2023-38408");
    assert_string_equal(si->cves[0].via, "");
    svc_info_free(si);
    si = info_v("cpe:/a:openbsd:openssh:9.2p1", "9.2p1"); /* revision unknown: NVD's answer */
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 1);

    /* -O's OS CPEs: a running-on platform, not a vulnerable product */
    const char *os[] = {"cpe:/o:linux:linux_kernel:5", "cpe:/a:not:an_os:1"};
    cve_lookup_on(db, si, os, 2);
    assert_int_equal(si->ncves, 2);
    assert_string_equal(si->cves[0].id, "CVE-2023-38408");
    assert_string_equal(si->cves[1].id, "CVE-32");
    const char *old[] = {"cpe:/o:linux:linux_kernel:2.6"};
    cve_lookup_on(db, si, old, 1);
    assert_int_equal(si->ncves, 1);
    svc_info_free(si);
    cve_free(db);
}

static void test_bad_feeds(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    const char *bad1 = "{\"vulnerabilities\": [\n {\"cve\": }]}";
    assert_null(cve_parse(bad1, strlen(bad1), "f.json", &e));
    assert_non_null(strstr(e.msg, "f.json line 2"));
    const char *bad2 = "{\"CVE_Items\": []}";
    assert_null(cve_parse(bad2, strlen(bad2), "old.json", &e));
    assert_non_null(strstr(e.msg, "not an NVD CVE JSON 2.0 feed"));
    const char *bad3 = "{\"vulnerabilities\": [{\"cve\": {\"noid\": 1}}]}";
    assert_null(cve_parse(bad3, strlen(bad3), "x.json", &e));
    assert_non_null(strstr(e.msg, "vulnerabilities[0]"));
    const char *paths[] = {"/nonexistent/feed.json"};
    assert_null(cve_load(paths, 1, &e));
    assert_non_null(strstr(e.msg, "/nonexistent/feed.json"));
    /* Odd but valid shapes are ignored, not fatal. */
    const char *odd = "{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-9\", \"configurations\": "
                      "[{\"nodes\": [{\"cpeMatch\": [{\"criteria\": 5}]}]}, 7]}}]}";
    struct cve_db *db = cve_parse(odd, strlen(odd), "odd.json", &e);
    assert_non_null(db);
    struct svc_info *si = info("cpe:/a:x:y:1.0", NULL);
    cve_lookup(db, si);
    assert_int_equal(si->ncves, 0);
    svc_info_free(si);
    cve_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_cmp),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_distribution_versions),
        cmocka_unit_test(test_aliases_distro_os),
        cmocka_unit_test(test_bad_feeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
