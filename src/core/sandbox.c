/* sandbox.c — see sandbox.h (libseccomp). */
#include "core/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

/* Both profiles. Names unknown on this architecture are skipped. */
static const char *const common_calls[] = {
    /* memory, threads, time, signals, descriptors */
    "read", "write", "readv", "writev", "close", "fstat", "newfstatat", "statx", "lseek", "fcntl",
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "set_robust_list",
    "get_robust_list", "rseq", "exit", "exit_group", "gettid", "getpid", "clock_gettime",
    "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "rt_sigaction",
    "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "poll", "ppoll", "select",
    "pselect6", "getrandom",
    /* socket I/O, identity (read only) */
    "recvfrom", "sendto", "recvmsg", "sendmsg", "bind", "getsockname", "setsockopt", "getsockopt",
    "sched_yield", "uname", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid"};

/* scan and detect */
static const char *const worker_calls[] = {
    /* files: reading inputs and databases, writing and reopening outputs, resume files */
    "open", "openat", "stat", "lstat", "pread64", "pwrite64", "preadv", "pwritev", "dup", "dup2",
    "dup3", "pipe", "pipe2", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
    "getdents64", "getcwd", "rename", "renameat", "renameat2", "unlink", "unlinkat", "fsync",
    "fdatasync", "ftruncate", "fchmod", "fchown", "umask", "statfs", "fstatfs", "fadvise64",
    "close_range", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
    /* sockets: connect scans, -sV, netlink, syslog, metrics, the block helper */
    "connect", "listen", "accept", "accept4", "getpeername", "shutdown", "sendmmsg", "recvmmsg",
    "socketpair",
    /* waiting */
    "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    "eventfd", "eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime",
    "rt_sigtimedwait", "rt_sigsuspend", "pause", "alarm", "setitimer", "getitimer",
    /* threads and processes: the receive thread, waiting for the nftables helper */
    "membarrier", "sched_getaffinity", "tgkill", "tkill", "kill", "wait4", "waitid", "getppid",
    "getpgrp", "getgroups", "getrusage", "times", "sysinfo", "capget", "mincore"};

#if defined(__SANITIZE_ADDRESS__)
#define SBX_SANITIZED 1 /* LeakSanitizer's exit-time check needs clone and ptrace */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SBX_SANITIZED 1
#endif
#endif
#ifndef SBX_SANITIZED
#define SBX_SANITIZED 0
#endif

/* killed: nothing we run needs them after start-up (but LeakSanitizer's exit-time
 * check in sanitizer builds, which must ptrace: see sbx_install) */
static const char *const forbidden_calls[] = {
    /* exec, debugging, mounts */
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
    "pivot_root", "chroot", "fsopen", "fsmount", "move_mount", "open_tree",
    /* identity, kernel code, keys, namespaces, new processes */
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups", "capset", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "bpf", "keyctl", "add_key", "request_key", "unshare", "setns", "userfaultfd",
    "perf_event_open", "reboot", "swapon", "swapoff", "acct", "personality", "vfork", "fork"};

const char *const *sbx_forbidden(size_t *n)
{
    *n = sizeof forbidden_calls / sizeof *forbidden_calls;
    return forbidden_calls;
}

static volatile sig_atomic_t sbx_refused; /* refusals logged so far (SIGSYS handler) */

/* async-signal-safe: "portreeve: sandbox refused system call N (EPERM)\n" */
static void log_refusal(int nr)
{
    char line[80] = "portreeve: sandbox refused system call ";
    size_t n = strlen(line);
    char digits[12];
    size_t nd = 0;
    unsigned v = nr < 0 ? 0u : (unsigned)nr;
    do
        digits[nd++] = (char)('0' + v % 10);
    while ((v /= 10) && nd < sizeof digits);
    while (nd)
        line[n++] = digits[--nd];
    static const char tail[] = " (EPERM)\n";
    memcpy(line + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    ssize_t w = write(2, line, n);
    (void)w;
}

#if defined(__x86_64__) || defined(__aarch64__)
#define SBX_TRAP 1
/* SCMP_ACT_TRAP lands here: log, and make the call return -EPERM. */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    int saved = errno;
    if (sbx_refused < SBX_LOG_MAX) {
        sbx_refused = sbx_refused + 1;
        log_refusal(si->si_syscall);
    }
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RAX] = -EPERM;
#else
    uc->uc_mcontext.regs[0] = (unsigned long long)-EPERM;
#endif
    errno = saved;
}
#else
#define SBX_TRAP 0
#endif

