/* cve.c — NVD CVE JSON 2.0 feeds and their matching against CPEs (see cve.h).
 *
 * The JSON trees are kept (jansson) and walked per lookup: feeds given to a scan are
 * small, lookups happen once per detected service. */
#include "svc/cve.h"

#include "svc/cpedict.h"
#include "svc/distfeed.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CVE_MAX_FEEDS 8
#define CVE_FIELD 128

struct cve_db {
    json_t *root[CVE_MAX_FEEDS];
    size_t nroot;
    size_t count;
    struct cpedict *aliases; /* --cpe-dict, or NULL */
    struct distfeed *distro; /* --cve-distro, or NULL */
};

/* A service's CPEs, their aliases and the host's OS CPEs go into one list per lookup. */
#define CVE_MAX_LOOKUP (4 * SVC_MAX_CPES)

/* One CPE split into fields (part vendor product version update); '*' for "any". */
struct cpe {
    char f[5][CVE_FIELD];
    int platform_only; /* an OS CPE of -O: satisfies only "running on" entries */
    int alias;         /* an alias of the service's CPE (--cpe-dict) */
};

static int check_feed(json_t *root, const char *name, struct pr_error *e, size_t *count)
{
    json_t *v = json_object_get(root, "vulnerabilities");
    if (!json_is_array(v))
        return pr_errf(e, "%s: not an NVD CVE JSON 2.0 feed (no \"vulnerabilities\" array)", name);
    size_t i;
    json_t *it;
    json_array_foreach(v, i, it)
    {
        json_t *cve = json_object_get(it, "cve");
        if (!json_is_object(cve) || !json_is_string(json_object_get(cve, "id")))
            return pr_errf(e, "%s: vulnerabilities[%zu] has no cve.id", name, i);
    }
    *count += json_array_size(v);
    return 0;
}

static int add_root(struct cve_db *db, json_t *root, const char *name, struct pr_error *e)
{
    if (db->nroot >= CVE_MAX_FEEDS) {
        json_decref(root);
        return pr_errf(e, "%s: more than %d CVE feeds", name, CVE_MAX_FEEDS);
    }
    if (check_feed(root, name, e, &db->count) < 0) {
        json_decref(root);
        return -1;
    }
    db->root[db->nroot++] = root;
    return 0;
}

struct cve_db *cve_parse(const char *text, size_t len, const char *name, struct pr_error *e)
{
    struct cve_db *db = pr_calloc(1, sizeof *db);
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        pr_errf(e, "%s line %d column %d: %s", name, je.line, je.column, je.text);
        free(db);
        return NULL;
    }
    if (add_root(db, root, name, e) < 0) {
        cve_free(db);
        return NULL;
    }
    return db;
}

struct cve_db *cve_load(const char *const *paths, size_t n, struct pr_error *e)
{
    struct cve_db *db = pr_calloc(1, sizeof *db);
    for (size_t i = 0; i < n; i++) {
        json_error_t je;
        json_t *root = json_load_file(paths[i], JSON_REJECT_DUPLICATES, &je);
        if (!root) {
            if (je.line > 0)
                pr_errf(e, "%s line %d column %d: %s", paths[i], je.line, je.column, je.text);
            else
                pr_errf(e, "%s: %s", paths[i], je.text);
            cve_free(db);
            return NULL;
        }
        if (add_root(db, root, paths[i], e) < 0) {
            cve_free(db);
            return NULL;
        }
    }
    return db;
}

void cve_free(struct cve_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nroot; i++)
        json_decref(db->root[i]);
    cpedict_free(db->aliases);
    distfeed_free(db->distro);
    free(db);
}

void cve_set_aliases(struct cve_db *db, struct cpedict *d)
{
    cpedict_free(db->aliases);
    db->aliases = d;
}

void cve_set_distro(struct cve_db *db, struct distfeed *f)
{
    distfeed_free(db->distro);
    db->distro = f;
}

size_t cve_count(const struct cve_db *db)
{
    return db ? db->count : 0;
}

int cve_version_cmp(const char *a, const char *b)
{
    for (;;) {
        while (*a && !isalnum((unsigned char)*a))
            a++;
        while (*b && !isalnum((unsigned char)*b))
            b++;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        int da = isdigit((unsigned char)*a), db = isdigit((unsigned char)*b);
        if (da && db) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c < 0 ? -1 : 1;
            a += la;
            b += lb;
        } else if (!da && !db) {
            while (isalpha((unsigned char)*a) && isalpha((unsigned char)*b)) {
                int c = tolower((unsigned char)*a) - tolower((unsigned char)*b);
                if (c)
                    return c < 0 ? -1 : 1;
                a++, b++;
            }
            int ea = isalpha((unsigned char)*a), eb = isalpha((unsigned char)*b);
            if (ea != eb)
                return ea ? 1 : -1;
        } else {
            return da ? 1 : -1; /* a number sorts after letters: 1.0rc1 < 1.0.1 */
        }
    }
}

