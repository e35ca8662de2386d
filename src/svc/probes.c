/* probes.c — parser of nmap-service-probes (see probes.h for the grammar kept).
 *
 * One pass over the lines; every error names the input and the line. Regexes are
 * compiled with PCRE2 (no UTF: responses are bytes), flags i -> CASELESS, s -> DOTALL. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "svc/probes.h"

#include "core/text.h"

#include "core/services.h"

#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SV_MAX_FILE (64u << 20) /* refuse probe files above 64 MiB */

struct parser {
    struct sv_probedb *db;
    const char *name;
    unsigned line;
    int flags;
    struct pr_error *e;
};

static int perr(struct parser *ps, const char *fmt, const char *arg)
{
    char what[256];
    snprintf(what, sizeof what, fmt, arg ? arg : "");
    return pr_errf(ps->e, "%s line %u: %s", ps->name, ps->line, what);
}

static char *dupn(const char *s, size_t n)
{
    char *d = pr_calloc(n + 1, 1);
    memcpy(d, s, n);
    return d;
}

static const char *skip_sp(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* Next word (up to space/tab) into [*w, *wend); returns the position after it. */
static const char *word(const char *s, const char *end, const char **w, const char **wend)
{
    s = skip_sp(s, end);
    *w = s;
    while (s < end && *s != ' ' && *s != '\t')
        s++;
    *wend = s;
    return s;
}

/* C-style unescape of a probe string: \\ \0 \a \b \f \n \r \t \v \xHH; any other
 * escaped byte stands for itself. */
static int unescape(struct parser *ps, const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    uint8_t *b = pr_calloc(n + 1, 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            b[k++] = (uint8_t)s[i];
            continue;
        }
        if (++i >= n) {
            free(b);
            return perr(ps, "probe string ends in a lone backslash%s", NULL);
        }
        switch (s[i]) {
        case '0':
            b[k++] = 0;
            break;
        case 'a':
            b[k++] = 7;
            break;
        case 'b':
            b[k++] = 8;
            break;
        case 'f':
            b[k++] = 12;
            break;
        case 'n':
            b[k++] = 10;
            break;
        case 'r':
            b[k++] = 13;
            break;
        case 't':
            b[k++] = 9;
            break;
        case 'v':
            b[k++] = 11;
            break;
        case 'x': {
            int h = i + 1 < n ? pr_hexval((unsigned char)s[i + 1]) : -1;
            int l = i + 2 < n ? pr_hexval((unsigned char)s[i + 2]) : -1;
            if (h < 0 || l < 0) {
                free(b);
                return perr(ps, "bad \\x escape in probe string%s", NULL);
            }
            b[k++] = (uint8_t)(h * 16 + l);
            i += 2;
            break;
        }
        default:
            b[k++] = (uint8_t)s[i];
            break;
        }
    }
    *out = b;
    *outlen = k;
    return 0;
}

/* Delimited text: s points at the delimiter; sets [*a, *b) to the content and returns the
 * position after the closing delimiter, or NULL when it is missing. */
static const char *delimited(const char *s, const char *end, const char **a, const char **b)
{
    if (s >= end)
        return NULL;
    char d = *s++;
    const char *c = memchr(s, d, (size_t)(end - s));
    if (!c)
        return NULL;
    *a = s;
    *b = c;
    return c + 1;
}

static int parse_uint(const char *s, const char *end, unsigned long max, unsigned long *v)
{
    if (s >= end || end - s > 10)
        return -1;
    unsigned long x = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        x = x * 10 + (unsigned long)(*s - '0');
    }
    if (x > max)
        return -1;
    *v = x;
    return 0;
}

