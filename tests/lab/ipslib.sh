# ipslib.sh — helpers for the `detect --block` IPS lab tests t_ips_*.sh (sourced after lab.sh
# and blocklib.sh).
#
# ips_router_up          add a routed part to the lab (below); sets IPS_* variables
# ips_mac NS IF          the MAC address of interface IF in namespace NS
# ips_masscan_prep       turn offloads off on the scanner's interface (masscan needs it)
# ips_capture_start F    tcpdump of Ethernet frames on target A's interface into F
# ips_capture_stop       (nslib.sh's capture_start/capture_stop)
# ips_need TOOL...       skip the test (exit 77) without one of them
# ips_tcp_hello NS A P   one TCP connection from namespace NS to A:P (0 when accepted)
# ips_first_probe PCAP SRC   time of SRC's first packet to A in PCAP
# ips_block_epoch ADDR   when ADDR was added to A's block set (from nft's timeout/expires)
# ips_summary JSON ADDR  ADDR's alert lines in detect's JSON, as S_* variables (ips_alerts.py)
# ips_le A B LIMIT       B - A <= LIMIT seconds;  ips_evidence_named: $S_evidence names reasons
#
# The routed part: target A reaches two more links through routers; nothing leaves the lab
# (connected routes and routes inside 198.18.0.0/15 only, no default route):
#
#   A 198.18.0.2 ─ br0 ─ 198.18.0.254 R1 198.18.1.1 ─ br1 ─┬─ L  198.18.1.20 (a live host)
#                                                          └─ 198.18.1.2 R2 198.18.2.1 ─ br2 ─ F 198.18.2.10
#
# L is one hop from A; F (the forger, or a real routed scanner) is two. A forger that uses L's
# address is thus further away than L, as forgers on the Internet are: L's own answers arrive at
# A with TTL 63, hping3's forged probes (TTL 64 at F) with 62; nmap picks a random TTL per probe.
. "$(dirname "${BASH_SOURCE[0]}")/nslib.sh"
IPS_R1=198.18.0.254 IPS_R1B=198.18.1.1 IPS_R2=198.18.1.2 IPS_R2B=198.18.2.1
IPS_L=198.18.1.20 IPS_F=198.18.2.10
IPS_DEAD_LINK=198.18.0.66   # no host has it, on A's link
IPS_DEAD_ROUTED=198.18.1.66 # no host has it, on L's link (R1 asks ARP in vain)

ips__ns() { echo "${LAB_PREFIX}r1 ${LAB_PREFIX}r2 ${LAB_PREFIX}l ${LAB_PREFIX}f"; }

ips_router_down() {
    local ns p
    for ns in $(ips__ns); do
        [ -e "/run/netns/$ns" ] || continue
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
}

