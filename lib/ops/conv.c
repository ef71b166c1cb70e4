/*
 * conv.c: Conv and ConvTranspose (1-d to 3-d, groups, dilations, pads,
 * auto_pad).  float32 goes through im2col/col2im and op_sgemm; other float
 * dtypes through a direct loop in double.
 */
#include <string.h>

#include "ops/gemm.h"
#include "ops/op.h"
#include "util/banned.h"

#define CONV_MAX_SP 3

struct conv_geom {
	int nsp;		/* spatial dims, padded to CONV_MAX_SP with 1s */
	int64_t n, c, m, group;
	int64_t in[CONV_MAX_SP], k[CONV_MAX_SP], out[CONV_MAX_SP];
	int64_t stride[CONV_MAX_SP], dil[CONV_MAX_SP], pad_b[CONV_MAX_SP], pad_e[CONV_MAX_SP];
	int64_t in_sp, k_sp, out_sp;	/* products */
};

static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool
float_dtype(enum ladder_dtype dt)
{
	return dt == LADDER_DT_FLOAT || dt == LADDER_DT_DOUBLE || dt == LADDER_DT_FLOAT16 ||
	    dt == LADDER_DT_BFLOAT16;
}

/* Attributes common to both ops, sized to the input's spatial rank. */
static int
conv_attrs(const struct op_ctx *c, struct conv_geom *g, int nsp, const int64_t *kernel_from_w,
    struct ladder_err *err)
{
	int64_t v[2 * LADDER_MAX_RANK];
	int cnt;

