#!/usr/bin/env bash
# sv_bench.sh [PORTREEVE] — -sV over the lab's services: portreeve vs nmap 7.93.
#
# Brings up the namespace lab (tests/lab/lab.sh) plus the extra servers of the -sV test
# (vsftpd, redis, memcached, PostgreSQL), then runs, alternately and RUNS times each (default 3),
#   nmap -n -Pn -sS -sU -sV -p <every lab service> A B
#   portreeve scan -Pn -sS -sU -sV -p <same> A B
# records wall times, prints the medians and the ratio, checks that the answers agree
# (tests/lab/svc_compare.py on the last run of each) and, with -w, appends a section to
# bench/RESULTS.md. Needs root. Nothing leaves the machine (lab namespaces only).
# --tcp: the TCP services only (-sS -sV, no UDP ports): where the silent UDP ports, which
# nmap probes one probe at a time, do not dominate nmap's time.
set -u
write=0
tcp_only=0
[ "${1:-}" = -w ] && { write=1; shift; }
[ "${1:-}" = --tcp ] && { tcp_only=1; shift; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PORTREEVE=$(readlink -f "${1:-$root/build/portreeve}")
RUNS=${RUNS:-3}
[ "$(id -u)" = 0 ] || { echo "sv_bench: needs root"; exit 77; }
[ -x "$PORTREEVE" ] || { echo "sv_bench: no $PORTREEVE (run make)"; exit 1; }
export LAB_PREFIX=${LAB_PREFIX:-svb$$}
. "$root/tests/lab/lab.sh"
lab_up || exit $?
. "$root/tests/lab/svc_servers.sh"
svc_servers_up || exit $?
W=$LAB_DIR/bench
mkdir -p "$W"
PORTS="$SVC_PORTS_A,$SVC_PORTS_B"
TECH=(-sS -sU)
if [ $tcp_only = 1 ]; then # the T: lists without their U: parts
    PORTS=$(echo "$PORTS" | tr ',' '\n' | awk '/^T:/ {t=1} /^U:/ {t=0} t' | sed 's/^T://' | paste -sd,)
    TECH=(-sS)
fi

elapsed() { # CMD... -> seconds with millisecond precision on stdout
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
nm=() pr=()
for i in $(seq 1 "$RUNS"); do
    nm+=("$(elapsed ip netns exec "$LAB_NS_SCAN" nmap -n -Pn "${TECH[@]}" -sV -p "$PORTS" \
        "$LAB_A" "$LAB_B" -oX "$W/nmap.xml")")
    pr+=("$(elapsed ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" scan -Pn "${TECH[@]}" -sV -p "$PORTS" \
        "$LAB_A" "$LAB_B" -oX "$W/pr.xml")")
    echo "run $i: nmap ${nm[-1]} s, portreeve ${pr[-1]} s"
done
mn=$(median "${nm[@]}")
mp=$(median "${pr[@]}")
ratio=$(awk -v a="$mp" -v b="$mn" 'BEGIN{printf "%.2f", a / b}')
same=$(/usr/bin/python3 "$root/tests/lab/svc_compare.py" "$W/nmap.xml" "$W/pr.xml" | tail -1)
echo "median: nmap $mn s, portreeve $mp s, ratio $ratio"
echo "$same"
if [ $write = 1 ]; then
    [ -e "$root/bench/RESULTS.md" ] || echo "# portreeve benchmarks" >"$root/bench/RESULTS.md"
    {
        echo
        echo "## -sV service and version detection (bench/sv_bench.sh)"
        echo
        echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores shared with other work"
        echo "(load average before: $load), nmap $(nmap --version | awk 'NR==1{print $3}'). Command: \`RUNS=$RUNS bench/sv_bench.sh -w$([ $tcp_only = 1 ] && echo " --tcp")\`."
        echo "Lab targets A and B (tests/lab/lab.sh + tests/lab/svc_servers.sh), ports \`$PORTS\`"
        echo "(openssh, nginx HTTP/HTTPS, dnsmasq TCP/UDP, snmpd, ntpsec, vsftpd, redis, memcached,"
        echo "PostgreSQL). Same command line for both: \`-Pn ${TECH[*]} -sV -p ... A B\`, $RUNS runs each, alternating."
        echo
        echo "| tool | runs (s) | median (s) |"
        echo "|---|---|---|"
        echo "| nmap -sV | ${nm[*]} | $mn |"
        echo "| portreeve -sV | ${pr[*]} | $mp |"
        echo
        echo "Ratio portreeve/nmap: **$ratio** (goal ≤ 0.25). Answers: $same."
        echo
        echo "Where the time goes: nmap sends one probe at a time per port and waits each"
        echo "probe's totalwaitms: 6 s NULL probes on banner-less TCP services (again inside TLS),"
        echo "and on B's 123/udp and 161/udp (open|filtered: B drops them) every UDP probe in turn."
        echo "portreeve runs later probes and the TLS lane speculatively while deciding in nmap's"
        echo "probe order, ends a silent NULL probe at its tcpwrappedms (3 s) once another probe"
        echo "of the port got a matching answer (docs/svc.md, \"Timing\"), and sends a silent UDP"
        echo "port's probes at once, so its -sV part is about the longest UDP probe wait (7.5 s)."
    } >>"$root/bench/RESULTS.md"
    echo "appended to bench/RESULTS.md"
fi
