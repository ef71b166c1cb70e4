/* test-ops-shape.c: the shape, data-movement, gather/scatter, resize and quantization ops. */
#include "ops-testlib.h"

TEST(constant_forms)
{
	struct t_op *t = t_new("Constant", 13, 1);

	t_tensor(t, "value", LADDER_DT_FLOAT, 2, (const int64_t[]){ 2, 2 },
	    (const float[]){ 1, 2, 3, 4 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 2);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 3, 4);
	t_free(t);

	t = t_new("Constant", 13, 1);
	t_ints(t, "value_ints", 3, (const int64_t[]){ 5, 6, 7 });
	CHECK_OK(t_run(t), &t->err);
	CHECK(t->out[0].dtype == LADDER_DT_INT64);
	CHECK_VALUES(&t->out[0], 0, 5, 6, 7);
	t_free(t);

	t = t_new("Constant", 13, 1);
	t_float(t, "value_float", 2.5f);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 0);
	CHECK_VALUES(&t->out[0], 0, 2.5);
	t_free(t);

	t = t_new("Constant", 13, 1);
	t_string(t, "value_string", "x");
	CHECK_EQ_INT(t_run(t), LADDER_EUNSUPPORTED);
	CHECK(strstr(t->err.msg, "node 'n' (Constant)") != NULL);
	t_free(t);
}

TEST(constant_of_shape)
{
	struct t_op *t = t_new("ConstantOfShape", 9, 1);

	T_IN_I64(t, 1, DIMS(2), 2, 3);
	t_tensor(t, "value", LADDER_DT_INT32, 1, (const int64_t[]){ 1 }, (const int32_t[]){ 7 });
	CHECK_OK(t_run(t), &t->err);
	CHECK(t->out[0].dtype == LADDER_DT_INT32);
	CHECK_DIMS(&t->out[0], 2, 2, 3);
	CHECK_VALUES(&t->out[0], 0, 7, 7, 7, 7, 7, 7);
	t_free(t);

	/* The shape must be known at plan time. */
	t = t_new("ConstantOfShape", 9, 1);
	t_in(t, LADDER_DT_INT64, 1, (const int64_t[]){ 2 }, NULL);
	CHECK_EQ_INT(t_run(t), LADDER_EUNSUPPORTED);
	t_free(t);
}

TEST(shape_and_size)
{
	struct t_op *t = t_new("Shape", 15, 1);

	t_in(t, LADDER_DT_FLOAT, 4, (const int64_t[]){ 2, 3, 4, 5 }, NULL);
	t_int(t, "start", -3);
	t_int(t, "end", -1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 3, 4);
	t_free(t);

	t = t_new("Size", 13, 1);
	t_in(t, LADDER_DT_FLOAT, 2, (const int64_t[]){ 3, 4 }, NULL);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 0);
	CHECK_VALUES(&t->out[0], 0, 12);
	t_free(t);
}

TEST(reshape_zero_minus_one_allowzero)
{
	struct t_op *t = t_new("Reshape", 14, 1);

	t_in_zero(t, LADDER_DT_FLOAT, 3, (const int64_t[]){ 2, 3, 4 });
	T_IN_I64(t, 1, DIMS(3), 0, -1, 2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 3, 2, 6, 2);
	t_free(t);

	t = t_new("Reshape", 14, 1);
	t_in(t, LADDER_DT_FLOAT, 2, (const int64_t[]){ 0, 3 }, (const float[]){ 0 });
	T_IN_I64(t, 1, DIMS(2), 3, 0);
	t_int(t, "allowzero", 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 3, 0);
	t_free(t);

	t = t_new("Reshape", 14, 1);
	T_IN_F(t, 1, DIMS(4), 1, 2, 3, 4);
	T_IN_I64(t, 1, DIMS(2), 3, -1);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	t_free(t);
}

