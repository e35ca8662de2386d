#!/usr/bin/env bash
# timeout: 400
# UDP under Linux's default ICMP rate limit (one error per second per peer after a burst of
# six), with payloads from nmap-payloads:
#  - target A, every UDP port class (open DNS/NTP/SNMP, a listener that never answers, DROP,
#    REJECT port-unreachable and admin-prohibited, plain closed): every state equals the
#    truth; nmap 7.93 on the same ports is run for contrast and only differs on ports whose
#    answer is an ICMP error (the rate limit hides them from it);
#  - target B with a default-deny UDP firewall: all 1100 ports 1-1100 exact;
#  - 1000 dropped ports next to 16 closed ones on A: the closed ones right, and the status
#    line while ICMP pacing runs counts silent ports done once settled.
set -u
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
PORTS_A=50-70,111,120-125,137,138,161,177,500,514,520,623
start=$SECONDS
pr_scan -sU -Pn --reason -p $PORTS_A "$LAB_A" -oX "$WORK/a.xml" >"$WORK/a.txt" 2>&1 || fail=1
took=$((SECONDS - start))
if check_truth udp "$LAB_A" $PORTS_A "$WORK/a.xml" >"$WORK/a.cmp"; then
    echo "ok   target A: 36 UDP ports, every state right (${took}s; 28 need an ICMP answer at ~1/s)"
else
    echo "FAIL target A:"; cat "$WORK/a.cmp"; cat "$WORK/a.txt"; fail=1
fi
for p in 53 123 161; do
    grep -Eq "^$p/udp +open .*udp-response" "$WORK/a.txt" || { echo "FAIL $p/udp not open by udp-response"; fail=1; }
done
start=$SECONDS
nmap_scan -sU -Pn -T4 -p $PORTS_A "$LAB_A" -oX "$WORK/nmap-a.xml" >/dev/null 2>&1
echo "     nmap -sU -T4 took $((SECONDS - start))s"
nmap_disagreements udp "$LAB_A" $PORTS_A "$WORK/nmap-a.xml" "closed reject-port-unreach reject-admin" || fail=1

start=$SECONDS
pr_scan -sU -Pn -p 1-1100 "$LAB_B" -oX "$WORK/b.xml" >"$WORK/b.txt" 2>&1 || fail=1
took=$((SECONDS - start))
if check_truth udp "$LAB_B" 1-1100 "$WORK/b.xml" >"$WORK/b.cmp"; then
    echo "ok   target B: 1100 UDP ports behind a default-deny firewall, every state right (${took}s)"
else
    echo "FAIL target B:"; tail -20 "$WORK/b.cmp"; fail=1
fi
# 1000 dropped ports (an extra nft rule) next to 17 ports of which 16 are closed (their
# errors come at ~1/s): the paced batches are large. The status line: a silent port counts as done
# once no probe will go to it any more, so the line shows most of the work done long
# before the closed ports are through, and never goes back or past the total.
ip netns exec "$LAB_NS_A" nft -f - <<'NFT'
table inet prsilent {
    chain in {
        type filter hook input priority -20; policy accept;
        udp dport 3000-3999 drop
    }
}
NFT
pr_scan -sU -Pn --stats-every 1s -p 50-66,3000-3999 "$LAB_A" -oX "$WORK/s.xml" >"$WORK/s.txt" 2>&1 || fail=1
ip netns exec "$LAB_NS_A" nft delete table inet prsilent
# batches of many silent ports: errors drawn while a batch still goes out count for it
if check_truth udp "$LAB_A" 50-66 "$WORK/s.xml" >"$WORK/s.cmp"; then
    echo "ok   1000 dropped ports next to 17 others: the 17 states right"
else
    echo "FAIL 1000 dropped ports next to 17 others:"; cat "$WORK/s.cmp" "$WORK/s.txt"; fail=1
fi
grep '^Stats:' "$WORK/s.txt" | sed -n '1p;$p' | sed 's/^/     /'
/usr/bin/python3 - "$WORK/s.txt" "$WORK/s.xml" <<'PY' || fail=1
import re, sys, xml.etree.ElementTree as ET
lines = [(int(h) * 3600 + int(m) * 60 + int(s), int(a), int(b)) for h, m, s, a, b in re.findall(
    r"^Stats: (\d+):(\d+):(\d+) elapsed; udp scan: [0-9.]+% done \((\d+) of (\d+)\)",
    open(sys.argv[1]).read(), re.M)]
root = ET.parse(sys.argv[2]).getroot()
silent = sum(p.find("state").get("state") == "open|filtered" for p in root.iter("port")) + \
    sum(int(x.get("count")) for x in root.iter("extraports") if x.get("state") == "open|filtered")
end = lines[-1][0] if lines else 0
early = [a for t, a, _ in lines if t <= end / 2]
ok = len(lines) >= 5 and all(b == 1017 and a <= b for _, a, b in lines) and \
    all(x[1] <= y[1] for x, y in zip(lines, lines[1:])) and silent >= 1000 and \
    bool(early) and max(early) >= 0.5 * 1017
print(("ok   " if ok else "FAIL ") + "status during pacing: %d lines over %d s, done %s; at half "
      "time %s of 1017 (%d ports open|filtered)" % (len(lines), end, [a for _, a, _ in lines],
                                                     max(early) if early else None, silent))
sys.exit(0 if ok else 1)
PY
exit $fail
