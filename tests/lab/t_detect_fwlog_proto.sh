#!/usr/bin/env bash
# t_detect_fwlog_proto.sh — `detect --fwlog` on kernel LOG lines of every IP protocol and of
# scanners whose traits the lines carry. An nftables `log` rule in the target namespace
# (`flags tcp sequence,options` for IPv4, no flags for IPv6; read back with dmesg) logs:
#  - real AH, ESP and GRE packets (IPv4) and ESP and AH packets (IPv6) made with scapy, and a
#    real `nmap -sO` protocol scan: no line is malformed, one scan, scan_type ipproto. (psad's
#    own test logs with AH/ESP lines are not shipped by Debian's psad package, so the test
#    makes its own.)
#  - a real masscan SYN scan: tool_guess masscan from SEQ= and ID=; the same lines without
#    SEQ=: not "nmap" but "unknown".
#  - the -sO lines moved to a fixed date and followed with -F: first_seen and last_seen are
#    the lines' own times, not the time they were read.
# Sets net.netfilter.nf_log_all_netns=1 for the run and restores the old value on exit.
# timeout: 150
set -u
PR=${1:?usage: t_detect_fwlog_proto.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
for t in nft nmap masscan dmesg; do command -v $t >/dev/null || dl_skip "needs $t"; done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || dl_skip "needs python3-scapy"
dl_up || exit 1
S=$DL_S T=$DL_T SC=$DL_SCANNER TG=$DL_TARGET
dl_kernel_log
fails=0
TAG=PRP$$

ip netns exec "$T" nft -f - <<NFT || { echo "nft failed"; exit 1; }
table inet detproto {
    chain input {
        type filter hook input priority 0;
        ip saddr $SC tcp flags & ack == 0 log prefix "$TAG-tcp: " flags tcp sequence,options
        ip saddr $SC meta l4proto != tcp log prefix "$TAG-ip: "
        ip6 saddr 2001:2::1 meta l4proto != tcp log prefix "$TAG-ip6: "
    }
}
NFT
logs() { # PREFIX FILE: the kernel's lines with that prefix
    dmesg | grep -F "$1: " >"$2"
    echo "$(wc -l <"$2") line(s) with prefix $1"
}
summary_ok() { # NAME: no malformed line in DL_DIR/NAME.sum
    grep -q 'malformed 0,' "$DL_DIR/$1.sum" ||
        { echo "  FAIL: malformed lines in $1"; fails=$((fails + 1)); }
}

# real AH, ESP and GRE datagrams over IPv4, ESP and AH over IPv6
ip netns exec "$S" /usr/bin/python3 - "$SC" "$TG" <<'PY' >/dev/null 2>&1
import sys
from scapy.all import IP, IPv6, AH, ESP, GRE, send, Raw
s, t = sys.argv[1], sys.argv[2]
send(IP(src=s, dst=t) / AH(spi=0x1001, seq=1, icv=b"\0" * 12) / Raw(b"x" * 8), verbose=0)
send(IP(src=s, dst=t) / ESP(spi=0x1002, seq=1) / Raw(b"x" * 16), verbose=0)
send(IP(src=s, dst=t) / GRE() / IP(src="198.18.9.9", dst=t), verbose=0)
send(IPv6(src="2001:2::1", dst="2001:2::2") / ESP(spi=0x1003, seq=1) / Raw(b"x" * 16), verbose=0)
send(IPv6(src="2001:2::1", dst="2001:2::2") / AH(spi=0x1004, seq=1, icv=b"\0" * 12)
     / Raw(b"x" * 8), verbose=0)
PY
sleep 0.5
logs "$TAG-ip" "$DL_DIR/ipsec.log"
logs "$TAG-ip6" "$DL_DIR/ipsec6.log"
cat "$DL_DIR/ipsec.log" "$DL_DIR/ipsec6.log"
for p in AH ESP 47; do
    grep -q "PROTO=$p " "$DL_DIR/ipsec.log" || { echo "FAIL: no PROTO=$p line"; fails=$((fails + 1)); }
done
# a real IP protocol scan
ip netns exec "$S" nmap -n -Pn -T4 --max-retries 1 -sO -p 1-60 $TG >/dev/null 2>&1
sleep 1
logs "$TAG-ip" "$DL_DIR/ip.log"
cat "$DL_DIR/ipsec6.log" "$DL_DIR/ip.log" >"$DL_DIR/proto.log"
"$PR" detect -q --fwlog "$DL_DIR/proto.log" --alerts "$DL_DIR/proto.json" >"$DL_DIR/proto.sum" \
    2>"$DL_DIR/proto.err"
echo "== AH/ESP/GRE lines and nmap -sO: $(cat "$DL_DIR/proto.sum")"
cat "$DL_DIR/proto.err"
summary_ok proto
[ -s "$DL_DIR/proto.err" ] && { echo "  FAIL: messages on stderr"; fails=$((fails + 1)); }
dl_check "$DL_DIR/proto.json" 1 event=portscan scan_type=ipproto src_ip=$SC dst_ip=$TG \
    detector=fwlog tool_guess=nmap || fails=$((fails + 1))

# masscan: SEQ= and ID= make the relation that names it; without SEQ= it is not nmap
ip netns exec "$S" timeout 20 masscan -p1-200 $TG --rate 500 --wait 1 --interface $DL_SV \
    --adapter-ip $SC --router-mac $DL_TMAC >/dev/null 2>&1
sleep 1
logs "$TAG-tcp" "$DL_DIR/masscan.log"
head -n 2 "$DL_DIR/masscan.log"
"$PR" detect -q --fwlog "$DL_DIR/masscan.log" --alerts "$DL_DIR/masscan.json" \
    >"$DL_DIR/masscan.sum"
echo "== masscan, with SEQ=: $(cat "$DL_DIR/masscan.sum")"
summary_ok masscan
dl_check "$DL_DIR/masscan.json" 1 event=portscan scan_type=syn src_ip=$SC dst_ip=$TG \
    tool_guess=masscan ports_probed~190-200 || fails=$((fails + 1))
sed 's/ SEQ=[0-9]* ACK=[0-9]*//' "$DL_DIR/masscan.log" >"$DL_DIR/noseq.log"
grep -q ' SEQ=' "$DL_DIR/noseq.log" && { echo "FAIL: sed left SEQ="; fails=$((fails + 1)); }
"$PR" detect -q --fwlog "$DL_DIR/noseq.log" --alerts "$DL_DIR/noseq.json" >"$DL_DIR/noseq.sum"
echo "== masscan, without SEQ=: $(cat "$DL_DIR/noseq.sum")"
dl_check "$DL_DIR/noseq.json" 1 event=portscan scan_type=syn src_ip=$SC tool_guess=unknown ||
    fails=$((fails + 1))

# -F: the -sO lines, stamped 2026-01-02 03:04:05 + 10 ms per line, appended while detect
# follows the file: first_seen and last_seen come from the lines
: >"$DL_DIR/follow.log"
"$PR" detect -q -F --fwlog "$DL_DIR/follow.log" --alerts "$DL_DIR/follow.json" --duration 5 \
    >"$DL_DIR/follow.sum" &
FPID=$!
sleep 1
awk '{ sub(/^\[[ 0-9.]*\] /, ""); printf "2026-01-02T03:04:%02d.%06dZ lab kernel: %s\n", \
    5 + int(NR / 100), (NR % 100) * 10000, $0 }' "$DL_DIR/ip.log" >>"$DL_DIR/follow.log"
wait $FPID
echo "== -F: $(cat "$DL_DIR/follow.sum")"
dl_check "$DL_DIR/follow.json" 1 scan_type=ipproto src_ip=$SC || fails=$((fails + 1))
/usr/bin/python3 - "$DL_DIR/follow.json" <<'PY' || fails=$((fails + 1))
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    for k in ("first_seen", "last_seen", "ts"):
        if not a[k].startswith("2026-01-02T03:04:"):
            print(f"  FAIL: {k} {a[k]} is not the lines' time")
            sys.exit(1)
print("  first_seen, last_seen and ts are the lines' own times")
PY

echo
[ $fails -eq 0 ] && echo "all fwlog protocol checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
