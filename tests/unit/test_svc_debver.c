/* Debian version comparison (svc/debver.c) against dpkg's rules: epochs, '~' before the
 * end, letters before other characters, numeric runs, revisions, and validity. */
#include "svc/debver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define LT(a, b)                                                                                   \
    do {                                                                                           \
        assert_true(debver_cmp(a, b) < 0);                                                         \
        assert_true(debver_cmp(b, a) > 0);                                                         \
    } while (0)
#define EQ(a, b) assert_int_equal(debver_cmp(a, b), 0)

static void test_cmp(void **state)
{
    (void)state;
    LT("1.0~rc1", "1.0");
    LT("1.0~~", "1.0~");
    LT("1.0~", "1.0");
    LT("1.0", "1.0a");
    LT("1.0a", "1.0+"); /* letters before other characters */
    LT("1.0", "1.0.1");
    LT("2.0", "1:1.0"); /* the epoch wins */
    LT("1:9.9", "2:0.1");
    LT("9.2p1-2+deb12u2", "9.2p1-2+deb12u3");
    LT("1:9.2p1-2", "1:9.2p1-2+deb12u3");
    LT("9.18.19-1~deb12u1", "9.18.19-1");
    LT("1.2.9", "1.2.10"); /* numerically */
    LT("1.0-1", "1.0-1.1");
    LT("1.0-9", "1.0-10");
    LT("1.0", "1.0-1"); /* no revision is "0" */
    EQ("1.0", "1.0-0");
    EQ("0:1.0", "1.0");
    EQ("1.001", "1.1");
    EQ("1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u3");
    LT("1.0-1-1", "1.0-1-2"); /* the last '-' starts the revision */
    LT("", "0.1");
    EQ("", "");
    LT("99999999999999999999", "100000000000000000000"); /* long digit runs, no overflow */
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(debver_valid("1:9.2p1-2+deb12u3"));
    assert_true(debver_valid("1.0~rc1"));
    assert_true(debver_valid("9.18.19-1~deb12u1"));
    assert_false(debver_valid(""));
    assert_false(debver_valid("a1.0"));
    assert_false(debver_valid(":1.0"));
    assert_false(debver_valid("1.0-"));
    assert_false(debver_valid("1.0 beta"));
    assert_false(debver_valid("1:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
