/* fuzz_detconf.c — libFuzzer target for the `detect` configuration file parser
 * (detect/detconf.c).
 *
 * The input is the whole file, parsed with a key table like detect's (flags, values, a
 * repeatable key). Every value handed out must be a NUL-terminated string inside the
 * buffer, without control bytes, without blanks at either end, and not a comment; flags
 * get no value; an error must name the file, a line and a column. */
#include "detect/detconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct det_conf_key keys[] = {
    {"block-time", true, false, 1}, {"allow", true, true, 2},      {"block", false, false, 3},
    {"quiet", false, false, 4},     {"interface", true, false, 5}, {"eve", true, false, 6},
};

struct ctx {
    const char *lo, *hi; /* the buffer: values must point into it */
};

static int check(void *ctxp, int code, const char *v, struct pr_error *e)
{
    const struct ctx *c = ctxp;
    if ((code == 3 || code == 4) != (v == NULL))
        abort(); /* flags have no value, the others always one */
    if (!v)
        return 0;
    size_t n = strlen(v);
    if (v < c->lo || v + n > c->hi || n == 0 || v[0] == ' ' || v[0] == '\t' || v[0] == '#' ||
        v[n - 1] == ' ' || v[n - 1] == '\t')
        abort();
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
            abort();
    if (!strcmp(v, "reject"))
        return pr_errf(e, "rejected");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct ctx c = {buf, buf + size};
    struct pr_error e;
    e.msg[0] = 0;
    int r =
        det_conf_parse("fuzz.conf", buf, size, keys, sizeof keys / sizeof keys[0], check, &c, &e);
    if (r < 0 && strncmp(e.msg, "fuzz.conf:", 10) != 0)
        abort();
    free(buf);
    return 0;
}
