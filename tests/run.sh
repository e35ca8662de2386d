#!/usr/bin/env bash
# Runs every test of portreeve and ends with the line "N passed, N failed, N skipped".
#   unit  — cmocka binaries from build/ and again from build-asan/ (ASan+UBSan)
#   fuzz  — each libFuzzer target from build-fuzz/ for FUZZ_SECONDS over its corpus
#   lab   — tests/lab/t_*.sh, real packets in throwaway namespaces (needs root); the ones
#           with a "# parallel: yes" line run PAR at a time after the others
# ONLY=regex restricts the run to tests whose name matches; PAR (default 2) is how many fuzz
# targets or parallel lab tests run at once (PAR=1: one at a time). Logs go to build/test-logs/.
# Exit status: 0 when nothing failed.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=$ROOT/build/test-logs
mkdir -p "$LOGS"
FUZZ_SECONDS=${FUZZ_SECONDS:-6} # a smoke run in `make check`; `make fuzz` runs 300 s each
ONLY=${ONLY:-.}
pass=0 fail=0 skip=0 failed=()

report() { # name rc seconds log
    local name=$1 rc=$2 took=$3 log=$4
    if [ "$rc" -eq 0 ]; then
        pass=$((pass + 1)); printf 'PASS  %-40s %4ss\n' "$name" "$took"
    elif [ "$rc" -eq 77 ]; then
        skip=$((skip + 1)); printf 'SKIP  %-40s %4ss  %s\n' "$name" "$took" "$(tail -n 1 "$log")"
    else
        fail=$((fail + 1)); failed+=("$name")
        printf 'FAIL  %-40s %4ss  (exit %d, log %s)\n' "$name" "$took" "$rc" "$log"
        tail -n 25 "$log" | sed 's/^/      | /'
    fi
}

