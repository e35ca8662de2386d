/* --traceroute's pure parts: the probe nmap would trace a host with, chosen from the host's
 * scan results (nmap's pingprobe_score: a closed port's RST beats an echo reply, which beats an
 * open port's SYN/ACK and a UDP answer; the discovery answer wins a tie; ICMP echo when nothing
 * answered), and the hop count told by a reply's TTL. */
#include "net/packet.h"
#include "scan/traceroute.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void port(struct host_result *h, uint8_t proto, uint16_t p, uint8_t st, uint8_t rs,
                 uint8_t ttl)
{
    h->ports = realloc(h->ports, (h->nports + 1) * sizeof *h->ports);
    assert_non_null(h->ports);
    h->ports[h->nports++] = (struct port_result){p, proto, st, rs, ttl, NULL};
}

static void test_choose(void **state)
{
    (void)state;
    struct host_result h = {0};
    struct trace_probe pr;
    /* nothing answered: ICMP echo */
    trace_choose_probe(&h, 0, &pr);
    assert_int_equal(pr.proto, TRACE_PROTO_ICMP);
    assert_int_equal(pr.reply_ttl, 0);
    /* found by an echo reply, ports open only: the echo (50) beats the SYN/ACK (30) */
    h.reason = RS_ECHO_REPLY;
    h.reason_ttl = 61;
    port(&h, PR_TCP, 80, PS_OPEN, RS_SYN_ACK, 61);
    trace_choose_probe(&h, 1, &pr);
    assert_int_equal(pr.proto, TRACE_PROTO_ICMP);
    assert_int_equal(pr.reply_ttl, 61);
    /* -Pn: the open port's SYN */
    trace_choose_probe(&h, 0, &pr);
    assert_int_equal(pr.proto, PR_TCP);
    assert_int_equal(pr.port, 80);
    assert_int_equal(pr.tcp_flags, TH_SYN);
    /* a UDP answer is worth less than the SYN/ACK */
    port(&h, PR_UDP, 53, PS_CLOSED, RS_PORT_UNREACH, 61);
    trace_choose_probe(&h, 0, &pr);
    assert_int_equal(pr.port, 80);
    /* a closed port often spoofed by middleboxes (50) ties with the echo: the echo stays */
    port(&h, PR_TCP, 113, PS_CLOSED, RS_RESET, 61);
    trace_choose_probe(&h, 1, &pr);
    assert_int_equal(pr.proto, TRACE_PROTO_ICMP);
    /* any other closed port (60) wins, the first one of equals */
    port(&h, PR_TCP, 443, PS_CLOSED, RS_RESET, 60);
    port(&h, PR_TCP, 8080, PS_CLOSED, RS_RESET, 60);
    trace_choose_probe(&h, 1, &pr);
    assert_int_equal(pr.proto, PR_TCP);
    assert_int_equal(pr.port, 443);
    assert_int_equal(pr.reply_ttl, 60);
    /* found by a RST to discovery's SYN to 443 (443 closed): that probe */
    h.reason = RS_RESET;
    trace_choose_probe(&h, 1, &pr);
    assert_int_equal(pr.port, 443);
    assert_int_equal(pr.tcp_flags, TH_SYN);
    /* an ACK scan's unfiltered port is traced with ACKs */
    struct host_result a = {0};
    port(&a, PR_TCP, 22, PS_UNFILTERED, RS_RESET, 64);
    trace_choose_probe(&a, 0, &pr);
    assert_int_equal(pr.port, 22);
    assert_int_equal(pr.tcp_flags, TH_ACK);
    /* found by the RST to discovery's ACK to 80 (443 not closed) */
    a.reason = RS_RESET;
    a.nports = 0;
    trace_choose_probe(&a, 1, &pr);
    assert_int_equal(pr.port, 80);
    assert_int_equal(pr.tcp_flags, TH_ACK);
    free(h.ports);
    free(a.ports);
}

static void test_distance(void **state)
{
    (void)state;
    assert_int_equal(trace_distance(0), 0);
    assert_int_equal(trace_distance(64), 1);
    assert_int_equal(trace_distance(62), 3);
    assert_int_equal(trace_distance(32), 1);
    assert_int_equal(trace_distance(33), 32);
    assert_int_equal(trace_distance(128), 1);
    assert_int_equal(trace_distance(120), 9);
    assert_int_equal(trace_distance(255), 1);
    assert_int_equal(trace_distance(250), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
