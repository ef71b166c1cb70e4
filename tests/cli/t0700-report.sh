#!/bin/sh
# ladder report: a self-contained HTML page, checked in headless Chromium.
. "${0%/*}/lib.sh"

S=$LADDER_SRC
expect_ok "plan for the report" "$LADDER" plan "$S/plans/city.yaml" -o plan.json -q
expect_ok "report from all inputs" "$LADDER" report -l "$S/tests/data/report/ladder.json" \
	-p "$S/plans/fmnist-profile.json" -t "$S/plans/fmnist-thresholds.json" -P plan.json \
	--title 'city <demo>' -o report.html
expect_grep "report has the pareto plot" "id='plot-pareto'" report.html
expect_grep "report has the baselines plot" "id='plot-baselines'" report.html
expect_grep "report has the tier diagram" "id='plot-tiers'" report.html
expect_grep "title is escaped" 'city &lt;demo&gt;' report.html
expect_grep "rung names are escaped" 'cnn&lt;b&gt;-int8' report.html
if grep -qE "(src|href)=['\"]?(https?:)?//" report.html; then
	not_ok "report is self-contained" "$(grep -oE "(src|href)=[^ ]*" report.html | head -3)"
else
	ok "report is self-contained"
fi

# Headless Chromium loads it without script errors and finds the plots.
if command -v chromium >/dev/null 2>&1; then
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/chromium" --virtual-time-budget=3000 --dump-dom \
		"file://$T/report.html" >dom.html 2>chromium.log
	plots=$(sed -n 's/.*data-plots="\([0-9]*\)".*/\1/p' dom.html | head -1)
	if [ -n "$plots" ] && [ "$plots" -ge 3 ] && ! grep -q 'data-error' dom.html; then
		ok "chromium renders $plots plots, no errors"
	else
		not_ok "chromium renders the plots" "plots='$plots'" "$(tail -3 chromium.log)"
	fi
else
	not_ok "chromium is installed (scripts/install-deps installs it)"
fi

expect_fail "no inputs is a usage error" 2 "$LADDER" report -o x.html
expect_fail "missing file" 1 "$LADDER" report -P nonexistent.json
echo '{"schema": "ladder.plan/2"}' >future.json
expect_fail "newer schema" 1 "$LADDER" report -P future.json
expect_grep "schema error names the file" "future.json" "$T/err"
printf '{"schema": "ladder.pl' >trunc.json
expect_fail "truncated json" 1 "$LADDER" report -P trunc.json
[ ! -e x.html ] && ok "nothing written on failure" || not_ok "nothing written on failure"
