#!/bin/sh
# ladder generate: a ladder from the Fashion-MNIST family; recipes; bad input.
. "${0%/*}/lib.sh"

M=$LADDER_SRC/tests/data/fmnist/models
expect_ok "generate with int8, fp16 and exit rungs" "$LADDER" generate -q -o lad \
	"$M/linear.onnx" "$M/cnn-small.onnx" "$M/mexit.onnx" --no-rung mexit \
	-r exit:exit1@mexit -r int8@cnn-small -r fp16@cnn-small --calib fmnist \
	--calib-samples 16 --fidelity-samples 16
expect_grep "schema" '"schema": "ladder.ladder/1"' lad/ladder.json
for r in linear cnn-small cnn-small-int8 cnn-small-fp16 mexit-exit1; do
	[ -f "lad/rungs/$r.onnx" ] && ok "rung $r written" || not_ok "rung $r written"
done
[ ! -f lad/rungs/mexit.onnx ] && ok "--no-rung model is not a rung" || not_ok "--no-rung model is not a rung"
expect_grep "fidelity recorded" '"top1_agreement"' lad/ladder.json
expect_ok "every rung loads" "$LADDER" inspect lad/rungs/cnn-small-int8.onnx
expect_grep "int8 rung is quantized" 'QuantizeLinear' "$T/out"
expect_ok "generate again" "$LADDER" generate -q -o lad2 \
	"$M/linear.onnx" "$M/cnn-small.onnx" "$M/mexit.onnx" --no-rung mexit \
	-r exit:exit1@mexit -r int8@cnn-small -r fp16@cnn-small --calib fmnist \
	--calib-samples 16 --fidelity-samples 16
diff -r lad lad2 >/dev/null && ok "bit-identical rerun" || not_ok "bit-identical rerun"

expect_fail "unknown recipe" 2 "$LADDER" generate -o x -r fp17 "$M/linear.onnx"
expect_grep "names the step" "unknown recipe step 'fp17'" "$T/err"
expect_fail "split not last" 2 "$LADDER" generate -o x -r split:a+fp16 "$M/linear.onnx"
expect_fail "missing -o" 2 "$LADDER" generate "$M/linear.onnx"
expect_fail "missing model" 1 "$LADDER" generate -o x nonexistent.onnx
expect_grep "names the file" "nonexistent.onnx" "$T/err"
expect_fail "int8 needs data" 1 "$LADDER" generate -o x -r int8 "$M/linear.onnx"
expect_fail "unknown @model" 1 "$LADDER" generate -o x -r fp16@nope "$M/linear.onnx"
expect_fail "unknown exit" 1 "$LADDER" generate -o x -r exit:nope "$M/mexit.onnx"
expect_grep "lists the outputs" "no output 'nope'" "$T/err"
printf 'garbage' >bad.onnx
expect_fail "garbage model" 1 "$LADDER" generate -o x bad.onnx
expect_fail "bad calib file" 1 "$LADDER" generate -o x -r int8 --calib bad.onnx "$M/linear.onnx"
