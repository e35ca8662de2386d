/* libFuzzer target: the rtnetlink parsers of net/neigh.c (neighbour dump, link reply)
 * and net/arp.c's reply parser on hostile bytes. Checks that the table stays consistent: its count
 * matches its used slots, and every entry it holds is found again by address. */
#include "net/arp.h"
#include "net/neigh.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct neigh_table t = {.ifindex = 7};
    (void)neigh_parse(&t, data, size, 0, NULL);
    size_t used = 0;
    for (size_t i = 0; i < t.cap; i++) {
        if (!t.slots[i].used)
            continue;
        used++;
        const uint8_t *mac = neigh_lookup(&t, &t.slots[i].addr);
        if (mac && mac != t.slots[i].mac)
            abort();
    }
    if (used != t.n)
        abort();
    neigh_free(&t);
    struct link_info li = {.ifindex = 7};
    if (link_parse(&li, data, size, 0, NULL) == 1 && li.mac_len > 32)
        abort();
    struct pr_addr from, to;
    uint8_t mac[6];
    if (arp_parse_reply(data, size, &from, mac, &to) == 1 &&
        (size < ARP_LEN || from.family != AF_INET || memcmp(mac, data + 8, 6) != 0))
        abort();
    return 0;
}