/* "1,70,79,80-85" with optional T:/U: prefixes (Exclude); proto 255 = both. */
static int parse_ranges(struct parser *ps, const char *s, const char *end, uint8_t proto,
                        int prefixes, struct sv_range **out, size_t *n)
{
    s = skip_sp(s, end);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (s >= end)
        return perr(ps, "empty port list%s", NULL);
    while (s < end) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        const char *ie = c ? c : end;
        const char *is = skip_sp(s, ie);
        uint8_t pr = proto;
        if (prefixes && ie - is >= 2 && is[1] == ':') {
            if (is[0] == 'T' || is[0] == 't')
                pr = PR_TCP;
            else if (is[0] == 'U' || is[0] == 'u')
                pr = PR_UDP;
            else
                return perr(ps, "bad protocol prefix in port list%s", NULL);
            is += 2;
        }
        const char *dash = memchr(is, '-', (size_t)(ie - is));
        unsigned long lo, hi;
        if (dash) {
            if (parse_uint(is, dash, 65535, &lo) < 0 || parse_uint(dash + 1, ie, 65535, &hi) < 0 ||
                hi < lo)
                return perr(ps, "bad port range in port list%s", NULL);
        } else {
            if (parse_uint(is, ie, 65535, &lo) < 0)
                return perr(ps, "bad port in port list%s", NULL);
            hi = lo;
        }
        if (*n >= 65536)
            return perr(ps, "too many port ranges%s", NULL);
        *out = pr_reallocarray(*out, *n + 1, sizeof **out);
        (*out)[*n] = (struct sv_range){(uint16_t)lo, (uint16_t)hi, pr};
        (*n)++;
        s = c ? c + 1 : end;
        if (c && c + 1 == end)
            return perr(ps, "port list ends in a comma%s", NULL);
    }
    return 0;
}

static int parse_probe(struct parser *ps, const char *s, const char *end)
{
    const char *w, *we;
    s = word(s, end, &w, &we);
    uint8_t proto;
    if (we - w == 3 && !memcmp(w, "TCP", 3))
        proto = PR_TCP;
    else if (we - w == 3 && !memcmp(w, "UDP", 3))
        proto = PR_UDP;
    else
        return perr(ps, "Probe protocol must be TCP or UDP%s", NULL);
    s = word(s, end, &w, &we);
    if (w == we)
        return perr(ps, "Probe has no name%s", NULL);
    for (const char *c = w; c < we; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return perr(ps, "bad character in probe name%s", NULL);
    const char *name = w, *nameend = we;
    s = skip_sp(s, end);
    if (s >= end || *s != 'q')
        return perr(ps, "Probe string must start with q and a delimiter%s", NULL);
    const char *a, *b;
    s = delimited(s + 1, end, &a, &b);
    if (!s)
        return perr(ps, "Probe string has no closing delimiter%s", NULL);
    if (b - a > SV_MAX_PAYLOAD * 4)
        return perr(ps, "Probe string too long%s", NULL);
    int no_payload = 0;
    s = word(s, end, &w, &we);
    if (w != we) {
        if (we - w == 10 && !memcmp(w, "no-payload", 10))
            no_payload = 1;
        else
            return perr(ps, "unexpected text after the Probe string%s", NULL);
        s = word(s, end, &w, &we);
        if (w != we)
            return perr(ps, "unexpected text after no-payload%s", NULL);
    }
    struct sv_probedb *db = ps->db;
    if (db->nprobes >= 4096)
        return perr(ps, "too many probes%s", NULL);
    uint8_t *payload = NULL;
    size_t len = 0;
    if (unescape(ps, a, (size_t)(b - a), &payload, &len) < 0)
        return -1;
    db->probes = pr_reallocarray(db->probes, db->nprobes + 1, sizeof *db->probes);
    struct sv_probe *p = &db->probes[db->nprobes++];
    memset(p, 0, sizeof *p);
    p->name = dupn(name, (size_t)(nameend - name));
    p->proto = proto;
    p->payload = payload;
    p->len = len;
    p->no_payload = no_payload;
    p->totalwaitms = SV_DEFAULT_WAITMS;
    p->tcpwrappedms = SV_DEFAULT_WRAPPEDMS;
    p->line = ps->line;
    if (proto == PR_TCP && len == 0 && !strcmp(p->name, "NULL") && db->null_probe < 0)
        db->null_probe = (int)(db->nprobes - 1);
    return 0;
}

static int compile_re(struct parser *ps, struct sv_match *m, const char *a, size_t n, uint32_t opts)
{
    if (ps->flags & SV_LOAD_NOCOMPILE)
        return 0;
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)a, n, opts, &err, &off, NULL);
    if (!re) {
        char msg[160], buf[220];
        pcre2_get_error_message(err, (PCRE2_UCHAR *)msg, sizeof msg);
        snprintf(buf, sizeof buf, "bad regex at offset %zu: %s", (size_t)off, msg);
        return perr(ps, "%s", buf);
    }
    m->re = re;
    return 0;
}

