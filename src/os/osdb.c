/* osdb.c — nmap-os-db read into the compact, pre-parsed form of os/osdb_layout.h (see
 * osdb.h). Every line is checked; an error names the file, the line and the column. Each
 * expression is taken apart once here, as nmap 7.93's expr_match reads it at every
 * comparison, quirks included; the matcher is os/osmatch.c. */
#include "os/osdb.h"

#include "os/osdb_layout.h"

#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OSDB_MAX_FILE (64u << 20)
#define OSDB_MAX_EXPR 1024

/* Appends one element to a growing array. */
#define PUSH(arr, n, cap)                                                                          \
    ((n) == (cap) ? ((cap) = (cap) ? (cap)*2 : 64,                                                 \
                     (arr) = pr_reallocarray((arr), (cap), sizeof *(arr)), &(arr)[(n)++])          \
                  : &(arr)[(n)++])

static uint32_t add_str(struct osdb *db, const char *s, size_t len)
{
    while (db->nstrs + len + 1 > db->capstrs) {
        db->capstrs = db->capstrs ? db->capstrs * 2 : 65536;
        db->strs = pr_reallocarray(db->strs, db->capstrs, 1);
    }
    uint32_t off = (uint32_t)db->nstrs;
    memcpy(db->strs + off, s, len);
    db->strs[off + len] = '\0';
    db->nstrs += len + 1;
    return off;
}
/* Expressions already compiled, by (slot, text): loading only. */
struct dedup {
    uint32_t *slots; /* expression id + 1; 0 empty */
    uint32_t *hashes;
    size_t cap, n;
};

struct loader {
    struct osdb *db;
    struct dedup seen;
    const char *what;
    unsigned line;
    const char *start; /* of the current line */
    struct pr_error *e;
    enum { IN_NONE, IN_POINTS, IN_FP } in;
    int have_points;
    struct ref *cur;
    uint32_t seen_slot[OSDB_TESTS * OSDB_ATTRS]; /* the last reference (count) using it */
    uint32_t seen_test[OSDB_TESTS];
};

static int fail(struct loader *l, const char *at, const char *msg)
{
    if (at)
        return pr_errf(l->e, "%s:%u: %s, at column %d", l->what, l->line, msg,
                       (int)(at - l->start) + 1);
    return pr_errf(l->e, "%s:%u: %s", l->what, l->line, msg);
}

static uint64_t hash(uint8_t slot, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ slot;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static void dedup_grow(struct dedup *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 4096;
    uint32_t *ns = pr_calloc(ncap, sizeof *ns), *nh = pr_calloc(ncap, sizeof *nh);
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->slots[i])
            continue;
        size_t h = d->hashes[i] & (ncap - 1);
        while (ns[h])
            h = (h + 1) & (ncap - 1);
        ns[h] = d->slots[i];
        nh[h] = d->hashes[i];
    }
    free(d->slots);
    free(d->hashes);
    d->slots = ns;
    d->hashes = nh;
    d->cap = ncap;
}

/* nmap's expr_match, taken apart once: how each alternative of `text` answers a numeric
 * value (strtol over the same characters as nmap does, so the same quirks: a '-' anywhere
 * later in the expression makes this alternative a range or nothing; a '<' or '>' that is
 * not followed by a hex number matches no number). */
