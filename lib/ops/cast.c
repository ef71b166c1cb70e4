/*
 * cast.c: Cast and CastLike between every numeric dtype, bool, float16 and
 * bfloat16.  Strings are not supported (a clear error at plan time).
 * Floats to integers truncate toward zero; NaN becomes 0 and values beyond
 * int64 saturate before wrapping to the target width.  To bfloat16 the
 * float is truncated (the upper 16 bits), as the ONNX reference does.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/ew.h"
#include "ops/pgemm.h"
#include "util/banned.h"

struct cast_params {
	enum ladder_dtype to;
};

static bool
castable(enum ladder_dtype dt)
{
	return ew_is_float(dt) || ew_is_int(dt) || dt == LADDER_DT_BOOL;
}

static int
Cast_check(struct op_ctx *c, struct ladder_err *err)
{
	struct cast_params *p = ladder_arena_alloc(c->arena, sizeof *p);
	const struct ladder_attr *a = op_attr(c, "to");

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	if (a == NULL)
		return op_fail(c, err, LADDER_EINVAL, "attribute 'to' is missing");
	if (a->type == LADDER_ATTR_STRING) {
		/* Opset 1 spelled the type as a string ("FLOAT"). */
		static const struct {
			const char *name;
			enum ladder_dtype dt;
		} names[] = {
			{ "FLOAT", LADDER_DT_FLOAT }, { "UINT8", LADDER_DT_UINT8 },
			{ "INT8", LADDER_DT_INT8 }, { "UINT16", LADDER_DT_UINT16 },
			{ "INT16", LADDER_DT_INT16 }, { "INT32", LADDER_DT_INT32 },
			{ "INT64", LADDER_DT_INT64 }, { "BOOL", LADDER_DT_BOOL },
			{ "FLOAT16", LADDER_DT_FLOAT16 }, { "DOUBLE", LADDER_DT_DOUBLE },
			{ "UINT32", LADDER_DT_UINT32 }, { "UINT64", LADDER_DT_UINT64 },
		};
		const char *s = op_attr_string(c, "to", "");

		p->to = LADDER_DT_UNDEFINED;
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			if (strcmp(names[i].name, s) == 0)
				p->to = names[i].dt;
		}
	} else {
		int64_t to = op_attr_int(c, "to", 0);

		p->to = to > 0 && to < LADDER_DT_COUNT_ ? (enum ladder_dtype)to : LADDER_DT_UNDEFINED;
	}
	if (p->to == LADDER_DT_STRING)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "casts to string are not supported");
	if (!castable(p->to))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "cast to dtype %lld is not supported",
		    (long long)op_attr_int(c, "to", 0));
	c->params = p;
	return 0;
}

static int
cast_infer_to(struct op_ctx *c, enum ladder_dtype to, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	if (x->dtype == LADDER_DT_STRING)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "casts from string are not supported");
	if (to == LADDER_DT_STRING)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "casts to string are not supported");
	if (!castable(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (!castable(to))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "cast to %s is not supported",
		    ladder_dtype_name(to));
	op_set_shape(c->out[0], to, x->rank, x->dims);
	return 0;
}

static int
Cast_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct cast_params *p = c->params;

	return cast_infer_to(c, p->to, err);
}

static int64_t
double_to_int64(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

static void
store_int(struct exec_value *y, int64_t i, int64_t w)
{
	void *q = y->data;

	switch (y->dtype) {
	case LADDER_DT_INT8: ((int8_t *)q)[i] = (int8_t)w; break;
	case LADDER_DT_INT16: ((int16_t *)q)[i] = (int16_t)w; break;
	case LADDER_DT_INT32: ((int32_t *)q)[i] = (int32_t)w; break;
	case LADDER_DT_INT64: ((int64_t *)q)[i] = w; break;
	case LADDER_DT_UINT8: ((uint8_t *)q)[i] = (uint8_t)w; break;
	case LADDER_DT_UINT16: ((uint16_t *)q)[i] = (uint16_t)w; break;
	case LADDER_DT_UINT32: ((uint32_t *)q)[i] = (uint32_t)w; break;
	case LADDER_DT_UINT64: ((uint64_t *)q)[i] = (uint64_t)w; break;
	case LADDER_DT_BOOL: ((uint8_t *)q)[i] = w != 0; break;
	default: break;
	}
}

static int
cast_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	int64_t n = op_numel(x);

	if (x->dtype == y->dtype) {
		if (n > 0)
			memcpy(y->data, x->data, (size_t)n * ladder_dtype_size(x->dtype));
		return 0;
	}
	if (x->dtype == LADDER_DT_FLOAT && y->dtype == LADDER_DT_FLOAT16) {
		pg_f2h(x->data, y->data, n);
		return 0;
	}
	if (x->dtype == LADDER_DT_FLOAT16 && y->dtype == LADDER_DT_FLOAT) {
		pg_h2f(x->data, y->data, n);
		return 0;
	}
	if (y->dtype == LADDER_DT_BFLOAT16) {
		uint16_t *py = y->data;

		for (int64_t i = 0; i < n; i++) {
			float f = (float)op_get_double(x, i);
			uint32_t bits;

			memcpy(&bits, &f, sizeof bits);
			py[i] = (uint16_t)(bits >> 16);
		}
		return 0;
	}
	if (ew_is_float(y->dtype)) {
		for (int64_t i = 0; i < n; i++)
			op_set_double(y, i, op_get_double(x, i));
		return 0;
	}
	if (y->dtype == LADDER_DT_BOOL) {
		uint8_t *py = y->data;

		for (int64_t i = 0; i < n; i++)
			py[i] = op_get_double(x, i) != 0;
		return 0;
	}
	if (ew_is_float(x->dtype)) {
		for (int64_t i = 0; i < n; i++)
			store_int(y, i, double_to_int64(op_get_double(x, i)));
		return 0;
	}
	if (ew_is_int(x->dtype) || x->dtype == LADDER_DT_BOOL) {
		for (int64_t i = 0; i < n; i++)
			store_int(y, i, op_get_int(x, i));
		return 0;
	}
	return ew_bad_dtype(c, x, err);
}

const struct op_def op_Cast = { "Cast", "", 1, 1, 1, 1, Cast_check, Cast_infer, cast_run, NULL };

static int
CastLike_infer(struct op_ctx *c, struct ladder_err *err)
{
	return cast_infer_to(c, c->in[1]->dtype, err);
}

const struct op_def op_CastLike = { "CastLike", "", 2, 2, 1, 1, ew_check_none, CastLike_infer,
	cast_run, NULL };
