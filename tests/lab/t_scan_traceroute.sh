#!/usr/bin/env bash
# timeout: 60
# parallel: yes
# --traceroute next to nmap's. A scanner S and two routers R1, R2 chained by veth pairs; behind
# R2 two targets T (a listener on 80/tcp) and U, each on its own link:
#   S 198.18.61.1 -- .2 R1 198.18.62.1 -- .2 R2 198.18.63.1 -- .2 T
#                                               198.18.64.1 -- .2 U
# R1 is also scanned itself (directly connected: one hop, no probe). The routers answer
# TTL-exceeded without a rate limit (icmp_ratelimit=0), so that nmap's run and ours, one after
# the other, both get every answer. Checks:
#   1. portreeve scan --traceroute and nmap --traceroute give the same hops (TTL and address,
#      in order) for every host; U's hops 1-2 are "the same as for" T in both normal outputs;
#      our probe port is one the scan found closed; our XML is valid against nmap.dtd and
#      rendered by nmap.xsl, our -oJ host lines valid against tests/schemas/scan-host.schema.json.
#   2. R2 drops its ICMP time-exceeded (nftables): hop 2 is missing in both XMLs and shown as
#      "2   ..." in both normal outputs.
#   3. --traceroute without privileges is refused (exit 2); -A runs -sV -O --traceroute (OS
#      lines, trace, nmap's closing line, XML valid) and names what it leaves out (scripts);
#      with --cve-feed, -O's OS CPEs are the "running on" platform of T's service.
set -u
P=${LAB_PREFIX:-pr$$}
PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
for t in nmap nft xmllint xsltproc python3; do
    command -v "$t" >/dev/null || { echo "skip: $t missing"; exit 77; }
