#!/usr/bin/env bash
# t_detect_ops.sh — `detect` as a service in target A: settings from a configuration file
# (flags override it), SIGHUP after logrotate moved the alert files (a new --alerts and
# --eve file is written, every block stays), blocks that outlive a restart with their time
# left, repeat offenders blocked longer (doubling up to the file's block-time-max, counted
# in nftables), a broken file on SIGHUP (the running configuration stays), EVE records
# checked field by field, `block flush`.
# timeout: 300
set -u
PR=${1:?usage: t_detect_ops.sh /path/to/portreeve}
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/blocklib.sh"
lab_up || exit $?
fail() {
    echo "FAIL: $*"
    [ -n "${BL_PID:-}" ] && kill -0 "$BL_PID" 2>/dev/null && bl_stop
    exit 1
}
CONF=$LAB_DIR/detect.conf
# detect runs as an unprivileged account after start-up (docs/privileges.md): as with a
# service's log directory, the directory of the alert files must let it create the new
# files after logrotate moved the old ones away
chmod 1777 "$LAB_DIR"
EVE=$LAB_DIR/eve.json
# the file says 1h, the command line 60s (flags override); block-time-max = 150s comes from
# the file only: the 2nd offence is blocked 120 s (doubled), the 3rd 150 s (capped by it)
cat >"$CONF" <<CONF
# portreeve detect configuration of the ops test
block
block-time = 1h          # overridden by --block-time on the command line
block-time-max = 150s
eve = $EVE
max-blocks-per-min = 20
CONF

# scan_until_blocked NAME: an nmap -sS of A from the scanner, stopped once it is blocked
scan_until_blocked() {
    ip netns exec "$LAB_NS_SCAN" timeout 60 nmap -n -Pn -sS -T4 --max-retries 1 -p 1-1024 \
        "$LAB_A" >"$LAB_DIR/$1.nmap" 2>&1 &
    local npid=$! # ip netns exec execs timeout: TERM reaches nmap through it
    bl_wait_elem "$LAB_SCANNER" 20
    local rc=$?
    kill -TERM $npid 2>/dev/null
    wait $npid
    return $rc
}
# wait_for PATTERN FILE: up to 10 s until FILE has a line matching PATTERN
wait_for() {
    local i
    for i in $(seq 100); do
        grep -q -- "$1" "$2" && return 0
        sleep 0.1
    done
    return 1
}
# info_field N: field N (1 timeout, 2 expires, 3 comment) of the scanner's block
info_field() { bl_elem_info "$LAB_SCANNER" | awk -v n="$1" '{print $n}'; }

echo "== 1. settings from $CONF, --block-time 60s from the command line"
bl_start ops1 --config "$CONF" --block-time 60s || exit 1
scan_until_blocked scan1 || fail "scanner not blocked"
info=$(bl_elem_info "$LAB_SCANNER")
echo "block: $info"
[ "$(info_field 1)" = 60 ] || fail "block timeout is not the command line's 60 s: $info"
[ "$(info_field 3)" = offence_1 ] || fail "first block is not offence 1: $info"
[ "$(bl_elem_info "$LAB_SCANNER" offences | awk '{print $3}')" = 1 ] ||
    fail "offence count not in the offences set"
[ -s "$EVE" ] || fail "no EVE file from the configuration's eve ="

echo "== 2. logrotate moves the alert files; SIGHUP: new files, blocks kept"
mv "$LAB_DIR/ops1.json" "$LAB_DIR/ops1.json.1"
mv "$EVE" "$EVE.1"
lines_old=$(wc -l <"$LAB_DIR/ops1.json.1")
echo "# reread on SIGHUP" >>"$CONF"
kill -HUP "$BL_PID"
wait_for 'SIGHUP: alert files reopened' "$LAB_DIR/ops1.err"
grep 'SIGHUP' "$LAB_DIR/ops1.err"
grep -q 'configuration reread' "$LAB_DIR/ops1.err" || fail "no reread after SIGHUP"
kill -0 "$BL_PID" 2>/dev/null || fail "SIGHUP killed the detector"
[ -e "$LAB_DIR/ops1.json" ] || fail "no new alerts file after SIGHUP"
[ -e "$EVE" ] || fail "no new EVE file after SIGHUP"
bl_elems | grep -qx "$LAB_SCANNER" || fail "the block was lifted by SIGHUP"
# a new scan (IPv6) is written to the new files, not to the moved ones
ip netns exec "$LAB_NS_SCAN" timeout 60 nmap -6 -n -Pn -sS -T4 --max-retries 1 -p 1-300 \
    "$LAB_A6" >/dev/null 2>&1 &
npid=$!
wait_for "\"src_ip\":\"$LAB_SCANNER6\"" "$LAB_DIR/ops1.json"
kill -TERM $npid 2>/dev/null
wait $npid
grep -q "\"src_ip\":\"$LAB_SCANNER6\"" "$LAB_DIR/ops1.json" || fail "new alerts file not written"
grep -q "\"src_ip\":\"$LAB_SCANNER6\"" "$EVE" || fail "new EVE file not written"
grep -q "$LAB_SCANNER6" "$LAB_DIR/ops1.json.1" "$EVE.1" && fail "moved file written after SIGHUP"
[ "$(wc -l <"$LAB_DIR/ops1.json.1")" = "$lines_old" ] || fail "moved alerts file grew"
echo "new files written: $(wc -l <"$LAB_DIR/ops1.json") alert(s), $(wc -l <"$EVE") EVE record(s)"
# a broken file on SIGHUP: said with its line and column, the running configuration stays
cp "$CONF" "$CONF.good"
echo "max-scans = lots" >>"$CONF"
kill -HUP "$BL_PID"
wait_for 'configuration in use stays' "$LAB_DIR/ops1.err"
grep -q "SIGHUP: $CONF:8:13: --max-scans 'lots'" "$LAB_DIR/ops1.err" ||
    fail "broken file on SIGHUP not reported with line and column"
