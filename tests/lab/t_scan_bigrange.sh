#!/usr/bin/env bash
# timeout: 240
# Target ranges of any size in bounded memory (issue 20). In a fresh namespace (no route
# leaves it; a dry run sends nothing anyway), each run under /usr/bin/time -v:
#  - `scan --dry-run -Pn -p22 198.18.0.0/1` completes under 64 MiB peak RSS and prints the
#    plan: 2^31 targets, 2^31 first-pass probes, 32768 host groups; 0.0.0.0/0 the same with
#    2^32 targets (nothing excluded silently); an --exclude and a --shard change the counts
#    exactly; a small plan still lists every probe, and a listed plan over two windows has
#    disjoint, complete shards;
#  - -6 2001:2::/96 (2^32 addresses) is planned the same way; a /95 is refused with a
#    message (exit 2, no abort);
#  - audit with a policy naming 198.18.0.0/1: --dry-run prints the plan in bounded memory;
#    a real audit (which keeps the whole result) is refused with a message, no abort;
#  - a real -sS scan of 127.0.0.0/15 (two windows of 65536 targets) reports every one of the
#    131072 hosts once, the two listening ports open and the rest closed, in bounded memory
#    (under 96 MiB: the receive ring alone is 16 MiB);
#  - a -Pn scan of 127.0.0.0/8 interrupted with SIGINT saves a resume file without an up
#    list, and resuming it goes on from that host group in bounded memory.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prbr "$@"
# the scan runs as an unprivileged account after start-up (docs/privileges.md) and writes
# its resume file then: the directory must let that account write
chmod 1777 "$W"
MAXKB=$((64 * 1024))

measured() { # NAME CMD...: runs CMD in the namespace under time -v; keeps out, err, rc, rss
    local name=$1
    shift
    in_ns /usr/bin/time -v -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err"
    echo $? >"$W/$name.rc"
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/$name.time" >"$W/$name.rss"
    echo "   $name: exit $(cat "$W/$name.rc"), peak RSS $(cat "$W/$name.rss") KiB"
}
rss_ok() { local kb; kb=$(cat "$W/$1.rss"); [ -n "$kb" ] && [ "$kb" -lt $MAXKB ]; }
rc_is() { [ "$(cat "$W/$1.rc")" = "$2" ]; }
has() { grep -qF -- "$2" "$W/$1.err"; }

# -- dry runs of huge ranges
measured half "$PORTREEVE" scan --dry-run -Pn -p22 198.18.0.0/1
check "/1 dry run exits 0" rc_is half 0
check "/1 dry run peaks under 64 MiB" rss_ok half
check "/1 plan: 2^31 targets" has half "plan: 2147483648 targets"
check "/1 plan: 2^31 probes in 32768 host groups" \
    has half "plan: 2147483648 first-pass probes, 32768 host groups of up to 65536 hosts"
check "/1 plan: estimated time at the start rate" has half "estimated time 2d 11h 39m 8s at 10000 probes/s"
check "/1 plan: too many probes to list, and says so" has half "not listed one by one"
check "/1 plan: nothing on stdout" test ! -s "$W/half.out"

measured all "$PORTREEVE" scan --dry-run -Pn -p22 0.0.0.0/0
check "/0 dry run exits 0 under 64 MiB" sh -c "[ \$(cat '$W/all.rc') = 0 ] && [ \$(cat '$W/all.rss') -lt $MAXKB ]"
check "/0 plan: 2^32 targets and probes, 65536 groups (nothing excluded)" \
    sh -c "grep -qF 'plan: 4294967296 targets' '$W/all.err' && grep -qF 'plan: 4294967296 first-pass probes, 65536 host groups' '$W/all.err'"

measured excl "$PORTREEVE" scan --dry-run -Pn -p22,80 --exclude 198.18.0.0/15 198.18.0.0/1
check "/1 minus a /15: 2^31 - 2^17 targets, twice the probes" \
    sh -c "grep -qF 'plan: 2147352576 targets' '$W/excl.err' && grep -qF 'plan: 4294705152 first-pass probes' '$W/excl.err'"
