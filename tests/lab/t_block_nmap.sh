#!/usr/bin/env bash
# t_block_nmap.sh — `detect --block` through real nftables in target A: an nmap -sS from
# the scanner namespace is blocked (a second nmap sees the open ports filtered) and is let
# in again after --block-time; the detecting process holds no CAP_NET_ADMIN (its helper
# does), runs as an unprivileged account, and both run under a seccomp filter; a clean
# exit leaves the table as it is (blocks outlive detect: exactly the portreeve table with
# its drop rules, sets and the scanner's offence count), `block flush` empties it, and with
# --flush-on-exit a clean exit leaves no table, rule or set. An allowlisted scanner is
# reported but never blocked; --dry-run reports would_block and touches nothing.
# timeout: 240
set -u
PR=${1:?usage: t_block_nmap.sh /path/to/portreeve}
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/blocklib.sh"
lab_up || exit $?
OPEN="22,80,443"
fail() {
    echo "FAIL: $*"
    [ -n "${BL_PID:-}" ] && kill -0 "$BL_PID" 2>/dev/null && bl_stop
    exit 1
}

# (20 s: the checks made while the block holds must fit in it on a loaded machine)
echo "== 1. nmap -sS is blocked, for 20 s"
bl_start block --block --block-time 20s || exit 1
bl_table_exists || fail "no table inet portreeve at start"
ip netns exec "$LAB_NS_A" nft list table inet portreeve
# privilege separation: the detector holds nothing, its helper only CAP_NET_ADMIN (bit 12)
HPID=$(pgrep -P "$BL_PID" | head -1)
[ -n "$HPID" ] || fail "no helper process under $BL_PID"
grep -E '^Cap(Eff|Prm)' "/proc/$BL_PID/status" "/proc/$HPID/status"
for f in CapEff CapPrm; do
    grep -q "^$f:[[:space:]]*0000000000000000$" "/proc/$BL_PID/status" ||
        fail "detector $f is not empty"
    grep -q "^$f:[[:space:]]*0000000000001000$" "/proc/$HPID/status" ||
        fail "helper $f is not exactly CAP_NET_ADMIN"
done
[ "$(cat /proc/$HPID/comm)" = portreeve-nft ] || fail "helper name"
# the detector runs as an unprivileged account, both under a seccomp filter
grep -E '^(Uid|Gid|NoNewPrivs|Seccomp):' "/proc/$BL_PID/status" "/proc/$HPID/status"
for f in Uid Gid; do
    awk -v f="$f:" '$1 == f { for (i = 2; i <= NF; i++) if ($i == 0) bad = 1 } END { exit !bad }' \
        "/proc/$BL_PID/status" && fail "detector $f has a 0"
done
for p in "$BL_PID" "$HPID"; do
    grep -q "^NoNewPrivs:[[:space:]]*1$" "/proc/$p/status" || fail "$p: NoNewPrivs is not 1"
    grep -q "^Seccomp:[[:space:]]*2$" "/proc/$p/status" || fail "$p: no seccomp filter"
done

# the first nmap is blocked while it runs (and slows down: its probes are dropped), so it
# runs in the background and is stopped once the block is seen
ip netns exec "$LAB_NS_SCAN" timeout 60 nmap -n -Pn -sS -T4 --max-retries 1 -p 1-1024 "$LAB_A" \
    >"$LAB_DIR/nmap1.txt" 2>&1 &
NPID=$! # ip netns exec execs timeout: TERM reaches nmap through it
bl_wait_elem "$LAB_SCANNER" 20 || fail "scanner $LAB_SCANNER not in the block set"
t_block=$(date +%s.%N)
kill -TERM $NPID 2>/dev/null
wait $NPID
bl_elems
nft_list=$(ip netns exec "$LAB_NS_A" nft list set inet portreeve blocklist)
echo "$nft_list" | grep -E 'timeout|expires'
bl_nmap_states -p $OPEN >"$LAB_DIR/nmap2.txt"
echo "second nmap: $(tr '\n' ' ' <"$LAB_DIR/nmap2.txt")"
for p in 22 80 443; do
    grep -qx "$p filtered" "$LAB_DIR/nmap2.txt" || fail "port $p not filtered while blocked"
done
# portreeve block list sees it too
ip netns exec "$LAB_NS_A" "$PR" block list | tee "$LAB_DIR/list.txt"
grep -q "^$LAB_SCANNER" "$LAB_DIR/list.txt" || fail "block list does not show the scanner"
# after --block-time the element is gone and the ports are open again
for i in $(seq 300); do
    bl_elems | grep -qx "$LAB_SCANNER" || break
    sleep 0.1
done
t_free=$(date +%s.%N)
bl_elems | grep -qx "$LAB_SCANNER" && fail "block still there 30 s after it was seen"
/usr/bin/python3 -c "import sys; print('block lasted about %.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t_block" "$t_free"
bl_nmap_states -p $OPEN >"$LAB_DIR/nmap3.txt"
echo "third nmap: $(tr '\n' ' ' <"$LAB_DIR/nmap3.txt")"
for p in 22 80 443; do
    grep -qx "$p open" "$LAB_DIR/nmap3.txt" || fail "port $p not open after the block time"
done
bl_stop || fail "detector exit code $BL_RC"
grep -q '"action":"blocked"' "$LAB_DIR/block.json" || fail "no alert with action blocked"
grep '"action":"blocked"' "$LAB_DIR/block.json" | grep -q "\"src_ip\":\"$LAB_SCANNER\"" ||
    fail "the blocked alert is not the scanner's"
