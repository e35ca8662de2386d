/* osmatch.c — nmap's OS matcher over the compact nmap-os-db of os/osdb_layout.h (see
 * osdb.h): a subject scored against every reference with a per-call memo of each
 * expression's verdict (so most of the ~550,000 comparisons are one byte read), nmap's
 * candidate list, the matches it lists, and its class summary. Follows nmap 7.93
 * (osscan.cc, FingerPrintResults.cc, output.cc) to the letter, quirks included, so that
 * the same subject gets the same accuracies, order and lines as nmap gives it. */
#include "os/osdb.h"

#include "os/osdb_layout.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OSDB_LIST 36         /* nmap's MAX_FP_RESULTS: candidates kept while matching */
#define OSDB_THRESHOLD 0.85  /* nmap's OSSCAN_GUESS_THRESHOLD */
#define OSDB_MAX_PERFECT 8   /* more exact matches than this: "Too many fingerprints" */
#define OSDB_GUESS_SPAN 0.10 /* guesses listed: within this of the best */

/* The subject, by slot: its value, and whether and how it reads as a number (nmap's
 * strtol(val, &end, 16) with nothing left: "" reads as 0). */
struct subject {
    const char *val[OSDB_TESTS * OSDB_ATTRS];
    uint16_t len[OSDB_TESTS * OSDB_ATTRS];
    uint8_t numeric[OSDB_TESTS * OSDB_ATTRS];
    unsigned num[OSDB_TESTS * OSDB_ATTRS];
    uint8_t *memo; /* per expression: 0 unknown, 1 no match, 2 match */
};

static void subject_init(const struct osdb *db, const struct osfp *fp, struct subject *s)
{
    memset(s->val, 0, sizeof s->val);
    for (size_t i = 0; i < fp->ntests; i++) {
        const struct osfp_test *ft = &fp->tests[i];
        int t = find_test(db, ft->name, strnlen(ft->name, sizeof ft->name));
        if (t < 0)
            continue;
        for (size_t k = 0; k < ft->nattrs && k < OSFP_MAX_ATTRS; k++) {
            const struct osfp_attr *fa = &ft->attrs[k];
            int a = find_attr(db, t, fa->name, strnlen(fa->name, sizeof fa->name));
            if (a < 0)
                continue;
            size_t slot = (size_t)t * OSDB_ATTRS + (size_t)a;
            char *end;
            s->val[slot] = fa->value;
            s->len[slot] = (uint16_t)strnlen(fa->value, sizeof fa->value);
            s->num[slot] = (unsigned)strtol(fa->value, &end, 16);
            s->numeric[slot] = !*end;
        }
    }
}

static int alt_text(const struct osdb *db, const struct alt *a, const char *v, size_t vlen)
{
    if (a->prefix ? vlen < a->litlen : vlen != a->litlen)
        return 0;
    return !memcmp(db->strs + a->lit, v, a->litlen);
}

static int expr_match(const struct osdb *db, const struct expr *x, const struct subject *s)
{
    const char *v = s->val[x->slot];
    size_t vlen = s->len[x->slot];
    unsigned n = s->num[x->slot];
    const struct alt *a = &db->alts[x->alt];
    for (size_t i = 0; i < x->nalts; i++, a++) {
        int hit;
        if (!s->numeric[x->slot]) {
            hit = alt_text(db, a, v, vlen);
        } else {
            switch (a->kind) {
            case ALT_LT:
                hit = n < a->lo;
                break;
            case ALT_GT:
                hit = n > a->lo;
                break;
            case ALT_RANGE:
                hit = n >= a->lo && n <= a->hi;
                break;
            case ALT_TEXT:
                hit = alt_text(db, a, v, vlen);
                break;
            default:
                hit = 0;
            }
        }
        if (hit)
            return 1;
    }
    return 0;
}

/* nmap's compare_fingerprints: the points of every attribute both sides have. */
static double score(const struct osdb *db, const struct ref *r, struct subject *s)
{
    unsigned long total = 0, got = 0;
    for (uint32_t i = 0; i < r->nattrs; i++) {
        uint32_t id = db->attrs[r->attr + i];
        const struct expr *x = &db->exprs[id];
        if (!s->val[x->slot])
            continue;
        unsigned w = db->weight[x->slot];
        total += w;
        if (!s->memo[id])
            s->memo[id] = (uint8_t)(1 + expr_match(db, x, s));
        if (s->memo[id] == 2)
            got += w;
    }
    return total ? got / (double)total : 0;
}

