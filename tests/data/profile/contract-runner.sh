#!/bin/sh
# A runner that checks the --runner contract: every placeholder substituted,
# {data} a .npy it can read, {outputs} written; it logs its arguments.
# usage: contract-runner.sh MODEL NAME THREADS BATCH RUNS DATA OUTPUTS
[ $# -eq 7 ] || { echo "wanted 7 arguments, got $#" >&2; exit 3; }
[ -f "$1" ] || { echo "no model '$1'" >&2; exit 3; }
[ "$(head -c 6 "$6" | tail -c 5)" = NUMPY ] || { echo "{data} is not a .npy" >&2; exit 4; }
echo "name=$2 threads=$3 batch=$4 runs=$5" >>"$RUNNER_LOG"
cp "$(dirname "$0")/runner-outputs.npy" "$7"
echo "progress lines and other output are ignored"
echo "{\"not\": \"this one\"}"
echo "{\"latency_ms\": [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], \"load_ms\": 20, \"peak_rss_bytes\": 4096}"
