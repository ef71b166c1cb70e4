#!/bin/sh
# Conformance regression gate: every case in tests/conformance-pass.txt must still pass.
. "${0%/*}/lib.sh"

tool="$LADDER_SRC/${LADDER_BUILD:-build}/tests/tools/conformance"
data=/usr/share/libonnx-testdata/data
if [ ! -d "$data/node" ]; then
	ok "# SKIP libonnx-testdata not installed"
	exit 0
fi
"$tool" --baseline "$LADDER_SRC/tests/conformance-pass.txt" >"$T/out" 2>"$T/err"
rc=$?
grep -E '^(not ok|ok) ' "$T/out"
[ "$rc" -eq 0 ] || grep -E '^conformance:' "$T/out" | sed 's/^/# /'
# The same gate on the portable kernels (what a CPU without AVX-512 runs).
LADDER_CPU=generic "$tool" --baseline "$LADDER_SRC/tests/conformance-pass.txt" >"$T/out" 2>"$T/err"
rc=$?
grep -E '^(not ok|ok) ' "$T/out" | sed 's/ - / - portable kernels: /'
[ "$rc" -eq 0 ] || grep -E '^conformance:' "$T/out" | sed 's/^/# /'
exit 0
