/* The rate search on simulated targets: it climbs where nothing is lost, finds a limit
 * and stays near it, keeps moving below 10k probes/s, and stays put without a signal. */
#include "scan/ratectl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

/* Runs `seconds` of a scan against a target that answers a share `p` of probes and drops
 * whatever arrives above `limit` probes/s (0: no limit); replies take 200 us. */
static void simulate(struct ratectl *rc, double seconds, double p, double limit)
{
    uint64_t t = 1000000000ull; /* the engine's clock is absolute */
    double carry = 0;
    unsigned seed = 1;
    for (uint64_t step = 0; step < (uint64_t)(seconds * 1000); step++, t += 1000) {
        carry += rc->rate / 1000.0;
        double pass = limit > 0 && rc->rate > limit ? limit / rc->rate : 1.0;
        for (; carry >= 1; carry -= 1) {
            ratectl_sent(rc, t);
            seed = seed * 1103515245u + 12345u;
            if ((double)(seed >> 8) / (double)(1u << 24) < p * pass)
                ratectl_reply(rc, t, t + 200);
        }
        ratectl_update(rc, t);
    }
}

static void test_climbs_without_loss(void **state)
{
    (void)state;
    struct ratectl rc;
    ratectl_init(&rc, 1, 10000, 0, 1000000);
    simulate(&rc, 2, 0.9, 0);
    assert_true(rc.rate >= 999999);
    assert_int_equal(rc.downs, 0);
}

static void test_finds_a_limit(void **state)
{
    (void)state;
    struct ratectl rc;
    ratectl_init(&rc, 1, 10000, 0, 1000000);
    simulate(&rc, 10, 0.9, 40000);
    assert_true(rc.lossy >= 40000 && rc.lossy <= 80000);
    assert_true(rc.rate >= 20000 && rc.rate <= 40000);
}

static void test_moves_below_10k(void **state)
{
    (void)state;
    struct ratectl rc;
    ratectl_init(&rc, 1, 3000, 0, 300000);
    simulate(&rc, 20, 0.9, 12000);
    assert_true(rc.ups >= 2);
    assert_true(rc.lossy >= 12000 && rc.lossy <= 24000);
    assert_true(rc.rate >= 6000 && rc.rate <= 12000);
}

static void test_stays_without_signal(void **state)
{
    (void)state;
    struct ratectl rc;
    ratectl_init(&rc, 1, 10000, 0, 1000000);
    simulate(&rc, 3, 0.01, 0);
    assert_true(rc.rate == 10000);
}

static void test_inactive_is_fixed(void **state)
{
    (void)state;
    struct ratectl rc;
    ratectl_init(&rc, 0, 10000, 0, 1000000);
    simulate(&rc, 1, 0.9, 0);
    assert_true(rc.rate == 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_climbs_without_loss), cmocka_unit_test(test_finds_a_limit),
        cmocka_unit_test(test_moves_below_10k),     cmocka_unit_test(test_stays_without_signal),
        cmocka_unit_test(test_inactive_is_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
