/* distfeed.c — OSV and Debian Security Tracker feeds as (package, CVE, release, range)
 * entries, and the Debian package a service reports (see distfeed.h). */
#include "svc/distfeed.h"

#include "svc/debver.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DF_VER 256

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

static int dst_parse(struct ctx *C, json_t *root)
{
    const char *pkg;
    json_t *cves;
    json_object_foreach(root, pkg, cves)
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
                return pr_errf(C->e, "%s: %s: not an object with a releases object", C->name,
                               where);
            const char *rel;
            json_t *r;
            json_object_foreach(rels, rel, r)
            {
                const char *status = json_string_value(json_object_get(r, "status"));
                json_t *fj = json_object_get(r, "fixed_version");
                const char *fixed = json_string_value(fj);
                if (!json_is_object(r) || !status || (fj && !fixed))
                    return pr_errf(C->e, "%s: %s: release %.32s lacks a status string", C->name,
                                   where, rel);
                if (fixed && ver_ok(C, where, "fixed_version", fixed) < 0)
                    return -1;
                push(C, pkg, id, release_number(rel), NULL, fixed, 0);
            }
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

static struct distfeed *from_root(json_t *root, const char *name, struct pr_error *e)
{
    struct ctx C = {pr_calloc(1, sizeof(struct distfeed)), name, e};
    json_t *list = json_is_array(root) ? root : json_object_get(root, "vulns");
    int rc = 0;
    if (json_is_array(list)) {
        size_t i;
        json_t *rec;
        json_array_foreach(list, i, rec)
        {
            if ((rc = osv_record(&C, rec, i)) < 0)
                break;
        }
    } else if (json_is_object(root) &&
               (json_object_get(root, "affected") || json_object_get(root, "schema_version"))) {
        rc = osv_record(&C, root, 0);
    } else if (json_is_object(root)) {
        rc = dst_parse(&C, root);
    } else {
        rc =
            pr_errf(e, "%s: neither an OSV record list nor a Debian Security Tracker object", name);
    }
    json_decref(root);
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
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    if (!root) {
        pr_errf(e, "%s line %d column %d: %s", name, je.line, je.column, je.text);
        return NULL;
    }
    return from_root(root, name, e);
}

struct distfeed *distfeed_load(const char *path, struct pr_error *e)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        if (je.line > 0)
            pr_errf(e, "%s line %d column %d: %s", path, je.line, je.column, je.text);
        else
            pr_errf(e, "%s: %s", path, je.text);
        return NULL;
    }
    return from_root(root, path, e);
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
