#!/usr/bin/env bash
# timeout: 300
# parallel: yes
# Large-scan machinery, in a fresh namespace scanning its own loopback:
#  - --shard 1/3, 2/3, 3/3 (same --seed) together probe every (host, port) exactly once,
#    and the union equals the unsharded plan (checked with --dry-run); connect scans (-sT)
#    too (checked on their JSON output);
#  - the same across host groups (--max-hostgroup), and a grouped plan finishes a group
#    before starting the next;
#  - a scan interrupted by SIGINT and resumed with --resume ends with the same port states
#    as an uninterrupted scan, and across both runs each port got exactly one first probe
#    (counted in a packet capture), for one host and for four hosts in four groups;
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

# -- connect scans shard the same way: the shards' ports are disjoint and together all
for s in 1 2 3; do
    in_ns "$PORTREEVE" scan -sT --seed 11 --shard $s/3 -Pn -p 1-300 127.0.0.1-2 -oJ "$W/ct$s.json" >/dev/null || fail=1
done
check "-sT shards probe disjoint thirds that together are every (host, port) once" \
    python3 -c '
import json, sys
seen = [(r["ip"], r["port"]) for f in sys.argv[1:] for r in map(json.loads, open(f)) if "port" in r]
counts = [sum(1 for r in map(json.loads, open(f)) if "port" in r) for f in sys.argv[1:]]
assert len(seen) == len(set(seen)) == 600, (len(seen), len(set(seen)))
assert all(190 <= c <= 210 for c in counts), counts' "$W"/ct1.json "$W"/ct2.json "$W"/ct3.json

# -- shards across host groups: --max-hostgroup 2 splits the 5 hosts into 3 groups, and the
#    shards still pick disjoint, complete positions
for s in 1 2 3; do
    in_ns "$PORTREEVE" scan --dry-run --seed 11 --shard $s/3 --max-hostgroup 2 -Pn -p 1-2000 127.0.0.1-5 >"$W/gshard$s" || fail=1
done
check "grouped shards are disjoint and together the whole plan" \
    sh -c "cat '$W'/gshard1 '$W'/gshard2 '$W'/gshard3 | sort > '$W/gunion'; sort '$W/all' | cmp -s - '$W/gunion'"
check "a grouped plan finishes one group before the next" /usr/bin/python3 -c '
import sys
hosts = [l.split()[2] for l in open(sys.argv[1])]
firsts = {}
for i, h in enumerate(hosts):
    firsts.setdefault(h, i)
last = {h: i for i, h in enumerate(hosts)}
groups = [["127.0.0.1", "127.0.0.2"], ["127.0.0.3", "127.0.0.4"], ["127.0.0.5"]]
for a, b in zip(groups, groups[1:]):
    assert max(last[h] for h in a) < min(firsts[h] for h in b), (a, b)
' "$W/gshard1"

# -- resume after SIGINT: one host in one group, then four hosts in four groups (the stop
#    falls in a later group: finished groups come back from the resume file's compact form)
# after start-up the scan runs as an unprivileged account (docs/privileges.md): that
# account writes the resume file, so the directory must let it
chmod 1777 "$W"
for p in 22 80 443 2000 2500; do listen_tcp 127.0.0.1 $p; done
listen_tcp 127.0.0.3 1234
resume_case() { # NAME STOP_AFTER_S TARGETS... : interrupt, resume, compare, count first probes
    local name=$1 after=$2
    shift 2
    local opts=(-sS -Pn -p 1-3000 --max-hostgroup 1)
    rm -f "$W"/portreeve-*.resume
    in_ns "$PORTREEVE" scan "${opts[@]}" "$@" -oX "$W/$name.full.xml" >/dev/null 2>&1 || fail=1
    capture_start "$W/$name.pcap" lo 'tcp[tcpflags] == tcp-syn and dst net 127.0.0.0/8 and src portrange 61000-65535'
    ( cd "$W" && exec ip netns exec "$NS" "$PORTREEVE" scan "${opts[@]}" --max-rate 1000 "$@" -oX "$W/$name.part.xml" >"$W/$name.part.txt" 2>&1 ) &
    local scan=$!
    sleep "$after"
    kill -INT $scan
    wait $scan
    # the file has a name of its own (portreeve-TIME-PID.resume), given in the message
    local rfile
    rfile=$(sed -n 's/.*resume with: portreeve scan --resume \(portreeve-[0-9-]*\.resume\)$/\1/p' "$W/$name.part.txt")
    cp "$W/$rfile" "$W/$name.resume" 2>/dev/null
    check "$name: an interrupted scan leaves a resume file ($rfile) and says how to resume" \
        test -n "$rfile" -a -s "$W/$rfile"
    ( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan --resume "$rfile" >"$W/$name.resumed.txt" 2>&1 )
    check "$name: the resumed scan completes" grep -q "portreeve done" "$W/$name.resumed.txt"
    capture_stop
    # the resumed run rewrote part.xml: the same -oX is in the saved command
    check "$name: resumed results equal the uninterrupted scan's" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
def states(path):
    out = {}
    for host in ET.parse(path).getroot().findall("host"):
        addr = host.find("address").get("addr")
        ports = host.find("ports")
        for p in ports.findall("port"):
            out[addr, int(p.get("portid"))] = p.find("state").get("state")
        for ex in ports.findall("extraports"):
            for r in ex.findall("extrareasons"):
                for part in r.get("ports").split(","):
                    a, _, b = part.partition("-")
                    for q in range(int(a), int(b or a) + 1):
                        out[addr, q] = ex.get("state")
    return out
a, b = states(sys.argv[1]), states(sys.argv[2])
n = int(sys.argv[3])
assert len(a) == 3000 * n and a == b, [(k, a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)][:10]
assert ("127.0.0.1", 2500) in a and a["127.0.0.1", 2500] == "open"
' "$W/$name.full.xml" "$W/$name.part.xml" $#
    check "$name: across both runs each port got exactly one SYN (no repeat, no gap)" /usr/bin/python3 -c '
import subprocess, sys, collections
out = subprocess.run(["tcpdump", "-nr", sys.argv[1]], capture_output=True, text=True).stdout
seen = collections.Counter()
for l in out.splitlines():
    if " > " not in l:
        continue
    dst = l.split(" > ")[1].split(":")[0].rsplit(".", 1)
    seen[dst[0], int(dst[1])] += 1
hosts = sys.argv[2:]
missing = [(h, p) for h in hosts for p in range(1, 3001) if seen[h, p] == 0]
dup = [k for k, n in seen.items() if n > 1]
assert not missing and not dup, (missing[:10], dup[:10])
' "$W/$name.pcap" "$@"
}
resume_case one 1.2 127.0.0.1
resume_case groups 6.5 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4
check "groups: the stop fell in a later group" grep -q '^group [1-3]$' "$W/groups.resume"

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
in_ns /usr/bin/python3 "$(dirname "$0")/synack_spray.py" 127.0.0.1 127.0.0.1 9999 "$W" lo &
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
