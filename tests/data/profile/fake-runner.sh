#!/bin/sh
# A stand-in external runner for the tests: fixed timings, canned outputs.
# usage: fake-runner.sh MODEL OUTPUTS
[ -f "$1" ] || { echo "no model '$1'" >&2; exit 3; }
[ -n "$2" ] && cp "$(dirname "$0")/runner-outputs.npy" "$2"
echo "fake runner starting"
lat="1.0"
i=0
while [ $i -lt 38 ]; do lat="$lat, 1.5"; i=$((i + 1)); done
echo "{\"load_ms\": 7.5, \"latency_ms\": [$lat, 2.0], \"offline\": [{\"batch\": 4, \"throughput_ips\": 2000}]}"
