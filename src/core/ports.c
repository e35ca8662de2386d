/* ports.c — nmap port specs ("22,80,1000-2000", "T:22,U:53", "-", "http") to sorted lists.
 *
 * The parser marks ports in one 65536-bit set per protocol and turns the sets into
 * sorted arrays at the end, so duplicates and overlaps vanish for free. A T:/U: prefix
 * applies to the entries after it up to the next prefix. See ports.h. */
#include "core/ports.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PORTS_SPEC_MAX 65536 /* longer specs are refused */
#define PORTS_ALL (-1)       /* entry goes to every wanted protocol */

struct svc_ref {
    const char *name;
    uint16_t port;
    uint8_t proto;
};

struct pctx {
    const char *spec;
    struct pr_error *e;
    unsigned want;
    const struct svc_db *db;
    uint8_t *set[PR_NPROTO]; /* 8 KiB bit sets */
    /* name index, built on the first service name */
    struct svc_ref *refs;
    size_t nrefs;
};

__attribute__((format(printf, 3, 4))) static int perr(const struct pctx *c, size_t col,
                                                      const char *fmt, ...)
{
    char msg[PR_ERR_MSG], shown[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t i = 0;
    for (; c->spec[i] && i < sizeof shown - 4; i++)
        shown[i] = isprint((unsigned char)c->spec[i]) ? c->spec[i] : '?';
    if (c->spec[i]) {
        memcpy(shown + i, "...", 3);
        i += 3;
    }
    shown[i] = '\0';
    if (col)
        return pr_errf(c->e, "port spec '%s': %s (column %zu)", shown, msg, col);
    return pr_errf(c->e, "port spec '%s': %s", shown, msg);
}

/* Sets bits lo..hi, whole bytes at a time: a spec of many "-" stays linear. */
static void set_bits(uint8_t *set, unsigned lo, unsigned hi)
{
    while (lo <= hi && (lo & 7)) {
        set[lo >> 3] |= (uint8_t)(1u << (lo & 7));
        lo++;
    }
    if (lo + 7 <= hi) {
        size_t bytes = (hi + 1 - lo) / 8;
        memset(set + (lo >> 3), 0xff, bytes);
        lo += (unsigned)(bytes * 8);
    }
    for (; lo <= hi; lo++)
        set[lo >> 3] |= (uint8_t)(1u << (lo & 7));
}

static void mark(struct pctx *c, int proto, unsigned lo, unsigned hi)
{
    for (int p = 0; p < PR_NPROTO; p++) {
        if (!(c->want & (1u << p)) || (proto != PORTS_ALL && proto != p))
            continue;
        set_bits(c->set[p], lo, hi);
    }
}

static int cmp_ref(const void *a, const void *b)
{
    const struct svc_ref *x = a, *y = b;
    return strcasecmp(x->name, y->name);
}

static void build_refs(struct pctx *c)
{
    size_t n = 0;
    for (int p = 0; p < PR_NPROTO; p++)
        for (unsigned port = 1; port < 65536; port++)
            n += c->db->name[p][port] != NULL;
    c->refs = pr_calloc(n, sizeof *c->refs);
    for (int p = 0; p < PR_NPROTO; p++)
        for (unsigned port = 1; port < 65536; port++)
            if (c->db->name[p][port])
                c->refs[c->nrefs++] =
                    (struct svc_ref){c->db->name[p][port], (uint16_t)port, (uint8_t)p};
    qsort(c->refs, c->nrefs, sizeof *c->refs, cmp_ref);
}

/* A service name entry: every port that carries the name, per protocol. */
static int add_name(struct pctx *c, int proto, const char *tok, size_t len, size_t col)
{
    char name[65];
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)tok[i];
        if (ch == '*' || ch == '?')
            return perr(c, col + i, "service name wildcards are not supported");
        if (!isalnum(ch) && ch != '-' && ch != '_' && ch != '.' && ch != '+' && ch != '/')
            return perr(c, col + i, "unexpected character '%c' in service name",
                        isprint(ch) ? ch : '?');
    }
    if (len >= sizeof name)
        return perr(c, col, "service name longer than %zu characters", sizeof name - 1);
    memcpy(name, tok, len);
    name[len] = '\0';
    if (!c->db)
        return perr(c, col, "service name '%s' needs the services database", name);
    if (!c->refs)
        build_refs(c);
    struct svc_ref key = {.name = name};
    struct svc_ref *hit = bsearch(&key, c->refs, c->nrefs, sizeof key, cmp_ref);
    if (!hit)
        return perr(c, col, "unknown service name '%s'", name);
    while (hit > c->refs && strcasecmp(hit[-1].name, name) == 0)
        hit--;
    for (; hit < c->refs + c->nrefs && strcasecmp(hit->name, name) == 0; hit++)
        if (proto == PORTS_ALL || proto == hit->proto)
            mark(c, hit->proto, hit->port, hit->port);
    return 0;
}

