/*
 * reduce.c: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare and
 * ArgMax/ArgMin.  Axes are an attribute, or (ReduceSum from opset 13, the
 * others from 18) an optional second input whose data must be known at infer.
 * Accumulation is in double whatever the dtype.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/ew.h"
#include "util/banned.h"

enum red_kind {
	R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_LOGSUM, R_LOGSUMEXP, R_SUMSQUARE,
};

struct red_params {
	enum red_kind kind;
	bool keepdims;
	bool noop_with_empty_axes;
	bool axes_input;	/* axes come from input 1 */
	int n_axes;
	int64_t axes[LADDER_MAX_RANK];
	bool mask[LADDER_MAX_RANK];	/* set by infer: axes reduced */
	bool identity;			/* set by infer: nothing reduced (noop) */
};

static int
red_check(struct op_ctx *c, enum red_kind kind, struct ladder_err *err)
{
	struct red_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->kind = kind;
	p->keepdims = op_attr_int(c, "keepdims", 1) != 0;
	p->noop_with_empty_axes = op_attr_int(c, "noop_with_empty_axes", 0) != 0;
	int n = op_attr_ints(c, "axes", p->axes, LADDER_MAX_RANK);

	if (n < 0)
		return op_fail(c, err, LADDER_EINVAL, "too many axes");
	p->n_axes = n;
	p->axes_input = c->node->n_inputs > 1 && c->node->inputs != NULL &&
	    c->node->inputs[1] != NULL && c->node->inputs[1][0] != '\0';
	if (p->axes_input && n > 0)
		return op_fail(c, err, LADDER_EINVAL, "axes given both as attribute and input");
	c->params = p;
	return 0;
}

static int
red_axes(struct op_ctx *c, struct red_params *p, int rank, struct ladder_err *err)
{
	int64_t axes[LADDER_MAX_RANK];
	int n = p->n_axes;

	memcpy(axes, p->axes, sizeof axes);
	if (p->axes_input && c->n_in > 1 && c->in[1] != NULL) {
		const struct exec_value *a = c->in[1];
		int64_t m = op_numel(a);

		if (m > 0 && a->data == NULL)
			return op_fail(c, err, LADDER_EUNSUPPORTED,
			    "axes input '%s' is not known before run", a->name ? a->name : "?");
		if (m < 0 || m > LADDER_MAX_RANK)
			return op_fail(c, err, LADDER_EINVAL, "axes has %lld values", (long long)m);
		n = (int)m;
		for (int i = 0; i < n; i++)
			axes[i] = op_get_int(a, i);
	}
	memset(p->mask, 0, sizeof p->mask);
	p->identity = false;
	if (n == 0) {
		if (p->noop_with_empty_axes)
			p->identity = true;
		else
			for (int d = 0; d < rank; d++)
				p->mask[d] = true;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		int ax;

		if (!op_axis(axes[i], rank, &ax))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
			    (long long)axes[i], rank);
		p->mask[ax] = true;
	}
	return 0;
}

