#!/usr/bin/env bash
# timeout: 90
# parallel: yes
# Decoys (-D), fragments (-f, --mtu) and --packet-trace / -d, seen on the wire. Scanner
# (198.18.70.1) and target (198.18.70.2) in two namespaces joined by a veth pair; the
# decoys 198.18.70.7 and .8 are extra addresses of the scanner's interface, so the
# target's SYN/ACKs to them really come back to the scanner's host (and must not count).
# The target listens on 7010 and 7011; 7012 and 7013 are closed. tcpdump in the target
# namespace records what arrives; nmap runs the same scans for comparison. (The listeners
# outlive any run: with the ASan binary the test takes about 70 s.)
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prev "$@"
command -v nmap >/dev/null || { echo "skip: nmap is not installed"; exit 77; }
ns_peer prevt 198.18.70.1 198.18.70.2
T=198.18.70.2 ME=198.18.70.1 D1=198.18.70.7 D2=198.18.70.8
in_ns ip addr add "$D1/24" dev "$NS_IF"
in_ns ip addr add "$D2/24" dev "$NS_IF"
for p in 7010 7011; do
    ip netns exec "$PEER" timeout 300 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64); time.sleep(300)' "$T" "$p" &
    pids+=($!)
done
for _ in $(seq 100); do [ "$(in_peer ss -ltn | grep -c ':701[01] ')" = 2 ] && break; sleep 0.1; done
PORTS=7010-7013

# cap_start NAME FILTER (then capture_stop): tcpdump on the target's interface (nslib.sh)
cap_start() { CAP_NS=$PEER capture_start "$W/$1.pcap" "$PEER_IF" "$2"; }
# states FILE.xml: "7010/open 7011/open ..." (portreeve and nmap write the same XML)
states() {
    grep -o 'portid="[0-9]*"><state state="[a-z|]*"' "$1" |
        sed 's/portid="\([0-9]*\)"><state state="\([a-z|]*\)"/\1\/\2/' | sort | tr '\n' ' '
}
# frag_groups FILE.pcap: per IP id, the fragments as "len@offset[+]" in arrival order, one
# group per line, sorted
frag_groups() {
    tcpdump -r "$1" -nn -v 2>/dev/null | grep -o 'id [0-9]*, offset [0-9]*, flags \[[^]]*\], proto TCP (6), length [0-9]*' |
        awk '{gsub(",", ""); id = $2; off = $4; mf = ($6 ~ /\+/) ? "+" : ""; len = $NF
              g[id] = g[id] (g[id] == "" ? "" : " ") len "@" off mf; if (!(id in o)) { o[id] = n++ } }
             END { for (id in g) print g[id] }' | sort
}

in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 1 -p $PORTS "$T" -oX "$W/plain.xml" >/dev/null 2>&1
plain=$(states "$W/plain.xml")
check "without -D: 7010, 7011 open, 7012, 7013 closed ($plain)" \
    test "$plain" = "7010/open 7011/open 7012/closed 7013/closed "

# ---- -D D1,D2,ME ------------------------------------------------------------------
cap_start decoy "tcp and host $T"
in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 1 -D "$D1,$D2,ME" --packet-trace -p $PORTS "$T" \
    -oX "$W/decoy.xml" >"$W/decoy.out" 2>"$W/decoy.err"
check "-D: the scan exits 0" test $? -eq 0
capture_stop
tcpdump -r "$W/decoy.pcap" -nn "dst host $T and tcp[13] == 2" 2>/dev/null | awk '{split($3, s, "."); split($5, d, ".");
    sub(":", "", d[5]); print s[1] "." s[2] "." s[3] "." s[4], d[5]}' >"$W/decoy.syns"
nsyn=$(wc -l <"$W/decoy.syns")
check "-D: every probe arrived from D1, D2 and us, in that order ($nsyn SYNs)" \
    awk -v d1="$D1" -v d2="$D2" -v me="$ME" 'BEGIN { want[0] = d1; want[1] = d2; want[2] = me }
        { if ($1 != want[(NR - 1) % 3]) bad = 1
          if ((NR - 1) % 3 == 0) port = $2; else if ($2 != port) bad = 1 }
        END { exit (bad || NR == 0 || NR % 3) }' "$W/decoy.syns"
check "-D: every port was probed from all three sources" \
    test "$(awk '{print $2}' "$W/decoy.syns" | sort -u | tr '\n' ' ')" = "7010 7011 7012 7013 "
