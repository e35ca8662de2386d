/* distfeed.c — OSV and Debian Security Tracker feeds as (package, CVE, release, range)
 * entries, and the Debian package a service reports (see distfeed.h). */
#include "svc/distfeed.h"

#include "svc/debver.h"

#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DF_VER 256
#define DF_MAX_FILE (2ULL << 30)

/* Versions in [intro, end) (end_incl: [intro, end]) are affected; intro NULL is "from the
 * first", end NULL "still affected". */
struct ent {
    char *pkg, *cve, *rel, *intro, *end;
    int end_incl;
};

struct distfeed {
    struct ent *e;
    size_t n, cap;
};

struct ctx {
    struct distfeed *f;
    const char *name;
    struct pr_error *e;
};

static char *dup_or_null(const char *s)
{
    return s ? pr_strdup(s) : NULL;
}

static void push(struct ctx *C, const char *pkg, const char *cve, const char *rel,
                 const char *intro, const char *end, int end_incl)
{
    struct distfeed *f = C->f;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->e = pr_reallocarray(f->e, f->cap, sizeof *f->e);
    }
    f->e[f->n++] = (struct ent){pr_strdup(pkg),     pr_strdup(cve),   pr_strdup(rel),
                                dup_or_null(intro), dup_or_null(end), end_incl};
}

/* A version from the feed: "0" or a valid Debian version. */
static int ver_ok(struct ctx *C, const char *where, const char *what, const char *v)
{
    if (strlen(v) < DF_VER && (!strcmp(v, "0") || debver_valid(v)))
        return 0;
    return pr_errf(C->e, "%s: %s: %s \"%.64s\" is not a Debian version", C->name, where, what, v);
}

/* "CVE-2023-38408" from "CVE-2023-38408" or "DEBIAN-CVE-2023-38408"; NULL otherwise. */
static const char *cve_id(const char *s)
{
    if (!s)
        return NULL;
    if (!strncmp(s, "DEBIAN-", 7))
        s += 7;
    return !strncmp(s, "CVE-", 4) && strlen(s) < 32 ? s : NULL;
}

/* ---- OSV ------------------------------------------------------------------------------ */

static int osv_ranges(struct ctx *C, const char *where, json_t *ranges, const char *pkg,
                      const char *rel, const char *const *cves, size_t ncves)
{
    size_t i;
    json_t *r;
    json_array_foreach(ranges, i, r)
    {
        json_t *evs = json_object_get(r, "events");
        if (!json_is_object(r) || !json_is_array(evs))
            return pr_errf(C->e, "%s: %s: ranges[%zu] has no events array", C->name, where, i);
        const char *intro = NULL;
        int open = 0;
        size_t k;
        json_t *ev;
        json_array_foreach(evs, k, ev)
        {
            const char *kind = NULL, *v = NULL;
            static const char *const kinds[] = {"introduced", "fixed", "last_affected", "limit"};
            for (size_t j = 0; j < 4 && !v; j++)
                if ((v = json_string_value(json_object_get(ev, kinds[j]))))
                    kind = kinds[j];
            if (!v)
                return pr_errf(C->e, "%s: %s: ranges[%zu].events[%zu] is not an event", C->name,
                               where, i, k);
            if (!strcmp(kind, "limit"))
                continue;
            if (ver_ok(C, where, kind, v) < 0)
                return -1;
            if (!strcmp(kind, "introduced")) {
                for (size_t c = 0; open && c < ncves; c++)
                    push(C, pkg, cves[c], rel, intro, NULL, 0);
                intro = strcmp(v, "0") ? v : NULL;
                open = 1;
            } else {
                for (size_t c = 0; c < ncves; c++)
                    push(C, pkg, cves[c], rel, open ? intro : NULL, v,
                         !strcmp(kind, "last_affected"));
                open = 0;
                intro = NULL;
            }
        }
        for (size_t c = 0; open && c < ncves; c++)
            push(C, pkg, cves[c], rel, intro, NULL, 0);
    }
    return 0;
}

