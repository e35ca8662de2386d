#!/usr/bin/env bash
# timeout: 90
# parallel: yes
# -sV beyond the probe file, on real Debian daemons in one loopback-only namespace, with
# nmap -sV on the same ports in the same test (same or better on every port):
#  - net-snmp's smux on 199/tcp serves one connection at a time: portreeve must notice that
#    speculative probes are left waiting and redo them one after another ("smux Linux SNMP
#    multiplexer", as nmap).
#  - rpcbind (111 tcp/udp) and rpc.statd (32765 tcp/udp): the portmapper's program list
#    names the ports, "rpcbind 2-4 (RPC #100000)" and "status 1 (RPC #100024)" as nmap's
#    rpcinfo script does (the probe file alone says rpcbind for both).
#  - mosquitto (1883): $SYS/broker/version as nmap's mqtt-subscribe reads it; nmap puts
#    "mosquitto version X" in the service name, portreeve gives mqtt, product mosquitto,
#    version X (better: the name stays a service name).
#  - snmpd (161/udp): SNMPv3 engine discovery, the enterprise of the engine ID named from
#    nmap's enterprise_numbers.txt: "...; net-snmp SNMPv3 server" as nmap's snmp-info.
#  - rabbitmq-server (5672), when it listens within 15 s of its start (else that check is
#    skipped): Connection.Start's server properties, "RabbitMQ 3.10.8 (0-9)" as amqp-info.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup svm "$@"
# Erlang's epmd daemonises: on exit, every process left in the namespace goes too.
trap 'kill $(ip netns pids "$NS") 2>/dev/null; ns_test_cleanup' EXIT
PY=/usr/bin/python3
for b in /usr/sbin/snmpd /usr/bin/nmap /usr/sbin/rpcbind /usr/sbin/rpc.statd \
    /usr/sbin/mosquitto; do
    [ -x "$b" ] || { echo "skip: $b missing (make deps)"; exit 77; }
done
chmod 755 "$W"

# RabbitMQ first: it takes longest to start (Erlang VM); state and cookie under $W.
rmq=0
if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    rmq=1
    mkdir -p "$W/rmq/home" "$W/rmq/mnesia" "$W/rmq/log"
    echo "listeners.tcp.default = 127.0.0.1:5672" >"$W/rmq/rabbitmq.conf"
    rmq_t0=$SECONDS
    ip netns exec "$NS" env HOME="$W/rmq/home" RABBITMQ_NODENAME=rabbit@localhost \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE="$W/rmq/mnesia" \
        RABBITMQ_LOG_BASE="$W/rmq/log" RABBITMQ_CONFIG_FILE="$W/rmq/rabbitmq" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$W/rmq/plugins" RABBITMQ_PID_FILE="$W/rmq/pid" \
        ERL_EPMD_ADDRESS=127.0.0.1 timeout 120 /usr/lib/rabbitmq/bin/rabbitmq-server \
        >"$W/rmq/out.log" 2>&1 &
    pids+=($!)
fi

# Daemons run through ip netns exec, not the in_ns function, so that the pid in pids is
# the daemon's timeout (killed on exit), not a subshell.
# snmpd twice: SMUX on 127.0.0.1:199 (lab.sh runs it with -smux), and SNMP on udp 161 in
# a second instance (a held SMUX connection blocks the whole single-threaded agent).
mkdir -p "$W/snmp" "$W/snmp2"
cat >"$W/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:1161
smuxsocket 127.0.0.1
CONF
cat >"$W/snmpd2.conf" <<CONF
agentaddress udp:127.0.0.1:161
rocommunity public default
CONF
ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$W/snmp" MIBS= timeout 120 /usr/sbin/snmpd -f \
    -Lf "$W/snmpd.log" -C -c "$W/snmpd.conf" -p "$W/snmpd.pid" &
pids+=($!)
ip netns exec "$NS" env SNMP_PERSISTENT_DIR="$W/snmp2" MIBS= timeout 120 /usr/sbin/snmpd -f -I \
    -smux -Lf "$W/snmpd2.log" -C -c "$W/snmpd2.conf" -p "$W/snmpd2.pid" &
pids+=($!)

