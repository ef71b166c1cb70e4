#!/bin/sh
# `ladder inspect --json` exits 0 on the models of the ONNX backend test data.
# Process start-up dominates, so by default every 8th model is run (about 135);
# LADDER_TEST_FULL=1 runs all of them.  test-onnx loads, validates and round-trips
# every one of them in-process.
. "${0%/*}/lib.sh"
DATA=${LADDER_ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}
stride=8
[ "${LADDER_TEST_FULL:-0}" = 1 ] && stride=1

total=0
ran=0
bad=0
details=
for f in "$DATA"/node/*/model.onnx "$DATA"/pytorch-converted/*/model.onnx \
    "$DATA"/pytorch-operator/*/model.onnx "$DATA"/simple/*/model.onnx; do
	[ -f "$f" ] || continue
	total=$((total + 1))
	[ $((total % stride)) -eq 0 ] || continue
	ran=$((ran + 1))
	if ! "$LADDER" inspect --json "$f" >"$T/out" 2>"$T/err" || [ -s "$T/err" ] ||
	    ! grep -q '^  "schema": "ladder.inspect/1",$' "$T/out"; then
		bad=$((bad + 1))
		[ "$bad" -le 5 ] && details="$details $f: $(head -1 "$T/err")"
	fi
done
if [ "$total" -ge 1000 ]; then ok "found the test data ($total models)"; else not_ok "found the test data" "only $total models under $DATA"; fi
if [ "$bad" -eq 0 ]; then ok "inspect --json exits 0 on $ran of $total"; else not_ok "inspect --json on the test data" "$bad failed:$details"; fi