static int osv_record(struct ctx *C, json_t *rec, size_t idx)
{
    char where[96];
    const char *id = json_string_value(json_object_get(rec, "id"));
    snprintf(where, sizeof where, "record %zu (%.48s)", idx, id ? id : "no id");
    if (!json_is_object(rec) || !id)
        return pr_errf(C->e, "%s: %s: not an OSV record (no id)", C->name, where);
    const char *cves[16];
    size_t ncves = 0;
    if (cve_id(id))
        cves[ncves++] = cve_id(id);
    static const char *const lists[] = {"aliases", "upstream"};
    for (size_t l = 0; l < 2; l++) {
        json_t *arr = json_object_get(rec, lists[l]), *a;
        size_t i;
        if (arr && !json_is_array(arr))
            return pr_errf(C->e, "%s: %s: %s is not an array", C->name, where, lists[l]);
        json_array_foreach(arr, i, a)
        {
            const char *c = cve_id(json_string_value(a));
            int dup = 0;
            for (size_t k = 0; c && k < ncves; k++)
                dup |= !strcmp(cves[k], c);
            if (c && !dup && ncves < sizeof cves / sizeof cves[0])
                cves[ncves++] = c;
        }
    }
    json_t *aff = json_object_get(rec, "affected"), *a;
    if (aff && !json_is_array(aff))
        return pr_errf(C->e, "%s: %s: affected is not an array", C->name, where);
    size_t i;
    json_array_foreach(aff, i, a)
    {
        json_t *p = json_object_get(a, "package");
        const char *eco = json_string_value(json_object_get(p, "ecosystem"));
        const char *name = json_string_value(json_object_get(p, "name"));
        if (!eco || !name)
            return pr_errf(C->e, "%s: %s: affected[%zu].package lacks ecosystem or name", C->name,
                           where, i);
        if (strncmp(eco, "Debian", 6) || !ncves)
            continue;
        const char *rel = eco[6] == ':' ? eco + 7 : "";
        json_t *ranges = json_object_get(a, "ranges");
        if (ranges && !json_is_array(ranges))
            return pr_errf(C->e, "%s: %s: affected[%zu].ranges is not an array", C->name, where, i);
        if (osv_ranges(C, where, ranges, name, rel, cves, ncves) < 0)
            return -1;
    }
    return 0;
}

/* ---- Debian Security Tracker ---------------------------------------------------------- */

static const char *release_number(const char *codename)
{
    static const char *const map[][2] = {{"jessie", "8"},    {"stretch", "9"},   {"buster", "10"},
                                         {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"},
                                         {"forky", "14"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(codename, map[i][0]))
            return map[i][1];
    return codename;
}

/* One package of the tracker's JSON: {CVE-id: {releases: {codename: {status, fixed_version}}}}. */
static int dst_package(struct ctx *C, const char *pkg, json_t *cves)
{
    if (!json_is_object(cves))
        return pr_errf(C->e, "%s: package \"%.64s\" is not an object", C->name, pkg);
    const char *key;
    json_t *cve;
    json_object_foreach(cves, key, cve)
    {
        const char *id = cve_id(key);
        if (!id)
            continue;
        char where[160];
        snprintf(where, sizeof where, "%.64s/%.32s", pkg, id);
        json_t *rels = json_object_get(cve, "releases");
        if (!json_is_object(cve) || (rels && !json_is_object(rels)))
            return pr_errf(C->e, "%s: %s: not an object with a releases object", C->name, where);
        const char *rel;
        json_t *r;
        json_object_foreach(rels, rel, r)
        {
            const char *status = json_string_value(json_object_get(r, "status"));
            json_t *fj = json_object_get(r, "fixed_version");
            const char *fixed = json_string_value(fj);
            if (!json_is_object(r) || !status || (fj && !fixed))
                return pr_errf(C->e, "%s: %s: release %.32s lacks a status string", C->name, where,
                               rel);
            if (fixed && ver_ok(C, where, "fixed_version", fixed) < 0)
                return -1;
            push(C, pkg, id, release_number(rel), NULL, fixed, 0);
        }
    }
    return 0;
}

/* ---- loading -------------------------------------------------------------------------- */

static int ent_cmp(const void *x, const void *y)
{
    const struct ent *a = x, *b = y;
    int c = strcmp(a->pkg, b->pkg);
    return c ? c : strcmp(a->cve, b->cve);
}

/* The text is split into top-level members or elements with a small scanner (strings and
 * brackets only), and each is given to jansson alone: memory follows the largest package or
 * record, not the file (the tracker's JSON is tens of MB). */

static size_t skip_ws(const char *t, size_t len, size_t p)
{
    while (p < len && t[p] && strchr(" \t\r\n", t[p]))
        p++;
    return p;
}

/* The end (one past) of the JSON value starting at p, or 0 when it is not terminated. */
static size_t value_end(const char *t, size_t len, size_t p)
{
    size_t depth = 0;
    int in_str = 0;
    for (size_t i = p; i < len; i++) {
        char c = t[i];
        if (in_str) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                in_str = 0;
                if (depth == 0)
                    return i + 1;
            }
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return i; /* a scalar ended by its container */
            if (--depth == 0)
                return i + 1;
        } else if (depth == 0 && c && strchr(", \t\r\n", c)) {
            return i;
        }
    }
    return depth == 0 && !in_str && len > p ? len : 0;
}

