#!/usr/bin/env bash
# t_block_spoof.sh — `detect --block` cannot be turned against us (docs/block.md):
#  1. nmap -D with decoys: the real scanner is blocked, the decoys are not (with one engine
#     and again with --workers 2);
#  2. a forged SYN scan (scapy) with target A's name server (target B, a live host whose
#     kernel answers A's SYN-ACKs with RSTs, just as a real scanner's would) as source is
#     reported and blocks nothing;
#  2b. the same forged scan from A's default gateway (target B again, now as A's gateway and
#     no longer its name server) blocks nothing;
#  3. 10,000 forged FIN scans from random sources block nothing by default, and with
#     --block-on-flags-only add at most --max-blocks-per-min blocks.
# timeout: 240
set -u
PR=${1:?usage: t_block_spoof.sh /path/to/portreeve}
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/blocklib.sh"
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { echo "SKIP: needs python3-scapy"; exit 77; }
lab_up || exit $?
fail() {
    echo "FAIL: $*"
    [ -n "${BL_PID:-}" ] && kill -0 "$BL_PID" 2>/dev/null && bl_stop
    exit 1
}
# target A's resolver is target B: `ip netns exec` mounts /etc/netns/NS/resolv.conf
mkdir -p "/etc/netns/$LAB_NS_A"
lab_on_down "rm -rf '/etc/netns/$LAB_NS_A'"
echo "nameserver $LAB_B" >"/etc/netns/$LAB_NS_A/resolv.conf"

# (each detector here runs with --flush-on-exit, so that each section starts without blocks)
D1=198.18.0.50 D2=198.18.0.51
decoys() { # NAME DETECT-ARGS...
    local name=$1
    shift
    bl_start "$name" --block --block-time 120s --flush-on-exit "$@" || exit 1
    # once blocked, nmap's probes are dropped and it slows down: stop it when the block is seen
    ip netns exec "$LAB_NS_SCAN" timeout 40 nmap -n -Pn -sS -T4 --max-retries 1 -D $D1,$D2,ME \
        -p 1-1024 "$LAB_A" >"$LAB_DIR/nmap-$name.txt" 2>&1 &
    NPID=$! # ip netns exec execs timeout: TERM reaches nmap through it
    bl_wait_elem "$LAB_SCANNER" 20 || { bl_stop; fail "$name: real scanner not blocked"; }
    sleep 2
    kill -TERM $NPID 2>/dev/null
    wait $NPID
    bl_elems | tee "$LAB_DIR/$name-elems.txt"
    [ "$(cat "$LAB_DIR/$name-elems.txt")" = "$LAB_SCANNER" ] || fail "$name: set is not exactly the scanner"
    bl_stop || fail "$name: detector exit code $BL_RC"
    grep -q '"event":"decoy_portscan"' "$LAB_DIR/$name.json" || fail "$name: not reported as a decoy scan"
    grep '"action":"blocked"' "$LAB_DIR/$name.json" | grep -q "\"src_ip\":\"$LAB_SCANNER\"" ||
        fail "$name: the decoy alert does not name the blocked real scanner"
}
echo "== 1. decoys: only the real scanner is blocked"
decoys decoy
if [ "$(nproc)" -ge 2 ]; then # the decoys and the scanner on two workers, grouped at the merge
    echo "== 1w. the same with --workers 2"
    decoys decoyw --workers 2
else
    echo "skip: --workers 2 needs two CPUs (nproc $(nproc))"
fi

# forged_scan NAME PORTBASE REASON: a detector with --block runs on A while a scapy SYN scan
# forged from B's address arrives; B's kernel answers A's SYN-ACKs with resets (the evidence a
# real scanner gives), so only the protection named by REASON can stop the block.
forged_scan() {
    local name=$1 base=$2 reason=$3
    bl_start "$name" --block --block-time 60s --flush-on-exit || exit 1
    lab_scan_exec timeout 60 /usr/bin/python3 - "$LAB_B" "$LAB_A" "$base" <<'PY'
import sys
from scapy.all import IP, TCP, send, conf
conf.verb = 0
src, dst, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
ports = [22, 53, 80, 443] + list(range(base, base + 60))
send([IP(src=src, dst=dst) / TCP(sport=base + 39000 + i, dport=p, flags="S", seq=base + i)
      for i, p in enumerate(ports)], inter=0.005)
PY
    sleep 5
    bl_elems | tee "$LAB_DIR/$name-elems.txt"
    [ -s "$LAB_DIR/$name-elems.txt" ] && fail "$name: the forged scan made blocks"
    bl_stop || fail "$name: detector exit code $BL_RC"
    grep -q "\"src_ip\":\"$LAB_B\"" "$LAB_DIR/$name.json" || fail "$name: forged scan not reported"
    grep -q "never blocked: $reason" "$LAB_DIR/$name.err" || fail "$name: no '$reason' reason"
    grep -q "protected [1-9]" "$LAB_DIR/$name.out" || fail "$name: the protection was not what decided"
}

