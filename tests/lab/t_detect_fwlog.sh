#!/usr/bin/env bash
# t_detect_fwlog.sh — `portreeve detect --fwlog` on kernel LOG lines written during a real nmap
# SYN scan by an nftables `log` rule and by an iptables `LOG` rule in the target namespace
# (read back with dmesg), from a file, from stdin, and following a growing file (-F), also
# through a rotation and a truncation.
# Sets net.netfilter.nf_log_all_netns=1 for the run and restores the old value on exit.
# timeout: 120
set -u
PR=${1:?usage: t_detect_fwlog.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
for t in nft nmap dmesg; do command -v $t >/dev/null || dl_skip "needs $t"; done
dl_up || exit 1
S=$DL_S T=$DL_T SC=$DL_SCANNER TG=$DL_TARGET
dl_kernel_log
fails=0
TAG=PRD$$

ip netns exec "$T" nft -f - <<NFT || { echo "nft failed"; exit 1; }
table inet detlog {
    chain input {
        type filter hook input priority 0;
        ip saddr $SC tcp flags & ack == 0 log prefix "$TAG-nft: "
    }
}
NFT
have_ipt=0
if command -v iptables >/dev/null &&
    ip netns exec "$T" iptables -A INPUT -s $SC -p tcp ! --tcp-flags ACK ACK \
        -j LOG --log-prefix "$TAG-ipt: " 2>/dev/null; then
    have_ipt=1
fi

ip netns exec "$S" nmap -n -Pn -T4 --max-retries 1 -sS -p 1-200 $TG >/dev/null 2>&1
sleep 1
dmesg | grep -F "$TAG-nft: " >"$DL_DIR/nft.log"
dmesg | grep -F "$TAG-ipt: " >"$DL_DIR/ipt.log"
echo "nftables lines: $(wc -l <"$DL_DIR/nft.log"), iptables lines: $(wc -l <"$DL_DIR/ipt.log")"
head -n 2 "$DL_DIR/nft.log" "$DL_DIR/ipt.log"

check() { # NAME: the alerts file DL_DIR/NAME.json
    echo "== $1"
    dl_check "$DL_DIR/$1.json" 1 event=portscan scan_type=syn src_ip=$SC dst_ip=$TG \
        detector=fwlog tool_guess=nmap ports_probed~190-200 || fails=$((fails + 1))
}
"$PR" detect -q --fwlog "$DL_DIR/nft.log" --alerts "$DL_DIR/nft.json" || fails=$((fails + 1))
check nft
if [ $have_ipt = 1 ]; then
    "$PR" detect -q --fwlog "$DL_DIR/ipt.log" --alerts "$DL_DIR/ipt.json" || fails=$((fails + 1))
    check ipt
else
    echo "iptables LOG not available here: only the nftables rule was exercised"
fi

# the same lines on standard input, as syslog would write them, with a few hostile lines mixed in
{
    sed 's/^\[[ 0-9.]*\] /Nov 26 10:00:00 target kernel: /' "$DL_DIR/nft.log" | head -n 100
    printf 'Nov 26 10:00:01 target kernel: X IN=eth0 OUT= SRC=999.1.1.1 DST=1.2.3.4 PROTO=TCP\n'
    printf 'Nov 26 10:00:01 target kernel: X IN=eth0 OUT= SRC=198.18.0.1 PROTO=TCP SPT=x\n'
    head -c 20000 /dev/zero | tr '\0' 'A'; echo
    sed 's/^\[[ 0-9.]*\] /Nov 26 10:00:02 target kernel: /' "$DL_DIR/nft.log" | tail -n +101
} | "$PR" detect -q --fwlog - --alerts "$DL_DIR/stdin.json" 2>"$DL_DIR/stdin.err"
rc=$?
cat "$DL_DIR/stdin.err"
[ $rc -eq 0 ] || { echo "FAIL: stdin run exited $rc"; fails=$((fails + 1)); }
grep -q '<stdin>:101: bad SRC address' "$DL_DIR/stdin.err" ||
    { echo "FAIL: no error naming line 101"; fails=$((fails + 1)); }
check stdin

# follow a growing file
: >"$DL_DIR/grow.log"
"$PR" detect -q -F --fwlog "$DL_DIR/grow.log" --alerts "$DL_DIR/grow.json" --duration 4 \
    >"$DL_DIR/grow.out" &
FPID=$!
sleep 1
head -n 50 "$DL_DIR/nft.log" >>"$DL_DIR/grow.log"
sleep 0.5
tail -n +51 "$DL_DIR/nft.log" >>"$DL_DIR/grow.log"
wait $FPID
cat "$DL_DIR/grow.out"
check grow

# follow through a rotation (lines appended to the old file first, then rename and a new file),
# a truncation, and a rewrite to the same size (the last part with another prefix of the same
# length): each line read exactly once, the rewritten ones again
head -n 50 "$DL_DIR/nft.log" >"$DL_DIR/rot.log"
"$PR" detect -q -F --fwlog "$DL_DIR/rot.log" --alerts "$DL_DIR/rot.json" --duration 8 \
    >"$DL_DIR/rot.out" &
FPID=$!
sleep 1
sed -n 51,100p "$DL_DIR/nft.log" >>"$DL_DIR/rot.log"
mv "$DL_DIR/rot.log" "$DL_DIR/rot.log.1"
sed -n 101,150p "$DL_DIR/nft.log" >"$DL_DIR/rot.log"
sleep 1.5
: >"$DL_DIR/rot.log"
sed -n '151,$p' "$DL_DIR/nft.log" >>"$DL_DIR/rot.log"
sleep 1.5
sed "s/$TAG-nft/$TAG-NFT/" "$DL_DIR/rot.log" >"$DL_DIR/rot.new"
cmp -s "$DL_DIR/rot.log" "$DL_DIR/rot.new" && { echo "FAIL: the rewrite changed nothing"; fails=$((fails + 1)); }
cat "$DL_DIR/rot.new" >"$DL_DIR/rot.log"
wait $FPID
cat "$DL_DIR/rot.out"
n=$(($(wc -l <"$DL_DIR/nft.log") + $(wc -l <"$DL_DIR/rot.new")))
grep -q "lines $n (LOG $n," "$DL_DIR/rot.out" ||
    { echo "FAIL: -F did not read each of the $n lines once"; fails=$((fails + 1)); }
check rot

echo
[ $fails -eq 0 ] && echo "all fwlog checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
