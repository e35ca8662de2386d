/* Output formats over one synthetic scan: key lines of normal, grepable and JSON lines;
 * the XML validates against nmap.dtd, gives back every port's state (collapsed ports
 * included), is read by ndiff and rendered by nmap.xsl. External tools are skipped with
 * a message when missing. */
#include "output/output.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "output_fixtures.h"

#define T0 1795661696

static const char *const evil_name = "evil\x1b[31m\xff\xfe--x\"'";

static uint16_t tcp_list[1000], udp_list[36];

/* Host 0: 198.18.0.2 "web&<lab>", 1000 TCP + 36 UDP ports. Host 1: 2001:2::5, 10 TCP
 * ports. Host 2: 198.18.0.9, down. Host 3: 198.18.0.7 with a hostile name, 1 port. */
static void build(struct scan_result *r, const struct svc_db *db)
{
    memset(r, 0, sizeof *r);
    r->args = strdup("portreeve scan -sS -sU -p T:1-1000 --reason \"a&b\" <x> 'q' -- 198.18.0.2");
    r->start.tv_sec = T0;
    r->end.tv_sec = T0 + 1;
    r->end.tv_usec = 230000;
    r->svc = db;
    r->nhosts = 4;
    r->hosts_up = 3;
    r->hosts = calloc(4, sizeof *r->hosts);
    assert_non_null(r->hosts);

    for (unsigned i = 0; i < 1000; i++)
        tcp_list[i] = (uint16_t)(i + 1);
    size_t nu = 0;
    struct host_result *h = &r->hosts[0];
    addr_parse("198.18.0.2", &h->addr);
    h->hostname = "web&<lab>";
    h->up = 1;
    h->reason = RS_ECHO_REPLY;
    h->reason_ttl = 64;
    h->srtt_us = 120;
    h->rttvar_us = 30;
    h->have_mac = 1;
    memcpy(h->mac, "\x02\x00\x5e\x10\x00\x01", 6);
    h->start.tv_sec = T0;
    h->end.tv_sec = T0 + 1;
    for (unsigned p = 1; p <= 1000; p++) {
        if (p == 22 || p == 80 || p == 443)
            add(h, PR_TCP, (uint16_t)p, PS_OPEN, RS_SYN_ACK, 64);
        else if (p >= 100 && p <= 109)
            add(h, PR_TCP, (uint16_t)p, PS_FILTERED, RS_NO_RESPONSE, 0);
        else if (p >= 110 && p <= 112)
            add(h, PR_TCP, (uint16_t)p, PS_FILTERED, RS_ADMIN_PROHIBITED, 64);
        else if (p >= 700 && p <= 704)
            add(h, PR_TCP, (uint16_t)p, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
        else
            add(h, PR_TCP, (uint16_t)p, PS_CLOSED, RS_RESET, 64);
    }
    add(h, PR_UDP, 53, PS_OPEN, RS_UDP_RESPONSE, 64);
    udp_list[nu++] = 53;
    for (unsigned p = 67; p <= 69; p++) {
        add(h, PR_UDP, (uint16_t)p, PS_CLOSED, RS_PORT_UNREACH, 64);
        udp_list[nu++] = (uint16_t)p;
    }
    for (unsigned p = 120; p <= 150; p++) {
        add(h, PR_UDP, (uint16_t)p, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
        udp_list[nu++] = (uint16_t)p;
    }
    add(h, PR_UDP, 161, PS_OPEN_FILTERED, RS_NO_RESPONSE, 0);
    udp_list[nu++] = 161;

    h = &r->hosts[1];
    addr_parse("2001:2::5", &h->addr);
    h->up = 1;
    h->reason = RS_ND_RESPONSE;
    h->srtt_us = 4;
    h->start.tv_sec = T0;
    h->end.tv_sec = T0 + 1;
    for (unsigned p = 20; p < 30; p++)
        add(h, PR_TCP, (uint16_t)p, p == 22 ? PS_OPEN : PS_CLOSED, p == 22 ? RS_SYN_ACK : RS_RESET,
            64);

    h = &r->hosts[2];
    addr_parse("198.18.0.9", &h->addr);
    h->reason = RS_NO_RESPONSE;

    h = &r->hosts[3];
    addr_parse("198.18.0.7", &h->addr);
    h->hostname = evil_name;
    h->up = 1;
    h->reason = RS_USER_SET;
    add(h, PR_TCP, 80, PS_OPEN, RS_SYN_ACK, 63);

    r->ninfo = 2;
    r->info[0] = (struct scan_info){"syn", PR_TCP, tcp_list, 1000};
    r->info[1] = (struct scan_info){"udp", PR_UDP, udp_list, nu};
}

static int setup(void **state)
{
    return fx_setup(state, build);
}

static int teardown(void **state)
{
    return fx_teardown(state);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ps_name(PS_OPEN_FILTERED), "open|filtered");
    assert_string_equal(ps_name(PS_CLOSED_FILTERED), "closed|filtered");
    assert_string_equal(ps_name((enum port_state)200), "unknown");
    assert_string_equal(rs_name(RS_NO_RESPONSE), "no-response");
    assert_string_equal(rs_name(RS_LOCALHOST), "localhost-response");
    assert_string_equal(rs_name((enum port_reason)250), "unknown");
    for (int i = 0; i < RS_COUNT; i++)
        assert_non_null(rs_name((enum port_reason)i));
    result_free(NULL);
}

static void test_normal(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0};
    char *t = fx_run(out_normal, &fx->r, &o);
    has(t, "Starting portreeve " PR_VERSION " at 2026-11-26 ");
    has(t, "\nportreeve scan report for web&<lab> (198.18.0.2)\nHost is up (0.00012s latency).\n"
           "Not shown: 979 closed tcp ports (reset), 3 closed udp ports (port-unreach), "
           "32 open|filtered udp ports (no-response), 5 open|filtered tcp ports (no-response)\n"
           "PORT    STATE    SERVICE\n22/tcp  open     ssh\n80/tcp  open     http\n"
           "100/tcp filtered newacct\n");
    has(t, "\n112/tcp filtered unknown\n443/tcp open     https\n53/udp  open     domain\n"
           "MAC Address: 02:00:5E:10:00:01 (Unknown)\n\n");
    hasnt(t, "700/tcp");
    /* IPv6 host: 9 closed ports are not enough to collapse. */
    has(t, "portreeve scan report for 2001:2::5\nHost is up (0.0000040s latency).\n\n"
           "PORT   STATE  SERVICE\n20/tcp closed unknown\n");
    has(t, "23/tcp closed telnet\n");
    hasnt(t, "198.18.0.9"); /* down hosts only with -v */
    hasnt(t, "\x1b");
    has(t, "portreeve scan report for evil?[31m?\?--x\"' (198.18.0.7)\nHost is up.\n\nPORT   STATE "
           "SERVICE\n80/tcp open  http\n\n");
    has(t, "\nportreeve done: 4 IP addresses (3 hosts up) scanned in 1.23 seconds\n");
    free(t);

    o.reason = 1;
    o.verbose = 1;
    o.as_file = 1;
    fx->r.pkts_sent = 5;
    t = fx_run(out_normal, &fx->r, &o);
    has(t, "# portreeve " PR_VERSION
           " scan initiated Thu Nov 26 02:54:56 2026 as: portreeve scan -sS -sU");
    has(t, "Host is up, received echo-reply ttl 64 (0.00012s latency).\n");
    /* -v: up to 50 ports per state are listed, so open|filtered shows. */
    has(t, "Not shown: 979 closed tcp ports (reset), 3 closed udp ports (port-unreach)\n"
           "PORT    STATE         SERVICE REASON\n"
           "22/tcp  open          ssh     syn-ack ttl 64\n");
    has(t, "100/tcp filtered      newacct no-response\n");
    has(t, "110/tcp filtered      pop3    admin-prohibited ttl 64\n");
    has(t, "700/tcp open|filtered unknown no-response\n");
    has(t, "161/udp open|filtered snmp    no-response\n");
    has(t, "portreeve scan report for 198.18.0.9 [host down, received no-response]\n");
    has(t, "Host is up, received user-set.\n");
    has(t, "# portreeve done at Thu Nov 26 02:54:57 2026 -- 4 IP addresses (3 hosts up) scanned "
           "in 1.23 seconds\n");
    hasnt(t, "Raw packets"); /* terminal footer only */
    free(t);
    o.as_file = 0;
    t = fx_run(out_normal, &fx->r, &o);
    has(t, "           Raw packets sent: 5 (0B) | Rcvd: 0 (0B)\n");
    hasnt(t, "Host seems down");
    free(t);

    /* One target, down: nmap's hint on the terminal, nothing in the file. */
    struct scan_result one = fx->r;
    one.hosts = &fx->r.hosts[2];
    one.nhosts = 1;
    one.hosts_up = 0;
    o.verbose = 0;
    t = fx_run(out_normal, &one, &o);
    has(t, "UTC\nNote: Host seems down. If it is really up, but blocking our ping probes, try -Pn\n"
           "portreeve done: 1 IP address (0 hosts up) scanned in 1.23 seconds\n");
    free(t);
    o.as_file = 1;
    t = fx_run(out_normal, &one, &o);
    hasnt(t, "Note:");
    has(t, "-- 1 IP address (0 hosts up) scanned in 1.23 seconds\n");
    free(t);
    fx->r.pkts_sent = 0;
}

