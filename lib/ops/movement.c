/*
 * movement.c: operators that move data without arithmetic: Transpose,
 * Concat, Split, Slice, Expand, Tile, Pad, Trilu, DepthToSpace,
 * SpaceToDepth, ReverseSequence.  Kernels copy bytes by element size, so
 * they work for every fixed-size dtype.
 */
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

/* Transpose */

static int
transpose_perm(const struct op_ctx *c, int rank, int64_t *perm, struct ladder_err *err)
{
	bool seen[LADDER_MAX_RANK] = { false };
	int n = op_attr_ints(c, "perm", perm, LADDER_MAX_RANK);

	if (n == 0 && op_attr(c, "perm") == NULL) {
		for (int i = 0; i < rank; i++)
			perm[i] = rank - 1 - i;
		return 0;
	}
	if (n != rank)
		return op_fail(c, err, LADDER_EINVAL, "perm has %d values, input is %d-d", n, rank);
	for (int i = 0; i < rank; i++) {
		int a;

		if (!op_axis(perm[i], rank, &a) || seen[a])
			return op_fail(c, err, LADDER_EINVAL, "perm is not a permutation");
		seen[a] = true;
		perm[i] = a;
	}
	return 0;
}

static int
transpose_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t perm[LADDER_MAX_RANK], dims[LADDER_MAX_RANK];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = transpose_perm(c, x->rank, perm, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++)
		dims[i] = x->dims[perm[i]];
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return 0;
}

static int
transpose_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t perm[LADDER_MAX_RANK], in_strides[LADDER_MAX_RANK], strides[LADDER_MAX_RANK];
	int rc = transpose_perm(c, x->rank, perm, err);

	if (rc != 0)
		return rc;
	op_strides(x->rank, x->dims, in_strides);
	for (int i = 0; i < x->rank; i++)
		strides[i] = in_strides[perm[i]];
	op_copy_strided(c->out[0]->data, x->data, x->rank, c->out[0]->dims, strides, 0, op_esize(x));
	return 0;
}

const struct op_def op_Transpose = {
	.name = "Transpose", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = transpose_infer, .run = transpose_run,
};

/* Concat */

static int
concat_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x0 = NULL;
	int64_t dims[LADDER_MAX_RANK];
	int axis, rc;

	if (c->opset >= 4 && op_attr(c, "axis") == NULL)
		return op_fail(c, err, LADDER_EINVAL, "missing attribute 'axis'");
	for (size_t i = 0; i < c->n_in; i++) {
		const struct exec_value *x = c->in[i];

		if (x == NULL)
			continue;
		if ((rc = op_need_sized(c, x, err)) != 0)
			return rc;
		if (x0 == NULL) {
			x0 = x;
			if (!op_axis(op_attr_int(c, "axis", 1), x->rank, &axis))
				return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
				    (long long)op_attr_int(c, "axis", 1), x->rank);
			memcpy(dims, x->dims, sizeof dims);
			continue;
		}
		if (x->rank != x0->rank || x->dtype != x0->dtype)
			return op_fail(c, err, LADDER_EINVAL, "inputs differ in rank or dtype");
		for (int k = 0; k < x->rank; k++) {
			if (k != axis && x->dims[k] != dims[k])
				return op_fail(c, err, LADDER_EINVAL, "input %zu has dimension %d of %lld, not %lld",
				    i, k, (long long)x->dims[k], (long long)dims[k]);
		}
		dims[axis] += x->dims[axis];
	}
	if (x0 == NULL)
		return op_fail(c, err, LADDER_EINVAL, "no inputs");
	op_set_shape(c->out[0], x0->dtype, x0->rank, dims);
	return 0;
}

