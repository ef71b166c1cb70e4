/*
 * test-ops-math.c: element-wise, reduction, softmax and signal operators,
 * called directly through their op_def (no loader, no executor).
 */
#include "harness.h"
#include "ladder.h"
#include "ops/op.h"

/* One operator call: node, attributes, inputs, outputs, arena for params and outputs. */
struct call {
	struct ladder_node node;
	struct ladder_attr attrs[8];
	struct exec_value in[8], out[4];
	int n_in, n_out;
	int opset;
	struct ladder_arena *arena;
	struct ladder_err err;
};

static void
call_init(struct call *k, const char *op_type, int opset)
{
	memset(k, 0, sizeof *k);
	k->node.name = "n";
	k->node.op_type = (char *)op_type;
	k->node.domain = "";
	k->node.attrs = k->attrs;
	k->opset = opset;
	k->arena = ladder_arena_new();
}

static void
call_release(struct call *k)
{
	ladder_arena_free(k->arena);
}

static void
attr_int(struct call *k, const char *name, int64_t v)
{
	struct ladder_attr *a = &k->attrs[k->node.n_attrs++];

	a->name = (char *)name;
	a->type = LADDER_ATTR_INT;
	a->i = v;
}

static void
attr_float(struct call *k, const char *name, float v)
{
	struct ladder_attr *a = &k->attrs[k->node.n_attrs++];

	a->name = (char *)name;
	a->type = LADDER_ATTR_FLOAT;
	a->f = v;
}

static void
attr_string(struct call *k, const char *name, const char *v)
{
	struct ladder_attr *a = &k->attrs[k->node.n_attrs++];

	a->name = (char *)name;
	a->type = LADDER_ATTR_STRING;
	a->s.data = (uint8_t *)v;
	a->s.len = strlen(v);
}

static void
attr_ints(struct call *k, const char *name, size_t n, int64_t *v)
{
	struct ladder_attr *a = &k->attrs[k->node.n_attrs++];

	a->name = (char *)name;
	a->type = LADDER_ATTR_INTS;
	a->n = n;
	a->ints = v;
}

/* Adds an input (data borrowed; NULL data: omitted optional input). */
static void
input(struct call *k, enum ladder_dtype dt, int rank, const int64_t *dims, const void *data)
{
	struct exec_value *v = &k->in[k->n_in++];

	v->name = "x";
	v->dtype = dt;
	v->rank = rank;
	for (int i = 0; i < rank; i++)
		v->dims[i] = dims[i];
	v->data = (void *)data;
	v->bytes = (size_t)op_numel(v) * ladder_dtype_size(dt);
	v->is_const = true;
}

/* check, infer, allocate outputs, run; returns the first failing status. */
static int
call_run(struct call *k, int n_out)
{
	const struct op_def *d = op_find("", k->node.op_type);
	struct exec_value *in[16] = { 0 }, *out[4] = { 0 };
	struct op_ctx c = { 0 };
	int rc;

	if (d == NULL)
		return ladder_errf(&k->err, LADDER_EUNSUPPORTED, "no op '%s'", k->node.op_type);
	k->n_out = n_out;
	k->node.n_inputs = (size_t)k->n_in;
	k->node.n_outputs = (size_t)n_out;
	/* An UNDEFINED dtype marks an omitted optional input. */
	for (int i = 0; i < k->n_in; i++)
		in[i] = k->in[i].dtype == LADDER_DT_UNDEFINED ? NULL : &k->in[i];
	for (int i = 0; i < n_out; i++)
		out[i] = &k->out[i];
	c.node = &k->node;
	c.opset = k->opset;
	c.n_in = (size_t)(k->n_in > d->n_in_max ? k->n_in : d->n_in_max);
	if (c.n_in > 16)
		c.n_in = 16;
	c.n_out = (size_t)n_out;
	c.in = in;
	c.out = out;
	c.arena = k->arena;
	if ((rc = d->check(&c, &k->err)) != 0)
		return rc;
	if ((rc = d->infer(&c, &k->err)) != 0)
		return rc;
	for (int i = 0; i < n_out; i++) {
		int64_t n = op_numel(out[i]);

		out[i]->bytes = (size_t)n * ladder_dtype_size(out[i]->dtype);
		out[i]->data = ladder_arena_alloc(k->arena, out[i]->bytes + 16);
	}
	if (c.scratch_bytes)
		c.scratch = ladder_arena_alloc(k->arena, c.scratch_bytes);
	return d->run(&c, &k->err);
}

