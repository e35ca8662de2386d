/* net/arp.c's request builder and reply parser: a request carries our MAC and addresses
 * in RFC 826's layout; a reply is parsed back; requests, other hardware or protocol types,
 * other address lengths and short buffers are not replies. */
#include "net/arp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

static const uint8_t MAC[6] = {0x00, 0x50, 0x56, 0x12, 0x34, 0x56};

static void test_request_layout(void **state)
{
    (void)state;
    struct pr_addr s, t;
    assert_int_equal(addr_parse("198.18.0.1", &s), 0);
    assert_int_equal(addr_parse("198.18.0.2", &t), 0);
    uint8_t b[ARP_LEN];
    assert_int_equal(arp_build_request(b, MAC, &s, &t), ARP_LEN);
    static const uint8_t want[ARP_LEN] = {0,    1,    8,    0,    6,   4,  0, 1, 0x00, 0x50,
                                          0x56, 0x12, 0x34, 0x56, 198, 18, 0, 1, 0,    0,
                                          0,    0,    0,    0,    198, 18, 0, 2};
    assert_memory_equal(b, want, ARP_LEN);
    struct pr_addr from, to;
    uint8_t mac[6];
    assert_int_equal(arp_parse_reply(b, sizeof b, &from, mac, &to), 0); /* a request */
}

static void test_reply_parsed(void **state)
{
    (void)state;
    struct pr_addr s, t, from, to;
    assert_int_equal(addr_parse("198.18.0.2", &s), 0);
    assert_int_equal(addr_parse("198.18.0.1", &t), 0);
    uint8_t b[64] = {0}, mac[6];
    arp_build_request(b, MAC, &s, &t);
    b[7] = 2; /* a reply from 198.18.0.2 (MAC) to 198.18.0.1 */
    assert_int_equal(arp_parse_reply(b, sizeof b, &from, mac, &to), 1); /* Ethernet padding */
    assert_true(addr_eq(&from, &s));
    assert_true(addr_eq(&to, &t));
    assert_memory_equal(mac, MAC, 6);
    assert_int_equal(arp_parse_reply(b, ARP_LEN - 1, &from, mac, &to), 0);
    assert_int_equal(arp_parse_reply(b, 0, &from, mac, &to), 0);
    for (int i = 0; i < 7; i++) { /* hardware/protocol type and lengths, op's high byte */
        uint8_t c[ARP_LEN];
        memcpy(c, b, ARP_LEN);
        c[i] ^= 0x10;
        assert_int_equal(arp_parse_reply(c, sizeof c, &from, mac, &to), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_layout),
        cmocka_unit_test(test_reply_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
