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

/* Starts reading keys when stdin is a foreground terminal with line buffering and echo on.
 * Returns 1 when keys are read from now on (also when already started), 0 when not
 * (no terminal, background job, PR_NO_KEYS set in the environment). */
int keys_start(void);
/* The next key pressed, without waiting: a byte value 0..255, or -1 when none is waiting
 * or keys are not read. */
int keys_poll(void);
/* Puts the terminal back into the mode keys_start() found. Safe to call at any time. */
void keys_stop(void);

#endif