static const int64_t D1[] = { 1 }, D2[] = { 2 }, D3[] = { 3 }, D4[] = { 4 }, D5[] = { 5 },
		     D6[] = { 6 }, D23[] = { 2, 3 }, D32[] = { 3, 2 };

#define OUTF(k, i) (((float *)(k).out[0].data)[i])

TEST(unary_float_ops)
{
	struct call k;
	float x[] = { -2.0f, -0.5f, 0.0f, 0.5f, 2.5f, 3.5f };

	call_init(&k, "Sigmoid", 13);
	input(&k, LADDER_DT_FLOAT, 1, D6, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 1 / (1 + exp(2.0)), 1e-6);
	CHECK_NEAR(OUTF(k, 4), 1 / (1 + exp(-2.5)), 1e-6);
	call_release(&k);

	call_init(&k, "Round", 11);
	input(&k, LADDER_DT_FLOAT, 1, D6, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 1), -0.0, 0);
	CHECK_NEAR(OUTF(k, 3), 0.0, 0);
	CHECK_NEAR(OUTF(k, 4), 2.0, 0);
	CHECK_NEAR(OUTF(k, 5), 4.0, 0);
	call_release(&k);

	call_init(&k, "LeakyRelu", 16);
	attr_float(&k, "alpha", 0.1f);
	input(&k, LADDER_DT_FLOAT, 1, D6, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), -0.2, 1e-7);
	CHECK_NEAR(OUTF(k, 4), 2.5, 0);
	call_release(&k);

	call_init(&k, "Selu", 6);
	input(&k, LADDER_DT_FLOAT, 1, D6, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 1.0507009873554805 * 1.6732632423543772 * (exp(-2.0) - 1), 1e-6);
	CHECK_NEAR(OUTF(k, 4), 1.0507009873554805 * 2.5, 1e-6);
	call_release(&k);

	call_init(&k, "Gelu", 20);
	attr_string(&k, "approximate", "exact");
	input(&k, LADDER_DT_FLOAT, 1, D6, x);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	CHECK(strstr(k.err.msg, "approximate 'exact'") != NULL);
	call_release(&k);
}

TEST(unary_int_and_half)
{
	struct call k;
	int8_t x8[] = { -128, -3, 0, 5 };
	uint16_t h[3] = { op_float_to_half(-1.5f), op_float_to_half(0.25f), op_float_to_half(2.0f) };

	call_init(&k, "Abs", 13);
	input(&k, LADDER_DT_INT8, 1, D4, x8);
	CHECK_OK(call_run(&k, 1), &k.err);
	int8_t *y8 = k.out[0].data;
	CHECK_EQ_INT(y8[0], -128);	/* wraps like two's complement */
	CHECK_EQ_INT(y8[1], 3);
	CHECK_EQ_INT(y8[3], 5);
	call_release(&k);

	call_init(&k, "Relu", 14);
	input(&k, LADDER_DT_INT8, 1, D4, x8);
	CHECK_OK(call_run(&k, 1), &k.err);
	y8 = k.out[0].data;
	CHECK_EQ_INT(y8[0], 0);
	CHECK_EQ_INT(y8[3], 5);
	call_release(&k);

	call_init(&k, "Neg", 13);
	input(&k, LADDER_DT_FLOAT16, 1, D3, h);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_FLOAT16);
	CHECK_NEAR(op_half_to_float(((uint16_t *)k.out[0].data)[0]), 1.5, 0);
	CHECK_NEAR(op_half_to_float(((uint16_t *)k.out[0].data)[2]), -2.0, 0);
	call_release(&k);

	call_init(&k, "Exp", 13);
	input(&k, LADDER_DT_INT32, 1, D1, x8);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	CHECK(strstr(k.err.msg, "node 'n' (Exp)") != NULL);
	call_release(&k);
}

