#!/usr/bin/env python3
"""status_pty.py — the scan's status line and key presses, on a pseudo-terminal.

Usage: status_pty.py PORTREEVE WORKDIR
Runs `portreeve scan` on 127.0.0.1 only (65535 ports at --max-rate 3000: too small for
the one-second line, long enough to press keys) with the pty as its terminal, and checks:
  key    a key pressed at 1 s prints a Stats line at once (before the 3 s a quiet scan
         waits), without echoing the key; Ctrl-C on the terminal ends the scan with exit
         130; line buffering and echo are on again afterwards;
  hup    while the scan runs, line buffering and echo are off; SIGHUP kills the scan and
         the terminal has them back on;
  levels (standard output on the terminal too) v, d, p and P as nmap: "Verbosity
         Increased to 1.", "Debugging Increased to 1.", "Packet Tracing enabled." followed
         by SENT lines of the probes, "Packet Tracing disabled." after which they stop.
Prints one line per check; exit 0 when all pass, 1 otherwise."""
import os
import pty
import select
import signal
import sys
import termios
import time

PROG, WORK = os.path.abspath(sys.argv[1]), sys.argv[2]
ARGS = [PROG, "scan", "-Pn", "-sS", "127.0.0.1", "-p", "1-65535", "--max-rate", "3000",
        "-oN", os.devnull]
fails = 0


def check(ok, what):
    global fails
    print(("ok: " if ok else "FAIL: ") + what)
    fails += 0 if ok else 1


def start(stdout_too=False):
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(WORK)  # the resume file of a stopped scan goes here
        null = os.open(os.devnull, os.O_WRONLY)
        if not stdout_too:
            os.dup2(null, 1)  # normal output away; stderr (the status line) on the terminal
        os.execv(PROG, ARGS)
    return pid, fd, time.monotonic()


def read_until(fd, t0, deadline, out):
    """Reads what the scan writes until `deadline` seconds after t0; appends
    (seconds, text) pieces to out. Returns False at end of file."""
    while True:
        left = t0 + deadline - time.monotonic()
        if left <= 0:
            return True
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return True
        try:
            data = os.read(fd, 4096)
        except OSError:
            return False
        if not data:
            return False
        out.append((time.monotonic() - t0, data.decode(errors="replace")))


def line_mode(fd):
    lflag = termios.tcgetattr(fd)[3]
    return bool(lflag & termios.ICANON), bool(lflag & termios.ECHO)


def finish(pid, fd, t0, out, limit):
    read_until(fd, t0, limit, out)
    end = time.monotonic() + 5
    while time.monotonic() < end:
        wpid, status = os.waitpid(pid, os.WNOHANG)
        if wpid:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


# key: a key press prints the status line at once
pid, fd, t0 = start()
out = []
read_until(fd, t0, 1.0, out)
check(line_mode(fd) == (False, False), "while scanning, the terminal has no line buffering and no echo")
quiet = "".join(t for _, t in out)
os.write(fd, b"x")
tkey = time.monotonic() - t0
read_until(fd, t0, 2.4, out)
stats = [(t, s) for t, s in out if "Stats:" in s]
before = "".join(s for t, s in out if t < (stats[0][0] if stats else 99))
check("Stats:" not in quiet, "no status line before the key (first second of a small scan)")
check(bool(stats) and stats[0][0] - tkey < 1.0,
      "a key pressed at %.1f s printed the status line at %s s" %
      (tkey, "%.2f" % stats[0][0] if stats else "never"))
check("x" not in before.replace("\r", ""), "the key was not echoed")
os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT
tint = time.monotonic() - t0
status = finish(pid, fd, t0, out, tint + 3)
code = os.waitstatus_to_exitcode(status) if status is not None else None
check(code == 130, "Ctrl-C on the terminal: exit %s (130 expected)" % code)
check(line_mode(fd) == (True, True), "after the scan, line buffering and echo are back")
os.close(fd)

# hup: a fatal signal restores the terminal too
pid, fd, t0 = start()
out = []
read_until(fd, t0, 1.0, out)
mode = line_mode(fd)
os.kill(pid, signal.SIGHUP)
status = finish(pid, fd, t0, out, 3)
check(mode == (False, False) and status is not None and os.WIFSIGNALED(status)
      and os.WTERMSIG(status) == signal.SIGHUP, "SIGHUP ends the scan (killed by SIGHUP)")
check(line_mode(fd) == (True, True), "after SIGHUP, line buffering and echo are back")
os.close(fd)

# levels: keys that change -v, -d and --packet-trace while the scan runs
pid, fd, t0 = start(stdout_too=True)
out = []
read_until(fd, t0, 0.8, out)
marks = {}
for key, until in ((b"v", 1.1), (b"d", 1.4), (b"p", 1.9), (b"P", 2.4)):
    marks[key] = len(out)
    os.write(fd, key)
    read_until(fd, t0, until, out)
os.write(fd, b"\x03")
finish(pid, fd, t0, out, time.monotonic() - t0 + 3)
os.close(fd)


def text(a, b=None):
    return "".join(s for _, s in out[a:b]).replace("\r", "")


check("Verbosity Increased to 1." in text(marks[b"v"], marks[b"d"]), "key v: verbosity up")
check("Debugging Increased to 1." in text(marks[b"d"], marks[b"p"]), "key d: debugging up")
traced = text(marks[b"p"], marks[b"P"])
check("Packet Tracing enabled." in traced and "\nSENT (" in traced,
      "key p: packet trace on, SENT lines follow (%d)" % traced.count("\nSENT ("))
after = text(marks[b"P"])
tail = after.split("Packet Tracing disabled.", 1)
# lines already formatted when the key was read may still come: allow a few
check(len(tail) == 2 and tail[1].count("SENT (") < 64,
      "key P: packet trace off (%d SENT lines after it)" % (tail[1].count("SENT (") if len(tail) == 2 else -1))
sys.exit(1 if fails else 0)
