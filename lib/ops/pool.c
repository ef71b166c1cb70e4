/*
 * pool.c: MaxPool, AveragePool, LpPool (1-d to 3-d, pads, auto_pad,
 * ceil_mode, dilations), their Global forms, and MaxUnpool.
 */
#include <math.h>
#include <string.h>

#include "ops/op.h"
#include "ops/simd.h"
#include "util/banned.h"

#define POOL_MAX_SP 3

enum pool_kind { POOL_MAX, POOL_AVG, POOL_LP };

struct pool_geom {
	int nsp;
	int64_t n, c;
	/* Real dims in the last nsp slots, leading slots 1 (innermost loops over real dims). */
	int64_t in[POOL_MAX_SP], k[POOL_MAX_SP], out[POOL_MAX_SP];
	int64_t stride[POOL_MAX_SP], dil[POOL_MAX_SP], pad_b[POOL_MAX_SP], pad_e[POOL_MAX_SP];
	int64_t in_sp, out_sp;
};

static bool
pool_dtype(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16 || dt == LADDER_DT_INT8 || dt == LADDER_DT_UINT8;
}

static int
pool_geom(const struct op_ctx *c, struct pool_geom *g, bool ceil_ok, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int nsp = x->rank - 2, o, cnt;
	int64_t v[2 * LADDER_MAX_RANK];
	const char *ap = op_attr_string(c, "auto_pad", "NOTSET");
	bool ceil_mode = ceil_ok && op_attr_int(c, "ceil_mode", 0) != 0;

	if (nsp < 1 || nsp > POOL_MAX_SP)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input must be 3-d to 5-d (got %d-d)",
		    x->rank);
	if (!pool_dtype(x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	g->nsp = nsp;
	o = POOL_MAX_SP - nsp;
	for (int i = 0; i < POOL_MAX_SP; i++) {
		g->in[i] = g->k[i] = g->out[i] = g->stride[i] = g->dil[i] = 1;
		g->pad_b[i] = g->pad_e[i] = 0;
	}
	g->n = x->dims[0];
	g->c = x->dims[1];
	cnt = op_attr_ints(c, "kernel_shape", v, LADDER_MAX_RANK);
	if (cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "kernel_shape has %d values, input is %d-d",
		    cnt, nsp);
	for (int i = 0; i < nsp; i++)
		g->k[o + i] = v[i];
	cnt = op_attr_ints(c, "strides", v, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "strides has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt; i++)
		g->stride[o + i] = v[i];
	cnt = op_attr_ints(c, "dilations", v, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "dilations has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt; i++)
		g->dil[o + i] = v[i];
	cnt = op_attr_ints(c, "pads", v, 2 * LADDER_MAX_RANK);
	if (cnt != 0 && cnt != 2 * nsp)
		return op_fail(c, err, LADDER_EINVAL, "pads has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt / 2; i++) {
		g->pad_b[o + i] = v[i];
		g->pad_e[o + i] = v[i + nsp];
	}
	bool same = strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0;
	bool valid = strcmp(ap, "VALID") == 0;

	if (!same && !valid && strcmp(ap, "NOTSET") != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "auto_pad '%s' is not supported", ap);
	g->in_sp = g->out_sp = 1;
	for (int i = o; i < POOL_MAX_SP; i++) {
		int64_t in = x->dims[2 + i - o], ext = (g->k[i] - 1) * g->dil[i] + 1;

		if (g->stride[i] < 1 || g->dil[i] < 1 || g->k[i] < 1 || g->pad_b[i] < 0 || g->pad_e[i] < 0)
			return op_fail(c, err, LADDER_EINVAL,
			    "strides, dilations and kernel must be positive, pads non-negative");
		g->in[i] = in;
		if (same) {
			int64_t out = (in + g->stride[i] - 1) / g->stride[i];
			int64_t total = (out - 1) * g->stride[i] + ext - in;

			if (total < 0)
				total = 0;
			g->pad_b[i] = ap[5] == 'U' ? total / 2 : total - total / 2;
			g->pad_e[i] = total - g->pad_b[i];
			g->out[i] = out;
		} else {
			if (valid)
				g->pad_b[i] = g->pad_e[i] = 0;
			int64_t span = in + g->pad_b[i] + g->pad_e[i] - ext;

			if (span < 0)
				return op_fail(c, err, LADDER_EINVAL, "kernel larger than the padded input");
			g->out[i] = (ceil_mode ? (span + g->stride[i] - 1) / g->stride[i] :
			    span / g->stride[i]) + 1;
			/* The last window must start inside the input or the leading padding. */
			if (ceil_mode && (g->out[i] - 1) * g->stride[i] >= in + g->pad_b[i])
				g->out[i]--;
		}
		g->in_sp *= g->in[i];
		g->out_sp *= g->out[i];
	}
	return 0;
}

static void
pool_out_shape(const struct op_ctx *c, const struct pool_geom *g, struct exec_value *y,
    enum ladder_dtype dt)
{
	int64_t dims[LADDER_MAX_RANK];

	dims[0] = g->n;
	dims[1] = g->c;
	for (int i = 0; i < g->nsp; i++)
		dims[2 + i] = g->out[POOL_MAX_SP - g->nsp + i];
	op_set_shape(y, dt, g->nsp + 2, dims);
}

static int
pool_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct pool_geom g;
	bool is_max = strcmp(c->node->op_type, "MaxPool") == 0;
	int rc = pool_geom(c, &g, c->opset >= 10 || !is_max, err);

	if (rc != 0)
		return rc;
	pool_out_shape(c, &g, c->out[0], c->in[0]->dtype);
	if (c->n_out > 1 && c->out[1] != NULL)
		pool_out_shape(c, &g, c->out[1], LADDER_DT_INT64);
	if (!is_max && c->in[0]->dtype != LADDER_DT_FLOAT && c->in[0]->dtype != LADDER_DT_DOUBLE &&
	    c->in[0]->dtype != LADDER_DT_FLOAT16)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(c->in[0]->dtype));
	if (is_max && c->in[0]->dtype == LADDER_DT_FLOAT16 && (c->n_out < 2 || c->out[1] == NULL))
		/* float16 max pooling runs in float32 (exact): room for x and y converted. */
		c->scratch_bytes = (size_t)(op_numel(c->in[0]) + op_numel(c->out[0]) + 16) * sizeof(float);
	return 0;
}

static inline double
ld(const struct exec_value *v, bool f32, int64_t i)
{
	return f32 ? ((const float *)v->data)[i] : op_get_double(v, i);
}

/*
 * Float MaxPool without the Indices output: the same answer as the general
 * loop (first valid element, replaced only by a strictly greater one; 0 for
 * an empty window) with the window clipped once per row instead of testing
 * every tap.
 */
#if LADDER_SIMD_X86
#define MP_MAX_CHUNKS 32
#define MP_MAX_K 16
/*
 * 2-d float max pooling with AVX-512, 16 outputs of a row at a time (stride
 * 1 or 2), masked at the borders.  A window with no element inside the
 * input gives 0, as in the scalar loop.
 */
static LADDER_AVX512 bool
maxpool_avx512(const struct pool_geom *g, const float *x, float *y)
{
	int64_t kh_n = g->k[2 - 1], kw_n = g->k[2], s1 = g->stride[1], s2 = g->stride[2];
	int64_t in1 = g->in[1], in2 = g->in[2], out1 = g->out[1], out2 = g->out[2];
	int64_t chunks = (out2 + 15) / 16;
	const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4,
	    2, 0);
	__mmask16 mlo[MP_MAX_CHUNKS][MP_MAX_K], mhi[MP_MAX_CHUNKS][MP_MAX_K], om[MP_MAX_CHUNKS];
	__mmask16 mev[MP_MAX_CHUNKS][MP_MAX_K];
	int64_t base[MP_MAX_CHUNKS][MP_MAX_K];

	if (g->nsp != 2 || s2 > 2 || kw_n > MP_MAX_K || chunks > MP_MAX_CHUNKS)
		return false;
	for (int64_t c = 0; c < chunks; c++) {
		om[c] = pg_range_mask16(c * 16, out2);
		for (int64_t kw = 0; kw < kw_n; kw++) {
			int64_t b = c * 16 * s2 + kw * g->dil[2] - g->pad_b[2];

			base[c][kw] = b;
			mlo[c][kw] = pg_range_mask16(b, in2);
			mhi[c][kw] = pg_range_mask16(b + 16, in2);
			/* Which output lanes read a real element: lane l reads b + l * s2. */
			mev[c][kw] = 0;
			for (int l = 0; l < 16; l++)
				if (b + l * s2 >= 0 && b + l * s2 < in2)
					mev[c][kw] |= (__mmask16)(1u << l);
		}
	}
	const __m512 ninf = _mm512_set1_ps(-__builtin_inff());

	for (int64_t nc = 0; nc < g->n * g->c; nc++) {
		const float *xc = x + nc * g->in_sp;
		float *yc = y + nc * g->out_sp;

		for (int64_t oh = 0; oh < out1; oh++) {
			for (int64_t c = 0; c < chunks; c++) {
				__m512 acc = ninf;
				__mmask16 any = 0;

				for (int64_t kh = 0; kh < kh_n; kh++) {
					int64_t ih = oh * s1 - g->pad_b[1] + kh * g->dil[1];

					if (ih < 0 || ih >= in1)
						continue;
					const float *xrow = xc + ih * in2;

					for (int64_t kw = 0; kw < kw_n; kw++) {
						const float *q = xrow + base[c][kw];
						__m512 v = _mm512_mask_loadu_ps(ninf, mlo[c][kw], q);

						if (s2 == 2)
							v = _mm512_permutex2var_ps(v, evens,
							    _mm512_mask_loadu_ps(ninf, mhi[c][kw], q + 16));
						acc = _mm512_max_ps(v, acc);
						any |= mev[c][kw];
					}
				}
				acc = _mm512_maskz_mov_ps(any, acc);
				_mm512_mask_storeu_ps(yc + oh * out2 + c * 16, om[c], acc);
			}
		}
	}
	return true;
}
#endif

