#!/usr/bin/env bash
# timeout: 90
# Output sinks that fail while a scan runs: a 64 KiB tmpfs (in a private mount namespace,
# unshare -m: no real disk is filled) that fills up during the scan. -oJ of 3000 ports
# does not fit; -oX (collapsed) does. Checked: the failure is reported on stderr while the
# scan is still running (before the scan's own end), named with the reason; the terminal
# summary lists it; the other outputs are whole; the exit code is 3. The same for the
# terminal report itself (stdout on the full tmpfs). A scan whose outputs all fit exits 0.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prfs "$@"
for p in 22 80; do listen_tcp 127.0.0.1 $p; done

cat >"$W/run.sh" <<'EOF'
# in a private mount namespace and the scan's network namespace: $1 portreeve, $2 work dir
set -u
P=$1 W=$2
mkdir -p "$W/full"
mount -t tmpfs -o size=64k tmpfs "$W/full" || exit 99
# 1: -oJ does not fit, -oX does; three host groups of ~0.5 s each, so the first group's
# write fails well before the end; stderr timestamps say when the error came
"$P" scan -sS -Pn -p 1-3000 --max-rate 6000 --max-hostgroup 1 127.0.0.1-3 -oJ "$W/full/x.json" -oX "$W/x.xml" \
    >"$W/out1.txt" 2> >(while IFS= read -r l; do echo "$(date +%s.%N) $l"; done >"$W/err1.txt")
echo $? >"$W/rc1"
date +%s.%N >"$W/end1"
rm -f "$W/full/x.json"
# 2: the terminal report goes to the full tmpfs (filled up first)
head -c 60000 /dev/zero >"$W/full/filler" 2>/dev/null
"$P" scan -sS -Pn -ddd -p 1-3000 127.0.0.1 -oX "$W/y.xml" >"$W/full/out2.txt" 2>"$W/err2.txt"
echo $? >"$W/rc2"
rm -f "$W/full/filler" "$W/full/out2.txt"
# 3: everything fits
"$P" scan -sS -Pn -p 1-100 127.0.0.1 -oJ "$W/full/z.json" >"$W/out3.txt" 2>"$W/err3.txt"
echo $? >"$W/rc3"
umount "$W/full"
EOF
in_ns unshare -m --propagation private bash "$W/run.sh" "$PORTREEVE" "$W"
check "the tmpfs was mounted" test "$(cat "$W/rc1" 2>/dev/null)" != 99

check "-oJ on a full disk: exit 3 ($(cat "$W/rc1"))" test "$(cat "$W/rc1")" = 3
check "the error names the file and the reason" \
    grep -q "writing '$W/full/x.json' failed: No space left on device" "$W/err1.txt"
err_at=$(awk '/x.json. failed/ {print $1; exit}' "$W/err1.txt")
check "it is reported while the scan runs (at ${err_at:-never}, the scan ended at $(cat "$W/end1"))" \
    awk -v a="${err_at:-9e99}" -v b="$(cat "$W/end1")" 'BEGIN { exit !(a + 0.3 < b) }'
check "it is reported once" test "$(grep -c "x.json' failed" "$W/err1.txt")" -eq 1
check "the terminal summary lists it" \
    grep -q "WARNING: output '$W/full/x.json' is incomplete: writing it failed (No space left on device)" "$W/out1.txt"
check "the terminal report is otherwise whole" grep -q "^portreeve done: 3 IP addresses (3 hosts up)" "$W/out1.txt"
check "the other output (-oX) is whole" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.find("runstats/finished").get("exit") == "success"
assert len(r.findall("host")) == 3 and len(r.findall("host/ports/port")) == 2, "hosts, open ports"' "$W/x.xml"

check "stdout on a full disk: exit 3 ($(cat "$W/rc2"))" test "$(cat "$W/rc2")" = 3
check "and says so on stderr" grep -q "writing 'standard output' failed: No space left on device" "$W/err2.txt"
check "the -oX of that scan is whole" grep -q '</nmaprun>' "$W/y.xml"

check "outputs that fit: exit 0 ($(cat "$W/rc3"))" test "$(cat "$W/rc3")" = 0
check "no error message then" test ! -s "$W/err3.txt"
exit $fail
