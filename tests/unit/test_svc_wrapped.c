/* nmap's tcpwrapped rule at its boundary: strict < tcpwrappedms on nmap's
 * TIMEVAL_MSEC_SUBTRACT, whose truncation depends on the microsecond phase. */
#include "svc/wrapped.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define S 1000000LL /* one second in us */

static void test_msec_subtract(void **state)
{
    (void)state;
    /* Same second: plain truncation. */
    assert_int_equal(sv_msec_subtract(100 * S + 999999, 100 * S), 999);
    /* 2999.6 ms starting at .000000: 2999 (usec difference positive, truncated down). */
    assert_int_equal(sv_msec_subtract(102 * S + 999600, 100 * S), 2999);
    /* 2999.6 ms starting at .500000: seconds 3 and usec -400: 3000 + (-400 / 1000 = 0). */
    assert_int_equal(sv_msec_subtract(103 * S + 499600, 100 * S + 500000), 3000);
    /* 3000.0 ms exactly. */
    assert_int_equal(sv_msec_subtract(103 * S + 123456, 100 * S + 123456), 3000);
    /* 2000.9 ms: 2000 either way. */
    assert_int_equal(sv_msec_subtract(102 * S + 900, 100 * S), 2000);
}

static void test_boundary(void **state)
{
    (void)state;
    const int64_t t0 = 1700000000 * S + 250000;
    /* Closed at 2999 ms: tcpwrapped; at exactly 3000 ms: not (strict <). */
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 2999000, 0, 3000), 1);
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 3000000, 0, 3000), 0);
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 3000999, 0, 3000), 0);
    /* 2999.9 ms from phase .250000 to .249900: seconds 3, usec -100: 3000: not wrapped. */
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 2999900, 0, 3000), 0);
    /* The same 2999.9 ms from phase .000000: 2999: wrapped. */
    assert_int_equal(sv_is_tcpwrapped(1700000000 * S, 1700000000 * S + 2999900, 0, 3000), 1);
    /* Any byte received, or no connection / no close seen: never. */
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 10, 1, 3000), 0);
    assert_int_equal(sv_is_tcpwrapped(0, t0, 0, 3000), 0);
    assert_int_equal(sv_is_tcpwrapped(t0, 0, 0, 3000), 0);
    /* Default threshold (2000) when the probe file gives none. */
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 1999000, 0, 2000), 1);
    /* 1999.999 ms from phase .250000 counts as 2000 in nmap: not wrapped. */
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 1999999, 0, 2000), 0);
    assert_int_equal(sv_is_tcpwrapped(t0, t0 + 2000000, 0, 2000), 0);
}

static void test_wall_clock(void **state)
{
    (void)state;
    int64_t a = sv_wall_us(), b = sv_wall_us();
    assert_true(a > 1600000000 * S);
    assert_true(sv_msec_subtract(b, a) >= 0 && sv_msec_subtract(b, a) < 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msec_subtract),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_wall_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
