#!/bin/sh
# ladder thresholds: table, JSON, plot, determinism, repeat, bad input.
. "${0%/*}/lib.sh"

D=$LADDER_SRC/tests/data/thresholds
P=$D/profile.json

expect_ok "-h" "$LADDER" thresholds -h
expect_grep "-h shows usage" '^usage: ladder thresholds' "$T/out"
# Every option of the usage line is in the man page SYNOPSIS.
usage=$(sed -n 's/^usage: ladder thresholds //p' "$T/out")
missing=
for w in $usage; do
	case $w in
	\[--*) o=${w#\[--}; o=${o%\]}; grep -q "^\.Op Fl -$o" "$LADDER_SRC/man/ladder-thresholds.1" || missing="$missing $o" ;;
	\[-?) o=${w#\[-}; grep -q "^\.Op Fl $o" "$LADDER_SRC/man/ladder-thresholds.1" || missing="$missing $o" ;;
	esac
done
if [ -z "$missing" ]; then ok "usage matches the man page"; else not_ok "usage matches the man page" "missing:$missing"; fi

expect_ok "table" "$LADDER" thresholds -t 0.85:0.9:0.01 "$P"
expect_grep "table header" '^TARGET +CHAIN' "$T/out"
expect_grep "table has a target" '^0\.87 ' "$T/out"

expect_ok "json and file" "$LADDER" thresholds --json -t 0.85:0.9:0.01 -o a.json --plot a.svg "$P"
if cmp -s "$T/out" a.json; then ok "--json prints what -o writes"; else not_ok "--json prints what -o writes"; fi
expect_grep "schema first" '^  "schema": "ladder.thresholds/1",$' a.json
expect_grep "chains have points" '"points": \[' a.json
expect_grep "a feasible target" '"feasible": true' a.json
expect_grep "cheapest single" '"cheapest_single": \{' a.json
expect_grep "svg" '^<svg ' a.svg
expect_grep "svg frontier" 'class="frontier"' a.svg
expect_ok "rerun" "$LADDER" thresholds -q -t 0.85:0.9:0.01 -o b.json "$P"
if cmp -s a.json b.json; then ok "same inputs, same bytes"; else not_ok "same inputs, same bytes"; fi
expect_ok "other seed" "$LADDER" thresholds -q -t 0.85:0.9:0.01 --seed 7 -o c.json "$P"
expect_grep "seed recorded" '"seed": 7' c.json

expect_ok "macs, one measure, two stages" "$LADDER" thresholds --json --cost macs \
	--ladder "$D/ladder.json" -m max_softmax --max-chain 2 -t 0.88 "$P"
expect_grep "macs cost model" '"kind": "macs"' "$T/out"
if grep -q '"measure": "margin"' "$T/out"; then not_ok "only the measure asked for"; else ok "only the measure asked for"; fi
expect_ok "repeat" "$LADDER" thresholds -m max_softmax --max-chain 2 -t 0.86,0.88 --repeat 3 "$P"
expect_grep "repeat table" '^repeat: 3 random splits' "$T/out"
expect_grep "repeat certified for its check" 'certified, at risk 0.05, for a check on its [0-9]* held-out samples' "$T/out"

# --check N: the guarantee for a count on N fresh samples needs more on evaluation.
expect_ok "population" "$LADDER" thresholds --json -m max_softmax --max-chain 2 -t 0.86 -o pop.json "$P"
expect_grep "check 0 recorded" '"check_samples": 0,' pop.json
expect_grep "level 1 - risk" '"level": 0.95,' pop.json
expect_ok "check" "$LADDER" thresholds --json -m max_softmax --max-chain 2 -t 0.86 --check 5000 -o chk.json "$P"
expect_grep "check recorded" '"check_samples": 5000,' chk.json
bound() { sed -n '/"targets": \[/,$p' "$1" | sed -n 's/^ *"lower_bound": \([0-9.e-]*\),*$/\1/p' | head -1; }
b0=$(bound pop.json) b1=$(bound chk.json)
if [ -n "$b0" ] && [ -n "$b1" ] && awk -v a="$b0" -v b="$b1" 'BEGIN { exit !(b > a) }'; then
	ok "--check certifies a higher accuracy ($b1 > $b0)"
else
	not_ok "--check certifies a higher accuracy" "bounds '$b0' '$b1'"
fi
expect_ok "check in the table" "$LADDER" thresholds -m max_softmax --max-chain 2 -t 0.86 --check 5000 "$P"
expect_grep "table states the check" 'counted on 5000 fresh samples' "$T/out"
expect_fail "bad check" 2 "$LADDER" thresholds --check -1 "$P"
for m in split-certify none wilson-each; do
	expect_ok "method $m" "$LADDER" thresholds -q -m max_softmax --max-chain 2 -t 0.87 --method $m -o m.json "$P"
	expect_grep "method $m recorded" "\"method\": \"$m\"" m.json
done

# Bad input: one line, the right status.
expect_fail "no such profile" 1 "$LADDER" thresholds nope.json
expect_fail "bad targets" 2 "$LADDER" thresholds -t 0.9:0.8:0.1 "$P"
expect_fail "bad measure" 2 "$LADDER" thresholds -m nope "$P"
expect_fail "bad level" 2 "$LADDER" thresholds --level 2 "$P"
expect_fail "macs without ladder" 1 "$LADDER" thresholds --cost macs "$P"
mkdir -p bad/samples
cp "$D"/samples/* bad/samples/
sed 's/ladder.profile\/1/ladder.profile\/2/' "$P" >bad/newer.json
expect_fail "newer schema" 1 "$LADDER" thresholds bad/newer.json
expect_grep "names the file" "newer.json" "$T/err"
echo '{"schema": "ladder.profile/1", "hardware": [], "data": [], "entries": []}' >bad/empty.json
expect_fail "no data" 1 "$LADDER" thresholds bad/empty.json
echo '{"schema": "ladder.profile/1",' >bad/trunc.json
expect_fail "truncated json" 1 "$LADDER" thresholds bad/trunc.json
cp "$P" bad/profile.json
for f in bad/samples/*.npy; do
	case $f in *labels-*) ;; *) head -c 100 "$f" >"$f.tmp" && mv "$f.tmp" "$f"; break ;; esac
done
expect_fail "truncated outputs" 1 "$LADDER" thresholds bad/profile.json
expect_grep "truncated named" "cannot read '.*\.npy'" "$T/err"
