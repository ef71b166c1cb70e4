/*
 * binary.c: element-wise binary and variadic ops with numpy broadcasting:
 * arithmetic, comparison, logic, bitwise, Where and PRelu.  Signed integer
 * + - * wrap (computed unsigned); integer division by zero gives 0 rather
 * than trapping.  Before opset 7, Add/Sub/... take the legacy `broadcast`
 * and `axis` attributes, which align the second input at `axis`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <tgmath.h>

#include "ops/ew.h"
#include "util/banned.h"

struct bin_params {
	bool legacy;		/* opset < 7 broadcast=1 with axis: align input 1 there */
	int legacy_axis;
	bool fmod;
	bool shift_left;
};

static int
bin_check(struct op_ctx *c, struct ladder_err *err)
{
	struct bin_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	if (c->opset < 7 && op_attr_int(c, "broadcast", 0) != 0 && op_attr(c, "axis") != NULL) {
		int64_t axis = op_attr_int(c, "axis", 0);

		if (axis < -LADDER_MAX_RANK || axis >= LADDER_MAX_RANK)
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range",
			    (long long)axis);
		p->legacy = true;
		p->legacy_axis = (int)axis;
	}
	p->fmod = op_attr_int(c, "fmod", 0) != 0;
	const char *dir = op_attr_string(c, "direction", NULL);

	if (strcmp(c->node->op_type, "BitShift") == 0) {
		if (dir == NULL || (strcmp(dir, "LEFT") != 0 && strcmp(dir, "RIGHT") != 0))
			return op_fail(c, err, LADDER_EINVAL, "direction must be LEFT or RIGHT");
		p->shift_left = strcmp(dir, "LEFT") == 0;
	}
	c->params = p;
	return 0;
}

/* Copies of inputs 0 and 1 with input 1's shape adjusted for legacy broadcasting. */
static int
bin_inputs(const struct op_ctx *c, struct exec_value *a, struct exec_value *b,
    struct ladder_err *err)
{
	const struct bin_params *p = c->params;

	*a = *c->in[0];
	*b = *c->in[1];
	if (p == NULL || !p->legacy || b->rank >= a->rank)
		return 0;
	int axis = p->legacy_axis < 0 ? p->legacy_axis + a->rank : p->legacy_axis;

	if (axis < 0 || axis + b->rank > a->rank)
		return op_fail(c, err, LADDER_EINVAL, "axis %d does not fit a %d-d input in a %d-d one",
		    axis, b->rank, a->rank);
	int r = a->rank - axis;

	for (int d = b->rank; d < r; d++)
		b->dims[d] = 1;
	b->rank = r;
	return 0;
}

static int
bin_infer_as(struct op_ctx *c, enum ladder_dtype out_dt, bool same_dtype, int classes,
    struct ladder_err *err)
{
	struct exec_value a, b;
	int64_t dims[LADDER_MAX_RANK];
	int rank;

	if (bin_inputs(c, &a, &b, err) != 0)
		return err->code;
	if (!ew_dtype_in(a.dtype, classes))
		return ew_bad_dtype(c, c->in[0], err);
	if (same_dtype && a.dtype != b.dtype)
		return op_fail(c, err, LADDER_EINVAL, "inputs have different dtypes (%s and %s)",
		    ladder_dtype_name(a.dtype), ladder_dtype_name(b.dtype));
	const struct exec_value *v[2] = { &a, &b };

	if (!op_broadcast_shape(v, 2, &rank, dims))
		return ew_infer_broadcast(c, 0, 2, out_dt, err);	/* formats the error */
	op_set_shape(c->out[0], out_dt == LADDER_DT_UNDEFINED ? a.dtype : out_dt, rank, dims);
	return 0;
}

/* Output dtype: the inputs' (arithmetic, logic, bitwise) or bool (comparisons). */
#define BIN_INFER(NAME, OUT, CLASSES)                                                   \
	static int NAME(struct op_ctx *c, struct ladder_err *err)                       \
	{                                                                               \
		return bin_infer_as(c, OUT, true, CLASSES, err);                        \
	}

