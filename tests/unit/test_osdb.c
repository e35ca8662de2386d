/* test_osdb.c — the nmap-os-db matcher (os/osdb.c) on small databases written here: nmap's
 * expression syntax with its quirks, MatchPoints scoring, nmap's ranking and listing rules,
 * classes and CPEs, malformed files with file:line in the error, and the real
 * /usr/share/nmap/nmap-os-db (loaded whole, timed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "os/osdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct osdb *load(const char *text, struct pr_error *e)
{
    struct osdb *db = NULL;
    if (osdb_load_mem(text, strlen(text), "t.db", &db, e) < 0)
        return NULL;
    return db;
}

static void subject(struct osfp *fp, const char *text)
{
    struct pr_error e = {{0}};
    if (osfp_parse(fp, text, strlen(text), "subject", &e) < 0)
        fail_msg("%s", e.msg);
}

/* Whether value matches expr, through a one-attribute database. */
static int matches(const char *expr, const char *value)
{
    char text[512];
    snprintf(text, sizeof text,
             "MatchPoints\nX(V=7)\n\nFingerprint one\nClass A | B || c\nX(V=%s)\n", expr);
    struct pr_error e = {{0}};
    struct osdb *db = load(text, &e);
    if (!db)
        fail_msg("%s: %s", expr, e.msg);
    static struct osfp fp;
    memset(&fp, 0, sizeof fp);
    assert_int_equal(osfp_set(&fp, "X", "V", value, &e), 0);
    double acc = osdb_score_line(db, &fp, 4);
    osdb_free(db);
    assert_true(acc == 0.0 || acc == 1.0);
    return acc == 1.0;
}

struct expr_case {
    const char *expr, *value;
    int match;
};

