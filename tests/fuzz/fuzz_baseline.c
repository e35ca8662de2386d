/* fuzz_baseline.c — libFuzzer target for the baseline file reader (detect/baseline.c).
 *
 * The input is the whole file, loaded into a small table (16 hosts). A load either
 * succeeds or fails with a message naming the file; a loaded baseline must write back to a
 * document that loads again into a fresh table with the same host count, and the baseline
 * must then take traffic without crashing. */
#include "detect/baseline.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct baseline *fresh(void)
{
    struct bl_config c;
    bl_config_defaults(&c);
    c.max_hosts = 16;
    struct pr_error e;
    struct baseline *b = bl_new(&c, &e);
    if (!b)
        abort();
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct baseline *b = fresh();
    struct pr_error e = {""};
    if (bl_load_buf(b, (const char *)data, size, "fuzz", &e) < 0) {
        if (strncmp(e.msg, "baseline 'fuzz': ", 17))
            abort();
        bl_free(b);
        return 0;
    }
    size_t len;
    char *doc = bl_to_string(b, 1, &len);
    if (!doc)
        abort();
    struct baseline *again = fresh();
    if (bl_load_buf(again, doc, len, "again", &e) < 0 ||
        bl_stats(again)->learned_hosts != bl_stats(b)->hosts)
        abort();
    struct pr_addr h, c;
    addr_parse("198.18.0.2", &h);
    addr_parse("198.18.0.1", &c);
    bl_service(again, &h, &c, 6, 8080, 2000000);
    for (unsigned i = 0; i < 64; i++) {
        c.a[3] = (uint8_t)i;
        bl_contact(again, &h, &c, 6, 445, 3000000 + i);
    }
    free(doc);
    bl_free(again);
    bl_free(b);
    return 0;
}
