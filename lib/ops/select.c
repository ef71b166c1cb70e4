/*
 * select.c: operators whose output shape depends on input data: Compress,
 * NonZero, Unique.  Following the contract in op.h, infer gives the exact
 * shape when the deciding inputs are known at plan time and an upper bound
 * otherwise; run always writes the actual dims.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

/* Compress */

static int
compress_count(const struct op_ctx *c, int *axis, int64_t *dim, int64_t *count,
    struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *cond = c->in[1];
	const struct ladder_attr *a = op_attr(c, "axis");

	if (cond->rank != 1)
		return op_fail(c, err, LADDER_EINVAL, "condition must be 1-d");
	*axis = -1;
	*dim = op_numel(x);
	if (a != NULL) {
		if (!op_axis(a->i, x->rank, axis))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range",
			    (long long)a->i);
		*dim = x->dims[*axis];
	}
	if (cond->data == NULL) {
		*count = -1;
		return 0;
	}
	int64_t n = cond->dims[0] < *dim ? cond->dims[0] : *dim;

	*count = 0;
	for (int64_t i = 0; i < n; i++)
		*count += op_get_double(cond, i) != 0;
	return 0;
}

static void
compress_shape(const struct op_ctx *c, int axis, int64_t count)
{
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK];

	if (axis < 0) {
		op_set_shape(c->out[0], x->dtype, 1, &count);
		return;
	}
	memcpy(dims, x->dims, sizeof dims);
	dims[axis] = count;
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
}

static int
compress_infer(struct op_ctx *c, struct ladder_err *err)
{
	int64_t dim, count;
	int axis, rc;

	if ((rc = op_need_sized(c, c->in[0], err)) != 0 ||
	    (rc = compress_count(c, &axis, &dim, &count, err)) != 0)
		return rc;
	compress_shape(c, axis, count < 0 ? dim : count);
	return 0;
}

static int
compress_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *cond = c->in[1];
	int64_t dim, count, outer = 1, inner = 1;
	size_t es = op_esize(x);
	int axis, rc;

	if ((rc = compress_count(c, &axis, &dim, &count, err)) != 0)
		return rc;
	compress_shape(c, axis, count);
	if (axis >= 0) {
		for (int i = 0; i < axis; i++)
			outer *= x->dims[i];
		for (int i = axis + 1; i < x->rank; i++)
			inner *= x->dims[i];
	}
	int64_t n = cond->dims[0] < dim ? cond->dims[0] : dim;
	size_t chunk = (size_t)inner * es;
	char *out = c->out[0]->data;

	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < n; i++) {
			if (op_get_double(cond, i) == 0)
				continue;
			memcpy(out, (const char *)x->data + (size_t)((o * dim + i) * inner) * es, chunk);
			out += chunk;
		}
	}
	return 0;
}

const struct op_def op_Compress = {
	.name = "Compress", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = compress_infer, .run = compress_run,
};

/* NonZero */

static int64_t
nonzero_count(const struct exec_value *x)
{
	int64_t n = op_numel(x), count = 0;

	for (int64_t i = 0; i < n; i++)
		count += op_get_double(x, i) != 0;
	return count;
}

static int
nonzero_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0)
		return rc;
	int64_t dims[2] = { x->rank, x->data ? nonzero_count(x) : op_numel(x) };

	op_set_shape(c->out[0], LADDER_DT_INT64, 2, dims);
	return 0;
}