static void match_clear(struct sv_match *m)
{
    free(m->service);
    pcre2_code_free((pcre2_code *)m->re);
    for (int f = 0; f < SVF_COUNT; f++)
        free(m->tmpl[f]);
    for (size_t i = 0; i < m->ncpe; i++)
        free(m->cpe[i]);
    memset(m, 0, sizeof *m);
}

static int parse_match(struct parser *ps, const char *s, const char *end, int soft)
{
    struct sv_probedb *db = ps->db;
    if (db->nprobes == 0)
        return perr(ps, "%s before any Probe", soft ? "softmatch" : "match");
    struct sv_probe *p = &db->probes[db->nprobes - 1];
    const char *w, *we;
    s = word(s, end, &w, &we);
    if (w == we)
        return perr(ps, "match has no service name%s", NULL);
    if (we - w > 64)
        return perr(ps, "service name too long%s", NULL);
    for (const char *c = w; c < we; c++)
        if (!isgraph((unsigned char)*c))
            return perr(ps, "bad character in service name%s", NULL);
    struct sv_match m = {0};
    m.soft = soft;
    m.line = ps->line;
    m.service = dupn(w, (size_t)(we - w));
    s = skip_sp(s, end);
    if (s >= end || *s != 'm') {
        match_clear(&m);
        return perr(ps, "match pattern must start with m and a delimiter%s", NULL);
    }
    const char *a, *b;
    s = delimited(s + 1, end, &a, &b);
    if (!s) {
        match_clear(&m);
        return perr(ps, "match pattern has no closing delimiter%s", NULL);
    }
    uint32_t opts = 0;
    for (; s < end && *s != ' ' && *s != '\t'; s++) {
        if (*s == 'i')
            opts |= PCRE2_CASELESS;
        else if (*s == 's')
            opts |= PCRE2_DOTALL;
        else {
            match_clear(&m);
            return perr(ps, "unknown match flag%s", NULL);
        }
    }
    if (compile_re(ps, &m, a, (size_t)(b - a), opts) < 0) {
        match_clear(&m);
        return -1;
    }
    for (;;) {
        s = skip_sp(s, end);
        if (s >= end)
            break;
        const char *ta, *tb;
        if (end - s > 4 && !memcmp(s, "cpe:", 4)) {
            s = delimited(s + 4, end, &ta, &tb);
            if (!s) {
                match_clear(&m);
                return perr(ps, "cpe: has no closing delimiter%s", NULL);
            }
            while (s < end && isalpha((unsigned char)*s)) /* the 'a' flag */
                s++;
            if (m.ncpe >= SV_MAX_CPES) {
                match_clear(&m);
                return perr(ps, "too many cpe: entries%s", NULL);
            }
            m.cpe[m.ncpe++] = dupn(ta, (size_t)(tb - ta));
            continue;
        }
        static const char letters[] = "pvihod";
        const char *l = memchr(letters, *s, sizeof letters - 1);
        if (!l || end - s < 2) {
            match_clear(&m);
            return perr(ps, "unknown version field in match%s", NULL);
        }
        int f = (int)(l - letters);
        s = delimited(s + 1, end, &ta, &tb);
        if (!s) {
            match_clear(&m);
            return perr(ps, "version field has no closing delimiter%s", NULL);
        }
        if (m.tmpl[f]) {
            match_clear(&m);
            return perr(ps, "version field given twice%s", NULL);
        }
        m.tmpl[f] = dupn(ta, (size_t)(tb - ta));
        if (s < end && *s != ' ' && *s != '\t') {
            match_clear(&m);
            return perr(ps, "no space after a version field%s", NULL);
        }
    }
    if (p->nmatches >= 100000) {
        match_clear(&m);
        return perr(ps, "too many match lines%s", NULL);
    }
    p->matches = pr_reallocarray(p->matches, p->nmatches + 1, sizeof *p->matches);
    p->matches[p->nmatches++] = m;
    return 0;
}