	g->nsp = nsp;
	for (int i = 0; i < CONV_MAX_SP; i++) {
		g->in[i] = g->k[i] = g->out[i] = g->stride[i] = g->dil[i] = 1;
		g->pad_b[i] = g->pad_e[i] = 0;
	}
	cnt = op_attr_ints(c, "kernel_shape", v, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "kernel_shape has %d values, input is %d-d",
		    cnt, nsp);
	for (int i = 0; i < nsp; i++) {
		g->k[i] = cnt ? v[i] : kernel_from_w[i];
		if (kernel_from_w[i] != g->k[i])
			return op_fail(c, err, LADDER_EINVAL, "kernel_shape does not match the weights");
	}
	cnt = op_attr_ints(c, "strides", v, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "strides has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt; i++)
		g->stride[i] = v[i];
	cnt = op_attr_ints(c, "dilations", v, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "dilations has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt; i++)
		g->dil[i] = v[i];
	cnt = op_attr_ints(c, "pads", v, 2 * LADDER_MAX_RANK);
	if (cnt != 0 && cnt != 2 * nsp)
		return op_fail(c, err, LADDER_EINVAL, "pads has %d values, input is %d-d", cnt, nsp);
	for (int i = 0; i < cnt / 2; i++) {
		g->pad_b[i] = v[i];
		g->pad_e[i] = v[i + nsp];
	}
	for (int i = 0; i < nsp; i++) {
		if (g->stride[i] < 1 || g->dil[i] < 1 || g->k[i] < 1 || g->pad_b[i] < 0 || g->pad_e[i] < 0)
			return op_fail(c, err, LADDER_EINVAL,
			    "strides, dilations and kernel must be positive, pads non-negative");
	}
	g->group = op_attr_int(c, "group", 1);
	if (g->group < 1)
		return op_fail(c, err, LADDER_EINVAL, "group must be positive");
	return 0;
}

static int
auto_pad_kind(const struct op_ctx *c, struct ladder_err *err)
{
	const char *ap = op_attr_string(c, "auto_pad", "NOTSET");

	if (strcmp(ap, "NOTSET") == 0)
		return 0;
	if (strcmp(ap, "VALID") == 0)
		return 1;
	if (strcmp(ap, "SAME_UPPER") == 0)
		return 2;
	if (strcmp(ap, "SAME_LOWER") == 0)
		return 3;
	return op_fail(c, err, LADDER_EUNSUPPORTED, "auto_pad '%s' is not supported", ap);
}

/* Moves the nsp real dims to the back (leading 1s), so the innermost loops run over real dims. */
static void
geom_products(struct conv_geom *g)
{
	int o = CONV_MAX_SP - g->nsp;

	for (int i = CONV_MAX_SP - 1; i >= o && o > 0; i--) {
		g->in[i] = g->in[i - o];
		g->k[i] = g->k[i - o];
		g->out[i] = g->out[i - o];
		g->stride[i] = g->stride[i - o];
		g->dil[i] = g->dil[i - o];
		g->pad_b[i] = g->pad_b[i - o];
		g->pad_e[i] = g->pad_e[i - o];
	}
	for (int i = 0; i < o; i++) {
		g->in[i] = g->k[i] = g->out[i] = g->stride[i] = g->dil[i] = 1;
		g->pad_b[i] = g->pad_e[i] = 0;
	}
	g->in_sp = g->k_sp = g->out_sp = 1;
	for (int i = 0; i < CONV_MAX_SP; i++) {
		g->in_sp *= g->in[i];
		g->k_sp *= g->k[i];
		g->out_sp *= g->out[i];
	}
}

/* ---- Conv ---- */

static int
conv_geom(const struct op_ctx *c, struct conv_geom *g, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
	int nsp = x->rank - 2, rc, ap;

	if (nsp < 1 || nsp > CONV_MAX_SP)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input must be 3-d to 5-d (got %d-d)",
		    x->rank);
	if (w->rank != x->rank)
		return op_fail(c, err, LADDER_EINVAL, "weights are %d-d, input is %d-d", w->rank, x->rank);
	if (!float_dtype(x->dtype) || w->dtype != x->dtype || (b != NULL && b->dtype != x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	rc = conv_attrs(c, g, nsp, w->dims + 2, err);
	if (rc != 0)
		return rc;
	if ((ap = auto_pad_kind(c, err)) < 0)
		return ap;
	g->n = x->dims[0];
	g->c = x->dims[1];
	g->m = w->dims[0];
	if (g->c != w->dims[1] * g->group || g->m % g->group != 0)
		return op_fail(c, err, LADDER_EINVAL,
		    "channels do not match: input %lld, weights %lld x group %lld, filters %lld",
		    (long long)g->c, (long long)w->dims[1], (long long)g->group, (long long)g->m);
	if (b != NULL && (b->rank != 1 || b->dims[0] != g->m))
		return op_fail(c, err, LADDER_EINVAL, "bias must be [%lld]", (long long)g->m);
	for (int i = 0; i < nsp; i++) {
		int64_t in = x->dims[2 + i], ext = (g->k[i] - 1) * g->dil[i] + 1;

		g->in[i] = in;
		if (ap == 1) {
			g->pad_b[i] = g->pad_e[i] = 0;
		} else if (ap >= 2) {
			int64_t out = (in + g->stride[i] - 1) / g->stride[i];
			int64_t total = (out - 1) * g->stride[i] + ext - in;

			if (total < 0)
				total = 0;
			g->pad_b[i] = ap == 2 ? total / 2 : total - total / 2;
			g->pad_e[i] = total - g->pad_b[i];
		}
		int64_t span = in + g->pad_b[i] + g->pad_e[i] - ext;

		if (span < 0)
			return op_fail(c, err, LADDER_EINVAL, "kernel larger than the padded input");
		g->out[i] = span / g->stride[i] + 1;
	}
	geom_products(g);
	return 0;
}

/* All of x, w (and bias) float16: computed in float32 through the fast path. */
static bool
conv_fp16(const struct op_ctx *c)
{
	return c->in[0]->dtype == LADDER_DT_FLOAT16 && c->in[1]->dtype == LADDER_DT_FLOAT16 &&
	    (c->in[2] == NULL || c->in[2]->dtype == LADDER_DT_FLOAT16);
}

static void
half_to_float_n(const uint16_t *h, float *f, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		f[i] = op_half_to_float(h[i]);
}

static int
conv_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct conv_geom g;
	int64_t dims[LADDER_MAX_RANK];
	int rc = conv_geom(c, &g, err);

	if (rc != 0)
		return rc;
	dims[0] = g.n;
	dims[1] = g.m;
	for (int i = 0; i < g.nsp; i++)
		dims[2 + i] = g.out[CONV_MAX_SP - g.nsp + i];
	op_set_shape(c->out[0], c->in[0]->dtype, c->in[0]->rank, dims);
	if (c->in[0]->dtype == LADDER_DT_FLOAT || c->in[0]->dtype == LADDER_DT_FLOAT16) {
		bool pointwise = g.k_sp == 1;

		for (int i = 0; i < CONV_MAX_SP; i++)
			pointwise = pointwise && g.stride[i] == 1 && g.pad_b[i] == 0 && g.pad_e[i] == 0;
		if (!pointwise)
			c->scratch_bytes = (size_t)(g.c / g.group * g.k_sp * g.out_sp) * sizeof(float);
	}
	if (conv_fp16(c)) {
		/* float16 computes in float32: room for converted x, w, bias and y. */
		int64_t y_numel = op_numel(c->out[0]);
		c->scratch_bytes += (size_t)(op_numel(c->in[0]) + op_numel(c->in[1]) + g.m + y_numel) *
		    sizeof(float);
	}
	return 0;
}

/* Columns of one group: rows (channel, kernel position), columns output positions. */
static void
im2col(const struct conv_geom *g, const float *x, int64_t channels, float *col)
{
	for (int64_t ch = 0; ch < channels; ch++) {
		const float *xc = x + ch * g->in_sp;

		for (int64_t kd = 0; kd < g->k[0]; kd++)
		for (int64_t kh = 0; kh < g->k[1]; kh++)
		for (int64_t kw = 0; kw < g->k[2]; kw++) {
			for (int64_t od = 0; od < g->out[0]; od++) {
				int64_t id = od * g->stride[0] - g->pad_b[0] + kd * g->dil[0];
				bool dok = id >= 0 && id < g->in[0];

				for (int64_t oh = 0; oh < g->out[1]; oh++) {
					int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];
					bool hok = dok && ih >= 0 && ih < g->in[1];
					const float *xrow = xc + (id * g->in[1] + ih) * g->in[2];

					if (!hok) {
						memset(col, 0, (size_t)g->out[2] * sizeof *col);
						col += g->out[2];
						continue;
					}
					int64_t iw = kw * g->dil[2] - g->pad_b[2];

					if (g->stride[2] == 1 && iw >= 0 && iw + g->out[2] <= g->in[2]) {
						memcpy(col, xrow + iw, (size_t)g->out[2] * sizeof *col);
						col += g->out[2];
						continue;
					}
					for (int64_t ow = 0; ow < g->out[2]; ow++, iw += g->stride[2])
						*col++ = iw >= 0 && iw < g->in[2] ? xrow[iw] : 0.0f;
				}
			}
		}
	}
}

static void
conv_generic(const struct op_ctx *c, const struct conv_geom *g)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
	struct exec_value *y = c->out[0];
	int64_t cg = g->c / g->group, mg = g->m / g->group;

