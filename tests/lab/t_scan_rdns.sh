#!/usr/bin/env bash
# timeout: 90
# Reverse DNS of a scan (issue 16), in the lab without its servers: the test's own dnsmasq on
# target A (host records for the lab addresses, a PTR record for an address nobody has),
# a python DNS responder on A:5300 that answers PTR queries with hostile names, and a
# silent one on B:54.
#  - portreeve and nmap with --dns-servers A, scanning A and B: the same names in the
#    normal (scan report for NAME (ADDR)), XML (<hostname type="PTR">, valid against
#    nmap.dtd) and grepable (Host: ADDR (NAME)) outputs; the JSON lines carry "rdns";
#  - IPv6: the ip6.arpa name of A's IPv6 address, as nmap -6 finds it;
#  - -n: no name anywhere (and no query reaches the server);
#  - -R: a host that is down (198.18.0.99) is named too, as by nmap -R;
#  - -sL names every target; 4096 of them (one batch) within 10 s, the last one named;
#  - the hostile server: a name with control bytes and one over 255 bytes are not printed
#    (no ESC byte, no over-long name in any output); a name with '/' is shown with '*' for
#    it, as nmap does;
#  - a silent server: the scan ends within its bound (< 10 s) and says nobody answered;
#  - a bad --dns-servers list is a usage error (exit 2);
#  - as root the scan drops to an unprivileged account under the seccomp sandbox: the
#    names above were found there (no "sandbox refused" on stderr).
set -u
LAB_UP_ARGS=(--no-servers)
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
W=$WORK
chmod 755 "$W"
DTD=/usr/share/nmap/nmap.dtd
DOWN=198.18.0.99

cat >"$W/dnsmasq.conf" <<EOF
port=53
listen-address=$LAB_A
bind-interfaces
no-resolv
no-hosts
no-poll
user=root
pid-file=$W/dnsmasq.pid
log-queries
log-facility=$W/dnsmasq.log
host-record=scanner.lab,$LAB_SCANNER
host-record=host-a.lab,$LAB_A,$LAB_A6
host-record=host-b.lab,$LAB_B
ptr-record=99.0.18.198.in-addr.arpa,ghost.lab
ptr-record=7.15.18.198.in-addr.arpa,far.lab
EOF
ip netns exec "$LAB_NS_A" /usr/sbin/dnsmasq -k -C "$W/dnsmasq.conf" </dev/null \
    >"$W/dnsmasq.out" 2>&1 &
