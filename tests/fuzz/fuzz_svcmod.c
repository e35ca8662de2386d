/* fuzz_svcmod.c — libFuzzer target for the wire parsers of the native version modules:
 * the portmapper DUMP reply (TCP record marking and UDP), the MQTT broker's packets and
 * the SNMPv3 Report, AMQP's Connection.Start. Input: the first byte picks the parser, the rest is
 * the answer. A parse must end (no hang), stay inside the input, and give bounded, terminated
 * results. */
#include "svc/mod_amqp.h"
#include "svc/mod_mqtt.h"
#include "svc/mod_rpc.h"
#include "svc/mod_snmp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    char err[160], ver[64];
    switch (data[0] % 5) {
    case 0:
    case 1: {
        static struct sv_rpc_map m;
        int tcp = data[0] % 5 == 1;
        if (tcp)
            (void)sv_rpc_tcp_complete(d, n);
        if (sv_rpc_parse_dump(d, n, tcp, 0x11223344, &m, err, sizeof err) == 0 && m.n > SV_RPC_MAX)
            abort();
        break;
    }
    case 2:
        if (sv_mqtt_parse(d, n, ver, sizeof ver, err, sizeof err) == 1 && strlen(ver) >= sizeof ver)
            abort();
        break;
    case 3: {
        struct sv_amqp_info info;
        (void)sv_amqp_complete(d, n);
        if (sv_amqp_parse(d, n, &info, err, sizeof err) == 0 &&
            (strlen(info.product) >= sizeof info.product || !info.proto[0]))
            abort();
        break;
    }
    default: {
        uint8_t eid[SV_SNMP_EID_MAX];
        size_t eidlen = 0;
        if (sv_snmp_parse(d, n, 0x5052, eid, &eidlen, err, sizeof err) == 0 &&
            (eidlen < 4 || eidlen > sizeof eid))
            abort();
        break;
    }
    }
    return 0;
}
