#!/usr/bin/env bash
# t_detect_live.sh — `portreeve detect -i` in the target namespace reports a scan from the
# scanner namespace within 1 s of its 10th probe, serves --metrics, and prints its summary on
# SIGTERM.
# timeout: 90
set -u
PR=${1:?usage: t_detect_live.sh /path/to/portreeve}
. "$(dirname "$0")/detect_lab.sh"
command -v hping3 >/dev/null || dl_skip "needs hping3"
dl_up || exit 1
S=$DL_S T=$DL_T

# the detector, each output line stamped with the wall clock when it appeared
mkfifo "$DL_DIR/fifo"
while IFS= read -r l; do echo "$(date +%s.%N) $l"; done <"$DL_DIR/fifo" >"$DL_DIR/detect.out" &
RPID=$!
ip netns exec "$T" "$PR" detect -i "$DL_TV" --alerts "$DL_DIR/alerts.json" --duration 40 \
    --metrics 127.0.0.1:9464 \
    2>"$DL_DIR/detect.err" >"$DL_DIR/fifo" &
DPID=$! # ip netns exec execs the detector: this is its pid
for i in $(seq 50); do grep -q listening "$DL_DIR/detect.err" && break; sleep 0.1; done
grep -q listening "$DL_DIR/detect.err" || { cat "$DL_DIR/detect.err"; exit 1; }
ip netns exec "$T" tcpdump -Z root --immediate-mode -tt -nn -l -i "$DL_TV" \
    "tcp[tcpflags] == tcp-syn and src host $DL_SCANNER" >"$DL_DIR/syns.txt" 2>"$DL_DIR/syns.err" &
DL_PIDS+=($!)
for i in $(seq 100); do grep -q listening "$DL_DIR/syns.err" && break; sleep 0.1; done

# 20 SYN probes at 5 per second to ports 1..20 (closed: answered by RST)
ip netns exec "$S" timeout 20 hping3 -q -S -p ++1 -c 20 -i u200000 $DL_TARGET >/dev/null 2>&1
sleep 1
# the counters in the Prometheus text format
ip netns exec "$T" /usr/bin/python3 -c '
import http.client
c = http.client.HTTPConnection("127.0.0.1", 9464, timeout=3)
c.request("GET", "/metrics")
print(c.getresponse().read().decode())' >"$DL_DIR/metrics.txt" 2>&1
grep -E '^portreeve_detect_(scans|alerts)_total' "$DL_DIR/metrics.txt"
grep -q '^portreeve_detect_scans_total 1$' "$DL_DIR/metrics.txt" ||
    { cat "$DL_DIR/metrics.txt"; echo "FAIL: metrics"; kill -TERM $DPID; exit 1; }
kill -TERM $DPID
wait $DPID
wait $RPID
cat "$DL_DIR/detect.out"
t10=$(awk 'NR == 10 {print $1}' "$DL_DIR/syns.txt")
ta=$(awk '$3 == "ALERT" {print $1; exit}' "$DL_DIR/detect.out")
echo "10th probe at $t10, alert printed at $ta"
[ -n "$t10" ] && [ -n "$ta" ] || { echo "FAIL: missing probe or alert"; exit 1; }
/usr/bin/python3 -c "import sys; d = float(sys.argv[2]) - float(sys.argv[1]); print(f'alert {d:+.3f} s after the 10th probe'); sys.exit(0 if d <= 1.0 else 1)" "$t10" "$ta" || { echo "FAIL: too late"; exit 1; }
grep -q '^[0-9.]* summary:' "$DL_DIR/detect.out" || { echo "FAIL: no summary after SIGTERM"; exit 1; }
dl_check "$DL_DIR/alerts.json" 1 event=portscan scan_type=syn src_ip=$DL_SCANNER dst_ip=$DL_TARGET