static int
concat_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *o = c->out[0];
	size_t es = op_esize(o);
	int axis;
	int64_t outer = 1, inner = 1;

	op_axis(op_attr_int(c, "axis", 1), o->rank, &axis);
	for (int k = 0; k < axis; k++)
		outer *= o->dims[k];
	for (int k = axis + 1; k < o->rank; k++)
		inner *= o->dims[k];
	size_t out_row = (size_t)(o->dims[axis] * inner) * es, off = 0;

	for (size_t i = 0; i < c->n_in; i++) {
		const struct exec_value *x = c->in[i];

		if (x == NULL)
			continue;
		size_t row = (size_t)(x->dims[axis] * inner) * es;

		for (int64_t j = 0; j < outer && row > 0; j++)
			memcpy((char *)o->data + (size_t)j * out_row + off,
			    (const char *)x->data + (size_t)j * row, row);
		off += row;
	}
	return 0;
}

const struct op_def op_Concat = {
	.name = "Concat", .n_in_min = 1, .n_in_max = 1024, .n_out_min = 1, .n_out_max = 1,
	.infer = concat_infer, .run = concat_run,
};

/* Split */

static int
split_sizes(const struct op_ctx *c, int64_t *sizes, int *axis_out, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t split[64];
	int n = 0, rc, axis;
	int n_out = (int)c->node->n_outputs;

	if (!op_axis(op_attr_int(c, "axis", 0), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)op_attr_int(c, "axis", 0), x->rank);
	if (n_out > 64)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "more than 64 outputs");
	if (c->opset < 13) {
		n = op_attr_ints(c, "split", split, 64);
		if (n == 0 && c->n_in > 1 && c->in[1] != NULL &&
		    (rc = op_input_ints(c, c->in[1], "split", split, 64, &n, err)) != 0)
			return rc;
	} else if (c->n_in > 1 && c->in[1] != NULL) {
		if ((rc = op_input_ints(c, c->in[1], "split", split, 64, &n, err)) != 0)
			return rc;
	}
	int64_t dim = x->dims[axis];

	if (n > 0) {
		int64_t sum = 0;

		if (n != n_out)
			return op_fail(c, err, LADDER_EINVAL, "split has %d values for %d outputs", n,
			    n_out);
		for (int i = 0; i < n; i++) {
			if (split[i] < 0)
				return op_fail(c, err, LADDER_EINVAL, "split has a negative value");
			sum += split[i];
			sizes[i] = split[i];
		}
		if (sum != dim)
			return op_fail(c, err, LADDER_EINVAL, "split sums to %lld, axis has %lld",
			    (long long)sum, (long long)dim);
	} else {
		int64_t parts = op_attr_int(c, "num_outputs", n_out);

		if (parts != n_out || parts <= 0)
			return op_fail(c, err, LADDER_EINVAL, "num_outputs is %lld for %d outputs",
			    (long long)parts, n_out);
		int64_t chunk = (dim + parts - 1) / parts;

		if (c->opset < 18 && dim % parts != 0)
			return op_fail(c, err, LADDER_EINVAL, "axis of %lld does not split into %lld parts",
			    (long long)dim, (long long)parts);
		for (int i = 0; i < n_out; i++) {
			int64_t left = dim - chunk * i;

			sizes[i] = left < 0 ? 0 : left < chunk ? left : chunk;
		}
	}
	*axis_out = axis;
	return 0;
}

static int
split_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t sizes[64], dims[LADDER_MAX_RANK];
	int axis, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = split_sizes(c, sizes, &axis, err)) != 0)
		return rc;
	memcpy(dims, x->dims, sizeof dims);
	for (size_t i = 0; i < c->n_out; i++) {
		if (c->out[i] == NULL)
			continue;
		dims[axis] = sizes[i];
		op_set_shape(c->out[i], x->dtype, x->rank, dims);
	}
	return 0;
}

