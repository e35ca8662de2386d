#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# -sV past nmap's probe file (issue 17), on real Debian daemons started here from
# temporary configs in one loopback-only namespace, with nmap -sV on the same ports in
# the same test: for every port both answers are printed, and portreeve's must be the
# expected one and the same as nmap's or better (nmap: unidentified, or the backend
# where portreeve names the proxy in front of it).
#   nats-server (4222)  NATS INFO line          nats nats-server <version> (go...)
#   beanstalkd (11300)  stats                   beanstalkd beanstalkd <version>
#   pgbouncer (6432)    startup ErrorResponse   pgbouncer PgBouncer (no backend needed)
#   prosody (5222/5269) stream open             jabber Prosody Jabber client/server
#   git daemon (9418)   upload-pack pkt-line    git git daemon
#   varnishd (6081) and haproxy (8081) in front of nginx (8080): the proxy as product,
#                       "backend: nginx <version>" as extrainfo (nmap: nginx)
#   privoxy (8118)      its 400 and p.p page    http-proxy Privoxy http proxy <version>
#   node (3000, when installed)  its bare 400   http Node.js
# Both scanners run with --version-light: at full intensity nmap 7.93 needs about 160 s
# here (beanstalkd and privoxy hold every probe without a newline to its timeout) and
# gives the same answers on these ports (docs/svc.md).
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup svx "$@"
# varnishd and prosody leave children: on exit, every process in the namespace goes.
trap 'kill $(ip netns pids "$NS") 2>/dev/null; ns_test_cleanup' EXIT
for b in /usr/bin/nmap /usr/sbin/nats-server /usr/bin/beanstalkd /usr/sbin/pgbouncer \
    /usr/bin/prosody /usr/bin/git /usr/sbin/varnishd /usr/sbin/haproxy /usr/sbin/privoxy \
    /usr/sbin/nginx; do
    [ -x "$b" ] || { echo "skip: $b missing (make deps)"; exit 77; }
done
chmod 755 "$W"
mkdir -p "$W/www" "$W/nginx" "$W/git" "$W/pgb" "$W/pros/data" "$W/varnish" "$W/privoxy"
echo hello >"$W/www/index.html"
spawn() { # log command...: a daemon in the namespace, at most 100 s
    local log=$1
    shift
    ip netns exec "$NS" timeout 100 "$@" >"$log" 2>&1 &
    pids+=($!)
}

cat >"$W/nginx.conf" <<CONF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $W/nginx/body; proxy_temp_path $W/nginx/proxy;
    fastcgi_temp_path $W/nginx/fcgi; uwsgi_temp_path $W/nginx/uwsgi; scgi_temp_path $W/nginx/scgi;
    server { listen 127.0.0.1:8080; root $W/www; }
}
CONF
spawn "$W/nginx.log" /usr/sbin/nginx -e "$W/nginx-error.log" -g 'daemon off;' -c "$W/nginx.conf"
spawn "$W/varnish.log" /usr/sbin/varnishd -F -a 127.0.0.1:6081 -b 127.0.0.1:8080 -n "$W/varnish" \
    -s malloc,16m
spawn "$W/nats.log" /usr/sbin/nats-server -a 127.0.0.1 -p 4222
spawn "$W/bs.log" /usr/bin/beanstalkd -l 127.0.0.1 -p 11300 -u nobody

printf '"lab" ""\n' >"$W/pgb/users.txt"
cat >"$W/pgb/pgb.ini" <<CONF
[databases]
lab = host=127.0.0.1 port=5432 dbname=lab
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = $W/pgb/users.txt
logfile = $W/pgb/pgb.log
CONF
chown -R nobody "$W/pgb"
spawn "$W/pgb/out.log" runuser -u nobody -- /usr/sbin/pgbouncer "$W/pgb/pgb.ini"

cat >"$W/pros/prosody.cfg.lua" <<CONF
pidfile = "$W/pros/prosody.pid"
data_path = "$W/pros/data"
log = { info = "$W/pros/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { 5222 }
s2s_ports = { 5269 }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "dialback" }
VirtualHost "xmpp.lab.test"
CONF
chown -R prosody "$W/pros"
spawn "$W/pros/out.log" runuser -u prosody -- /usr/bin/prosody --config "$W/pros/prosody.cfg.lua" -F

git init -q --bare "$W/git/lab.git" && chown -R nobody "$W/git"
spawn "$W/git.log" runuser -u nobody -- /usr/bin/git daemon --listen=127.0.0.1 --port=9418 \
    --base-path="$W/git" --export-all --reuseaddr

cat >"$W/haproxy.cfg" <<CONF
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend web
    bind 127.0.0.1:8081
    default_backend nginx
backend nginx
    server s1 127.0.0.1:8080
CONF
spawn "$W/haproxy.log" /usr/sbin/haproxy -db -f "$W/haproxy.cfg"

printf 'confdir /etc/privoxy\nlogdir %s\nlisten-address 127.0.0.1:8118\n' "$W/privoxy" \
    >"$W/privoxy/config"
spawn "$W/privoxy/out.log" /usr/sbin/privoxy --no-daemon "$W/privoxy/config"

