/*
 * gather.c: indexing operators: Gather, GatherElements, GatherND, Scatter,
 * ScatterElements, ScatterND, OneHot.  Indices are checked at run time;
 * an index out of range fails the run with a message, never a wild read.
 */
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

static int
need_index_dtype(const struct op_ctx *c, const struct exec_value *v, struct ladder_err *err)
{
	if (v->dtype != LADDER_DT_INT64 && v->dtype != LADDER_DT_INT32)
		return op_fail(c, err, LADDER_EINVAL, "indices must be int32 or int64, not %s",
		    ladder_dtype_name(v->dtype));
	return 0;
}

/* Normalises index i (negative counts from the end) into [0, dim). */
static int
fix_index(const struct op_ctx *c, int64_t *i, int64_t dim, struct ladder_err *err)
{
	int64_t v = *i;

	if (v < 0)
		v += dim;
	if (v < 0 || v >= dim)
		return op_fail(c, err, LADDER_EINVAL, "index %lld is out of range for size %lld",
		    (long long)*i, (long long)dim);
	*i = v;
	return 0;
}

/* Gather */

static int
gather_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	int64_t dims[LADDER_MAX_RANK];
	int axis, r = 0, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = need_index_dtype(c, ind, err)) != 0)
		return rc;
	if (!op_axis(op_attr_int(c, "axis", 0), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)op_attr_int(c, "axis", 0), x->rank);
	if (x->rank - 1 + ind->rank > LADDER_MAX_RANK)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "output rank is above %d", LADDER_MAX_RANK);
	for (int i = 0; i < axis; i++)
		dims[r++] = x->dims[i];
	for (int i = 0; i < ind->rank; i++)
		dims[r++] = ind->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		dims[r++] = x->dims[i];
	op_set_shape(c->out[0], x->dtype, r, dims);
	return 0;
}

static int
gather_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	int64_t outer = 1, inner = 1, n = op_numel(ind);
	size_t es = op_esize(x);
	int axis, rc;

	op_axis(op_attr_int(c, "axis", 0), x->rank, &axis);
	for (int i = 0; i < axis; i++)
		outer *= x->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		inner *= x->dims[i];
	int64_t dim = x->dims[axis];
	size_t chunk = (size_t)inner * es;
	char *out = c->out[0]->data;

	for (int64_t o = 0; o < outer; o++) {
		for (int64_t j = 0; j < n; j++) {
			int64_t k = op_get_int(ind, j);

			if ((rc = fix_index(c, &k, dim, err)) != 0)
				return rc;
			memcpy(out, (const char *)x->data + (size_t)((o * dim + k) * inner) * es, chunk);
			out += chunk;
		}
	}
	return 0;
}

const struct op_def op_Gather = {
	.name = "Gather", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = gather_infer, .run = gather_run,
};

/* GatherElements */

static int
gather_el_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	int axis, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = need_index_dtype(c, ind, err)) != 0)
		return rc;
	if (!op_axis(op_attr_int(c, "axis", 0), x->rank, &axis) || ind->rank != x->rank)
		return op_fail(c, err, LADDER_EINVAL, "bad axis or indices rank");
	op_set_shape(c->out[0], x->dtype, ind->rank, ind->dims);
	return 0;
}

/*
 * Walks the elements of `ind` (same rank as data): calls back with the
 * element number and the data offset with the index substituted at axis.
 */
