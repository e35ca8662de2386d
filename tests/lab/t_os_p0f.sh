#!/usr/bin/env bash
# timeout: 240
# parallel: yes
# Passive OS fingerprints (src/os) agree with p0f itself, packet by packet:
#  1. a capture made from every TCP signature of Debian's /etc/p0f/p0f.fp (p0f_gen.py:
#     wildcards filled, plus variants only a fuzzy match accepts), SYNs and SYN+ACKs;
#  2. real traffic in the namespace lab: the Linux stacks of the scanner and target A
#     (curl to nginx and the SYN+ACKs answering it), nmap -sS, nmap -O, hping3.
# Both are read by `p0f -r` and by tests/tools/p0f_pcap; labels and generic/fuzzy flags
# must be the same for every packet p0f reports.
#  3. detect's own use: one capture each of a Linux client (curl), nmap -sS, masscan and
#     hping3; `portreeve detect -r` names the scanner in its alert (src_os) or, for the
#     client, in the inventory (--assets) as p0f -r names the scanner's SYNs.
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
sleep 0.5 # "listening" comes a moment before the first packet is kept
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

# 3. src_os in detect's alerts (and the inventory's os) against p0f -r, one capture a tool
ip netns exec "$LAB_NS_SCAN" ethtool -K "$LAB_IF_SCAN" tso off gso off sg off gro off >/dev/null 2>&1
AMAC=$(ip -n "$LAB_NS_A" -br link show "$LAB_IF_A" | awk '{print $3}')
one_tool() { # name command... (run in the scanner's namespace, captured on A)
    local name=$1
    shift
    lab_exec "$LAB_NS_A" tcpdump -i "$LAB_IF_A" -U -w "$WORK/t_$name.pcap" tcp 2>"$WORK/t_$name.err" &
    local t=$!
    for _ in $(seq 50); do grep -q listening "$WORK/t_$name.err" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5 # "listening" is printed a moment before the first packet is kept
    lab_exec "$LAB_NS_SCAN" timeout 20 "$@" >/dev/null 2>&1
    sleep 0.5
    kill "$t"
    wait "$t" 2>/dev/null
    p0f -r "$WORK/t_$name.pcap" -o "$WORK/t_$name.p0f" >/dev/null 2>&1
    "$PORTREEVE" detect -r "$WORK/t_$name.pcap" -q --alerts "$WORK/t_$name.alerts" \
        --home-net 198.18.0.0/24 --assets "$WORK/t_$name.assets" >/dev/null 2>&1
    /usr/bin/python3 - "$WORK/t_$name.p0f" "$WORK/t_$name.alerts" "$WORK/t_$name.assets" \
        "$LAB_SCANNER" "$name" <<'PY'
import collections, json, sys
p0f, alerts, assets, scanner, name = sys.argv[1:]
# p0f's log: "[...] mod=syn|cli=198.18.0.1/4711|srv=...|subj=cli|os=Linux 3.11 and newer|..."
labels = collections.Counter()
for line in open(p0f):
    f = dict(kv.split("=", 1) for kv in line.strip().split("] ", 1)[-1].split("|") if "=" in kv)
    if f.get("mod") == "syn" and f.get("cli", "").split("/")[0] == scanner:
        labels[f["os"] if f.get("os", "???") != "???" else f.get("app", "???")] += 1
want = labels.most_common(1)[0][0] if labels else "???"
if name == "client":
    rows = [json.loads(l) for l in open(assets)]
    got = next((r.get("os") for r in rows if r["ip"] == scanner), None)
else:
    rows = [json.loads(l) for l in open(alerts)]
    got = next((r.get("src_os") for r in rows if r.get("src_ip") == scanner), "no alert")
if want == "???":
    want = None  # p0f named nothing: neither may portreeve
print("   %s: p0f -r %s, portreeve %s (p0f's names of the scanner's SYNs: %s)"
      % (name, want, got, dict(labels)))
if name in ("client", "nmap") and want is None:
    sys.exit(1)  # p0f names both: a capture without a name is broken
sys.exit(0 if got == want else 1)
PY
}
one_tool client bash -c "for i in 1 2 3 4 5; do curl -s -o /dev/null --max-time 3 http://$LAB_A/; sleep 0.1; done"
check "client: the inventory's os is p0f's name for curl's SYNs" test $? = 0
one_tool nmap nmap -n -Pn -sS -p 1-200 --max-retries 1 "$LAB_A"
check "nmap -sS: the alert's src_os is p0f's name" test $? = 0
one_tool masscan masscan --interface "$LAB_IF_SCAN" --adapter-ip "$LAB_SCANNER" \
    --router-mac "$AMAC" -p1-200 --rate 2000 --wait 1 "$LAB_A"
check "masscan: the alert's src_os is p0f's name (or none when p0f names none)" test $? = 0
one_tool hping3 hping3 -S -c 60 -i u5000 -p ++100 "$LAB_A"
check "hping3: the alert's src_os is p0f's name" test $? = 0
exit $fail
