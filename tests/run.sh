#!/bin/sh
# run.sh: run every unit test program and CLI test script; count the results.
# Each prints TAP-style lines ("ok - name" / "not ok - name"); a program that
# crashes or exits non-zero without a "not ok" line counts as one failure.
# Usage: tests/run.sh [PATTERN]   (PATTERN filters test file names)

cd "$(dirname "$0")/.." || exit 1
B=${LADDER_BUILD:-build}
export LADDER_BUILD=$B
export LADDER="$PWD/$B/ladder"
export LADDER_SRC="$PWD"
pattern=${1:-}
passed=0
failed=0
failures=
log=$(mktemp "${TMPDIR:-/tmp}/ladder-tests.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT INT TERM

run_one() {
	name=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	if [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ]; then
		bad=1
		echo "not ok - $name ran no test" >>"$log"
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	if [ "$bad" -gt 0 ]; then
		printf '%-40s FAIL (%d passed, %d failed)\n' "$name" "$ok" "$bad"
		grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
		tail -5 "$log" | grep -vE '^(ok|not ok|#)' | sed 's/^/    | /'
		failures="$failures $name"
	else
		printf '%-40s ok (%d)\n' "$name" "$ok"
	fi
}

for t in "$B"/tests/test-*; do
	[ -x "$t" ] || continue
	n=${t##*/}
	case $n in *"$pattern"*) ;; *) continue ;; esac
	run_one "unit/$n" "$t"
done
for t in tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	n=${t##*/}
	case $n in *"$pattern"*) ;; *) continue ;; esac
	run_one "cli/$n" sh "$t"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
