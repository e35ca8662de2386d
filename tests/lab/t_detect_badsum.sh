#!/usr/bin/env bash
# timeout: 90
# parallel: yes
# The detector ignores packets with a wrong checksum (no host's stack would have taken
# them, so they say nothing about a scan): two namespaces joined by a veth, `detect -i`
# on the target's side. Sent from the scanner's side:
#   198.18.0.11: 60 SYNs (scapy) with a wrong TCP checksum      -> no alert, counted
#   198.18.0.12: 60 SYNs (scapy) with a wrong IPv4 checksum     -> no alert, counted
#   198.18.0.13: 60 SYNs (scapy) with right checksums           -> a portscan alert
#   198.18.0.1:  a connect scan by the kernel (its SYNs cross the veth with the checksum
#                left for the NIC, CHECKSUM_PARTIAL)             -> every SYN counted, in an
#                alert (with .13: both hit one target at once, a distributed scan)
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prdb "$@"
ns_peer prdt 198.18.0.1 198.18.0.2
for a in 11 12 13; do in_ns ip addr add 198.18.0.$a/24 dev "$NS_IF"; done

ip netns exec "$PEER" timeout 60 "$PORTREEVE" detect -i "$PEER_IF" --alerts "$W/alerts.json" -q \
    >"$W/detect.out" 2>&1 &
det=$!
pids+=($det)
for _ in $(seq 100); do grep -q listening "$W/detect.out" && break; sleep 0.1; done # the capture is open

in_ns /usr/bin/python3 -c '
import sys, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, TCP, sendp, conf, get_if_hwaddr, getmacbyip
conf.verb = 0
iface = sys.argv[1]
dst_mac = getmacbyip("198.18.0.2")
src_mac = get_if_hwaddr(iface)
frames = []
for src, bad in (("198.18.0.11", "tcp"), ("198.18.0.12", "ip"), ("198.18.0.13", None)):
    for port in range(1000, 1060):
        f = Ether(bytes(Ether(src=src_mac, dst=dst_mac) / IP(src=src, dst="198.18.0.2") /
                        TCP(sport=40000, dport=port, flags="S", seq=port)))
        if bad == "tcp":
            f[TCP].chksum ^= 0x1111
        elif bad == "ip":
            f[IP].chksum ^= 0x1111
        frames.append(f)
sendp(frames, iface=iface, inter=0.002)
' "$NS_IF"
in_ns "$PORTREEVE" scan -sT -Pn -p 2000-2060 198.18.0.2 >/dev/null 2>&1
sleep 1
kill -INT $det
wait $det
cat "$W/detect.out"

alerted() { grep -q "\"$1\"" "$W/alerts.json" 2>/dev/null; } # src_ip or src_ips
check "wrong TCP checksums: no alert for 198.18.0.11" sh -c "! grep -q '\"198.18.0.11\"' '$W/alerts.json'"
check "wrong IPv4 checksums: no alert for 198.18.0.12" sh -c "! grep -q '\"198.18.0.12\"' '$W/alerts.json'"
check "right checksums: an alert for 198.18.0.13" alerted 198.18.0.13
check "the kernel's connect scan (CHECKSUM_PARTIAL over the veth): an alert for 198.18.0.1" \
    alerted 198.18.0.1
probes=$(sed -n 's/.* probes \([0-9]*\),.*/\1/p' "$W/detect.out")
check "every probe with a right or unfinished checksum counted: 60 + 61 (${probes:-none})" \
    test "${probes:-0}" -eq 121
bad=$(sed -n 's/.*bad checksum \([0-9]*\).*/\1/p' "$W/detect.out")
check "the summary counts the 120 wrong checksums (${bad:-none})" test "${bad:-0}" -eq 120
exit $fail
