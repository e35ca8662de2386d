/* fuzz_ports.c — libFuzzer target for the port-spec parser (core/ports.c) and the local
 * port range parser (net/portrange.c).
 *
 * Input: the first byte's low two bits pick the protocols (T, U; 0 means both), the
 * rest is the -p spec. A small hand-made svc_db resolves service names. Accepted lists
 * must be strictly increasing, free of port 0, and format without overflow. The same
 * rest, unterminated, is an ip_local_port_range text: accepted only as 1 <= lo <= hi. */
#include "core/ports.h"
#include "net/portrange.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct svc_db *small_db(void)
{
    struct svc_db *db = pr_calloc(1, sizeof *db);
    static const struct {
        int proto;
        uint16_t port;
        const char *name;
        double freq;
    } rows[] = {
        {PR_TCP, 22, "ssh", 0.18},          {PR_TCP, 80, "http", 0.48},
        {PR_UDP, 80, "http", 0.03},         {PR_TCP, 8008, "http", 0.006},
        {PR_UDP, 53, "domain", 0.2},        {PR_TCP, 53, "domain", 0.04},
        {PR_TCP, 139, "netbios-ssn", 0.05}, {PR_TCP, 65535, "x-y.z+", 0.0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        db->name[rows[i].proto][rows[i].port] = pr_strdup(rows[i].name);
        db->freq[rows[i].proto][rows[i].port] = rows[i].freq;
    }
    db->have_freq = 1;
    return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct svc_db *db; /* harness only: built once per fuzzing process */
    if (!db)
        db = small_db();
    if (size == 0 || size > 8192)
        return 0;
    unsigned want = data[0] & 3u;
    if (want == 0)
        want = 3;
    char *spec = malloc(size);
    if (!spec)
        return 0;
    memcpy(spec, data + 1, size - 1);
    spec[size - 1] = '\0';

    struct port_range pr;
    struct pr_error pe;
    if (portrange_parse((const char *)data + 1, size - 1, &pr, &pe) == 0 &&
        (pr.lo == 0 || pr.lo > pr.hi))
        abort();

    struct port_list pl;
    struct pr_error e;
    if (ports_parse(spec, want, db, &pl, &e) == 0) {
        for (int p = 0; p < PR_NPROTO; p++) {
            if (pl.n[p] && !(want & (1u << p)))
                abort();
            for (size_t i = 0; i < pl.n[p]; i++)
                if (pl.p[p][i] == 0 || (i && pl.p[p][i - 1] >= pl.p[p][i]))
                    abort();
            char small[16];
            (void)ports_format(pl.p[p], pl.n[p], small, sizeof small);
            if (strlen(small) >= sizeof small)
                abort();
            size_t cap = 7 * pl.n[p] + 1; /* "65535," per port at most */
            char *big = malloc(cap);
            if (big && ports_format(pl.p[p], pl.n[p], big, cap) < 0)
                abort();
            free(big);
        }
        ports_free(&pl);
    } else if (pl.p[0] || pl.p[1] || strchr(e.msg, '\n')) {
        abort(); /* failures leave no lists and give one line */
    }
    free(spec);
    return 0;
}