static int compile(struct loader *l, const char *at, uint8_t slot, const char *text, size_t len,
                   uint32_t *id)
{
    struct osdb *db = l->db;
    if (len >= OSDB_MAX_EXPR)
        return fail(l, at, "expression too long");
    if (l->seen.n * 2 >= l->seen.cap)
        dedup_grow(&l->seen);
    uint32_t full = (uint32_t)hash(slot, text, len);
    size_t h = full & (l->seen.cap - 1);
    for (; l->seen.slots[h]; h = (h + 1) & (l->seen.cap - 1)) {
        const struct expr *x = &db->exprs[l->seen.slots[h] - 1];
        if (l->seen.hashes[h] == full && x->slot == slot && x->srclen == len &&
            !memcmp(str(db, x->src), text, len)) {
            *id = l->seen.slots[h] - 1;
            return 0;
        }
    }
    char e[OSDB_MAX_EXPR];
    memcpy(e, text, len);
    e[len] = '\0';
    struct expr x = {.src = add_str(db, e, len),
                     .alt = (uint32_t)db->nalts,
                     .srclen = (uint16_t)len,
                     .slot = slot};
    const char *p = e, *q;
    do {
        q = strchr(p, '|');
        struct alt *a = PUSH(db->alts, db->nalts, db->capalts);
        memset(a, 0, sizeof *a);
        a->lit = x.src + (uint32_t)(p - e);
        a->litlen = (uint16_t)(q ? (size_t)(q - p) : strlen(p));
        a->prefix = q != NULL;
        char *end;
        const char *q1;
        if (*p == '<' || *p == '>') {
            a->lo = (unsigned)strtol(p + 1, &end, 16);
            a->kind = (end == q || !*end) ? (*p == '<' ? ALT_LT : ALT_GT) : ALT_NEVER;
        } else if ((q1 = strchr(p, '-')) != NULL) {
            a->kind = ALT_NEVER;
            a->lo = (unsigned)strtol(p, &end, 16);
            if (end == q1) {
                a->hi = (unsigned)strtol(q1 + 1, &end, 16);
                if (end == q || !*end) {
                    if (a->hi <= a->lo)
                        return fail(l, at + (p - e), "empty or reversed range");
                    a->kind = ALT_RANGE;
                }
            }
        } else {
            a->kind = ALT_TEXT;
        }
        x.nalts++;
        if (q)
            p = q + 1;
    } while (q);
    *id = (uint32_t)db->nexprs;
    *PUSH(db->exprs, db->nexprs, db->capexprs) = x;
    l->seen.slots[h] = *id + 1;
    l->seen.hashes[h] = full;
    l->seen.n++;
    return 0;
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int value_char(char c)
{
    return c > ' ' && c < 127 && c != '%' && c != '(' && c != ')';
}
/* One attribute of a test line: in MatchPoints a weight, in a fingerprint an expression. */
static int test_attr(struct loader *l, int t, const char *as, const char *ae, const char *vs,
                     const char *ve)
{
    struct osdb *db = l->db;
    size_t alen = (size_t)(ae - as);
    if (l->in == IN_POINTS) {
        if (find_attr(db, t, as, alen) >= 0)
            return fail(l, as, "attribute appears twice");
        if (db->nattr[t] == OSDB_ATTRS)
            return fail(l, as, "too many attributes in a MatchPoints test");
        if (alen >= OSDB_NAME)
            return fail(l, as, "attribute name too long");
        unsigned w = 0;
        if (vs == ve || ve - vs > 6)
            return fail(l, vs, "a weight is a decimal number up to 999999");
        for (const char *c = vs; c < ve; c++) {
            if (*c < '0' || *c > '9')
                return fail(l, c, "a weight is a decimal number up to 999999");
            w = w * 10 + (unsigned)(*c - '0');
        }
        size_t a = db->nattr[t]++;
        memcpy(db->attr[t][a], as, alen);
        db->attr[t][a][alen] = '\0';
        db->weight[t * OSDB_ATTRS + a] = w;
        return 0;
    }
    int a = find_attr(db, t, as, alen);
    if (a < 0) /* nmap-os-db writes OPS(R=N): no subject has OPS.R, nmap never compares it */
        return alen < OSDB_NAME ? 0 : fail(l, as, "attribute name too long");
    size_t slot = (size_t)t * OSDB_ATTRS + (size_t)a;
    uint32_t mark = (uint32_t)db->nrefs;
    if (l->seen_slot[slot] == mark)
        return fail(l, as, "attribute appears twice in the fingerprint");
    l->seen_slot[slot] = mark;
    uint32_t id = 0;
    if (compile(l, vs, (uint8_t)slot, vs, (size_t)(ve - vs), &id) < 0)
        return -1;
    *PUSH(db->attrs, db->nattrs, db->capattrs) = id;
    l->cur->nattrs++;
    return 0;
}

/* TEST(ATTR=VALUE%...) */
static int test_line(struct loader *l, const char *s, const char *end)
{
    struct osdb *db = l->db;
    const char *p = s;
    while (p < end && name_char(*p))
        p++;
    if (p == s || p == end || *p != '(')
        return fail(l, p, "expected a test such as SEQ(...), or Class, CPE or Fingerprint");
    size_t nlen = (size_t)(p - s);
    int t = find_test(db, s, nlen);
    if (l->in == IN_POINTS) {
        if (t >= 0)
            return fail(l, s, "test appears twice in MatchPoints");
        if (db->ntests == OSDB_TESTS)
            return fail(l, s, "too many tests in MatchPoints");
        if (nlen >= OSDB_NAME)
            return fail(l, s, "test name too long");
        t = (int)db->ntests++;
        memcpy(db->tests[t], s, nlen);
        db->tests[t][nlen] = '\0';
    } else {
        if (t < 0)
            return fail(l, s, "test has no weights in MatchPoints");
        uint32_t mark = (uint32_t)db->nrefs;
        if (l->seen_test[t] == mark)
            return fail(l, s, "test appears twice in the fingerprint");
        l->seen_test[t] = mark;
    }
    p++;
    if (p < end && *p == ')')
        return p + 1 == end ? 0 : fail(l, p + 1, "text after ')'");
    for (;;) {
        const char *as = p;
        while (p < end && name_char(*p))
            p++;
        if (p == as)
            return fail(l, p, "expected an attribute name");
        const char *ae = p;
        if (p == end || *p != '=')
            return fail(l, p, "expected '=' after the attribute name");
        const char *vs = ++p;
        while (p < end && value_char(*p))
            p++;
        if (test_attr(l, t, as, ae, vs, p) < 0)
            return -1;
        if (p == end)
            return fail(l, p, "expected ')' at the end of the test");
        if (*p == ')')
            return p + 1 == end ? 0 : fail(l, p + 1, "text after ')'");
        if (*p != '%')
            return fail(l, p, "unexpected character in an expression");
        p++;
    }
}

static uint32_t add_trimmed(struct osdb *db, const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return add_str(db, s, (size_t)(e - s));
}

/* Class vendor | family | generation | device type (nmap: the type is the rest). */
static int class_line(struct loader *l, const char *s, const char *end)
{
    const char *bar[3], *p = s;
    for (int i = 0; i < 3; i++) {
        bar[i] = memchr(p, '|', (size_t)(end - p));
        if (!bar[i])
            return fail(l, end, "a Class line has four fields: vendor | family | gen | type");
        p = bar[i] + 1;
    }
    struct osdb *db = l->db;
    if (l->cur->nclasses == UINT16_MAX)
        return fail(l, s, "too many classes");
    struct cls *c = PUSH(db->classes, db->nclasses, db->capclasses);
    c->vendor = add_trimmed(db, s, bar[0]);
    c->family = add_trimmed(db, bar[0] + 1, bar[1]);
    c->gen = add_trimmed(db, bar[1] + 1, bar[2]);
    if (!db->strs[c->gen])
        c->gen = NO_STR;
    c->type = add_trimmed(db, bar[2] + 1, end);
    c->cpe = (uint32_t)db->ncpes;
    c->ncpes = 0;
    if (!db->strs[c->vendor] || !db->strs[c->family] || !db->strs[c->type])
        return fail(l, s, "empty vendor, family or device type in a Class line");
    l->cur->nclasses++;
    return 0;
}

/* CPE cpe:/... [flags]: the first word belongs to the last Class. */
static int cpe_line(struct loader *l, const char *s, const char *end)
{
    struct osdb *db = l->db;
    if (!l->cur->nclasses)
        return fail(l, s, "CPE line before any Class line of the fingerprint");
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    const char *w = s;
    while (w < end && *w != ' ' && *w != '\t')
        w++;
    if (w == s)
        return fail(l, s, "empty CPE line");
    struct cls *c = &db->classes[db->nclasses - 1];
    if (c->ncpes == UINT16_MAX)
        return fail(l, s, "too many CPEs");
    *PUSH(db->cpes, db->ncpes, db->capcpes) = add_str(db, s, (size_t)(w - s));
    c->ncpes++;
    return 0;
}

static int fingerprint_line(struct loader *l, const char *s, const char *end)
{
    struct osdb *db = l->db;
    if (!l->have_points)
        return fail(l, s, "Fingerprint before the MatchPoints section");
    const char *p = s + 11;
    const char *hash_at = memchr(p, '#', (size_t)(end - p));
    const char *e = hash_at ? hash_at : end;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    if (p == e)
        return fail(l, p, "Fingerprint without a name");
    if (db->nrefs >= UINT32_MAX / 2)
        return fail(l, s, "too many fingerprints");
    struct ref *r = PUSH(db->refs, db->nrefs, db->caprefs);
    memset(r, 0, sizeof *r);
    r->name = add_str(db, p, (size_t)(e - p));
    r->line = l->line;
    r->attr = (uint32_t)db->nattrs;
    r->cls = (uint32_t)db->nclasses;
    l->cur = r;
    l->in = IN_FP;
    return 0;
}

static int starts(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - s) >= n && !memcmp(s, word, n);
}

