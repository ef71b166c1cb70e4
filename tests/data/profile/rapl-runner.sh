#!/bin/sh
# A stand-in runner that "uses" 0.4 J per call: it advances the fake RAPL
# counter $FAKE_RAPL (µJ) and prints 40 latencies, so the measured energy is
# exactly 0.4 J / 40 = 0.01 J per inference, whatever the timing.
# usage: rapl-runner.sh MODEL
[ -f "$1" ] || { echo "no model '$1'" >&2; exit 3; }
v=$(cat "$FAKE_RAPL")
echo $((v + 400000)) >"$FAKE_RAPL"
lat="2.0"
i=0
while [ $i -lt 39 ]; do lat="$lat, 2.0"; i=$((i + 1)); done
echo "{\"latency_ms\": [$lat]}"