static void test_normal_open(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.open_only = 1};
    char *t = fx_run(out_normal, &fx->r, &o);
    has(t, "Not shown: 979 closed tcp ports (reset), 3 closed udp ports (port-unreach), "
           "32 open|filtered udp ports (no-response), 5 open|filtered tcp ports (no-response), "
           "10 filtered tcp ports (no-response), 3 filtered tcp ports (admin-prohibited)\n"
           "PORT    STATE SERVICE\n22/tcp  open  ssh\n80/tcp  open  http\n443/tcp open  https\n"
           "53/udp  open  domain\n");
    hasnt(t, "filtered newacct");
    /* 2001:2::5 has an open port, so it stays; all hosts without one are left out. */
    has(t, "Not shown: 9 closed tcp ports (reset)\nPORT   STATE SERVICE\n22/tcp open  ssh\n");
    free(t);

    fx->r.ping_only = 1;
    struct out_opts v = {.verbose = 1};
    t = fx_run(out_normal, &fx->r, &v);
    has(t, "portreeve scan report for web&<lab> (198.18.0.2)\nHost is up (0.00012s latency).\n"
           "MAC Address: 02:00:5E:10:00:01 (Unknown)\nportreeve scan report for 2001:2::5\n");
    hasnt(t, "PORT");
    free(t);
    fx->r.ping_only = 0;
}

