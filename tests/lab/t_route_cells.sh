#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# Route planning by cells (net/fibcells.h) gives, for every address of 198.18.0.0/15,
# exactly the answer of one RTM_GETROUTE per address, in a namespace of its own whose
# tables hold what makes cells hard: connected networks, gateways, more specific routes
# inside larger ones, host routes, blackhole/unreachable/prohibit routes, a second table
# reached by `to` rules (one of them splits a route of that table: only part of it is
# reached by the rule, the rest falls through to the main table), a local range (whose source is each destination itself), a route with its
# own source, broadcast addresses, a cached exception (an ICMP redirect for one address);
# loopback addresses go one by one. A multipath route
# makes the cells unusable (and the answers still agree). Route lookups only: no packet
# is sent. Runs build/route_check (tests/tools/).
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup rc "$@"
CHECK=$(dirname "$PORTREEVE")/route_check
[ -x "$CHECK" ] || { echo "skip: $CHECK not built"; exit 77; }

n() { ip -n "$NS" "$@"; }
n link add d0 type veth peer name p0 && n link add d1 type veth peer name p1 &&
    for l in d0 p0 d1 p1; do n link set $l up || exit 1; done &&
    n addr add 198.18.0.1/24 dev d0 && n addr add 198.18.1.1/24 dev d1 &&
    n addr add 198.19.11.1/24 dev d1 &&
    n route add default via 198.18.0.254 &&
    n route add 198.19.0.0/16 via 198.18.1.254 &&
    n route add 198.19.4.0/24 via 198.18.0.253 &&
    n route add 198.19.5.7/32 dev d1 &&
    n route add blackhole 198.19.6.0/24 &&
    n route add unreachable 198.19.7.0/24 &&
    n route add prohibit 198.19.8.0/25 &&
    n route add 198.19.9.0/24 via 198.18.1.253 table 100 &&
    n route add 198.19.9.128/25 via 198.18.1.252 table 100 &&
    n route add 198.19.8.0/21 via 198.18.1.251 table 100 &&
    n rule add to 198.19.9.0/24 lookup 100 pref 100 &&
    n rule add to 198.19.10.0/24 lookup 100 pref 101 &&
    n route add local 198.19.12.0/24 dev lo &&
    n route add 198.19.13.0/24 via 198.18.0.252 src 198.18.1.1 ||
    { echo "FAIL lab set-up"; exit 1; }

# A cached exception: an ICMP redirect from the default gateway (198.18.0.254) for
# 198.18.77.7 to 198.18.0.250 (a permanent neighbour), injected on d0's peer. The kernel
# takes redirects quoting an ICMP echo reply without a socket (icmp_err).
n neigh add 198.18.0.250 lladdr 02:00:00:00:00:fa dev d0 nud permanent &&
    in_ns /usr/bin/python3 - <<'PY' ||
import socket, struct
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF
def ip(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
def icmp(t, code, rest, data):
    b = struct.pack("!BBH4s", t, code, 0, rest) + data
    return b[:2] + struct.pack("!H", csum(b)) + b[4:]
inner = ip("198.18.0.1", "198.18.77.7", 1, icmp(0, 0, b"\0\1\0\1", b""))
pkt = ip("198.18.0.254", "198.18.0.1", 1, icmp(5, 1, socket.inet_aton("198.18.0.250"), inner))
mac = open("/sys/class/net/d0/address").read().strip()
eth = bytes.fromhex(mac.replace(":", "")) + bytes.fromhex("020000000001") + b"\x08\x00"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("p0", 0))
s.send(eth + pkt)
PY
    { echo "FAIL redirect set-up"; exit 1; }
for i in 1 2 3 4 5 6 7 8 9 10; do
    n route get 198.18.77.7 | grep -q "via 198.18.0.250" && break
    sleep 0.1
done
check "the kernel took the redirect" sh -c "ip -n $NS route get 198.18.77.7 | grep -q 'via 198.18.0.250'"

run() { # CIDR...: route_check in the namespace; sets out and rc
    out=$(in_ns "$CHECK" "$@")
    rc=$?
    echo "$out"
}
run 198.18.0.0/15 127.0.0.0/22
check "cells are used for these tables" grep -q "^cells=usable" <<<"$out"
check "every address has the answer of its own lookup" test "$rc" = 0
# 131072 + 1024 addresses: all but the errors and the unreachable ones are routed
check "the lookups ran over every address" grep -q "targets=132096 routed=1[0-9]\{5\} differ=0" <<<"$out"

n route add 198.19.14.0/24 nexthop via 198.18.0.251 nexthop via 198.18.0.250 ||
    { echo "FAIL multipath set-up"; exit 1; }
run 198.18.0.0/16 198.19.0.0/20
check "a multipath route makes cells unusable" grep -q '^cells=unusable why="multipath' <<<"$out"
check "and the answers still agree" test "$rc" = 0

exit $fail
