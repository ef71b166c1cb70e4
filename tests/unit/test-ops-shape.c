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

TEST_MAIN()
