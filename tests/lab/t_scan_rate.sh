#!/usr/bin/env bash
# timeout: 300
# Rate control (issue 3):
#  - --max-rate is honoured within 5%: the first pass's SYNs, timed by a capture on the
#    target's side of the link;
#  - without --max-rate the engine searches for the rate: against a target that drops SYNs
#    above 20,000/s (nftables limit) it detects the loss, settles near the limit and still
#    gets every one of 65535 ports right; against an unlimited target it climbs far above
#    the -T3 start rate (10,000/s), again exact.
set -u
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0

# -- --max-rate 20000 on the wire
ip netns exec "$LAB_NS_A" tcpdump -i "$LAB_IF_A" -nn -tt -U -w "$WORK/rate.pcap" \
    "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and src host $LAB_SCANNER and src portrange 61000-65535" \
    2>"$WORK/tcpdump.err" &
tcpd=$!
for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
pr_scan -sS -Pn -n -p 1-30000 --max-rate 20000 "$LAB_A" -oX "$WORK/maxrate.xml" >/dev/null 2>&1 || fail=1
sleep 0.5
kill $tcpd
wait $tcpd 2>/dev/null
check "--max-rate 20000: the first pass went out at 20000/s +-5% (measured on the target's link)" \
    /usr/bin/python3 -c '
import subprocess, sys
out = subprocess.run(["tcpdump", "-nn", "-tt", "-r", sys.argv[1]], capture_output=True, text=True).stdout
ts = [float(l.split()[0]) for l in out.splitlines() if l.strip()]
first = ts[:30000]
assert len(first) == 30000, len(ts)
rate = (len(first) - 1) / (first[-1] - first[0])
print("     measured %.0f packets/s" % rate)
assert abs(rate - 20000) <= 1000, rate
' "$WORK/rate.pcap"
check "--max-rate 20000: every state right" check_truth syn "$LAB_A" 1-30000 "$WORK/maxrate.xml"

# -- the search against a SYN limit of 20000/s
ip netns exec "$LAB_NS_A" nft -f - <<'NFT'
table inet ratelimit {
    chain in {
        type filter hook input priority -20; policy accept;
        tcp flags & (syn | ack) == syn limit rate over 20000/second burst 1000 packets drop
    }
}
NFT
pr_scan -sS -Pn -n -v -p- "$LAB_A" -oX "$WORK/limited.xml" >"$WORK/limited.txt" 2>&1 || fail=1
grep 'rate search' "$WORK/limited.txt" | sed 's/^/     /'
check "limited: every one of 65535 states right" check_truth syn "$LAB_A" 1-65535 "$WORK/limited.xml"
check "limited: the search saw replies lost between 15000/s and 40000/s and ended within 10000-30000/s" \
    /usr/bin/python3 -c '
import re, sys
m = re.search(r"ended at (\d+)/s .*lost from (\d+)/s", open(sys.argv[1]).read())
end, lost = int(m.group(1)), int(m.group(2))
assert 15000 <= lost <= 40000 and 10000 <= end <= 30000, (end, lost)
' "$WORK/limited.txt"
ip netns exec "$LAB_NS_A" nft delete table inet ratelimit

# -- the search without a limit
pr_scan -sS -Pn -n -v -p- "$LAB_A" -oX "$WORK/free.xml" >"$WORK/free.txt" 2>&1 || fail=1
grep 'rate search' "$WORK/free.txt" | sed 's/^/     /'
check "unlimited: every one of 65535 states right" check_truth syn "$LAB_A" 1-65535 "$WORK/free.xml"
check "unlimited: the search climbed past 100000/s from the -T3 start of 10000/s" \
    /usr/bin/python3 -c '
import re, sys
m = re.search(r"rate search from 10000/s: ended at (\d+)/s", open(sys.argv[1]).read())
assert int(m.group(1)) >= 100000, m.group(0)
' "$WORK/free.txt"
exit $fail