TEST(isinf_isnan_not)
{
	struct call k;
	float x[] = { -INFINITY, 1.0f, NAN, INFINITY };

	call_init(&k, "IsInf", 10);
	attr_int(&k, "detect_negative", 0);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	uint8_t *b = k.out[0].data;
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_BOOL);
	CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1);
	call_release(&k);

	call_init(&k, "IsNaN", 13);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	b = k.out[0].data;
	CHECK(b[0] == 0 && b[2] == 1);
	call_release(&k);

	uint8_t t[] = { 1, 0 };
	call_init(&k, "Not", 1);
	input(&k, LADDER_DT_BOOL, 1, D2, t);
	CHECK_OK(call_run(&k, 1), &k.err);
	b = k.out[0].data;
	CHECK(b[0] == 0 && b[1] == 1);
	call_release(&k);
}

TEST(clip_attrs_and_inputs)
{
	struct call k;
	float x[] = { -2, -0.25f, 0.25f, 2 };

	call_init(&k, "Clip", 6);
	attr_float(&k, "min", -0.5f);
	attr_float(&k, "max", 0.5f);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), -0.5, 0);
	CHECK_NEAR(OUTF(k, 1), -0.25, 0);
	CHECK_NEAR(OUTF(k, 3), 0.5, 0);
	call_release(&k);

	int8_t x8[] = { -100, 0, 100 }, hi = 50;
	call_init(&k, "Clip", 13);
	input(&k, LADDER_DT_INT8, 1, D3, x8);
	input(&k, LADDER_DT_UNDEFINED, 0, NULL, NULL);
	input(&k, LADDER_DT_INT8, 0, NULL, &hi);
	CHECK_OK(call_run(&k, 1), &k.err);
	int8_t *y = k.out[0].data;
	CHECK(y[0] == -100 && y[1] == 0 && y[2] == 50);
	call_release(&k);
}

TEST(binary_broadcast)
{
	struct call k;
	float a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 10, 20, 30 }, col[] = { 100, 200 };
	static const int64_t D21[] = { 2, 1 };

	call_init(&k, "Add", 14);
	input(&k, LADDER_DT_FLOAT, 2, D23, a);
	input(&k, LADDER_DT_FLOAT, 1, D3, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].rank, 2);
	CHECK_EQ_INT(k.out[0].dims[1], 3);
	CHECK_NEAR(OUTF(k, 0), 11, 0);
	CHECK_NEAR(OUTF(k, 5), 36, 0);
	call_release(&k);

	/* [2,1] - [3] -> [2,3] */
	call_init(&k, "Sub", 14);
	input(&k, LADDER_DT_FLOAT, 2, D21, col);
	input(&k, LADDER_DT_FLOAT, 1, D3, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 90, 0);
	CHECK_NEAR(OUTF(k, 5), 170, 0);
	call_release(&k);

	/* Legacy broadcast: [2] aligned at axis 0 of [2,3]. */
	call_init(&k, "Mul", 6);
	attr_int(&k, "broadcast", 1);
	attr_int(&k, "axis", 0);
	input(&k, LADDER_DT_FLOAT, 2, D23, a);
	input(&k, LADDER_DT_FLOAT, 1, D2, col);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 2), 300, 0);
	CHECK_NEAR(OUTF(k, 3), 800, 0);
	call_release(&k);

	call_init(&k, "Add", 14);
	input(&k, LADDER_DT_FLOAT, 2, D23, a);
	input(&k, LADDER_DT_FLOAT, 1, D2, col);
	CHECK(call_run(&k, 1) == LADDER_EINVAL);
	CHECK(strstr(k.err.msg, "cannot broadcast shapes [2,3] and [2]") != NULL);
	call_release(&k);
}

