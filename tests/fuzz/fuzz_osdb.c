/* fuzz_osdb.c — libFuzzer target for active OS fingerprints (os/osdb.c, os/osfp.c).
 *
 * The first byte chooses the half: even, the rest is an nmap-os-db (loaded; an accepted
 * one is matched and summarised for a fixed subject, and its first lines are scored); odd, the rest
 * is a subject fingerprint in nmap's printed form (parsed; an accepted one must come back
 * the same through osfp_format and osfp_format_flat, and is matched against a small
 * database made here). Neither may crash, read out of bounds, leak or hang. */
#include "os/osdb.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char small_db[] = "MatchPoints\n"
                               "SEQ(SP=25%GCD=75%TI=100)\n"
                               "T1(R=100%DF=20%W=25%O=10)\n"
                               "\n"
                               "Fingerprint Small 1\n"
                               "Class V | F | 1.X | general purpose\n"
                               "CPE cpe:/o:v:f:1 auto\n"
                               "SEQ(SP=0-10|>20%GCD=1|2%TI=Z|RD)\n"
                               "T1(R=Y%DF=Y%W=8000|<100%O=|M5B4)\n";

static const char subject_text[] = "SEQ(SP=5%GCD=1%TI=Z)T1(R=Y%DF=N%W=8000%O=M5B4)";

static void roundtrip(const struct osfp *fp)
{
    static char text[70000];
    static struct osfp again;
    struct pr_error e;
    for (int flat = 0; flat < 2; flat++) {
        size_t n =
            flat ? osfp_format_flat(fp, text, sizeof text) : osfp_format(fp, text, sizeof text);
        assert(n < sizeof text);
        if (fp->ntests == 0)
            continue;
        int rc = osfp_parse(&again, text, n, "formatted", &e);
        assert(rc == 0);
        assert(!memcmp(&again, fp, sizeof *fp));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    struct pr_error e;
    static struct os_result r; /* harness only: large */
    if (!(data[0] & 1)) {
        struct osdb *db;
        if (osdb_load_mem((const char *)data + 1, size - 1, "fuzz.db", &db, &e) == 0) {
            static struct osfp fp;
            int rc = osfp_parse(&fp, subject_text, strlen(subject_text), "subject", &e);
            assert(rc == 0);
            osdb_match(db, &fp, NULL, &r);
            assert(r.nmatches <= OS_MAX_MATCHES);
            static struct osdb_summary sum;
            osdb_summarize(db, &fp, 1, &sum);
            for (unsigned line = 1; line < 64; line++) {
                double acc = osdb_score_line(db, &fp, line);
                assert(acc == -1 || (acc >= 0 && acc <= 1));
                char why[256];
                osdb_explain(db, &fp, line, why, sizeof why);
            }
            osdb_free(db);
        }
        return 0;
    }
    static struct osdb *small; /* harness only: loaded once per fuzzing process */
    if (!small) {
        int rc = osdb_load_mem(small_db, strlen(small_db), "small", &small, &e);
        assert(rc == 0);
    }
    static struct osfp fp;
    if (osfp_parse(&fp, (const char *)data + 1, size - 1, "fuzz.fp", &e) == 0) {
        roundtrip(&fp);
        osdb_match(small, &fp, NULL, &r);
    }
    return 0;
}
