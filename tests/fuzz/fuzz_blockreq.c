/* fuzz_blockreq.c — libFuzzer target for the nftables helper's request parser
 * (detect/blockhelper.c blk_req_parse), the only input a compromised detector controls.
 *
 * Input: one request datagram. An accepted request must be block/unblock of a real
 * address, with 1..max seconds for block; an error message must be a terminated string. */
#include "detect/blockhelper.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so reading past the datagram is caught */
    char *msg = malloc(size ? size : 1);
    if (!msg)
        return 0;
    memcpy(msg, data, size);
    struct blk_req r;
    struct pr_error e = {""};
    const uint32_t max = 86400;
    if (blk_req_parse(msg, size, max, &r, &e) == 0) {
        if (r.kind != BLK_REQ_BLOCK && r.kind != BLK_REQ_UNBLOCK)
            abort();
        if (r.addr.family != AF_INET && r.addr.family != AF_INET6)
            abort();
        if (r.kind == BLK_REQ_BLOCK && (r.seconds < 1 || r.seconds > max))
            abort();
        if (size > BLK_REQ_MAX + 1)
            abort();
    } else if (!memchr(e.msg, '\0', sizeof e.msg)) {
        abort();
    }
    free(msg);
    return 0;
}
