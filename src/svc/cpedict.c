/* cpedict.c — alias pairs out of NVD's CPE dictionary (see cpedict.h): the CPE 2.3
 * dictionary XML, streamed, or the JSON of NVD's CPE API 2.0 and its CPE feed chunks.
 *
 * XML: a small tag scanner, not an XML parser: text between tags is skipped, a tag (quoted
 * attribute values may hold '>') is collected up to CPEDICT_TAGMAX bytes, comments and
 * CDATA sections are skipped without being kept. Only four elements matter: cpe-list
 * (to know the file is a dictionary), cpe-item (2.2 name and deprecated_by), cpe23-item
 * (2.3 name) and deprecated-by (2.3 name of the replacement). */
#include "svc/cpedict.h"

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CPEDICT_TAGMAX 16384

struct pair {
    char *a, *b; /* b is an alias of a; every pair is stored in both directions */
};

struct cpedict {
    struct pair *p;
    size_t n, cap, sorted; /* p[0..sorted) is sorted and without duplicates */
};

struct scanner {
    struct cpedict *d;
    const char *name;
    struct pr_error *e;
    size_t line, tag_line;
    int in_tag, quote, skip; /* skip: 1 in a comment, 2 in CDATA */
    char tag[CPEDICT_TAGMAX];
    size_t tlen;
    int seen_list;
    char cur[CPEDICT_KEY]; /* key of the cpe23-item being read */
};

static int pair_cmp(const void *x, const void *y)
{
    const struct pair *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    return c ? c : strcmp(p->b, q->b);
}

/* Sorts and drops duplicates. */
static void compact(struct cpedict *d)
{
    if (d->sorted == d->n)
        return;
    qsort(d->p, d->n, sizeof *d->p, pair_cmp);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (k && !pair_cmp(&d->p[k - 1], &d->p[i])) {
            free(d->p[i].a);
            free(d->p[i].b);
            continue;
        }
        d->p[k++] = d->p[i];
    }
    d->n = d->sorted = k;
}

static int push(struct scanner *S, const char *a, const char *b)
{
    struct cpedict *d = S->d;
    if (d->n == d->cap) {
        compact(d);
        if (d->n / 2 >= CPEDICT_MAX_PAIRS)
            return pr_errf(S->e, "%s: more than %d CPE renames", S->name, CPEDICT_MAX_PAIRS);
        if (!d->cap || d->n * 2 > d->cap) { /* grow unless compacting freed half */
            d->cap = d->cap ? d->cap * 2 : 256;
            d->p = pr_reallocarray(d->p, d->cap, sizeof *d->p);
        }
    }
    d->p[d->n].a = pr_strdup(a);
    d->p[d->n].b = pr_strdup(b);
    d->n++;
    return 0;
}

static int add(struct scanner *S, const char *a, const char *b)
{
    if (!*a || !*b || !strcmp(a, b))
        return 0;
    return push(S, a, b) < 0 || push(S, b, a) < 0 ? -1 : 0;
}

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* "part:vendor:product" of a 2.2 URI ("cpe:/a:igor_sysoev:nginx:1.0", %xx decoded) or a
 * 2.3 formatted string ("cpe:2.3:a:f5:nginx:...", backslash escapes removed), lower case.
 * key is "" when s is neither or a field is empty, "*" or "-", or too long. */
