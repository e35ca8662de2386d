/* test_osfp.c — the subject OS fingerprint (os/osfp.c): setting and reading attributes,
 * reading nmap's printed form wrapped or not, writing it back byte for byte as nmap does,
 * and hostile input with the line and column in the error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "os/osfp.h"

#include <stdio.h>
#include <string.h>

/* What nmap 7.93 printed after "TCP/IP fingerprint:" for 127.0.0.1 (one open, one closed
 * port) on the machine these tests were written on. */
static const char nmap_text[] =
    "OS:SCAN(V=7.93%E=4%D=12/3%OT=2024%CT=1%CU=32319%PV=N%DS=0%DC=L%G=Y%TM=6B110\n"
    "OS:683%P=x86_64-pc-linux-gnu)SEQ(SP=FB%GCD=1%ISR=109%TI=Z%CI=Z%II=I%TS=21)O\n"
    "OS:PS(O1=MFFD7ST11NWA%O2=MFFD7ST11NWA%O3=MFFD7NNT11NWA%O4=MFFD7ST11NWA%O5=M\n"
    "OS:FFD7ST11NWA%O6=MFFD7ST11)WIN(W1=FFCB%W2=FFCB%W3=FFCB%W4=FFCB%W5=FFCB%W6=\n"
    "OS:FFCB)ECN(R=Y%DF=Y%T=40%W=FFD7%O=MFFD7NNSNWA%CC=Y%Q=)T1(R=Y%DF=Y%T=40%S=O\n"
    "OS:%A=S+%F=AS%RD=0%Q=)T2(R=N)T3(R=N)T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=\n"
    "OS:0%Q=)T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)T6(R=Y%DF=Y%T=40%W=0%\n"
    "OS:S=A%A=Z%F=R%O=%RD=0%Q=)T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)U1(\n"
    "OS:R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)IE(R=Y%DFI=\n"
    "OS:N%T=40%CD=S)\n";

/* The same, as nmap writes it unwrapped (-vv, a fingerprint unfit for submission). */
static const char flat_text[] =
    "SCAN(V=7.93%E=4%D=12/3%OT=2024%CT=1%CU=32319%PV=N%DS=0%DC=L%G=Y%TM=6B110683%P=x86_64-pc-"
    "linux-gnu)\n"
    "SEQ(SP=FB%GCD=1%ISR=109%TI=Z%CI=Z%II=I%TS=21)\n"
    "OPS(O1=MFFD7ST11NWA%O2=MFFD7ST11NWA%O3=MFFD7NNT11NWA%O4=MFFD7ST11NWA%O5=MFFD7ST11NWA%O6="
    "MFFD7ST11)\n"
    "WIN(W1=FFCB%W2=FFCB%W3=FFCB%W4=FFCB%W5=FFCB%W6=FFCB)\n"
    "ECN(R=Y%DF=Y%T=40%W=FFD7%O=MFFD7NNSNWA%CC=Y%Q=)\n"
    "T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=)\n"
    "T2(R=N)\n"
    "T3(R=N)\n"
    "T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)\n"
    "T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\n"
    "T6(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)\n"
    "T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\n"
    "U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)\n"
    "IE(R=Y%DFI=N%T=40%CD=S)\n";

static int parse(struct osfp *fp, const char *text, struct pr_error *e)
{
    return osfp_parse(fp, text, strlen(text), "fp.txt", e);
}

