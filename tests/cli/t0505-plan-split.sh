#!/bin/sh
# ladder plan: a generated fleet of 1000 streams (bench/plan-gen 1000: 90 cameras under 9 hubs,
# an edge DC, a cloud) where capacity binds.  The root LP bound alone is 3.4% short; closing
# the DC and cloud and solving the nine hub regions as parts prove the plan optimal.
. "${0%/*}/lib.sh"

expect_ok "plan fleet-1000" "$LADDER" plan "$LADDER_SRC/tests/data/plan/fleet-1000.json" \
    --no-baselines --time-limit 60 -o fleet.json
expect_grep "fleet plan proven optimal" '"status": "optimal"' fleet.json
tr -d ' \n' <fleet.json >flat.txt
cost=$(grep -o '"objective":{"cost_per_hour":[0-9.e-]*' flat.txt | sed 's/.*://')
bound=$(grep -o '"bound":[0-9.e-]*,"gap"' flat.txt | sed 's/"bound"://; s/,"gap"//')
lp=$(grep -o '"lp_bound":[0-9.e-]*' flat.txt | sed 's/.*://')
if [ -n "$cost" ] && [ -n "$bound" ] && awk -v c="$cost" -v b="$bound" 'BEGIN { exit !(c - b <= 1e-6 * c) }'; then
	ok "bound equals the plan's cost"
else
	not_ok "bound equals the plan's cost" "cost $cost, bound $bound"
fi
if [ -n "$cost" ] && [ -n "$lp" ] && awk -v c="$cost" -v b="$lp" 'BEGIN { exit !(b < 0.98 * c) }'; then
	ok "the root LP bound alone is more than 2% short"
else
	not_ok "the root LP bound alone is more than 2% short" "cost $cost, LP $lp"
fi
expect_grep "nine parts, one per hub region" '"parts":9,"parts_exact":9' flat.txt
if grep -q '"closed_nodes":[2-9]' flat.txt; then
	ok "the edge DC and the cloud are closed"
else
	not_ok "the edge DC and the cloud are closed" "$(grep -o '"closed_nodes":[0-9]*' flat.txt)"
fi
# The summary says where the bound came from.
"$LADDER" plan "$LADDER_SRC/tests/data/plan/fleet-1000.json" --no-baselines --time-limit 60 \
    >summary.txt 2>&1
expect_grep "summary explains the bound" '^bound: LP \$0\.2260/h; split into 9 parts \(9 within the gap\)' summary.txt