TEST(flatten_squeeze_unsqueeze)
{
	struct t_op *t = t_new("Flatten", 13, 1);

	t_in_zero(t, LADDER_DT_FLOAT, 4, (const int64_t[]){ 2, 3, 4, 5 });
	t_int(t, "axis", -2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 6, 20);
	t_free(t);

	t = t_new("Squeeze", 11, 1);
	t_in_zero(t, LADDER_DT_FLOAT, 4, (const int64_t[]){ 1, 3, 1, 5 });
	t_ints(t, "axes", 1, (const int64_t[]){ -2 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 3, 1, 3, 5);
	t_free(t);

	t = t_new("Squeeze", 13, 1);
	t_in_zero(t, LADDER_DT_FLOAT, 4, (const int64_t[]){ 1, 3, 1, 5 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 3, 5);
	t_free(t);

	t = t_new("Unsqueeze", 13, 1);
	t_in_zero(t, LADDER_DT_FLOAT, 2, (const int64_t[]){ 3, 5 });
	T_IN_I64(t, 1, DIMS(2), 3, 0);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 4, 1, 3, 5, 1);
	t_free(t);
}

TEST(dropout_inference_and_mask)
{
	struct t_op *t = t_new("Dropout", 13, 2);

	T_IN_F(t, 1, DIMS(3), 1, 2, 3);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 3);
	CHECK(t->out[1].dtype == LADDER_DT_BOOL);
	CHECK_VALUES(&t->out[1], 0, 1, 1, 1);
	t_free(t);

	t = t_new("Dropout", 13, 1);
	T_IN_F(t, 1, DIMS(3), 1, 2, 3);
	t_in(t, LADDER_DT_FLOAT, 0, NULL, (const float[]){ 0.5f });
	t_in(t, LADDER_DT_BOOL, 0, NULL, (const uint8_t[]){ 1 });
	CHECK_EQ_INT(t_run(t), LADDER_EUNSUPPORTED);
	t_free(t);
}

TEST(range_and_eyelike)
{
	struct t_op *t = t_new("Range", 11, 1);
	int32_t s = 10, l = 4, d = -3;

	t_in(t, LADDER_DT_INT32, 0, NULL, &s);
	t_in(t, LADDER_DT_INT32, 0, NULL, &l);
	t_in(t, LADDER_DT_INT32, 0, NULL, &d);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 1, 2);
	CHECK_VALUES(&t->out[0], 0, 10, 7);
	t_free(t);

	t = t_new("EyeLike", 9, 1);
	t_in(t, LADDER_DT_INT32, 2, (const int64_t[]){ 2, 3 }, NULL);
	t_int(t, "k", 1);
	t_int(t, "dtype", LADDER_DT_FLOAT);
	CHECK_OK(t_run(t), &t->err);
	CHECK(t->out[0].dtype == LADDER_DT_FLOAT);
	CHECK_VALUES(&t->out[0], 0, 0, 1, 0, 0, 0, 1);
	t_free(t);
}