BIN_INFER(bin_infer, LADDER_DT_UNDEFINED, EW_T_FLOAT | EW_T_INT)
BIN_INFER(bin_infer_logic, LADDER_DT_UNDEFINED, EW_T_BOOL)
BIN_INFER(bin_infer_bitwise, LADDER_DT_UNDEFINED, EW_T_INT)
BIN_INFER(bin_infer_shift, LADDER_DT_UNDEFINED, EW_T_UINT)
BIN_INFER(bin_infer_bool, LADDER_DT_BOOL, EW_T_FLOAT | EW_T_INT)
BIN_INFER(bin_infer_equal, LADDER_DT_BOOL, EW_T_FLOAT | EW_T_INT | EW_T_BOOL)

/* Same dtype in and out. */
#define BIN_SAME(S, C, LD, ST, it, a, b, y, EXPR)                                        \
	EW_BINARY_LOOP(S, C, LD, S, C, LD, S, ST, it, a, b, y, EXPR)
/* Bool out. */
#define BIN_BOOL(S, C, LD, ST, it, a, b, y, EXPR)                                        \
	EW_BINARY_LOOP(S, C, LD, S, C, LD, uint8_t, EW_ID, it, a, b, y, EXPR)

#define BIN_OP(SYM, NAME, INFER, CASES)                                                 \
	static int SYM##_run(struct op_ctx *c, struct ladder_err *err)                  \
	{                                                                               \
		const struct bin_params *p = c->params;                                 \
		struct exec_value a, b, *y = c->out[0];                                 \
		struct ew_iter it;                                                      \
		(void)p;                                                                \
		if (bin_inputs(c, &a, &b, err) != 0)                                    \
			return err->code;                                               \
		const struct exec_value *in2[2] = { &a, &b };                           \
		ew_iter_init(&it, y, in2, 2);                                           \
		if (it.outer == 0)                                                      \
			return 0;                                                       \
		switch (a.dtype) {                                                      \
		CASES                                                                   \
		default:                                                                \
			return ew_bad_dtype(c, &a, err);                                \
		}                                                                       \
		return 0;                                                               \
	}                                                                               \
	const struct op_def op_##SYM = { NAME, "", 2, 2, 1, 1, bin_check, INFER,        \
		SYM##_run, NULL }

/* Integer helpers that avoid the undefined cases of / and %. */
static inline int64_t
idiv(int64_t x, int64_t y)
{
	if (y == 0)
		return 0;
	if (y == -1)
		return (int64_t)(0 - (uint64_t)x);
	return x / y;
}

static inline int64_t
imod(int64_t x, int64_t y, bool fmod_mode)
{
	if (y == 0 || y == -1)
		return 0;
	int64_t r = x % y;

	if (!fmod_mode && r != 0 && ((r < 0) != (y < 0)))
		r += y;
	return r;
}

static inline uint64_t
udiv(uint64_t x, uint64_t y)
{
	return y ? x / y : 0;
}

static inline uint64_t
umod(uint64_t x, uint64_t y)
{
	return y ? x % y : 0;
}

/* numpy-style float modulus (sign of the divisor) unless fmod. */
#define FMOD_EXPR(x0, x1, fm)                                                            \
	((fm) ? fmod(x0, x1) : fmod(x0, x1) != 0 && ((fmod(x0, x1) < 0) != ((x1) < 0)) ? \
	    fmod(x0, x1) + (x1) : fmod(x0, x1))

#define UNS(C) ((C)-1 > (C)0)
#define DIV_INT(C, x0, x1) (UNS(C) ? (C)udiv((uint64_t)(x0), (uint64_t)(x1)) : (C)idiv(x0, x1))
#define MOD_INT(C, x0, x1, fm)                                                           \
	(UNS(C) ? (C)umod((uint64_t)(x0), (uint64_t)(x1)) : (C)imod(x0, x1, fm))

/* Integer cases with the compute type named, for expressions that need it. */
#define INT_DIV(S, C, LD, ST, it, a, b, y, unused) BIN_SAME(S, C, LD, ST, it, a, b, y, DIV_INT(C, x0, x1))
#define INT_MOD(S, C, LD, ST, it, a, b, y, fm) BIN_SAME(S, C, LD, ST, it, a, b, y, MOD_INT(C, x0, x1, fm))

BIN_OP(Add, "Add", bin_infer,
    EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, x0 + x1)
    EW_CASES_INT_WRAP(BIN_SAME, &it, &a, &b, y, x0 + x1));
