#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# Checksums of replies. Scanner (198.18.0.1) and target (198.18.0.2) in two namespaces
# joined by a veth pair (checksum offload on, as created). In the target, nftables drops
# SYNs to 7001-7003 and a scapy responder answers each of the scanner's SYNs there with a
# SYN/ACK carrying the right cookie (ack = seq + 1):
#   7001 with correct checksums            -> open (the responder works)
#   7002 with a wrong TCP checksum          -> filtered, counted
#   7003 with a wrong IPv4 header checksum  -> filtered, counted
# 7004 has a real listener and 7005 is closed: the kernel's own replies (whose TCP
# checksums cross the veth unfinished, CHECKSUM_PARTIAL) are still believed (open,
# closed). Then --badsum: the target's kernel drops every probe (TcpInCsumErrors grows),
# so the listening port looks filtered.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prcs "$@"
ns_peer prct 198.18.0.1 198.18.0.2
in_peer nft -f - <<'NFT'
table inet t {
    chain in {
        type filter hook input priority 0;
        tcp dport 7001-7003 drop
    }
}
NFT
ip netns exec "$PEER" timeout 100 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 7004)); s.listen(64); time.sleep(100)' &
pids+=($!)

# the responder: one forged SYN/ACK per SYN it sees to 7001-7003, sent as a whole frame
# (AF_PACKET: nothing fills in a checksum on the way)
ip netns exec "$PEER" timeout 100 /usr/bin/python3 -c '
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, TCP, sendp, sniff, conf
conf.verb = 0
iface, w = sys.argv[1], sys.argv[2]
def answer(p):
    if not p.haslayer(TCP) or p[TCP].flags != "S":
        return
    ip = IP(src=p[IP].dst, dst=p[IP].src, ttl=64)
    tcp = TCP(sport=p[TCP].dport, dport=p[TCP].sport, flags="SA", seq=12345,
              ack=(p[TCP].seq + 1) & 0xffffffff, window=1024)
    f = Ether(src=p[Ether].dst, dst=p[Ether].src) / ip / tcp
    f = Ether(bytes(f))  # every checksum computed
    if p[TCP].dport == 7002:
        f[TCP].chksum ^= 0x5a5a
    elif p[TCP].dport == 7003:
        f[IP].chksum ^= 0x5a5a
    sendp(f, iface=iface)
    open(w + "/sent.%d" % p[TCP].dport, "a").write("x")
sniff(iface=iface, filter="tcp and dst portrange 7001-7003", prn=answer, store=0, timeout=95,
      started_callback=lambda: open(w + "/resp.ready", "w").close())
' "$PEER_IF" "$W" &
pids+=($!)
for _ in $(seq 300); do [ -e "$W/resp.ready" ] && break; sleep 0.1; done
check "the responder started" test -e "$W/resp.ready"
for _ in $(seq 100); do in_peer ss -ltn | grep -q ":7004 " && break; sleep 0.1; done

in_ns "$PORTREEVE" scan -sS -Pn -v --max-retries 2 -p 7001-7005 198.18.0.2 -oX "$W/scan.xml" \
    >"$W/scan.out" 2>"$W/scan.err"
check "the scan exits 0" test $? -eq 0
state() { grep -o "portid=\"$1\"><state state=\"[a-z|]*\"" "$W/scan.xml" | sed 's/.*state="//; s/"//'; }
check "7001, forged with right checksums: open ($(state 7001))" test "$(state 7001)" = open
check "7002, wrong TCP checksum: filtered ($(state 7002))" test "$(state 7002)" = filtered
check "7003, wrong IPv4 header checksum: filtered ($(state 7003))" test "$(state 7003)" = filtered
check "the responder answered 7002 and 7003" test -s "$W/sent.7002" -a -s "$W/sent.7003"
check "7004, a real listener across the veth: open ($(state 7004))" test "$(state 7004)" = open
check "7005, closed (the kernel's RST): closed ($(state 7005))" test "$(state 7005)" = closed
bad=$(sed -n 's/^Replies with a wrong checksum ignored: //p' "$W/scan.out")
sent=$(($(wc -c <"$W/sent.7002") + $(wc -c <"$W/sent.7003")))
check "the summary counts the wrong checksums (${bad:-none}, $sent forged)" \
    test "${bad:-0}" -ge 2 -a "${bad:-0}" -le "$sent"

before=$(in_peer nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
in_ns "$PORTREEVE" scan -sS -Pn --badsum --max-retries 1 -p 7004,7005 198.18.0.2 -oX "$W/bad.xml" \
    >/dev/null 2>&1
after=$(in_peer nstat -az TcpInCsumErrors | awk '/TcpInCsumErrors/ {print $2}')
check "--badsum: the target dropped the probes for their checksum ($before -> $after)" \
    test "$((after - before))" -ge 2
check "--badsum: a listening port gets no answer (filtered)" \
    grep -q 'portid="7004"><state state="filtered"' "$W/bad.xml"
exit $fail
