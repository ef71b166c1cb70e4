#!/bin/sh
# ladder inspect: human and JSON reports of a small CNN made by the test tool.
. "${0%/*}/lib.sh"
FIX="$LADDER_SRC/$LADDER_BUILD/tests/tools/onnx-fixtures"

expect_ok "make the fixture" "$FIX" base cnn.onnx
expect_ok "inspect" "$LADDER" inspect cnn.onnx
expect_grep "shows the IR version" '^ir +8$' "$T/out"
expect_grep "shows the opset" '^opsets +ai\.onnx 13$' "$T/out"
expect_grep "shows the producer" '^producer +ladder ' "$T/out"
expect_grep "shows the input with a symbolic dim" '^  input +float32 +\[batch, 1, 8, 8\]$' "$T/out"
expect_grep "shows the output" '^  logits +float32 +\[batch, 10\]$' "$T/out"
expect_grep "counts nodes" '^ops +4 nodes$' "$T/out"
expect_grep "op histogram" '^  Conv +1$' "$T/out"
expect_grep "counts params" '^params +750$' "$T/out"
expect_grep "weight bytes" '^weights +2\.9 KiB \(3000 bytes\)$' "$T/out"
expect_grep "weight bytes by dtype" '^  float32 +2\.9 KiB$' "$T/out"
expect_grep "macs shown or unknown" '^macs +([0-9]+|unknown \(shapes incomplete\))$' "$T/out"
expect_grep "no problems" '^problems +none$' "$T/out"

expect_ok "inspect --json" "$LADDER" inspect --json cnn.onnx
expect_grep "json schema first" '^  "schema": "ladder.inspect/1",$' "$T/out"
for key in ir_version opsets producer inputs outputs op_counts params macs weight_bytes \
    weight_bytes_by_dtype largest_tensor problems; do
	expect_grep "json has $key" "^  \"$key\": " "$T/out"
done
expect_grep "json params" '^  "params": 750,$' "$T/out"
expect_grep "json symbolic dim" '^ +"batch",$' "$T/out"
cp "$T/out" first.json
"$LADDER" inspect --json cnn.onnx >second.json
if cmp -s first.json second.json; then ok "json is byte-identical across runs"; else not_ok "json is byte-identical across runs"; fi

expect_fail "missing file" 1 "$LADDER" inspect nothere.onnx
expect_grep "names the file" "nothere\.onnx" "$T/err"
expect_fail "no argument" 2 "$LADDER" inspect
expect_fail "two arguments" 2 "$LADDER" inspect a b
printf 'garbage' >bad.onnx
expect_fail "garbage" 1 "$LADDER" inspect --json bad.onnx
expect_grep "garbage names the file" "^ladder inspect: cannot load 'bad\.onnx': " "$T/err"