# rpcbind and rpc.statd in a private mount namespace whose /run is a tmpfs (rpcbind's
# socket and lock are /run/rpcbind.sock and /run/rpcbind.lock: the host's stay untouched).
mkdir -p "$W/statd/sm" "$W/statd/sm.bak"
chown -R statd "$W/statd" 2>/dev/null
cat >"$W/rpc.sh" <<'SH'
mount -t tmpfs none /run && mkdir -p /run/rpcbind && chown _rpc /run/rpcbind || exit 1
/usr/sbin/rpcbind -f -w & rp=$!
for _ in $(seq 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
/usr/sbin/rpc.statd -F -L -P "$1" -p 32765 -o 32766 & sp=$!
trap 'kill $rp $sp' EXIT TERM
wait
SH
ip netns exec "$NS" unshare -m --propagation private timeout 120 bash "$W/rpc.sh" "$W/statd" >"$W/rpc.log" 2>&1 &
pids+=($!)

cat >"$W/mosquitto.conf" <<CONF
listener 1883 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
CONF
ip netns exec "$NS" timeout 120 /usr/sbin/mosquitto -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
pids+=($!)

TCP=199,111,32765,1883 UDP=111,32765,161
wait_listen() { # proto port
    for _ in $(seq 100); do
        in_ns ss -ln"$1" | grep -q "127.0.0.1:$2 \|0.0.0.0:$2 \|\*:$2 " && return 0
        sleep 0.1
    done
    echo "FAIL: nothing listens on $2/$1"; return 1
}
wait_listen t 199 && wait_listen u 161 && wait_listen t 111 && wait_listen t 32765 && wait_listen t 1883 || { cat "$W/rpc.log"; exit 1; }

if [ $rmq = 1 ]; then
    while [ $((SECONDS - rmq_t0)) -lt 15 ] && ! in_ns ss -lnt | grep -q "127.0.0.1:5672 "; do
        sleep 0.2
    done
    if in_ns ss -lnt | grep -q "127.0.0.1:5672 "; then
        TCP=$TCP,5672
        echo "  rabbitmq-server listens after $((SECONDS - rmq_t0)) s"
    else
        rmq=0
        echo "  rabbitmq-server does not listen after 15 s: its check is skipped"
    fi
fi

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
for p in tcp/111 udp/111 tcp/32765 udp/32765; do
    check "rpcinfo: $p named as nmap names it" same "${p%/*}" "${p#*/}"
done
check "rpcinfo: 111/tcp is rpcbind 2-4 (RPC #100000)" \
    grep -qx 'rpcbind||2-4|RPC #100000' <(svc_of "$W/pr.xml" tcp 111)
check "rpcinfo: rpc.statd's 32765/udp is status 1 (RPC #100024)" \
    grep -qx 'status||1|RPC #100024' <(svc_of "$W/pr.xml" udp 32765)
mqtt_better() {
    local n p
    n=$(svc_of "$W/nmap.xml" tcp 1883) p=$(svc_of "$W/pr.xml" tcp 1883)
    echo "  1883/tcp nmap: $n  portreeve: $p"
    local v
    v=$(dpkg-query -W -f '${Version}' mosquitto | sed 's/-.*//')
    [ "$p" = "mqtt|mosquitto|$v|" ] && [ "${n%%|*}" = "mosquitto version $v" ]
}
check "snmp: 161/udp as nmap names it (with snmp-info's SNMPv3 engine)" same udp 161
check "snmp: the engine is net-snmp's" grep -q '^snmp|.*net-snmp SNMPv3 server|' <(svc_of "$W/pr.xml" udp 161)
check "mqtt: 1883 is mqtt mosquitto <Debian's upstream version> (nmap: 'mosquitto version' name)" \
    mqtt_better
if [ $rmq = 1 ]; then
    check "amqp: 5672 named as nmap names it" same tcp 5672
    v=$(dpkg-query -W -f '${Version}' rabbitmq-server | sed 's/-.*//')
    check "amqp: 5672 is RabbitMQ $v (0-9)" grep -qx "amqp|RabbitMQ|$v|0-9" \
        <(svc_of "$W/pr.xml" tcp 5672)
fi
exit $fail
