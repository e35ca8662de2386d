/* detconf.h — the `detect` configuration file (/etc/portreeve/detect.conf).
 *
 * One setting per line, `key = value` or a bare `key` (a flag); the keys are the long
 * option names of `portreeve detect` (no leading dashes), which the caller passes as a
 * table; `#` starts a comment at the beginning of a line or after a blank. Blank lines
 * are skipped. A flag may also be given as `key = yes|true|on|1` (or `no|false|off|0`:
 * not set). Keys not marked repeatable may appear once. Hostile input gives an error
 * "FILE:LINE:COL: what" (NUL or control bytes, an overlong line or file, an unknown
 * key, a missing value ...); nothing is applied from a file with an error when the
 * caller applies only after a successful parse (the cli does: it parses into a scratch
 * copy of its options first).
 *
 * Called by cli/detect_cli.c at start and on SIGHUP (through det_options.reload). The
 * parser never allocates: it cuts values in place in the caller's buffer, and hands
 * them to the caller's function, which may keep the pointers while the buffer lives. */
#ifndef PR_DETECT_DETCONF_H
#define PR_DETECT_DETCONF_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

#define DET_CONF_DEFAULT "/etc/portreeve/detect.conf"
#define DET_CONF_MAX_FILE (1u << 20) /* bytes */
#define DET_CONF_MAX_LINE 4096u      /* bytes per line */

struct det_conf_key {
    const char *name; /* the long option without "--" */
    bool has_value;   /* false: a flag */
    bool repeatable;  /* may appear more than once (--allow) */
    int code;         /* handed to the apply function */
};

/* Applies one setting: value is NULL for a flag. Returns 0, or -1 with e filled (the
 * parser prefixes the file, line and column of the value). */
typedef int (*det_conf_apply_fn)(void *ctx, int code, const char *value, struct pr_error *e);

/* Parses buf (len bytes, and buf[len] must be writable: values are cut in place with
 * NULs) named `name` in messages. Calls apply for each setting, in file order. Returns
 * the number of settings, or -1 with e = "NAME:LINE:COL: what" (the first error stops
 * the parse). */
int det_conf_parse(const char *name, char *buf, size_t len, const struct det_conf_key *keys,
                   size_t nkeys, det_conf_apply_fn apply, void *ctx, struct pr_error *e);

/* Reads the whole file into *buf (malloc'd, NUL-terminated, *len bytes; the caller frees).
 * Returns 1, or 0 when the file does not exist and missing_ok (then *buf is NULL), or -1
 * with e filled (unreadable, larger than DET_CONF_MAX_FILE). */
int det_conf_read(const char *path, bool missing_ok, char **buf, size_t *len, struct pr_error *e);

#endif
