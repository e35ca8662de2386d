#!/usr/bin/env bash
# timeout: 60
# parallel: yes
# OS detection beyond Linux: three lab hosts answered by tests/tools/osresp, each
# impersonating one nmap-os-db entry (a Windows, a BSD, a printer; chosen by name here,
# resolved to lines of Debian's /usr/share/nmap/nmap-os-db at run time), on one lab link.
# ONE `nmap -O -oX` run scans the three; its top osmatch must belong to the impersonated
# family (the osfamily of the entry's first Class line). ONE `portreeve scan -O -oX` run
# must name the same family for each. The kernels of the three namespaces drop all IPv4
# (nftables), so only osresp answers; ARP stays with the kernel.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/lab.sh"
. "$LAB_LIB_DIR/check.sh"
PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
OSRESP=$(dirname "$PORTREEVE")/osresp
DB=/usr/share/nmap/nmap-os-db
OPEN=80 CLOSED=81
fail=0
command -v nmap >/dev/null && [ -r "$DB" ] || { echo "FAIL nmap and $DB (nmap-common) needed"; exit 1; }
[ -x "$OSRESP" ] || { echo "FAIL $OSRESP is not built"; exit 1; }

# family|exact entry name (the first entry of that name). Chosen because nmap 7.93 names
# each of them, as the only perfect match, every time against osresp (tests/lab/README.md).
ENTRIES=(
    "Windows|Microsoft Windows 10 1607"
    "FreeBSD|FreeBSD 11.0-RELEASE"
    "embedded|HP LaserJet 1320 printer"
)

# entry_line NAME — the line of "Fingerprint NAME"; entry_family LINE — the osfamily of
# the first Class line after it ("Class vendor | family | gen | type").
entry_line() { awk -v n="Fingerprint $1" '$0 == n { print NR; exit }' "$DB"; }
entry_family() {
    awk -v l="$1" 'NR > l && /^Class / { sub(/^Class /, ""); split($0, f, / *\| */);
                   print f[2]; exit } NR > l && /^Fingerprint / { exit }' "$DB"
}

lab_up --no-servers || exit $?
NS_C=${LAB_PREFIX}c IF_C=${LAB_PREFIX}c0 ADDR_C=198.18.0.4
lab_on_down "ip netns pids $NS_C 2>/dev/null | xargs -r kill 2>/dev/null; sleep 0.2; ip netns del $NS_C 2>/dev/null"
ip netns add "$NS_C" || exit 1
ip -n "$NS_C" link set lo up
ip -n "$LAB_NS_SW" link add pc type veth peer name "$IF_C" netns "$NS_C" || exit 1
ip -n "$LAB_NS_SW" link set pc master br0 up || exit 1
ip -n "$NS_C" addr add "$ADDR_C/24" dev "$IF_C" && ip -n "$NS_C" link set "$IF_C" up || exit 1