static int
split_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t sizes[64] = { 0 }, outer = 1, inner = 1;
	size_t es = op_esize(x), off = 0;
	int axis, rc;

	if ((rc = split_sizes(c, sizes, &axis, err)) != 0)
		return rc;
	for (int k = 0; k < axis; k++)
		outer *= x->dims[k];
	for (int k = axis + 1; k < x->rank; k++)
		inner *= x->dims[k];
	size_t in_row = (size_t)(x->dims[axis] * inner) * es;
	/* c->n_out may exceed the node's outputs; sizes[] covers only those. */
	size_t n_out = c->node->n_outputs < c->n_out ? c->node->n_outputs : c->n_out;

	for (size_t i = 0; i < n_out; i++) {
		size_t row = (size_t)(sizes[i] * inner) * es;

		if (c->out[i] != NULL) {
			for (int64_t j = 0; j < outer && row > 0; j++)
				memcpy((char *)c->out[i]->data + (size_t)j * row,
				    (const char *)x->data + (size_t)j * in_row + off, row);
		}
		off += row;
	}
	return 0;
}

const struct op_def op_Split = {
	.name = "Split", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 64,
	.infer = split_infer, .run = split_run,
};

/* Slice */

struct slice_plan {
	int64_t dims[LADDER_MAX_RANK];
	int64_t strides[LADDER_MAX_RANK];
	int64_t offset;
};

static int
slice_plan(const struct op_ctx *c, struct slice_plan *p, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t starts[LADDER_MAX_RANK], ends[LADDER_MAX_RANK], axes[LADDER_MAX_RANK];
	int64_t steps[LADDER_MAX_RANK], in_strides[LADDER_MAX_RANK];
	bool seen[LADDER_MAX_RANK] = { false };
	int ns, ne, na, nt, rc;

	if (c->opset < 10) {
		ns = op_attr_ints(c, "starts", starts, LADDER_MAX_RANK);
		ne = op_attr_ints(c, "ends", ends, LADDER_MAX_RANK);
		na = op_attr_ints(c, "axes", axes, LADDER_MAX_RANK);
		nt = 0;
		if (ns < 0 || ne < 0 || na < 0)
			return op_fail(c, err, LADDER_EINVAL, "more than %d starts, ends or axes",
			    LADDER_MAX_RANK);
		if (op_attr(c, "axes") == NULL)
			na = -1;
	} else {
		if (c->n_in < 3 || c->in[1] == NULL || c->in[2] == NULL)
			return op_fail(c, err, LADDER_EINVAL, "missing starts or ends");
		if ((rc = op_input_ints(c, c->in[1], "starts", starts, LADDER_MAX_RANK, &ns, err)) != 0 ||
		    (rc = op_input_ints(c, c->in[2], "ends", ends, LADDER_MAX_RANK, &ne, err)) != 0)
			return rc;
		na = -1;
		nt = 0;
		if (c->n_in > 3 && c->in[3] != NULL &&
		    (rc = op_input_ints(c, c->in[3], "axes", axes, LADDER_MAX_RANK, &na, err)) != 0)
			return rc;
		if (c->n_in > 4 && c->in[4] != NULL &&
		    (rc = op_input_ints(c, c->in[4], "steps", steps, LADDER_MAX_RANK, &nt, err)) != 0)
			return rc;
		if (c->n_in > 4 && c->in[4] != NULL && nt != ns)
			return op_fail(c, err, LADDER_EINVAL, "steps has %d values, starts %d", nt, ns);
	}
	if (ns != ne || (na >= 0 && na != ns))
		return op_fail(c, err, LADDER_EINVAL, "starts, ends and axes differ in length");
	if (na < 0) {
		for (int i = 0; i < ns; i++)
			axes[i] = i;
	}
	if (nt == 0) {
		for (int i = 0; i < ns; i++)
			steps[i] = 1;
	}
	op_strides(x->rank, x->dims, in_strides);
	p->offset = 0;
	for (int i = 0; i < x->rank; i++) {
		p->dims[i] = x->dims[i];
		p->strides[i] = in_strides[i];
	}
	for (int i = 0; i < ns; i++) {
		int a;

		if (!op_axis(axes[i], x->rank, &a) || seen[a])
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range or repeated",
			    (long long)axes[i]);
		seen[a] = true;
		int64_t dim = x->dims[a], s = starts[i], e = ends[i], st = steps[i], n;

		if (st == 0)
			return op_fail(c, err, LADDER_EINVAL, "step is 0");
		/* Steps beyond the axis length take one element; keeps the arithmetic in range. */
		if (st > dim)
			st = dim > 0 ? dim : 1;
		if (st < -dim)
			st = dim > 0 ? -dim : -1;
		if (s < 0)
			s += dim;
		if (e < 0)
			e += dim;
		if (st > 0) {
			s = s < 0 ? 0 : s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
			n = e > s ? (e - s - 1) / st + 1 : 0;
		} else {
			s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
			e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
			n = s > e ? (s - e - 1) / (-st) + 1 : 0;
		}
		p->dims[a] = n;
		if (n > 0)
			p->offset += s * in_strides[a];
		p->strides[a] = st * in_strides[a];
	}
	return 0;
}

