/* targets.c — target specs in nmap syntax to a sorted, disjoint, indexed host set.
 *
 * Every spec becomes one or more inclusive ranges of 128-bit host numbers (IPv4 in the
 * low 32 bits), never one entry per host: an octet range such as "198.18.1-3.1-254"
 * is three ranges. tgt_finish() sorts and merges the ranges, subtracts the merged
 * exclusions, splits out the single hosts that carry a resolved name, and builds
 * prefix sums so that tgt_get() is a binary search. See targets.h. */
#include "core/targets.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)
/* Stored pieces across targets and exclusions; each costs sizeof(struct tgt_range). */
#define TGT_MAX_RANGES ((size_t)1 << 20)
/* The longest single spec or host name we look at. */
#define TGT_SPEC_MAX 1024
#define TGT_NAME_MAX 253

struct tgt_range {
    u128 start, end; /* inclusive host numbers */
    char *name;      /* owned host name of a single resolved host, else NULL */
    uint64_t seq;    /* order of addition: the first name given for a host wins */
};

/* Everything one spec parse needs to report errors. */
struct spec_ctx {
    const char *kind; /* "target" or "exclusion" */
    const char *spec;
    const char *where; /* may be NULL */
    struct pr_error *e;
};

/* Copies s into out with anything unprintable shown as '?' and long input cut short. */
static void sanitize(const char *s, char *out, size_t len)
{
    size_t i = 0;
    const size_t show = len > 4 ? len - 4 : 0;
    for (; s[i] && i < show; i++)
        out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (s[i] && len > 4) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
}

__attribute__((format(printf, 2, 3))) static int spec_err(const struct spec_ctx *c, const char *fmt,
                                                          ...)
{
    char msg[PR_ERR_MSG], shown[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sanitize(c->spec, shown, sizeof shown);
    if (c->where)
        return pr_errf(c->e, "%s '%s' (%s): %s", c->kind, shown, c->where, msg);
    return pr_errf(c->e, "%s '%s': %s", c->kind, shown, msg);
}

static u128 addr_to_num(const struct pr_addr *a)
{
    if (a->family == AF_INET)
        return addr_v4(a);
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | a->a[i];
    return v;
}

static void num_to_addr(int family, u128 v, struct pr_addr *out)
{
    if (family == AF_INET) {
        addr_from_v4(out, (uint32_t)v);
        return;
    }
    memset(out, 0, sizeof *out);
    out->family = AF_INET6;
    for (int i = 15; i >= 0; i--) {
        out->a[i] = (uint8_t)v;
        v >>= 8;
    }
}

void tgt_init(struct target_list *t, int family)
{
    memset(t, 0, sizeof *t);
    t->family = family == AF_INET6 ? AF_INET6 : AF_INET;
}

static void free_names(struct tgt_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(r[i].name);
        r[i].name = NULL;
    }
}

void tgt_free(struct target_list *t)
{
    if (!t)
        return;
    free_names(t->r, t->n);
    free_names(t->ex, t->nex);
    free(t->r);
    free(t->ex);
    free(t->prefix);
    int family = t->family;
    tgt_init(t, family);
}

/* Room for `more` pieces in the list the spec goes to, within TGT_MAX_RANGES overall. */
static int reserve(struct target_list *t, bool exclude, size_t more, const struct spec_ctx *c)
{
    size_t used = t->n + t->nex;
    if (more > TGT_MAX_RANGES || used > TGT_MAX_RANGES - more)
        return spec_err(c,
                        "expands to %zu separate ranges, too many with the %zu already stored "
                        "(limit %zu); use CIDR or whole-octet ranges",
                        more, used, TGT_MAX_RANGES);
    struct tgt_range **v = exclude ? &t->ex : &t->r;
    size_t *n = exclude ? &t->nex : &t->n, *cap = exclude ? &t->capex : &t->cap;
    if (*n + more > *cap) {
        size_t nc = *cap ? *cap : 16;
        while (nc < *n + more)
            nc *= 2;
        *v = pr_reallocarray(*v, nc, sizeof **v);
        *cap = nc;
    }
    return 0;
}

/* Appends a range; reserve() must have made room. */
static void push(struct target_list *t, bool exclude, u128 start, u128 end, char *name)
{
    struct tgt_range *v = exclude ? t->ex : t->r;
    size_t *n = exclude ? &t->nex : &t->n;
    v[*n] = (struct tgt_range){.start = start, .end = end, .name = name, .seq = t->n + t->nex};
    (*n)++;
}

