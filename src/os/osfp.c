/* osfp.c — a subject OS fingerprint (see osfp.h): setting and reading test attributes,
 * reading nmap's printed form ("OS:" lines or one test a line), writing it as nmap does. */
#include "os/osfp.h"

#include <stdlib.h>
#include <string.h>

#define OSFP_MAX_TEXT 65536 /* nmap's merged fingerprints fit in 10 KiB */
#define OSFP_WRAP 72        /* characters after "OS:" on each line, as nmap writes them */

static struct osfp_test *find_test(struct osfp *fp, const char *name)
{
    if (!strcmp(name, "SCAN"))
        return &fp->scan;
    for (size_t i = 0; i < fp->ntests; i++)
        if (!strcmp(fp->tests[i].name, name))
            return &fp->tests[i];
    return NULL;
}

const struct osfp_test *osfp_test(const struct osfp *fp, const char *test)
{
    return find_test((struct osfp *)fp, test);
}

const char *osfp_get(const struct osfp *fp, const char *test, const char *attr)
{
    const struct osfp_test *t = osfp_test(fp, test);
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->nattrs; i++)
        if (!strcmp(t->attrs[i].name, attr))
            return t->attrs[i].value;
    return NULL;
}

int osfp_set(struct osfp *fp, const char *test, const char *attr, const char *value,
             struct pr_error *err)
{
    if (!*test || strlen(test) >= OSFP_NAME)
        return pr_errf(err, "fingerprint test name '%.20s' is empty or too long", test);
    if (!*attr || strlen(attr) >= OSFP_NAME)
        return pr_errf(err, "fingerprint attribute name %s.%.20s is empty or too long", test, attr);
    if (strlen(value) >= OSFP_VALUE)
        return pr_errf(err, "fingerprint value of %s.%s is longer than %d characters", test, attr,
                       OSFP_VALUE - 1);
    struct osfp_test *t = find_test(fp, test);
    if (t == &fp->scan)
        strcpy(t->name, "SCAN");
    if (!t) {
        if (fp->ntests == OSFP_MAX_TESTS)
            return pr_errf(err, "fingerprint has more than %d tests", OSFP_MAX_TESTS);
        t = &fp->tests[fp->ntests++];
        memset(t, 0, sizeof *t);
        strcpy(t->name, test);
    }
    struct osfp_attr *a = NULL;
    for (size_t i = 0; i < t->nattrs && !a; i++)
        if (!strcmp(t->attrs[i].name, attr))
            a = &t->attrs[i];
    if (!a) {
        if (t->nattrs == OSFP_MAX_ATTRS)
            return pr_errf(err, "fingerprint test %s has more than %d attributes", test,
                           OSFP_MAX_ATTRS);
        a = &t->attrs[t->nattrs++];
        strcpy(a->name, attr);
    }
    strcpy(a->value, value);
    return 0;
}

/* The text with its line structure removed ("OS:" prefixes, line ends), and for each
 * character kept its offset in the input, so that errors can name line and column. */
struct joined {
    char *s;
    size_t *at;
    size_t n;
    const char *text;
    const char *what;
};

static int fail_at(const struct joined *j, size_t off, const char *msg, struct pr_error *err)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (j->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    return pr_errf(err, "%s: line %u, column %u: %s", j->what, line, col, msg);
}

static int fail_pos(const struct joined *j, size_t pos, const char *msg, struct pr_error *err)
{
    return fail_at(j, pos < j->n ? j->at[pos] : (j->n ? j->at[j->n - 1] + 1 : 0), msg, err);
}

static int join_lines(struct joined *j, const char *text, size_t len, struct pr_error *err)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    int wrapped = len - i >= 3 && !memcmp(text + i, "OS:", 3);
    j->s = pr_calloc(len + 1, 1);
    j->at = pr_calloc(len + 1, sizeof *j->at);
    j->n = 0;
    for (size_t ls = 0; ls < len;) {
        const char *nl = memchr(text + ls, '\n', len - ls);
        size_t le = nl ? (size_t)(nl - text) : len;
        size_t s = ls, e = le;
        while (s < e && (text[s] == ' ' || text[s] == '\t'))
            s++;
        while (e > s && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
            e--;
        if (s < e) {
            if (wrapped) {
                if (e - s < 3 || memcmp(text + s, "OS:", 3))
                    return fail_at(j, s, "expected \"OS:\" at the start of the line", err);
                s += 3;
            }
            for (size_t k = s; k < e; k++) {
                j->s[j->n] = text[k];
                j->at[j->n++] = k;
            }
        }
        ls = le + 1;
    }
    j->s[j->n] = '\0';
    return 0;
}

static int name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Subject values are short words: "M5B4ST11NW7", "S+", "12/3", "x86_64-pc-linux-gnu". */
static int value_char(char c)
{
    return name_char(c) || (c && strchr("+-_./:,", c));
}

