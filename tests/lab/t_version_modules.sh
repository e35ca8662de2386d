#!/usr/bin/env bash
# timeout: 90
# -sV beyond the probe file, on real Debian daemons in one loopback-only namespace, with
# nmap -sV on the same ports in the same test (same or better on every port):
#  - net-snmp's smux on 199/tcp serves one connection at a time: portreeve must notice that
#    speculative probes are left waiting and redo them one after another ("smux Linux SNMP
#    multiplexer", as nmap).
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup svm "$@"
PY=/usr/bin/python3
for b in /usr/sbin/snmpd /usr/bin/nmap; do
    [ -x "$b" ] || { echo "skip: $b missing (make deps)"; exit 77; }
done
chmod 755 "$W"

# snmpd: SMUX on 127.0.0.1:199 (lab.sh runs it with -smux), SNMP on udp 161.
mkdir -p "$W/snmp"
cat >"$W/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:161
smuxsocket 127.0.0.1
rocommunity public default
CONF
in_ns env SNMP_PERSISTENT_DIR="$W/snmp" MIBS= timeout 120 /usr/sbin/snmpd -f -Lf "$W/snmpd.log" \
    -C -c "$W/snmpd.conf" -p "$W/snmpd.pid" &
pids+=($!)

TCP=199 UDP=
wait_listen() { # proto port
    for _ in $(seq 100); do
        in_ns ss -ln"$1" | grep -q "127.0.0.1:$2 \|0.0.0.0:$2 \|\*:$2 " && return 0
        sleep 0.1
    done
    echo "FAIL: nothing listens on $2/$1"; return 1
}
wait_listen t 199 || exit 1

ports="T:$TCP${UDP:+,U:$UDP}"
start=$SECONDS
( in_ns nmap -n -Pn -sS ${UDP:+-sU} -sV -p "$ports" 127.0.0.1 -oX "$W/nmap.xml" >"$W/nmap.txt" 2>&1
  echo "$? $((SECONDS - start))" >"$W/nmap.rc" ) &
nmap_pid=$!
start=$SECONDS
in_ns "$PORTREEVE" scan -n -Pn -sS ${UDP:+-sU} -sV -p "$ports" 127.0.0.1 -oX "$W/pr.xml" \
    >"$W/pr.txt" 2>&1 || { echo "FAIL: portreeve -sV exited non-zero"; cat "$W/pr.txt"; exit 1; }
t_pr=$((SECONDS - start))
wait "$nmap_pid"
read -r nrc t_nmap <"$W/nmap.rc"
[ "$nrc" = 0 ] || { echo "FAIL: nmap exited $nrc"; cat "$W/nmap.txt"; exit 1; }
grep -E '^[0-9]+/' "$W/pr.txt"
echo "  portreeve ${t_pr}s, nmap ${t_nmap}s"

svc_of() { # xml proto port -> "name|product|version|extrainfo"
    $PY - "$@" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("port"):
    if p.get("protocol") == sys.argv[2] and p.get("portid") == sys.argv[3]:
        s = p.find("service")
        s = s.attrib if s is not None else {}
        print("|".join(s.get(k, "") for k in ("name", "product", "version", "extrainfo")))
PYEOF
}
same() { # proto port: portreeve says what nmap says
    local n p
    n=$(svc_of "$W/nmap.xml" "$1" "$2") p=$(svc_of "$W/pr.xml" "$1" "$2")
    echo "  $2/$1 nmap: $n  portreeve: $p"
    [ -n "$n" ] && [ "$n" = "$p" ]
}
check "smux on 199/tcp (one connection at a time) identified as nmap does" same tcp 199
check "smux answer is nmap's 'Linux SNMP multiplexer'" \
    grep -q '^smux|Linux SNMP multiplexer|' <(svc_of "$W/pr.xml" tcp 199)
exit $fail
