#!/usr/bin/env bash
# t_detect_workers.sh — `detect -r CAPTURE --workers 2` gives the same alerts as one worker
# (docs/detect.md "Workers"): on captures made here of several scanners at once (nmap -sS from
# the scanner, -sF and -sU from two more addresses, an ICMP echo sweep of 64 hosts from a
# fourth, connections to the open port), of a decoy scan (nmap -D, one campaign) and of a
# distributed one (three sources sharing the ports). Every alert line is compared with its
# times and ids left out; the captures must hold what was run (at least 4 scans in the first).
# The first capture again with a filter (the workers then read it through libpcap rather
# than with their own pcapmap reader), and cut short (the same error, exit code and alerts);
# a capture truncated while --workers 1 and 2 read it ends with a read error (exit 2), no signal.
# Live: `detect -i --workers 2` in the target namespace reports a SYN and a FIN scan once each,
# with a SIGHUP (the alerts file reopened) between them.
# --workers is refused with inputs it does not serve and beyond the number of CPUs.
# timeout: 120
set -u
PR=${1:?usage: t_detect_workers.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
command -v nmap >/dev/null || dl_skip "needs nmap"
[ "$(nproc)" -ge 2 ] || dl_skip "needs 2 CPUs"
dl_up || exit 1
S=$DL_S T=$DL_T SC=$DL_SCANNER TG=$DL_TARGET
fails=0
dl_http "$T" 0.0.0.0 80
dl_wait_port "$T" 80 || { echo "server did not start"; exit 1; }
for a in 11 12 13 21 22 23; do ip -n "$S" addr add 198.18.0.$a/24 dev "$DL_SV"; done
NM="ip netns exec $S nmap -n -Pn -T4 --max-retries 1"

# same NAME MIN [exact]: detect -r NAME.pcap with 1 and 2 workers: the same alerts (with
# the options in SAME_OPTS for both)
SAME_OPTS=()
same() { # NAME MIN [exact]
    local name=$1 min=$2 exact=${3:-} n
    for n in 1 2; do
        "$PR" detect -q -r "$DL_DIR/$name.pcap" --workers $n "${SAME_OPTS[@]}" --alerts "$DL_DIR/$name.w$n.json" \
            >"$DL_DIR/$name.w$n.sum" 2>&1 || { echo "  FAIL: --workers $n exited $?"; cat "$DL_DIR/$name.w$n.sum"; fails=$((fails + 1)); }
    done
    # the frames, and those not used (decoded by the workers), are counted alike
    local f1 f2
    f1=$(grep -o 'frames [0-9]* (undecodable [0-9]*, bad checksum [0-9]*' "$DL_DIR/$name.w1.sum")
    f2=$(grep -o 'frames [0-9]* (undecodable [0-9]*, bad checksum [0-9]*' "$DL_DIR/$name.w2.sum")
    [ -n "$f1" ] && [ "$f1" = "$f2" ] ||
        { echo "  FAIL: summaries differ: '$f1' / '$f2'"; fails=$((fails + 1)); }
    /usr/bin/python3 - "$DL_DIR/$name.w1.json" "$DL_DIR/$name.w2.json" "$min" "$exact" <<'PY' || fails=$((fails + 1))
import json, sys
# Each scan (source, technique, target) must have the same first and last line, times, ids
# and phase left out (the first line's campaign members as a set); scans must form the same
# campaigns; exact: every line the same (no campaign, whose extra lines fall on the
# engine's sweeps, which workers time differently).
def load(p):
    scans, lines, camps = {}, [], {}
    for l in open(p):
        a = json.loads(l)
        key = (a["src_ip"], a["scan_type"], a.get("dst_ip"))
        if a.get("campaign_id"):
            camps.setdefault(a["campaign_id"], set()).add(key)
        for k in ("ts", "scan_id", "incident_id", "campaign_id"):
            a.pop(k, None)
        lines.append(json.dumps(a, sort_keys=True))
        a.pop("phase")
        if "src_ips" in a:
            a["src_ips"] = sorted(a["src_ips"])
        scans.setdefault(key, []).append(json.dumps(a, sort_keys=True))
    def nosrcs(l):
        a = json.loads(l)
        a.pop("src_ips", None)
        return json.dumps(a, sort_keys=True)
    # the members still open when a scan's last line is written depend on when each
    # engine's sweep closed them: the last line is compared without them
    firstlast = {k: (v[0], nosrcs(v[-1])) for k, v in scans.items()}
    return firstlast, sorted(lines), sorted(sorted(c) for c in camps.values())
(s1, l1, c1), (s2, l2, c2) = load(sys.argv[1]), load(sys.argv[2])
want, exact = int(sys.argv[3]), sys.argv[4] == "exact"
print(f"  1 worker: {len(l1)} line(s), {len(s1)} scan(s), {len(c1)} campaign(s); 2 workers:"
      f" {len(l2)} line(s), {len(s2)} scan(s), {len(c2)} campaign(s)")
for k in sorted(s1, key=str):
    print("   ", *k, json.loads(s1[k][1])["event"], "ports", json.loads(s1[k][1])["ports_probed"])
bad = 0
if len(s1) < want:
    print(f"  FAIL: expected at least {want} scans in the capture"); bad = 1
for k in sorted(set(s1) | set(s2), key=str):
    if s1.get(k) != s2.get(k):
        print("  FAIL: scan", *k, "differs:\n    1:", s1.get(k), "\n    2:", s2.get(k)); bad = 1
if c1 != c2:
    print("  FAIL: campaigns differ:", c1, c2); bad = 1
if exact and l1 != l2:
    print("  FAIL: the lines differ")
    for l in sorted(set(l1) ^ set(l2)):
        print("   ", "1:" if l in l1 else "2:", l)
    bad = 1
if not bad:
    print("  same alerts" + (", line for line" if exact else ""))
sys.exit(bad)
PY
}

echo "== several scanners at once"
dl_capture_start mix
$NM -sS -p 1-200 $TG >/dev/null 2>&1 &
p1=$!
$NM -sF -S 198.18.0.11 -e "$DL_SV" -p 1-100 $TG >/dev/null 2>&1 &
p2=$!
$NM -sU -S 198.18.0.12 -e "$DL_SV" -p 1-20 $TG >/dev/null 2>&1 &
p3=$!
ip netns exec "$S" nmap -n -sn -PE --max-retries 1 -S 198.18.0.13 -e "$DL_SV" 198.18.1.0/26 \
    >/dev/null 2>&1 &
p4=$!
for i in 1 2 3; do ip netns exec "$S" timeout 5 /usr/bin/python3 -c "
import urllib.request; urllib.request.urlopen('http://$TG/', timeout=3).read()" >/dev/null 2>&1; done
wait $p1 $p2 $p3 $p4
dl_capture_stop
same mix 4 exact

# -r --workers 2 has no reader thread: each worker reads the file itself, a classic pcap
# file with pread into buffers of its own; with a filter each opens it again through libpcap
echo "== several scanners at once, read through libpcap (a filter)"
cp "$DL_DIR/mix.pcap" "$DL_DIR/mixf.pcap"
SAME_OPTS=(-f "tcp or udp or icmp")
same mixf 4 exact
SAME_OPTS=()

echo "== from stdin (read once: its frames go through the dispatcher)"
"$PR" detect -q -r - --workers 2 --alerts "$DL_DIR/stdin.w2.json" <"$DL_DIR/mix.pcap" \
    >"$DL_DIR/stdin.w2.sum" 2>&1 || { echo "  FAIL: -r - --workers 2 exited $?"; cat "$DL_DIR/stdin.w2.sum"; fails=$((fails + 1)); }
strip() { sed 's/"ts":"[^"]*",//; s/"scan_id":[0-9]*,//; s/"incident_id":[0-9]*,//' "$1" | sort; }
[ -s "$DL_DIR/stdin.w2.json" ] && cmp -s <(strip "$DL_DIR/mix.w1.json") <(strip "$DL_DIR/stdin.w2.json") &&
    echo "  the same alerts as one worker reading the file" ||
    { echo "  FAIL: -r - --workers 2 gave other alerts"; fails=$((fails + 1)); }

echo "== a truncated capture: the same error, exit code and alerts"
# cut in the middle of the record at two thirds of the file (a cut on a record's boundary
# would be a shorter whole file)
/usr/bin/python3 - "$DL_DIR/mix.pcap" "$DL_DIR/cut.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 24
while True:
    caplen = struct.unpack_from("<I", data, off + 8)[0]
    if off + 16 + caplen >= len(data) * 2 // 3:
        break
    off += 16 + caplen
open(sys.argv[2], "wb").write(data[:off + 16 + caplen // 2])
PY
for n in 1 2; do
    "$PR" detect -q -r "$DL_DIR/cut.pcap" --workers $n --alerts "$DL_DIR/cut.w$n.json" \
        >"$DL_DIR/cut.w$n.sum" 2>"$DL_DIR/cut.w$n.err"
    rc=$?
    echo "  --workers $n: exit $rc: $(cat "$DL_DIR/cut.w$n.err")"
    [ $rc -eq 2 ] || { echo "  FAIL: exit $rc, not 2"; fails=$((fails + 1)); }
done
grep -q "cut.pcap: read error after [0-9]* frames" "$DL_DIR/cut.w2.err" &&
    cmp -s "$DL_DIR/cut.w1.err" "$DL_DIR/cut.w2.err" ||
    { echo "  FAIL: not the same read error"; fails=$((fails + 1)); }
[ -s "$DL_DIR/cut.w1.json" ] && cmp -s <(strip "$DL_DIR/cut.w1.json") <(strip "$DL_DIR/cut.w2.json") ||
    { echo "  FAIL: not the same alerts before the cut"; fails=$((fails + 1)); }

# A file that shrinks while it is read (another process truncates it): a read error, never a
# signal (a mapping of the file faulted with SIGBUS). 100 MB of frames; cut to an odd size
# (mid-record) once the readers have read 20 MB (/proc/PID/io) or after 0.05 s, so they meet
# the new end (cut before they start, the file is a truncated one all the same).
echo "== a capture truncated while it is read: a read error, not a signal"
/usr/bin/python3 - "$DL_DIR/big.pcap" <<'PY'
import struct, sys
fr = bytes.fromhex("02000000000202000000000108004500002800014000400600000000000000000000") + bytes(20)
rec = struct.pack("<IIII", 1700000000, 0, len(fr), len(fr)) + fr
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for _ in range(15):
        f.write(rec * 100000)
PY
for n in 1 2; do
    cp "$DL_DIR/big.pcap" "$DL_DIR/shrink.pcap"
    "$PR" detect -q -r "$DL_DIR/shrink.pcap" --workers $n --alerts /dev/null >/dev/null \
        2>"$DL_DIR/shrink.err" &
    pid=$!
    for _ in $(seq 5); do
        r=$(sed -n 's/^rchar: //p' /proc/$pid/io 2>/dev/null) || break
        [ "${r:-0}" -gt 20000000 ] && break
        sleep 0.01
    done
    truncate -s 60000013 "$DL_DIR/shrink.pcap"
    wait $pid
    rc=$?
    echo "  --workers $n: exit $rc: $(cat "$DL_DIR/shrink.err")"
    if [ "$rc" -eq 0 ] && ! [ -s "$DL_DIR/shrink.err" ]; then
        echo "  (it had read the whole file before the cut: nothing checked)"
    elif [ "$rc" -ne 2 ] || ! grep -q "shrink.pcap: read error after [0-9]* frames: truncated dump file" "$DL_DIR/shrink.err"; then
        echo "  FAIL: not a read error with exit 2"
        fails=$((fails + 1))
    fi
done
rm -f "$DL_DIR/big.pcap" "$DL_DIR/shrink.pcap"

echo "== decoy scan"
dl_capture_start decoy
$NM -sS -p 1-100 -D 198.18.0.77,198.18.0.78,ME $TG >/dev/null 2>&1
dl_capture_stop
same decoy 3
grep -q decoy_portscan "$DL_DIR/decoy.w2.json" || { echo "  FAIL: no decoy_portscan"; fails=$((fails + 1)); }

echo "== distributed scan"
dl_capture_start dist
$NM -sS -S 198.18.0.21 -e "$DL_SV" -p 1-70 $TG >/dev/null 2>&1 &
p1=$!
$NM -sS -S 198.18.0.22 -e "$DL_SV" -p 71-140 $TG >/dev/null 2>&1 &
p2=$!
$NM -sS -S 198.18.0.23 -e "$DL_SV" -p 141-210 $TG >/dev/null 2>&1
wait $p1 $p2
dl_capture_stop
same dist 3
grep -q distributed_portscan "$DL_DIR/dist.w2.json" || { echo "  FAIL: no distributed_portscan"; fails=$((fails + 1)); }

echo "== live: -i --workers 2 (the sandbox on), a SYN scan, SIGHUP, a FIN scan from another source"
chmod 755 "$DL_DIR" && : >"$DL_DIR/live.json" && chmod 666 "$DL_DIR/live.json" # for --user
ip netns exec "$T" "$PR" detect -i "$DL_TV" --workers 2 --duration 20 -q \
    --alerts "$DL_DIR/live.json" >"$DL_DIR/live.out" 2>"$DL_DIR/live.err" &
DPID=$!
for i in $(seq 50); do grep -q listening "$DL_DIR/live.err" && break; sleep 0.1; done
$NM -sS -p 1-100 $TG >/dev/null 2>&1
kill -HUP $DPID # the alerts file is reopened while the workers run
$NM -sF -S 198.18.0.11 -e "$DL_SV" -p 1-100 $TG >/dev/null 2>&1
sleep 1
kill -TERM $DPID
wait $DPID
rc=$?
cat "$DL_DIR/live.err" "$DL_DIR/live.out"
grep -q "cannot reopen" "$DL_DIR/live.err" && { echo "  FAIL: not reopened"; fails=$((fails + 1)); }
[ $rc -eq 0 ] || { echo "  FAIL: live detect exited $rc"; fails=$((fails + 1)); }
# both scans, each once (its lines share a scan_id), from their own sources
/usr/bin/python3 - "$DL_DIR/live.json" <<'PY' || fails=$((fails + 1))
import json, sys
scans = {}
for l in open(sys.argv[1]):
    a = json.loads(l)
    scans.setdefault(a["scan_id"], set()).add((a["src_ip"], a["scan_type"], a["dst_ip"]))
found = sorted(set().union(*scans.values())) if scans else []
print("  live scans:", found)
want = [("198.18.0.1", "syn", "198.18.0.2"), ("198.18.0.11", "fin", "198.18.0.2")]
ok = found == want and len(scans) == 2 and all(len(v) == 1 for v in scans.values())
print("  " + ("both scans, once each" if ok else "FAIL: expected " + str(want)))
sys.exit(0 if ok else 1)
PY

echo "== refused"
refused() { # WHAT ARGS...: detect must exit 2 naming --workers
    local what=$1; shift
    "$PR" detect "$@" >"$DL_DIR/ref.out" 2>&1
    local rc=$?
    if [ $rc -eq 2 ] && grep -q -- --workers "$DL_DIR/ref.out"; then echo "  refused: $what"
    else echo "  FAIL: $what: exit $rc"; cat "$DL_DIR/ref.out"; fails=$((fails + 1)); fi
}
: >"$DL_DIR/empty.log"
refused "--fwlog" --fwlog "$DL_DIR/empty.log" --workers 2
refused "--http-log" -r "$DL_DIR/mix.pcap" --http-log "$DL_DIR/empty.log" --workers 2
refused "more workers than CPUs" -r "$DL_DIR/mix.pcap" --workers $(($(nproc) + 1))
refused "--workers 0" -r "$DL_DIR/mix.pcap" --workers 0
refused "--db without --block" -r "$DL_DIR/mix.pcap" --db "$DL_DIR/h.db" --workers 2

echo
[ $fails -eq 0 ] && echo "all worker checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