static int
walk_elements(const struct op_ctx *c, const struct exec_value *x, const struct exec_value *ind,
    int axis, int (*fn)(void *ctx, int64_t j, int64_t off), void *ctx, struct ladder_err *err)
{
	int64_t idx[LADDER_MAX_RANK] = { 0 }, strides[LADDER_MAX_RANK], n = op_numel(ind);
	int rc;

	op_strides(x->rank, x->dims, strides);
	for (int64_t j = 0; j < n; j++) {
		int64_t off = 0, k = op_get_int(ind, j);

		if ((rc = fix_index(c, &k, x->dims[axis], err)) != 0)
			return rc;
		for (int d = 0; d < x->rank; d++)
			off += (d == axis ? k : idx[d]) * strides[d];
		if ((rc = fn(ctx, j, off)) != 0)
			return rc;
		for (int d = ind->rank - 1; d >= 0; d--) {
			if (++idx[d] < ind->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

struct elem_copy {
	char *dst;
	const char *src;
	size_t es;
};

static int
gather_el_one(void *ctx, int64_t j, int64_t off)
{
	struct elem_copy *e = ctx;

	memcpy(e->dst + (size_t)j * e->es, e->src + (size_t)off * e->es, e->es);
	return 0;
}

static int
gather_el_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct elem_copy e = { c->out[0]->data, x->data, op_esize(x) };
	int axis;

	op_axis(op_attr_int(c, "axis", 0), x->rank, &axis);
	for (int d = 0; d < x->rank; d++) {
		if (d != axis && c->in[1]->dims[d] > x->dims[d])
			return op_fail(c, err, LADDER_EINVAL, "indices are larger than the data");
	}
	return walk_elements(c, x, c->in[1], axis, gather_el_one, &e, err);
}

const struct op_def op_GatherElements = {
	.name = "GatherElements", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = gather_el_infer, .run = gather_el_run,
};

/* GatherND */

static int
gather_nd_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	int64_t b = op_attr_int(c, "batch_dims", 0), dims[LADDER_MAX_RANK], k;
	int r = 0, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = need_index_dtype(c, ind, err)) != 0)
		return rc;
	if (ind->rank < 1 || b < 0 || b >= ind->rank || b >= x->rank)
		return op_fail(c, err, LADDER_EINVAL, "bad batch_dims or indices rank");
	k = ind->dims[ind->rank - 1];
	if (k < 1 || b + k > x->rank)
		return op_fail(c, err, LADDER_EINVAL, "indices' last dimension %lld is too large",
		    (long long)k);
	for (int i = 0; i < b; i++) {
		if (x->dims[i] != ind->dims[i])
			return op_fail(c, err, LADDER_EINVAL, "batch dimensions differ");
	}
	for (int i = 0; i < ind->rank - 1; i++)
		dims[r++] = ind->dims[i];
	for (int64_t i = b + k; i < x->rank; i++)
		dims[r++] = x->dims[i];
	op_set_shape(c->out[0], x->dtype, r, dims);
	return 0;
}

static int
gather_nd_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	int64_t b = op_attr_int(c, "batch_dims", 0), k = ind->dims[ind->rank - 1];
	int64_t strides[LADDER_MAX_RANK], batches = 1, per_batch = 1, inner = 1;
	size_t es = op_esize(x);
	char *out = c->out[0]->data;
	int rc;

	op_strides(x->rank, x->dims, strides);
	for (int i = 0; i < b; i++)
		batches *= x->dims[i];
	for (int i = (int)b; i < ind->rank - 1; i++)
		per_batch *= ind->dims[i];
	for (int64_t i = b + k; i < x->rank; i++)
		inner *= x->dims[i];
	int64_t batch_stride = b > 0 ? strides[b - 1] : 0;

	for (int64_t bi = 0; bi < batches; bi++) {
		for (int64_t j = 0; j < per_batch; j++) {
			int64_t off = bi * batch_stride, base = (bi * per_batch + j) * k;

			for (int64_t d = 0; d < k; d++) {
				int64_t v = op_get_int(ind, base + d);

				if ((rc = fix_index(c, &v, x->dims[b + d], err)) != 0)
					return rc;
				off += v * strides[b + d];
			}
			memcpy(out, (const char *)x->data + (size_t)off * es, (size_t)inner * es);
			out += (size_t)inner * es;
		}
	}
	return 0;
}

const struct op_def op_GatherND = {
	.name = "GatherND", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = gather_nd_infer, .run = gather_nd_run,
};

/* Scatter, ScatterElements, ScatterND */

enum reduction { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN };

