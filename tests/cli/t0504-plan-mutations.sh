#!/bin/sh
# ladder plan: mutated and truncated inputs never crash; they plan or fail with one line.
. "${0%/*}/lib.sh"
D=$LADDER_SRC/tests/data/plan
cp "$D/profile.json" "$D/thresholds.json" .
cp "$D/small.yaml" small.yaml

# check NAME FILE ARGS...: exit 0 or 1, at most one line on stderr when 1.
check() {
	name=$1; shift
	run "$LADDER" plan "$@" --no-baselines --time-limit 5
	lines=$(wc -l <"$T/err")
	if [ "$rc" -gt 1 ] || { [ "$rc" -eq 1 ] && [ "$lines" -gt 1 ]; }; then
		bad=$((bad + 1))
		[ "$bad" -le 3 ] && not_ok "$name" "exit $rc, $lines lines: $*" "$(head -3 "$T/err")"
	fi
	total=$((total + 1))
}

bad=0 total=0
n=$(wc -l <small.yaml)
i=1
while [ "$i" -le 60 ]; do
	line=$(( (i * 7) % n + 1 ))
	case $((i % 6)) in
	0) sed "${line}d" small.yaml ;;
	1) sed "${line}s/[0-9]/-/" small.yaml ;;
	2) sed "${line}s/:/ /" small.yaml ;;
	3) sed "${line}s/[a-z]\{3\}/zz9/" small.yaml ;;
	4) sed "${line}s/}/]/" small.yaml ;;
	5) sed "${line}p" small.yaml ;;
	esac >m.yaml
	check "mutation $i" m.yaml
	i=$((i + 1))
done
# Truncated profile and thresholds.
size=$(wc -c <profile.json)
for cut in 1 17 100 1000 5000 9000 $((size - 2)); do
	head -c "$cut" profile.json >p.json
	check "profile cut at $cut" small.yaml -p p.json -t thresholds.json
done
size=$(wc -c <thresholds.json)
for cut in 1 30 200 800 $((size - 2)); do
	head -c "$cut" thresholds.json >t.json
	check "thresholds cut at $cut" small.yaml -p profile.json -t t.json
done
# Type confusion: every value of a workload replaced by a list, a string, a huge number.
for v in '[1]' '"x"' '1e308' '-0' '{}' 'null'; do
	sed "s/rate_hz: 10/rate_hz: $v/; s/streams: 2/streams: $v/" small.yaml >v.yaml
	check "value $v" v.yaml
	sed "s/bandwidth_mbps: 100/bandwidth_mbps: $v/; s/max_instances: 4/max_instances: $v/" small.yaml >v.yaml
	check "node value $v" v.yaml
done
if [ "$bad" -eq 0 ]; then ok "$total mutated inputs: no crash, one-line errors"; else not_ok "$bad of $total mutated inputs misbehaved"; fi
