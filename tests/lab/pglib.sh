# pglib.sh — a throwaway PostgreSQL server for lab tests: Debian's binaries, run as the
# postgres user from a mktemp directory, listening on a Unix socket there only (no TCP, so
# two tests never share a port), fsync off, bounded start waits.
#   . pglib.sh
#   pg_lab_check || exit 77        # prints why and fails when PostgreSQL is not installed
#   pg_lab_init || exit 1          # PGDIR, initdb; stop it and remove PGDIR with pg_lab_down
#   pg_lab start || exit 1         # pg_ctl ARGS... with the socket options (start, stop, ...)
#   pg_lab_open                    # after start: URI for portreeve, PSQL "SQL" for the test
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGDIR=

pg_lab_check() {
    [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] || { echo "skip: Debian postgresql is not installed"; return 1; }
    id postgres >/dev/null 2>&1 || { echo "skip: no postgres user"; return 1; }
}

pg_lab_init() {
    PGDIR=$(mktemp -d /tmp/pr-pg.XXXXXX) || return 1
    chown postgres: "$PGDIR"
    chmod 700 "$PGDIR"
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres >"$PGDIR/initdb.log" 2>&1 ||
        { cat "$PGDIR/initdb.log"; echo "initdb failed"; return 1; }
    mkdir -p "$PGDIR/sock" && chown postgres: "$PGDIR/sock"
}

pg_lab() {
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -w -t 30 -l "$PGDIR/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$PGDIR/sock' -c fsync=off" "$@" \
        >/dev/null || { [ "$1" = start ] && cat "$PGDIR/server.log"; echo "pg_ctl $1 failed"; return 1; }
}

pg_lab_open() {
    chmod 755 "$PGDIR" # portreeve runs as an unprivileged account after its start
    URI="postgresql:///postgres?host=$PGDIR/sock&user=postgres"
}

PSQL() { runuser -u postgres -- psql -h "$PGDIR/sock" -U postgres -d postgres -Atc "$1"; }

pg_lab_down() {
    [ -n "$PGDIR" ] || return 0
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -t 10 stop >/dev/null 2>&1
    rm -rf "$PGDIR"
}