static int
reduction(const struct op_ctx *c, enum reduction *r, struct ladder_err *err)
{
	const char *s = op_attr_string(c, "reduction", "none");

	if (strcmp(s, "none") == 0)
		*r = RED_NONE;
	else if (strcmp(s, "add") == 0)
		*r = RED_ADD;
	else if (strcmp(s, "mul") == 0)
		*r = RED_MUL;
	else if (strcmp(s, "max") == 0)
		*r = RED_MAX;
	else if (strcmp(s, "min") == 0)
		*r = RED_MIN;
	else
		return op_fail(c, err, LADDER_EUNSUPPORTED, "reduction '%s' is not supported", s);
	return 0;
}

static int
scatter_check(struct op_ctx *c, struct ladder_err *err)
{
	enum reduction r;

	return reduction(c, &r, err);
}

/* out[off] (op)= upd[j] */
static void
reduce_into(struct exec_value *out, int64_t off, const struct exec_value *upd, int64_t j,
    enum reduction r)
{
	size_t es = op_esize(out);

	if (r == RED_NONE) {
		memcpy((char *)out->data + (size_t)off * es, (const char *)upd->data + (size_t)j * es, es);
		return;
	}
	if (out->dtype == LADDER_DT_INT64) {
		int64_t *o = (int64_t *)out->data + off, u = ((const int64_t *)upd->data)[j];

		switch (r) {
		case RED_ADD: *o += u; break;
		case RED_MUL: *o *= u; break;
		case RED_MAX: *o = *o > u ? *o : u; break;
		default: *o = *o < u ? *o : u; break;
		}
		return;
	}
	double a = op_get_double(out, off), b = op_get_double(upd, j);

	switch (r) {
	case RED_ADD: a += b; break;
	case RED_MUL: a *= b; break;
	case RED_MAX: a = a > b ? a : b; break;
	default: a = a < b ? a : b; break;
	}
	op_set_double(out, off, a);
}

static int
scatter_el_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1], *upd = c->in[2];
	int axis, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = need_index_dtype(c, ind, err)) != 0)
		return rc;
	if (!op_axis(op_attr_int(c, "axis", 0), x->rank, &axis) || ind->rank != x->rank ||
	    !op_same_shape(ind, upd) || upd->dtype != x->dtype)
		return op_fail(c, err, LADDER_EINVAL, "bad axis, indices or updates");
	for (int d = 0; d < x->rank; d++) {
		if (d != axis && ind->dims[d] > x->dims[d])
			return op_fail(c, err, LADDER_EINVAL, "indices are larger than the data");
	}
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

struct scatter_ctx {
	struct exec_value *out;
	const struct exec_value *upd;
	enum reduction r;
};

static int
scatter_el_one(void *ctx, int64_t j, int64_t off)
{
	struct scatter_ctx *s = ctx;

	reduce_into(s->out, off, s->upd, j, s->r);
	return 0;
}

static int
scatter_el_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct scatter_ctx s = { c->out[0], c->in[2], RED_NONE };
	int axis, rc;

	if ((rc = reduction(c, &s.r, err)) != 0)
		return rc;
	op_axis(op_attr_int(c, "axis", 0), x->rank, &axis);
	op_copy_value(c->out[0], x);
	return walk_elements(c, x, c->in[1], axis, scatter_el_one, &s, err);
}

const struct op_def op_ScatterElements = {
	.name = "ScatterElements", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.check = scatter_check, .infer = scatter_el_infer, .run = scatter_el_run,
};

const struct op_def op_Scatter = {
	.name = "Scatter", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.check = scatter_check, .infer = scatter_el_infer, .run = scatter_el_run,
};

