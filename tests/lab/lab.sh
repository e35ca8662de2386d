#!/usr/bin/env bash
# lab.sh — the portreeve namespace lab: a scanner and two target hosts in throwaway network
# namespaces joined by a bridge, real servers from Debian packages, nftables rules that DROP and
# REJECT chosen ports, optional tc netem, and a truth file saying what every port is.
#
# Library:  . tests/lab/lab.sh; lab_up [--netem "loss 10%"] [--no-servers] || exit $?
# CLI:      bash tests/lab/lab.sh up|down|status [PREFIX]
# See tests/lab/README.md for the topology, the port classes and the rules for test writers.
#
# Nothing here has a route out of the machine: every namespace has connected routes only.

# ---------------------------------------------------------------------------------------------
# Single source of truth. Server configs, nftables rules, the listener check and truth.tsv are
# all generated from these variables; change a port here and everything follows.
# A port listed in a firewall class wins over a server listening on it (the rule runs first).
# ---------------------------------------------------------------------------------------------
# shellcheck disable=SC2034 # the variables below are read indirectly (lab__get)
LAB_SCANNER=198.18.0.1
LAB_SCANNER6=2001:2::1
LAB_A=198.18.0.2
LAB_A6=2001:2::2
LAB_B=198.18.0.3
LAB_B6=2001:2::3

# target A: servers
LAB_A_SSH_PORT=22              # openssh sshd
LAB_A_HTTP_PORTS="80 888"      # nginx, plain HTTP (888 is also in LAB_A_TCP_DROP: a filtered service)
LAB_A_HTTPS_PORTS="443"        # nginx, TLS (self-signed)
LAB_A_DNS_PORT=53              # dnsmasq, udp and tcp
LAB_A_SNMP_PORT=161            # snmpd, udp, community "public"
LAB_A_NTP_PORT=123             # ntpsec ntpd, udp, without CAP_SYS_TIME
LAB_A_SILENT_UDP_PORT=514      # python3 UDP sink that never answers (syslog-like): open-silent
# target A: nftables (table inet lab)
LAB_A_TCP_DROP="25 110 139 888"
LAB_A_TCP_RST="21 23 113"              # reject with tcp reset
LAB_A_TCP_UNREACH="135 445 587"        # reject with icmpx type port-unreachable
LAB_A_TCP_ADMIN="111 389 636"          # reject with icmpx type admin-prohibited
LAB_A_UDP_DROP="67 69 137"
LAB_A_UDP_UNREACH="138 500 520"
LAB_A_UDP_ADMIN="111 177 623"

# target B: servers
LAB_B_SSH_PORT=2222
LAB_B_HTTP_PORTS="8080"
LAB_B_HTTPS_PORTS="8443"
LAB_B_DNS_PORT=53
LAB_B_SNMP_PORT=
LAB_B_NTP_PORT=
LAB_B_SILENT_UDP_PORT=
# target B: nftables
LAB_B_TCP_DROP="3306 5432"
LAB_B_TCP_RST="5900"
LAB_B_TCP_UNREACH="6000"
LAB_B_TCP_ADMIN="3389"
LAB_B_UDP_DROP="5060"
LAB_B_UDP_UNREACH="1900"
LAB_B_UDP_ADMIN="5353"
# target B drops every other UDP port of this range (a default-deny UDP firewall), except
# its UDP servers and the ports in LAB_B_UDP_CLOSED, which stay plain closed: a UDP scan of
# 1000+ ports there is mostly open|filtered, with a few ICMP answers to pace
LAB_B_UDP_DROP_OTHER="1-1100"
LAB_B_UDP_CLOSED="7 9 19 37 1000"

LAB_WAIT_SECONDS=${LAB_WAIT_SECONDS:-20} # bound on waiting for servers to listen
LAB_DOWN_HOOKS=()

# ---------------------------------------------------------------------------------------------
# internals (lab__*)
# ---------------------------------------------------------------------------------------------
lab__err() { echo "lab: $*" >&2; }
lab__say() { [ "${LAB_QUIET:-0}" = 1 ] || echo "lab: $*" >&2; }

# lab__get OUT NAME — set variable OUT to the value of variable NAME (indirect, no fork).
lab__get() { printf -v "$1" '%s' "${!2-}"; }

