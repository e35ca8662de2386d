/* Native version modules on hand-made wire bytes: the portmapper DUMP call and reply
 * (TCP record marking with two fragments, UDP, cut and hostile replies) and how the
 * listing names a host's ports; MQTT CONNECT/SUBSCRIBE and a broker's CONNACK, SUBACK and
 * retained $SYS/broker/version PUBLISH (split, refused, malformed). */
#include "svc/mod_mqtt.h"
#include "svc/mod_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define W(v) (uint8_t)((v) >> 24), (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v)

/* A DUMP reply to xid 0x11223344 as rpcbind gives it: portmapper v2-v4 on 111/tcp and
 * 111/udp, status v1 on 32765/tcp and udp. */
static const uint8_t reply_body[] = {
    W(0x11223344), W(1),      W(0), W(0),  W(0),     W(0),  /* reply, accepted, verf */
    W(1),          W(100000), W(4), W(6),  W(111),          /* rpcbind 4 tcp */
    W(1),          W(100000), W(2), W(6),  W(111),          /* rpcbind 2 tcp */
    W(1),          W(100000), W(3), W(17), W(111),          /* rpcbind 3 udp */
    W(1),          W(100024), W(1), W(6),  W(32765),        /* status 1 tcp */
    W(1),          W(100024), W(1), W(17), W(32765), W(0)}; /* status 1 udp; end */

static void test_call(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n = sv_rpc_dump_call(b, sizeof b, 1, 0xdeadbeef);
    static const uint8_t want[] = {0x80,      0,    0,    40,   W(0xdeadbeef), W(0), W(2),
                                   W(100000), W(2), W(4), W(0), W(0),          W(0), W(0)};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, sizeof want);
    assert_int_equal(sv_rpc_dump_call(b, sizeof b, 0, 0xdeadbeef), 40);
    assert_memory_equal(b, want + 4, 40);
    assert_int_equal(sv_rpc_dump_call(b, 43, 1, 1), 0);
}

