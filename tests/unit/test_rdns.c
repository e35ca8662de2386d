/* Reverse DNS: rdns_name_clean on hostile names from the wire, /etc/hosts lines, the
 * resolver's bounds without any server (loopback from /etc/hosts only, nothing asked), and where a
 * PTR name shows in each output next to a user-given name (as nmap: NameIP, the rDNS record line,
 * <hostname type="user"/"PTR">, grepable's parentheses, JSON's "rdns"). */
#include "net/rdns.h"
#include "output/output.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "output_fixtures.h"

static void test_clean(void **state)
{
    (void)state;
    char out[RDNS_NAME_MAX + 1];
    assert_int_equal(rdns_name_clean("host-a.lab.", out, sizeof out), 10);
    assert_string_equal(out, "host-a.lab");
    assert_int_equal(rdns_name_clean("a_b+c=d:e~f*g", out, sizeof out), 13);
    assert_string_equal(out, "a_b+c=d:e~f*g");
    /* control bytes, spaces, markup, bytes over 0x7f: one '*' each, as nmap */
    assert_int_equal(rdns_name_clean("ev\x1b[31mil\x07 <x>\xc3\xa9.lab", out, sizeof out), 20);
    assert_string_equal(out, "ev**31mil***x***.lab");
    assert_int_equal(rdns_name_clean("we/ird.lab", out, sizeof out), 10);
    assert_string_equal(out, "we*ird.lab");
    /* empty, only a dot, NULL: nothing */
    assert_int_equal(rdns_name_clean("", out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(rdns_name_clean(".", out, sizeof out), 0);
    assert_int_equal(rdns_name_clean(NULL, out, sizeof out), 0);
    /* 255 bytes are kept (256 with a final dot too); 256 are refused whole */
    char longname[400];
    memset(longname, 'a', sizeof longname);
    longname[255] = 0;
    assert_int_equal(rdns_name_clean(longname, out, sizeof out), 255);
    longname[255] = '.';
    longname[256] = 0;
    assert_int_equal(rdns_name_clean(longname, out, sizeof out), 255);
    longname[255] = 'a';
    assert_int_equal(rdns_name_clean(longname, out, sizeof out), 0);
    assert_string_equal(out, "");
    longname[399] = 0;
    assert_int_equal(rdns_name_clean(longname, out, sizeof out), 0);
    /* an output too small for the name: refused, never cut */
    char small[4];
    assert_int_equal(rdns_name_clean("abcd", small, sizeof small), 0);
    assert_string_equal(small, "");
}

static void test_hosts_line(void **state)
{
    (void)state;
    char name[RDNS_NAME_MAX + 1];
    struct pr_addr a;
    char want[PR_ADDRSTRLEN];
    static const char l1[] = "127.0.0.1\tlocalhost vm  # the machine";
    assert_int_equal(rdns_hosts_line(l1, strlen(l1), &a, name, sizeof name), 9);
    assert_string_equal(name, "localhost");
    assert_string_equal(addr_str(&a, want, sizeof want), "127.0.0.1");
    static const char l2[] = "2001:2::2 host-a.lab\r";
    assert_int_equal(rdns_hosts_line(l2, strlen(l2), &a, name, sizeof name), 10);
    assert_int_equal(a.family, AF_INET6);
    /* the length given counts, not a NUL: "198.18.0.3 b" cut after "198.18.0.3" */
    assert_int_equal(rdns_hosts_line("198.18.0.3 b", 10, &a, name, sizeof name), 0);
    static const char *const bad[] = {"# 127.0.0.1 x", "", "   ", "127.0.0.1", "300.1.1.1 x",
                                      "host 127.0.0.1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(rdns_hosts_line(bad[i], strlen(bad[i]), &a, name, sizeof name), 0);
    assert_int_equal(rdns_hosts_line("1.2.3.4 a\0b", 11, &a, name, sizeof name), 0);
    char longline[RDNS_LINE_MAX + 8];
    memset(longline, ' ', sizeof longline);
    memcpy(longline, "1.2.3.4 x", 9);
    assert_int_equal(rdns_hosts_line(longline, RDNS_LINE_MAX, &a, name, sizeof name), 1);
    assert_int_equal(rdns_hosts_line(longline, RDNS_LINE_MAX + 1, &a, name, sizeof name), 0);
}

static void test_resolver_bounds(void **state)
{
    (void)state;
    struct pr_error e;
    struct rdns *r = NULL;
    assert_int_equal(rdns_open("not an address", &r, &e), -1);
    assert_non_null(strstr(e.msg, "--dns-servers not an address"));
    /* a server nobody asks: loopback is named from /etc/hosts only */
    assert_int_equal(rdns_open("192.0.2.1", &r, &e), 0);
    struct pr_addr a[2];
    assert_int_equal(addr_parse("127.0.0.1", &a[0]), 0);
    assert_int_equal(addr_parse("127.0.0.254", &a[1]), 0);
    char *names[2] = {(char *)"x", (char *)"y"};
    time_t t0 = time(NULL);
    size_t found = rdns_resolve(r, a, 2, names, NULL);
    assert_true(time(NULL) - t0 <= 1);
    assert_null(names[1]);
    assert_int_equal(found, names[0] != NULL);
    free(names[0]);
    assert_int_equal(rdns_dead(r), 0); /* nothing was asked */
    assert_int_equal(rdns_resolve(r, a, 0, names, NULL), 0);
    rdns_close(r);
    rdns_close(NULL);
}

/* Host 0: user-given "web" with PTR "web.lab"; host 1: PTR only; host 2: user name equal
 * to its PTR; host 3: down, PTR (-R). */
static void build(struct scan_result *r, const struct svc_db *db)
{
    memset(r, 0, sizeof *r);
    r->args = strdup("portreeve scan -R 198.18.0.2-5");
    r->start.tv_sec = r->end.tv_sec = 1795661696;
    r->svc = db;
    r->nhosts = 4;
    r->hosts_up = 3;
    r->hosts = calloc(4, sizeof *r->hosts);
    assert_non_null(r->hosts);
    static const char *const user[4] = {"web", NULL, "b.lab", NULL};
    static const char *const ptr[4] = {"web.lab", "a&b.lab", "b.lab", "ghost.lab"};
    static const char *const addr[4] = {"198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"};
    for (int i = 0; i < 4; i++) {
        struct host_result *h = &r->hosts[i];
        addr_parse(addr[i], &h->addr);
        h->hostname = user[i];
        h->ptr_name = strdup(ptr[i]);
        h->up = i < 3;
        h->reason = i < 3 ? RS_ECHO_REPLY : RS_NO_RESPONSE;
        if (h->up)
            add(h, PR_TCP, 22, PS_OPEN, RS_SYN_ACK, 64);
    }
    static uint16_t ports[1] = {22};
    r->ninfo = 1;
    r->info[0] = (struct scan_info){"syn", PR_TCP, ports, 1};
}

static int setup(void **state)
{
    return fx_setup(state, build);
}

static int teardown(void **state)
{
    return fx_teardown(state);
}

static void test_outputs(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0}, v = {.verbose = 1};
    char *t = fx_run(out_normal, &fx->r, &v);
    has(t, "portreeve scan report for web (198.18.0.2)\nHost is up.\nrDNS record for 198.18.0.2: "
           "web.lab\n");
    has(t, "portreeve scan report for a&b.lab (198.18.0.3)\nHost is up.\n\nPORT");
    has(t, "portreeve scan report for b.lab (198.18.0.4)\nHost is up.\n\nPORT");
    has(t, "portreeve scan report for ghost.lab (198.18.0.5) [host down]\n");
    free(t);
    t = fx_run(out_xml, &fx->r, &v);
    has(t, "<hostnames>\n<hostname name=\"web\" type=\"user\"/>\n<hostname name=\"web.lab\" "
           "type=\"PTR\"/>\n</hostnames>\n");
    has(t, "<hostnames>\n<hostname name=\"a&amp;b.lab\" type=\"PTR\"/>\n</hostnames>\n");
    has(t, "<address addr=\"198.18.0.5\" addrtype=\"ipv4\"/>\n<hostnames>\n<hostname "
           "name=\"ghost.lab\" type=\"PTR\"/>\n</hostnames>\n");
    free(t);
    t = fx_run(out_grepable, &fx->r, &o);
    has(t, "Host: 198.18.0.2 (web.lab)\tStatus: Up\n");
    has(t, "Host: 198.18.0.3 (a&b.lab)\tPorts: 22/open/tcp//ssh///\n");
    free(t);
    t = fx_run(out_json, &fx->r, &o);
    has(t, "{\"ip\":\"198.18.0.2\",\"hostname\":\"web\",\"rdns\":\"web.lab\",");
    has(t, "{\"ip\":\"198.18.0.3\",\"hostname\":null,\"rdns\":\"a&b.lab\",");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_hosts_line),
        cmocka_unit_test(test_resolver_bounds),
        cmocka_unit_test_setup_teardown(test_outputs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
