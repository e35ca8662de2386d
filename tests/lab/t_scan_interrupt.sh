#!/usr/bin/env bash
# timeout: 120
# A scan is honest when interrupted, goes on past bad names and takes the option forms
# nmap users type (issue 16). In the lab (targets A and B), from a directory only root
# may write (the scan runs as an unprivileged account after start-up):
#  - SIGINT at 0.5 s and at 2 s: exit 130 within 1 s of the signal; the XML is valid
#    against nmap.dtd with <finished exit="error" errormsg="interrupted by SIGINT...">,
#    "(interrupted)" ends the normal and grepable trailers, the JSON lines end with
#    {"incomplete":true,"interrupted":true,...}; every port shown has the state the
#    uninterrupted scan gives it (no unprobed port shown as filtered); the resume file
#    named on stderr exists, and `--resume` ends with exactly the uninterrupted result;
#  - -T0 (5 minutes between probes) ends within 1 s of SIGINT; SIGTERM exits 143;
#  - a finished scan leaves no resume file; an nmap -oN file given to --resume is "not a
#    portreeve resume file";
#  - an -iL list with an unresolvable name and a bad line warns (nmap's "Failed to
#    resolve") and scans the rest, exit 0;
#  - --opt=value and prefix forms (--max-rate=, --top-port, --max-ret=, --exclude=) give
#    the same result as the spaced forms;
#  - --exclude-ports, -r, -v "Discovered open port" lines, --append-output, -sL;
#  - -Pn: a host that answers shows its lab RTT (< 50 ms), one that does not exist shows
#    "Host is up." without a latency (SYN and connect scans).
set -u
. "$(dirname "$0")/scanlib.sh"
scan_test_setup "$@"
fail=0
W=$WORK
chmod 755 "$W" # root's only: the resume file must be made before the privilege drop
DTD=/usr/share/nmap/nmap.dtd
NS=$LAB_NS_SCAN
SCAN=(-sS -p 1-1000 --max-rate 800 --max-retries 2 "$LAB_A" "$LAB_B")

ports() { # XML: "addr proto/port state" lines of every port shown (extraports expanded)
    /usr/bin/python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
def expand(spec):
    for part in spec.split(","):
        a, _, b = part.partition("-")
        yield from range(int(a), int(b or a) + 1)
out = set()
for h in ET.parse(sys.argv[1]).getroot().iter("host"):
    addr = h.find("address").get("addr")
    for p in h.iter("port"):
        out.add(f"{addr} {p.get('protocol')}/{p.get('portid')} {p.find('state').get('state')}")
    for ex in h.iter("extraports"):
        for r in ex.iter("extrareasons"):
            for n in expand(r.get("ports", "")):
                out.add(f"{addr} {r.get('proto')}/{n} {ex.get('state')}")
print("\n".join(sorted(out)))
EOF
}
now_ms() { date +%s%3N; }
# NAME SIGNAL AFTER ARGS...: a scan in $W signalled after AFTER seconds; keeps NAME.rc,
# NAME.err and NAME.ms (milliseconds from the signal to the exit)
stopped() {
    local name=$1 sig=$2 after=$3 t0
    shift 3
    t0=$(now_ms)
    ( cd "$W" && timeout --preserve-status -s "$sig" "$after" \
        ip netns exec "$NS" "$PORTREEVE" scan "$@" >"$W/$name.out" 2>"$W/$name.err" )
    echo $? >"$W/$name.rc"
    awk -v t0="$t0" -v now="$(now_ms)" -v a="$after" 'BEGIN { printf "%d\n", now - t0 - a * 1000 }' \
        >"$W/$name.ms"
    echo "   $name: exit $(cat "$W/$name.rc"), ended $(cat "$W/$name.ms") ms after SIG$sig"
}
resume_file() { sed -n 's/.*resume with: portreeve scan --resume \(portreeve-[0-9-]*\.resume\)$/\1/p' "$W/$1.err"; }

# -- the uninterrupted result
( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan "${SCAN[@]}" -oX base.xml >/dev/null 2>"$W/base.err" )
check "uninterrupted scan: exit 0" test $? = 0
ports "$W/base.xml" >"$W/base.ports"
check "uninterrupted scan: every port of A and B is in the XML ($(wc -l <"$W/base.ports"))" \
    test "$(wc -l <"$W/base.ports")" = 2000
sleep 0.3 # the child that removes an unused resume file works after the scan's exit
check "a finished scan leaves no resume file" sh -c "! ls '$W'/portreeve-*.resume 2>/dev/null | grep -q ."