/* Parses the digits after '/' (column col, 1-based); returns the prefix length or -1. */
static int parse_prefix(const struct spec_ctx *c, const char *p, size_t col, int max)
{
    if (!*p)
        return spec_err(c, "missing prefix length after '/' (column %zu)", col);
    int v = 0;
    for (const char *q = p; *q; q++) {
        if (!isdigit((unsigned char)*q))
            return spec_err(c, "bad prefix length after '/' (column %zu): expected 0-%d", col, max);
        if (v <= max)
            v = v * 10 + (*q - '0');
    }
    if (v > max)
        return spec_err(c, "prefix length %s out of range 0-%d (column %zu)", p, max, col);
    return v;
}

/* The network range of (addr, prefix) in a `bits`-bit space. */
static void cidr_range(u128 a, int bits, int prefix, u128 *start, u128 *end)
{
    int host = bits - prefix;
    u128 hostmask = host >= 128 ? U128_MAX : (((u128)1 << host) - 1);
    *start = a & ~hostmask;
    *end = *start | hostmask;
}

static int add_cidr(struct target_list *t, bool exclude, const struct spec_ctx *c, u128 a, int bits,
                    int prefix, char *name)
{
    u128 start = a, end = a;
    if (prefix >= 0)
        cidr_range(a, bits, prefix, &start, &end);
    if (reserve(t, exclude, 1, c) < 0) {
        free(name);
        return -1;
    }
    if (start != end) { /* names belong to single hosts only */
        free(name);
        name = NULL;
    }
    push(t, exclude, start, end, name);
    return 0;
}

static int parse_v6(struct target_list *t, bool exclude, const struct spec_ctx *c, const char *host,
                    int prefix)
{
    if (t->family != AF_INET6)
        return spec_err(c, "IPv6 address given without -6");
    if (strchr(host, '%'))
        return spec_err(c, "IPv6 zone index ('%%') is not supported (column %zu)",
                        (size_t)(strchr(host, '%') - host) + 1);
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) != 1)
        return spec_err(c, "not a valid IPv6 address");
    if (prefix >= 0 && prefix < 96)
        return spec_err(c, "/%d holds 2^%d addresses; at most 2^32 (/96) can be scanned", prefix,
                        128 - prefix);
    struct pr_addr pa = {.family = AF_INET6};
    memcpy(pa.a, &a6, 16);
    return add_cidr(t, exclude, c, addr_to_num(&pa), 128, prefix, NULL);
}

/* One IPv4 octet spec as a 256-bit set: "N", "N-M", "N-", "-M", "*" and comma lists. */
static int parse_octet(const struct spec_ctx *c, const char *s, size_t len, size_t col0, int k,
                       uint8_t set[32], bool *single)
{
    memset(set, 0, 32);
    if (len == 0)
        return spec_err(c, "octet %d is empty (column %zu)", k, col0);
    size_t i = 0;
    for (;;) {
        size_t col = col0 + i;
        unsigned lo = 0, hi = 255;
        if (i < len && s[i] == '*') {
            i++;
        } else {
            bool have_lo = false, have_hi = false, dash = false;
            unsigned v = 0;
            size_t nd = 0;
            while (i < len && isdigit((unsigned char)s[i])) {
                if (v <= 255)
                    v = v * 10 + (unsigned)(s[i] - '0');
                i++;
                nd++;
            }
            if (nd) {
                have_lo = true;
                lo = v;
            }
            if (i < len && s[i] == '-') {
                dash = true;
                i++;
                v = 0;
                nd = 0;
                while (i < len && isdigit((unsigned char)s[i])) {
                    if (v <= 255)
                        v = v * 10 + (unsigned)(s[i] - '0');
                    i++;
                    nd++;
                }
                if (nd) {
                    have_hi = true;
                    hi = v;
                }
            }
            if (!have_lo && !have_hi && !dash)
                return spec_err(c, "octet %d has an empty list item (column %zu)", k, col);
            if (!dash)
                hi = lo;
            if (lo > 255 || hi > 255)
                return spec_err(c, "octet %d out of range 0-255 (column %zu)", k, col);
            if (lo > hi)
                return spec_err(c, "octet %d range %u-%u is reversed (column %zu)", k, lo, hi, col);
        }
        for (unsigned v = lo; v <= hi; v++)
            set[v >> 3] |= (uint8_t)(1u << (v & 7));
        if (i == len)
            break;
        if (s[i] != ',')
            return spec_err(c, "unexpected '%c' in octet %d (column %zu)", s[i], k, col0 + i);
        i++;
        if (i == len)
            return spec_err(c, "octet %d has an empty list item (column %zu)", k, col0 + i);
    }
    size_t members = 0;
    for (int v = 0; v < 256; v++)
        members += (set[v >> 3] >> (v & 7)) & 1;
    *single = members == 1;
    return 0;
}

