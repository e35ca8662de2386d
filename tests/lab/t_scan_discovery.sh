#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# Host discovery against nmap 7.93 on the lab: for -PR (ARP, on-link), -PS22, -PA80, -PU,
# -PE and -PP (the IP probes with --send-ip, since nmap too uses ARP on the link otherwise)
# `portreeve scan -sn` and `nmap -sn` find the same hosts up among the scanner, A, B and a
# dead address. B's firewall drops every one of those IP probes, so only ARP finds it.
# Target A gets a MAC whose prefix nmap-mac-prefixes names: the MAC lines (normal, XML,
# JSON) carry the vendor read from that file, and equal nmap's (with -Pn too). IPv6 -PR (ND)
# agrees too.
# An -sS scan's XML is valid against nmap.dtd and `ndiff nmap.xml portreeve.xml` shows no
# host-level difference (the same ndiff does show one when the MAC is taken out).
set -u
. "$(dirname "$0")/scanlib.sh"
# shellcheck disable=SC2034 # read by scan_test_setup
LAB_UP_ARGS=(--no-servers)
scan_test_setup "$@"
fail=0
DEAD=198.18.0.9
RANGE="$LAB_SCANNER $LAB_A $LAB_B $DEAD"
FAST=(--initial-rtt-timeout 200ms --max-rtt-timeout 400ms)
MACFILE=/usr/share/nmap/nmap-mac-prefixes
OUI=005056 # a prefix nmap-mac-prefixes names (its vendor is read from the file below)
vendor=$(awk -v o=$OUI '$1 == o { $1 = ""; sub(/^ /, ""); print; exit }' "$MACFILE")
[ -n "$vendor" ] || { echo "skip: $OUI not in $MACFILE"; exit 77; }
MAC_A=00:50:56:12:34:56
ip netns exec "$LAB_NS_A" ip link set "$LAB_IF_A" address $MAC_A
# A: port 22 open (a listener), 80 closed; B drops every IP probe used below
ip netns exec "$LAB_NS_A" python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(8); time.sleep(120)' &
LISTENER=$!
trap 'kill $LISTENER 2>/dev/null; lab_down' EXIT
ip netns exec "$LAB_NS_B" nft -f - <<'EOF'
table inet discdrop {
    chain input {
        type filter hook input priority -10; policy accept;
        tcp dport { 22, 80 } drop
        udp dport 40125 drop
        icmp type { echo-request, timestamp-request } drop
        icmpv6 type echo-request drop
    }
}
EOF
for _ in $(seq 50); do ip netns exec "$LAB_NS_A" ss -Hlnt | grep -q ':22 ' && break; sleep 0.1; done

up_hosts() { # xml -> "addr addr ..." of the hosts up
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
print(" ".join(sorted(h.find("address").get("addr") for h in r.findall("host")
                      if h.find("status").get("state") == "up")))
EOF
}
flush() { ip netns exec "$LAB_NS_SCAN" ip neigh flush all; }

for opt in -PR "-PS22 --send-ip" "-PA80 --send-ip" "-PU --send-ip" "-PE --send-ip" \
    "-PP --send-ip"; do
    tag=$(echo "$opt" | tr -dc 'A-Za-z0-9')
    flush
    # shellcheck disable=SC2086 # opt holds several words
    pr_scan -sn $opt "${FAST[@]}" $RANGE -oX "$WORK/pr-$tag.xml" -oJ "$WORK/pr-$tag.json" \
        >"$WORK/pr-$tag.txt" 2>&1 || { echo "FAIL $opt: portreeve exited non-zero"; fail=1; }
    flush
    # shellcheck disable=SC2086
    nmap_scan -sn $opt "${FAST[@]}" $RANGE -oX "$WORK/nm-$tag.xml" >"$WORK/nm-$tag.txt" 2>&1
    pr=$(up_hosts "$WORK/pr-$tag.xml") nm=$(up_hosts "$WORK/nm-$tag.xml")
    want="$LAB_SCANNER $LAB_A"
    [ "$opt" = -PR ] && want="$LAB_SCANNER $LAB_A $LAB_B"
    check "$opt: hosts up [$pr] = nmap's [$nm] = [$want]" test "$pr" = "$nm" -a "$pr" = "$want"
    check "$opt: MAC lines equal nmap's (A's with vendor '$vendor')" \
        diff <(grep '^MAC Address' "$WORK/nm-$tag.txt") <(grep '^MAC Address' "$WORK/pr-$tag.txt")
    check "$opt: normal output names A's vendor" grep -qx "MAC Address: ${MAC_A^^} ($vendor)" \
        "$WORK/pr-$tag.txt"
