#!/bin/sh
# Hostile input: every corrupted variant of a model gives exit 1 and exactly one
# line on stderr naming the file (and, under check-asan, no sanitizer report).
# Variants that may still be valid models (flipped bytes) must exit 0 or fail cleanly.
. "${0%/*}/lib.sh"
FIX="$LADDER_SRC/$LADDER_BUILD/tests/tools/onnx-fixtures"

expect_ok "make the variants" "$FIX" hostile hm
expect_ok "the base model inspects" "$LADDER" inspect hm/base.onnx
n=$(wc -l <hm/must-fail.list)
if [ "$n" -ge 100 ]; then ok "at least 100 variants that must fail ($n)"; else not_ok "at least 100 variants" "$n"; fi

bad=0
details=
while read -r f; do
	"$LADDER" inspect "$f" >/dev/null 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	base=${f##*/}
	if [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -qF "'$f'" "$T/err" ||
	    grep -qE 'Sanitizer|runtime error' "$T/err"; then
		bad=$((bad + 1))
		details="$details $base(rc=$rc,lines=$lines)"
	fi
done <hm/must-fail.list
if [ "$bad" -eq 0 ]; then ok "every corrupted variant fails with one line naming it"; else not_ok "corrupted variants" "$bad failed:$details"; fi

bad=0
details=
while read -r f; do
	"$LADDER" inspect --json "$f" >/dev/null 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if { [ "$rc" -ne 0 ] || [ "$lines" -ne 0 ]; } && { [ "$rc" -ne 1 ] || [ "$lines" -ne 1 ]; }; then
		bad=$((bad + 1))
		details="$details ${f##*/}(rc=$rc,lines=$lines)"
	fi
done <hm/may-fail.list
if [ "$bad" -eq 0 ]; then ok "flipped bytes load or fail cleanly"; else not_ok "flipped bytes" "$bad failed:$details"; fi