static int
slice_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct slice_plan p;
	int rc;

	if ((rc = op_need_sized(c, c->in[0], err)) != 0 || (rc = slice_plan(c, &p, err)) != 0)
		return rc;
	op_set_shape(c->out[0], c->in[0]->dtype, c->in[0]->rank, p.dims);
	return 0;
}

static int
slice_run(struct op_ctx *c, struct ladder_err *err)
{
	struct slice_plan p;
	int rc;

	if ((rc = slice_plan(c, &p, err)) != 0)
		return rc;
	op_copy_strided(c->out[0]->data, c->in[0]->data, c->in[0]->rank, p.dims, p.strides,
	    p.offset, op_esize(c->in[0]));
	return 0;
}

const struct op_def op_Slice = {
	.name = "Slice", .n_in_min = 1, .n_in_max = 5, .n_out_min = 1, .n_out_max = 1,
	.infer = slice_infer, .run = slice_run,
};

/* Expand */

static int
expand_shape(const struct op_ctx *c, int *rank, int64_t *dims, struct ladder_err *err)
{
	struct exec_value shape = { .rank = 0 };
	const struct exec_value *v[2] = { c->in[0], &shape };
	int n, rc;

	if ((rc = op_input_ints(c, c->in[1], "shape", shape.dims, LADDER_MAX_RANK, &n, err)) != 0)
		return rc;
	shape.rank = n;
	for (int i = 0; i < n; i++) {
		if (shape.dims[i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "shape has a negative value");
	}
	if (!op_broadcast_shape(v, 2, rank, dims))
		return op_fail(c, err, LADDER_EINVAL, "shape does not broadcast with the input");
	return 0;
}

static int
expand_infer(struct op_ctx *c, struct ladder_err *err)
{
	int64_t dims[LADDER_MAX_RANK];
	int rank, rc;

	if ((rc = op_need_sized(c, c->in[0], err)) != 0 ||
	    (rc = expand_shape(c, &rank, dims, err)) != 0)
		return rc;
	op_set_shape(c->out[0], c->in[0]->dtype, rank, dims);
	return op_check_size(c, c->out[0], err);
}

static int
expand_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *o = c->out[0];
	int64_t strides[LADDER_MAX_RANK];

	op_broadcast_strides(c->in[0], o->rank, o->dims, strides);
	op_copy_strided(o->data, c->in[0]->data, o->rank, o->dims, strides, 0, op_esize(o));
	return 0;
}

const struct op_def op_Expand = {
	.name = "Expand", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = expand_infer, .run = expand_run,
};

/* Tile: a strided copy over (repeat, dim) pairs, the repeat axes with stride 0. */

