/* report.h — the self-contained HTML report of one audit: summary, violations first,
 * changes since the previous run, per-host tables and an inline SVG chart of open ports
 * per run. No scripts, no external style sheets, fonts or images: it opens offline.
 * Every text from the scan or the policy is HTML-escaped. Called by cli/audit_cli.c. */
#ifndef PR_AUDIT_REPORT_H
#define PR_AUDIT_REPORT_H

#include "audit/diff.h"
#include "audit/finding.h"
#include "audit/history.h"
#include "audit/policy.h"
#include "audit/snapshot.h"

#include <stdio.h>

struct report_input {
    const char *policy_path;
    const struct policy *policy;
    const struct hist_run *run; /* this run (id 0 when not stored) */
    const struct snapshot *snap;
    const struct violation *viol;
    size_t nviol;
    const struct finding *findings; /* the diagnosis, highest risk first */
    size_t nfindings;
    const struct diff_change *changes; /* since prev_label; NULL/0 when none */
    size_t nchanges;
    const char *prev_label;      /* "run 3", or NULL when there is no previous run */
    const struct hist_run *runs; /* earlier runs of this policy and this one, oldest first */
    size_t nruns;
};

/* Writes the report; returns 0 or -1 on a write error. */
int report_html(FILE *f, const struct report_input *in);
/* Writes text with & < > " ' escaped. */
void html_escape(FILE *f, const char *s);

#endif
