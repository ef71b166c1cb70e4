#!/bin/sh
# keygen, pack, deploy, agent: -h matches the man page SYNOPSIS; pages lint clean;
# usage errors are one line.
. "${0%/*}/lib.sh"

for cmd in keygen pack deploy agent; do
	page="$LADDER_SRC/man/ladder-$cmd.1"
	"$LADDER" $cmd -h | sed -n "s/^usage: ladder $cmd //p" >usage.txt
	if sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$page" | grep -q "^\.Nm ladder $cmd"; then
		ok "$cmd: man page has a SYNOPSIS"
	else
		not_ok "$cmd: man page has a SYNOPSIS"
	fi
	missing=
	for word in $(tr -d '[].|' <usage.txt); do
		case $word in
		--*) sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$page" | grep -q -- "Fl -${word#--}\\b" || missing="$missing $word" ;;
		-*) sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$page" | grep -q -- "Fl ${word#-}\\b" || missing="$missing $word" ;;
		esac
	done
	if [ -z "$missing" ]; then ok "$cmd: SYNOPSIS lists every option of -h"; else not_ok "$cmd: SYNOPSIS misses$missing"; fi
done
if command -v mandoc >/dev/null 2>&1; then
	for p in ladder-keygen.1 ladder-pack.1 ladder-deploy.1 ladder-agent.1 ladder-bundle.5; do
		out=$(mandoc -T lint -W warning "$LADDER_SRC/man/$p" 2>&1)
		if [ -z "$out" ]; then ok "$p lints clean"; else not_ok "$p lints clean" "$out"; fi
	done
fi
expect_fail "keygen without -o" 2 "$LADDER" keygen
expect_fail "agent without root" 2 "$LADDER" agent -l 127.0.0.1:0
expect_fail "deploy without bundles" 2 "$LADDER" deploy plan.json
expect_fail "deploy with a bad number" 2 "$LADDER" deploy -b x --canary zero plan.json
expect_fail "pack a missing plan" 1 "$LADDER" pack -k nokey -o out nothing.json
"$LADDER" keygen -q -o k
expect_fail "keygen never overwrites" 1 "$LADDER" keygen -o k
expect_fail "pack a missing plan" 1 "$LADDER" pack -k k -o o nothing.json
printf '{"schema": "ladder.plan/2", "epoch": 1, "nodes": []}' >p2.json
expect_fail "pack refuses a newer plan schema" 1 "$LADDER" pack -k k -o o p2.json
expect_grep "names the file" "p2.json" err
expect_fail "agent with a bad trust key" 1 "$LADDER" agent -r r -t p2.json -n x --status
expect_fail "agent cannot listen on a bad address" 1 "$LADDER" agent -r r -t k.pub -n x -l nowhere