dstates=$(states "$W/decoy.xml")
check "-D: the states equal the scan without decoys ($dstates)" test "$dstates" = "$plain"
in_ns nmap -sS -Pn -n --max-retries 1 -D "$D1,$D2,ME" -p $PORTS "$T" -oX "$W/nmap-decoy.xml" \
    >/dev/null 2>&1
nstates=$(states "$W/nmap-decoy.xml")
check "-D: the states equal nmap -D's ($nstates)" test "$dstates" = "$nstates"
acks=$(tcpdump -r "$W/decoy.pcap" -nn "src host $T and (dst host $D1 or dst host $D2) and tcp[13] == 18" 2>/dev/null | wc -l)
check "-D: the target answered the decoys' SYNs to open ports ($acks SYN/ACKs to D1, D2), ignored" \
    test "$acks" -ge 4

# ---- --packet-trace --------------------------------------------------------------
nsent=$(grep -c '^SENT ' "$W/decoy.out")
check "--packet-trace: one SENT line per SYN on the wire ($nsent lines, $nsyn SYNs)" \
    test "$nsent" = "$nsyn"
sent_re='^SENT \([0-9]+\.[0-9]{4}s\) TCP 198\.18\.70\.[178]:[0-9]+ > 198\.18\.70\.2:701[0-3] S ttl=[0-9]+ id=[0-9]+ iplen=44  seq=[0-9]+ win=[0-9]+ <mss 1460>$'
check "--packet-trace: every SENT line parses (nmap's format)" \
    test "$(grep '^SENT ' "$W/decoy.out" | grep -cvE "$sent_re")" = 0
rcvd_re='^RCVD \([0-9]+\.[0-9]{4}s\) TCP 198\.18\.70\.2:701[0-3] > 198\.18\.70\.1:[0-9]+ (SA|RA) ttl=64 id=[0-9]+ iplen=[0-9]+  seq=[0-9]+ win=[0-9]+'
check "--packet-trace: RCVD lines for the target's replies to us, in nmap's format" \
    test "$(grep -cE "$rcvd_re" "$W/decoy.out")" -ge 4
check "--packet-trace: no RCVD line of a reply to a decoy (the filter keeps them out)" \
    test "$(grep '^RCVD ' "$W/decoy.out" | grep -cE '> 198\.18\.70\.[78]:')" = 0

# rate: each decoy copy is a packet against --max-rate (30 probes x 3 sources at 100/s take
# about 0.9 s from the first SENT line to the last; alone they would take 0.3 s)
in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 0 --max-rate 100 -D "$D1,$D2,ME" --packet-trace \
    -p 7000-7029 "$T" -oN /dev/null >"$W/rate.out" 2>&1
span=$(sed -n 's/^SENT (\([0-9.]*\)s).*/\1/p' "$W/rate.out" | sed -n '1p;$p' | tr '\n' ' ')
check "-D --max-rate 100: 90 packets, sent over at least 0.8 s ($span)" \
    awk -v s="$span" -v n="$(grep -c '^SENT ' "$W/rate.out")" \
    'BEGIN { split(s, a, " "); exit !(n == 90 && a[2] - a[1] >= 0.8) }'

# discovery: ARP lines on the link; with --send-ip the IP probes come from the decoys too
in_ns ip neigh flush dev "$NS_IF" # (a known neighbour is up without an ARP request)
in_ns "$PORTREEVE" scan -sn -n --packet-trace "$T" >"$W/arp.out" 2>&1
check "-sn --packet-trace: SENT ARP who-has and RCVD ARP reply lines" \
    grep -qE "^RCVD \([0-9.]+s\) ARP reply $T is-at ([0-9A-F]{2}:){5}[0-9A-F]{2}\$" "$W/arp.out"
check "-sn --packet-trace: the ARP request" grep -qE "^SENT \([0-9.]+s\) ARP who-has $T tell $ME\$" "$W/arp.out"
cap_start disc "icmp and dst host $T and icmp[0] == 8"
in_ns "$PORTREEVE" scan -sn -n --send-ip -PE -D "$D1,ME" --packet-trace "$T" >"$W/disc.out" 2>&1
capture_stop
check "-sn --send-ip -PE -D D1,ME: the echo requests came from D1, then from us" \
    test "$(tcpdump -r "$W/disc.pcap" -nn 2>/dev/null | awk '{print $3}' | head -2 | tr '\n' ' ')" = "$D1 $ME "