echo "== 2. a forged SYN scan from A's name server blocks nothing"
forged_scan forged 1000 "a name server"

echo "== 2b. a forged SYN scan from A's default gateway blocks nothing"
rm -f "/etc/netns/$LAB_NS_A/resolv.conf"
# B becomes A's default gateway: no lab namespace has an uplink, so nothing can leave
ip -n "$LAB_NS_A" route add default via "$LAB_B" || fail "cannot add the default route"
forged_scan gw 2000 "a default gateway"
ip -n "$LAB_NS_A" route del default
echo "nameserver $LAB_B" >"/etc/netns/$LAB_NS_A/resolv.conf"

# 10,000 sources outside the lab's /24 (A has no route back: its RSTs go nowhere), 5 FIN
# probes each: 3 to A and 2 to 198.18.0.9 (no such host; the frames carry A's MAC, so A's
# capture sees them). Each source is a stealth portsweep of its own, so the flood is not one
# grouped campaign: every forged source is a candidate for a block.
flood() {
    local amac
    amac=$(ip -n "$LAB_NS_A" -br link show "$LAB_IF_A" | awk '{print $3}')
    lab_scan_exec timeout 120 /usr/bin/python3 - "$LAB_IF_SCAN" "$amac" "$LAB_A" <<'PY'
import random, socket, struct, sys
ifname, amac, target = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), sys.argv[3]
dsts = [socket.inet_aton(target), socket.inet_aton("198.18.0.9")]
rnd = random.Random(5)
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
smac = s.getsockname()[4][:6]
eth = amac + smac + b"\x08\x00"
sent = 0
for n in range(10000):
    a = rnd.randrange((198 << 24) | (18 << 16) | 256, (198 << 24) | (20 << 16) - 1)
    src = struct.pack("!I", a)
    sport = rnd.randrange(1024, 65535)
    for k in range(5):
        dst = dsts[k % 2 if k < 4 else 0]
        dport = 2000 + k * 7 + (n % 7)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, rnd.getrandbits(32), 0, 5 << 4, 0x01,
                          1024, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), rnd.getrandbits(16), 0, 50,
                         6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        s.send(eth + ip + tcp)
        sent += 1
print("flood: sent", sent, "frames from 10000 sources")
PY
}

echo "== 3a. 10,000 forged FIN scans: no block without --block-on-flags-only"
bl_start flood1 --block --max-blocks-per-min 5 --flush-on-exit -q || exit 1
flood
sleep 3
n=$(bl_elems | wc -l)
echo "blocks: $n"
bl_stop >"$LAB_DIR/flood1.stop" || { cat "$LAB_DIR/flood1.stop"; fail "detector exit code $BL_RC"; }
grep -E '^(summary|block):' "$LAB_DIR/flood1.stop"
[ "$n" -eq 0 ] || fail "forged stealth scans made $n blocks"
grep -q 'stealth probes alone can be forged' "$LAB_DIR/flood1.err" || fail "no reason given"

echo "== 3b. with --block-on-flags-only: at most --max-blocks-per-min 5 blocks"
bl_start flood2 --block --block-on-flags-only --max-blocks-per-min 5 --flush-on-exit -q || exit 1
t0=$(date +%s)
flood
sleep 3
bl_elems >"$LAB_DIR/flood2-elems.txt"
n=$(wc -l <"$LAB_DIR/flood2-elems.txt")
echo "blocks: $n within $(($(date +%s) - t0)) s"
bl_stop >"$LAB_DIR/flood2.stop" || { cat "$LAB_DIR/flood2.stop"; fail "detector exit code $BL_RC"; }
grep -E '^(summary|block):' "$LAB_DIR/flood2.stop"
grep 'cap of new blocks' "$LAB_DIR/flood2.err" | head -3
[ "$n" -ge 1 ] && [ "$n" -le 5 ] || fail "$n blocks, wanted 1..5"
grep -q 'the cap of new blocks per minute is reached' "$LAB_DIR/flood2.err" ||
    fail "the cap was never reached"
echo PASS