static void test_parse(void **state)
{
    (void)state;
    static struct sv_rpc_map m;
    char err[160];
    /* UDP: the bare message. */
    assert_int_equal(
        sv_rpc_parse_dump(reply_body, sizeof reply_body, 0, 0x11223344, &m, err, sizeof err), 0);
    assert_int_equal(m.n, 5);
    assert_int_equal(m.e[3].prog, 100024);
    assert_int_equal(m.e[3].port, 32765);
    assert_int_equal(m.e[2].prot, 17);
    /* TCP: two fragments (24 bytes, then the rest with the last-fragment bit). */
    uint8_t tcp[sizeof reply_body + 8];
    size_t rest = sizeof reply_body - 24;
    uint8_t m1[] = {W(24)}, m2[] = {W(0x80000000u | rest)};
    memcpy(tcp, m1, 4);
    memcpy(tcp + 4, reply_body, 24);
    memcpy(tcp + 28, m2, 4);
    memcpy(tcp + 32, reply_body + 24, rest);
    assert_int_equal(sv_rpc_tcp_complete(tcp, sizeof tcp), 1);
    assert_int_equal(sv_rpc_tcp_complete(tcp, sizeof tcp - 1), 0);
    assert_int_equal(sv_rpc_tcp_complete(tcp, 28), 0);
    assert_int_equal(sv_rpc_parse_dump(tcp, sizeof tcp, 1, 0x11223344, &m, err, sizeof err), 0);
    assert_int_equal(m.n, 5);
    /* Cut, wrong xid, hostile port and marker: errors naming the byte. */
    assert_int_equal(sv_rpc_parse_dump(tcp, sizeof tcp - 3, 1, 0x11223344, &m, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "byte 28"));
    assert_int_equal(
        sv_rpc_parse_dump(reply_body, sizeof reply_body - 4, 0, 0x11223344, &m, err, sizeof err),
        -1);
    assert_non_null(strstr(err, "cut in list"));
    assert_int_equal(sv_rpc_parse_dump(reply_body, sizeof reply_body, 0, 1, &m, err, sizeof err),
                     -1);
    uint8_t bad[sizeof reply_body];
    memcpy(bad, reply_body, sizeof bad);
    bad[24 + 16] = 1; /* port 0x01000000 + 111 */
    assert_int_equal(sv_rpc_parse_dump(bad, sizeof bad, 0, 0x11223344, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 40"));
    memcpy(bad, reply_body, sizeof bad);
    bad[27] = 7; /* list marker 7 */
    assert_int_equal(sv_rpc_parse_dump(bad, sizeof bad, 0, 0x11223344, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "marker 7 at byte 24"));
    /* Rejected call: accept_stat 1 (PROG_UNAVAIL), as rpc.statd answers a DUMP. */
    memcpy(bad, reply_body, 28);
    bad[23] = 1;
    assert_int_equal(sv_rpc_parse_dump(bad, 28, 0, 0x11223344, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "accept_stat 1"));
}

static void test_apply(void **state)
{
    (void)state;
    char path[] = "/tmp/test_svc_rpcXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char rpc[] =
        "# nmap-rpc\nrpcbind\t100000\tportmap sunrpc\nstatus\t100024\tstatd\n";
    assert_int_equal(write(fd, rpc, sizeof rpc - 1), (ssize_t)(sizeof rpc - 1));
    close(fd);
    static struct sv_rpc_map m;
    char err[160];
    assert_int_equal(
        sv_rpc_parse_dump(reply_body, sizeof reply_body, 0, 0x11223344, &m, err, sizeof err), 0);
    struct port_result ports[4] = {
        {.port = 111, .proto = PR_TCP, .state = PS_OPEN},
        {.port = 32765, .proto = PR_TCP, .state = PS_OPEN},
        {.port = 111, .proto = PR_UDP, .state = PS_OPEN},
        {.port = 32765, .proto = PR_UDP, .state = PS_CLOSED},
    };
    struct host_result h = {.ports = ports, .nports = 4};
    sv_rpc_apply(&h, &m, path);
    unlink(path);
    assert_string_equal(ports[0].svc->name, "rpcbind");
    assert_string_equal(ports[0].svc->version, "2-4");
    assert_string_equal(ports[0].svc->extrainfo, "RPC #100000");
    assert_string_equal(ports[1].svc->name, "status");
    assert_string_equal(ports[1].svc->version, "1");
    assert_string_equal(ports[1].svc->extrainfo, "RPC #100024");
    assert_string_equal(ports[2].svc->version, "3");
    assert_null(ports[3].svc); /* closed: untouched */
    for (int i = 0; i < 4; i++)
        svc_info_free(ports[i].svc);
}

static void test_mqtt(void **state)
{
    (void)state;
    uint8_t req[64];
    size_t n = sv_mqtt_request(req, sizeof req);
    assert_int_equal(n, 49);
    assert_int_equal(req[0], 0x10);
    assert_int_equal(req[1], n - 26 - 2); /* CONNECT remaining length */
    assert_int_equal(req[23], 0x82);
    assert_int_equal(req[24], n - 23 - 2); /* SUBSCRIBE remaining length */
    assert_int_equal(sv_mqtt_request(req, 48), 0);
    /* What mosquitto 2.0.11 sent: CONNACK, SUBACK, retained PUBLISH. */
    static const uint8_t ans[] = {0x20, 2,   0,   0,   0x90, 3,   0,   1,   0,   0x31, 45,  0,
                                  19,   '$', 'S', 'Y', 'S',  '/', 'b', 'r', 'o', 'k',  'e', 'r',
                                  '/',  'v', 'e', 'r', 's',  'i', 'o', 'n', 'm', 'o',  's', 'q',
                                  'u',  'i', 't', 't', 'o',  ' ', 'v', 'e', 'r', 's',  'i', 'o',
                                  'n',  ' ', '2', '.', '0',  '.', '1', '1'};
    char ver[64], err[160];
    assert_int_equal(sv_mqtt_parse(ans, sizeof ans, ver, sizeof ver, err, sizeof err), 1);
    assert_string_equal(ver, "mosquitto version 2.0.11");
    /* Every cut before the end: not yet (0), never an error. */
    for (size_t cut = 0; cut < sizeof ans; cut++)
        assert_int_equal(sv_mqtt_parse(ans, cut, ver, sizeof ver, err, sizeof err), 0);
    assert_int_equal(sv_mqtt_complete(ans, 9), 0);
    assert_int_equal(sv_mqtt_complete(ans, sizeof ans), 1);
    /* Refused (code 5, not authorised), not MQTT, a topic longer than its packet. */
    static const uint8_t refused[] = {0x20, 2, 0, 5};
    assert_int_equal(sv_mqtt_parse(refused, 4, ver, sizeof ver, err, sizeof err), -1);
    assert_non_null(strstr(err, "refused, code 5 at byte 3"));
    static const uint8_t http[] = "HTTP/1.1 400 Bad Request";
    assert_int_equal(sv_mqtt_parse(http, sizeof http - 1, ver, sizeof ver, err, sizeof err), -1);
    assert_non_null(strstr(err, "not CONNACK"));
    uint8_t bad[sizeof ans];
    memcpy(bad, ans, sizeof bad);
    bad[12] = 200;
    assert_int_equal(sv_mqtt_parse(bad, sizeof bad, ver, sizeof ver, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 11"));
    static const uint8_t longlen[] = {0x20, 2, 0, 0, 0x30, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(sv_mqtt_parse(longlen, sizeof longlen, ver, sizeof ver, err, sizeof err), -1);
    /* Split into product and version; a bare string is the product. */
    struct svc_info si = {0};
    sv_mqtt_apply(&si, "mosquitto version 2.0.11");
    assert_string_equal(si.product, "mosquitto");
    assert_string_equal(si.version, "2.0.11");
    sv_mqtt_apply(&si, "HiveMQ");
    assert_string_equal(si.product, "HiveMQ");
    assert_null(si.version);
    free(si.product);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_mqtt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