check "-sn --packet-trace: ICMP lines in nmap's format" \
    grep -qE "^SENT \([0-9.]+s\) ICMP \[$D1 > $T Echo request \(type=8/code=0\) id=[0-9]+ seq=[0-9]+\] IP \[ttl=64 id=[0-9]+ iplen=28 \]\$" "$W/disc.out"
check "-sn --packet-trace: the echo reply to us" \
    grep -qE "^RCVD \([0-9.]+s\) ICMP \[$T > $ME Echo reply \(type=0/code=0\)" "$W/disc.out"
check "-sn -D: the host is up" grep -q "Host is up" "$W/disc.out"

# ---- -f, --mtu 16 ----------------------------------------------------------------
cap_start frag "dst host $T and (ip[6:2] & 0x3fff != 0)"
in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 1 -f -p $PORTS "$T" -oX "$W/f.xml" >/dev/null 2>&1
capture_stop
check "-f: each probe arrived as three fragments of 8 bytes (offsets 0+, 8+, 16)" \
    test "$(frag_groups "$W/frag.pcap" | sort -u)" = "28@0+ 28@8+ 28@16"
check "-f: four probes fragmented" test "$(frag_groups "$W/frag.pcap" | wc -l)" -ge 4
fstates=$(states "$W/f.xml")
check "-f: the target reassembled them: states as without -f ($fstates)" test "$fstates" = "$plain"
cap_start mtu "dst host $T and (ip[6:2] & 0x3fff != 0)"
in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 1 --mtu 16 -p $PORTS "$T" -oX "$W/mtu.xml" \
    >/dev/null 2>&1
capture_stop
check "--mtu 16: each probe arrived as 16 + 8 bytes (offsets 0+, 16)" \
    test "$(frag_groups "$W/mtu.pcap" | sort -u)" = "36@0+ 28@16"
mstates=$(states "$W/mtu.xml")
check "--mtu 16: states as without it ($mstates)" test "$mstates" = "$plain"
cap_start nfrag "dst host $T and (ip[6:2] & 0x3fff != 0)"
in_ns nmap -sS -Pn -n --max-retries 1 -f -p $PORTS "$T" -oX "$W/nmap-f.xml" >/dev/null 2>&1
capture_stop
check "nmap -f: the same fragment sizes ($(frag_groups "$W/nfrag.pcap" | sort -u | tr '\n' ';'))" \
    test "$(frag_groups "$W/nfrag.pcap" | sort -u)" = "$(frag_groups "$W/frag.pcap" | sort -u)"
check "nmap -f: the same states" test "$(states "$W/nmap-f.xml")" = "$fstates"

# ---- connect scan: CONN lines; -D and -f are not honoured there (warned, as nmap)
in_ns "$PORTREEVE" scan -sT -Pn -n --packet-trace -D "$D1,ME" -f -p 7010,7012 "$T" >"$W/conn.out" 2>&1
check "-sT --packet-trace: CONN lines, one per connect" \
    test "$(grep -cE "^CONN \([0-9.]+s\) TCP localhost > $T:701[02] => (Operation now in progress|Connected|Connection refused)\$" "$W/conn.out")" -ge 2
check "-sT -D -f: warned that they are not honoured" grep -q "not honoured for a TCP connect scan" "$W/conn.out"
check "-sT: states as the SYN scan's" grep -q "^7010/tcp open" "$W/conn.out"

# ---- --packet-trace with -oX -, -d ------------------------------------------------
in_ns "$PORTREEVE" scan -sS -Pn -n --max-retries 1 --packet-trace -d -p 7010,7012 "$T" -oX - \
    >"$W/x.out" 2>"$W/x.err"
check "--packet-trace -oX -: standard output is valid XML" \
    python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$W/x.out"
check "--packet-trace -oX -: the SENT lines went to standard error" \
    test "$(grep -c '^SENT ' "$W/x.err")" -ge 2
check "-d: debug lines (rounds, RTT and timeout per host)" \
    grep -qE '^syn scan round 1: [0-9]+ packets sent .*|^  198\.18\.70\.2: srtt [0-9]+ us, rttvar [0-9]+ us, probe timeout [0-9]+ us' "$W/x.err"
check "-d implies --reason (as nmap): the XML carries reasons" grep -q 'reason="syn-ack"' "$W/x.out"
exit $fail