	for (int64_t n = 0; n < g->n; n++)
	for (int64_t m = 0; m < g->m; m++) {
		int64_t grp = m / mg;

		for (int64_t od = 0; od < g->out[0]; od++)
		for (int64_t oh = 0; oh < g->out[1]; oh++)
		for (int64_t ow = 0; ow < g->out[2]; ow++) {
			double s = b != NULL ? op_get_double(b, m) : 0;

			for (int64_t ch = 0; ch < cg; ch++)
			for (int64_t kd = 0; kd < g->k[0]; kd++)
			for (int64_t kh = 0; kh < g->k[1]; kh++)
			for (int64_t kw = 0; kw < g->k[2]; kw++) {
				int64_t id = od * g->stride[0] - g->pad_b[0] + kd * g->dil[0];
				int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];
				int64_t iw = ow * g->stride[2] - g->pad_b[2] + kw * g->dil[2];

				if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1] || iw < 0 ||
				    iw >= g->in[2])
					continue;
				int64_t xi = ((n * g->c + grp * cg + ch) * g->in[0] + id) * g->in[1];
				int64_t wi = ((m * cg + ch) * g->k[0] + kd) * g->k[1];

				s += op_get_double(x, (xi + ih) * g->in[2] + iw) *
				    op_get_double(w, (wi + kh) * g->k[2] + kw);
			}
			op_set_double(y, ((n * g->m + m) * g->out[0] + od) * g->out[1] * g->out[2] +
			    oh * g->out[2] + ow, s);
		}
	}
}

/*
 * Depthwise 2-d float conv (group == input == output channels): direct loops,
 * one output row accumulated per kernel tap, so the inner loop is a
 * contiguous (for stride 1) multiply-add the compiler vectorises.
 */
static bool
conv_is_depthwise(const struct conv_geom *g)
{
	return g->group > 1 && g->group == g->c && g->group == g->m && g->k[0] == 1 &&
	    g->in[0] == 1 && g->out[0] == 1 && g->pad_b[0] == 0;
}

