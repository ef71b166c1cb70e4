#!/bin/sh
# ladder profile: structure, accuracy values, the cache, modelled entries,
# the external runner, merge and one-line errors.  Never timing.
. "${0%/*}/lib.sh"
D="$LADDER_SRC/tests/data/profile"
FAST="--budget 0.2 -b 1,2"

# -h matches the man page SYNOPSIS.
expect_ok "-h" "$LADDER" profile -h
head -3 "$T/out" >"$T/usage"
missing=
for word in $(cat "$T/usage"); do
	case $word in
	\[-*|-*) w=${word#[}; w=${w%%]*}; w=${w#-}
		grep -q -- "Fl $w" "$LADDER_SRC/man/ladder-profile.1" || missing="$missing $w" ;;
	esac
done
[ -z "$missing" ] && ok "SYNOPSIS lists every option of -h" || not_ok "SYNOPSIS lists every option of -h" "missing:$missing"

expect_ok "profile a model on a data spec" "$LADDER" profile $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" --json -o p.json "$D/tiny.onnx"
expect_grep "json summary: one measured" '"measured": 1' "$T/out"
expect_grep "schema first" '^  "schema": "ladder.profile/1"' p.json
expect_grep "hardware name from the profile" '"name": "test-box"' p.json
expect_grep "top-1 is what numpy computed" '"top1": 0.25,' p.json
expect_grep "top-5 too" '"top5": 0.5,' p.json
expect_grep "accuracy over the limited samples" '"samples": 4$' p.json
expect_grep "energy modelled from watts" '"source": "modelled"' p.json
expect_grep "latency keys" '"ci_rel_halfwidth": ' p.json
expect_grep "server capacity" '"p99_bound_ms": 10' p.json
expect_grep "offline batch 2" '"batch": 2,' p.json
expect_grep "outputs file named by sha" '"outputs": "samples/[0-9a-f]{64}-[0-9a-f]{16}\.npy"' p.json
n=$(ls samples | wc -l)
[ "$n" -eq 2 ] && ok "outputs and labels written" || not_ok "outputs and labels written" "$(ls samples)"
lab=$(ls samples/labels-*.npy)
sz=$(wc -c <"$lab")
[ "$sz" -eq $((128 + 16)) ] && ok "labels int32 [4]" || not_ok "labels int32 [4]" "size $sz"
cp p.json p1.json

expect_ok "second run" "$LADDER" profile $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" --json -o p.json "$D/tiny.onnx"
expect_grep "second run reuses the cache" '"reused": 1' "$T/out"
cmp -s p.json p1.json && ok "cache leaves the profile as it was" || not_ok "cache leaves the profile as it was"
expect_ok "--force" "$LADDER" profile $FAST -f -d "$D/spec.yaml" -H "$D/hw.yaml" --json -o p.json "$D/tiny.onnx"
expect_grep "--force measures again" '"measured": 1' "$T/out"
expect_ok "other data is another entry" "$LADDER" profile $FAST --data "$D/img.idx" --labels "$D/lab.idx" --scale 1/255 -H "$D/hw.yaml" --json -o p.json "$D/tiny.onnx"
expect_grep "other data measured" '"measured": 1' "$T/out"
c=$(grep -c '"rung": "tiny"' p.json)
[ "$c" -eq 2 ] && ok "two entries for two data sets" || not_ok "two entries for two data sets" "$c"

expect_ok "fixed batch and model-as" "$LADDER" profile $FAST -d "$D/spec.yaml" -H "$D/hw.yaml" -m "$D/hw-small.yaml" -o q.json "$D/tiny-b1.onnx"
expect_grep "table by default" '^RUNG ' "$T/out"
expect_grep "modelled row" 'test-small .*modelled' "$T/out"
expect_grep "modelled hardware record" '"modelled_from": "test-box"' q.json
expect_grep "modelled flag" '"modelled": true' q.json
c=$(grep -c '"batch": 2' q.json)
[ "$c" -eq 0 ] && ok "fixed batch 1 skips batch 2" || not_ok "fixed batch 1 skips batch 2"

expect_ok "merge" "$LADDER" profile merge -o m/merged.json p.json q.json
expect_grep "merged has both devices" '"name": "test-small"' m/merged.json
expect_grep "merged keeps the first" '"name": "test-box"' m/merged.json
n=$(ls m/samples | wc -l)
[ "$n" -eq 5 ] && ok "merge copies per-sample files" || not_ok "merge copies per-sample files" "$(ls m/samples)"

expect_ok "external runner" "$LADDER" profile -d "$D/spec.yaml" --runner "sh $D/fake-runner.sh {model} {outputs}" --json -o r.json "$D/tiny.onnx"
expect_grep "runner latencies" '"p50": 1.5,' r.json
expect_grep "runner converged" '"converged": true' r.json
expect_grep "runner load time" '"load_ms": 7.5,' r.json
expect_grep "runner offline" '"throughput_ips": 2000' r.json
expect_grep "runner accuracy from its outputs" '"top1": 0.5,' r.json
expect_grep "runner key" '"runner": "sh ' r.json

expect_ok "no data: synthetic inputs" "$LADDER" profile $FAST -o s.json "$D/tiny-b1.onnx"
expect_grep "no data: accuracy null" '"accuracy": null' s.json
expect_grep "no hardware: local" '"name": "local"' s.json

expect_fail "shape mismatch" 1 "$LADDER" profile $FAST -d "$D/spec.yaml" -o e.json "$D/wide.onnx"
expect_grep "shape mismatch names the input" "input 'input' wants \[N, 1, 28, 28\] but samples of .* are \[2, 3\]" "$T/err"
expect_fail "truncated IDX" 1 "$LADDER" profile $FAST --data "$D/trunc.idx" --labels "$D/lab.idx" -o e.json "$D/tiny.onnx"
expect_grep "truncated IDX message" "truncated IDX data" "$T/err"
expect_fail "not a data file" 1 "$LADDER" profile $FAST --data "$D/notidx.bin" --labels "$D/lab.idx" -o e.json "$D/tiny.onnx"
expect_fail "labels count" 1 "$LADDER" profile $FAST --data "$D/img.idx" --labels "$D/y.npy" -o e.json "$D/tiny.onnx"
expect_fail "missing model" 1 "$LADDER" profile $FAST -o e.json nope.onnx
expect_fail "not an ONNX file" 1 "$LADDER" profile $FAST -o e.json "$D/spec.yaml.onnx"
expect_fail "bad hardware" 1 "$LADDER" profile $FAST -H no-such-box -o e.json "$D/tiny.onnx"
expect_fail "runner fails" 1 "$LADDER" profile --runner "false {model}" -o e.json "$D/tiny.onnx"
expect_fail "runner prints no JSON" 1 "$LADDER" profile --runner "echo hi {model}" -o e.json "$D/tiny.onnx"
expect_fail "labels without data" 2 "$LADDER" profile --labels x -o e.json "$D/tiny.onnx"
expect_fail "bad batch list" 2 "$LADDER" profile -b 1,x -o e.json "$D/tiny.onnx"
expect_fail "no output" 2 "$LADDER" profile "$D/tiny.onnx"
echo '{"schema": "ladder.profile/2", "hardware": [], "data": [], "entries": []}' >new.json
expect_fail "newer schema" 1 "$LADDER" profile $FAST -o new.json "$D/tiny.onnx"
expect_grep "newer schema names the file" "new.json" "$T/err"
[ ! -e e.json ] && ok "failures write nothing" || not_ok "failures write nothing"

# A ladder.json: files relative to it, sha256 checked, output_kind and outputs kept.
mkdir -p lad/rungs && cp "$D/tiny.onnx" "$D/tiny-b1.onnx" lad/rungs/
s1=$(sha256sum lad/rungs/tiny.onnx | cut -c1-64)
s2=$(sha256sum lad/rungs/tiny-b1.onnx | cut -c1-64)
cat >lad/ladder.json <<EOJ
{"schema": "ladder.ladder/1", "name": "tiny", "created_by": "test",
 "rungs": [
  {"name": "small", "file": "rungs/tiny.onnx", "sha256": "$s1", "parent": null, "recipe": "from",
   "outputs": [{"name": "logits", "dtype": "float32", "shape": ["N", 6]}], "output_kind": "logits"},
  {"name": "fixed", "file": "rungs/tiny-b1.onnx", "sha256": "$s2", "parent": null, "recipe": "from",
   "outputs": [{"name": "logits", "dtype": "float32", "shape": [1, 6]}], "output_kind": "logits"}]}
EOJ
expect_ok "ladder.json" "$LADDER" profile $FAST -d "$D/spec.yaml" --json -o lad/profile.json lad/ladder.json
expect_grep "ladder.json: both rungs" '"measured": 2' "$T/out"
expect_grep "ladder.json: rung names" '"rung": "fixed"' lad/profile.json
sed "s/$s1/$s2/" lad/ladder.json >lad/bad.json
expect_fail "ladder.json sha256 mismatch" 1 "$LADDER" profile $FAST -o lad/e.json lad/bad.json
expect_grep "sha256 mismatch message" "does not match its sha256" "$T/err"
echo '{"schema": "ladder.ladder/9", "rungs": []}' >lad/new.json
expect_fail "ladder.json newer schema" 1 "$LADDER" profile $FAST -o lad/e.json lad/new.json
