/* libFuzzer target: the nmap-payloads parser on hostile file contents. A database that
 * loads must answer lookups with lists inside the documented limits. */
#include "net/payloads.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pr_error e;
    struct payload_db *db = payload_load_mem((const char *)data, size, "fuzz", &e);
    if (!db)
        return 0;
    static const uint16_t ports[] = {0, 1, 7, 53, 123, 161, 1000, 32768, 65534, 65535};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        const struct payload *l;
        size_t n = payload_get(db, ports[i], &l);
        if (n > PAYLOAD_MAX_PER_PORT || (n && !l))
            abort();
        for (size_t k = 0; k < n; k++) {
            if (l[k].len > PAYLOAD_MAX_LEN || (l[k].len && !l[k].data))
                abort();
            volatile uint8_t sink = 0;
            for (size_t j = 0; j < l[k].len; j++)
                sink ^= l[k].data[j];
            (void)sink;
        }
    }
    payload_free(db);
    return 0;
}
