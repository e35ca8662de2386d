#!/usr/bin/env bash
# timeout: 150
# parallel: yes
# Replies that do not acknowledge the probe's sequence number (docs/scan-engine.md,
# "Stateless validation"). Scanner (198.18.0.1) and target (198.18.0.2) in two namespaces
# joined by a veth pair. In the target, nftables drops TCP to 7101-7108 (no kernel RST) and
# a scapy responder answers the probes there:
#   SYN (-sS): 7101 SYN/ACK ack=seq+1, 7102 SYN/ACK ack=seq+2, 7103 SYN/ACK ack=0,
#              7104 SYN/ACK ack=random, 7105 RST/ACK ack=seq+1, 7106 RST/ACK ack=random,
#              7107 RST seq=0 ack=0 (no ACK flag), 7108 nothing
#   ACK (-sA): 7101 RST seq=probe's ack, 7102 RST seq=random, 7103 RST/ACK both random
#   FIN (-sF): 7101 RST/ACK ack=seq+1, 7102 RST/ACK ack=random, 7103 RST/ACK ack=seq
# nmap 7.93 matches a TCP reply by addresses and ports only (without -g), so it names
# each port by its flags; portreeve must name every port as nmap does. Then, while a
# forger sprays SYN/ACKs with random numbers from 7108 to every source port the scanner
# may use, portreeve believes no reply without its cookie from that host: 7108 and 7104
# are filtered, 7101 (cookie acknowledged) stays open. Last, -g (a fixed source port):
# nmap checks the numbers then, and so does portreeve (7102-7104 filtered).
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prsa "$@"
command -v nmap >/dev/null || { echo "skip: nmap missing"; exit 77; }
ns_peer prsb 198.18.0.1 198.18.0.2
in_peer nft -f - <<'NFT'
table inet t {
    chain in {
        type filter hook input priority 0;
        tcp dport 7101-7108 drop
    }
}
NFT

ip netns exec "$PEER" timeout 120 /usr/bin/python3 -c '
import sys, random, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, send, sniff, conf
conf.verb = 0
iface, w = sys.argv[1], sys.argv[2]
out = conf.L3socket(iface=iface)  # one socket: send() would open one per answer
M = 0xffffffff
rnd = lambda: random.getrandbits(32)
def answer(p):
    t, port = p[TCP], p[TCP].dport
    f, seq, ack = str(t.flags), t.seq, t.ack
    r = None  # (flags, seq, ack)
    if f == "S":
        r = {7101: ("SA", rnd(), seq + 1), 7102: ("SA", rnd(), seq + 2), 7103: ("SA", rnd(), 0),
             7104: ("SA", rnd(), rnd()), 7105: ("RA", 0, seq + 1), 7106: ("RA", 0, rnd()),
             7107: ("R", 0, 0)}.get(port)
    elif f == "A":
        r = {7101: ("R", ack, 0), 7102: ("R", rnd(), 0), 7103: ("RA", rnd(), rnd())}.get(port)
    elif f == "F":
        r = {7101: ("RA", 0, seq + 1), 7102: ("RA", 0, rnd()), 7103: ("RA", 0, seq)}.get(port)
    if r is None:
        return
    out.send(IP(src=p[IP].dst, dst=p[IP].src) / TCP(sport=port, dport=t.sport, flags=r[0],
             seq=r[1] & M, ack=r[2] & M, window=1024 if "S" in r[0] else 0))
sniff(iface=iface, filter="tcp and dst portrange 7101-7108 and dst host 198.18.0.2", prn=answer,
      store=0, timeout=115, started_callback=lambda: open(w + "/resp.ready", "w").close())
' "$PEER_IF" "$W" 2>"$W/resp.err" &
pids+=($!)
for _ in $(seq 300); do [ -e "$W/resp.ready" ] && break; sleep 0.1; done
check "the responder started" test -e "$W/resp.ready"

