/* tablekey.c — see tablekey.h. */
#include "detect/tablekey.h"

#include "core/siphash.h"

#include <stdio.h>
#include <string.h>

int det_table_key_stable(const char *id_path, uint64_t *k0, uint64_t *k1)
{
    FILE *f = fopen(id_path, "re");
    if (!f)
        return -1;
    char id[64];
    int ok = fgets(id, sizeof id, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    size_t n = strspn(id, "0123456789abcdefABCDEF");
    if (n != 32)
        return -1;
    /* "portreeve-detect" and its reverse: the application constant */
    static const struct sip_key app0 = {0x706f727472656576ull, 0x652d646574656374ull};
    static const struct sip_key app1 = {0x652d646574656374ull, 0x706f727472656576ull};
    *k0 = siphash24(&app0, id, n);
    *k1 = siphash24(&app1, id, n);
    return 0;
}
