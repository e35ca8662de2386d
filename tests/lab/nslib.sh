# nslib.sh — the prologue of tests that need one fresh namespace with only loopback up
# (sourced). `ns_test_setup TAG "$@"` sets PORTREEVE (absolute path of the binary given as
# the test's first argument), NS (a unique namespace), W (a scratch directory), pids (add
# background processes to it: they are killed on exit), and defines in_ns CMD... and
# check DESCRIPTION CMD... (prints ok/FAIL; a failure sets fail=1). Exits 77 without root.
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
    rm -rf "$W"
}
in_ns() { ip netns exec "$NS" "$@"; }
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
