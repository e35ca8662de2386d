/* libFuzzer target: the packet parser on hostile bytes, both as a datagram starting at
 * its IP header and as an Ethernet frame. Checks that what the parser reports stays
 * within the input. */
#include "net/packet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t size, const struct pkt_info *pi)
{
    if (pi->payload && (pi->payload < data || pi->payload_len > size ||
                        pi->payload + pi->payload_len > data + size))
        abort();
    if (pi->tcp_nopts > sizeof pi->tcp_optkinds)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pkt_info pi;
    if (pkt_parse(data, size, &pi) == 0)
        check(data, size, &pi);
    if (pkt_parse_ether(data, size, &pi) == 0)
        check(data, size, &pi);
    return 0;
}