TEST(transpose_and_concat)
{
	struct t_op *t = t_new("Transpose", 13, 1);

	T_IN_F(t, 3, DIMS(1, 2, 3), 1, 2, 3, 4, 5, 6);
	t_ints(t, "perm", 3, (const int64_t[]){ 2, 0, 1 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 3, 3, 1, 2);
	CHECK_VALUES(&t->out[0], 0, 1, 4, 2, 5, 3, 6);
	t_free(t);

	t = t_new("Concat", 13, 1);
	T_IN_F(t, 2, DIMS(2, 1), 1, 2);
	T_IN_F(t, 2, DIMS(2, 2), 3, 4, 5, 6);
	t_int(t, "axis", -1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 3);
	CHECK_VALUES(&t->out[0], 0, 1, 3, 4, 2, 5, 6);
	t_free(t);
}

TEST(split_forms)
{
	struct t_op *t = t_new("Split", 13, 2);

	T_IN_F(t, 2, DIMS(2, 3), 1, 2, 3, 4, 5, 6);
	T_IN_I64(t, 1, DIMS(2), 1, 2);
	t_int(t, "axis", 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 1);
	CHECK_VALUES(&t->out[0], 0, 1, 4);
	CHECK_VALUES(&t->out[1], 0, 2, 3, 5, 6);
	t_free(t);

	t = t_new("Split", 18, 2);
	T_IN_F(t, 1, DIMS(5), 1, 2, 3, 4, 5);
	t_int(t, "num_outputs", 2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 3);
	CHECK_VALUES(&t->out[1], 0, 4, 5);
	t_free(t);
}

TEST(slice_negative_steps_and_clamping)
{
	struct t_op *t = t_new("Slice", 13, 1);

	T_IN_F(t, 2, DIMS(2, 4), 1, 2, 3, 4, 5, 6, 7, 8);
	T_IN_I64(t, 1, DIMS(2), 0, -1);
	T_IN_I64(t, 1, DIMS(2), 100, -1000);
	t_in(t, LADDER_DT_UNDEFINED, 0, NULL, NULL);
	T_IN_I64(t, 1, DIMS(2), 1, -2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 2);
	CHECK_VALUES(&t->out[0], 0, 4, 2, 8, 6);
	t_free(t);

	t = t_new("Slice", 1, 1);
	T_IN_F(t, 2, DIMS(2, 4), 1, 2, 3, 4, 5, 6, 7, 8);
	t_ints(t, "starts", 1, (const int64_t[]){ 1 });
	t_ints(t, "ends", 1, (const int64_t[]){ 3 });
	t_ints(t, "axes", 1, (const int64_t[]){ 1 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 2, 3, 6, 7);
	t_free(t);
}

TEST(expand_and_tile)
{
	struct t_op *t = t_new("Expand", 13, 1);

	T_IN_F(t, 2, DIMS(2, 1), 1, 2);
	T_IN_I64(t, 1, DIMS(3), 2, 1, 3);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 3, 2, 2, 3);
	CHECK_VALUES(&t->out[0], 0, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2);
	t_free(t);

	t = t_new("Tile", 13, 1);
	T_IN_F(t, 2, DIMS(2, 2), 1, 2, 3, 4);
	T_IN_I64(t, 1, DIMS(2), 2, 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 4, 2);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 3, 4, 1, 2, 3, 4);
	t_free(t);
}

