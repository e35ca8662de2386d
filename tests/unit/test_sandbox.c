/* The seccomp allowlists (core/sandbox): each case installs a filter in a child process
 * and checks what the kernel then lets through: ordinary work and threads run, a syscall
 * missing from the list fails with EPERM and a log line, a forbidden one (execve,
 * setuid, ptrace) kills the process, and the nftables helper may only open read-only. */
#include "core/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

/* Runs body(arg) in a child under profile p with stderr on a pipe; returns the wait
 * status and copies what the child wrote to stderr into err. */
static int in_child(enum sbx_profile p, int (*body)(void), char *err, size_t errlen)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        dup2(pfd[1], 2);
        struct pr_error e = {""};
        if (sbx_install(p, &e) < 0) {
            dprintf(2, "install: %s\n", e.msg);
            _exit(100);
        }
        _exit(body()); /* _exit: no exit-time sanitizer work under the filter */
    }
    close(pfd[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < errlen && (r = read(pfd[0], err + n, errlen - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = 0;
    close(pfd[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* in_child(), expecting the body to return 0 */
static void expect_success(enum sbx_profile p, int (*body)(void), char *err, size_t errlen)
{
    int st = in_child(p, body, err, errlen);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        fprintf(stderr, "child: status %#x, stderr: %s\n", (unsigned)st, err);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void *thread_main(void *arg)
{
    return arg;
}

/* files, sockets, a thread: the work scan and detect do after the switch */
static int ordinary_work(void)
{
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    char buf[4096];
    if (fd < 0 || read(fd, buf, sizeof buf) <= 0 || close(fd) < 0)
        return 1;
    if (!strstr(buf, "Seccomp:\t2"))
        return 2;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int n = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (s < 0 || n < 0)
        return 3;
    close(s);
    close(n);
    pthread_t th;
    void *ret = NULL;
    if (pthread_create(&th, NULL, thread_main, (void *)buf) != 0 || pthread_join(th, &ret) != 0 ||
        ret != buf)
        return 4;
    return 0;
}

static void test_worker_allows_ordinary_work(void **state)
{
    (void)state;
    char err[512];
    expect_success(SBX_WORKER, ordinary_work, err, sizeof err);
    assert_string_equal(err, "");
}

/* not on any list: EPERM and one line naming the number */
static int unlisted_syscall(void)
{
    errno = 0;
    long r = syscall(SYS_getcpu, NULL, NULL, NULL);
    if (r != -1 || errno != EPERM)
        return 1;
    /* a packet socket (the raw handles are opened before the filter) */
    if (socket(AF_PACKET, SOCK_RAW, 0) >= 0 || errno != EPERM)
        return 2;
#if !defined(__SANITIZE_ADDRESS__) /* sanitizer builds let clone through for LeakSanitizer */
    /* a new process */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid != -1 || errno != EPERM)
        return 3;
#endif
    return 0;
}

static void test_unlisted_is_refused_and_logged(void **state)
{
    (void)state;
    char err[512];
    expect_success(SBX_WORKER, unlisted_syscall, err, sizeof err);
    char want[80];
    snprintf(want, sizeof want, "sandbox refused system call %d (EPERM)", SYS_getcpu);
    assert_non_null(strstr(err, want));
}

static int try_execve(void)
{
    char *const argv[] = {"/bin/true", NULL};
    execve("/bin/true", argv, NULL);
    return 10; /* not reached: killed */
}

static int try_setuid(void)
{
    (void)syscall(SYS_setuid, 0); /* not glibc's: it would signal every thread first */
    return 10;
}

static int try_ptrace(void)
{
    (void)syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0);
    return 10;
}

static void test_forbidden_kills(void **state)
{
    (void)state;
    int (*const bodies[])(void) = {try_execve, try_setuid, try_ptrace};
    size_t nb = sizeof bodies / sizeof *bodies;
#if defined(__SANITIZE_ADDRESS__)
    nb = 2; /* sanitizer builds let ptrace through for LeakSanitizer */
#endif
    for (size_t i = 0; i < nb; i++) {
        char err[512];
        int st = in_child(SBX_WORKER, bodies[i], err, sizeof err);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGSYS);
    }
    size_t n = 0;
    const char *const *names = sbx_forbidden(&n);
    int has_execve = 0, has_bpf = 0;
    for (size_t i = 0; i < n; i++) {
        has_execve |= !strcmp(names[i], "execve");
        has_bpf |= !strcmp(names[i], "bpf");
    }
    assert_true(has_execve && has_bpf);
}

/* the helper: read-only opens, netlink only, no files written, no other sockets */
static int nft_limits(void)
{
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    close(fd);
    if (open("/dev/null", O_WRONLY | O_CLOEXEC) >= 0 || errno != EPERM)
        return 2;
    if (open("/tmp/portreeve-sandbox-test", O_RDONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 ||
        errno != EPERM)
        return 3;
    int n = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (n < 0)
        return 4;
    close(n);
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EPERM)
        return 5;
    return 0;
}

static void test_nft_profile(void **state)
{
    (void)state;
    char err[1024];
    expect_success(SBX_NFT, nft_limits, err, sizeof err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worker_allows_ordinary_work),
        cmocka_unit_test(test_unlisted_is_refused_and_logged),
        cmocka_unit_test(test_forbidden_kills),
        cmocka_unit_test(test_nft_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
