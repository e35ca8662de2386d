#!/usr/bin/env bash
# web_bench.sh — lines per second and peak RSS of `portreeve detect --http-log` on a generated
# 1-million-line access log (issue 14's goal: >= 1 M lines/s per core, memory bounded).
#
#   bench/web_bench.sh [--lines N] [--repeats N] [--record]
#
# Two logs in nginx's combined format are generated here: "mixed" — 2000 clients (1% with a
# scanner's user agent and only 404s, 4% curl, the rest a browser; one request in six a 404,
# query strings on most), the common case; "flood" — every line from a new source address,
# so every line creates or evicts a source entry (the worst case for the table). Each run is
# timed with /usr/bin/time (user time = one core, wall, max RSS); the median is reported.
set -u
cd "$(dirname "$0")/.."
LINES=1000000 REPEATS=3 RECORD=0
while [ $# -gt 0 ]; do
    case $1 in
    --lines) LINES=$2; shift 2 ;;
    --repeats) REPEATS=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    *) echo "usage: $0 [--lines N] [--repeats N] [--record]" >&2; exit 2 ;;
    esac
done
BIN=$PWD/build/portreeve
[ -x "$BIN" ] || { echo "build first (make)" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for kind in mixed flood; do
    /usr/bin/python3 - "$W/$kind.log" "$LINES" "$kind" <<'PY'
import random, sys
path, n, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rnd = random.Random(7)
fx = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0"
with open(path, "w") as f:
    for i in range(n):
        if kind == "mixed":
            k = rnd.randrange(2000)
            ip = "10.1.%d.%d" % (k // 256, k % 256)
        else:
            k = 100 + rnd.randrange(1900)
            ip = "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        ua = "gobuster/3.5" if k < 20 else "curl/7.88.1" if k < 100 else fx
        st = 404 if k < 20 else rnd.choice((200, 200, 200, 200, 304, 404))
        s = i // 200
        f.write('%s - - [03/Dec/2026:%02d:%02d:%02d +0000] "GET /static/page%d.html?v=%d '
                'HTTP/1.1" %d 5123 "http://site/" "%s"\n' % (ip, s // 3600 % 24, s // 60 % 60,
                s % 60, rnd.randrange(300), rnd.randrange(9), st, ua))
PY
done
out=$W/out
{
    echo "detect --http-log on $LINES lines (nginx combined), $REPEATS runs, median:"
    for kind in mixed flood; do
        for r in $(seq "$REPEATS"); do
            /usr/bin/time -f "%e %U %M" -o "$W/t.$r" "$BIN" detect -q --http-log "$W/$kind.log" \
                >"$W/run.out" 2>&1 || { cat "$W/run.out"; exit 1; }
            cat "$W/t.$r"
        done | sort -n -k2 | sed -n "$(((REPEATS + 1) / 2))p" >"$W/median"
        read -r wall user rss <"$W/median"
        web=$(grep '^web:' "$W/run.out" | sed 's/^web: //')
        awk -v k="$kind" -v n="$LINES" -v w="$wall" -v u="$user" -v m="$rss" 'BEGIN {
            printf "  %-5s wall %.2f s; user %.2f s -> %.2f M lines/s per core; peak RSS %.1f MiB\n",
                k, w, u, n / u / 1e6, m / 1024 }'
        echo "        ($web)"
    done
    echo "  goal >= 1 M lines/s per core"
} | tee "$out"
if [ $RECORD = 1 ]; then
    {
        echo
        echo "## detect --http-log throughput ($(date -u +%F), commit $(git rev-parse --short HEAD))"
        echo
        echo "Command: \`bench/web_bench.sh --lines $LINES --repeats $REPEATS --record\`"
        echo
        echo '```'
        cat "$out"
        echo '```'
    } >>bench/RESULTS.md
fi
