#!/bin/sh
# ladder plan: the city example (plans/city.yaml) solves and beats or matches every baseline.
. "${0%/*}/lib.sh"

expect_ok "plan city" "$LADDER" plan "$LADDER_SRC/plans/city.yaml" -o city.json --time-limit 20
expect_grep "city plan feasible" '"status": "(optimal|feasible)"' city.json
expect_grep "city has cloud-only baseline" '"name": "cloud-only"' city.json
tr -d ' \n' <city.json >flat.txt
cost=$(grep -o '"totals":{"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://')
worse=0
for b in $(grep -o '"feasible":true,"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://'); do
	awk -v p="$cost" -v b="$b" 'BEGIN { exit !(p > b + 1e-9) }' && worse=1
done
if [ -n "$cost" ] && [ "$worse" -eq 0 ]; then ok "city plan not worse than any baseline"; else not_ok "city plan not worse than any baseline" "cost $cost"; fi
# Shipping every crop to the far cloud pays egress and a large instance: the plan is far below it.
cloud=$(grep -o '"name":"cloud-only","status":"[a-z ]*","feasible":true,"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://')
if [ -n "$cost" ] && [ -n "$cloud" ] && awk -v p="$cost" -v b="$cloud" 'BEGIN { exit !(p <= 0.7 * b) }'; then
	ok "city plan at least 30% below cloud-only"
else
	not_ok "city plan at least 30% below cloud-only" "plan $cost, cloud-only $cloud"
fi