static void cpe_key(const char *s, char key[CPEDICT_KEY])
{
    int uri = !strncmp(s, "cpe:/", 5);
    key[0] = '\0';
    if (!uri && strncmp(s, "cpe:2.3:", 8))
        return;
    s += uri ? 5 : 8;
    size_t k = 0;
    for (int f = 0; f < 3; f++) {
        size_t start = k;
        while (*s && *s != ':') {
            int c = (unsigned char)*s++;
            if (!uri && c == '\\' && *s)
                c = (unsigned char)*s++;
            else if (uri && c == '%' && hexval((unsigned char)s[0]) >= 0 &&
                     hexval((unsigned char)s[1]) >= 0) {
                c = hexval((unsigned char)s[0]) * 16 + hexval((unsigned char)s[1]);
                s += 2;
            }
            if (k + 2 >= CPEDICT_KEY || c == ':' || c < 0x20) {
                key[0] = '\0';
                return;
            }
            key[k++] = (char)tolower(c);
        }
        key[k] = '\0';
        if (k == start || !strcmp(key + start, "*") || !strcmp(key + start, "-")) {
            key[0] = '\0';
            return;
        }
        if (f < 2) {
            if (*s != ':') {
                key[0] = '\0';
                return;
            }
            s++;
            key[k++] = ':';
        }
    }
    key[k] = '\0';
}

/* The value of attribute attr (local name, namespace prefix ignored) in tag t, entities
 * &amp; &lt; &gt; &quot; &apos; decoded. Returns 0, or -1 when absent or too long. */
static int attr_get(const char *t, const char *attr, char *out, size_t outlen)
{
    while (*t && !isspace((unsigned char)*t) && *t != '/')
        t++;
    for (;;) {
        while (isspace((unsigned char)*t) || *t == '/')
            t++;
        if (!*t)
            return -1;
        const char *n = t;
        while (*t && *t != '=' && !isspace((unsigned char)*t))
            t++;
        size_t nlen = (size_t)(t - n);
        while (isspace((unsigned char)*t))
            t++;
        if (*t != '=')
            return -1;
        t++;
        while (isspace((unsigned char)*t))
            t++;
        if (*t != '"' && *t != '\'')
            return -1;
        char q = *t++;
        const char *v = t;
        while (*t && *t != q)
            t++;
        if (!*t)
            return -1;
        const char *colon = memchr(n, ':', nlen);
        const char *local = colon ? colon + 1 : n;
        size_t llen = nlen - (size_t)(local - n);
        if (llen == strlen(attr) && !memcmp(local, attr, llen)) {
            static const char *const ent[][2] = {
                {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
            size_t k = 0;
            while (v < t) {
                char c = *v++;
                if (c == '&')
                    for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++) {
                        size_t el = strlen(ent[i][0]);
                        if ((size_t)(t - v + 1) >= el && !memcmp(v - 1, ent[i][0], el)) {
                            c = ent[i][1][0];
                            v += el - 1;
                            break;
                        }
                    }
                if (k + 1 >= outlen)
                    return -1;
                out[k++] = c;
            }
            out[k] = '\0';
            return 0;
        }
        t++;
    }
}

static int is_elem(const char *t, const char *want)
{
    size_t n = strcspn(t, " \t\r\n/");
    const char *colon = memchr(t, ':', n);
    const char *local = colon ? colon + 1 : t;
    size_t llen = n - (size_t)(local - t);
    return llen == strlen(want) && !memcmp(local, want, llen);
}

static int tag_done(struct scanner *S)
{
    char *t = S->tag;
    t[S->tlen] = '\0';
    if (t[0] == '!' || t[0] == '?')
        return 0;
    if (t[0] == '/') {
        if (is_elem(t + 1, "cpe-item"))
            S->cur[0] = '\0';
        return 0;
    }
    char val[1024], k1[CPEDICT_KEY], k2[CPEDICT_KEY];
    if (is_elem(t, "cpe-list")) {
        S->seen_list = 1;
    } else if (is_elem(t, "cpe-item")) {
        S->cur[0] = '\0';
        if (attr_get(t, "name", val, sizeof val) == 0) {
            cpe_key(val, k1);
            if (attr_get(t, "deprecated_by", val, sizeof val) == 0) {
                cpe_key(val, k2);
                return add(S, k1, k2);
            }
        }
    } else if (is_elem(t, "cpe23-item")) {
        S->cur[0] = '\0';
        if (attr_get(t, "name", val, sizeof val) == 0)
            cpe_key(val, S->cur);
    } else if (is_elem(t, "deprecated-by")) {
        if (attr_get(t, "name", val, sizeof val) == 0) {
            cpe_key(val, k2);
            return add(S, S->cur, k2);
        }
    }
    return 0;
}

static int feed(struct scanner *S, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n')
            S->line++;
        if (!S->in_tag) {
            if (c == '<') {
                S->in_tag = 1;
                S->tlen = 0;
                S->quote = 0;
                S->skip = 0;
                S->tag_line = S->line;
            }
            continue;
        }
        if (S->skip) { /* the tag buffer keeps only its last two characters */
            if (c == '>' && S->tlen == 2 && !memcmp(S->tag, S->skip == 1 ? "--" : "]]", 2))
                S->in_tag = 0;
            if (S->tlen == 2) {
                S->tag[0] = S->tag[1];
                S->tlen = 1;
            }
            S->tag[S->tlen++] = c;
            continue;
        }
        if (S->quote) {
            if (c == S->quote)
                S->quote = 0;
        } else if (c == '"' || c == '\'') {
            S->quote = c;
        } else if (c == '>') {
            S->in_tag = 0;
            if (tag_done(S) < 0)
                return -1;
            continue;
        } else if (c == '<' && S->tlen == 0) {
            return pr_errf(S->e, "%s line %zu: '<' right after '<'", S->name, S->line);
        }
        if (S->tlen + 1 >= CPEDICT_TAGMAX)
            return pr_errf(S->e, "%s line %zu: a tag longer than %d bytes", S->name, S->tag_line,
                           CPEDICT_TAGMAX);
        S->tag[S->tlen++] = c;
        if (S->tlen == 3 && !memcmp(S->tag, "!--", 3)) {
            S->skip = 1;
            S->tlen = 0;
        } else if (S->tlen == 8 && !memcmp(S->tag, "![CDATA[", 8)) {
            S->skip = 2;
            S->tlen = 0;
        }
    }
    return 0;
}