static void test_set_get(void **state)
{
    (void)state;
    static struct osfp fp;
    struct pr_error e = {{0}};
    memset(&fp, 0, sizeof fp);
    assert_int_equal(osfp_set(&fp, "SEQ", "SP", "106", &e), 0);
    assert_int_equal(osfp_set(&fp, "SEQ", "GCD", "1", &e), 0);
    assert_int_equal(osfp_set(&fp, "T1", "R", "Y", &e), 0);
    assert_int_equal(osfp_set(&fp, "SEQ", "SP", "107", &e), 0); /* overwrites in place */
    assert_int_equal(osfp_set(&fp, "SCAN", "V", "7.93", &e), 0);
    assert_int_equal(osfp_set(&fp, "ECN", "Q", "", &e), 0);
    assert_int_equal(fp.ntests, 3);
    assert_string_equal(fp.tests[0].name, "SEQ");
    assert_int_equal(fp.tests[0].nattrs, 2);
    assert_string_equal(osfp_get(&fp, "SEQ", "SP"), "107");
    assert_string_equal(osfp_get(&fp, "ECN", "Q"), "");
    assert_string_equal(osfp_get(&fp, "SCAN", "V"), "7.93");
    assert_null(osfp_get(&fp, "SEQ", "TI"));
    assert_null(osfp_get(&fp, "U1", "R"));
    assert_ptr_equal(osfp_test(&fp, "T1"), &fp.tests[1]);
    assert_null(osfp_test(&fp, "IE"));

    char big[80];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(osfp_set(&fp, "SEQ", "SP", big, &e), -1);
    assert_non_null(strstr(e.msg, "SEQ.SP is longer than 47"));
    assert_int_equal(osfp_set(&fp, "TOOLONGNAME", "R", "Y", &e), -1);
    assert_int_equal(osfp_set(&fp, "T1", "", "Y", &e), -1);
    for (int i = 0; i < OSFP_MAX_ATTRS - 1; i++) {
        char n[8];
        snprintf(n, sizeof n, "A%d", i);
        assert_int_equal(osfp_set(&fp, "T1", n, "1", &e), 0);
    }
    assert_int_equal(osfp_set(&fp, "T1", "X", "1", &e), -1);
    assert_non_null(strstr(e.msg, "more than 16 attributes"));
    for (int i = 0; i < OSFP_MAX_TESTS - 3; i++) {
        char n[8];
        snprintf(n, sizeof n, "X%d", i);
        assert_int_equal(osfp_set(&fp, n, "R", "N", &e), 0);
    }
    assert_int_equal(osfp_set(&fp, "LAST", "R", "N", &e), -1);
    assert_non_null(strstr(e.msg, "more than 16 tests"));
}

static void test_roundtrip(void **state)
{
    (void)state;
    static struct osfp fp, flat;
    struct pr_error e = {{0}};
    assert_int_equal(parse(&fp, nmap_text, &e), 0);
    assert_int_equal(fp.ntests, 13);
    assert_string_equal(fp.scan.attrs[0].name, "V");
    assert_string_equal(osfp_get(&fp, "SCAN", "TM"), "6B110683");
    assert_string_equal(osfp_get(&fp, "SCAN", "P"), "x86_64-pc-linux-gnu");
    assert_string_equal(osfp_get(&fp, "SEQ", "TS"), "21");
    assert_string_equal(osfp_get(&fp, "OPS", "O5"), "MFFD7ST11NWA");
    assert_string_equal(osfp_get(&fp, "T4", "O"), "");
    assert_string_equal(osfp_get(&fp, "T2", "R"), "N");
    assert_string_equal(osfp_get(&fp, "IE", "CD"), "S");
    assert_string_equal(fp.tests[12].name, "IE");

    char out[2048];
    size_t n = osfp_format(&fp, out, sizeof out);
    assert_int_equal(n, strlen(nmap_text));
    assert_string_equal(out, nmap_text); /* nmap's own wrapping, byte for byte */
    n = osfp_format_flat(&fp, out, sizeof out);
    assert_string_equal(out, flat_text);

    assert_int_equal(parse(&flat, flat_text, &e), 0);
    assert_memory_equal(&flat, &fp, sizeof fp);

    /* snprintf-like: the length needed, a terminated prefix */
    char small[20];
    assert_int_equal(osfp_format(&fp, small, sizeof small), strlen(nmap_text));
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, nmap_text, sizeof small - 1);
    assert_int_equal(osfp_format(&fp, NULL, 0), strlen(nmap_text));
}

