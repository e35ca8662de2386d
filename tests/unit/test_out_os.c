/* -O and --traceroute in every output format: a scan of three hosts filled by hand (one exact
 * match with a trace through two routers and a missing hop, one with guesses only, one with no
 * match and no open port) gives nmap 7.93's lines in the normal report at each verbosity,
 * grepable "OS:"/"Seq Index"/"IP ID Seq" fields, JSON lines that parse, and XML that
 * validates against nmap.dtd and is rendered by nmap.xsl (when xmllint/xsltproc exist). */
#include "output/output.h"

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
#include <fcntl.h>

#include "output_fixtures.h"

#define T0 1795661696

static const char fp_text[] =
    "OS:SCAN(V=7.93%E=4%D=12/3%OT=80%CT=22%CU=30299%PV=N%DS=3%DC=T%G=Y%TM=6B1106\n"
    "OS:F8%P=x86_64-pc-linux-gnu)SEQ(SP=105%GCD=1%ISR=109%TI=Z%CI=Z%II=I%TS=21)O\n"
    "OS:PS(O1=M5B4ST11NWA%O2=M5B4ST11NWA)\n";

static void set_class(struct os_class_result *c, const char *type, const char *vendor,
                      const char *family, const char *gen, int acc, const char *cpe)
{
    memset(c, 0, sizeof *c);
    snprintf(c->type, sizeof c->type, "%s", type);
    snprintf(c->vendor, sizeof c->vendor, "%s", vendor);
    snprintf(c->family, sizeof c->family, "%s", family);
    snprintf(c->gen, sizeof c->gen, "%s", gen);
    c->accuracy = acc;
    if (cpe) {
        snprintf(c->cpes[0], sizeof c->cpes[0], "%s", cpe);
        c->ncpes = 1;
    }
}

static struct os_match_result *add_match(struct os_result *os, const char *name, int acc,
                                         unsigned line)
{
    struct os_match_result *m = &os->matches[os->nmatches++];
    memset(m, 0, sizeof *m);
    m->classes = calloc(OS_MAX_CLASSES, sizeof *m->classes);
    assert_non_null(m->classes);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->accuracy = acc;
    m->line = line;
    return m;
}

/* The class summary lines, as the matcher (osdb_summarize) writes them. */
static void summary(struct os_result *os, const char *type, const char *running, int guess,
                    const char *cpe)
{
    snprintf(os->device_type, sizeof os->device_type, "%s", type);
    snprintf(os->running, sizeof os->running, "%s", running);
    os->running_guess = guess;
    snprintf(os->os_cpe, sizeof os->os_cpe, "%s", cpe);
}

static struct os_result *new_os(void)
{
    struct os_result *os = calloc(1, sizeof *os);
    assert_non_null(os);
    os->uptime_s = -1;
    os->distance = -1;
    os->seq_index = -1;
    return os;
}

static void used(struct os_result *os, uint8_t proto, uint16_t port, uint8_t st)
{
    os->used[os->nused++] = (struct os_portused){port, proto, st};
}

static void hop(struct trace_result *t, uint8_t ttl, const char *addr, double rtt)
{
    struct trace_hop *h = &t->hops[t->nhops++];
    memset(h, 0, sizeof *h);
    h->ttl = ttl;
    h->rtt_ms = rtt;
    if (addr) {
        h->have_addr = 1;
        assert_int_equal(addr_parse(addr, &h->addr), 0);
    }
}

/* Host 0: exact "Linux 5.3 - 5.4", traced on 22/tcp, hop 2 silent. Host 1: guesses only,
 * hops 1-2 shared with host 0. Host 2: no match, no open port (unreliable). */