/* Does the text after a '-' look like a distribution's package revision? */
static int is_revision(const char *r)
{
    static const char *const marks[] = {"deb", "ubuntu", "Debian", "Ubuntu", "el", "fc"};
    if (!isdigit((unsigned char)*r))
        return 0;
    for (const char *p = r; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".+~-", *p))
            return 0;
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(r, marks[i]))
            return 1;
    return 0;
}

void cve_upstream_version(const char *v, char *out, size_t outlen)
{
    if (!outlen)
        return;
    const char *p = v;
    while (isdigit((unsigned char)*p))
        p++;
    if (p > v && *p == ':' && p[1]) /* epoch "1:" */
        v = p + 1;
    size_t n = strlen(v);
    for (const char *dash = strchr(v, '-'); dash; dash = strchr(dash + 1, '-'))
        if (dash > v && is_revision(dash + 1)) {
            n = (size_t)(dash - v);
            break;
        }
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

/* "cpe:/a:openbsd:openssh:9.2p1" (2.2 URI, as nmap writes). Returns 0 or -1. */
static int parse_uri(const char *s, struct cpe *c)
{
    if (strncmp(s, "cpe:/", 5) != 0)
        return -1;
    s += 5;
    for (int i = 0; i < 5; i++)
        snprintf(c->f[i], CVE_FIELD, "*");
    for (int i = 0; i < 5 && *s; i++) {
        size_t n = strcspn(s, ":");
        if (n >= CVE_FIELD)
            return -1;
        memcpy(c->f[i], s, n);
        c->f[i][n] = '\0';
        if (n == 0)
            snprintf(c->f[i], CVE_FIELD, "*");
        s += n;
        if (*s == ':')
            s++;
    }
    return 0;
}

/* "cpe:2.3:a:openbsd:openssh:9.2:p1:*:..." (formatted string; backslash escapes kept out). */
static int parse_fs(const char *s, struct cpe *c)
{
    if (strncmp(s, "cpe:2.3:", 8) != 0)
        return -1;
    s += 8;
    for (int i = 0; i < 5; i++) {
        size_t k = 0;
        while (*s && *s != ':') {
            if (*s == '\\' && s[1])
                s++;
            if (k + 1 < CVE_FIELD)
                c->f[i][k++] = *s;
            s++;
        }
        c->f[i][k] = '\0';
        if (*s == ':')
            s++;
        else if (i < 4) {
            for (int j = i + 1; j < 5; j++)
                snprintf(c->f[j], CVE_FIELD, "*");
            break;
        }
    }
    return 0;
}

static int field_eq(const char *want, const char *have)
{
    return !strcmp(want, "*") || !strcasecmp(want, have);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && *s ? s : NULL;
}

/* Does one cpeMatch entry apply to the detected CPE? A vulnerable entry needs the
 * detected version; a platform entry ("running on", vulnerable false) also accepts a
 * detected CPE without a version when it names no version or range itself (nmap writes
 * "cpe:/o:linux:linux_kernel" for an OS it saw in a banner). */
static int cpematch_hits(json_t *m, const struct cpe *d)
{
    const char *crit = jstr(m, "criteria");
    struct cpe c;
    if (!crit || parse_fs(crit, &c) < 0)
        return 0;
    if (d->platform_only && json_is_true(json_object_get(m, "vulnerable")))
        return 0;
    for (int i = 0; i < 3; i++)
        if (!field_eq(c.f[i], d->f[i]))
            return 0;
    const char *si = jstr(m, "versionStartIncluding"), *se = jstr(m, "versionStartExcluding");
    const char *ei = jstr(m, "versionEndIncluding"), *ee = jstr(m, "versionEndExcluding");
    char have[CVE_FIELD];
    cve_upstream_version(d->f[3], have, sizeof have);
    if (!strcmp(have, "*") || !strcmp(have, "-") || !*have) {
        /* unknown version: only a platform entry without a version can be claimed */
        return !json_is_true(json_object_get(m, "vulnerable")) && !si && !se && !ei && !ee &&
               (!strcmp(c.f[3], "*") || !strcmp(c.f[3], "-"));
    }
    if (si || se || ei || ee) {
        if (si && cve_version_cmp(have, si) < 0)
            return 0;
        if (se && cve_version_cmp(have, se) <= 0)
            return 0;
        if (ei && cve_version_cmp(have, ei) > 0)
            return 0;
        if (ee && cve_version_cmp(have, ee) >= 0)
            return 0;
        return 1;
    }
    if (!strcmp(c.f[3], "*"))
        return 1;
    if (!strcmp(c.f[3], "-"))
        return 0;
    char want[2 * CVE_FIELD];
    if (strcmp(c.f[4], "*") && strcmp(c.f[4], "-"))
        snprintf(want, sizeof want, "%s%s", c.f[3], c.f[4]); /* 9.2 + p1 */
    else
        snprintf(want, sizeof want, "%s", c.f[3]);
    return cve_version_cmp(have, want) == 0;
}

/* 1 + the index of the first CPE the entry applies to (a service's own CPEs come before
 * their aliases), or 0. */
static size_t any_cpe_hits(json_t *m, const struct cpe *cpes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cpematch_hits(m, &cpes[i]))
            return i + 1;
    return 0;
}

