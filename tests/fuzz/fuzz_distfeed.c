/* fuzz_distfeed.c — libFuzzer target for distribution feeds (svc/distfeed.c, OSV and Debian
 * Security Tracker JSON) and the Debian version order they use (svc/debver.c).
 *
 * Input: a feed; a feed that loads is asked about a few packages and versions (the answer
 * must be one of the three statuses); a refused one must leave a terminated message. The
 * input split at its first NUL also gives two versions that debver_cmp must order
 * antisymmetrically. */
#include "svc/debver.h"
#include "svc/distfeed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pr_error e = {""};
    struct distfeed *f = distfeed_parse((const char *)data, size, "fuzz", &e);
    if (!f) {
        if (!memchr(e.msg, '\0', sizeof e.msg))
            abort();
    } else {
        static const char *const q[][3] = {{"openssh", "CVE-2023-38408", "9.2p1-2+deb12u3"},
                                           {"a", "CVE-1", "1:1.0~rc1-1"},
                                           {"bind9", "CVE-2099-2", "0"}};
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
            enum df_status s1 = distfeed_check(f, q[i][0], q[i][1], "12", q[i][2]);
            enum df_status s2 = distfeed_check(f, q[i][0], q[i][1], NULL, q[i][2]);
            if (s1 > DF_FIXED || s2 > DF_FIXED)
                abort();
        }
        distfeed_free(f);
    }
    if (size < 2048) {
        char *text = malloc(size + 2);
        if (!text)
            return 0;
        memcpy(text, data, size);
        text[size] = text[size + 1] = '\0';
        const char *a = text, *b = text + strlen(text) + (strlen(text) < size ? 1 : 0);
        int ab = debver_cmp(a, b), ba = debver_cmp(b, a);
        if ((ab > 0) != (ba < 0) || (ab == 0) != (ba == 0) || debver_cmp(a, a) != 0)
            abort();
        char pkg[64], ver[128], rel[8];
        if (distfeed_debian_package("x:y", a, pkg, sizeof pkg, ver, sizeof ver, rel, sizeof rel) ==
                0 &&
            !debver_valid(ver))
            abort();
        free(text);
    }
    return 0;
}
