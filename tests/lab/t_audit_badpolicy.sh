#!/usr/bin/env bash
# timeout: 60
# parallel: yes
# Bad policy files make `portreeve audit` exit 2 before any packet is sent, with one error
# line naming the file and the line: unknown keys, bad ports, empty hosts, a missing hosts
# key, a stray line, an unreadable file; an -oX file that cannot be written; and bad use of
# history/diff gives exit 2.
set -u
PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fail=0
expect() { # description, file, expected substring of stderr
    local d=$1 f=$2 want=$3 rc
    "$PORTREEVE" audit --no-db --policy "$f" -sT -Pn -p 9 >"$W/out" 2>"$W/err"
    rc=$?
    if [ "$rc" = 2 ] && grep -qF -- "$want" "$W/err" && [ "$(wc -l <"$W/err")" = 1 ] &&
        [ ! -s "$W/out" ]; then
        echo "ok   $d: $(cat "$W/err")"
    else
        echo "FAIL $d: exit $rc, stderr: $(cat "$W/err"), wanted: $want"
        fail=1
    fi
}
P=$W/p.ini
printf '[web]\nhosts = 127.0.0.1\ntpc = 22\n' >"$P"
expect "unknown key" "$P" "$P:3: unknown key 'tpc' in [web]"
printf '# ok\n[web]\nhosts = 127.0.0.1\ntcp = 22, 80, 65536\n' >"$P"
expect "bad port" "$P" "$P:4: tcp: '65536' is not a port"
printf '[web]\nhosts = 127.0.0.1\nudp = 53-\n' >"$P"
expect "bad range" "$P" "$P:3: udp: '53-' is not a port"
printf '[web]\nhosts =\ntcp = 22\n' >"$P"
expect "empty hosts" "$P" "$P:2: hosts is empty in [web]"
printf '[web]\n\ntcp = 22\n' >"$P"
expect "no hosts key" "$P" "$P:1: section [web] has no 'hosts' key"
printf '[web]\nhosts = 127.0.0.1\nthis is not ini\n' >"$P"
expect "stray line" "$P" "$P:3: expected 'key = value'"
printf '[web]\nhosts = 127.0.0.999\n' >"$P"
expect "bad address" "$P" "$P:2:"
printf '[web]\nhosts = 127.0.0.1\nmissing = sometimes\n' >"$P"
expect "bad missing" "$P" "$P:3: missing: 'sometimes'"
expect "missing file" "$W/none.ini" "policy file '$W/none.ini': No such file or directory"
expect "a directory" "$W" "policy file '$W': not a regular file"
printf '[web]\nhosts = 127.0.0.1\n' >"$W/unreadable.ini"
chmod 000 "$W/unreadable.ini"
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null; then
        chmod 755 "$W"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$PORTREEVE" audit --no-db \
            --policy "$W/unreadable.ini" -sT -p 9 >/dev/null 2>"$W/err2"
        rc=$?
        if [ "$rc" = 2 ] && grep -q "unreadable.ini': Permission denied" "$W/err2"; then
            echo "ok   unreadable file: $(cat "$W/err2")"
        else
            echo "FAIL unreadable file: exit $rc: $(cat "$W/err2")"
            fail=1
        fi
    fi
else
    expect "unreadable file" "$W/unreadable.ini" "Permission denied"
fi

# an output file that cannot be written is refused before the scan: nothing judged or stored
printf '[web]\nhosts = 127.0.0.1\ntcp = 22\n' >"$P"
"$PORTREEVE" audit --db "$W/h0.sqlite" --policy "$P" -sT -Pn -p 9 -oX "$W/no/such/dir/a.xml" \
    >"$W/out" 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q "cannot write '$W/no/such/dir/a.xml'" "$W/err" && [ ! -s "$W/out" ] &&
    [ ! -e "$W/h0.sqlite" ] && echo "ok   unwritable -oX refused before the scan: $(cat "$W/err")" ||
    { echo "FAIL unwritable -oX: $rc $(cat "$W/err") $(cat "$W/out")"; fail=1; }

"$PORTREEVE" audit -sT >/dev/null 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q -- "--policy FILE is required" "$W/err" && echo "ok   no --policy" ||
    { echo "FAIL no --policy: $rc $(cat "$W/err")"; fail=1; }
"$PORTREEVE" diff "$W/nope.xml" 3 >/dev/null 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q "nope.xml" "$W/err" && echo "ok   diff of a missing file: $(cat "$W/err")" ||
    { echo "FAIL diff missing file: $rc $(cat "$W/err")"; fail=1; }
printf '<html><body/></html>\n' >"$W/x.xml"
"$PORTREEVE" diff "$W/x.xml" "$W/x.xml" >/dev/null 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q "not an nmap XML file" "$W/err" && echo "ok   diff of a non-nmap file" ||
    { echo "FAIL diff non-nmap file: $rc $(cat "$W/err")"; fail=1; }
"$PORTREEVE" diff --db "$W/h.sqlite" 1 2 >/dev/null 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q "no run 1 in the history" "$W/err" && echo "ok   diff of unknown runs" ||
    { echo "FAIL diff unknown runs: $rc $(cat "$W/err")"; fail=1; }
exit $fail