/* Adds action for each name of the list that this architecture knows. */
static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR || (SBX_SANITIZED && !strcmp(names[i], "ptrace")))
            continue;
        if (seccomp_rule_add(ctx, action, nr, 0) < 0)
            return -1;
    }
    return 0;
}

#define ADD_LIST(ctx, act, l) add_list(ctx, act, l, sizeof l / sizeof *l)

/* Argument n compared with op to a (and b for SCMP_CMP_MASKED_EQ: (arg & a) == b); every
 * field set, unlike libseccomp's SCMP_An macros. */
#define ARG(n, op, a, b) ((struct scmp_arg_cmp){(n), (op), (scmp_datum_t)(a), (scmp_datum_t)(b)})

/* Calls allowed only with some arguments. */
static int add_conditional(scmp_filter_ctx ctx, enum sbx_profile p)
{
    int rc = 0;
    /* sockets: the internet, netlink, local (syslog, the block helper): no packet
     * sockets (the raw handles were opened before) */
    static const int worker_families[] = {AF_INET, AF_INET6, AF_NETLINK, AF_UNIX};
    for (size_t i = 0; p == SBX_WORKER && i < 4; i++)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                               ARG(0, SCMP_CMP_EQ, (scmp_datum_t)worker_families[i], 0));
    if (p == SBX_NFT)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                               ARG(0, SCMP_CMP_EQ, (scmp_datum_t)AF_NETLINK, 0));
    /* threads only (glibc's pthread_create); no new processes. clone3 passes its flags
     * in memory a filter cannot read: ENOSYS makes glibc fall back to clone. */
    if (p == SBX_WORKER)
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               ARG(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    /* ioctl: everything but pushing characters into a terminal */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                           ARG(1, SCMP_CMP_NE, (scmp_datum_t)TIOCSTI, 0));
    /* prctl: thread names only */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                           ARG(0, SCMP_CMP_EQ, PR_SET_NAME, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                           ARG(0, SCMP_CMP_EQ, PR_GET_NAME, 0));
    /* resource limits: read only */
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1, ARG(2, SCMP_CMP_EQ, 0, 0));
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrlimit), 0);
    if (p == SBX_NFT) {
        /* the helper is still uid 0: it may read (libnftables' tables), never write */
        const scmp_datum_t mask = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
        rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                               ARG(2, SCMP_CMP_MASKED_EQ, mask, O_RDONLY));
    }
    return rc < 0 ? -1 : 0;
}

int sbx_install(enum sbx_profile p, struct pr_error *e)
{
#if SBX_TRAP
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0)
        return pr_errf(e, "sandbox: cannot catch SIGSYS: %s", strerror(errno));
    const uint32_t deflt = SCMP_ACT_TRAP;
#else
    const uint32_t deflt = SCMP_ACT_ERRNO(EPERM);
#endif
    scmp_filter_ctx ctx = seccomp_init(deflt);
    if (!ctx)
        return pr_errf(e, "sandbox: seccomp_init failed");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0 &&
        (ADD_LIST(ctx, SCMP_ACT_ALLOW, common_calls) < 0 ||
         (p == SBX_WORKER && ADD_LIST(ctx, SCMP_ACT_ALLOW, worker_calls) < 0) ||
         ADD_LIST(ctx, SCMP_ACT_KILL_PROCESS, forbidden_calls) < 0 || add_conditional(ctx, p) < 0))
        rc = -EINVAL;
#if SBX_SANITIZED
    /* LeakSanitizer's exit-time check stops the world from a traced clone: sanitizer
     * builds (never installed) let it through. */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                              ARG(0, SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ptrace), 0);
#endif
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0)
        return pr_errf(e, "sandbox: cannot install the seccomp filter: %s", strerror(-rc));
    return 0;
}
