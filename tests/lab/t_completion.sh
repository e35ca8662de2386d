#!/usr/bin/env bash
# timeout: 60
# parallel: yes
# The bash completion (contrib/bash-completion/portreeve, with Debian's bash-completion):
# the first word completes to the commands, `help` and `block` to theirs, and after
# `portreeve CMD --` it offers the options of CMD's --help, for every command the program
# lists: a few known ones per command must be there, every option the help names (as
# tests/tools/man_check.py reads them), and nothing that is not an option.
set -u
PORTREEVE=$(readlink -f "${1:-build/portreeve}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || { echo "SKIP: bash-completion is not installed"; exit 77; }
exec bash --norc --noprofile -s "$PORTREEVE" "$ROOT" "$BC" <<'SH'
PORTREEVE=$1 ROOT=$2
. "$3"
. "$ROOT/contrib/bash-completion/portreeve"
fail=0
# complete WORD... : the candidates bash would offer for the command line "WORD..." with
# the cursor at the end of the last word.
complete_line() {
    COMP_WORDS=("$PORTREEVE" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _portreeve portreeve "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
expect() { # what: the candidates must contain each of the words after --
    local what=$1 got; shift
    got=$(complete_line "${LINE[@]}")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || { echo "FAIL: '${LINE[*]}' does not offer $w (got: $(echo $got))"; fail=1; return; }
    done
    echo "ok: $what: '${LINE[*]}' offers $*"
}
LINE=(""); expect "commands" scan detect block audit history diff help
LINE=(h); expect "commands starting with h" help history
LINE=(help ""); expect "help topics" scan detect block audit history diff
LINE=(block ""); expect "block actions" list unblock flush
LINE=(scan --max-r); expect "scan prefix" --max-rate --max-retries --max-rtt-timeout
LINE=(scan -); expect "scan" -sV -oX -6 -p --top-ports --exclude-ports --source-port --version-all
LINE=(detect --); expect "detect" --fwlog --http-log --block --learn --read --no-sandbox
LINE=(audit --); expect "audit" --policy --fail-on --passive --sarif --no-db
LINE=(history --); expect "history" --db --policy --last
LINE=(diff --); expect "diff" --db
LINE=(block --); expect "block" --sync --allow --block-anyway --retain --db --reason --id --json
LINE=(block --db postgresql:///fleet ""); expect "block --db actions" list unblock
# every command the program lists gets options from its --help, and only options
for c in $("$PORTREEVE" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
    got=$(complete_line "$c" -)
    n=$(grep -c . <<<"$got")
    other=$(grep -v -- '^-' <<<"$got")
    if [ "$n" -lt 1 ] || [ -n "$other" ]; then
        echo "FAIL: '$c -' offers $n candidates, not options: $(echo $other)"; fail=1
    elif ! missing=$(python3 - "$PORTREEVE" "$c" "$ROOT/tests/tools" $got <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
import man_check
offered = {man_check.canon(o) for o in sys.argv[4:]}
missing = sorted(man_check.help_opts(sys.argv[1], sys.argv[2]) - offered)
print(" ".join(missing))
sys.exit(1 if missing else 0)
PY
    ); then
        echo "FAIL: '$c -' does not offer these options of '$c --help': $missing"; fail=1
    else
        echo "ok: '$c -' offers $n options, every option '$c --help' names"
    fi
done
[ $fail = 0 ] && echo PASS || echo FAIL
exit $fail
SH
