/* op-data.c: plan-time inputs, dtype checks and the strided copy used by the data-movement ops. */
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

int
op_input_ints(const struct op_ctx *c, const struct exec_value *v, const char *what,
    int64_t *out, int max, int *count, struct ladder_err *err)
{
	int64_t n;

	if (v->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "input '%s' (%s) must be known before running (a constant or computed from constants)",
		    v->name ? v->name : "?", what);
	switch (v->dtype) {
	case LADDER_DT_INT64: case LADDER_DT_INT32: case LADDER_DT_INT16: case LADDER_DT_INT8:
	case LADDER_DT_UINT8: case LADDER_DT_UINT16: case LADDER_DT_UINT32: case LADDER_DT_UINT64:
		break;
	default:
		return op_fail(c, err, LADDER_EINVAL, "%s must be an integer tensor, not %s",
		    what, ladder_dtype_name(v->dtype));
	}
	if (v->rank > 1)
		return op_fail(c, err, LADDER_EINVAL, "%s must be 1-d, not %d-d", what, v->rank);
	n = op_numel(v);
	if (n < 0 || n > max)
		return op_fail(c, err, LADDER_EINVAL, "%s has %lld values (at most %d)", what,
		    (long long)n, max);
	for (int64_t i = 0; i < n; i++)
		out[i] = op_get_int(v, i);
	*count = (int)n;
	return 0;
}

int
op_input_floats(const struct op_ctx *c, const struct exec_value *v, const char *what,
    float *out, int max, int *count, struct ladder_err *err)
{
	int64_t n;

	if (v->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "input '%s' (%s) must be known before running (a constant or computed from constants)",
		    v->name ? v->name : "?", what);
	if (v->dtype != LADDER_DT_FLOAT && v->dtype != LADDER_DT_DOUBLE &&
	    v->dtype != LADDER_DT_FLOAT16 && v->dtype != LADDER_DT_BFLOAT16)
		return op_fail(c, err, LADDER_EINVAL, "%s must be a float tensor, not %s",
		    what, ladder_dtype_name(v->dtype));
	if (v->rank > 1)
		return op_fail(c, err, LADDER_EINVAL, "%s must be 1-d, not %d-d", what, v->rank);
	n = op_numel(v);
	if (n < 0 || n > max)
		return op_fail(c, err, LADDER_EINVAL, "%s has %lld values (at most %d)", what,
		    (long long)n, max);
	for (int64_t i = 0; i < n; i++)
		out[i] = (float)op_get_double(v, i);
	*count = (int)n;
	return 0;
}

int
op_need_sized(const struct op_ctx *c, const struct exec_value *v, struct ladder_err *err)
{
	if (v->dtype == LADDER_DT_STRING)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "string tensors are not supported");
	if (v->dtype <= LADDER_DT_UNDEFINED || v->dtype >= LADDER_DT_COUNT_ ||
	    ladder_dtype_size(v->dtype) == 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "dtype %d is not supported", (int)v->dtype);
	return 0;
}

int
op_check_size(const struct op_ctx *c, const struct exec_value *v, struct ladder_err *err)
{
	int64_t n = op_numel(v), bytes;
	size_t es = ladder_dtype_size(v->dtype);

	if (n < 0 || __builtin_mul_overflow(n, (int64_t)(es ? es : 1), &bytes) ||
	    bytes > ((int64_t)1 << 46))
		return op_fail(c, err, LADDER_EINVAL, "output '%s' would be too large",
		    v->name ? v->name : "?");
	return 0;
}

void
op_strides(int rank, const int64_t *dims, int64_t *strides)
{
	int64_t s = 1;

	for (int i = rank - 1; i >= 0; i--) {
		strides[i] = s;
		s *= dims[i];
	}
}

size_t
op_esize(const struct exec_value *v)
{
	return ladder_dtype_size(v->dtype);
}

static void
copy_run(char *dst, const char *src, int64_t n, int64_t stride, size_t es)
{
	if (stride == 1) {
		memcpy(dst, src, (size_t)n * es);
		return;
	}
	switch (es) {
	case 1:
		for (int64_t i = 0; i < n; i++)
			((uint8_t *)dst)[i] = ((const uint8_t *)src)[i * stride];
		break;
	case 2:
		for (int64_t i = 0; i < n; i++)
			((uint16_t *)dst)[i] = ((const uint16_t *)src)[i * stride];
		break;
	case 4:
		for (int64_t i = 0; i < n; i++)
			((uint32_t *)dst)[i] = ((const uint32_t *)src)[i * stride];
		break;
	case 8:
		for (int64_t i = 0; i < n; i++)
			((uint64_t *)dst)[i] = ((const uint64_t *)src)[i * stride];
		break;
	default:
		for (int64_t i = 0; i < n; i++)
			memcpy(dst + (size_t)i * es, src + i * stride * (int64_t)es, es);
		break;
	}
}

void
op_copy_strided(void *dst, const void *src, int rank, const int64_t *dims,
    const int64_t *strides, int64_t offset, size_t esize)
{
	int64_t d[OP_VIEW_MAX_RANK], s[OP_VIEW_MAX_RANK], idx[OP_VIEW_MAX_RANK];
	int r = 0;

	/* Drop size-1 axes and merge axes that are contiguous in the source. */
	for (int i = 0; i < rank; i++) {
		if (dims[i] == 0)
			return;
		if (dims[i] == 1)
			continue;
		if (r > 0 && s[r - 1] == strides[i] * dims[i]) {
			d[r - 1] *= dims[i];
			s[r - 1] = strides[i];
			continue;
		}
		d[r] = dims[i];
		s[r] = strides[i];
		r++;
	}
	const char *base = (const char *)src + offset * (int64_t)esize;
	char *out = dst;

	if (r == 0) {
		memcpy(out, base, esize);
		return;
	}
	int64_t inner = d[r - 1], inner_stride = s[r - 1];

	for (int i = 0; i < r - 1; i++)
		idx[i] = 0;
	for (;;) {
		int64_t off = 0;

		for (int i = 0; i < r - 1; i++)
			off += idx[i] * s[i];
		copy_run(out, base + off * (int64_t)esize, inner, inner_stride, esize);
		out += (size_t)inner * esize;
		int k = r - 2;

		while (k >= 0 && ++idx[k] == d[k])
			idx[k--] = 0;
		if (k < 0)
			break;
	}
}

void
op_copy_value(struct exec_value *out, const struct exec_value *in)
{
	int64_t numel = op_numel(in);
	size_t n = numel > 0 ? (size_t)numel * op_esize(in) : 0;

	if (out->data != in->data && n > 0)
		memcpy(out->data, in->data, n);
}
