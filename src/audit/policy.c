/* policy.c — the audit policy INI reader (see policy.h for the syntax).
 *
 * A small line parser of our own rather than libinih: Debian's libinih does not pass the
 * line number to the handler, and every error here must name its line. Input is hostile:
 * size and line length are bounded, NUL bytes and stray text are errors, nothing is read
 * past `len`. */
#include "audit/policy.h"

#include "core/ports.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct pstate {
    struct policy *p;
    const char *name;
    const struct svc_db *svc;
    int family, resolve;
    struct pol_ports def_allow;
    int def_missing;
    int have_defaults;
    int in_defaults; /* current section is [defaults] */
    struct pol_section *cur;
    unsigned seen; /* keys seen in the current section, bit per key */
    struct pr_error *e;
};

enum { K_HOSTS = 1, K_TCP = 2, K_UDP = 4, K_MISSING = 8, K_PORTS = 16 };

static void port_set(struct pol_ports *pp, int proto, unsigned port)
{
    pp->bits[proto][port >> 3] |= (uint8_t)(1u << (port & 7));
}

bool pol_ports_has(const struct pol_ports *pp, int proto, uint16_t port)
{
    return proto >= 0 && proto < PR_NPROTO && (pp->bits[proto][port >> 3] >> (port & 7)) & 1u;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* "22, 80, 8000-8010, http" into pp for proto. Empty value: no ports. */
static int parse_ports(struct pstate *st, unsigned line, const char *key, char *val, int proto,
                       struct pol_ports *pp)
{
    if (!*val)
        return 0;
    char *save = NULL;
    size_t col = 0;
    for (char *item = val;; item = NULL) {
        char *tok = item ? item : save;
        if (!tok)
            break;
        char *comma = strchr(tok, ',');
        if (comma) {
            *comma = '\0';
            save = comma + 1;
        } else {
            save = NULL;
        }
        col++;
        char *t = trim(tok);
        if (!*t)
            return pr_errf(st->e, "%s:%u: %s: item %zu is empty", st->name, line, key, col);
        if (isdigit((unsigned char)*t)) {
            char *end;
            errno = 0;
            unsigned long lo = strtoul(t, &end, 10), hi = lo;
            if (*end == '-') {
                char *s2 = end + 1;
                if (!isdigit((unsigned char)*s2))
                    goto badport;
                hi = strtoul(s2, &end, 10);
            }
            if (*end || errno || lo < 1 || hi > 65535 || lo > 65535 || hi < 1)
                goto badport;
            if (lo > hi)
                return pr_errf(st->e, "%s:%u: %s: range '%s' is reversed", st->name, line, key, t);
            for (unsigned long p = lo; p <= hi; p++)
                port_set(pp, proto, (unsigned)p);
            continue;
        badport:
            return pr_errf(st->e, "%s:%u: %s: '%.40s' is not a port or range of ports (1-65535)",
                           st->name, line, key, t);
        }
        int found = 0;
        if (st->svc && strlen(t) < 64)
            for (unsigned p = 1; p < 65536; p++)
                if (st->svc->name[proto][p] && !strcmp(st->svc->name[proto][p], t)) {
                    port_set(pp, proto, p);
                    found = 1;
                }
        if (!found)
            return pr_errf(st->e, "%s:%u: %s: '%.40s' is not a port number or a known %s service",
                           st->name, line, key, t, proto == PR_TCP ? "TCP" : "UDP");
    }
    return 0;
}

static int parse_missing(struct pstate *st, unsigned line, const char *val, int *out)
{
    if (!strcmp(val, "violation"))
        *out = POL_MISSING_VIOLATION;
    else if (!strcmp(val, "warn"))
        *out = POL_MISSING_WARN;
    else if (!strcmp(val, "ignore"))
        *out = POL_MISSING_IGNORE;
    else
        return pr_errf(st->e, "%s:%u: missing: '%.40s' is not one of violation, warn, ignore",
                       st->name, line, val);
    return 0;
}

static int section_header(struct pstate *st, unsigned line, char *s)
{
    size_t n = strlen(s);
    if (s[n - 1] != ']')
        return pr_errf(st->e, "%s:%u: section header without closing ']'", st->name, line);
    s[n - 1] = '\0';
    char *name = trim(s + 1);
    if (!*name)
        return pr_errf(st->e, "%s:%u: empty section name", st->name, line);
    if (strlen(name) >= POL_MAX_NAME)
        return pr_errf(st->e, "%s:%u: section name longer than %d characters", st->name, line,
                       POL_MAX_NAME - 1);
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("_-.:@ ", *c))
            return pr_errf(st->e,
                           "%s:%u: section name '%s': character '%c' not allowed "
                           "(letters, digits, _ - . : @ and spaces)",
                           st->name, line, name, isprint((unsigned char)*c) ? *c : '?');
    st->seen = 0;
    if (!strcmp(name, "defaults")) {
        if (st->have_defaults)
            return pr_errf(st->e, "%s:%u: [defaults] given twice", st->name, line);
        st->have_defaults = 1;
        st->in_defaults = 1;
        st->cur = NULL;
        return 0;
    }
    st->in_defaults = 0;
    struct policy *p = st->p;
    for (size_t i = 0; i < p->nsec; i++)
        if (!strcmp(p->sec[i].name, name))
            return pr_errf(st->e, "%s:%u: section [%s] given twice (first on line %u)", st->name,
                           line, name, p->sec[i].line);
    if (p->nsec >= POL_MAX_SECTIONS)
        return pr_errf(st->e, "%s:%u: more than %d sections", st->name, line, POL_MAX_SECTIONS);
    p->sec = pr_reallocarray(p->sec, p->nsec + 1, sizeof *p->sec);
    struct pol_section *sec = &p->sec[p->nsec++];
    memset(sec, 0, sizeof *sec);
    snprintf(sec->name, sizeof sec->name, "%s", name);
    sec->line = line;
    sec->missing = POL_MISSING_INHERIT;
    tgt_init(&sec->tl, st->family);
    sec->tl.no_resolve = !st->resolve;
    st->cur = sec;
    return 0;
}