static int parse_line(struct loader *l, const char *s, const char *end)
{
    if (s < end && *s == '#')
        return 0;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    const char *p = s;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end) { /* a blank line ends a fingerprint */
        l->in = IN_NONE;
        return 0;
    }
    if (end - s >= 11 && !strncasecmp(s, "Fingerprint", 11) &&
        (end - s == 11 || s[11] == ' ' || s[11] == '\t'))
        return fingerprint_line(l, s, end);
    if (starts(s, end, "MatchPoints") && p == s) {
        for (const char *c = s + 11; c < end; c++)
            if (*c != ' ' && *c != '\t')
                return fail(l, c, "text after MatchPoints");
        if (l->have_points)
            return fail(l, s, "a second MatchPoints section");
        if (l->db->nrefs)
            return fail(l, s, "MatchPoints after the first Fingerprint");
        l->have_points = 1;
        l->in = IN_POINTS;
        return 0;
    }
    if (l->in == IN_NONE)
        return fail(l, s, "expected Fingerprint or MatchPoints (or a blank line between them)");
    if (starts(s, end, "Class ")) {
        if (l->in != IN_FP)
            return fail(l, s, "Class line in MatchPoints");
        return class_line(l, s + 6, end);
    }
    if (starts(s, end, "CPE ")) {
        if (l->in != IN_FP)
            return fail(l, s, "CPE line in MatchPoints");
        return cpe_line(l, s + 4, end);
    }
    return test_line(l, s, end);
}

