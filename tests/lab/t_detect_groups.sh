#!/usr/bin/env bash
# t_detect_groups.sh — scans that need more than one source's view or a long horizon:
#   decoy       nmap -D with two decoys: three decoy_portscan scans of one campaign
#   distributed three source addresses sharing the ports 1-210: three distributed_portscan
#               scans of one campaign, 70 ports each
#   slow        an nmap -T1-like scan of 20 ports (its capture re-timed to 15 s between probes)
#               and a -T0-like one (5 min between probes): one portscan each
#   truncated   a capture cut short: a clear error, exit 2, and the alert found before the cut
# timeout: 180
# parallel: yes
set -u
PR=${1:?usage: t_detect_groups.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
command -v nmap >/dev/null || dl_skip "needs nmap"
dl_up || exit 1
S=$DL_S T=$DL_T SC=$DL_SCANNER TG=$DL_TARGET
fails=0
dl_http "$T" 0.0.0.0 80
dl_wait_port "$T" 80 || { echo "server did not start"; exit 1; }
NM="nmap -n -Pn -T4 --max-retries 1"

detect() { # NAME [detect options]: runs the detector on DL_DIR/NAME.pcap
    local name=$1; shift
    "$PR" detect -q -r "$DL_DIR/$name.pcap" --alerts "$DL_DIR/$name.json" "$@" \
        >"$DL_DIR/$name.sum" 2>"$DL_DIR/$name.err"
    local rc=$?
    cat "$DL_DIR/$name.sum" "$DL_DIR/$name.err"
    return $rc
}

echo "== decoy"
dl_capture_start decoy
ip netns exec "$S" $NM -sS -p 1-100 -D 198.18.0.77,198.18.0.78,ME $TG >/dev/null 2>&1
dl_capture_stop
detect decoy || fails=$((fails + 1))
# every member is a scan of its own (own src_ip, own scan_id), tied by one campaign_id
dl_check "$DL_DIR/decoy.json" 3 src_ip=$SC event=decoy_portscan dst_ip=$TG scan_type=syn \
    tool_guess=nmap || fails=$((fails + 1))
for a in 77 78; do
    dl_check "$DL_DIR/decoy.json" 3 src_ip=198.18.0.$a event=decoy_portscan scan_type=syn ||
        fails=$((fails + 1))
done
grep -q '"src_ips":\["198.18.0.' "$DL_DIR/decoy.json" || { echo "FAIL: no src_ips"; fails=$((fails + 1)); }
[ "$(grep -o '"campaign_id":[0-9]*' "$DL_DIR/decoy.json" | sort -u | wc -l)" = 1 ] ||
    { echo "FAIL: not one campaign_id"; fails=$((fails + 1)); }

echo "== distributed"
for a in 11 12 13; do ip -n "$S" addr add 198.18.0.$a/24 dev "$DL_SV"; done
dl_capture_start distributed
ip netns exec "$S" $NM -sS -S 198.18.0.11 -e "$DL_SV" -p 1-70 $TG >/dev/null 2>&1 &
p1=$!
ip netns exec "$S" $NM -sS -S 198.18.0.12 -e "$DL_SV" -p 71-140 $TG >/dev/null 2>&1 &
p2=$!
ip netns exec "$S" $NM -sS -S 198.18.0.13 -e "$DL_SV" -p 141-210 $TG >/dev/null 2>&1
wait $p1 $p2
dl_capture_stop
detect distributed || fails=$((fails + 1))
# each source reported with its own share of the ports, tied by one campaign_id
for a in 11 12 13; do
    dl_check "$DL_DIR/distributed.json" 3 src_ip=198.18.0.$a event=distributed_portscan \
        dst_ip=$TG scan_type=syn ports_probed~66-72 || fails=$((fails + 1))
done
[ "$(grep -o '"campaign_id":[0-9]*' "$DL_DIR/distributed.json" | sort -u | wc -l)" = 1 ] ||
    { echo "FAIL: not one campaign_id"; fails=$((fails + 1)); }

echo "== slow (-T1 and -T0 spacing)"
dl_capture_start slowsrc
ip netns exec "$S" $NM -sS --max-parallelism 1 -p 1000-1019 $TG >/dev/null 2>&1
dl_capture_stop
# re-time the capture: each probe from the scanner (and what follows it) GAP seconds apart
retime() { # IN OUT GAP
    /usr/bin/python3 - "$@" <<'PY'
import struct, sys
src, dst, gap = sys.argv[1], sys.argv[2], float(sys.argv[3])
data = open(src, "rb").read()
hdr, off, out = data[:24], 24, [data[:24]]
le = hdr[:4] == b"\xd4\xc3\xb2\xa1"
fmt = "<IIII" if le else ">IIII"
linktype = struct.unpack(fmt[0] + "I", hdr[20:24])[0]
base, n, t, seen = None, -1, 0.0, set()
while off + 16 <= len(data):
    sec, usec, incl, orig = struct.unpack(fmt, data[off:off + 16])
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ts = sec + usec / 1e6
    if base is None:
        base = ts
    # Ethernet + IPv4 + TCP SYN from 198.18.0.1 to a port not probed yet: a new probe (a
    # retransmission, which nmap sends when a machine is loaded, keeps its probe's slot:
    # otherwise 21 slots would stretch the scan past the detector's window)
    if len(pkt) >= 48 and pkt[12:14] == b"\x08\x00" and pkt[26:30] == bytes([198, 18, 0, 1]) \
            and pkt[23] == 6 and (pkt[14 + (pkt[14] & 15) * 4 + 13] & 0x12) == 0x02:
        tcp = 14 + (pkt[14] & 15) * 4
        dport = pkt[tcp + 2] << 8 | pkt[tcp + 3]
        if dport not in seen:
            seen.add(dport)
            n += 1
    t = base + max(n, 0) * gap + (ts - base) % 0.5
    out.append(struct.pack(fmt, int(t), int((t % 1) * 1e6), incl, orig) + pkt)
open(dst, "wb").write(b"".join(out))
print(len(seen))
PY
}
# the detector must count the distinct ports on the wire: 20 unless the capture missed one
nports=$(retime "$DL_DIR/slowsrc.pcap" "$DL_DIR/slowT1.pcap" 15)
retime "$DL_DIR/slowsrc.pcap" "$DL_DIR/slowT0.pcap" 300 >/dev/null
[ "$nports" -ge 19 ] || { echo "FAIL: the capture holds SYNs to $nports ports of 20"; fails=$((fails + 1)); }
for n in slowT1 slowT0; do
    detect $n || fails=$((fails + 1))
    dl_check "$DL_DIR/$n.json" 1 event=portscan src_ip=$SC dst_ip=$TG scan_type=syn \
        ports_probed=$nports || fails=$((fails + 1))
done

echo "== truncated"
dl_capture_start trunc
ip netns exec "$S" $NM -sS -p 1-200 $TG >/dev/null 2>&1
dl_capture_stop
size=$(stat -c %s "$DL_DIR/trunc.pcap")
head -c $((size * 2 / 3 + 7)) "$DL_DIR/trunc.pcap" >"$DL_DIR/cut.pcap"
detect cut
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: exit $rc for a truncated capture"; fails=$((fails + 1)); }
grep -q "cut.pcap: read error after [0-9]* frames" "$DL_DIR/cut.err" ||
    { echo "FAIL: no clear error"; fails=$((fails + 1)); }
dl_check "$DL_DIR/cut.json" 1 event=portscan src_ip=$SC scan_type=syn || fails=$((fails + 1))
head -c 100 /dev/urandom >"$DL_DIR/junk.pcap"
detect junk
rc=$?
[ $rc -eq 2 ] || { echo "FAIL: exit $rc for a junk capture"; fails=$((fails + 1)); }

echo
[ $fails -eq 0 ] && echo "all group/slow/truncation checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