static void
conv_depthwise(const struct conv_geom *g, const float *xd, const float *wd, const float *bd,
    float *yd)
{
	int64_t kh_n = g->k[1], kw_n = g->k[2], s1 = g->stride[1], s2 = g->stride[2];
	int64_t in1 = g->in[1], in2 = g->in[2], out1 = g->out[1], out2 = g->out[2];

	for (int64_t n = 0; n < g->n; n++)
	for (int64_t ch = 0; ch < g->c; ch++) {
		const float *x = xd + (n * g->c + ch) * in1 * in2;
		const float *w = wd + ch * kh_n * kw_n;
		float *y = yd + (n * g->c + ch) * out1 * out2;
		float bv = bd != NULL ? bd[ch] : 0.0f;

		for (int64_t oh = 0; oh < out1; oh++) {
			float *restrict yrow = y + oh * out2;

			for (int64_t ow = 0; ow < out2; ow++)
				yrow[ow] = bv;
			for (int64_t kh = 0; kh < kh_n; kh++) {
				int64_t ih = oh * s1 - g->pad_b[1] + kh * g->dil[1];

				if (ih < 0 || ih >= in1)
					continue;
				const float *restrict xrow = x + ih * in2;

				for (int64_t kw = 0; kw < kw_n; kw++) {
					float wv = w[kh * kw_n + kw];
					int64_t iw0 = kw * g->dil[2] - g->pad_b[2];
					int64_t lo = iw0 < 0 ? (-iw0 + s2 - 1) / s2 : 0;
					int64_t hi = in2 - iw0 > 0 ? (in2 - iw0 + s2 - 1) / s2 : 0;

					if (hi > out2)
						hi = out2;
					if (s2 == 1) {
						const float *restrict xs = xrow + iw0;

						for (int64_t ow = lo; ow < hi; ow++)
							yrow[ow] += wv * xs[ow];
					} else {
						for (int64_t ow = lo; ow < hi; ow++)
							yrow[ow] += wv * xrow[ow * s2 + iw0];
					}
				}
			}
		}
	}
}

static int
conv_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
	struct exec_value *y = c->out[0];
	struct conv_geom g;
	int rc = conv_geom(c, &g, err);

	if (rc != 0)
		return rc;
	if (conv_fp16(c) && y->dtype == LADDER_DT_FLOAT16 && c->scratch != NULL) {
		/* Convert into the workspace behind the im2col columns, run in float32. */
		struct op_ctx fc = *c;
		struct exec_value fx = *x, fw = *w, fb, fy = *y;
		size_t col_bytes = c->scratch_bytes - (size_t)(op_numel(x) + op_numel(w) + g.m +
		    op_numel(y)) * sizeof(float);
		float *p = (float *)((char *)c->scratch + col_bytes);
		struct exec_value *ins[3] = { &fx, &fw, NULL }, *outs[1] = { &fy };

		fx.dtype = fw.dtype = fy.dtype = LADDER_DT_FLOAT;
		fx.data = p;
		half_to_float_n(x->data, p, op_numel(x));
		p += op_numel(x);
		fw.data = p;
		half_to_float_n(w->data, p, op_numel(w));
		p += op_numel(w);
		if (b != NULL) {
			fb = *b;
			fb.dtype = LADDER_DT_FLOAT;
			fb.data = p;
			half_to_float_n(b->data, p, op_numel(b));
			ins[2] = &fb;
		}
		p += g.m;
		fy.data = p;
		fc.in = ins;
		fc.out = outs;
		fc.scratch = col_bytes > 0 ? c->scratch : NULL;
		fc.scratch_bytes = col_bytes;
		rc = conv_run(&fc, err);
		uint16_t *yh = y->data;
		for (int64_t i = 0, n = op_numel(y); rc == 0 && i < n; i++)
			yh[i] = op_float_to_half(p[i]);
		return rc;
	}
	if (y->dtype != LADDER_DT_FLOAT) {
		conv_generic(c, &g);
		return 0;
	}
	int64_t cg = g.c / g.group, mg = g.m / g.group, kdim = cg * g.k_sp;
	const float *xd = x->data, *wd = w->data, *bd = b != NULL ? b->data : NULL;
	float *yd = y->data, *col = c->scratch;

	if (conv_is_depthwise(&g)) {
		conv_depthwise(&g, xd, wd, bd, yd);
		return 0;
	}

	for (int64_t n = 0; n < g.n; n++) {
		for (int64_t grp = 0; grp < g.group; grp++) {
			const float *xg = xd + (n * g.c + grp * cg) * g.in_sp;
			float *yg = yd + (n * g.m + grp * mg) * g.out_sp;
			const float *src = xg;

			if (col != NULL) {
				im2col(&g, xg, cg, col);
				src = col;
			}
			op_sgemm(false, false, mg, g.out_sp, kdim, 1.0f, wd + grp * mg * kdim, kdim,
			    src, g.out_sp, 0.0f, yg, g.out_sp);
			if (bd != NULL) {
				for (int64_t m = 0; m < mg; m++) {
					float bv = bd[grp * mg + m];
					float *row = yg + m * g.out_sp;

					for (int64_t i = 0; i < g.out_sp; i++)
						row[i] += bv;
				}
			}
		}
	}
	return 0;
}

