#!/usr/bin/env bash
# demo.sh — `make demo`: build a throwaway lab in network namespaces, scan one target with
# each of the six classic techniques, watch the scans with `portreeve detect` on the
# target, print what each technique saw side by side and what the detector said, then
# tear the lab down. Needs root. Usage: tests/lab/demo.sh path/to/portreeve
# (`portreeve demo` runs this script; exit 2 without root, 3 when the lab cannot be built)
set -u
PORTREEVE=$(readlink -f "${1:-build/portreeve}")
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it builds network namespaces)"; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
export LAB_PREFIX=demo$$
. "$HERE/lab.sh"
echo "== building the lab (namespaces ${LAB_PREFIX}s/a/b/w, servers, firewall rules)"
lab_up || exit 3
W=$LAB_DIR/demo
mkdir -p "$W"
S=(ip netns exec "$LAB_NS_SCAN")

# The detector watches target A's interface while we scan it.
DETECT=0
if "$PORTREEVE" detect --help >/dev/null 2>&1; then
    ip netns exec "$LAB_NS_A" "$PORTREEVE" detect -i "$LAB_IF_A" --alerts "$W/alerts.json" \
        >"$W/detect.txt" 2>&1 &
    DETECT=$!
    LAB_DOWN_HOOKS+=("kill $DETECT 2>/dev/null")
    sleep 1
fi

TCP_PORTS=1-1024
UDP_PORTS=53,67-69,111,123,137,138,161,177,500,514,520,623
echo "== scanning $LAB_A: TCP ports $TCP_PORTS, UDP ports $UDP_PORTS"
for t in sT:connect sS:syn sF:fin sN:null sX:xmas sU:udp; do
    flag=-${t%%:*} name=${t#*:}
    ports=$TCP_PORTS
    [ "$name" = udp ] && ports=$UDP_PORTS
    start=$(date +%s%N)
    "${S[@]}" "$PORTREEVE" scan "$flag" -Pn -p "$ports" "$LAB_A" -oJ "$W/$name.json" >/dev/null 2>"$W/$name.err" ||
        { echo "scan $flag failed:"; cat "$W/$name.err"; }
    ms=$((($(date +%s%N) - start) / 1000000))
    printf '   %-4s %-8s %d.%03ds\n' "$flag" "$name" $((ms / 1000)) $((ms % 1000))
    sleep 1 # let the detector see each scan as its own
done

/usr/bin/python3 - "$W" <<'PY'
import json, os, sys
w = sys.argv[1]
techs = ["connect", "syn", "fin", "null", "xmas", "udp"]
seen = {}
for t in techs:
    path = os.path.join(w, t + ".json")
    if not os.path.exists(path):
        continue
    for line in open(path):
        r = json.loads(line)
        if "port" in r:
            seen.setdefault((r["proto"], r["port"]), {})[t] = r["state"]
rows = [k for k, v in seen.items() if any(s != "closed" for s in v.values())]
rows.sort(key=lambda k: (k[0], k[1]))
print()
print("What each technique saw (ports closed to every technique are not shown):")
print("%-9s" % "PORT" + "".join("%-15s" % t for t in techs))
for k in rows:
    print("%-9s" % ("%d/%s" % (k[1], k[0])) + "".join("%-15s" % seen[k].get(t, "-") for t in techs))
print("""
How to read it:
  connect  completes the handshake with connect(): open, closed (reset) or filtered.
  syn      half-open: a SYN/ACK means open, a reset closed, silence or ICMP filtered.
  fin/null/xmas  odd flag sets: a closed port answers reset; an open one stays silent, as
           does a firewall's DROP, so both are open|filtered; ICMP rejects are filtered.
  udp      any UDP reply means open; ICMP port-unreachable closed (paced to the target's
           ICMP rate limit); other ICMP filtered; silence open|filtered.""")
PY

if [ "$DETECT" != 0 ]; then
    sleep 2
    kill -INT "$DETECT" 2>/dev/null; wait "$DETECT" 2>/dev/null
    echo
    echo "What portreeve detect saw on $LAB_A:"
    sed 's/^/   /' "$W/detect.txt"
fi
echo
echo "== tearing the lab down"
