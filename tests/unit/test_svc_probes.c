/* Service probe database: a small file of our own (every directive, escapes, delimiters,
 * flags, fallbacks), malformed lines that must fail with the line number, the real
 * /usr/share/nmap/nmap-service-probes (read at run time, not copied), and matching of
 * banners recorded here by hand (ssh, http, ftp, smtp, redis) against it. */
#include "core/services.h"
#include "svc/match.h"
#include "svc/probes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static const char small[] =
    "# a comment\n"
    "Exclude T:9100-9107,U:30000\n"
    "\n"
    "Probe TCP NULL q||\n"
    "totalwaitms 6000\n"
    "tcpwrappedms 3000\n"
    "match echo-banner m|^HELLO ([\\w.]+) on (\\S+)\\r\\n| p/Echo server/ v/$1/ h/$2/ "
    "cpe:/a:example:echo:$1/\n"
    "softmatch ftp m/^220[ -]/\n"
    "\n"
    "Probe TCP Hello q|HELO\\r\\n\\x00\\x41\\\\| no-payload\n"
    "rarity 3\n"
    "ports 25,587,1000-1010\n"
    "sslports 465\n"
    "fallback NULL\n"
    "match smtp m=^250 (\\S+) ESMTP Foo/([\\d.]+)=i p|Foo SMTP| v|$2| h|$1| o/Linux/ "
    "cpe:|a:foo:smtp:$2| cpe:/o:linux:linux_kernel/a\n"
    "match x m|a.b|s p/dotall/\n"
    "\n"
    "Probe UDP Ping q|\\x01\\x02|\n"
    "rarity 9\n"
    "ports 7\n"
    "totalwaitms 100\n";

static struct sv_probedb *parse(const char *text, struct pr_error *e)
{
    return sv_probes_parse(text, strlen(text), "test.probes", 0, e);
}

static void test_small_file(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct sv_probedb *db = parse(small, &e);
    if (!db)
        fail_msg("%s", e.msg);
    assert_int_equal(db->nprobes, 3);
    assert_int_equal(db->null_probe, 0);
    assert_int_equal(db->nexclude, 2);
    assert_true(sv_in_ranges(db->exclude, db->nexclude, PR_TCP, 9105));
    assert_false(sv_in_ranges(db->exclude, db->nexclude, PR_UDP, 9105));
    assert_true(sv_in_ranges(db->exclude, db->nexclude, PR_UDP, 30000));

    const struct sv_probe *null = &db->probes[0];
    assert_int_equal(null->totalwaitms, 6000);
    assert_int_equal(null->tcpwrappedms, 3000);
    assert_int_equal(null->nmatches, 2);
    assert_true(null->matches[1].soft);
    assert_string_equal(null->matches[0].tmpl[SVF_HOST], "$2");
    assert_string_equal(null->matches[0].cpe[0], "a:example:echo:$1");

    const struct sv_probe *h = &db->probes[1];
    assert_string_equal(h->name, "Hello");
    assert_int_equal(h->len, 9);
    assert_memory_equal(h->payload, "HELO\r\n\0A\\", 9);
    assert_true(h->no_payload);
    assert_int_equal(h->rarity, 3);
    assert_int_equal(h->totalwaitms, SV_DEFAULT_WAITMS);
    assert_true(sv_in_ranges(h->ports, h->nports, PR_TCP, 1005));
    assert_false(sv_in_ranges(h->ports, h->nports, PR_TCP, 1011));
    assert_true(sv_in_ranges(h->sslports, h->nsslports, PR_TCP, 465));
    assert_int_equal(h->nfallback, 1);
    assert_int_equal(h->fallback[0], 0);
    assert_int_equal(h->matches[0].ncpe, 2);
    assert_string_equal(h->matches[0].tmpl[SVF_PRODUCT], "Foo SMTP");
    assert_true(sv_probe_can_name(db, h, "smtp"));
    assert_true(sv_probe_can_name(db, h, "ftp")); /* through the fallback */
    assert_false(sv_probe_can_name(db, h, "http"));

    const struct sv_probe *u = &db->probes[2];
    assert_int_equal(u->proto, PR_UDP);
    assert_int_equal(u->totalwaitms, 100);
    assert_int_equal(sv_probe_find(db, PR_UDP, "Ping"), 2);
    assert_int_equal(sv_probe_find(db, PR_TCP, "Ping"), -1);

    /* Matching: hard match with templates and CPEs, the i flag, s flag, softmatch and
     * the NULL probe's lines reached as the implicit fallback of a TCP probe. */
    struct sv_matcher *mt = sv_matcher_new();
    assert_non_null(mt);
    struct sv_found f;
    const char *b1 = "HELLO 2.5 on box.lab\r\n";
    assert_int_equal(sv_match_response(mt, db, null, (const uint8_t *)b1, strlen(b1), &f), SV_HARD);
    assert_string_equal(f.service, "echo-banner");
    assert_string_equal(f.field[SVF_PRODUCT], "Echo server");
    assert_string_equal(f.field[SVF_VERSION], "2.5");
    assert_string_equal(f.field[SVF_HOST], "box.lab");
    assert_int_equal(f.ncpe, 1);
    assert_string_equal(f.cpe[0], "cpe:/a:example:echo:2.5");
    const char *b2 = "250 mx.lab esmtp foo/4.1 ready\r\n";
    assert_int_equal(sv_match_response(mt, db, h, (const uint8_t *)b2, strlen(b2), &f), SV_HARD);
    assert_string_equal(f.service, "smtp");
    assert_string_equal(f.field[SVF_VERSION], "4.1");
    assert_string_equal(f.field[SVF_OS], "Linux");
    assert_string_equal(f.cpe[1], "cpe:/o:linux:linux_kernel");
    const char *b3 = "a\nb";
    assert_int_equal(sv_match_response(mt, db, h, (const uint8_t *)b3, 3, &f), SV_HARD);
    assert_string_equal(f.field[SVF_PRODUCT], "dotall");
    const char *b4 = "220 welcome\r\n";
    assert_int_equal(sv_match_response(mt, db, h, (const uint8_t *)b4, strlen(b4), &f), SV_SOFT);
    assert_string_equal(f.service, "ftp");
    assert_int_equal(sv_match_response(mt, db, h, (const uint8_t *)"zzz", 3, &f), SV_NOMATCH);
    /* UDP probes do not fall back to the TCP NULL probe. */
    assert_int_equal(sv_match_response(mt, db, u, (const uint8_t *)b1, strlen(b1), &f), SV_NOMATCH);
    sv_matcher_free(mt);
    sv_probes_free(db);
}

