#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# t_detect_ndr.sh — behaviour alerts (NDR), live from the switch (`detect -i br0`, as on a
# SPAN port), with --home-net the scanner namespace and A:
# 1. the scanner namespace, a home host, sweeps TCP 23 and 2323 over 198.18.1.0/24 (routed
#    to A, which drops them) with nmap, while it queries A's dnsmasq (DNS) and ntpd (NTP),
#    which answer: exactly one scan, an `outbound_sweep` of scan_type syn whose `ports`
#    name 23 and 2323, advice to isolate the host, and no udp or mixed scan;
# 2. B (outside the home net) scans A with nmap -sS, then connects with ssh to the port it
#    found: a `scan_then_connect` alert in the scan's incident, with a higher threat_level
#    than the scan's lines before it;
# 3. the capture of the same traffic read with `-r --block --dry-run --block-level N`, N
#    between the two levels: the scan is not blocked, the connection is (would_block).
# Every alert line validates against tests/schemas/detect-alert.schema.json.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
fail=0
for t in nmap ssh jq tcpdump; do command -v $t >/dev/null || { echo "skip: needs $t"; exit 77; }; done
HOME_NETS=(--home-net "$LAB_SCANNER/32" --home-net "$LAB_A/32")

# the sweep's addresses go to A, which does not forward: they are dropped there
lab_exec "$LAB_NS_SCAN" ip route add 198.18.1.0/24 via "$LAB_A"

ip netns exec "$LAB_NS_SW" tcpdump -i br0 -U -s 256 -w "$WORK/span.pcap" 2>"$WORK/tcpdump.err" &
tcpd=$!
ip netns exec "$LAB_NS_SW" "$PORTREEVE" detect -i br0 "${HOME_NETS[@]}" --alerts "$WORK/live.jsonl" \
    --duration 60 >"$WORK/live.out" 2>"$WORK/live.err" &
det=$! # ip netns exec execs: these are the processes themselves
for _ in $(seq 100); do
    grep -q listening "$WORK/live.err" && grep -q listening "$WORK/tcpdump.err" && break
    sleep 0.1
done
grep -q listening "$WORK/live.err" || { cat "$WORK/live.err"; echo "FAIL: detect did not start"; exit 1; }

# 1. the worm: 512 SYNs (nmap, bounded by --max-retries 0 and a 20 s timeout), and 20 DNS
# and 20 NTP queries to A over 4 s, during and after the sweep
lab_exec "$LAB_NS_SCAN" timeout 20 nmap -n -sS -Pn -p 23,2323 --max-retries 0 \
    --max-rtt-timeout 100ms --min-rate 400 198.18.1.0/24 >"$WORK/sweep.txt" 2>&1 &
sweep=$!
lab_exec "$LAB_NS_SCAN" timeout 20 /usr/bin/python3 - "$LAB_A" >"$WORK/client.txt" 2>&1 <<'PY'
import socket, struct, sys, time
a = sys.argv[1]
dns_ok = ntp_ok = 0
for i in range(20):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    q = struct.pack(">HHHHHH", 0x1000 + i, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p for p in (b"host-a", b"lab")) + b"\0" + struct.pack(">HH", 1, 1)
    s.sendto(q, (a, 53))
    try:
        r = s.recv(512)
        dns_ok += r[:2] == q[:2]
    except OSError:
        pass
    s.close()
    n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n.settimeout(1)
    n.sendto(b"\x1b" + 47 * b"\0", (a, 123))
    try:
        ntp_ok += len(n.recv(512)) >= 48
    except OSError:
        pass
    n.close()
    time.sleep(0.2)
print("dns answers", dns_ok, "ntp answers", ntp_ok)
PY
wait $sweep
cat "$WORK/client.txt"
read -r _ _ dns _ _ ntp <"$WORK/client.txt"
check "A answered the home host's DNS ($dns/20) and NTP ($ntp/20) queries" \
    test "${dns:-0}" -ge 15 -a "${ntp:-0}" -ge 15

# 2. B scans A, then connects to the ssh port it found (BatchMode: the handshake and the
# version exchange, then publickey refusal)
lab_exec "$LAB_NS_B" timeout 20 nmap -n -sS -Pn -p 1-1024 --max-retries 1 "$LAB_A" \
    -oG "$WORK/scan.gnmap" >/dev/null 2>&1
