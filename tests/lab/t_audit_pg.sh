#!/usr/bin/env bash
# timeout: 240
# parallel: yes
# The audit flow (compliant, new listener, listener gone, history, diff of runs) with the
# history in a real PostgreSQL server that this test starts: Debian's postgresql binaries,
# initdb and pg_ctl as the postgres user into a temporary directory, listening on a Unix
# socket only (no TCP at all), a bounded start wait, stopped on exit. Also detect's passive
# inventory and baseline in it (detect --db) and audit --passive over them.
set -u
LAB_LIB_DIR=$(cd "$(dirname "$0")" && pwd)
. "$LAB_LIB_DIR/pglib.sh"
pg_lab_check || exit 77
. "$LAB_LIB_DIR/scanlib.sh"
scan_test_setup "$@"
. "$LAB_LIB_DIR/auditlib.sh"

lab_on_down pg_lab_down
pg_lab_init && pg_lab start || exit 1
pg_lab_open

audit_flow "$URI"

check "PostgreSQL holds the schema at version 6" test "$(PSQL 'SELECT MAX(version) FROM schema_version')" = 6
check "PostgreSQL holds the three audits" test "$(PSQL "SELECT COUNT(*) FROM runs WHERE kind='audit'")" = 3
check "PostgreSQL holds the violation" \
    test "$(PSQL "SELECT COUNT(*) FROM violations WHERE kind='unexpected-open' AND port=$NEW_PORT")" = 1

# two audits at once on the same database
pr_audit "$WORK/c1.txt" --policy "$WORK/policy.ini" --db "$URI" &
p1=$!
pr_audit "$WORK/c2.txt" --policy "$WORK/policy.ini" --db "$URI" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
cat "$WORK/c1.txt.err" "$WORK/c2.txt.err"
check "two audits at once both succeed" test "$r1$r2" = 00
check "and both are stored" test "$(PSQL "SELECT COUNT(*) FROM runs WHERE kind='audit'")" = 5

# the passive inventory and a baseline in PostgreSQL (detect --db), judged by audit --passive:
# a capture made here of one handshake with 198.18.0.2:9999
/usr/bin/python3 - "$WORK/passive.pcap" <<'PY'
import struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def frame(src, dst, sport, dport, flags):
    src, dst = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 1 if flags & 0x10 else 0, 5 << 4, flags, 64240, 0, 0)
    tcp = tcp[:16] + struct.pack("!H", csum(src + dst + struct.pack("!HH", 6, 20) + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate((frame("198.18.0.1", "198.18.0.2", 40000, 9999, 0x02),
                            frame("198.18.0.2", "198.18.0.1", 9999, 40000, 0x12))):
        f.write(struct.pack("<IIII", 1_800_000_000, i, len(fr), len(fr)) + fr)
PY
"$PORTREEVE" detect -r "$WORK/passive.pcap" -q --learn all --db "$URI" >"$WORK/passive.out" 2>&1
check "detect -r --db postgresql:// exits 0" test $? = 0
check "PostgreSQL holds the passive service" \
    test "$(PSQL "SELECT COUNT(*) FROM passive_services WHERE addr='198.18.0.2' AND port=9999")" = 1
check "PostgreSQL holds the baseline" test "$(PSQL "SELECT COUNT(*) FROM baselines")" = 1
printf '[p]\nhosts = 198.18.0.2\ntcp = 22\n' >"$WORK/passive.ini"
"$PORTREEVE" audit --policy "$WORK/passive.ini" --passive --db "$URI" >"$WORK/passive.txt" 2>&1
rc=$?
check "audit --passive over PostgreSQL: 9999/tcp not allowed, exit 1 (rc $rc)" \
    sh -c "test $rc = 1 && grep -q 'unexpected-open 198.18.0.2 9999/tcp' '$WORK/passive.txt'"

# a server that is not there: a clear error, exit 2
"$PORTREEVE" history --db "postgresql:///postgres?host=$PGDIR/nosuchdir" >"$WORK/nopg.txt" 2>&1
rc=$?
cat "$WORK/nopg.txt"
check "unreachable PostgreSQL: exit 2" test "$rc" = 2
check "unreachable PostgreSQL: says it cannot connect" grep -q 'cannot connect' "$WORK/nopg.txt"
exit $fail