TEST(binary_integer_semantics)
{
	struct call k;
	int32_t a[] = { 7, -7, 7, -7, 5, INT32_MIN }, b[] = { 2, 2, -2, -2, 0, -1 };

	call_init(&k, "Div", 14);
	input(&k, LADDER_DT_INT32, 1, D6, a);
	input(&k, LADDER_DT_INT32, 1, D6, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	int32_t *y = k.out[0].data;
	CHECK(y[0] == 3 && y[1] == -3 && y[2] == -3 && y[3] == 3 && y[4] == 0);
	CHECK_EQ_INT(y[5], INT32_MIN);
	call_release(&k);

	call_init(&k, "Mod", 13);
	input(&k, LADDER_DT_INT32, 1, D6, a);
	input(&k, LADDER_DT_INT32, 1, D6, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	y = k.out[0].data;
	CHECK(y[0] == 1 && y[1] == 1 && y[2] == -1 && y[3] == -1 && y[4] == 0);
	call_release(&k);

	call_init(&k, "Mod", 13);
	attr_int(&k, "fmod", 1);
	input(&k, LADDER_DT_INT32, 1, D6, a);
	input(&k, LADDER_DT_INT32, 1, D6, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	y = k.out[0].data;
	CHECK(y[0] == 1 && y[1] == -1 && y[2] == 1 && y[3] == -1);
	call_release(&k);

	float fa[] = { -4.3f, 7.2f }, fb[] = { 2.1f, -3.4f };
	call_init(&k, "Mod", 13);
	input(&k, LADDER_DT_FLOAT, 1, D2, fa);
	input(&k, LADDER_DT_FLOAT, 1, D2, fb);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 2.0, 1e-5);	/* numpy.mod */
	CHECK_NEAR(OUTF(k, 1), -3.0, 1e-5);
	call_release(&k);

	int32_t big[] = { INT32_MAX, 2 }, one[] = { 1, 3 };
	call_init(&k, "Add", 14);
	input(&k, LADDER_DT_INT32, 1, D2, big);
	input(&k, LADDER_DT_INT32, 1, D2, one);
	CHECK_OK(call_run(&k, 1), &k.err);
	y = k.out[0].data;
	CHECK_EQ_INT(y[0], INT32_MIN);
	CHECK_EQ_INT(y[1], 5);
	call_release(&k);

	uint16_t s[] = { 16, 4, 1 }, sh[] = { 1, 2, 16 };
	call_init(&k, "BitShift", 11);
	attr_string(&k, "direction", "RIGHT");
	input(&k, LADDER_DT_UINT16, 1, D3, s);
	input(&k, LADDER_DT_UINT16, 1, D3, sh);
	CHECK_OK(call_run(&k, 1), &k.err);
	uint16_t *y16 = k.out[0].data;
	CHECK(y16[0] == 8 && y16[1] == 1 && y16[2] == 0);
	call_release(&k);
}

TEST(pow_mixed_types)
{
	struct call k;
	int32_t a[] = { 1, 2, 3 };
	float e[] = { 4, 5, 6 };
	int64_t base[] = { 2, -3, 5 }, ex[] = { 10, 3, 0 };

	call_init(&k, "Pow", 15);
	input(&k, LADDER_DT_INT32, 1, D3, a);
	input(&k, LADDER_DT_FLOAT, 1, D3, e);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_INT32);
	int32_t *y = k.out[0].data;
	CHECK(y[0] == 1 && y[1] == 32 && y[2] == 729);
	call_release(&k);

	call_init(&k, "Pow", 15);
	input(&k, LADDER_DT_INT64, 1, D3, base);
	input(&k, LADDER_DT_INT64, 1, D3, ex);
	CHECK_OK(call_run(&k, 1), &k.err);
	int64_t *y64 = k.out[0].data;
	CHECK(y64[0] == 1024 && y64[1] == -27 && y64[2] == 1);
	call_release(&k);

	float fx[] = { 2, 3 }, two = 2;
	call_init(&k, "Pow", 15);
	input(&k, LADDER_DT_FLOAT, 1, D2, fx);
	input(&k, LADDER_DT_FLOAT, 0, NULL, &two);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 1), 9, 1e-6);
	call_release(&k);
}

TEST(compare_logic_where)
{
	struct call k;
	float a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 2, 2, 2 };

	call_init(&k, "GreaterOrEqual", 16);
	input(&k, LADDER_DT_FLOAT, 2, D23, a);
	input(&k, LADDER_DT_FLOAT, 1, D3, b);
	CHECK_OK(call_run(&k, 1), &k.err);
	uint8_t *r = k.out[0].data;
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_BOOL);
	CHECK(r[0] == 0 && r[1] == 1 && r[5] == 1);
	call_release(&k);

	uint8_t p[] = { 1, 0, 1 }, q[] = { 1, 1 };
	static const int64_t D31[] = { 3, 1 }, D12[] = { 1, 2 };
	call_init(&k, "Xor", 7);
	input(&k, LADDER_DT_BOOL, 2, D31, p);
	input(&k, LADDER_DT_BOOL, 2, D12, q);
	CHECK_OK(call_run(&k, 1), &k.err);
	r = k.out[0].data;
	CHECK_EQ_INT(k.out[0].dims[0], 3);
	CHECK_EQ_INT(k.out[0].dims[1], 2);
	CHECK(r[0] == 0 && r[1] == 0 && r[2] == 1 && r[3] == 1 && r[4] == 0);
	call_release(&k);

	/* Where([3,1] cond, [2] x, scalar y) -> [3,2] */
	int64_t x[] = { 10, 20 }, y0 = -1;
	call_init(&k, "Where", 16);
	input(&k, LADDER_DT_BOOL, 2, D31, p);
	input(&k, LADDER_DT_INT64, 1, D2, x);
	input(&k, LADDER_DT_INT64, 0, NULL, &y0);
	CHECK_OK(call_run(&k, 1), &k.err);
	int64_t *w = k.out[0].data;
	CHECK(w[0] == 10 && w[1] == 20 && w[2] == -1 && w[3] == -1 && w[4] == 10);
	call_release(&k);
}

