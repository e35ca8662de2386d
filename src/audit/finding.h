/* finding.h — the diagnosis of an audit: every finding with its kind, its risk level, the
 * reasons for that level and the concrete fix.
 *
 * Built from what audit_eval() judged (violations), the scan result (services, versions,
 * CVEs) and the changes since the previous run (diff.h); pure functions, no I/O except the
 * writers at the bottom. The rule that sets each risk is documented in
 * docs/portreeve-audit.1 (RISK LEVELS) and implemented in finding.c only. Called by
 * cli/audit_cli.c; the HTML report (report.h) shows the same list. */
#ifndef PR_AUDIT_FINDING_H
#define PR_AUDIT_FINDING_H

#include "audit/diff.h"
#include "audit/history.h"
#include "audit/policy.h"
#include "output/result.h"

#include <stdint.h>
#include <stdio.h>

enum risk { RISK_INFO = 0, RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_CRITICAL, RISK_COUNT };

enum finding_kind {
    FK_UNEXPECTED_OPEN = 0,
    FK_EXPECTED_CLOSED,
    FK_HOST_DOWN,
    FK_VULNERABLE_VERSION,
    FK_OUTDATED_VERSION, /* older than the newest version of its product in the same scan */
    FK_CLEARTEXT_SERVICE,
    FK_NEW_SINCE_LAST_RUN,
    FK_COUNT
};

#define FINDING_MAX_CVES 8

struct finding_cve {
    char id[32];
    double cvss;       /* -1 when the feed has none */
    char fixed_in[64]; /* "": no distribution feed names a fixed version (issue 17) */
};

struct finding {
    int kind;    /* enum finding_kind */
    int risk;    /* enum risk */
    int counted; /* 1: a policy violation (counts for the exit status) */
    char addr[PR_ADDRSTRLEN];
    char host[SNAP_NAME];
    uint8_t proto; /* enum pr_proto; port 0 for host-level findings */
    uint16_t port;
    char state[SNAP_STATE];
    char section[256];
    char service[SNAP_SERVICE], product[96], version[96];
    char exposure[32]; /* exposure class of the service ("database/cache", ...) or "" */
    char reasons[512]; /* "; "-separated, each a short sentence */
    char remediation[1024];
    char nft_rule[256];    /* a ready-to-run nft command closing the port, or "" */
    char policy_line[256]; /* the policy change that accepts the port, or "" */
    struct finding_cve cves[FINDING_MAX_CVES];
    size_t ncves, ncves_total;
    int64_t first_seen; /* unix seconds of the first stored run that had it, 0 unknown */
};

const char *risk_name(int risk);         /* "critical" ... "info" */
int risk_from_name(const char *s);       /* -1 when unknown */
const char *finding_kind_name(int kind); /* "unexpected_open" ... */

/* Builds the findings: one per violation (with its risk and fix), one per cleartext
 * service open on a judged host, one per allowed port that is new since the previous run
 * (changes may be NULL), one per -sV version older than the newest of its product in the
 * scan. `policy_path` is the file named in policy-line advice. *out is
 * allocated; it is ordered by risk (highest first), then host, proto and port. */
void findings_build(const struct policy *p, const char *policy_path, const struct scan_result *r,
                    const struct violation *v, size_t nv, const struct diff_change *changes,
                    size_t nchanges, struct finding **out, size_t *n);

/* Sets each finding's first_seen: the start of the oldest run of `policy` in a row of stored
 * runs, ending with the newest, that had it (a finding fixed and back counts from its
 * return); `now` when there is no history (db NULL). Returns 0 or -1 with e filled. */
int findings_first_seen(struct finding *f, size_t n, struct hist_db *db, const char *policy,
                        int64_t now, struct pr_error *e);

/* The highest risk among the findings, -1 when there is none. */
int findings_worst(const struct finding *f, size_t n);

/* Writers: one JSON object per line (fields of docs/portreeve-audit.1, JSON FINDINGS), and a
 * SARIF 2.1.0 log. Both return 0 or -1 on a write error. */
int findings_write_json(FILE *out, const struct finding *f, size_t n);
int findings_write_sarif(FILE *out, const struct finding *f, size_t n, const char *policy_path,
                         const struct policy *p, const char *version);

#endif
