# nslib.sh — the prologue of tests that need one fresh namespace with only loopback up
# (sourced). `ns_test_setup TAG "$@"` sets PORTREEVE (absolute path of the binary given as
# the test's first argument), NS (a unique namespace), W (a scratch directory), pids (add
# background processes to it: they are killed on exit), and defines in_ns CMD...,
# check DESCRIPTION CMD... (prints ok/FAIL; a failure sets fail=1), listen_tcp,
# capture_start/capture_stop and ns_peer (below). Exits 77 without root.
ns_test_setup() {
    PORTREEVE=$(readlink -f "${2:?usage: $0 /path/to/portreeve}")
    [ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
    NS=$1$$
    W=$(mktemp -d)
    pids=()
    fail=0
    trap ns_test_cleanup EXIT
    ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
}
ns_test_cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    [ -n "${PEER:-}" ] && ip netns del "$PEER" 2>/dev/null
    rm -rf "$W"
}
in_ns() { ip netns exec "$NS" "$@"; }
# ns_peer TAG ADDR PEER_ADDR: a second namespace, PEER (TAG and the pid), joined to NS by a
# veth pair: NS_IF in NS with ADDR/24, PEER_IF in PEER with PEER_ADDR/24 (offloads as the
# kernel creates them); deleted on exit. in_peer CMD... runs in it.
ns_peer() {
    PEER=$1$$ NS_IF=${1}s$$ PEER_IF=${1}p$$
    ip netns add "$PEER" && ip -n "$PEER" link set lo up || exit 1
    ip link add "$NS_IF" netns "$NS" type veth peer name "$PEER_IF" netns "$PEER" || exit 1
    in_ns ip addr add "$2/24" dev "$NS_IF"
    in_ns ip link set "$NS_IF" up
    ip -n "$PEER" addr add "$3/24" dev "$PEER_IF"
    ip -n "$PEER" link set "$PEER_IF" up
}
in_peer() { ip netns exec "$PEER" "$@"; }
# listen_tcp ADDR PORT: a TCP listener in the namespace (for 150 s); returns once it
# listens, so that no scan races its start.
listen_tcp() { # (not through in_ns: a backgrounded function is a subshell, not the process)
    ip netns exec "$NS" timeout 150 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64); time.sleep(150)' "$1" "$2" &
    pids+=($!)
    for _ in $(seq 100); do in_ns ss -ltn | grep -q " $1:$2 " && return 0; sleep 0.1; done
    echo "listener on $1:$2 did not start"
    exit 1
}
# capture_start FILE IFACE FILTER: tcpdump in the namespace with a 16 MiB ring, returning
# once it captures (sets capture_pid); capture_stop waits out the ring's 1 s block
# timeout, so that the last packets are written, then stops it. (With --immediate-mode
# and the default ring, one run of t_scan_shard_resume missed 4 SYNs of 12000.) CAP_NS set:
# in that namespace instead (the peer's).
capture_start() {
    ip netns exec "${CAP_NS:-$NS}" tcpdump -i "$2" -B 16384 -U -w "$1" "$3" 2>"$1.err" &
    capture_pid=$!
    pids+=($capture_pid)
    for _ in $(seq 100); do grep -q listening "$1.err" 2>/dev/null && return 0; sleep 0.1; done
    echo "tcpdump did not start:"
    cat "$1.err"
    exit 1
}
capture_stop() {
    sleep 1.2
    kill -TERM "$capture_pid" 2>/dev/null
    wait "$capture_pid" 2>/dev/null
}
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
