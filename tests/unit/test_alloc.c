/* pr_calloc_big (core/error.h): zeroed and writable to the last byte on both sides of the
 * 2 MiB threshold (calloc below, a mapping of whole huge pages above), freed with the
 * size it was made with; zero elements are allowed. */
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static void check(size_t n, size_t size)
{
    uint8_t *p = pr_calloc_big(n, size);
    assert_non_null(p);
    size_t bytes = n * size;
    for (size_t i = 0; i < bytes; i += 4093) /* zeroed, on every page */
        assert_int_equal(p[i], 0);
    if (bytes) {
        assert_int_equal(p[bytes - 1], 0);
        memset(p, 0xa5, bytes); /* writable to the end */
        assert_int_equal(p[bytes - 1], 0xa5);
    }
    pr_free_big(p, n, size);
}

static void test_sizes(void **state)
{
    (void)state;
    check(0, 8);
    check(1, 8);
    check((2u << 20) / 8 - 1, 8); /* just under 2 MiB: calloc */
    check((2u << 20) / 8, 8);     /* 2 MiB: one huge page */
    check((5u << 20) / 8 + 3, 8); /* rounded up to 6 MiB */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sizes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