# lab__set_names PREFIX — derive every namespace/interface name from a prefix.
lab__set_names() {
    local p=$1
    LAB_PREFIX=$p
    LAB_NS_SW=${p}w
    LAB_NS_SCAN=${p}s
    LAB_NS_A=${p}a
    LAB_NS_B=${p}b
    LAB_IF_SCAN=${p}s0
    LAB_IF_A=${p}a0
    LAB_IF_B=${p}b0
    LAB_DIR=${LAB_TMP:-/tmp}/portreeve-lab-$p
    LAB_TRUTH=$LAB_DIR/truth.tsv
}

lab__namespaces() { echo "$LAB_NS_SCAN $LAB_NS_A $LAB_NS_B $LAB_NS_SW"; }

lab__ns_exists() { [ -e "/run/netns/$1" ]; }

# lab__join SEP WORDS... — "a, b, c"
lab__join() {
    local sep=$1 out="" w
    shift
    for w in "$@"; do out=${out:+$out$sep}$w; done
    printf '%s' "$out"
}

# lab__services T — "proto port class" for every server of target T (A or B).
lab__services() {
    local t=$1 p http https
    lab__get p "LAB_${t}_SSH_PORT"; [ -n "$p" ] && echo "tcp $p open"
    lab__get http "LAB_${t}_HTTP_PORTS"
    lab__get https "LAB_${t}_HTTPS_PORTS"
    for p in $http $https; do
        echo "tcp $p open"
    done
    lab__get p "LAB_${t}_DNS_PORT"; [ -n "$p" ] && echo "tcp $p open" && echo "udp $p open"
    lab__get p "LAB_${t}_SNMP_PORT"; [ -n "$p" ] && echo "udp $p open"
    lab__get p "LAB_${t}_NTP_PORT"; [ -n "$p" ] && echo "udp $p open"
    lab__get p "LAB_${t}_SILENT_UDP_PORT"; [ -n "$p" ] && echo "udp $p open-silent"
    return 0
}

# lab__firewall T — "proto port class" for every port target T's nftables rules catch.
lab__firewall() {
    local t=$1 proto kind class p ports
    for proto in TCP UDP; do
        for kind in DROP RST UNREACH ADMIN; do
            case $kind in
            DROP) class=drop ;;
            RST) class=reject-rst ;;
            UNREACH) class=reject-port-unreach ;;
            ADMIN) class=reject-admin ;;
            esac
            lab__get ports "LAB_${t}_${proto}_${kind}"
            for p in $ports; do
                echo "${proto,,} $p $class"
            done
        done
    done
}

# lab__drop_other T — "udp port drop" for the default-deny range of target T, and
# "udp port closed" for its exceptions (servers win over both, see lab__classes).
lab__drop_other() {
    local t=$1 range closed lo hi p
    lab__get range "LAB_${t}_UDP_DROP_OTHER"
    [ -n "$range" ] || return 0
    lab__get closed "LAB_${t}_UDP_CLOSED"
    for p in $closed; do echo "udp $p closed"; done
    lo=${range%-*} hi=${range#*-}
    for ((p = lo; p <= hi; p++)); do echo "udp $p drop"; done
}

# lab__classes T — final "proto port class" per port of target T, sorted: the class rules
# win, then the servers, then the default-deny range; plain closed ports are not listed.
lab__classes() {
    local t=$1
    {
        lab__firewall "$t" | sed 's/^/0 /'
        if [ "${LAB_SERVERS:-1}" = 1 ]; then
            lab__services "$t" | sed 's/^/1 /'
        else # the firewall still lets the server ports through: they are closed
            lab__services "$t" | awk '{ print "1", $1, $2, "closed" }'
        fi
        lab__drop_other "$t" | sed 's/^/2 /'
    } | sort -k2,2 -k3,3n -k1,1n | awk '!seen[$2" "$3]++ && $4 != "closed" { print $2, $3, $4 }'
}

# lab__nft_rules T — the nftables ruleset of target T.
lab__nft_rules() {
    local t=$1 proto kind ports verdict
    echo "table inet lab {"
    echo "    chain input {"
    echo "        type filter hook input priority 0; policy accept;"
    for proto in tcp udp; do
        for kind in DROP RST UNREACH ADMIN; do
            lab__get ports "LAB_${t}_${proto^^}_${kind}"
            [ -n "$ports" ] || continue
            case $kind in
            DROP) verdict="drop" ;;
            RST) verdict="reject with tcp reset" ;;
            UNREACH) verdict="reject with icmpx type port-unreachable" ;;
            ADMIN) verdict="reject with icmpx type admin-prohibited" ;;
            esac
            # shellcheck disable=SC2086
            echo "        $proto dport { $(lab__join ', ' $ports) } $verdict"
        done
    done
    local range closed keep
    lab__get range "LAB_${t}_UDP_DROP_OTHER"
    if [ -n "$range" ]; then
        lab__get closed "LAB_${t}_UDP_CLOSED"
        keep="$(lab__services "$t" | awk '$1 == "udp" { print $2 }') $closed"
        # shellcheck disable=SC2086
        echo "        udp dport { $(lab__join ', ' $keep) } accept"
        echo "        udp dport $range drop"
    fi
    echo "    }"
    echo "}"
}