static void test_grepable(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0};
    char *t = fx_run(out_grepable, &fx->r, &o);
    has(t, "# portreeve " PR_VERSION
           " scan initiated Thu Nov 26 02:54:56 2026 as: portreeve scan -sS");
    has(t, "\nHost: 198.18.0.2 (web&<lab>)\tStatus: Up\n"
           "Host: 198.18.0.2 (web&<lab>)\tPorts: 22/open/tcp//ssh///, 80/open/tcp//http///, "
           "100/filtered/tcp//newacct///, ");
    has(t, "112/filtered/tcp/////, 443/open/tcp//https///, 53/open/udp//domain///\n");
    /* Two collapsed states: nmap then writes no Ignored State field. */
    hasnt(t, "Ignored State: closed (982)");
    has(t, "Host: 2001:2::5 ()\tPorts: 20/closed/tcp/////, 21/closed/tcp/////, "
           "22/open/tcp//ssh///, 23/closed/tcp//telnet///");
    hasnt(t, "198.18.0.9");
    has(t, "Host: 198.18.0.7 (evil?[31m?\?--x\"')\tStatus: Up\n");
    has(t, "# portreeve done at Thu Nov 26 02:54:57 2026 -- 4 IP addresses (3 hosts up) scanned in "
           "1.23 seconds\n");
    free(t);

    o.open_only = 1;
    o.verbose = 1;
    t = fx_run(out_grepable, &fx->r, &o);
    has(t, "# Ports scanned: TCP(1000;1-1000) UDP(36;53,67-69,120-150,161) SCTP(0;) "
           "PROTOCOLS(0;)\n");
    has(t, "Host: 2001:2::5 ()\tPorts: 22/open/tcp//ssh///\tIgnored State: closed (9)\n");
    has(t, "Host: 198.18.0.7 (evil?[31m?\?--x\"')\tPorts: 80/open/tcp//http///\n");
    free(t);
}