static int finish(struct scanner *S)
{
    if (S->in_tag)
        return pr_errf(S->e, "%s line %zu: the file ends inside a tag", S->name, S->tag_line);
    if (!S->seen_list)
        return pr_errf(S->e, "%s: not a CPE dictionary (no cpe-list element)", S->name);
    compact(S->d);
    return 0;
}

static struct scanner *scanner_new(struct cpedict *d, const char *name, struct pr_error *e)
{
    struct scanner *S = pr_calloc(1, sizeof *S);
    S->d = d;
    S->name = name;
    S->e = e;
    S->line = 1;
    return S;
}

/* The cpeName of a product's "cpe" object or of one element of its "deprecatedBy" or
 * "deprecates" array, or NULL. */
static const char *json_name(json_t *o)
{
    return json_string_value(json_object_get(o, "cpeName"));
}

/* NVD CPE API 2.0 / CPE feed 2.0 JSON: {"format": "NVD_CPE", "products": [{"cpe":
 * {"cpeName": ..., "deprecatedBy": [{"cpeName": ...}], "deprecates": [...]}}]}. */
static int json_pairs(struct cpedict *d, const char *text, size_t len, const char *name,
                      struct pr_error *e)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pr_errf(e, "%s line %d column %d: %s", name, je.line, je.column, je.text);
    json_t *products = json_object_get(root, "products");
    int rc = 0;
    if (!json_is_array(products)) {
        rc = pr_errf(e, "%s: not a CPE dictionary (no \"products\" array of NVD's CPE API 2.0)",
                     name);
        goto out;
    }
    struct scanner S = {.d = d, .name = name, .e = e};
    size_t i;
    json_t *p;
    json_array_foreach(products, i, p)
    {
        json_t *cpe = json_object_get(p, "cpe");
        const char *own = json_name(cpe);
        if (!own) {
            rc = pr_errf(e, "%s: products[%zu]: no cpe.cpeName", name, i);
            goto out;
        }
        char k1[CPEDICT_KEY], k2[CPEDICT_KEY];
        cpe_key(own, k1);
        static const char *const lists[] = {"deprecatedBy", "deprecates"};
        for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
            json_t *arr = json_object_get(cpe, lists[l]), *o;
            size_t k;
            json_array_foreach(arr, k, o)
            {
                const char *other = json_name(o);
                if (!other)
                    continue;
                cpe_key(other, k2);
                if (add(&S, k1, k2) < 0) {
                    rc = -1;
                    goto out;
                }
            }
        }
    }
