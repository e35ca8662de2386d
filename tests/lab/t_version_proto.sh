#!/usr/bin/env bash
# timeout: 90
# parallel: yes
# -sV modules for SMB, LDAP and Murmur on real Debian daemons in one loopback-only
# namespace, with nmap on the same ports in the same test (same or better on every port):
#  - smbd on 127.0.0.1:445 (Samba's default: SMB1 refused) and on 127.0.0.3:445 and 139
#    with "server min protocol = NT1". nmap -sV: "Samba smbd 4.6.2" for the first (wrong for
#    Samba 4.17) and its probe file's "3.X - 4.X (workgroup: ...)" for the second.
#    portreeve: SMB2/3 dialect range, signing, the NTLMSSP names, and the version as far
#    as the protocol tells it: "4.3.X - 4.X" from SMB 3.1.1 and Samba's NTLMSSP version
#    (better: true), the exact NativeLanMan version when SMB1 is allowed (better).
#  - slapd on 389 and ldaps 636 (a temporary slapd.conf and an empty mdb database): nmap
#    says "OpenLDAP 2.2.X - 2.3.X"; portreeve reads the rootDSE (inside TLS on 636):
#    "2.5.X - 2.6.X" (better: RFC 5805 transactions are advertised from 2.5.0 on).
#  - murmurd on 64738 tcp+udp: the UDP ping as nmap's murmur-version script (same), plus
#    on TCP the TLS Version message's release and OS (better). nmap's script runs without
#    -sV and portreeve's TCP check at --version-intensity 0: the TLS probe walk over
#    Murmur's control port takes minutes in both tools and names nothing.
#  - hostile answers to each module on 127.0.0.2 (svc_hostile_proto.py): a BER value that
#    runs past its SET, an NTLMSSP target info running past its challenge, a Murmur
#    Version field running past its message and a ping not echoing its ident. The module
#    must reject each and leave the probe match as it was.
set -u
. "$(dirname "$0")/nslib.sh"
ns_test_setup svp "$@"
PY=/usr/bin/python3
for b in /usr/sbin/smbd /usr/sbin/slapd /usr/sbin/murmurd /usr/bin/nmap /usr/bin/openssl; do
    [ -x "$b" ] || { echo "skip: $b missing (make deps)"; exit 77; }
done
chmod 755 "$W"
# smbd binds only to addresses of an interface: 127.0.0.3 becomes one of lo.
in_ns ip addr add 127.0.0.3/8 dev lo || exit 1

# Daemons run through ip netns exec, not in_ns, so that pids holds the timeout process.
for i in 1 3; do
    d=$W/smb$i
    mkdir -p "$d"/{lock,state,cache,priv,pid,ncalrpc}
    extra=""
    ports=445
    [ $i = 3 ] && extra="server min protocol = NT1" ports="445 139"
    cat >"$d/smb.conf" <<CONF
[global]
  workgroup = PRLAB
  netbios name = PRLAB$i
  server role = standalone server
  interfaces = 127.0.0.$i
  bind interfaces only = yes
  smb ports = $ports
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  private dir = $d/priv
  pid directory = $d/pid
  ncalrpc dir = $d/ncalrpc
  log file = $d/log
  load printers = no
  disable spoolss = yes
  $extra
CONF
    ip netns exec "$NS" timeout 120 /usr/sbin/smbd -F --no-process-group -s "$d/smb.conf" \
        --debug-stdout >"$d/out" 2>&1 &
    pids+=($!)
done

# One self-signed certificate for slapd's ldaps and the hostile Murmur.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=lab -days 1 -keyout "$W/key.pem" \
    -out "$W/cert.pem" 2>/dev/null || { echo "FAIL: openssl req"; exit 1; }
mkdir -p "$W/slapd/db"
cat >"$W/slapd/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
pidfile $W/slapd/pid
argsfile $W/slapd/args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=prlab,dc=test"
rootdn "cn=admin,dc=prlab,dc=test"
directory $W/slapd/db
maxsize 10485760
TLSCertificateFile $W/cert.pem
TLSCertificateKeyFile $W/key.pem
CONF
ip netns exec "$NS" timeout 120 /usr/sbin/slapd -d 0 -f "$W/slapd/slapd.conf" \
    -h "ldap://127.0.0.1:389/ ldaps://127.0.0.1:636/" >"$W/slapd/out" 2>&1 &
