#!/usr/bin/env bash
# t_detect_webui.sh — `portreeve detect -i --web` in the target namespace, under its real
# privileges (user switch, seccomp): the JSON and headers of the server (curl, jq), then the
# page in headless Chromium (cdp_page.py: DevTools over a pipe) while nmap scans the target:
# the lab's hosts render, the running scan shows as active, a second scan started after the
# page loaded appears without a reload. Then the --report written on exit and the --report
# of `-r` on a capture the test recorded: self-contained, and Chromium renders the hosts.
# timeout: 120
# parallel: yes
set -u
PR=${1:?usage: t_detect_webui.sh /path/to/portreeve}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/detect_lab.sh"
for t in nmap curl jq; do command -v $t >/dev/null || dl_skip "needs $t"; done
CHROME=$(command -v chromium || true)
[ -n "$CHROME" ] || dl_skip "needs chromium (Debian package chromium)"
dl_up || exit 1
S=$DL_S T=$DL_T W=127.0.0.1:8088 D=$DL_DIR
fail=0
check() {
    local what=$1
    shift
    if "$@" >/dev/null; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
api() { ip netns exec "$T" curl -sS -m 5 "$@"; }

dl_http "$T" $DL_TARGET 8080
dl_wait_port "$T" 8080 || { echo "FAIL: no HTTP server"; exit 1; }
dl_capture_start live
ip netns exec "$T" "$PR" detect -q -i "$DL_TV" --web $W --report "$D/live.html" \
    --alerts "$D/alerts.json" --duration 90 >"$D/detect.out" 2>"$D/detect.err" &
DPID=$!
for i in $(seq 50); do grep -q "page is served" "$D/detect.err" && break; sleep 0.1; done
check "detect serves the page on $W" grep -q "page is served on http://$W/" "$D/detect.err"
# a handshake from the scanner: 8080/tcp becomes a service of the target, the scanner's SYN
# names its OS
ip netns exec "$S" curl -s -m 3 -o /dev/null http://$DL_TARGET:8080/

# --- the server: JSON and headers ---
for i in $(seq 30); do
    api http://$W/api/snapshot >"$D/snap.json" 2>/dev/null &&
        jq -e '.hosts[] | select(.ip == "'$DL_TARGET'") | .services[] | select(.port == 8080)' \
            "$D/snap.json" >/dev/null 2>&1 && break
    sleep 0.3
done
check "/api/snapshot lists both lab hosts" \
    jq -e '[.hosts[].ip] | contains(["'$DL_SCANNER'", "'$DL_TARGET'"])' "$D/snap.json"
check "/api/snapshot: 8080/tcp is a service of $DL_TARGET, with its MAC" jq -e \
    '.hosts[] | select(.ip == "'$DL_TARGET'") | (.mac == "'$DL_TMAC'") and (.services | map(.port) | index(8080))' \
    "$D/snap.json"
check "/api/snapshot: an OS for $DL_SCANNER" \
    jq -e '.hosts[] | select(.ip == "'$DL_SCANNER'") | .os != null' "$D/snap.json"
api -D "$D/headers.txt" -o "$D/index.html" http://$W/
tr -d '\r' <"$D/headers.txt" >"$D/h.txt"
check "page: 200, text/html" grep -q "^Content-Type: text/html" "$D/h.txt"
check "page: a CSP without remote sources" \
    grep -Eq "^Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';" "$D/h.txt"
check "page: nosniff, no framing, no-store" sh -c "grep -q '^X-Content-Type-Options: nosniff' '$D/h.txt' &&
    grep -q '^X-Frame-Options: DENY' '$D/h.txt' && grep -q '^Cache-Control: no-store' '$D/h.txt'"
code() { api -o /dev/null -w '%{http_code}' "$@" 2>/dev/null; }
check "POST is refused (405)" test "$(code -X POST -d x=1 http://$W/api/snapshot)" = 405
check "a DNS name in Host is refused (421, rebinding)" test "$(code -H 'Host: rebind.example' http://$W/)" = 421
check "no files are served (404)" test "$(code --path-as-is http://$W/../../etc/passwd)" = 404
big=$(head -c 20000 /dev/zero | tr '\0' a)
c=$(code -H "X-Big: $big" http://$W/)
check "a 20 kB request header is refused ($c)" test "$c" != 200

# --- the page in Chromium while nmap scans ---
ip netns exec "$S" nmap -sS -Pn -n -p 1-300 --max-rate 40 --max-retries 0 $DL_TARGET \
    >"$D/nmap1.txt" 2>&1 &
NMAP1=$!
coproc CDP { ip netns exec "$T" timeout 60 /usr/bin/python3 "$HERE/cdp_page.py" "$CHROME" "http://$W/" 2>"$D/cdp.err"; }
CPID=$CDP_PID
cdp() { # cdp COMMAND: one command, its answer line
    local line=
    echo "$*" >&"${CDP[1]}"
    read -r -t 40 line <&"${CDP[0]}"
    echo "$line"
}
r=$(cdp wait 20 '!!(document.querySelector("tr.host[data-ip=\"'$DL_SCANNER'\"]") && document.querySelector("tr.host[data-ip=\"'$DL_TARGET'\"]"))')
check "page renders the lab's hosts ($r)" test "${r%% *}" = ok
r=$(cdp wait 20 '!!document.querySelector("tr.scan.active[data-src=\"'$DL_SCANNER'\"][data-scan-type=\"syn\"]")')
check "page shows the running syn scan as active ($r)" test "${r%% *}" = ok
r=$(cdp wait 5 '!!document.querySelector("#graph-svg g[data-ip=\"'$DL_SCANNER'\"] circle.scanning") && !!document.querySelector("#graph-svg line.alert[data-from=\"'$DL_SCANNER'\"][data-to=\"'$DL_TARGET'\"]")')
check "graph marks the scanner and its scan edge ($r)" test "${r%% *}" = ok
r=$(cdp eval 'window.loadedOnce = 1; document.body.dataset.renders')
echo "     renders so far: $r"
wait $NMAP1
# a second scan, started now: it must appear without reloading the page
ip netns exec "$S" nmap -sF -Pn -n -p 1000-1040 --max-retries 0 $DL_TARGET >"$D/nmap2.txt" 2>&1
r=$(cdp wait 20 'window.loadedOnce === 1 && !!document.querySelector("tr.scan[data-src=\"'$DL_SCANNER'\"][data-scan-type=\"fin\"]")')
check "the FIN scan started after loading appears live, no reload ($r)" test "${r%% *}" = ok
r=$(cdp eval 'document.querySelectorAll("#timeline-svg circle.mark").length + " " + document.getElementById("status").textContent')
check "timeline marks and live status ($r)" sh -c "echo '$r' | grep -Eq '^ok \"([2-9]|[1-9][0-9]+) live\"'"
cdp quit >/dev/null
wait $CPID 2>/dev/null
st=/proc/$DPID/status
check "detect serves unprivileged: Uid not 0, NoNewPrivs 1, Seccomp 2, server threads" sh -c \
    "grep -Eq '^Uid:\s+[1-9]' $st && grep -Eq '^NoNewPrivs:\s+1' $st &&
     grep -Eq '^Seccomp:\s+2' $st && grep -Eq '^Threads:\s+([2-9]|[1-9][0-9])' $st"

kill -TERM $DPID
wait $DPID
rc=$?
dl_capture_stop
check "detect ended cleanly on SIGTERM (exit $rc)" test $rc = 0
check "the sandbox refused nothing" sh -c "! grep -q 'sandbox refused' '$D/detect.err'"
grep -v '^$' "$D/detect.err" | sed 's/^/     /'

# --- the reports: written on exit of -i, and by -r over the recorded capture ---
"$PR" detect -q -r "$D/live.pcap" --home-net 198.18.0.0/15 --report "$D/file.html" >"$D/file.out" 2>"$D/file.err"
check "detect -r --report exit 0" test $? = 0
chmod 755 "$D"
for rep in live file; do
    f=$D/$rep.html
    check "$rep report: self-contained (no src/href/url()/@import, no remote reference)" sh -c \
        "test -s '$f' && ! grep -Eiq '(src|href|action)[[:space:]]*=|url\(|@import|fetch\(.http' '$f'"
    check "$rep report: inline snapshot and a CSP without remote sources" sh -c \
        "grep -q 'id=\"snapshot\"' '$f' && grep -q \"Content-Security-Policy\\\" content=\\\"default-src 'none'\" '$f'"
    coproc CDP { ip netns exec "$T" timeout 60 /usr/bin/python3 "$HERE/cdp_page.py" "$CHROME" "file://$f" 2>>"$D/cdp.err"; }
    CPID=$CDP_PID
    r=$(cdp wait 20 'document.body && document.body.dataset.renders && [...document.querySelectorAll("tr.host")].map(e => e.dataset.ip).sort().join(" ") + "|" + [...document.querySelectorAll("tr.scan")].map(e => e.dataset.scanType).sort().join(" ")')
    cdp quit >/dev/null
    wait $CPID 2>/dev/null
    check "$rep report renders the hosts and both scans ($r)" \
        sh -c "echo '$r' | grep -q '^ok \"$DL_SCANNER $DL_TARGET|fin syn\"'"
done

# --- a non-loopback address is served with a warning about access control ---
timeout -s INT 10 ip netns exec "$T" "$PR" detect -q -r "$D/live.pcap" --web $DL_TARGET:8089 \
    >/dev/null 2>"$D/warn.err"
check "--web on a non-loopback address warns" grep -q "not a loopback address" "$D/warn.err"
[ $fail = 0 ] || { tail -n 5 "$D/cdp.err"; cat "$D/file.err"; }
exit $fail
