/* op-util.c: attribute access, shape and broadcast helpers, dtype conversion for kernels. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

int
op_fail(const struct op_ctx *c, struct ladder_err *err, int code, const char *fmt, ...)
{
	char msg[LADDER_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ladder_errf(err, code, "node '%s' (%s): %s",
	    c->node->name && c->node->name[0] ? c->node->name : "?", c->node->op_type, msg);
}

const struct ladder_attr *
op_attr(const struct op_ctx *c, const char *name)
{
	return ladder_node_attr(c->node, name);
}

int64_t
op_attr_int(const struct op_ctx *c, const char *name, int64_t def)
{
	const struct ladder_attr *a = op_attr(c, name);

	return a && a->type == LADDER_ATTR_INT ? a->i : def;
}

float
op_attr_float(const struct op_ctx *c, const char *name, float def)
{
	const struct ladder_attr *a = op_attr(c, name);

	if (a && a->type == LADDER_ATTR_FLOAT)
		return a->f;
	if (a && a->type == LADDER_ATTR_INT)
		return (float)a->i;
	return def;
}

const char *
op_attr_string(const struct op_ctx *c, const char *name, const char *def)
{
	const struct ladder_attr *a = op_attr(c, name);

	/* Attribute strings are NUL-terminated by the loader and the builder. */
	return a && a->type == LADDER_ATTR_STRING && a->s.data ? (const char *)a->s.data : def;
}

int
op_attr_ints(const struct op_ctx *c, const char *name, int64_t *out, int max)
{
	const struct ladder_attr *a = op_attr(c, name);

	if (a == NULL || a->type != LADDER_ATTR_INTS)
		return 0;
	if (a->n > (size_t)max)
		return -1;
	if (a->n > 0)
		memcpy(out, a->ints, a->n * sizeof *out);
	return (int)a->n;
}

int64_t
op_numel(const struct exec_value *v)
{
	int64_t n = 1;

	for (int i = 0; i < v->rank; i++) {
		if (v->dims[i] < 0 || __builtin_mul_overflow(n, v->dims[i], &n))
			return -1;
	}
	return n;
}

void
op_set_shape(struct exec_value *v, enum ladder_dtype dt, int rank, const int64_t *dims)
{
	v->dtype = dt;
	v->rank = rank;
	for (int i = 0; i < rank; i++)
		v->dims[i] = dims[i];
}

bool
op_same_shape(const struct exec_value *a, const struct exec_value *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++) {
		if (a->dims[i] != b->dims[i])
			return false;
	}
	return true;
}

bool
op_axis(int64_t axis, int rank, int *out)
{
	if (axis < 0)
		axis += rank;
	if (axis < 0 || axis >= rank)
		return false;
	*out = (int)axis;
	return true;
}

bool
op_broadcast_shape(const struct exec_value *const *v, int n, int *rank, int64_t *dims)
{
	int r = 0;

	for (int k = 0; k < n; k++) {
		if (v[k] != NULL && v[k]->rank > r)
			r = v[k]->rank;
	}
	for (int i = 0; i < r; i++)
		dims[i] = 1;
	for (int k = 0; k < n; k++) {
		if (v[k] == NULL)
			continue;
		int off = r - v[k]->rank;

		for (int i = 0; i < v[k]->rank; i++) {
			int64_t d = v[k]->dims[i];

			if (d == dims[off + i] || d == 1)
				continue;
			if (dims[off + i] != 1)
				return false;
			dims[off + i] = d;
		}
	}
	*rank = r;
	return true;
}

void
op_broadcast_strides(const struct exec_value *v, int rank, const int64_t *dims, int64_t *strides)
{
	int off = rank - v->rank;
	int64_t s = 1;

	for (int i = rank - 1; i >= 0; i--) {
		if (i < off || v->dims[i - off] == 1) {
			strides[i] = 0;
		} else {
			strides[i] = s;
			s *= v->dims[i - off];
		}
		(void)dims;
	}
}

