#!/usr/bin/env bash
# timeout: 120
# parallel: yes
# Every subcommand has a man page docs/portreeve-CMD.1 that documents exactly the options
# its --help names and its parser takes (tests/tools/man_check.py), every page formats
# without one groff warning (man --warnings; a warning fails the test) and with a NAME
# line mandb can index (lexgrog), the top-level
# portreeve(1) names every subcommand page in SEE ALSO, and `portreeve help CMD` prints
# CMD's --help. The checker itself must catch a page with one option removed.
set -u
PORTREEVE=$(readlink -f "${1:-build/portreeve}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DOCS=$ROOT/docs
CHECK=$ROOT/tests/tools/man_check.py
command -v man >/dev/null && command -v groff >/dev/null || { echo "SKIP: man-db/groff missing"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
export LC_ALL=C.UTF-8 MANWIDTH=80

# The parser functions of each command (file:function, '*' for the whole file).
declare -A SRC=(
    [scan]="src/cli/scan_cli.c:*"
    [detect]="src/cli/detect_cli.c:*"
    [block]="src/cli/block_cli.c:cmd_block src/cli/block_fleet.c:*"
    [audit]="src/cli/audit_cli.c:split_args"
    [history]="src/cli/audit_cli.c:cmd_history src/cli/audit_cli.c:get_db_opt"
    [diff]="src/cli/audit_cli.c:cmd_diff src/cli/audit_cli.c:get_db_opt"
    [demo]="src/cli/demo_cli.c:cmd_demo"
)
cmds=$("$PORTREEVE" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || bad "no commands listed by 'portreeve --help'"
echo "== commands: $(echo $cmds)"

for page in "$DOCS"/portreeve.1 "$DOCS"/portreeve-*.1; do
    man --warnings -l "$page" >"$WORK/out" 2>"$WORK/err"
    if [ -s "$WORK/err" ]; then
        bad "$(basename "$page"): man --warnings:"; sed 's/^/    /' "$WORK/err"
    elif [ "$(wc -l <"$WORK/out")" -lt 10 ]; then
        bad "$(basename "$page"): formats to fewer than 10 lines"
    elif ! lexgrog "$page" >/dev/null 2>&1; then
        bad "$(basename "$page"): no whatis entry (NAME section) that lexgrog can read"
    else
        echo "ok: $(basename "$page") formats without warnings"
    fi
done

for c in $cmds; do
    page=$DOCS/portreeve-$c.1
    [ -f "$page" ] || { bad "$c: no man page $page"; continue; }
    grep -q "^\.so" "$page" && bad "$c: $page is only a .so link"
    grep -A40 '^\.SH SEE ALSO' "$DOCS/portreeve.1" | grep -q "^\.BR portreeve\\\\-$c (1)" ||
        bad "$c: portreeve.1 SEE ALSO does not name portreeve-$c(1)"
    args=()
    [ -n "${SRC[$c]-}" ] || bad "$c: this test knows no parser for it (add it to SRC)"
    for s in ${SRC[$c]-}; do args+=(--source "$ROOT/${s%%:*}:${s#*:}"); done
    [ "$c" = audit ] && args+=(--also "$DOCS/portreeve-scan.1") # audit takes scan's options
    (cd "$ROOT" && python3 "$CHECK" "$PORTREEVE" "$c" "$page" "${args[@]}") >"$WORK/check" 2>&1 ||
        bad "$c: man page and options differ:"
    sed 's/^/    /' "$WORK/check"
    "$PORTREEVE" "$c" --help >"$WORK/h1" 2>&1
    "$PORTREEVE" help "$c" >"$WORK/h2" 2>&1
    cmp -s "$WORK/h1" "$WORK/h2" && [ -s "$WORK/h1" ] || bad "$c: 'portreeve help $c' differs from '$c --help'"
done

# The checker must notice an undocumented option: a copy of the scan page without the
# .TP tag of --max-retries.
python3 - "$DOCS/portreeve-scan.1" "$WORK/scan-cut.1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(re.sub(r"\.TP\n\.BI \\-\\-max\\-retries [^\n]*\n", "", text))
PY
if grep -q 'max\\-retries " n' "$WORK/scan-cut.1"; then
    bad "could not cut --max-retries out of a copy of the scan page"
elif python3 "$CHECK" "$PORTREEVE" scan "$WORK/scan-cut.1" >"$WORK/cut" 2>&1; then
    bad "man_check passed a scan page without --max-retries"
elif grep -q 'does not document --max-retries' "$WORK/cut"; then
    echo "ok: man_check catches a page without --max-retries"
else
    bad "man_check failed on the cut page for another reason:"; cat "$WORK/cut"
fi
[ $fail = 0 ] && echo "PASS" || echo "FAIL"
exit $fail