static void build(struct scan_result *r, const struct svc_db *db)
{
    memset(r, 0, sizeof *r);
    r->args = strdup("portreeve scan -O --traceroute 198.18.63.2");
    r->start.tv_sec = T0;
    r->end.tv_sec = T0 + 12;
    r->svc = db;
    r->nhosts = 3;
    r->hosts_up = 3;
    r->hosts = calloc(3, sizeof *r->hosts);
    assert_non_null(r->hosts);
    static uint16_t tcp[] = {22, 80, 443};
    r->ninfo = 1;
    r->info[0] = (struct scan_info){"syn", PR_TCP, tcp, 3};
    const char *addrs[] = {"198.18.63.2", "198.18.64.2", "198.18.65.2"};
    for (int i = 0; i < 3; i++) {
        struct host_result *h = &r->hosts[i];
        assert_int_equal(addr_parse(addrs[i], &h->addr), 0);
        h->up = 1;
        h->reason = RS_ECHO_REPLY;
        h->reason_ttl = 62;
        h->srtt_us = 61;
        h->start.tv_sec = T0;
        h->end.tv_sec = T0 + 12;
        add(h, PR_TCP, 22, PS_CLOSED, RS_RESET, 62);
        add(h, PR_TCP, 80, i == 2 ? PS_CLOSED : PS_OPEN, i == 2 ? RS_RESET : RS_SYN_ACK, 62);
        add(h, PR_TCP, 443, PS_CLOSED, RS_RESET, 62);
    }

    struct os_result *os = new_os();
    used(os, PR_TCP, 80, PS_OPEN);
    used(os, PR_TCP, 22, PS_CLOSED);
    used(os, PR_UDP, 30299, PS_CLOSED);
    struct os_match_result *m = add_match(os, "Linux 5.3 - 5.4", 100, 68140);
    set_class(&m->classes[m->nclasses++], "general purpose", "Linux", "Linux", "5.X", 100,
              "cpe:/o:linux:linux_kernel:5");
    os->perfect = 1;
    summary(os, "general purpose", "Linux 5.X", 0, "cpe:/o:linux:linux_kernel:5");
    os->fingerprint = strdup(fp_text);
    os->uptime_s = 15;
    snprintf(os->lastboot, sizeof os->lastboot, "Thu Dec  3 06:06:33 2026");
    os->distance = 3;
    os->seq_index = 262;
    snprintf(os->seq_difficulty, sizeof os->seq_difficulty, "Good luck!");
    snprintf(os->seq_values, sizeof os->seq_values, "9E9A6FF9,778AFF54,63C6FA56,745D33C6");
    snprintf(os->ipid_class, sizeof os->ipid_class, "All zeros");
    snprintf(os->ipid_values, sizeof os->ipid_values, "0,0,0,0,0,0");
    snprintf(os->ts_class, sizeof os->ts_class, "other");
    snprintf(os->ts_values, sizeof os->ts_values, "DE13A8C9,38A506C6");
    r->hosts[0].os = os;
    struct trace_result *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->port = 22;
    t->proto = PR_TCP;
    hop(t, 1, "198.18.61.2", 0.01);
    hop(t, 2, NULL, -1);
    hop(t, 3, "198.18.63.2", 0.06);
    r->hosts[0].trace = t;

    os = new_os();
    used(os, PR_TCP, 80, PS_OPEN);
    used(os, PR_TCP, 22, PS_CLOSED);
    m = add_match(os, "Linux 5.3 - 5.4", 96, 68140);
    set_class(&m->classes[m->nclasses++], "general purpose", "Linux", "Linux", "5.X", 96,
              "cpe:/o:linux:linux_kernel:5");
    m = add_match(os, "Linux 3.2", 95, 64664);
    set_class(&m->classes[m->nclasses++], "general purpose", "Linux", "Linux", "3.X", 95,
              "cpe:/o:linux:linux_kernel:3.2");
    m = add_match(os, "AXIS 210A or 211 Network Camera (Linux 2.6.17)", 94, 61815);
    set_class(&m->classes[m->nclasses++], "webcam", "Linux", "Linux", "2.6.X", 94,
              "cpe:/o:linux:linux_kernel:2.6.17");
    set_class(&m->classes[m->nclasses++], "webcam", "AXIS", "embedded", "", 94,
              "cpe:/h:axis:210a_network_camera");
    m = add_match(os, "Far away <&> 1.0", 85, 100); /* more than 10% below the best */
    set_class(&m->classes[m->nclasses++], "router", "Cisco", "IOS", "12.X", 85, NULL);
    summary(os, "general purpose|webcam", "Linux 5.X|3.X|2.6.X (96%), AXIS embedded (94%)", 1,
            "cpe:/o:linux:linux_kernel:5 cpe:/o:linux:linux_kernel:3.2 "
            "cpe:/o:linux:linux_kernel:2.6.17 cpe:/h:axis:210a_network_camera");
    os->fingerprint = strdup(fp_text);
    os->distance = 3;
    r->hosts[1].os = os;
    t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->port = 22;
    t->proto = PR_TCP;
    hop(t, 1, "198.18.61.2", 0.01);
    hop(t, 2, "198.18.62.2", 0.02);
    hop(t, 3, "198.18.64.2", 0.01);
    t->shared_ttl = 2;
    assert_int_equal(addr_parse("198.18.63.2", &t->shared_with), 0);
    r->hosts[1].trace = t;

    os = new_os();
    used(os, PR_TCP, 22, PS_CLOSED);
    used(os, PR_UDP, 40872, PS_CLOSED);
    os->unreliable = 1;
    os->fingerprint = strdup(fp_text);
    os->distance = 1;
    r->hosts[2].os = os;
    t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->proto = TRACE_PROTO_NONE;
    hop(t, 1, "198.18.65.2", 0.05);
    r->hosts[2].trace = t;
}