static void test_json(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0};
    char *t = fx_run(out_json, &fx->r, &o);
    size_t lines = 0, open = 0;
    int saw_v6 = 0, saw_name = 0, saw_evil = 0;
    char *save = NULL;
    for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        json_error_t err;
        json_t *j = json_loads(l, 0, &err);
        if (!j)
            fail_msg("bad JSON line %zu: %s: %s", lines + 1, err.text, l);
        const char *ip = json_string_value(json_object_get(j, "ip"));
        assert_non_null(ip);
        assert_non_null(json_object_get(j, "hostname"));
        const char *st = json_string_value(json_object_get(j, "state"));
        assert_non_null(st);
        assert_true(json_is_integer(json_object_get(j, "port")));
        assert_true(json_is_integer(json_object_get(j, "reason_ttl")));
        assert_non_null(json_string_value(json_object_get(j, "service")));
        assert_non_null(json_string_value(json_object_get(j, "reason")));
        if (!strcmp(st, "open"))
            open++;
        if (!strcmp(ip, "2001:2::5"))
            saw_v6 = json_is_null(json_object_get(j, "hostname"));
        const char *hn = json_string_value(json_object_get(j, "hostname"));
        if (hn && !strcmp(hn, "web&<lab>"))
            saw_name = 1;
        if (hn && !strcmp(hn, "evil?[31m?\?--x\"'"))
            saw_evil = 1;
        json_decref(j);
        lines++;
    }
    assert_int_equal(lines, 1036 + 10 + 1); /* nothing collapsed, down host left out */
    assert_int_equal(open, 3 + 1 + 1 + 1);
    assert_true(saw_v6 && saw_name && saw_evil);
    free(t);

    t = fx_run(out_json, &fx->r, &o);
    has(t, "{\"ip\":\"198.18.0.2\",\"mac\":\"02:00:5E:10:00:01\",\"mac_vendor\":null,"
           "\"hostname\":\"web&<lab>\",\"proto\":\"tcp\",\"port\":22,"
           "\"state\":\"open\",\"reason\":\"syn-ack\",\"reason_ttl\":64,\"service\":\"ssh\"}\n");
    has(t, "{\"ip\":\"198.18.0.2\",\"mac\":\"02:00:5E:10:00:01\",\"mac_vendor\":null,"
           "\"hostname\":\"web&<lab>\",\"proto\":\"udp\",\"port\":161,"
           "\"state\":\"open|filtered\",\"reason\":\"no-response\",\"reason_ttl\":0,"
           "\"service\":\"snmp\"}\n");
    free(t);

    o.open_only = 1;
    t = fx_run(out_json, &fx->r, &o);
    lines = 0;
    for (char *p = t; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, 3 + 1 + 5 + 32 + 1 + 1); /* open + open|filtered */
    hasnt(t, "\"closed\"");
    hasnt(t, "\"state\":\"filtered\"");
    free(t);

    o.open_only = 0;
    o.verbose = 1;
    fx->r.ping_only = 1;
    t = fx_run(out_json, &fx->r, &o);
    has(t, "{\"ip\":\"198.18.0.2\",\"mac\":\"02:00:5E:10:00:01\",\"mac_vendor\":null,"
           "\"hostname\":\"web&<lab>\",\"status\":\"up\","
           "\"reason\":\"echo-reply\",\"reason_ttl\":64}\n");
    has(t, "{\"ip\":\"198.18.0.9\",\"hostname\":null,\"status\":\"down\","
           "\"reason\":\"no-response\",\"reason_ttl\":0}\n");
    hasnt(t, "\"port\"");
    free(t);
    fx->r.ping_only = 0;
}

