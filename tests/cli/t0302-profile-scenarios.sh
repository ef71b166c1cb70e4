#!/bin/sh
# ladder profile: dynamic dims bound from the data, offline batch sizes,
# what makes the cache miss, the server capacity of a modelled tier that
# misses the bound, the runner contract, and bad data files as one-line
# errors naming the file.  Never timing.
. "${0%/*}/lib.sh"
D="$LADDER_SRC/tests/data/profile"
FAST="--budget 0.2"
SPEC="-d $D/spec.yaml"

# tiny-hw.onnx: input [N, 1, H, W]; H and W come from the data (2 × 3).
expect_ok "symbolic H and W bound from the data" "$LADDER" profile $FAST -b 1,2,4 $SPEC --json -o p.json "$D/tiny-hw.onnx"
expect_grep "dynamic dims: accuracy" '"top1": 0.25,' p.json
cr=$(printf '\r')
grep -q "$cr" "$T/err" && not_ok "no progress bar when stderr is not a terminal" || ok "no progress bar when stderr is not a terminal"
if command -v script >/dev/null 2>&1; then
	script -qec "'$LADDER' profile $FAST -b 1 $SPEC -o tty.json '$D/tiny.onnx'" /dev/null >tty.out 2>&1
	tr '\r' '\n' <tty.out | grep -aq 'tiny: accuracy  *\[#*' && ok "progress bar on a terminal" || not_ok "progress bar on a terminal" "$(head -c 300 tty.out)"
	script -qec "'$LADDER' profile -q -f $FAST -b 1 $SPEC -o tty.json '$D/tiny.onnx'" /dev/null >tty.out 2>&1
	grep -aq '\[#' tty.out && not_ok "no progress bar with -q" || ok "no progress bar with -q"
fi
for b in 1 2 4; do
	expect_grep "offline batch $b" "\"batch\": $b,\$" p.json
done
c=$(grep -c '"throughput_ips"' p.json)
[ "$c" -eq 3 ] && ok "three offline figures" || not_ok "three offline figures" "$c"
expect_fail "symbolic H without data" 1 "$LADDER" profile $FAST -o e.json "$D/tiny-hw.onnx"
expect_grep "symbolic dim named" "symbolic dim 'H'; give --data" "$T/err"
expect_ok "batch larger than the data is skipped" "$LADDER" profile $FAST -f -b 1,8 $SPEC -o q.json "$D/tiny-hw.onnx"
c=$(grep -c '"throughput_ips"' q.json)
[ "$c" -eq 1 ] && ok "only batch 1 (4 samples)" || not_ok "only batch 1 (4 samples)" "$c"

# The cache: same sizes (any order) reuse; a new size or another bound measure again.
expect_ok "same sizes" "$LADDER" profile $FAST -b 4,2,1 $SPEC --json -o p.json "$D/tiny-hw.onnx"
expect_grep "same sizes reuse" '"reused": 1' "$T/out"
expect_ok "a size not measured" "$LADDER" profile $FAST -b 1,3 $SPEC --json -o p.json "$D/tiny-hw.onnx"
expect_grep "a new size measures" '"measured": 1' "$T/out"
expect_ok "another server bound" "$LADDER" profile $FAST -b 1,3 --server-p99-ms 5 $SPEC --json -o p.json "$D/tiny-hw.onnx"
expect_grep "another bound measures" '"measured": 1' "$T/out"
expect_grep "the bound written" '"p99_bound_ms": 5' p.json
expect_ok "fixed batch 1" "$LADDER" profile $FAST -b 1,2 $SPEC --json -o f.json "$D/tiny-b1.onnx"
expect_ok "fixed batch 1, more sizes" "$LADDER" profile $FAST -b 1,2,4 $SPEC --json -o f.json "$D/tiny-b1.onnx"
expect_grep "sizes a fixed batch skips do not miss" '"reused": 1' "$T/out"