static void
maxpool_float(const struct pool_geom *g, const float *x, float *y)
{
	for (int64_t nc = 0; nc < g->n * g->c; nc++) {
		const float *xc = x + nc * g->in_sp;
		float *yc = y + nc * g->out_sp;

		for (int64_t od = 0; od < g->out[0]; od++)
		for (int64_t oh = 0; oh < g->out[1]; oh++) {
			float *yrow = yc + (od * g->out[1] + oh) * g->out[2];

			for (int64_t ow = 0; ow < g->out[2]; ow++) {
				int64_t iw0 = ow * g->stride[2] - g->pad_b[2];
				float acc = 0.0f;
				bool any = false;

				for (int64_t kd = 0; kd < g->k[0]; kd++) {
					int64_t id = od * g->stride[0] - g->pad_b[0] + kd * g->dil[0];

					if (id < 0 || id >= g->in[0])
						continue;
					for (int64_t kh = 0; kh < g->k[1]; kh++) {
						int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];

						if (ih < 0 || ih >= g->in[1])
							continue;
						const float *xrow = xc + (id * g->in[1] + ih) * g->in[2];

						for (int64_t kw = 0; kw < g->k[2]; kw++) {
							int64_t iw = iw0 + kw * g->dil[2];

							if (iw < 0 || iw >= g->in[2])
								continue;
							float v = xrow[iw];

							if (!any || v > acc)
								acc = v;
							any = true;
						}
					}
				}
				yrow[ow] = acc;
			}
		}
	}
}

