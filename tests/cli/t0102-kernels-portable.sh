#!/bin/sh
# The kernel unit tests once more on the portable kernels (LADDER_CPU=generic).
. "${0%/*}/lib.sh"

if LADDER_CPU=generic "$LADDER_SRC/${LADDER_BUILD:-build}/tests/test-kernels" >"$T/out" 2>&1; then
	ok "test-kernels passes on the portable kernels"
else
	sed 's/^/# /' "$T/out" | tail -20
	not_ok "test-kernels passes on the portable kernels"
fi
