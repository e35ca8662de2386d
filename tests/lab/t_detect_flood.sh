#!/usr/bin/env bash
# t_detect_flood.sh — 1,000,000 SYNs from random spoofed sources with a real SYN scan (200
# ports, nmap-like probes, answered by RST) in the middle: the scan is reported, the spoofed
# sources are not, and the peak RSS stays under the documented bound (tables + 16 MB).
# Needs no namespace: the capture is generated (raw-IP pcap) and only read.
# timeout: 240
set -u
PR=${1:?usage: t_detect_flood.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
[ -x /usr/bin/time ] || dl_skip "needs /usr/bin/time"
DL_DIR=$(mktemp -d /tmp/prdetect.XXXXXX)
trap 'rm -rf "$DL_DIR"' EXIT
MAXSRC=${MAXSRC:-65536}

/usr/bin/python3 - "$DL_DIR/flood.pcap" <<'PY'
import random, struct, sys
random.seed(7)
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
scanner, target = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
def fold(s):
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def tcp(src, dst, sp, dp, flags, win, ipid, mss):
    # correct checksums: the detector believes no packet whose checksum is wrong
    opt = b"\x02\x04\x05\xb4" if mss else b""
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(opt), ipid, 0, 50, 6, 0, src, dst)
    ip = ip[:10] + struct.pack(">H", fold(sum(struct.unpack(">10H", ip)))) + ip[12:]
    th = struct.pack(">HHIIBBHHH", sp, dp, 1, 0, (5 + len(opt) // 4) << 4, flags, win, 0, 0) + opt
    pseudo = src + dst + struct.pack(">HH", 6, len(th))
    c = fold(sum(struct.unpack(">%dH" % ((12 + len(th)) // 2), pseudo + th)))
    return ip + th[:16] + struct.pack(">H", c) + th[18:]
t0, n, buf = 1795661696 * 1000000, 0, []
def rec(pkt, us):
    buf.append(struct.pack("<IIII", us // 1000000, us % 1000000, len(pkt), len(pkt)) + pkt)
rb = random.getrandbits
port = 1
for i in range(1000000):
    src = rb(32).to_bytes(4, "big")
    rec(tcp(src, target, rb(16), 80, 0x02, 64240, rb(16), False), t0 + i)
    if 500000 <= i and i % 50 == 0 and port <= 200:
        rec(tcp(scanner, target, 40000, port, 0x02, 1024, rb(16), True), t0 + i)
        rec(tcp(target, scanner, port, 40000, 0x14, 0, 0, False), t0 + i)
        port += 1
    if len(buf) >= 65536:
        out.write(b"".join(buf)); buf = []
out.write(b"".join(buf))
PY
ls -l "$DL_DIR/flood.pcap"
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$DL_DIR/rss" "$PR" detect -q -r "$DL_DIR/flood.pcap" \
    --max-sources "$MAXSRC" --alerts "$DL_DIR/flood.json" >"$DL_DIR/sum" || { cat "$DL_DIR/sum"; exit 1; }
end=$(date +%s.%N)
cat "$DL_DIR/sum"
rss_kb=$(cat "$DL_DIR/rss")
table=$(sed -n 's/.*table memory \([0-9]*\) bytes.*/\1/p' "$DL_DIR/sum")
bound_kb=$((table / 1024 + 16 * 1024))
frames=$(sed -n 's/.*frames \([0-9]*\).*/\1/p' "$DL_DIR/sum")
/usr/bin/python3 -c "import sys; f, s, e = map(float, sys.argv[1:]); print(f'{f:.0f} packets in {e - s:.2f} s: {f / (e - s) / 1e6:.2f} M packets/s (one core, python-free)')" "$frames" "$start" "$end"
echo "peak RSS ${rss_kb} KB, bound ${bound_kb} KB (tables $((table / 1024)) KB + 16 MB)"
fails=0
[ "$rss_kb" -le "$bound_kb" ] || { echo "FAIL: RSS over the bound"; fails=1; }
grep -q 'sources [0-9]* (evicted [1-9]' "$DL_DIR/sum" || { echo "FAIL: no evictions counted"; fails=1; }
dl_check "$DL_DIR/flood.json" 1 event=portscan src_ip=198.18.0.1 dst_ip=198.18.0.2 scan_type=syn \
    tool_guess=nmap ports_probed~195-200 || fails=1
[ $fails -eq 0 ] && echo "flood check passed"
[ $fails -eq 0 ]
