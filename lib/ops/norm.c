/*
 * norm.c: BatchNormalization (inference, and training_mode statistics),
 * InstanceNormalization, LayerNormalization, LRN, MeanVarianceNormalization.
 * Statistics are accumulated in double.
 */
#include <math.h>
#include <string.h>

#include "ops/op.h"
#include "util/banned.h"

static bool
norm_dtype(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16;
}

static inline double
ld(const struct exec_value *v, int64_t i)
{
	return v->dtype == LADDER_DT_FLOAT ? ((const float *)v->data)[i] : op_get_double(v, i);
}

static inline void
st(struct exec_value *v, int64_t i, double x)
{
	if (v->dtype == LADDER_DT_FLOAT)
		((float *)v->data)[i] = (float)x;
	else
		op_set_double(v, i, x);
}

/* ---- BatchNormalization ---- */

static int
bn_check(struct op_ctx *c, struct ladder_err *err)
{
	if (c->opset < 9 && op_attr_int(c, "spatial", 1) == 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "spatial=0 is not supported");
	return 0;
}

static int
bn_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	bool training = op_attr_int(c, "training_mode", 0) != 0;

	if (x->rank < 2)
		return op_fail(c, err, LADDER_EINVAL, "input must be at least 2-d");
	if (!norm_dtype(x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	for (int k = 1; k < 5; k++) {
		const struct exec_value *p = c->in[k];

		if (p == NULL || p->rank != 1 || p->dims[0] != x->dims[1] || !norm_dtype(p->dtype))
			return op_fail(c, err, LADDER_EINVAL, "input %d must be [%lld]", k,
			    (long long)x->dims[1]);
	}
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	for (size_t k = 1; k < c->n_out; k++) {
		if (c->out[k] == NULL)
			continue;
		if (!training && c->opset >= 14)
			return op_fail(c, err, LADDER_EINVAL,
			    "running statistics are outputs only in training mode");
		op_set_shape(c->out[k], c->in[3]->dtype, 1, &x->dims[1]);
	}
	return 0;
}

static int
bn_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *bias = c->in[2];
	const struct exec_value *mean = c->in[3], *var = c->in[4];
	struct exec_value *y = c->out[0];
	double eps = op_attr_float(c, "epsilon", 1e-5f);
	double momentum = op_attr_float(c, "momentum", 0.9f);
	bool training = op_attr_int(c, "training_mode", 0) != 0 ||
	    (c->opset < 14 && c->n_out > 1 && c->out[1] != NULL);
	int64_t n = x->dims[0], ch = x->dims[1], sp = 1;

	for (int i = 2; i < x->rank; i++)
		sp *= x->dims[i];
	for (int64_t cc = 0; cc < ch; cc++) {
		double m = op_get_double(mean, cc), v = op_get_double(var, cc);

		if (training) {
			double s = 0, s2 = 0, cnt = (double)(n * sp);

			for (int64_t b = 0; b < n; b++)
				for (int64_t i = 0; i < sp; i++)
					s += ld(x, (b * ch + cc) * sp + i);
			double bm = cnt > 0 ? s / cnt : 0;

			for (int64_t b = 0; b < n; b++)
				for (int64_t i = 0; i < sp; i++) {
					double d = ld(x, (b * ch + cc) * sp + i) - bm;
					s2 += d * d;
				}
			double bv = cnt > 0 ? s2 / cnt : 0;

			if (c->n_out > 1 && c->out[1] != NULL)
				op_set_double(c->out[1], cc, m * momentum + bm * (1 - momentum));
			if (c->n_out > 2 && c->out[2] != NULL)
				op_set_double(c->out[2], cc, v * momentum + bv * (1 - momentum));
			if (c->n_out > 3 && c->out[3] != NULL)
				op_set_double(c->out[3], cc, bm);
			if (c->n_out > 4 && c->out[4] != NULL)
				op_set_double(c->out[4], cc, bv);
			m = bm;
			v = bv;
		}
		double a = op_get_double(scale, cc) / sqrt(v + eps);
		double b0 = op_get_double(bias, cc) - m * a;

		for (int64_t b = 0; b < n; b++) {
			int64_t base = (b * ch + cc) * sp;

			if (x->dtype == LADDER_DT_FLOAT) {
				const float *xs = (const float *)x->data + base;
				float *ys = (float *)y->data + base, fa = (float)a, fb = (float)b0;

				for (int64_t i = 0; i < sp; i++)
					ys[i] = xs[i] * fa + fb;
			} else {
				for (int64_t i = 0; i < sp; i++)
					st(y, base + i, ld(x, base + i) * a + b0);
			}
		}
	}
	(void)err;
	return 0;
}

static int64_t
elementwise_macs(const struct op_ctx *c)
{
	return op_numel(c->in[0]);
}

const struct op_def op_BatchNormalization = {
	.name = "BatchNormalization", .domain = "", .n_in_min = 5, .n_in_max = 5, .n_out_min = 1,
	.n_out_max = 5, .check = bn_check, .infer = bn_infer, .run = bn_run,
	.macs = elementwise_macs,
};

/* ---- InstanceNormalization ---- */

