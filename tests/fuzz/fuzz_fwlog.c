/* libFuzzer target: the firewall LOG line parser, and the engine fed with what it yields.
 * The input is split into lines; each is parsed (it must never read out of bounds or
 * crash) and every event is given to a small engine, which must stay consistent. */
#include "detect/engine.h"
#include "detect/fwlog.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct det_config c;
    det_config_defaults(&c);
    c.max_sources = 16;
    c.max_conns = 16;
    c.max_scans = 8;
    struct det_engine *d = det_engine_new(&c, NULL);
    if (!d)
        return 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct det_fwlog_line l;
        struct pr_error e;
        if (det_fwlog_parse(p, n, 2026, &l, &e) == 1)
            det_engine_event(d, &l.ev);
        p += n + (nl ? 1 : 0);
    }
    det_engine_finish(d);
    det_engine_free(d);
    return 0;
}
