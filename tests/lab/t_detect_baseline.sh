#!/usr/bin/env bash
# timeout: 90
# Baselines (NDR): two namespaces, a server S (198.18.0.2, a TCP service on 8000, and
# 198.18.7.0/24 answered through an AnyIP route: other home hosts) and a client C
# (198.18.0.1). `detect -i --learn 5s` on S's link while C uses S's service and talks to
# three home hosts; after learning the same traffic goes on (nothing may be flagged), a
# listener is started on S (new_service naming its port), and C contacts 30 home hosts it
# never talked to (lateral_fanout). The baseline file and the history store (--db) hold
# what was seen; `audit --policy --passive` reports the new listener as not allowed by a
# policy without it (exit 1), passes with a policy that allows it, and follows --fail-on.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup bl "$@"
ns_peer blp 198.18.0.2 198.18.0.1
in_ns ip route add local 198.18.7.0/24 dev lo
in_peer ip route add 198.18.7.0/24 via 198.18.0.2
listen_tcp 198.18.0.2 8000

# one round of the client's usual traffic: S's service and three home hosts (closed ports)
normal_round() {
    in_peer /usr/bin/python3 - <<'PY'
import socket
for addr, port in (("198.18.0.2", 8000), ("198.18.7.1", 80), ("198.18.7.2", 80), ("198.18.7.3", 80)):
    s = socket.socket(); s.settimeout(0.5)
    try: s.connect((addr, port))
    except OSError: pass
    s.close()
PY
}

capture_start "$W/live.pcap" "$NS_IF" "ip"
in_ns timeout 40 "$PORTREEVE" detect -i "$NS_IF" -q --home-net 198.18.0.0/15 --learn 5s \
    --baseline "$W/baseline.json" --db "$W/history.sqlite" --alerts "$W/alerts.jsonl" \
    --assets "$W/assets.jsonl" --duration 16 >"$W/detect.out" 2>"$W/detect.err" &
det=$!
pids+=($det)
for _ in $(seq 100); do grep -q listening "$W/detect.err" && break; sleep 0.1; done
start=$(date +%s.%N)
# learning: the usual traffic for ~6 s
until_ns=$(($(date +%s%N) + 6500000000))
while [ "$(date +%s%N)" -lt "$until_ns" ]; do normal_round; sleep 0.3; done
# after learning: the same traffic must stay quiet
for _ in 1 2 3 4 5; do normal_round; sleep 0.2; done
learnt_end=$(date +%s.%N)
listen_tcp 198.18.0.2 9090
in_peer /usr/bin/python3 -c '
import socket
s = socket.create_connection(("198.18.0.2", 9090), timeout=2); s.close()'
# lateral fan-out: 30 home hosts C never talked to, port 445
in_peer /usr/bin/python3 - <<'PY'
import socket
for i in range(10, 40):
    s = socket.socket(); s.settimeout(0.3)
    try: s.connect(("198.18.7.%d" % i, 445))
    except OSError: pass
    s.close()
PY
normal_round
wait "$det"
rc=$?
capture_stop
cat "$W/detect.err"
cat "$W/detect.out"
check "detect exits 0 (rc $rc)" test $rc = 0
sed 's/^/   /' "$W/alerts.jsonl"

