/*
 * activation.c: element-wise activations (Relu ... Mish) and Clip.  PRelu,
 * which broadcasts its slope, lives with the binary ops.
 */
#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <tgmath.h>

#include "ops/ew.h"
#include "util/banned.h"

static int
params_new(struct op_ctx *c, const char *name_a, float def_a, const char *name_b, float def_b,
    struct ladder_err *err)
{
	struct ew_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->alpha = name_a ? op_attr_float(c, name_a, def_a) : def_a;
	p->beta = name_b ? op_attr_float(c, name_b, def_b) : def_b;
	c->params = p;
	return 0;
}

#define CHECK_FN(SYM, NA, DA, NB, DB)                                                   \
	static int SYM##_check(struct op_ctx *c, struct ladder_err *err)                \
	{                                                                               \
		return params_new(c, NA, DA, NB, DB, err);                              \
	}

CHECK_FN(LeakyRelu, "alpha", 0.01f, NULL, 0)
CHECK_FN(Elu, "alpha", 1.0f, NULL, 0)
CHECK_FN(Selu, "alpha", 1.67326319217681884765625f, "gamma", 1.05070102214813232421875f)
CHECK_FN(Celu, "alpha", 1.0f, NULL, 0)
CHECK_FN(HardSigmoid, "alpha", 0.2f, "beta", 0.5f)
CHECK_FN(ThresholdedRelu, "alpha", 1.0f, NULL, 0)
CHECK_FN(Shrink, "lambd", 0.5f, "bias", 0.0f)

#define I_RELU(w) (uns ? (w) : (w) > 0 ? (w) : 0)

EW_NUM_OP(Relu, "Relu", ew_check_none, v > 0 ? v : 0, I_RELU(w));
EW_FLOAT_OP(LeakyRelu, "LeakyRelu", LeakyRelu_check, v >= 0 ? v : p->alpha * v);
EW_FLOAT_OP(Elu, "Elu", Elu_check, v >= 0 ? v : p->alpha * expm1(v));
EW_FLOAT_OP(Selu, "Selu", Selu_check, v > 0 ? p->beta * v : p->beta * p->alpha * expm1(v));
EW_FLOAT_OP(Celu, "Celu", Celu_check, v > 0 ? v : p->alpha * expm1(v / p->alpha));
EW_FLOAT_OP(Sigmoid, "Sigmoid", ew_check_none,
    v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v)));
EW_FLOAT_OP(HardSigmoid, "HardSigmoid", HardSigmoid_check,
    fmax(0.0f, fmin(1.0f, p->alpha * v + p->beta)));
EW_FLOAT_OP(HardSwish, "HardSwish", ew_check_none,
    v * fmax(0.0f, fmin(1.0f, v * (1.0f / 6) + 0.5f)));
/* log(1 + e^v) without overflow for large v. */
EW_FLOAT_OP(Softplus, "Softplus", ew_check_none,
    v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)));
EW_FLOAT_OP(Softsign, "Softsign", ew_check_none, v / (1 + fabs(v)));
EW_FLOAT_OP(Tanh, "Tanh", ew_check_none, tanh(v));
EW_FLOAT_OP(ThresholdedRelu, "ThresholdedRelu", ThresholdedRelu_check,
    v > p->alpha ? v : 0);
EW_FLOAT_OP(Shrink, "Shrink", Shrink_check,
    v < -p->alpha ? v + p->beta : v > p->alpha ? v - p->beta : 0);
EW_FLOAT_OP(Mish, "Mish", ew_check_none,
    v * tanh(v > 0 ? v + log1p(exp(-v)) : log1p(exp(v))));

static int
Gelu_check(struct op_ctx *c, struct ladder_err *err)
{
	const char *mode = op_attr_string(c, "approximate", "none");

	if (params_new(c, NULL, 0, NULL, 0, err) != 0)
		return err->code;
	if (strcmp(mode, "tanh") == 0)
		((struct ew_params *)c->params)->mode = 1;
	else if (strcmp(mode, "none") != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "approximate '%s' is not supported",
		    mode);
	return 0;
}

EW_FLOAT_OP(Gelu, "Gelu", Gelu_check,
    p->mode ? 0.5f * v * (1 + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)))
	    : 0.5f * v * (1 + erf(v * 0.70710678118654752f)));

/*
 * Clip: bounds are attributes before opset 11 and optional scalar inputs
 * from 11 on (absent bound: no limit).
 */
struct clip_params {
	float min, max;
};