static int
pool_run_kind(struct op_ctx *c, enum pool_kind kind, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0], *ind = c->n_out > 1 ? c->out[1] : NULL;
	struct pool_geom g;
	bool f32 = x->dtype == LADDER_DT_FLOAT;
	bool include_pad = op_attr_int(c, "count_include_pad", 0) != 0;
	bool col_major = op_attr_int(c, "storage_order", 0) != 0;
	double p = (double)op_attr_int(c, "p", 2);
	int rc = pool_geom(c, &g, kind != POOL_MAX || c->opset >= 10, err);
	int o = POOL_MAX_SP - g.nsp;
	int64_t cstride[POOL_MAX_SP];

	if (rc != 0)
		return rc;
	if (kind == POOL_MAX && x->dtype == LADDER_DT_FLOAT16 && ind == NULL && c->scratch != NULL) {
		int64_t nx = op_numel(x), ny = op_numel(y);
		float *xf = c->scratch, *yf = xf + (nx + 15) / 16 * 16;

		pg_h2f(x->data, xf, nx);
#if LADDER_SIMD_X86
		if (!pg_fast() || !maxpool_avx512(&g, xf, yf))
#endif
			maxpool_float(&g, xf, yf);
		pg_f2h(yf, y->data, ny);
		return 0;
	}
	if (kind == POOL_MAX && f32 && ind == NULL) {
#if LADDER_SIMD_X86
		if (pg_fast() && maxpool_avx512(&g, x->data, y->data))
			return 0;
#endif
		maxpool_float(&g, x->data, y->data);
		return 0;
	}
	/* Column-major strides of the real spatial dims for storage_order 1. */
	for (int i = 0, s = 1; i < POOL_MAX_SP; i++) {
		cstride[i] = s;
		if (i >= o)
			s *= (int)g.in[i];
	}
	for (int64_t nc = 0; nc < g.n * g.c; nc++) {
		int64_t xb = nc * g.in_sp, yb = nc * g.out_sp;

		for (int64_t od = 0; od < g.out[0]; od++)
		for (int64_t oh = 0; oh < g.out[1]; oh++)
		for (int64_t ow = 0; ow < g.out[2]; ow++) {
			int64_t yi = yb + (od * g.out[1] + oh) * g.out[2] + ow;
			double acc = kind == POOL_MAX ? -INFINITY : 0;
			int64_t count = 0, pad_count = 0, best = -1, best_cm = 0;

			for (int64_t kd = 0; kd < g.k[0]; kd++) {
				int64_t id = od * g.stride[0] - g.pad_b[0] + kd * g.dil[0];
				bool din = id >= 0 && id < g.in[0];
				bool dpad = id >= -g.pad_b[0] && id < g.in[0] + g.pad_e[0];

				for (int64_t kh = 0; kh < g.k[1]; kh++) {
					int64_t ih = oh * g.stride[1] - g.pad_b[1] + kh * g.dil[1];
					bool hin = din && ih >= 0 && ih < g.in[1];
					bool hpad = dpad && ih >= -g.pad_b[1] && ih < g.in[1] + g.pad_e[1];

					for (int64_t kw = 0; kw < g.k[2]; kw++) {
						int64_t iw = ow * g.stride[2] - g.pad_b[2] + kw * g.dil[2];
						bool in = hin && iw >= 0 && iw < g.in[2];

						if (hpad && iw >= -g.pad_b[2] && iw < g.in[2] + g.pad_e[2])
							pad_count++;
						if (!in)
							continue;
						int64_t xi = (id * g.in[1] + ih) * g.in[2] + iw;
						double v = ld(x, f32, xb + xi);

						count++;
						if (kind == POOL_MAX) {
							if (best < 0 || v > acc) {
								acc = v;
								best = xi;
								best_cm = id * cstride[0] + ih * cstride[1] +
								    iw * cstride[2];
							}
						} else if (kind == POOL_AVG) {
							acc += v;
						} else {
							acc += pow(fabs(v), p);
						}
					}
				}
			}
			if (kind == POOL_AVG)
				acc = (include_pad ? pad_count : count) > 0 ?
				    acc / (double)(include_pad ? pad_count : count) : 0;
			else if (kind == POOL_LP)
				acc = pow(acc, 1.0 / p);
			else if (best < 0)
				acc = 0;
			if (f32)
				((float *)y->data)[yi] = (float)acc;
			else
				op_set_double(y, yi, acc);
			if (ind != NULL)
				((int64_t *)ind->data)[yi] = xb + (col_major ? best_cm : best);
		}
	}
	return 0;
}