struct bad {
    const char *text;
    const char *want; /* substring of the error */
};

static void test_malformed(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"match x m|a|\n", "line 1: match before any Probe"},
        {"Probe TCP A q|x|\nports 1-2-3\n", "line 2: bad port range"},
        {"Probe TCP A q|x|\n\nports 70000\n", "line 3: bad port"},
        {"Probe SCTP A q|x|\n", "line 1: Probe protocol must be TCP or UDP"},
        {"Probe TCP A q|x\n", "line 1: Probe string has no closing delimiter"},
        {"Probe TCP A |x|\n", "line 1: Probe string must start with q"},
        {"Probe TCP A q|\\xZZ|\n", "line 1: bad \\x escape"},
        {"Probe TCP A q|x| junk\n", "line 1: unexpected text"},
        {"Probe TCP A q|x|\nmatch s m|(|\n", "line 2: bad regex at offset 1"},
        {"Probe TCP A q|x|\nmatch s m|a|q\n", "line 2: unknown match flag"},
        {"Probe TCP A q|x|\nmatch s m|a| z/x/\n", "line 2: unknown version field"},
        {"Probe TCP A q|x|\nmatch s m|a| p/x\n", "line 2: version field has no closing"},
        {"Probe TCP A q|x|\nmatch s m|a| p/x/ p/y/\n", "line 2: version field given twice"},
        {"Probe TCP A q|x|\nmatch s m|a| cpe:/a:b\n", "line 2: cpe: has no closing"},
        {"Probe TCP A q|x|\nmatch s m|a\n", "line 2: match pattern has no closing"},
        {"Probe TCP A q|x|\nrarity 0\n", "line 2: rarity must be 1 to 9"},
        {"Probe TCP A q|x|\nrarity 10\n", "line 2: rarity must be 1 to 9"},
        {"Probe TCP A q|x|\ntotalwaitms -5\n", "line 2: wait must be"},
        {"Probe TCP A q|x|\nfrobnicate 1\n", "line 2: unknown directive"},
        {"Probe TCP A q|x|\n\n\nfallback Nope\n", "line 1: fallback names unknown probe 'Nope'"},
        {"Probe TCP A q|x|\nports 1,\n", "line 2: port list ends in a comma"},
        {"Probe TCP A q|x|\nports 1\nports 2\n", "line 3: ports given twice"},
        {"Exclude X:1\n", "line 1: bad protocol prefix"},
        {"# nothing\n", "no Probe lines"},
        {"Probe TCP A q|x|\nmatch m|a|\n", "line 2: match pattern must start with m"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pr_error e = {{0}};
        struct sv_probedb *db = parse(bad[i].text, &e);
        if (db)
            fail_msg("accepted: %s", bad[i].text);
        if (!strstr(e.msg, bad[i].want) || !strstr(e.msg, "test.probes"))
            fail_msg("input %zu: got '%s', want '%s'", i, e.msg, bad[i].want);
    }
    /* A NUL byte and an over-long line. */
    struct pr_error e = {{0}};
    const char nul[] = "Probe TCP A q|x|\nmatch a m|\0|\n";
    assert_null(sv_probes_parse(nul, sizeof nul - 1, "test.probes", 0, &e));
    assert_non_null(strstr(e.msg, "line 2: NUL byte"));
    size_t n = SV_MAX_LINE + 100;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    memcpy(big, "Probe TCP A q|", 14);
    big[n] = '\0';
    assert_null(sv_probes_parse(big, n, "test.probes", 0, &e));
    assert_non_null(strstr(e.msg, "line 1: line longer"));
    free(big);
    /* A file that does not exist is named. */
    assert_null(sv_probes_load("/nonexistent/probes", 0, &e));
    assert_non_null(strstr(e.msg, "/nonexistent/probes"));
}