measured shard "$PORTREEVE" scan --dry-run -Pn -p22 --shard 3/3 198.18.0.0/1
check "/1 shard 3/3: positions 2, 5, 8, ... (715827882 probes)" \
    has shard "plan: 715827882 first-pass probes in shard 3/3"

measured small "$PORTREEVE" scan --dry-run -Pn -p 1-4 127.0.0.1-3
check "a small plan lists every probe (12) and sums them up" \
    sh -c "[ \$(sort -u '$W/small.out' | grep -c '^probe tcp 127.0.0.[123] [1-4]$') = 12 ] && grep -qF 'plan: 12 first-pass probes' '$W/small.err'"

# -- a listed plan over two windows (127.0.0.0/15 x 2 ports): shards disjoint and complete,
#    and the first window's group is finished before the second's starts
for s in 1 2; do
    in_ns "$PORTREEVE" scan --dry-run --seed 5 --shard $s/2 -Pn -p 1-2 127.0.0.0/15 >"$W/wshard$s" 2>/dev/null || fail=1
done
in_ns "$PORTREEVE" scan --dry-run --seed 5 -Pn -p 1-2 127.0.0.0/15 >"$W/wall" 2>/dev/null || fail=1
check "two windows: every probe once (262144)" \
    test "$(sort -u "$W/wall" | wc -l)" -eq 262144 -a "$(wc -l <"$W/wall")" -eq 262144
sort "$W/wshard1" "$W/wshard2" >"$W/wunion"
sort "$W/wall" >"$W/wsorted"
check "two windows: shards disjoint and together the plan" cmp -s "$W/wunion" "$W/wsorted"
check "two windows: 127.0/16 finished before 127.1/16 starts" \
    sh -c "[ \"\$(awk '{print \$3}' '$W/wall' | cut -d. -f2 | uniq | tr '\n' ' ')\" = '0 1 ' ]"

# -- IPv6
measured v6 "$PORTREEVE" scan -6 --dry-run -Pn -p22 2001:2::/96
check "-6 /96 dry run: 2^32 targets under 64 MiB" \
    sh -c "[ \$(cat '$W/v6.rc') = 0 ] && [ \$(cat '$W/v6.rss') -lt $MAXKB ] && grep -qF 'plan: 4294967296 targets' '$W/v6.err'"
measured v6big "$PORTREEVE" scan -6 --dry-run -Pn -p22 2001:2::/95
check "-6 /95 refused (exit 2) with a message naming the bound" \
    sh -c "[ \$(cat '$W/v6big.rc') = 2 ] && grep -qF 'at most 2^32 (/96) can be scanned' '$W/v6big.err'"

# -- audit with a policy naming a /1
printf '[big]\nhosts = 198.18.0.0/1\ntcp = 22\n' >"$W/big.ini"
measured auditdry "$PORTREEVE" audit --no-db --policy "$W/big.ini" --dry-run -Pn -sS
check "audit --dry-run of a /1 policy: exit 0 under 64 MiB" \
    sh -c "[ \$(cat '$W/auditdry.rc') = 0 ] && [ \$(cat '$W/auditdry.rss') -lt $MAXKB ]"
check "audit --dry-run prints the plan and judges nothing" \
    sh -c "grep -qF 'plan: 2147483648 targets' '$W/auditdry.err' && grep -qF 'nothing stored, no verdict' '$W/auditdry.err'"
measured auditreal "$PORTREEVE" audit --no-db --policy "$W/big.ini" -Pn -sS
check "a real audit of a /1 is refused with a message (no abort), under 64 MiB" \
    sh -c "rc=\$(cat '$W/auditreal.rc'); [ \$rc != 0 ] && [ \$rc -lt 128 ] && [ \$(cat '$W/auditreal.rss') -lt $MAXKB ] && grep -qF 'takes at most 1048576' '$W/auditreal.err'"

