/* libFuzzer target: the rtnetlink route answer parser on arbitrary bytes. */
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
    return 0;
}