static size_t line_of(const char *t, size_t p)
{
    size_t line = 1;
    for (size_t i = 0; i < p; i++)
        line += t[i] == '\n';
    return line;
}

/* jansson's reading of t[p, end), with its line made absolute in e. */
static json_t *load_span(struct ctx *C, const char *t, size_t p, size_t end)
{
    json_error_t je;
    json_t *v = json_loadb(t + p, end - p, JSON_DECODE_ANY, &je);
    if (!v)
        pr_errf(C->e, "%s line %zu: %s", C->name,
                line_of(t, p) + (je.line > 0 ? (size_t)je.line - 1 : 0), je.text);
    return v;
}

/* Calls fn on each element of the array at t[p] ('['). */
static int each_element(struct ctx *C, const char *t, size_t len, size_t p,
                        int (*fn)(struct ctx *, json_t *, size_t))
{
    p = skip_ws(t, len, p + 1);
    for (size_t idx = 0; p < len && t[p] != ']'; idx++) {
        size_t end = value_end(t, len, p);
        if (!end)
            return pr_errf(C->e, "%s line %zu: unterminated value", C->name, line_of(t, p));
        json_t *v = load_span(C, t, p, end);
        int rc = v ? fn(C, v, idx) : -1;
        json_decref(v);
        if (rc < 0)
            return -1;
        p = skip_ws(t, len, end);
        if (p < len && t[p] == ',')
            p = skip_ws(t, len, p + 1);
        else if (p >= len || t[p] != ']')
            return pr_errf(C->e, "%s line %zu: ',' or ']' expected", C->name, line_of(t, p));
    }
    if (p >= len)
        return pr_errf(C->e, "%s line %zu: the array is not closed", C->name, line_of(t, p));
    return 0;
}

/* Calls fn on each member (key, value span) of the object at t[p] ('{'). */
static int each_member(struct ctx *C, const char *t, size_t len, size_t p,
                       int (*fn)(struct ctx *, const char *, const char *, size_t, size_t, void *),
                       void *arg)
{
    p = skip_ws(t, len, p + 1);
    while (p < len && t[p] != '}') {
        size_t kend = t[p] == '"' ? value_end(t, len, p) : 0;
        if (!kend)
            return pr_errf(C->e, "%s line %zu: a key expected", C->name, line_of(t, p));
        json_t *k = load_span(C, t, p, kend);
        if (!k)
            return -1;
        size_t vp = skip_ws(t, len, kend);
        size_t vend = vp < len && t[vp] == ':' ? value_end(t, len, skip_ws(t, len, vp + 1)) : 0;
        if (!vend) {
            json_decref(k);
            return pr_errf(C->e, "%s line %zu: ':' and a value expected", C->name, line_of(t, vp));
        }
        vp = skip_ws(t, len, vp + 1);
        int rc = fn(C, json_string_value(k), t, vp, vend, arg);
        json_decref(k);
        if (rc < 0)
            return -1;
        p = skip_ws(t, len, vend);
        if (p < len && t[p] == ',')
            p = skip_ws(t, len, p + 1);
        else if (p >= len || t[p] != '}')
            return pr_errf(C->e, "%s line %zu: ',' or '}' expected", C->name, line_of(t, p));
    }
    if (p >= len)
        return pr_errf(C->e, "%s line %zu: the object is not closed", C->name, line_of(t, p));
    return 0;
}