out:
    json_decref(root);
    return rc;
}

/* Is the file whose first bytes are t[0..n) JSON (its first non-blank byte '{')? */
static int is_json(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && isspace((unsigned char)t[i]))
        i++;
    return i < n && t[i] == '{';
}

/* Loads one file's bytes into d: JSON (is_json), else XML. */
static int parse_into(struct cpedict *d, const char *text, size_t len, const char *name,
                      struct pr_error *e)
{
    if (is_json(text, len))
        return json_pairs(d, text, len, name, e);
    struct scanner *S = scanner_new(d, name, e);
    int rc = feed(S, text, len);
    if (rc == 0)
        rc = finish(S);
    free(S);
    return rc;
}

static int load_file(struct cpedict *d, const char *path, struct pr_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pr_errf(e, "%s: %m", path);
    char *buf = pr_calloc(1, 1 << 16);
    size_t n = fread(buf, 1, 1 << 16, f);
    int rc = 0;
    if (is_json(buf, n)) { /* JSON: read whole (an API page or feed chunk) */
        size_t cap = 1 << 16, len = n;
        while (rc == 0 && n > 0) {
            if (len == cap) {
                if (cap >= CPEDICT_JSON_MAX) {
                    rc = pr_errf(e, "%s: a JSON file over %d MiB (give NVD's feed chunks)", path,
                                 CPEDICT_JSON_MAX >> 20);
                    break;
                }
                cap *= 2;
                buf = pr_reallocarray(buf, cap, 1);
            }
            n = fread(buf + len, 1, cap - len, f);
            len += n;
        }
        if (rc == 0 && ferror(f))
            rc = pr_errf(e, "%s: read error", path);
        if (rc == 0)
            rc = json_pairs(d, buf, len, path, e);
    } else { /* XML: streamed */
        struct scanner *S = scanner_new(d, path, e);
        while (rc == 0 && n > 0) {
            rc = feed(S, buf, n);
            n = fread(buf, 1, 1 << 16, f);
        }
        if (rc == 0 && ferror(f))
            rc = pr_errf(e, "%s: read error", path);
        if (rc == 0)
            rc = finish(S);
        free(S);
    }
    free(buf);
    fclose(f);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.xml and *.json file of a directory, in name order (NVD's feed chunks). */
static int load_dir(struct cpedict *d, const char *path, struct pr_error *e)
{
    DIR *dir = opendir(path);
    if (!dir)
        return pr_errf(e, "%s: %m", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t l = strlen(de->d_name);
        if (!((l > 4 && !strcmp(de->d_name + l - 4, ".xml")) ||
              (l > 5 && !strcmp(de->d_name + l - 5, ".json"))))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = pr_reallocarray(names, cap, sizeof *names);
        }
        names[n++] = pr_strdup(de->d_name);
    }
    closedir(dir);
    int rc = n ? 0 : pr_errf(e, "%s: a directory without .xml or .json files", path);
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            size_t l = strlen(path) + strlen(names[i]) + 2;
            char *full = pr_calloc(1, l);
            snprintf(full, l, "%s/%s", path, names[i]);
            rc = load_file(d, full, e);
            free(full);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* The index of the first pair of p[0..n) (sorted) whose a is key, or of where it would be. */
static size_t first_of(const struct pair *p, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(p[mid].a, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Renames chain (a -> b, later b -> c): every key gets as aliases all the keys it is
 * linked to, up to CPEDICT_MAX_CHAIN keys per chain (a bound against quadratic growth
 * from a hostile file; NVD's chains are short). The walks read the sorted pairs; what
 * they find is added after all of them. */
static int close_chains(struct cpedict *d, struct pr_error *e, const char *name)
{
    compact(d);
    size_t n0 = d->n, nnew = 0, cap = 0;
    struct pair *more = NULL;
    for (size_t i = 0; i < n0; i++) {
        if (i > 0 && !strcmp(d->p[i - 1].a, d->p[i].a))
            continue; /* one walk per key */
        char *seen[CPEDICT_MAX_CHAIN];
        size_t ns = 0, head = 0;
        seen[ns++] = d->p[i].a;
        while (head < ns) {
            const char *k = seen[head++];
            for (size_t lo = first_of(d->p, n0, k);
                 lo < n0 && ns < CPEDICT_MAX_CHAIN && !strcmp(d->p[lo].a, k); lo++) {
                int known = 0;
                for (size_t s = 0; s < ns && !known; s++)
                    known = !strcmp(seen[s], d->p[lo].b);
                if (!known)
                    seen[ns++] = d->p[lo].b;
            }
        }
        for (size_t s = 1; s < ns; s++) { /* direct aliases again too: compact drops them */
            if (nnew + 2 > cap) {
                if (n0 + nnew > 4 * (size_t)CPEDICT_MAX_PAIRS) {
                    free(more);
                    return pr_errf(e, "%s: more than %d CPE renames once chains are followed", name,
                                   2 * CPEDICT_MAX_PAIRS);
                }
                cap = cap ? cap * 2 : 64;
                more = pr_reallocarray(more, cap, sizeof *more);
            }
            /* both ways, so that a bounded walk from either end gives the same pairs */
            more[nnew++] = (struct pair){seen[0], seen[s]};
            more[nnew++] = (struct pair){seen[s], seen[0]};
        }
    }
    /* more[] borrows the strings of d->p: room first, so that no push() compacts (and
     * frees a duplicate's strings) before the last one is copied */
    if (d->n + nnew > d->cap) {
        d->cap = d->n + nnew;
        d->p = pr_reallocarray(d->p, d->cap, sizeof *d->p);
    }
    struct scanner S = {.d = d, .name = name, .e = e};
    for (size_t k = 0; k < nnew; k++)
        push(&S, more[k].a, more[k].b);
    free(more);
    compact(d);
    return 0;
}

struct cpedict *cpedict_parse(const char *text, size_t len, const char *name, struct pr_error *e)
{
    struct cpedict *d = pr_calloc(1, sizeof *d);
    if (parse_into(d, text, len, name, e) < 0 || close_chains(d, e, name) < 0) {
        cpedict_free(d);
        return NULL;
    }
    return d;
}

struct cpedict *cpedict_load(const char *path, struct pr_error *e)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        pr_errf(e, "%s: %m", path);
        return NULL;
    }
    struct cpedict *d = pr_calloc(1, sizeof *d);
    int rc = S_ISDIR(st.st_mode) ? load_dir(d, path, e) : load_file(d, path, e);
    if (rc < 0 || close_chains(d, e, path) < 0) {
        cpedict_free(d);
        return NULL;
    }
    return d;
}

void cpedict_free(struct cpedict *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->p[i].a);
        free(d->p[i].b);
    }
    free(d->p);
    free(d);
}

size_t cpedict_count(const struct cpedict *d)
{
    return d ? d->n / 2 : 0;
}

const char *cpedict_alias(const struct cpedict *d, const char *key, size_t i)
{
    if (!d)
        return NULL;
    size_t lo = first_of(d->p, d->n, key);
    if (lo + i < d->n && !strcmp(d->p[lo + i].a, key))
        return d->p[lo + i].b;
    return NULL;
}