struct cand {
    double acc;
    uint32_t ref;
};

struct ranking {
    struct cand m[OSDB_LIST];
    int n, nperfect, toomany;
};

/* nmap's match_fingerprint: the best OSDB_LIST references at or above the threshold, one
 * per OS name, best first, ties in file order. */
static void rank(const struct osdb *db, const struct osfp *fp, struct ranking *rk)
{
    memset(rk, 0, sizeof *rk);
    struct subject s;
    subject_init(db, fp, &s);
    s.memo = pr_calloc(db->nexprs ? db->nexprs : 1, 1);
    double entrance = OSDB_THRESHOLD;
    for (uint32_t i = 0; i < db->nrefs; i++) {
        double acc = score(db, &db->refs[i], &s);
        if (!(acc >= entrance || acc == 1.0))
            continue;
        const char *name = str(db, db->refs[i].name);
        int skip = 0;
        for (int k = 0; k < rk->n; k++) {
            if (strcmp(str(db, db->refs[rk->m[k].ref].name), name))
                continue;
            if (rk->m[k].acc >= acc) {
                skip = 1;
            } else {
                memmove(&rk->m[k], &rk->m[k + 1], (size_t)(rk->n - 1 - k) * sizeof rk->m[0]);
                rk->n--;
            }
            break;
        }
        if (skip)
            continue;
        if (acc == 1.0) {
            if (rk->nperfect == OSDB_LIST) {
                rk->toomany = 1;
                break;
            }
            rk->nperfect++;
        }
        int at = 0;
        while (at < rk->n && rk->m[at].acc >= acc)
            at++;
        if (at == OSDB_LIST)
            continue; /* cannot happen: the entrance is above the last one */
        int keep = rk->n < OSDB_LIST ? rk->n : OSDB_LIST - 1;
        memmove(&rk->m[at + 1], &rk->m[at], (size_t)(keep - at) * sizeof rk->m[0]);
        rk->m[at] = (struct cand){acc, i};
        if (rk->n < OSDB_LIST)
            rk->n++;
        if (rk->n == OSDB_LIST)
            entrance = rk->m[OSDB_LIST - 1].acc + 0.00001;
    }
    free(s.memo);
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void fill_match(const struct osdb *db, const struct cand *c, struct os_match_result *m)
{
    const struct ref *r = &db->refs[c->ref];
    memset(m, 0, sizeof *m);
    copy(m->name, sizeof m->name, str(db, r->name));
    if (r->nclasses)
        m->classes = pr_calloc(r->nclasses < OS_MAX_CLASSES ? r->nclasses : OS_MAX_CLASSES,
                               sizeof *m->classes);
    m->accuracy = (int)(c->acc * 100); /* as nmap prints it: truncated */
    m->line = r->line;
    for (size_t i = 0; i < r->nclasses && m->nclasses < OS_MAX_CLASSES; i++) {
        const struct cls *k = &db->classes[r->cls + i];
        struct os_class_result *o = &m->classes[m->nclasses++];
        copy(o->type, sizeof o->type, str(db, k->type));
        copy(o->vendor, sizeof o->vendor, str(db, k->vendor));
        copy(o->family, sizeof o->family, str(db, k->family));
        copy(o->gen, sizeof o->gen, k->gen == NO_STR ? "" : str(db, k->gen));
        o->accuracy = m->accuracy;
        for (size_t j = 0; j < k->ncpes && o->ncpes < OS_MAX_CLASS_CPES; j++)
            copy(o->cpes[o->ncpes++], sizeof o->cpes[0], str(db, db->cpes[k->cpe + j]));
    }
}

void osdb_match(const struct osdb *db, const struct osfp *fp, const struct osdb_match_opts *opts,
                struct os_result *out)
{
    size_t max = opts && opts->max_matches ? opts->max_matches : OS_MAX_MATCHES;
    if (max > OS_MAX_MATCHES)
        max = OS_MAX_MATCHES;
    struct osdb_summary sum;
    osdb_summarize(db, fp, 1, &sum); /* the outputs leave out guesses when nmap would */
    copy(out->device_type, sizeof out->device_type, sum.device_type);
    copy(out->running, sizeof out->running, sum.running);
    copy(out->os_cpe, sizeof out->os_cpe, sum.cpe);
    out->running_guess = sum.guessing;
    struct ranking rk;
    rank(db, fp, &rk);
    for (size_t i = 0; i < out->nmatches && i < OS_MAX_MATCHES; i++)
        free(out->matches[i].classes);
    out->nmatches = 0;
    out->perfect = 0;
    out->too_many = 0;
    if (rk.toomany || rk.nperfect > OSDB_MAX_PERFECT) {
        out->perfect = 1; /* too many exact matches: none listed */
        out->too_many = 1;
        return;
    }
    if (rk.nperfect > 0) {
        out->perfect = 1;
        for (int i = 0; i < rk.nperfect && out->nmatches < max; i++)
            fill_match(db, &rk.m[i], &out->matches[out->nmatches++]);
        return;
    }
    for (int i = 0; i < rk.n && out->nmatches < max && out->nmatches < 10 &&
                    rk.m[i].acc > rk.m[0].acc - OSDB_GUESS_SPAN;
         i++)
        fill_match(db, &rk.m[i], &out->matches[out->nmatches++]);
}

/* ---- nmap's Device type / Running / OS CPE lines ---- */

#define SUM_MEMBERS 8 /* nmap's MAX_OS_CLASSMEMBERS */

/* Appends text to a bounded string (cut when full). */
static void cat(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(dst);
    if (n + 1 < cap)
        copy(dst + n, cap - n, src);
}

static int same_str(const struct osdb *db, uint32_t a, uint32_t b)
{
    if (a == NO_STR || b == NO_STR)
        return a == b;
    return !strcmp(str(db, a), str(db, b));
}

/* nmap's addtochararrayifnew: -1 when new and the array is full. */
static int add_member(const char **arr, int *n, const char *s)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(arr[i], s))
            return 0;
    if (*n >= SUM_MEMBERS)
        return -1;
    arr[(*n)++] = s;
    return 0;
}

