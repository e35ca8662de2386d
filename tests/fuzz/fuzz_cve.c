/* fuzz_cve.c — libFuzzer target for the CVE feed reader and CPE matching (svc/cve.c).
 *
 * Input: a feed (NVD JSON) and, after an optional NUL, CPEs one per line that a service
 * reports. A feed that loads is looked up with those CPEs and a few fixed ones: every
 * CVE listed must carry an id, and the list comes highest CVSS first. */
#include "output/result.h"
#include "svc/cve.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const struct cve_db *db, char **cpes, size_t n)
{
    struct svc_info *si = pr_calloc(1, sizeof *si);
    for (size_t i = 0; i < n && i < SVC_MAX_CPES; i++)
        si->cpes[si->ncpes++] = pr_strdup(cpes[i]);
    cve_lookup(db, si);
    if (si->ncves > SVC_MAX_CVES)
        abort();
    for (size_t i = 0; i < si->ncves; i++) {
        if (!si->cves[i].id[0] || !memchr(si->cves[i].id, '\0', sizeof si->cves[i].id))
            abort();
        if (i && si->cves[i].cvss > si->cves[i - 1].cvss)
            abort();
    }
    svc_info_free(si);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t flen = nul ? (size_t)(nul - data) : size;
    struct pr_error e = {""};
    struct cve_db *db = cve_parse((const char *)data, flen, "fuzz", &e);
    if (!db) {
        if (!memchr(e.msg, '\0', sizeof e.msg))
            abort();
        return 0;
    }
    char *fixed[] = {"cpe:/a:openbsd:openssh:9.2p1", "cpe:/a:apache:http_server:2.4.57",
                     "cpe:/o:linux:linux_kernel", "cpe:/a:x:y:1.0:beta"};
    lookup(db, fixed, sizeof fixed / sizeof *fixed);
    if (nul) {
        size_t rest = size - flen - 1;
        char *text = pr_calloc(1, rest + 1);
        memcpy(text, nul + 1, rest);
        char *cpes[SVC_MAX_CPES];
        size_t n = 0;
        for (char *save = NULL, *t = strtok_r(text, "\n", &save); t && n < SVC_MAX_CPES;
             t = strtok_r(NULL, "\n", &save))
            cpes[n++] = t;
        lookup(db, cpes, n);
        free(text);
    }
    cve_free(db);
    return 0;
}
