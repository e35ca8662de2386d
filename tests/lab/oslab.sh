# oslab.sh — a lab link for OS detection (sourced by t_os_nmap.sh and bench/os_bench.sh):
# a scanner namespace with a bridge (198.18.$OSLAB_NET.1/24) and N target namespaces on it
# (198.18.$OSLAB_NET.2 ...), each with its own TCP/IP stack settings and one open TCP port
# (python3's http.server on $OSLAB_PORT; the port below it is closed). Needs root.
#
# oslab_up PREFIX N [SYSCTLS...]: target i gets SYSCTLS[i % count] ("" for the defaults;
# otherwise space-separated sysctl assignments such as "net.ipv4.tcp_sack=0"). Sets
# OSLAB_NS (scanner) and OSLAB_T (target addresses, space-separated); oslab_down removes
# everything (call it from an EXIT trap).
OSLAB_NET=${OSLAB_NET:-$((RANDOM % 200 + 20))}
OSLAB_PORT=8000
oslab_pids=()
oslab_nss=()

oslab_down() {
    local p n
    for p in "${oslab_pids[@]}"; do kill "$p" 2>/dev/null; done
    for n in "${oslab_nss[@]}"; do ip netns del "$n" 2>/dev/null; done
    oslab_pids=()
    oslab_nss=()
}

oslab_up() {
    local pre=$1 n=$2
    shift 2
    local confs=("$@")
    [ ${#confs[@]} -gt 0 ] || confs=("")
    OSLAB_NS=${pre}s
    OSLAB_T=
    ip netns add "$OSLAB_NS" || return 1
    oslab_nss+=("$OSLAB_NS")
    ip -n "$OSLAB_NS" link set lo up
    ip -n "$OSLAB_NS" link add br0 type bridge
    ip -n "$OSLAB_NS" addr add "198.18.$OSLAB_NET.1/24" dev br0
    ip -n "$OSLAB_NS" link set br0 up
    local i ns addr s
    for ((i = 0; i < n; i++)); do
        ns=${pre}t$i
        addr=198.18.$OSLAB_NET.$((i + 2))
        ip netns add "$ns" || return 1
        oslab_nss+=("$ns")
        ip -n "$ns" link set lo up
        ip link add "${pre}a$i" netns "$OSLAB_NS" type veth peer name eth0 netns "$ns" || return 1
        ip -n "$OSLAB_NS" link set "${pre}a$i" master br0 up
        for s in ${confs[i % ${#confs[@]}]}; do
            ip netns exec "$ns" sysctl -qw "$s" || return 1
        done
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip netns exec "$ns" timeout 300 python3 -m http.server --bind "$addr" "$OSLAB_PORT" \
            >/dev/null 2>&1 &
        oslab_pids+=($!)
        OSLAB_T="$OSLAB_T $addr"
    done
    for addr in $OSLAB_T; do # every server listens before anyone scans
        i=$((${addr##*.} - 2))
        for _ in $(seq 100); do
            ip netns exec "${pre}t$i" ss -ltn | grep -q " $addr:$OSLAB_PORT " && break
            sleep 0.1
        done
    done
    OSLAB_T=${OSLAB_T# }
}
