#!/bin/sh
# The command frame: version, help, usage errors, completion helper.
. "${0%/*}/lib.sh"

expect_ok "--version" "$LADDER" --version
expect_grep "--version prints the version" '^ladder [0-9]+\.[0-9]+\.[0-9]+$' "$T/out"
expect_ok "help lists commands" "$LADDER" help
expect_grep "help names help" '^  help ' "$T/out"
run "$LADDER"
if [ "$rc" -eq 2 ] && grep -q '^usage: ladder' "$T/err"; then ok "no command prints usage, exit 2"; else not_ok "no command prints usage, exit 2" "exit $rc"; fi
expect_fail "unknown command" 2 "$LADDER" frobnicate
expect_fail "unknown option" 2 "$LADDER" help --frobnicate
expect_fail "help for unknown command" 1 "$LADDER" help frobnicate
expect_ok "command -h" "$LADDER" help -h
expect_grep "-h shows usage" '^usage: ladder help' "$T/out"
expect_ok "completion of commands" "$LADDER" __complete he
expect_grep "completion finds help" '^help$' "$T/out"
expect_ok "completion of options" "$LADDER" __complete help --q
expect_grep "completion finds --quiet" '^--quiet$' "$T/out"