static int
maxpool_run(struct op_ctx *c, struct ladder_err *err)
{
	return pool_run_kind(c, POOL_MAX, err);
}

static int
avgpool_run(struct op_ctx *c, struct ladder_err *err)
{
	return pool_run_kind(c, POOL_AVG, err);
}

static int
lppool_run(struct op_ctx *c, struct ladder_err *err)
{
	return pool_run_kind(c, POOL_LP, err);
}

static int64_t
pool_macs(const struct op_ctx *c)
{
	int64_t k[LADDER_MAX_RANK], prod = 1;
	int n = op_attr_ints(c, "kernel_shape", k, LADDER_MAX_RANK);

	for (int i = 0; i < n; i++)
		prod *= k[i];
	return op_numel(c->out[0]) * prod;
}

const struct op_def op_MaxPool = {
	.name = "MaxPool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 2,
	.infer = pool_infer, .run = maxpool_run, .macs = pool_macs,
};

const struct op_def op_AveragePool = {
	.name = "AveragePool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .infer = pool_infer, .run = avgpool_run, .macs = pool_macs,
};

const struct op_def op_LpPool = {
	.name = "LpPool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .infer = pool_infer, .run = lppool_run, .macs = pool_macs,
};

/* ---- Global pools ---- */

static int
global_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t dims[LADDER_MAX_RANK];

	if (x->rank < 3)
		return op_fail(c, err, LADDER_EINVAL, "input must be at least 3-d");
	if (x->dtype != LADDER_DT_FLOAT && x->dtype != LADDER_DT_DOUBLE &&
	    x->dtype != LADDER_DT_FLOAT16)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	for (int i = 0; i < x->rank; i++)
		dims[i] = i < 2 ? x->dims[i] : 1;
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return 0;
}