done
check "-PR: B (every IP probe dropped) up by arp-response" \
    grep -q "<status state=\"up\" reason=\"arp-response\" reason_ttl=\"0\"/>" "$WORK/pr-PR.xml"
check "-PR: XML has A's MAC with vendor" \
    grep -qF "<address addr=\"${MAC_A^^}\" addrtype=\"mac\" vendor=\"$vendor\"/>" "$WORK/pr-PR.xml"
# shellcheck disable=SC2317 # called through check
json_mac() { # file addr mac vendor: the host's one -sn line carries them
    jq -se --arg a "$2" --arg m "$3" --arg v "$4" \
        'map(select(.ip == $a)) | length == 1 and .[0].mac == $m and .[0].mac_vendor == $v' \
        "$1" >/dev/null
}
check "-PR: JSON has A's MAC and vendor" json_mac "$WORK/pr-PR.json" "$LAB_A" "${MAC_A^^}" "$vendor"
check "-PS22: A up by syn-ack" grep -q 'reason="syn-ack"' "$WORK/pr-PS22sendip.xml"
check "-PU: A up by port-unreach" grep -q 'reason="port-unreach"' "$WORK/pr-PUsendip.xml"

# IPv6: ND for on-link targets (B drops ICMPv6 echo)
R6="2001:2::1 $LAB_A6 $LAB_B6 2001:2::9"
# shellcheck disable=SC2086
flush && pr_scan -6 -sn "${FAST[@]}" $R6 -oX "$WORK/pr-6.xml" >/dev/null 2>&1
# shellcheck disable=SC2086
flush && nmap_scan -6 -sn "${FAST[@]}" $R6 -oX "$WORK/nm-6.xml" >/dev/null 2>&1
pr=$(up_hosts "$WORK/pr-6.xml") nm=$(up_hosts "$WORK/nm-6.xml")
check "-6 (ND): hosts up [$pr] = nmap's [$nm]" test -n "$pr" -a "$pr" = "$nm"
check "-6 (ND): reason nd-response and A's MAC" grep -qF "addr=\"${MAC_A^^}\" addrtype=\"mac\"" \
    "$WORK/pr-6.xml"

# -Pn: no discovery, yet the MAC of an on-link host the kernel resolved is shown, as by nmap
flush
pr_scan -Pn -sS -p 22 "${FAST[@]}" "$LAB_A" "$DEAD" >"$WORK/pr-Pn.txt" 2>&1
flush
nmap_scan -Pn -sS -p 22 "${FAST[@]}" "$LAB_A" "$DEAD" >"$WORK/nm-Pn.txt" 2>&1
check "-Pn: MAC lines equal nmap's (A's only)" \
    diff <(grep '^MAC Address' "$WORK/nm-Pn.txt") <(grep '^MAC Address' "$WORK/pr-Pn.txt")
check "-Pn: A's MAC line is there" grep -qx "MAC Address: ${MAC_A^^} ($vendor)" "$WORK/pr-Pn.txt"

# the same -sS scan by both: ndiff sees no host-level difference
P=22,80,443
# shellcheck disable=SC2086
pr_scan -sS -p $P "${FAST[@]}" $RANGE -oX "$WORK/pr-sS.xml" >/dev/null 2>&1
# shellcheck disable=SC2086
nmap_scan -sS -p $P "${FAST[@]}" $RANGE -oX "$WORK/nm-sS.xml" >/dev/null 2>&1
check "-sS XML valid against nmap.dtd" \
    xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$WORK/pr-sS.xml"
hostdiffs() { ndiff --xml "$1" "$2" | grep -c '<hostdiff>'; }
n=$(hostdiffs "$WORK/nm-sS.xml" "$WORK/pr-sS.xml")
check "ndiff nmap.xml portreeve.xml: no host differences ($n)" test "$n" = 0
[ "$n" = 0 ] || ndiff "$WORK/nm-sS.xml" "$WORK/pr-sS.xml"
grep -v 'addrtype="mac"' "$WORK/pr-sS.xml" >"$WORK/pr-nomac.xml"
check "ndiff does see a host difference without the MAC lines" \
    test "$(hostdiffs "$WORK/nm-sS.xml" "$WORK/pr-nomac.xml")" -gt 0
exit $fail