# lab__spawn NS NAME CMD... — start a server inside NS, detached from the caller's `wait`,
# output to $LAB_DIR/NAME.log, pid appended to $LAB_DIR/pids.
lab__spawn() {
    local ns=$1 name=$2
    shift 2
    ip netns exec "$ns" "$@" </dev/null >"$LAB_DIR/$name.log" 2>&1 &
    echo "$! $name" >>"$LAB_DIR/pids"
    disown $! 2>/dev/null
    return 0
}

# lab__start_servers T NS ADDR4 ADDR6 — write configs and start every server of target T.
lab__start_servers() {
    local t=$1 ns=$2 a4=$3 a6=$4 tl=${1,,} p d=$LAB_DIR
    local ssh_port http https dns snmp ntp silent
    lab__get ssh_port "LAB_${t}_SSH_PORT"
    lab__get http "LAB_${t}_HTTP_PORTS"
    lab__get https "LAB_${t}_HTTPS_PORTS"
    lab__get dns "LAB_${t}_DNS_PORT"
    lab__get snmp "LAB_${t}_SNMP_PORT"
    lab__get ntp "LAB_${t}_NTP_PORT"
    lab__get silent "LAB_${t}_SILENT_UDP_PORT"

    if [ -n "$ssh_port" ]; then
        ssh-keygen -q -t ed25519 -N '' -C "host-$tl.lab" -f "$d/$tl-ssh_host_ed25519_key" ||
            return 1
        cat >"$d/$tl-sshd.conf" <<EOF
ListenAddress $a4:$ssh_port
ListenAddress [$a6]:$ssh_port
HostKey $d/$tl-ssh_host_ed25519_key
PidFile $d/$tl-sshd.pid
UsePAM no
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile none
LoginGraceTime 10
EOF
        # sshd needs its privilege-separation directory; systemd normally creates it.
        mkdir -p /run/sshd && chmod 0755 /run/sshd
        lab__spawn "$ns" "$tl-sshd" /usr/sbin/sshd -D -e -f "$d/$tl-sshd.conf"
    fi

    if [ -n "$http$https" ]; then
        mkdir -p "$d/$tl-nginx"
        {
            echo "daemon off;"
            echo "master_process on;"
            echo "worker_processes 1;"
            echo "user www-data;"
            echo "pid $d/$tl-nginx.pid;"
            echo "error_log $d/$tl-nginx-error.log warn;"
            echo "events { worker_connections 512; }"
            echo "http {"
            echo "    access_log off;"
            echo "    default_type text/plain;"
            for p in client_body proxy fastcgi uwsgi scgi; do
                echo "    ${p}_temp_path $d/$tl-nginx/$p;"
            done
            echo "    ssl_certificate $d/tls-cert.pem;"
            echo "    ssl_certificate_key $d/tls-key.pem;"
            echo "    server {"
            for p in $http; do
                echo "        listen $a4:$p;"
                echo "        listen [$a6]:$p;"
            done
            for p in $https; do
                echo "        listen $a4:$p ssl;"
                echo "        listen [$a6]:$p ssl;"
            done
            echo "        server_name host-$tl.lab;"
            echo "        location / { return 200 \"portreeve lab host-$tl\\n\"; }"
            echo "    }"
            echo "}"
        } >"$d/$tl-nginx.conf"
        lab__spawn "$ns" "$tl-nginx" /usr/sbin/nginx -e "$d/$tl-nginx-error.log" -p "$d/" \
            -c "$d/$tl-nginx.conf"
    fi

    if [ -n "$dns" ]; then
        cat >"$d/$tl-dnsmasq.conf" <<EOF
port=$dns
listen-address=$a4
listen-address=$a6
bind-interfaces
no-resolv
no-hosts
no-poll
user=root
pid-file=$d/$tl-dnsmasq.pid
log-facility=$d/$tl-dnsmasq-queries.log
local=/lab/
host-record=scanner.lab,$LAB_SCANNER,$LAB_SCANNER6
host-record=host-a.lab,$LAB_A,$LAB_A6
host-record=host-b.lab,$LAB_B,$LAB_B6
txt-record=info.lab,"portreeve namespace lab"
EOF
        lab__spawn "$ns" "$tl-dnsmasq" /usr/sbin/dnsmasq -k -C "$d/$tl-dnsmasq.conf"
    fi

    if [ -n "$snmp" ]; then
        mkdir -p "$d/$tl-snmp"
        cat >"$d/$tl-snmpd.conf" <<EOF
agentaddress udp:$a4:$snmp,udp6:[$a6]:$snmp
rocommunity public default
rocommunity6 public default
sysName host-$tl.lab
sysLocation portreeve namespace lab
sysContact nobody@host-$tl.lab
EOF
        lab__spawn "$ns" "$tl-snmpd" env SNMP_PERSISTENT_DIR="$d/$tl-snmp" MIBS= \
            /usr/sbin/snmpd -f -I -smux -Lf "$d/$tl-snmpd-daemon.log" -C -c "$d/$tl-snmpd.conf" \
            -p "$d/$tl-snmpd.pid"
    fi

    if [ -n "$ntp" ]; then
        # ntpd shares the kernel clock with the host: it runs without CAP_SYS_TIME (setpriv
        # drops it from the bounding set) and with the time discipline disabled, so it answers
        # client queries (unsynchronised, stratum 16) but can never touch the host's clock.
        cat >"$d/$tl-ntp.conf" <<EOF
disable ntp
disable kernel
interface ignore wildcard
interface listen $a4
interface listen $a6
EOF
        [ "$ntp" = 123 ] || {
            lab__err "ntpd can only listen on port 123 (LAB_${t}_NTP_PORT=$ntp)"
            return 1
        }
        local ntpd_bin=/usr/sbin/ntpd
        if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
            # Debian's AppArmor profile for /usr/sbin/ntpd only allows its own config, pid and
            # log paths; a copy of the binary is not confined by it.
            cp /usr/sbin/ntpd "$d/ntpd" || return 1
            ntpd_bin=$d/ntpd
        fi
        lab__spawn "$ns" "$tl-ntpd" setpriv --bounding-set -sys_time \
            "$ntpd_bin" -n -c "$d/$tl-ntp.conf" -p "$d/$tl-ntpd.pid" -l "$d/$tl-ntpd-daemon.log"
    fi

    if [ -n "$silent" ]; then
        lab__spawn "$ns" "$tl-udpsink" /usr/bin/python3 -c '
import select, socket, sys
socks = []
for fam, addr in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, sys.argv[2])):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, int(sys.argv[3])))
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        s.recv(65535)
' "$a4" "$a6" "$silent"
    fi
    return 0
}

