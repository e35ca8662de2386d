/* libFuzzer target: the nmap-service-probes parser on hostile file contents. A database
 * that loads is walked (ranges, fallbacks inside the table) and each probe's match lines
 * are run on a fixed response, so compiled regexes and templates are exercised too. */
#include "core/services.h"
#include "svc/match.h"
#include "svc/probes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pr_error e;
    struct sv_probedb *db = sv_probes_parse((const char *)data, size, "fuzz", 0, &e);
    if (!db) {
        if (!memchr(e.msg, '\0', sizeof e.msg))
            abort();
        return 0;
    }
    struct sv_matcher *mt = sv_matcher_new();
    static const uint8_t resp[] =
        "SSH-2.0-Test_1.0\r\n220 hello ESMTP\r\nHTTP/1.0 200 OK\r\n\0\x01";
    for (size_t i = 0; i < db->nprobes; i++) {
        const struct sv_probe *p = &db->probes[i];
        if (p->proto >= PR_NPROTO || p->len > SV_MAX_PAYLOAD * 4 || p->nfallback > SV_MAX_FALLBACKS)
            abort();
        for (size_t k = 0; k < p->nfallback; k++)
            if (p->fallback[k] < 0 || (size_t)p->fallback[k] >= db->nprobes)
                abort();
        (void)sv_in_ranges(p->ports, p->nports, p->proto, 80);
        struct sv_found f;
        if (mt && sv_match_response(mt, db, p, resp, sizeof resp - 1, &f) != SV_NOMATCH) {
            for (int k = 0; k < SVF_COUNT; k++)
                if (!memchr(f.field[k], '\0', SV_FIELD_MAX))
                    abort();
            if (f.ncpe > SV_MAX_CPES)
                abort();
        }
    }
    sv_matcher_free(mt);
    sv_probes_free(db);
    return 0;
}