static int setup(void **state)
{
    return fx_setup(state, build);
}

static int teardown(void **state)
{
    return fx_teardown(state);
}

/* The part of the normal report about host i (from its "scan report" line to the next). */
static char *host_part(const char *all, const char *addr)
{
    char key[64];
    snprintf(key, sizeof key, "scan report for %s\n", addr);
    const char *p = strstr(all, key);
    assert_non_null(p);
    const char *e = strstr(p + 1, "scan report for ");
    if (!e)
        e = p + strlen(p);
    return strndup(p, (size_t)(e - p));
}

static void test_normal_exact(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *all = fx_run(out_normal, &fx->r, &o);
    char *h = host_part(all, "198.18.63.2");
    has(h, "\nDevice type: general purpose\nRunning: Linux 5.X\n"
           "OS CPE: cpe:/o:linux:linux_kernel:5\nOS details: Linux 5.3 - 5.4\n"
           "Network Distance: 3 hops\n");
    hasnt(h, "TCP/IP fingerprint"); /* exact: only with -vv */
    hasnt(h, "Uptime guess");       /* -v only */
    hasnt(h, "TCP Sequence Prediction");
    hasnt(h, "unreliable");
    /* the trace after the OS lines, the silent hop as "..." */
    has(h, "Network Distance: 3 hops\n\nTRACEROUTE (using port 22/tcp)\n"
           "HOP RTT     ADDRESS\n"
           "1   0.01 ms 198.18.61.2\n"
           "2   ...\n"
           "3   0.06 ms 198.18.63.2\n\n");
    has(all, "\nOS detection performed. Please report any incorrect results at "
             "https://nmap.org/submit/ .\nportreeve done: 3 IP addresses (3 hosts up)");
    free(h);
    free(all);

    o.verbose = 1;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.63.2");
    has(h, "OS details: Linux 5.3 - 5.4\n"
           "Uptime guess: 0.000 days (since Thu Dec  3 06:06:33 2026)\n"
           "Network Distance: 3 hops\n"
           "TCP Sequence Prediction: Difficulty=262 (Good luck!)\n"
           "IP ID Sequence Generation: All zeros\n");
    hasnt(h, "TCP/IP fingerprint");
    free(h);
    free(all);

    o.verbose = 2;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.63.2");
    /* re-wrapped at 75 characters, a blank line after it, as nmap */
    has(h, "OS details: Linux 5.3 - 5.4\nTCP/IP fingerprint:\n"
           "OS:SCAN(V=7.93%E=4%D=12/3%OT=80%CT=22%CU=30299%PV=N%DS=3%DC=T%G=Y%TM=6B1106\n"
           "OS:F8%P=x86_64-pc-linux-gnu)SEQ(SP=105%GCD=1%ISR=109%TI=Z%CI=Z%II=I%TS=21)O\n"
           "OS:PS(O1=M5B4ST11NWA%O2=M5B4ST11NWA)\n\nUptime guess");
    free(h);
    free(all);

    o.osscan = 0;
    o.servicescan = 1;
    all = fx_run(out_normal, &fx->r, &o);
    has(all, "\nService detection performed. Please report");
    o.osscan = 1;
    free(all);
    all = fx_run(out_normal, &fx->r, &o);
    has(all, "\nOS and Service detection performed. Please report");
    free(all);
    o = (struct out_opts){.as_file = 1, .osscan = 1};
    all = fx_run(out_normal, &fx->r, &o);
    has(all, "\nOS detection performed. Please report any incorrect results at "
             "https://nmap.org/submit/ .\n# portreeve done at ");
    free(all);
}

