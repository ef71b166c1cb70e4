#!/bin/sh
# ladder plan: a small fleet end to end, plan.json, --json, determinism, baselines.
. "${0%/*}/lib.sh"
D=$LADDER_SRC/tests/data/plan
export SOURCE_DATE_EPOCH=1700000000

expect_ok "plan small fleet" "$LADDER" plan "$D/small.yaml" -o plan.json
expect_grep "summary names the cost" '^plan: optimal, \$[0-9.]+/h' "$T/out"
expect_grep "summary shows baselines" '^cloud-only ' "$T/out"
expect_grep "plan.json schema first" '^  "schema": "ladder.plan/1",$' plan.json
expect_grep "plan.json status" '"status": "optimal"' plan.json
expect_grep "plan.json created from SOURCE_DATE_EPOCH" '"created": "2023-11-14T22:13:20Z"' plan.json
expect_grep "plan.json names a route" '"escalate_to"' plan.json
expect_ok "plan --json" "$LADDER" plan "$D/small.yaml" --json
expect_grep "--json prints plan.json" '"schema": "ladder.plan/1"' "$T/out"

# Determinism: identical bytes except the solver's wall time.
expect_ok "plan again" "$LADDER" plan "$D/small.yaml" -o plan2.json -q
grep -vE '"(solve|build|baselines|lp|cpu)_ms"' plan.json >a.txt
grep -vE '"(solve|build|baselines|lp|cpu)_ms"' plan2.json >b.txt
if cmp -s a.txt b.txt; then ok "reruns give identical plan.json"; else not_ok "reruns give identical plan.json" "$(diff a.txt b.txt | head -5)"; fi

# The plan is never worse than a feasible baseline.
python_free_check() {
	cost=$(sed -n 's/^    "cost_per_hour": \([0-9.e-]*\),*$/\1/p' plan.json | head -1)
	worse=0
	for b in $(tr -d ' \n' <plan.json | grep -o '"feasible":true,"cost_per_hour":[0-9.e-]*' | sed 's/.*://'); do
		awk -v p="$cost" -v b="$b" 'BEGIN { exit !(p > b + 1e-9) }' && worse=1
	done
	[ -n "$cost" ] && [ "$worse" -eq 0 ]
}
if python_free_check; then ok "plan not worse than any baseline"; else not_ok "plan not worse than any baseline"; fi

expect_ok "plan --explain" "$LADDER" plan "$D/small.yaml" --explain
expect_grep "explain prices accuracy" '\+1 point of accuracy on doors costs \$' "$T/out"
expect_ok "plan with explicit inputs" "$LADDER" plan "$D/small.yaml" -p "$D/profile.json" -t "$D/thresholds.json" --no-baselines --gap 0.01 --time-limit 5 --epoch 7 -o p7.json -q
expect_grep "epoch written" '"epoch": 7,' p7.json
expect_fail "bad --gap" 2 "$LADDER" plan "$D/small.yaml" --gap nope
expect_fail "missing topology argument" 2 "$LADDER" plan

# -h matches the man page SYNOPSIS.
if [ -f "$LADDER_SRC/man/ladder-plan.1" ]; then
	"$LADDER" plan -h | sed -n 's/^usage: ladder plan //p' >usage.txt
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$LADDER_SRC/man/ladder-plan.1" |
	    grep -q "^\.Nm ladder plan" && ok "man page has a SYNOPSIS" || not_ok "man page has a SYNOPSIS"
	for word in $(tr -d '[].' <usage.txt); do
		case $word in -*) grep -q -- "Fl ${word#-}" "$LADDER_SRC/man/ladder-plan.1" || { not_ok "SYNOPSIS lists $word"; continue; } ;; esac
	done
	ok "SYNOPSIS lists every option of -h"
fi

# With ladder.json: rung files in plan.json, input paths relative to plan.json's directory.
mkdir -p res/deep
expect_ok "plan with ladder.json" "$LADDER" plan "$D/with-ladder.yaml" -o res/deep/plan.json -q
expect_grep "rung file from ladder.json" '"file": "rungs/[abc].onnx"' res/deep/plan.json
lp=$(sed -n 's/^      "path": "\(.*ladder.json\)",$/\1/p' res/deep/plan.json)
if [ -n "$lp" ] && [ -f "res/deep/$lp" ]; then ok "inputs.ladder.path resolves from plan.json's directory"; else not_ok "inputs.ladder.path resolves from plan.json's directory" "path '$lp'"; fi
sed 's/"sha256": "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"/"sha256": "00"/' "$D/ladder.json" >ladder-bad.json
sed "s|^ladder: ladder.json|ladder: $T/ladder-bad.json|; s|\[profile.json\]|[$D/profile.json]|; s|thresholds: thresholds.json|thresholds: $D/thresholds.json|" "$D/with-ladder.yaml" >wl.yaml
expect_fail "ladder.json disagreeing with the profile" 1 "$LADDER" plan wl.yaml
expect_grep "names the rung" "rungs\[0\].sha256: rung 'a' differs from the profiled one" "$T/err"
