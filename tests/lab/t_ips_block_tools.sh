#!/usr/bin/env bash
# t_ips_block_tools.sh — `detect -i --block` on target A blocks each real scanning tool within
# 1 s of its first probe (issue 15): masscan, hping3 to closed ports only, nmap -sS, -sF, -sU.
# Per tool, a fresh detector; a capture on A's interface gives the first probe's time, nft's
# listing of the set the time the block was added (timeout minus expires), and the JSON alerts
# the detector's own account (ts of the first "blocked" line minus first_seen, block_evidence).
# After the block, the scanner's TCP connection to A's open port 80 must fail.
# timeout: 240
set -u
PR=${1:?usage: t_ips_block_tools.sh /path/to/portreeve}
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/blocklib.sh"
. "$(dirname "$0")/ipslib.sh"
ips_need masscan hping3 nmap tcpdump
lab_up || exit $?
ips_masscan_prep
AMAC=$(ips_mac "$LAB_NS_A" "$LAB_IF_A")
S=$LAB_SCANNER
fails=()
NM="nmap -n -Pn -T4 --max-retries 1"

# tool NAME CMD...: detector, capture, CMD in the scanner namespace (stopped 1 s after the
# block is seen, or after 15 s), then every check; a failed check is recorded, not fatal.
tool() {
    local name=$1 t0 tb npid ok=1
    shift
    echo "== $name: $*"
    # --flush-on-exit: blocks outlive detect, and each part starts from none
    bl_start "$name" --block --flush-on-exit --block-time 60s || { fails+=("$name: detector did not start"); return; }
    ips_capture_start "$LAB_DIR/$name.pcap" || { fails+=("$name: no capture"); bl_stop >/dev/null; return; }
    ip netns exec "$LAB_NS_SCAN" timeout 15 "$@" >"$LAB_DIR/$name.tool" 2>&1 &
    npid=$!
    if bl_wait_elem "$S" 10; then
        tb=$(ips_block_epoch "$S")
        sleep 1
    else
        ok=0
        fails+=("$name: $S not in the block set 10 s after the tool started")
    fi
    kill -TERM $npid 2>/dev/null
    wait $npid 2>/dev/null
    if [ $ok = 1 ]; then
        # the block works: A no longer answers the scanner (its web server is open)
        ips_tcp_hello "$LAB_NS_SCAN" "$LAB_A" 80 && fails+=("$name: A still answers $S after the block")
    fi
    ips_capture_stop
    bl_stop >"$LAB_DIR/$name.stop"
    grep -E "from $S|^block:" "$LAB_DIR/$name.stop" | head -5
    t0=$(ips_first_probe "$LAB_DIR/$name.pcap" "$S")
    [ -n "$t0" ] || { fails+=("$name: no probe from $S in the capture"); return; }
    if [ $ok = 1 ]; then
        [ -n "$tb" ] || fails+=("$name: cannot read the block's time from nft")
        echo -n "  block added (nft) after the first probe (capture): "
        [ -n "$tb" ] && { ips_le "$t0" "$tb" 1.0 || fails+=("$name: block added more than 1 s after the first probe"); }
    fi
    ips_summary "$LAB_DIR/$name.json" "$S" || { fails+=("$name: unreadable alerts"); return; }
    [ "$S_lines" -ge 1 ] || { fails+=("$name: no alert line with src_ip $S"); return; }
    if [ "$S_blocked" -ge 1 ]; then
        echo -n "  first blocked alert after first_seen: "
        ips_le "$S_first_seen" "$S_blocked_ts" 1.0 ||
            fails+=("$name: first action=blocked line more than 1 s after first_seen")
        ips_evidence_named || fails+=("$name: the blocked line names no block_evidence: $S_evidence")
    else
        fails+=("$name: no alert line of $S with action blocked (actions: $S_actions)")
    fi
}

tool masscan masscan --interface "$LAB_IF_SCAN" --adapter-ip "$S" --router-mac "$AMAC" \
    -p1-1000 --rate 2000 --wait 1 "$LAB_A"
tool hping3-closed hping3 -S -c 10 -i u20000 -p ++1000 "$LAB_A"
tool nmap-sS $NM -sS -p1-1000 "$LAB_A"
tool nmap-sF $NM -sF -p1-1000 "$LAB_A"
tool nmap-sU $NM -sU -p1-300 "$LAB_A"

if [ ${#fails[@]} -gt 0 ]; then
    printf 'FAIL: %s\n' "${fails[@]}"
    exit 1
fi
echo PASS