static int
global_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	struct exec_value *y = c->out[0];
	const char *op = c->node->op_type;
	enum pool_kind kind = strcmp(op, "GlobalMaxPool") == 0 ? POOL_MAX :
	    strcmp(op, "GlobalLpPool") == 0 ? POOL_LP : POOL_AVG;
	double p = (double)op_attr_int(c, "p", 2);
	int64_t nc = x->dims[0] * x->dims[1], sp = nc > 0 ? op_numel(x) / nc : 0;
	bool f32 = x->dtype == LADDER_DT_FLOAT;

	for (int64_t i = 0; i < nc; i++) {
		double acc = kind == POOL_MAX ? -INFINITY : 0;

		if (f32 && kind == POOL_AVG) {
			const float *row = (const float *)x->data + i * sp;
			float s = 0;

			for (int64_t j = 0; j < sp; j++)
				s += row[j];
			acc = s;
		} else {
			for (int64_t j = 0; j < sp; j++) {
				double v = ld(x, f32, i * sp + j);

				if (kind == POOL_MAX)
					acc = v > acc ? v : acc;
				else if (kind == POOL_AVG)
					acc += v;
				else
					acc += pow(fabs(v), p);
			}
		}
		if (kind == POOL_AVG)
			acc = sp > 0 ? acc / (double)sp : 0;
		else if (kind == POOL_LP)
			acc = pow(acc, 1.0 / p);
		if (f32)
			((float *)y->data)[i] = (float)acc;
		else
			op_set_double(y, i, acc);
	}
	(void)err;
	return 0;
}

static int64_t
global_macs(const struct op_ctx *c)
{
	return op_numel(c->in[0]);
}

const struct op_def op_GlobalAveragePool = {
	.name = "GlobalAveragePool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .infer = global_infer, .run = global_run, .macs = global_macs,
};

const struct op_def op_GlobalMaxPool = {
	.name = "GlobalMaxPool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .infer = global_infer, .run = global_run, .macs = global_macs,
};