found=$(grep -o '22/open/tcp' "$WORK/scan.gnmap" | head -1)
check "nmap from B found ssh open on A (${found:-nothing})" test -n "$found"
sleep 1
lab_exec "$LAB_NS_B" timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 "nobody@$LAB_A" true >/dev/null 2>&1
sleep 1
kill -TERM $det
wait $det
kill "$tcpd"
wait "$tcpd" 2>/dev/null
sed 's/^/   /' "$WORK/live.out"
[ -s "$WORK/live.err" ] && sed 's/^/   stderr: /' "$WORK/live.err"

L=$WORK/live.jsonl
n_scans() { jq -s "[.[] | select($1) | .scan_id] | unique | length" "$L"; }
sw=$(n_scans ".src_ip == \"$LAB_SCANNER\"")
check "the home host's traffic is exactly one scan ($sw)" test "$sw" = 1
check "it is an outbound_sweep of scan_type syn" \
    test "$(n_scans ".src_ip == \"$LAB_SCANNER\" and .event == \"outbound_sweep\" and .scan_type == \"syn\"")" = 1
check "no udp or mixed scan at all" test "$(n_scans '.scan_type == "udp" or .scan_type == "mixed"')" = 0
last=$(jq -c "select(.src_ip == \"$LAB_SCANNER\")" "$L" | tail -1)
echo "   last line of the sweep: $last"
ports=$(jq -r '[.ports[].port] | sort | map(tostring) | join(",")' <<<"$last")
check "its ports are 23 and 2323 ($ports)" test "$ports" = "23,2323"
check "the swept counts cover the /24 ($(jq -c .ports <<<"$last"))" \
    jq -e '[.ports[].count] | min >= 200' <<<"$last"
check "it says to isolate the host" \
    jq -e --arg s "$LAB_SCANNER" '.recommended_actions[0] == "isolate \($s): it sweeps TCP 23 and 2323"' <<<"$last"
SCHEMA=$(cd "$LAB_LIB_DIR/../schemas" && pwd)/detect-alert.schema.json
check "every alert line validates against detect-alert.schema.json" /usr/bin/python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema, cls=jsonschema.Draft7Validator)' "$SCHEMA" "$L"
check "every line has a threat_level 1-100 and recommended_actions" \
    jq -se 'all(.[]; (.threat_level | type == "number" and . >= 1 and . <= 100) and (.recommended_actions | type == "array" and length >= 1))' "$L"

stc=$(jq -c "select(.event == \"scan_then_connect\")" "$L")
echo "   scan_then_connect: $stc"
check "exactly one scan_then_connect" test "$(grep -c . <<<"$stc")" = 1 -a -n "$stc"
scan=$(jq -c "select(.src_ip == \"$LAB_B\" and .event == \"portscan\")" "$L" | head -1)
check "it is from B to A:22, in the scan's incident" jq -e --arg b "$LAB_B" --arg a "$LAB_A" \
    --argjson inc "$(jq .incident_id <<<"${scan:-{\}}")" \
    '.src_ip == $b and .dst_ip == $a and .open_ports_seen == [22] and .incident_id == $inc' <<<"$stc"
lv_stc=$(jq .threat_level <<<"$stc")
ts_stc=$(jq -r .ts <<<"$stc")
lv_scan=$(jq -s --arg b "$LAB_B" --arg t "$ts_stc" \
    '[.[] | select(.src_ip == $b and .event == "portscan" and .ts < $t) | .threat_level] | max' "$L")
check "the connection raised B's threat level (scan $lv_scan, then $lv_stc)" \
    test "${lv_stc:-0}" -gt "${lv_scan:-100}"

# 3. --block-level between the two levels: only the connection is acted on
lvl=$(((lv_scan + lv_stc + 1) / 2))
"$PORTREEVE" detect -r "$WORK/span.pcap" -q "${HOME_NETS[@]}" --alerts "$WORK/replay.jsonl" \
    --block --dry-run --block-level "$lvl" >"$WORK/replay.out" 2>"$WORK/replay.err"
grep '^block:' "$WORK/replay.out" | sed 's/^/   /'
R=$WORK/replay.jsonl
check "replay with --block-level $lvl: B's scan lines below it are not blocked" \
    jq -se --arg b "$LAB_B" --argjson l "$lvl" \
    '[.[] | select(.src_ip == $b and .event == "portscan" and .threat_level < $l)] | length >= 1 and all(.action == "none")' "$R"
check "replay: the scan_then_connect (level >= $lvl) would be blocked" \
    jq -se --argjson l "$lvl" \
    '[.[] | select(.event == "scan_then_connect")] | length == 1 and all(.threat_level >= $l and .action == "would_block")' "$R"
check "replay: no alert below level $lvl was acted on" \
    jq -se --argjson l "$lvl" 'all(.[] | select(.threat_level < $l); .action == "none")' "$R"
exit $fail
