/* Native version modules on hand-made wire bytes: the portmapper DUMP call and reply
 * (TCP record marking with two fragments, UDP, cut and hostile replies) and how the
 * listing names a host's ports; MQTT CONNECT/SUBSCRIBE and a broker's CONNACK, SUBACK and
 * retained $SYS/broker/version PUBLISH (split, refused, malformed); the SNMPv3 discovery
 * message and an agent's Report (engine ID, enterprise name, hostile lengths); AMQP's
 * Connection.Start as RabbitMQ sends it (server-properties with a nested table). */
#include "svc/mod_amqp.h"
#include "svc/mod_mqtt.h"
#include "svc/mod_rpc.h"
#include "svc/mod_snmp.h"

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

/* A net-snmp Report to msgID 0x5052: engine ID 80 00 1f 88 80 + 8 bytes (enterprise
 * 8072, format 128: net-snmp's random). */
static const uint8_t report[] = {
    0x30, 0x37, 0x02, 0x01, 0x03,                                     /* version 3 */
    0x30, 0x0f, 0x02, 0x02, 0x50, 0x52, 0x02, 0x03, 0x00, 0xff, 0xe3, /* msgID, size */
    0x04, 0x01, 0x00, 0x02, 0x01, 0x03,                               /* flags, USM */
    0x04, 0x1d, 0x30, 0x1b, 0x04, 0x0d, 0x80, 0x00, 0x1f, 0x88, 0x80, /* engine ID */
    0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x02, 0x01, 0x01, /* boots 1 */
    0x02, 0x01, 0x05, 0x04, 0x00, 0x04, 0x00, 0x04, 0x00, 0x30, 0x02, 0x04, 0x00};