static void test_normal_guesses(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *all = fx_run(out_normal, &fx->r, &o);
    char *h = host_part(all, "198.18.64.2");
    /* without --osscan-guess nmap names no guess and shows the fingerprint */
    hasnt(h, "Aggressive OS guesses");
    hasnt(h, "Running");
    has(h, "No exact OS matches for host (If you know what OS is running on it, see "
           "https://nmap.org/submit/ ).\nTCP/IP fingerprint:\nOS:SCAN(V=7.93");
    has(h, "OS:PS(O1=M5B4ST11NWA%O2=M5B4ST11NWA)\n\nNetwork Distance: 3 hops\n");
    /* hops 1-2 came from tracing 198.18.63.2 */
    has(h, "TRACEROUTE (using port 22/tcp)\n"
           "HOP RTT     ADDRESS\n"
           "-   Hops 1-2 are the same as for 198.18.63.2\n"
           "3   0.01 ms 198.18.64.2\n");
    free(h);
    free(all);

    fx->r.hosts[1].os->guess = 1;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.64.2");
    has(h, "\nDevice type: general purpose|webcam\n"
           "Running (JUST GUESSING): Linux 5.X|3.X|2.6.X (96%), AXIS embedded (94%)\n"
           "OS CPE: cpe:/o:linux:linux_kernel:5 cpe:/o:linux:linux_kernel:3.2 "
           "cpe:/o:linux:linux_kernel:2.6.17 cpe:/h:axis:210a_network_camera\n"
           "Aggressive OS guesses: Linux 5.3 - 5.4 (96%), Linux 3.2 (95%), AXIS 210A or 211 "
           "Network Camera (Linux 2.6.17) (94%)\n"
           "No exact OS matches for host (If you know");
    hasnt(h, "Far away");
    free(h);
    free(all);

    /* -d: every hop listed, no "Hops 1-2" line */
    o.debug = 1;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.64.2");
    has(h, "HOP RTT     ADDRESS\n1   0.01 ms 198.18.61.2\n2   0.02 ms 198.18.62.2\n");
    hasnt(h, "are the same as");
    free(h);
    free(all);
}

static void test_normal_unreliable(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *all = fx_run(out_normal, &fx->r, &o);
    char *h = host_part(all, "198.18.65.2");
    has(h, "\nWarning: OSScan results may be unreliable because we could not find at least 1 "
           "open and 1 closed port\n"
           "OS fingerprint not ideal because: Missing an open TCP port so results incomplete\n"
           "No OS matches for host\nNetwork Distance: 1 hop\n\nTRACEROUTE\n"
           "HOP RTT     ADDRESS\n1   0.05 ms 198.18.65.2\n");
    hasnt(h, "TCP/IP fingerprint"); /* not ideal: only with -vv, unwrapped */
    free(h);
    free(all);
    o.verbose = 2;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.65.2");
    has(h, "No OS matches for host\nTCP/IP fingerprint:\n"
           "SCAN(V=7.93%E=4%D=12/3%OT=80%CT=22%CU=30299%PV=N%DS=3%DC=T%G=Y%TM=6B1106F8%P=x86_"
           "64-pc-linux-gnu)\nSEQ(SP=105");
    free(h);
    free(all);
    /* more than 8 exact matches (the matcher lists none): nmap's "Too many", no warning */
    fx->r.hosts[2].os->perfect = 1;
    o.verbose = 0;
    all = fx_run(out_normal, &fx->r, &o);
    h = host_part(all, "198.18.65.2");
    has(h, "443/tcp closed https\nToo many fingerprints match this host to give specific OS "
           "details\nNetwork Distance: 1 hop\n");
    hasnt(h, "unreliable");
    hasnt(h, "No OS matches");
    free(h);
    free(all);
    all = fx_run(out_json, &fx->r, &o);
    has(all, "\"os\":{\"exact\":false,\"too_many\":true,");
    free(all);
    /* nothing of the kind without -O and --traceroute */
    for (size_t i = 0; i < fx->r.nhosts; i++) {
        host_result_free(&fx->r.hosts[i]);
        add(&fx->r.hosts[i], PR_TCP, 22, PS_CLOSED, RS_RESET, 62);
    }
    o = (struct out_opts){0};
    all = fx_run(out_normal, &fx->r, &o);
    hasnt(all, "OS");
    hasnt(all, "TRACEROUTE");
    hasnt(all, "detection performed");
    free(all);
}