TEST(variadic_and_prelu)
{
	struct call k;
	float a[] = { 1, 5, 3 }, b[] = { 4, 2 }, c[] = { 0 };
	static const int64_t D31[] = { 3, 1 };

	/* Max([3,1], [2], [1]) -> [3,2] */
	call_init(&k, "Max", 13);
	input(&k, LADDER_DT_FLOAT, 2, D31, a);
	input(&k, LADDER_DT_FLOAT, 1, D2, b);
	input(&k, LADDER_DT_FLOAT, 1, D1, c);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 4, 0);
	CHECK_NEAR(OUTF(k, 1), 2, 0);
	CHECK_NEAR(OUTF(k, 2), 5, 0);
	CHECK_NEAR(OUTF(k, 5), 3, 0);
	call_release(&k);

	float m1[] = { 1, 2, 3 }, m2[] = { 3, 4, 5 };
	call_init(&k, "Mean", 13);
	input(&k, LADDER_DT_FLOAT, 1, D3, m1);
	input(&k, LADDER_DT_FLOAT, 1, D3, m2);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), 2, 0);
	CHECK_NEAR(OUTF(k, 2), 4, 0);
	call_release(&k);

	/* Opset 6 PRelu: a [C] slope applies along axis 1. */
	float x[12], slope[] = { 0.5f, 0.25f, 0.125f };
	static const int64_t D322[] = { 1, 3, 2, 2 };
	for (int i = 0; i < 12; i++)
		x[i] = -1;
	call_init(&k, "PRelu", 6);
	input(&k, LADDER_DT_FLOAT, 4, D322, x);
	input(&k, LADDER_DT_FLOAT, 1, D3, slope);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0), -0.5, 0);
	CHECK_NEAR(OUTF(k, 4), -0.25, 0);
	CHECK_NEAR(OUTF(k, 11), -0.125, 0);
	call_release(&k);
	(void)D5;
	(void)D32;
}

TEST(reduce_axes_keepdims)
{
	struct call k;
	float x[] = { 1, 2, 3, 4, 5, 6 };
	int64_t ax1[] = { 1 }, ax0[] = { -2 };

	call_init(&k, "ReduceSum", 11);
	attr_ints(&k, "axes", 1, ax1);
	attr_int(&k, "keepdims", 0);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].rank, 1);
	CHECK_NEAR(OUTF(k, 0), 6, 0);
	CHECK_NEAR(OUTF(k, 1), 15, 0);
	call_release(&k);

	/* Opset 13 ReduceSum: axes as input; keepdims default. */
	call_init(&k, "ReduceSum", 13);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	input(&k, LADDER_DT_INT64, 1, D1, ax0);
	k.node.inputs = (char *[]){ "x", "axes" };
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].rank, 2);
	CHECK_EQ_INT(k.out[0].dims[0], 1);
	CHECK_NEAR(OUTF(k, 2), 9, 0);
	call_release(&k);

	/* Empty axes with noop_with_empty_axes: identity. */
	call_init(&k, "ReduceSum", 13);
	attr_int(&k, "noop_with_empty_axes", 1);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	input(&k, LADDER_DT_INT64, 1, (int64_t[]){ 0 }, ax0);
	k.node.inputs = (char *[]){ "x", "axes" };
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(op_numel(&k.out[0]), 6);
	CHECK_NEAR(OUTF(k, 4), 5, 0);
	call_release(&k);

	call_init(&k, "ReduceLogSumExp", 13);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(op_numel(&k.out[0]), 1);
	CHECK_NEAR(OUTF(k, 0), log(exp(1) + exp(2) + exp(3) + exp(4) + exp(5) + exp(6)), 1e-5);
	call_release(&k);

	int64_t ax02[] = { 0, 2 };
	float z[24];
	static const int64_t D234[] = { 2, 3, 4 };
	for (int i = 0; i < 24; i++)
		z[i] = (float)i;
	call_init(&k, "ReduceMax", 13);
	attr_ints(&k, "axes", 2, ax02);
	input(&k, LADDER_DT_FLOAT, 3, D234, z);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].rank, 3);
	CHECK_EQ_INT(k.out[0].dims[1], 3);
	CHECK_NEAR(OUTF(k, 0), 15, 0);
	CHECK_NEAR(OUTF(k, 2), 23, 0);
	call_release(&k);

	call_init(&k, "ReduceMean", 13);
	attr_ints(&k, "axes", 1, (int64_t[]){ 3 });
	input(&k, LADDER_DT_FLOAT, 3, D234, z);
	CHECK(call_run(&k, 1) == LADDER_EINVAL);
	CHECK(strstr(k.err.msg, "axis 3 is out of range") != NULL);
	call_release(&k);
}