static int
in_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	if (x->rank < 3 || !norm_dtype(x->dtype))
		return op_fail(c, err, LADDER_EINVAL, "input must be a float tensor of at least 3-d");
	for (int k = 1; k < 3; k++) {
		if (c->in[k]->rank != 1 || c->in[k]->dims[0] != x->dims[1])
			return op_fail(c, err, LADDER_EINVAL, "scale and B must be [%lld]",
			    (long long)x->dims[1]);
	}
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
in_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *bias = c->in[2];
	struct exec_value *y = c->out[0];
	double eps = op_attr_float(c, "epsilon", 1e-5f);
	int64_t n = x->dims[0], ch = x->dims[1], sp = n * ch > 0 ? op_numel(x) / (n * ch) : 0;

	for (int64_t b = 0; b < n; b++) {
		for (int64_t cc = 0; cc < ch; cc++) {
			int64_t base = (b * ch + cc) * sp;
			double s = 0, s2 = 0;

			for (int64_t i = 0; i < sp; i++)
				s += ld(x, base + i);
			double m = sp > 0 ? s / (double)sp : 0;

			for (int64_t i = 0; i < sp; i++) {
				double d = ld(x, base + i) - m;
				s2 += d * d;
			}
			double a = op_get_double(scale, cc) / sqrt((sp > 0 ? s2 / (double)sp : 0) + eps);
			double b0 = op_get_double(bias, cc);

			for (int64_t i = 0; i < sp; i++)
				st(y, base + i, (ld(x, base + i) - m) * a + b0);
		}
	}
	(void)err;
	return 0;
}

const struct op_def op_InstanceNormalization = {
	.name = "InstanceNormalization", .domain = "", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1,
	.n_out_max = 1, .infer = in_infer, .run = in_run, .macs = elementwise_macs,
};

/* ---- LayerNormalization ---- */