static int key_value(struct pstate *st, unsigned line, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return pr_errf(st->e, "%s:%u: expected 'key = value' or '[section]'", st->name, line);
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (!*key)
        return pr_errf(st->e, "%s:%u: missing key before '='", st->name, line);
    if (!st->cur && !st->in_defaults)
        return pr_errf(st->e, "%s:%u: key '%.40s' outside a section", st->name, line, key);
    const char *sec = st->in_defaults ? "defaults" : st->cur->name;
    unsigned k = !strcmp(key, "hosts")     ? K_HOSTS
                 : !strcmp(key, "tcp")     ? K_TCP
                 : !strcmp(key, "udp")     ? K_UDP
                 : !strcmp(key, "missing") ? K_MISSING
                 : !strcmp(key, "ports")   ? K_PORTS
                                           : 0;
    if (!k || (k == K_HOSTS && st->in_defaults) || (k == K_PORTS && !st->in_defaults))
        return pr_errf(st->e, "%s:%u: unknown key '%.40s' in [%s] (known: %s)", st->name, line, key,
                       sec,
                       st->in_defaults ? "tcp, udp, ports, missing" : "hosts, tcp, udp, missing");
    if (st->seen & k)
        return pr_errf(st->e, "%s:%u: key '%s' given twice in [%s]", st->name, line, key, sec);
    st->seen |= k;

    struct pol_ports *pp = st->in_defaults ? &st->def_allow : &st->cur->allow;
    switch (k) {
    case K_HOSTS:
        st->cur->hosts = pr_strdup(val);
        st->cur->hosts_line = line;
        return 0;
    case K_TCP:
        return parse_ports(st, line, key, val, PR_TCP, pp);
    case K_UDP:
        return parse_ports(st, line, key, val, PR_UDP, pp);
    case K_MISSING:
        return parse_missing(st, line, val, st->in_defaults ? &st->def_missing : &st->cur->missing);
    default: { /* K_PORTS: checked now, used by the scan */
        struct port_list pl;
        struct pr_error sub;
        if (!*val)
            return pr_errf(st->e, "%s:%u: ports is empty", st->name, line);
        for (const char *c = val; *c; c++)
            if (*c == ' ' || *c == '\t')
                return pr_errf(st->e,
                               "%s:%u: ports: write the list without spaces (nmap -p "
                               "syntax)",
                               st->name, line);
        if (ports_parse(val, 3u, st->svc, &pl, &sub) < 0)
            return pr_errf(st->e, "%s:%u: ports: %s", st->name, line, sub.msg);
        ports_free(&pl);
        st->p->scan_ports = pr_strdup(val);
        return 0;
    }
    }
}

