/* keys.c — see keys.h. */
#include "core/keys.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t keys_on;         /* 1: the terminal is in keys_start()'s mode */
static volatile sig_atomic_t keys_registered; /* 1: at_exit() is registered with atexit */

static const int end_signals[] = {SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGPIPE};

/* Both async-signal-safe: tcgetattr and tcsetattr are. */
static void tty_raw(int on)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) < 0)
        return;
    if (on)
        t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    else
        t.c_lflag |= (tcflag_t)(ICANON | ECHO);
    (void)tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void on_end_signal(int sig)
{
    if (keys_on) {
        keys_on = 0;
        tty_raw(0);
    }
    /* SA_RESETHAND put the default action back: the signal now does what it would have */
    raise(sig);
}

static void on_tstp(int sig)
{
    (void)sig;
    if (keys_on)
        tty_raw(0); /* keys_on stays 1: SIGCONT sets the mode again */
    signal(SIGTSTP, SIG_DFL);
    raise(SIGTSTP);
}

static void handle(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(sig, &sa, NULL);
}

static void on_cont(int sig)
{
    (void)sig;
    if (keys_on && tcgetpgrp(STDIN_FILENO) == getpgrp())
        tty_raw(1);
    handle(SIGTSTP, on_tstp, SA_RESTART);
}

static void at_exit(void)
{
    keys_stop();
}

int keys_start(void)
{
    if (keys_on)
        return 1;
    struct termios t;
    const char *no = getenv("PR_NO_KEYS");
    if ((no && *no) || !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != getpgrp() ||
        tcgetattr(STDIN_FILENO, &t) < 0 || (t.c_lflag & (ICANON | ECHO)) != (ICANON | ECHO))
        return 0;
    for (size_t i = 0; i < sizeof end_signals / sizeof end_signals[0]; i++) {
        struct sigaction old;
        /* a signal the caller ignores (nohup) stays ignored */
        if (sigaction(end_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        handle(end_signals[i], on_end_signal, (int)SA_RESETHAND);
    }
    handle(SIGTSTP, on_tstp, SA_RESTART);
    handle(SIGCONT, on_cont, SA_RESTART);
    if (!keys_registered) {
        keys_registered = 1;
        atexit(at_exit);
    }
    keys_on = 1;
    tty_raw(1);
    return 1;
}

int keys_poll(void)
{
    if (!keys_on)
        return -1;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    unsigned char c;
    if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN) || read(STDIN_FILENO, &c, 1) != 1)
        return -1;
    return c;
}

void keys_stop(void)
{
    if (!keys_on)
        return;
    keys_on = 0;
    tty_raw(0);
}

int keys_apply(struct run_levels *lv, int key)
{
    if (!lv)
        return 0;
    FILE *f = lv->out ? lv->out : stdout;
    switch (key) {
    case 'v':
    case 'V':
        if (key == 'v' ? lv->verbose < 10 : lv->verbose > 0)
            lv->verbose += key == 'v' ? 1 : -1;
        fprintf(f, "Verbosity %s to %d.\n", key == 'v' ? "Increased" : "Decreased",
                (int)lv->verbose);
        break;
    case 'd':
    case 'D':
        if (key == 'd' ? lv->debug < 9 : lv->debug > 0)
            lv->debug += key == 'd' ? 1 : -1;
        fprintf(f, "Debugging %s to %d.\n", key == 'd' ? "Increased" : "Decreased", (int)lv->debug);
        break;
    case 'p':
    case 'P':
        lv->ptrace = key == 'p';
        fprintf(f, "Packet Tracing %s.\n", key == 'p' ? "enabled" : "disabled");
        break;
    default:
        return 0;
    }
    fflush(f);
    return 1;
}
