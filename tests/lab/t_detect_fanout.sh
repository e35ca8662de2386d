#!/usr/bin/env bash
# t_detect_fanout.sh — `detect -i IFACE --workers 2` with the kernel's eBPF fanout
# (docs/detect.md "Workers"): in the target namespace of a veth pair, `--workers 2` and
# `--workers 1` watch the same interface at the same time (two processes) while real
# traffic crosses it: nmap -sS (IPv4), -sT (IPv6, connect) and -sU from three sources,
# hping3 ACK and RST noise from a fourth (answers and backscatter: the flow map's cases),
# HTTP exchanges with curl; both runs with a filter (-f) that leaves a fifth source out
# (each worker's socket has it). Checks: the fanout is in use (its stderr line), both
# workers got frames from the kernel (the summary's per-worker counts), the two runs report
# the same scans, each with the same last line (counts, ports, tool, OS), none of the
# filtered source, and the SYN scan names nmap. `-i any` (not Ethernet) falls back to the
# dispatcher thread and says so; the interface deleted under the fanout ends the run with a
# read error (exit 2), as with one engine.
# timeout: 90
# parallel: yes
set -u
PR=${1:?usage: t_detect_fanout.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
for t in nmap hping3 curl; do command -v $t >/dev/null || dl_skip "needs $t"; done
[ "$(nproc)" -ge 2 ] || dl_skip "needs 2 CPUs"
dl_up || exit 1
S=$DL_S T=$DL_T TG=$DL_TARGET
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
dl_http "$T" :: 8080
dl_wait_port "$T" 8080 || { echo "server did not start"; exit 1; }
for a in 11 12 13; do ip -n "$S" addr add 198.18.0.$a/24 dev "$DL_SV"; done
NM="ip netns exec $S nmap -n -Pn -T4 --max-retries 1"

echo "== --workers 2 (eBPF fanout) and --workers 1 on $DL_TV at once"
chmod 755 "$DL_DIR"
for n in 1 2; do
    : >"$DL_DIR/w$n.json" && chmod 666 "$DL_DIR/w$n.json" # for --user
    ip netns exec "$T" "$PR" detect -i "$DL_TV" --workers $n --duration 40 -q \
        -f "not host 198.18.0.13" --alerts "$DL_DIR/w$n.json" >"$DL_DIR/w$n.out" 2>"$DL_DIR/w$n.err" &
    eval "P$n=\$!"
done
for i in $(seq 100); do
    grep -q listening "$DL_DIR/w1.err" && grep -q listening "$DL_DIR/w2.err" && break
    sleep 0.1
done
grep "fanout" "$DL_DIR/w2.err"
grep -q -- "--workers 2: eBPF fanout on $DL_TV" "$DL_DIR/w2.err" || fail "the fanout is not in use"

$NM -sS -p 1-60,8080 $TG >/dev/null 2>&1 &
p1=$!
$NM -6 -sT -p 1-60 2001:2::2 >/dev/null 2>&1 &
p2=$!
$NM -sU --max-retries 0 -S 198.18.0.11 -e "$DL_SV" -p 1-25 $TG >/dev/null 2>&1 &
p3=$!
# noise: ACK probes (each answered by a bare RST) and bare RSTs (answered by nothing); an
# ACK scan from 198.18.0.13, which the filter (-f) leaves out of both runs
ip netns exec "$S" hping3 -q -A -a 198.18.0.12 -p ++2000 -c 30 -i u20000 $TG >/dev/null 2>&1 &
p4=$!
ip netns exec "$S" hping3 -q -A -a 198.18.0.13 -p ++4000 -c 30 -i u20000 $TG >/dev/null 2>&1 &
p6=$!
ip netns exec "$S" hping3 -q -R -a 198.18.0.12 -s 5000 -p ++3000 -c 30 -i u20000 $TG \
    >/dev/null 2>&1 &
p5=$!
# one UDP datagram from each of 24 more addresses: keys enough that both workers get some
# whatever the run's random key (all on one worker: 2^-23)
one=()
for i in $(seq 100 123); do
    ip netns exec "$S" hping3 -q -2 -a 198.18.0.$i -p 9 -c 1 $TG >/dev/null 2>&1 &
    one+=($!)
done
for i in 1 2 3 4; do
    ip netns exec "$S" curl -s -m 3 "http://$TG:8080/" >/dev/null
    ip netns exec "$S" curl -s -m 3 "http://[2001:2::2]:8080/" >/dev/null
done
wait $p1 $p2 $p3 $p4 $p5 $p6 "${one[@]}"
sleep 1.5
kill -TERM $P1 $P2
wait $P1
rc1=$?
wait $P2
rc2=$?
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || fail "exit codes $rc1 (1 worker), $rc2 (2 workers)"
grep -h "^summary\|^workers" "$DL_DIR/w1.out" "$DL_DIR/w2.out"
grep -q "sandbox\|denied" "$DL_DIR/w2.err" && { cat "$DL_DIR/w2.err"; fail "refused by the sandbox"; }

# both workers read frames from the kernel
/usr/bin/python3 - "$DL_DIR/w2.out" <<'PY' || fails=$((fails + 1))
import re, sys
m = re.search(r"^workers: eBPF fanout, frames per worker (.*)$", open(sys.argv[1]).read(), re.M)
counts = [int(x) for x in re.findall(r"(\d+) \(kernel drops", m.group(1))] if m else []
ok = len(counts) == 2 and min(counts) > 0
print("  frames per worker:", counts, "" if ok else "FAIL: expected two workers with frames")
sys.exit(0 if ok else 1)
PY

# the same scans, and the same last line of each: its counts, ports, tool, OS, first packet
# (to the millisecond). Each socket gets its own copy of a frame, stamped on its own, and
# two sockets may see a probe and the answer to it in either order: so which detector
# fires first, and at which probe, may differ between any two live runs (two runs of one
# worker included); what they found by the end may not.
/usr/bin/python3 - "$DL_DIR/w1.json" "$DL_DIR/w2.json" <<'PY' || fails=$((fails + 1))
import json, sys
from datetime import datetime
KEEP = ("event", "scan_type", "ports_probed", "probes", "hosts_probed", "open_ports_seen",
        "tool_guess", "src_os", "action")
def ms(t):
    return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000
def load(p):
    scans = {}
    for l in open(p):
        a = json.loads(l)
        scans.setdefault((a["src_ip"], a.get("scan_type", a["event"]), a.get("dst_ip")), []).append(a)
    return scans
all1, all2 = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for k in sorted(set(all1) | set(all2), key=str):
    if k not in all1 or k not in all2:
        print("  FAIL: only with", 1 if k in all1 else 2, "worker(s):", *k); bad = 1
        continue
    a, b = all1[k][-1], all2[k][-1]
    print("   ", *k, a.get("tool_guess", "-"), "ports", a.get("ports_probed"))
    d = {f: (a.get(f), b.get(f)) for f in KEEP if a.get(f) != b.get(f)}
    if abs(ms(a["first_seen"]) - ms(b["first_seen"])) > 1:
        d["first_seen"] = (a["first_seen"], b["first_seen"])
    if d:
        print("  FAIL: the last lines differ:", d); bad = 1
want = {("198.18.0.1", "syn", "198.18.0.2"), ("2001:2::1", "connect", "2001:2::2"),
        ("198.18.0.11", "udp", "198.18.0.2"), ("198.18.0.12", "ack", "198.18.0.2")}
if not want <= set(all1):
    print("  FAIL: expected the scans", sorted(want)); bad = 1
if any(k[0] == "198.18.0.13" for k in set(all1) | set(all2)):
    print("  FAIL: the filter did not leave 198.18.0.13 out"); bad = 1
syn = all1.get(("198.18.0.1", "syn", "198.18.0.2"), [])
if not any("nmap" in a.get("tool_guess", "").lower() for a in syn):
    print("  FAIL: the SYN scan does not name nmap"); bad = 1
if not bad:
    print(f"  the same {len(all1)} scan(s) with 1 and 2 workers; the SYN scan names nmap")
sys.exit(bad)
PY

echo "== -i any: no fanout (not Ethernet), the dispatcher thread"
ip netns exec "$T" "$PR" detect -i any --workers 2 --duration 1 -q --alerts /dev/null \
    >"$DL_DIR/any.out" 2>"$DL_DIR/any.err"
rc=$?
grep "fanout" "$DL_DIR/any.err"
[ $rc -eq 0 ] && grep -q -- "--workers 2: no eBPF fanout (any is not an Ethernet interface)" \
    "$DL_DIR/any.err" || fail "-i any: exit $rc, no fallback line"

echo "== the interface removed under the fanout: a read error ends the run (exit 2)"
ip netns exec "$T" "$PR" detect -i "$DL_TV" --workers 2 --duration 20 -q --alerts /dev/null \
    >"$DL_DIR/gone.out" 2>"$DL_DIR/gone.err" &
P=$!
for i in $(seq 100); do grep -q listening "$DL_DIR/gone.err" && break; sleep 0.1; done
$NM -sS -p 1-20 $TG >/dev/null 2>&1
ip -n "$S" link del "$DL_SV"
wait $P
rc=$?
grep "read error" "$DL_DIR/gone.err"
[ $rc -eq 2 ] && grep -q "$DL_TV: read error after [0-9]* frames" "$DL_DIR/gone.err" &&
    grep -q "^workers: eBPF fanout" "$DL_DIR/gone.out" || fail "exit $rc, no read error"

echo
[ $fails -eq 0 ] && echo "all fanout checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
