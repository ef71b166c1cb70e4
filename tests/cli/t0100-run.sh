#!/bin/sh
# ladder run: .pb and .npy inputs, random inputs, output files, errors.
. "${0%/*}/lib.sh"

data=/usr/share/libonnx-testdata/data/node
if [ ! -d "$data" ]; then
	ok "# SKIP libonnx-testdata not installed"
	exit 0
fi
conv=$data/test_conv_with_strides_padding

expect_ok "run with .pb inputs" "$LADDER" run "$conv/model.onnx" \
	-i "x=$conv/test_data_set_0/input_0.pb" -i "$conv/test_data_set_0/input_1.pb" -o outdir
expect_grep "prints the output shape" '^output y +float32 +\[1,1,4,3\]' "$T/out"
expect_grep "prints the arena size" 'arena [0-9]+ bytes' "$T/out"
if [ -f outdir/y.npy ]; then ok "writes DIR/NAME.npy"; else not_ok "writes DIR/NAME.npy"; fi

relu=$data/test_relu
expect_ok "relu to npy" "$LADDER" run "$relu/model.onnx" "$relu/test_data_set_0/input_0.pb" -o r1
expect_ok "run with an .npy input" "$LADDER" run "$relu/model.onnx" -i x=r1/y.npy --json
expect_grep "json has the schema" '"schema": "ladder.run/1"' "$T/out"
expect_grep "json output shape" '"shape": \[3, 4, 5\]' "$T/out"

# --profile-ops: per-node times; Conv + Relu run as one FusedConv node.
cnn=$LADDER_SRC/tests/data/fmnist/models/cnn-small.onnx
expect_ok "profile-ops runs" "$LADDER" run "$cnn" --profile-ops 3
expect_grep "profile-ops lists a fused conv" 'FusedConv' "$T/err"
expect_grep "profile-ops prints totals" '^total .*\(3 runs' "$T/err"
expect_fail "profile-ops needs a count" 2 "$LADDER" run "$cnn" --profile-ops x

expect_ok "missing inputs get random data" "$LADDER" run "$conv/model.onnx" -v --seed 7
expect_grep "random source shown" 'random' "$T/out"

expect_ok "pb output format" "$LADDER" run "$conv/model.onnx" --format pb -o pbdir
if [ -s pbdir/y.pb ]; then ok "writes DIR/NAME.pb"; else not_ok "writes DIR/NAME.pb"; fi

expect_fail "unsupported op fails at load" 1 "$LADDER" run "$data/test_loop11/model.onnx"
expect_grep "names the op" "\\(Loop\\)" "$T/err"
printf 'not a tensor' >bad.npy
expect_fail "bad input file" 1 "$LADDER" run "$conv/model.onnx" -i x=bad.npy
expect_fail "too many inputs" 1 "$LADDER" run "$conv/model.onnx" outdir/y.npy outdir/y.npy outdir/y.npy
expect_fail "wrong input shape" 1 "$LADDER" run "$conv/model.onnx" -i W=outdir/y.npy
expect_fail "bad format" 2 "$LADDER" run "$conv/model.onnx" --format csv
expect_fail "missing model" 1 "$LADDER" run nonexistent.onnx

# -h matches the man page SYNOPSIS.
"$LADDER" run -h | sed -n 's/^usage: ladder run //p' >usage.txt
sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$LADDER_SRC/man/ladder-run.1" |
    grep -q "^\.Nm ladder run" && ok "man page has a SYNOPSIS" || not_ok "man page has a SYNOPSIS"
missing=
for word in $(tr -d '[].' <usage.txt | tr '|=' '  '); do
	case $word in -*) sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$LADDER_SRC/man/ladder-run.1" |
	    grep -q -- "Fl ${word#-}" || missing="$missing $word" ;; esac
done
[ -z "$missing" ] && ok "SYNOPSIS lists every option of -h" || not_ok "SYNOPSIS lists every option of -h" "missing:$missing"