pids+=($!)

# murmurd drops to mumble-server: its database directory is that user's. No autoban: two
# scanners' probe connections look like failed handshakes to it.
mkdir -p "$W/murmur"
chown mumble-server "$W/murmur"
cat >"$W/murmur.ini" <<CONF
database=$W/murmur/murmur.sqlite
host=127.0.0.1
port=64738
autobanAttempts=0
logfile=
CONF
ip netns exec "$NS" timeout 120 /usr/sbin/murmurd -ini "$W/murmur.ini" -fg >"$W/murmur.out" 2>&1 &
pids+=($!)

ip netns exec "$NS" timeout 150 $PY "$(dirname "$0")/svc_hostile_proto.py" 127.0.0.2 127.0.0.1 \
    "$W" >"$W/hostile.log" 2>&1 &
pids+=($!)

wait_listen() { # proto addr:port
    for _ in $(seq 150); do
        in_ns ss -ln"$1" | grep -q " $2 " && return 0
        sleep 0.1
    done
    echo "FAIL: nothing listens on $2/$1"
    return 1
}
wait_listen t 127.0.0.1:445 && wait_listen t 127.0.0.3:445 && wait_listen t 127.0.0.3:139 && wait_listen t 127.0.0.1:389 && wait_listen t 127.0.0.1:636 &&
    wait_listen t 127.0.0.1:64738 && wait_listen u 127.0.0.1:64738 &&
    wait_listen t 127.0.0.2:445 && wait_listen u 127.0.0.2:64738 ||
    { tail -n 30 "$W"/smb*/out "$W/slapd/out" "$W/murmur.out" "$W/hostile.log"; exit 1; }

start=$SECONDS
( in_ns nmap -n -Pn -sS -sU -sV -p T:139,389,445,636,U:64738 127.0.0.1 127.0.0.3 -oX "$W/nmap.xml" \
    >"$W/nmap.txt" 2>&1
  echo "$? $((SECONDS - start))" >"$W/nmap.rc" ) &
nmap_pid=$!
in_ns nmap -n -Pn -sS -p T:64738 --script murmur-version 127.0.0.1 -oX "$W/nmap-mm.xml" \
    >"$W/nmap-mm.txt" 2>&1 || { echo "FAIL: nmap --script murmur-version"; exit 1; }
start=$SECONDS
in_ns "$PORTREEVE" scan -n -Pn -sS -sU -sV -p T:139,389,445,636,U:64738 127.0.0.1 127.0.0.3 \
    -oX "$W/pr.xml" >"$W/pr.txt" 2>&1 || { echo "FAIL: portreeve -sV exited non-zero"; cat "$W/pr.txt"; exit 1; }
in_ns "$PORTREEVE" scan -n -Pn -sS -sU -sV --version-intensity 0 -p T:389,445,64738,U:64738 \
    127.0.0.1 127.0.0.2 -oX "$W/pr0.xml" >"$W/pr0.txt" 2>&1 ||
    { echo "FAIL: portreeve -sV --version-intensity 0 exited non-zero"; cat "$W/pr0.txt"; exit 1; }
t_pr=$((SECONDS - start))
wait "$nmap_pid"
read -r nrc t_nmap <"$W/nmap.rc"
[ "$nrc" = 0 ] || { echo "FAIL: nmap exited $nrc"; cat "$W/nmap.txt"; exit 1; }
grep -E '^[0-9]+/|scan report' "$W/pr.txt" "$W/pr0.txt"
echo "  portreeve ${t_pr}s (both runs), nmap -sV ${t_nmap}s"

port_info() { # xml addr proto port kind -> for kind svc "name|product|version|extrainfo|tunnel|hostname",
    # cpe the CPEs space-separated, note the service note
    $PY - "$@" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
xml, addr, proto, port, kind = sys.argv[1:6]
for h in ET.parse(xml).getroot().iter("host"):
    if h.find("address").get("addr") != addr:
        continue
    for p in h.iter("port"):
        if p.get("protocol") != proto or p.get("portid") != port:
            continue
        s = p.find("service")
        s = s.attrib if s is not None else {}
        if kind == "svc":
            print("|".join(s.get(k, "") for k in
                           ("name", "product", "version", "extrainfo", "tunnel", "hostname")))
        elif kind == "cpe":
            print(" ".join(c.text for c in p.iter("cpe")))
        else:
            print("".join(sc.get("output") for sc in p.iter("script") if sc.get("id") == "service-note"))
PYEOF
}
svc_of() { port_info "$@" svc; }
cpe_of() { port_info "$@" cpe; }
note_of() { port_info "$@" note; }
upstream() { dpkg-query -W -f '${Version}' "$1" | sed 's/^[0-9]*://; s/[-+].*//'; }
field() { echo "$1" | cut -d'|' -f"$2"; }
show() { echo "  $1 nmap: $2"; echo "  $1 portreeve: $3"; }

