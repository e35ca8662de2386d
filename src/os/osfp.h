/* osfp.h — one host's OS fingerprint as nmap's second-generation OS detection writes it:
 * tests (SEQ, OPS, WIN, ECN, T1-T7, U1, IE) each with attributes holding one value
 * ("SEQ(SP=106%GCD=1%ISR=10A%TI=Z%CI=Z%II=I%TS=A)"), plus the SCAN line that describes
 * the run (V, E, D, OT, CT, CU, PV, DS, DC, G, TM, P).
 *
 * This is the *subject* fingerprint: what the probes measured (os/fptests.c computes
 * it), or what nmap printed (osfp_parse reads nmap's own "OS:" block, which lets tests
 * feed one nmap run's fingerprint to portreeve's matcher). Reference fingerprints with
 * their expressions ("GCD=1-6", "O1=M5B4ST11NW7|M5B4NNT11NW7") live in os/osdb.c.
 * Fixed sizes, no allocation: a struct osfp is plain data. */
#ifndef PR_OS_OSFP_H
#define PR_OS_OSFP_H

#include "core/error.h"

#include <stddef.h>

#define OSFP_MAX_TESTS 16 /* SCAN excluded; nmap has 13 tests */
#define OSFP_MAX_ATTRS 16 /* U1 and T1 have 11 */
#define OSFP_NAME 8       /* "SEQ", "RIPCK" */
#define OSFP_VALUE 48     /* subject values are short: "M5B4ST11NW7" */

struct osfp_attr {
    char name[OSFP_NAME];
    char value[OSFP_VALUE]; /* may be "" (nmap writes "O=" for no options) */
};

struct osfp_test {
    char name[OSFP_NAME];
    size_t nattrs;
    struct osfp_attr attrs[OSFP_MAX_ATTRS]; /* in nmap's order */
};

struct osfp {
    size_t ntests;
    struct osfp_test tests[OSFP_MAX_TESTS]; /* in nmap's order */
    struct osfp_test scan;                  /* the SCAN(...) line; nattrs 0 when unknown */
};

/* Sets test.attr to value, adding the test and the attribute (in call order) when new.
 * Returns -1 (with err) when a name or value is too long or a table is full. */
int osfp_set(struct osfp *fp, const char *test, const char *attr, const char *value,
             struct pr_error *err);

/* The value of test.attr, or NULL when the test or the attribute is absent. */
const char *osfp_get(const struct osfp *fp, const char *test, const char *attr);

/* The test named `test`, or NULL. */
const struct osfp_test *osfp_test(const struct osfp *fp, const char *test);

/* Parses nmap's subject fingerprint text, either as nmap -O prints it (lines starting with
 * "OS:", wrapped at any column) or unwrapped ("SEQ(SP=..%..)\nOPS(...)"). Hostile input:
 * errors name `what` (a file name or "fingerprint") and the position. */
int osfp_parse(struct osfp *fp, const char *text, size_t len, const char *what,
               struct pr_error *err);

/* Writes fp as nmap does in <osfingerprint fingerprint="..."> and after "TCP/IP
 * fingerprint:": SCAN first, then the tests, cut into lines of "OS:" plus 72 characters
 * (75 in all), each line ending in '\n'. Returns the length it needed (like snprintf);
 * out is always terminated when outlen > 0. */
size_t osfp_format(const struct osfp *fp, char *out, size_t outlen);

/* The same unwrapped, one test a line ("SCAN(...)\nSEQ(...)\n..."), as nmap writes it when
 * the fingerprint is not fit for submission (with -vv or -d). */
size_t osfp_format_flat(const struct osfp *fp, char *out, size_t outlen);

#endif