BIN_OP(Sub, "Sub", bin_infer,
    EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, x0 - x1)
    EW_CASES_INT_WRAP(BIN_SAME, &it, &a, &b, y, x0 - x1));
BIN_OP(Mul, "Mul", bin_infer,
    EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, x0 * x1)
    EW_CASES_INT_WRAP(BIN_SAME, &it, &a, &b, y, x0 * x1));
BIN_OP(Div, "Div", bin_infer,
    EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, x0 / x1)
    EW_CASES_INT(INT_DIV, &it, &a, &b, y, 0));
BIN_OP(Mod, "Mod", bin_infer,
    EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, FMOD_EXPR(x0, x1, p->fmod))
    EW_CASES_INT(INT_MOD, &it, &a, &b, y, p->fmod));

BIN_OP(Equal, "Equal", bin_infer_equal,
    EW_CASES_FLOAT(BIN_BOOL, &it, &a, &b, y, x0 == x1)
    EW_CASES_INT(BIN_BOOL, &it, &a, &b, y, x0 == x1)
    EW_CASES_BOOL(BIN_BOOL, &it, &a, &b, y, (x0 != 0) == (x1 != 0)));
BIN_OP(Less, "Less", bin_infer_bool,
    EW_CASES_FLOAT(BIN_BOOL, &it, &a, &b, y, x0 < x1)
    EW_CASES_INT(BIN_BOOL, &it, &a, &b, y, x0 < x1));
BIN_OP(Greater, "Greater", bin_infer_bool,
    EW_CASES_FLOAT(BIN_BOOL, &it, &a, &b, y, x0 > x1)
    EW_CASES_INT(BIN_BOOL, &it, &a, &b, y, x0 > x1));
BIN_OP(LessOrEqual, "LessOrEqual", bin_infer_bool,
    EW_CASES_FLOAT(BIN_BOOL, &it, &a, &b, y, x0 <= x1)
    EW_CASES_INT(BIN_BOOL, &it, &a, &b, y, x0 <= x1));
BIN_OP(GreaterOrEqual, "GreaterOrEqual", bin_infer_bool,
    EW_CASES_FLOAT(BIN_BOOL, &it, &a, &b, y, x0 >= x1)
    EW_CASES_INT(BIN_BOOL, &it, &a, &b, y, x0 >= x1));

BIN_OP(And, "And", bin_infer_logic, EW_CASES_BOOL(BIN_SAME, &it, &a, &b, y, x0 && x1));
BIN_OP(Or, "Or", bin_infer_logic, EW_CASES_BOOL(BIN_SAME, &it, &a, &b, y, x0 || x1));
BIN_OP(Xor, "Xor", bin_infer_logic, EW_CASES_BOOL(BIN_SAME, &it, &a, &b, y, (x0 != 0) != (x1 != 0)));

BIN_OP(BitwiseAnd, "BitwiseAnd", bin_infer_bitwise, EW_CASES_INT(BIN_SAME, &it, &a, &b, y, x0 & x1));
BIN_OP(BitwiseOr, "BitwiseOr", bin_infer_bitwise, EW_CASES_INT(BIN_SAME, &it, &a, &b, y, x0 | x1));
BIN_OP(BitwiseXor, "BitwiseXor", bin_infer_bitwise, EW_CASES_INT(BIN_SAME, &it, &a, &b, y, x0 ^ x1));

/* Shifts by the bit width or more give 0. */
#define SHIFT_EXPR(S, x0, x1, left)                                                      \
	((uint64_t)(x1) >= 8 * sizeof(S) ? 0 : (left) ? (uint64_t)(x0) << (x1) : (uint64_t)(x0) >> (x1))
#define BIN_SHIFT(S, C, LD, ST, it, a, b, y, left)                                       \
	BIN_SAME(S, uint64_t, LD, ST, it, a, b, y, SHIFT_EXPR(S, x0, x1, left))

BIN_OP(BitShift, "BitShift", bin_infer_shift,
    case LADDER_DT_UINT8: BIN_SHIFT(uint8_t, , EW_ID, EW_ID, &it, &a, &b, y, p->shift_left); break;
    case LADDER_DT_UINT16: BIN_SHIFT(uint16_t, , EW_ID, EW_ID, &it, &a, &b, y, p->shift_left); break;
    case LADDER_DT_UINT32: BIN_SHIFT(uint32_t, , EW_ID, EW_ID, &it, &a, &b, y, p->shift_left); break;
    case LADDER_DT_UINT64: BIN_SHIFT(uint64_t, , EW_ID, EW_ID, &it, &a, &b, y, p->shift_left); break;);

