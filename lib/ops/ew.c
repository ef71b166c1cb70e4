/* ew.c: broadcast iteration and shape inference for the element-wise operator families. */
#include <stdio.h>
#include <string.h>

#include "ops/ew.h"
#include "util/banned.h"

void
ew_iter_init(struct ew_iter *it, const struct exec_value *out, const struct exec_value *const *in,
    int n)
{
	int64_t strides[EW_MAX_IN][LADDER_MAX_RANK];
	int rank = out->rank;

	memset(it, 0, sizeof *it);
	it->n = n;
	for (int k = 0; k < n; k++)
		op_broadcast_strides(in[k], rank, out->dims, strides[k]);
	/* Drop size-1 axes, then merge an axis into the previous kept one where possible. */
	int r = 0;

	for (int d = 0; d < rank; d++) {
		if (out->dims[d] == 1)
			continue;
		if (r > 0) {
			bool merge = true;

			for (int k = 0; k < n; k++) {
				if (it->strides[k][r - 1] != strides[k][d] * out->dims[d])
					merge = false;
			}
			if (merge) {
				it->dims[r - 1] *= out->dims[d];
				for (int k = 0; k < n; k++)
					it->strides[k][r - 1] = strides[k][d];
				continue;
			}
		}
		it->dims[r] = out->dims[d];
		for (int k = 0; k < n; k++)
			it->strides[k][r] = strides[k][d];
		r++;
	}
	if (r == 0) {
		it->dims[0] = 1;
		for (int k = 0; k < n; k++)
			it->strides[k][0] = 0;
		r = 1;
	}
	it->rank = r;
	it->inner = it->dims[r - 1];
	it->outer = 1;
	for (int d = 0; d < r - 1; d++)
		it->outer *= it->dims[d];
	for (int d = 0; d < rank; d++) {
		if (out->dims[d] == 0)
			it->outer = 0;
	}
}

int
ew_infer_broadcast(struct op_ctx *c, int first, int n, enum ladder_dtype dt, struct ladder_err *err)
{
	const struct exec_value *v[16] = { 0 };
	int64_t dims[LADDER_MAX_RANK];
	int rank, m = 0;

	for (int k = first; k < first + n && m < 16; k++) {
		if (c->in[k] != NULL)
			v[m++] = c->in[k];
	}
	if (!op_broadcast_shape(v, m, &rank, dims)) {
		char buf[256];
		size_t len = 0;

		buf[0] = '\0';
		for (int k = 0; k < m && len < sizeof buf - 40; k++) {
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s[", k ? " and " : "");
			for (int d = 0; d < v[k]->rank && len < sizeof buf - 30; d++)
				len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld",
				    d ? "," : "", (long long)v[k]->dims[d]);
			len += (size_t)snprintf(buf + len, sizeof buf - len, "]");
		}
		return op_fail(c, err, LADDER_EINVAL, "cannot broadcast shapes %s", buf);
	}
	op_set_shape(c->out[0], dt, rank, dims);
	return 0;
}

bool
ew_is_float(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16;
}

bool
ew_is_signed_int(enum ladder_dtype dt)
{
	return dt == LADDER_DT_INT8 || dt == LADDER_DT_INT16 || dt == LADDER_DT_INT32 ||
	    dt == LADDER_DT_INT64;
}

bool
ew_is_int(enum ladder_dtype dt)
{
	return ew_is_signed_int(dt) || dt == LADDER_DT_UINT8 || dt == LADDER_DT_UINT16 ||
	    dt == LADDER_DT_UINT32 || dt == LADDER_DT_UINT64;
}

int
ew_check_none(struct op_ctx *c, struct ladder_err *err)
{
	return 0;
}

int
ew_infer_same(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

int
ew_infer_bool(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	op_set_shape(c->out[0], LADDER_DT_BOOL, x->rank, x->dims);
	return 0;
}

int
ew_bad_dtype(struct op_ctx *c, const struct exec_value *v, struct ladder_err *err)
{
	return op_fail(c, err, LADDER_EUNSUPPORTED, "input '%s' has unsupported dtype %s",
	    v->name ? v->name : "?", ladder_dtype_name(v->dtype));
}

bool
ew_dtype_in(enum ladder_dtype dt, int classes)
{
	return ((classes & EW_T_FLOAT) && ew_is_float(dt)) || ((classes & EW_T_INT) && ew_is_int(dt)) ||
	    ((classes & EW_T_BOOL) && dt == LADDER_DT_BOOL) ||
	    ((classes & EW_T_UINT) && ew_is_int(dt) && !ew_is_signed_int(dt));
}

int
ew_infer_same_as(struct op_ctx *c, int classes, struct ladder_err *err)
{
	if (!ew_dtype_in(c->in[0]->dtype, classes))
		return ew_bad_dtype(c, c->in[0], err);
	return ew_infer_same(c, err);
}

int
ew_infer_float(struct op_ctx *c, struct ladder_err *err)
{
	return ew_infer_same_as(c, EW_T_FLOAT, err);
}

int
ew_infer_num(struct op_ctx *c, struct ladder_err *err)
{
	return ew_infer_same_as(c, EW_T_FLOAT | EW_T_INT, err);
}
