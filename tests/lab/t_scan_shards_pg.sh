#!/usr/bin/env bash
# timeout: 150
# parallel: yes
# Sharded runs in one PostgreSQL history (scan --shard I/N --run-id ID --db URI):
#  - PostgreSQL (Debian's binaries, started here on a Unix socket in a mktemp directory, no
#    TCP) first holds a schema-1 history with one old run: portreeve migrates it and still
#    lists that run;
#  - a target namespace with four addresses (three listeners, one nft-filtered port) and
#    three scanner namespaces, each with its own veth to the target; shards 1/3, 2/3 and 3/3
#    of one run id run at the same time, one from each scanner namespace;
#  - the run's port table in PostgreSQL (the union of the shards) equals the full port table
#    of one unsharded scan of the same targets from the first scanner namespace, and
#    `diff` of the two runs (by name and by number) finds no change;
#  - `history` lists the sharded run once (with its three shards; --json names them);
#  - a second run id with shards 1 and 3 only is listed as incomplete naming shard 2, and
#    `diff` and `audit --run` refuse it (naming shard 2) unless --partial; once shard 2
#    arrives it is complete and audit --run judges it;
#  - a shard whose ports, seed or N differ from its run's is refused before any probe,
#    naming the differing parameter; --run-id without --db is refused.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/pglib.sh"
pg_lab_check || exit 77
. "$LAB_LIB_DIR/nslib.sh"
ns_test_setup sht "$@" # NS: the targets
SC=()
shards_cleanup() {
    local s
    pg_lab_down
    for s in "${SC[@]}"; do ip netns del "$s" 2>/dev/null; done
    ns_test_cleanup
}
trap shards_cleanup EXIT

# -- the lab: targets 198.18.40.1-4 on the target's loopback; scanner k at 198.18.4k.2 on
#    its own veth, routing the targets through the target side 198.18.4k.1
TARGETS=198.18.40.1-4
for a in 1 2 3 4; do in_ns ip addr add "198.18.40.$a/32" dev lo; done
for k in 1 2 3; do
    s=shs$k$$ t=sht$k$$ p=shp$k$$
    ip netns add "$s" && ip -n "$s" link set lo up || exit 1
    SC+=("$s")
    ip link add "$t" netns "$NS" type veth peer name "$p" netns "$s" || exit 1
    in_ns ip addr add "198.18.4$k.1/24" dev "$t"
    in_ns ip link set "$t" up
    ip -n "$s" addr add "198.18.4$k.2/24" dev "$p"
    ip -n "$s" link set "$p" up
    ip -n "$s" route add 198.18.40.0/24 via "198.18.4$k.1"
done
listen_tcp 198.18.40.1 22
listen_tcp 198.18.40.1 8080
listen_tcp 198.18.40.3 111
in_ns nft -f - <<'NFT' || exit 1
table inet shards {
    chain in {
        type filter hook input priority 0;
        ip daddr 198.18.40.2 tcp dport 100 drop
    }
}
NFT
PORTS=1-150,8080

# -- PostgreSQL, holding a history as schema 1 left it (one old scan run)
pg_lab_init && pg_lab start || exit 1
pg_lab_open
PSQL "CREATE TABLE schema_version (version INTEGER NOT NULL, applied BIGINT NOT NULL);
INSERT INTO schema_version VALUES (1, 0);
CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, started BIGINT NOT NULL, ended BIGINT NOT NULL,
  kind TEXT NOT NULL, policy TEXT NOT NULL DEFAULT '', args TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL DEFAULT 0, violations INTEGER NOT NULL DEFAULT 0,
  hosts_up INTEGER NOT NULL DEFAULT 0, nhosts INTEGER NOT NULL DEFAULT 0,
  open_ports INTEGER NOT NULL DEFAULT 0);
CREATE TABLE hosts (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  addr TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', up INTEGER NOT NULL,
  extra_state TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, addr));