resp_pids=()
NSS=("$LAB_NS_A" "$LAB_NS_B" "$NS_C") IFS_=("$LAB_IF_A" "$LAB_IF_B" "$IF_C")
ADDRS=("$LAB_A" "$LAB_B" "$ADDR_C")
for i in 0 1 2; do
    fam=${ENTRIES[$i]%%|*} name=${ENTRIES[$i]#*|}
    line=$(entry_line "$name")
    [ -n "$line" ] || { echo "FAIL no entry '$name' in $DB"; exit 1; }
    [ "$(entry_family "$line")" = "$fam" ] ||
        { echo "FAIL $DB:$line '$name' is not of family $fam"; exit 1; }
    ns=${NSS[$i]} log=$LAB_DIR/osresp-$i.log
    ip netns exec "$ns" nft -f - <<'EOF' || exit 1
flush ruleset
table inet osresp {
    chain in { type filter hook input priority -300; meta nfproto ipv4 drop; }
    chain out { type filter hook output priority -300; meta nfproto ipv4 drop; }
}
EOF
    ip netns exec "$ns" "$OSRESP" --fp "$line" --iface "${IFS_[$i]}" --addr "${ADDRS[$i]}" \
        --port "$OPEN" --seconds 50 2>"$log" &
    resp_pids+=($!)
    echo "${ADDRS[$i]} impersonates $DB:$line $name ($fam)"
done
for i in 0 1 2; do
    for _ in $(seq 50); do grep -q "osresp: ready" "$LAB_DIR/osresp-$i.log" && break; sleep 0.1; done
    grep -q "osresp: ready" "$LAB_DIR/osresp-$i.log" ||
        { echo "FAIL osresp $i did not start:"; cat "$LAB_DIR/osresp-$i.log"; exit 1; }
done

# top_families XML — "ADDR FAMILY ACCURACY NAME" of every host's first osmatch
top_families() {
    /usr/bin/python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    a = h.find("address[@addrtype='ipv4']").get("addr")
    m = h.find("os/osmatch")
    c = m.find("osclass") if m is not None else None
    print(a, c.get("osfamily") if c is not None else "-",
          m.get("accuracy") if m is not None else "-", m.get("name") if m is not None else "-")
EOF
}
# judge TOOL XML — each host's top family is the impersonated one
judge() {
    local i got
    top_families "$2" >"$2.top" || { echo "FAIL $1: unreadable $2"; fail=1; return; }
    sed "s/^/   $1: /" "$2.top"
    for i in 0 1 2; do
        got=$(awk -v a="${ADDRS[$i]}" '$1 == a { print $2 }' "$2.top")
        check "$1 names ${ADDRS[$i]} ${ENTRIES[$i]%%|*} (got ${got:-nothing})" \
            test "$got" = "${ENTRIES[$i]%%|*}"
    done
}

targets=("${ADDRS[@]}")
t0=$EPOCHREALTIME
lab_scan_exec nmap -n -Pn -O -p "T:$OPEN,$CLOSED" --max-retries 2 -oX "$LAB_DIR/nmap.xml" \
    "${targets[@]}" >"$LAB_DIR/nmap.out" 2>&1 || { echo "FAIL nmap:"; cat "$LAB_DIR/nmap.out"; exit 1; }
echo "nmap -O took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
judge nmap "$LAB_DIR/nmap.xml"

t0=$EPOCHREALTIME
lab_scan_exec "$PORTREEVE" scan -n -Pn -O -p "T:$OPEN,$CLOSED" --max-retries 2 \
    -oX "$LAB_DIR/pr.xml" "${targets[@]}" >"$LAB_DIR/pr.out" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q "not supported" "$LAB_DIR/pr.out"; then
    cat "$LAB_DIR/pr.out"
    echo "skip: portreeve scan -O is not supported by this build"
    [ $fail = 0 ] && exit 77
    exit 1
fi
[ $rc = 0 ] || { echo "FAIL portreeve scan -O exited $rc:"; cat "$LAB_DIR/pr.out"; exit 1; }
echo "portreeve scan -O took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
judge portreeve "$LAB_DIR/pr.xml"

# the answers came from osresp (the kernels drop IPv4): each saw both scanners' SEQ probes
kill "${resp_pids[@]}" 2>/dev/null
for i in 0 1 2; do
    for _ in $(seq 30); do grep -q "osresp: answered" "$LAB_DIR/osresp-$i.log" && break; sleep 0.1; done
    n=$(sed -n 's/.*answered seq=\([0-9]*\).*/\1/p' "$LAB_DIR/osresp-$i.log")
    check "osresp at ${ADDRS[$i]} answered the 6 SEQ probes of each scan (${n:-?})" \
        test "${n:-0}" -ge 12
done
if [ $fail != 0 ]; then
    for i in 0 1 2; do sed "s/^/   osresp $i: /" "$LAB_DIR/osresp-$i.log"; done
    sed -n '/fingerprint:$/,/^$/p' "$LAB_DIR/nmap.out" "$LAB_DIR/pr.out" | head -60
fi
exit $fail