static void test_expressions(void **state)
{
    (void)state;
    static const struct expr_case cases[] = {
        {"8|A", "8", 1},
        {"8|A", "A", 1},
        {"8|A", "9", 0},
        {"8-C", "A", 1}, /* hex */
        {"8-C", "C", 1},
        {"8-C", "8", 1},
        {"8-C", "D", 0},
        {"8-C", "7", 0},
        {"A-10", "F", 1},
        {">10", "11", 1},
        {">10", "10", 0},
        {"<10", "F", 1},
        {"<10", "10", 0},
        {"<10|FF", "FF", 1},
        {"", "", 1},
        {"", "0", 0},
        {"S+|S", "S", 1},
        {"S+|S", "S+", 1},
        {"S+|S", "O", 0},
        {"M5B4ST11NW7", "M5B4ST11NW7", 1},
        {"M5B4ST11NW7", "M5B4ST11", 0},
        {"M5B4ST11|M5B4", "M5B4", 1},
        /* nmap 7.93's quirks, kept so that scores agree with it: */
        {"0-5", "", 1},                 /* an empty value reads as the number 0 */
        {"M5B4|M5B4ST11", "M5B4NW", 1}, /* an alternative before '|' matches as a prefix */
        {"M5B4ST11|M5B4", "M5B4NW", 0}, /* ... the last one exactly */
        {"|Z", "S+", 1},                /* an empty alternative before '|' matches anything */
        {"5|8-A", "5", 0},              /* a later '-' makes "5" a broken range for numbers */
        {"5|8-A", "9", 1},
        {"Z|8-A", "Z", 1},   /* ... not for words */
        {">G", "5", 0},      /* '>' without a number matches no number */
        {"<5", "<5", 1},     /* a word is compared as text, even to "<5" */
        {"Z|I|RD", "RD", 1}, /* words that start with hex digits are words */
        {"1-6|Z", "Z", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (matches(cases[i].expr, cases[i].value) != cases[i].match)
            fail_msg("\"%s\" against \"%s\": want %d", cases[i].value, cases[i].expr,
                     cases[i].match);
}

static const char score_db[] = "# a small database\n"
                               "MatchPoints\n"
                               "SEQ(SP=25%GCD=75%TI=100)\n"
                               "T1(R=100%DF=20%W=25)\n"
                               "U1(R=50%IPL=100)\n"
                               "\n"
                               "# comment\n"
                               "Fingerprint Alpha 1.0 # trailing comment\n" /* line 8 */
                               "Class Alpha | AlphaOS | 1.X | general purpose\n"
                               "CPE cpe:/o:alpha:alphaos:1 auto\n"
                               "CPE cpe:/o:alpha:alphaos:1.1\n"
                               "Class Alpha | embedded || router\n"
                               "SEQ(SP=0-10%GCD=1%TI=Z)\n"
                               "T1(R=Y%DF=Y%W=8000)\n"
                               "U1(IPL=164)\n"
                               "\n"
                               "Fingerprint Beta\n" /* line 17 */
                               "Class Beta | BetaOS | 2 | printer\n"
                               "SEQ(SP=5%GCD=1%TI=Z)\n"
                               "T1(R=Y%DF=N%W=8000|FFFF)\n"
                               "U1(R=Y%IPL=164)\n";

static void test_scoring(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct osdb *db = load(score_db, &e);
    if (!db)
        fail_msg("%s", e.msg);
    assert_int_equal(osdb_count(db), 2);
    static struct osfp fp;
    subject(&fp, "SCAN(V=7.93)SEQ(SP=5%GCD=1%TI=Z)T1(R=Y%DF=N%W=8000)U1(R=Y%IPL=164)");
    /* Alpha: SEQ 200/200, T1 R+W 125/145 (DF missed), U1 IPL 100/100 (no R in the
     * reference: not counted) */
    assert_true(osdb_score_line(db, &fp, 8) == 425 / 445.0);
    assert_true(osdb_score_line(db, &fp, 17) == 1.0);
    assert_true(osdb_score_line(db, &fp, 9) == -1); /* not a Fingerprint line */
    char why[256];
    osdb_explain(db, &fp, 8, why, sizeof why);
    assert_string_equal(why, "T1.DF: \"N\" NOMATCH \"Y\" (20 points)\n");
    assert_int_equal(osdb_explain(db, &fp, 17, why, sizeof why), 0);

    /* what the subject lacks does not count: without T1, Alpha is perfect */
    subject(&fp, "SEQ(SP=5%GCD=1%TI=Z)U1(R=Y%IPL=164)");
    assert_true(osdb_score_line(db, &fp, 8) == 1.0);
    /* nor an attribute it lacks: no SP; Beta's U1.R counts (50 points), Alpha's does not */
    subject(&fp, "SEQ(GCD=1%TI=Z)T1(R=Y%DF=Y%W=FFFF)U1(R=Y%IPL=1)");
    assert_true(osdb_score_line(db, &fp, 17) == (175 + 125 + 50) / 470.0);

    /* both perfect: listed in file order with their classes and CPEs */
    static struct os_result r;
    subject(&fp, "SEQ(SP=5%GCD=1%TI=Z)U1(R=Y%IPL=164)");
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.perfect, 1);
    assert_int_equal(r.nmatches, 2);
    assert_string_equal(r.matches[0].name, "Alpha 1.0");
    assert_int_equal(r.matches[0].line, 8);
    assert_int_equal(r.matches[0].accuracy, 100);
    assert_int_equal(r.matches[0].nclasses, 2);
    const struct os_class_result *c = &r.matches[0].classes[0];
    assert_string_equal(c->vendor, "Alpha");
    assert_string_equal(c->family, "AlphaOS");
    assert_string_equal(c->gen, "1.X");
    assert_string_equal(c->type, "general purpose");
    assert_int_equal(c->accuracy, 100);
    assert_int_equal(c->ncpes, 2);
    assert_string_equal(c->cpes[0], "cpe:/o:alpha:alphaos:1");
    assert_string_equal(c->cpes[1], "cpe:/o:alpha:alphaos:1.1");
    assert_string_equal(r.matches[0].classes[1].gen, "");
    assert_string_equal(r.matches[0].classes[1].type, "router");
    assert_int_equal(r.matches[0].classes[1].ncpes, 0);
    assert_string_equal(r.matches[1].name, "Beta");

    /* guesses: Beta 475/495 (DF missed), Alpha 420/445 (W missed); truncated percents,
     * the classes carry them */
    subject(&fp, "SEQ(SP=5%GCD=1%TI=Z)T1(R=Y%DF=Y%W=FFFF)U1(R=Y%IPL=164)");
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.perfect, 0);
    assert_int_equal(r.nmatches, 2);
    assert_string_equal(r.matches[0].name, "Beta");
    assert_int_equal(r.matches[0].accuracy, 95);
    assert_string_equal(r.matches[1].name, "Alpha 1.0");
    assert_int_equal(r.matches[1].accuracy, 94);
    assert_int_equal(r.matches[1].classes[1].accuracy, 94);
    osdb_free(db);
}

