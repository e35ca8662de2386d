#!/usr/bin/env bash
# os_bench.sh — wall time of `portreeve scan -O` next to `nmap -O` on 1 and on 16 lab hosts
# (issue 12's goals: <= 0.35x nmap's time on 1 host, <= 0.15x on 16 hosts, same answers).
#
#   sudo bench/os_bench.sh [--repeats N]
#
# The hosts are namespaces on one bridge (tests/lab/oslab.sh), their stacks set four
# different ways (as in tests/lab/t_os_nmap.sh), each with one open TCP port and the
# port below it closed. Both tools get the same command line: `-n -Pn -O -p CLOSED,OPEN`
# (nmap with its default --max-os-tries). Runs alternate; the median is reported, with
# the top OS match of every host compared between the tools.
set -u
cd "$(dirname "$0")/.."
REPEATS=1
while [ $# -gt 0 ]; do
    case $1 in
    --repeats) REPEATS=$2; shift 2 ;;
    *) echo "usage: $0 [--repeats N]" >&2; exit 2 ;;
    esac
done
BIN=$PWD/build/portreeve
[ -x "$BIN" ] || { echo "build first (make)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces)" >&2; exit 2; }
. tests/lab/oslab.sh
W=$(mktemp -d)
trap 'oslab_down; rm -rf "$W"' EXIT
confs=("" \
    "net.ipv4.tcp_timestamps=0 net.ipv4.ip_default_ttl=128" \
    "net.ipv4.tcp_window_scaling=0 net.ipv4.tcp_sack=0 net.ipv4.tcp_ecn=1" \
    "net.ipv4.tcp_timestamps=0 net.ipv4.tcp_sack=0 net.ipv4.ip_default_ttl=255 net.ipv4.tcp_ecn=0")

# top match per host of an XML file: "addr name accuracy" lines
tops() {
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    m = h.find("os/osmatch")
    print(h.find("address").get("addr"), m.get("name") + " (" + m.get("accuracy") + ")" if m is not None else "-")
EOF
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

timed() { # OUT CMD... : seconds of wall time
    local out=$1 s e
    shift
    s=$(date +%s.%N)
    "$@" >"$out" 2>&1 || { echo "failed: $*" >&2; cat "$out" >&2; }
    e=$(date +%s.%N)
    awk -v a="$s" -v b="$e" 'BEGIN { printf "%.2f\n", b - a }'
}

for n in 1 16; do
    oslab_up "osb$$" "$n" "${confs[@]}" || { echo "lab set-up failed" >&2; exit 1; }
    ports=$((OSLAB_PORT - 1)),$OSLAB_PORT
    : >"$W/nt" && : >"$W/pt"
    for ((r = 0; r < REPEATS; r++)); do
        timed "$W/n.out" ip netns exec "$OSLAB_NS" nmap -n -Pn -O -p "$ports" -oX "$W/n.xml" \
            $OSLAB_T >>"$W/nt"
        timed "$W/p.out" ip netns exec "$OSLAB_NS" "$BIN" scan -n -Pn -O -p "$ports" \
            -oX "$W/p.xml" $OSLAB_T >>"$W/pt"
    done
    nt=$(median <"$W/nt") pt=$(median <"$W/pt")
    tops "$W/n.xml" >"$W/n.tops"
    tops "$W/p.xml" >"$W/p.tops"
    same=$(join "$W/n.tops" "$W/p.tops" -j1 2>/dev/null | wc -l)
    agree=$(diff "$W/n.tops" "$W/p.tops" >/dev/null && echo yes || echo no)
    goal=$([ "$n" = 1 ] && echo 0.35 || echo 0.15)
    echo "$n host(s): nmap -O $(tr '\n' ' ' <"$W/nt")s (median $nt), portreeve -O" \
        "$(tr '\n' ' ' <"$W/pt")s (median $pt): ratio" \
        "$(awk -v a="$pt" -v b="$nt" 'BEGIN { printf "%.3f", a / b }') (goal <= $goal);" \
        "same top matches: $agree ($same hosts)"
    [ "$agree" = yes ] || diff "$W/n.tops" "$W/p.tops" | sed 's/^/   /'
    oslab_down
done