# A modelled tier 10000 times slower: its p99 misses a 1 ms bound, capacity 0.
sed 's/^name: .*/name: test-slow/; s/^speed_factor: .*/speed_factor: 0.0002/' "$D/hw.yaml" >slow.yaml
expect_ok "slow modelled tier" "$LADDER" profile $FAST -b 1 --server-p99-ms 1 $SPEC -H "$D/hw.yaml" -m slow.yaml -o s.json "$D/tiny.onnx"
expect_grep "table note names rung, tier and bound" '^\(! tiny on test-slow: modelled p99 [0-9.]+ ms exceeds the server bound 1 ms: server capacity 0' "$T/out"
grep -q '^(! tiny on test-box' "$T/out" && not_ok "no note for the measured tier" || ok "no note for the measured tier"
python_free_rate=$(sed -n '/"hardware": "test-slow"/,/"max_rate_ips"/p' s.json | grep '"max_rate_ips"' | tr -dc '0-9.')
[ "$python_free_rate" = "0.0" ] && ok "modelled capacity 0 in profile.json" || not_ok "modelled capacity 0 in profile.json" "$python_free_rate"
expect_ok "json summary" "$LADDER" profile $FAST -b 1 --server-p99-ms 1 $SPEC -H "$D/hw.yaml" -m slow.yaml --json -o s.json "$D/tiny.onnx"
expect_grep "summary: capacity 0 and its bound" '"hardware": "test-slow", "status": "modelled", .*"server_max_rate_ips": 0, "server_p99_bound_ms": 1,' "$T/out"

# The runner contract: placeholders, {data} as .npy, {outputs}, the last JSON line.
export RUNNER_LOG="$T/runner.log"
expect_ok "runner contract" "$LADDER" profile -t 3 $SPEC --runner "sh $D/contract-runner.sh {model} {name} {threads} {batch} {runs} {data} {outputs}" -o r.json "$D/tiny.onnx"
expect_grep "runner placeholders" '^name=tiny threads=3 batch=1 runs=200$' runner.log
expect_grep "runner: last JSON line" '"p50": 3(\.0)?,' r.json
expect_grep "runner: peak RSS it reported" '"peak_rss_bytes": 4096' r.json
expect_grep "runner: accuracy from {outputs}" '"top1": 0.5,' r.json
expect_fail "runner: unknown placeholder" 1 "$LADDER" profile --runner "sh {model} {bogus}" -o e.json "$D/tiny.onnx"
expect_grep "unknown placeholder named" "unknown placeholder '\{bogus\}'" "$T/err"
expect_fail "runner: bad latency" 1 "$LADDER" profile --runner 'echo {model} >/dev/null; echo "{{\"latency_ms\": [1, \"x\"]}"' -o e.json "$D/tiny.onnx"
expect_grep "bad latency message" "bad value" "$T/err"
expect_fail "runner: outputs of the wrong shape" 1 "$LADDER" profile $SPEC --runner "cp $D/f32.npy {outputs}; echo '{{\"latency_ms\": [1]}' # {model}" -o e.json "$D/tiny.onnx"
expect_grep "outputs shape message" "runner outputs must be float32 \[4, classes\]" "$T/err"