/* A database whose references score (1000 - miss) / 1000 against the subject below: the
 * bits of `miss` pick the attributes that do not match (G alone costs 200 points). */
static const char *const rank_subject = "X(F=1%G=1%A=1%B=1%C=1%D=1%E=1%H=1%I=1)";

struct entry {
    const char *name;
    unsigned miss;
};

static struct osdb *rank_db(const struct entry *ents, size_t n, unsigned *lines)
{
    static const char *const attrs[] = {"I", "H", "E", "D", "C", "B", "A", "G"};
    size_t cap = 256 + n * 128, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap,
                            "MatchPoints\nX(F=673%%G=200%%A=64%%B=32%%C=16%%D=8%%E=4%%H=2%%I=1)\n");
    unsigned line = 2;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(text + len, cap - len, "\nFingerprint %s\nClass V | F | | t\nX(F=1",
                                ents[i].name);
        lines[i] = line + 2;
        line += 4;
        for (unsigned b = 0; b < 8; b++)
            len += (size_t)snprintf(text + len, cap - len, "%%%s=%s", attrs[b],
                                    (b == 7 ? ents[i].miss >= 200 : (ents[i].miss >> b) & 1) ? "2"
                                                                                             : "1");
        len += (size_t)snprintf(text + len, cap - len, ")\n");
    }
    struct pr_error e = {{0}};
    struct osdb *db = NULL;
    if (osdb_load_mem(text, len, "rank.db", &db, &e) < 0)
        fail_msg("%s", e.msg);
    free(text);
    return db;
}

static int pct(unsigned miss)
{
    double acc = (miss >= 200 ? 800 : 1000 - miss) / 1000.0;
    return (int)(acc * 100);
}

