#!/usr/bin/env bash
# t_detect_web.sh — `portreeve detect --http-log` on the logs of real servers probed by real
# tools (Debian 12 packages), in a namespace lab: nginx (combined log, a JSON log and a custom
# log_format with $msec) on 198.18.0.2:80, and apache2 with ModSecurity + OWASP CRS
# (DetectionOnly) on :8080 (combined and vhost_combined logs, serial audit log) and :8081
# (JSON audit log). Each tool runs from its own source address (198.18.0.1x), so every alert
# can be checked against the tool that made it:
#   - gobuster, dirb, ffuf, wfuzz, whatweb, wapiti, sqlmap, nmap --script http-enum: flagged
#     with that tool's name; nmap -sS -sV after a port scan (-r capture of the scan in the
#     same run): one incident (the web alert's incident_id is the port scan's id);
#   - wget -r crawl, curl with a browser's user agent, a health check loop, a favicon miss:
#     no alert;
#   - every source ModSecurity's audit log or fail2ban's filters (nginx-botsearch on the
#     error log, apache-badbots) name is flagged by portreeve too, after no more requests
#     than ModSecurity needed and fewer than fail2ban's maxretry;
#   - the audit logs (serial and JSON) and the other formats parse without malformed lines;
#     hostile lines on stdin are counted, not fatal.
# nikto is not in Debian 12, so it is not run here (its traits are in the unit test).
# timeout: 150
# parallel: yes
set -u
PR=${1:?usage: t_detect_web.sh /path/to/portreeve}
PR=$(readlink -f "$PR")
. "$(dirname "$0")/detect_lab.sh"
for t in nginx apache2 gobuster dirb ffuf wfuzz whatweb wapiti sqlmap nmap wget curl jq; do
    command -v $t >/dev/null || [ -x /usr/sbin/$t ] || dl_skip "needs $t"