/* "OS:" lines cut at any column, CRLF, indentation and blank lines read the same. */
static void test_rewrapped(void **state)
{
    (void)state;
    static struct osfp fp, other;
    struct pr_error e = {{0}};
    assert_int_equal(parse(&fp, nmap_text, &e), 0);
    char flat[2048];
    osfp_format_flat(&fp, flat, sizeof flat);
    char joined[2048];
    size_t nj = 0;
    for (const char *p = flat; *p; p++)
        if (*p != '\n')
            joined[nj++] = *p;
    for (size_t width = 1; width < 90; width += 7) {
        char text[8192];
        size_t n = 0;
        n += (size_t)snprintf(text + n, sizeof text - n, "\r\n  \n");
        for (size_t i = 0; i < nj; i += width)
            n += (size_t)snprintf(text + n, sizeof text - n, "  OS:%.*s \r\n", (int)width,
                                  joined + i);
        assert_int_equal(parse(&other, text, &e), 0);
        assert_memory_equal(&other, &fp, sizeof fp);
    }
}

struct bad {
    const char *text, *msg;
};

static void test_malformed(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"", "fp.txt: no fingerprint test"},
        {"  \n\n", "fp.txt: no fingerprint test"},
        {"OS:SEQ(SP=1)\nSEQ(GCD=1)", "fp.txt: line 2, column 1: expected \"OS:\""},
        {"OS:SEQ(SP=1\nOS:%GCD=1", "fp.txt: line 2, column 10: unterminated test"},
        {"SEQ(SP=1)\nSEQ(GCD=1)", "line 2, column 1: test appears twice"},
        {"SEQ(SP=1%SP=2)", "line 1, column 10: attribute appears twice"},
        {"SEQ(SP=1) T1(R=Y)", "line 1, column 10: expected a test name"},
        {"SEQ SP=1)", "line 1, column 4: expected '(' after the test name"},
        {"SEQ(=1)", "line 1, column 5: expected an attribute name"},
        {"SEQ(SP)", "line 1, column 7: expected '=' after the attribute name"},
        {"SEQ(SP=1(2))", "line 1, column 9: unexpected character in a value"},
        {"SEQ(SP=1;GCD=2)", "line 1, column 9: unexpected character"},
        {"LONGTESTNAME(R=Y)", "line 1, column 1: test name too long"},
        {"SEQ(LONGATTRIB=1)", "line 1, column 5: attribute name too long"},
        {"T1(R=0123456789012345678901234567890123456789012345678901234)",
         "line 1, column 6: value too long"},
        {"T1(A=1%B=1%C=1%D=1%E=1%F=1%G=1%H=1%I=1%J=1%K=1%L=1%M=1%N=1%O=1%P=1%Q=1)",
         "line 1, column 68: too many attributes"},
        {"A()B()C()D()E()F()G()H()I()J()K()L()M()N()O()P()Q()", "column 49: too many tests"},
        {"SEQ(SP=1)\nT1(R=Y", "line 2, column 7: unterminated test"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static struct osfp fp;
        struct pr_error e = {{0}};
        if (parse(&fp, cases[i].text, &e) != -1)
            fail_msg("case %zu: accepted", i);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, e.msg, cases[i].msg);
        assert_int_equal(fp.ntests, 0);
    }
    static struct osfp fp;
    struct pr_error e = {{0}};
    static const char nul[] = "SEQ(SP=1\0)";
    assert_int_equal(osfp_parse(&fp, nul, sizeof nul - 1, "fp.txt", &e), -1);
    assert_non_null(strstr(e.msg, "fp.txt: NUL byte"));
    /* a SCAN line alone is no fingerprint; tests without attributes are kept */
    assert_int_equal(parse(&fp, "SCAN(V=7.93)", &e), -1);
    assert_int_equal(parse(&fp, "SCAN(V=7.93)T2()", &e), 0);
    assert_int_equal(fp.ntests, 1);
    assert_int_equal(fp.tests[0].nattrs, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_rewrapped),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