TEST(pad_modes)
{
	static const char *modes[] = { "constant", "reflect", "edge" };
	static const double want[3][7] = {
		{ 9, 9, 1, 2, 3, 9, 9 }, { 3, 2, 1, 2, 3, 2, 1 }, { 1, 1, 1, 2, 3, 3, 3 },
	};

	for (int m = 0; m < 3; m++) {
		struct t_op *t = t_new("Pad", 13, 1);

		T_IN_F(t, 1, DIMS(3), 1, 2, 3);
		T_IN_I64(t, 1, DIMS(2), 2, 2);
		t_in(t, LADDER_DT_FLOAT, 0, NULL, (const float[]){ 9 });
		t_string(t, "mode", modes[m]);
		CHECK_OK(t_run(t), &t->err);
		CHECK(t_values(&t->out[0], 7, want[m], 0));
		t_free(t);
	}
	struct t_op *t = t_new("Pad", 2, 1);

	T_IN_F(t, 2, DIMS(2, 2), 1, 2, 3, 4);
	t_ints(t, "pads", 4, (const int64_t[]){ 0, 1, -1, 0 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 1, 3);
	CHECK_VALUES(&t->out[0], 0, 0, 1, 2);
	t_free(t);
}

TEST(trilu_depth_space_reverse)
{
	struct t_op *t = t_new("Trilu", 14, 1);

	T_IN_F(t, 2, DIMS(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
	T_IN_I64(t, 0, DIMS(0), 1);
	t_int(t, "upper", 0);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 0, 4, 5, 6, 7, 8, 9);
	t_free(t);

	/* DepthToSpace then SpaceToDepth is the identity (DCR). */
	float x[16];

	for (int i = 0; i < 16; i++)
		x[i] = (float)i;
	t = t_new("DepthToSpace", 13, 1);
	t_in(t, LADDER_DT_FLOAT, 4, (const int64_t[]){ 1, 4, 2, 2 }, x);
	t_int(t, "blocksize", 2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 4, 1, 1, 4, 4);
	CHECK_VALUES(&t->out[0], 0, 0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15);
	struct t_op *u = t_new("SpaceToDepth", 13, 1);

	t_in(u, LADDER_DT_FLOAT, 4, t->out[0].dims, t->out[0].data);
	t_int(u, "blocksize", 2);
	CHECK_OK(t_run(u), &u->err);
	CHECK_VALUES(&u->out[0], 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	t_free(u);
	t_free(t);

	t = t_new("ReverseSequence", 10, 1);
	T_IN_F(t, 2, DIMS(3, 2), 1, 2, 3, 4, 5, 6);
	T_IN_I64(t, 1, DIMS(2), 3, 2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 5, 4, 3, 2, 1, 6);
	t_free(t);
}

TEST(gather_family)
{
	struct t_op *t = t_new("Gather", 13, 1);

	T_IN_F(t, 2, DIMS(3, 2), 1, 2, 3, 4, 5, 6);
	T_IN_I64(t, 2, DIMS(2, 2), 0, 1, -1, 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 3, 2, 2, 2);
	CHECK_VALUES(&t->out[0], 0, 1, 2, 3, 4, 5, 6, 3, 4);
	t_free(t);

	t = t_new("Gather", 13, 1);
	T_IN_F(t, 1, DIMS(3), 1, 2, 3);
	T_IN_I64(t, 1, DIMS(1), 3);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	CHECK(strstr(t->err.msg, "index 3 is out of range") != NULL);
	t_free(t);

	t = t_new("GatherElements", 13, 1);
	T_IN_F(t, 2, DIMS(2, 2), 1, 2, 3, 4);
	T_IN_I64(t, 2, DIMS(2, 2), 0, 0, 1, 0);
	t_int(t, "axis", 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 1, 1, 4, 3);
	t_free(t);

	t = t_new("GatherND", 13, 1);
	T_IN_F(t, 3, DIMS(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7);
	T_IN_I64(t, 2, DIMS(2, 1), 1, 0);
	t_int(t, "batch_dims", 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 2);
	CHECK_VALUES(&t->out[0], 0, 2, 3, 4, 5);
	t_free(t);
}

TEST(scatter_family_and_onehot)
{
	struct t_op *t = t_new("ScatterElements", 16, 1);

	T_IN_F(t, 2, DIMS(1, 5), 1, 2, 3, 4, 5);
	T_IN_I64(t, 2, DIMS(1, 2), 1, 1);
	T_IN_F(t, 2, DIMS(1, 2), 1.1f, 2.1f);
	t_int(t, "axis", 1);
	t_string(t, "reduction", "add");
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 1e-6, 1, 5.2, 3, 4, 5);
	t_free(t);

	t = t_new("ScatterND", 16, 1);
	T_IN_F(t, 1, DIMS(4), 1, 2, 3, 4);
	T_IN_I64(t, 2, DIMS(2, 1), 3, 0);
	T_IN_F(t, 1, DIMS(2), 9, 10);
	t_string(t, "reduction", "mul");
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 10, 2, 3, 36);
	t_free(t);

	t = t_new("OneHot", 11, 1);
	T_IN_I64(t, 1, DIMS(3), 0, -1, 5);
	t_in(t, LADDER_DT_FLOAT, 0, NULL, (const float[]){ 3 });
	T_IN_F(t, 1, DIMS(2), 0, 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 3, 3);
	CHECK_VALUES(&t->out[0], 0, 1, 0, 0, 0, 0, 1, 0, 0, 0);
	t_free(t);
}

TEST(data_dependent_shapes)
{
	struct t_op *t = t_new("NonZero", 13, 1);

	t_in(t, LADDER_DT_BOOL, 2, (const int64_t[]){ 2, 2 }, (const uint8_t[]){ 1, 0, 1, 1 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 3);
	CHECK_VALUES(&t->out[0], 0, 0, 1, 1, 0, 0, 1);
	t_free(t);

	t = t_new("Compress", 11, 1);
	T_IN_F(t, 2, DIMS(3, 2), 1, 2, 3, 4, 5, 6);
	t_in(t, LADDER_DT_BOOL, 1, (const int64_t[]){ 3 }, (const uint8_t[]){ 0, 1, 1 });
	t_int(t, "axis", 0);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 2);
	CHECK_VALUES(&t->out[0], 0, 3, 4, 5, 6);
	t_free(t);

	t = t_new("Unique", 11, 4);
	T_IN_F(t, 1, DIMS(6), 2, 1, 1, 3, 4, 3);
	t_int(t, "sorted", 0);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 2, 1, 3, 4);
	CHECK_VALUES(&t->out[1], 0, 0, 1, 3, 4);
	CHECK_VALUES(&t->out[2], 0, 0, 1, 1, 2, 3, 2);
	CHECK_VALUES(&t->out[3], 0, 1, 2, 2, 1);
	t_free(t);
}

TEST(resize_modes)
{
	/* 1x1x2x2 -> 1x1x4x4 nearest asymmetric (Upsample semantics). */
	struct t_op *t = t_new("Upsample", 9, 1);

	T_IN_F(t, 4, DIMS(1, 1, 2, 2), 1, 2, 3, 4);
	T_IN_F(t, 1, DIMS(4), 1, 1, 2, 2);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 4, 1, 1, 4, 4);
	CHECK_VALUES(&t->out[0], 0, 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
	t_free(t);

	/* Linear half_pixel by sizes, 1-d: [1, 3] -> 4 values. */
	t = t_new("Resize", 13, 1);
	T_IN_F(t, 1, DIMS(2), 1, 3);
	t_in(t, LADDER_DT_UNDEFINED, 0, NULL, NULL);
	t_in(t, LADDER_DT_UNDEFINED, 0, NULL, NULL);
	T_IN_I64(t, 1, DIMS(1), 4);
	t_string(t, "mode", "linear");
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 1e-6, 1, 1.5, 2.5, 3);
	t_free(t);

	/* Scales and sizes together are an error; antialias is refused clearly. */
	t = t_new("Resize", 13, 1);
	T_IN_F(t, 1, DIMS(2), 1, 3);
	t_in(t, LADDER_DT_UNDEFINED, 0, NULL, NULL);
	T_IN_F(t, 1, DIMS(1), 2);
	T_IN_I64(t, 1, DIMS(1), 4);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	t_free(t);
	t = t_new("Resize", 18, 1);
	T_IN_F(t, 1, DIMS(2), 1, 3);
	t_int(t, "antialias", 1);
	CHECK_EQ_INT(t_run(t), LADDER_EUNSUPPORTED);
	t_free(t);
}

