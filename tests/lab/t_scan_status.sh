#!/usr/bin/env bash
# timeout: 60
# The status line of a scan, on 127.0.0.0/8 only (no namespace needed):
# - a large range (127.0.0.0/14, 262144 hosts, one port) shows a Stats line on stderr
#   within about a second, in host discovery ("ping scan") and with -Pn in the SYN scan
#   (it used to be silent for the first 15 s); stdin is not a terminal here;
# - on a terminal (a pty, tests/tools/status_pty.py) a key press prints the line at once
#   and is not echoed, Ctrl-C ends the scan with 130, and line buffering and echo are back
#   after the scan and after a SIGHUP that kills it.
set -u
PORTREEVE=$(readlink -f "${1:-build/portreeve}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (raw sockets)"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
LIMIT=2.0 # seconds; about 1 s on an idle machine, with room for a loaded one

# first_stats WHAT ARGS...: runs the scan for 3 s (then SIGINT) and prints the seconds
# from its start to its first Stats line that names WHAT, and that line ("none" when
# there was none).
first_stats() {
    (cd "$WORK" && python3 -c '
import signal, subprocess, sys, threading, time
what, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, text=True)
threading.Timer(3, p.send_signal, [signal.SIGINT]).start()
first = None
for line in p.stderr:
    if first is None and line.startswith("Stats:") and what in line:
        first, sample = time.monotonic() - t0, line.rstrip()
p.wait()
print("none" if first is None else "%.2f (%s)" % (first, sample))' \
        "$1" "$PORTREEVE" scan "${@:2}" -oN /dev/null)
}
for run in "ping scan|127.0.0.0/14 -p 80" "syn scan|-Pn -sS 127.0.0.0/14 -p 80"; do
    what=${run%%|*}
    # shellcheck disable=SC2086
    t=$(first_stats "$what" ${run#*|})
    if [ "$t" != none ] && python3 -c "import sys; sys.exit(not float('${t%% *}') <= $LIMIT)"; then
        echo "ok: scan ${run#*|}: first '$what' status line after $t s"
    else
        echo "FAIL: scan ${run#*|}: first '$what' status line after $t s (at most $LIMIT s)"
        fail=1
    fi
done

python3 "$ROOT/tests/tools/status_pty.py" "$PORTREEVE" "$WORK" || fail=1
[ $fail = 0 ] && echo PASS || echo FAIL
exit $fail