# lab__ss NS — "proto local-address" of every listening TCP / bound UDP socket in NS.
lab__ss() {
    ip netns exec "$1" ss -Hlntu 2>/dev/null | awk '{ print $1, $5 }' | sed 's/%[^]:]*//'
}

# lab__missing_listeners T NS ADDR4 ADDR6 — print "proto addr port" of expected listeners
# that ss does not show (nothing printed = all there). A wildcard bind counts.
lab__missing_listeners() {
    local t=$1 ns=$2 a4=$3 a6=$4
    { lab__ss "$ns" | sed 's/^/have /'; lab__services "$t" | sed 's/^/want /'; } |
        awk -v a4="$a4" -v a6="[$a6]" '
            $1 == "have" { have[$2 " " $3] = 1; next }
            {
                if (!(($2 " " a4 ":" $3) in have || ($2 " 0.0.0.0:" $3) in have ||
                      ($2 " *:" $3) in have)) print $2, a4, $3
                if (!(($2 " " a6 ":" $3) in have || ($2 " [::]:" $3) in have ||
                      ($2 " *:" $3) in have)) print $2, a6, $3
            }'
}

# lab__wait_servers — bounded wait until every expected listener exists in A and B.
lab__wait_servers() {
    local deadline=$((SECONDS + LAB_WAIT_SECONDS)) missing
    while :; do
        missing=$(lab__missing_listeners A "$LAB_NS_A" "$LAB_A" "$LAB_A6"
            lab__missing_listeners B "$LAB_NS_B" "$LAB_B" "$LAB_B6")
        # a server that died will never listen: say so at once
        local pid name
        while read -r pid name; do
            kill -0 "$pid" 2>/dev/null || {
                lab__err "server $name (pid $pid) exited${missing:+; still missing: }"$missing
                lab__dump_logs
                return 1
            }
        done <"$LAB_DIR/pids"
        [ -z "$missing" ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            lab__err "servers not listening after ${LAB_WAIT_SECONDS}s:" $missing
            lab__dump_logs
            return 1
        fi
        sleep 0.1
    done
}

lab__dump_logs() {
    local f
    for f in "$LAB_DIR"/*.log; do
        [ -s "$f" ] || continue
        echo "---- $f" >&2
        tail -n 15 "$f" >&2
    done
}

# ---------------------------------------------------------------------------------------------
# public API (lab_*)
# ---------------------------------------------------------------------------------------------

# lab_up [--netem "NETEM ARGS"] [--no-servers] [--no-trap]
# Returns 0 when the lab is up, 77 when it cannot run here (not root), 1 on failure (the
# half-built lab is torn down again).
lab_up() {
    local netem="" servers=1 trap_it=1
    while [ $# -gt 0 ]; do
        case $1 in
        --netem)
            [ $# -ge 2 ] || { lab__err "--netem needs an argument"; return 1; }
            netem=$2
            shift 2
            ;;
        --no-servers) servers=0; shift ;;
        --no-trap) trap_it=0; shift ;;
        *) lab__err "lab_up: unknown option '$1'"; return 1 ;;
        esac
    done
    if [ "$(id -u)" != 0 ]; then
        echo "lab: needs root (network namespaces)" >&2
        return 77
    fi
    local c
    for c in ip nft tc ss setpriv; do
        command -v "$c" >/dev/null || { lab__err "missing command $c (make deps)"; return 1; }
    done
    if [ "$servers" = 1 ]; then
        for c in /usr/sbin/sshd /usr/sbin/nginx /usr/sbin/dnsmasq /usr/sbin/snmpd \
            /usr/sbin/ntpd /usr/bin/python3 ssh-keygen openssl; do
            command -v "$c" >/dev/null || { lab__err "missing $c (make deps)"; return 1; }
        done
    fi

    local prefix=${LAB_PREFIX:-pr$$}
    if ! [[ $prefix =~ ^[a-z][a-z0-9]{0,11}$ ]]; then
        lab__err "LAB_PREFIX '$prefix' must be 1-12 of [a-z0-9], starting with a letter"
        return 1
    fi
    lab__set_names "$prefix"
    LAB_SERVERS=$servers
    LAB_NETEM=$netem
    local ns
    for ns in $(lab__namespaces); do
        if lab__ns_exists "$ns"; then
            lab__err "namespace $ns already exists: prefix '$prefix' in use" \
                "(bash tests/lab/lab.sh down $prefix removes a stale lab)"
            return 1
        fi
    done
    if [ -n "$netem" ]; then
        lab__netem_check "$netem" || return $?
    fi
    rm -rf "$LAB_DIR"
    mkdir -p "$LAB_DIR" && chmod 0755 "$LAB_DIR" || return 1
    : >"$LAB_DIR/pids"
    export LAB_PREFIX LAB_NS_SCAN LAB_NS_A LAB_NS_B LAB_NS_SW LAB_IF_SCAN LAB_IF_A LAB_IF_B \
        LAB_DIR LAB_TRUTH LAB_SCANNER LAB_SCANNER6 LAB_A LAB_A6 LAB_B LAB_B6 LAB_SERVERS LAB_NETEM \
        LAB_NETEM_IMPL
    LAB_NETEM_IMPL=${netem:+$LAB__NETEM_KIND}
    LAB_IS_UP=1
    if [ "$trap_it" = 1 ]; then
        trap 'lab_down' EXIT
        trap 'lab_down; trap - INT; kill -INT $$' INT
        trap 'lab_down; trap - TERM; kill -TERM $$' TERM
    fi
    if ! lab__build "$netem" "$servers"; then
        lab__err "lab_up failed; tearing down"
        lab_down
        return 1
    fi
    lab__say "up: prefix $prefix, scanner $LAB_NS_SCAN ($LAB_IF_SCAN $LAB_SCANNER)," \
        "targets $LAB_NS_A ($LAB_A) $LAB_NS_B ($LAB_B), dir $LAB_DIR"
    return 0
}

# lab__netem_kind — "tc" when the kernel has sch_netem, else "nft" (loss only). Cached.
lab__netem_kind() {
    if [ -z "${LAB__NETEM_KIND:-}" ]; then
        local probe=${LAB_PREFIX}q err
        ip netns add "$probe" 2>/dev/null || { echo tc; return; }
        if err=$(ip netns exec "$probe" tc qdisc add dev lo root netem delay 1ms 2>&1); then
            LAB__NETEM_KIND=tc
        elif grep -qi 'unknown' <<<"$err"; then
            LAB__NETEM_KIND=nft
        else
            LAB__NETEM_KIND=tc
        fi
        ip netns del "$probe" 2>/dev/null
    fi
    echo "$LAB__NETEM_KIND"
}

# lab__netem_check ARGS — 0 when ARGS can be applied here; 77 (skip) when this kernel has no
# sch_netem and ARGS is anything but "loss N%", which nftables can emulate.
lab__netem_check() {
    LAB__NETEM_KIND=$(lab__netem_kind)
    [ "$LAB__NETEM_KIND" = tc ] && return 0
    if [[ $1 =~ ^loss\ +([0-9]+(\.[0-9]+)?)%$ ]]; then
        return 0
    fi
    lab__err "this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM); only --netem 'loss N%'" \
        "can be emulated (with nftables); '$1' cannot"
    return 77
}

# lab__impair NS IFN SWITCH_PORT ARGS — impair both directions of one target's link.
# With tc netem: the target interface's egress and the switch port's egress (towards the
# target). Without netem in the kernel: "loss N%" becomes nftables random drops on the
# target's input and output hooks (table inet labloss), which is the same independent loss.
lab__impair() {
    local ns=$1 ifn=$2 port=$3 args=$4 permyriad
    if [ "$LAB__NETEM_KIND" = tc ]; then
        # shellcheck disable=SC2086
        tc -n "$ns" qdisc add dev "$ifn" root netem $args || return 1
        # shellcheck disable=SC2086
        tc -n "$LAB_NS_SW" qdisc add dev "$port" root netem $args || return 1
        return 0
    fi
    [[ $args =~ ^loss\ +([0-9]+)(\.([0-9]+))?%$ ]] || return 1
    local frac=${BASH_REMATCH[3]}00
    permyriad=$((10#${BASH_REMATCH[1]} * 100 + 10#${frac:0:2}))
    ip netns exec "$ns" nft -f - <<EOF || return 1
table inet labloss {
    chain in {
        type filter hook input priority -10; policy accept;
        numgen random mod 10000 < $permyriad drop
    }
    chain out {
        type filter hook output priority -10; policy accept;
        numgen random mod 10000 < $permyriad drop
    }
}
EOF
}

# lab__build NETEM SERVERS — the body of lab_up.
lab__build() {
    local netem=$1 servers=$2 ns try x ifn addr4 addr6
    for ns in $(lab__namespaces); do
        # the very first `ip netns add` on a machine can race with a concurrent one
        for try in 1 2 3; do
            ip netns add "$ns" 2>/dev/null && break
            sleep 0.2
        done
        lab__ns_exists "$ns" || { lab__err "cannot create namespace $ns"; return 1; }
        ip -n "$ns" link set lo up || return 1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
            net.ipv6.conf.default.accept_ra=0 >/dev/null || return 1
    done
    # the switch: a bridge, no addresses, no IPv6 on its ports
    ip netns exec "$LAB_NS_SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
    ip -n "$LAB_NS_SW" link add br0 type bridge stp_state 0 forward_delay 0 || return 1
    ip -n "$LAB_NS_SW" link set br0 up || return 1
    for x in s a b; do
        case $x in
        s) ns=$LAB_NS_SCAN ifn=$LAB_IF_SCAN addr4=$LAB_SCANNER addr6=$LAB_SCANNER6 ;;
        a) ns=$LAB_NS_A ifn=$LAB_IF_A addr4=$LAB_A addr6=$LAB_A6 ;;
        b) ns=$LAB_NS_B ifn=$LAB_IF_B addr4=$LAB_B addr6=$LAB_B6 ;;
        esac
        ip -n "$LAB_NS_SW" link add "p$x" type veth peer name "$ifn" netns "$ns" || return 1
        ip -n "$LAB_NS_SW" link set "p$x" master br0 up || return 1
        ip -n "$ns" addr add "$addr4/24" dev "$ifn" || return 1
        ip -n "$ns" addr add "$addr6/64" dev "$ifn" nodad || return 1
        ip -n "$ns" link set "$ifn" up || return 1
        if [ -n "$netem" ] && [ "$x" != s ]; then
            lab__impair "$ns" "$ifn" "p$x" "$netem" || return 1
        fi
    done
    for ns in $(lab__namespaces); do
        if [ -n "$(ip -n "$ns" route show default; ip -n "$ns" -6 route show default)" ]; then
            lab__err "namespace $ns has a default route"
            return 1
        fi
    done
    lab__nft_rules A >"$LAB_DIR/a-nft.conf"
    lab__nft_rules B >"$LAB_DIR/b-nft.conf"
    ip netns exec "$LAB_NS_A" nft -f "$LAB_DIR/a-nft.conf" || return 1
    ip netns exec "$LAB_NS_B" nft -f "$LAB_DIR/b-nft.conf" || return 1

    if [ "$servers" = 1 ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
            -subj "/CN=host-a.lab" -addext "subjectAltName=DNS:host-a.lab,DNS:host-b.lab" \
            -keyout "$LAB_DIR/tls-key.pem" -out "$LAB_DIR/tls-cert.pem" \
            >"$LAB_DIR/openssl.log" 2>&1 || { lab__err "openssl failed"; return 1; }
        lab__start_servers A "$LAB_NS_A" "$LAB_A" "$LAB_A6" || return 1
        lab__start_servers B "$LAB_NS_B" "$LAB_B" "$LAB_B6" || return 1
        lab__wait_servers || return 1
    fi
    lab_truth_file || return 1
    return 0
}

# lab_truth_file — (re)write $LAB_TRUTH: "addr proto port class" for every port that is not
# plain closed, on every target address. Fails when an "open" port has no listener.
lab_truth_file() {
    local t ns a4 a6 missing proto port class
    local tmp=$LAB_TRUTH.tmp
    printf '# addr\tproto\tport\tclass   (portreeve lab %s; unlisted ports are closed)\n' \
        "$LAB_PREFIX" >"$tmp" || return 1
    for t in A B; do
        case $t in
        A) ns=$LAB_NS_A a4=$LAB_A a6=$LAB_A6 ;;
        B) ns=$LAB_NS_B a4=$LAB_B a6=$LAB_B6 ;;
        esac
        if [ "${LAB_SERVERS:-1}" = 1 ]; then
            missing=$(lab__missing_listeners "$t" "$ns" "$a4" "$a6")
            if [ -n "$missing" ]; then
                lab__err "truth: no listener for" $missing
                rm -f "$tmp"
                return 1
            fi
        fi
        while read -r proto port class; do
            printf '%s\t%s\t%s\t%s\n' "$a4" "$proto" "$port" "$class"
        done < <(lab__classes "$t") >>"$tmp"
        while read -r proto port class; do
            printf '%s\t%s\t%s\t%s\n' "$a6" "$proto" "$port" "$class"
        done < <(lab__classes "$t") >>"$tmp"
    done
    mv "$tmp" "$LAB_TRUTH"
}

# lab_on_down CMD... — run CMD (eval'd) at the start of lab_down, before the servers and
# namespaces go; hooks run last-registered first. Use it instead of replacing the EXIT trap.
lab_on_down() {
    LAB_DOWN_HOOKS+=("$*")
}

# lab_scan_exec CMD... — run CMD inside the scanner namespace.
lab_scan_exec() {
    ip netns exec "$LAB_NS_SCAN" "$@"
}

# lab_exec NS CMD... — run CMD inside any lab namespace (e.g. "$LAB_NS_A").
lab_exec() {
    local ns=$1
    shift
    ip netns exec "$ns" "$@"
}

# lab_down — stop every server, delete the namespaces and $LAB_DIR. Idempotent; safe to call
# from traps, after a failed lab_up, or twice.
lab_down() {
    [ -n "${LAB_PREFIX:-}" ] || return 0
    local i pid name ns pids
    if [ "${#LAB_DOWN_HOOKS[@]}" -gt 0 ]; then
        for ((i = ${#LAB_DOWN_HOOKS[@]} - 1; i >= 0; i--)); do
            eval "${LAB_DOWN_HOOKS[$i]}" || true
        done
        LAB_DOWN_HOOKS=()
    fi
    [ -n "${LAB_NS_SCAN:-}" ] || lab__set_names "$LAB_PREFIX"
    pids=""
    if [ -f "$LAB_DIR/pids" ]; then
        while read -r pid name; do pids="$pids $pid"; done <"$LAB_DIR/pids"
    fi
    for ns in $(lab__namespaces); do
        lab__ns_exists "$ns" && pids="$pids $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
    done
    pids=$(echo $pids)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null
        for i in $(seq 1 30); do
            # shellcheck disable=SC2086
            kill -0 $pids 2>/dev/null || break
            sleep 0.1
        done
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null
    fi
    for ns in $(lab__namespaces); do
        lab__ns_exists "$ns" && ip netns del "$ns" 2>/dev/null
        if lab__ns_exists "$ns"; then
            sleep 0.2
            ip netns del "$ns" 2>/dev/null || lab__err "could not delete namespace $ns"
        fi
    done
    case $LAB_DIR in
    */portreeve-lab-"$LAB_PREFIX") rm -rf "$LAB_DIR" ;;
    esac
    LAB_IS_UP=0
    return 0
}