static bool in_set(const uint8_t set[32], unsigned v)
{
    return (set[v >> 3] >> (v & 7)) & 1;
}

/* Intervals [lo, hi] of a set; returns how many (at most 128). */
static size_t set_intervals(const uint8_t set[32], uint8_t lo[128], uint8_t hi[128])
{
    size_t n = 0;
    for (unsigned v = 0; v < 256;) {
        if (!in_set(set, v)) {
            v++;
            continue;
        }
        unsigned s = v;
        while (v < 256 && in_set(set, v))
            v++;
        lo[n] = (uint8_t)s;
        hi[n] = (uint8_t)(v - 1);
        n++;
    }
    return n;
}

static int parse_v4(struct target_list *t, bool exclude, const struct spec_ctx *c, const char *host,
                    int prefix)
{
    if (t->family != AF_INET)
        return spec_err(c, "IPv4 address given with -6");
    uint8_t set[4][32];
    bool single[4];
    const char *p = host;
    for (int k = 0; k < 4; k++) {
        const char *dot = strchr(p, '.');
        if (k < 3 && !dot) {
            return spec_err(c, "too few octets (%d; an IPv4 address has 4)", k + 1);
        }
        if (k == 3 && dot)
            return spec_err(c, "too many octets (an IPv4 address has 4; column %zu)",
                            (size_t)(dot - host) + 1);
        size_t len = k < 3 ? (size_t)(dot - p) : strlen(p);
        if (parse_octet(c, p, len, (size_t)(p - host) + 1, k + 1, set[k], &single[k]) < 0)
            return -1;
        p += len + 1;
    }
    bool all_single = single[0] && single[1] && single[2] && single[3];
    if (prefix >= 0 && !all_single)
        return spec_err(c, "a /prefix cannot be combined with octet ranges");
    if (all_single) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            unsigned o = 0;
            while (!in_set(set[k], o))
                o++;
            v = v << 8 | o;
        }
        return add_cidr(t, exclude, c, v, 32, prefix, NULL);
    }

    /* Octets after the last partial one are whole (0-255), so each interval of that last
     * partial octet, under each combination of the octets before it, is one range. */
    int last = -1;
    for (int k = 0; k < 4; k++) {
        bool full = true;
        for (int b = 0; b < 32; b++)
            full = full && set[k][b] == 0xff;
        if (!full)
            last = k;
    }
    if (last < 0)
        return add_cidr(t, exclude, c, 0, 32, 0, NULL);

    uint8_t lo[128], hi[128];
    size_t nint = set_intervals(set[last], lo, hi);
    uint64_t pieces = nint;
    size_t members[4];
    for (int k = 0; k < last; k++) {
        members[k] = 0;
        for (unsigned v = 0; v < 256; v++)
            members[k] += in_set(set[k], v);
        pieces *= members[k]; /* at most 256^3 * 128: no overflow */
    }
    if (reserve(t, exclude, pieces > SIZE_MAX ? SIZE_MAX : (size_t)pieces, c) < 0)
        return -1;

    unsigned shift = (unsigned)(8 * (3 - last));
    unsigned o[3] = {0, 0, 0}; /* current values of octets 0..last-1 */
    for (int k = 0; k < last; k++)
        while (!in_set(set[k], o[k]))
            o[k]++;
    for (;;) {
        uint32_t base = 0;
        for (int k = 0; k < last; k++)
            base |= (uint32_t)o[k] << (8 * (3 - k));
        for (size_t i = 0; i < nint; i++) {
            uint32_t s = base | (uint32_t)lo[i] << shift;
            uint32_t e = base | (uint32_t)hi[i] << shift;
            if (shift)
                e |= (UINT32_C(1) << shift) - 1;
            push(t, exclude, s, e, NULL);
        }
        /* next combination, last-but-one octet fastest */
        int k = last - 1;
        for (; k >= 0; k--) {
            unsigned v = o[k] + 1;
            while (v < 256 && !in_set(set[k], v))
                v++;
            if (v < 256) {
                o[k] = v;
                break;
            }
            o[k] = 0;
            while (!in_set(set[k], o[k]))
                o[k]++;
        }
        if (k < 0)
            break;
    }
    return 0;
}