/*
 * PRelu: slope broadcasts to x (unidirectionally).  Before opset 7 a 1-d
 * slope of x's channel count applies along axis 1 (as PyTorch exported it).
 */
static void
prelu_slope(const struct op_ctx *c, struct exec_value *s)
{
	const struct exec_value *x = c->in[0];

	*s = *c->in[1];
	if (c->opset < 7 && s->rank == 1 && x->rank > 2 && s->dims[0] == x->dims[1] &&
	    s->dims[0] != x->dims[x->rank - 1]) {
		s->rank = x->rank - 1;
		for (int d = 1; d < s->rank; d++)
			s->dims[d] = 1;
	}
}

static int
PRelu_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value s;
	const struct exec_value *x = c->in[0];
	const struct exec_value *v[2];
	int64_t dims[LADDER_MAX_RANK];
	int rank;

	prelu_slope(c, &s);
	v[0] = x;
	v[1] = &s;
	if (!ew_is_float(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (s.dtype != x->dtype)
		return op_fail(c, err, LADDER_EINVAL, "slope is %s, input is %s",
		    ladder_dtype_name(s.dtype), ladder_dtype_name(x->dtype));
	if (!op_broadcast_shape(v, 2, &rank, dims) || rank != x->rank ||
	    memcmp(dims, x->dims, (size_t)rank * sizeof dims[0]) != 0)
		return op_fail(c, err, LADDER_EINVAL, "slope does not broadcast to the input");
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
PRelu_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value a = *c->in[0], b, *y = c->out[0];
	struct ew_iter it;

	prelu_slope(c, &b);
	const struct exec_value *in2[2] = { &a, &b };

	ew_iter_init(&it, y, in2, 2);
	if (it.outer == 0)
		return 0;
	switch (a.dtype) {
	EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, x0 < 0 ? x0 * x1 : x0)
	default:
		return ew_bad_dtype(c, &a, err);
	}
	return 0;
}

const struct op_def op_PRelu = { "PRelu", "", 2, 2, 1, 1, ew_check_none, PRelu_infer, PRelu_run,
	NULL };

/*
 * Pow: the exponent may have another numeric dtype than the base; the
 * result has the base's.  Same-dtype floats run typed; everything else goes
 * through double, or exact integer powers when both are integers.
 */
static int
Pow_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *a = c->in[0], *b = c->in[1];

	if (!(ew_is_float(a->dtype) || ew_is_int(a->dtype)))
		return ew_bad_dtype(c, a, err);
	if (!(ew_is_float(b->dtype) || ew_is_int(b->dtype)))
		return ew_bad_dtype(c, b, err);
	return bin_infer_as(c, a->dtype, false, EW_T_FLOAT | EW_T_INT, err);
}

static int64_t
ipow(int64_t base, int64_t e)
{
	uint64_t r = 1, x = (uint64_t)base;

	if (e < 0)
		return base == 1 ? 1 : base == -1 ? (e % 2 ? -1 : 1) : 0;
	while (e > 0) {
		if (e & 1)
			r *= x;
		x *= x;
		e >>= 1;
	}
	return (int64_t)r;
}