static int parse_directive(struct parser *ps, const char *w, const char *we, const char *s,
                           const char *end)
{
    struct sv_probedb *db = ps->db;
    size_t wl = (size_t)(we - w);
#define IS(lit) (wl == sizeof(lit) - 1 && !memcmp(w, lit, wl))
    if (IS("Probe"))
        return parse_probe(ps, s, end);
    if (IS("match"))
        return parse_match(ps, s, end, 0);
    if (IS("softmatch"))
        return parse_match(ps, s, end, 1);
    if (IS("Exclude"))
        return parse_ranges(ps, s, end, 255, 1, &db->exclude, &db->nexclude);
    int known = IS("ports") || IS("sslports") || IS("rarity") || IS("fallback") ||
                IS("totalwaitms") || IS("tcpwrappedms");
    if (!known)
        return perr(ps, "unknown directive%s", NULL);
    if (db->nprobes == 0)
        return perr(ps, "directive before any Probe%s", NULL);
    struct sv_probe *p = &db->probes[db->nprobes - 1];
    unsigned long v;
    const char *a = skip_sp(s, end), *b = end;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    if (IS("ports")) {
        if (p->nports)
            return perr(ps, "ports given twice for a probe%s", NULL);
        return parse_ranges(ps, a, b, p->proto, 0, &p->ports, &p->nports);
    }
    if (IS("sslports")) {
        if (p->nsslports)
            return perr(ps, "sslports given twice for a probe%s", NULL);
        return parse_ranges(ps, a, b, p->proto, 0, &p->sslports, &p->nsslports);
    }
    if (IS("rarity")) {
        if (parse_uint(a, b, 9, &v) < 0 || v < 1)
            return perr(ps, "rarity must be 1 to 9%s", NULL);
        p->rarity = (int)v;
        return 0;
    }
    if (IS("totalwaitms") || IS("tcpwrappedms")) {
        if (parse_uint(a, b, 600000, &v) < 0 || v < 1)
            return perr(ps, "wait must be 1 to 600000 ms%s", NULL);
        if (IS("totalwaitms"))
            p->totalwaitms = (unsigned)v;
        else
            p->tcpwrappedms = (unsigned)v;
        return 0;
    }
    /* fallback NAME[,NAME...] */
    if (a >= b)
        return perr(ps, "empty fallback%s", NULL);
    while (a < b) {
        const char *c = memchr(a, ',', (size_t)(b - a));
        const char *ie = c ? c : b;
        if (ie == a)
            return perr(ps, "empty name in fallback%s", NULL);
        if (p->nfallback >= SV_MAX_FALLBACKS)
            return perr(ps, "too many fallbacks%s", NULL);
        p->fallback_names[p->nfallback++] = dupn(a, (size_t)(ie - a));
        a = c ? c + 1 : b;
    }
    return 0;
#undef IS
}

static int resolve_fallbacks(struct parser *ps)
{
    struct sv_probedb *db = ps->db;
    for (size_t i = 0; i < db->nprobes; i++) {
        struct sv_probe *p = &db->probes[i];
        for (size_t k = 0; k < p->nfallback; k++) {
            int idx = sv_probe_find(db, p->proto, p->fallback_names[k]);
            if (idx < 0)
                idx = sv_probe_find(db, p->proto == PR_TCP ? PR_UDP : PR_TCP, p->fallback_names[k]);
            if (idx < 0) {
                ps->line = p->line;
                return perr(ps, "fallback names unknown probe '%.64s'", p->fallback_names[k]);
            }
            p->fallback[k] = idx;
        }
    }
    return 0;
}