/* Checks host-name syntax so that junk never reaches the resolver. */
static int check_name(const struct spec_ctx *c, const char *name)
{
    size_t len = strlen(name);
    if (len > TGT_NAME_MAX)
        return spec_err(c, "cannot resolve host name: longer than %d characters", TGT_NAME_MAX);
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '.') {
            if (label == 0 && !(i == len - 1 && i > 0))
                return spec_err(c, "cannot resolve host name: empty label (column %zu)", i + 1);
            label = 0;
            continue;
        }
        if (!isalnum(ch) && ch != '-' && ch != '_')
            return spec_err(c, "cannot resolve host name: unexpected character '%c' (column %zu)",
                            isprint(ch) ? ch : '?', i + 1);
        if (++label > 63)
            return spec_err(c, "cannot resolve host name: label longer than 63 characters");
    }
    return 0;
}

/* A target name that cannot be resolved: with t->warn, nmap's warning and the name is
 * skipped (returns 0); else the error already in c->e (returns -1). */
static int name_failed(struct target_list *t, bool exclude, const char *name)
{
    if (!t->warn || exclude)
        return -1;
    char shown[128], msg[192];
    sanitize(name, shown, sizeof shown);
    snprintf(msg, sizeof msg, "Failed to resolve \"%s\".", shown);
    t->warn(t->warn_ud, msg);
    t->skipped++;
    return 0;
}

