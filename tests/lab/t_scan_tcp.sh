#!/usr/bin/env bash
# timeout: 400
# Every TCP technique over 1024 ports of lab target A (open, closed, DROP, REJECT with
# reset, REJECT with ICMP port-unreachable and admin-prohibited): portreeve's state for
# every port equals the lab's truth, and nmap 7.93 agrees except where nmap is known to be
# wrong (ICMP rate limiting hides REJECT-ICMP ports from FIN/NULL/Xmas/Maimon; connect()
# cannot tell an ICMP port-unreachable from a reset, so nmap -sT calls those closed).
set -u
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
PORTS=1-1024
for tech in connect syn fin null xmas maimon ack window; do
    case $tech in
    connect) flag=-sT allowed="reject-port-unreach" ;;
    syn) flag=-sS allowed="" ;;
    fin) flag=-sF allowed="reject-port-unreach reject-admin" ;;
    null) flag=-sN allowed="reject-port-unreach reject-admin" ;;
    xmas) flag=-sX allowed="reject-port-unreach reject-admin" ;;
    maimon) flag=-sM allowed="reject-port-unreach reject-admin" ;;
    ack) flag=-sA allowed="" ;;
    window) flag=-sW allowed="" ;;
    esac
    start=$SECONDS
    if ! pr_scan $flag -Pn -p $PORTS "$LAB_A" -oX "$WORK/$tech.xml" >"$WORK/$tech.txt" 2>&1; then
        echo "FAIL $tech: portreeve exited non-zero"; cat "$WORK/$tech.txt"; fail=1; continue
    fi
    took=$((SECONDS - start))
    if check_truth $tech "$LAB_A" $PORTS "$WORK/$tech.xml" >"$WORK/$tech.cmp"; then
        echo "ok   $tech: every port matches the truth (${took}s)"
    else
        echo "FAIL $tech: portreeve differs from the truth"; cat "$WORK/$tech.cmp"; fail=1
    fi
    start=$SECONDS
    nmap_scan $flag -Pn -T4 -p $PORTS "$LAB_A" -oX "$WORK/nmap-$tech.xml" >/dev/null 2>&1
    echo "     nmap $flag took $((SECONDS - start))s"
    nmap_disagreements $tech "$LAB_A" $PORTS "$WORK/nmap-$tech.xml" "$allowed" || fail=1
done
exit $fail
