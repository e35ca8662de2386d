#!/usr/bin/env bash
# timeout: 30
# `portreeve scan --iflist` prints what `nmap --iflist` prints (after the Starting line):
# in a throwaway namespace with lo (down), a veth pair (one end up with an IPv4 and an
# IPv6 address, the other down), an ifb interface (NOARP: type other) and routes with a
# gateway and a metric; then again with lo up (its ::1 and the local routes). Also in the
# root namespace. An unambiguous prefix (--iflis) does the same.
set -u
PORTREEVE=$(readlink -f "${1:-build/portreeve}")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
command -v nmap >/dev/null || { echo "SKIP: nmap missing"; exit 77; }
NS=${LAB_PREFIX:-pr$$}if
WORK=$(mktemp -d)
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
fail=0
ip netns add "$NS" || exit 1
N=(ip -n "$NS")
"${N[@]}" link add "${NS}a" type veth peer name "${NS}b" &&
    "${N[@]}" link set "${NS}a" up &&
    "${N[@]}" addr add 198.18.7.1/24 dev "${NS}a" &&
    "${N[@]}" addr add 2001:2::7/64 dev "${NS}a" nodad &&
    "${N[@]}" route add 198.18.9.0/24 via 198.18.7.9 metric 5 &&
    "${N[@]}" link add "${NS}i" type ifb &&
    "${N[@]}" link set "${NS}i" up &&
    "${N[@]}" addr add 198.18.8.1/25 dev "${NS}i" || { echo "FAIL: namespace set-up"; exit 1; }

compare() { # what, command prefix...
    local what=$1; shift
    "$@" nmap --iflist 2>&1 | tail -n +2 >"$WORK/nmap.txt"
    "$@" "$PORTREEVE" scan --iflist 2>&1 >"$WORK/pr.txt"
    if ! head -n 1 "$WORK/pr.txt" | grep -q '^Starting portreeve '; then
        echo "FAIL: $what: no Starting line"; fail=1
    elif diff -u "$WORK/nmap.txt" <(tail -n +2 "$WORK/pr.txt") >"$WORK/diff"; then
        echo "ok: $what: the same $(grep -c . "$WORK/nmap.txt") lines as nmap --iflist"
    else
        echo "FAIL: $what: differs from nmap --iflist:"; cat "$WORK/diff"; fail=1
    fi
}
compare "namespace, lo down" ip netns exec "$NS"
"${N[@]}" link set lo up
compare "namespace, lo up" ip netns exec "$NS"
ip netns exec "$NS" "$PORTREEVE" scan --iflis >"$WORK/prefix.txt" 2>&1
if grep -q INTERFACES "$WORK/prefix.txt" && cmp -s <(tail -n +2 "$WORK/prefix.txt") <(tail -n +2 "$WORK/pr.txt"); then
    echo "ok: --iflis (a prefix) prints the same tables"
else
    echo "FAIL: --iflis:"; cat "$WORK/prefix.txt"; fail=1
fi
compare "root namespace" env
[ $fail = 0 ] && echo PASS || echo FAIL
exit $fail
