# svc_servers.sh — extra real servers for the -sV lab tests and bench (sourced after lab_up).
#   svc_servers_up      vsftpd (21), redis (6379), memcached (11211) on target B and
#                       PostgreSQL (5432) on target A, configs and data in $LAB_DIR/svc;
#                       waits (bounded) until they listen. Returns 0, or 77 when a server's
#                       Debian package is missing (tests skip).
#   SVC_PORTS_A, SVC_PORTS_B   the -p lists of every service on A and B (TCP and UDP)
# lab_down stops them with everything else in the namespaces.
SVC_PORTS_A="T:22,53,80,443,5432,U:53,123,161"
SVC_PORTS_B="T:21,53,2222,6379,8080,8443,11211"

svc_servers_up() {
    local d=$LAB_DIR/svc pgbin
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    for b in /usr/sbin/vsftpd /usr/bin/redis-server /usr/bin/memcached "$pgbin/postgres"; do
        [ -x "$b" ] || { echo "svc_servers: $b missing (Debian packages vsftpd redis-server memcached postgresql)"; return 77; }
    done
    mkdir -p "$d/ftp-empty" "$d/pg"
    chmod 755 "$d" "$d/ftp-empty"
    cat >"$d/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=$LAB_B
listen_port=21
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
secure_chroot_dir=$d/ftp-empty
anon_root=$d/ftp-empty
xferlog_enable=NO
seccomp_sandbox=NO
CONF
    lab_exec "$LAB_NS_B" /usr/sbin/vsftpd "$d/vsftpd.conf" >"$d/vsftpd.log" 2>&1 &
    lab_exec "$LAB_NS_B" /usr/bin/redis-server --port 6379 --bind "$LAB_B" --daemonize no \
        --save '' --appendonly no --dir "$d" --protected-mode no --logfile "$d/redis.log" &
    lab_exec "$LAB_NS_B" /usr/bin/memcached -u nobody -l "$LAB_B" -p 11211 -U 0 \
        >"$d/memcached.log" 2>&1 &
    chown postgres "$d/pg"
    if ! runuser -u postgres -- "$pgbin/initdb" -D "$d/pg/data" -A trust -U postgres --no-sync \
        >"$d/initdb.log" 2>&1; then
        echo "svc_servers: initdb failed"; cat "$d/initdb.log"; return 1
    fi
    lab_exec "$LAB_NS_A" runuser -u postgres -- "$pgbin/postgres" -D "$d/pg/data" -k "$d/pg" \
        -h "$LAB_A" -p 5432 -c fsync=off >"$d/pg.log" 2>&1 &
    local t
    for t in $(seq 1 100); do
        if lab_exec "$LAB_NS_B" ss -lnt | grep -q ":21 " &&
            lab_exec "$LAB_NS_B" ss -lnt | grep -q ":6379 " &&
            lab_exec "$LAB_NS_B" ss -lnt | grep -q ":11211 " &&
            lab_exec "$LAB_NS_A" ss -lnt | grep -q ":5432 "; then
            return 0
        fi
        sleep 0.2
    done
    echo "svc_servers: not every server listens after 20 s"
    lab_exec "$LAB_NS_A" ss -lnt; lab_exec "$LAB_NS_B" ss -lnt
    tail -5 "$d"/*.log
    return 1
}