# one try more than the first, and timeouts that a slow scapy responder meets under load
TIMING=(--max-retries 1 --min-rtt-timeout 400ms --max-rtt-timeout 1s)
state() { grep -o "portid=\"$2\"><state state=\"[a-z|]*\"" "$1" | sed 's/.*state="//; s/"//'; }
# compare TECH EXPECTED... : nmap and portreeve scan the ports, each must say EXPECTED
# (PORT=STATE words, nmap 7.93's answer, checked here too so that a changed nmap shows)
compare() {
    local tech=$1 ports
    shift
    ports=$(printf '%s\n' "$@" | cut -d= -f1 | paste -sd,)
    in_ns nmap "$tech" -Pn -n "${TIMING[@]}" -p "$ports" 198.18.0.2 -oX "$W/nmap$tech.xml" \
        >/dev/null 2>&1
    in_ns "$PORTREEVE" scan "$tech" -Pn -n "${TIMING[@]}" -p "$ports" 198.18.0.2 \
        -oX "$W/pr$tech.xml" >"$W/pr$tech.out" 2>&1
    local pe port want n p
    for pe in "$@"; do
        port=${pe%=*} want=${pe#*=}
        n=$(state "$W/nmap$tech.xml" "$port") p=$(state "$W/pr$tech.xml" "$port")
        printf '   %-4s %s  nmap %-14s portreeve %s\n' "$tech" "$port" "${n:-?}" "${p:-?}"
        check "$tech $port: nmap says $want (${n:-?})" test "$n" = "$want"
        check "$tech $port: portreeve says $want (${p:-?})" test "$p" = "$want"
    done
}
compare -sS 7101=open 7102=open 7103=open 7104=open 7105=closed 7106=closed 7107=closed \
    7108=filtered
compare -sA 7101=unfiltered 7102=unfiltered 7103=unfiltered 7108=filtered
compare -sF 7101=closed 7102=closed 7103=closed 7108='open|filtered'

# -- a forger sprays SYN/ACKs from 7108 with random numbers to every source port
ip netns exec "$PEER" timeout 60 /usr/bin/python3 "$(dirname "$0")/synack_spray.py" 198.18.0.2 \
    198.18.0.1 7108 "$W" 2>"$W/inj.err" &
inj=$!
pids+=($inj)
for _ in $(seq 300); do [ -e "$W/inj.ready" ] && break; sleep 0.1; done
sleep 0.5
check "the forger is spraying" test -e "$W/inj.ready"
in_ns "$PORTREEVE" scan -sS -Pn -n -v "${TIMING[@]}" -p 7101,7104,7108 198.18.0.2 \
    -oX "$W/spray.xml" >"$W/spray.out" 2>&1
check "the forger was still spraying after the scan" kill -0 $inj
touch "$W/inj.stop"
wait $inj
for pe in 7101=open 7104=filtered 7108=filtered; do
    p=$(state "$W/spray.xml" "${pe%=*}")
    check "sprayed: ${pe%=*} is ${pe#*=} (${p:-?})" test "$p" = "${pe#*=}"
done
check "sprayed: the scan says why it believed no reply without its cookie" \
    grep -q 'replies to source ports no probe used' "$W/spray.out"

# -- the local port range: this host's own connection to the target, from a port in
# 61008-65535, is no forger when the range lets local sockets use that port. A server on
# 7110 sends a byte every 20 ms to a client bound to 62000 in the scanner namespace.
# Default range (32768-60999): 62000 is no local port, so the segments are strays, as
# before. 1024-65000: they are not (our source ports come from 65008-65519 then): nmap's
# states, no "forged?". 1024-65535: no source port of ours is safe from local sockets,
# only the cookie is believed (7104 filtered, like -g) and the scan says why.
check "the scanner namespace has Linux's default local port range" \
    test "$(in_ns sysctl -n net.ipv4.ip_local_port_range | tr -s ' \t' ' ')" = "32768 60999"
ip netns exec "$PEER" timeout 90 /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 7110))
s.listen(4)
open(sys.argv[1] + "/talk.ready", "w").close()
s.settimeout(30)
c, _ = s.accept()
while not os.path.exists(sys.argv[1] + "/talk.stop"):
    c.send(b".")
    time.sleep(0.02)
