#!/usr/bin/env bash
# timeout: 240
# parallel: yes
# portreeve audit against lab target A with an SQLite history: compliant (exit 0), a new
# listener (exit 1 naming host, port, proto), the listener gone (exit 0, the change named);
# `portreeve diff` of two of the audits' XML files agrees with ndiff on the ports that
# changed; the HTML report renders in headless Chromium (violation in the DOM, screenshot in
# the build directory); two audits writing one SQLite file at once both succeed; an
# interrupted audit stores nothing; scan --db.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
. "$LAB_LIB_DIR/auditlib.sh"
BUILD_DIR=$(dirname "$PORTREEVE")
DB=$WORK/history.sqlite

audit_flow "$DB"

# --- portreeve diff vs ndiff on two XML files (before and with the listener) ---
changed_ndiff() { ndiff "$1" "$2" | sed -nE 's#^[-+]([0-9]+)/(tcp|udp) .*#\1/\2#p' | sort -u; }
changed_ours() {
    "$PORTREEVE" diff "$1" "$2" | sed -nE 's#^[-+]([0-9]+)/(tcp|udp) .*#\1/\2#p' | sort -u
}
for pair in "run1 run2" "run2 run3" "run1 run3"; do
    set -- $pair
    a=$WORK/$1.xml b=$WORK/$2.xml
    n=$(changed_ndiff "$a" "$b" | tr '\n' ' ')
    o=$(changed_ours "$a" "$b" | tr '\n' ' ')
    echo "  $1 -> $2: ndiff [$n] portreeve [$o]"
    check "diff $1 $2 agrees with ndiff" test "$n" = "$o"
done
check "diff run1 run2 names $NEW_PORT/tcp" test -n "$(changed_ours "$WORK/run1.xml" "$WORK/run2.xml" | grep "^$NEW_PORT/tcp$")"

# --- the HTML report in headless Chromium (inside the scanner namespace: no way out) ---
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
    echo "FAIL chromium is not installed (Debian package chromium)"
    fail=1
else
    check "report is self-contained (no http/https references)" \
        sh -c "! grep -Eiq '(src|href)=\"?(https?:)?//' '$WORK/report.html'"
    check "report has an inline SVG chart" grep -q '<svg' "$WORK/report.html"
    PROFILE=$(mktemp -d)
    chrome() {
        ip netns exec "$LAB_NS_SCAN" timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu \
            --disable-background-networking --disable-component-update --disable-sync \
            --no-first-run --disable-dev-shm-usage --user-data-dir="$PROFILE" "$@"
    }
    chrome --dump-dom "file://$WORK/report.html" >"$WORK/dom.html" 2>"$WORK/chrome.err"
    check "rendered DOM holds the violation" \
        grep -Eq "unexpected-open.*$LAB_A.*$NEW_PORT/tcp|$NEW_PORT/tcp.*unexpected-open" \
        <(tr -d '\n' <"$WORK/dom.html" | sed 's#</tr>#</tr>\n#g')
    check "rendered DOM says NOT COMPLIANT" grep -q 'NOT COMPLIANT' "$WORK/dom.html"
    rm -f "$BUILD_DIR/audit-report.png"
    (cd "$WORK" && chrome --window-size=1200,1400 --screenshot="$BUILD_DIR/audit-report.png" \
        "file://$WORK/report.html" >/dev/null 2>>"$WORK/chrome.err")
    check "screenshot saved in $BUILD_DIR/audit-report.png" test -s "$BUILD_DIR/audit-report.png"
    [ "$fail" = 0 ] || tail -n 5 "$WORK/chrome.err"
    rm -rf "$PROFILE"
fi

# --- two audits writing the same SQLite file at once ---
CDB=$WORK/concurrent.sqlite
pr_audit "$WORK/c1.txt" --policy "$WORK/policy.ini" --db "$CDB" &
p1=$!
pr_audit "$WORK/c2.txt" --policy "$WORK/policy.ini" --db "$CDB" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
cat "$WORK/c1.txt.err" "$WORK/c2.txt.err"
check "concurrent audit 1 succeeded (exit $r1)" test "$r1" = 0
check "concurrent audit 2 succeeded (exit $r2)" test "$r2" = 0
check "both concurrent runs are stored" \
    test "$(sqlite3 "$CDB" "SELECT COUNT(*) FROM runs WHERE kind='audit'")" = 2

# --- an interrupted audit stores nothing and leaves the history intact ---
before=$(sqlite3 "$DB" "SELECT COUNT(*) FROM runs")
ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" audit --policy "$WORK/policy.ini" --db "$DB" -sS -Pn \
    -p 1-3000 --scan-delay 100ms >"$WORK/int.txt" 2>&1 &
pint=$!
sleep 2
kill -TERM "$pint"
wait "$pint"
rint=$?
cat "$WORK/int.txt"
check "interrupted audit: exit 2" test "$rint" = 2
check "interrupted audit: nothing stored" test "$(sqlite3 "$DB" "SELECT COUNT(*) FROM runs")" = "$before"
check "interrupted audit: the database is intact" test "$(sqlite3 "$DB" "PRAGMA integrity_check")" = ok

# --- scan --db stores a scan run ---
pr_scan -sS -Pn -p 22,80 --db "$DB" "$LAB_A" >/dev/null 2>"$WORK/scan.err"
check "scan --db: stored" test "$(sqlite3 "$DB" "SELECT COUNT(*) FROM runs WHERE kind='scan'")" = 1
check "scan --db: its open ports are stored" \
    test "$(sqlite3 "$DB" "SELECT COUNT(*) FROM ports p JOIN runs r ON r.id = p.run_id WHERE r.kind='scan' AND p.state='open'")" = 2

exit $fail