# Bad data files: one line on stderr naming the file.
cut_file() { sz=$(wc -c <"$1"); head -c $((sz - $2)) "$1" >"$3"; }
cut_file "$D/f32.npy" 7 t.npy
expect_fail "truncated .npy" 1 "$LADDER" profile $FAST --data t.npy --labels "$D/y.npy" -o e.json "$D/tiny.onnx"
expect_grep "truncated .npy named" "cannot read 't.npy': truncated .npy data" "$T/err"
head -c 9 "$D/f32.npy" >h.npy
expect_fail "truncated .npy header" 1 "$LADDER" profile $FAST --data h.npy --labels "$D/y.npy" -o e.json "$D/tiny.onnx"
expect_grep "truncated .npy header named" "'h.npy'" "$T/err"
cut_file "$D/xy.npz" 30 t.npz
expect_fail "truncated .npz" 1 "$LADDER" profile $FAST --data t.npz:x --labels "$D/xy.npz:y" -o e.json "$D/tiny.onnx"
expect_grep "truncated .npz named" "cannot read 't.npz'" "$T/err"
expect_fail "missing .npz member" 1 "$LADDER" profile $FAST --data "$D/xy.npz:nope" --labels "$D/xy.npz:y" -o e.json "$D/tiny.onnx"
expect_grep "missing member named" "xy.npz.*nope" "$T/err"
cut_file "$D/f32.pb" 5 t.pb
expect_fail "truncated .pb" 1 "$LADDER" profile $FAST --data t.pb --labels "$D/y.npy" -o e.json "$D/tiny.onnx"
expect_grep "truncated .pb named" "cannot read 't.pb'" "$T/err"
cut_file "$D/img.idx.gz" 4 t.idx.gz
expect_fail "truncated gzip IDX" 1 "$LADDER" profile $FAST --data t.idx.gz --labels "$D/lab.idx" -o e.json "$D/tiny.onnx"
expect_grep "truncated gzip named" "cannot read 't.idx.gz': truncated or corrupt gzip stream" "$T/err"
expect_fail "samples and labels disagree" 1 "$LADDER" profile $FAST --data "$D/f32.npy" --labels "$D/y.npy" -o e.json "$D/tiny.onnx"
expect_grep "count mismatch names both" "f32.npy': 3 samples but 6 labels in '.*y.npy'" "$T/err"
expect_fail "sample shape mismatch (.npz)" 1 "$LADDER" profile $FAST --data "$D/xy.npz:x" --labels "$D/xy.npz:y" -o e.json "$D/tiny.onnx"
expect_grep "shape mismatch names the data" "xy.npz" "$T/err"
[ ! -e e.json ] && ok "failures write nothing" || not_ok "failures write nothing"

# Power modes: NAME@MODE is another target with the mode's watts and speed.
expect_ok "measure in a power mode" "$LADDER" profile $FAST -b 1 $SPEC -H "$D/hw-modes.yaml@7w" -o m.json "$D/tiny.onnx"
expect_grep "mode in the hardware name" '"name": "test-jet@7w"' m.json
expect_grep "mode's watts" '"active": 7' m.json
expect_grep "mode's price" '"cost_per_hour": 0.019' m.json
expect_ok "model a power mode" "$LADDER" profile $FAST -b 1 $SPEC -H "$D/hw-modes.yaml" -m "$D/hw-modes.yaml@7w" -o m2.json "$D/tiny.onnx"
expect_grep "modelled mode" '"modelled_from": "test-jet"' m2.json
expect_grep "modelled mode speed" '"speed_factor": 0.25' m2.json
expect_fail "unknown power mode" 1 "$LADDER" profile $FAST -H "$D/hw-modes.yaml@30w" -o e.json "$D/tiny.onnx"
expect_grep "unknown mode lists the modes" "no power mode '30w' \(it has 15w, 7w\)" "$T/err"
[ ! -e e.json ] && ok "unknown mode writes nothing" || not_ok "unknown mode writes nothing"

# merge: a per-sample path leaving the profile's directory is refused, naming the file.
sed 's|"outputs": "samples/|"outputs": "../samples/|' p.json >evil.json
expect_fail "merge: path out of the directory" 1 "$LADDER" profile merge -o mm/out.json evil.json
expect_grep "merge error names the input" "cannot merge 'evil.json': entry 0: bad per-sample path '../samples/" "$T/err"
[ ! -e mm/out.json ] && ok "merge failure writes nothing" || not_ok "merge failure writes nothing"

# A runner's figures out of range are ignored, never converted blindly.
expect_ok "runner: absurd numbers" "$LADDER" profile --runner 'echo "{{\"latency_ms\": [1, 2, 3], \"load_ms\": -5, \"arena_bytes\": 1e300, \"offline\": [{{\"batch\": 1e300, \"throughput_ips\": 5}, {{\"batch\": 4, \"throughput_ips\": 50}]}" # {model}' -o h.json "$D/tiny.onnx"
expect_grep "runner: negative load is null" '"load_ms": null' h.json
expect_grep "runner: huge arena is 0" '"arena_bytes": 0,' h.json
c=$(grep -c '"throughput_ips"' h.json)
[ "$c" -eq 1 ] && ok "runner: absurd batch dropped" || not_ok "runner: absurd batch dropped" "$c"