TEST(argmax_select_last)
{
	struct call k;
	float x[] = { 2, 2, 1, 1, 3, 3 };

	call_init(&k, "ArgMax", 13);
	attr_int(&k, "axis", 1);
	attr_int(&k, "select_last_index", 1);
	input(&k, LADDER_DT_FLOAT, 2, D32, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	int64_t *y = k.out[0].data;
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_INT64);
	CHECK(y[0] == 1 && y[1] == 1 && y[2] == 1);
	call_release(&k);

	call_init(&k, "ArgMin", 13);
	attr_int(&k, "keepdims", 0);
	input(&k, LADDER_DT_FLOAT, 2, D32, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	y = k.out[0].data;
	CHECK_EQ_INT(k.out[0].rank, 1);
	CHECK(y[0] == 1 && y[1] == 1);
	call_release(&k);
}

TEST(softmax_opsets)
{
	struct call k;
	float x[] = { 1, 2, 3, 4, 5, 6 };

	/* Opset 11, axis 0: normalised over all 6 values. */
	call_init(&k, "Softmax", 11);
	attr_int(&k, "axis", 0);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	double s = 0;
	for (int i = 0; i < 6; i++)
		s += OUTF(k, i);
	CHECK_NEAR(s, 1, 1e-6);
	call_release(&k);

	/* Opset 13, axis 0: per column. */
	call_init(&k, "Softmax", 13);
	attr_int(&k, "axis", 0);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 0) + OUTF(k, 3), 1, 1e-6);
	CHECK_NEAR(OUTF(k, 3), 1 / (1 + exp(-3.0)), 1e-6);
	call_release(&k);

	call_init(&k, "LogSoftmax", 13);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(OUTF(k, 2), 3 - log(exp(1) + exp(2) + exp(3)), 1e-5);
	call_release(&k);

	call_init(&k, "Hardmax", 13);
	input(&k, LADDER_DT_FLOAT, 2, D23, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK(OUTF(k, 0) == 0 && OUTF(k, 2) == 1 && OUTF(k, 5) == 1);
	call_release(&k);
}

TEST(cast_pairs)
{
	struct call k;
	float x[] = { -1.7f, 0.5f, 300.5f, NAN };

	call_init(&k, "Cast", 13);
	attr_int(&k, "to", LADDER_DT_INT8);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	int8_t *y8 = k.out[0].data;
	CHECK(y8[0] == -1 && y8[1] == 0 && y8[3] == 0);
	call_release(&k);

	call_init(&k, "Cast", 13);
	attr_int(&k, "to", LADDER_DT_FLOAT16);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_NEAR(op_half_to_float(((uint16_t *)k.out[0].data)[2]), 300.5, 0);
	call_release(&k);

	call_init(&k, "Cast", 13);
	attr_int(&k, "to", LADDER_DT_BOOL);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	uint8_t *b = k.out[0].data;
	CHECK(b[0] == 1 && b[1] == 1);
	call_release(&k);

	call_init(&k, "Cast", 13);
	attr_int(&k, "to", LADDER_DT_STRING);
	input(&k, LADDER_DT_FLOAT, 1, D4, x);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	CHECK(strstr(k.err.msg, "string") != NULL);
	call_release(&k);

	uint16_t bf[] = { op_float_to_bf16(1.5f) };
	double like = 0;
	call_init(&k, "CastLike", 15);
	input(&k, LADDER_DT_BFLOAT16, 1, D1, bf);
	input(&k, LADDER_DT_DOUBLE, 1, D1, &like);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dtype, LADDER_DT_DOUBLE);
	CHECK_NEAR(((double *)k.out[0].data)[0], 1.5, 0);
	call_release(&k);
}

