#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# Outputs from one scan of 127.0.0.1 inside a fresh namespace with listeners we start:
# -oX validates against nmap.dtd, renders with nmap.xsl, and ndiff reads two of our XML
# files and names the port that opened between them; -oG and -oJ carry every port's state;
# -oA writes the three files; --open and --reason shape the normal output.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup prout "$@"
listen_tcp 127.0.0.1 8080
P="T:1-1024,8080,9090,U:53"
in_ns "$PORTREEVE" scan -sS -sU --reason -p "$P" 127.0.0.1 -oA "$W/a" -oJ "$W/a.json" >"$W/a.txt" 2>"$W/a.err" || { echo "scan failed"; cat "$W/a.err"; exit 1; }
check "normal output lists 8080 open with its reason" grep -Eq '^8080/tcp +open +http-proxy +syn-ack' "$W/a.txt"
check "normal output collapses the closed ports" grep -q 'Not shown: 1025 closed tcp ports (reset)' "$W/a.txt"
check "-oA wrote .nmap .xml .gnmap" test -s "$W/a.nmap" -a -s "$W/a.xml" -a -s "$W/a.gnmap"
check "XML is valid against nmap.dtd" xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$W/a.xml"
check "nmap.xsl renders the XML" sh -c "xsltproc /usr/share/nmap/nmap.xsl '$W/a.xml' > '$W/a.html' && grep -q 8080 '$W/a.html'"
check "grepable names 8080 open" grep -q '8080/open/tcp//http-proxy///' "$W/a.gnmap"
check "grepable counts the ignored ports" grep -q 'Ignored State: closed (1026)' "$W/a.gnmap"
check "JSON lines: one valid object per port, 8080 open, 53/udp closed" /usr/bin/python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1027, len(rows)
by = {(r["proto"], r["port"]): r for r in rows}
assert by[("tcp", 8080)]["state"] == "open" and by[("tcp", 8080)]["reason"] == "syn-ack"
assert by[("udp", 53)]["state"] == "closed" and by[("udp", 53)]["reason"] == "port-unreach"
assert sum(r["state"] == "closed" for r in rows) == 1026
' "$W/a.json"
check "XML extraports list every collapsed port" /usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
def expand(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
h = ET.parse(sys.argv[1]).getroot().find("host")
ports = h.find("ports")
seen = {int(p.get("portid")): p.find("state").get("state") for p in ports.findall("port")}
for ex in ports.findall("extraports"):
    for r in ex.findall("extrareasons"):
        if r.get("proto") == "tcp":
            for p in expand(r.get("ports")):
                seen[p] = ex.get("state")
assert len(seen) == 1026, len(seen)
assert seen[8080] == "open" and seen[22] == "closed"
' "$W/a.xml"
listen_tcp 127.0.0.1 9090
in_ns "$PORTREEVE" scan -sS -sU -p "$P" 127.0.0.1 -oX "$W/b.xml" >/dev/null 2>&1
check "ndiff reads two portreeve XML files and names the port that opened" \
    sh -c "ndiff '$W/a.xml' '$W/b.xml' | grep -Eq '^\+9090/tcp +open'"
in_ns "$PORTREEVE" scan -sS --open -p 1-1024,8080,9090 127.0.0.1 >"$W/open.txt" 2>&1
check "--open shows only the open ports" sh -c "grep -Eq '^8080/tcp +open' '$W/open.txt' && grep -Eq '^9090/tcp +open' '$W/open.txt' && ! grep -Eq '^[0-9]+/tcp +closed' '$W/open.txt' || { cat '$W/open.txt'; false; }"
printf '127.0.0.4\n# a comment\n127.0.0.5 127.0.0.6\n' >"$W/targets.txt"
echo 127.0.0.5 >"$W/exclude.txt"
in_ns "$PORTREEVE" scan -sS -p 8080 localhost 127.0.0.1-3 -iL "$W/targets.txt" --exclude 127.0.0.2 \
    --excludefile "$W/exclude.txt" -oG "$W/t.gnmap" >/dev/null 2>&1
check "targets: name, range, -iL, --exclude and --excludefile give exactly the right hosts" \
    sh -c "[ \"\$(grep -o '^Host: [0-9.]* ([a-z]*)' '$W/t.gnmap' | sort -u | tr '\n' ' ')\" = 'Host: 127.0.0.1 (localhost) Host: 127.0.0.3 () Host: 127.0.0.4 () Host: 127.0.0.6 () ' ] || { cat '$W/t.gnmap'; false; }"
in_ns "$PORTREEVE" scan -sS -Pn --max-rate 500 --host-timeout 1s -p 1-5000 127.0.0.1 >"$W/ht.txt" 2>&1
check "--host-timeout skips the host like nmap" grep -q 'Skipping host localhost (127.0.0.1) due to host timeout' "$W/ht.txt"
exit $fail