/* What a top-level object is: an OSV record, {"vulns": [...]} (*vulns_at set), or the
 * tracker's {package: ...}. */
struct shape {
    int record;
    size_t vulns_at;
};

static int see_key(struct ctx *C, const char *key, const char *t, size_t p, size_t end, void *arg)
{
    (void)C, (void)end;
    struct shape *sh = arg;
    if (!strcmp(key, "affected") || !strcmp(key, "schema_version"))
        sh->record = 1;
    if (!strcmp(key, "vulns") && t[p] == '[')
        sh->vulns_at = p + 1; /* +1: 0 means none */
    return 0;
}

static int dst_member(struct ctx *C, const char *key, const char *t, size_t p, size_t end,
                      void *arg)
{
    (void)arg;
    json_t *v = load_span(C, t, p, end);
    int rc = v ? dst_package(C, key, v) : -1;
    json_decref(v);
    return rc;
}

static struct distfeed *parse_text(const char *t, size_t len, const char *name, struct pr_error *e)
{
    struct ctx C = {pr_calloc(1, sizeof(struct distfeed)), name, e};
    size_t p = skip_ws(t, len, 0);
    int rc;
    struct shape sh = {0, 0};
    if (p < len && t[p] == '[') {
        rc = each_element(&C, t, len, p, osv_record);
    } else if (p < len && t[p] == '{' && (rc = each_member(&C, t, len, p, see_key, &sh)) == 0) {
        if (sh.vulns_at) {
            rc = each_element(&C, t, len, sh.vulns_at - 1, osv_record);
        } else if (sh.record) {
            json_t *v = load_span(&C, t, p, len);
            rc = v ? osv_record(&C, v, 0) : -1;
            json_decref(v);
        } else {
            rc = each_member(&C, t, len, p, dst_member, NULL);
        }
    } else if (p >= len || t[p] != '{') {
        rc = pr_errf(e,
                     "%s line %zu: neither an OSV record list nor a Debian Security Tracker "
                     "object",
                     name, line_of(t, p));
    }
    if (rc == 0 && (p = skip_ws(t, len, value_end(t, len, skip_ws(t, len, 0)))) < len)
        rc = pr_errf(e, "%s line %zu: text after the JSON value", name, line_of(t, p));
    if (rc < 0) {
        distfeed_free(C.f);
        return NULL;
    }
    if (C.f->n > 1)
        qsort(C.f->e, C.f->n, sizeof *C.f->e, ent_cmp);
    return C.f;
}

struct distfeed *distfeed_parse(const char *text, size_t len, const char *name, struct pr_error *e)
{
    return parse_text(text, len, name, e);
}

struct distfeed *distfeed_load(const char *path, struct pr_error *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        pr_errf(e, "%s: %m", path);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > DF_MAX_FILE) {
        close(fd);
        pr_errf(e, "%s: not a regular file of 1 byte to %d GiB", path, (int)(DF_MAX_FILE >> 30));
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        pr_errf(e, "%s: %m", path);
        return NULL;
    }
    struct distfeed *f = parse_text(map, len, path, e);
    munmap(map, len);
    return f;
}

void distfeed_free(struct distfeed *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->e[i].pkg);
        free(f->e[i].cve);
        free(f->e[i].rel);
        free(f->e[i].intro);
        free(f->e[i].end);
    }
    free(f->e);
    free(f);
}

size_t distfeed_count(const struct distfeed *f)
{
    return f ? f->n : 0;
}

