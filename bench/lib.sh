# lib.sh — the benchmark lab of bench/run (sourced, needs root).
#
# Topology (LAB-NOTES.md), every name carries the prefix $BP (default pb$$):
#
#   ${BP}s  scanner  ${BP}s0 198.18.0.1/24  ── one veth pair ──  ${BP}t0 198.18.0.2/24  ${BP}t  target
#                                                                 + AnyIP: local 198.19.0.0/16 dev lo
#                    ${BP}s1 198.18.1.1/24  ── ${BP}w (bridge, no addresses) ──┬─ ${BP}u  198.18.1.2
#                                                                              ├─ ${BP}v  198.18.1.3
#                                                                              ├─ ${BP}x  198.18.1.4
#                                                                              └─ ${BP}y  198.18.1.5
#
# The u/v/x/y namespaces are the UDP targets of workload C: one namespace per host, so each
# has its own ICMP rate limiter (Linux limits ICMP errors per namespace and destination).
# Nothing has a route out: connected routes only, plus 198.19.0.0/16 via the target in the
# scanner. ICMP limits are the kernel defaults. Offloads are off on ${BP}s0 (masscan needs it).
#
# Functions: lab_up, lab_down (also run by the EXIT trap of bench/run), in_scan CMD...,
# in_target CMD..., lab_drop_all on|off (workload E), tx_packets IFACE.

BP=${BP:-pb$$}
NS_S=${BP}s NS_T=${BP}t NS_W=${BP}w
IF_S=${BP}s0 IF_T=${BP}t0 IF_S1=${BP}s1
SCAN_IP=198.18.0.1 TARGET_IP=198.18.0.2 ANYIP_NET=198.19.0.0/16
SCAN_IP1=198.18.1.1
# workload C targets: name suffix and address (u, v for one tool; x, y for the other)
UDP_HOSTS="u:198.18.1.2 v:198.18.1.3 x:198.18.1.4 y:198.18.1.5"
# workload A truth: TCP listeners on 0.0.0.0 (port 80 also answers every 198.19.x.x),
# one port DROPped and one REJECTed with ICMP admin-prohibited by nftables
TCP_OPEN="22 80 443 3306"
TCP_DROP=8888
TCP_ADMIN=9999
# workload C truth per UDP host: answering ports (open), a bound socket that never answers
# and a DROPped port (both open|filtered); every other port of 1-200 is closed
declare -A UDP_OPEN=([u]="53 123 161" [v]="7 111 177" [x]="53 123 161" [y]="7 111 177")
declare -A UDP_SILENT=([u]=137 [v]=199 [x]=137 [y]=199)
declare -A UDP_DROP=([u]=69 [v]=68 [x]=69 [y]=68)

LAB_PIDS=()
LAB_NSS=()
BW=${BW:-/tmp/${BP}.work}

in_scan() { ip netns exec "$NS_S" "$@"; }
in_target() { ip netns exec "$NS_T" "$@"; }
tx_packets() { in_scan cat "/sys/class/net/$1/statistics/tx_packets"; }

lab_down() {
    local p ns
    for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    LAB_PIDS=()
    for ns in "${LAB_NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    LAB_NSS=()
}