/* The hosts of one section into its target list. */
static int section_hosts(struct pstate *st, struct pol_section *s)
{
    if (!s->hosts_line)
        return pr_errf(st->e, "%s:%u: section [%s] has no 'hosts' key", st->name, s->line, s->name);
    char *copy = pr_strdup(s->hosts);
    size_t n = 0;
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        struct pr_error sub;
        n++;
        if (tgt_add(&s->tl, tok, "hosts", &sub) < 0) {
            rc = pr_errf(st->e, "%s:%u: %s", st->name, s->hosts_line, sub.msg);
            break;
        }
    }
    free(copy);
    if (rc < 0)
        return rc;
    if (!n)
        return pr_errf(st->e, "%s:%u: hosts is empty in [%s]", st->name, s->hosts_line, s->name);
    struct pr_error sub;
    if (tgt_finish(&s->tl, &sub) < 0)
        return pr_errf(st->e, "%s:%u: %s", st->name, s->hosts_line, sub.msg);
    if (!tgt_count(&s->tl))
        return pr_errf(st->e, "%s:%u: hosts of [%s] name no address", st->name, s->hosts_line,
                       s->name);
    return 0;
}

int policy_parse(struct policy *p, const char *name, const char *buf, size_t len, int family,
                 int resolve, const struct svc_db *svc, struct pr_error *e)
{
    memset(p, 0, sizeof *p);
    p->path = pr_strdup(name);
    struct pstate *st = pr_calloc(1, sizeof *st);
    st->p = p;
    st->name = p->path;
    st->svc = svc;
    st->family = family;
    st->resolve = resolve;
    st->def_missing = POL_MISSING_VIOLATION;
    st->e = e;
    int rc = 0;
    char *line = pr_calloc(POL_MAX_LINE + 1, 1);
    if (len > POL_MAX_FILE) {
        rc = pr_errf(e, "%s: larger than %u bytes", name, POL_MAX_FILE);
        goto out;
    }
    size_t pos = 0;
    unsigned lineno = 0;
    while (pos < len) {
        lineno++;
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && start[n - 1] == '\r')
            n--;
        if (n > POL_MAX_LINE) {
            rc = pr_errf(e, "%s:%u: line longer than %d bytes", name, lineno, POL_MAX_LINE);
            goto out;
        }
        if (memchr(start, '\0', n)) {
            rc = pr_errf(e, "%s:%u: contains a NUL byte", name, lineno);
            goto out;
        }
        memcpy(line, start, n);
        line[n] = '\0';
        if (lineno == 1 && n >= 3 && !memcmp(line, "\xef\xbb\xbf", 3))
            memmove(line, line + 3, n - 2); /* UTF-8 byte order mark */
        for (char *c = line; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\t') {
                rc = pr_errf(e, "%s:%u: control character 0x%02x", name, lineno, (unsigned char)*c);
                goto out;
            }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        rc = *s == '[' ? section_header(st, lineno, s) : key_value(st, lineno, s);
        if (rc < 0)
            goto out;
    }
    if (!p->nsec) {
        rc = pr_errf(e, "%s: no host sections (a section needs 'hosts = ...')", name);
        goto out;
    }
    for (size_t i = 0; i < p->nsec; i++) {
        struct pol_section *s = &p->sec[i];
        if ((rc = section_hosts(st, s)) < 0)
            goto out;
        for (int pr = 0; pr < PR_NPROTO; pr++)
            for (size_t b = 0; b < sizeof s->allow.bits[pr]; b++)
                s->allow.bits[pr][b] |= st->def_allow.bits[pr][b];
        if (s->missing == POL_MISSING_INHERIT)
            s->missing = st->def_missing;
    }