static void test_grepable(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *all = fx_run(out_grepable, &fx->r, &o);
    has(all, "Host: 198.18.63.2 ()\tPorts: 22/closed/tcp//ssh///, 80/open/tcp//http///, "
             "443/closed/tcp//https///\tOS: Linux 5.3 - 5.4\tSeq Index: 262\t"
             "IP ID Seq: All zeros\n");
    has(all, "Host: 198.18.64.2 ()\tPorts: 22/closed/tcp//ssh///, 80/open/tcp//http///, "
             "443/closed/tcp//https///\n"); /* guesses are not named */
    free(all);
}

static void test_json(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *all = fx_run(out_json, &fx->r, &o);
    size_t extra = 0;
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        if (!j)
            fail_msg("not JSON (%s): %s", err.text, line);
        json_t *os = json_object_get(j, "os"), *tr = json_object_get(j, "trace");
        if (!os && !tr) {
            json_decref(j);
            continue;
        }
        extra++;
        const char *ip = json_string_value(json_object_get(j, "ip"));
        assert_non_null(ip);
        if (!strcmp(ip, "198.18.63.2")) {
            assert_true(json_is_true(json_object_get(os, "exact")));
            json_t *m = json_array_get(json_object_get(os, "matches"), 0);
            assert_string_equal(json_string_value(json_object_get(m, "name")), "Linux 5.3 - 5.4");
            assert_int_equal(json_integer_value(json_object_get(m, "accuracy")), 100);
            json_t *c = json_array_get(json_object_get(m, "classes"), 0);
            assert_string_equal(json_string_value(json_array_get(json_object_get(c, "cpe"), 0)),
                                "cpe:/o:linux:linux_kernel:5");
            assert_int_equal(json_array_size(json_object_get(os, "ports_used")), 3);
            assert_int_equal(json_integer_value(json_object_get(os, "distance")), 3);
            assert_int_equal(json_integer_value(json_object_get(os, "tcp_seq_index")), 262);
            assert_non_null(strstr(json_string_value(json_object_get(os, "fingerprint")),
                                   "%P=x86_64-pc-linux-gnu)SEQ(SP=105"));
            assert_string_equal(json_string_value(json_object_get(tr, "proto")), "tcp");
            assert_int_equal(json_integer_value(json_object_get(tr, "port")), 22);
            json_t *hops = json_object_get(tr, "hops");
            assert_int_equal(json_array_size(hops), 3);
            assert_true(json_is_null(json_object_get(json_array_get(hops, 1), "ip")));
            assert_string_equal(json_string_value(json_object_get(json_array_get(hops, 2), "ip")),
                                "198.18.63.2");
        } else if (!strcmp(ip, "198.18.64.2")) {
            assert_true(json_is_false(json_object_get(os, "exact")));
            assert_int_equal(json_array_size(json_object_get(os, "matches")), 3); /* within 10% */
            assert_int_equal(json_integer_value(json_object_get(tr, "shared_ttl")), 2);
        } else {
            assert_string_equal(ip, "198.18.65.2");
            assert_true(json_is_true(json_object_get(os, "unreliable")));
            assert_string_equal(json_string_value(json_object_get(os, "not_ideal")),
                                "Missing an open TCP port so results incomplete");
            assert_true(json_is_null(json_object_get(tr, "proto")));
            assert_true(json_is_null(json_object_get(os, "tcp_seq_index")));
        }
        json_decref(j);
    }
    assert_int_equal(extra, 3);
    free(all);
}