/* --- XML: exact text bits, then external tools ------------------------------------ */

/* Reads every port back from the XML (listed and collapsed) and compares with the
 * expected "addr proto port state" lines; also checks that the counts add up. */
static const char *readback_py =
    "import sys, xml.etree.ElementTree as ET\n"
    "def expand(s):\n"
    "    for part in s.split(','):\n"
    "        a, _, b = part.partition('-')\n"
    "        for p in range(int(a), int(b or a) + 1): yield p\n"
    "got = []\n"
    "root = ET.parse(sys.argv[1]).getroot()\n"
    "for h in root.findall('host'):\n"
    "    addr = [a.get('addr') for a in h.findall('address') if a.get('addrtype') != 'mac'][0]\n"
    "    ps = h.find('ports')\n"
    "    if ps is None: continue\n"
    "    for ep in ps.findall('extraports'):\n"
    "        n = 0\n"
    "        for er in ep.findall('extrareasons'):\n"
    "            lst = list(expand(er.get('ports')))\n"
    "            assert len(lst) == int(er.get('count')), er.attrib\n"
    "            n += len(lst)\n"
    "            got += ['%s %s %d %s' % (addr, er.get('proto'), p, ep.get('state')) for p in "
    "lst]\n"
    "        assert n == int(ep.get('count')), ep.attrib\n"
    "    for p in ps.findall('port'):\n"
    "        got.append('%s %s %s %s' % (addr, p.get('protocol'), p.get('portid'),\n"
    "                                    p.find('state').get('state')))\n"
    "want = open(sys.argv[2]).read().split('\\n')\n"
    "want = sorted(w for w in want if w)\n"
    "if sorted(got) != want:\n"
    "    print('readback differs:', sorted(set(got) ^ set(want))[:20]); sys.exit(1)\n";

static void expected_states(const struct scan_result *r, const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < r->nhosts; i++) {
        const struct host_result *h = &r->hosts[i];
        char a[PR_ADDRSTRLEN];
        if (!h->up)
            continue;
        addr_str(&h->addr, a, sizeof a);
        for (size_t k = 0; k < h->nports; k++)
            fprintf(f, "%s %s %u %s\n", a, h->ports[k].proto == PR_UDP ? "udp" : "tcp",
                    h->ports[k].port, ps_name((enum port_state)h->ports[k].state));
    }
    assert_int_equal(fclose(f), 0);
}

struct tmpdir {
    char path[64];
};

