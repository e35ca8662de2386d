#!/usr/bin/env bash
# timeout: 90
# parallel: yes
# Resume files are checked before anything is sent (a fresh namespace scanning its own
# loopback; packets counted on lo):
#  - two interrupted scans in one directory leave two files (portreeve-TIME-PID.resume);
#  - a file edited to position 99999999999, -5 or group 4294967295 is refused, exit 2,
#    with a message naming the file, the line and the field, and no packet sent;
#  - a file whose plan changed since (the -iL target file was edited) is refused;
#  - an nmap -oN file is refused as "not a portreeve resume file (nmap resume files are
#    not supported)";
#  - the untouched file resumes (exit 0).
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prrc "$@"
# the scan runs as an unprivileged account after start-up (docs/privileges.md) and writes
# its resume file then: the directory must let that account write
chmod 1777 "$W"
listen_tcp 127.0.0.1 22
tx() { in_ns cat /sys/class/net/lo/statistics/tx_packets; }
printf '127.0.0.1\n127.0.0.2\n' >"$W/targets.txt"

interrupt() { # OUT: a scan stopped after 1 s; prints the resume file it named
    ( cd "$W" && exec ip netns exec "$NS" "$PORTREEVE" scan -sS -Pn -p 1-3000 --max-rate 500 \
        -iL "$W/targets.txt" >/dev/null 2>"$W/$1.err" ) &
    local scan=$!
    sleep 1
    kill -INT $scan
    wait $scan
    sed -n 's/.*resume with: portreeve scan --resume \(portreeve-[0-9-]*\.resume\)$/\1/p' "$W/$1.err"
}
f1=$(interrupt a)
f2=$(interrupt b)
check "two interrupted scans leave two resume files ($f1, $f2)" \
    test -n "$f1" -a -n "$f2" -a "$f1" != "$f2" -a -s "$W/$f1" -a -s "$W/$f2"

refused() { # DESCRIPTION FILE EXPECTED-TEXT
    local before after rc
    before=$(tx)
    ( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan --resume "$2" >"$W/r.out" 2>"$W/r.err" )
    rc=$?
    after=$(tx)
    check "$1: refused, exit 2 ($rc), no packet ($((after - before))): $(head -n 1 "$W/r.err")" \
        sh -c "[ $rc -eq 2 ] && [ $before -eq $after ] && grep -qF -- \"\$1\" '$W/r.err' && [ ! -s '$W/r.out' ]" _ "$3"
}
edit() { # FILE SED-EXPR NEW
    sed "$2" "$W/$1" >"$W/$3"
}
edit "$f1" 's/^position .*/position 99999999999/' pos.resume
line=$(grep -n '^position' "$W/pos.resume" | cut -d: -f1)
refused "position 99999999999" pos.resume "'pos.resume' line $line: position: 99999999999 is past the end"
edit "$f1" 's/^position .*/position -5/' neg.resume
refused "position -5" neg.resume "'neg.resume' line $line: position: '-5' is not a whole number"
edit "$f1" 's/^group .*/group 4294967295/' grp.resume
line=$(grep -n '^group' "$W/grp.resume" | cut -d: -f1)
refused "group 4294967295" grp.resume "'grp.resume' line $line: group: 4294967295 is past the last host group"

cp "$W/$f2" "$W/plan.resume"
cp "$W/targets.txt" "$W/targets.orig"
printf '127.0.0.1\n127.0.0.3\n' >"$W/targets.txt"
refused "the -iL file changed" plan.resume "'plan.resume' line 2: plan: the scan it describes differs"
cp "$W/targets.orig" "$W/targets.txt"

in_ns nmap -sT -Pn -p 22 127.0.0.1 -oN "$W/nmap.txt" >/dev/null 2>&1
check "nmap wrote an -oN file" test -s "$W/nmap.txt"
refused "an nmap -oN file" nmap.txt "not a portreeve resume file (nmap resume files are not supported)"

( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan --resume "$f1" >"$W/ok.out" 2>&1 )
rc=$?
check "the untouched file resumes (exit $rc)" sh -c "[ $rc -eq 0 ] && grep -q 'portreeve done' '$W/ok.out'"
exit $fail