static int
ln_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int axis;
	int64_t dims[LADDER_MAX_RANK];
	enum ladder_dtype stash = op_attr_int(c, "stash_type", 1) == 1 ? LADDER_DT_FLOAT : x->dtype;

	if (!norm_dtype(x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	if (!op_axis(op_attr_int(c, "axis", -1), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis out of range");
	for (int k = 1; k < 3; k++) {
		const struct exec_value *p = c->in[k];

		if (p == NULL)
			continue;
		if (p->rank > x->rank)
			return op_fail(c, err, LADDER_EINVAL, "scale/B rank exceeds the input's");
		for (int i = 0; i < p->rank; i++) {
			int64_t xd = x->dims[x->rank - p->rank + i];

			if (p->dims[i] != 1 && p->dims[i] != xd)
				return op_fail(c, err, LADDER_EINVAL, "scale/B do not broadcast to the input");
		}
	}
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	for (int i = 0; i < x->rank; i++)
		dims[i] = i < axis ? x->dims[i] : 1;
	for (size_t k = 1; k < c->n_out && k < 3; k++) {
		if (c->out[k] != NULL)
			op_set_shape(c->out[k], stash, x->rank, dims);
	}
	return 0;
}

static int
ln_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *bias = c->in[2];
	struct exec_value *y = c->out[0];
	struct exec_value *mo = c->n_out > 1 ? c->out[1] : NULL, *io = c->n_out > 2 ? c->out[2] : NULL;
	double eps = op_attr_float(c, "epsilon", 1e-5f);
	int axis;
	int64_t outer = 1, inner = 1, ss[LADDER_MAX_RANK], bs[LADDER_MAX_RANK];

	if (!op_axis(op_attr_int(c, "axis", -1), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis out of range");
	for (int i = 0; i < x->rank; i++) {
		if (i < axis)
			outer *= x->dims[i];
		else
			inner *= x->dims[i];
	}
	op_broadcast_strides(scale, x->rank, x->dims, ss);
	if (bias != NULL)
		op_broadcast_strides(bias, x->rank, x->dims, bs);
	for (int64_t o = 0; o < outer; o++) {
		int64_t base = o * inner;
		double s = 0, s2 = 0;

		for (int64_t i = 0; i < inner; i++)
			s += ld(x, base + i);
		double m = inner > 0 ? s / (double)inner : 0;

		for (int64_t i = 0; i < inner; i++) {
			double d = ld(x, base + i) - m;
			s2 += d * d;
		}
		double inv = 1.0 / sqrt((inner > 0 ? s2 / (double)inner : 0) + eps);

		if (mo != NULL)
			op_set_double(mo, o, m);
		if (io != NULL)
			op_set_double(io, o, inv);
		for (int64_t i = 0; i < inner; i++) {
			/* Offsets of scale and B: their strides over the normalised (inner) dims. */
			int64_t si = 0, bi = 0, rem = i;

			for (int d = x->rank - 1; d >= axis; d--) {
				int64_t idx = rem % x->dims[d];

				rem /= x->dims[d];
				si += idx * ss[d];
				if (bias != NULL)
					bi += idx * bs[d];
			}
			double v = (ld(x, base + i) - m) * inv * op_get_double(scale, si);

			if (bias != NULL)
				v += op_get_double(bias, bi);
			st(y, base + i, v);
		}
	}
	return 0;
}

const struct op_def op_LayerNormalization = {
	.name = "LayerNormalization", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1,
	.n_out_max = 3, .infer = ln_infer, .run = ln_run, .macs = elementwise_macs,
};

/* ---- LRN ---- */

static int
lrn_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	if (x->rank < 3 || !norm_dtype(x->dtype))
		return op_fail(c, err, LADDER_EINVAL, "input must be a float tensor of at least 3-d");
	if (op_attr_int(c, "size", 0) < 1)
		return op_fail(c, err, LADDER_EINVAL, "size must be positive");
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

static int
lrn_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	double alpha = op_attr_float(c, "alpha", 1e-4f), beta = op_attr_float(c, "beta", 0.75f);
	double bias = op_attr_float(c, "bias", 1.0f);
	int64_t size = op_attr_int(c, "size", 1);
	int64_t n = x->dims[0], ch = x->dims[1], sp = n * ch > 0 ? op_numel(x) / (n * ch) : 0;
	int64_t lo = (size - 1) / 2, hi = size - 1 - lo;

	for (int64_t b = 0; b < n; b++)
		for (int64_t cc = 0; cc < ch; cc++)
			for (int64_t i = 0; i < sp; i++) {
				double sum = 0;

				for (int64_t k = cc - lo; k <= cc + hi; k++) {
					if (k < 0 || k >= ch)
						continue;
					double v = ld(x, (b * ch + k) * sp + i);
					sum += v * v;
				}
				int64_t idx = (b * ch + cc) * sp + i;

				st(y, idx, ld(x, idx) / pow(bias + alpha / (double)size * sum, beta));
			}
	(void)err;
	return 0;
}

const struct op_def op_LRN = {
	.name = "LRN", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = lrn_infer, .run = lrn_run, .macs = elementwise_macs,
};

/* ---- MeanVarianceNormalization ---- */

static int
mvn_axes(const struct op_ctx *c, const struct exec_value *x, bool *reduced, struct ladder_err *err)
{
	int64_t axes[LADDER_MAX_RANK];
	int n = op_attr_ints(c, "axes", axes, LADDER_MAX_RANK);

	if (n < 0)
		return op_fail(c, err, LADDER_EINVAL, "too many axes");
	if (n == 0) {
		axes[0] = 0, axes[1] = 2, axes[2] = 3;
		n = 3;
	}
	for (int i = 0; i < x->rank; i++)
		reduced[i] = false;
	for (int i = 0; i < n; i++) {
		int a;

		if (!op_axis(axes[i], x->rank, &a))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld out of range", (long long)axes[i]);
		reduced[a] = true;
	}
	return 0;
}

static int
mvn_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	bool reduced[LADDER_MAX_RANK];
	int64_t groups = 1;
	int rc;

	if (!norm_dtype(x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	if ((rc = mvn_axes(c, x, reduced, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++)
		if (!reduced[i])
			groups *= x->dims[i];
	c->scratch_bytes = (size_t)(3 * groups) * sizeof(double);
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	return 0;
}

/* Index of element i's group (flat index over the kept axes). */
static int64_t
mvn_group(const struct exec_value *x, const bool *reduced, int64_t i)
{
	int64_t g = 0, mul = 1;

	for (int d = x->rank - 1; d >= 0; d--) {
		int64_t idx = i % x->dims[d];

		i /= x->dims[d];
		if (!reduced[d]) {
			g += idx * mul;
			mul *= x->dims[d];
		}
	}
	return g;
}

static int
mvn_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	bool reduced[LADDER_MAX_RANK];
	int64_t groups = 1, n = op_numel(x);
	double *sum, *sq, *cnt;
	int rc;

	if ((rc = mvn_axes(c, x, reduced, err)) != 0)
		return rc;
	for (int i = 0; i < x->rank; i++)
		if (!reduced[i])
			groups *= x->dims[i];
	sum = c->scratch;
	sq = sum + groups;
	cnt = sq + groups;
	memset(sum, 0, (size_t)(3 * groups) * sizeof *sum);
	for (int64_t i = 0; i < n; i++) {
		int64_t g = mvn_group(x, reduced, i);
		double v = ld(x, i);

		sum[g] += v;
		sq[g] += v * v;
		cnt[g] += 1;
	}
	for (int64_t g = 0; g < groups; g++) {
		double m = cnt[g] > 0 ? sum[g] / cnt[g] : 0;
		double var = cnt[g] > 0 ? sq[g] / cnt[g] - m * m : 0;

		sum[g] = m;
		sq[g] = sqrt(var > 0 ? var : 0) + 1e-9;
	}
	for (int64_t i = 0; i < n; i++) {
		int64_t g = mvn_group(x, reduced, i);

		st(y, i, (ld(x, i) - sum[g]) / sq[g]);
	}
	return 0;
}

const struct op_def op_MeanVarianceNormalization = {
	.name = "MeanVarianceNormalization", .domain = "", .n_in_min = 1, .n_in_max = 1,
	.n_out_min = 1, .n_out_max = 1, .infer = mvn_infer, .run = mvn_run, .macs = elementwise_macs,
};
