/* keys.h — key presses on the terminal while a long run works, as nmap reads them.
 *
 * When standard input is a terminal and portreeve is in its foreground process group,
 * keys_start() turns off line buffering and echo (ICANON, ECHO) so that one key press can
 * be read at once without Enter; everything else of the terminal's mode stays. The mode
 * is put back at every exit: keys_stop(), exit() and return from main (atexit), and the
 * signals that end or stop the process (SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE,
 * SIGPIPE, SIGTSTP; SIGCONT turns it off again). SIGINT and SIGTERM are the caller's: its
 * handler lets the run end normally. Restoring needs no saved copy: only ICANON and ECHO
 * are touched, and only when both were on. Single-threaded use (the main thread). */
#ifndef PR_CORE_KEYS_H
#define PR_CORE_KEYS_H

#include <signal.h>
#include <stdio.h>

/* The levels a run reads while it works and keys change (nmap's run-time interaction):
 * -v, -d and --packet-trace. Owned by the caller (scan_cli), read through pointers by
 * the engines and the output paths; the receive thread reads `ptrace` too, hence one
 * word each. */
struct run_levels {
    volatile sig_atomic_t verbose, debug, ptrace;
    FILE *out; /* where keys_apply's messages go (stdout unless it carries -oX -); NULL: stdout */
};

/* Starts reading keys when stdin is a foreground terminal with line buffering and echo on.
 * Returns 1 when keys are read from now on (also when already started), 0 when not
 * (no terminal, background job, PR_NO_KEYS set in the environment). */
int keys_start(void);
/* The next key pressed, without waiting: a byte value 0..255, or -1 when none is waiting
 * or keys are not read. */
int keys_poll(void);
/* Applies a level key as nmap does: 'v'/'V' verbosity up/down, 'd'/'D' debugging up/down
 * (0 to 9), 'p'/'P' packet tracing on/off, with nmap's message on lv->out ("Verbosity
 * Increased to 2.", "Packet Tracing enabled."). Returns 1 for such a key, 0 for any other
 * (the caller prints the status line for it). lv may be NULL: then no key is a level key. */
int keys_apply(struct run_levels *lv, int key);
/* Puts the terminal back into the mode keys_start() found. Safe to call at any time. */
void keys_stop(void);

#endif
