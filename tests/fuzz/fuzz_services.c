/* fuzz_services.c — libFuzzer target for the nmap-services reader (core/services.c).
 *
 * Input: a whole services file, handed over as /proc/self/fd/N of a memfd so that the
 * real file path (svc_load) is what runs. A file that loads is queried: every name is a
 * terminated string and the top-ports lists are strictly increasing. */
#include "core/services.h"

#include "memfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile(data, size, path, sizeof path);
    struct pr_error e = {""};
    struct svc_db *db = svc_load(path, &e);
    close(fd);
    if (!db) {
        if (!memchr(e.msg, '\0', sizeof e.msg))
            abort();
        return 0;
    }
    static const uint16_t probe[] = {0, 1, 22, 80, 443, 65535};
    for (int proto = 0; proto < PR_NPROTO; proto++)
        for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
            const char *n = svc_name(db, (enum pr_proto)proto, probe[i]);
            if (n && strlen(n) > 4096)
                abort();
        }
    static uint16_t top[65536];
    for (int proto = 0; proto < PR_NPROTO; proto++) {
        size_t n = svc_top_ports(db, (enum pr_proto)proto, 1000, top);
        if (n > 1000)
            abort();
        for (size_t i = 1; i < n; i++)
            if (top[i] <= top[i - 1])
                abort();
    }
    svc_free(db);
    return 0;
}
