/* detconf.c — see detconf.h. */
#include "detect/detconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* The truth value of a flag's text: 1, 0, or -1 when it is none of the words. */
static int flag_value(const char *v)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcmp(v, yes[i]))
            return 1;
        if (!strcmp(v, no[i]))
            return 0;
    }
    return -1;
}

/* One line of n bytes (no newline) at line number ln: 1 with a setting applied, 0 for a
 * blank or comment line, -1 on error. seen[] counts each key's settings. */
static int parse_line(const char *name, char *p, size_t n, unsigned ln,
                      const struct det_conf_key *keys, size_t nkeys, unsigned *seen,
                      det_conf_apply_fn apply, void *ctx, struct pr_error *e)
{
    if (n > 0 && p[n - 1] == '\r') /* CRLF files */
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return pr_errf(e, "%s:%u:%zu: unexpected byte 0x%02x", name, ln, i + 1, c);
    }
    size_t i = 0;
    while (i < n && is_blank(p[i]))
        i++;
    if (i == n || p[i] == '#')
        return 0;
    size_t kcol = i + 1, k0 = i;
    while (i < n && is_key_char(p[i]))
        i++;
    size_t klen = i - k0;
    if (klen == 0)
        return pr_errf(e, "%s:%u:%zu: expected a setting name (lower-case letters, digits, '-')",
                       name, ln, kcol);
    const struct det_conf_key *k = NULL;
    for (size_t j = 0; j < nkeys && !k; j++)
        if (strlen(keys[j].name) == klen && !memcmp(keys[j].name, p + k0, klen))
            k = &keys[j];
    if (!k)
        return pr_errf(e, "%s:%u:%zu: unknown setting '%.*s'", name, ln, kcol,
                       (int)(klen > 64 ? 64 : klen), p + k0);
    while (i < n && is_blank(p[i]))
        i++;
    const char *value = NULL;
    size_t vcol = i + 1;
    if (i < n && p[i] != '#') {
        if (p[i] != '=')
            return pr_errf(e, "%s:%u:%zu: expected '=' after '%s'", name, ln, i + 1, k->name);
        i++;
        while (i < n && is_blank(p[i]))
            i++;
        vcol = i + 1;
        size_t v0 = i, vend = i;
        for (; i < n; i++) { /* up to a comment (a '#' after a blank) or the end */
            if (p[i] == '#' && (i == v0 || is_blank(p[i - 1])))
                break;
            if (!is_blank(p[i]))
                vend = i + 1;
        }
        if (vend == v0)
            return pr_errf(e, "%s:%u:%zu: a value is expected after '%s ='", name, ln, vcol,
                           k->name);
        p[vend] = 0; /* a blank, '#', '\r' or the newline: the line is not read again */
        value = p + v0;
    }
    if (k->has_value && !value)
        return pr_errf(e, "%s:%u:%zu: '%s' needs a value ('%s = ...')", name, ln, vcol, k->name,
                       k->name);
    if (!k->has_value && value) {
        int f = flag_value(value);
        if (f < 0)
            return pr_errf(e, "%s:%u:%zu: '%s' is a flag: expected yes or no", name, ln, vcol,
                           k->name);
        if (!f)
            return 0;
        value = NULL;
    }
    unsigned *count = &seen[k - keys];
    if (*count && !k->repeatable)
        return pr_errf(e, "%s:%u:%zu: '%s' is set twice", name, ln, kcol, k->name);
    (*count)++;
    struct pr_error sub = {""};
    if (apply(ctx, k->code, value, &sub) < 0)
        return pr_errf(e, "%s:%u:%zu: %s", name, ln, vcol, sub.msg);
    return 1;
}

int det_conf_parse(const char *name, char *buf, size_t len, const struct det_conf_key *keys,
                   size_t nkeys, det_conf_apply_fn apply, void *ctx, struct pr_error *e)
{
    if (len > DET_CONF_MAX_FILE)
        return pr_errf(e, "%s: larger than %u bytes", name, DET_CONF_MAX_FILE);
    unsigned *seen = pr_calloc(nkeys ? nkeys : 1, sizeof *seen);
    int settings = 0;
    unsigned ln = 0;
    size_t off = 0;
    while (off < len) {
        ln++;
        char *nl = memchr(buf + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
        if (n > DET_CONF_MAX_LINE) {
            settings = pr_errf(e, "%s:%u:%u: line longer than %u bytes", name, ln,
                               DET_CONF_MAX_LINE + 1, DET_CONF_MAX_LINE);
            break;
        }
        int r = parse_line(name, buf + off, n, ln, keys, nkeys, seen, apply, ctx, e);
        if (r < 0) {
            settings = -1;
            break;
        }
        settings += r;
        off += n + 1;
    }
    free(seen);
    return settings;
}

int det_conf_read(const char *path, bool missing_ok, char **buf, size_t *len, struct pr_error *e)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT && missing_ok)
            return 0;
        return pr_errf(e, "%s: %s", path, strerror(errno));
    }
    char *b = pr_calloc(DET_CONF_MAX_FILE + 2, 1);
    size_t n = fread(b, 1, DET_CONF_MAX_FILE + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(b);
        return pr_errf(e, "%s: read error", path);
    }
    if (n > DET_CONF_MAX_FILE) {
        free(b);
        return pr_errf(e, "%s: larger than %u bytes", path, DET_CONF_MAX_FILE);
    }
    *buf = b;
    *len = n;
    return 1;
}
