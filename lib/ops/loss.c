/*
 * loss.c: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (forward
 * only; reductions none/sum/mean, class weights, ignore_index), computed in
 * double.  Semantics follow the ONNX reference: weights are gathered with
 * clipped indices, ignored targets weigh 0, and "mean" divides by the sum of
 * the gathered weights when weights or ignore_index are given.
 */
#include <math.h>
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

enum reduction { RED_NONE, RED_SUM, RED_MEAN };

static bool
loss_float(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16;
}

static int
loss_reduction(const struct op_ctx *c, enum reduction *r, struct ladder_err *err)
{
	const char *s = op_attr_string(c, "reduction", "mean");

	if (strcmp(s, "none") == 0)
		*r = RED_NONE;
	else if (strcmp(s, "sum") == 0)
		*r = RED_SUM;
	else if (strcmp(s, "mean") == 0)
		*r = RED_MEAN;
	else
		return op_fail(c, err, LADDER_EINVAL, "reduction '%s' is not none, sum or mean", s);
	return 0;
}

static int
loss_check(struct op_ctx *c, struct ladder_err *err)
{
	enum reduction r;

	return loss_reduction(c, &r, err);
}

/* x [N, C, d...], target [N, d...], weight [C]. */
static int
loss_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *t = c->in[1], *w = c->in[2];
	enum reduction r;
	int rc;

	if ((rc = loss_reduction(c, &r, err)) != 0)
		return rc;
	if (x->rank < 2 || !loss_float(x->dtype))
		return op_fail(c, err, LADDER_EINVAL, "input must be a float tensor of at least 2-d");
	if (t->dtype != LADDER_DT_INT32 && t->dtype != LADDER_DT_INT64)
		return op_fail(c, err, LADDER_EINVAL, "target must be int32 or int64");
	if (t->rank != x->rank - 1 || t->dims[0] != x->dims[0])
		return op_fail(c, err, LADDER_EINVAL, "target shape does not match the input");
	for (int i = 1; i < t->rank; i++) {
		if (t->dims[i] != x->dims[i + 1])
			return op_fail(c, err, LADDER_EINVAL, "target shape does not match the input");
	}
	if (w != NULL && (w->rank != 1 || w->dims[0] != x->dims[1] || !loss_float(w->dtype)))
		return op_fail(c, err, LADDER_EINVAL, "weight must be [%lld]", (long long)x->dims[1]);
	if (r == RED_NONE)
		op_set_shape(c->out[0], x->dtype, t->rank, t->dims);
	else
		op_set_shape(c->out[0], x->dtype, 0, NULL);
	if (c->n_out > 1 && c->out[1] != NULL)
		op_set_shape(c->out[1], x->dtype, x->rank, x->dims);
	return 0;
}

/*
 * lp(n, k, d) gives the log-probability of class k; shared by both ops.
 * For NLL it is the input itself, for SCE the log-softmax (in logp).
 */
static int
loss_reduce(struct op_ctx *c, const struct exec_value *lp, struct ladder_err *err)
{
	const struct exec_value *t = c->in[1], *w = c->in[2];
	struct exec_value *y = c->out[0];
	const struct ladder_attr *ia = op_attr(c, "ignore_index");
	bool has_ignore = ia != NULL && ia->type == LADDER_ATTR_INT;
	int64_t ignore = has_ignore ? ia->i : 0;
	int64_t n = lp->dims[0], classes = lp->dims[1], d = n * classes > 0 ? op_numel(lp) / (n * classes) : 0;
	enum reduction r;
	double sum = 0, wsum = 0;

	loss_reduction(c, &r, err);
	for (int64_t i = 0; i < n; i++) {
		for (int64_t j = 0; j < d; j++) {
			int64_t k = op_get_int(t, i * d + j);
			double loss = 0, gw = 1;

			if (has_ignore && k == ignore) {
				gw = 0;
			} else {
				if (k < 0 || k >= classes)
					return op_fail(c, err, LADDER_EINVAL, "target %lld out of range",
					    (long long)k);
				loss = -op_get_double(lp, (i * classes + k) * d + j);
				if (w != NULL)
					gw = op_get_double(w, k);
				loss *= gw;
			}
			if (r == RED_NONE)
				op_set_double(y, i * d + j, loss);
			sum += loss;
			wsum += gw;
		}
	}
	if (r == RED_SUM)
		op_set_double(y, 0, sum);
	else if (r == RED_MEAN)
		op_set_double(y, 0, (w != NULL || has_ignore) ? sum / wsum : sum / (double)(n * d));
	return 0;
}

static int
nll_run(struct op_ctx *c, struct ladder_err *err)
{
	return loss_reduce(c, c->in[0], err);
}

const struct op_def op_NegativeLogLikelihoodLoss = {
	.name = "NegativeLogLikelihoodLoss", .domain = "", .n_in_min = 2, .n_in_max = 3,
	.n_out_min = 1, .n_out_max = 1, .check = loss_check, .infer = loss_infer, .run = nll_run,
};

static int
sce_infer(struct op_ctx *c, struct ladder_err *err)
{
	int rc = loss_infer(c, err);

	if (rc == 0 && (c->n_out < 2 || c->out[1] == NULL))
		c->scratch_bytes = (size_t)op_numel(c->in[0]) * sizeof(double);
	return rc;
}

static int
sce_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value tmp, *lp;
	int64_t n = x->dims[0], classes = x->dims[1], d = n * classes > 0 ? op_numel(x) / (n * classes) : 0;

	/* log_prob goes to the second output when asked for, else to scratch (as double). */
	if (c->n_out > 1 && c->out[1] != NULL) {
		lp = c->out[1];
	} else {
		tmp = *x;
		tmp.dtype = LADDER_DT_DOUBLE;
		tmp.data = c->scratch;
		lp = &tmp;
	}
	for (int64_t i = 0; i < n; i++) {
		for (int64_t j = 0; j < d; j++) {
			double mx = -INFINITY, s = 0;

			for (int64_t k = 0; k < classes; k++) {
				double v = op_get_double(x, (i * classes + k) * d + j);
				mx = v > mx ? v : mx;
			}
			for (int64_t k = 0; k < classes; k++)
				s += exp(op_get_double(x, (i * classes + k) * d + j) - mx);
			double ls = log(s);

			for (int64_t k = 0; k < classes; k++) {
				int64_t idx = (i * classes + k) * d + j;

				op_set_double(lp, idx, op_get_double(x, idx) - mx - ls);
			}
		}
	}
	return loss_reduce(c, lp, err);
}

const struct op_def op_SoftmaxCrossEntropyLoss = {
	.name = "SoftmaxCrossEntropyLoss", .domain = "", .n_in_min = 2, .n_in_max = 3,
	.n_out_min = 1, .n_out_max = 2, .check = loss_check, .infer = sce_infer, .run = sce_run,
};