static int
scatter_nd_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1], *upd = c->in[2];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = need_index_dtype(c, ind, err)) != 0)
		return rc;
	if (ind->rank < 1 || upd->dtype != x->dtype)
		return op_fail(c, err, LADDER_EINVAL, "bad indices or updates");
	int64_t k = ind->dims[ind->rank - 1];

	if (k < 1 || k > x->rank || upd->rank != ind->rank - 1 + x->rank - k)
		return op_fail(c, err, LADDER_EINVAL, "updates have the wrong rank");
	for (int i = 0; i < ind->rank - 1; i++) {
		if (upd->dims[i] != ind->dims[i])
			return op_fail(c, err, LADDER_EINVAL, "updates have the wrong shape");
	}
	for (int64_t i = k; i < x->rank; i++) {
		if (upd->dims[ind->rank - 1 + i - k] != x->dims[i])
			return op_fail(c, err, LADDER_EINVAL, "updates have the wrong shape");
	}
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
scatter_nd_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1], *upd = c->in[2];
	int64_t k = ind->dims[ind->rank - 1], strides[LADDER_MAX_RANK], n = 1, inner = 1;
	enum reduction r;
	int rc;

	if ((rc = reduction(c, &r, err)) != 0)
		return rc;
	op_copy_value(c->out[0], x);
	op_strides(x->rank, x->dims, strides);
	for (int i = 0; i < ind->rank - 1; i++)
		n *= ind->dims[i];
	for (int64_t i = k; i < x->rank; i++)
		inner *= x->dims[i];
	for (int64_t j = 0; j < n; j++) {
		int64_t off = 0;

		for (int64_t d = 0; d < k; d++) {
			int64_t v = op_get_int(ind, j * k + d);

			if ((rc = fix_index(c, &v, x->dims[d], err)) != 0)
				return rc;
			off += v * strides[d];
		}
		for (int64_t e = 0; e < inner; e++)
			reduce_into(c->out[0], off + e, upd, j * inner + e, r);
	}
	return 0;
}

const struct op_def op_ScatterND = {
	.name = "ScatterND", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.check = scatter_check, .infer = scatter_nd_infer, .run = scatter_nd_run,
};

/* OneHot */

static int
onehot_depth(const struct op_ctx *c, int64_t *depth, struct ladder_err *err)
{
	const struct exec_value *d = c->in[1];

	if (d->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "depth must be known before running");
	if (op_numel(d) != 1)
		return op_fail(c, err, LADDER_EINVAL, "depth must have one element");
	double v = op_get_double(d, 0);

	if (!(v >= 1 && v <= (double)((int64_t)1 << 32)))
		return op_fail(c, err, LADDER_EINVAL, "depth %g is out of range", v);
	*depth = (int64_t)v;
	return 0;
}

static int
onehot_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *ind = c->in[0], *vals = c->in[2];
	int64_t depth = 0, dims[LADDER_MAX_RANK];
	int axis, r = ind->rank + 1, rc;

	if ((rc = onehot_depth(c, &depth, err)) != 0 || (rc = op_need_sized(c, vals, err)) != 0)
		return rc;
	if (op_numel(vals) != 2)
		return op_fail(c, err, LADDER_EINVAL, "values must have two elements");
	if (r > LADDER_MAX_RANK || !op_axis(op_attr_int(c, "axis", -1), r, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis is out of range");
	for (int i = 0, k = 0; i < r; i++)
		dims[i] = i == axis ? depth : ind->dims[k++];
	op_set_shape(c->out[0], vals->dtype, r, dims);
	return op_check_size(c, c->out[0], err);
}

static int
onehot_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *ind = c->in[0], *vals = c->in[2];
	struct exec_value *o = c->out[0];
	int64_t depth = o->dims[0], outer = 1, inner = 1, n = op_numel(o);
	size_t es = op_esize(o);
	int axis;

	op_axis(op_attr_int(c, "axis", -1), o->rank, &axis);
	depth = o->dims[axis];
	for (int i = 0; i < axis; i++)
		outer *= o->dims[i];
	for (int i = axis + 1; i < o->rank; i++)
		inner *= o->dims[i];
	for (int64_t i = 0; i < n; i++)
		memcpy((char *)o->data + (size_t)i * es, vals->data, es);
	for (int64_t a = 0; a < outer; a++) {
		for (int64_t b = 0; b < inner; b++) {
			int64_t k = (int64_t)op_get_double(ind, a * inner + b);

			if (k < 0)
				k += depth;
			if (k < 0 || k >= depth)
				continue;
			memcpy((char *)o->data + (size_t)((a * depth + k) * inner + b) * es,
			    (const char *)vals->data + es, es);
		}
	}
	return 0;
}

const struct op_def op_OneHot = {
	.name = "OneHot", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = onehot_infer, .run = onehot_run,
};
