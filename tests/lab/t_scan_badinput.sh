#!/usr/bin/env bash
# timeout: 60
# parallel: yes
# Bad input: an invalid target, bad port specs, an unknown option, a missing -iL file, an
# interface that does not exist, a missing or broken --cve-feed or --versiondb file (read
# before the first packet)... each gives exactly one line on stderr that names the
# input, exit code 2, nothing on stdout, and no packet leaves (counted on the only
# interface of a fresh namespace).
set -u
PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
[ "$(id -u)" = 0 ] || { echo "skip: needs root for the namespace"; exit 77; }
NS=prbad$$
cleanup() { ip netns del "$NS" 2>/dev/null; }
trap cleanup EXIT
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
tx() { ip netns exec "$NS" cat /sys/class/net/lo/statistics/tx_packets; }

fail=0
# files that -sV reads before the first packet (a missing or broken feed or probe file)
printf '{"vulnerabilities": [\n  {"cve": }\n]}\n' >"/tmp/prbad$$.feed"
printf 'Probe TCP NULL q||\nmatch ssh m|^SSH-| p/x\n' >"/tmp/prbad$$.probes" # p/ never closed
# each case: "expected text in the message|arguments..."
cases=(
    "0-70000|-p 0-70000 127.0.0.1"
    "80-20|-p 80-20 127.0.0.1"
    "abc|-p abc 127.0.0.1"
    "U:|-p U: 127.0.0.1"
    "--bogus|--bogus 127.0.0.1"
    "/nonexistent/targets.txt|-iL /nonexistent/targets.txt"
    "nosuchif0|-e nosuchif0 -p 80 127.0.0.1"
    "127.0.0.300|-p 80 127.0.0.300"
    "198.18.0.0/33|-p 80 198.18.0.0/33"
    "-sZ|-sZ 127.0.0.1"
    "--max-rate|--max-rate 0 127.0.0.1"
    "-T|-T 9 127.0.0.1"
    "-p|-p"
    "targets|-p 80"
    "::1|-p 80 ::1"
    "--top-ports|--top-ports 0 127.0.0.1"
    "--host-timeout|--host-timeout 5x 127.0.0.1"
    "/nonexistent/feed.json|-sV --cve-feed /nonexistent/feed.json -p 22 127.0.0.1"
    "prbad$$.feed line 2 column|-sV --cve-feed /tmp/prbad$$.feed -p 22 127.0.0.1"
    "/nonexistent/probes|-sV --versiondb /nonexistent/probes -p 22 127.0.0.1"
    "prbad$$.probes line 2|-sV --versiondb /tmp/prbad$$.probes -p 22 127.0.0.1"
    "--cve-feed needs -sV|--cve-feed /tmp/prbad$$.feed -p 22 127.0.0.1"
)
for c in "${cases[@]}"; do
    want=${c%%|*}
    read -r -a args <<<"${c#*|}"
    before=$(tx)
    ip netns exec "$NS" "$PORTREEVE" scan "${args[@]}" >"/tmp/prbad$$.out" 2>"/tmp/prbad$$.err"
    rc=$?
    after=$(tx)
    lines=$(wc -l <"/tmp/prbad$$.err")
    msg=$(head -n 1 "/tmp/prbad$$.err")
    problem=""
    [ $rc -eq 2 ] || problem+=" exit=$rc"
    [ "$lines" -eq 1 ] || problem+=" stderr-lines=$lines"
    [ -s "/tmp/prbad$$.out" ] && problem+=" stdout-not-empty"
    [[ $msg == *"$want"* ]] || problem+=" message-does-not-name-input"
    [ "$before" = "$after" ] || problem+=" packets-sent=$((after - before))"
    if [ -n "$problem" ]; then
        echo "FAIL scan ${args[*]}:$problem"; sed 's/^/     /' "/tmp/prbad$$.err"; fail=1
    else
        echo "ok   scan ${args[*]}  ->  $msg"
    fi
done
rm -f "/tmp/prbad$$.out" "/tmp/prbad$$.err" "/tmp/prbad$$.feed" "/tmp/prbad$$.probes"
exit $fail
