#!/usr/bin/env bash
# t_detect_fwlog_same.sh — identical output for identical input: two runs of `detect --fwlog`
# over one generated file of 1,000,000 LOG lines (tests/tools/fwlog_gen.c: ~290,000 sources,
# most of them new, so the source table evicts all the time; nmap-, masscan-like and IP
# protocol scans with AH/ESP/GRE lines) must write byte-identical JSON alerts and summaries.
# Before the table key was made stable for offline inputs, two runs differed (e.g. 4,859 and
# 4,877 scans on this file). Needs no root and no namespace.
# timeout: 120
# parallel: yes
set -u
PR=${1:?usage: t_detect_fwlog_same.sh /path/to/portreeve}
GEN=$(dirname "$PR")/fwlog_gen
[ -x "$GEN" ] || { echo "SKIP: $GEN not built"; exit 77; }
[ -s /etc/machine-id ] || { echo "SKIP: no /etc/machine-id (the table key is then random)"; exit 77; }
D=$(mktemp -d /tmp/prsame.XXXXXX)
trap 'rm -rf "$D"' EXIT
fails=0
"$GEN" 1000000 7 >"$D/fw.log" || exit 1
echo "generated $(wc -l <"$D/fw.log") lines"
for i in 1 2; do
    "$PR" detect -q --fwlog "$D/fw.log" --alerts "$D/a$i.json" >"$D/s$i.txt" 2>"$D/e$i.txt" ||
        { echo "FAIL: run $i exited $?"; fails=$((fails + 1)); }
    echo "run $i: $(cat "$D/s$i.txt")"
    cat "$D/e$i.txt"
done
cmp "$D/a1.json" "$D/a2.json" && echo "alerts identical: $(wc -l <"$D/a1.json") lines" ||
    { echo "FAIL: the alerts differ"; diff "$D/a1.json" "$D/a2.json" | head -n 6; fails=$((fails + 1)); }
cmp -s "$D/s1.txt" "$D/s2.txt" || { echo "FAIL: the summaries differ"; fails=$((fails + 1)); }
# the run must have exercised what made runs differ, and read every line
grep -q 'malformed 0,' "$D/s1.txt" || { echo "FAIL: malformed lines"; fails=$((fails + 1)); }
ev=$(sed -n 's/.*sources [0-9]* (evicted \([0-9]*\)).*/\1/p' "$D/s1.txt")
[ "${ev:-0}" -gt 100000 ] || { echo "FAIL: only ${ev:-0} sources evicted"; fails=$((fails + 1)); }
[ "$(wc -l <"$D/a1.json")" -gt 1000 ] || { echo "FAIL: too few alerts"; fails=$((fails + 1)); }
for w in '"scan_type":"ipproto"' '"tool_guess":"masscan"' '"tool_guess":"nmap"'; do
    grep -q "$w" "$D/a1.json" || { echo "FAIL: no alert with $w"; fails=$((fails + 1)); }
done
[ $fails -eq 0 ] && echo "two runs, identical alerts" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
