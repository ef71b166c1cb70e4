#!/bin/sh
# ladder plan: the city example (plans/city.yaml, on the committed Fashion-MNIST example
# profiles) solves, is never worse than a baseline or ablation, and beats the best
# baseline (one rung per stream, without ladder) by at least 30%.
. "${0%/*}/lib.sh"

expect_ok "plan city" "$LADDER" plan "$LADDER_SRC/plans/city.yaml" -o city.json --time-limit 20
expect_grep "city plan feasible" '"status": "(optimal|feasible)"' city.json
expect_grep "city has cloud-only baseline" '"name": "cloud-only"' city.json
expect_grep "city has the no-escalation ablation" '"name": "no-escalation"' city.json
tr -d ' \n' <city.json >flat.txt
cost=$(grep -o '"totals":{"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://')
worse=0
for b in $(grep -o '"feasible":true,"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://'); do
	awk -v p="$cost" -v b="$b" 'BEGIN { exit !(p > b + 1e-9) }' && worse=1
done
if [ -n "$cost" ] && [ "$worse" -eq 0 ]; then
	ok "city plan not worse than any baseline or ablation"
else
	not_ok "city plan not worse than any baseline or ablation" "cost $cost"
fi
# The best of the four baselines (the ablations come after them in plan.json).
sed 's/"ablations".*//' flat.txt >bases.txt
best=$(grep -o '"feasible":true,"cost_per_hour":[0-9.e-]*' bases.txt | sed 's/.*://' | sort -g | head -1)
if [ -n "$cost" ] && [ -n "$best" ] && awk -v p="$cost" -v b="$best" 'BEGIN { exit !(p <= 0.7 * b) }'; then
	ok "city plan at least 30% below the best baseline"
else
	not_ok "city plan at least 30% below the best baseline" "plan $cost, best baseline $best"
fi
# Shipping every crop to the far cloud pays egress and large instances.
cloud=$(grep -o '"name":"cloud-only","status":"[a-z ]*","feasible":true,"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://')
if [ -n "$cost" ] && [ -n "$cloud" ] && awk -v p="$cost" -v b="$cloud" 'BEGIN { exit !(p <= 0.2 * b) }'; then
	ok "city plan at least 80% below cloud-only"
else
	not_ok "city plan at least 80% below cloud-only" "plan $cost, cloud-only $cloud"
fi
# The summary explains the comparison: baselines and ablations, each with what the plan saves.
"$LADDER" plan "$LADDER_SRC/plans/city.yaml" --time-limit 20 >summary.txt 2>&1
expect_grep "summary lists the ablations" '^no-cascades .*single rungs, any node' summary.txt
expect_grep "summary says what the plan saves" '^edge-only +[0-9.]+ +[0-9.]+%' summary.txt