_ns_add() { # name
    ip netns add "$1" || return 1
    LAB_NSS+=("$1")
    ip netns exec "$1" ip link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# listeners.py TCP_PORTS -- UDP_ANSWER_PORTS -- UDP_SILENT_PORTS: binds on 0.0.0.0, never exits
_write_listener() {
    cat >"$BW/listeners.py" <<'EOF'
import select, socket, sys
args = " ".join(sys.argv[1:]).split("--")
tcp, udp, silent = ([int(p) for p in a.split()] for a in (args + ["", "", ""])[:3])
keep, answer = [], []
for p in tcp:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(4096); keep.append(s)
for p in udp + silent:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", p)); keep.append(s)
    if p in udp: answer.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(answer or [sys.stdin], [], [], 3600)
    for s in r:
        if s is sys.stdin: continue
        try:
            data, peer = s.recvfrom(2048); s.sendto(b"bench-answer\n", peer)
        except OSError:
            pass
EOF
}

_start_listener() { # ns args...
    local ns=$1 fifo
    shift
    fifo=$BW/ready.$ns
    ip netns exec "$ns" /usr/bin/python3 "$BW/listeners.py" "$@" </dev/null >"$fifo" 2>&1 &
    LAB_PIDS+=($!)
    local i
    for i in $(seq 1 50); do
        grep -q ready "$fifo" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "lab: listener in $ns did not start: $(cat "$fifo")" >&2
    return 1
}

lab_up() {
    mkdir -p "$BW" || return 1
    _write_listener
    _ns_add "$NS_S" && _ns_add "$NS_T" && _ns_add "$NS_W" || return 1
    # scanner <-> target: one veth pair
    ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_T" netns "$NS_T" || return 1
    in_scan ip addr add "$SCAN_IP/24" dev "$IF_S"
    in_scan ip link set "$IF_S" up
    in_target ip addr add "$TARGET_IP/24" dev "$IF_T"
    in_target ip link set "$IF_T" up
    in_target ip route add local "$ANYIP_NET" dev lo
    in_scan ip route add "$ANYIP_NET" via "$TARGET_IP" dev "$IF_S"
    in_scan ethtool -K "$IF_S" tso off gso off sg off >/dev/null 2>&1
    in_target nft -f - <<EOF || return 1
table inet bench {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport $TCP_DROP drop
        tcp dport $TCP_ADMIN reject with icmp type admin-prohibited
    }
}
EOF
    _start_listener "$NS_T" $TCP_OPEN || return 1
    # scanner <-> UDP targets: a bridge in $NS_W
    ip netns exec "$NS_W" ip link add br0 type bridge stp_state 0 forward_delay 0 || return 1
    ip netns exec "$NS_W" ip link set br0 up
    ip link add "$IF_S1" netns "$NS_S" type veth peer name ws netns "$NS_W" || return 1
    ip netns exec "$NS_W" ip link set ws master br0 up
    in_scan ip addr add "$SCAN_IP1/24" dev "$IF_S1"
    in_scan ip link set "$IF_S1" up
    local h n a drop
    for h in $UDP_HOSTS; do
        n=${h%%:*} a=${h#*:}
        _ns_add "$BP$n" || return 1
        ip link add "w$n" netns "$NS_W" type veth peer name "$BP${n}0" netns "$BP$n" || return 1
        ip netns exec "$NS_W" ip link set "w$n" master br0 up
        ip netns exec "$BP$n" ip addr add "$a/24" dev "$BP${n}0"
        ip netns exec "$BP$n" ip link set "$BP${n}0" up
        drop=${UDP_DROP[$n]}
        ip netns exec "$BP$n" nft -f - <<EOF || return 1
table inet bench {
    chain input { type filter hook input priority 0; policy accept; udp dport $drop drop; }
}
EOF
        _start_listener "$BP$n" -- ${UDP_OPEN[$n]} -- ${UDP_SILENT[$n]} || return 1
    done
    # masscan never exits on a silent interface: a trickle of packets from the target,
    # dropped by nftables in the scanner
    in_scan nft -f - <<EOF || return 1
table inet bench {
    chain input { type filter hook input priority 0; policy accept; udp dport 9 drop; }
}
EOF
    # (not through in_target: a function runs in a subshell, and killing that would leave
    # the loop running after the lab is gone; ip netns exec execs timeout, which $! names)
    ip netns exec "$NS_T" timeout 7200 bash -c \
        'for i in $(seq 1 200000); do echo t >/dev/udp/'"$SCAN_IP"'/9; sleep 0.05; done' \
        >/dev/null 2>&1 &
    LAB_PIDS+=($!)
    # no route out anywhere: only connected routes and the AnyIP route towards the target
    local ns
    for ns in "${LAB_NSS[@]}"; do
        if ip netns exec "$ns" ip route show | grep -q '^default'; then
            echo "lab: $ns has a default route" >&2
            return 1
        fi
    done
    # reachability and MAC addresses
    in_scan timeout 3 bash -c "</dev/tcp/$TARGET_IP/22" ||
        { echo "lab: $TARGET_IP:22 unreachable" >&2; return 1; }
    for h in $UDP_HOSTS; do
        n=${h%%:*} a=${h#*:}
        set -- ${UDP_OPEN[$n]}
        in_scan timeout 3 /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b'hi', ('$a', $1)); s.recvfrom(100)" ||
            { echo "lab: $a:$1/udp unreachable" >&2; return 1; }
    done
    TARGET_MAC=$(in_target cat "/sys/class/net/$IF_T/address")
    SCAN_MAC=$(in_scan cat "/sys/class/net/$IF_S/address")
    return 0
}

# Workload E: the target drops everything it receives over IP (ARP still answers).
lab_drop_all() { # on|off
    if [ "$1" = on ]; then
        in_target nft -f - <<'EOF'
table inet benchdrop {
    chain pre { type filter hook prerouting priority -300; policy drop; }
}
EOF
    else
        in_target nft delete table inet benchdrop 2>/dev/null
    fi
}