static int
red_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct red_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK];
	int r = 0;

	if (!ew_is_float(x->dtype) && !ew_is_int(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (red_axes(c, p, x->rank, err) != 0)
		return err->code;
	for (int d = 0; d < x->rank; d++) {
		if (!p->mask[d])
			dims[r++] = x->dims[d];
		else if (p->keepdims)
			dims[r++] = 1;
	}
	op_set_shape(c->out[0], x->dtype, r, dims);
	return 0;
}

/*
 * Splits x's axes into kept and reduced groups with their element strides,
 * merging neighbours that are contiguous within a group.
 */
struct red_plan {
	int nk, nr;
	int64_t kd[LADDER_MAX_RANK], ks[LADDER_MAX_RANK];
	int64_t rd[LADDER_MAX_RANK], rs[LADDER_MAX_RANK];
};

static void
group_add(int *n, int64_t *dims, int64_t *strides, int64_t d, int64_t s)
{
	if (d == 1)
		return;
	if (*n > 0 && strides[*n - 1] == s * d) {
		dims[*n - 1] *= d;
		strides[*n - 1] = s;
		return;
	}
	dims[*n] = d;
	strides[*n] = s;
	(*n)++;
}

static void
red_plan_make(struct red_plan *pl, const struct exec_value *x, const bool *mask)
{
	int64_t s = 1, strides[LADDER_MAX_RANK];

	for (int d = x->rank - 1; d >= 0; d--) {
		strides[d] = s;
		s *= x->dims[d];
	}
	pl->nk = pl->nr = 0;
	for (int d = 0; d < x->rank; d++) {
		if (mask[d])
			group_add(&pl->nr, pl->rd, pl->rs, x->dims[d], strides[d]);
		else
			group_add(&pl->nk, pl->kd, pl->ks, x->dims[d], strides[d]);
	}
	if (pl->nr == 0) {
		pl->rd[0] = 1;
		pl->rs[0] = 0;
		pl->nr = 1;
	}
	if (pl->nk == 0) {
		pl->kd[0] = 1;
		pl->ks[0] = 0;
		pl->nk = 1;
	}
}

static inline void
odo_next(int n, const int64_t *dims, const int64_t *strides, int64_t *idx, int64_t *off)
{
	for (int d = n - 1; d >= 0; d--) {
		idx[d]++;
		*off += strides[d];
		if (idx[d] < dims[d])
			return;
		*off -= strides[d] * dims[d];
		idx[d] = 0;
	}
}

/* For every output element: BODY over the reduced elements v (double). */
#define RED_EACH(S, LD, BODY)                                                            \
	do {                                                                            \
		const S *px_ = (const S *)x->data;                                      \
		int64_t rin_ = pl.rd[pl.nr - 1], rsi_ = pl.rs[pl.nr - 1];               \
		int64_t rout_ = 1;                                                      \
		for (int d_ = 0; d_ < pl.nr - 1; d_++)                                  \
			rout_ *= pl.rd[d_];                                             \
		int64_t ridx_[LADDER_MAX_RANK] = { 0 }, roff_ = 0;                      \
		for (int64_t ro_ = 0; ro_ < rout_; ro_++) {                              \
			const S *q_ = px_ + base + roff_;                               \
			for (int64_t j_ = 0; j_ < rin_; j_++) {                         \
				double v = LD(q_[j_ * rsi_]);                           \
				BODY;                                                   \
			}                                                               \
			odo_next(pl.nr - 1, pl.rd, pl.rs, ridx_, &roff_);               \
		}                                                                       \
	} while (0)

#define RED_KERNEL(S, C, LD, ST, unused)                                                  \
	do {                                                                            \
		double acc, mx;                                                         \
		switch (p->kind) {                                                      \
		case R_SUM: case R_MEAN: case R_LOGSUM:                                 \
			acc = 0;                                                        \
			RED_EACH(S, LD, acc += v);                                      \
			break;                                                          \
		case R_SUMSQUARE: case R_L2:                                            \
			acc = 0;                                                        \
			RED_EACH(S, LD, acc += v * v);                                  \
			break;                                                          \
		case R_L1:                                                              \
			acc = 0;                                                        \
			RED_EACH(S, LD, acc += fabs(v));                                \
			break;                                                          \
		case R_PROD:                                                            \
			acc = 1;                                                        \
			RED_EACH(S, LD, acc *= v);                                      \
			break;                                                          \
		case R_MAX:                                                             \
			acc = -INFINITY;                                                \
			RED_EACH(S, LD, if (v > acc || v != v) acc = v);                \
			break;                                                          \
		case R_MIN:                                                             \
			acc = INFINITY;                                                 \
			RED_EACH(S, LD, if (v < acc || v != v) acc = v);                \
			break;                                                          \
		case R_LOGSUMEXP:                                                       \
			mx = -INFINITY;                                                 \
			RED_EACH(S, LD, if (v > mx) mx = v);                            \
			if (isinf(mx))                                                  \
				mx = 0;                                                 \
			acc = 0;                                                        \
			RED_EACH(S, LD, acc += exp(v - mx));                            \
			acc = log(acc) + mx;                                            \
			break;                                                          \
		default:                                                                \
			acc = 0;                                                        \
			break;                                                          \
		}                                                                       \
		if (p->kind == R_MEAN)                                                  \
			acc = n_red ? acc / (double)n_red : NAN;                        \
		else if (p->kind == R_L2)                                               \
			acc = sqrt(acc);                                                \
		else if (p->kind == R_LOGSUM)                                           \
			acc = log(acc);                                                 \
		result = acc;                                                           \
	} while (0)

static int
red_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct red_params *p = c->params;
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	struct red_plan pl;
	int64_t n_out = op_numel(y), n_red = 1;

	if (p->identity) {
		/* noop_with_empty_axes: the reduction is the identity (L2 etc. still apply). */
		bool mask[LADDER_MAX_RANK] = { false };

		red_plan_make(&pl, x, mask);
	} else {
		red_plan_make(&pl, x, p->mask);
	}
	for (int d = 0; d < pl.nr; d++)
		n_red *= pl.rd[d];
	for (int d = 0; d < x->rank; d++) {
		if (x->dims[d] == 0 && !(p->identity ? false : p->mask[d]))
			return 0;	/* empty output */
	}
	int64_t kidx[LADDER_MAX_RANK] = { 0 }, base = 0;

	for (int64_t o = 0; o < n_out; o++) {
		double result = 0;

		switch (x->dtype) {
		EW_CASES_FLOAT(RED_KERNEL, 0)
		EW_CASES_INT(RED_KERNEL, 0)
		default:
			return ew_bad_dtype(c, x, err);
		}
		if (ew_is_int(y->dtype) && !(result > -9.2e18 && result < 9.2e18))
			result = 0;
		op_set_double(y, o, result);
		odo_next(pl.nk, pl.kd, pl.ks, kidx, &base);
	}
	return 0;
}