struct osclass_list {
    const struct cls *c[OSDB_LIST];
    double acc[OSDB_LIST];
    int n, nperfect;
};

/* nmap's populateClassification: the distinct classes of the candidates, best first, only
 * those of exact matches when there are some. Returns -1 when nmap gives up (too many). */
static int classify(const struct osdb *db, const struct ranking *rk, struct osclass_list *o)
{
    memset(o, 0, sizeof *o);
    if (rk->toomany)
        return -1;
    for (int i = 0; i < rk->n; i++) {
        const struct ref *r = &db->refs[rk->m[i].ref];
        for (uint32_t k = 0; k < r->nclasses; k++) {
            const struct cls *c = &db->classes[r->cls + k];
            int seen = 0;
            for (int j = 0; j < o->n && !seen; j++)
                seen = same_str(db, c->vendor, o->c[j]->vendor) &&
                       same_str(db, c->family, o->c[j]->family) &&
                       same_str(db, c->type, o->c[j]->type) && same_str(db, c->gen, o->c[j]->gen);
            if (seen)
                continue;
            if (o->n == OSDB_LIST)
                return i < rk->nperfect ? -1 : 0;
            if (o->nperfect > 0 && i >= rk->nperfect)
                return 0;
            o->c[o->n] = c;
            o->acc[o->n++] = rk->m[i].acc;
            if (i < rk->nperfect)
                o->nperfect++;
        }
    }
    return 0;
}