TEST(quantize_dequantize_per_axis)
{
	struct t_op *t = t_new("QuantizeLinear", 13, 1);

	T_IN_F(t, 2, DIMS(2, 2), 2.5f, -3.0f, 1.0f, 1000.0f);
	T_IN_F(t, 1, DIMS(2), 1.0f, 2.0f);
	t_in(t, LADDER_DT_INT8, 1, (const int64_t[]){ 2 }, (const int8_t[]){ 0, 1 });
	t_int(t, "axis", 0);
	CHECK_OK(t_run(t), &t->err);
	CHECK(t->out[0].dtype == LADDER_DT_INT8);
	/* 2.5 rounds to even 2; row 1: 1/2 -> 0 (+1), 1000/2 saturates. */
	CHECK_VALUES(&t->out[0], 0, 2, -3, 1, 127);
	t_free(t);

	t = t_new("DequantizeLinear", 13, 1);
	t_in(t, LADDER_DT_UINT8, 1, (const int64_t[]){ 3 }, (const uint8_t[]){ 0, 128, 255 });
	T_IN_F(t, 0, DIMS(0), 0.5f);
	t_in(t, LADDER_DT_UINT8, 0, NULL, (const uint8_t[]){ 128 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, -64, 0, 63.5);
	t_free(t);
}

TEST(integer_matmul_and_conv)
{
	struct t_op *t = t_new("MatMulInteger", 10, 1);

	t_in(t, LADDER_DT_UINT8, 2, (const int64_t[]){ 2, 2 }, (const uint8_t[]){ 11, 7, 3, 10 });
	t_in(t, LADDER_DT_INT8, 2, (const int64_t[]){ 2, 1 }, (const int8_t[]){ -1, 2 });
	t_in(t, LADDER_DT_UINT8, 0, NULL, (const uint8_t[]){ 1 });
	CHECK_OK(t_run(t), &t->err);
	CHECK(t->out[0].dtype == LADDER_DT_INT32);
	CHECK_VALUES(&t->out[0], 0, -10 + 12, -2 + 18);
	t_free(t);

	/* 3x3 input, 2x2 kernel of ones, x zero point 1, pad 1 (pads hold the zero point). */
	t = t_new("ConvInteger", 10, 1);
	t_in(t, LADDER_DT_UINT8, 4, (const int64_t[]){ 1, 1, 3, 3 },
	    (const uint8_t[]){ 2, 3, 4, 5, 6, 7, 8, 9, 10 });
	t_in(t, LADDER_DT_UINT8, 4, (const int64_t[]){ 1, 1, 2, 2 }, (const uint8_t[]){ 1, 1, 1, 1 });
	t_in(t, LADDER_DT_UINT8, 0, NULL, (const uint8_t[]){ 1 });
	t_ints(t, "pads", 4, (const int64_t[]){ 1, 1, 0, 0 });
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 4, 1, 1, 3, 3);
	CHECK_VALUES(&t->out[0], 0, 1, 3, 5, 5, 12, 16, 11, 24, 28);
	t_free(t);
}

