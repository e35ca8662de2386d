/* fuzz_cpedict.c — libFuzzer target for the CPE dictionary scanner (svc/cpedict.c).
 *
 * Input: a dictionary (XML, or the JSON of NVD's CPE API 2.0). A dictionary that loads must give,
 * for each alias pair, the reverse pair too, and every alias must be a "part:vendor:product" key; a
 * refused one must leave a terminated message naming the input. (The scanner keeps its state per
 * character, so the loader's 64 KiB reads cut nothing that this single buffer does not.) */
#include "svc/cpedict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_pairs(const struct cpedict *d, const char *key)
{
    const char *a;
    for (size_t i = 0; (a = cpedict_alias(d, key, i)); i++) {
        if (strlen(a) >= CPEDICT_KEY || !strchr(a, ':') || !strcmp(a, key))
            abort();
        int back = 0;
        const char *b;
        for (size_t k = 0; (b = cpedict_alias(d, a, k)); k++)
            back |= !strcmp(b, key);
        if (!back)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pr_error e = {""};
    struct cpedict *d = cpedict_parse((const char *)data, size, "fuzz", &e);
    if (!d) {
        if (!memchr(e.msg, '\0', sizeof e.msg) || !strstr(e.msg, "fuzz"))
            abort();
    } else {
        static const char *const keys[] = {"a:igor_sysoev:nginx", "a:f5:nginx", "a:x:y", "o:a:b"};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            check_pairs(d, keys[i]);
    }
    cpedict_free(d);
    return 0;
}