static int
Pow_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value a, b, *y = c->out[0];
	struct ew_iter it;

	if (bin_inputs(c, &a, &b, err) != 0)
		return err->code;
	const struct exec_value *in2[2] = { &a, &b };

	ew_iter_init(&it, y, in2, 2);
	if (it.outer == 0)
		return 0;
	if (a.dtype == b.dtype && ew_is_float(a.dtype)) {
		switch (a.dtype) {
		EW_CASES_FLOAT(BIN_SAME, &it, &a, &b, y, pow(x0, x1))
		default:
			break;
		}
		return 0;
	}
	bool ints = ew_is_int(a.dtype) && ew_is_int(b.dtype);
	struct ew_pos pos = { { 0 }, { 0 } };
	int64_t n = it.inner, sa = it.strides[0][it.rank - 1], sb = it.strides[1][it.rank - 1];

	for (int64_t o = 0, k = 0; o < it.outer; o++) {
		for (int64_t i = 0; i < n; i++, k++) {
			int64_t ia = pos.off[0] + i * sa, ib = pos.off[1] + i * sb;

			if (ints) {
				int64_t r = ipow(op_get_int(&a, ia), op_get_int(&b, ib));

				/* Store through the integer bit pattern (wraps like C). */
				switch (y->dtype) {
				case LADDER_DT_INT8: ((int8_t *)y->data)[k] = (int8_t)r; break;
				case LADDER_DT_INT16: ((int16_t *)y->data)[k] = (int16_t)r; break;
				case LADDER_DT_INT32: ((int32_t *)y->data)[k] = (int32_t)r; break;
				case LADDER_DT_INT64: ((int64_t *)y->data)[k] = r; break;
				case LADDER_DT_UINT8: ((uint8_t *)y->data)[k] = (uint8_t)r; break;
				case LADDER_DT_UINT16: ((uint16_t *)y->data)[k] = (uint16_t)r; break;
				case LADDER_DT_UINT32: ((uint32_t *)y->data)[k] = (uint32_t)r; break;
				case LADDER_DT_UINT64: ((uint64_t *)y->data)[k] = (uint64_t)r; break;
				default: break;
				}
			} else {
				double r = pow(op_get_double(&a, ia), op_get_double(&b, ib));

				if (ew_is_int(y->dtype) && !(r > -9.2e18 && r < 9.2e18))
					r = 0;	/* out of range: avoid undefined conversion */
				op_set_double(y, k, r);
			}
		}
		ew_next(&it, &pos);
	}
	return 0;
}

const struct op_def op_Pow = { "Pow", "", 2, 2, 1, 1, bin_check, Pow_infer, Pow_run, NULL };

/* Variadic Max/Min/Sum/Mean: broadcast all, fold pairwise into the output. */
enum vkind { V_MAX, V_MIN, V_SUM, V_MEAN };

#define VAR_MAX(x0, x1) ((x0) >= (x1) || (x0) != (x0) ? (x0) : (x1))
#define VAR_MIN(x0, x1) ((x0) <= (x1) || (x0) != (x0) ? (x0) : (x1))

static int
variadic_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	size_t n = 0;

	if (!ew_dtype_in(x->dtype, EW_T_FLOAT | EW_T_INT))
		return ew_bad_dtype(c, x, err);
	for (size_t k = 0; k < c->n_in; k++) {
		if (c->in[k] == NULL)
			continue;
		n = k + 1;
		if (c->in[k]->dtype != x->dtype)
			return op_fail(c, err, LADDER_EINVAL, "inputs have different dtypes (%s and %s)",
			    ladder_dtype_name(x->dtype), ladder_dtype_name(c->in[k]->dtype));
	}
	return ew_infer_broadcast(c, 0, (int)n, x->dtype, err);
}

static int
variadic_run(struct op_ctx *c, enum vkind kind, struct ladder_err *err)
{
	struct exec_value *y = c->out[0];
	int count = 0;

	for (size_t k = 0; k < c->n_in; k++) {
		const struct exec_value *b = c->in[k];
		struct ew_iter it;

		if (b == NULL)
			continue;
		if (count == 0) {
			/* First input: broadcast-copy into y. */
			const struct exec_value *in2[2] = { b, b };

			ew_iter_init(&it, y, in2, 2);
			if (it.outer == 0)
				return 0;
			switch (b->dtype) {
			EW_CASES_FLOAT(BIN_SAME, &it, b, b, y, x0)
			EW_CASES_INT(BIN_SAME, &it, b, b, y, x0)
			default:
				return ew_bad_dtype(c, b, err);
			}
			count++;
			continue;
		}
		const struct exec_value *in2[2] = { y, b };

		ew_iter_init(&it, y, in2, 2);
		switch (kind) {
		case V_MAX:
			switch (b->dtype) {
			EW_CASES_FLOAT(BIN_SAME, &it, y, b, y, VAR_MAX(x0, x1))
			EW_CASES_INT(BIN_SAME, &it, y, b, y, VAR_MAX(x0, x1))
			default:
				return ew_bad_dtype(c, b, err);
			}
			break;
		case V_MIN:
			switch (b->dtype) {
			EW_CASES_FLOAT(BIN_SAME, &it, y, b, y, VAR_MIN(x0, x1))
			EW_CASES_INT(BIN_SAME, &it, y, b, y, VAR_MIN(x0, x1))
			default:
				return ew_bad_dtype(c, b, err);
			}
			break;
		case V_SUM:
		case V_MEAN:
			switch (b->dtype) {
			EW_CASES_FLOAT(BIN_SAME, &it, y, b, y, x0 + x1)
			EW_CASES_INT_WRAP(BIN_SAME, &it, y, b, y, x0 + x1)
			default:
				return ew_bad_dtype(c, b, err);
			}
			break;
		}
		count++;
	}
	if (kind == V_MEAN && count > 1) {
		int64_t n = op_numel(y);

		if (!ew_is_float(y->dtype))
			return ew_bad_dtype(c, y, err);
		for (int64_t i = 0; i < n; i++)
			op_set_double(y, i, op_get_double(y, i) / count);
	}
	return 0;
}