TEST(nms_and_roialign)
{
	struct t_op *t = t_new("NonMaxSuppression", 11, 1);

	T_IN_F(t, 3, DIMS(1, 3, 4), 0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 10, 1, 11);
	T_IN_F(t, 3, DIMS(1, 1, 3), 0.9f, 0.95f, 0.5f);
	T_IN_I64(t, 1, DIMS(1), 3);
	T_IN_F(t, 1, DIMS(1), 0.5f);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 2, 2, 3);
	CHECK_VALUES(&t->out[0], 0, 0, 0, 1, 0, 0, 2);
	t_free(t);

	t = t_new("RoiAlign", 16, 1);
	T_IN_F(t, 4, DIMS(1, 1, 2, 2), 1, 2, 3, 4);
	T_IN_F(t, 2, DIMS(1, 4), 0, 0, 2, 2);
	T_IN_I64(t, 1, DIMS(1), 0);
	t_int(t, "sampling_ratio", 1);
	CHECK_OK(t_run(t), &t->err);
	CHECK_DIMS(&t->out[0], 4, 1, 1, 1, 1);
	CHECK_VALUES(&t->out[0], 1e-6, 2.5);
	t_free(t);
}

TEST(hostile_values_fail_cleanly)
{
	/* Extreme starts, ends and steps: clamped, no overflow (UBSan checks this). */
	struct t_op *t = t_new("Slice", 13, 1);

	T_IN_F(t, 1, DIMS(4), 1, 2, 3, 4);
	T_IN_I64(t, 1, DIMS(1), INT64_MAX);
	T_IN_I64(t, 1, DIMS(1), INT64_MIN);
	T_IN_I64(t, 1, DIMS(1), 0);
	T_IN_I64(t, 1, DIMS(1), INT64_MIN);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 4);
	t_free(t);

	t = t_new("Slice", 13, 1);
	T_IN_F(t, 1, DIMS(4), 1, 2, 3, 4);
	T_IN_I64(t, 1, DIMS(1), 1);
	T_IN_I64(t, 1, DIMS(1), INT64_MAX);
	T_IN_I64(t, 1, DIMS(1), 0);
	T_IN_I64(t, 1, DIMS(1), INT64_MAX);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 2);
	t_free(t);

	t = t_new("Pad", 13, 1);
	T_IN_F(t, 1, DIMS(2), 1, 2);
	T_IN_I64(t, 1, DIMS(2), INT64_MAX, 0);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	t_free(t);

	t = t_new("Tile", 13, 1);
	T_IN_F(t, 1, DIMS(2), 1, 2);
	T_IN_I64(t, 1, DIMS(1), INT64_MAX);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	t_free(t);

	t = t_new("EyeLike", 9, 1);
	t_in_zero(t, LADDER_DT_FLOAT, 2, (const int64_t[]){ 2, 2 });
	t_int(t, "k", INT64_MAX);
	CHECK_OK(t_run(t), &t->err);
	CHECK_VALUES(&t->out[0], 0, 0, 0, 0, 0);
	t_free(t);

	t = t_new("ScatterND", 16, 1);
	T_IN_F(t, 1, DIMS(2), 1, 2);
	T_IN_I64(t, 2, DIMS(1, 1), 2);
	T_IN_F(t, 1, DIMS(1), 5);
	CHECK_EQ_INT(t_run(t), LADDER_EINVAL);
	t_free(t);
}

TEST_MAIN()
