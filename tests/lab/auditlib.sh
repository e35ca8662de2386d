# auditlib.sh — helpers for the audit lab tests (sourced after scanlib.sh's scan_test_setup).
#   audit_flow DB        the compliant / new listener / listener gone flow against target A,
#                        history in DB (an SQLite path or a postgresql:// URI)
#   listen_a PORT        a python3 TCP listener inside target A (pid in LISTEN_PID)
#   check DESC CMD...    prints ok/FAIL, sets fail=1 on failure
# Uses PORTREEVE, WORK and the lab variables; keeps scans to a few ports.

fail=0
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

AUDIT_PORTS=22,53,80,443,8000-8003
NEW_PORT=8001

write_policy() { # file
    cat >"$1" <<POL
# lab policy: target A runs ssh, dns, http, https
[defaults]
missing = violation

[target-a]
hosts = $LAB_A
tcp = 22, 53, 80, 443
POL
}

listen_a() { # port
    ip netns exec "$LAB_NS_A" timeout 120 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(16); time.sleep(120)' "$1" &
    LISTEN_PID=$!
    for _ in $(seq 50); do
        ip netns exec "$LAB_NS_A" ss -ltn | grep -q ":$1 " && return 0
        sleep 0.1
    done
    echo "listener on $1 did not start"
    return 1
}

stop_listener() {
    kill "$LISTEN_PID" 2>/dev/null
    wait "$LISTEN_PID" 2>/dev/null
    for _ in $(seq 50); do
        ip netns exec "$LAB_NS_A" ss -ltn | grep -q ":$NEW_PORT " || return 0
        sleep 0.1
    done
    return 1
}

pr_audit() { # out-file, audit args...
    local out=$1
    shift
    ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" audit -sS -Pn -T4 -p "$AUDIT_PORTS" "$@" \
        >"$out" 2>"$out.err"
}

audit_flow() { # db
    local db=$1 rc
    write_policy "$WORK/policy.ini"
    pr_audit "$WORK/run1.txt" --policy "$WORK/policy.ini" --db "$db" -oX "$WORK/run1.xml"
    rc=$?
    sed 's/^/  | /' "$WORK/run1.txt" "$WORK/run1.txt.err"
    check "compliant target: exit 0" test "$rc" = 0
    check "compliant target: COMPLIANT" grep -q '^COMPLIANT: 0 violations' "$WORK/run1.txt"

    listen_a "$NEW_PORT" || return 1
    pr_audit "$WORK/run2.txt" --policy "$WORK/policy.ini" --db "$db" -oX "$WORK/run2.xml" \
        --html "$WORK/report.html"
    rc=$?
    sed 's/^/  | /' "$WORK/run2.txt" "$WORK/run2.txt.err"
    check "new listener: exit 1" test "$rc" = 1
    check "new listener: names host, port and protocol" \
        grep -Eq "^  unexpected-open $LAB_A $NEW_PORT/tcp: open" "$WORK/run2.txt"
    check "new listener: change since run 1 names it" \
        grep -Eq "^  $NEW_PORT/tcp on $LAB_A: open \(was closed\)" "$WORK/run2.txt"

    stop_listener || { echo "listener did not stop"; return 1; }
    pr_audit "$WORK/run3.txt" --policy "$WORK/policy.ini" --db "$db" -oX "$WORK/run3.xml"
    rc=$?
    sed 's/^/  | /' "$WORK/run3.txt" "$WORK/run3.txt.err"
    check "listener gone: exit 0" test "$rc" = 0
    check "listener gone: the diff names the port that closed" \
        grep -Eq "^  $NEW_PORT/tcp on $LAB_A: closed \(was open\)" "$WORK/run3.txt"

    ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" history --db "$db" >"$WORK/history.txt" 2>&1
    sed 's/^/  | /' "$WORK/history.txt"
    check "history lists the three audits" \
        test "$(grep -c " audit .*policy.ini" "$WORK/history.txt")" -ge 3
    local ids
    ids=$(awk '/ audit / {print $1}' "$WORK/history.txt" | tail -n 2 | tr '\n' ' ')
    # shellcheck disable=SC2086
    ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" diff --db "$db" $ids >"$WORK/diff23.txt" 2>&1
    rc=$?
    sed 's/^/  | /' "$WORK/diff23.txt"
    check "diff of the last two runs: exit 1 (changed)" test "$rc" = 1
    check "diff of the last two runs names $NEW_PORT/tcp" \
        grep -Eq "^-$NEW_PORT/tcp +open" "$WORK/diff23.txt"
}