TEST(cumsum_topk)
{
	struct call k;
	double x[] = { 1, 2, 3, 4, 5, 6 };
	int32_t axis = 1;

	call_init(&k, "CumSum", 14);
	attr_int(&k, "exclusive", 1);
	attr_int(&k, "reverse", 1);
	input(&k, LADDER_DT_DOUBLE, 2, D23, x);
	input(&k, LADDER_DT_INT32, 0, NULL, &axis);
	CHECK_OK(call_run(&k, 1), &k.err);
	double *y = k.out[0].data;
	CHECK(y[0] == 5 && y[1] == 3 && y[2] == 0 && y[3] == 11 && y[5] == 0);
	call_release(&k);

	float v[] = { 3, 1, 3, 2, 0, 9 };
	int64_t kk = 2;
	call_init(&k, "TopK", 11);
	input(&k, LADDER_DT_FLOAT, 2, D23, v);
	input(&k, LADDER_DT_INT64, 1, D1, &kk);
	CHECK_OK(call_run(&k, 2), &k.err);
	int64_t *ix = k.out[1].data;
	CHECK_EQ_INT(k.out[0].dims[1], 2);
	CHECK(OUTF(k, 0) == 3 && OUTF(k, 1) == 3 && ix[0] == 0 && ix[1] == 2);
	CHECK(OUTF(k, 2) == 9 && OUTF(k, 3) == 2 && ix[2] == 2 && ix[3] == 0);
	call_release(&k);

	call_init(&k, "TopK", 11);
	attr_int(&k, "largest", 0);
	input(&k, LADDER_DT_FLOAT, 2, D23, v);
	input(&k, LADDER_DT_INT64, 1, D1, &kk);
	CHECK_OK(call_run(&k, 2), &k.err);
	CHECK(OUTF(k, 0) == 1 && OUTF(k, 1) == 3 && OUTF(k, 2) == 0);
	call_release(&k);

	kk = 4;
	call_init(&k, "TopK", 11);
	input(&k, LADDER_DT_FLOAT, 2, D23, v);
	input(&k, LADDER_DT_INT64, 1, D1, &kk);
	CHECK(call_run(&k, 2) == LADDER_EINVAL);
	CHECK(strstr(k.err.msg, "k 4 is out of range") != NULL);
	call_release(&k);
}

TEST(det_einsum)
{
	struct call k;
	float m[] = { 0, 2, 3, 4, 1, 2, 3, 1, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1 };
	static const int64_t D233[] = { 2, 3, 3 };

	call_init(&k, "Det", 11);
	input(&k, LADDER_DT_FLOAT, 3, D233, m);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].rank, 1);
	/* det [[0,2,3],[4,1,2],[3,1,2]] = 0*(2-2) - 2*(8-6) + 3*(4-3) = -1 */
	CHECK_NEAR(OUTF(k, 0), -1, 1e-6);
	/* det [[1,2,0],[0,1,1],[1,1,1]] = 1*(1-1) - 2*(0-1) + 0 = 2 */
	CHECK_NEAR(OUTF(k, 1), 2, 1e-6);
	call_release(&k);

	double a[] = { 1, 2, 3, 4, 5, 6 }, b[] = { 1, 0, 0, 1, 1, 1 };
	call_init(&k, "Einsum", 12);
	attr_string(&k, "equation", "ij, jk -> ik");
	input(&k, LADDER_DT_DOUBLE, 2, D23, a);
	input(&k, LADDER_DT_DOUBLE, 2, D32, b);
	k.node.n_inputs = 2;
	CHECK_OK(call_run(&k, 1), &k.err);
	double *y = k.out[0].data;
	CHECK_EQ_INT(k.out[0].dims[0], 2);
	CHECK_EQ_INT(k.out[0].dims[1], 2);
	CHECK(y[0] == 4 && y[1] == 5 && y[2] == 10 && y[3] == 11);
	call_release(&k);

	/* Ellipsis and a repeated label: the batch diagonals. */
	double sq[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const int64_t D222[] = { 2, 2, 2 };
	call_init(&k, "Einsum", 12);
	attr_string(&k, "equation", "...ii->...i");
	input(&k, LADDER_DT_DOUBLE, 3, D222, sq);
	CHECK_OK(call_run(&k, 1), &k.err);
	y = k.out[0].data;
	CHECK(y[0] == 1 && y[1] == 4 && y[2] == 5 && y[3] == 8);
	call_release(&k);

	call_init(&k, "Einsum", 12);
	attr_string(&k, "equation", "ij");
	input(&k, LADDER_DT_DOUBLE, 3, D222, sq);
	CHECK(call_run(&k, 1) == LADDER_EINVAL);
	call_release(&k);
}

