#!/usr/bin/env bash
# timeout: 180
# Large-scan machinery, in a fresh namespace scanning its own loopback:
#  - --shard 1/3, 2/3, 3/3 (same --seed) together probe every (host, port) exactly once,
#    and the union equals the unsharded plan (checked with --dry-run);
#  - a scan interrupted by SIGINT and resumed with --resume ends with the same port states
#    as an uninterrupted scan, and across both runs each port got exactly one first probe
#    (counted in a packet capture);
#  - a stray SYN-ACK with a wrong cookie, aimed at every source port the scanner may use,
#    does not make a filtered port look open.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prsr "$@"

# -- shards (dry run: nothing is sent)
for s in 1 2 3; do
    in_ns "$PORTREEVE" scan --dry-run --seed 11 --shard $s/3 -Pn -p 1-2000 127.0.0.1-5 >"$W/shard$s" || fail=1
done
in_ns "$PORTREEVE" scan --dry-run --seed 11 -Pn -p 1-2000 127.0.0.1-5 >"$W/all" || fail=1
check "the unsharded plan has every probe once (10000)" \
    test "$(sort "$W/all" | uniq | wc -l)" -eq 10000 -a "$(wc -l <"$W/all")" -eq 10000
check "shards are disjoint and together complete" \
    sh -c "cat '$W'/shard1 '$W'/shard2 '$W'/shard3 | sort > '$W/union'; sort '$W/all' | cmp -s - '$W/union'"
check "every shard has a third of the work" \
    sh -c "for s in 1 2 3; do n=\$(wc -l < '$W'/shard\$s); [ \$n -ge 3300 ] && [ \$n -le 3367 ] || exit 1; done"

# -- resume after SIGINT
for p in 22 80 443 2000 2500; do
    in_ns timeout 120 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(120)' $p &
    pids+=($!)
done
sleep 0.5
in_ns "$PORTREEVE" scan -sS -Pn -p 1-3000 127.0.0.1 -oX "$W/full.xml" >/dev/null 2>&1 || fail=1
in_ns tcpdump -i lo -w "$W/cap.pcap" -U 'tcp[tcpflags] == tcp-syn and dst host 127.0.0.1' 2>/dev/null &
tcpd=$!
pids+=($tcpd)
sleep 1
( cd "$W" && exec ip netns exec "$NS" "$PORTREEVE" scan -sS -Pn --max-rate 1000 -p 1-3000 127.0.0.1 -oX "$W/part.xml" >"$W/part.txt" 2>&1 ) &
scan=$!
sleep 1.2
kill -INT $scan
wait $scan
check "an interrupted scan leaves a resume file" test -s "$W/portreeve.resume"
check "and says how to resume" grep -q "resume with: portreeve scan --resume portreeve.resume" "$W/part.txt"
( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan --resume portreeve.resume >"$W/resumed.txt" 2>&1 )
check "the resumed scan completes" grep -q "portreeve done" "$W/resumed.txt"
sleep 1
kill $tcpd; wait $tcpd 2>/dev/null
# states of the resumed scan (the resumed run rewrote part.xml: same -oX in the saved command)
check "resumed results equal the uninterrupted scan's" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
def states(path):
    out = {}
    host = ET.parse(path).getroot().find("host")
    ports = host.find("ports")
    for p in ports.findall("port"):
        out[int(p.get("portid"))] = p.find("state").get("state")
    for ex in ports.findall("extraports"):
        for r in ex.findall("extrareasons"):
            for part in r.get("ports").split(","):
                a, _, b = part.partition("-")
                for q in range(int(a), int(b or a) + 1):
                    out[q] = ex.get("state")
    return out
a, b = states(sys.argv[1]), states(sys.argv[2])
assert len(a) == 3000 and a == b, [(k, a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)][:10]
' "$W/full.xml" "$W/part.xml"
check "across both runs each port got exactly one SYN (no repeat, no gap)" /usr/bin/python3 -c '
import subprocess, sys, collections
out = subprocess.run(["tcpdump", "-nr", sys.argv[1]], capture_output=True, text=True).stdout
ports = collections.Counter(int(l.split(" > ")[1].split(":")[0].rsplit(".", 1)[1]) for l in out.splitlines() if " > " in l)
missing = [p for p in range(1, 3001) if ports[p] == 0]
dup = [p for p, n in ports.items() if n > 1]
assert not missing and not dup, (missing[:10], dup[:10])
' "$W/cap.pcap"

# -- stray SYN-ACKs with wrong cookies
in_ns nft -f - <<'NFT'
table inet t {
    chain in {
        type filter hook input priority 0;
        tcp dport 9999 drop
    }
}
NFT
# the injector sends rounds of forged SYN-ACKs (to every source port the scanner may use)
# until told to stop; the scan runs while it does
in_ns /usr/bin/python3 -c '
import os, random, sys, time, logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import IP, TCP, send, conf
conf.verb = 0
w = sys.argv[1]
pkts = [IP(src="127.0.0.1", dst="127.0.0.1")/TCP(sport=9999, dport=p, flags="SA",
        seq=random.getrandbits(32), ack=random.getrandbits(32)) for p in range(61000, 65536)]
open(w + "/inj.ready", "w").close()
rounds, deadline = 0, time.time() + 90
while not os.path.exists(w + "/inj.stop") and time.time() < deadline:
    send(pkts, iface="lo")
    rounds += 1
    open(w + "/inj.rounds", "w").write(str(rounds))
' "$W" &
inj=$!
pids+=($inj)
for _ in $(seq 600); do [ -e "$W/inj.ready" ] && break; sleep 0.1; done
sleep 0.5
before=$(cat "$W/inj.rounds" 2>/dev/null || echo 0)
in_ns "$PORTREEVE" scan -sS -Pn --max-retries 6 --min-rtt-timeout 3s -p 9999 127.0.0.1 -oX "$W/stray.xml" >/dev/null 2>&1
after=$(cat "$W/inj.rounds" 2>/dev/null || echo 0)
touch "$W/inj.stop"
wait $inj
check "forged SYN-ACKs kept arriving during the scan (rounds $before -> $after)" test "$after" -gt "$before"
check "a filtered port stays filtered despite forged SYN-ACKs" \
    grep -q 'portid="9999"><state state="filtered"' "$W/stray.xml"
exit $fail