/* debver_cmp(v, w), v given w's epoch when v has none (banners do not show epochs). */
static int cmp_borrow(const char *v, const char *w)
{
    const char *p = v, *q = w;
    while (isdigit((unsigned char)*p))
        p++;
    while (isdigit((unsigned char)*q))
        q++;
    if (*p != ':' && *q == ':' && q > w) {
        char buf[2 * DF_VER];
        snprintf(buf, sizeof buf, "%.*s:%s", (int)(q - w), w, v);
        return debver_cmp(buf, w);
    }
    return debver_cmp(v, w);
}

static int covered(const struct ent *e, const char *v)
{
    if (e->intro && cmp_borrow(v, e->intro) < 0)
        return 0;
    if (!e->end)
        return 1;
    int c = cmp_borrow(v, e->end);
    return e->end_incl ? c <= 0 : c < 0;
}

enum df_status distfeed_check(const struct distfeed *f, const char *pkg, const char *cve,
                              const char *release, const char *version)
{
    if (!f)
        return DF_UNKNOWN;
    struct ent key = {.pkg = (char *)pkg, .cve = (char *)cve};
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ent_cmp(&f->e[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int listed = 0, hit = 0;
    for (size_t i = lo; i < f->n && !ent_cmp(&f->e[i], &key); i++) {
        if (release && strcmp(f->e[i].rel, release))
            continue;
        listed = 1;
        hit |= covered(&f->e[i], version);
    }
    if (!listed)
        return DF_UNKNOWN;
    if (hit)
        return release ? DF_AFFECTED : DF_UNKNOWN;
    return DF_FIXED;
}

/* ---- the package a service reports ---------------------------------------------------- */

int distfeed_debian_package(const char *cpe_vp, const char *version, char *pkg, size_t pkglen,
                            char *ver, size_t verlen, char *release, size_t rellen)
{
    /* CPE vendor:product whose Debian source package has another name */
    static const char *const map[][2] = {
        {"isc:bind", "bind9"},          {"apache:http_server", "apache2"},
        {"exim:exim", "exim4"},         {"proftpd:proftpd", "proftpd-dfsg"},
        {"igor_sysoev:nginx", "nginx"}, {"f5:nginx", "nginx"},
        {"openbsd:openssh", "openssh"},
    };
    if (!cpe_vp || !version || !pkglen || !verlen || !rellen)
        return -1;
    const char *name = NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0] && !name; i++)
        if (!strcasecmp(cpe_vp, map[i][0]))
            name = map[i][1];
    if (!name) {
        const char *c = strchr(cpe_vp, ':');
        name = c ? c + 1 : cpe_vp;
    }
    if (!*name || strlen(name) >= pkglen)
        return -1;
    for (size_t i = 0; name[i]; i++)
        pkg[i] = (char)tolower((unsigned char)name[i]);
    pkg[strlen(name)] = '\0';

    size_t vl = strlen(version);
    const char *deb = strstr(version, " Debian ");
    int n;
    if (deb) /* "9.2p1 Debian 2+deb12u3" */
        n = snprintf(ver, verlen, "%.*s-%.*s", (int)(deb - version), version,
                     (int)strcspn(deb + 8, " "), deb + 8);
    else if (vl > 7 && !strcmp(version + vl - 7, "-Debian")) /* "9.18.19-1~deb12u1-Debian" */
        n = snprintf(ver, verlen, "%.*s", (int)(vl - 7), version);
    else
        n = snprintf(ver, verlen, "%s", version);
    if (n < 0 || (size_t)n >= verlen || !strchr(ver, '-') || !debver_valid(ver))
        return -1; /* no Debian revision: the package version is not known */
    release[0] = '\0';
    const char *m = strstr(strrchr(ver, '-'), "deb");
    if (m && isdigit((unsigned char)m[3])) {
        size_t k = strspn(m + 3, "0123456789");
        if (m[3 + k] == 'u' && k < rellen)
            snprintf(release, rellen, "%.*s", (int)k, m + 3);
    }
    return 0;
}