for at in 0.5 2; do
    n=int$at
    stopped "$n" INT "$at" "${SCAN[@]}" -oX "$n.xml" -oN "$n.nmap" -oG "$n.gnmap" -oJ "$n.jsonl"
    check "SIGINT at $at s: exit 130" test "$(cat "$W/$n.rc")" = 130
    check "SIGINT at $at s: ended within 1 s of the signal" test "$(cat "$W/$n.ms")" -lt 1000
    check "SIGINT at $at s: XML valid against nmap.dtd" xmllint --noout --dtdvalid "$DTD" "$W/$n.xml"
    check "SIGINT at $at s: XML finished exit=error errormsg=interrupted" \
        grep -q '<finished [^>]*exit="error" errormsg="interrupted by SIGINT' "$W/$n.xml"
    check "SIGINT at $at s: normal trailer says (interrupted)" \
        grep -q '^# portreeve done at .* seconds (interrupted)$' "$W/$n.nmap"
    check "SIGINT at $at s: grepable trailer says (interrupted)" \
        grep -q '^# portreeve done at .* seconds (interrupted)$' "$W/$n.gnmap"
    check "SIGINT at $at s: the JSON lines end marked" \
        sh -c "tail -1 '$W/$n.jsonl' | grep -q '^{\"incomplete\":true,\"interrupted\":true'"
    ports "$W/$n.xml" >"$W/$n.ports"
    extra=$(comm -23 "$W/$n.ports" "$W/base.ports" | head -3)
    check "SIGINT at $at s: each of the $(wc -l <"$W/$n.ports") ports shown has its true state${extra:+ (not: $extra)}" \
        test -z "$extra"
    check "SIGINT at $at s: fewer ports shown than scanned" test "$(wc -l <"$W/$n.ports")" -lt 2000
    rf=$(resume_file "$n")
    check "SIGINT at $at s: resume file $rf written in a root-only directory" test -n "$rf" -a -s "$W/$rf"
    cp "$W/$n.xml" "$W/$n.first.xml"
    ( cd "$W" && ip netns exec "$NS" "$PORTREEVE" scan --resume "$rf" >/dev/null 2>"$W/$n.r.err" )
    check "SIGINT at $at s: --resume exits 0" test $? = 0
    ports "$W/$n.xml" >"$W/$n.r.ports"
    check "SIGINT at $at s: --resume ends with the uninterrupted result" \
        diff -u "$W/base.ports" "$W/$n.r.ports"
    check "SIGINT at $at s: the resumed XML is not marked" \
        grep -q '<finished [^>]*exit="success"' "$W/$n.xml"
done

stopped t0 INT 1 -T0 -Pn -p 22,80 -oX t0.xml "$LAB_A"
check "-T0: exit 130 within 1 s of SIGINT" \
    sh -c "[ $(cat "$W/t0.rc") = 130 ] && [ $(cat "$W/t0.ms") -lt 1000 ]"
check "-T0: XML marked and valid" sh -c "grep -q 'errormsg=\"interrupted by SIGINT' '$W/t0.xml' &&
    xmllint --noout --dtdvalid '$DTD' '$W/t0.xml'"
check "-T0: resume file written" test -s "$W/$(resume_file t0)"
stopped term TERM 0.7 -T1 -p 1-20 -oG term.gnmap "$LAB_A"
check "SIGTERM: exit 143 within 1 s" \
    sh -c "[ $(cat "$W/term.rc") = 143 ] && [ $(cat "$W/term.ms") -lt 1000 ]"
check "SIGTERM: grepable trailer marked" grep -q '(interrupted)$' "$W/term.gnmap"

printf '# Nmap 7.93 scan initiated Thu Dec  3 06:00:00 2026 as: nmap -oN x 198.18.0.2\n' >"$W/nmap.txt"
ip netns exec "$NS" "$PORTREEVE" scan --resume "$W/nmap.txt" >/dev/null 2>"$W/nm.err"
check "--resume of an nmap -oN file: exit 2, not a portreeve resume file" \
    sh -c "[ $? = 2 ] && grep -q 'not a portreeve resume file' '$W/nm.err'"

# -- bad names: the scanner namespace has no route to any DNS server, so the name fails
#    at once and no query leaves
printf '%s\nnosuch.invalid\n198.18.0.300\n' "$LAB_A" >"$W/list.txt"
ip netns exec "$NS" "$PORTREEVE" scan -p 22,80 -iL "$W/list.txt" -oX "$W/names.xml" >/dev/null \
    2>"$W/names.err"
