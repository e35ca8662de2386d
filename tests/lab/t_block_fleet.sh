#!/usr/bin/env bash
# timeout: 150
# t_block_fleet.sh — fleet decisions through PostgreSQL: three sensor namespaces and one
# PostgreSQL server that this test starts (Debian's binaries, as t_audit_pg.sh: a Unix
# socket only, no TCP). Sensor 1 runs `detect --db URI --block`; sensors 2 and 3 run
# `block --sync URI` (sensor 3 with --allow for the second scanner address). An nmap -sS of
# sensor 1 from the scanner namespace: the decision is in the database (source, scan,
# evidence, sensor, expiry), the scanner is in the nft sets of sensors 2 and 3 within 1 s
# of the decision's time, and after --block-time it is gone from all three. PostgreSQL is
# then stopped and started again: both syncs reconnect and reload (a decision inserted
# without NOTIFY before the stop, not applied until then, is applied), and a second scan (from
# a second scanner address) is decided by sensor 1 (whose connection comes back too),
# applied on sensor 2 and not on sensor 3, which allowlists it. A decision revoked by
# `block --db URI unblock` before the restart is not applied by the reload, and the
# retention deleted the rows that ended 40 days ago (not one that ended yesterday).
# Fleet-wide unblock: a third scanner address is blocked on all three sensors (sensor 1 runs
# a sync too), `block --db URI unblock ADDR` lifts it from all three sets within 1 s of the
# command, the row stays with who/when/why; a later scan from it is blocked again by a new
# decision. SIGTERM stops a sync with 0. Sections 4 and 5 run sensor 1 with `--workers 2`
# (issue 18; one engine where there is a single CPU): its decisions reach the store and the
# fleet as one engine's do, it writes no passive inventory (one engine's stop did), and the
# delay from the blocked alert's time to the decision is printed for both.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/pglib.sh"
pg_lab_check || exit 77
command -v nmap >/dev/null || { echo "skip: no nmap"; exit 77; }
. "$LAB_LIB_DIR/nslib.sh"
ns_test_setup fl "$@" # NS: sensor 1
BLOCK_TIME=5
S1=198.18.7.2 SCAN=198.18.7.1 SCAN2=198.18.7.3 SCAN3=198.18.7.4
ns_peer fp "$S1" "$SCAN" # PEER: the scanner
ip -n "$PEER" addr add "$SCAN2/24" dev "$PEER_IF"
ip -n "$PEER" addr add "$SCAN3/24" dev "$PEER_IF"
S2=fl2s$$ S3=fl3s$$
fleet_cleanup() {
    local p
    { # (a group so that the shell's notices of the ended jobs go nowhere)
        for p in "${pids[@]}"; do kill "$p"; done
        wait
    } 2>/dev/null
    pg_lab_down
    ip netns del "$S2" 2>/dev/null
    ip netns del "$S3" 2>/dev/null
    ns_test_cleanup
}
trap fleet_cleanup EXIT
for s in "$S2" "$S3"; do ip netns add "$s" && ip -n "$s" link set lo up || exit 1; done

# PostgreSQL on a Unix socket in a temporary directory
pg_lab_init && pg_lab start || exit 1
pg_lab_open

# the syncs (sensor 3 allowlists the second scanner address), then the detector
sync_start() { # NAME NETNS ARGS...
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$PORTREEVE" block --sync "$URI" "$@" >"$W/$name.out" 2>"$W/$name.err" &
    pids+=($!)
    eval "${name}_pid=$!"
}
sync_start sync1 "$NS" # sensor 1 is a firewall host too: revocations reach it this way
sync_start sync2 "$S2"
sync_start sync3 "$S3" --allow "$SCAN2/32"
listen_tcp "$S1" 8080
# --scan-idle 3: a scan ends after 3 s of silence, so that a later scan is a new one
ip netns exec "$NS" "$PORTREEVE" detect -i "$NS_IF" -q --block --block-time "${BLOCK_TIME}s" \
    --scan-idle 3 --db "$URI" --sensor sensor-1 --alerts "$W/s1.json" >"$W/s1.out" 2>"$W/s1.err" &
