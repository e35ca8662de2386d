#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# The nmap-os-db matcher (src/os/osdb.c) agrees with nmap itself, independently of the
# probes: one real `nmap -O --osscan-guess -vv` run against three stacks, whose subject
# fingerprints (nmap's <osfingerprint>) are fed to tests/tools/osmatch, which must list the
# same matches (names, order, line numbers, accuracies, classes) as nmap's <osmatch>
# elements, give the same kind of answer (exact, guesses, too many) as nmap's normal output,
# and write the fingerprint back byte for byte as nmap wrote it.
#   127.0.0.1 of the scanner's namespace: Linux defaults (distance 0)
#   127.0.0.2 likewise, but no open port: too many exact matches
#   target A 198.18.0.2: net.ipv4.tcp_timestamps=0
#   target B 198.18.1.2: tcp_window_scaling=0, tcp_sack=0, ip_default_ttl=128, tcp_ecn=1
# A second run gives nmap (--datadir) and osmatch a small database made from the first:
# exact matches, and the Device type / Running / OS CPE summary (os_match_compare.py mkdb).
# --max-os-tries 1 keeps each fingerprint one try (nmap merges the tests of several tries
# into one text, which is not one subject); -vv makes nmap print it even for exact matches.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/nslib.sh"
ns_test_setup osm "$@"
OSMATCH=$(dirname "$PORTREEVE")/osmatch
[ -x "$OSMATCH" ] || { echo "FAIL $OSMATCH is not built"; exit 1; }
command -v nmap >/dev/null && [ -r /usr/share/nmap/nmap-os-db ] ||
    { echo "FAIL Debian packages nmap and nmap-common are missing"; exit 1; }

B=osb$$
cleanup() {
    ns_test_cleanup
    ip netns del "$B" 2>/dev/null
}
trap cleanup EXIT

# target A: the peer namespace of nslib; target B: a second one, set up the same way
ns_peer osa 198.18.0.1 198.18.0.2
ip netns add "$B" && ip -n "$B" link set lo up || exit 1
ip link add osbs$$ netns "$NS" type veth peer name osbp$$ netns "$B" || exit 1
in_ns ip addr add 198.18.1.1/24 dev osbs$$
in_ns ip link set osbs$$ up
ip -n "$B" addr add 198.18.1.2/24 dev osbp$$
ip -n "$B" link set osbp$$ up
in_peer sysctl -qw net.ipv4.tcp_timestamps=0
for s in net.ipv4.tcp_window_scaling=0 net.ipv4.tcp_sack=0 net.ipv4.ip_default_ttl=128 \
    net.ipv4.tcp_ecn=1; do
    ip netns exec "$B" sysctl -qw "$s" || exit 1
done

# one open port on each stack (8080; 1 is closed everywhere)
listen_in() { # NETNS ADDR
    ip netns exec "$1" timeout 100 /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080)); s.listen(64); time.sleep(100)' "$2" &
    pids+=($!)
    for _ in $(seq 100); do
        ip netns exec "$1" ss -ltn | grep -q " $2:8080 " && return 0
        sleep 0.1
    done
    echo "FAIL listener on $2:8080 did not start"
    exit 1
}
listen_in "$NS" 127.0.0.1
listen_in "$PEER" 198.18.0.2
listen_in "$B" 198.18.1.2

# run 1: the installed nmap-os-db
HOSTS="127.0.0.1 127.0.0.2 198.18.0.2 198.18.1.2"
run_nmap() { # NAME [nmap options]
    local name=$1 start=$SECONDS
    shift
    # shellcheck disable=SC2086
    in_ns nmap -n -Pn -O --osscan-guess --max-os-tries 1 -vv -p 1,8080 --max-retries 1 "$@" \
        -oX "$W/$name.xml" $HOSTS >"$W/$name.out" 2>&1 ||
        { echo "FAIL nmap:"; cat "$W/$name.out"; exit 1; }
    echo "nmap -O on 4 hosts: $((SECONDS - start)) s"
}
compare() { # NAME DB
    /usr/bin/python3 "$LAB_LIB_DIR/os_match_compare.py" compare "$W/$1.xml" "$W/$1.out" \
        "$OSMATCH" "$2" "$W" 4 | tee "$W/$1.cmp"
    check "$1: osmatch lists what nmap lists for every host" test "${PIPESTATUS[0]}" = 0
}
run_nmap real
compare real /usr/share/nmap/nmap-os-db

# run 2: a small database made from run 1 (its MatchPoints, references made from the
# fingerprints of 127.0.0.1 and target B, and three real references nmap guessed for
# target A), given to nmap with --datadir: exact matches and class summaries, which the
# full database never gives a Linux stack (nmap prints no Device type/Running lines when
# the guesses span more than 8 families or CPEs)
mkdir -p "$W/data"
/usr/bin/python3 "$LAB_LIB_DIR/os_match_compare.py" mkdb "$W/real.xml" \
    /usr/share/nmap/nmap-os-db "$W/data/nmap-os-db" 127.0.0.1 198.18.1.2 -- 198.18.0.2 || exit 1
run_nmap small --datadir "$W/data"
compare small "$W/data/nmap-os-db"
check "small: nmap names 127.0.0.1 exactly (\"Lab exact 1\")" \
    grep -q "OS details: Lab exact 1" "$W/small.out"
check "small: a class summary was compared" grep -q "^      Running" "$W/small.cmp"
exit $fail