check "a list with a bad name and a bad line: exit 0" test $? = 0
check "the unresolvable name warns as nmap does" grep -qx 'Failed to resolve "nosuch.invalid".' "$W/names.err"
check "the bad line warns with its line number" grep -q "list.txt line 3.*skipped" "$W/names.err"
check "the rest is scanned" grep -q "<address addr=\"$LAB_A\"" "$W/names.xml"

# -- option forms
spaced=(-sS --max-rate 500 --max-retries 1 --top-ports 20 --exclude "$LAB_B" --exclude-ports 23
    198.18.0.2-3)
forms=(-sS --max-rate=500 --max-ret=1 --top-port 20 --exclude="$LAB_B" --exclude-p=T:23
    198.18.0.2-3)
pr_scan "${spaced[@]}" -oX "$W/spaced.xml" >/dev/null 2>&1
pr_scan -v "${forms[@]}" -oX "$W/forms.xml" >"$W/forms.out" 2>"$W/forms.err"
check "--opt=value and prefix forms: exit 0" test $? = 0
ports "$W/spaced.xml" >"$W/spaced.ports"
ports "$W/forms.xml" >"$W/forms.ports"
check "--opt=value and prefix forms give the spaced forms' result (19 ports of A, B excluded)" \
    sh -c "diff -q '$W/spaced.ports' '$W/forms.ports' >/dev/null &&
    [ \$(wc -l <'$W/forms.ports') = 19 ] && ! grep -q '$LAB_B' '$W/forms.ports'"
check "--exclude-ports 23: not scanned" sh -c "! grep -q ' tcp/23 ' '$W/forms.ports'"
check "-v: open ports are announced as found" \
    sh -c "grep -qx 'Discovered open port 22/tcp on $LAB_A' '$W/forms.out' &&
    [ \$(grep -n '^Discovered open port 80/tcp' '$W/forms.out' | cut -d: -f1) -lt \
      \$(grep -n '^PORT ' '$W/forms.out' | cut -d: -f1) ]"
pr_scan --dry-run -r -p 1-3 "$LAB_A" "$LAB_B" 2>/dev/null | awk '{print $3, $4}' >"$W/r.txt"
check "-r: ports in order, each port on every host before the next" \
    test "$(tr '\n' ' ' <"$W/r.txt")" = "$LAB_A 1 $LAB_B 1 $LAB_A 2 $LAB_B 2 $LAB_A 3 $LAB_B 3 "
tx() { ip netns exec "$NS" cat "/sys/class/net/$LAB_IF_SCAN/statistics/tx_packets"; }
before=$(tx)
pr_scan -sL "$LAB_A" "$LAB_B" -oX "$W/list.xml" >"$W/list.out" 2>&1
after=$(tx)
check "-sL: both targets listed with state unknown, valid XML, nothing sent" \
    sh -c "[ \$(grep -c '<status state=\"unknown\" reason=\"user-set\"' '$W/list.xml') = 2 ] &&
    grep -qx 'portreeve scan report for $LAB_B' '$W/list.out' &&
    xmllint --noout --dtdvalid '$DTD' '$W/list.xml' && [ $before = $after ]"
for i in 1 2; do pr_scan -p 22 --append-output -oG "$W/app.gnmap" "$LAB_A" >/dev/null 2>&1; done
check "--append-output: two runs in one file" test "$(grep -c '^# portreeve done' "$W/app.gnmap")" = 2
pr_scan --max-r 3 "$LAB_A" >/dev/null 2>"$W/amb.err"
check "an ambiguous prefix is refused, naming the candidates" \
    sh -c "[ $? = 2 ] && grep -q \"option '--max-r' is ambiguous; possibilities: --max-rate --max-retries\" '$W/amb.err'"

# -- -Pn latency
for t in -sS -sT; do
    pr_scan "$t" -Pn -p 22,80 --max-retries 1 --max-rtt-timeout 300ms "$LAB_A" 198.18.0.99 \
        >"$W/pn$t.out" 2>&1
    lat=$(awk '/report for 198.18.0.2$/ {getline; print}' "$W/pn$t.out")
    check "-Pn $t: A's latency is its lab RTT ($lat)" \
        sh -c "echo '$lat' | awk '{ gsub(/[(s]/, \"\", \$4) } \$4 > 0 && \$4 < 0.05 { ok=1 } END { exit !ok }'"
    check "-Pn $t: a host that never answered is up without a latency" \
        sh -c "awk '/report for 198.18.0.99\$/ {getline; print}' '$W/pn$t.out' | grep -qx 'Host is up.'"
done

exit $fail
