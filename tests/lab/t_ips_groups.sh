#!/usr/bin/env bash
# t_ips_groups.sh — grouping never hides a scanner nor withholds its block (issue 15):
#  decoy+second  the scanner runs nmap -D with two decoys while target B runs its own real
#                nmap -sS against A at the same time: both real scanners are blocked and each
#                has its own alert lines (src_ip) with action blocked and is named on stdout;
#                no decoy is blocked;
#  forged-first  a forged 10-SYN scan (hping3 -a, a dead source, sent from behind the routers
#                of ipslib.sh: A's resets to it leave at once, so A sees it fail at once) one
#                second before a real nmap -sS -p1-1000 from the scanner: the real scanner is
#                blocked and reported (its own JSON lines, and its address on stdout); the
#                forged source is not blocked;
#  forged-40     the same with 40 forged sources (10 SYNs each, scapy) before the real scan.
# timeout: 240
set -u
PR=${1:?usage: t_ips_groups.sh /path/to/portreeve}
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/blocklib.sh"
. "$(dirname "$0")/ipslib.sh"
ips_need hping3 nmap scapy
lab_up || exit $?
ips_router_up || exit 1
fails=()
S=$LAB_SCANNER
NM="nmap -n -Pn -T4 --max-retries 1"

# real_blocked NAME ADDR: ADDR has its own alert lines in NAME.json, one with action blocked
real_blocked() {
    ips_summary "$LAB_DIR/$1.json" "$2" || { fails+=("$1: unreadable alerts"); return; }
    [ "$S_lines" -ge 1 ] || fails+=("$1: no alert line with src_ip $2 (only in src_ips of $S_members lines)")
    [ "$S_blocked" -ge 1 ] || fails+=("$1: no alert line of $2 with action blocked (actions: $S_actions)")
    if [ "$S_blocked" -ge 1 ]; then
        echo -n "  $2 blocked after its first_seen: "
        ips_le "$S_first_seen" "$S_blocked_ts" 1000
    fi
}
# set_check NAME WANT... -- NOTWANT...: the block set holds every WANT and no NOTWANT
set_check() {
    local name=$1 a want=1
    shift
    bl_elems >"$LAB_DIR/$name.elems"
    echo "  block set: $(tr '\n' ' ' <"$LAB_DIR/$name.elems")"
    for a in "$@"; do
        [ "$a" = -- ] && { want=0; continue; }
        if [ $want = 1 ]; then
            grep -qx "$a" "$LAB_DIR/$name.elems" || fails+=("$name: real scanner $a not blocked")
        else
            grep -qx "$a" "$LAB_DIR/$name.elems" && fails+=("$name: $a blocked (a forged source)")
        fi
    done
}

echo "== decoy+second: nmap -D .50,.51,ME from $S while B ($LAB_B) scans too"
# --flush-on-exit: blocks outlive detect, and each part starts from none
bl_start decoy --block --flush-on-exit --block-time 60s || exit 1
ip netns exec "$LAB_NS_SCAN" timeout 20 $NM -sS -D 198.18.0.50,198.18.0.51,ME -p 1-1000 "$LAB_A" \
    >/dev/null 2>&1 &
p1=$!
ip netns exec "$LAB_NS_B" timeout 20 $NM -sS -p 1-1000 "$LAB_A" >/dev/null 2>&1 &
p2=$!
bl_wait_elem "$S" 10
bl_wait_elem "$LAB_B" 5
kill -TERM $p1 $p2 2>/dev/null
wait $p1 $p2 2>/dev/null
set_check decoy "$S" "$LAB_B" -- 198.18.0.50 198.18.0.51
bl_stop >"$LAB_DIR/decoy.stop" || fails+=("decoy: detector exit code $BL_RC")
grep -E '^block:' "$LAB_DIR/decoy.stop"
for a in "$S" "$LAB_B"; do
    real_blocked decoy "$a"
    grep -qwF "$a" "$LAB_DIR/decoy.out" || fails+=("decoy: $a never appears on stdout")
done

# forged_first NAME FORGE_CMD...: a forged scan, 1 s later a real nmap -sS -p1-1000 from S
forged_first() {
    local name=$1 npid
    shift
    bl_start "$name" --block --flush-on-exit --block-time 60s || exit 1
    "$@"
    sleep 1
    ip netns exec "$LAB_NS_SCAN" timeout 20 $NM -sS -p 1-1000 "$LAB_A" >/dev/null 2>&1 &
    npid=$!
    bl_wait_elem "$S" 10
    kill -TERM $npid 2>/dev/null
    wait $npid 2>/dev/null
}

echo "== forged-first: hping3 -a 198.18.2.77 (10 SYNs) from F, then a real nmap -sS from $S"
forged_first forged1 ip netns exec "$IPS_NS_F" timeout 10 hping3 -S -a 198.18.2.77 -c 10 \
    -i u20000 -p ++5000 "$LAB_A" >/dev/null 2>&1
set_check forged1 "$S" -- 198.18.2.77
bl_stop >"$LAB_DIR/forged1.stop" || fails+=("forged1: detector exit code $BL_RC")
grep -E '^block:' "$LAB_DIR/forged1.stop"
real_blocked forged1 "$S"
grep -qwF "$S" "$LAB_DIR/forged1.out" || fails+=("forged1: $S never appears on stdout")

echo "== forged-40: 40 forged sources (10 SYNs each) from F, then a real nmap -sS from $S"
forge40() {
    ip netns exec "$IPS_NS_F" timeout 60 /usr/bin/python3 - "$LAB_A" <<'PY'
import sys
from scapy.all import IP, TCP, send, conf
conf.verb = 0
dst = sys.argv[1]
send([IP(src="198.18.2.%d" % (100 + s), dst=dst) /
      TCP(sport=40000 + s, dport=6000 + 10 * s + p, flags="S", seq=1000 * s + p)
      for s in range(40) for p in range(10)], inter=0.001)
PY
}
forged_first forged40 forge40
forged=$(seq -f '198.18.2.%g' 100 139)
# shellcheck disable=SC2086
set_check forged40 "$S" -- $forged
bl_stop >"$LAB_DIR/forged40.stop" || fails+=("forged40: detector exit code $BL_RC")
grep -E '^block:' "$LAB_DIR/forged40.stop"
real_blocked forged40 "$S"
grep -qwF "$S" "$LAB_DIR/forged40.out" || fails+=("forged40: $S never appears on stdout")

if [ ${#fails[@]} -gt 0 ]; then
    printf 'FAIL: %s\n' "${fails[@]}"
    exit 1
fi
echo PASS
