/* portrange.c — reads the kernel's local port range (portrange.h). */
#include "net/portrange.h"

#include "core/text.h"

#include <stdlib.h>

/* One decimal number 1..65535 at buf[*i]; advances *i past it. */
static int number(const char *buf, size_t len, size_t *i, uint16_t *out, const char *what,
                  struct pr_error *e)
{
    size_t start = *i;
    uint32_t v = 0;
    while (*i < len && buf[*i] >= '0' && buf[*i] <= '9') {
        v = v * 10 + (uint32_t)(buf[*i] - '0');
        if (v > 65535)
            return pr_errf(e, "%s port above 65535 at offset %zu", what, start);
        (*i)++;
    }
    if (*i == start)
        return pr_errf(e, "%s port expected at offset %zu", what, start);
    if (v == 0)
        return pr_errf(e, "%s port 0 at offset %zu", what, start);
    *out = (uint16_t)v;
    return 0;
}

int portrange_parse(const char *buf, size_t len, struct port_range *r, struct pr_error *e)
{
    size_t i = 0;
    struct port_range v;
    if (number(buf, len, &i, &v.lo, "low", e) < 0)
        return -1;
    size_t gap = i;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (i == gap)
        return pr_errf(e, "blank expected after the low port at offset %zu", i);
    if (number(buf, len, &i, &v.hi, "high", e) < 0)
        return -1;
    if (i < len && buf[i] == '\n')
        i++;
    if (i != len)
        return pr_errf(e, "unexpected byte after the high port at offset %zu", i);
    if (v.lo > v.hi)
        return pr_errf(e, "low port %u above high port %u", v.lo, v.hi);
    *r = v;
    return 0;
}

int portrange_read(struct port_range *r, struct pr_error *e)
{
    char *buf;
    size_t n;
    if (pr_read_file(PORTRANGE_PATH, 63, &buf, &n, e) < 0)
        return -1;
    struct pr_error pe;
    int rc = portrange_parse(buf, n, r, &pe);
    free(buf);
    if (rc < 0)
        return pr_errf(e, "%s: %s", PORTRANGE_PATH, pe.msg);
    return 0;
}
