#!/usr/bin/env bash
# t_detect_scans.sh — `portreeve detect -r` on captures made here of real scans (nmap -sT -sS
# -sF -sN -sX -sU -sA -sM -sO, masscan, zmap, hping3, an echo sweep, IPv6 -sS): each yields exactly one scan of the right
# technique, class, source, target and tool guess; nmap -sT then -sS from one source (and the
# reverse) yields two scans, each with its own type, ports, open ports and times; benign
# traffic yields none.
# timeout: 240
# parallel: yes
set -u
PR=${1:?usage: t_detect_scans.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
for t in nmap masscan zmap hping3; do command -v $t >/dev/null || dl_skip "needs $t"; done
dl_up || exit 1
S=$DL_S T=$DL_T SC=$DL_SCANNER TG=$DL_TARGET
fails=0

# open ports 22 and 80 on the target so that handshakes and half-open closes are seen
dl_http "$T" 0.0.0.0 80
dl_http "$T" 0.0.0.0 22
dl_wait_port "$T" 80 && dl_wait_port "$T" 22 || { echo "servers did not start"; exit 1; }

# run NAME EXPECT_COUNT FIELDS... -- COMMAND...: capture COMMAND, detect, check
run() {
    local name=$1 count=$2; shift 2
    local fields=()
    while [ "$1" != -- ]; do fields+=("$1"); shift; done
    shift
    dl_capture_start "$name"
    "$@" >"$DL_DIR/$name.out" 2>&1
    dl_capture_stop
    echo "== $name: $(tcpdump -r "$DL_DIR/$name.pcap" 2>/dev/null | wc -l) packets"
    "$PR" detect -q -r "$DL_DIR/$name.pcap" --alerts "$DL_DIR/$name.json" >"$DL_DIR/$name.sum"
    local rc=$?
    cat "$DL_DIR/$name.sum"
    if [ $rc -ne 0 ]; then echo "  FAIL: detect exited $rc"; fails=$((fails + 1)); return; fi
    dl_check "$DL_DIR/$name.json" "$count" "${fields[@]}" || fails=$((fails + 1))
}

P=1-200
NM="ip netns exec $S nmap -n -Pn -T4 --max-retries 1"
common=(event=portscan src_ip=$SC dst_ip=$TG)
run nmap_sT 1 "${common[@]}" scan_type=connect tool_guess=unknown -- $NM -sT -p $P $TG
run nmap_sS 1 "${common[@]}" scan_type=syn tool_guess=nmap -- $NM -sS -p $P $TG
run nmap_sF 1 "${common[@]}" scan_type=fin tool_guess=nmap detector=flags -- $NM -sF -p $P $TG
run nmap_sN 1 "${common[@]}" scan_type=null tool_guess=nmap detector=flags -- $NM -sN -p $P $TG
run nmap_sX 1 "${common[@]}" scan_type=xmas tool_guess=nmap detector=flags -- $NM -sX -p $P $TG
run nmap_sA 1 "${common[@]}" scan_type=ack tool_guess=nmap -- $NM -sA -p $P $TG
run nmap_sM 1 "${common[@]}" scan_type=maimon tool_guess=nmap -- $NM -sM -p $P $TG
run nmap_sO 1 "${common[@]}" scan_type=ipproto tool_guess=nmap -- $NM -sO -p 1-60 $TG
run nmap_sU 1 "${common[@]}" scan_type=udp tool_guess=nmap -- $NM -sU -p 1-20 $TG
# masscan never exits on a quiet link: bounded by timeout, its own --wait and the port list
run masscan 1 "${common[@]}" scan_type=syn tool_guess=masscan -- \
    ip netns exec $S timeout 20 masscan -p$P $TG --rate 500 --wait 1 --interface $DL_SV \
    --adapter-ip $SC --router-mac $DL_TMAC
: >"$DL_DIR/empty"
# 64 hosts: the hosts seen before detection are estimated from a 512-bit hashed set
# (linear counting), whose collisions make 56-72 the range to expect (~1 in 25000 outside)
run zmap 1 event=portsweep src_ip=$SC dst_ips_count~56-72 scan_type=syn tool_guess=zmap -- \
    ip netns exec $S timeout 30 zmap -q -M tcp_synscan -p 80 -i $DL_SV -S $SC -G $DL_TMAC \
    -b "$DL_DIR/empty" -c 1 -r 500 198.18.1.0/26
run hping3 1 "${common[@]}" scan_type=syn tool_guess=unknown -- \
    ip netns exec $S timeout 20 hping3 -q -S -p ++1 -c 50 -i u5000 $TG
# an ICMP echo sweep of 64 addresses, and an IPv6 SYN scan
run nmap_sn 1 event=hostsweep scan_type=icmp src_ip=$SC dst_ips_count~56-72 -- \
    ip netns exec $S nmap -n -sn -PE --max-retries 1 198.18.1.0/26
run nmap_6 1 event=portscan scan_type=syn src_ip=2001:2::1 dst_ip=2001:2::2 tool_guess=nmap -- \
    $NM -6 -sS -p $P 2001:2::2

# a connect scan then a SYN scan of the same ports from one source, and the reverse: two
# scans in that order, each of its own type, with about the 200 ports, 22 and 80 open, the
# second starting after the first's last probe
two_scans() { # FILE TYPE1 TYPE2
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2:]
last = {}
for l in open(path):
    a = json.loads(l)
    last[a["scan_id"]] = a
scans = [last[k] for k in sorted(last)]
got = [a["scan_type"] for a in scans]
print(f"  scan types in order: {got}")
ok = got == want
for a in scans:
    print(f"    {a['scan_type']}: ports_probed {a['ports_probed']}, open {a.get('open_ports_seen')}, "
          f"{a['first_seen']} .. {a['last_seen']}, phase {a['phase']}")
    ok &= 190 <= a["ports_probed"] <= 210 and sorted(a.get("open_ports_seen") or []) == [22, 80]
    ok &= a["src_ip"] == "198.18.0.1" and a["dst_ip"] == "198.18.0.2" and a["phase"] == "end"
ok &= len(scans) == 2 and scans[1]["first_seen"] > scans[0]["last_seen"]
ok &= len(scans) == 2 and scans[0]["incident_id"] == scans[1]["incident_id"]
print("  ok" if ok else "  FAIL: expected two scans " + " then ".join(want) +
      ", 190-210 ports each, open [22, 80], one incident")
sys.exit(0 if ok else 1)
PY
}
for pair in "sT sS connect syn" "sS sT syn connect"; do
    set -- $pair
    run nmap_$1_$2 2 src_ip=$SC scan_type=$3 -- sh -c "$NM -$1 -p $P $TG && $NM -$2 -p $P $TG"
    two_scans "$DL_DIR/nmap_$1_$2.json" $3 $4 || fails=$((fails + 1))