/usr/bin/python3 - "$W/alerts.jsonl" "$W/baseline.json" "$start" "$learnt_end" <<'PY'
import json, sys, datetime
alerts = [json.loads(l) for l in open(sys.argv[1])]
start, learnt_end = float(sys.argv[3]), float(sys.argv[4])
def t(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
bad = 0
def check(ok, what):
    global bad
    print(("ok   " if ok else "FAIL ") + what)
    bad |= not ok
ns = [a for a in alerts if a["event"] == "new_service"]
lf = [a for a in alerts if a["event"] == "lateral_fanout"]
check(len(ns) == 1, "one new_service alert (%d)" % len(ns))
if ns:
    a = ns[0]
    check(a["src_ip"] == "198.18.0.2" and a["dst_ip"] == "198.18.0.1",
          "new_service: S answered C (%s -> %s)" % (a["src_ip"], a["dst_ip"]))
    check(a["open_ports_seen"] == [9090] and a["scan_type"] == "tcp",
          "new_service names the port: %s/%s" % (a["open_ports_seen"], a["scan_type"]))
    check(a["detector"] == "baseline" and a["first_seen"] and a["last_seen"],
          "new_service has detector, first_seen, last_seen")
    check(t(a["first_seen"]) >= learnt_end, "new_service is the listener started after learning")
starts = [a for a in lf if a["phase"] == "start"]
check(len(starts) == 1, "one lateral_fanout alert (%d starts)" % len(starts))
if starts:
    a = starts[0]
    check(a["src_ip"] == "198.18.0.1", "lateral_fanout from C (%s)" % a["src_ip"])
    check(a["dst_ips_count"] >= 10 and a["scan_type"] == "syn",
          "lateral_fanout: %d new home peers, %s" % (a["dst_ips_count"], a["scan_type"]))
    check(t(a["first_seen"]) >= learnt_end, "the fan-out began after learning")
early = [a for a in alerts if t(a["ts"]) < learnt_end]
check(not early, "nothing flagged for the learnt traffic (%d alerts before the changes)" % len(early))
b = json.load(open(sys.argv[2]))
check(b["format"] == "portreeve-baseline" and b["version"] == 1, "the baseline file is version 1")
hosts = {h["ip"]: h for h in b["hosts"]}
s = {(x["proto"], x["port"]): x["base"] for x in hosts.get("198.18.0.2", {}).get("services", [])}
check(s.get(("tcp", 8000)) is True, "S's 8000/tcp is in the baseline")
check(s.get(("tcp", 9090)) is False, "S's 9090/tcp is seen, not (yet) in the baseline")
c = hosts.get("198.18.0.1", {})
check(c.get("fanout_peak", 0) >= 3, "C's learnt fan-out peak: %s" % c.get("fanout_peak"))
sys.exit(bad)
PY
check "alerts and baseline file as expected" test $? = 0
SCHEMA=$(cd "$(dirname "$0")/../schemas" && pwd)/detect-alert.schema.json
check "every alert line validates against detect-alert.schema.json, with a threat level and advice" \
    /usr/bin/python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for line in open(sys.argv[2]):
    a = json.loads(line)
    jsonschema.validate(a, schema, cls=jsonschema.Draft7Validator)
    assert 1 <= a["threat_level"] <= 100 and a["recommended_actions"], a
    if a["event"] == "new_service":
        assert a["recommended_actions"][0].startswith("close %d/" % a["open_ports_seen"][0]), a' \
    "$SCHEMA" "$W/alerts.jsonl"
check "detect's summary has the baseline line" grep -q "^baseline: hosts" "$W/detect.out"

# the saved baseline, loaded by a run over the capture of the same traffic: the service
# already reported stays quiet, the fan-out (whose peers were not learnt) is reported again;
# the whole capture learnt with --learn all reports nothing
cp "$W/baseline.json" "$W/loaded.json"
"$PORTREEVE" detect -r "$W/live.pcap" -q --home-net 198.18.0.0/15 --baseline "$W/loaded.json" \
    --alerts "$W/loaded.jsonl" >"$W/loaded.out" 2>&1
rc=$?
check "detect -r --baseline (loaded) exits 0 (rc $rc)" test $rc = 0
check "loaded: no new_service again for 9090" sh -c "! grep -q new_service '$W/loaded.jsonl'"
check "loaded: the fan-out is reported" grep -q '"event":"lateral_fanout"' "$W/loaded.jsonl"
"$PORTREEVE" detect -r "$W/live.pcap" -q --home-net 198.18.0.0/15 --learn all \
    --baseline "$W/all.json" --alerts "$W/all.jsonl" >"$W/all.out" 2>&1
rc=$?
check "detect -r --learn all exits 0 (rc $rc)" test $rc = 0
check "--learn all: no baseline alert" sh -c "! grep -q '\"detector\":\"baseline\"' '$W/all.jsonl'"
check "--learn all: 9090 is in the baseline" grep -q '"port":9090,"days":1,"last_day":[0-9]*,"base":true' "$W/all.json"
printf '{"format":"portreeve-baseline","version":1,"hosts":' >"$W/bad.json"
"$PORTREEVE" detect -r "$W/live.pcap" -q --baseline "$W/bad.json" >"$W/bad.out" 2>&1
rc=$?
check "a truncated baseline file: exit 2 (rc $rc), named with line and column" \
    sh -c "test $rc = 2 && grep -q \"baseline '$W/bad.json': line 1 column\" '$W/bad.out'"

# audit --passive: what detect kept in --db, judged without scanning
printf '[lab]\nhosts = 198.18.0.2\ntcp = 8000\n' >"$W/policy.ini"
printf '[lab]\nhosts = 198.18.0.2\ntcp = 8000, 9090\n' >"$W/allow.ini"
"$PORTREEVE" audit --policy "$W/policy.ini" --passive --db "$W/history.sqlite" \
    --json "$W/findings.jsonl" >"$W/audit.out" 2>&1
rc=$?
cat "$W/audit.out"
check "audit --passive without 9090 in the policy exits 1 (rc $rc)" test $rc = 1
check "it reports 9090/tcp as unexpected-open" grep -q "unexpected-open 198.18.0.2 9090/tcp" "$W/audit.out"
check "and not the allowed 8000" sh -c "! grep -q '8000/tcp.*unexpected' '$W/audit.out'"
check "--json holds the finding" grep -q '"port":9090' "$W/findings.jsonl"
"$PORTREEVE" audit --policy "$W/allow.ini" --passive --db "$W/history.sqlite" >"$W/audit2.out" 2>&1
rc=$?
check "a policy allowing 9090 passes (rc $rc)" test $rc = 0
"$PORTREEVE" audit --policy "$W/policy.ini" --passive --db "$W/history.sqlite" --fail-on critical \
    >"$W/audit3.out" 2>&1
rc=$?
check "--fail-on critical: the unexpected port is below it, exit 0 (rc $rc)" test $rc = 0
"$PORTREEVE" audit --policy "$W/policy.ini" --passive --db "$W/history.sqlite" --fail-on info \
    >"$W/audit4.out" 2>&1
rc=$?
check "--fail-on info: exit 1 (rc $rc)" test $rc = 1
"$PORTREEVE" audit --policy "$W/policy.ini" --passive --db "$W/history.sqlite" -p 22 \
    >"$W/audit5.out" 2>&1
rc=$?
check "--passive refuses scan options (rc $rc)" test $rc = 2
exit $fail
