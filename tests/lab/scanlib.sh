# scanlib.sh — helpers for the scan lab tests (sourced after lab.sh and lab_up).
#   pr_scan ARGS...              portreeve scan in the scanner namespace
#   nmap_scan ARGS...            nmap in the scanner namespace (-n, no DNS)
#   check_truth TECH ADDR PORTS XML
#                                every port's state in XML equals the lab's truth
#   nmap_disagreements TECH ADDR PORTS XML ALLOWED_CLASSES
#                                prints where nmap differs from the truth; fails when a
#                                difference is on a port whose class is not in ALLOWED_CLASSES
#   check DESC COMMAND...        ok/FAIL line, fail=1 on failure (check.sh)
# Tests set PORTREEVE (absolute path of the binary) and WORK (a scratch directory).
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

pr_scan() { ip netns exec "$LAB_NS_SCAN" "$PORTREEVE" scan "$@"; }
nmap_scan() { ip netns exec "$LAB_NS_SCAN" nmap -n "$@"; }

check_truth() { # tech addr ports xml
    /usr/bin/python3 "$LAB_LIB_DIR/truth.py" compare "$LAB_TRUTH" "$1" "$2" "$3" "$4"
}

nmap_disagreements() { # tech addr ports xml allowed-classes
    local tech=$1 addr=$2 ports=$3 xml=$4 allowed=$5 out line port class bad=0
    out=$(/usr/bin/python3 "$LAB_LIB_DIR/truth.py" compare "$LAB_TRUTH" "$tech" "$addr" "$ports" "$xml")
    while read -r line; do
        case $line in */*) ;; *) continue ;; esac
        port=${line%% *}
        class=$(awk -v a="$addr" -v p="${port#*/}" -v pr="${port%/*}" \
            '$1==a && $2==pr && $3==p {print $4}' "$LAB_TRUTH")
        class=${class:-closed}
        if [[ " $allowed " == *" $class "* ]]; then
            echo "  nmap differs on $line ($class: known nmap limitation)"
        else
            echo "  nmap differs on $line ($class): the lab's truth may be wrong"
            bad=1
        fi
    done <<<"$out"
    return $bad
}

# Common test prologue: root check, lab up, scratch dir. Usage: scan_test_setup "$@"
scan_test_setup() {
    PORTREEVE=$(readlink -f "${1:?usage: $0 /path/to/portreeve}")
    [ "$(id -u)" = 0 ] || { echo "skip: lab tests need root"; exit 77; }
    LAB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    export LAB_PREFIX=${LAB_PREFIX:-p$$}
    # shellcheck source=lab.sh
    . "$LAB_LIB_DIR/lab.sh"
    lab_up "${LAB_UP_ARGS[@]}" || { echo "lab did not come up"; exit 1; }
    WORK=$LAB_DIR/work
    mkdir -p "$WORK"
}
