/* blocksync.c — see blocksync.h. */
#include "detect/blocksync.h"

const char *blk_sync_check(const struct blk_policy *p, const char *addr, int64_t expires_us,
                           int64_t now_us, struct pr_addr *a, uint32_t *secs)
{
    if (!addr || addr_parse(addr, a) < 0)
        return "not an IPv4 or IPv6 address";
    if (expires_us <= now_us)
        return "expired";
    const char *why = blk_protected(p, a);
    if (why)
        return why;
    int64_t left = (expires_us - now_us + 999999) / 1000000;
    *secs = left > (int64_t)BLK_MAX_SECONDS_CAP ? BLK_MAX_SECONDS_CAP : (uint32_t)left;
    return NULL;
}