static int64_t
conv_macs(const struct op_ctx *c)
{
	const struct exec_value *y = c->out[0], *w = c->in[1];
	int64_t per = 1;

	for (int i = 1; i < w->rank; i++)
		per *= w->dims[i];
	return op_numel(y) * per;
}

const struct op_def op_Conv = {
	.name = "Conv", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = conv_infer, .run = conv_run, .macs = conv_macs,
};

/* ---- ConvTranspose ---- */

static int
convt_geom(const struct op_ctx *c, struct conv_geom *g, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
	int nsp = x->rank - 2, rc, ap, cnt, ocnt;
	int64_t opad[LADDER_MAX_RANK] = { 0 }, oshape[LADDER_MAX_RANK + 2];

	if (nsp < 1 || nsp > CONV_MAX_SP)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input must be 3-d to 5-d (got %d-d)",
		    x->rank);
	if (w->rank != x->rank)
		return op_fail(c, err, LADDER_EINVAL, "weights are %d-d, input is %d-d", w->rank, x->rank);
	if (!float_dtype(x->dtype) || w->dtype != x->dtype || (b != NULL && b->dtype != x->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtype %s",
		    ladder_dtype_name(x->dtype));
	rc = conv_attrs(c, g, nsp, w->dims + 2, err);
	if (rc != 0)
		return rc;
	if ((ap = auto_pad_kind(c, err)) < 0)
		return ap;
	g->n = x->dims[0];
	g->c = x->dims[1];
	if (g->c != w->dims[0] || g->c % g->group != 0)
		return op_fail(c, err, LADDER_EINVAL, "channels do not match: input %lld, weights %lld",
		    (long long)g->c, (long long)w->dims[0]);
	g->m = w->dims[1] * g->group;
	if (b != NULL && (b->rank != 1 || b->dims[0] != g->m))
		return op_fail(c, err, LADDER_EINVAL, "bias must be [%lld]", (long long)g->m);
	cnt = op_attr_ints(c, "output_padding", opad, LADDER_MAX_RANK);
	if (cnt != 0 && cnt != nsp)
		return op_fail(c, err, LADDER_EINVAL, "output_padding has %d values", cnt);
	ocnt = op_attr_ints(c, "output_shape", oshape, LADDER_MAX_RANK + 2);
	if (ocnt != 0 && ocnt != nsp && ocnt != nsp + 2)
		return op_fail(c, err, LADDER_EINVAL, "output_shape has %d values", ocnt);
	for (int i = 0; i < nsp; i++) {
		int64_t in = x->dims[2 + i], ext = (g->k[i] - 1) * g->dil[i] + 1;
		int64_t full = g->stride[i] * (in - 1) + opad[i] + ext;

		g->in[i] = in;
		if (ocnt != 0 || ap >= 2) {
			int64_t want = ocnt != 0 ? oshape[ocnt - nsp + i] : in * g->stride[i];
			int64_t total = full - want;

			if (ap == 2) {
				g->pad_b[i] = floordiv(total, 2);
				g->pad_e[i] = total - g->pad_b[i];
			} else {
				g->pad_e[i] = floordiv(total, 2);
				g->pad_b[i] = total - g->pad_e[i];
			}
		} else if (ap == 1) {
			g->pad_b[i] = g->pad_e[i] = 0;
		}
		g->out[i] = full - g->pad_b[i] - g->pad_e[i];
		if (g->out[i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "negative output size");
	}
	geom_products(g);
	return 0;
}

static int
convt_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct conv_geom g;
	int64_t dims[LADDER_MAX_RANK];
	int rc = convt_geom(c, &g, err);

	if (rc != 0)
		return rc;
	dims[0] = g.n;
	dims[1] = g.m;
	for (int i = 0; i < g.nsp; i++)
		dims[2 + i] = g.out[CONV_MAX_SP - g.nsp + i];
	op_set_shape(c->out[0], c->in[0]->dtype, c->in[0]->rank, dims);
	if (c->in[0]->dtype == LADDER_DT_FLOAT)
		c->scratch_bytes = (size_t)(g.m / g.group * g.k_sp * g.in_sp) * sizeof(float);
	return 0;
}