DNSMASQ=$!
cat >"$W/dns.py" <<'EOF'
# A DNS responder for PTR queries of 198.18.0.X: X=1 "we/ird.lab", X=2 a name with control
# bytes, X=3 a name of 305 bytes (five 60-byte labels), else NXDOMAIN. A second socket
# (silent) takes queries and never answers. Ends by itself after 60 s.
import select, socket, struct, sys, time
def name(*labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"
names = {b"1": name(b"we/ird", b"lab"), b"2": name(b"ev\x1b[31mil\x07", b"lab"),
         b"3": name(*[b"a" * 60] * 5)}
ans = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ans.bind((sys.argv[1], int(sys.argv[2])))
sil = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sil.bind((sys.argv[3], int(sys.argv[4])))
end = time.time() + 60
while time.time() < end:
    r, _, _ = select.select([ans, sil], [], [], 1)
    for s in r:
        q, peer = s.recvfrom(512)
        if s is sil or len(q) < 12:
            continue
        qd, i = q[12:], 0
        labels = []
        while i < len(qd) and qd[i]:
            labels.append(qd[i + 1:i + 1 + qd[i]]); i += 1 + qd[i]
        question = qd[:i + 5]
        host = names.get(labels[0]) if labels[1:4] == [b"0", b"18", b"198"] else None
        flags = 0x8180 if host else 0x8183
        out = q[:2] + struct.pack(">HHHHH", flags, 1, 1 if host else 0, 0, 0) + question
        if host:
            out += b"\xc0\x0c" + struct.pack(">HHIH", 12, 1, 60, len(host)) + host
        s.sendto(out, peer)
EOF
ip netns exec "$LAB_NS_A" /usr/bin/python3 "$W/dns.py" "$LAB_A" 5300 "$LAB_A" 54 \
    </dev/null >"$W/dns.out" 2>&1 &
PYDNS=$!
lab_on_down "kill $DNSMASQ $PYDNS 2>/dev/null"
for _ in $(seq 50); do
    ip netns exec "$LAB_NS_A" ss -Hlun | grep -q ":5300 " &&
        ip netns exec "$LAB_NS_A" ss -Hlun | grep -q "$LAB_A:53 " && break
    sleep 0.1
done

BASE=(-sS -p 22,80 --max-retries 1)
( cd "$W" && pr_scan "${BASE[@]}" --dns-servers "$LAB_A" -oA pr -oJ pr.json "$LAB_A" "$LAB_B" \
    >pr.stdout 2>pr.err )
echo "portreeve exit $?"
ip netns exec "$LAB_NS_SCAN" nmap "${BASE[@]}" --dns-servers "$LAB_A" -oA "$W/nm" \
    "$LAB_A" "$LAB_B" >/dev/null 2>"$W/nm.err"

names_n() { sed -n 's/^\(Nmap\|portreeve\) scan report for //p' "$1" | sort; }
names_x() {
    /usr/bin/python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    a = h.find("address").get("addr")
    print(a, " ".join(f"{n.get('type')}:{n.get('name')}" for n in h.iter("hostname")))
EOF
}
names_g() { grep -o '^Host: [^	]*' "$1" | sort -u; }
check "normal output names A and B as the lab's DNS does" \
    grep -qx "portreeve scan report for host-a.lab ($LAB_A)" "$W/pr.nmap"
check "normal output: the same names and addresses as nmap's" \
    diff <(names_n "$W/nm.nmap") <(names_n "$W/pr.nmap")
check "XML: <hostname type=\"PTR\"> as nmap's" diff <(names_x "$W/nm.xml") <(names_x "$W/pr.xml")
check "XML valid against nmap.dtd" xmllint --noout --dtdvalid "$DTD" "$W/pr.xml"
check "grepable: Host: ADDR (NAME) as nmap's" diff <(names_g "$W/nm.gnmap") <(names_g "$W/pr.gnmap")
check "grepable names B" grep -q "^Host: $LAB_B (host-b.lab)" "$W/pr.gnmap"
check "JSON lines carry \"rdns\":\"host-b.lab\"" grep -q '"ip":"'"$LAB_B"'".*"rdns":"host-b.lab"' "$W/pr.json"
check "no sandbox refusal" sh -c "! grep -q 'sandbox refused' '$W/pr.err'"

( cd "$W" && pr_scan -6 "${BASE[@]}" --dns-servers "$LAB_A" -oN v6.nmap "$LAB_A6" >/dev/null 2>&1 )
ip netns exec "$LAB_NS_SCAN" nmap -6 "${BASE[@]}" --dns-servers "$LAB_A" -oN "$W/nm6.nmap" \
    "$LAB_A6" >/dev/null 2>&1
check "IPv6: host-a.lab ($LAB_A6), as nmap -6 names it" \
    sh -c "grep -qx 'portreeve scan report for host-a.lab ($LAB_A6)' '$W/v6.nmap' &&
        grep -qx 'Nmap scan report for host-a.lab ($LAB_A6)' '$W/nm6.nmap'"

q0=$(grep -c 'query\[PTR\]' "$W/dnsmasq.log")
( cd "$W" && pr_scan "${BASE[@]}" -n --dns-servers "$LAB_A" -oX nn.xml -oG nn.gnmap \
    "$LAB_A" "$LAB_B" >nn.stdout 2>&1 )
check "-n: no name in any output" \
    sh -c "! grep -q '\.lab' '$W/nn.xml' '$W/nn.gnmap' '$W/nn.stdout'"
check "-n: no PTR query reached the server" [ "$(grep -c 'query\[PTR\]' "$W/dnsmasq.log")" = "$q0" ]

( cd "$W" && pr_scan -v -sn -R --dns-servers "$LAB_A" -oX r.xml "$LAB_A" "$DOWN" >r.stdout 2>&1 )
ip netns exec "$LAB_NS_SCAN" nmap -v -sn -R --dns-servers "$LAB_A" -oX "$W/nr.xml" "$LAB_A" "$DOWN" \
    >/dev/null 2>&1
check "-R: the down host $DOWN is named ghost.lab in XML" \
    grep -q 'name="ghost.lab" type="PTR"' "$W/r.xml"
check "-R: names as nmap -R's" diff <(names_x "$W/nr.xml" | grep -v "^$LAB_A \$") \
    <(names_x "$W/r.xml" | grep -v "^$LAB_A \$")
check "-R XML valid against nmap.dtd" xmllint --noout --dtdvalid "$DTD" "$W/r.xml"
pr_scan -sL --dns-servers "$LAB_A" "$LAB_B" "$DOWN" >"$W/l.out" 2>&1
check "-sL names every target" grep -q "portreeve scan report for ghost.lab ($DOWN)" "$W/l.out"
t0=$(date +%s%3N)
pr_scan -sL --dns-servers "$LAB_A" 198.18.0.0/20 >"$W/big.out" 2>&1
t1=$(date +%s%3N)
echo "-sL of 4096 addresses: $((t1 - t0)) ms"
check "-sL of 4096 addresses (one batch, a window of queries in flight): far.lab, < 10 s" \
    sh -c "grep -q 'report for far.lab (198.18.15.7)' '$W/big.out' && [ $((t1 - t0)) -lt 10000 ]"

( cd "$W" && pr_scan -sn -R --dns-servers "$LAB_A:5300" -oA h -oJ h.json \
    "$LAB_SCANNER" "$LAB_A" "$LAB_B" >h.stdout 2>h.err )
check "hostile: no control byte in any output" \
    sh -c "! grep -qP '[\\x00-\\x08\\x0b-\\x1f\\x7f]' '$W/h.stdout' '$W/h.nmap' '$W/h.xml' '$W/h.gnmap' '$W/h.json'"
check "hostile: no over-long name in any output" \
    sh -c "! grep -q 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' '$W/h.stdout' '$W/h.xml' '$W/h.gnmap' '$W/h.json'"
check "hostile: 'we/ird.lab' shown as we*ird.lab (nmap's replacement)" \
    grep -q "^portreeve scan report for we\*ird.lab ($LAB_SCANNER)" "$W/h.stdout"
check "hostile: XML still valid" xmllint --noout --dtdvalid "$DTD" "$W/h.xml"

t0=$(date +%s%3N)
( cd "$W" && pr_scan "${BASE[@]}" --max-hostgroup 1 --dns-servers "$LAB_A:54" -oX s.xml \
    "$LAB_A" "$LAB_B" >s.stdout 2>s.err )
rc=$? t1=$(date +%s%3N)
echo "silent server: exit $rc after $((t1 - t0)) ms"
check "silent server: exit 0 within 10 s" [ "$rc" = 0 -a $((t1 - t0)) -lt 10000 ]
check "silent server: says no DNS server answered" grep -q 'no DNS server answered' "$W/s.err"
check "silent server: both hosts reported, unnamed" \
    sh -c "[ \$(grep -c '^portreeve scan report for 198' '$W/s.stdout') = 2 ]"
"$PORTREEVE" scan -sT -p 1 --dns-servers 198.18.0.2,bogus 127.0.0.1 >/dev/null 2>"$W/bad.err"
rc=$?
check "a bad --dns-servers is a usage error (exit 2) naming it" \
    sh -c "[ $rc = 2 ] && grep -q 'dns-servers 198.18.0.2,bogus' '$W/bad.err'"
if [ "$fail" != 0 ]; then
    for f in pr.stdout pr.err nm.nmap r.stdout h.stdout h.err s.err dnsmasq.out dns.out; do
        echo "--- $f"; head -c 3000 "$W/$f"
    done
fi
exit $fail
