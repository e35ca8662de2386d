#!/usr/bin/env bash
# timeout: 180
# Passive OS fingerprints (src/os) agree with p0f itself, packet by packet:
#  1. a capture made from every TCP signature of Debian's /etc/p0f/p0f.fp (p0f_gen.py:
#     wildcards filled, plus variants only a fuzzy match accepts), SYNs and SYN+ACKs;
#  2. real traffic in the namespace lab: the Linux stacks of the scanner and target A
#     (curl to nginx and the SYN+ACKs answering it), nmap -sS, nmap -O, hping3.
# Both are read by `p0f -r` and by tests/tools/p0f_pcap; labels and generic/fuzzy flags
# must be the same for every packet p0f reports.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
fail=0
P0F_PCAP=$(dirname "$PORTREEVE")/p0f_pcap
FP=/etc/p0f/p0f.fp
[ -r "$FP" ] && command -v p0f >/dev/null || { echo "FAIL Debian package p0f is missing"; exit 1; }

compare() { # pcap name
    rm -f "$WORK/$2.log"
    p0f -r "$1" -o "$WORK/$2.log" >"$WORK/$2.p0f.out" 2>&1 ||
        { echo "FAIL p0f -r $1"; cat "$WORK/$2.p0f.out"; fail=1; return; }
    "$P0F_PCAP" "$1" >"$WORK/$2.ours" || { echo "FAIL p0f_pcap $1"; fail=1; return; }
    /usr/bin/python3 "$LAB_LIB_DIR/p0f_compare.py" "$WORK/$2.log" "$WORK/$2.ours" >"$WORK/$2.cmp"
    local rc=$?
    sed 's/^/   /' "$WORK/$2.cmp"
    check "$2: portreeve and p0f agree on every packet" test $rc = 0
}

# 1. every signature of the database
/usr/bin/python3 "$LAB_LIB_DIR/p0f_gen.py" "$FP" "$WORK/sigs.pcap" >"$WORK/sigs.txt" ||
    { echo "FAIL p0f_gen.py"; exit 1; }
echo "   $(wc -l <"$WORK/sigs.txt") packets made from $(grep -c '^sig' "$FP") signature lines"
compare "$WORK/sigs.pcap" sigs
check "sigs: more than 1000 packets and 40 labels compared" \
    grep -Eq '^([1-9][0-9]{3,}) packets p0f reported, ([4-9][0-9]|[1-9][0-9]{2,}) labels' "$WORK/sigs.cmp"

# 2. real stacks and tools in the lab, captured on target A
lab_exec "$LAB_NS_A" tcpdump -i "$LAB_IF_A" -U -w "$WORK/real.pcap" 'tcp[tcpflags] & tcp-syn != 0' \
    2>"$WORK/tcpdump.err" &
tcpd=$!
for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
for i in 1 2 3; do lab_exec "$LAB_NS_SCAN" curl -s -o /dev/null --max-time 3 "http://$LAB_A/"; done
nmap_scan -sS -Pn -p 20-30,80,443 "$LAB_A" >/dev/null 2>&1
nmap_scan -O -Pn -p 22,80,81 --max-os-tries 1 "$LAB_A" >/dev/null 2>&1
lab_exec "$LAB_NS_SCAN" timeout 5 hping3 -S -p 80 -c 3 -i u100000 "$LAB_A" >/dev/null 2>&1
sleep 1
kill "$tcpd"
wait "$tcpd" 2>/dev/null
compare "$WORK/real.pcap" real
check "real: curl's SYNs are a Linux stack for both" \
    grep -Eq "^$LAB_SCANNER/[0-9]+ -> $LAB_A/80 mod=syn os=Linux" "$WORK/real.ours"
check "real: nginx's SYN+ACKs are read (mod=syn+ack)" \
    grep -q "^$LAB_A/80 -> $LAB_SCANNER/[0-9]* mod=syn+ack " "$WORK/real.ours"
check "real: nmap -sS is named NMap SYN scan" grep -q 'app=NMap SYN scan' "$WORK/real.ours"
exit $fail
