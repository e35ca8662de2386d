/* osdb_layout.h — the compact form of nmap-os-db shared by its loader (os/osdb.c) and its
 * matcher (os/osmatch.c); internal to src/os, not for other modules.
 *
 * MatchPoints defines the "slots" (test, attribute) and their weights; every reference is
 * a run of expression ids, each expression compiled once into its alternatives and shared
 * by every reference that writes the same text for the same slot. All strings live in one
 * arena (strs) and are named by their offset. */
#ifndef PR_OS_OSDB_LAYOUT_H
#define PR_OS_OSDB_LAYOUT_H

#include <stdint.h>
#include <string.h>

#define OSDB_TESTS 16
#define OSDB_ATTRS 16
#define OSDB_NAME 8
#define NO_STR UINT32_MAX

/* How one alternative of an expression answers a subject value that reads as a hex
 * number (nmap's is_numeric); a value that does not is always compared as text. */
enum alt_kind { ALT_TEXT, ALT_LT, ALT_GT, ALT_RANGE, ALT_NEVER };

struct alt {
    uint32_t lit;    /* offset of its text in strs */
    uint16_t litlen; /* its length */
    uint8_t kind;    /* enum alt_kind */
    uint8_t prefix;  /* not the last alternative: nmap compares only litlen characters */
    uint32_t lo, hi;
};

struct expr {
    uint32_t src; /* the expression's text in strs, NUL-terminated */
    uint32_t alt; /* first alternative in alts */
    uint16_t nalts;
    uint16_t srclen;
    uint8_t slot; /* test * OSDB_ATTRS + attribute */
};

struct ref {
    uint32_t name, line;
    uint32_t attr; /* first entry in attrs (expression ids, in file order) */
    uint16_t nattrs, nclasses;
    uint32_t cls; /* first class in classes */
};

struct cls {
    uint32_t vendor, family, gen, type; /* gen NO_STR when empty */
    uint32_t cpe;                       /* first entry in cpes */
    uint16_t ncpes;
};

struct osdb {
    char *strs;
    size_t nstrs, capstrs;
    struct alt *alts;
    size_t nalts, capalts;
    struct expr *exprs;
    size_t nexprs, capexprs;
    uint32_t *attrs;
    size_t nattrs, capattrs;
    struct ref *refs;
    size_t nrefs, caprefs;
    struct cls *classes;
    size_t nclasses, capclasses;
    uint32_t *cpes;
    size_t ncpes, capcpes;
    /* MatchPoints */
    size_t ntests;
    char tests[OSDB_TESTS][OSDB_NAME];
    size_t nattr[OSDB_TESTS];
    char attr[OSDB_TESTS][OSDB_ATTRS][OSDB_NAME];
    unsigned weight[OSDB_TESTS * OSDB_ATTRS];
};

static inline const char *str(const struct osdb *db, uint32_t off)
{
    return db->strs + off;
}
static inline int find_test(const struct osdb *db, const char *s, size_t len)
{
    for (size_t t = 0; t < db->ntests; t++)
        if (db->tests[t][0] == s[0] && !strncmp(db->tests[t], s, len) && !db->tests[t][len])
            return (int)t;
    return -1;
}

static inline int find_attr(const struct osdb *db, int t, const char *s, size_t len)
{
    for (size_t a = 0; a < db->nattr[t]; a++)
        if (db->attr[t][a][0] == s[0] && !strncmp(db->attr[t][a], s, len) && !db->attr[t][a][len])
            return (int)a;
    return -1;
}

#endif