kill -0 "$BL_PID" 2>/dev/null || fail "a broken file on SIGHUP killed the detector"
cp "$CONF.good" "$CONF"
bl_elems | grep -qx "$LAB_SCANNER" || fail "block lifted"

echo "== 3. restart: the blocks stay with their time left"
left_before=$(info_field 2)
bl_stop || fail "detector exit code $BL_RC"
bl_table_exists || fail "table deleted on a clean exit (blocks must outlive detect)"
bl_elems | grep -qx "$LAB_SCANNER" || fail "block lifted by a clean exit"
grep -q 'table inet lab' <(ip netns exec "$LAB_NS_A" nft list tables) || fail "lab table touched"
bl_start ops2 --config "$CONF" --block-time 60s --scan-idle 4 || exit 1
grep -q 'blocks kept from an earlier run' "$LAB_DIR/ops2.err" || fail "kept blocks not reported"
info=$(bl_elem_info "$LAB_SCANNER")
echo "after the restart: $info (left before the stop: $left_before)"
[ -n "$info" ] || fail "block gone after the restart"
[ "$(info_field 2)" -le "$left_before" ] || fail "the restart renewed the block's time"
[ "$(info_field 3)" = offence_1 ] || fail "offence count changed by the restart"

echo "== 4. repeat offender: 120 s the second time, 150 s (block-time-max) the third"
for want in "120 offence_2" "150 offence_3"; do
    ip netns exec "$LAB_NS_A" "$PR" block unblock "$LAB_SCANNER" || fail "unblock"
    bl_elems | grep -qx "$LAB_SCANNER" && fail "unblock left the block"
    sleep 5 # the earlier scan must end (--scan-idle 4) before a new one is reported
    scan_until_blocked "scan-$want" || fail "repeat offender not blocked again"
    got=$(bl_elem_info "$LAB_SCANNER" | awk '{print $1, $3}')
    echo "block: $got"
    [ "$got" = "$want" ] || fail "repeat offender: block '$got', want '$want'"
done
grep -E "blocked for (120|150) s \(offence [23]\)" "$LAB_DIR/ops2.err" || fail "offence not logged"
bl_stop || fail "detector exit code $BL_RC"

echo "== 5. EVE records, field by field"
cat "$EVE.1" "$EVE" >"$LAB_DIR/eve.all"
/usr/bin/python3 - "$LAB_DIR/eve.all" "$LAB_SCANNER" "$LAB_SCANNER6" "$LAB_A" "$LAB_A6" <<'PY' || fail "EVE records"
import json, re, sys
path, s4, s6, a4, a6 = sys.argv[1:]
n = blocked = 0
for ln, line in enumerate(open(path), 1):
    r = json.loads(line)
    def want(cond, what):
        if not cond:
            sys.exit("line %d: %s: %s" % (ln, what, line.strip()))
    isint = lambda v: isinstance(v, int) and not isinstance(v, bool)
    want(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000", r["timestamp"]), "timestamp")
    want(r["event_type"] == "alert", "event_type")
    want((r["src_ip"], r["dest_ip"]) in ((s4, a4), (s6, a6)), "src_ip/dest_ip")
    want(r["proto"] == "TCP", "proto")
    want("src_port" not in r and "dest_port" not in r, "no ports for a scan")
    al = r["alert"]
    want(al["action"] in ("allowed", "blocked"), "alert.action")
    want(isint(al["gid"]) and al["gid"] == 1, "alert.gid")
    want(isint(al["signature_id"]) and al["signature_id"] == 9100102, "signature_id of syn portscan")
    want(isint(al["rev"]) and al["rev"] >= 1, "alert.rev")
    want(al["signature"] == "PORTREEVE SCAN portscan syn", "alert.signature")
    want(isinstance(al["category"], str) and al["category"], "alert.category")
    want(isint(al["severity"]) and 1 <= al["severity"] <= 3, "alert.severity")
    p = r["portreeve"]
    want(isinstance(p, dict) and p["src_ip"] == r["src_ip"] and p["dst_ip"] == r["dest_ip"], "portreeve")
    want(p["event"] == "portscan" and p["scan_type"] == "syn", "portreeve event")
    want((al["action"] == "blocked") == (p["action"] == "blocked"), "action matches the native one")
    want(p["ts"].replace("Z", "") == r["timestamp"].replace("+0000", ""), "same time")
    n += 1
    blocked += al["action"] == "blocked"
if n < 4 or not blocked:
    sys.exit("%d records, %d blocked" % (n, blocked))
print("%d EVE records checked, %d with action blocked" % (n, blocked))
PY

echo "== 6. block flush lifts every block and offence count"
ip netns exec "$LAB_NS_A" "$PR" block flush || fail "block flush"
[ -z "$(bl_elems)" ] || fail "blocks left after flush: $(bl_elems)"
[ -z "$(bl_elem_info "$LAB_SCANNER" offences)" ] || fail "offence count left after flush"
echo PASS