done

# a BPF filter applies to -r: without the scanner's packets there is nothing to report
"$PR" detect -q -r "$DL_DIR/nmap_sS.pcap" --alerts "$DL_DIR/filtered.json" "not host $SC" \
    >/dev/null || fails=$((fails + 1))
echo "== BPF filter 'not host $SC'"
dl_check "$DL_DIR/filtered.json" 0 || fails=$((fails + 1))
"$PR" detect -q -r "$DL_DIR/nmap_sS.pcap" -f "tcp and (" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: a bad filter should exit 2"; fails=$((fails + 1)); }

# Benign: a web server under load (wrk) and several HTTP clients, DNS lookups, ssh sessions, one client visiting
# several web servers on 80 and 443, and a burst of attempts to a single closed port.
dl_http "$T" 198.18.1.1 443
dl_http "$T" 198.18.1.2 443
dl_wait_port "$T" 443
if command -v dnsmasq >/dev/null; then
    dl_bg "$T" dnsmasq --no-daemon --keep-in-foreground --port=53 --listen-address=$TG \
        --bind-interfaces --no-resolv --no-hosts --address=/lab.test/$TG --pid-file= \
        --user=root >/dev/null 2>&1
fi
cat >"$DL_DIR/benign.py" <<'PY'
import http.client, socket, struct, sys, threading, random, time
tg = sys.argv[1]
def web(n, host, port):
    for _ in range(n):
        try:
            c = http.client.HTTPConnection(host, port, timeout=2)
            c.request("GET", "/"); c.getresponse().read(); c.close()
        except OSError:
            pass
def dns(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
    for i in range(n):
        name = b"".join(bytes([len(p)]) + p for p in [b"www%d" % (i % 5), b"lab", b"test"]) + b"\0"
        q = struct.pack(">HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + name + b"\0\1\0\1"
        try:
            s.sendto(q, (tg, 53)); s.recv(512)
        except OSError:
            pass
def closed(n):
    for _ in range(n):
        try:
            socket.create_connection((tg, 9999), timeout=1).close()
        except OSError:
            pass
        time.sleep(0.01)
ts = [threading.Thread(target=web, args=(40, tg, 80)) for _ in range(4)]
ts += [threading.Thread(target=web, args=(5, h, p)) for h in ("198.18.1.1", "198.18.1.2", "198.18.1.3") for p in (80, 443)]
ts += [threading.Thread(target=dns, args=(30,)), threading.Thread(target=closed, args=(40,))]
for t in ts: t.start()
for t in ts: t.join()
PY
# ssh sessions (a real sshd on port 2222, key login), alongside the clients above
ssh_sessions() { :; }
if [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null; then
    ssh-keygen -q -t ed25519 -N '' -f "$DL_DIR/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$DL_DIR/userkey"
    cp "$DL_DIR/userkey.pub" "$DL_DIR/authorized_keys"
    mkdir -p /run/sshd
    dl_bg "$T" /usr/sbin/sshd -D -e -f /dev/null -h "$DL_DIR/hostkey" -p 2222 \
        -o ListenAddress=$TG -o PermitRootLogin=yes -o StrictModes=no -o UsePAM=no \
        -o AuthorizedKeysFile="$DL_DIR/authorized_keys" -o PidFile=none 2>"$DL_DIR/sshd.log"
    dl_wait_port "$T" 2222 && ssh_sessions() {
        local i
        for i in 1 2 3 4 5; do
            ip netns exec "$S" ssh -q -i "$DL_DIR/userkey" -p 2222 -o BatchMode=yes \
                -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@$TG \
                'echo session; head -c 20000 /dev/zero' >/dev/null 2>&1
        done
    }
fi
benign() {
    ssh_sessions &
    local sp=$! wp=
    if command -v wrk >/dev/null; then # a web server under load from 8 connections
        ip netns exec "$S" timeout 20 wrk -t 2 -c 8 -d 3s http://$TG/ >"$DL_DIR/wrk.out" 2>&1 &
        wp=$!
    fi
    ip netns exec "$S" timeout 60 /usr/bin/python3 "$DL_DIR/benign.py" $TG
    wait $sp $wp
}
run benign 0 -- benign

echo
[ $fails -eq 0 ] && echo "all detect scan checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