static void mktmp(struct tmpdir *d)
{
    snprintf(d->path, sizeof d->path, "/tmp/test_output.XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void rmtmp(struct tmpdir *d)
{
    sh("rm -rf '%s'", d->path);
}

static void test_xml_text(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0};
    char *t = fx_run(out_xml, &fx->r, &o);
    has(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n");
    has(t, "<!-- portreeve " PR_VERSION
           " scan initiated Thu Nov 26 02:54:56 2026 as: portreeve scan -sS "
           "-sU -p T:1-1000 -&#45;reason &quot;a&amp;b&quot; &lt;x&gt; &apos;q&apos; -&#45; "
           "198.18.0.2 -->\n");
    has(t,
        "<nmaprun scanner=\"nmap\" args=\"portreeve scan -sS -sU -p T:1-1000 -&#45;reason "
        "&quot;a&amp;b&quot; &lt;x&gt; &apos;q&apos; -&#45; 198.18.0.2\" start=\"1795661696\" "
        "startstr=\"Thu Nov 26 02:54:56 2026\" version=\"" PR_VERSION
        "\" xmloutputversion=\"1.05\">\n"
        "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1000\" services=\"1-1000\"/>\n"
        "<scaninfo type=\"udp\" protocol=\"udp\" numservices=\"36\" "
        "services=\"53,67-69,120-150,161\"/>\n<verbose level=\"0\"/>\n<debugging level=\"0\"/>\n");
    has(t, "<host starttime=\"1795661696\" endtime=\"1795661697\"><status state=\"up\" "
           "reason=\"echo-reply\" reason_ttl=\"64\"/>\n<address addr=\"198.18.0.2\" "
           "addrtype=\"ipv4\"/>\n<address addr=\"02:00:5E:10:00:01\" addrtype=\"mac\"/>\n"
           "<hostnames>\n<hostname name=\"web&amp;&lt;lab&gt;\" type=\"user\"/>\n</hostnames>\n"
           "<ports><extraports state=\"closed\" count=\"982\">\n"
           "<extrareasons reason=\"reset\" count=\"979\" proto=\"tcp\" "
           "ports=\"1-21,23-79,81-99,113-442,444-699,705-1000\"/>\n"
           "<extrareasons reason=\"port-unreach\" count=\"3\" proto=\"udp\" ports=\"67-69\"/>\n"
           "</extraports>\n<extraports state=\"open|filtered\" count=\"37\">\n"
           "<extrareasons reason=\"no-response\" count=\"32\" proto=\"udp\" "
           "ports=\"120-150,161\"/>\n"
           "<extrareasons reason=\"no-response\" count=\"5\" proto=\"tcp\" ports=\"700-704\"/>\n"
           "</extraports>\n<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" "
           "reason=\"syn-ack\" reason_ttl=\"64\"/><service name=\"ssh\" method=\"table\" "
           "conf=\"3\"/></port>\n");
    /* A port without a service name has no <service>, like nmap. */
    has(t, "<port protocol=\"tcp\" portid=\"101\"><state state=\"filtered\" "
           "reason=\"no-response\" reason_ttl=\"0\"/></port>\n");
    has(t, "<times srtt=\"120\" rttvar=\"30\" to=\"100000\"/>\n</host>\n");
    has(t, "<address addr=\"2001:2::5\" addrtype=\"ipv6\"/>\n<hostnames>\n</hostnames>\n");
    hasnt(t, "198.18.0.9");
    has(t, "<runstats><finished time=\"1795661697\" timestr=\"Thu Nov 26 02:54:57 2026\" "
           "summary=\"portreeve done at Thu Nov 26 02:54:57 2026; 4 IP addresses (3 hosts up) "
           "scanned in 1.23 seconds\" elapsed=\"1.23\" exit=\"success\"/><hosts up=\"3\" "
           "down=\"1\" total=\"4\"/>\n</runstats>\n</nmaprun>\n");
    free(t);

    fx->r.ping_only = 1;
    o.verbose = 1;
    t = fx_run(out_xml, &fx->r, &o);
    hasnt(t, "<ports>");
    hasnt(t, "<scaninfo");
    has(t, "<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n"
           "<address addr=\"198.18.0.9\" addrtype=\"ipv4\"/>\n</host>\n");
    free(t);
    fx->r.ping_only = 0;
}

static void xml_file(const struct scan_result *r, const struct out_opts *o, const char *path)
{
    char *t = fx_run(out_xml, r, o);
    write_file(path, t);
    free(t);
}

static void test_xml_tools(void **state)
{
    struct out_fixture *fx = *state;
    struct tmpdir d;
    char a[128], b[128], want[128], py[128];
    mktmp(&d);
    snprintf(a, sizeof a, "%s/a.xml", d.path);
    snprintf(b, sizeof b, "%s/b.xml", d.path);
    snprintf(want, sizeof want, "%s/want.txt", d.path);
    snprintf(py, sizeof py, "%s/readback.py", d.path);
    write_file(py, readback_py);
    expected_states(&fx->r, want);

    const struct out_opts variants[] = {
        {0}, {.verbose = 1}, {.open_only = 1}, {.reason = 1, .verbose = 3}, {.debug = 3}};
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        xml_file(&fx->r, &variants[i], a);
        if (have_tool("/usr/bin/xmllint"))
            assert_int_equal(sh("/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "
                                "'%s'",
                                a),
                             0);
        else
            print_message("xmllint missing: DTD validation skipped\n");
        if (have_tool("/usr/bin/python3"))
            assert_int_equal(sh("/usr/bin/python3 '%s' '%s' '%s'", py, a, want), 0);
        else
            print_message("python3 missing: XML read-back skipped\n");
    }
    /* -sn with down hosts listed. */
    fx->r.ping_only = 1;
    struct out_opts v = {.verbose = 1};
    xml_file(&fx->r, &v, a);
    fx->r.ping_only = 0;
    if (have_tool("/usr/bin/xmllint"))
        assert_int_equal(sh("/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd '%s'", a),
                         0);

    /* ndiff names the one port that changed (443 open -> filtered). */
    struct out_opts o = {0};
    xml_file(&fx->r, &o, a);
    struct host_result *h = &fx->r.hosts[0];
    for (size_t k = 0; k < h->nports; k++)
        if (h->ports[k].proto == PR_TCP && h->ports[k].port == 443)
            h->ports[k].state = PS_FILTERED, h->ports[k].reason = RS_NO_RESPONSE;
    xml_file(&fx->r, &o, b);
    for (size_t k = 0; k < h->nports; k++)
        if (h->ports[k].proto == PR_TCP && h->ports[k].port == 443)
            h->ports[k].state = PS_OPEN, h->ports[k].reason = RS_SYN_ACK;
    if (have_tool("/usr/bin/ndiff")) {
        char out[128];
        snprintf(out, sizeof out, "%s/ndiff.txt", d.path);
        int rc = sh("/usr/bin/ndiff '%s' '%s' > '%s' 2>&1", a, b, out);
        assert_int_equal(rc, 1); /* 1: the scans differ */
        assert_int_equal(sh("grep -q '^-443/tcp  *open' '%s'", out), 0);
        assert_int_equal(sh("grep -q '^+443/tcp  *filtered' '%s'", out), 0);
        assert_int_equal(sh("grep -c '/tcp' '%s' | grep -qx 2", out), 0);
        assert_int_equal(sh("/usr/bin/ndiff '%s' '%s' > /dev/null 2>&1", a, a), 0);
    } else {
        print_message("ndiff missing: skipped\n");
    }
    if (have_tool("/usr/bin/xsltproc")) {
        char html[128];
        snprintf(html, sizeof html, "%s/a.html", d.path);
        assert_int_equal(
            sh("/usr/bin/xsltproc -o '%s' /usr/share/nmap/nmap.xsl '%s' 2>/dev/null", html, a), 0);
        assert_int_equal(sh("grep -q '198.18.0.2' '%s' && grep -qi '<html' '%s'", html, html), 0);
    } else {
        print_message("xsltproc missing: skipped\n");
    }
    rmtmp(&d);
}

/* XML text valid against nmap.dtd (xmllint), when xmllint is installed. */
static void assert_dtd_valid(const char *xml)
{
    if (!have_tool("/usr/bin/xmllint")) {
        print_message("xmllint missing: DTD validation skipped\n");
        return;
    }
    struct tmpdir d;
    char a[128];
    mktmp(&d);
    snprintf(a, sizeof a, "%s/v.xml", d.path);
    write_file(a, xml);
    assert_int_equal(sh("/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd '%s'", a), 0);
    rmtmp(&d);
}

/* Out-of-range bytes in the model (a bug elsewhere) still give valid, readable output. */
static void test_garbage_model(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.reason = 1};
    struct host_result *h = &fx->r.hosts[3];
    h->ports[0] = (struct port_result){0, 9, 200, 250, 255, NULL};
    h->addr.family = 0;
    h->reason = 240;
    fx->r.info[1].type = "bogus";
    fx->r.info[0].ports = NULL;
    char *t = fx_run(out_normal, &fx->r, &o);
    has(t, "portreeve scan report for evil?[31m?\?--x\"' (?)\nHost is up, received unknown.\n\n"
           "PORT  STATE   SERVICE REASON\n0/tcp unknown unknown unknown ttl 255\n");
    free(t);
    t = fx_run(out_xml, &fx->r, &o);
    hasnt(t, "bogus");
    has(t, "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1000\" services=\"\"/>");
    assert_dtd_valid(t);
    free(t);
    t = fx_run(out_json, &fx->r, &o);
    has(t, "{\"ip\":\"?\",\"hostname\":\"evil?[31m?\?--x\\\"'\",\"proto\":\"tcp\",\"port\":0,"
           "\"state\":\"unknown\",\"reason\":\"unknown\",\"reason_ttl\":255,"
           "\"service\":\"unknown\"}\n");
    free(t);
    t = fx_run(out_grepable, &fx->r, &o);
    has(t, "Host: ? (evil?[31m?\?--x\"')\tPorts: 0/unknown/tcp/////\n");
    free(t);
}