#define RED_OP(SYM, KIND)                                                               \
	static int SYM##_check(struct op_ctx *c, struct ladder_err *err)                \
	{                                                                               \
		return red_check(c, KIND, err);                                         \
	}                                                                               \
	const struct op_def op_##SYM = { #SYM, "", 1, 2, 1, 1, SYM##_check, red_infer,  \
		red_run, NULL }

RED_OP(ReduceSum, R_SUM);
RED_OP(ReduceMean, R_MEAN);
RED_OP(ReduceMax, R_MAX);
RED_OP(ReduceMin, R_MIN);
RED_OP(ReduceProd, R_PROD);
RED_OP(ReduceL1, R_L1);
RED_OP(ReduceL2, R_L2);
RED_OP(ReduceLogSum, R_LOGSUM);
RED_OP(ReduceLogSumExp, R_LOGSUMEXP);
RED_OP(ReduceSumSquare, R_SUMSQUARE);

/* ArgMax/ArgMin along one axis; ties go to the first index unless select_last_index. */
struct arg_params {
	int64_t axis;
	bool keepdims, last, is_max;
};

static int
arg_check(struct op_ctx *c, bool is_max, struct ladder_err *err)
{
	struct arg_params *p = ladder_arena_alloc(c->arena, sizeof *p);

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	p->axis = op_attr_int(c, "axis", 0);
	p->keepdims = op_attr_int(c, "keepdims", 1) != 0;
	p->last = op_attr_int(c, "select_last_index", 0) != 0;
	p->is_max = is_max;
	c->params = p;
	return 0;
}

static int
arg_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct arg_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK];
	int axis, r = 0;

	if (!ew_is_float(x->dtype) && !ew_is_int(x->dtype))
		return ew_bad_dtype(c, x, err);
	if (!op_axis(p->axis, x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)p->axis, x->rank);
	if (x->dims[axis] == 0)
		return op_fail(c, err, LADDER_EINVAL, "axis %d is empty", axis);
	for (int d = 0; d < x->rank; d++) {
		if (d != axis)
			dims[r++] = x->dims[d];
		else if (p->keepdims)
			dims[r++] = 1;
	}
	op_set_shape(c->out[0], LADDER_DT_INT64, r, dims);
	return 0;
}

static int
arg_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct arg_params *p = c->params;
	const struct exec_value *x = c->in[0];
	int64_t *y = c->out[0]->data;
	int axis;

	op_axis(p->axis, x->rank, &axis);
	int64_t outer = 1, inner = 1, n = x->dims[axis];

	for (int d = 0; d < axis; d++)
		outer *= x->dims[d];
	for (int d = axis + 1; d < x->rank; d++)
		inner *= x->dims[d];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t i = 0; i < inner; i++) {
			int64_t base = o * n * inner + i, best = 0;
			double bv = op_get_double(x, base);

			for (int64_t j = 1; j < n; j++) {
				double v = op_get_double(x, base + j * inner);
				bool better = p->is_max ? (p->last ? v >= bv : v > bv)
							: (p->last ? v <= bv : v < bv);

				if (better) {
					bv = v;
					best = j;
				}
			}
			y[o * inner + i] = best;
		}
	}
	return 0;
}

static int
ArgMax_check(struct op_ctx *c, struct ladder_err *err)
{
	return arg_check(c, true, err);
}

static int
ArgMin_check(struct op_ctx *c, struct ladder_err *err)
{
	return arg_check(c, false, err);
}

const struct op_def op_ArgMax = { "ArgMax", "", 1, 1, 1, 1, ArgMax_check, arg_infer, arg_run,
	NULL };
const struct op_def op_ArgMin = { "ArgMin", "", 1, 1, 1, 1, ArgMin_check, arg_infer, arg_run,
	NULL };
