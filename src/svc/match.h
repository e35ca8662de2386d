/* match.h — matching one probe's response against the probe database.
 *
 * Runs a probe's match/softmatch lines, then those of its fallbacks (and, for TCP, the
 * NULL probe's, as nmap does), with PCRE2 under nmap's match and depth limits, and
 * expands the version templates of the first hard match (or the first softmatch).
 * Used by the engine in svc/version.c and by the unit tests on recorded banners. */
#ifndef PR_SVC_MATCH_H
#define PR_SVC_MATCH_H

#include "svc/probes.h"

#include <stddef.h>
#include <stdint.h>

#define SV_MATCH_LIMIT 100000 /* nmap's PCRE match limit */
#define SV_DEPTH_LIMIT 10000  /* nmap's PCRE depth (recursion) limit */
#define SV_FIELD_MAX 256      /* bytes per expanded field, NUL included */
#define SV_SERVICE_MAX 64

enum sv_outcome { SV_NOMATCH = 0, SV_SOFT = 1, SV_HARD = 2 };

struct sv_found {
    char service[SV_SERVICE_MAX]; /* as in the match line: "ssh", "ssl/http" */
    char field[SVF_COUNT][SV_FIELD_MAX];
    char cpe[SV_MAX_CPES][SV_FIELD_MAX]; /* "cpe:/a:openbsd:openssh:9.2p1" */
    size_t ncpe;
    const struct sv_match *m;    /* the line that matched */
    const struct sv_probe *from; /* the probe whose line it is */
};

/* PCRE2 match context and data, reused across calls (one per thread). */
struct sv_matcher;
struct sv_matcher *sv_matcher_new(void);
void sv_matcher_free(struct sv_matcher *mt);

/* Matches resp against probe p's lines, its fallbacks', then (TCP) NULL's, in order.
 * Returns SV_HARD (out filled from the hard match), SV_SOFT (out filled from the first
 * softmatch) or SV_NOMATCH. Regex errors (limits hit) count as no match. */
enum sv_outcome sv_match_response(struct sv_matcher *mt, const struct sv_probedb *db,
                                  const struct sv_probe *p, const uint8_t *resp, size_t len,
                                  struct sv_found *out);

#endif