static int
convt_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
	struct exec_value *y = c->out[0];
	struct conv_geom g;
	int rc = convt_geom(c, &g, err);

	if (rc != 0)
		return rc;
	int64_t cg = g.c / g.group, mg = g.m / g.group, rows = mg * g.k_sp;
	bool f32 = y->dtype == LADDER_DT_FLOAT;
	float *col = c->scratch;

	for (int64_t n = 0; n < g.n; n++) {
		for (int64_t grp = 0; grp < g.group; grp++) {
			if (f32) {
				/* col[mg*k, in] = W_g^T [mg*k, cg] * X_g [cg, in]. */
				op_sgemm(true, false, rows, g.in_sp, cg, 1.0f,
				    (const float *)w->data + grp * cg * rows, rows,
				    (const float *)x->data + (n * g.c + grp * cg) * g.in_sp, g.in_sp,
				    0.0f, col, g.in_sp);
			}
			for (int64_t m = 0; m < mg; m++) {
				int64_t mo = grp * mg + m;
				int64_t ybase = (n * g.m + mo) * g.out_sp;
				double bv = b != NULL ? op_get_double(b, mo) : 0;

				if (f32) {
					float *yd = (float *)y->data + ybase;
					for (int64_t i = 0; i < g.out_sp; i++)
						yd[i] = (float)bv;
				} else {
					for (int64_t i = 0; i < g.out_sp; i++)
						op_set_double(y, ybase + i, bv);
				}
				for (int64_t kd = 0; kd < g.k[0]; kd++)
				for (int64_t kh = 0; kh < g.k[1]; kh++)
				for (int64_t kw = 0; kw < g.k[2]; kw++) {
					int64_t kidx = (kd * g.k[1] + kh) * g.k[2] + kw;

					for (int64_t id = 0; id < g.in[0]; id++) {
						int64_t od = id * g.stride[0] - g.pad_b[0] + kd * g.dil[0];
						if (od < 0 || od >= g.out[0])
							continue;
						for (int64_t ih = 0; ih < g.in[1]; ih++) {
							int64_t oh = ih * g.stride[1] - g.pad_b[1] + kh * g.dil[1];
							if (oh < 0 || oh >= g.out[1])
								continue;
							for (int64_t iw = 0; iw < g.in[2]; iw++) {
								int64_t ow = iw * g.stride[2] - g.pad_b[2] + kw * g.dil[2];
								if (ow < 0 || ow >= g.out[2])
									continue;
								int64_t ipos = (id * g.in[1] + ih) * g.in[2] + iw;
								int64_t opos = (od * g.out[1] + oh) * g.out[2] + ow;

								if (f32) {
									((float *)y->data)[ybase + opos] +=
									    col[(m * g.k_sp + kidx) * g.in_sp + ipos];
								} else {
									double s = 0;
									for (int64_t ch = 0; ch < cg; ch++)
										s += op_get_double(x, (n * g.c + grp * cg + ch) * g.in_sp + ipos) *
										    op_get_double(w, ((grp * cg + ch) * mg + m) * g.k_sp + kidx);
									op_set_double(y, ybase + opos,
									    op_get_double(y, ybase + opos) + s);
								}
							}
						}
					}
				}
			}
		}
	}
	return 0;
}

static int64_t
convt_macs(const struct op_ctx *c)
{
	const struct exec_value *x = c->in[0], *w = c->in[1];
	int64_t per = 1;

	for (int i = 1; i < w->rank; i++)
		per *= w->dims[i];
	return op_numel(x) * per;
}

const struct op_def op_ConvTranspose = {
	.name = "ConvTranspose", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1,
	.n_out_max = 1, .infer = convt_infer, .run = convt_run, .macs = convt_macs,
};