int64_t
op_get_int(const struct exec_value *v, int64_t i)
{
	const void *p = v->data;

	switch (v->dtype) {
	case LADDER_DT_INT64: return ((const int64_t *)p)[i];
	case LADDER_DT_INT32: return ((const int32_t *)p)[i];
	case LADDER_DT_INT16: return ((const int16_t *)p)[i];
	case LADDER_DT_INT8: return ((const int8_t *)p)[i];
	case LADDER_DT_UINT8: return ((const uint8_t *)p)[i];
	case LADDER_DT_UINT16: return ((const uint16_t *)p)[i];
	case LADDER_DT_UINT32: return ((const uint32_t *)p)[i];
	case LADDER_DT_UINT64: return (int64_t)((const uint64_t *)p)[i];
	case LADDER_DT_BOOL: return ((const uint8_t *)p)[i] != 0;
	default: return (int64_t)op_get_double(v, i);
	}
}

double
op_get_double(const struct exec_value *v, int64_t i)
{
	const void *p = v->data;

	switch (v->dtype) {
	case LADDER_DT_FLOAT: return ((const float *)p)[i];
	case LADDER_DT_DOUBLE: return ((const double *)p)[i];
	case LADDER_DT_FLOAT16: return op_half_to_float(((const uint16_t *)p)[i]);
	case LADDER_DT_BFLOAT16: return op_bf16_to_float(((const uint16_t *)p)[i]);
	case LADDER_DT_INT64: return (double)((const int64_t *)p)[i];
	case LADDER_DT_INT32: return ((const int32_t *)p)[i];
	case LADDER_DT_INT16: return ((const int16_t *)p)[i];
	case LADDER_DT_INT8: return ((const int8_t *)p)[i];
	case LADDER_DT_UINT8: return ((const uint8_t *)p)[i];
	case LADDER_DT_UINT16: return ((const uint16_t *)p)[i];
	case LADDER_DT_UINT32: return ((const uint32_t *)p)[i];
	case LADDER_DT_UINT64: return (double)((const uint64_t *)p)[i];
	case LADDER_DT_BOOL: return ((const uint8_t *)p)[i] != 0;
	default: return 0;
	}
}

void
op_set_double(struct exec_value *v, int64_t i, double x)
{
	void *p = v->data;

	switch (v->dtype) {
	case LADDER_DT_FLOAT: ((float *)p)[i] = (float)x; break;
	case LADDER_DT_DOUBLE: ((double *)p)[i] = x; break;
	case LADDER_DT_FLOAT16: ((uint16_t *)p)[i] = op_float_to_half((float)x); break;
	case LADDER_DT_BFLOAT16: ((uint16_t *)p)[i] = op_float_to_bf16((float)x); break;
	case LADDER_DT_INT64: ((int64_t *)p)[i] = (int64_t)x; break;
	case LADDER_DT_INT32: ((int32_t *)p)[i] = (int32_t)x; break;
	case LADDER_DT_INT16: ((int16_t *)p)[i] = (int16_t)x; break;
	case LADDER_DT_INT8: ((int8_t *)p)[i] = (int8_t)x; break;
	case LADDER_DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)x; break;
	case LADDER_DT_UINT16: ((uint16_t *)p)[i] = (uint16_t)x; break;
	case LADDER_DT_UINT32: ((uint32_t *)p)[i] = (uint32_t)x; break;
	case LADDER_DT_UINT64: ((uint64_t *)p)[i] = (uint64_t)x; break;
	case LADDER_DT_BOOL: ((uint8_t *)p)[i] = x != 0; break;
	default: break;
	}
}

float
op_half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	float f;

	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else {
			/* Subnormal: normalise. */
			exp = 127 - 15 + 1;
			while ((man & 0x400) == 0) {
				man <<= 1;
				exp--;
			}
			man &= 0x3ff;
			bits = sign | (exp << 23) | (man << 13);
		}
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | (man << 13);
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t
op_float_to_half(float f)
{
	uint32_t x, sign, man;
	int32_t exp;

	memcpy(&x, &f, sizeof x);
	sign = (x >> 16) & 0x8000;
	exp = (int32_t)((x >> 23) & 0xff);
	man = x & 0x7fffff;
	if (exp == 255)
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	exp = exp - 127 + 15;
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {
		if (exp < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		uint32_t shift = (uint32_t)(14 - exp);
		uint32_t half = man >> shift;
		uint32_t rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);

		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t half = sign | ((uint32_t)exp << 10) | (man >> 13);
	uint32_t rem = man & 0x1fff;

	if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
		half++;	/* may carry into the exponent, which is correct */
	return (uint16_t)half;
}

float
op_bf16_to_float(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, sizeof f);
	return f;
}

uint16_t
op_float_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, sizeof x);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}
