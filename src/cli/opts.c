/* opts.c — see opts.h. */
#include "cli/opts.h"

#include "core/error.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_argv_free(struct cli_argv *a)
{
    free(a->argv);
    free(a->store);
    memset(a, 0, sizeof *a);
}

/* Copies s[0..len-1] into the store at *at and returns it. */
static char *keep(struct cli_argv *out, size_t *at, const char *s, size_t len)
{
    char *p = out->store + *at;
    memcpy(p, s, len);
    p[len] = '\0';
    *at += len + 1;
    return p;
}

/* The option of the table that `name` (name[0..len-1]) stands for: an exact match, else
 * the only long option it is a prefix of. Returns its index, -1 when none, -2 when
 * ambiguous (message printed). */
static int lookup(const char *cmd, const struct cli_opt *opts, size_t n, const char *name,
                  size_t len)
{
    int found = -1, count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t ol = strlen(opts[i].name);
        if (ol == len && !memcmp(opts[i].name, name, len))
            return (int)i;
        if (opts[i].name[1] == '-' && ol > len && !memcmp(opts[i].name, name, len)) {
            found = (int)i;
            count++;
        }
    }
    if (count <= 1)
        return found;
    fprintf(stderr, "%s: option '%.*s' is ambiguous; possibilities:", cmd, (int)len, name);
    for (size_t i = 0; i < n; i++)
        if (opts[i].name[1] == '-' && strlen(opts[i].name) > len &&
            !memcmp(opts[i].name, name, len))
            fprintf(stderr, " %s", opts[i].name);
    fputc('\n', stderr);
    return -2;
}

int cli_expand(const char *cmd, const struct cli_opt *opts, size_t n, int argc, char **argv,
               struct cli_argv *out)
{
    memset(out, 0, sizeof *out);
    size_t longest = 0, need = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(opts[i].name) > longest)
            longest = strlen(opts[i].name);
    for (int i = 0; i < argc; i++)
        need += strlen(argv[i]) + 1 + longest + 1;
    /* `--name=value` splits in two: at most twice the arguments */
    out->argv = pr_calloc((size_t)argc * 2 + 1, sizeof *out->argv);
    out->store = pr_calloc(need ? need : 1, 1);
    size_t at = 0;
    int k = 0;
    if (argc > 0)
        out->argv[k++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) { /* a target, or "-" */
            out->argv[k++] = argv[i];
            continue;
        }
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        int o = a[1] == '-' && len > 2 ? lookup(cmd, opts, n, a, len) : -1;
        if (o == -2)
            goto fail;
        if (o < 0 && a[1] != '-') { /* a single-dash option: exact names only */
            for (size_t j = 0; j < n && o < 0; j++)
                if (!strcmp(opts[j].name, a))
                    o = (int)j;
        }
        if (o < 0) { /* not ours: the parser decides */
            out->argv[k++] = argv[i];
            continue;
        }
        if (eq && !opts[o].has_arg) {
            fprintf(stderr, "%s: option '%s' takes no value (given '%s')\n", cmd, opts[o].name, a);
            goto fail;
        }
        out->argv[k++] = keep(out, &at, opts[o].name, strlen(opts[o].name));
        if (eq)
            out->argv[k++] = keep(out, &at, eq + 1, strlen(eq + 1));
        else if (opts[o].has_arg && i + 1 < argc)
            out->argv[k++] = argv[++i]; /* the value, whatever it looks like */
    }
    out->argc = k;
    out->argv[k] = NULL;
    return 0;
fail:
    cli_argv_free(out);
    return -1;
}

int cli_duration(const char *name, const char *v, unsigned max, unsigned *out, struct pr_error *e)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    double mul = 1;
    if (end != v && *end && !end[1]) {
        mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : *end == 'd' ? 86400 : 0;
        if (mul > 0)
            end++;
    }
    x *= mul;
    if (errno || end == v || *end || !(x >= 1 && x <= max) || x != (double)(uint32_t)x)
        return pr_errf(e, "%s '%s': expected whole seconds from 1 to %u (suffix s, m, h or d)",
                       name, v, max);
    *out = (unsigned)x;
    return 0;
}
