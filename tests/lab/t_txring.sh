#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# The TX ring send path (rawio_ring + rawio_queue_via) on a veth pair between two
# namespaces of its own (198.18.1.0/24, no other routes): 1000 SYNs built by
# pkt_build_tcp arrive at the peer through the ring, all well formed (tcpdump -vv finds
# the IP and TCP checksums correct) with the right MACs, none shows up as a received
# packet on the scanner's own rawio socket; a next hop with no neighbour entry goes
# through the raw socket instead (and through the ring once the kernel has resolved
# it); the loopback interface is refused. Runs build/txring_probe (tests/tools/).
set -u
PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
PROBE=$(dirname "$PORTREEVE")/txring_probe
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x "$PROBE" ] || { echo "skip: $PROBE not built"; exit 77; }
command -v tcpdump >/dev/null || { echo "skip: no tcpdump"; exit 77; }
S=trs$$ T=trt$$ # scanner and target namespaces
W=$(mktemp -d)
TCPDUMP=
fail=0
cleanup() {
    [ -n "$TCPDUMP" ] && kill "$TCPDUMP" 2>/dev/null
    ip netns del "$S" 2>/dev/null
    ip netns del "$T" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
. "$(dirname "$0")/check.sh"
ip netns add "$S" && ip netns add "$T" &&
    ip link add "${S}0" netns "$S" type veth peer name "${T}0" netns "$T" &&
    ip -n "$S" link set lo up && ip -n "$T" link set lo up &&
    ip -n "$S" addr add 198.18.1.1/24 dev "${S}0" &&
    ip -n "$T" addr add 198.18.1.2/24 dev "${T}0" &&
    ip -n "$T" addr add 198.18.1.4/24 dev "${T}0" &&
    ip -n "$S" link set "${S}0" up && ip -n "$T" link set "${T}0" up || exit 1
MAC_S=$(ip -n "$S" -br link show "${S}0" | awk '{print $3}')
MAC_T=$(ip -n "$T" -br link show "${T}0" | awk '{print $3}')

probe() { # DST NEXTHOP COUNT MODE: runs the probe in the scanner, output in $W/out
    ip netns exec "$S" "$PROBE" "${S}0" 198.18.1.1 "$@" >"$W/out" 2>&1
    local rc=$?
    echo "     probe $*: $(cat "$W/out")"
    return $rc
}
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" "$W/out"; }
is() { [ "$(field "$1")" = "$2" ]; }

ip netns exec "$T" tcpdump -B 65536 --immediate-mode -U -i "${T}0" -nn -w "$W/syn.pcap" \
    'src host 198.18.1.1 and tcp[13] == 2' 2>"$W/tcpdump.err" &
TCPDUMP=$!
for _ in $(seq 50); do grep -q listening "$W/tcpdump.err" && break; sleep 0.1; done

# 1. empty neighbour table: the raw socket sends, and the kernel resolves 198.18.1.2
probe 198.18.1.2 - 1 ring
check "unknown next hop: raw socket (ring_sent=0 sock_sent=1)" is ring_sent 0
check "unknown next hop: raw socket (sock_sent=1)" is sock_sent 1
for _ in $(seq 50); do
    ip -n "$S" neigh show 198.18.1.2 | grep -q -E 'REACHABLE|STALE|DELAY' && break
    sleep 0.1
done
# 2. 1000 SYNs through the ring
probe 198.18.1.2 - 1000 ring
check "1000 SYNs through the ring (ring_sent=1000)" is ring_sent 1000
check "none through the raw socket (sock_sent=0)" is sock_sent 0
check "own frames not handed out as received by rawio (own_incoming=0)" is own_incoming 0
check "own frames not seen as incoming by a tap (tap_incoming=0)" is tap_incoming 0
check "every SYN answered (replies=1000)" is replies 1000
# 3. a second address of the target, never resolved: socket, then the ring
probe 198.18.1.4 - 1 ring
check "next hop 198.18.1.4 unknown: raw socket" is sock_sent 1
for _ in $(seq 50); do
    ip -n "$S" neigh show 198.18.1.4 | grep -q -E 'REACHABLE|STALE|DELAY' && break
    sleep 0.1
done
probe 198.18.1.4 - 1 ring
check "next hop 198.18.1.4 resolved by the kernel: ring" is ring_sent 1
# 4. loopback is refused with a reason
out=$(ip netns exec "$S" "$PROBE" lo 127.0.0.1 127.0.0.1 - 1 ring 2>&1)
echo "     probe on lo: $out"
check "loopback refused" grep -q "loopback, TX ring not used" <<<"$out"

sleep 0.5
kill -INT "$TCPDUMP"
wait "$TCPDUMP" 2>/dev/null
TCPDUMP=
tcpdump -r "$W/syn.pcap" -nn -e -vv 2>/dev/null >"$W/syn.txt"
frames=$(grep -c "^[0-9:.]* $MAC_S > $MAC_T, ethertype IPv4 (0x0800), length 54:" "$W/syn.txt")
good=$(grep -c -E '198\.18\.1\.1\.[0-9]+ > 198\.18\.1\.2\.[0-9]+: Flags \[S\], cksum 0x[0-9a-f]+ \(correct\)' "$W/syn.txt")
good4=$(grep -c -E '198\.18\.1\.1\.[0-9]+ > 198\.18\.1\.4\.[0-9]+: Flags \[S\], cksum 0x[0-9a-f]+ \(correct\)' "$W/syn.txt")
bad=$(grep -c -i -E 'bad cksum|incorrect' "$W/syn.txt")
ports=$(grep -o -E '> 198\.18\.1\.2\.[0-9]+: Flags \[S\]' "$W/syn.txt" | sort -u | wc -l)
echo "     peer saw: $frames frames $MAC_S > $MAC_T, $good good SYNs to .2 ($ports ports), $good4 to .4, $bad bad checksums"
check "peer: 1001 SYNs to 198.18.1.2 with correct checksums (1 socket + 1000 ring)" [ "$good" = 1001 ]
check "peer: 1000 distinct destination ports" [ "$ports" = 1000 ]
check "peer: 2 SYNs to 198.18.1.4 with correct checksums" [ "$good4" = 2 ]
check "peer: every frame from the scanner's MAC to the target's" [ "$frames" = 1003 ]
check "peer: no bad checksum" [ "$bad" = 0 ]
exit $fail
