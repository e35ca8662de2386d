#!/usr/bin/env bash
# timeout: 240
# parallel: yes
# portreeve audit's diagnosis (risk levels and fixes) against lab target B, whose policy
# allows only ssh while it also runs redis, memcached, vsftpd and a telnet-like login
# service: each unexpected port is a finding with a risk and a remediation; the JSON lines
# validate against tests/schemas/audit-finding.schema.json and the SARIF log against
# tests/schemas/sarif-2.1.0.schema.json; the nftables rule printed in a remediation, run in
# target B, really closes the port to the scanner; --fail-on high exits 1 while --fail-on
# critical exits 0 once nothing is critical; first_seen comes from the history; the HTML
# report shows the diagnosis in headless Chromium.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
SCHEMAS=$(cd "$LAB_LIB_DIR/../schemas" && pwd)
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
. "$LAB_LIB_DIR/auditlib.sh"
. "$LAB_LIB_DIR/svc_servers.sh"
svc_servers_up || exit $?

# A telnet-like login service on B: telnet option negotiation, then a login prompt.
lab_exec "$LAB_NS_B" timeout 200 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 23)); s.listen(16)
while True:
    c, _ = s.accept()
    try: c.sendall(b"\xff\xfd\x18\xff\xfd\x20\xff\xfb\x01\xff\xfb\x03host-b login: ")
    except OSError: pass
    c.close()' "$LAB_B" &
for _ in $(seq 50); do lab_exec "$LAB_NS_B" ss -ltn | grep -q "$LAB_B:23 " && break; sleep 0.1; done

POL=$WORK/risk.ini
cat >"$POL" <<POL
# target B may offer ssh only
[defaults]
missing = violation

[target-b]
hosts = $LAB_B
tcp = 2222
POL
DB=$WORK/risk.sqlite
PORTS=T:21,23,2222,6379,11211
audit() { # out-prefix, extra args...
    local out=$1
    shift
    ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" audit --policy "$POL" --db "$DB" -sS -Pn -p "$PORTS" \
        "$@" >"$out.txt" 2>"$out.err"
}
finding() { # json-file kind port -> the risk of that finding, or nothing
    python3 - "$@" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["kind"] == sys.argv[2] and f["port"] == int(sys.argv[3]):
        print(f["risk"])
PY
}

audit "$WORK/r1" --json "$WORK/r1.jsonl" --sarif "$WORK/r1.sarif" --html "$WORK/r1.html"
rc=$?
cat "$WORK/r1.txt" "$WORK/r1.err"
check "first audit exits 1 (violations; exit $rc)" test "$rc" = 1
check "terminal diagnosis counts the risk levels" grep -Eq '^Diagnosis: [0-9]+ findings \(' "$WORK/r1.txt"
check "terminal diagnosis gives a fix for each finding" \
    test "$(grep -c '^           fix: ' "$WORK/r1.txt")" = "$(wc -l <"$WORK/r1.jsonl")"

check "telnet 23/tcp: unexpected_open, critical" test "$(finding "$WORK/r1.jsonl" unexpected_open 23)" = critical
check "telnet 23/tcp: cleartext_service, high" test "$(finding "$WORK/r1.jsonl" cleartext_service 23)" = high
check "ftp 21/tcp: unexpected_open, high" test "$(finding "$WORK/r1.jsonl" unexpected_open 21)" = high
check "ftp 21/tcp: cleartext_service, medium" test "$(finding "$WORK/r1.jsonl" cleartext_service 21)" = medium
check "redis 6379/tcp: unexpected_open, high" test "$(finding "$WORK/r1.jsonl" unexpected_open 6379)" = high
check "memcached 11211/tcp: unexpected_open, high" test "$(finding "$WORK/r1.jsonl" unexpected_open 11211)" = high
check "ssh 2222/tcp (allowed) is no finding" test -z "$(finding "$WORK/r1.jsonl" unexpected_open 2222)"

check "JSON lines validate against audit-finding.schema.json" python3 - "$SCHEMAS/audit-finding.schema.json" "$WORK/r1.jsonl" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
n = 0
for line in open(sys.argv[2]):
    jsonschema.validate(json.loads(line), schema, cls=jsonschema.Draft7Validator)
    n += 1
