/* The local port range parser (net/portrange.h): the kernel's text is accepted; junk,
 * zero, out-of-range and reversed ranges are refused with the offset named; the running
 * kernel's own file reads back as a valid range. */
#include "net/portrange.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static int parse(const char *s, struct port_range *r, struct pr_error *e)
{
    return portrange_parse(s, strlen(s), r, e);
}

static void test_accepts(void **state)
{
    (void)state;
    struct port_range r;
    struct pr_error e;
    assert_int_equal(parse("32768\t60999\n", &r, &e), 0);
    assert_int_equal(r.lo, 32768);
    assert_int_equal(r.hi, 60999);
    assert_int_equal(parse("1024 65535", &r, &e), 0);
    assert_int_equal(r.lo, 1024);
    assert_int_equal(r.hi, 65535);
    assert_int_equal(parse("5000  5000\n", &r, &e), 0);
    assert_int_equal(r.lo, r.hi);
    /* not NUL-terminated: the length decides */
    assert_int_equal(portrange_parse("40000 50000999", 11, &r, &e), 0);
    assert_int_equal(r.hi, 50000);
}

static void test_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"", "low port expected at offset 0"},
        {"abc 1", "low port expected at offset 0"},
        {"0 100", "low port 0 at offset 0"},
        {"65536 65537", "low port above 65535 at offset 0"},
        {"1024", "blank expected after the low port at offset 4"},
        {"1024 ", "high port expected at offset 5"},
        {"1024 99999999999999999999", "high port above 65535 at offset 5"},
        {"1024 2048 4096", "unexpected byte after the high port at offset 9"},
        {"1024 2048\n\n", "unexpected byte after the high port at offset 10"},
        {"-1 2", "low port expected at offset 0"},
        {"60999 32768", "low port 60999 above high port 32768"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct port_range r = {7, 7};
        struct pr_error e = {{0}};
        assert_int_equal(parse(bad[i].in, &r, &e), -1);
        assert_string_equal(e.msg, bad[i].msg);
        assert_int_equal(r.lo, 7); /* untouched */
    }
}

static void test_reads_the_kernels(void **state)
{
    (void)state;
    struct port_range r;
    struct pr_error e;
    if (portrange_read(&r, &e) < 0)
        skip(); /* no /proc here */
    assert_true(r.lo >= 1 && r.lo <= r.hi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_reads_the_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