/* Reads one NAME(attr=value%...) at *pos. */
static int parse_test(struct osfp *fp, const struct joined *j, size_t *pos, struct pr_error *err)
{
    const char *s = j->s;
    size_t p = *pos, start = p;
    while (p < j->n && name_char(s[p]))
        p++;
    if (p == start)
        return fail_pos(j, p, "expected a test name such as SEQ or T1", err);
    if (p - start >= OSFP_NAME)
        return fail_pos(j, start, "test name too long", err);
    char test[OSFP_NAME];
    memcpy(test, s + start, p - start);
    test[p - start] = '\0';
    if (p >= j->n || s[p] != '(')
        return fail_pos(j, p, "expected '(' after the test name", err);
    if (osfp_test(fp, test) && (osfp_test(fp, test)->nattrs || strcmp(test, "SCAN")))
        return fail_pos(j, start, "test appears twice (a fingerprint merged from several tries?)",
                        err);
    if (strcmp(test, "SCAN") && fp->ntests == OSFP_MAX_TESTS)
        return fail_pos(j, start, "too many tests", err);
    p++;
    if (p < j->n && s[p] == ')') { /* a test without attributes */
        if (strcmp(test, "SCAN")) {
            struct osfp_test *t = &fp->tests[fp->ntests++];
            memset(t, 0, sizeof *t);
            strcpy(t->name, test);
        }
        *pos = p + 1;
        return 0;
    }
    for (;;) {
        size_t as = p;
        while (p < j->n && name_char(s[p]))
            p++;
        if (p == as)
            return fail_pos(j, p, "expected an attribute name", err);
        if (p - as >= OSFP_NAME)
            return fail_pos(j, as, "attribute name too long", err);
        char attr[OSFP_NAME];
        memcpy(attr, s + as, p - as);
        attr[p - as] = '\0';
        if (p >= j->n || s[p] != '=')
            return fail_pos(j, p, "expected '=' after the attribute name", err);
        size_t vs = ++p;
        while (p < j->n && value_char(s[p]))
            p++;
        if (p - vs >= OSFP_VALUE)
            return fail_pos(j, vs, "value too long", err);
        char value[OSFP_VALUE];
        memcpy(value, s + vs, p - vs);
        value[p - vs] = '\0';
        if (osfp_get(fp, test, attr))
            return fail_pos(j, as, "attribute appears twice in the test", err);
        if (osfp_set(fp, test, attr, value, NULL) < 0)
            return fail_pos(j, as, "too many attributes in the test", err);
        if (p >= j->n)
            return fail_pos(j, p, "unterminated test: expected ')'", err);
        if (s[p] == ')')
            break;
        if (s[p] != '%')
            return fail_pos(j, p, "unexpected character in a value", err);
        p++;
    }
    *pos = p + 1;
    return 0;
}

int osfp_parse(struct osfp *fp, const char *text, size_t len, const char *what,
               struct pr_error *err)
{
    memset(fp, 0, sizeof *fp);
    if (len > OSFP_MAX_TEXT)
        return pr_errf(err, "%s: fingerprint longer than %d bytes", what, OSFP_MAX_TEXT);
    if (memchr(text, '\0', len))
        return pr_errf(err, "%s: NUL byte in the fingerprint", what);
    struct joined j = {.text = text, .what = what};
    int rc = join_lines(&j, text, len, err);
    for (size_t pos = 0; rc == 0 && pos < j.n;)
        rc = parse_test(fp, &j, &pos, err);
    if (rc == 0 && fp->ntests == 0)
        rc = pr_errf(err, "%s: no fingerprint test (SEQ, T1, ...) found", what);
    free(j.s);
    free(j.at);
    if (rc < 0)
        memset(fp, 0, sizeof *fp);
    return rc;
}

/* The output being written, snprintf-like: n counts every character, those past cap are
 * dropped. col counts the characters after "OS:" on the current line when wrapping. */
struct writer {
    char *out;
    size_t cap, n;
    size_t col;
    int wrap;
};

static void emit(struct writer *w, char c)
{
    if (w->n + 1 < w->cap)
        w->out[w->n] = c;
    w->n++;
}

/* One character of fingerprint text; wrapped output starts a new "OS:" line every
 * OSFP_WRAP characters. */
static void put(struct writer *w, char c)
{
    if (w->wrap) {
        if (w->col == OSFP_WRAP) {
            emit(w, '\n');
            w->col = 0;
        }
        if (w->col == 0) {
            emit(w, 'O');
            emit(w, 'S');
            emit(w, ':');
        }
        w->col++;
    }
    emit(w, c);
}

static void put_test(struct writer *w, const struct osfp_test *t)
{
    for (const char *p = t->name; *p; p++)
        put(w, *p);
    put(w, '(');
    for (size_t i = 0; i < t->nattrs; i++) {
        if (i)
            put(w, '%');
        for (const char *p = t->attrs[i].name; *p; p++)
            put(w, *p);
        put(w, '=');
        for (const char *p = t->attrs[i].value; *p; p++)
            put(w, *p);
    }
    put(w, ')');
}

static size_t format(const struct osfp *fp, char *out, size_t outlen, int wrap)
{
    struct writer w = {.out = out, .cap = outlen, .wrap = wrap};
    if (fp->scan.nattrs) {
        put_test(&w, &fp->scan);
        if (!wrap)
            put(&w, '\n');
    }
    for (size_t i = 0; i < fp->ntests; i++) {
        put_test(&w, &fp->tests[i]);
        if (!wrap)
            put(&w, '\n');
    }
    if (wrap && w.n)
        emit(&w, '\n');
    if (outlen)
        out[w.n < outlen ? w.n : outlen - 1] = '\0';
    return w.n;
}

size_t osfp_format(const struct osfp *fp, char *out, size_t outlen)
{
    return format(fp, out, outlen, 1);
}

size_t osfp_format_flat(const struct osfp *fp, char *out, size_t outlen)
{
    return format(fp, out, outlen, 0);
}
