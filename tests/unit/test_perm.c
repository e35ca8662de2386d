/* The permutation visits every index exactly once, for several sizes, and depends on the key. */
#include "core/perm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

static void check_bijection(uint64_t n, uint64_t seed)
{
    struct sip_key k;
    sip_key_init(&k, 1, seed);
    struct perm p;
    perm_init(&p, n, &k);
    uint8_t *seen = calloc(n ? n : 1, 1);
    assert_non_null(seen);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = perm_at(&p, i);
        assert_true(x < n);
        assert_int_equal(seen[x], 0);
        seen[x] = 1;
    }
    free(seen);
}

static void test_bijection(void **state)
{
    (void)state;
    uint64_t sizes[] = {1, 2, 3, 5, 17, 1000, 65535, 65536, 100003};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_bijection(sizes[i], i);
}

static void test_key_changes_order(void **state)
{
    (void)state;
    struct sip_key a, b;
    sip_key_init(&a, 1, 1);
    sip_key_init(&b, 1, 2);
    struct perm pa, pb;
    perm_init(&pa, 1000, &a);
    perm_init(&pb, 1000, &b);
    int same = 0;
    for (uint64_t i = 0; i < 1000; i++)
        same += perm_at(&pa, i) == perm_at(&pb, i);
    assert_true(same < 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bijection),
        cmocka_unit_test(test_key_changes_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
