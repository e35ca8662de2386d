/* libFuzzer target: the packet parser on hostile bytes, both as a datagram starting at
 * its IP header and as an Ethernet frame. Checks that what the parser reports stays
 * within the input; the checksum check reads only the input, and --badsum's spoiling
 * (on a copy) leaves a TCP/UDP datagram whose checksum no longer verifies. The
 * --packet-trace description reads only the input and always ends its string; a decoy's
 * source rewrite and the fragmenter take any bytes (fragments each within bounds). */
#include "net/frag.h"
#include "net/packet.h"
#include "output/ptrace.h"

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
    int before = pkt_csum_check(data, size, PKT_CSUM_L4);
    (void)pkt_csum_check(data, size, PKT_CSUM_L4 | PKT_CSUM_PARTIAL);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    pkt_spoil_cksum(copy, size);
    /* an unfragmented TCP segment, all present, that verified: spoiled, it must not */
    int whole_tcp = size >= 40 &&
                    ((data[0] >> 4 == 4 && data[9] == 6 && (data[6] & 0x3f) == 0 && data[7] == 0) ||
                     (data[0] >> 4 == 6 && data[6] == 6));
    if (whole_tcp && before == PKT_CSUM_OK && pkt_parse(copy, size, &pi) == 0 &&
        pi.l4 == PKT_L4_TCP && pi.ip_len <= size &&
        pkt_csum_check(copy, size, PKT_CSUM_L4) == PKT_CSUM_OK)
        abort();
    char line[512];
    line[sizeof line - 1] = 'x';
    ptrace_describe(line, sizeof line, data, size);
    if (memchr(line, 0, sizeof line) == NULL)
        abort();
    struct pr_addr d = {.family = size && data[0] >> 4 == 6 ? AF_INET6 : AF_INET, .a = {7, 7}};
    memcpy(copy, data, size);
    (void)pkt_set_src(copy, size, &d);
    uint8_t out[PKT_MAX * 4];
    size_t lens[FRAG_MAX], total = 0;
    size_t nf = frag_split(data, size, 8, out, sizeof out, lens, FRAG_MAX);
    for (size_t i = 0; i < nf; i++)
        total += lens[i];
    if (total > sizeof out)
        abort();
    free(copy);
    return 0;
}