static int
tile_repeats(const struct op_ctx *c, int64_t *repeats, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int n, rc;

	if (c->opset < 6)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "opset %d is not supported", c->opset);
	if ((rc = op_input_ints(c, c->in[1], "repeats", repeats, LADDER_MAX_RANK, &n, err)) != 0)
		return rc;
	if (n != x->rank)
		return op_fail(c, err, LADDER_EINVAL, "repeats has %d values, input is %d-d", n,
		    x->rank);
	for (int i = 0; i < n; i++) {
		if (repeats[i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "repeats has a negative value");
	}
	return 0;
}

static int
tile_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t repeats[LADDER_MAX_RANK], dims[LADDER_MAX_RANK];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = tile_repeats(c, repeats, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++) {
		if (__builtin_mul_overflow(x->dims[i], repeats[i], &dims[i]))
			return op_fail(c, err, LADDER_EINVAL, "output is too large");
	}
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return op_check_size(c, c->out[0], err);
}

static int
tile_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t repeats[LADDER_MAX_RANK], in_strides[LADDER_MAX_RANK];
	int64_t dims[2 * LADDER_MAX_RANK], strides[2 * LADDER_MAX_RANK];
	int rc;

	if ((rc = tile_repeats(c, repeats, err)) != 0)
		return rc;
	op_strides(x->rank, x->dims, in_strides);
	for (int i = 0; i < x->rank; i++) {
		dims[2 * i] = repeats[i];
		strides[2 * i] = 0;
		dims[2 * i + 1] = x->dims[i];
		strides[2 * i + 1] = in_strides[i];
	}
	op_copy_strided(c->out[0]->data, x->data, 2 * x->rank, dims, strides, 0, op_esize(x));
	return 0;
}

const struct op_def op_Tile = {
	.name = "Tile", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = tile_infer, .run = tile_run,
};

/* Pad */

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

struct pad_plan {
	enum pad_mode mode;
	int64_t begin[LADDER_MAX_RANK], end[LADDER_MAX_RANK];
	double value;
};

static int
pad_plan(const struct op_ctx *c, struct pad_plan *p, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	const char *mode = op_attr_string(c, "mode", "constant");
	int64_t pads[2 * LADDER_MAX_RANK], axes[LADDER_MAX_RANK];
	int n, na = -1, rc;

	if (strcmp(mode, "constant") == 0)
		p->mode = PAD_CONSTANT;
	else if (strcmp(mode, "reflect") == 0)
		p->mode = PAD_REFLECT;
	else if (strcmp(mode, "edge") == 0)
		p->mode = PAD_EDGE;
	else if (strcmp(mode, "wrap") == 0)
		p->mode = PAD_WRAP;
	else
		return op_fail(c, err, LADDER_EUNSUPPORTED, "mode '%s' is not supported", mode);
	p->value = 0;
	if (c->opset < 11) {
		n = op_attr_ints(c, c->opset < 2 ? "paddings" : "pads", pads, 2 * LADDER_MAX_RANK);
		if (n < 0)
			return op_fail(c, err, LADDER_EINVAL, "too many pads");
		p->value = op_attr_float(c, "value", 0);
	} else {
		if (c->n_in < 2 || c->in[1] == NULL)
			return op_fail(c, err, LADDER_EINVAL, "missing input 'pads'");
		if ((rc = op_input_ints(c, c->in[1], "pads", pads, 2 * LADDER_MAX_RANK, &n, err)) != 0)
			return rc;
		if (c->n_in > 2 && c->in[2] != NULL && op_numel(c->in[2]) > 0) {
			if (c->in[2]->data == NULL)
				return op_fail(c, err, LADDER_EUNSUPPORTED,
				    "constant_value must be known before running");
			p->value = op_get_double(c->in[2], 0);
		}
		if (c->n_in > 3 && c->in[3] != NULL &&
		    (rc = op_input_ints(c, c->in[3], "axes", axes, LADDER_MAX_RANK, &na, err)) != 0)
			return rc;
	}
	for (int i = 0; i < x->rank; i++)
		p->begin[i] = p->end[i] = 0;
	if (na < 0) {
		if (n != 2 * x->rank)
			return op_fail(c, err, LADDER_EINVAL, "pads has %d values, input is %d-d", n,
			    x->rank);
		for (int i = 0; i < x->rank; i++) {
			p->begin[i] = pads[i];
			p->end[i] = pads[x->rank + i];
		}
	} else {
		if (n != 2 * na)
			return op_fail(c, err, LADDER_EINVAL, "pads has %d values for %d axes", n, na);
		for (int i = 0; i < na; i++) {
			int a;

			if (!op_axis(axes[i], x->rank, &a))
				return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range",
				    (long long)axes[i]);
			p->begin[a] = pads[i];
			p->end[a] = pads[na + i];
		}
	}
	for (int i = 0; i < x->rank; i++) {
		if (p->begin[i] < -((int64_t)1 << 40) || p->begin[i] > ((int64_t)1 << 40) ||
		    p->end[i] < -((int64_t)1 << 40) || p->end[i] > ((int64_t)1 << 40))
			return op_fail(c, err, LADDER_EINVAL, "pads of axis %d are out of range", i);
		int64_t d = x->dims[i] + p->begin[i] + p->end[i];

		if (d < 0 || (p->mode != PAD_CONSTANT && x->dims[i] == 0 && d > 0))
			return op_fail(c, err, LADDER_EINVAL, "pads do not fit axis %d", i);
		if (p->mode == PAD_REFLECT && (p->begin[i] >= x->dims[i] || p->end[i] >= x->dims[i]) &&
		    x->dims[i] > 1 && (p->begin[i] > 0 || p->end[i] > 0) && c->opset < 11)
			return op_fail(c, err, LADDER_EINVAL, "reflect pads are wider than axis %d", i);
	}
	return 0;
}

