#!/usr/bin/env bash
# t_lab_selftest.sh — the lab itself works: real clients in the scanner namespace reach the real
# servers, the firewall classes behave, and the truth file agrees with nmap's SYN scan.
# Usage: bash t_lab_selftest.sh [path/to/portreeve]   (the binary is not used)
# timeout: 120
# parallel: yes
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lab.sh
. "$HERE/lab.sh"

PY=/usr/bin/python3
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# check DESCRIPTION CMD... — CMD must succeed
check() {
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$desc"; else bad "$desc: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}

start=$SECONDS
lab_up
rc=$?
[ $rc -eq 0 ] || { echo "lab_up failed (rc $rc)"; exit $rc; }
echo "lab up in $((SECONDS - start))s: prefix $LAB_PREFIX, dir $LAB_DIR"
prefix=$LAB_PREFIX
dir=$LAB_DIR

# --- the topology: no default route anywhere, DAD off, scanner reaches both targets ---------
for ns in "$LAB_NS_SCAN" "$LAB_NS_A" "$LAB_NS_B" "$LAB_NS_SW"; do
    check "no default route in $ns" \
        test -z "$(ip -n "$ns" route show default; ip -n "$ns" -6 route show default)"
done
check "scanner has no route to 192.0.2.1" \
    bash -c "! ip -n $LAB_NS_SCAN route get 192.0.2.1 >/dev/null 2>&1"
check "no tentative IPv6 address" \
    test -z "$(ip -n "$LAB_NS_SCAN" -6 addr show tentative; ip -n "$LAB_NS_A" -6 addr show tentative)"
hostup() { lab_scan_exec nmap -n -sn "$@" 2>&1 | grep -q "Host is up"; }
check "ping (nmap -sn) $LAB_A" hostup "$LAB_A"
check "ping (nmap -sn) $LAB_B6" hostup -6 "$LAB_B6"

# --- real clients against the real servers ------------------------------------------------------
keyscan() { # addr port
    lab_scan_exec ssh-keyscan -T 3 -t ed25519 -p "$2" "$1" 2>/dev/null | grep -q ssh-ed25519
}
check "ssh-keyscan $LAB_A:$LAB_A_SSH_PORT" keyscan "$LAB_A" "$LAB_A_SSH_PORT"
check "ssh-keyscan [$LAB_A6]:$LAB_A_SSH_PORT" keyscan "$LAB_A6" "$LAB_A_SSH_PORT"
check "ssh-keyscan $LAB_B:$LAB_B_SSH_PORT" keyscan "$LAB_B" "$LAB_B_SSH_PORT"

# One Python client for the protocols without a Debian client in LAB_PKGS (HTTP(S), DNS, SNMP,
# NTP) and for the firewall classes; prints nothing and exits 0 when the probe behaves.
probe() { # KIND ADDR PORT [ARG]
    lab_scan_exec "$PY" - "$@" <<'EOF'
import errno, socket, ssl, struct, sys
kind, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
arg = sys.argv[4] if len(sys.argv) > 4 else ""
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET

def http(tls):
    s = socket.create_connection((addr, port), timeout=3)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=arg or None)
    s.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    assert data.startswith(b"HTTP/1.1 200"), data[:80]
    assert arg.encode() in data, data

def dns_query(name):
    q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)

def dns(tcp):
    q = dns_query(arg)
    if tcp:
        s = socket.create_connection((addr, port), timeout=3)
        s.sendall(struct.pack(">H", len(q)) + q)
        n = struct.unpack(">H", s.recv(2))[0]
        r = b""
        while len(r) < n:
            chunk = s.recv(n - len(r))
            assert chunk, "short TCP DNS answer"
            r += chunk
    else:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(q, (addr, port))
        r = s.recv(4096)
    assert len(r) >= 12 and r[:2] == b"\x12\x34", r
    rcode, ancount = r[3] & 15, struct.unpack(">H", r[6:8])[0]
    assert rcode == 0 and ancount >= 1, (rcode, ancount)
    want = socket.inet_aton(sys.argv[5]) if len(sys.argv) > 5 else b""
    assert want in r, "answer lacks the expected address"

def udp_answer(payload, check):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(payload, (addr, port))
    r = s.recv(4096)
    assert check(r), r[:64]

# SNMPv1 GetRequest, community "public", sysName.0 (1.3.6.1.2.1.1.5.0)
SNMP_GET = bytes.fromhex("302602010004067075626c6963a019020101020100020100"
                         "300e300c06082b060102010105000500")
NTP_CLIENT = b"\x23" + b"\0" * 47   # v4, mode 3

def connect_error():
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(float(arg or 2))
    try:
        s.connect((addr, port))
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
    return "connected"

if kind == "http":
    http(False)
elif kind == "https":
    http(True)
elif kind == "dns-udp":
    dns(False)
elif kind == "dns-tcp":
    dns(True)
elif kind == "snmp":
    udp_answer(SNMP_GET, lambda r: r[:1] == b"\x30" and arg.encode() in r)
elif kind == "ntp":
    udp_answer(NTP_CLIENT, lambda r: len(r) >= 48 and r[0] & 7 == 4)
elif kind.startswith("tcp-"):
    got = connect_error()
    assert got == kind[4:], f"connect to {addr}:{port}: expected {kind[4:]}, got {got}"
else:
    sys.exit(f"unknown probe {kind}")
EOF
}

