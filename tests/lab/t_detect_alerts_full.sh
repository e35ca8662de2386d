#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# --alerts on a full disk: a capture with ~200 port scans (made here with scapy) is read
# once with room to spare and once with the alerts file on a 16 KiB tmpfs, mounted in a
# private mount namespace (unshare -m: no real disk is filled). On the full disk every
# write error is reported at once on stderr (a bounded number of lines), counted in the
# summary, the exit code is 3, every line left in the file is whole JSON, and the lines
# written plus the errors counted add up to the alerts of the run with room.
set -u
PORTREEVE=${1:?usage: t_detect_alerts_full.sh /path/to/portreeve}
. "$(dirname "$0")/check.sh"
[ "$(id -u)" = 0 ] || { echo "skip: needs root (mount namespace)"; exit 77; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0

# 200 sources, each a SYN to 30 ports of 198.18.0.2 within 0.3 s, one every 0.25 s
/usr/bin/python3 - "$W/scans.pcap" <<'PY' || exit 1
import sys
from scapy.all import IP, TCP, Ether, wrpcap
pkts = []
t = 1_700_000_000.0
for s in range(200):
    src = "198.19.%d.%d" % (s // 200, 1 + s % 200)
    for k in range(30):
        p = Ether() / IP(src=src, dst="198.18.0.2") / TCP(sport=40000 + s, dport=1000 + k, flags="S")
        p.time = t + s * 0.25 + k * 0.01
        pkts.append(p)
wrpcap(sys.argv[1], pkts)
PY

"$PORTREEVE" detect -r "$W/scans.pcap" -q --alerts "$W/room.json" >"$W/room.out" 2>"$W/room.err"
rc=$?
check "with room: exit 0 (rc=$rc)" test $rc -eq 0
total=$(wc -l <"$W/room.json")
check "with room: $total alert lines (> 150)" test "$total" -gt 150
check "with room: no sink error in the summary" sh -c "! grep -q 'sink write errors' '$W/room.out'"

mkdir "$W/mnt"
unshare -m sh -c 'mount -t tmpfs -o size=16k,mode=1777 tmpfs "$1" || exit 99
    "$2" detect -r "$3" -q --alerts "$1/alerts.json" >"$4/full.out" 2>"$4/full.err"
    echo $? >"$4/full.rc"
    cp "$1/alerts.json" "$4/full.json"' sh "$W/mnt" "$PORTREEVE" "$W/scans.pcap" "$W"
check "the tmpfs was mounted in the private namespace only" test -s "$W/full.rc"
rc=$(cat "$W/full.rc" 2>/dev/null)
echo "full disk: rc=$rc; stderr:"
sed 's/^/  | /' "$W/full.err"
grep summary "$W/full.out" | sed 's/^/  | /'
check "full disk: exit 3 (rc=$rc)" test "$rc" = 3
check "full disk: stderr names the failure" grep -q "portreeve detect: writing the alerts file failed: No space left on device" "$W/full.err"
nerr_lines=$(grep -c 'sink:' "$W/full.err")
check "full disk: stderr lines are bounded ($nerr_lines <= 8)" test "$nerr_lines" -le 8
errors=$(sed -n 's/^summary: alert sink write errors \([0-9]*\).*/\1/p' "$W/full.out")
written=$(wc -l <"$W/full.json")
check "full disk: the summary counts the errors (${errors:-none})" test -n "$errors"
check "full disk: written $written + errors ${errors:-?} = $total alerts" \
    test "$((written + ${errors:-0}))" -eq "$total"
check "full disk: some alerts were written before the disk filled ($written)" test "$written" -gt 5
check "full disk: every line left is whole JSON" /usr/bin/python3 -c '
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "the file ends in half a line"
for n, line in enumerate(data.splitlines(), 1):
    json.loads(line)
' "$W/full.json"
exit $fail
