/* sandbox.h — the seccomp allowlists of scan, detect and the nftables helper.
 *
 * Called once, after core/privs has switched the user and dropped the capabilities,
 * before the packet loop. The filter applies to every thread of the process (TSYNC) and
 * to threads started later. Three outcomes for a system call:
 *   - on the allowlist (docs/privileges.md names it): it runs;
 *   - on the forbidden list (exec, ptrace, mount, set*id, module and kexec loading, bpf,
 *     keyctl, namespaces): the process is killed (SIGSYS): nothing we run calls them, so
 *     a call means that hostile input has taken control;
 *   - anything else: it fails with EPERM and one line naming the syscall number goes to
 *     standard error (the first SBX_LOG_MAX of them), so a syscall forgotten here gives
 *     an error message instead of a crash. */
#ifndef PR_CORE_SANDBOX_H
#define PR_CORE_SANDBOX_H

#include "core/error.h"

#include <stddef.h>

#define SBX_LOG_MAX 20

enum sbx_profile {
    SBX_WORKER, /* scan and detect: files, sockets, threads, epoll, netlink */
    SBX_NFT,    /* the nftables helper: its socketpair and netlink, read-only opens */
};

/* Installs the filter for profile p. Returns 0, or -1 with e filled (the caller then
 * exits: running without the filter it was asked for is not an option). */
int sbx_install(enum sbx_profile p, struct pr_error *e);

/* The names of the forbidden system calls (n set to their number), for docs and tests. */
const char *const *sbx_forbidden(size_t *n);

#endif