struct sv_probedb *sv_probes_parse(const char *text, size_t len, const char *name, int flags,
                                   struct pr_error *e)
{
    struct parser ps = {.name = name ? name : "probes", .flags = flags, .e = e};
    ps.db = pr_calloc(1, sizeof *ps.db);
    ps.db->null_probe = -1;
    const char *s = text, *end = text + len;
    while (s < end) {
        ps.line++;
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *le = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (le > s && le[-1] == '\r')
            le--;
        if (le - s > SV_MAX_LINE) {
            perr(&ps, "line longer than %s bytes", "65536");
            goto fail;
        }
        if (le > s && memchr(s, '\0', (size_t)(le - s))) {
            perr(&ps, "NUL byte in line%s", NULL);
            goto fail;
        }
        const char *w, *we;
        const char *after = word(s, le, &w, &we);
        if (w != we && *w != '#' && parse_directive(&ps, w, we, after, le) < 0)
            goto fail;
        s = next;
    }
    if (resolve_fallbacks(&ps) < 0)
        goto fail;
    if (ps.db->nprobes == 0) {
        pr_errf(e, "%s: no Probe lines", ps.name);
        goto fail;
    }
    return ps.db;
fail:
    sv_probes_free(ps.db);
    return NULL;
}

struct sv_probedb *sv_probes_load(const char *path, int flags, struct pr_error *e)
{
    if (!path)
        path = SV_DEFAULT_PROBES;
    FILE *f = fopen(path, "rb");
    if (!f) {
        pr_errf(e, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = pr_calloc(cap, 1);
    for (;;) {
        if (n == cap) {
            if (cap >= SV_MAX_FILE) {
                fclose(f);
                free(buf);
                pr_errf(e, "%s: larger than 64 MiB", path);
                return NULL;
            }
            cap *= 2;
            buf = pr_reallocarray(buf, cap, 1);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        pr_errf(e, "%s: read error", path);
        return NULL;
    }
    struct sv_probedb *db = sv_probes_parse(buf, n, path, flags, e);
    free(buf);
    return db;
}

void sv_probes_free(struct sv_probedb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->nprobes; i++) {
        struct sv_probe *p = &db->probes[i];
        free(p->name);
        free(p->payload);
        free(p->ports);
        free(p->sslports);
        for (size_t k = 0; k < p->nfallback; k++)
            free(p->fallback_names[k]);
        for (size_t k = 0; k < p->nmatches; k++)
            match_clear(&p->matches[k]);
        free(p->matches);
    }
    free(db->probes);
    free(db->exclude);
    free(db);
}

int sv_in_ranges(const struct sv_range *r, size_t n, unsigned proto, uint16_t port)
{
    for (size_t i = 0; i < n; i++)
        if ((r[i].proto == 255 || r[i].proto == proto) && port >= r[i].lo && port <= r[i].hi)
            return 1;
    return 0;
}

int sv_probe_find(const struct sv_probedb *db, unsigned proto, const char *name)
{
    for (size_t i = 0; i < db->nprobes; i++)
        if (db->probes[i].proto == proto && !strcmp(db->probes[i].name, name))
            return (int)i;
    return -1;
}

static int has_service(const struct sv_probe *p, const char *svc)
{
    for (size_t i = 0; i < p->nmatches; i++)
        if (!strcmp(p->matches[i].service, svc))
            return 1;
    return 0;
}

int sv_probe_can_name(const struct sv_probedb *db, const struct sv_probe *p, const char *svc)
{
    if (has_service(p, svc))
        return 1;
    for (size_t k = 0; k < p->nfallback; k++)
        if (p->fallback[k] >= 0 && (size_t)p->fallback[k] < db->nprobes &&
            has_service(&db->probes[p->fallback[k]], svc))
            return 1;
    return 0;
}