/* Reads a decimal number at tok[*i] (saturating above 65535); returns the digits read. */
static size_t read_num(const char *tok, size_t len, size_t *i, unsigned long *v)
{
    size_t nd = 0;
    *v = 0;
    while (*i < len && isdigit((unsigned char)tok[*i])) {
        if (*v <= 65535)
            *v = *v * 10 + (unsigned long)(tok[*i] - '0');
        (*i)++;
        nd++;
    }
    return nd;
}

static int check_port(const struct pctx *c, unsigned long v, const char *tok, size_t nd, size_t col)
{
    if (v == 0)
        return perr(c, col, "port 0 is not scannable");
    if (v > 65535)
        return perr(c, col, "port %.*s is out of range 1-65535", (int)(nd > 20 ? 20 : nd), tok);
    return 0;
}

/* A numeric entry: "N", "N-M", "N-", "-M" or "-". */
static int add_range(struct pctx *c, int proto, const char *tok, size_t len, size_t col)
{
    size_t i = 0;
    unsigned long lo = 1, hi = 65535, v;
    size_t nd = read_num(tok, len, &i, &v);
    if (nd) {
        if (check_port(c, v, tok, nd, col) < 0)
            return -1;
        lo = hi = v;
    }
    if (i < len && tok[i] == '-') {
        i++;
        size_t at = i;
        hi = 65535;
        nd = read_num(tok, len, &i, &v);
        if (nd) {
            if (check_port(c, v, tok + at, nd, col + at) < 0)
                return -1;
            hi = v;
        }
    }
    if (i < len) {
        unsigned char ch = (unsigned char)tok[i];
        return perr(c, col + i, "unexpected character '%c'", isprint(ch) ? ch : '?');
    }
    if (lo > hi)
        return perr(c, col, "range start %lu is above its end %lu", lo, hi);
    mark(c, proto, (unsigned)lo, (unsigned)hi);
    return 0;
}

static int parse_entries(struct pctx *c)
{
    const char *s = c->spec;
    size_t len = strlen(s), i = 0;
    int proto = PORTS_ALL;
    for (;;) {
        /* protocol prefix */
        if (i + 1 < len && isalpha((unsigned char)s[i]) && s[i + 1] == ':') {
            size_t at = i + 1;
            switch (toupper((unsigned char)s[i])) {
            case 'T':
                proto = PR_TCP;
                break;
            case 'U':
                proto = PR_UDP;
                break;
            case 'S':
                return perr(c, at, "SCTP ports ('S:') are not supported");
            case 'P':
                return perr(c, at, "IP protocol scans ('P:') are not supported");
            default:
                return perr(c, at, "unknown protocol prefix '%c:' (use T: or U:)", s[i]);
            }
            i += 2;
            if (i == len || s[i] == ',')
                return perr(c, at, "'%c:' is followed by no ports", s[at - 1]);
        }
        size_t j = i;
        while (j < len && s[j] != ',')
            j++;
        const char *tok = s + i;
        size_t tlen = j - i, col = i + 1;
        if (tlen == 0)
            return perr(c, col, "empty entry");
        int rc;
        if (tok[0] == '[')
            rc = perr(c, col, "brackets ('[...]') are not supported");
        else if (isalpha((unsigned char)tok[0]))
            rc = add_name(c, proto, tok, tlen, col);
        else
            rc = add_range(c, proto, tok, tlen, col);
        if (rc < 0)
            return -1;
        if (j == len)
            return 0;
        i = j + 1;
        if (i == len)
            return perr(c, i + 1, "empty entry after the last ','");
    }
}

