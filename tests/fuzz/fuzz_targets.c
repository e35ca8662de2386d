/* fuzz_targets.c — libFuzzer target for the target-spec parser (core/targets.c).
 *
 * Input: the first line is one target spec for tgt_add(); the rest, if any, is an
 * --exclude list for tgt_exclude(). The first byte picks the family: '6' means -6
 * (and is then skipped). Host names are refused (no_resolve): no DNS while fuzzing.
 * After tgt_finish() the index must be consistent and strictly increasing. */
#include "core/targets.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp_addr(const struct pr_addr *x, const struct pr_addr *y)
{
    return memcmp(x->a, y->a, x->family == AF_INET6 ? 16 : 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    int family = AF_INET;
    if (size > 0 && data[0] == '6') {
        family = AF_INET6;
        data++;
        size--;
    }
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = memchr(buf, '\n', size);
    char *excl = NULL;
    if (nl) {
        *nl = '\0';
        excl = nl + 1;
    }

    struct target_list t;
    struct pr_error e;
    tgt_init(&t, family);
    t.no_resolve = true;
    (void)tgt_add(&t, buf, "fuzz", &e);
    if (excl)
        (void)tgt_exclude(&t, excl, "fuzz", &e);
    if (tgt_finish(&t, &e) == 0) {
        uint64_t n = tgt_count(&t);
        if (n > 0) {
            uint64_t idx[] = {0, n / 3, n / 2, n - 1};
            for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
                struct pr_addr a, b;
                const char *name;
                tgt_get(&t, idx[i], &a, &name);
                if (a.family != family || name != NULL)
                    abort();
                if (idx[i] + 1 < n) {
                    tgt_get(&t, idx[i] + 1, &b, &name);
                    if (cmp_addr(&a, &b) >= 0)
                        abort();
                }
            }
        }
        if (t.prefix == NULL || t.prefix[t.n] != n)
            abort();
    }
    tgt_free(&t);
    free(buf);
    return 0;
}
