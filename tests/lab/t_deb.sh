#!/usr/bin/env bash
# t_deb.sh — the Debian package: `make deb` builds it (dpkg-buildpackage), lintian finds no
# error, `dpkg -i` installs it on this machine, the installed program, man pages, bash
# completion and systemd units work, and `dpkg --purge` leaves nothing behind.
# timeout: 600
set -u
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

if dpkg-query -W -f='${Status}' portreeve 2>/dev/null | grep -q 'install ok installed'; then
    echo "skip: a portreeve package is already installed on this machine; not replacing it"
    exit 77
fi
trap 'dpkg --purge portreeve >/dev/null 2>&1' EXIT

make -s deb >/tmp/t_deb.$$.log 2>&1 || { tail -n 30 /tmp/t_deb.$$.log; fail "make deb"; }
deb=$(ls build/deb/portreeve_*_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] || fail "no .deb in build/deb/"
ok "built $deb"

# lintian: no error (warnings would be explained in debian/, there are none today)
lint=$(lintian --allow-root "$deb" 2>&1)
echo "$lint" | grep -q '^E:' && { echo "$lint"; fail "lintian reports errors"; }
ok "lintian: no error${lint:+ ($(echo "$lint" | grep -c '^[WIP]:') warnings/notes)}"

files=$(dpkg -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$')
dpkg -i "$deb" >/tmp/t_deb.$$.log 2>&1 || { cat /tmp/t_deb.$$.log; fail "dpkg -i"; }
ok "installed"

[ -x /usr/bin/portreeve ] || fail "/usr/bin/portreeve missing"
[ -u /usr/bin/portreeve ] && fail "/usr/bin/portreeve is setuid"
[ -z "$(getcap /usr/bin/portreeve 2>/dev/null)" ] || fail "file capabilities set without the admin asking"
ver=$(/usr/bin/portreeve --version) || fail "portreeve --version exit $?"
echo "$ver" | head -n 3
echo "$ver" | head -n 1 | grep -Eq "^portreeve $(dpkg-parsechangelog -S Version) \(.+\)$" ||
    fail "--version first line: $(echo "$ver" | head -n 1)"
echo "$ver" | grep -q 'libpcap version' || fail "--version lacks libpcap"
echo "$ver" | grep -q 'OpenSSL' || fail "--version lacks OpenSSL"
echo "$ver" | grep -q "c-ares" || fail "--version lacks c-ares"
ok "--version"

for page in portreeve portreeve-scan portreeve-detect portreeve-block portreeve-audit \
    portreeve-history portreeve-diff portreeve-demo; do
    man -w "$page" >/dev/null 2>&1 || fail "man -w $page"
done
man -w portreeve-scan portreeve-detect
ok "man pages"
# `portreeve demo` finds the installed lab scripts (it looks there when not in a build tree)
[ -x /usr/share/portreeve/lab/demo.sh ] && [ -x /usr/share/portreeve/lab/lab.sh ] ||
    fail "lab scripts not installed under /usr/share/portreeve/lab"
/usr/bin/portreeve demo --help | grep -q '/usr/share/portreeve/lab' || fail "demo --help does not name /usr/share/portreeve/lab"
ok "demo's lab scripts"

compl=/usr/share/bash-completion/completions/portreeve
[ -f "$compl" ] || fail "no bash completion"
got=$(bash -c 'source /usr/share/bash-completion/bash_completion; source '"$compl"'
    COMP_LINE="portreeve scan --top-p"; COMP_POINT=${#COMP_LINE}
    COMP_WORDS=(portreeve scan --top-p); COMP_CWORD=2; _portreeve; echo "${COMPREPLY[*]}"')
[ "$got" = "--top-ports" ] || fail "completion of 'portreeve scan --top-p' gave '$got'"
ok "bash completion"

units=$(ls /lib/systemd/system/portreeve-* 2>/dev/null)
[ -n "$units" ] || fail "no systemd units installed"
for u in $units; do
    out=$(systemd-analyze verify "$u" 2>&1) || { echo "$out"; fail "systemd-analyze verify $u"; }
    [ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify $u printed warnings"; }
done
ok "systemd-analyze verify: $(echo $units | xargs -n1 basename | tr '\n' ' ')"
ls /etc/systemd/system/*.wants/portreeve-* 2>/dev/null && fail "a unit was enabled on install"

dpkg --purge portreeve >/tmp/t_deb.$$.log 2>&1 || { cat /tmp/t_deb.$$.log; fail "dpkg --purge"; }
left=""
for f in $files; do
    [ -e "$f" ] && left="$left $f"
done
[ -e /etc/portreeve ] && left="$left /etc/portreeve"
[ -e /var/lib/dpkg/info/portreeve.list ] && left="$left dpkg-info"
[ -z "$left" ] || fail "left behind after purge:$left"
ok "purged, nothing left behind ($(echo "$files" | wc -l) files checked)"
rm -f /tmp/t_deb.$$.log
echo "PASS"
