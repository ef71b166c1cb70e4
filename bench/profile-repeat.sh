#!/bin/sh
# profile-repeat.sh: how well two consecutive `ladder profile` runs agree on
# p50 (a figure, not a test).  Profiles every model given (default: the
# Fashion-MNIST family in tests/data/fmnist/models) on the 10k test images
# twice with --force and prints each rung's p50s and their relative gap.
# usage: bench/profile-repeat.sh [MODEL.onnx ...]
set -e
cd "$(dirname "$0")/.."
LADDER=${LADDER:-build/ladder}
[ $# -gt 0 ] || set -- tests/data/fmnist/models/*.onnx
out=$(mktemp -d "${TMPDIR:-/tmp}/ladder-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT
start=$(date +%s)
"$LADDER" profile -q --fmnist -o "$out/a.json" "$@"
mid=$(date +%s)
"$LADDER" profile -q --fmnist -f -o "$out/b.json" "$@"
end=$(date +%s)
echo "run 1: $((mid - start)) s, run 2: $((end - mid)) s (wall)"
/usr/bin/python3 - "$out/a.json" "$out/b.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda e: (e["sha256"], e["hardware"])
bm = {key(e): e for e in b["entries"]}
print(f'{"rung":16} {"p50 run1":>10} {"p50 run2":>10} {"gap %":>7} {"ci% 1":>6} {"ci% 2":>6} {"top1":>7}')
worst = 0
for e in a["entries"]:
    f = bm[key(e)]
    p1, p2 = e["latency_ms"]["p50"], f["latency_ms"]["p50"]
    gap = abs(p1 - p2) / min(p1, p2) * 100
    worst = max(worst, gap)
    print(f'{e["rung"]:16} {p1:10.5f} {p2:10.5f} {gap:7.2f} {e["latency_ms"]["ci_rel_halfwidth"]*100:6.2f} '
          f'{f["latency_ms"]["ci_rel_halfwidth"]*100:6.2f} {e["accuracy"]["top1"]:7.4f}')
print(f"worst p50 gap: {worst:.2f} %")
PY