int osdb_load_mem(const char *text, size_t len, const char *what, struct osdb **out,
                  struct pr_error *err)
{
    *out = NULL;
    struct osdb *db = pr_calloc(1, sizeof *db);
    struct loader l = {.db = db, .what = what, .e = err};
    int rc = 0;
    for (const char *s = text, *end = text + len; s < end && rc == 0;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        l.line++;
        l.start = s;
        if (memchr(s, '\0', (size_t)(le - s)))
            rc = fail(&l, memchr(s, '\0', (size_t)(le - s)), "NUL byte");
        else
            rc = parse_line(&l, s, le);
        s = le + 1;
    }
    if (rc == 0 && !l.have_points)
        rc = pr_errf(err, "%s: no MatchPoints section", what);
    else if (rc == 0 && !db->nrefs)
        rc = pr_errf(err, "%s: no Fingerprint entry", what);
    free(l.seen.slots);
    free(l.seen.hashes);
    if (rc < 0) {
        osdb_free(db);
        return -1;
    }
    *out = db;
    return 0;
}

int osdb_load(const char *path, struct osdb **out, struct pr_error *err)
{
    if (!path)
        path = OSDB_DEFAULT_PATH;
    *out = NULL;
    char *buf;
    size_t n;
    struct pr_error sub;
    if (pr_read_file(path, OSDB_MAX_FILE, &buf, &n, &sub) < 0)
        return pr_errf(err, "%s (nmap's OS database, Debian package nmap-common)", sub.msg);
    int rc = osdb_load_mem(buf, n, path, out, err);
    free(buf);
    return rc;
}

void osdb_free(struct osdb *db)
{
    if (!db)
        return;
    free(db->strs);
    free(db->alts);
    free(db->exprs);
    free(db->attrs);
    free(db->refs);
    free(db->classes);
    free(db->cpes);
    free(db);
}

size_t osdb_count(const struct osdb *db)
{
    return db ? db->nrefs : 0;
}
