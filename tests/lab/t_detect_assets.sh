#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# The passive asset inventory (NDR): the lab's traffic, seen from the switch (a capture of
# the bridge, as from a SPAN port), read by `detect -r --assets`; the inventory must match
# the lab: every host with its real MAC (from `ip link`), a Linux OS from its SYNs or
# SYN+ACKs (p0f's database), exactly the services that answered and that the truth file
# calls open, its peers; nothing for addresses outside --home-net.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
fail=0

lab_exec "$LAB_NS_SW" tcpdump -i br0 -U -w "$WORK/span.pcap" 2>"$WORK/tcpdump.err" &
tcpd=$!
for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
sleep 0.5 # "listening" comes a moment before the first packet is kept
# clients: the scanner and B use A's services, A uses B's; UDP services through nmap's
# payloads (DNS, NTP, SNMP answer them)
lab_exec "$LAB_NS_SCAN" curl -s -o /dev/null --max-time 3 "http://$LAB_A/"
lab_exec "$LAB_NS_SCAN" curl -sk -o /dev/null --max-time 3 "https://$LAB_A/"
lab_exec "$LAB_NS_SCAN" timeout 5 ssh-keyscan -p 22 "$LAB_A" >/dev/null 2>&1
lab_exec "$LAB_NS_B" curl -s -o /dev/null --max-time 3 "http://$LAB_A/"
lab_exec "$LAB_NS_A" curl -s -o /dev/null --max-time 3 "http://$LAB_B:8080/"
nmap_scan -sU -Pn -p 53,123,161 "$LAB_A" >/dev/null 2>&1
sleep 1
kill "$tcpd"
wait "$tcpd" 2>/dev/null

"$PORTREEVE" detect -r "$WORK/span.pcap" -q --home-net 198.18.0.0/29 --assets "$WORK/assets.jsonl" \
    >"$WORK/detect.out" 2>"$WORK/detect.err"
rc=$?
cat "$WORK/detect.err"
check "detect -r --assets exits 0 (rc $rc)" test $rc = 0
sed 's/^/   /' "$WORK/assets.jsonl"
mac() { ip -n "$1" link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
/usr/bin/python3 - "$WORK/assets.jsonl" "$LAB_TRUTH" \
    "$LAB_SCANNER=$(mac "$LAB_NS_SCAN" "$LAB_IF_SCAN")" "$LAB_A=$(mac "$LAB_NS_A" "$LAB_IF_A")" \
    "$LAB_B=$(mac "$LAB_NS_B" "$LAB_IF_B")" <<'PY'
import json, sys
inv = {h["ip"]: h for h in map(json.loads, open(sys.argv[1]))}
truth = {}
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    addr, proto, port, cls = line.split()
    truth.setdefault(addr, set()).add((proto, int(port), cls))
macs = dict(a.split("=") for a in sys.argv[3:])
bad = 0
def check(ok, what):
    global bad
    print(("ok   " if ok else "FAIL ") + what)
    bad |= not ok
check(set(inv) == set(macs), "the inventory holds exactly the lab's hosts: %s" % sorted(inv))
for ip, mac in macs.items():
    h = inv.get(ip)
    if not h:
        continue
    check(h["mac"] == mac, "%s: MAC %s (ip link: %s)" % (ip, h["mac"], mac))
    check((h["os"] or "").startswith("Linux"), "%s: OS %s" % (ip, h["os"]))
    svcs = {(s["proto"], s["port"]) for s in h["services"]}
    opened = {(p, n) for p, n, c in truth.get(ip, ()) if c == "open"}
    check(svcs <= opened, "%s: every service seen is open in the truth file: %s" % (ip, sorted(svcs)))
    check(h["first_seen"] <= h["last_seen"], "%s: first_seen <= last_seen" % ip)
a, b, s = (sys.argv[i].split("=")[0] for i in (4, 5, 3))
sa = {(x["proto"], x["port"]) for x in inv[a]["services"]}
want = {("tcp", 22), ("tcp", 80), ("tcp", 443), ("udp", 53), ("udp", 123), ("udp", 161)}
check(sa == want, "A offers exactly what answered: %s" % sorted(sa))
check({(x["proto"], x["port"]) for x in inv[b]["services"]} == {("tcp", 8080)}, "B offers tcp/8080")
check(not inv[s]["services"], "the scanner offers nothing")
check(s in inv[a]["peers"] and b in inv[a]["peers"], "A's peers: %s" % inv[a]["peers"])
sys.exit(bad)
PY
check "the inventory matches the lab" test $? = 0
exit $fail