static int is_and(json_t *o)
{
    const char *op = jstr(o, "operator");
    return op && !strcasecmp(op, "AND");
}

/* vulnerable_hit: set to 1 + the index of the CPE that hit a vulnerable entry, if unset. */
static int node_hits(json_t *node, const struct cpe *cpes, size_t n, size_t *vulnerable_hit)
{
    json_t *ms = json_object_get(node, "cpeMatch");
    if (!json_is_array(ms) || json_array_size(ms) == 0)
        return 0;
    int and = is_and(node), result = and? 1 : 0;
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        size_t who = any_cpe_hits(m, cpes, n);
        int hit = who != 0;
        if (hit && !*vulnerable_hit && json_is_true(json_object_get(m, "vulnerable")))
            *vulnerable_hit = who;
        if (and)
            result &= hit;
        else
            result |= hit;
    }
    if (json_is_true(json_object_get(node, "negate")))
        result = !result;
    return result;
}

/* 1 + the index of the CPE a vulnerable entry of an applying configuration matched, or 0. */
static size_t cve_applies(json_t *cve, const struct cpe *cpes, size_t n)
{
    json_t *cfgs = json_object_get(cve, "configurations");
    if (!json_is_array(cfgs))
        return 0;
    size_t i;
    json_t *cfg;
    json_array_foreach(cfgs, i, cfg)
    {
        json_t *nodes = json_object_get(cfg, "nodes");
        if (!json_is_array(nodes) || json_array_size(nodes) == 0)
            continue;
        int and = is_and(cfg), result = and? 1 : 0;
        size_t vuln = 0;
        size_t k;
        json_t *node;
        json_array_foreach(nodes, k, node)
        {
            int hit = node_hits(node, cpes, n, &vuln);
            if (and)
                result &= hit;
            else
                result |= hit;
        }
        if (result && vuln)
            return vuln;
    }
    return 0;
}

/* Base score of the newest CVSS version present (v4.0, v3.1, v3.0, v2), Primary first. */
static double cvss_of(json_t *cve)
{
    static const char *const keys[] = {"cvssMetricV40", "cvssMetricV31", "cvssMetricV30",
                                       "cvssMetricV2"};
    json_t *metrics = json_object_get(cve, "metrics");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        json_t *arr = json_object_get(metrics, keys[k]);
        if (!json_is_array(arr) || json_array_size(arr) == 0)
            continue;
        double best = -1;
        size_t i;
        json_t *m;
        json_array_foreach(arr, i, m)
        {
            json_t *score = json_object_get(json_object_get(m, "cvssData"), "baseScore");
            if (!json_is_number(score))
                continue;
            double v = json_number_value(score);
            const char *type = jstr(m, "type");
            if (type && !strcmp(type, "Primary"))
                return v >= 0 && v <= 10 ? v : -1;
            if (best < 0 && v >= 0 && v <= 10)
                best = v;
        }
        if (best >= 0)
            return best;
    }
    return -1;
}

static int by_score(const void *x, const void *y)
{
    const struct svc_cve *a = x, *b = y;
    if (a->cvss != b->cvss)
        return a->cvss < b->cvss ? 1 : -1;
    return strcmp(a->id, b->id);
}