# -- a real scan over two windows
listen_tcp 127.0.0.1 80
listen_tcp 127.1.2.3 80
measured two "$PORTREEVE" scan -sS -Pn -p 80 --max-rate 40000 127.0.0.0/15 -oG "$W/two.gnmap"
check "127.0.0.0/15 scan exits 0 under 96 MiB (rings included)" \
    sh -c "[ \$(cat '$W/two.rc') = 0 ] && [ \$(cat '$W/two.rss') -lt $((96 * 1024)) ]"
check "every one of the 131072 hosts reported once, 2 open, the rest closed" /usr/bin/python3 -c '
import sys, collections
ports = collections.Counter()
states = collections.Counter()
for l in open(sys.argv[1]):
    if "Ports: " in l:
        addr = l.split()[1]
        ports[addr] += 1
        states[l.split("Ports: ")[1].split("/")[1]] += 1
        if addr in ("127.0.0.1", "127.1.2.3"):
            assert "80/open/" in l, l
assert len(ports) == 131072 and max(ports.values()) == 1, (len(ports), max(ports.values()))
assert states == {"open": 2, "closed": 131070}, states
assert "127.0.0.0" in ports and "127.1.255.255" in ports
' "$W/two.gnmap"

# -- interrupt and resume inside a /8
( cd "$W" && exec ip netns exec "$NS" /usr/bin/time -v -o "$W/stop1.time" "$PORTREEVE" scan -sS -Pn -p 9 \
    --max-rate 20000 --max-hostgroup 4096 127.0.0.0/8 -oG "$W/r.gnmap" >"$W/stop1.out" 2>"$W/stop1.err" ) &
scan=$!
sleep 4
kill -INT $(pgrep -P $scan) 2>/dev/null # portreeve, the child of time (which ignores SIGINT)
wait $scan
sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/stop1.time" >"$W/stop1.rss"
# the file has a name of its own (portreeve-TIME-PID.resume), given in the message
RF=$(sed -n 's/.*resume with: portreeve scan --resume \(portreeve-[0-9-]*\.resume\)$/\1/p' "$W/stop1.err")
RF=${RF:-none}
check "the interrupted /8 scan left a resume file ($RF), under 64 MiB" \
    sh -c "[ -s '$W/$RF' ] && [ \$(cat '$W/stop1.rss') -lt $MAXKB ]"
g1=$(sed -n 's/^group //p' "$W/$RF")
echo "   stopped in host group ${g1:-?}; $(grep -c '^rest ' "$W/$RF") finished hosts saved"
check "a -Pn resume file lists no up hosts (every target is up)" sh -c "[ -s '$W/$RF' ] && ! grep -q '^up ' '$W/$RF'"
cp "$W/$RF" "$W/first.resume"
( cd "$W" && exec ip netns exec "$NS" /usr/bin/time -v -o "$W/stop2.time" "$PORTREEVE" scan \
    --resume "$RF" >"$W/stop2.out" 2>"$W/stop2.err" ) &
scan=$!
sleep 4
kill -INT $(pgrep -P $scan) 2>/dev/null # portreeve, the child of time (which ignores SIGINT)
wait $scan
sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/stop2.time" >"$W/stop2.rss"
g2=$(sed -n 's/^group //p' "$W/$RF")
echo "   resumed run stopped in host group ${g2:-?}; peak RSS $(cat "$W/stop2.rss") KiB"
check "the resumed /8 scan went on from the saved group, under 64 MiB" \
    sh -c "[ -n '$g1' ] && [ -n '$g2' ] && [ '$g2' -ge '$g1' ] && [ \$(cat '$W/stop2.rss') -lt $MAXKB ] && grep -q 'resume with' '$W/stop2.err'"
exit $fail