# a clean exit keeps the table as it is: the drop rules, the four sets, the (expired, so
# empty) block set and the scanner's offence count; nothing else of ours, the lab's untouched
ip netns exec "$LAB_NS_A" nft list ruleset >"$LAB_DIR/ruleset.txt"
ip netns exec "$LAB_NS_A" nft -j list table inet portreeve >"$LAB_DIR/table.json" ||
    fail "table deleted on a clean exit (blocks must outlive detect)"
/usr/bin/python3 - "$LAB_DIR/table.json" "$LAB_SCANNER" <<'PY' || fail "table after a clean exit"
import json, sys
items = json.load(open(sys.argv[1]))["nftables"]
sets = {i["set"]["name"]: i["set"].get("elem", []) for i in items if "set" in i}
chains = [i["chain"]["name"] for i in items if "chain" in i]
rules = [json.dumps(i["rule"]["expr"]) for i in items if "rule" in i]
if sorted(sets) != ["blocklist", "blocklist6", "offences", "offences6"]:
    sys.exit("sets: %s" % sorted(sets))
if chains != ["input"] or len(rules) != 2 or not all("@blocklist" in r and "drop" in r for r in rules):
    sys.exit("chains %s rules %s" % (chains, rules))
if sets["blocklist"] or sets["blocklist6"] or sets["offences6"]:
    sys.exit("unexpected elements: %s" % sets)
off = [e["elem"] for e in sets["offences"]]
if len(off) != 1 or off[0]["val"] != sys.argv[2] or off[0].get("comment") != "1":
    sys.exit("offences: %s" % off)
print("kept after a clean exit: rules %d, sets %s, offence %s" % (len(rules), sorted(sets), off[0]))
PY
[ "$(grep -c '^table ' "$LAB_DIR/ruleset.txt")" = 2 ] || fail "tables other than lab and portreeve"
grep -q 'table inet lab' "$LAB_DIR/ruleset.txt" || fail "the lab's own table was touched"
# `block flush` lifts everything (blocks and offence counts)
ip netns exec "$LAB_NS_A" "$PR" block flush || fail "block flush"
ip netns exec "$LAB_NS_A" nft -j list table inet portreeve | grep -q '"elem"' &&
    fail "elements left after block flush"
echo "block flush: table empty"

echo "== 1b. --flush-on-exit: a clean exit leaves no table, rule or set"
bl_start flush --block --block-time 20s --flush-on-exit || exit 1
bl_table_exists || fail "no table inet portreeve at start"
ip netns exec "$LAB_NS_SCAN" timeout 60 nmap -n -Pn -sS -T4 --max-retries 1 -p 1-1024 "$LAB_A" \
    >"$LAB_DIR/nmapf.txt" 2>&1 &
NPID=$!
bl_wait_elem "$LAB_SCANNER" 20 || fail "scanner $LAB_SCANNER not in the block set"
kill -TERM $NPID 2>/dev/null
wait $NPID
bl_stop || fail "detector exit code $BL_RC"
ip netns exec "$LAB_NS_A" nft list ruleset >"$LAB_DIR/ruleset.txt"
grep -q 'table inet portreeve' "$LAB_DIR/ruleset.txt" && fail "table left after a clean exit"
grep -qE 'blocklist|offences|portreeve' "$LAB_DIR/ruleset.txt" &&
    fail "set or rule left after a clean exit"
grep -q 'table inet lab' "$LAB_DIR/ruleset.txt" || fail "the lab's own table was touched"
echo "clean exit with --flush-on-exit: no table inet portreeve"

echo "== 2. an allowlisted scanner is reported, never blocked"
bl_start allow --block --allow 198.18.0.0/30 || exit 1
bl_nmap_states -p 1-1024 >/dev/null
sleep 2
[ -z "$(bl_elems)" ] || fail "allowlisted scanner blocked: $(bl_elems)"
bl_nmap_states -p $OPEN >"$LAB_DIR/nmap4.txt"
grep -c ' open$' "$LAB_DIR/nmap4.txt" | grep -qx 3 || fail "ports not open for the allowlisted scanner"
bl_stop || fail "detector exit code $BL_RC"
grep -q "\"src_ip\":\"$LAB_SCANNER\"" "$LAB_DIR/allow.json" || fail "allowlisted scan not reported"
grep -q '"action":"blocked"' "$LAB_DIR/allow.json" && fail "allowlisted scan has action blocked"
grep -q 'never blocked: allowlisted' "$LAB_DIR/allow.err" || fail "no reason logged"

echo "== 3. --dry-run blocks nothing"
ip netns exec "$LAB_NS_A" nft delete table inet portreeve 2>/dev/null # left by section 2
bl_start dry --block --dry-run || exit 1
bl_table_exists && fail "--dry-run created the table"
bl_nmap_states -p 1-1024 >/dev/null
sleep 2
bl_table_exists && fail "--dry-run created the table"
bl_nmap_states -p $OPEN >"$LAB_DIR/nmap5.txt"
grep -c ' open$' "$LAB_DIR/nmap5.txt" | grep -qx 3 || fail "ports not open under --dry-run"
bl_stop || fail "detector exit code $BL_RC"
grep -q '"action":"would_block"' "$LAB_DIR/dry.json" || fail "no would_block alert"
grep -q '"action":"blocked"' "$LAB_DIR/dry.json" && fail "--dry-run says blocked"
echo PASS
