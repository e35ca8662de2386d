# check.sh — the one assertion helper of the lab tests (sourced by nslib.sh and scanlib.sh).
# check DESCRIPTION COMMAND...: runs COMMAND; prints "ok   DESCRIPTION" or "FAIL DESCRIPTION"
# and sets fail=1 on failure.
check() {
    local d=$1
    shift
    if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}
