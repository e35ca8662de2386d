/* Identifications past nmap's probe file on hand-made answers, as the Debian 12 daemons
 * send them (checked against the real ones in tests/lab/t_version_extra.sh): NATS INFO,
 * beanstalkd stats, PgBouncer's ErrorResponse told from PostgreSQL's, Prosody's stream
 * errors, git daemon's ERR and ref lines, Varnish/HAProxy/Privoxy/Node.js answers; each
 * also cut short (read on) and hostile (refused with the offset), and what
 * sv_ident_apply makes of a port's svc. */
#include "svc/ident.h"
#include "svc/mod_git.h"
#include "svc/mod_mq.h"
#include "svc/mod_pgb.h"
#include "svc/mod_proxy.h"
#include "svc/mod_xmpp.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define U(s) ((const uint8_t *)(s))

static void test_nats(void **state)
{
    (void)state;
    static const char info[] =
        "INFO {\"server_id\":\"NCZD\",\"server_name\":\"NCZD\",\"version\":\"2.9.10\",\"proto\":1,"
        "\"go\":\"go1.19.8\",\"host\":\"127.0.0.1\"} \r\n";
    struct sv_ident id;
    char err[160];
    assert_int_equal(sv_nats_parse(U(info), sizeof info - 1, &id, err, sizeof err), 1);
    assert_string_equal(id.name, "nats");
    assert_string_equal(id.product, "nats-server");
    assert_string_equal(id.version, "2.9.10");
    assert_string_equal(id.extrainfo, "go1.19.8"); /* the name is the id: not repeated */
    assert_int_equal(sv_nats_parse(U(info), 40, &id, err, sizeof err), 0);
    static const char named[] = "INFO {\"server_id\":\"X\", \"server_name\" : \"hub\", "
                                "\"version\": \"2.10.1\"}\r\n";
    assert_int_equal(sv_nats_parse(U(named), sizeof named - 1, &id, err, sizeof err), 1);
    assert_string_equal(id.version, "2.10.1");
    assert_string_equal(id.extrainfo, "name hub");
    assert_int_equal(sv_nats_parse(U("+OK\r\n"), 5, &id, err, sizeof err), -1);
    assert_int_equal(sv_nats_parse(U("INFO {}\r\n"), 9, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "version"));
    static const char esc[] = "INFO {\"version\":\"2\\\"x\"}\r\n"; /* escapes: no value */
    assert_int_equal(sv_nats_parse(U(esc), sizeof esc - 1, &id, err, sizeof err), -1);
    uint8_t *big = malloc(SV_NATS_LINE_MAX + 10);
    memcpy(big, "INFO {", 6);
    memset(big + 6, 'a', SV_NATS_LINE_MAX + 4);
    assert_int_equal(sv_nats_parse(big, SV_NATS_LINE_MAX + 10, &id, err, sizeof err), -1);
    free(big);
}