done
[ -f /usr/lib/apache2/modules/mod_security2.so ] || dl_skip "needs libapache2-mod-security2"
[ -d /usr/share/modsecurity-crs/rules ] || dl_skip "needs modsecurity-crs"
dl_up || exit 1
S=$DL_S T=$DL_T TG=$DL_TARGET D=$DL_DIR
fails=0
check() { # DESCRIPTION CMD...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
ins() { ip netns exec "$S" "$@"; }

# ---- the site: a few linked pages, robots.txt, no favicon
mkdir -p "$D/www/sub" "$D/nginx" "$D/modsec"
cat >"$D/www/index.html" <<'EOF'
<html><head><link rel="icon" href="/favicon.ico"></head><body>
<a href="a.html">a</a> <a href="b.html?id=1&amp;q=x">b</a> <a href="sub/c.html">c</a></body></html>
EOF
for p in a b; do echo "<html><body><a href=\"sub/d.html\">d</a> page $p</body></html>" >"$D/www/$p.html"; done
echo "<html><body><a href=\"../index.html\">home</a> c</body></html>" >"$D/www/sub/c.html"
echo "<html><body>d</body></html>" >"$D/www/sub/d.html"
printf 'User-agent: *\nDisallow: /private/\n' >"$D/www/robots.txt"
chmod -R a+rX "$D"

# ---- nginx: combined, JSON and a custom format with milliseconds
cat >"$D/nginx.conf" <<EOF
daemon off;
worker_processes 1;
user www-data;
pid $D/nginx.pid;
error_log $D/nginx-error.log error;
events { worker_connections 512; }
http {
    log_format msec '\$remote_addr [\$msec] "\$request" \$status "\$http_user_agent"';
    log_format jlog escape=json '{"remote_addr":"\$remote_addr","time_iso8601":"\$time_iso8601",'
        '"request":"\$request","status":\$status,"http_user_agent":"\$http_user_agent"}';
    access_log $D/nginx-access.log combined;
    access_log $D/nginx-msec.log msec;
    access_log $D/nginx-json.log jlog;
    client_body_temp_path $D/nginx/body;
    proxy_temp_path $D/nginx/proxy;
    fastcgi_temp_path $D/nginx/fcgi;
    uwsgi_temp_path $D/nginx/uwsgi;
    scgi_temp_path $D/nginx/scgi;
    types { text/html html; text/plain txt; }
    server { listen $TG:80; root $D/www; }
}
EOF
dl_bg "$T" /usr/sbin/nginx -e "$D/nginx-error.log" -p "$D/" -c "$D/nginx.conf"

# ---- apache2 + ModSecurity (DetectionOnly) + CRS
chown www-data "$D/modsec"
sed "s#\bD/#$D/#g; s#198.18.0.2#$TG#g" >"$D/apache.conf" <<'EOF'
ServerRoot /usr/lib/apache2
ServerName tg.lab
PidFile D/apache.pid
Listen 198.18.0.2:8080
Listen 198.18.0.2:8081
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule unique_id_module /usr/lib/apache2/modules/mod_unique_id.so
LoadModule security2_module /usr/lib/apache2/modules/mod_security2.so
User www-data
Group www-data
ErrorLog D/apache-error.log
LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" vhost_combined
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog D/apache-access.log combined
CustomLog D/apache-vhost.log vhost_combined
DocumentRoot D/www
<Directory D/www>
  Require all granted
</Directory>
DirectoryIndex index.html
TypesConfig /etc/mime.types
SecRuleEngine DetectionOnly
SecRequestBodyAccess On
SecDataDir D/modsec
SecTmpDir D/modsec
SecAuditEngine RelevantOnly
SecAuditLogRelevantStatus "^(?:5|4(?!04))"
SecAuditLogParts ABFHZ
SecAuditLogType Serial
SecAuditLog D/modsec_audit.log
Include /etc/modsecurity/crs/crs-setup.conf
Include /usr/share/modsecurity-crs/rules/*.conf
<VirtualHost 198.18.0.2:8081>
  SecAuditLogFormat JSON
  SecAuditLog D/modsec_audit.json
</VirtualHost>
EOF
ip netns exec "$T" /usr/sbin/apache2 -f "$D/apache.conf" -k start 2>"$D/apache-start.err" ||
    { cat "$D/apache-start.err"; exit 1; }
for _ in $(seq 50); do
    ip netns exec "$T" ss -ltn | grep -q ":8081 " && ip netns exec "$T" ss -ltn | grep -q "$TG:80 " && break
    sleep 0.1
done
DL_ON_DOWN="kill \$(cat $D/apache.pid 2>/dev/null) 2>/dev/null"

# ---- actors, one source address each
declare -A SRC
n=10
for a in gobuster dirb ffuf wfuzz whatweb wapiti sqlmap nmapenum nmapsv wget browser health favicon; do
    n=$((n + 1))
    SRC[$a]=198.18.0.$n
    ip -n "$S" addr add 198.18.0.$n/32 dev "$DL_SV"
done
from() { ip -n "$S" route replace 198.18.0.0/24 dev "$DL_SV" src "$1"; }
printf '%s\n' admin backup .env .git/HEAD config.php login test old uploads images css js \
    api private server-status phpinfo.php wp-login.php .htaccess db.sql index.bak \
    robots.txt a.html >"$D/words.txt"
B="http://$TG"
U="Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"
tmo() { local t=$1; shift; timeout "$t" ip netns exec "$S" "$@"; }

dl_capture_start scan
from "${SRC[nmapsv]}"
ins nmap -n -Pn -sS -sV -T4 --max-retries 1 -p 1-100,8080 "$TG" >"$D/nmapsv.out" 2>&1
dl_capture_stop
from "${SRC[gobuster]}"
tmo 20 gobuster dir -q -u "$B/" -w "$D/words.txt" -t 4 >"$D/gobuster.out" 2>&1
tmo 20 gobuster dir -q -u "$B:8080/" -w "$D/words.txt" -t 4 >>"$D/gobuster.out" 2>&1
from "${SRC[dirb]}"
tmo 20 dirb "$B/" "$D/words.txt" -S -r >"$D/dirb.out" 2>&1
from "${SRC[ffuf]}"
tmo 20 ffuf -s -u "$B/FUZZ" -w "$D/words.txt" -t 4 >"$D/ffuf.out" 2>&1
from "${SRC[wfuzz]}"
tmo 30 wfuzz -z file,"$D/words.txt" --hc 404 "$B:8081/FUZZ" >"$D/wfuzz.out" 2>&1
from "${SRC[whatweb]}"
tmo 20 whatweb -a 1 "$B:8080/" >"$D/whatweb.out" 2>&1
from "${SRC[wapiti]}"
tmo 40 wapiti -u "$B/" --scope folder -m exec,file,sql,xss --max-scan-time 10 --flush-session \
    -o "$D/wapiti" -f txt >"$D/wapiti.out" 2>&1
from "${SRC[sqlmap]}"
tmo 40 sqlmap -u "$B:8080/index.html?id=1" --batch --technique=B --level 1 --risk 1 \
    --flush-session --output-dir="$D/sqlmap" >"$D/sqlmap.out" 2>&1
from "${SRC[nmapenum]}"
tmo 40 nmap -n -Pn -sT -p 80 --script http-enum "$TG" >"$D/nmapenum.out" 2>&1
from "${SRC[wget]}"
tmo 20 wget -q -r -l 3 -P "$D/mirror" "$B/" >/dev/null 2>&1
from "${SRC[browser]}"
for p in / /a.html /b.html /sub/c.html /favicon.ico; do tmo 5 curl -s -A "$U" -o /dev/null "$B$p"; done
from "${SRC[health]}"
for i in $(seq 12); do tmo 5 curl -s -o /dev/null "$B:8080/"; sleep 0.2; done
from "${SRC[favicon]}"
tmo 5 curl -s -A "$U" -o /dev/null "$B/"
tmo 5 curl -s -A "$U" -o /dev/null "$B/favicon.ico"
sleep 0.5
for f in nginx-access nginx-msec nginx-json apache-access apache-vhost; do
    echo "$f: $(wc -l <"$D/$f.log") lines"
done
echo "modsec audit: $(grep -c -- '-A--$' "$D/modsec_audit.log") serial records," \
    "$(wc -l <"$D/modsec_audit.json") JSON records"

# ---- everything in one run: the port scan capture, both servers' logs, both audit logs
run() { "$PR" detect --alerts "$1" "${@:2}" >"$1.out" 2>"$1.err"; }
run "$D/all.json" -r "$D/scan.pcap" --http-log "$D/nginx-access.log" --http-log "$D/apache-access.log" \
    --http-log "$D/modsec_audit.log" --http-log "$D/modsec_audit.json" --block --dry-run
rc=$?
cat "$D/all.json.out"
check "detect exits 0 (got $rc)" [ $rc = 0 ]
check "no malformed line in the real logs" \
    bash -c "! grep '^http log' '$D/all.json.out' | grep -v 'malformed 0,'"
web() { jq -r --arg s "$2" 'select(.src_ip == $s and (.event == "webscan" or .event == "webprobe"))
    | .tool_guess' "$1" | tail -n 1; }
for a in gobuster dirb ffuf wfuzz whatweb wapiti sqlmap nmapenum; do
    want=${a%enum}
    got=$(web "$D/all.json" "${SRC[$a]}")
    check "$a (${SRC[$a]}): web alert naming $want (got '${got:-no alert}')" [ "$got" = "$want" ]
done
for a in wget browser health favicon; do
    n=$(jq -r --arg s "${SRC[$a]}" 'select(.src_ip == $s) | .event' "$D/all.json" | wc -l)
    check "$a (${SRC[$a]}): no alert (got $n)" [ "$n" = 0 ]
done
sv=${SRC[nmapsv]}
# the port scan's incident: its incident_id when alerts carry one, else its alert id (#N)
scan_inc=$(jq -r --arg s "$sv" 'select(.src_ip == $s and .event == "portscan") | .incident_id
    // empty' "$D/all.json" | tail -n 1)
[ -n "$scan_inc" ] || scan_inc=$(sed -n "s/.* ALERT #\([0-9]*\) portscan .* from $sv .*/\1/p" \
    "$D/all.json.out" | head -n 1)
web_inc=$(jq -r --arg s "$sv" 'select(.src_ip == $s and .event != "portscan") | .incident_id' \
    "$D/all.json" | sort -u)
check "nmap -sS -sV ($sv): port scan #${scan_inc:-none} and web probing (incident ${web_inc:-none}) are one incident" \
    [ -n "$scan_inc" -a "$web_inc" = "$scan_inc" ]
# the same source's threat level without the port scan in the run
run "$D/noscan.json" --http-log "$D/nginx-access.log" --http-log "$D/apache-access.log"
thr() { jq -r --arg s "$sv" 'select(.src_ip == $s and .event != "portscan") | .threat_level' \
    "$1" | tail -n 1; }
t1=$(thr "$D/all.json") t0=$(thr "$D/noscan.json")
check "the port scan raises the web prober's threat level (${t0:-no alert} -> ${t1:-none})" \
    [ "${t1:-0}" -gt "${t0:-0}" ]
act=$(jq -r 'select(.event == "webscan") | .action' "$D/all.json" | sort -u | tr '\n' ' ')
check "--block --dry-run: web scanners would be blocked on http-request evidence ($act)" \
    [ "$act" = "would_block " ]

# ---- each format alone: the same sources flagged as from the combined log of that server
flagged() { jq -r 'select(.event == "webscan" or .event == "webprobe") | "\(.src_ip) \(.tool_guess)"' \
    "$1" | sort -u | tr '\n' ' '; }
run "$D/nginx.json" --http-log "$D/nginx-access.log"
run "$D/msec.json" --http-log "$D/nginx-msec.log" \
    --http-log-format '$remote_addr [$msec] "$request" $status "$http_user_agent"'
run "$D/jlog.json" --http-log "$D/nginx-json.log"
run "$D/apache.json" --http-log "$D/apache-access.log"
run "$D/vhost.json" --http-log "$D/apache-vhost.log"
want=$(flagged "$D/nginx.json")
echo "nginx combined: $want"
check "custom nginx log_format (\$msec) flags the same sources" [ "$(flagged "$D/msec.json")" = "$want" ]
check "nginx JSON log (escape=json) flags the same sources" [ "$(flagged "$D/jlog.json")" = "$want" ]
check "apache vhost_combined flags what apache combined does" \
    [ "$(flagged "$D/vhost.json")" = "$(flagged "$D/apache.json")" ]
for f in msec jlog vhost; do
    check "$f: recognised and parsed without malformed lines" \
        grep -q "requests [1-9][0-9]*, malformed 0," "$D/$f.json.out"
done
check "formats recognised: json, vhost_combined" \
    bash -c "grep -q '(json)' '$D/jlog.json.out' && grep -q '(vhost_combined)' '$D/vhost.json.out'"

# ---- ModSecurity + CRS and fail2ban on the same logs: every source they flag, portreeve flags
all=$(flagged "$D/all.json")
modsec=$( (grep -B30 'severity "\(CRITICAL\|ERROR\|ALERT\|EMERGENCY\)"' "$D/modsec_audit.log" |
    sed -n 's/^\[[^]]*\] [^ ]* \([0-9.]*\) .*/\1/p'
    jq -r 'select([.audit_data.messages[]? | test("severity \"(CRITICAL|ERROR)")] | any)
        | .transaction.remote_address' "$D/modsec_audit.json") | sort -u)
echo "ModSecurity (CRS, severity ERROR or worse) flags: $(echo $modsec)"
check "ModSecurity flags someone" [ -n "$modsec" ]
for ip in $modsec; do
    check "ModSecurity flags $ip: portreeve too" bash -c "echo '$all' | grep -q '$ip '"
done
# requests each ModSecurity-flagged source made up to its first flagged one (by request line,
# in the order of the apache access log), against portreeve's on the apache log alone
/usr/bin/python3 - "$D" >"$D/modsec_first.txt" <<'PY'
import json, re, sys
d = sys.argv[1]
sev = re.compile(r'\[severity "(CRITICAL|ERROR|ALERT|EMERGENCY)"\]')
first = {}
part = ip = req = None
for line in open(d + "/modsec_audit.log", errors="replace"):
    line = line.rstrip("\n")
    m = re.match(r"--[0-9a-zA-Z]+-([A-Z])--$", line)
    if m:
        part, fresh = m.group(1), True
        continue
    if part == "A" and fresh:
        ip = line.split("] ", 1)[1].split()[1]
    elif part == "B" and fresh:
        req = line
    elif part == "H" and sev.search(line) and ip not in first:
        first[ip] = req
    fresh = False
for line in open(d + "/modsec_audit.json", errors="replace"):
    o = json.loads(line)
    ip = o["transaction"]["remote_address"]
    if ip not in first and any(sev.search(m) for m in o.get("audit_data", {}).get("messages", [])):
        first[ip] = o["request"]["request_line"]
seen = {}
for line in open(d + "/apache-access.log", errors="replace"):
    ip, req = line.split()[0], line.split('"')[1]
    seen[ip] = seen.get(ip, 0) + 1
    if first.get(ip) == req:
        print(ip, seen[ip])
        first[ip] = None
PY
for ip in $modsec; do
    m=$(awk -v i="$ip" '$1 == i { print $2; exit }' "$D/modsec_first.txt")
    n=$(jq -r --arg s "$ip" 'select(.src_ip == $s and .event != "portscan") | .probes' \
        "$D/apache.json" | head -n 1)
    check "  $ip on the apache log alone: portreeve after ${n:-no} requests, ModSecurity after ${m:-?}" \
        [ -n "$n" ] && [ -n "$m" ] && [ "${n:-99}" -le "${m:-0}" ]
done
f2b() { # LOG FILTER MAXRETRY: sources with at least MAXRETRY matching lines
    timeout 60 fail2ban-regex --print-all-matched "$1" "/etc/fail2ban/filter.d/$2.conf" 2>/dev/null |
        grep -oE '(client: |^\| +)[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' | grep -oE '[0-9.]+$' |
        sort | uniq -c | awk -v m="$3" '$1 >= m { print $2 }'
}
if command -v fail2ban-regex >/dev/null; then
    bots=$(f2b "$D/nginx-error.log" nginx-botsearch 5) # jail.conf: maxretry 5 (DEFAULT)
    bad=$(f2b "$D/apache-access.log" apache-badbots 1)  # jail.conf: maxretry 1
    echo "fail2ban nginx-botsearch bans: $(echo $bots); apache-badbots bans: $(echo $bad)"
    for ip in $bots $bad; do
        check "fail2ban bans $ip: portreeve flags it" bash -c "echo '$all' | grep -q '$ip '"
        n=$(jq -r --arg s "$ip" 'select(.src_ip == $s and .event != "portscan") | .probes' \
            "$D/nginx.json" | head -n 1)
        check "  ... on the nginx log alone after ${n:-no} requests (fail2ban: 5 matches)" \
            [ -n "$n" ] && [ "${n:-99}" -le 5 ]
    done
fi

# ---- hostile lines on stdin are counted and skipped, never fatal
{
    head -n 3 "$D/nginx-access.log"
    printf 'garbage\n\n198.18.0.99 - - [99/Xyz/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n'
    printf '198.18.0.99 - - [03/Dec/2026:00:00:00 +0000] "GET / HTTP/1.1" 2000 1 "-" "-"\n'
    printf '198.18.0.99 - - [03/Dec/2026:00:00:00 +0000] "\x00\xff\x01" 400 1 "-" "-"\n'
    head -c 40000 /dev/zero | tr '\0' A; echo
    printf '999.1.1.1 - - [03/Dec/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n'
} | "$PR" detect --http-log - >"$D/stdin.out" 2>"$D/stdin.err"
rc=$?
cat "$D/stdin.err"
grep '^http log' "$D/stdin.out"
check "hostile stdin: exit 0 (got $rc)" [ $rc = 0 ]
check "hostile stdin: 5 malformed lines counted, 4 requests read" \
    grep -q "requests 4, malformed 5," "$D/stdin.out"
check "hostile stdin: errors name the line and the column" \
    grep -q "<stdin>:6: bad time at column 18" "$D/stdin.err"

# ---- -F: a growing log is followed
: >"$D/grow.log"
"$PR" detect -F --duration 6 --http-log "$D/grow.log" --alerts "$D/grow.json" >"$D/grow.out" 2>&1 &
fpid=$!
sleep 1
grep "^${SRC[gobuster]} " "$D/nginx-access.log" | head -n 6 >>"$D/grow.log"
wait $fpid
check "-F: a scanner appended to a followed log is reported" \
    [ "$(web "$D/grow.json" "${SRC[gobuster]}")" = gobuster ]

[ $fails = 0 ] && echo "all checks passed" || echo "$fails checks failed"
exit $((fails > 0))