CREATE TABLE ports (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  addr TEXT NOT NULL, proto TEXT NOT NULL, port INTEGER NOT NULL, state TEXT NOT NULL,
  service TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, addr, proto, port));
CREATE TABLE violations (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL, warn INTEGER NOT NULL DEFAULT 0, addr TEXT NOT NULL,
  host TEXT NOT NULL DEFAULT '', proto TEXT NOT NULL DEFAULT '', port INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT '', section TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '');
INSERT INTO runs (started, ended, kind, args) VALUES (1700000000, 1700000001, 'scan', 'old-schema-1-run');" >/dev/null ||
    { echo "FAIL: could not create the schema-1 history"; exit 1; }
"$PORTREEVE" history --db "$URI" >"$W/h0.txt" 2>&1
check "a schema-1 PostgreSQL history is migrated and its old run still listed" grep -q "old-schema-1-run" "$W/h0.txt"
check "the schema is now at version 6" test "$(PSQL 'SELECT MAX(version) FROM schema_version')" = 6

# scanner k scans with the common options and its own extra ones
SCAN_OPTS=(scan -sS -Pn -n -p "$PORTS" --max-retries 1 --max-rtt-timeout 300ms --seed 42 --db "$URI")
scan_from() { # K OUT ARGS...: portreeve scan in scanner namespace K
    local k=$1 out=$2
    shift 2
    ip netns exec "shs$k$$" "$PORTREEVE" "${SCAN_OPTS[@]}" "$@" >"$out" 2>"$out.err"
}

# -- three shards of run "nightly" at once, one per scanner namespace
for k in 1 2 3; do
    scan_from $k "$W/s$k.txt" --shard $k/3 --run-id nightly -oX "$W/s$k.xml" $TARGETS &
    spid[$k]=$!
done
rcs=""
for k in 1 2 3; do wait "${spid[$k]}"; rcs+=$?; done
for k in 1 2 3; do sed 's/^/  s'$k' | /' "$W/s$k.txt.err"; done
check "the three shards (from three namespaces, at once) exit 0" test "$rcs" = 000
scan_from 1 "$W/all.txt" -oX "$W/all.xml" $TARGETS
check "the unsharded scan exits 0" test $? = 0
sed 's/^/  all | /' "$W/all.txt.err"

RUN=$(PSQL "SELECT id FROM runs WHERE run_key = 'nightly'")
ALL=$(PSQL "SELECT MAX(id) FROM runs WHERE run_key = '' AND kind = 'scan'")
PSQL "SELECT addr || ' ' || proto || ' ' || port || ' ' || state FROM ports WHERE run_id = $RUN" >"$W/union.txt"
check "the shards' union in PostgreSQL equals the unsharded scan's full port table" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
full = {}
for host in ET.parse(sys.argv[1]).getroot().findall("host"):
    addr = host.find("address").get("addr")
    ports = host.find("ports")
    for p in ports.findall("port"):
        full[addr, p.get("protocol"), int(p.get("portid"))] = p.find("state").get("state")
    for ex in ports.findall("extraports"):
        for r in ex.findall("extrareasons"):
            for part in r.get("ports").split(","):
                a, _, b = part.partition("-")
                for q in range(int(a), int(b or a) + 1):
                    full[addr, "tcp", q] = ex.get("state")
union = {}
for line in open(sys.argv[2]):
    a, proto, port, state = line.split()
    assert (a, proto, int(port)) not in union, line
    union[a, proto, int(port)] = state
assert len(full) == 4 * 151, len(full)
assert full[("198.18.40.1", "tcp", 22)] == "open" and full[("198.18.40.3", "tcp", 111)] == "open"
assert full[("198.18.40.2", "tcp", 100)] == "filtered"
diff = [(k, full.get(k), union.get(k)) for k in set(full) | set(union) if full.get(k) != union.get(k)]
assert not diff, diff[:10]
print("  (%d ports, %d open)" % (len(union), sum(s == "open" for s in union.values())))
' "$W/all.xml" "$W/union.txt"
check "each shard's own -oX has about a third of the probes" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    n = 0
    for host in ET.parse(f).getroot().findall("host"):
        ports = host.find("ports")
        n += len(ports.findall("port"))
        n += sum(int(ex.get("count")) for ex in ports.findall("extraports"))
    assert 190 <= n <= 214, (f, n)
