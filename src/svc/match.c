/* match.c — PCRE2 matching of responses and template expansion (see match.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "svc/match.h"

#include "core/services.h"
#include "svc/template.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sv_matcher {
    pcre2_match_context *ctx;
    pcre2_match_data *md;
};

struct sv_matcher *sv_matcher_new(void)
{
    struct sv_matcher *mt = pr_calloc(1, sizeof *mt);
    mt->ctx = pcre2_match_context_create(NULL);
    mt->md = pcre2_match_data_create(SV_NGROUPS, NULL);
    if (!mt->ctx || !mt->md) {
        sv_matcher_free(mt);
        return NULL;
    }
    pcre2_set_match_limit(mt->ctx, SV_MATCH_LIMIT);
    pcre2_set_depth_limit(mt->ctx, SV_DEPTH_LIMIT);
    return mt;
}

void sv_matcher_free(struct sv_matcher *mt)
{
    if (!mt)
        return;
    pcre2_match_data_free(mt->md);
    pcre2_match_context_free(mt->ctx);
    free(mt);
}

static void fill(const struct sv_match *m, const struct sv_probe *from, const struct sv_groups *g,
                 struct sv_found *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->service, sizeof out->service, "%s", m->service);
    for (int f = 0; f < SVF_COUNT; f++)
        if (m->tmpl[f] && sv_tmpl_expand(m->tmpl[f], g, 0, out->field[f], SV_FIELD_MAX) < 0)
            out->field[f][0] = '\0';
    for (size_t i = 0; i < m->ncpe && i < SV_MAX_CPES; i++) {
        char part[SV_FIELD_MAX];
        if (sv_tmpl_expand(m->cpe[i], g, SV_TMPL_CPE, part, sizeof part) < 0)
            continue;
        snprintf(out->cpe[out->ncpe++], SV_FIELD_MAX, "cpe:/%.*s", SV_FIELD_MAX - 6, part);
    }
    out->m = m;
    out->from = from;
}

/* 1 matched (g filled), 0 not, -1 error (limit) counted as not. */
static int run(struct sv_matcher *mt, const struct sv_match *m, const uint8_t *resp, size_t len,
               struct sv_groups *g)
{
    if (!m->re)
        return 0;
    int rc = pcre2_match((const pcre2_code *)m->re, (PCRE2_SPTR)resp, len, 0, 0, mt->md, mt->ctx);
    if (rc < 0)
        return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(mt->md);
    uint32_t npairs = pcre2_get_ovector_count(mt->md);
    memset(g, 0, sizeof *g);
    g->subject = resp;
    g->len = len;
    g->n = npairs < SV_NGROUPS ? npairs : SV_NGROUPS;
    for (size_t i = 0; i < SV_NGROUPS; i++) {
        if (i < g->n && ov[2 * i] != PCRE2_UNSET && ov[2 * i] <= ov[2 * i + 1] &&
            ov[2 * i + 1] <= len) {
            g->start[i] = ov[2 * i];
            g->end[i] = ov[2 * i + 1];
        } else {
            g->start[i] = SIZE_MAX;
            g->end[i] = SIZE_MAX;
        }
    }
    return 1;
}

enum sv_outcome sv_match_response(struct sv_matcher *mt, const struct sv_probedb *db,
                                  const struct sv_probe *p, const uint8_t *resp, size_t len,
                                  struct sv_found *out)
{
    const struct sv_probe *chain[SV_MAX_FALLBACKS + 2];
    size_t n = 0;
    chain[n++] = p;
    for (size_t k = 0; k < p->nfallback; k++)
        if (p->fallback[k] >= 0 && (size_t)p->fallback[k] < db->nprobes)
            chain[n++] = &db->probes[p->fallback[k]];
    if (p->proto == PR_TCP && db->null_probe >= 0 && &db->probes[db->null_probe] != p)
        chain[n++] = &db->probes[db->null_probe];
    int have_soft = 0;
    struct sv_groups g;
    for (size_t c = 0; c < n; c++) {
        const struct sv_probe *q = chain[c];
        int dup = 0;
        for (size_t d = 0; d < c; d++)
            dup |= chain[d] == q;
        if (dup)
            continue;
        for (size_t i = 0; i < q->nmatches; i++) {
            const struct sv_match *m = &q->matches[i];
            if (have_soft && m->soft)
                continue;
            if (run(mt, m, resp, len, &g) != 1)
                continue;
            if (!m->soft) {
                fill(m, q, &g, out);
                return SV_HARD;
            }
            fill(m, q, &g, out);
            have_soft = 1;
        }
    }
    return have_soft ? SV_SOFT : SV_NOMATCH;
}
