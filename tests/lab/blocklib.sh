# blocklib.sh — helpers for the `detect --block` lab tests (sourced after lab.sh).
#
# bl_start NAME ARGS...  start `portreeve detect -i $LAB_IF_A` in target A with ARGS;
#                        sets BL_PID; output in $LAB_DIR/NAME.{out,err,json}
# bl_stop                SIGINT to the detector, wait for it (bounded)
# bl_elems               the addresses in the block sets of A, one per line
# bl_wait_elem ADDR SEC  wait until ADDR is in the set (0) or SEC pass (1)
# bl_table_exists        0 when A has table inet portreeve
# bl_nmap_states ARGS    nmap -sS -Pn from the scanner; prints "port state" lines

bl_start() {
    local name=$1
    shift
    BL_NAME=$name
    ip netns exec "$LAB_NS_A" "$PR" detect -i "$LAB_IF_A" --alerts "$LAB_DIR/$name.json" "$@" \
        >"$LAB_DIR/$name.out" 2>"$LAB_DIR/$name.err" &
    BL_PID=$!
    local i
    for i in $(seq 100); do
        grep -q listening "$LAB_DIR/$name.err" && return 0
        kill -0 "$BL_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: detector $name did not start"
    cat "$LAB_DIR/$name.err"
    return 1
}

bl_stop() {
    kill -INT "$BL_PID" 2>/dev/null
    local i
    for i in $(seq 100); do
        kill -0 "$BL_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$BL_PID" 2>/dev/null && { echo "FAIL: detector did not stop"; kill -KILL "$BL_PID"; }
    wait "$BL_PID"
    BL_RC=$?
    # (the detector waits for its helper, which removes the table, before it exits)
    echo "--- $BL_NAME stdout"
    cat "$LAB_DIR/$BL_NAME.out"
    echo "--- $BL_NAME stderr"
    cat "$LAB_DIR/$BL_NAME.err"
    return "$BL_RC"
}

bl_elems() {
    local s
    for s in blocklist blocklist6; do
        ip netns exec "$LAB_NS_A" nft -j list set inet portreeve $s 2>/dev/null
    done | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    for it in json.loads(line)["nftables"]:
        for e in it.get("set", {}).get("elem", []):
            print(e["elem"]["val"] if isinstance(e, dict) else e)'
}

bl_wait_elem() {
    local i n=$(($2 * 10))
    for i in $(seq "$n"); do
        bl_elems | grep -qx "$1" && return 0
        sleep 0.1
    done
    return 1
}

bl_table_exists() {
    ip netns exec "$LAB_NS_A" nft list tables 2>/dev/null | grep -q 'inet portreeve'
}

bl_nmap_states() {
    lab_scan_exec timeout 120 nmap -n -Pn -sS -T4 --max-retries 1 -oG - "$@" "$LAB_A" 2>/dev/null |
        /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"Ports: (.*?)(\t|$)", line)
    if m:
        for p in m.group(1).split(", "):
            f = p.split("/")
            print(f[0], f[1])'
}