' "$W/s1.xml" "$W/s2.xml" "$W/s3.xml"
"$PORTREEVE" diff --db "$URI" nightly "$ALL" >"$W/diff.txt" 2>&1
check "diff of the sharded run (by name) and the unsharded one: exit 0, no change" test $? = 0
"$PORTREEVE" diff --db "$URI" "$RUN" "$ALL" >/dev/null 2>&1
check "the same by run number" test $? = 0

"$PORTREEVE" history --db "$URI" >"$W/h1.txt" 2>&1
sed 's/^/  | /' "$W/h1.txt"
check "history lists the sharded run once, with its three shards" \
    test "$(grep -c 'run nightly' "$W/h1.txt")" = 1 -a "$(grep -c '\[run nightly: 3 shards\]' "$W/h1.txt")" = 1
check "history: 3 runs in all (old, sharded, unsharded), 4/4 hosts up in the sharded one" \
    sh -c "test \$(grep -c '^[0-9]' '$W/h1.txt') = 3 && grep 'run nightly' '$W/h1.txt' | grep -q ' 4/4 '"
"$PORTREEVE" history --json --db "$URI" >"$W/h1.json" 2>&1
check "history --json carries the shards (three finished, one host each, none missing)" /usr/bin/python3 -c '
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in runs if r["run_id"] == "nightly"]
assert len(r) == 1 and r[0]["complete"] is True, r
sh = r[0]["shards"]
assert sh["total"] == 3 and sh["finished"] == 3 and sh["missing"] == [], sh
assert [p["shard"] for p in sh["parts"]] == [1, 2, 3] and all(p["finished"] and p["host"] for p in sh["parts"]), sh
assert r[0]["hosts"] == 4 and r[0]["open_ports"] == 3, r
' "$W/h1.json"

# -- a run with shard 2 missing
scan_from 1 "$W/m1.txt" --shard 1/3 --run-id weekly $TARGETS &
m1=$!
scan_from 3 "$W/m3.txt" --shard 3/3 --run-id weekly $TARGETS
m3=$?
wait $m1
check "shards 1 and 3 of run weekly exit 0" test "$?$m3" = 00
"$PORTREEVE" history --db "$URI" >"$W/h2.txt" 2>&1
grep weekly "$W/h2.txt" | sed 's/^/  | /'
check "history names the missing shard 2 of weekly" grep -q 'run weekly: INCOMPLETE, shard 2 of 3 missing' "$W/h2.txt"
"$PORTREEVE" history --json --db "$URI" | grep '"weekly"' >"$W/h2.json"
check "history --json: weekly incomplete, missing [2]" \
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["complete"] is False and r["shards"]["missing"] == [2], r' "$W/h2.json"
"$PORTREEVE" diff --db "$URI" weekly nightly >"$W/d2.txt" 2>&1
rc=$?
check "diff refuses the incomplete run (exit 2, naming shard 2): $(head -n 1 "$W/d2.txt")" \
    sh -c "test $rc = 2 && grep -q 'shard 2 of 3 missing' '$W/d2.txt' && grep -q -- --partial '$W/d2.txt'"
"$PORTREEVE" diff --db "$URI" --partial weekly nightly >"$W/d3.txt" 2>&1
rc=$?
check "diff --partial compares it (exit 1: shard 2's ports are absent)" sh -c "test $rc = 1 && grep -q 'incomplete' '$W/d3.txt'"
printf '[defaults]\nmissing = violation\n[a]\nhosts = 198.18.40.1\ntcp = 22, 8080\n[c]\nhosts = 198.18.40.3\ntcp = 111\n' >"$W/policy.ini"
"$PORTREEVE" audit --policy "$W/policy.ini" --db "$URI" --run weekly >"$W/a1.txt" 2>&1
rc=$?
check "audit --run refuses the incomplete run (exit 2, naming shard 2)" \
    sh -c "test $rc = 2 && grep -q 'shard 2 of 3 missing' '$W/a1.txt'"