# SMB, default Samba (SMB1 refused).
n=$(svc_of "$W/nmap.xml" 127.0.0.1 tcp 445) p=$(svc_of "$W/pr.xml" 127.0.0.1 tcp 445)
show 127.0.0.1:445 "$n" "$p"
sv=$(upstream samba)
check "smb 445: same name and product as nmap" \
    test -n "$n" -a "$(field "$n" 1)|$(field "$n" 2)" = "$(field "$p" 1)|$(field "$p" 2)"
check "smb 445: better version: nmap's '$(field "$n" 3)' is not Samba $sv; portreeve's '4.3.X - 4.X' holds it" \
    test "$(field "$p" 3)" = "4.3.X - 4.X" -a "$(field "$n" 3)" != "$sv" -a "${sv%%.*}" = 4 -a "$(echo "$sv" | cut -d. -f2)" -ge 3
check "smb 445: dialects 2.0.2 - 3.1.1, SMB1 refused, signing not required (nmap: none)" \
    grep -q 'SMB 2.0.2 - 3.1.1, SMB1 refused; signing enabled, not required' <<<"$(field "$p" 4)"
check "smb 445: NTLMSSP names: host PRLAB1" test "$(field "$p" 6)" = PRLAB1
check "smb 445: the CPE loses nmap's wrong 4.6.2 (no CVEs of another version)" \
    test "$(cpe_of "$W/pr.xml" 127.0.0.1 tcp 445)" = cpe:/a:samba:samba

# SMB with NT1 allowed: the NativeLanMan version.
n=$(svc_of "$W/nmap.xml" 127.0.0.3 tcp 445) p=$(svc_of "$W/pr.xml" 127.0.0.3 tcp 445)
show 127.0.0.3:445 "$n" "$p"
check "smb NT1: same name and product as nmap" \
    test -n "$n" -a "$(field "$n" 1)|$(field "$n" 2)" = "$(field "$p" 1)|$(field "$p" 2)"
check "smb NT1: better version: exactly Samba's $sv from NativeLanMan (nmap: '$(field "$n" 3)')" \
    grep -q "^$sv-Debian\$" <<<"$(field "$p" 3)"
check "smb NT1: the CPE carries the version: cpe:/a:samba:samba:$sv" \
    test "$(cpe_of "$W/pr.xml" 127.0.0.3 tcp 445)" = "cpe:/a:samba:samba:$sv"
check "smb NT1: nmap's extrainfo kept, SMB1 accepted added" \
    grep -qF "$(field "$n" 4); SMB 2.0.2 - 3.1.1, SMB1 (NT LM 0.12) accepted" <<<"$(field "$p" 4)"

# SMB over NetBIOS (139): the module sends a session request for *SMBSERVER first.
n=$(svc_of "$W/nmap.xml" 127.0.0.3 tcp 139) p=$(svc_of "$W/pr.xml" 127.0.0.3 tcp 139)
show 127.0.0.3:139 "$n" "$p"
check "smb 139: same name and product as nmap, Samba's $sv after a NetBIOS session request" \
    test -n "$n" -a "$(field "$n" 1)|$(field "$n" 2)" = "$(field "$p" 1)|$(field "$p" 2)" -a "$(field "$p" 3)" = "$sv-Debian"

# LDAP.
n=$(svc_of "$W/nmap.xml" 127.0.0.1 tcp 389) p=$(svc_of "$W/pr.xml" 127.0.0.1 tcp 389)
show 127.0.0.1:389 "$n" "$p"
lv=$(upstream slapd)
check "ldap: same name and product as nmap (ldap, OpenLDAP)" \
    test -n "$n" -a "$(field "$n" 1)|$(field "$n" 2)" = "ldap|OpenLDAP" -a "$(field "$p" 1)|$(field "$p" 2)" = "ldap|OpenLDAP"
