#!/usr/bin/env bash
# timeout: 400
# With 10% netem loss on the target's link (each direction), a SYN scan of the top 1000
# ports still reports every open port, and every port's state equals the truth: the engine
# measures how many answers needed a retransmission and retries as often as that requires.
set -u
LAB_UP_ARGS=(--netem "loss 10%")
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
for run in 1 2 3; do
    pr_scan -sS -vv --top-ports 1000 "$LAB_A" -oX "$WORK/loss$run.xml" >"$WORK/loss$run.txt" 2>&1 ||
        { echo "FAIL run $run: portreeve exited non-zero"; cat "$WORK/loss$run.txt"; exit 1; }
    ports=$(/usr/bin/python3 -c '
import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.argv[1]).getroot().find("scaninfo").get("services"))' "$WORK/loss$run.xml")
    grep "tries per port" "$WORK/loss$run.txt" | sed 's/^/     /'
    if check_truth syn "$LAB_A" "$ports" "$WORK/loss$run.xml" >"$WORK/loss$run.cmp"; then
        echo "ok   run $run: every open port found, every state right despite 10% loss"
    else
        echo "FAIL run $run:"; cat "$WORK/loss$run.cmp"; fail=1
    fi
done
# a fast full-port scan under the same loss (issue 3): every port of 65535 right
pr_scan -sS -vv -Pn -p- --max-rate 100000 "$LAB_A" -oX "$WORK/full.xml" >"$WORK/full.txt" 2>&1 ||
    { echo "FAIL full: portreeve exited non-zero"; cat "$WORK/full.txt"; exit 1; }
grep "tries per port" "$WORK/full.txt" | sed 's/^/     /'
if check_truth syn "$LAB_A" 1-65535 "$WORK/full.xml" >"$WORK/full.cmp"; then
    echo "ok   fast full-port scan (-p- at 100k packets/s): every open port found, all 65535 states right"
else
    echo "FAIL fast full-port scan:"; tail -20 "$WORK/full.cmp"; fail=1
fi
exit $fail