static void test_beanstalk(void **state)
{
    (void)state;
    static const char body[] =
        "---\ncurrent-jobs-urgent: 0\npid: 7\nversion: \"1.12\"\nuptime: 6\n";
    char ans[256], err[160];
    int n = snprintf(ans, sizeof ans, "OK %zu\r\n%s\r\n", sizeof body - 1, body);
    struct sv_ident id;
    assert_int_equal(sv_beanstalk_parse(U(ans), (size_t)n, &id, err, sizeof err), 1);
    assert_string_equal(id.name, "beanstalkd");
    assert_string_equal(id.version, "1.12");
    assert_int_equal(sv_beanstalk_parse(U(ans), 20, &id, err, sizeof err), 0);
    assert_int_equal(sv_beanstalk_parse(U("UNKNOWN_COMMAND\r\n"), 17, &id, err, sizeof err), -1);
    assert_int_equal(sv_beanstalk_parse(U("OK 1x\r\n"), 7, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 4"));
    assert_int_equal(sv_beanstalk_parse(U("OK 99999999999\r\n"), 16, &id, err, sizeof err), -1);
    assert_int_equal(sv_beanstalk_parse(U("OK 4\r\nab: \r\n"), 12, &id, err, sizeof err), -1);
}

static size_t pg_error(uint8_t *out, const char *fields, size_t flen)
{
    size_t n = 4 + flen;
    out[0] = 'E', out[1] = 0, out[2] = 0, out[3] = (uint8_t)(n >> 8), out[4] = (uint8_t)n;
    memcpy(out + 5, fields, flen);
    return 1 + n;
}

static void test_pgb(void **state)
{
    (void)state;
    uint8_t req[64], m[256];
    size_t n = sv_pgb_request(req, sizeof req);
    assert_int_equal(n, 43);
    assert_int_equal(req[3], 43);
    assert_int_equal(req[5], 3);
    assert_int_equal(sv_pgb_request(req, 10), 0);
    static const char pgb[] = "SFATAL\0C08P01\0M\"trust\" authentication failed\0";
    struct sv_ident id;
    char err[160];
    n = pg_error(m, pgb, sizeof pgb);
    assert_int_equal(sv_pgb_parse(m, n, &id, err, sizeof err), 1);
    assert_string_equal(id.name, "pgbouncer");
    assert_string_equal(id.product, "PgBouncer");
    assert_int_equal(sv_pgb_parse(m, n - 3, &id, err, sizeof err), 0);
    static const char pg[] = "SFATAL\0VFATAL\0C28000\0Mno such user\0Fpostinit.c\0L9\0RInit\0";
    n = pg_error(m, pg, sizeof pg);
    assert_int_equal(sv_pgb_parse(m, n, &id, err, sizeof err), -1); /* PostgreSQL's fields */
    assert_non_null(strstr(err, "'V'"));
    static const char other[] = "SFATAL\0C28000\0Mrole does not exist\0";
    n = pg_error(m, other, sizeof other);
    assert_int_equal(sv_pgb_parse(m, n, &id, err, sizeof err), -1);
    static const char cut[] = "SFATAL\0C08P01\0Mno such database"; /* unterminated */
    n = pg_error(m, cut, sizeof cut - 1);
    assert_int_equal(sv_pgb_parse(m, n, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "not terminated"));
    assert_int_equal(sv_pgb_parse(U("R\0\0\0\x08\0\0\0\0"), 9, &id, err, sizeof err), -1);
    assert_int_equal(sv_pgb_parse(U("E\xff\0\0\0"), 5, &id, err, sizeof err), -1);
}

static void test_xmpp(void **state)
{
    (void)state;
    char req[400];
    assert_true(sv_xmpp_request(req, sizeof req, "127.0.0.1", 0) > 0);
    assert_non_null(strstr(req, "to='127.0.0.1' xmlns='jabber:client'"));
    assert_int_equal(sv_xmpp_request(req, 20, "127.0.0.1", 1), 0);
    static const char c2s[] =
        "<?xml version='1.0'?><stream:stream xml:lang='en' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' from='127.0.0.1' version='1.0' "
        "id='b3'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve "
        "127.0.0.1</text></stream:error></stream:stream>";
    struct sv_ident id;
    char err[160];
    assert_int_equal(sv_xmpp_parse(U(c2s), sizeof c2s - 1, "127.0.0.1", &id, err, sizeof err), 1);
    assert_string_equal(id.name, "jabber");
    assert_string_equal(id.product, "Prosody Jabber client");
    assert_string_equal(id.extrainfo, ""); /* from= is only our own to= */
    assert_int_equal(sv_xmpp_parse(U(c2s), 120, "127.0.0.1", &id, err, sizeof err), 0);
    static const char s2s[] =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
        "xmlns:stream='http://etherx.jabber.org/streams' from='example.org' version='1.0'>"
        "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>";
    assert_int_equal(sv_xmpp_parse(U(s2s), sizeof s2s - 1, "127.0.0.1", &id, err, sizeof err), 1);
    assert_string_equal(id.product, ""); /* no Prosody text: XMPP, not named */
    assert_string_equal(id.extrainfo, "server name example.org");
    assert_int_equal(sv_xmpp_parse(U("SSH-2.0-x\r\n"), 11, "h", &id, err, sizeof err), -1);
    static const char noNs[] = "<stream:stream xmlns='jabber:client'></stream:stream>";
    assert_int_equal(sv_xmpp_parse(U(noNs), sizeof noNs - 1, "h", &id, err, sizeof err), -1);
}

static void test_git(void **state)
{
    (void)state;
    uint8_t req[400];
    size_t n = sv_git_request(req, sizeof req, "127.0.0.1");
    assert_int_equal(n, 4 + 29 + 15);
    assert_memory_equal(req, "0030git-upload-pack /nonexistent\0host=127.0.0.1\0", n);
    static const char e[] = "003eERR access denied or repository not exported: /nonexistent";
    struct sv_ident id;
    char err[160];
    assert_int_equal(sv_git_parse(U(e), sizeof e - 1, &id, err, sizeof err), 1);
    assert_string_equal(id.product, "git daemon");
    assert_string_equal(id.version, "");
    assert_int_equal(sv_git_parse(U(e), 30, &id, err, sizeof err), 0);
    char refs[200];
    int k = snprintf(refs + 4, sizeof refs - 4, "%040d HEAD%cmulti_ack agent=git/2.39.5\n", 0, 0);
    char len[5];
    snprintf(len, sizeof len, "%04x", (unsigned)k + 4);
    memcpy(refs, len, 4);
    assert_int_equal(sv_git_parse(U(refs), (size_t)k + 4, &id, err, sizeof err), 1);
    assert_string_equal(id.version, "2.39.5");
    assert_string_equal(id.cpe, "cpe:/a:git-scm:git");
    assert_int_equal(sv_git_parse(U("0000"), 4, &id, err, sizeof err), -1);
    assert_int_equal(sv_git_parse(U("00zz"), 4, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 2"));
    assert_int_equal(sv_git_parse(U("000aHTTP/1"), 10, &id, err, sizeof err), -1);
}

static void test_http(void **state)
{
    (void)state;
    char req[300];
    assert_true(sv_http_request(req, sizeof req, SV_HTTP_BADHDR, "::1") > 0);
    assert_non_null(strstr(req, "Host: [::1]\r\nBad header line\r\n"));
    static const char varnish[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 6\r\n"
                                  "X-Varnish: 32773\r\nAge: 0\r\nVia: 1.1 varnish (Varnish/7.1)\r\n"
                                  "\r\nhello\n";
    struct sv_ident id;
    assert_int_equal(sv_http_complete(U(varnish), sizeof varnish - 3), 0);
    assert_int_equal(sv_http_complete(U(varnish), sizeof varnish - 1), 1);
    assert_int_equal(sv_http_classify(U(varnish), sizeof varnish - 1, NULL, 0, &id), 1);
    assert_string_equal(id.product, "Varnish http accelerator");
    assert_string_equal(id.version, "7.1");
    static const char nginx[] = "HTTP/1.1 200 OK\r\nserver: nginx/1.22.1\r\ncontent-length: 6\r\n"
                                "\r\nhello\n";
    static const char haproxy[] =
        "HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>400 Bad "
        "request</h1>\nYour browser sent an invalid request.\n</body></html>\n";
    assert_int_equal(sv_http_classify(U(nginx), sizeof nginx - 1, NULL, 0, &id), 0);
    assert_int_equal(
        sv_http_classify(U(nginx), sizeof nginx - 1, U(haproxy), sizeof haproxy - 1, &id), 1);
    assert_string_equal(id.product, "HAProxy http proxy");
    static const char privoxy[] = "HTTP/1.1 400 Invalid header received from client\r\n"
                                  "Content-Type: text/plain\r\nConnection: close\r\n\r\n";
    assert_int_equal(sv_http_classify(NULL, 0, U(privoxy), sizeof privoxy - 1, &id), 2);
    assert_string_equal(id.name, "http-proxy");
    static const char page[] = "<h1>This is <a href=\"https://www.privoxy.org/\">Privoxy</a> "
                               "3.0.34 on localhost";
    sv_http_privoxy(U(page), sizeof page - 1, &id);
    assert_string_equal(id.version, "3.0.34");
    static const char node[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
    static const char nodeget[] =
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nhi\n";
    assert_int_equal(
        sv_http_classify(U(nodeget), sizeof nodeget - 1, U(node), sizeof node - 1, &id), 3);
    assert_string_equal(id.product, "Node.js");
    /* the same bare 400 behind a Server header (or any other server) is not Node.js */
    assert_int_equal(sv_http_classify(U(nginx), sizeof nginx - 1, U(node), sizeof node - 1, &id),
                     0);
    assert_int_equal(sv_http_complete(U("SSH-2"), 5), 1);
}

static void test_apply(void **state)
{
    (void)state;
    struct svc_info *si = pr_calloc(1, sizeof *si);
    si->name = pr_strdup("http");
    si->product = pr_strdup("nginx");
    si->version = pr_strdup("1.22.1");
    si->cpes[si->ncpes++] = pr_strdup("cpe:/a:igor_sysoev:nginx:1.22.1");
    si->note = pr_strdup("responses match no probe line");
    struct sv_ident id = {.name = "http",
                          .product = "Varnish http accelerator",
                          .version = "7.1",
                          .extrainfo = "backend: nginx 1.22.1",
                          .cpe = "cpe:/a:varnish-cache:varnish"};
    sv_ident_apply(si, &id);
    assert_string_equal(si->product, "Varnish http accelerator");
    assert_string_equal(si->version, "7.1");
    assert_string_equal(si->extrainfo, "backend: nginx 1.22.1");
    assert_int_equal(si->ncpes, 2);
    assert_string_equal(si->cpes[1], "cpe:/a:varnish-cache:varnish:7.1");
    assert_null(si->note);
    assert_int_equal(si->probed, 1);
    struct sv_ident pgb = {.name = "pgbouncer", .product = "PgBouncer"};
    sv_ident_apply(si, &pgb);
    assert_null(si->version);
    assert_string_equal(si->extrainfo, "backend: nginx 1.22.1"); /* kept: id has none */
    svc_info_free(si);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nats),  cmocka_unit_test(test_beanstalk), cmocka_unit_test(test_pgb),
        cmocka_unit_test(test_xmpp),  cmocka_unit_test(test_git),       cmocka_unit_test(test_http),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
