/*
 * topk.c: TopK.  k is an attribute (opset 1) or a 1-element input whose data
 * must be known at infer.  Equal values keep the lower index first; the
 * output is always sorted (also allowed when sorted=0).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ops/ew.h"
#include "util/banned.h"

struct topk_params {
	int64_t axis, k;
	bool largest;
};

struct topk_item {
	double v;
	int64_t i;
};

static int
TopK_check(struct op_ctx *c, struct ladder_err *err)
{
	struct topk_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->axis = op_attr_int(c, "axis", -1);
	p->k = op_attr_int(c, "k", -1);
	p->largest = op_attr_int(c, "largest", 1) != 0;
	c->params = p;
	return 0;
}

static int
topk_k(const struct op_ctx *c, int64_t *k, struct ladder_err *err)
{
	const struct topk_params *p = c->params;
	const struct exec_value *kv = c->n_in > 1 ? c->in[1] : NULL;

	if (kv == NULL) {
		*k = p->k;
		return 0;
	}
	if (op_numel(kv) != 1 || !ew_is_int(kv->dtype))
		return op_fail(c, err, LADDER_EINVAL, "K must be a 1-element integer tensor");
	if (kv->data == NULL)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "K '%s' is not known before run",
		    kv->name ? kv->name : "?");
	*k = op_get_int(kv, 0);
	return 0;
}

static int
TopK_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct topk_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK], k = 0;
	int axis;

	if (!ew_is_float(x->dtype) && !ew_is_int(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (!op_axis(p->axis, x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)p->axis, x->rank);
	if (topk_k(c, &k, err) != 0)
		return err->code;
	if (k < 0 || k > x->dims[axis])
		return op_fail(c, err, LADDER_EINVAL, "k %lld is out of range (axis has %lld)",
		    (long long)k, (long long)x->dims[axis]);
	for (int d = 0; d < x->rank; d++)
		dims[d] = d == axis ? k : x->dims[d];
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	if (c->n_out > 1 && c->out[1] != NULL)
		op_set_shape(c->out[1], LADDER_DT_INT64, x->rank, dims);
	c->scratch_bytes = (size_t)x->dims[axis] * sizeof(struct topk_item);
	return 0;
}

static int
cmp_largest(const void *a, const void *b)
{
	const struct topk_item *x = a, *y = b;

	if (x->v != y->v)
		return x->v > y->v || y->v != y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
cmp_smallest(const void *a, const void *b)
{
	const struct topk_item *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v || y->v != y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
TopK_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct topk_params *p = c->params;
	const struct exec_value *x = c->in[0];
	struct exec_value *vals = c->out[0];
	struct exec_value *idx = c->n_out > 1 ? c->out[1] : NULL;
	struct topk_item *items = c->scratch;
	int axis;

	op_axis(p->axis, x->rank, &axis);
	int64_t k = vals->dims[axis], n = x->dims[axis], outer = 1, inner = 1;

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	if (k == 0 || outer * inner == 0)
		return 0;
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			int64_t base = o * n * inner + i, obase = o * k * inner + i;

			for (int64_t j = 0; j < n; j++) {
				items[j].v = op_get_double(x, base + j * inner);
				items[j].i = j;
			}
			qsort(items, (size_t)n, sizeof *items, p->largest ? cmp_largest : cmp_smallest);
			for (int64_t j = 0; j < k; j++) {
				int64_t src = base + items[j].i * inner, dst = obase + j * inner;
				size_t es = ladder_dtype_size(x->dtype);

				/* Copy the element itself, so int64 values stay exact. */
				for (size_t b = 0; b < es; b++)
					((uint8_t *)vals->data)[(size_t)dst * es + b] =
					    ((const uint8_t *)x->data)[(size_t)src * es + b];
				if (idx != NULL)
					((int64_t *)idx->data)[dst] = items[j].i;
			}
		}
	}
	return 0;
}

const struct op_def op_TopK = { "TopK", "", 1, 2, 1, 2, TopK_check, TopK_infer, TopK_run, NULL };