static void test_xml(void **state)
{
    struct out_fixture *fx = *state;
    struct out_opts o = {.osscan = 1};
    char *x = fx_run(out_xml, &fx->r, &o);
    /* nmap's order: ports, os (portused, osmatch, osfingerprint), uptime, distance,
     * tcpsequence, ipidsequence, tcptssequence, trace, times */
    has(x, "</ports>\n<os><portused state=\"open\" proto=\"tcp\" portid=\"80\"/>\n"
           "<portused state=\"closed\" proto=\"tcp\" portid=\"22\"/>\n"
           "<portused state=\"closed\" proto=\"udp\" portid=\"30299\"/>\n"
           "<osmatch name=\"Linux 5.3 - 5.4\" accuracy=\"100\" line=\"68140\">\n"
           "<osclass type=\"general purpose\" vendor=\"Linux\" osfamily=\"Linux\" osgen=\"5.X\" "
           "accuracy=\"100\"><cpe>cpe:/o:linux:linux_kernel:5</cpe></osclass>\n"
           "</osmatch>\n</os>\n"
           "<uptime seconds=\"15\" lastboot=\"Thu Dec  3 06:06:33 2026\"/>\n"
           "<distance value=\"3\"/>\n"
           "<tcpsequence index=\"262\" difficulty=\"Good luck!\" "
           "values=\"9E9A6FF9,778AFF54,63C6FA56,745D33C6\"/>\n"
           "<ipidsequence class=\"All zeros\" values=\"0,0,0,0,0,0\"/>\n"
           "<tcptssequence class=\"other\" values=\"DE13A8C9,38A506C6\"/>\n"
           "<trace port=\"22\" proto=\"tcp\">\n"
           "<hop ttl=\"1\" ipaddr=\"198.18.61.2\" rtt=\"0.01\"/>\n"
           "<hop ttl=\"3\" ipaddr=\"198.18.63.2\" rtt=\"0.06\"/>\n"
           "</trace>\n<times ");
    /* guesses: those within 10%, the fingerprint as nmap prints it (no exact match) */
    has(x, "<osmatch name=\"AXIS 210A or 211 Network Camera (Linux 2.6.17)\" accuracy=\"94\" "
           "line=\"61815\">\n<osclass type=\"webcam\" vendor=\"Linux\"");
    has(x, "<osclass type=\"webcam\" vendor=\"AXIS\" osfamily=\"embedded\" accuracy=\"94\">");
    hasnt(x, "Far away");
    has(x, "<osfingerprint fingerprint=\"OS:SCAN(V=7.93%E=4%D=12/3%OT=80%CT=22%CU=30299%PV=N%DS="
           "3%DC=T%G=Y%TM=6B1106&#xa;OS:F8%P=x86_64");
    has(x, "O1=M5B4ST11NWA%O2=M5B4ST11NWA)&#xa;\"/>\n</os>\n<distance value=\"3\"/>\n"
           "<trace port=\"22\" proto=\"tcp\">\n<hop ttl=\"1\"");
    /* no match, no open port: ports used only; the direct host's trace has no probe */
    has(x, "<os><portused state=\"closed\" proto=\"tcp\" portid=\"22\"/>\n"
           "<portused state=\"closed\" proto=\"udp\" portid=\"40872\"/>\n</os>\n"
           "<distance value=\"1\"/>\n<trace>\n<hop ttl=\"1\" ipaddr=\"198.18.65.2\" "
           "rtt=\"0.05\"/>\n</trace>\n");
    char path[] = "/tmp/test_out_os_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, x, strlen(x)), (ssize_t)strlen(x));
    close(fd);
    if (have_tool("/usr/bin/xmllint"))
        assert_int_equal(
            sh("/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd '%s'", path), 0);
    else
        print_message("xmllint missing: DTD validation skipped\n");
    if (have_tool("/usr/bin/xsltproc")) {
        /* nmap.xsl shows the OS match, the fingerprint and the trace */
        assert_int_equal(sh("/usr/bin/xsltproc /usr/share/nmap/nmap.xsl '%s' 2>/dev/null | "
                            "grep -q 'Linux 5.3 - 5.4'",
                            path),
                         0);
        assert_int_equal(sh("/usr/bin/xsltproc /usr/share/nmap/nmap.xsl '%s' 2>/dev/null | "
                            "grep -q '198.18.61.2'",
                            path),
                         0);
    } else {
        print_message("xsltproc missing: rendering skipped\n");
    }
    free(x);
    /* -sn --traceroute: the trace without ports, os or times, in the XML and the report */
    fx->r.ping_only = 1;
    for (size_t i = 0; i < fx->r.nhosts; i++) { /* -O needs a port scan */
        os_result_free(fx->r.hosts[i].os);
        fx->r.hosts[i].os = NULL;
    }
    x = fx_run(out_xml, &fx->r, &o);
    has(x, "<hostnames>\n</hostnames>\n<trace port=\"22\" proto=\"tcp\">\n<hop ttl=\"1\"");
    hasnt(x, "<os>");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, x, strlen(x)), (ssize_t)strlen(x));
    close(fd);
    if (have_tool("/usr/bin/xmllint"))
        assert_int_equal(
            sh("/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd '%s'", path), 0);
    free(x);
    x = fx_run(out_normal, &fx->r, &o);
    has(x, "Host is up (0.000061s latency).\n\nTRACEROUTE (using port 22/tcp)\n");
    has(x, "3   0.06 ms 198.18.63.2\n\nportreeve scan report for 198.18.64.2\n");
    unlink(path);
    free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_normal_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_guesses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_unreliable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grepable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xml, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