/* Turns the sets into arrays; returns the total number of ports. */
static size_t collect(uint8_t *set[PR_NPROTO], unsigned want, struct port_list *out)
{
    size_t total = 0;
    for (int p = 0; p < PR_NPROTO; p++) {
        if (!(want & (1u << p)))
            continue;
        set[p][0] &= (uint8_t)~1u; /* port 0 is never in a list */
        size_t n = 0;
        for (size_t b = 0; b < 65536 / 8; b++)
            n += (size_t)__builtin_popcount(set[p][b]);
        if (n == 0)
            continue;
        out->p[p] = pr_calloc(n, sizeof *out->p[p]);
        for (size_t b = 0; b < 65536 / 8; b++)
            for (unsigned bits = set[p][b]; bits; bits &= bits - 1)
                out->p[p][out->n[p]++] = (uint16_t)(b * 8 + (unsigned)__builtin_ctz(bits));
        total += n;
    }
    return total;
}

int ports_parse(const char *spec, unsigned want, const struct svc_db *db, struct port_list *out,
                struct pr_error *e)
{
    memset(out, 0, sizeof *out);
    struct pctx c = {.spec = spec ? spec : "", .e = e, .want = want, .db = db};
    if (!spec || !*spec)
        return perr(&c, 0, "empty");
    if (strnlen(spec, PORTS_SPEC_MAX + 1) > PORTS_SPEC_MAX)
        return perr(&c, 0, "longer than %d characters", PORTS_SPEC_MAX);
    for (int p = 0; p < PR_NPROTO; p++)
        c.set[p] = pr_calloc(65536 / 8, 1);
    int rc = parse_entries(&c);
    if (rc == 0 && collect(c.set, want, out) == 0)
        rc = perr(&c, 0, "no ports left for the protocols being scanned");
    for (int p = 0; p < PR_NPROTO; p++)
        free(c.set[p]);
    free(c.refs);
    if (rc < 0)
        ports_free(out);
    return rc;
}

int ports_top(const struct svc_db *db, size_t n, unsigned want, struct port_list *out,
              struct pr_error *e)
{
    memset(out, 0, sizeof *out);
    if (!db)
        return pr_errf(e, "--top-ports %zu: no services database loaded", n);
    if (n == 0)
        return pr_errf(e, "--top-ports 0: must be at least 1");
    if (n > 65535)
        n = 65535;
    size_t total = 0;
    for (int p = 0; p < PR_NPROTO; p++) {
        if (!(want & (1u << p)))
            continue;
        uint16_t *buf = pr_calloc(n, sizeof *buf);
        size_t k = svc_top_ports(db, (enum pr_proto)p, n, buf);
        if (k == 0) {
            free(buf);
            continue;
        }
        out->p[p] = buf;
        out->n[p] = k;
        total += k;
    }
    if (total == 0)
        return pr_errf(e,
                       "--top-ports %zu: the services database lists no ports for the "
                       "protocols being scanned",
                       n);
    return 0;
}

void ports_free(struct port_list *pl)
{
    if (!pl)
        return;
    for (int p = 0; p < PR_NPROTO; p++) {
        free(pl->p[p]);
        pl->p[p] = NULL;
        pl->n[p] = 0;
    }
}

int ports_format(const uint16_t *p, size_t n, char *buf, size_t len)
{
    if (!buf || len == 0)
        return -1;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && p[j + 1] == p[j] + 1)
            j++;
        char item[16];
        int w = j == i ? snprintf(item, sizeof item, "%s%u", i ? "," : "", (unsigned)p[i])
                       : snprintf(item, sizeof item, "%s%u-%u", i ? "," : "", (unsigned)p[i],
                                  (unsigned)p[j]);
        if (w < 0 || (size_t)w >= len - used) {
            buf[used] = '\0';
            return -1;
        }
        memcpy(buf + used, item, (size_t)w + 1);
        used += (size_t)w;
        i = j + 1;
    }
    return (int)used;
}
