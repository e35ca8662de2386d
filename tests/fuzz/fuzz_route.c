/* libFuzzer target: the rtnetlink route answer parser and the route/rule dump parser
 * (net/fibcells.h) on arbitrary bytes. */
#include "net/fibcells.h"
#include "net/route.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pr_addr dst[4];
    memset(dst, 0, sizeof dst);
    for (size_t i = 0; i < 4; i++)
        dst[i].family = i & 1 ? AF_INET6 : AF_INET;
    struct route_answer out[4];
    uint8_t answered[4] = {0};
    route_parse(data, size, 0, dst, 4, out, answered);

    struct fib_cells fc = {.limit = 64};
    struct pr_error e;
    if (fibcells_parse(&fc, data, size, 0, &e) >= 0) {
        struct pr_addr a;
        addr_from_v4(&a, 0xc6120001u);
        if (size >= 4)
            memcpy(a.a, data, 4);
        (void)fibcells_cell(&fc, &a);
    }
    fibcells_free(&fc);
    return 0;
}