done
LIB=$(cd "$(dirname "$0")" && pwd)
SCHEMA=$LIB/../schemas/scan-host.schema.json
. "$LIB/check.sh"
S=${P}ts R1=${P}t1 R2=${P}t2 T=${P}tt U=${P}tu
W=$(mktemp -d)
fail=0
pids=()
cleanup() {
    local p n
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for n in $S $R1 $R2 $T $U; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT

link() { # NS1 IF1 ADDR1 NS2 IF2 ADDR2
    ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" || exit 1
    ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" link set "$2" up
    ip -n "$4" addr add "$6/24" dev "$5" && ip -n "$4" link set "$5" up
}
for n in $S $R1 $R2 $T $U; do
    ip netns add "$n" && ip -n "$n" link set lo up || exit 1
done
link $S "${P}v0" 198.18.61.1 $R1 "${P}v1" 198.18.61.2
link $R1 "${P}v2" 198.18.62.1 $R2 "${P}v3" 198.18.62.2
link $R2 "${P}v4" 198.18.63.1 $T "${P}v5" 198.18.63.2
link $R2 "${P}v6" 198.18.64.1 $U "${P}v7" 198.18.64.2
for r in $R1 $R2; do
    ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0
done
ip -n $S route add 198.18.62.0/23 via 198.18.61.2
ip -n $S route add 198.18.64.0/24 via 198.18.61.2
ip -n $R1 route add 198.18.63.0/24 via 198.18.62.2
ip -n $R1 route add 198.18.64.0/24 via 198.18.62.2
ip -n $R2 route add 198.18.61.0/24 via 198.18.62.1
ip -n $T route add default via 198.18.63.1
ip -n $U route add default via 198.18.64.1
ip netns exec $T timeout 50 python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.63.2", 80)); s.listen(8); s.settimeout(1); end = time.time() + 50
while time.time() < end:  # an SSH banner without an OS in it, for -A with --cve-feed
    try: c, _ = s.accept()
    except socket.timeout: continue
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n"); time.sleep(0.2); c.close()' &
pids+=($!)
for _ in $(seq 50); do ip netns exec $T ss -ltn | grep -q "198.18.63.2:80 " && break; sleep 0.1; done

TARGETS="198.18.63.2 198.18.64.2 198.18.61.2"
run_both() { # TAG: both scanners, outputs in $W/TAG.{pr,nm}.{xml,txt}
    ip netns exec $S timeout 40 "$PORTREEVE" scan --traceroute -p 22,80,443 --max-retries 1 \
        -oX "$W/$1.pr.xml" -oN "$W/$1.pr.txt" -oJ "$W/$1.pr.jsonl" $TARGETS >/dev/null 2>"$W/$1.pr.err" ||
        { echo "portreeve failed:"; cat "$W/$1.pr.err"; fail=1; }
    ip netns exec $S timeout 40 nmap -n --traceroute -p 22,80,443 --max-retries 1 \
        -oX "$W/$1.nm.xml" -oN "$W/$1.nm.txt" $TARGETS >/dev/null 2>&1 ||
        { echo "nmap failed"; fail=1; }
}
# "ADDR: ttl=ipaddr ..." per host, from an nmap-format XML file
hops() {
    python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    a = h.find("address").get("addr")
    t = h.find("trace")
    hops = [] if t is None else ["%s=%s" % (x.get("ttl"), x.get("ipaddr")) for x in t.iter("hop")]
    print(a + ": " + " ".join(hops))
PY
}
same_hops() { # TAG: both XMLs list the same hops for every host
    hops "$W/$1.pr.xml" | sort >"$W/$1.pr.hops"
    hops "$W/$1.nm.xml" | sort >"$W/$1.nm.hops"
    diff -u "$W/$1.nm.hops" "$W/$1.pr.hops"
}
expect_hops() { # TAG ADDR "ttl=ip ..."
    grep -qxF "$2: $3" "$W/$1.pr.hops"
}
# the lines of host ADDR's TRACEROUTE table in a normal output, without RTTs
trace_table() { # FILE ADDR
    awk -v a="$2" '/scan report for /{on = ($NF == a)} on && /^TRACEROUTE/{t=1; next}
        on && t && /^$/{t=0} on && t' "$1" | sed -E 's/ +[0-9.]+ ms / /; s/ +/ /g'
}

echo "== 1. every hop answers"
START=$(date +%s)
run_both all
check "same hops as nmap for T, U and the directly connected R1" same_hops all
check "T: 1=R1 2=R2 3=T" expect_hops all 198.18.63.2 "1=198.18.61.2 2=198.18.62.2 3=198.18.63.2"
check "R1 (on the link): one hop" expect_hops all 198.18.61.2 "1=198.18.61.2"
check "U: hops 1-2 shared with T in both normal outputs" sh -c \
    "grep -q '^-   Hops 1-2 are the same as for 198.18.63.2\$' '$W/all.pr.txt' &&
     grep -q '^-   Hops 1-2 are the same as for 198.18.63.2\$' '$W/all.nm.txt'"
tables_alike() { # TAG: the TRACEROUTE tables of every host, RTTs and probe port aside
    local a
    for a in $TARGETS; do
        diff <(trace_table "$W/$1.nm.txt" $a | sed -E 's/using port [0-9]+/using port N/') \
            <(trace_table "$W/$1.pr.txt" $a | sed -E 's/using port [0-9]+/using port N/') || return 1
    done
}
check "the TRACEROUTE tables read alike (RTTs and port aside)" tables_alike all
check "our probe port is one the scan found closed" python3 - "$W/all.pr.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    t = h.find("trace")
    if t is None or t.get("port") is None:
        continue
    st = [p.find("state").get("state") for p in h.iter("port")
          if p.get("portid") == t.get("port") and p.get("protocol") == t.get("proto")]
    if st != ["closed"]:
        sys.exit("%s traced on %s/%s: %s" % (h.find("address").get("addr"), t.get("port"), t.get("proto"), st))
PY
check "our XML is valid against nmap.dtd" xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$W/all.pr.xml"
check "nmap.xsl renders our trace" sh -c \
    "xsltproc /usr/share/nmap/nmap.xsl '$W/all.pr.xml' 2>/dev/null | grep -q '198.18.62.2'"
check "-oJ host lines valid against scan-host.schema.json, one per host" python3 - "$SCHEMA" "$W/all.pr.jsonl" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
n = 0
for line in open(sys.argv[2]):
    o = json.loads(line)
    if "trace" in o or "os" in o:
        jsonschema.validate(o, schema, cls=jsonschema.Draft7Validator)
        n += 1
sys.exit(0 if n == 3 else "%d host lines" % n)
PY

echo "== 2. R2 sends no time-exceeded"
ip netns exec $R2 nft add table inet trtest
ip netns exec $R2 nft 'add chain inet trtest out { type filter hook output priority 0 ; }'
ip netns exec $R2 nft add rule inet trtest out icmp type time-exceeded drop
run_both silent
check "same hops as nmap" same_hops silent
check "T: hop 2 missing from the XML" expect_hops silent 198.18.63.2 "1=198.18.61.2 3=198.18.63.2"
check "hop 2 is '2   ...' in both normal outputs" sh -c \
    "[ \$(grep -c '^2   \.\.\.\$' '$W/silent.pr.txt') = 2 ] && [ \$(grep -c '^2   \.\.\.\$' '$W/silent.nm.txt') = 2 ]"
check "the TRACEROUTE tables read alike" tables_alike silent
check "our XML is valid against nmap.dtd" xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$W/silent.pr.xml"

echo "== 3. options"
ip netns exec $S setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    --bounding-set=-all "$PORTREEVE" scan --traceroute -p 80 198.18.63.2 >/dev/null 2>"$W/np.err"
rc=$?
check "--traceroute without privileges: exit 2, says why" sh -c \
    "[ $rc = 2 ] && grep -q 'traceroute needs root' '$W/np.err'"
# A CVE of OpenSSH "running on" Linux: the banner names no OS, so only -O's OS CPEs can
# satisfy the platform; a kernel CVE must not be claimed for the service.
cat >"$W/feed.json" <<'EOF'
{"vulnerabilities": [
 {"cve": {"id": "CVE-2099-0100", "configurations": [{"operator": "AND", "nodes": [
  {"operator": "OR", "cpeMatch": [{"vulnerable": true,
   "criteria": "cpe:2.3:a:openbsd:openssh:*:*:*:*:*:*:*:*", "versionEndExcluding": "9.3"}]},
  {"operator": "OR", "cpeMatch": [{"vulnerable": false,
   "criteria": "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", "versionStartIncluding": "2.6"}]}]}]}},
 {"cve": {"id": "CVE-2099-0101", "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [
  {"vulnerable": true, "criteria": "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}]}]}]}}]}
EOF
ip netns exec $S timeout 30 "$PORTREEVE" scan -A -vv -p 22,80 --version-intensity 0 --max-os-tries 1 \
    --cve-feed "$W/feed.json" -oJ "$W/a.jsonl" -oX "$W/a.xml" 198.18.63.2 >"$W/a.txt" 2>"$W/a.err"
check "-A: one line naming -sV -O --traceroute and saying nmap's scripts are not run" grep -qx \
    "portreeve scan: notice: -A runs -sV -O --traceroute; nmap's default scripts (-sC) are not run" \
    "$W/a.err"
check "-A: OS lines, the trace and nmap's closing line" sh -c \
    "grep -q '^Network Distance: 3 hops\$' '$W/a.txt' && grep -q '^3 .*198.18.63.2\$' '$W/a.txt' &&
     grep -q '^OS and Service detection performed. Please report any incorrect results at https://nmap.org/submit/ .\$' '$W/a.txt'"
check "-A: <os>, <distance> and <trace> in XML valid against nmap.dtd" sh -c \
    "xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd '$W/a.xml' && grep -q '<os><portused' '$W/a.xml' &&
     grep -q '<distance value=\"3\"/>' '$W/a.xml' && grep -q '<trace port=' '$W/a.xml'"
check "-A: the fingerprint's distance is the trace's (DS=3, DC=T), as nmap's" sh -c \
    "grep -o 'fingerprint=\"[^\"]*' '$W/a.xml' | sed 's/&#xa;OS://g' | grep -q '%DS=3%DC=T%'"
check "-A --cve-feed: -O's Linux CPE is the running-on platform of OpenSSH, no kernel CVE claimed" \
    python3 -c 'import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
p = [r for r in rows if r.get("port") == 80][0]
assert p["product"] == "OpenSSH" and not any(":o:" in c for c in p["cpe"]), p
assert [c["id"] for c in p["cves"]] == ["CVE-2099-0100"], p["cves"]' "$W/a.jsonl"
echo "(took $(($(date +%s) - START)) s)"
exit $fail
