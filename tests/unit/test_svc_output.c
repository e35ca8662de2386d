/* -sV fields in every output: the VERSION column, "Service Info", CVE lines and notes in
 * normal output; <service ... tunnel method conf> with <cpe> children and <script> CVEs in
 * XML (valid against nmap.dtd when xmllint is installed); grepable version fields; JSON
 * fields. Hostile strings from a server (quotes, '<', '/', ',', escape bytes) stay safe. */
#include "output/output.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "output_fixtures.h"

static void build(struct scan_result *r)
{
    memset(r, 0, sizeof *r);
    r->args = strdup("portreeve scan -sV 198.18.0.2");
    r->start.tv_sec = 1795661696;
    r->end.tv_sec = 1795661703;
    r->nhosts = r->hosts_up = 1;
    r->hosts = calloc(1, sizeof *r->hosts);
    struct host_result *h = &r->hosts[0];
    h->up = 1;
    h->reason = RS_USER_SET;
    addr_parse("198.18.0.2", &h->addr);
    h->nports = 4;
    h->ports = calloc(4, sizeof *h->ports);
    uint16_t ports[] = {22, 443, 2000, 6000};
    for (size_t i = 0; i < 4; i++)
        h->ports[i] = (struct port_result){ports[i], PR_TCP, PS_OPEN, RS_SYN_ACK, 64, NULL};
    struct svc_info *s = mksvc("ssh", "OpenSSH", "9.2p1 Debian 2+deb12u3", "protocol 2.0", 0);
    s->ostype = strdup("Linux");
    s->cpes[s->ncpes++] = strdup("cpe:/a:openbsd:openssh:9.2p1");
    s->cpes[s->ncpes++] = strdup("cpe:/o:linux:linux_kernel");
    s->ncves = 2;
    s->cves = calloc(2, sizeof *s->cves);
    snprintf(s->cves[0].id, sizeof s->cves[0].id, "CVE-2099-0001");
    s->cves[0].cvss = 9.8;
    snprintf(s->cves[1].id, sizeof s->cves[1].id, "CVE-2099-0002");
    s->cves[1].cvss = -1;
    h->ports[0].svc = s;
    h->ports[1].svc = mksvc("http", "nginx", "1.22.1", NULL, 1);
    /* What a hostile server can put in fields through $1 templates. */
    struct svc_info *evil = mksvc("x-evil", "Ev\"il<b>/,\x1b[31m", "1/2,3", NULL, 0);
    evil->hostname = strdup("h\"<>&");
    evil->note = strdup("endless response: cut at 65536 bytes");
    h->ports[2].svc = evil;
    struct svc_info *t = mksvc("unknown", NULL, NULL, NULL, 0);
    t->probed = 0;
    t->conf = 3;
    h->ports[3].svc = t;
}

static char *run(int (*fn)(FILE *, const struct scan_result *, const struct out_opts *),
                 const struct scan_result *r)
{
    struct out_opts o = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(fn(f, r, &o), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_all_formats(void **state)
{
    (void)state;
    struct scan_result r;
    build(&r);
    char *n = run(out_normal, &r);
    has(n, "PORT     STATE SERVICE  VERSION\n");
    has(n, "22/tcp   open  ssh      OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)\n");
    has(n, "443/tcp  open  ssl/http nginx 1.22.1\n");
    has(n, "6000/tcp open  unknown?\n");
    has(n, "| cve-feed: 2 known CVEs\n|   CVE-2099-0001    9.8\n|_  CVE-2099-0002    -\n");
    has(n, "|_service-note: endless response");
    has(n, "Service Info: Host: h\"<>&; OS: Linux; CPE: cpe:/o:linux:linux_kernel\n");
    if (strchr(n, '\x1b'))
        fail_msg("escape byte reached the terminal:\n%s", n);
    free(n);

    char *x = run(out_xml, &r);
    has(x, "<service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1 Debian 2+deb12u3\" "
           "extrainfo=\"protocol 2.0\" ostype=\"Linux\" method=\"probed\" conf=\"10\">"
           "<cpe>cpe:/a:openbsd:openssh:9.2p1</cpe><cpe>cpe:/o:linux:linux_kernel</cpe></service>");
    has(x, "<service name=\"http\" product=\"nginx\" version=\"1.22.1\" tunnel=\"ssl\" "
           "method=\"probed\" conf=\"10\"/>");
    has(x, "<service name=\"unknown\" method=\"table\" conf=\"3\"/>");
    has(x, "<script id=\"cve-feed\" output=\"CVE-2099-0001 9.8&#xa;CVE-2099-0002\">"
           "<table><elem key=\"id\">CVE-2099-0001</elem><elem key=\"cvss\">9.8</elem></table>");
    has(x, "hostname=\"h&quot;&lt;&gt;&amp;\"");
    if (access("/usr/bin/xmllint", X_OK) == 0 && access("/usr/share/nmap/nmap.dtd", R_OK) == 0) {
        char path[] = "/tmp/test_svc_output_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, x, strlen(x)), (ssize_t)strlen(x));
        close(fd);
        char cmd[256];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd %s 2>&1", path);
        int rc = system(cmd);
        unlink(path);
        assert_int_equal(rc, 0);
    } else {
        print_message("xmllint or nmap.dtd missing: DTD validation skipped\n");
    }
    free(x);

    char *g = run(out_grepable, &r);
    has(g, "22/open/tcp//ssh//OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)/");
    has(g, "443/open/tcp//ssl|http//nginx 1.22.1/");
    has(g, "2000/open/tcp//x-evil//Ev\"il<b>|;?[31m 1|2;3/");
    free(g);

    char *j = run(out_json, &r);
    has(j, "\"service\":\"ssh\",\"product\":\"OpenSSH\",\"version\":\"9.2p1 Debian 2+deb12u3\"");
    has(j, "\"cpe\":[\"cpe:/a:openbsd:openssh:9.2p1\",\"cpe:/o:linux:linux_kernel\"]");
    has(j, "\"cves\":[{\"id\":\"CVE-2099-0001\",\"cvss\":9.8},{\"id\":\"CVE-2099-0002\",\"cvss\":"
           "null}]");
    has(j, "\"tunnel\":\"ssl\"");
    has(j, "\"method\":\"table\",\"conf\":3");
    free(j);
    result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