static int
nonzero_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t n = op_numel(x), nz = nonzero_count(x), k = 0, idx[LADDER_MAX_RANK] = { 0 };
	int64_t dims[2] = { x->rank, nz };
	int64_t *out = c->out[0]->data;

	op_set_shape(c->out[0], LADDER_DT_INT64, 2, dims);
	for (int64_t i = 0; i < n; i++) {
		if (op_get_double(x, i) != 0) {
			for (int d = 0; d < x->rank; d++)
				out[d * nz + k] = idx[d];
			k++;
		}
		for (int d = x->rank - 1; d >= 0; d--) {
			if (++idx[d] < x->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

const struct op_def op_NonZero = {
	.name = "NonZero", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = nonzero_infer, .run = nonzero_run,
};

/* Unique: slices along axis (or single elements) compared lexicographically. */

struct unique_view {
	const struct exec_value *x;
	int64_t n, outer, inner;	/* n slices of outer x inner elements */
};

static int
unique_view(const struct op_ctx *c, struct unique_view *v, int *axis, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	const struct ladder_attr *a = op_attr(c, "axis");

	v->x = x;
	v->outer = v->inner = 1;
	*axis = -1;
	if (a == NULL) {
		v->n = op_numel(x);
		return 0;
	}
	if (!op_axis(a->i, x->rank, axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range", (long long)a->i);
	v->n = x->dims[*axis];
	for (int i = 0; i < *axis; i++)
		v->outer *= x->dims[i];
	for (int i = *axis + 1; i < x->rank; i++)
		v->inner *= x->dims[i];
	return 0;
}

static int
unique_cmp_slices(const struct unique_view *v, int64_t a, int64_t b)
{
	for (int64_t o = 0; o < v->outer; o++) {
		for (int64_t i = 0; i < v->inner; i++) {
			double x = op_get_double(v->x, (o * v->n + a) * v->inner + i);
			double y = op_get_double(v->x, (o * v->n + b) * v->inner + i);

			if (x != y)
				return x < y ? -1 : 1;
		}
	}
	return 0;
}

static int
unique_cmp(const void *pa, const void *pb, void *ctx)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	int r = unique_cmp_slices(ctx, a, b);

	return r != 0 ? r : (a > b) - (a < b);
}

static int
unique_cmp_int(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/*
 * Finds the unique slices into scratch (6 n int64): returns their count;
 * first[u] = first occurrence, count[u], inverse[i] = u, in output order.
 */
static int64_t
unique_find(const struct unique_view *v, bool sorted, int64_t *scratch, int64_t **first_out,
    int64_t **count_out, int64_t **inverse_out)
{
	int64_t n = v->n, *order = scratch, *group = scratch + n, *first = scratch + 2 * n;
	int64_t *count = scratch + 3 * n, *inverse = scratch + 4 * n, *pos = scratch + 5 * n;
	int64_t u = 0;

	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, (size_t)n, sizeof *order, unique_cmp, (void *)v);
	for (int64_t i = 0; i < n; i++) {
		if (i == 0 || unique_cmp_slices(v, order[i - 1], order[i]) != 0) {
			first[u] = order[i];
			count[u] = 0;
			u++;
		}
		group[order[i]] = u - 1;
		count[u - 1]++;
	}
	if (!sorted) {
		/* Order the groups by first occurrence: pos[g] = output position. */
		for (int64_t g = 0; g < u; g++)
			order[g] = first[g] * n + g;	/* n * n fits: n is bounded by memory */
		qsort(order, (size_t)u, sizeof *order, unique_cmp_int);
		for (int64_t k = 0; k < u; k++)
			pos[order[k] % n] = k;
		for (int64_t g = 0; g < u; g++)
			order[pos[g]] = first[g];
		for (int64_t g = 0; g < u; g++)
			first[g] = order[g];
		for (int64_t g = 0; g < u; g++)
			order[pos[g]] = count[g];
		for (int64_t g = 0; g < u; g++)
			count[g] = order[g];
		for (int64_t i = 0; i < n; i++)
			group[i] = pos[group[i]];
	}
	for (int64_t i = 0; i < n; i++)
		inverse[i] = group[i];
	*first_out = first;
	*count_out = count;
	*inverse_out = inverse;
	return u;
}

static void
unique_shapes(struct op_ctx *c, int axis, int64_t n, int64_t u)
{
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK];

	if (axis < 0) {
		op_set_shape(c->out[0], x->dtype, 1, &u);
	} else {
		memcpy(dims, x->dims, sizeof dims);
		dims[axis] = u;
		op_set_shape(c->out[0], x->dtype, x->rank, dims);
	}
	for (size_t i = 1; i < c->n_out && i < 4; i++) {
		if (c->out[i] != NULL)
			op_set_shape(c->out[i], LADDER_DT_INT64, 1, i == 2 ? &n : &u);
	}
}

static int
unique_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct unique_view v;
	int axis, rc;

	if ((rc = op_need_sized(c, c->in[0], err)) != 0 || (rc = unique_view(c, &v, &axis, err)) != 0)
		return rc;
	if (v.n > ((int64_t)1 << 31))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "more than 2^31 slices");
	c->scratch_bytes = (size_t)(6 * (v.n > 0 ? v.n : 1)) * sizeof(int64_t);
	int64_t u = v.n;

	if (c->in[0]->data != NULL && v.n <= 1024) {
		/* Known at plan time and small: the exact count, with a stack workspace. */
		int64_t tmp[6 * 1024], *first, *count, *inverse;

		u = unique_find(&v, op_attr_int(c, "sorted", 1) != 0, tmp, &first, &count, &inverse);
	}
	unique_shapes(c, axis, v.n, u);
	return 0;
}

static int
unique_run(struct op_ctx *c, struct ladder_err *err)
{
	struct unique_view v;
	int64_t *first, *count, *inverse, u;
	int axis, rc;

	if ((rc = unique_view(c, &v, &axis, err)) != 0)
		return rc;
	u = unique_find(&v, op_attr_int(c, "sorted", 1) != 0, c->scratch, &first, &count, &inverse);
	unique_shapes(c, axis, v.n, u);
	size_t es = op_esize(v.x), chunk = (size_t)v.inner * es;
	char *out = c->out[0]->data;

	for (int64_t o = 0; o < v.outer; o++) {
		for (int64_t k = 0; k < u; k++) {
			memcpy(out, (const char *)v.x->data + (size_t)((o * v.n + first[k]) * v.inner) * es,
			    chunk);
			out += chunk;
		}
	}
	if (c->n_out > 1 && c->out[1] != NULL)
		memcpy(c->out[1]->data, first, (size_t)u * sizeof(int64_t));
	if (c->n_out > 2 && c->out[2] != NULL)
		memcpy(c->out[2]->data, inverse, (size_t)v.n * sizeof(int64_t));
	if (c->n_out > 3 && c->out[3] != NULL)
		memcpy(c->out[3]->data, count, (size_t)u * sizeof(int64_t));
	return 0;
}

const struct op_def op_Unique = {
	.name = "Unique", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 4,
	.infer = unique_infer, .run = unique_run,
};
