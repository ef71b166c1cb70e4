#!/bin/sh
# ladder plan: bad topologies are one-line errors naming the file and the path.
. "${0%/*}/lib.sh"
D=$LADDER_SRC/tests/data/plan

# bad NAME 'SED-EXPR' PATTERN: edit small.yaml, expect exit 1 and PATTERN on stderr.
bad() {
	sed "$2" "$D/small.yaml" >"$1.yaml"
	sed -i "s|\[profile.json\]|[$D/profile.json]|; s|thresholds: thresholds.json|thresholds: $D/thresholds.json|" "$1.yaml"
	expect_fail "$1" 1 "$LADDER" plan "$1.yaml"
	expect_grep "$1 message" "$3" "$T/err"
}

bad unknown-node 's/from: cam-2, to: hub-1/from: cam-9, to: hub-1/' "cannot read 'unknown-node.yaml': links\[1\].from: unknown node 'cam-9'"
bad negative-rate 's/rate_hz: 10/rate_hz: -10/' "cannot read 'negative-rate.yaml': workloads\[0\].rate_hz: must be positive"
bad unknown-source 's/sources: \[cam-1, cam-2\]/sources: [cam-1, cam-7]/' "workloads\[0\].sources\[1\]: unknown node 'cam-7'"
bad unknown-hardware 's/hardware: hub, count: 1/hardware: hub-9000, count: 1/' "nodes\[1\].hardware: unknown hardware 'hub-9000' \(in no profile\)"
bad missing-profile 's/profiles: .*/profiles: [nope.json]/' "cannot open 'nope.json'"
bad cycle '/^workloads:/i\  - {from: cloud, to: cam-1, bandwidth_mbps: 1}' "links\[[0-9]\]: links form a cycle \((cam-1|hub-1|cloud) -> .* -> (cam-1|hub-1|cloud)\)"
bad bad-tier 's/id: cam-1, hardware: dev/id: cam-1, tier: attic, hardware: dev/' "nodes\[2\].tier: unknown tier 'attic'"
bad bad-accuracy 's/accuracy: 0.85/accuracy: 1.5/' "workloads\[0\].accuracy: must be within \[0, 1\]"
bad missing-field 's/input_bytes: 784, accuracy: 0.85,/accuracy: 0.85,/' "workloads\[0\].input_bytes: missing"
bad duplicate-node 's/id: cam-2, hardware: dev/id: cam-1, hardware: dev/' "nodes\[3\].id: duplicate node 'cam-1'"
bad newer-schema 's|ladder.topology/1|ladder.topology/2|' "schema: version 2 is newer"
bad not-yaml 's/^nodes:/nodes: [oops/' "cannot read 'not-yaml.yaml': line"
bad zero-bandwidth 's/bandwidth_mbps: 100/bandwidth_mbps: 0/' "links\[2\].bandwidth_mbps: must be positive"
bad streams 's/streams: 2,/streams: 2.5,/' "workloads\[0\].streams: must be a whole number"
bad wrong-schema 's|ladder.topology/1|ladder.plan/1|' "cannot read 'wrong-schema.yaml': schema: is 'ladder.plan/1', expected 'ladder.topology/1'"
bad no-schema '/^schema:/d' "cannot read 'no-schema.yaml': schema: missing"
bad negative-streams 's/streams: 2,/streams: -2,/' "workloads\[0\].streams: must be a whole number"
bad negative-bytes 's/input_bytes: 784, accuracy: 0.85/input_bytes: -784, accuracy: 0.85/' "workloads\[0\].input_bytes: must be from 0"
bad negative-p99 's/p99_ms: 100/p99_ms: -100/' "workloads\[0\].p99_ms: must be positive"
bad negative-energy 's/p99_ms: 100}/p99_ms: 100, energy_j: -1}/' "workloads\[0\].energy_j: must not be negative"
bad self-link 's/from: cam-1, to: hub-1/from: cam-1, to: cam-1/' "links\[0\]: links node 'cam-1' to itself"
bad negative-price 's/usd_per_gb: 0.05/usd_per_gb: -0.05/' "links\[2\].usd_per_gb: must not be negative"
bad negative-rtt 's/rtt_ms: 20,/rtt_ms: -20,/' "links\[2\].rtt_ms: must not be negative"
bad negative-cost 's/hardware: hub, count: 1/hardware: hub, count: 1, cost_per_hour: -1/' "nodes\[1\].cost_per_hour: must not be negative"
bad zero-count 's/hardware: hub, count: 1/hardware: hub, count: 0/' "nodes\[1\].count: must be a whole number"
bad no-sources 's/sources: \[cam-1, cam-2\]/sources: []/' "workloads\[0\].sources: must name at least one node"
bad no-workloads '/^workloads:/,$d' "workloads: must be a non-empty list"
bad duplicate-key 's/rate_hz: 10,/rate_hz: 10, rate_hz: 20,/' "cannot read 'duplicate-key.yaml': line [0-9]+: duplicate key 'rate_hz'"
bad missing-thresholds 's/^thresholds: .*/thresholds: nope-th.json/' "cannot open '.*nope-th.json'"
expect_fail "profile given as thresholds" 1 "$LADDER" plan "$D/small.yaml" -t "$D/profile.json"
expect_grep "wrong schema names the file" "cannot read '.*profile.json': schema: is 'ladder.profile/1', expected 'ladder.thresholds/1'" "$T/err"
expect_fail "thresholds given as profile" 1 "$LADDER" plan "$D/small.yaml" -p "$D/thresholds.json"
expect_grep "wrong schema names the profile" "cannot read '.*thresholds.json': schema: is 'ladder.thresholds/1', expected 'ladder.profile/1'" "$T/err"
expect_fail "missing topology file" 1 "$LADDER" plan nope.yaml
expect_grep "names the missing file" "cannot open 'nope.yaml'" "$T/err"
printf '{"schema": "ladder.profile/1", "hardware": [], "entries": [{"rung": "x"}]}\n' >bad-profile.json
expect_fail "bad profile" 1 "$LADDER" plan "$D/small.yaml" -p bad-profile.json
expect_grep "bad profile names the path" "cannot read 'bad-profile.json': entries\[0\].hardware: missing" "$T/err"
printf '{"schema": "ladder.thresholds/1", "chains": [{"rungs": ["a", "zz"], "points": []}]}\n' >bad-th.json
expect_fail "bad thresholds" 1 "$LADDER" plan "$D/small.yaml" -t bad-th.json
expect_grep "bad thresholds names the rung" "chains\[0\].rungs\[1\]: unknown rung 'zz'" "$T/err"
: >empty.yaml
expect_fail "empty topology" 1 "$LADDER" plan empty.yaml
