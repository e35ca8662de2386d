/* diff.h — what changed between two snapshots, like ndiff: hosts that came up, went down,
 * appeared or vanished; ports whose state, service or version changed.
 *
 * Used by `portreeve diff` (two history runs or two XML files) and by `portreeve audit`
 * (this run against the previous run of the same policy). */
#ifndef PR_AUDIT_DIFF_H
#define PR_AUDIT_DIFF_H

#include "audit/snapshot.h"

#include <stdio.h>

enum diff_kind { DK_HOST_NEW, DK_HOST_GONE, DK_HOST_UP, DK_HOST_DOWN, DK_PORT };

struct diff_change {
    int kind; /* enum diff_kind */
    char addr[PR_ADDRSTRLEN];
    uint8_t proto;
    uint16_t port;              /* DK_PORT only */
    char old_state[SNAP_STATE]; /* "" when not known in A */
    char new_state[SNAP_STATE]; /* "" when not known in B */
    char old_service[SNAP_SERVICE], new_service[SNAP_SERVICE];
    char old_version[SNAP_VERSION], new_version[SNAP_VERSION];
};

/* Compares a (older) with b (newer). *out is allocated (free it), ordered by host, then
 * proto and port. Ports of a host present on one side only are listed as DK_PORT too. */
void diff_snapshots(const struct snapshot *a, const struct snapshot *b, struct diff_change **out,
                    size_t *n);
/* ndiff-like text: a header naming both sides, then per host the changed lines with - and
 * +. Returns 0 or -1 on a write error. */
int diff_print(FILE *f, const struct snapshot *a, const struct snapshot *b,
               const struct diff_change *c, size_t n);
/* One line for a change: "8000/tcp on 198.18.0.2: closed (was open)". */
void diff_describe(const struct diff_change *c, char *buf, size_t len);

#endif
