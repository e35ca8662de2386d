#!/usr/bin/env bash
# timeout: 180
# Privileges: without root or CAP_NET_RAW, -sS falls back to a connect scan with a notice
# (as nmap does) and still finds the listener; FIN/UDP scans refuse with a clear message
# and exit 2. As root, once the raw sockets are open the scanning process runs as an
# unprivileged account (--user, default portreeve or nobody), holds no capability at all,
# has no-new-privs set and a seccomp filter (read from /proc/PID/status mid-scan), also
# under -sU -sV; --no-sandbox leaves the filter out; an unknown --user is an error.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prpriv "$@"
chmod 755 "$W"
listen_tcp 127.0.0.1 8080
as_nobody() { ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    --inh-caps=-all --bounding-set=-all "$@"; }

as_nobody "$PORTREEVE" scan -sS -p 1-100,8080 127.0.0.1 >"$W/u.out" 2>"$W/u.err"
rc=$?
check "unprivileged -sS exits 0 (rc=$rc)" test $rc -eq 0
check "unprivileged -sS says it falls back to -sT" grep -q "falling back to a connect scan" "$W/u.err"
check "the connect scan finds 8080 open" grep -Eq '^8080/tcp +open' "$W/u.out"
check "closed ports are conn-refused" grep -q "closed tcp ports (conn-refused)" "$W/u.out"

as_nobody "$PORTREEVE" scan -sF -p 80 127.0.0.1 >"$W/f.out" 2>"$W/f.err"
rc=$?
check "unprivileged -sF exits 2 (rc=$rc)" test $rc -eq 2
check "unprivileged -sF names the missing privilege" grep -q "needs root or CAP_NET_RAW" "$W/f.err"
as_nobody "$PORTREEVE" scan -sU -p 53 127.0.0.1 >/dev/null 2>"$W/uu.err"
check "unprivileged -sU exits 2" test $? -eq 2

# as root: slow scans (--max-rate 300) so that we can look at the process mid-run.
# mid_run PID: waits (at most 3 s of the scan's ~3.5 s: a loaded machine may slow the
# start-up) until the drop is seen, then leaves /proc/PID/status in $status
mid_run() {
    for _ in $(seq 30); do
        status=$(cat "/proc/$1/status" 2>/dev/null)
        grep -q "^Seccomp:.2" <<<"$status" && grep -q "^CapEff:.0000000000000000" <<<"$status" &&
            break
        sleep 0.1
    done
}
# all_nonzero FIELD: every id on the Uid:/Gid: line of $status is non-zero
all_nonzero() { awk -v f="$1:" '$1 == f { n = NF - 1; for (i = 2; i <= NF; i++) if ($i == 0) n = 0 }
                                END { exit !(n == 4) }' <<<"$status"; }
check_dropped() { # LABEL
    local capeff capprm nnp sec uid
    capeff=$(awk '/^CapEff:/ {print $2}' <<<"$status")
    capprm=$(awk '/^CapPrm:/ {print $2}' <<<"$status")
    nnp=$(awk '/^NoNewPrivs:/ {print $2}' <<<"$status")
    sec=$(awk '/^Seccomp:/ {print $2}' <<<"$status")
    uid=$(awk '/^Uid:/ {print $2"/"$3"/"$4"/"$5}' <<<"$status")
    check "$1 mid-run: CapEff=$capeff is empty" test "$capeff" = 0000000000000000
    check "$1 mid-run: CapPrm=$capprm is empty" test "$capprm" = 0000000000000000
    check "$1 mid-run: NoNewPrivs=$nnp" test "$nnp" = 1
    check "$1 mid-run: Seccomp=$sec (filter)" test "$sec" = 2
    check "$1 mid-run: Uid $uid all non-zero" all_nonzero Uid
    check "$1 mid-run: Gid all non-zero" all_nonzero Gid
}
ip netns exec "$NS" "$PORTREEVE" scan -sS -Pn --max-rate 300 -p 1-1000,8080 127.0.0.1 >"$W/r.out" 2>&1 &
pid=$!
pids+=($pid)
mid_run $pid
check_dropped "root -sS"
want_user=nobody
getent passwd portreeve >/dev/null && want_user=portreeve
check "root -sS runs as $want_user" test "$(awk '/^Uid:/ {print $2}' <<<"$status")" = "$(id -u $want_user)"
wait $pid
check "the root scan still completes" grep -Eq '^8080/tcp +open' "$W/r.out"
check "no system call was refused" sh -c "! grep -q 'sandbox refused' '$W/r.out'"

# UDP and -sV (threads, epoll, connect sockets) under the filter, as a named --user.
# --version-light: the listener never answers, so every probe runs to its timeout; the
# light set (19 s here, the default intensity 44 s) already sends several probes over
# several connections, which is what the filter must allow
ip netns exec "$NS" "$PORTREEVE" scan -sS -sU -sV --version-light -Pn --user daemon --max-rate 300 \
    -p T:1-500,T:8080,U:1-300 127.0.0.1 >"$W/v.out" 2>&1 &
pid=$!
pids+=($pid)
mid_run $pid
check_dropped "root -sS -sU -sV --user daemon"
check "--user daemon is obeyed" test "$(awk '/^Uid:/ {print $2}' <<<"$status")" = "$(id -u daemon)"
wait $pid
check "the -sV scan exits 0" test $? -eq 0
check "the -sV scan still finds 8080" grep -Eq '^8080/tcp +open' "$W/v.out"
check "no system call was refused under -sV" sh -c "! grep -q 'sandbox refused' '$W/v.out'"

# --no-sandbox (debugging): no filter, still unprivileged; an unknown --user is refused
ip netns exec "$NS" "$PORTREEVE" scan -sS -Pn --no-sandbox --max-rate 300 -p 1-1000 127.0.0.1 \
    >/dev/null 2>&1 &
pid=$!
pids+=($pid)
sleep 1.5
status=$(cat "/proc/$pid/status" 2>/dev/null)
check "--no-sandbox: Seccomp=0" grep -q "^Seccomp:.0" <<<"$status"
check "--no-sandbox: still not root" all_nonzero Uid
wait $pid
ip netns exec "$NS" "$PORTREEVE" scan -sS -Pn --user no-such-account-pr -p 22 127.0.0.1 \
    >/dev/null 2>"$W/nouser.err"
check "an unknown --user fails (exit 3)" test $? -eq 3
check "and names the account" grep -q "no account named 'no-such-account-pr'" "$W/nouser.err"
exit $fail
