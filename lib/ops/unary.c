/*
 * unary.c: element-wise unary math (Abs ... Atanh), the float predicates
 * IsNaN/IsInf, and the logical/bitwise Not.  Floating types compute in their
 * own precision (halves in float) through <tgmath.h>.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tgmath.h>

#include "ops/ew.h"
#include "util/banned.h"

/* Integer helpers: w is an int64 view of the element, uns says it was unsigned. */
#define I_NEG(w) ((int64_t)(0 - (uint64_t)(w)))
#define I_ABS(w) (uns ? (w) : (w) < 0 ? I_NEG(w) : (w))
#define I_SIGN(w) (uns ? (int64_t)((w) != 0) : (int64_t)((w) > 0) - (int64_t)((w) < 0))

EW_NUM_OP(Abs, "Abs", ew_check_none, fabs(v), I_ABS(w));
EW_NUM_OP(Neg, "Neg", ew_check_none, -v, I_NEG(w));
EW_NUM_OP(Sign, "Sign", ew_check_none, v > 0 ? 1.0f : v < 0 ? -1.0f : v, I_SIGN(w));

EW_FLOAT_OP(Exp, "Exp", ew_check_none, exp(v));
EW_FLOAT_OP(Log, "Log", ew_check_none, log(v));
EW_FLOAT_OP(Sqrt, "Sqrt", ew_check_none, sqrt(v));
EW_FLOAT_OP(Reciprocal, "Reciprocal", ew_check_none, 1.0f / v);
EW_FLOAT_OP(Floor, "Floor", ew_check_none, floor(v));
EW_FLOAT_OP(Ceil, "Ceil", ew_check_none, ceil(v));
/* Round half to even: nearbyint in the default rounding mode. */
EW_FLOAT_OP(Round, "Round", ew_check_none, nearbyint(v));
EW_FLOAT_OP(Erf, "Erf", ew_check_none, erf(v));
EW_FLOAT_OP(Sin, "Sin", ew_check_none, sin(v));
EW_FLOAT_OP(Cos, "Cos", ew_check_none, cos(v));
EW_FLOAT_OP(Tan, "Tan", ew_check_none, tan(v));
EW_FLOAT_OP(Asin, "Asin", ew_check_none, asin(v));
EW_FLOAT_OP(Acos, "Acos", ew_check_none, acos(v));
EW_FLOAT_OP(Atan, "Atan", ew_check_none, atan(v));
EW_FLOAT_OP(Sinh, "Sinh", ew_check_none, sinh(v));
EW_FLOAT_OP(Cosh, "Cosh", ew_check_none, cosh(v));
EW_FLOAT_OP(Asinh, "Asinh", ew_check_none, asinh(v));
EW_FLOAT_OP(Acosh, "Acosh", ew_check_none, acosh(v));
EW_FLOAT_OP(Atanh, "Atanh", ew_check_none, atanh(v));

/* Predicates: floating input, bool output. */
#define PRED_LOOP(S, C, LD, ST, x, y, n, EXPR)                                          \
	do {                                                                            \
		const S *px_ = (const S *)(x)->data;                                    \
		uint8_t *py_ = (uint8_t *)(y)->data;                                    \
		for (int64_t i_ = 0; i_ < (n); i_++) {                                  \
			C v = LD(px_[i_]);                                              \
			py_[i_] = (EXPR) ? 1 : 0;                                       \
		}                                                                       \
	} while (0)

static int
IsNaN_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *x = c->in[0], *y = c->out[0];
	int64_t n = op_numel(x);

	switch (x->dtype) {
	EW_CASES_FLOAT(PRED_LOOP, x, y, n, isnan(v))
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

static int
pred_infer(struct op_ctx *c, struct ladder_err *err)
{
	if (!ew_is_float(c->in[0]->dtype))
		return ew_bad_dtype(c, c->in[0], err);
	return ew_infer_bool(c, err);
}

const struct op_def op_IsNaN = { "IsNaN", "", 1, 1, 1, 1, ew_check_none, pred_infer,
	IsNaN_run, NULL };

static int
IsInf_check(struct op_ctx *c, struct ladder_err *err)
{
	struct ew_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->detect_negative = op_attr_int(c, "detect_negative", 1) != 0;
	p->detect_positive = op_attr_int(c, "detect_positive", 1) != 0;
	c->params = p;
	return 0;
}

static int
IsInf_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct ew_params *p = c->params;
	struct exec_value *x = c->in[0], *y = c->out[0];
	int64_t n = op_numel(x);

	switch (x->dtype) {
	EW_CASES_FLOAT(PRED_LOOP, x, y, n,
	    isinf(v) && ((v > 0 && p->detect_positive) || (v < 0 && p->detect_negative)))
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

const struct op_def op_IsInf = { "IsInf", "", 1, 1, 1, 1, IsInf_check, pred_infer,
	IsInf_run, NULL };

static int
Not_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *x = c->in[0], *y = c->out[0];
	int64_t n = op_numel(x);

	if (x->dtype != LADDER_DT_BOOL)
		return ew_bad_dtype(c, x, err);
	const uint8_t *px = x->data;
	uint8_t *py = y->data;

	for (int64_t i = 0; i < n; i++)
		py[i] = !px[i];
	return 0;
}

static int
Not_infer(struct op_ctx *c, struct ladder_err *err)
{
	return ew_infer_same_as(c, EW_T_BOOL, err);
}

const struct op_def op_Not = { "Not", "", 1, 1, 1, 1, ew_check_none, Not_infer, Not_run, NULL };

static int
BitwiseNot_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *x = c->in[0], *y = c->out[0];
	int64_t n = op_numel(x);

	switch (x->dtype) {
	EW_CASES_INT(EW_INT_UNARY_LOOP, x, y, n, ~(uint64_t)w)
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

static int
BitwiseNot_infer(struct op_ctx *c, struct ladder_err *err)
{
	return ew_infer_same_as(c, EW_T_INT, err);
}

const struct op_def op_BitwiseNot = { "BitwiseNot", "", 1, 1, 1, 1, ew_check_none,
	BitwiseNot_infer, BitwiseNot_run, NULL };
