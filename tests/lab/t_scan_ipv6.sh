#!/usr/bin/env bash
# timeout: 200
# parallel: yes
# IPv6: connect and SYN scans of lab target A over IPv6 (ports 1-1024): every port's state
# equals the lab's truth (the same nftables rules apply to IPv6 through table inet), and
# nmap -6 agrees where it can tell (ICMPv6 port-unreachable vs reset for -sT, as for IPv4).
set -u
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
PORTS=1-1024
for tech in syn connect; do
    flag=-sS allowed=""
    [ $tech = connect ] && flag=-sT allowed="reject-port-unreach"
    if ! pr_scan -6 $flag -p $PORTS "$LAB_A6" -oX "$WORK/$tech.xml" >"$WORK/$tech.txt" 2>&1; then
        echo "FAIL $tech: portreeve exited non-zero"; cat "$WORK/$tech.txt"; fail=1; continue
    fi
    if ! grep -q "Host is up" "$WORK/$tech.txt"; then
        echo "FAIL $tech: host discovery over IPv6 did not find $LAB_A6"; cat "$WORK/$tech.txt"; fail=1
    fi
    if check_truth $tech "$LAB_A6" $PORTS "$WORK/$tech.xml" >"$WORK/$tech.cmp"; then
        echo "ok   -6 $tech: every port matches the truth"
    else
        echo "FAIL -6 $tech: portreeve differs from the truth"; cat "$WORK/$tech.cmp"; fail=1
    fi
    nmap_scan -6 $flag -Pn -T4 -p $PORTS "$LAB_A6" -oX "$WORK/nmap-$tech.xml" >/dev/null 2>&1
    nmap_disagreements $tech "$LAB_A6" $PORTS "$WORK/nmap-$tech.xml" "$allowed" || fail=1
done
exit $fail