const struct op_def op_GlobalLpPool = {
	.name = "GlobalLpPool", .domain = "", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1,
	.n_out_max = 1, .infer = global_infer, .run = global_run, .macs = global_macs,
};

/* ---- MaxUnpool ---- */

/* The output shape without output_shape: (in - 1) * stride + kernel - pads. */
static int
unpool_default(const struct op_ctx *c, int64_t *dims, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t k[LADDER_MAX_RANK], s[LADDER_MAX_RANK], pads[2 * LADDER_MAX_RANK];
	int nsp = x->rank - 2;

	if (op_attr_ints(c, "kernel_shape", k, LADDER_MAX_RANK) != nsp)
		return op_fail(c, err, LADDER_EINVAL, "kernel_shape must have %d values", nsp);
	int ns = op_attr_ints(c, "strides", s, LADDER_MAX_RANK);
	int np = op_attr_ints(c, "pads", pads, 2 * LADDER_MAX_RANK);

	if ((ns != 0 && ns != nsp) || (np != 0 && np != 2 * nsp))
		return op_fail(c, err, LADDER_EINVAL, "strides or pads have the wrong length");
	dims[0] = x->dims[0];
	dims[1] = x->dims[1];
	for (int i = 0; i < nsp; i++) {
		int64_t st = ns ? s[i] : 1, pb = np ? pads[i] : 0, pe = np ? pads[i + nsp] : 0;

		dims[2 + i] = (x->dims[2 + i] - 1) * st + k[i] - pb - pe;
		if (dims[2 + i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "negative output size");
	}
	return 0;
}

static int
unpool_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1], *os = c->in[2];
	int64_t dims[LADDER_MAX_RANK];
	int nsp = x->rank - 2, rc;

	if (nsp < 1)
		return op_fail(c, err, LADDER_EINVAL, "input must be at least 3-d");
	if (!op_same_shape(x, ind) || (ind->dtype != LADDER_DT_INT64 && ind->dtype != LADDER_DT_INT32))
		return op_fail(c, err, LADDER_EINVAL, "indices must be integers shaped like the input");
	if ((rc = unpool_default(c, dims, err)) != 0)
		return rc;
	if (os != NULL) {
		if (os->data == NULL)
			return op_fail(c, err, LADDER_EUNSUPPORTED, "output_shape must be constant");
		if (os->rank != 1 || os->dims[0] != x->rank)
			return op_fail(c, err, LADDER_EINVAL, "output_shape must have %d values", x->rank);
		for (int i = 0; i < x->rank; i++) {
			int64_t d = op_get_int(os, i);

			if (d < dims[i] || (i < 2 && d != dims[i]))
				return op_fail(c, err, LADDER_EINVAL, "output_shape smaller than the input needs");
			dims[i] = d;
		}
	}
	op_set_shape(c->out[0], x->dtype, x->rank, dims);
	return 0;
}

/* Indices address the default-shaped output; an explicit output_shape only adds room. */
static int
unpool_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *ind = c->in[1];
	struct exec_value *y = c->out[0];
	int64_t n = op_numel(x), dflt[LADDER_MAX_RANK], total = 1;
	int rc = unpool_default(c, dflt, err);

	if (rc != 0)
		return rc;
	for (int i = 0; i < y->rank; i++)
		total *= dflt[i];
	memset(y->data, 0, y->bytes);
	for (int64_t i = 0; i < n; i++) {
		int64_t j = op_get_int(ind, i), rem, pos = 0, mul = 1;

		if (j < 0 || j >= total)
			return op_fail(c, err, LADDER_EINVAL, "index %lld out of range", (long long)j);
		rem = j;
		for (int d = y->rank - 1; d >= 0; d--) {
			pos += (rem % dflt[d]) * mul;
			rem /= dflt[d];
			mul *= y->dims[d];
		}
		op_set_double(y, pos, op_get_double(x, i));
	}
	return 0;
}

const struct op_def op_MaxUnpool = {
	.name = "MaxUnpool", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1,
	.n_out_max = 1, .infer = unpool_infer, .run = unpool_run,
};