' "$W" 2>"$W/talk.err" &
pids+=($!)
for _ in $(seq 300); do [ -e "$W/talk.ready" ] && break; sleep 0.1; done
ip netns exec "$NS" timeout 90 /usr/bin/python3 -c '
import os, socket, sys
c = socket.socket()
c.bind(("198.18.0.1", 62000))
c.connect(("198.18.0.2", 7110))
n = 0
while True:
    b = c.recv(4096)
    if not b:
        break
    n += len(b)
    with open(sys.argv[1] + "/talk.n.tmp", "w") as f:
        f.write(str(n))
    os.replace(sys.argv[1] + "/talk.n.tmp", sys.argv[1] + "/talk.n")
' "$W" 2>"$W/talk.cerr" &
pids+=($!)
for _ in $(seq 300); do [ -s "$W/talk.n" ] && break; sleep 0.1; done
check "the connection 198.18.0.1:62000 -> 198.18.0.2:7110 carries data" test -s "$W/talk.n"
talked() { cat "$W/talk.n" 2>/dev/null || echo 0; }
absent() { ! grep -q "$@"; }
LP=(-p 7101,7104,7108,7110)
in_ns "$PORTREEVE" scan -sS -Pn -n "${TIMING[@]}" "${LP[@]}" 198.18.0.2 -oX "$W/lpdef.xml" \
    >"$W/lpdef.out" 2>&1
check "default range: the connection's segments are strays (forged? warning)" \
    grep -q 'replies to source ports no probe used' "$W/lpdef.out"
p=$(state "$W/lpdef.xml" 7104)
check "default range: 7104 (matched by ports only) is withdrawn: filtered (${p:-?})" \
    test "$p" = filtered
check "range 1024-65000 set in the scanner namespace" \
    in_ns sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
n0=$(talked)
compare -sS 7101=open 7104=open 7108=filtered 7110=open
check "range 1024-65000: no forged? warning" absent 'forged' "$W/pr-sS.out"
check "range 1024-65535 set in the scanner namespace" \
    in_ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
in_ns "$PORTREEVE" scan -sS -Pn -n "${TIMING[@]}" "${LP[@]}" 198.18.0.2 -oX "$W/lpall.xml" \
    >"$W/lpall.out" 2>&1
n1=$(talked)
touch "$W/talk.stop"
check "the connection carried data during the scans ($n0 then $n1 bytes)" test "$n1" -gt "$n0"
for pe in 7101=open 7104=filtered 7108=filtered 7110=open; do
    p=$(state "$W/lpall.xml" "${pe%=*}")
    check "range 1024-65535: ${pe%=*} is ${pe#*=} (${p:-?})" test "$p" = "${pe#*=}"
done
check "range 1024-65535: no forged? warning" absent 'forged' "$W/lpall.out"
check "range 1024-65535: the scan says why only the cookie is believed" \
    grep -q 'only replies with it are believed' "$W/lpall.out"
in_ns sysctl -qw net.ipv4.ip_local_port_range="32768 60999"

# -- -g: one source port, nothing to tell a probe's try by; the numbers must match
in_ns nmap -sS -Pn -n -g 40123 "${TIMING[@]}" -p 7101-7104 198.18.0.2 -oX "$W/nmapg.xml" \
    >/dev/null 2>&1
in_ns "$PORTREEVE" scan -sS -Pn -n -g 40124 "${TIMING[@]}" -p 7101-7104 198.18.0.2 \
    -oX "$W/prg.xml" >/dev/null 2>&1
for pe in 7101=open 7102=filtered 7103=filtered 7104=filtered; do
    n=$(state "$W/nmapg.xml" "${pe%=*}") p=$(state "$W/prg.xml" "${pe%=*}")
    check "-g ${pe%=*}: nmap ${pe#*=} (${n:-?}), portreeve the same (${p:-?})" \
        test "$n" = "${pe#*=}" -a "$p" = "${pe#*=}"
done
[ "$fail" = 0 ] || { echo "   responder:"; cat "$W/resp.err"; cat "$W/pr-sS.out"; }
exit $fail