static int parse_name(struct target_list *t, bool exclude, const struct spec_ctx *c,
                      const char *name, int prefix)
{
    if (check_name(c, name) < 0)
        return name_failed(t, exclude, name);
    if (t->no_resolve)
        return spec_err(c, "host names are not allowed here (resolution disabled)");
    struct addrinfo hints = {.ai_family = t->family, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0 || !res) {
        spec_err(c, "cannot resolve host name (%s)",
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return name_failed(t, exclude, name);
    }
    struct pr_addr pa = {.family = (uint8_t)t->family};
    if (t->family == AF_INET)
        memcpy(pa.a, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
    else
        memcpy(pa.a, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
    freeaddrinfo(res);
    int bits = t->family == AF_INET ? 32 : 128;
    if (t->family == AF_INET6 && prefix >= 0 && prefix < 96)
        return spec_err(c, "/%d holds 2^%d addresses; at most 2^32 (/96) can be scanned", prefix,
                        128 - prefix);
    return add_cidr(t, exclude, c, addr_to_num(&pa), bits, prefix, pr_strdup(name));
}

/* Parses one spec into the target or exclusion list. */
static int add_spec(struct target_list *t, bool exclude, const char *spec, const char *where,
                    struct pr_error *e)
{
    struct spec_ctx c = {exclude ? "exclusion" : "target", spec ? spec : "", where, e};
    if (!spec || !*spec)
        return spec_err(&c, "empty target spec");
    size_t len = strnlen(spec, TGT_SPEC_MAX + 1);
    if (len > TGT_SPEC_MAX)
        return spec_err(&c, "longer than %d characters", TGT_SPEC_MAX);
    for (size_t i = 0; i < len; i++)
        if (!isgraph((unsigned char)spec[i]))
            return spec_err(&c, "white space or control character at column %zu", i + 1);

    char host[TGT_SPEC_MAX + 1];
    memcpy(host, spec, len + 1);
    int prefix = -1;
    char *slash = strchr(host, '/');
    if (slash) {
        *slash = '\0';
        size_t col = (size_t)(slash - host) + 1;
        bool v6 = strchr(host, ':') != NULL;
        prefix = parse_prefix(&c, slash + 1, col, v6 || t->family == AF_INET6 ? 128 : 32);
        if (prefix < 0)
            return -1;
        if (!*host)
            return spec_err(&c, "no address before '/'");
    }
    if (strchr(host, ':'))
        return parse_v6(t, exclude, &c, host, prefix);
    if (strspn(host, "0123456789.,-*") == strlen(host)) {
        if (t->family != AF_INET)
            return spec_err(&c, "IPv4 address given with -6");
        if (prefix > 32)
            return spec_err(&c, "prefix length %d out of range 0-32 (column %zu)", prefix,
                            (size_t)(slash - host) + 1);
        return parse_v4(t, exclude, &c, host, prefix);
    }
    /* A name's last label never starts with a digit: "198.18.0.1x" is a broken address. */
    const char *tld = strrchr(host, '.');
    tld = tld ? tld + 1 : host;
    if (isdigit((unsigned char)host[0]) && isdigit((unsigned char)tld[0])) {
        size_t bad = strspn(host, "0123456789.,-*");
        return spec_err(&c, "not an IPv4 address: unexpected '%c' (column %zu)", host[bad],
                        bad + 1);
    }
    return parse_name(t, exclude, &c, host, prefix);
}

int tgt_add(struct target_list *t, const char *spec, const char *where, struct pr_error *e)
{
    return add_spec(t, false, spec, where, e);
}

int tgt_exclude(struct target_list *t, const char *spec_list, const char *where, struct pr_error *e)
{
    if (!spec_list || !*spec_list) {
        struct spec_ctx c = {"exclusion", "", where, e};
        return spec_err(&c, "empty exclusion list");
    }
    size_t len = strlen(spec_list);
    for (size_t i = 0; i <= len;) {
        size_t j = i;
        while (j < len && spec_list[j] != ',')
            j++;
        if (j - i > TGT_SPEC_MAX) {
            struct spec_ctx c = {"exclusion", spec_list + i, where, e};
            return spec_err(&c, "longer than %d characters", TGT_SPEC_MAX);
        }
        char item[TGT_SPEC_MAX + 1];
        memcpy(item, spec_list + i, j - i);
        item[j - i] = '\0';
        if (!*item) {
            struct spec_ctx c = {"exclusion list", spec_list, where, e};
            return spec_err(&c, "empty entry (column %zu)", i + 1);
        }
        if (add_spec(t, true, item, where, e) < 0)
            return -1;
        i = j + 1;
    }
    return 0;
}

/* Reads white-space separated words from path ("-": stdin), '#' to end of line ignored,
 * and hands each to tgt_add or tgt_exclude with "<opt> <path> line N" as its origin. */
static int read_file(struct target_list *t, bool exclude, const char *path, struct pr_error *e)
{
    const char *opt = exclude ? "--excludefile" : "-iL";
    if (!path || !*path)
        return pr_errf(e, "%s: missing file name", opt);
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    char shown[128];
    sanitize(is_stdin ? "stdin" : path, shown, sizeof shown);
    if (!f)
        return pr_errf(e, "%s file '%s': %s", opt, shown, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)got)) {
            rc = pr_errf(e, "%s %s line %zu: contains a NUL byte", opt, shown, lineno);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char where[200];
        snprintf(where, sizeof where, "%s %s line %zu", opt, shown, lineno);
        char *save = NULL;
        for (char *w = strtok_r(line, " \t\r\n\v\f", &save); w && rc == 0;
             w = strtok_r(NULL, " \t\r\n\v\f", &save)) {
            struct pr_error we = {{0}};
            rc = exclude ? tgt_exclude(t, w, where, &we) : tgt_add(t, w, where, &we);
            if (rc < 0 && !exclude && t->warn) { /* nmap goes on past a bad line */
                char msg[PR_ERR_MSG + 32];
                snprintf(msg, sizeof msg, "WARNING: %s; skipped", we.msg);
                t->warn(t->warn_ud, msg);
                t->skipped++;
                rc = 0;
            } else if (rc < 0 && e) {
                *e = we;
            }
        }
    }
    if (rc == 0 && ferror(f))
        rc = pr_errf(e, "%s file '%s': read error: %s", opt, shown, strerror(errno));
    free(line);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int tgt_add_file(struct target_list *t, const char *path, struct pr_error *e)
{
    return read_file(t, false, path, e);
}

int tgt_exclude_file(struct target_list *t, const char *path, struct pr_error *e)
{
    return read_file(t, true, path, e);
}

static int cmp_range(const void *a, const void *b)
{
    const struct tgt_range *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts v and merges overlapping or adjacent ranges in place; names must be gone. */
static size_t sort_merge(struct tgt_range *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_range);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        struct tgt_range *cur = &v[out];
        if (cur->end == U128_MAX || v[i].start <= cur->end + 1) {
            if (v[i].end > cur->end)
                cur->end = v[i].end;
        } else {
            v[++out] = v[i];
        }
    }
    return out + 1;
}

/* Whether x lies in one of the n sorted disjoint ranges of v. */
static bool covered(const struct tgt_range *v, size_t n, u128 x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].end < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].start <= x;
}