static int
pad_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct pad_plan p;
	int64_t dims[LADDER_MAX_RANK];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = pad_plan(c, &p, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++)
		dims[i] = x->dims[i] + p.begin[i] + p.end[i];
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return op_check_size(c, c->out[0], err);
}

/* Source coordinate of output coordinate i along an axis, or -1 for the constant. */
static int64_t
pad_map(const struct pad_plan *p, int64_t i, int64_t begin, int64_t dim)
{
	int64_t s = i - begin;

	if (s >= 0 && s < dim)
		return s;
	switch (p->mode) {
	case PAD_CONSTANT:
		return -1;
	case PAD_EDGE:
		return s < 0 ? 0 : dim - 1;
	case PAD_WRAP:
		s %= dim;
		return s < 0 ? s + dim : s;
	case PAD_REFLECT:
		if (dim == 1)
			return 0;
		int64_t period = 2 * (dim - 1);

		s %= period;
		if (s < 0)
			s += period;
		return s < dim ? s : period - s;
	}
	return -1;
}

static int
pad_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *o = c->out[0];
	struct pad_plan p;
	int64_t idx[LADDER_MAX_RANK] = { 0 }, in_strides[LADDER_MAX_RANK];
	size_t es = op_esize(o);
	unsigned char fill[16];
	int rank = o->rank, rc;
	int64_t numel = op_numel(o);

	if ((rc = pad_plan(c, &p, err)) != 0)
		return rc;
	{
		struct exec_value f = { .dtype = o->dtype, .data = fill };

		op_set_double(&f, 0, p.value);
	}
	if (numel == 0)
		return 0;
	if (rank == 0) {
		memcpy(o->data, x->data, es);
		return 0;
	}
	op_strides(rank, x->dims, in_strides);
	int64_t row = o->dims[rank - 1];
	char *out = o->data;

	for (;;) {
		int64_t src = 0;
		bool constant = false;

		for (int k = 0; k < rank - 1; k++) {
			int64_t s = pad_map(&p, idx[k], p.begin[k], x->dims[k]);

			if (s < 0) {
				constant = true;
				break;
			}
			src += s * in_strides[k];
		}
		for (int64_t j = 0; j < row; j++) {
			int64_t s = constant ? -1 : pad_map(&p, j, p.begin[rank - 1], x->dims[rank - 1]);

			if (s < 0)
				memcpy(out + (size_t)j * es, fill, es);
			else
				memcpy(out + (size_t)j * es, (const char *)x->data + (size_t)(src + s) * es, es);
		}
		out += (size_t)row * es;
		int k = rank - 2;

		while (k >= 0 && ++idx[k] == o->dims[k])
			idx[k--] = 0;
		if (k < 0)
			break;
	}
	return 0;
}