# lab_status — namespaces, addresses, listeners and servers of the current lab.
lab_status() {
    local ns pid name
    for ns in $(lab__namespaces); do
        if ! lab__ns_exists "$ns"; then
            echo "namespace $ns: absent"
            continue
        fi
        echo "namespace $ns:"
        ip -n "$ns" -br addr show | sed 's/^/    /'
        [ "$ns" = "$LAB_NS_SW" ] || lab__ss "$ns" | sort -u | sed 's/^/    listen /'
    done
    if [ -f "$LAB_DIR/pids" ]; then
        while read -r pid name; do
            if kill -0 "$pid" 2>/dev/null; then echo "server $name pid $pid running"
            else echo "server $name pid $pid GONE"; fi
        done <"$LAB_DIR/pids"
    fi
    [ -f "$LAB_TRUTH" ] && echo "truth: $LAB_TRUTH ($(grep -vc '^#' "$LAB_TRUTH") entries)"
    return 0
}

# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------
lab__main() {
    local cmd=${1:-} prefix=${2:-}
    if [ -z "$prefix" ] || [ "${prefix#-}" != "$prefix" ]; then
        echo "usage: bash $0 up PREFIX [--netem ARGS] [--no-servers] | down PREFIX | status PREFIX" >&2
        exit 2
    fi
    shift 2
    case $cmd in
    up)
        LAB_PREFIX=$prefix
        lab_up --no-trap "$@" || exit $?
        echo "export LAB_PREFIX=$LAB_PREFIX LAB_NS_SCAN=$LAB_NS_SCAN LAB_NS_A=$LAB_NS_A" \
            "LAB_NS_B=$LAB_NS_B LAB_IF_SCAN=$LAB_IF_SCAN LAB_DIR=$LAB_DIR LAB_TRUTH=$LAB_TRUTH" \
            "LAB_SCANNER=$LAB_SCANNER LAB_A=$LAB_A LAB_B=$LAB_B LAB_A6=$LAB_A6 LAB_B6=$LAB_B6"
        echo "# tear down with: bash $0 down $LAB_PREFIX" >&2
        ;;
    down)
        lab__set_names "$prefix"
        lab_down
        ;;
    status)
        lab__set_names "$prefix"
        lab_status
        ;;
    *)
        echo "usage: bash $0 up PREFIX [--netem ARGS] [--no-servers] | down PREFIX | status PREFIX" >&2
        exit 2
        ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    lab__main "$@"
fi