/* A scan that failed part way: every format keeps the hosts and says it is incomplete;
 * the XML says so as nmap does (exit="error" errormsg=...) and stays DTD-valid. */
static void test_incomplete(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.verbose = 1};
    fx->r.errormsg = "service detection: epoll_wait: <bad> & \"worse\"";
    fx->r.pkts_sent = 10, fx->r.pkts_rcvd = 5, fx->r.pkts_badsum = 3;
    char *t = fx_run(out_xml, &fx->r, &o);
    has(t, "exit=\"error\" errormsg=\"service detection: epoll_wait: &lt;bad&gt; &amp; "
           "&quot;worse&quot;\"/>");
    has(t, "(incomplete)");
    has(t, "portid=\"80\"");
    assert_dtd_valid(t);
    free(t);
    t = fx_run(out_normal, &fx->r, &o);
    has(t, "INCOMPLETE: the scan failed: service detection: epoll_wait:");
    has(t, "Replies with a wrong checksum ignored: 3\n");
    free(t);
    o.as_file = 1;
    t = fx_run(out_normal, &fx->r, &o);
    has(t, "# INCOMPLETE: the scan failed: service detection");
    free(t);
    t = fx_run(out_grepable, &fx->r, &o);
    has(t, "# INCOMPLETE: the scan failed: service detection");
    free(t);
    t = fx_run(out_json, &fx->r, &o);
    has(t, "\n{\"incomplete\":true,\"error\":\"service detection: epoll_wait: <bad> & "
           "\\\"worse\\\"\"}\n");
    free(t);
    fx->r.errormsg = NULL;
    t = fx_run(out_json, &fx->r, &o);
    hasnt(t, "incomplete");
    free(t);
    t = fx_run(out_xml, &fx->r, &o);
    has(t, "exit=\"success\"/>");
    free(t);
}

/* A closed stream is reported as an error, not ignored. */
static void test_write_error(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {0};
    FILE *f = fopen("/dev/full", "w");
    if (!f) {
        print_message("/dev/full missing: skipped\n");
        return;
    }
    assert_int_equal(out_xml(f, &fx->r, &o), -1);
    clearerr(f);
    assert_int_equal(out_json(f, &fx->r, &o), -1);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_normal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grepable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xml_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xml_tools, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incomplete, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