static void test_snmp(void **state)
{
    (void)state;
    uint8_t req[96], eid[SV_SNMP_EID_MAX];
    size_t n = sv_snmp_discovery(req, sizeof req, 0x1234), eidlen = 0;
    assert_int_equal(n, 60);
    assert_int_equal(req[1], n - 2);
    assert_int_equal(req[9], 0x12);
    assert_int_equal(req[10], 0x34);
    char err[160];
    assert_int_equal(sv_snmp_parse(report, sizeof report, 0x5052, eid, &eidlen, err, sizeof err),
                     0);
    assert_int_equal(eidlen, 13);
    assert_int_equal(eid[2], 0x1f);
    /* Cut anywhere: an error, never a read past the end. */
    for (size_t cut = 0; cut < 52; cut++)
        assert_int_equal(sv_snmp_parse(report, cut, 0x5052, eid, &eidlen, err, sizeof err), -1);
    assert_int_equal(sv_snmp_parse(report, sizeof report, 0x5053, eid, &eidlen, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "not ours"));
    uint8_t bad[sizeof report];
    memcpy(bad, report, sizeof bad);
    bad[4] = 1; /* SNMPv1 */
    assert_int_equal(sv_snmp_parse(bad, sizeof bad, 0x5052, eid, &eidlen, err, sizeof err), -1);
    assert_non_null(strstr(err, "not 3"));
    memcpy(bad, report, sizeof bad);
    bad[27] = 0x84; /* engine ID length in 4 bytes */
    assert_int_equal(sv_snmp_parse(bad, sizeof bad, 0x5052, eid, &eidlen, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad length at byte 27"));
    /* Enterprise name from the numbers file; the number when the file lacks it. */
    char path[] = "/tmp/test_svc_entXXXXXX", ent[64];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char nums[] = "9\tciscoSystems\n8072\tnet-snmp\n";
    assert_int_equal(write(fd, nums, sizeof nums - 1), (ssize_t)(sizeof nums - 1));
    close(fd);
    sv_snmp_enterprise(eid, eidlen, path, ent, sizeof ent);
    assert_string_equal(ent, "net-snmp");
    static const uint8_t other[] = {0x80, 0, 0, 10, 1};
    sv_snmp_enterprise(other, sizeof other, path, ent, sizeof ent);
    assert_string_equal(ent, "10");
    unlink(path);
    struct svc_info si = {.product = strdup("net-snmp")};
    sv_snmp_apply(&si, "net-snmp");
    assert_string_equal(si.product, "net-snmp; net-snmp SNMPv3 server");
    assert_string_equal(si.name, "snmp");
    free(si.product);
    si.product = NULL;
    sv_snmp_apply(&si, "ciscoSystems");
    assert_string_equal(si.product, "ciscoSystems SNMPv3 server");
    free(si.product);
    free(si.name);
}

/* Appends a shortstr key, a type and a value of n bytes (with a 4-byte length for S/F). */
static size_t prop(uint8_t *b, size_t o, const char *key, char type, const void *v, size_t n)
{
    b[o++] = (uint8_t)strlen(key);
    memcpy(b + o, key, strlen(key));
    o += strlen(key);
    b[o++] = (uint8_t)type;
    if (type == 'S' || type == 'F') {
        uint8_t l[] = {W((uint32_t)n)};
        memcpy(b + o, l, 4);
        o += 4;
    }
    memcpy(b + o, v, n);
    return o + n;
}

/* A Connection.Start frame like RabbitMQ 3.10.8's: returns its length. */
static size_t amqp_start(uint8_t *b)
{
    uint8_t caps[64], tbl[256];
    size_t nc = prop(caps, 0, "publisher_confirms", 't', "\x01", 1);
    size_t nt = prop(tbl, 0, "capabilities", 'F', caps, nc);
    nt = prop(tbl, nt, "cluster_name", 'S', "rabbit@localhost", 16);
    nt = prop(tbl, nt, "product", 'S', "RabbitMQ", 8);
    nt = prop(tbl, nt, "version", 'S', "3.10.8", 6);
    nt = prop(tbl, nt, "platform", 'S', "Erlang/OTP 25.2.3", 17);
    size_t o = 7;
    static const uint8_t head[] = {0, 10, 0, 10, 0, 9};
    memcpy(b + o, head, 6);
    o += 6;
    uint8_t l[] = {W((uint32_t)nt)};
    memcpy(b + o, l, 4);
    memcpy(b + o + 4, tbl, nt);
    o += 4 + nt;
    static const uint8_t tail[] = {0, 0, 0, 5, 'P', 'L', 'A', 'I', 'N',
                                   0, 0, 0, 5, 'e', 'n', '_', 'U', 'S'};
    memcpy(b + o, tail, sizeof tail);
    o += sizeof tail;
    uint8_t h[] = {1, 0, 0, W((uint32_t)(o - 7))};
    memcpy(b, h, 7);
    b[o++] = 0xce;
    return o;
}

static void test_amqp(void **state)
{
    (void)state;
    uint8_t req[8], f[512];
    assert_int_equal(sv_amqp_request(req, sizeof req), 8);
    assert_memory_equal(req, "AMQP\0\0\x09\x01", 8);
    size_t n = amqp_start(f);
    struct sv_amqp_info info;
    char err[160];
    assert_int_equal(sv_amqp_complete(f, n), 1);
    assert_int_equal(sv_amqp_complete(f, n - 1), 0);
    assert_int_equal(sv_amqp_parse(f, n, &info, err, sizeof err), 0);
    assert_string_equal(info.product, "RabbitMQ");
    assert_string_equal(info.version, "3.10.8");
    assert_string_equal(info.proto, "0-9");
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(sv_amqp_parse(f, cut, &info, err, sizeof err), -1);
    /* A broker that wants another protocol answers with its header. */
    assert_int_equal(
        sv_amqp_parse((const uint8_t *)"AMQP\x01\x01\x00\x0a", 8, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "protocol 1-0-10"));
    /* A table length past the frame, an unknown field type. */
    uint8_t bad[512];
    memcpy(bad, f, n);
    bad[13] = 0x7f;
    assert_int_equal(sv_amqp_parse(bad, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "byte 13"));
    memcpy(bad, f, n);
    bad[17 + 1 + 12] = '?'; /* the type of "capabilities" */
    assert_int_equal(sv_amqp_parse(bad, n, &info, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown field type 0x3f at byte 30"));
    struct svc_info si = {.product = strdup("Advanced Message Queue Protocol")};
    assert_int_equal(sv_amqp_parse(f, n, &info, err, sizeof err), 0);
    sv_amqp_apply(&si, &info);
    assert_string_equal(si.name, "amqp");
    assert_string_equal(si.product, "RabbitMQ");
    assert_string_equal(si.version, "3.10.8");
    assert_string_equal(si.extrainfo, "0-9");
    free(si.name), free(si.product), free(si.version), free(si.extrainfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call), cmocka_unit_test(test_parse), cmocka_unit_test(test_apply),
        cmocka_unit_test(test_mqtt), cmocka_unit_test(test_snmp),  cmocka_unit_test(test_amqp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