static void expect_banner(struct sv_matcher *mt, const struct sv_probedb *db, const char *probe,
                          const char *banner, size_t len, const char *svc, const char *product,
                          const char *version, const char *cpe0)
{
    int pi = sv_probe_find(db, PR_TCP, probe);
    assert_true(pi >= 0);
    struct sv_found f;
    enum sv_outcome oc =
        sv_match_response(mt, db, &db->probes[pi], (const uint8_t *)banner, len, &f);
    if (oc != SV_HARD)
        fail_msg("no hard match for %s banner", svc);
    assert_string_equal(f.service, svc);
    assert_string_equal(f.field[SVF_PRODUCT], product);
    assert_string_equal(f.field[SVF_VERSION], version);
    if (cpe0) {
        assert_true(f.ncpe >= 1);
        assert_string_equal(f.cpe[0], cpe0);
    }
}

static void test_real_file(void **state)
{
    (void)state;
    if (access(SV_DEFAULT_PROBES, R_OK) != 0) {
        print_message("skipped: %s not installed\n", SV_DEFAULT_PROBES);
        skip();
    }
    struct pr_error e = {{0}};
    struct sv_probedb *db = sv_probes_load(NULL, 0, &e);
    if (!db)
        fail_msg("%s", e.msg);
    assert_true(db->nprobes >= 100);
    assert_true(db->null_probe >= 0);
    assert_true(db->nexclude >= 1);
    int get = sv_probe_find(db, PR_TCP, "GetRequest");
    assert_true(get >= 0);
    assert_true(sv_in_ranges(db->probes[get].ports, db->probes[get].nports, PR_TCP, 80));
    assert_true(sv_in_ranges(db->probes[get].sslports, db->probes[get].nsslports, PR_TCP, 443));
    struct sv_matcher *mt = sv_matcher_new();
    static const char ssh[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
    expect_banner(mt, db, "NULL", ssh, sizeof ssh - 1, "ssh", "OpenSSH", "9.2p1 Debian 2+deb12u3",
                  "cpe:/a:openbsd:openssh:9.2p1");
    static const char http[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov "
                               "2026 02:00:00 GMT\r\nContent-Type: text/html\r\n"
                               "Content-Length: 3\r\nConnection: close\r\n\r\nhi\n";
    expect_banner(mt, db, "GetRequest", http, sizeof http - 1, "http", "nginx", "1.22.1",
                  "cpe:/a:igor_sysoev:nginx:1.22.1");
    static const char ftp[] = "220 (vsFTPd 3.0.3)\r\n";
    expect_banner(mt, db, "NULL", ftp, sizeof ftp - 1, "ftp", "vsftpd", "3.0.3",
                  "cpe:/a:vsftpd:vsftpd:3.0.3");
    /* A probe's own lines fail, the NULL probe's (implicit fallback) match. */
    expect_banner(mt, db, "GenericLines", ssh, sizeof ssh - 1, "ssh", "OpenSSH",
                  "9.2p1 Debian 2+deb12u3", NULL);
    /* Binary garbage and an empty response match nothing hard. */
    uint8_t junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    struct sv_found f;
    assert_int_not_equal(
        sv_match_response(mt, db, &db->probes[db->null_probe], junk, sizeof junk, &f), SV_HARD);
    assert_int_equal(sv_match_response(mt, db, &db->probes[get], junk, 0, &f), SV_NOMATCH);
    sv_matcher_free(mt);
    sv_probes_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_file),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_real_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