out:
    free(line);
    free(st);
    if (rc < 0)
        policy_free(p);
    return rc;
}

int policy_load(struct policy *p, const char *path, int family, const struct svc_db *svc,
                struct pr_error *e)
{
    memset(p, 0, sizeof *p);
    FILE *f = fopen(path, "rb");
    if (!f)
        return pr_errf(e, "policy file '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode)) {
        fclose(f);
        return pr_errf(e, "policy file '%s': not a regular file", path);
    }
    char *buf = pr_calloc(POL_MAX_FILE + 1, 1);
    size_t n = fread(buf, 1, POL_MAX_FILE + 1, f);
    int err = ferror(f);
    fclose(f);
    int rc;
    if (err)
        rc = pr_errf(e, "policy file '%s': read error", path);
    else if (n > POL_MAX_FILE)
        rc = pr_errf(e, "policy file '%s': larger than %u bytes", path, POL_MAX_FILE);
    else
        rc = policy_parse(p, path, buf, n, family, 1, svc, e);
    free(buf);
    return rc;
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nsec; i++) {
        free(p->sec[i].hosts);
        tgt_free(&p->sec[i].tl);
    }
    free(p->sec);
    free(p->path);
    free(p->scan_ports);
    memset(p, 0, sizeof *p);
}

static int addr_cmp(const struct pr_addr *x, const struct pr_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

bool pol_section_has(const struct pol_section *s, const struct pr_addr *addr)
{
    uint64_t lo = 0, hi = tgt_count(&s->tl); /* the list is sorted: binary search */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        struct pr_addr a;
        const char *nm;
        tgt_get(&s->tl, mid, &a, &nm);
        int c = addr_cmp(&a, addr);
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool policy_allows(const struct policy *p, const struct pr_addr *addr, int proto, uint16_t port,
                   bool *in_any)
{
    bool allowed = false;
    *in_any = false;
    for (size_t i = 0; i < p->nsec; i++) {
        if (!pol_section_has(&p->sec[i], addr))
            continue;
        *in_any = true;
        if (pol_ports_has(&p->sec[i].allow, proto, port))
            allowed = true;
    }
    return allowed;
}

int policy_port_spec(const struct policy *p, char *buf, size_t len)
{
    if (!len)
        return -1;
    buf[0] = '\0';
    uint16_t *list = pr_calloc(65536, sizeof *list);
    size_t used = 0;
    int rc = 0;
    for (int pr = 0; pr < PR_NPROTO && rc == 0; pr++) {
        size_t n = 0;
        for (unsigned port = 1; port < 65536; port++)
            for (size_t i = 0; i < p->nsec; i++)
                if (pol_ports_has(&p->sec[i].allow, pr, (uint16_t)port)) {
                    list[n++] = (uint16_t)port;
                    break;
                }
        if (!n)
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", pr ? "U:" : "T:");
        if (w < 0 || (size_t)w >= len - used) {
            rc = -1;
            break;
        }
        used += (size_t)w;
        if (ports_format(list, n, buf + used, len - used) < 0)
            rc = -1;
        used += strlen(buf + used);
    }
    free(list);
    if (rc < 0)
        buf[0] = '\0';
    return rc;
}
