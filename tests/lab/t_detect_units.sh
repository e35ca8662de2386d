#!/usr/bin/env bash
# t_detect_units.sh — the systemd units of contrib/systemd as CMake configured them into the
# build directory (portreeve-detect.service and
# portreeve-detect@.service): `systemd-analyze verify` accepts them without a word (unknown
# keys are only warnings there, so any output fails), they run the installed binary (CMake's
# install prefix + /bin/portreeve) with the configuration file detect reads by default,
# reload with SIGHUP and carry the sandboxing; the example detect.conf is read by the real
# binary (with --block, in a throwaway network namespace, so no table is made outside it).
# PID 1 here is not systemd: only verify. Skips (77) without systemd-analyze.
# timeout: 60
# parallel: yes
set -u
PR=${1:?usage: t_detect_units.sh /path/to/portreeve}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
UNITS=$(dirname "$PR")/systemd # contrib/systemd/*.in with the install prefix filled in
EXAMPLES=$ROOT/contrib/examples
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze"; exit 77; }
fail() {
    echo "FAIL: $*"
    exit 1
}
TMP=$(mktemp -d /tmp/pr_units.XXXXXX)
NS=pru$$
cleanup() {
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$(dirname "$PR")/CMakeCache.txt" 2>/dev/null)
BIN=${prefix:-/usr/local}/bin/portreeve
CONF=$(sed -n 's/^#define DET_CONF_DEFAULT "\(.*\)"$/\1/p' "$ROOT/src/detect/detconf.h")
[ -n "$CONF" ] || fail "no DET_CONF_DEFAULT in detconf.h"
echo "installed binary $BIN, configuration $CONF"

for u in portreeve-detect.service portreeve-detect@.service; do
    f=$UNITS/$u
    [ -f "$f" ] || fail "missing $f"
    grep -q "^ExecStart=$BIN detect --config $CONF\( \|$\)" "$f" ||
        fail "$u: ExecStart does not run $BIN detect --config $CONF"
    grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$f" || fail "$u: no SIGHUP reload"
    for k in 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN CAP_BPF' \
        'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN CAP_BPF' 'NoNewPrivileges=yes' \
        'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
        'SystemCallArchitectures=native' 'LogsDirectory=portreeve' 'StateDirectory=portreeve' \
        'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET AF_INET AF_INET6'; do
        grep -qx "$k" "$f" || fail "$u: no '$k'"
    done
    # verify against the built binary (the installed path does not exist here)
    sed "s|$BIN|$PR|g" "$f" >"$TMP/$u"
done
grep -q -- '-i %I ' "$UNITS/portreeve-detect@.service" || fail "template does not capture on %I"
cp "$TMP/portreeve-detect@.service" "$TMP/portreeve-detect@lo.service"
for u in portreeve-detect.service portreeve-detect@lo.service; do
    out=$(cd "$TMP" && systemd-analyze verify "./$u" 2>&1)
    rc=$?
    echo "systemd-analyze verify $u: rc $rc${out:+: $out}"
    [ $rc -eq 0 ] && [ -z "$out" ] || fail "$u does not verify cleanly"
done
# the check can fail: a misspelt key is reported
sed 's/^ProtectSystem=/ProtectSystm=/' "$TMP/portreeve-detect.service" >"$TMP/bad.service"
[ -n "$(cd "$TMP" && systemd-analyze verify ./bad.service 2>&1)" ] ||
    fail "systemd-analyze says nothing about an unknown key"

# the example configuration, read by the binary (the command line replaces its interface
# and alert files; --flush-on-exit leaves nothing in the throwaway namespace)
if [ "$(id -u)" = 0 ] && ip netns add "$NS" 2>/dev/null; then
    printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
        >"$TMP/empty.pcap"
    ip netns exec "$NS" "$PR" detect --config "$EXAMPLES/detect.conf" -r "$TMP/empty.pcap" \
        --alerts "$TMP/a.json" --eve "$TMP/e.json" --flush-on-exit >"$TMP/out" 2>&1
    rc=$?
    cat "$TMP/out"
    [ $rc -eq 0 ] || fail "the example detect.conf is refused (exit $rc)"
    # a capture file is the past: the file's 'block' does not act on -r, --block does
    grep -q "'block' of the configuration file does not apply to -r" "$TMP/out" ||
        fail "the example's 'block' acted on a capture file"
    grep -q '^block: ' "$TMP/out" && fail "the example's 'block' acted on a capture file"
    [ -e "$TMP/e.json" ] || fail "no EVE file"
    ip netns exec "$NS" "$PR" detect --config "$EXAMPLES/detect.conf" -r "$TMP/empty.pcap" \
        --alerts "$TMP/a.json" --eve "$TMP/e.json" --block --flush-on-exit >"$TMP/out2" 2>&1
    rc=$?
    cat "$TMP/out2"
    [ $rc -eq 0 ] && grep -q '^block: ' "$TMP/out2" ||
        fail "--block with the example configuration did not take effect (exit $rc)"
else
    echo "(not root: the example configuration is not run)"
fi
echo PASS