int tgt_finish(struct target_list *t, struct pr_error *e)
{
    free(t->prefix);
    t->prefix = NULL;
    t->count = 0;

    free_names(t->ex, t->nex);
    t->nex = sort_merge(t->ex, t->nex);

    /* Move the names out: (host, name) pairs sorted by host, first given wins. */
    size_t nnamed = 0;
    for (size_t i = 0; i < t->n; i++)
        nnamed += t->r[i].name != NULL;
    struct tgt_range *named = pr_calloc(nnamed, sizeof *named);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->r[i].name) {
            named[k++] = t->r[i];
            t->r[i].name = NULL;
        }
    if (nnamed)
        qsort(named, nnamed, sizeof *named, cmp_range);
    size_t nn = 0;
    for (size_t i = 0; i < nnamed; i++) {
        if ((nn > 0 && named[nn - 1].start == named[i].start) ||
            covered(t->ex, t->nex, named[i].start)) {
            free(named[i].name);
            continue;
        }
        named[nn++] = named[i];
    }

    size_t n = sort_merge(t->r, t->n);

    /* Subtract exclusions: each one splits at most one range in two. */
    struct tgt_range *left = pr_calloc(n + t->nex + 2 * nn + 1, sizeof *left);
    size_t nl = 0, x = 0;
    for (size_t i = 0; i < n; i++) {
        u128 s = t->r[i].start, end = t->r[i].end;
        while (x < t->nex && t->ex[x].end < s)
            x++;
        bool done = false;
        for (size_t y = x; y < t->nex && t->ex[y].start <= end; y++) {
            if (t->ex[y].start > s)
                left[nl++] = (struct tgt_range){.start = s, .end = t->ex[y].start - 1};
            if (t->ex[y].end >= end) {
                done = true;
                break;
            }
            s = t->ex[y].end + 1;
        }
        if (!done)
            left[nl++] = (struct tgt_range){.start = s, .end = end};
    }

    /* Split single named hosts out of the ranges that contain them. */
    struct tgt_range *final = pr_calloc(nl + 2 * nn + 1, sizeof *final);
    size_t nf = 0, m = 0;
    for (size_t i = 0; i < nl; i++) {
        u128 s = left[i].start;
        bool rest = true; /* s..end still to be emitted */
        for (; m < nn && named[m].start <= left[i].end; m++) {
            u128 h = named[m].start;
            if (h < s) { /* not covered: cannot happen, but never leak a name */
                free(named[m].name);
                continue;
            }
            if (h > s)
                final[nf++] = (struct tgt_range){.start = s, .end = h - 1};
            final[nf++] = (struct tgt_range){.start = h, .end = h, .name = named[m].name};
            if (h == left[i].end) {
                rest = false;
                m++;
                break;
            }
            s = h + 1;
        }
        if (rest)
            final[nf++] = (struct tgt_range){.start = s, .end = left[i].end};
    }
    for (; m < nn; m++)
        free(named[m].name);
    free(named);
    free(left);

    free(t->r);
    t->r = final;
    t->n = nf;
    t->cap = nl + 2 * nn + 1;

    u128 total = 0;
    for (size_t i = 0; i < nf; i++) {
        u128 size = final[i].end - final[i].start + 1; /* never the whole 2^128 space */
        total += size;
        if (size > TGT_MAX_HOSTS || total > TGT_MAX_HOSTS)
            return pr_errf(e, "targets: more than %llu hosts after merging and exclusions",
                           (unsigned long long)TGT_MAX_HOSTS);
    }
    t->prefix = pr_calloc(nf + 1, sizeof *t->prefix);
    uint64_t sum = 0;
    for (size_t i = 0; i < nf; i++) {
        t->prefix[i] = sum;
        sum += (uint64_t)(final[i].end - final[i].start + 1);
    }
    t->prefix[nf] = sum;
    t->count = sum;
    return 0;
}

uint64_t tgt_count(const struct target_list *t)
{
    return t->count;
}

void tgt_get(const struct target_list *t, uint64_t idx, struct pr_addr *out, const char **name)
{
    if (name)
        *name = NULL;
    if (!t->prefix || idx >= t->count || t->n == 0) {
        memset(out, 0, sizeof *out);
        out->family = (uint8_t)t->family;
        return;
    }
    /* the last i with prefix[i] <= idx */
    size_t lo = 0, hi = t->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (t->prefix[mid] <= idx)
            lo = mid;
        else
            hi = mid - 1;
    }
    const struct tgt_range *r = &t->r[lo];
    num_to_addr(t->family, r->start + (idx - t->prefix[lo]), out);
    if (name)
        *name = r->name;
}