check "ldap: better version: '2.5.X - 2.6.X' holds slapd $lv, nmap's '$(field "$n" 3)' does not" \
    test "$(field "$p" 3)" = "2.5.X - 2.6.X" -a "$(field "$n" 3)" = "2.2.X - 2.3.X" \
    -a "$(echo "$lv" | cut -d. -f1-2 | grep -cx '2\.[56]')" = 1

n=$(svc_of "$W/nmap.xml" 127.0.0.1 tcp 636) p=$(svc_of "$W/pr.xml" 127.0.0.1 tcp 636)
show 127.0.0.1:636 "$n" "$p"
check "ldaps: the rootDSE read inside TLS: ssl/ldap OpenLDAP as nmap, version 2.5.X - 2.6.X (nmap: '$(field "$n" 3)')" \
    test "$(field "$n" 1)|$(field "$n" 2)|$(field "$n" 5)" = "ldap|OpenLDAP|ssl" -a "$(field "$p" 1)|$(field "$p" 2)|$(field "$p" 3)|$(field "$p" 5)" = "ldap|OpenLDAP|2.5.X - 2.6.X|ssl"

# Murmur: nmap's script output with the user count masked (connections of the two
# scanners come and go).
mask() { sed 's/users: [0-9]*;/users: N;/'; }
n=$(svc_of "$W/nmap.xml" 127.0.0.1 udp 64738 | mask) p=$(svc_of "$W/pr.xml" 127.0.0.1 udp 64738 | mask)
show 127.0.0.1:64738/udp "$n" "$p"
mv=$(upstream mumble-server)
check "murmur udp: same as nmap's murmur-version (Murmur $mv, voice port)" \
    test -n "$n" -a "$n" = "$p" -a "$(field "$p" 3)" = "$mv"
n=$(svc_of "$W/nmap-mm.xml" 127.0.0.1 tcp 64738 | mask) p=$(svc_of "$W/pr0.xml" 127.0.0.1 tcp 64738 | mask)
show 127.0.0.1:64738/tcp "$n" "$p"
check "murmur tcp: nmap's name, product, version and extrainfo, in a TLS tunnel" \
    test -n "$n" -a "$(echo "$n" | cut -d'|' -f1-3)" = "$(echo "$p" | cut -d'|' -f1-3)" -a "$(field "$p" 5)" = ssl
check "murmur tcp: better: release and OS from the TLS Version message" \
    grep -qF "$(field "$n" 4); release: $(dpkg-query -W -f '${Version}' mumble-server); os: " <<<"$(field "$p" 4)"

# Hostile answers: each module rejects them, the probe match stays.
hostile() { # port what svc-regex note-regex
    local p note
    p=$(svc_of "$W/pr0.xml" 127.0.0.2 tcp "$1") note=$(note_of "$W/pr0.xml" 127.0.0.2 tcp "$1")
    echo "  hostile $1: $p"
    echo "  hostile $1 note: $note"
    check "hostile $2: rejected, the probe match stays" grep -q "$3" <<<"$p"
    check "hostile $2: the service note names the problem and its byte" grep -q "$4" <<<"$note"
}
hostile 389 "ldap: a value past its SET (no 2.5 version from the markers before it)" \
    '^ldap|OpenLDAP|2\.2\.X - 2\.3\.X|' \
    '^ldap rootDSE: attribute value at byte [0-9]* runs past its set'
hostile 445 "smb: NTLMSSP target info past the challenge (no names, no 4.3.X)" \
    '^netbios-ssn|Samba smbd|4\.6\.2|SMB 2\.0\.2 - 3\.1\.1, SMB1 refused; signing enabled, not required||$' \
    '^smb2 session setup: NTLMSSP target info (65535 bytes at [0-9]*) runs past the challenge, at byte [0-9]'
check "real daemons: no service note on any port" \
    test -z "$(for f in pr pr0; do for a in 127.0.0.1 127.0.0.3; do for pp in 139 389 445 636 64738; do note_of "$W/$f.xml" $a tcp $pp; done; done; done)"
p=$(svc_of "$W/pr0.xml" 127.0.0.2 tcp 64738)
echo "  hostile 64738/tcp: $p"
check "hostile murmur: a Version field past its message and a ping without the ident give no Murmur" \
    test -n "$p" -a "$(field "$p" 2)" = ""
exit $fail