void osdb_summarize(const struct osdb *db, const struct osfp *fp, int guess,
                    struct osdb_summary *out)
{
    memset(out, 0, sizeof *out);
    struct ranking rk;
    rank(db, fp, &rk);
    struct osclass_list cl;
    if (classify(db, &rk, &cl) < 0 || cl.n == 0)
        return;
    const char *types[SUM_MEMBERS], *cpes[SUM_MEMBERS];
    char family[SUM_MEMBERS][128], gens[SUM_MEMBERS][96];
    double facc[SUM_MEMBERS];
    int ntypes = 0, ncpes = 0, nfam = 0, overflow = 0;
    for (int i = 0; i < cl.n; i++) {
        const struct cls *c = cl.c[i];
        if ((!guess && i >= cl.nperfect) || cl.acc[i] <= cl.acc[0] - 0.1 ||
            (cl.acc[i] < 1.0 && i > 9))
            break;
        if (add_member(types, &ntypes, str(db, c->type)) < 0)
            overflow = 1;
        for (uint32_t k = 0; k < c->ncpes; k++)
            if (add_member(cpes, &ncpes, str(db, db->cpes[c->cpe + k])) < 0)
                overflow = 1;
        char full[128];
        if (!strcmp(str(db, c->vendor), str(db, c->family)))
            copy(full, sizeof full, str(db, c->family));
        else
            snprintf(full, sizeof full, "%s %s", str(db, c->vendor), str(db, c->family));
        const char *gen = c->gen == NO_STR ? NULL : str(db, c->gen);
        int f = 0;
        while (f < nfam && strcmp(family[f], full))
            f++;
        if (f < nfam) {
            if (gen && !strstr(gens[f], gen)) { /* nmap's test: a substring is "there" */
                if (gens[f][0])
                    cat(gens[f], sizeof gens[f], "|");
                cat(gens[f], sizeof gens[f], gen);
            }
            continue;
        }
        if (nfam >= SUM_MEMBERS) {
            overflow = 1;
            break;
        }
        copy(family[nfam], sizeof family[nfam], full);
        copy(gens[nfam], 48, gen ? gen : "");
        facc[nfam++] = cl.acc[i];
    }
    if (overflow || nfam == 0)
        return;
    for (int i = 0; i < ntypes; i++) {
        if (i)
            cat(out->device_type, sizeof out->device_type, "|");
        cat(out->device_type, sizeof out->device_type, types[i]);
    }
    out->guessing = cl.nperfect == 0;
    for (int f = 0; f < nfam; f++) {
        char item[256];
        int k = snprintf(item, sizeof item, "%s%s%s%s", f ? ", " : "", family[f],
                         gens[f][0] ? " " : "", gens[f]);
        if (f >= cl.nperfect && k > 0 && (size_t)k < sizeof item)
            snprintf(item + k, sizeof item - (size_t)k, " (%.f%%)", floor(facc[f] * 100));
        cat(out->running, sizeof out->running, item);
    }
    for (int i = 0; i < ncpes; i++) {
        if (i)
            cat(out->cpe, sizeof out->cpe, " ");
        cat(out->cpe, sizeof out->cpe, cpes[i]);
    }
}

static const struct ref *ref_at(const struct osdb *db, unsigned line)
{
    size_t lo = 0, hi = db->nrefs; /* lines grow with the index */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->refs[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < db->nrefs && db->refs[lo].line == line ? &db->refs[lo] : NULL;
}

double osdb_score_line(const struct osdb *db, const struct osfp *fp, unsigned line)
{
    const struct ref *r = ref_at(db, line);
    if (!r)
        return -1;
    struct subject s;
    subject_init(db, fp, &s);
    s.memo = pr_calloc(db->nexprs ? db->nexprs : 1, 1);
    double acc = score(db, r, &s);
    free(s.memo);
    return acc;
}

size_t osdb_explain(const struct osdb *db, const struct osfp *fp, unsigned line, char *out,
                    size_t outlen)
{
    const struct ref *r = ref_at(db, line);
    size_t n = 0;
    if (outlen)
        out[0] = '\0';
    if (!r)
        return 0;
    struct subject s;
    subject_init(db, fp, &s);
    for (uint32_t i = 0; i < r->nattrs; i++) {
        const struct expr *x = &db->exprs[db->attrs[r->attr + i]];
        if (!s.val[x->slot] || expr_match(db, x, &s))
            continue;
        int t = x->slot / OSDB_ATTRS, a = x->slot % OSDB_ATTRS;
        int k = snprintf(out + (n < outlen ? n : 0), n < outlen ? outlen - n : 0,
                         "%s.%s: \"%s\" NOMATCH \"%s\" (%u points)\n", db->tests[t], db->attr[t][a],
                         s.val[x->slot], str(db, x->src), db->weight[x->slot]);
        if (k > 0)
            n += (size_t)k;
    }
    return n;
}