const struct op_def op_Pad = {
	.name = "Pad", .n_in_min = 1, .n_in_max = 4, .n_out_min = 1, .n_out_max = 1,
	.infer = pad_infer, .run = pad_run,
};

/* Trilu */

static int
trilu_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0)
		return rc;
	if (x->rank < 2)
		return op_fail(c, err, LADDER_EINVAL, "input must be at least 2-d");
	if (c->n_in > 1 && c->in[1] != NULL && op_numel(c->in[1]) != 1)
		return op_fail(c, err, LADDER_EINVAL, "k must be a scalar");
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
trilu_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *o = c->out[0];
	bool upper = op_attr_int(c, "upper", 1) != 0;
	int64_t k = c->n_in > 1 && c->in[1] != NULL ? op_get_int(c->in[1], 0) : 0;
	int64_t rows = x->dims[x->rank - 2], cols = x->dims[x->rank - 1];
	int64_t mats = op_numel(x) / (rows * cols > 0 ? rows * cols : 1);
	size_t es = op_esize(x);

	if (rows * cols == 0)
		return 0;
	op_copy_value(o, x);
	for (int64_t m = 0; m < mats; m++) {
		char *base = (char *)o->data + (size_t)(m * rows * cols) * es;

		for (int64_t i = 0; i < rows; i++) {
			for (int64_t j = 0; j < cols; j++) {
				bool keep = upper ? j - i >= k : j - i <= k;

				if (!keep)
					memset(base + (size_t)(i * cols + j) * es, 0, es);
			}
		}
	}
	return 0;
}

const struct op_def op_Trilu = {
	.name = "Trilu", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = trilu_infer, .run = trilu_run,
};

/* DepthToSpace and SpaceToDepth: strided copies over a 6-d view. */

static int
d2s_mode(const struct op_ctx *c, bool *crd, struct ladder_err *err)
{
	const char *mode = op_attr_string(c, "mode", "DCR");

	if (strcmp(mode, "DCR") == 0)
		*crd = false;
	else if (strcmp(mode, "CRD") == 0)
		*crd = true;
	else
		return op_fail(c, err, LADDER_EINVAL, "mode '%s' is not DCR or CRD", mode);
	return 0;
}

static int
d2s_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t bs = op_attr_int(c, "blocksize", 0);
	bool crd;
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = d2s_mode(c, &crd, err)) != 0)
		return rc;
	if (x->rank != 4)
		return op_fail(c, err, LADDER_EINVAL, "input must be 4-d");
	if (bs <= 0 || bs > 4096 || x->dims[1] % (bs * bs) != 0)
		return op_fail(c, err, LADDER_EINVAL, "blocksize %lld does not divide %lld channels",
		    (long long)bs, (long long)x->dims[1]);
	int64_t dims[4] = { x->dims[0], x->dims[1] / (bs * bs), x->dims[2] * bs, x->dims[3] * bs };

	op_set_shape(c->out[0], x->dtype, 4, dims);
	return 0;
}

static int
d2s_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t bs = op_attr_int(c, "blocksize", 0), C = x->dims[1] / (bs * bs);
	int64_t H = x->dims[2], W = x->dims[3], hw = H * W;
	bool crd;
	int rc;

	if ((rc = d2s_mode(c, &crd, err)) != 0)
		return rc;
	/* Output viewed as [N, C', H, b1, W, b2]. */
	int64_t dims[6] = { x->dims[0], C, H, bs, W, bs };
	int64_t strides[6] = { x->dims[1] * hw, crd ? bs * bs * hw : hw, W,
		crd ? bs * hw : bs * C * hw, 1, crd ? hw : C * hw };

	op_copy_strided(c->out[0]->data, x->data, 6, dims, strides, 0, op_esize(x));
	return 0;
}

