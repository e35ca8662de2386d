/* text.c — see text.h. */
#include "core/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pr_hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int pr_read_file(const char *path, size_t max, char **buf, size_t *len, struct pr_error *e)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pr_errf(e, "%s: %s", path, strerror(errno));
    char *b = pr_calloc(max + 1, 1);
    size_t n = fread(b, 1, max + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > max) {
        free(b);
        return bad ? pr_errf(e, "%s: read error", path)
                   : pr_errf(e, "%s: larger than %zu bytes", path, max);
    }
    *buf = b;
    *len = n;
    return 0;
}
