/* Version templates: $1..$9, $P(), $SUBST(), $I() (both byte orders), unset groups, CPE
 * lowering, truncation to the buffer, and malformed templates. */
#include "svc/template.h"

#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Subject "ab\x01c_1_2\x00\x01\x02X": group 1 "ab\x01c", 2 "1_2", 3 "\0\1\2", 4 unset. */
static const uint8_t subj[] = "ab\x01"
                              "c_1_2\x00\x01\x02X";

static struct sv_groups groups(void)
{
    struct sv_groups g = {.subject = subj, .len = sizeof subj - 1, .n = 5};
    for (int i = 0; i < SV_NGROUPS; i++)
        g.start[i] = g.end[i] = SIZE_MAX;
    g.start[0] = 0, g.end[0] = sizeof subj - 1;
    g.start[1] = 0, g.end[1] = 4;
    g.start[2] = 5, g.end[2] = 8;
    g.start[3] = 8, g.end[3] = 11;
    return g;
}

static void expect(const char *tmpl, int flags, const char *want)
{
    struct sv_groups g = groups();
    char out[128];
    int n = sv_tmpl_expand(tmpl, &g, flags, out, sizeof out);
    if (n < 0 || strcmp(out, want) != 0)
        fail_msg("template '%s': got %d '%s', want '%s'", tmpl, n, out, want);
    assert_int_equal((size_t)n, strlen(want));
}

static void test_templates(void **state)
{
    (void)state;
    expect("plain text", 0, "plain text");
    expect("v$2", 0, "v1_2");
    expect("$P(1)!", 0, "abc!");
    expect("$SUBST(2,\"_\",\".\")", 0, "1.2");
    expect("$SUBST(2, \"_\", \"--\")x", 0, "1--2x");
    expect("$I(3,\">\")", 0, "258");    /* 0x000102 */
    expect("$I(3,\"<\")", 0, "131328"); /* 0x020100 */
    expect("[$4]", 0, "[]");            /* unset group */
    expect("[$3]", 0, "[\x01\x02]");    /* NUL bytes of a group are left out */
    expect("[$9]", 0, "[]");            /* beyond the groups reported */
    expect("$$ cost $0", 0, "$$ cost $0");
    expect("$Z(1)", 0, "$Z(1)");
    expect("a:b:$2 X", SV_TMPL_CPE, "a:b:1_2 X");
    struct sv_groups g = groups();
    g.start[2] = 0, g.end[2] = 3; /* "ab\x01" */
    char out[64];
    assert_int_equal(sv_tmpl_expand("A:$P(2) Q", &g, SV_TMPL_CPE, out, sizeof out), 6);
    assert_string_equal(out, "A:ab Q");
}

static void test_bounds_and_errors(void **state)
{
    (void)state;
    struct sv_groups g = groups();
    char out[6];
    assert_int_equal(sv_tmpl_expand("$2$2$2", &g, 0, out, sizeof out), 5);
    assert_string_equal(out, "1_21_");
    static const char *const bad[] = {"$P(1",          "$P(x)",       "$SUBST(1,\"a\")",
                                      "$SUBST(1,a,b)", "$I(3,\"=\")", "$SUBST(1,\"a",
                                      "$I(3,\">>\")"};
    char big[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sv_tmpl_expand(bad[i], &g, 0, big, sizeof big) != -1)
            fail_msg("accepted '%s'", bad[i]);
    /* $I of a group longer than 8 bytes is refused. */
    g.start[1] = 0, g.end[1] = 11;
    assert_int_equal(sv_tmpl_expand("$I(1,\">\")", &g, 0, big, sizeof big), -1);
    /* Offsets outside the subject read as empty, never past it. */
    g.start[1] = 5, g.end[1] = 500;
    assert_int_equal(sv_tmpl_expand("<$1>", &g, 0, big, sizeof big), 2);
    assert_int_equal(sv_tmpl_expand("x", &g, 0, big, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_bounds_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