const struct op_def op_DepthToSpace = {
	.name = "DepthToSpace", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = d2s_infer, .run = d2s_run,
};

static int
s2d_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t bs = op_attr_int(c, "blocksize", 0);
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0)
		return rc;
	if (x->rank != 4)
		return op_fail(c, err, LADDER_EINVAL, "input must be 4-d");
	if (bs <= 0 || bs > 4096 || x->dims[2] % bs != 0 || x->dims[3] % bs != 0)
		return op_fail(c, err, LADDER_EINVAL, "blocksize %lld does not divide the input",
		    (long long)bs);
	int64_t dims[4] = { x->dims[0], x->dims[1] * bs * bs, x->dims[2] / bs, x->dims[3] / bs };

	op_set_shape(c->out[0], x->dtype, 4, dims);
	return 0;
}

static int
s2d_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t bs = op_attr_int(c, "blocksize", 0), C = x->dims[1], H = x->dims[2], W = x->dims[3];
	/* Output viewed as [N, b1, b2, C, H', W']. */
	int64_t dims[6] = { x->dims[0], bs, bs, C, H / bs, W / bs };
	int64_t strides[6] = { C * H * W, W, 1, H * W, bs * W, bs };

	op_copy_strided(c->out[0]->data, x->data, 6, dims, strides, 0, op_esize(x));
	return 0;
}

const struct op_def op_SpaceToDepth = {
	.name = "SpaceToDepth", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = s2d_infer, .run = s2d_run,
};

/* ReverseSequence */

static int
revseq_axes(const struct op_ctx *c, int *batch, int *time, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t b = op_attr_int(c, "batch_axis", 1), t = op_attr_int(c, "time_axis", 0);

	if (x->rank < 2 || !op_axis(b, x->rank, batch) || !op_axis(t, x->rank, time) ||
	    *batch == *time || *batch > 1 || *time > 1)
		return op_fail(c, err, LADDER_EINVAL, "batch_axis and time_axis must be 0 and 1");
	return 0;
}

static int
revseq_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int b, t, rc;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = revseq_axes(c, &b, &t, err)) != 0)
		return rc;
	if (c->in[1]->rank != 1 || c->in[1]->dims[0] != x->dims[b])
		return op_fail(c, err, LADDER_EINVAL, "sequence_lens must have one value per batch");
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
revseq_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t strides[LADDER_MAX_RANK];
	size_t es = op_esize(x);
	int b, t, rc;

	if ((rc = revseq_axes(c, &b, &t, err)) != 0)
		return rc;
	op_strides(x->rank, x->dims, strides);
	int64_t inner = x->rank > 2 ? strides[1] : 1;
	size_t chunk = (size_t)inner * es;

	for (int64_t bi = 0; bi < x->dims[b]; bi++) {
		int64_t len = op_get_int(c->in[1], bi);

		if (len < 0 || len > x->dims[t])
			return op_fail(c, err, LADDER_EINVAL, "sequence length %lld is out of range",
			    (long long)len);
		for (int64_t ti = 0; ti < x->dims[t]; ti++) {
			int64_t src = ti < len ? len - 1 - ti : ti;
			size_t o = (size_t)(bi * strides[b] + ti * strides[t]) * es;
			size_t i = (size_t)(bi * strides[b] + src * strides[t]) * es;

			memcpy((char *)c->out[0]->data + o, (const char *)x->data + i, chunk);
		}
	}
	return 0;
}

const struct op_def op_ReverseSequence = {
	.name = "ReverseSequence", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = revseq_infer, .run = revseq_run,
};