TCP=4222,11300,6432,5222,5269,9418,6081,8080,8081,8118
node=0
if [ -x /usr/bin/node ]; then
    node=1 TCP=$TCP,3000
    spawn "$W/node.log" /usr/bin/node -e \
        'require("http").createServer((q, s) => s.end("hi\n")).listen(3000, "127.0.0.1")'
fi

for p in ${TCP//,/ }; do # varnishd compiles its VCL first: allow 30 s
    for _ in $(seq 300); do
        in_ns ss -lnt | grep -q "127.0.0.1:$p " && continue 2
        sleep 0.1
    done
    echo "FAIL: nothing listens on 127.0.0.1:$p"
    tail -n 3 "$W"/*.log "$W"/*/*.log
    exit 1
done

start=$SECONDS
( in_ns nmap -n -Pn -sS -sV --version-light -p "$TCP" 127.0.0.1 -oX "$W/nmap.xml" >"$W/nmap.txt" 2>&1
  echo "$? $((SECONDS - start))" >"$W/nmap.rc" ) &
nmap_pid=$!
in_ns "$PORTREEVE" scan -n -Pn -sS -sV --version-light -p "$TCP" 127.0.0.1 -oX "$W/pr.xml" \
    >"$W/pr.txt" 2>&1 || { echo "FAIL: portreeve -sV exited non-zero"; cat "$W/pr.txt"; exit 1; }
t_pr=$((SECONDS - start))
wait "$nmap_pid"
read -r nrc t_nmap <"$W/nmap.rc"
[ "$nrc" = 0 ] || { echo "FAIL: nmap exited $nrc"; cat "$W/nmap.txt"; exit 1; }
echo "  portreeve ${t_pr}s, nmap ${t_nmap}s (--version-light, at the same time)"

svc_of() { # xml port -> "name|product|version|extrainfo|method"
    /usr/bin/python3 - "$@" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
for p in ET.parse(sys.argv[1]).getroot().iter("port"):
    if p.get("protocol") == "tcp" and p.get("portid") == sys.argv[2]:
        s = p.find("service")
        s = s.attrib if s is not None else {}
        print("|".join(s.get(k, "") for k in ("name", "product", "version", "extrainfo", "method")))
PYEOF
}
upstream() { dpkg-query -W -f '${Version}' "$1" | sed 's/^[0-9]*://; s/-[^-]*$//; s/[+~].*//'; }
# port expected-regex backend: portreeve's answer matches expected-regex (name|product|
# version|extrainfo|method), and nmap's is the same, unidentified (method table), or (for a
# proxy) the backend portreeve names.
better() {
    local n p
    n=$(svc_of "$W/nmap.xml" "$1") p=$(svc_of "$W/pr.xml" "$1")
    echo "  $1/tcp nmap: $n"
    echo "  $1/tcp ours: $p"
    grep -Eqx -- "$2" <<<"$p" || { echo "  (expected $2)"; return 1; }
    [ "$n" = "$p" ] || [ "${n##*|}" = table ] || { [ -n "$3" ] && [ "$n" = "$3" ]; }
}
esc() { sed 's/[.]/\\./g' <<<"$1"; }
ngx=$(upstream nginx-light)
vv=$(upstream varnish | cut -d. -f1-2)
check "NATS: 4222 is nats nats-server $(upstream nats-server) (Go version)" \
    better 4222 "nats\|nats-server\|$(esc "$(upstream nats-server)")\|go[0-9.]+\|probed" ""
check "beanstalkd: 11300 is beanstalkd $(upstream beanstalkd)" \
    better 11300 "beanstalkd\|beanstalkd\|$(esc "$(upstream beanstalkd)")\|\|probed" ""
check "PgBouncer: 6432 is pgbouncer PgBouncer" better 6432 'pgbouncer\|PgBouncer\|\|\|probed' ""
check "Prosody: 5222 is jabber Prosody Jabber client" \
    better 5222 'jabber\|Prosody Jabber client\|\|\|probed' ""
check "Prosody: 5269 is jabber Prosody Jabber server" \
    better 5269 'jabber\|Prosody Jabber server\|\|\|probed' ""
check "git daemon: 9418 is git git daemon" better 9418 'git\|git daemon\|\|\|probed' ""
check "nginx alone: 8080 is nginx $ngx for both" \
    better 8080 "http\|nginx\|$(esc "$ngx")\|\|probed" "x"
check "Varnish: 6081 is Varnish http accelerator $vv, backend nginx $ngx (nmap: nginx)" \
    better 6081 "http\|Varnish http accelerator\|$(esc "$vv")\|backend: nginx $(esc "$ngx")\|probed" \
    "http|nginx|$ngx||probed"
check "HAProxy: 8081 is HAProxy http proxy, backend nginx $ngx (nmap: nginx)" \
    better 8081 "http\|HAProxy http proxy\|\|backend: nginx $(esc "$ngx")\|probed" \
    "http|nginx|$ngx||probed"
check "Privoxy: 8118 is http-proxy Privoxy http proxy $(upstream privoxy)" \
    better 8118 "http-proxy\|Privoxy http proxy\|$(esc "$(upstream privoxy)")\|\|probed" ""
if [ $node = 1 ]; then
    check "Node.js: 3000 is http Node.js" better 3000 'http\|Node\.js\|\|\|probed' ""
fi
exit $fail
