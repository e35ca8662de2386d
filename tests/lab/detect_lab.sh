#!/usr/bin/env bash
# detect_lab.sh — a small namespace lab for the detector's lab tests (sourced, not run).
#
#   . tests/lab/detect_lab.sh; dl_up || exit $?
# makes a scanner namespace ($DL_S, 198.18.0.1, veth $DL_SV) and a target namespace ($DL_T,
# 198.18.0.2, veth $DL_TV, AnyIP 198.18.1.0/24 on lo so sweeps get answers), joined by one
# veth pair with no route out of the machine, and a work directory $DL_DIR. dl_down (run by
# the EXIT trap) kills what dl_bg started and removes everything. Names include $$.

DL_S=dls$$ DL_T=dlt$$ DL_SV=dlsv$$ DL_TV=dltv$$
DL_SCANNER=198.18.0.1 DL_TARGET=198.18.0.2
DL_PIDS=()

dl_skip() { echo "SKIP: $*"; exit 77; }

dl_down() {
    local p
    for p in "${DL_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${DL_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    ip netns pids "$DL_S" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns pids "$DL_T" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$DL_S" 2>/dev/null
    ip netns del "$DL_T" 2>/dev/null
    [ -n "${DL_DIR:-}" ] && [ -z "${DL_KEEP:-}" ] && rm -rf "$DL_DIR"
    [ -n "${DL_ON_DOWN:-}" ] && eval "$DL_ON_DOWN"
    return 0
}

dl_up() {
    [ "$(id -u)" = 0 ] || dl_skip "needs root"
    local t
    for t in ip tcpdump /usr/bin/python3; do command -v "$t" >/dev/null || dl_skip "needs $t"; done
    DL_DIR=$(mktemp -d /tmp/prdetect.XXXXXX)
    trap dl_down EXIT
    trap 'exit 130' INT TERM
    ip netns add "$DL_S" && ip netns add "$DL_T" || dl_skip "cannot create namespaces"
    # made inside the namespaces: nothing appears in the root namespace, even for a moment
    ip link add "$DL_SV" netns "$DL_S" type veth peer name "$DL_TV" netns "$DL_T" || return 1
    ip -n "$DL_S" addr add $DL_SCANNER/24 dev "$DL_SV"
    ip -n "$DL_T" addr add $DL_TARGET/24 dev "$DL_TV"
    ip -n "$DL_S" addr add 2001:2::1/64 dev "$DL_SV" nodad
    ip -n "$DL_T" addr add 2001:2::2/64 dev "$DL_TV" nodad
    for n in "$DL_S" "$DL_T"; do ip -n "$n" link set lo up; done
    ip -n "$DL_S" link set "$DL_SV" up
    ip -n "$DL_T" link set "$DL_TV" up
    ip -n "$DL_T" route add local 198.18.1.0/24 dev lo
    ip -n "$DL_S" route add 198.18.1.0/24 via $DL_TARGET
    ip netns exec "$DL_S" ethtool -K "$DL_SV" tso off gso off sg off >/dev/null 2>&1
    DL_TMAC=$(ip -n "$DL_T" -o link show "$DL_TV" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
    sleep 0.5
    return 0
}

# dl_kernel_log: lets the kernel log netfilter lines from the lab's namespaces
# (net.netfilter.nf_log_all_netns=1, the old value restored by dl_down); skips without dmesg.
dl_kernel_log() {
    local old
    old=$(sysctl -n net.netfilter.nf_log_all_netns 2>/dev/null) || dl_skip "no nf_log_all_netns"
    sysctl -qw net.netfilter.nf_log_all_netns=1 || dl_skip "cannot set nf_log_all_netns"
    DL_ON_DOWN="sysctl -qw net.netfilter.nf_log_all_netns=$old"
    dmesg >/dev/null 2>&1 || dl_skip "kernel log not readable"
}

# dl_bg NS CMD...: starts CMD in namespace NS in the background, remembered for dl_down.
dl_bg() {
    local ns=$1; shift
    ip netns exec "$ns" "$@" &
    DL_PIDS+=($!)
}

# dl_http NS ADDR PORT: a python HTTP server (stdlib) serving DL_DIR/www.
dl_http() {
    mkdir -p "$DL_DIR/www" && echo hello >"$DL_DIR/www/index.html"
    dl_bg "$1" /usr/bin/python3 -m http.server --bind "$2" --directory "$DL_DIR/www" "$3" \
        >/dev/null 2>&1
}

# dl_capture_start NAME: tcpdump on the target's veth into DL_DIR/NAME.pcap.
dl_capture_start() {
    ip netns exec "$DL_T" tcpdump -Z root --immediate-mode -i "$DL_TV" -U -s 256 -w "$DL_DIR/$1.pcap" \
        'ip or ip6' 2>"$DL_DIR/$1.tcpdump" &
    DL_CAP_PID=$!
    local i
    for i in $(seq 50); do
        grep -q listening "$DL_DIR/$1.tcpdump" 2>/dev/null && break
        sleep 0.1
    done
}

dl_capture_stop() {
    sleep 1
    kill "$DL_CAP_PID" 2>/dev/null
    wait "$DL_CAP_PID" 2>/dev/null
}

# dl_wait_port NS PORT: waits up to 5 s for a TCP listener.
dl_wait_port() {
    local i
    for i in $(seq 50); do
        ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# dl_check ALERTS_JSONL COUNT [field=value ...]: COUNT distinct scans (by first_seen, which
# every update of a scan repeats) in the file; with COUNT 1, the last line of the scan must have each field=value
# ("dst_ip=198.18.0.2", "event=portsweep") or field~LO-HI for a number in a range. Prints what it found; returns 1 on a mismatch.
dl_check() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, want = sys.argv[1], int(sys.argv[2])
scans = {}
try:
    lines = open(path).read().splitlines()
except FileNotFoundError:
    lines = []
for l in lines:
    a = json.loads(l)
    key = a.get("scan_id", a["first_seen"])  # every line of a scan carries its scan_id
    scans[key] = a
print(f"  {len(scans)} scan(s) in {len(lines)} alert line(s)")
for a in scans.values():
    print("   ", json.dumps(a))
if len(scans) != want:
    print(f"  FAIL: expected {want} scan(s)")
    sys.exit(1)
# with want > 1, the checks apply to the scan of the first argument's src_ip=ADDR
sel = [a for a in scans.values() if want == 1 or
       (sys.argv[3:] and a.get("src_ip") == sys.argv[3].split("=", 1)[1])]
if sel:
    a = sel[0]
    for kv in sys.argv[3:]:
        if "~" in kv:
            k, r = kv.split("~", 1)
            lo, hi = (int(x) for x in r.split("-"))
            if not (isinstance(a.get(k), int) and lo <= a[k] <= hi):
                print(f"  FAIL: {k} is {a.get(k)!r}, expected {lo}..{hi}")
                sys.exit(1)
            continue
        k, v = kv.split("=", 1)
        if str(a.get(k)) != v:
            print(f"  FAIL: {k} is {a.get(k)!r}, expected {v!r}")
            sys.exit(1)
PY
}