# ips__leg NS IF BRIDGE ADDR/LEN — a veth from NS to BRIDGE in the lab's switch namespace
# (named there without the lab prefix: at most 15 characters whatever the prefix).
ips__leg() {
    local sw=${1#"$LAB_PREFIX"}$2
    ip -n "$LAB_NS_SW" link add "$sw" type veth peer name "$2" netns "$1" || return 1
    ip -n "$LAB_NS_SW" link set "$sw" master "$3" up || return 1
    ip -n "$1" addr add "$4" dev "$2" || return 1
    ip -n "$1" link set "$2" up
}

ips_router_up() {
    local p=$LAB_PREFIX ns b
    IPS_NS_R1=${p}r1 IPS_NS_R2=${p}r2 IPS_NS_L=${p}l IPS_NS_F=${p}f
    lab_on_down ips_router_down
    for ns in $(ips__ns); do
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up || return 1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null || return 1
    done
    for b in br1 br2; do
        ip -n "$LAB_NS_SW" link add $b type bridge stp_state 0 forward_delay 0 || return 1
        ip -n "$LAB_NS_SW" link set $b up || return 1
    done
    ips__leg "$IPS_NS_R1" e0 br0 $IPS_R1/24 && ips__leg "$IPS_NS_R1" e1 br1 $IPS_R1B/24 &&
        ips__leg "$IPS_NS_R2" e0 br1 $IPS_R2/24 && ips__leg "$IPS_NS_R2" e1 br2 $IPS_R2B/24 &&
        ips__leg "$IPS_NS_L" e0 br1 $IPS_L/24 && ips__leg "$IPS_NS_F" e0 br2 $IPS_F/24 || return 1
    for ns in "$IPS_NS_R1" "$IPS_NS_R2"; do
        ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
    done
    ip -n "$LAB_NS_A" route add 198.18.1.0/24 via $IPS_R1 &&
        ip -n "$LAB_NS_A" route add 198.18.2.0/24 via $IPS_R1 &&
        ip -n "$IPS_NS_R1" route add 198.18.2.0/24 via $IPS_R2 &&
        ip -n "$IPS_NS_R2" route add 198.18.0.0/24 via $IPS_R1B &&
        ip -n "$IPS_NS_L" route add 198.18.0.0/23 via $IPS_R1B &&
        ip -n "$IPS_NS_L" route add 198.18.2.0/24 via $IPS_R2 &&
        ip -n "$IPS_NS_F" route add 198.18.0.0/23 via $IPS_R2B || return 1
    # L and F reach A's web server: the routes work both ways
    ips_tcp_hello "$IPS_NS_F" "$LAB_A" 80 && ips_tcp_hello "$IPS_NS_L" "$LAB_A" 80 ||
        { echo "routed part: no connectivity"; return 1; }
}

# ips_tcp_hello NS ADDR PORT — one TCP connection from NS (0 when it was accepted)
ips_tcp_hello() { ip netns exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }

ips_mac() { ip -n "$1" -br link show "$2" | awk '{print $3}'; }

ips_masscan_prep() {
    ip netns exec "$LAB_NS_SCAN" ethtool -K "$LAB_IF_SCAN" tso off gso off sg off >/dev/null 2>&1
    ip netns exec "$LAB_NS_SCAN" ethtool -K "$LAB_IF_SCAN" gro off >/dev/null 2>&1
    return 0
}

# (nslib.sh's capture, in A's namespace, on A's interface, every frame)
ips_capture_start() { NS=$LAB_NS_A capture_start "$1" "$LAB_IF_A" ""; }
ips_capture_stop() { capture_stop; }

# ips_need TOOL... — exit 77 (skip) unless every TOOL is there (python3-scapy as "scapy")
ips_need() {
    local t
    for t in "$@"; do
        if [ "$t" = scapy ]; then
            /usr/bin/python3 -c 'import scapy' 2>/dev/null && continue
        else
            command -v "$t" >/dev/null && continue
        fi
        echo "SKIP: needs $t"
        exit 77
    done
}

IPS_PY=$(dirname "${BASH_SOURCE[0]}")/ips_alerts.py

# ips_first_probe PCAP SRC — epoch time of the first IP packet from SRC to A in PCAP.
ips_first_probe() {
    tcpdump -tt -nn -r "$1" -c 1 "ip src $2 and ip dst $LAB_A" 2>/dev/null | awk '{print $1}'
}

# ips_block_epoch ADDR — when ADDR was put in A's block set (epoch seconds, from the
# element's timeout and expires); nothing when it is not there.
ips_block_epoch() {
    local now out
    out=$(ip netns exec "$LAB_NS_A" nft list set inet portreeve blocklist 2>/dev/null)
    now=$(date +%s.%N) # (after the listing: the time is late by a few ms, never early)
    echo "$out" | /usr/bin/python3 "$IPS_PY" inserted "$now" | awk -v a="$1" '$1 == a { print $2 }'
}

# ips_summary ALERTS ADDR — `ips_alerts.py summary` as shell variables S_lines, S_blocked,
# S_first_seen, S_blocked_ts, S_actions, S_members, S_evidence (and the line printed).
ips_summary() {
    local line kv
    line=$(/usr/bin/python3 "$IPS_PY" summary "$1" "$2") || return 1
    echo "  alerts of $2: $line"
    S_lines=0 S_blocked=0 S_first_seen=- S_blocked_ts=- S_actions=- S_members=0 S_evidence=
    for kv in $line; do
        case $kv in
        lines=* | blocked=* | first_seen=* | blocked_ts=* | actions=* | members=* | evidence=*)
            printf -v "S_${kv%%=*}" '%s' "${kv#*=}" ;;
        esac
    done
}

# ips_le A B LIMIT — 0 when B - A <= LIMIT (seconds); prints the difference.
ips_le() {
    /usr/bin/python3 -c 'import sys; d = float(sys.argv[2]) - float(sys.argv[1]); print("%.3f s" % d); sys.exit(d > float(sys.argv[3]))' "$@"
}

# ips_evidence_named — 0 when $S_evidence is a non-empty JSON list of named reasons (each a
# non-empty string or object).
ips_evidence_named() {
    /usr/bin/python3 -c 'import json, sys; e = json.loads(sys.argv[1]); sys.exit(not (isinstance(e, list) and e and all(isinstance(x, (str, dict)) and x for x in e)))' "$S_evidence" 2>/dev/null
}
