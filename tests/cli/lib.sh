# lib.sh: helpers for CLI tests.  Source it first:  . "${0%/*}/lib.sh"
# Each check prints "ok - NAME" or "not ok - NAME" (with detail lines starting "#").
# Tests run in a fresh temporary directory ($T), removed on exit.

: "${LADDER:?run through tests/run.sh or set LADDER to the binary}"
: "${LADDER_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/ladder-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
cd "$T" || exit 1

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# run CMD...: runs it, keeping stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# expect_ok NAME CMD...: status 0.
expect_ok() {
	name=$1; shift
	run "$@"
	if [ "$rc" -eq 0 ]; then ok "$name"; else not_ok "$name" "exit $rc: $*" "$(head -3 "$T/err")"; fi
}

# expect_fail NAME STATUS CMD...: exits STATUS with exactly one line on stderr
# and no sanitizer report.
expect_fail() {
	name=$1; want=$2; shift 2
	run "$@"
	lines=$(wc -l <"$T/err")
	if [ "$rc" -ne "$want" ]; then
		not_ok "$name" "wanted exit $want, got $rc: $*" "$(head -3 "$T/err")"
	elif [ "$lines" -ne 1 ]; then
		not_ok "$name" "wanted one line on stderr, got $lines" "$(head -5 "$T/err")"
	else
		ok "$name"
	fi
}

# expect_grep NAME PATTERN FILE: FILE contains PATTERN (grep -E).
expect_grep() {
	if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no '$2' in $3" "$(head -5 "$3")"; fi
}