TEST(windows_dft)
{
	struct call k;
	int32_t size = 4;

	call_init(&k, "HannWindow", 17);
	input(&k, LADDER_DT_INT32, 0, NULL, &size);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dims[0], 4);
	CHECK_NEAR(OUTF(k, 0), 0, 1e-7);
	CHECK_NEAR(OUTF(k, 1), 0.5, 1e-7);
	CHECK_NEAR(OUTF(k, 2), 1, 1e-7);
	call_release(&k);

	call_init(&k, "HannWindow", 17);
	input(&k, LADDER_DT_INT32, 0, NULL, NULL);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	call_release(&k);

	/* DFT of [1, 2, 3, 4] (real): [10, -2+2i, -2, -2-2i]. */
	float x[] = { 1, 2, 3, 4 };
	static const int64_t D141[] = { 1, 4, 1 };
	call_init(&k, "DFT", 17);
	input(&k, LADDER_DT_FLOAT, 3, D141, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dims[2], 2);
	CHECK_NEAR(OUTF(k, 0), 10, 1e-5);
	CHECK_NEAR(OUTF(k, 2), -2, 1e-5);
	CHECK_NEAR(OUTF(k, 3), 2, 1e-5);
	CHECK_NEAR(OUTF(k, 7), -2, 1e-5);
	call_release(&k);

	call_init(&k, "DFT", 17);
	attr_int(&k, "onesided", 1);
	input(&k, LADDER_DT_FLOAT, 3, D141, x);
	CHECK_OK(call_run(&k, 1), &k.err);
	CHECK_EQ_INT(k.out[0].dims[1], 3);
	call_release(&k);
}

/* Dtypes an op does not take fail at infer (plan time), naming the node and op. */
TEST(dtype_errors_at_infer)
{
	struct call k;
	uint8_t b[] = { 1, 0 };

	call_init(&k, "Add", 14);
	input(&k, LADDER_DT_BOOL, 1, D2, b);
	input(&k, LADDER_DT_BOOL, 1, D2, b);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	CHECK(strstr(k.err.msg, "node 'n' (Add): input 'x' has unsupported dtype bool") != NULL);
	CHECK(k.out[0].data == NULL);	/* failed before outputs were allocated */
	call_release(&k);

	call_init(&k, "BitShift", 11);
	attr_string(&k, "direction", "LEFT");
	input(&k, LADDER_DT_INT8, 1, D2, b);
	input(&k, LADDER_DT_INT8, 1, D2, b);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	call_release(&k);

	call_init(&k, "Sqrt", 13);
	input(&k, LADDER_DT_UINT8, 1, D2, b);
	CHECK(call_run(&k, 1) == LADDER_EUNSUPPORTED);
	call_release(&k);

	float f[] = { 1, 2 };
	call_init(&k, "Sub", 14);
	input(&k, LADDER_DT_FLOAT, 1, D2, f);
	input(&k, LADDER_DT_UINT8, 1, D2, b);
	CHECK(call_run(&k, 1) == LADDER_EINVAL);
	CHECK(strstr(k.err.msg, "different dtypes (float32 and uint8)") != NULL);
	call_release(&k);
}

TEST_MAIN()