det_pid=$!
pids+=($det_pid)
for _ in $(seq 100); do grep -q listening "$W/s1.err" && break; sleep 0.1; done
grep -q listening "$W/s1.err" || { cat "$W/s1.err"; echo "FAIL: detector did not start"; exit 1; }
for n in sync1 sync2 sync3; do
    for _ in $(seq 100); do grep -q listening "$W/$n.err" && break; sleep 0.1; done
    check "$n synchronised and listening" grep -q 'synchronised: 0 decisions.*listening' "$W/$n.err"
done
# privileges (docs/privileges.md): CAP_NET_ADMIN only (bit 12), no-new-privs, seccomp
grep -E '^(CapEff|NoNewPrivs|Seccomp):' "/proc/$sync3_pid/status"
check "a sync keeps only CAP_NET_ADMIN under a seccomp filter" sh -c \
    "grep -q '^CapEff:[[:space:]]*0000000000001000$' /proc/$sync3_pid/status &&
     grep -q '^NoNewPrivs:[[:space:]]*1$' /proc/$sync3_pid/status &&
     grep -q '^Seccomp:[[:space:]]*2$' /proc/$sync3_pid/status"
check "the schema is at version 6" test "$(PSQL 'SELECT MAX(version) FROM schema_version')" = 6

in_set() { # NETNS ADDR: is ADDR in the block set of NETNS?
    ip netns exec "$1" nft list set inet portreeve blocklist 2>/dev/null |
        grep -qE "(^|[^0-9.])${2//./\\.}([^0-9.]|$)"
}
# watch_set NAME NETNS ADDR: in the background, the time ADDR is first in the set of NETNS
# ($W/NAME.in) and then first gone from it ($W/NAME.gone), every 20 ms, at most 2 x 40 s
watch_set() {
    (
        for _ in $(seq 2000); do in_set "$2" "$3" && { date +%s.%N >"$W/$1.in"; break; }; sleep 0.02; done
        for _ in $(seq 2000); do in_set "$2" "$3" || { date +%s.%N >"$W/$1.gone"; break; }; sleep 0.02; done
    ) &
    pids+=($!)
}
scan() { # ADDR: an nmap -sS of sensor 1 from the scanner at ADDR (at most 20 s; scan_pid)
    ip netns exec "$PEER" timeout 20 nmap -n -Pn -sS -T4 --max-retries 1 -S "$1" -e "$PEER_IF" \
        -p 1-200,8080 "$S1" >>"$W/nmap-$1.txt" 2>&1 &
    scan_pid=$!
    pids+=($!)
}
decided() { # ADDR: decided_us of its first decision, "" when none
    PSQL "SELECT decided_us FROM block_decisions WHERE addr = '$1' ORDER BY id LIMIT 1"
}
wait_decision() { # ADDR
    for _ in $(seq 200); do [ -n "$(decided "$1")" ] && return 0; sleep 0.1; done
    return 1
}
wait_file() { # FILE SECONDS
    for _ in $(seq $(($2 * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}
# within WHAT FILE DECIDED_US LO HI [REF]: the time in FILE is LO to HI s after the
# decision (or REF, "the decision" when not given)
within() {
    local l
    if [ -s "$2" ]; then
        l=$(awk -v t="$(cat "$2")" -v d="$3" 'BEGIN { printf "%.3f", t - d / 1e6 }')
        check "$1 $l s after ${6:-the decision} ($4 to $5 s)" \
            awk -v l="$l" -v lo="$4" -v hi="$5" 'BEGIN { exit !(l >= lo && l <= hi) }'
    else
        check "$1 (never seen)" false
    fi
}

echo "== 1. a scan seen by sensor 1 is blocked on sensors 2 and 3 within 1 s"
watch_set a1 "$NS" "$SCAN"
watch_set a2 "$S2" "$SCAN"
watch_set a3 "$S3" "$SCAN"
scan "$SCAN"
wait_decision "$SCAN" || { cat "$W/s1.err"; echo "FAIL: no decision for $SCAN in the database"; exit 1; }
d1=$(decided "$SCAN")
PSQL "SELECT id, addr, scan_id, evidence, reason, sensor, expires_us - decided_us FROM block_decisions"
row=$(PSQL "SELECT sensor, scan_id > 0, expires_us - decided_us, evidence FROM block_decisions WHERE addr = '$SCAN'")
check "the decision names sensor-1, its scan and expires after --block-time" \
    sh -c "echo '$row' | grep -q '^sensor-1|t|${BLOCK_TIME}000000|'"
# its evidence is the blocked alert's block_evidence (a proof: the link's MAC or halfopen)
blocked_evidence() { # JSON ADDR
    /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a.get("action") == "blocked" and a.get("src_ip") == sys.argv[2]:
        print(",".join(a.get("block_evidence", []))); break' "$@"
}
for _ in $(seq 20); do ev=$(blocked_evidence "$W/s1.json" "$SCAN"); [ -n "$ev" ] && break; sleep 0.1; done
check "the decision carries the blocked alert's evidence ($ev)" \
    sh -c "echo '$row' | grep -qE '\|$ev\$' && echo '$ev' | grep -qE 'halfopen|link:mac-bound|handshake'"
for n in a1 a2 a3; do wait_file "$W/$n.in" 5; done
for n in a2 a3; do within "sensor ${n#a}: the scanner is in the set" "$W/$n.in" "$d1" 0 1; done
check "sensor 1 blocked it itself" test -s "$W/a1.in"
ip netns exec "$S2" "$PORTREEVE" block list >"$W/list2.txt"
cat "$W/list2.txt"
check "sensor 2: block list names it a fleet decision" grep -q "^$SCAN.*a fleet decision" "$W/list2.txt"
check "sensor 2: no local offence is counted for it" \
    sh -c "! ip netns exec $S2 nft list set inet portreeve offences | grep -q '$SCAN'"
grep -h applied "$W/sync2.out" "$W/sync3.out"

echo "== 2. the decision expires everywhere"
for n in a1 a2 a3; do wait_file "$W/$n.gone" $((BLOCK_TIME + 8)); done
for n in a1 a2 a3; do
    within "sensor ${n#a}: the block is gone" "$W/$n.gone" "$d1" $((BLOCK_TIME - 1)) $((BLOCK_TIME + 3))
done

echo "== 3. PostgreSQL restarted: the syncs reconnect and reload, a second decision arrives"
# decisions written behind the syncs' backs (no NOTIFY): only a full reload can find them;
# QUIETR is revoked by the operator before the reload (its NOTIFY comes before QUIET exists),
# so the reload must not apply it
QUIET=198.18.7.77 QUIETR=198.18.7.78
now=$(date +%s%6N)
PSQL "INSERT INTO block_decisions (addr, scan_id, sensor, decided_us, expires_us) VALUES
      ('$QUIETR', 98, 'by-hand', $now, $now + 30000000)" >/dev/null
"$PORTREEVE" block --db "$URI" unblock "$QUIETR" --reason "lab: revoked before the reload" >"$W/unblock-r.txt" 2>&1
check "block --db unblock revokes the hand-made decision (rc $?)" grep -q "^1 decision revoked by " "$W/unblock-r.txt"
PSQL "INSERT INTO block_decisions (addr, scan_id, sensor, decided_us, expires_us) VALUES
      ('$QUIET', 99, 'by-hand', $now, $now + 30000000)" >/dev/null
# retention (default 30 days): a row that expired 40 days ago goes; one that expired
# yesterday stays, and so does one revoked 40 days ago whose block runs on (a host away
# when it was revoked must still lift it)
day=86400000000
PSQL "INSERT INTO block_decisions (addr, sensor, decided_us, expires_us, revoked_us, revoked_by) VALUES
      ('198.18.7.90', 'old-expired', $now - 41 * $day, $now - 40 * $day, 0, ''),
      ('198.18.7.91', 'old-revoked', $now - 41 * $day, $now + 300 * $day, $now - 40 * $day, 'x@y'),
      ('198.18.7.92', 'recent-expired', $now - 2 * $day, $now - $day, 0, '')" >/dev/null
sleep 0.5
check "a decision without NOTIFY is not applied while connected" sh -c "! ip netns exec $S2 nft list set inet portreeve blocklist | grep -q '$QUIET'"
pg_lab stop -m fast || { echo "FAIL: pg_ctl stop"; exit 1; }
sleep 1
for n in sync2 sync3; do
    pv=${n}_pid
    check "$n noticed the lost database and is still running" \
        sh -c "grep -q reconnecting '$W/$n.err' && kill -0 ${!pv}"
done
pg_lab start || { echo "FAIL: postgres did not start again"; exit 1; }
for n in sync2 sync3; do
    for _ in $(seq 100); do [ "$(grep -c synchronised "$W/$n.err")" -ge 2 ] && break; sleep 0.1; done
    check "$n synchronised again after the restart" test "$(grep -c synchronised "$W/$n.err")" -ge 2
done
for i in 2 3; do
    ns=S$i
    check "sensor $i: the full reload after reconnecting applied the decision made without NOTIFY" \
        in_set "${!ns}" "$QUIET"
    check "sensor $i: and not the one revoked before it" sh -c "! ip netns exec ${!ns} nft list set inet portreeve blocklist | grep -q '$QUIETR'"
done
check "retention: the row expired 40 days ago is deleted; yesterday's and the revoked one in force are kept" \
    test "$(PSQL "SELECT string_agg(sensor, ',' ORDER BY id) FROM block_decisions WHERE addr LIKE '198.18.7.9_'")" = old-revoked,recent-expired
check "retention: a sync said so" grep -q "retention: deleted 1 decision" "$W/sync1.err" "$W/sync2.err" "$W/sync3.err"
watch_set b2 "$S2" "$SCAN2"
watch_set b3 "$S3" "$SCAN2"
scan "$SCAN2"
if wait_decision "$SCAN2"; then
    d2=$(decided "$SCAN2")
    wait_file "$W/b2.in" 5
    within "sensor 2: the second scanner is in the set" "$W/b2.in" "$d2" 0 1
    sleep 1
    check "sensor 3: the allowlisted second scanner is not blocked there" \
        sh -c "! test -s '$W/b3.in' && ! ip netns exec $S3 nft list set inet portreeve blocklist | grep -q '$SCAN2'"
    check "sensor 3 says why" grep -q "decision .*($SCAN2 from sensor-1): not applied: allowlisted" "$W/sync3.out"
else
    cat "$W/s1.err"
    check "sensor 1 recorded a decision after the restart" false
fi

# decision_delay JSON ADDR DECIDED_US: ms from the time of ADDR's first blocked alert line in
# JSON to the decision's time in the store
decision_delay() {
    /usr/bin/python3 -c '
import datetime, json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a.get("action") == "blocked" and a.get("src_ip") == sys.argv[2]:
        t = datetime.datetime.strptime(a["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        print("%.0f" % (int(sys.argv[3]) / 1e3 - t * 1e3)); break' "$@"
}
echo "== 3b. sensor 1 again, with --workers 2"
kill -INT "$det_pid"
wait "$det_pid"
check "one engine's stop wrote its passive inventory into the store" \
    test "$(PSQL "SELECT COUNT(*) FROM passive_hosts WHERE addr = '$SCAN'")" = 1
[ "$(nproc)" -ge 2 ] && WORKERS=2 || WORKERS=1
ip netns exec "$NS" "$PORTREEVE" detect -i "$NS_IF" -q --block --block-time "${BLOCK_TIME}s" \
    --scan-idle 3 --db "$URI" --sensor sensor-1 --workers $WORKERS --alerts "$W/s1w.json" \
    >"$W/s1w.out" 2>"$W/s1w.err" &
det_pid=$!
pids+=($det_pid)
for _ in $(seq 100); do grep -q listening "$W/s1w.err" && break; sleep 0.1; done
check "sensor 1 listens again (--workers $WORKERS)" grep -q listening "$W/s1w.err"

echo "== 4. fleet-wide unblock: lifted on all three sensors within 1 s, blocked again by a new decision"
watch_set c1 "$NS" "$SCAN3"
watch_set c2 "$S2" "$SCAN3"
watch_set c3 "$S3" "$SCAN3"
scan "$SCAN3"
wait_decision "$SCAN3" || { cat "$W/s1w.err"; echo "FAIL: no decision for $SCAN3"; exit 1; }
for n in c1 c2 c3; do wait_file "$W/$n.in" 5; done
check "the third scanner is blocked on all three sensors" test -s "$W/c1.in" -a -s "$W/c2.in" -a -s "$W/c3.in"
first3=$(PSQL "SELECT MIN(id) FROM block_decisions WHERE addr = '$SCAN3'")
row=$(PSQL "SELECT sensor, evidence FROM block_decisions WHERE id = $first3")
for _ in $(seq 20); do ev=$(blocked_evidence "$W/s1w.json" "$SCAN3"); [ -n "$ev" ] && break; sleep 0.1; done
check "--workers $WORKERS: the decision names sensor-1 and its blocked alert's evidence ($row)" \
    sh -c "test '$row' = 'sensor-1|$ev' && echo '$ev' | grep -qE 'halfopen|link:mac-bound|handshake'"
dw=$(decision_delay "$W/s1w.json" "$SCAN3" "$(decided "$SCAN3")")
# (the merge point releases a line once every worker's clock is past it: ~0.1 s; docs/block.md)
d0=$(decision_delay "$W/s1.json" "$SCAN" "$d1")
check "blocked alert to decision: one engine ${d0:-?} ms, --workers $WORKERS ${dw:-?} ms (under 1 s)" \
    test "${dw:-1000}" -lt 1000
t_un=$(date +%s%6N)
"$PORTREEVE" block --db "$URI" unblock "$SCAN3" --reason "lab: false positive" >"$W/unblock.txt" 2>&1
rc=$?
cat "$W/unblock.txt"
check "block --db unblock exits 0 and names the decision" \
    sh -c "test $rc = 0 && grep -q '^revoked decision $first3: $SCAN3 from sensor-1' '$W/unblock.txt'"
for n in c1 c2 c3; do wait_file "$W/$n.gone" 4; done
for n in c1 c2 c3; do within "sensor ${n#c}: the revoked block is gone" "$W/$n.gone" "$t_un" 0 1 "the unblock"; done
row=$(PSQL "SELECT revoked_us > 0, revoked_by LIKE '%@%', revoke_reason FROM block_decisions WHERE id = $first3")
check "the row stays, revoked, with who and why ($row)" test "$row" = "t|t|lab: false positive"
check "sync2 says it lifted the revoked decision" grep -q "^revoked $SCAN3 (decision $first3 from sensor-1, by .*: lab: false positive; .*): lifted" "$W/sync2.out"
"$PORTREEVE" block --db "$URI" list --all --json >"$W/list.json"
check "block --db list --all --json shows it revoked" /usr/bin/python3 -c '
import json, sys
d = [x for x in json.load(open(sys.argv[1])) if x["id"] == int(sys.argv[2])][0]
sys.exit(not (d["state"] == "revoked" and d["revoke_reason"] == "lab: false positive" and "@" in d["revoked_by"]))' \
    "$W/list.json" "$first3"
"$PORTREEVE" block --db "$URI" list >"$W/list.txt"
check "block --db list (in force) does not list it" sh -c "! grep -q ' $SCAN3 ' '$W/list.txt'"
# the scan ends (3 s of silence: --scan-idle 3), then a new one is blocked by a new decision
wait "$scan_pid" 2>/dev/null
sleep 4
rm -f "$W"/c?.in "$W"/c?.gone
watch_set c2 "$S2" "$SCAN3"
watch_set c3 "$S3" "$SCAN3"
scan "$SCAN3"
for _ in $(seq 100); do
    new3=$(PSQL "SELECT MAX(id) FROM block_decisions WHERE addr = '$SCAN3' AND revoked_us = 0")
    [ -n "$new3" ] && break
    sleep 0.1
done
check "a later scan is blocked again by a new decision (${new3:-none} after $first3)" test "${new3:-0}" -gt "$first3"
if [ -n "$new3" ]; then
    d3=$(PSQL "SELECT decided_us FROM block_decisions WHERE id = $new3")
    for n in c2 c3; do
        wait_file "$W/$n.in" 5
        within "sensor ${n#c}: the new decision is applied" "$W/$n.in" "$d3" 0 1
    done
fi

echo "== 5. SIGTERM stops a sync cleanly"
kill -TERM "$sync2_pid"
for _ in $(seq 50); do kill -0 "$sync2_pid" 2>/dev/null || break; sleep 0.1; done
wait "$sync2_pid"
rc=$?
check "sync2 exits 0 on SIGTERM (rc $rc)" test "$rc" = 0
check "and says it stopped" grep -q stopped "$W/sync2.err"
kill -INT "$det_pid"
wait "$det_pid"
check "--workers $WORKERS: no passive inventory written (only decisions)" \
    test "$(PSQL "SELECT COUNT(*) FROM passive_hosts WHERE addr = '$SCAN3'")" = 0
for f in s1.err s1w.err sync1.out sync1.err sync2.out sync2.err sync3.out sync3.err; do
    echo "--- $f"
    cat "$W/$f"
done
exit $fail
