/* targets.h — the set of hosts a scan visits.
 *
 * Built once at startup from target specs (nmap syntax) and exclusions, then read
 * by index by the engine. Specs: IPv4 "198.18.0.2", CIDR "198.18.0.0/24", octet
 * ranges "198.18.1-3.1-254" and "198.18.0.*", IPv6 "2001:db8::1" and
 * "2001:db8::/120", host names (resolved with getaddrinfo; the name is kept for the
 * outputs). The final set is sorted, duplicate-free, minus the exclusions; the
 * engine addresses it as 0..count-1. Not thread-safe while being built; read-only
 * afterwards. */
#ifndef PR_CORE_TARGETS_H
#define PR_CORE_TARGETS_H

#include "core/addr.h"
#include "core/error.h"

#include <stdbool.h>
#include <stdint.h>

/* Refuse lists larger than this (a /8 of IPv4 is 2^24, IPv6 CIDR larger than /96 is refused). */
#define TGT_MAX_HOSTS (UINT64_C(1) << 32)

struct tgt_range; /* private */

struct target_list {
    struct tgt_range *r; /* sorted, disjoint after tgt_finish() */
    size_t n, cap;
    struct tgt_range *ex; /* exclusions */
    size_t nex, capex;
    uint64_t *prefix; /* prefix[i] = hosts in r[0..i-1]; built by tgt_finish() */
    uint64_t count;
    int family;      /* AF_INET by default, AF_INET6 with -6; names resolve to this family */
    bool no_resolve; /* set after tgt_init() to refuse host names instead of resolving them
                        (fuzzing, tests: no DNS traffic); literals and ranges still work */
    /* Set after tgt_init() to go on past bad names, as nmap does: a host name that does not
     * resolve, and any bad spec of an -iL file, is passed to warn (one line, e.g. nmap's
     * `Failed to resolve "x".`), counted in `skipped` and left out; NULL: an error. */
    void (*warn)(void *ud, const char *msg);
    void *warn_ud;
    uint64_t skipped;
};

void tgt_init(struct target_list *t, int family);
void tgt_free(struct target_list *t);

/* Adds one spec; `where` names the input for error messages ("argument 3",
 * "hosts.txt line 7"). Returns 0 or -1 with e filled. */
int tgt_add(struct target_list *t, const char *spec, const char *where, struct pr_error *e);
/* Reads specs separated by white space from a file ("-" is stdin); '#' starts a comment. */
int tgt_add_file(struct target_list *t, const char *path, struct pr_error *e);
/* The same for exclusions (--exclude takes a comma-separated list, like nmap, so octet
 * lists such as "10.0.0,1.1" cannot be written there; use ranges or CIDR). */
int tgt_exclude(struct target_list *t, const char *spec_list, const char *where,
                struct pr_error *e);
int tgt_exclude_file(struct target_list *t, const char *path, struct pr_error *e);

/* Sorts, merges, subtracts exclusions and indexes. Must be called before the readers.
 * Returns 0 or -1 (e.g. more than TGT_MAX_HOSTS). */
int tgt_finish(struct target_list *t, struct pr_error *e);

uint64_t tgt_count(const struct target_list *t);
/* The idx-th host (0 <= idx < count) and its host name or NULL. */
void tgt_get(const struct target_list *t, uint64_t idx, struct pr_addr *out, const char **name);

#endif