"$PORTREEVE" audit --policy "$W/policy.ini" --db "$URI" --run weekly --partial >"$W/a2.txt" 2>&1
rc=$?
check "audit --run --partial judges what arrived (exit 0 or 1, not 2)" test "$rc" != 2
check "no audit stored for the refused runs, one for --partial" \
    test "$(PSQL "SELECT COUNT(*) FROM runs WHERE kind = 'audit'")" = 1

# -- mismatched shards are refused before any probe, naming the parameter
scan_from 2 "$W/x1.txt" --shard 2/3 --run-id weekly -p 1-151 $TARGETS
rc=$?
check "a shard with other ports is refused (exit 2), naming ports: $(cat "$W/x1.txt.err")" \
    sh -c "test $rc = 2 && grep -q \"shard's ports\" '$W/x1.txt.err'"
SCAN_OPTS=("${SCAN_OPTS[@]/#42/43}")
scan_from 2 "$W/x2.txt" --shard 2/3 --run-id weekly $TARGETS
rc=$?
check "a shard with another --seed is refused, naming the seed" sh -c "test $rc = 2 && grep -q \"shard's seed\" '$W/x2.txt.err'"
SCAN_OPTS=("${SCAN_OPTS[@]/#43/42}")
scan_from 2 "$W/x3.txt" --shard 2/4 --run-id weekly $TARGETS
rc=$?
check "a shard of another N is refused, naming the shard count" sh -c "test $rc = 2 && grep -q \"shard's shards (4)\" '$W/x3.txt.err'"
scan_from 2 "$W/x4.txt" --shard 2/3 --run-id weekly 198.18.40.1-3
rc=$?
check "a shard of other targets is refused, naming the targets" sh -c "test $rc = 2 && grep -q \"shard's targets\" '$W/x4.txt.err'"
ip netns exec "shs2$$" "$PORTREEVE" scan -sS -Pn -p 1 --run-id weekly 198.18.40.1 >/dev/null 2>"$W/x5.err"
check "--run-id without --db is refused" sh -c "test $? = 2 && grep -q -- '--db' '$W/x5.err'"
scan_from 1 "$W/x6.txt" --shard 1/3 --run-id nightly $TARGETS
rc=$?
check "a shard that already finished is refused" sh -c "test $rc = 2 && grep -q 'already stored' '$W/x6.txt.err'"

# -- shard 2 arrives: weekly is complete
scan_from 2 "$W/m2.txt" --shard 2/3 --run-id weekly $TARGETS
check "shard 2 of weekly exits 0" test $? = 0
"$PORTREEVE" history --db "$URI" >"$W/h3.txt" 2>&1
check "weekly is now complete in history" grep -q '\[run weekly: 3 shards\]' "$W/h3.txt"
"$PORTREEVE" diff --db "$URI" weekly nightly >/dev/null 2>&1
check "diff of the complete weekly and nightly: exit 0" test $? = 0
"$PORTREEVE" audit --policy "$W/policy.ini" --db "$URI" --run weekly >"$W/a3.txt" 2>&1
rc=$?
sed 's/^/  | /' "$W/a3.txt" | head -n 12
check "audit --run of the complete run: compliant (exit 0), 3 open ports" \
    sh -c "test $rc = 0 && grep -q '^COMPLIANT' '$W/a3.txt' && grep -q '4 of 4 hosts up, 3 open ports' '$W/a3.txt'"
check "its changes since the --partial audit are shard 2's ports only, none 'was closed'" \
    sh -c "! grep -q 'was closed' '$W/a3.txt'"
[ $fail = 0 ] && echo PASS || echo FAIL
exit $fail
