/* fuzz_policy.c — libFuzzer target for the audit policy INI reader (audit/policy.c).
 *
 * The input is the whole file. Host names are refused rather than resolved (no DNS). A
 * small hand-made svc_db resolves service names in port lists. Accepted policies must have
 * host sections with addresses; refused ones give one line naming the file. */
#include "audit/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct svc_db *small_db(void)
{
    struct svc_db *db = pr_calloc(1, sizeof *db);
    db->name[PR_TCP][22] = pr_strdup("ssh");
    db->name[PR_TCP][80] = pr_strdup("http");
    db->name[PR_TCP][8080] = pr_strdup("http");
    db->name[PR_UDP][53] = pr_strdup("domain");
    return db;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct svc_db *db; /* harness only: built once per fuzzing process */
    if (!db)
        db = small_db();
    if (size > 65536)
        return 0;
    struct policy p;
    struct pr_error e;
    int family = size && data[0] == ';' ? AF_INET6 : AF_INET; /* ';' first: IPv6 lists */
    if (policy_parse(&p, "fuzz.ini", (const char *)data, size, family, 0, db, &e) == 0) {
        if (!p.nsec)
            abort();
        for (size_t i = 0; i < p.nsec; i++) {
            if (!tgt_count(&p.sec[i].tl) || !p.sec[i].hosts || p.sec[i].missing < 0)
                abort();
            struct pr_addr a;
            const char *nm;
            tgt_get(&p.sec[i].tl, 0, &a, &nm);
            if (!pol_section_has(&p.sec[i], &a))
                abort();
        }
        char spec[64];
        (void)policy_port_spec(&p, spec, sizeof spec);
        policy_free(&p);
    } else if (p.sec || strchr(e.msg, '\n') || strncmp(e.msg, "fuzz.ini", 8)) {
        abort();
    }
    return 0;
}