print("   ", n, "findings valid")
sys.exit(0 if n >= 6 else 1)
PY
check "SARIF validates against sarif-2.1.0.schema.json, one result per finding" python3 - "$SCHEMAS/sarif-2.1.0.schema.json" "$WORK/r1.sarif" "$WORK/r1.jsonl" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
jsonschema.validate(log, schema, cls=jsonschema.Draft7Validator,
                    format_checker=jsonschema.FormatChecker())
results = log["runs"][0]["results"]
rules = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results), "ruleIndex"
assert len(results) == sum(1 for _ in open(sys.argv[3])), "result count"
assert any(r["level"] == "error" and r["properties"]["port"] == 23 for r in results), "telnet level"
print("   ", len(results), "SARIF results valid")
PY

# The remediation's nftables rule, run in target B, closes the port to the scanner.
rule=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f["kind"] == "unexpected_open" and f["port"] == 23: print(f["nft_rule"])' "$WORK/r1.jsonl")
echo "   remediation rule: $rule"
check "the remediation names the rule" grep -qF "$rule" <(grep -F '23/tcp' "$WORK/r1.jsonl")
lab_exec "$LAB_NS_B" sh -c "$rule"
check "the rule applies in target B" test $? = 0
pr_scan -sS -Pn -p 23 -oX "$WORK/after.xml" "$LAB_B" >/dev/null 2>&1
check "23/tcp is filtered for the scanner after the rule" \
    grep -q 'portid="23"><state state="filtered"' "$WORK/after.xml"

audit "$WORK/r2" --fail-on critical --json "$WORK/r2.jsonl"
rc=$?
check "with nothing critical left, --fail-on critical exits 0 (exit $rc)" test "$rc" = 0
check "run 2 has no critical finding" test -z "$(grep '"risk":"critical"' "$WORK/r2.jsonl")"
audit "$WORK/r3" --fail-on high
rc=$?
check "--fail-on high exits 1 (redis, memcached, ftp are high; exit $rc)" test "$rc" = 1
check "first_seen of redis in run 2 is run 1's" python3 - "$WORK/r1.jsonl" "$WORK/r2.jsonl" <<'PY'
import json, sys
def fs(p):
    for line in open(p):
        f = json.loads(line)
        if f["kind"] == "unexpected_open" and f["port"] == 6379: return f["first_seen"]
a, b = fs(sys.argv[1]), fs(sys.argv[2])
print("   ", a, b)
sys.exit(0 if a and a == b else 1)
PY
audit "$WORK/r4" --fail-on severe
rc=$?
check "--fail-on with an unknown level: exit 2 naming it" sh -c "[ $rc = 2 ] && grep -q \"'severe'\" '$WORK/r4.err'"

# The HTML report in headless Chromium (inside the scanner namespace: no way out).
CHROME=$(command -v chromium || true)
if [ -z "$CHROME" ]; then
    echo "FAIL chromium is not installed (Debian package chromium)"
    fail=1
else
    PROFILE=$(mktemp -d)
    ip netns exec "$LAB_NS_SCAN" timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --disable-dev-shm-usage --user-data-dir="$PROFILE" \
        --dump-dom "file://$WORK/r1.html" >"$WORK/dom.html" 2>/dev/null
    rm -rf "$PROFILE"
    rows=$(tr -d '\n' <"$WORK/dom.html" | sed 's#</tr>#</tr>\n#g')
    check "report: the telnet finding is critical with its nft fix" \
        grep -Eq 'risk r4">critical.*unexpected_open.*23/tcp.*nft .add table inet portreeve_audit' <<<"$rows"
    check "report: the risk summary counts one critical finding" \
        grep -q 'id="risk-critical">1<' "$WORK/dom.html"
    first=$(grep -o 'class="risk r[0-9]">[a-z]*</span></td><td>[a-z_]*' <<<"$rows" | head -n 1)
    check "report: findings ordered by risk (first: $first)" grep -q 'r4">critical' <<<"$first"
fi
exit $fail
