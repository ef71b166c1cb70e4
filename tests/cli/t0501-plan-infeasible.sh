#!/bin/sh
# ladder plan: infeasible inputs name the classes and the nearest feasible relaxation.
. "${0%/*}/lib.sh"
D=$LADDER_SRC/tests/data/plan

sed 's/accuracy: 0.92, p99_ms: 200/accuracy: 0.97, p99_ms: 200/' "$D/small.yaml" >acc.yaml
sed -i "s|\[profile.json\]|[$D/profile.json]|; s|thresholds: thresholds.json|thresholds: $D/thresholds.json|" acc.yaml
expect_fail "accuracy out of reach" 1 "$LADDER" plan acc.yaml -o acc.json
expect_grep "names class and best reachable accuracy" 'gates@cam-1: needs accuracy 0.97, best reachable 0.93' "$T/err"
expect_grep "summary lists every class" 'gates@cam-2: needs accuracy 0.97' "$T/out"
expect_grep "plan.json says infeasible" '"status": "infeasible"' acc.json

sed 's/p99_ms: 100}/p99_ms: 1}/' "$D/small.yaml" >lat.yaml
sed -i "s|\[profile.json\]|[$D/profile.json]|; s|thresholds: thresholds.json|thresholds: $D/thresholds.json|" lat.yaml
expect_fail "latency out of reach" 1 "$LADDER" plan lat.yaml
expect_grep "names the best reachable latency" 'doors@cam-1: needs p99 1 ms, best reachable' "$T/err"

# Capacity: far more streams than the fleet can take.
sed 's/streams: 2, rate_hz: 10/streams: 400, rate_hz: 10/' "$D/small.yaml" >cap.yaml
sed -i "s|\[profile.json\]|[$D/profile.json]|; s|thresholds: thresholds.json|thresholds: $D/thresholds.json|" cap.yaml
expect_fail "capacity exceeded" 1 "$LADDER" plan cap.yaml
expect_grep "says how many streams fit" 'doors@cam-[12]: only [0-9.]+ of 400 streams fit' "$T/err"
