#!/bin/sh
# Shell completions: the bash script completes commands, options and paths
# through `ladder __complete`; the zsh and fish scripts at least parse where
# those shells are installed.
. "${0%/*}/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	not_ok "bash is installed"
	exit 0
fi
mkdir dir
: >model.onnx
cat >complete.bash <<'EOS'
. "$LADDER_SRC/completions/ladder.bash"
LADDER_COMPLETE_BIN=$LADDER
t() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _ladder; printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '; echo; }
t ladder ins
t ladder inspect --j
t ladder inspect mo
t ladder help --q
t ladder ""
EOS
run bash complete.bash
sed -n 1p "$T/out" >line1
sed -n 2p "$T/out" >line2
sed -n 3p "$T/out" >line3
sed -n 4p "$T/out" >line4
sed -n 5p "$T/out" >line5
expect_grep "bash completes a command" '^inspect $' line1
expect_grep "bash completes an option" '^--json $' line2
expect_grep "bash completes a model path" '^model\.onnx $' line3
expect_grep "bash completes a common option" '^--quiet $' line4
expect_grep "bash lists every command" '(^| )help .*inspect ' line5
if command -v zsh >/dev/null 2>&1; then
	expect_ok "zsh script parses" zsh -n "$LADDER_SRC/completions/_ladder"
fi
if command -v fish >/dev/null 2>&1; then
	expect_ok "fish script parses" fish --no-execute "$LADDER_SRC/completions/ladder.fish"
fi