/* Adds the aliases of cpes[0..n) (same version and update) after them. Returns the new n. */
static size_t add_aliases(const struct cpedict *d, struct cpe *cpes, size_t n)
{
    size_t n0 = n;
    for (size_t i = 0; i < n0; i++) {
        char key[CPEDICT_KEY];
        if (snprintf(key, sizeof key, "%s:%s:%s", cpes[i].f[0], cpes[i].f[1], cpes[i].f[2]) >=
            (int)sizeof key)
            continue;
        for (char *p = key; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        const char *alias;
        for (size_t k = 0; (alias = cpedict_alias(d, key, k)) && n < CVE_MAX_LOOKUP; k++) {
            struct cpe a = cpes[i];
            size_t pl = strcspn(alias, ":"), vl = strcspn(alias + pl + 1, ":");
            if (pl >= CVE_FIELD || vl >= CVE_FIELD || strlen(alias + pl + vl + 2) >= CVE_FIELD)
                continue;
            snprintf(a.f[0], CVE_FIELD, "%.*s", (int)pl, alias);
            snprintf(a.f[1], CVE_FIELD, "%.*s", (int)vl, alias + pl + 1);
            snprintf(a.f[2], CVE_FIELD, "%s", alias + pl + vl + 2);
            a.alias = 1;
            cpes[n++] = a;
        }
    }
    return n;
}

/* Does the distribution feed say the service's package is fixed for id? Only services
 * whose version names a Debian package version qualify (distfeed_debian_package). */
static int distro_fixed(const struct distfeed *f, const struct svc_info *si, const struct cpe *cpes,
                        size_t n, const char *id)
{
    if (!f || !si->version)
        return 0;
    for (size_t i = 0; i < n; i++) {
        size_t vl = strlen(cpes[i].f[3]);
        if (cpes[i].platform_only || strcmp(cpes[i].f[0], "a") || !strcmp(cpes[i].f[3], "*") ||
            strncasecmp(si->version, cpes[i].f[3], vl) != 0)
            continue; /* only the CPE whose version is the service's (not PHP's next to Apache) */
        char vp[2 * CVE_FIELD], pkg[CVE_FIELD], ver[CVE_FIELD], rel[16];
        snprintf(vp, sizeof vp, "%s:%s", cpes[i].f[1], cpes[i].f[2]);
        if (distfeed_debian_package(vp, si->version, pkg, sizeof pkg, ver, sizeof ver, rel,
                                    sizeof rel) < 0)
            continue;
        if (distfeed_check(f, pkg, id, *rel ? rel : NULL, ver) == DF_FIXED)
            return 1;
    }
    return 0;
}

void cve_lookup(const struct cve_db *db, struct svc_info *si)
{
    cve_lookup_on(db, si, NULL, 0);
}

void cve_lookup_on(const struct cve_db *db, struct svc_info *si, const char *const *platforms,
                   size_t nplatforms)
{
    free(si->cves);
    si->cves = NULL;
    si->ncves = 0;
    if (!db || si->ncpes == 0)
        return;
    struct cpe cpes[CVE_MAX_LOOKUP];
    size_t n = 0;
    for (size_t i = 0; i < si->ncpes && i < SVC_MAX_CPES; i++)
        if (si->cpes[i] && parse_uri(si->cpes[i], &cpes[n]) == 0)
            cpes[n].platform_only = cpes[n].alias = 0, n++;
    if (!n)
        return;
    if (db->aliases)
        n = add_aliases(db->aliases, cpes, n);
    for (size_t i = 0; i < nplatforms && n < CVE_MAX_LOOKUP; i++)
        if (platforms[i] && parse_uri(platforms[i], &cpes[n]) == 0 && !strcmp(cpes[n].f[0], "o"))
            cpes[n].platform_only = 1, cpes[n].alias = 0, n++;
    for (size_t r = 0; r < db->nroot; r++) {
        json_t *v = json_object_get(db->root[r], "vulnerabilities");
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            json_t *cve = json_object_get(it, "cve");
            const char *id = jstr(cve, "id");
            size_t who = id && strlen(id) < sizeof si->cves[0].id ? cve_applies(cve, cpes, n) : 0;
            if (!who)
                continue;
            int dup = 0;
            for (size_t k = 0; k < si->ncves; k++)
                dup |= !strcmp(si->cves[k].id, id);
            if (dup || si->ncves >= SVC_MAX_CVES || distro_fixed(db->distro, si, cpes, n, id))
                continue;
            si->cves = pr_reallocarray(si->cves, si->ncves + 1, sizeof *si->cves);
            struct svc_cve *c = &si->cves[si->ncves++];
            snprintf(c->id, sizeof c->id, "%s", id);
            c->cvss = cvss_of(cve);
            const struct cpe *w = &cpes[who - 1];
            c->via[0] = '\0';
            if (w->alias) { /* cut to fit, like the id */
                char via[3 * CVE_FIELD + 8];
                snprintf(via, sizeof via, "cpe:/%s:%s:%s", w->f[0], w->f[1], w->f[2]);
                size_t vl = strnlen(via, sizeof c->via - 1);
                memcpy(c->via, via, vl);
                c->via[vl] = '\0';
            }
        }
    }
    if (si->ncves > 1)
        qsort(si->cves, si->ncves, sizeof *si->cves, by_score);
}