static int
Clip_check(struct op_ctx *c, struct ladder_err *err)
{
	struct clip_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->min = op_attr_float(c, "min", -FLT_MAX);
	p->max = op_attr_float(c, "max", FLT_MAX);
	c->params = p;
	return 0;
}

static int
Clip_infer(struct op_ctx *c, struct ladder_err *err)
{
	for (size_t k = 1; k < c->n_in && k < 3; k++) {
		const struct exec_value *b = c->in[k];

		if (b == NULL)
			continue;
		if (op_numel(b) != 1)
			return op_fail(c, err, LADDER_EINVAL, "%s must be a scalar, has %lld elements",
			    k == 1 ? "min" : "max", (long long)op_numel(b));
		if (b->dtype != c->in[0]->dtype)
			return op_fail(c, err, LADDER_EINVAL, "%s is %s, input is %s",
			    k == 1 ? "min" : "max", ladder_dtype_name(b->dtype),
			    ladder_dtype_name(c->in[0]->dtype));
	}
	return ew_infer_num(c, err);
}

#define CLIP_FLOAT(S, C, LD, ST, x, y, n, lo_, hi_)                                      \
	do {                                                                            \
		C lo = (C)(lo_), hi = (C)(hi_);                                         \
		const S *px_ = (const S *)(x)->data;                                    \
		S *py_ = (S *)(y)->data;                                                \
		for (int64_t i_ = 0; i_ < (n); i_++) {                                  \
			C v = LD(px_[i_]);                                              \
			v = v < lo ? lo : v;                                            \
			py_[i_] = ST(v > hi ? hi : v);                                  \
		}                                                                       \
	} while (0)

#define CLIP_INT(S, C, LD, ST, x, y, n, lo_, hi_)                                        \
	do {                                                                            \
		const S *px_ = (const S *)(x)->data;                                    \
		S *py_ = (S *)(y)->data;                                                \
		S lo = c->in[1] ? *(const S *)c->in[1]->data : (S)lo_;                   \
		S hi = c->in[2] ? *(const S *)c->in[2]->data : (S)hi_;                   \
		for (int64_t i_ = 0; i_ < (n); i_++) {                                  \
			S v = px_[i_];                                                  \
			v = v < lo ? lo : v;                                            \
			py_[i_] = v > hi ? hi : v;                                      \
		}                                                                       \
	} while (0)

static int
Clip_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct clip_params *p = c->params;
	struct exec_value *x = c->in[0], *y = c->out[0];
	int64_t n = op_numel(x);
	double lo_bound = p->min, hi_bound = p->max;
	const struct exec_value *vlo = c->n_in > 1 ? c->in[1] : NULL;
	const struct exec_value *vhi = c->n_in > 2 ? c->in[2] : NULL;

	if (vlo != NULL || vhi != NULL || c->opset >= 11) {
		lo_bound = vlo ? op_get_double(vlo, 0) : -INFINITY;
		hi_bound = vhi ? op_get_double(vhi, 0) : INFINITY;
	}
	switch (x->dtype) {
	EW_CASES_FLOAT(CLIP_FLOAT, x, y, n, lo_bound, hi_bound)
	case LADDER_DT_INT8: CLIP_INT(int8_t, , , , x, y, n, INT8_MIN, INT8_MAX); break;
	case LADDER_DT_INT16: CLIP_INT(int16_t, , , , x, y, n, INT16_MIN, INT16_MAX); break;
	case LADDER_DT_INT32: CLIP_INT(int32_t, , , , x, y, n, INT32_MIN, INT32_MAX); break;
	case LADDER_DT_INT64: CLIP_INT(int64_t, , , , x, y, n, INT64_MIN, INT64_MAX); break;
	case LADDER_DT_UINT8: CLIP_INT(uint8_t, , , , x, y, n, 0, UINT8_MAX); break;
	case LADDER_DT_UINT16: CLIP_INT(uint16_t, , , , x, y, n, 0, UINT16_MAX); break;
	case LADDER_DT_UINT32: CLIP_INT(uint32_t, , , , x, y, n, 0, UINT32_MAX); break;
	case LADDER_DT_UINT64: CLIP_INT(uint64_t, , , , x, y, n, 0, UINT64_MAX); break;
	default:
		return ew_bad_dtype(c, x, err);
	}
	return 0;
}

const struct op_def op_Clip = { "Clip", "", 1, 3, 1, 1, Clip_check, Clip_infer, Clip_run, NULL };