check "http  $LAB_A:80" probe http "$LAB_A" 80 "host-a"
check "https $LAB_A:443" probe https "$LAB_A" 443 "host-a"
check "http  [$LAB_A6]:80" probe http "$LAB_A6" 80 "host-a"
check "http  $LAB_B:8080" probe http "$LAB_B" 8080 "host-b"
check "https $LAB_B:8443" probe https "$LAB_B" 8443 "host-b"
check "https [$LAB_B6]:8443" probe https "$LAB_B6" 8443 "host-b"
check "dns/udp $LAB_A host-a.lab" probe dns-udp "$LAB_A" 53 host-a.lab "$LAB_A"
check "dns/tcp $LAB_A host-b.lab" probe dns-tcp "$LAB_A" 53 host-b.lab "$LAB_B"
check "dns/udp [$LAB_A6] host-a.lab" probe dns-udp "$LAB_A6" 53 host-a.lab "$LAB_A"
check "dns/udp $LAB_B host-a.lab" probe dns-udp "$LAB_B" 53 host-a.lab "$LAB_A"
check "dns/tcp $LAB_B host-b.lab" probe dns-tcp "$LAB_B" 53 host-b.lab "$LAB_B"
check "snmp $LAB_A:161 sysName" probe snmp "$LAB_A" 161 "host-a.lab"
check "snmp [$LAB_A6]:161 sysName" probe snmp "$LAB_A6" 161 "host-a.lab"
check "ntp $LAB_A:123" probe ntp "$LAB_A" 123
check "ntp [$LAB_A6]:123" probe ntp "$LAB_A6" 123

# --- firewall classes as a plain TCP client sees them --------------------------------------------
check "drop: $LAB_A:25 times out" probe tcp-timeout "$LAB_A" 25 1.5
check "drop over a listener: $LAB_A:888 times out" probe tcp-timeout "$LAB_A" 888 1.5
check "reject-rst: $LAB_A:21 refused" probe tcp-ECONNREFUSED "$LAB_A" 21
check "reject-rst: [$LAB_A6]:113 refused" probe tcp-ECONNREFUSED "$LAB_A6" 113
check "reject-port-unreach: $LAB_A:135 refused" probe tcp-ECONNREFUSED "$LAB_A" 135
check "reject-admin: $LAB_A:111 host unreachable" probe tcp-EHOSTUNREACH "$LAB_A" 111
check "closed: $LAB_A:1 refused" probe tcp-ECONNREFUSED "$LAB_A" 1
check "open: $LAB_B:2222 connects" probe tcp-connected "$LAB_B" 2222

# --- the truth file -------------------------------------------------------------------------------
check "truth file lists A's open ports" grep -qP "^$LAB_A\ttcp\t22\topen$" "$LAB_TRUTH"
check "truth file lists B's IPv6 drop" grep -qP "^$LAB_B6\ttcp\t3306\tdrop$" "$LAB_TRUTH"
check "truth file: 888 is drop, not open" grep -qP "^$LAB_A\ttcp\t888\tdrop$" "$LAB_TRUTH"

# --- truth against nmap's SYN scan (nmap is right here: ICMP rate limits keep filtered filtered) --
nmap_vs_truth() { # ADDR PORTSPEC [nmap options]
    local addr=$1 spec=$2 xml
    shift 2
    xml=$LAB_DIR/nmap-syn-${addr//:/_}.xml
    lab_scan_exec nmap -n -Pn -sS -p "$spec" --max-retries 3 "$@" -oX "$xml" "$addr" \
        >/dev/null || return 1
    "$PY" "$HERE/truth.py" compare "$LAB_TRUTH" syn "$addr" "$spec" "$xml"
}
t0=$SECONDS
check "nmap -sS 1-1024 $LAB_A matches truth" nmap_vs_truth "$LAB_A" 1-1024
check "nmap -sS 1-1024 $LAB_A6 matches truth" nmap_vs_truth "$LAB_A6" 1-1024 -6
check "nmap -sS B's ports $LAB_B matches truth" \
    nmap_vs_truth "$LAB_B" 1-100,2222,3306,3389,5432,5900,6000,8080,8443
# UDP services only (no closed UDP port: those depend on the ICMP rate limit)
udp_vs_truth() { # ADDR PORTSPEC [nmap options]
    local addr=$1 spec=$2 xml
    shift 2
    xml=$LAB_DIR/nmap-udp-${addr//:/_}.xml
    lab_scan_exec nmap -n -Pn -sU -p "$spec" --max-retries 2 "$@" -oX "$xml" "$addr" \
        >/dev/null || return 1
    "$PY" "$HERE/truth.py" compare "$LAB_TRUTH" udp "$addr" "$spec" "$xml"
}
check "nmap -sU A's UDP services $LAB_A match truth" \
    udp_vs_truth "$LAB_A" "U:$LAB_A_DNS_PORT,$LAB_A_NTP_PORT,$LAB_A_SNMP_PORT,$LAB_A_SILENT_UDP_PORT"
check "nmap -sU A's UDP services $LAB_A6 match truth" \
    udp_vs_truth "$LAB_A6" "U:$LAB_A_DNS_PORT,$LAB_A_NTP_PORT,$LAB_A_SNMP_PORT" -6
echo "nmap checks took $((SECONDS - t0))s"

# --- teardown -------------------------------------------------------------------------------------
lab_down
left=$(ip netns list | awk '{ print $1 }' | grep -Ex "${prefix}[swab]")
check "no namespace with prefix $prefix remains" test -z "$left"
check "lab dir removed" test ! -e "$dir"
check "lab_down is idempotent" lab_down

echo "selftest: $pass passed, $fail failed ($((SECONDS - start))s)"
[ $fail -eq 0 ]
