/* SipHash-2-4 against the reference test vectors of the SipHash paper (appendix A):
 * key 00 01 .. 0f, messages 00 01 .. (len-1). */
#include "core/siphash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static void test_vectors(void **state)
{
    (void)state;
    struct sip_key k = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    uint8_t msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    assert_int_equal(siphash24(&k, msg, 0), 0x726fdb47dd0e0e31ULL);
    assert_int_equal(siphash24(&k, msg, 1), 0x74f839c593dc67fdULL);
    assert_int_equal(siphash24(&k, msg, 8), 0x93f5f5799a932462ULL);
    assert_int_equal(siphash24(&k, msg, 15), 0xa129ca6149be45e5ULL);
}

static void test_seeded_key_is_stable(void **state)
{
    (void)state;
    struct sip_key a, b, c;
    sip_key_init(&a, 1, 42);
    sip_key_init(&b, 1, 42);
    sip_key_init(&c, 1, 43);
    assert_true(a.k0 == b.k0 && a.k1 == b.k1);
    assert_false(a.k0 == c.k0 && a.k1 == c.k1);
}

/* A shared start absorbed once, then any tail: the same hash as the whole message. */
static void test_prefix_then_tail(void **state)
{
    (void)state;
    struct sip_key k;
    sip_key_init(&k, 1, 7);
    uint8_t msg[64];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 1);
    for (size_t pre = 0; pre <= 32; pre += 8)
        for (size_t tail = 0; pre + tail <= sizeof msg; tail++) {
            struct sip_state st;
            sip_prefix(&st, &k, msg, pre);
            assert_true(sip_finish(&st, msg + pre, tail) == siphash24(&k, msg, pre + tail));
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_seeded_key_is_stable),
        cmocka_unit_test(test_prefix_then_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