run_one() { # name timeout_seconds command...
    local name=$1 limit=$2; shift 2
    [[ $name =~ $ONLY ]] || return 0
    local log=$LOGS/${name//\//_}.log start=$SECONDS rc
    timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
    rc=$?
    report "$name" $rc $((SECONDS - start)) "$log"
}

# Tests that use one core each and nothing shared (the fuzz targets) run PAR at a time:
# run_par queues one, run_par_wait reports them all in the order they were queued.
PAR=${PAR:-2}
par_names=() par_dir=$LOGS/par
run_par() { # name timeout_seconds command...
    local name=$1 limit=$2; shift 2
    [[ $name =~ $ONLY ]] || return 0
    local i=${#par_names[@]} log=$LOGS/${name//\//_}.log
    mkdir -p "$par_dir"
    while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n; done
    par_names+=("$name")
    ( start=$SECONDS; timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1
      echo "$? $((SECONDS - start))" >"$par_dir/$i" ) &
}
run_par_wait() {
    wait
    local i rc took
    for i in "${!par_names[@]}"; do
        read -r rc took <"$par_dir/$i" || { rc=1 took=0; }
        report "${par_names[$i]}" "$rc" "$took" "$LOGS/${par_names[$i]//\//_}.log"
    done
    par_names=()
    rm -rf "$par_dir"
}

# style: every C file as .clang-format says (the same clang-format 14 as Debian 12's)
if command -v clang-format >/dev/null; then
    run_one "style/clang-format" 120 sh -c 'bad=0; for f in $(git ls-files "src/*.[ch]" "tests/unit/*.c" "tests/fuzz/*.c" "bench/*.c"); do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "not formatted: $f"; bad=1; }; done; exit $bad'
fi
# layering: no include cycle among the modules of src/ (tests/tools/include_cycles.py)
run_one "style/include-cycles" 60 python3 tests/tools/include_cycles.py src
for t in build/test_*; do
    [ -x "$t" ] && run_one "unit/$(basename "$t")" 120 "$t"
done
for t in build-asan/test_*; do
    [ -x "$t" ] && run_one "asan/$(basename "$t")" 300 "$t"
done
for t in build-fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    corpus=$ROOT/tests/fuzz/corpus/${name#fuzz_}
    work=$ROOT/build/fuzz-work/$name
    mkdir -p "$work" "$ROOT/tests/fuzz/artifacts"
    [ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null
    run_par "fuzz/$name" $((FUZZ_SECONDS + 60)) "$t" -max_total_time="$FUZZ_SECONDS" \
        -rss_limit_mb=2048 -artifact_prefix="$ROOT/tests/fuzz/artifacts/$name-" "$work"
done
run_par_wait
# Lab tests: those without a "# parallel: yes" header line run one at a time first, alone;
# then the opted-in ones run PAR at a time, the longest first (by the last run's time in
# $LOGS/lab-times, else by the timeout), reported in name order (tests/lab/README.md says
# when a test may opt in). Each test's time is kept in $LOGS/lab-times for the next run.
declare -A lab_time=()
[ -f "$LOGS/lab-times" ] && while read -r n s; do lab_time[$n]=$s; done <"$LOGS/lab-times"
lab_limit() { sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$1" | head -n 1; }
lab_name() { local b=${1##*/}; echo "lab/${b%.sh}"; }
lab_serial=() lab_pool=()
for t in tests/lab/t_*.sh; do
    [ -f "$t" ] || continue
    [[ $(lab_name "$t") =~ $ONLY ]] || continue
    if grep -q '^# parallel: yes' "$t"; then lab_pool+=("$t"); else lab_serial+=("$t"); fi
done
lab_run() { # file: runs one lab test, its output in its log. A background job of a script
    # starts with SIGINT and SIGQUIT ignored, which its children would inherit (a test that
    # interrupts a scan must not see that): restore both. No LAB_PREFIX from outside, or every
    # test would build its lab under that one name.
    local name limit
    name=$(lab_name "$1") limit=$(lab_limit "$1")
    env --default-signal=INT,QUIT -u LAB_PREFIX timeout --kill-after=10 "${limit:-300}" \
        bash "$1" "$ROOT/build/portreeve" >"$LOGS/${name//\//_}.log" 2>&1
}
lab_report() { # file rc seconds
    local name
    name=$(lab_name "$1")
    report "$name" "$2" "$3" "$LOGS/${name//\//_}.log"
    lab_time[$name]=$3
}
lab_start=$SECONDS
for t in "${lab_serial[@]}"; do
    start=$SECONDS
    lab_run "$t"
    lab_report "$t" $? $((SECONDS - start))
done
lab_serial_took=$((SECONDS - lab_start))
if [ ${#lab_pool[@]} -gt 0 ]; then
    mkdir -p "$par_dir"
    rm -f "$par_dir"/*
    # start order: indexes of lab_pool, the longest expected first
    order=$(for i in "${!lab_pool[@]}"; do
        n=$(lab_name "${lab_pool[$i]}") l=$(lab_limit "${lab_pool[$i]}")
        echo "${lab_time[$n]:-${l:-300}} $i"
    done | sort -k1,1nr -k2,2n | cut -d' ' -f2)
    next=0
    lab_flush() { # [all]: report the finished tests that all earlier ones (in name order)
        local rc took # precede; with "all", every test (one without a result failed)
        while [ $next -lt ${#lab_pool[@]} ] && { [ -s "$par_dir/$next" ] || [ "${1:-}" = all ]; }; do
            read -r rc took <"$par_dir/$next" || { rc=1 took=0; }
            lab_report "${lab_pool[$next]}" "$rc" "$took"
            next=$((next + 1))
        done
    }
    for i in $order; do
        while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do wait -n; lab_flush; done
        ( start=$SECONDS
          lab_run "${lab_pool[$i]}"
          echo "$? $((SECONDS - start))" >"$par_dir/$i.tmp" && mv "$par_dir/$i.tmp" "$par_dir/$i" ) &
    done
    wait
    lab_flush all
    rm -rf "$par_dir"
fi
if [ $((${#lab_serial[@]} + ${#lab_pool[@]})) -gt 0 ]; then
    echo "lab: ${#lab_serial[@]} serial tests in ${lab_serial_took}s," \
        "${#lab_pool[@]} in parallel (PAR=$PAR) in $((SECONDS - lab_start - lab_serial_took))s"
    for n in "${!lab_time[@]}"; do
        [ -f "tests/lab/${n#lab/}.sh" ] && echo "$n ${lab_time[$n]}" # (tests that still exist)
    done | sort >"$LOGS/lab-times"
fi

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