#define VAR_OP(SYM, KIND)                                                               \
	static int SYM##_run(struct op_ctx *c, struct ladder_err *err)                  \
	{                                                                               \
		return variadic_run(c, KIND, err);                                      \
	}                                                                               \
	const struct op_def op_##SYM = { #SYM, "", 1, 256, 1, 1, ew_check_none,         \
		variadic_infer, SYM##_run, NULL }

VAR_OP(Max, V_MAX);
VAR_OP(Min, V_MIN);
VAR_OP(Sum, V_SUM);
VAR_OP(Mean, V_MEAN);

/* Where(condition, X, Y): three-way broadcast, copied by element size. */
static int
Where_infer(struct op_ctx *c, struct ladder_err *err)
{
	if (c->in[0]->dtype != LADDER_DT_BOOL)
		return op_fail(c, err, LADDER_EINVAL, "condition is %s, not bool",
		    ladder_dtype_name(c->in[0]->dtype));
	if (c->in[1]->dtype != c->in[2]->dtype)
		return op_fail(c, err, LADDER_EINVAL, "X is %s but Y is %s",
		    ladder_dtype_name(c->in[1]->dtype), ladder_dtype_name(c->in[2]->dtype));
	if (ladder_dtype_size(c->in[1]->dtype) == 0)
		return ew_bad_dtype(c, c->in[1], err);
	return ew_infer_broadcast(c, 0, 3, c->in[1]->dtype, err);
}

#define WHERE_LOOP(T)                                                                    \
	do {                                                                            \
		const uint8_t *pc_ = cond->data;                                        \
		const T *px_ = x->data, *pz_ = z->data;                                 \
		T *py_ = y->data;                                                       \
		for (int64_t o_ = 0; o_ < it.outer; o_++, py_ += n) {                   \
			const uint8_t *C_ = pc_ + pos.off[0];                           \
			const T *X_ = px_ + pos.off[1], *Z_ = pz_ + pos.off[2];          \
			for (int64_t i_ = 0; i_ < n; i_++)                              \
				py_[i_] = C_[i_ * s0] ? X_[i_ * s1] : Z_[i_ * s2];       \
			ew_next(&it, &pos);                                             \
		}                                                                       \
	} while (0)

static int
Where_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *cond = c->in[0], *x = c->in[1], *z = c->in[2];
	struct exec_value *y = c->out[0];
	const struct exec_value *in3[3] = { cond, x, z };
	struct ew_iter it;
	struct ew_pos pos = { { 0 }, { 0 } };

	ew_iter_init(&it, y, in3, 3);
	if (it.outer == 0)
		return 0;
	int64_t n = it.inner, s0 = it.strides[0][it.rank - 1], s1 = it.strides[1][it.rank - 1],
		s2 = it.strides[2][it.rank - 1];

	switch (ladder_dtype_size(x->dtype)) {
	case 1: WHERE_LOOP(uint8_t); break;
	case 2: WHERE_LOOP(uint16_t); break;
	case 4: WHERE_LOOP(uint32_t); break;
	case 8: WHERE_LOOP(uint64_t); break;
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

const struct op_def op_Where = { "Where", "", 3, 3, 1, 1, ew_check_none, Where_infer, Where_run,
	NULL };