static void test_ranking(void **state)
{
    (void)state;
    static struct osfp fp;
    static struct os_result r;
    subject(&fp, rank_subject);
    unsigned lines[64];

    /* guesses: the best per name (a later, better "A" replaces the first; an equal "B"
     * does not), ties in file order, only those within 10 points of the best */
    const struct entry guess[] = {{"A", 30}, {"B", 10},  {"C", 10},  {"D", 60},
                                  {"A", 5},  {"E", 127}, {"F", 200}, {"B", 10}};
    struct osdb *db = rank_db(guess, 8, lines);
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.perfect, 0);
    assert_int_equal(r.nmatches, 4);
    const char *names[] = {"A", "B", "C", "D"};
    const unsigned at[] = {lines[4], lines[1], lines[2], lines[3]};
    const int acc[] = {pct(5), pct(10), pct(10), pct(60)};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(r.matches[i].name, names[i]);
        assert_int_equal(r.matches[i].line, at[i]);
        assert_int_equal(r.matches[i].accuracy, acc[i]);
    }
    osdb_free(db);

    /* at most 10, or max_matches */
    struct entry many[40];
    char nm[40][8];
    for (unsigned i = 0; i < 40; i++) {
        snprintf(nm[i], sizeof nm[i], "N%u", i);
        many[i] = (struct entry){nm[i], 40 - i}; /* the best last */
    }
    db = rank_db(many, 40, lines);
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.nmatches, 10);
    for (unsigned i = 0; i < 10; i++) {
        assert_string_equal(r.matches[i].name, nm[39 - i]);
        assert_int_equal(r.matches[i].accuracy, pct(1 + i));
    }
    struct osdb_match_opts opts = {.max_matches = 3};
    osdb_match(db, &fp, &opts, &r);
    assert_int_equal(r.nmatches, 3);
    osdb_free(db);

    /* exact matches only, when there are some */
    const struct entry exact[] = {{"P", 1}, {"Q", 0}, {"R", 0}, {"S", 2}};
    db = rank_db(exact, 4, lines);
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.perfect, 1);
    assert_int_equal(r.nmatches, 2);
    assert_string_equal(r.matches[0].name, "Q");
    assert_string_equal(r.matches[1].name, "R");
    assert_int_equal(r.matches[1].accuracy, 100);
    osdb_free(db);

    /* 8 exact matches are listed, 9 (or more than 36) are "too many" */
    struct entry perfect[40];
    for (unsigned i = 0; i < 40; i++)
        perfect[i] = (struct entry){nm[i], 0};
    const size_t counts[] = {8, 9, 37};
    for (size_t k = 0; k < 3; k++) {
        db = rank_db(perfect, counts[k], lines);
        osdb_match(db, &fp, NULL, &r);
        assert_int_equal(r.perfect, 1);
        assert_int_equal(r.nmatches, counts[k] == 8 ? 8 : 0);
        osdb_free(db);
    }

    /* nothing at 85% or more */
    const struct entry none[] = {{"low", 200}, {"lower", 255}};
    db = rank_db(none, 2, lines);
    osdb_match(db, &fp, NULL, &r);
    assert_int_equal(r.perfect, 0);
    assert_int_equal(r.nmatches, 0);
    osdb_free(db);
}

/* nmap's Device type / Running / OS CPE lines */
static void test_summary(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct osdb *db = load(score_db, &e);
    assert_non_null(db);
    static struct osfp fp;
    struct osdb_summary sum;
    /* exact matches: every class of them, no percents */
    subject(&fp, "SEQ(SP=5%GCD=1%TI=Z)U1(R=Y%IPL=164)");
    osdb_summarize(db, &fp, 0, &sum);
    assert_string_equal(sum.device_type, "general purpose|router|printer");
    assert_string_equal(sum.running, "Alpha AlphaOS 1.X, Alpha embedded, Beta BetaOS 2");
    assert_int_equal(sum.guessing, 0);
    assert_string_equal(sum.cpe, "cpe:/o:alpha:alphaos:1 cpe:/o:alpha:alphaos:1.1");
    /* guesses: only with guess, floored percents */
    subject(&fp, "SEQ(SP=5%GCD=1%TI=Z)T1(R=Y%DF=Y%W=FFFF)U1(R=Y%IPL=164)");
    osdb_summarize(db, &fp, 0, &sum);
    assert_string_equal(sum.running, "");
    assert_string_equal(sum.device_type, "");
    osdb_summarize(db, &fp, 1, &sum);
    assert_string_equal(sum.device_type, "printer|general purpose|router");
    assert_string_equal(sum.running,
                        "Beta BetaOS 2 (95%), Alpha AlphaOS 1.X (94%), Alpha embedded (94%)");
    assert_int_equal(sum.guessing, 1);
    osdb_free(db);

    /* generations merge into one family (nmap tests them as substrings: 4.X is "in" 14.X) */
    static const char gens[] = "MatchPoints\nX(V=1)\n\n"
                               "Fingerprint a\nClass L | L | 14.X | gp\nX(V=1)\n\n"
                               "Fingerprint b\nClass L | L | 4.X | gp\nClass L | L | 5.X | gp\n"
                               "CPE cpe:/o:l:l:5\nX(V=1)\n";
    db = load(gens, &e);
    assert_non_null(db);
    subject(&fp, "X(V=1)");
    osdb_summarize(db, &fp, 0, &sum);
    assert_string_equal(sum.running, "L 14.X|5.X");
    assert_string_equal(sum.cpe, "cpe:/o:l:l:5");
    osdb_free(db);

    /* 8 families are listed, 9 are none (as for a Linux guess against the full database) */
    for (int nfam = 8; nfam <= 9; nfam++) {
        char text[2048];
        size_t n = (size_t)snprintf(text, sizeof text, "MatchPoints\nX(V=1)\n");
        for (int i = 0; i < nfam; i++)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "\nFingerprint f%d\nClass V%d | F | | t\nX(V=1)\n", i, i);
        db = load(text, &e);
        assert_non_null(db);
        osdb_summarize(db, &fp, 1, &sum);
        if (nfam == 8)
            assert_string_equal(sum.running, "V0 F, V1 F, V2 F, V3 F, V4 F, V5 F, V6 F, V7 F");
        else
            assert_string_equal(sum.running, "");
        osdb_free(db);
    }
}

