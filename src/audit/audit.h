/* audit.h — a scan judged against a policy: unexpected open ports, allowed ports that are
 * closed, hosts that are down, vulnerable versions (when -sV and --cve-feed gave any).
 *
 * Pure function over the result model (no I/O), called by cli/audit_cli.c. */
#ifndef PR_AUDIT_AUDIT_H
#define PR_AUDIT_AUDIT_H

#include "audit/history.h"
#include "audit/policy.h"
#include "output/result.h"

/* Fills *out (allocated) with the findings, counted ones first, each group ordered by
 * host, proto and port. Returns the number of counted violations (warnings excluded). */
size_t audit_eval(const struct policy *p, const struct scan_result *r, struct violation **out,
                  size_t *n);
/* One line: "198.18.0.2 8000/tcp open: unexpected-open (not allowed by [web])". */
void audit_describe(const struct violation *v, char *buf, size_t len);

#endif