struct bad {
    const char *text, *msg;
};

#define MP "MatchPoints\nT1(R=100%DF=20)\n\n"

static void test_malformed(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"", "t.db: no MatchPoints section"},
        {MP, "t.db: no Fingerprint entry"},
        {"Fingerprint x\nT1(R=Y)\n", "t.db:1: Fingerprint before the MatchPoints section"},
        {MP "Fingerprint x\nT2(R=Y)\n", "t.db:5: test has no weights in MatchPoints, at column 1"},
        {MP "Fingerprint x\nT1(R=Y)\nT1(DF=N)\n", "t.db:6: test appears twice in the fingerprint"},
        {MP "Fingerprint x\nT1(R=Y%R=N)\n", "t.db:5: attribute appears twice in the fingerprint, "
                                            "at column 8"},
        {MP "Fingerprint x\nCPE cpe:/o:x\n", "t.db:5: CPE line before any Class line"},
        {MP "Fingerprint x\nClass a | b | c\n", "t.db:5: a Class line has four fields"},
        {MP "Fingerprint x\nClass | b | c | d\n", "t.db:5: empty vendor, family or device type"},
        {MP "Fingerprint x\nT1(R=Y)junk\n", "t.db:5: text after ')', at column 8"},
        {MP "Fingerprint x\nT1(R=Y\n", "t.db:5: expected ')' at the end of the test, at column 7"},
        {MP "Fingerprint x\nT1(R=Y DF=N)\n", "t.db:5: unexpected character in an expression"},
        {MP "Fingerprint x\nT1(=Y)\n", "t.db:5: expected an attribute name, at column 4"},
        {MP "Fingerprint x\nT1(R)\n", "t.db:5: expected '=' after the attribute name"},
        {MP "Fingerprint x\nT1(R=5-3)\n", "t.db:5: empty or reversed range, at column 6"},
        {MP "Fingerprint x\nT1(R=1|4-4)\n", "t.db:5: empty or reversed range, at column 8"},
        {MP "Fingerprint x\nhello\n", "t.db:5: expected a test such as SEQ(...)"},
        {MP "Fingerprint \n", "t.db:4: Fingerprint without a name"},
        {MP "Fingerprint x\nT1(R=Y)\n\nT1(R=Y)\n", "t.db:7: expected Fingerprint or MatchPoints"},
        {MP "MatchPoints\n", "t.db:4: a second MatchPoints section"},
        {"MatchPoints x\n", "t.db:1: text after MatchPoints, at column 13"},
        {"MatchPoints\nT1(R=1x)\n", "t.db:2: a weight is a decimal number"},
        {"MatchPoints\nT1(R=1%R=2)\n", "t.db:2: attribute appears twice, at column 8"},
        {"MatchPoints\nT1(R=1)\nT1(R=2)\n", "t.db:3: test appears twice in MatchPoints"},
        {"MatchPoints\nT1(R=1)\nClass a|b|c|d\n", "t.db:3: Class line in MatchPoints"},
        {MP "Fingerprint x\nT1(R=Y)\n\nMatchPoints\n", "t.db:7: a second MatchPoints"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pr_error e = {{0}};
        struct osdb *db = (struct osdb *)1;
        if (osdb_load_mem(cases[i].text, strlen(cases[i].text), "t.db", &db, &e) != -1)
            fail_msg("case %zu: accepted", i);
        assert_null(db);
        if (!strstr(e.msg, cases[i].msg))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, e.msg, cases[i].msg);
    }
    struct pr_error e = {{0}};
    static const char nul[] = MP "Fingerprint x\nT1(R=\0)\n";
    struct osdb *db;
    assert_int_equal(osdb_load_mem(nul, sizeof nul - 1, "t.db", &db, &e), -1);
    assert_non_null(strstr(e.msg, "t.db:5: NUL byte, at column 6"));
    assert_int_equal(osdb_load("/nonexistent/nmap-os-db", &db, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/nmap-os-db: No such file"));
    /* nmap-os-db writes OPS(R=N): attributes MatchPoints does not weigh are never
     * compared; CRLF line ends and a comment after the name are fine */
    static const char ok[] = MP "Fingerprint x # note\r\nT1(R=Y%Z=1)\r\n";
    assert_int_equal(osdb_load_mem(ok, sizeof ok - 1, "t.db", &db, &e), 0);
    static struct osfp fp;
    subject(&fp, "T1(R=Y%DF=N%Z=2)");
    assert_true(osdb_score_line(db, &fp, 4) == 1.0);
    osdb_free(db);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The installed nmap-os-db loads whole; a Linux subject gets Linux guesses. */
static void test_debian_db(void **state)
{
    (void)state;
    struct pr_error e = {{0}};
    struct osdb *db;
    double t0 = now();
    if (osdb_load(NULL, &db, &e) < 0) {
        if (strstr(e.msg, "No such file"))
            skip(); /* nmap-common not installed: make check installs it */
        fail_msg("%s", e.msg);
    }
    static struct osfp fp;
    subject(&fp, "SEQ(SP=FB%GCD=1%ISR=109%TI=Z%CI=Z%II=I%TS=21)"
                 "OPS(O1=MFFD7ST11NWA%O2=MFFD7ST11NWA%O3=MFFD7NNT11NWA%O4=MFFD7ST11NWA%O5="
                 "MFFD7ST11NWA%O6=MFFD7ST11)WIN(W1=FFCB%W2=FFCB%W3=FFCB%W4=FFCB%W5=FFCB%W6=FFCB)"
                 "ECN(R=Y%DF=Y%T=40%W=FFD7%O=MFFD7NNSNWA%CC=Y%Q=)T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%"
                 "RD=0%Q=)T2(R=N)T3(R=N)T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)T5(R=Y%DF=Y%"
                 "T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)T6(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)"
                 "T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)U1(R=Y%DF=N%T=40%IPL=164%UN=0%"
                 "RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)IE(R=Y%DFI=N%T=40%CD=S)");
    static struct os_result r;
    osdb_match(db, &fp, NULL, &r);
    double t1 = now();
    printf("nmap-os-db: %zu fingerprints, load and match in %.1f ms\n", osdb_count(db),
           (t1 - t0) * 1e3);
    assert_true(osdb_count(db) > 5000);
    assert_true(t1 - t0 < 2.0); /* ~40 ms idle; generous for a loaded CI machine */
    assert_true(r.nmatches >= 1);
    assert_non_null(strstr(r.matches[0].name, "Linux"));
    assert_string_equal(r.matches[0].classes[0].family, "Linux");
    osdb_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expressions), cmocka_unit_test(test_scoring),
        cmocka_unit_test(test_ranking),     cmocka_unit_test(test_summary),
        cmocka_unit_test(test_malformed),   cmocka_unit_test(test_debian_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
