/*
 * conv.c: Conv, com.microsoft FusedConv and ConvTranspose (1-d to 3-d,
 * groups, dilations, pads, auto_pad).
 *
 * float32 and float16 compute in float32.  On CPUs with a fast packed kernel
 * (pgemm.h) the weights are packed once when the session is planned and
 * im2col writes straight into the packed blocks; elsewhere im2col feeds
 * op_sgemm (the BLAS).  Depthwise 2-d convolutions have their own loops.
 * FusedConv (which the executor also makes from Conv [+ Add] [+ Relu, Clip,
 * LeakyRelu], see lib/exec/fuse.c) applies bias, residual and activation
 * while the result is still in registers.  Other float dtypes go through a
 * direct loop in double.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "ops/conv.h"
#include "ops/dconv.h"
#include "ops/gemm.h"
#include "ops/op.h"
#include "ops/par.h"
#include "ops/pgemm.h"
#include "ops/simd.h"
#include "util/banned.h"


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

int
conv_geom(const struct op_ctx *c, struct conv_geom *g, struct ladder_err *err)
{
	bool q = strcmp(c->node->op_type, "QConv") == 0;
	const struct exec_value *x = c->in[0], *w = c->in[q ? 3 : 1], *b = c->in[q ? 6 : 2];
	int nsp = x->rank - 2, rc, ap;

	if (nsp < 1 || nsp > CONV_MAX_SP)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input must be 3-d to 5-d (got %d-d)",
		    x->rank);
	if (w->rank != x->rank)
		return op_fail(c, err, LADDER_EINVAL, "weights are %d-d, input is %d-d", w->rank, x->rank);
	if (q ? x->dtype != LADDER_DT_UINT8 || w->dtype != LADDER_DT_INT8 ||
	    (b != NULL && b->dtype != LADDER_DT_FLOAT) :
	    !float_dtype(x->dtype) || w->dtype != x->dtype || (b != NULL && b->dtype != x->dtype))
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

/* All of x, w (and bias) float16: computed in float32. */
static bool
conv_fp16(const struct op_ctx *c)
{
	return c->in[0]->dtype == LADDER_DT_FLOAT16 && c->in[1]->dtype == LADDER_DT_FLOAT16 &&
	    (c->in[2] == NULL || c->in[2]->dtype == LADDER_DT_FLOAT16);
}


/* Session state of a Conv or FusedConv node. */
struct conv_state {
	struct pg_post post;	/* FusedConv's activation (bias and z are set per run) */
	/* The weights packed for pg_gemm, group after group; kept while w is unchanged. */
	const void *packed_src;
	int64_t packed_numel;
	float *packed;
	size_t packed_group;	/* floats per group */
};

static int
conv_check(struct op_ctx *c, struct ladder_err *err)
{
	struct conv_state *st = ladder_arena_alloc(c->arena, sizeof *st);

	if (st == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	memset(st, 0, sizeof *st);
	int rc = conv_activation(c, &st->post, err);

	if (rc != 0)
		return rc;
	c->params = st;
	return 0;
}

int
conv_activation(const struct op_ctx *c, struct pg_post *post, struct ladder_err *err)
{
	const char *act = op_attr_string(c, "activation", "");
	const struct ladder_attr *ap = op_attr(c, "activation_params");
	size_t pn = ap != NULL && ap->type == LADDER_ATTR_FLOATS ? ap->n : 0;

	memset(post, 0, sizeof *post);
	post->act = PG_ACT_NONE;
	post->lo = -FLT_MAX;
	post->hi = FLT_MAX;
	if (act[0] == '\0' || strcmp(act, "Identity") == 0) {
		post->act = PG_ACT_NONE;
	} else if (strcmp(act, "Relu") == 0) {
		post->act = PG_ACT_RELU;
	} else if (strcmp(act, "Clip") == 0) {
		if (pn != 2)
			return op_fail(c, err, LADDER_EINVAL,
			    "activation Clip needs activation_params [min, max]");
		post->act = PG_ACT_CLIP;
		post->lo = ap->floats[0];
		post->hi = ap->floats[1];
	} else if (strcmp(act, "LeakyRelu") == 0) {
		post->act = PG_ACT_LEAKY;
		post->alpha = pn >= 1 ? ap->floats[0] : 0.01f;
	} else {
		return op_fail(c, err, LADDER_EUNSUPPORTED, "activation '%s' is not supported", act);
	}
	return 0;
}

int
conv_runs(const struct conv_geom *g, int64_t n, int64_t cols, struct conv_run *run)
{
	int64_t ow = n % g->out[2], t = n / g->out[2], oh = t % g->out[1], od = t / g->out[1];
	int n_run = 0;

	for (int64_t lane = 0; lane < cols; n_run++) {
		int64_t len = g->out[2] - ow < cols - lane ? g->out[2] - ow : cols - lane;

		run[n_run] = (struct conv_run){ lane, len, od * g->stride[0], oh * g->stride[1],
			ow * g->stride[2] };
		lane += len;
		ow = 0;
		if (++oh == g->out[1]) {
			oh = 0;
			od++;
		}
	}
	return n_run;
}

unsigned
conv_rows_inside(const struct conv_geom *g, int64_t oh, int64_t ih, int64_t nrows)
{
	unsigned rows = 0;

	for (int64_t r = 0; r < nrows; r++) {
		int64_t ihr = ih + r * g->stride[1];

		if (oh + r < g->out[1] && ihr >= 0 && ihr < g->in[1])
			rows |= 1u << r;
	}
	return rows;
}

bool
conv_pointwise(const struct conv_geom *g)
{
	bool pw = g->k_sp == 1;

	for (int i = 0; i < CONV_MAX_SP; i++)
		pw = pw && g->stride[i] == 1 && g->pad_b[i] == 0 && g->pad_e[i] == 0;
	return pw;
}

/* FusedConv's residual input, or NULL. */
static const struct exec_value *
conv_z(const struct op_ctx *c)
{
	return c->n_in > 3 ? c->in[3] : NULL;
}

/* True when the packed weights in st are those of this node's w. */
static bool
conv_packed(const struct op_ctx *c, const struct conv_state *st)
{
	return st != NULL && st->packed != NULL && st->packed_src == c->in[1]->data &&
	    st->packed_numel == op_numel(c->in[1]);
}

/* How the run uses its workspace, in floats (each part a multiple of 16). */
struct conv_layout {
	bool f32;		/* computes in float32 (float32 or float16 data) */
	bool fast;		/* pg_gemm with packed weights */
	bool z_inline;		/* the residual goes into the epilogue (same shape) */
	bool tmp;		/* the conv result needs its own buffer (z broadcasts it up) */
	size_t work, xf, wf, bf, zf, yf, end;
};

static size_t
round16(int64_t n)
{
	return (size_t)(n + 15) / 16 * 16;
}

static void
conv_layout(const struct op_ctx *c, const struct conv_geom *g, struct conv_layout *L)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *z = conv_z(c);
	bool half = conv_fp16(c);
	int64_t conv_numel = g->n * g->m * g->out_sp;
	size_t off = 0;

	memset(L, 0, sizeof *L);
	L->f32 = x->dtype == LADDER_DT_FLOAT || half;
	L->fast = L->f32 && !conv_is_depthwise(g) && pg_fast() && conv_packed(c, c->params);
	L->z_inline = z == NULL || op_numel(z) == conv_numel;
	L->tmp = !L->z_inline && op_numel(c->out[0]) != conv_numel;
	if (!L->f32) {
		/* The double path: only a temporary conv result, in the output dtype. */
		if (L->tmp)
			L->end = round16((conv_numel * (int64_t)ladder_dtype_size(x->dtype) + 3) / 4);
		return;
	}
	if (L->fast && !dconv_suits(g))
		off += round16((int64_t)pg_work_floats(g->c / g->group * g->k_sp, g->out_sp) *
		    (c->threads > 1 ? c->threads : 1));
	else if (!conv_is_depthwise(g) && !conv_pointwise(g))
		off += round16(g->c / g->group * g->k_sp * g->out_sp);
	if (half) {
		L->xf = off;
		off += round16(op_numel(x));
		if (!L->fast) {
			L->wf = off;
			off += round16(op_numel(w));
		}
		L->bf = off;
		off += round16(g->m);
		if (z != NULL && L->z_inline) {
			L->zf = off;
			off += round16(op_numel(z));
		}
	}
	if (half || L->tmp) {
		L->yf = off;
		off += round16(conv_numel);
	}
	L->end = off;
}

/* Packs the weights for pg_gemm when they are known now and the CPU has the kernel. */
static int
conv_pack(struct op_ctx *c, const struct conv_geom *g, struct ladder_err *err)
{
	struct conv_state *st = c->params;
	const struct exec_value *w = c->in[1];
	int64_t mg = g->m / g->group, kdim = g->c / g->group * g->k_sp, numel = op_numel(w);
	bool f32 = c->in[0]->dtype == LADDER_DT_FLOAT || conv_fp16(c);

	if (st == NULL || !f32 || conv_is_depthwise(g) || !pg_fast() || !w->is_const ||
	    w->data == NULL || conv_packed(c, st))
		return 0;
	size_t per = pg_packed_a_floats(mg, kdim);
	float *p = ladder_arena_alloc(c->arena, per * (size_t)g->group * sizeof *p);
	const float *wf = w->data;
	float *tmp = NULL;

	if (p == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory packing the weights");
	if (w->dtype == LADDER_DT_FLOAT16) {
		tmp = malloc((size_t)numel * sizeof *tmp);
		if (tmp == NULL)
			return op_fail(c, err, LADDER_ENOMEM, "out of memory packing the weights");
		pg_h2f(w->data, tmp, numel);
		wf = tmp;
	}
	for (int64_t grp = 0; grp < g->group; grp++)
		pg_pack_a(wf + grp * mg * kdim, kdim, mg, kdim, p + grp * per);
	free(tmp);
	st->packed = p;
	st->packed_src = w->data;
	st->packed_numel = numel;
	st->packed_group = per;
	return 0;
}

static int
conv_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct conv_geom g;
	struct conv_layout L;
	const struct exec_value *z = conv_z(c);
	int64_t dims[LADDER_MAX_RANK];
	int rc = conv_geom(c, &g, err), rank;

	if (rc != 0)
		return rc;
	dims[0] = g.n;
	dims[1] = g.m;
	for (int i = 0; i < g.nsp; i++)
		dims[2 + i] = g.out[CONV_MAX_SP - g.nsp + i];
	op_set_shape(c->out[0], c->in[0]->dtype, c->in[0]->rank, dims);
	if (z != NULL) {
		const struct exec_value *v[2] = { c->out[0], z };

		if (z->dtype != c->in[0]->dtype)
			return op_fail(c, err, LADDER_EINVAL, "Z is %s, X is %s",
			    ladder_dtype_name(z->dtype), ladder_dtype_name(c->in[0]->dtype));
		if (!op_broadcast_shape(v, 2, &rank, dims))
			return op_fail(c, err, LADDER_EINVAL,
			    "Z does not broadcast with the convolution's output");
		op_set_shape(c->out[0], c->in[0]->dtype, rank, dims);
	}
	rc = conv_pack(c, &g, err);
	if (rc != 0)
		return rc;
	conv_layout(c, &g, &L);
	c->scratch_bytes = L.end * sizeof(float);
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
conv_generic(const struct op_ctx *c, const struct conv_geom *g, struct exec_value *y)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2];
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
bool
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

#define DW_MAX_CHUNKS 32	/* output rows up to 512 wide */
#define DW_ROWS 4		/* output rows computed together */
#define DW_MAX_K 16

#if LADDER_SIMD_X86
/*
 * Depthwise 2-d with AVX-512: 16 outputs of a row at a time, one FMA per
 * kernel tap; stride 2 loads 32 inputs and keeps the even ones.  Border
 * lanes are masked (masked-off lanes are never read).  Bias, z and the
 * activation are applied before the store.
 */
struct dw_job {
	const struct conv_geom *g;
	const float *xd, *wd;
	float *yd;
	const struct pg_post *p;
	int64_t chunks;
	/* Load masks per (chunk, kw): the same for every row and channel. */
	__mmask16 mlo[DW_MAX_CHUNKS][DW_MAX_K], mhi[DW_MAX_CHUNKS][DW_MAX_K], om[DW_MAX_CHUNKS];
	int64_t base[DW_MAX_CHUNKS][DW_MAX_K];
};

/* One (batch, channel) plane. */
static LADDER_AVX512 void
dw_plane_avx512(void *ctx, int64_t plane, int worker)
{
	const struct dw_job *jb = ctx;
	const struct conv_geom *g = jb->g;
	const struct pg_post *p = jb->p;
	int64_t kh_n = g->k[1], kw_n = g->k[2], s1 = g->stride[1], s2 = g->stride[2];
	int64_t in1 = g->in[1], in2 = g->in[2], out1 = g->out[1], out2 = g->out[2];
	int64_t ch = plane % g->c;
	const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4,
	    2, 0);
	const float *x = jb->xd + plane * in1 * in2;
	const float *w = jb->wd + ch * kh_n * kw_n;
	float *y = jb->yd + plane * out1 * out2;
	const float *z = p->z != NULL ? p->z + plane * out1 * out2 : NULL;
	__m512 bv = _mm512_set1_ps(p->bias != NULL ? p->bias[ch] : 0.0f);

	(void)worker;
	/*
	 * Four output rows at a time: four independent chains of FMAs (one chain
	 * would wait on the FMA latency at every kernel tap).
	 */
	for (int64_t oh0 = 0; oh0 < out1; oh0 += DW_ROWS) {
		for (int64_t c = 0; c < jb->chunks; c++) {
			__m512 acc[DW_ROWS];

#pragma GCC unroll 4
			for (int r = 0; r < DW_ROWS; r++)
				acc[r] = bv;
			for (int64_t kh = 0; kh < kh_n; kh++) {
				const float *wr = w + kh * kw_n;

				for (int64_t kw = 0; kw < kw_n; kw++) {
					__m512 wv = _mm512_set1_ps(wr[kw]);
					__mmask16 mlo = jb->mlo[c][kw], mhi = jb->mhi[c][kw];
					int64_t base = jb->base[c][kw];

#pragma GCC unroll 4
					for (int r = 0; r < DW_ROWS; r++) {
						int64_t ih = (oh0 + r) * s1 - g->pad_b[1] + kh * g->dil[1];

						if (oh0 + r >= out1 || ih < 0 || ih >= in1)
							continue;
						const float *q = x + ih * in2 + base;
						__m512 xv = _mm512_maskz_loadu_ps(mlo, q);

						if (s2 != 1)
							xv = _mm512_permutex2var_ps(xv, evens,
							    _mm512_maskz_loadu_ps(mhi, q + 16));
						acc[r] = _mm512_fmadd_ps(wv, xv, acc[r]);
					}
				}
			}
#pragma GCC unroll 4
			for (int r = 0; r < DW_ROWS; r++) {
				int64_t oh = oh0 + r;

				if (oh >= out1)
					break;
				__m512 v = acc[r];

				if (z != NULL)
					v = _mm512_add_ps(v,
					    _mm512_maskz_loadu_ps(jb->om[c], z + oh * out2 + c * 16));
				_mm512_mask_storeu_ps(y + oh * out2 + c * 16, jb->om[c], pg_post_vec(p, v));
			}
		}
	}
}

static void
conv_depthwise_avx512(const struct conv_geom *g, const float *xd, const float *wd, float *yd,
    const struct pg_post *p, int threads)
{
	struct dw_job job, *jb = &job;	/* about 6 KB */

	jb->g = g;
	jb->xd = xd;
	jb->wd = wd;
	jb->yd = yd;
	jb->p = p;
	jb->chunks = (g->out[2] + 15) / 16;
	for (int64_t c = 0; c < jb->chunks; c++) {
		jb->om[c] = pg_range_mask16(c * 16, g->out[2]);
		for (int64_t kw = 0; kw < g->k[2]; kw++) {
			int64_t b = c * 16 * g->stride[2] + kw * g->dil[2] - g->pad_b[2];

			jb->base[c][kw] = b;
			jb->mlo[c][kw] = pg_range_mask16(b, g->in[2]);
			jb->mhi[c][kw] = pg_range_mask16(b + 16, g->in[2]);
		}
	}
	op_parallel_for(op_threads_for(threads, g->n * g->c * g->out_sp * g->k_sp), g->n * g->c,
	    dw_plane_avx512, jb);
}
#endif

/* im2col for pg_gemm: packs rows k0.. of one group's columns straight into panels. */
struct im2col_src {
	const struct conv_geom *g;
	const float *x;		/* the group's first input channel */
};

/*
 * Rows k0 .. k0 + kc - 1 of the im2col matrix: the input channel's plane each
 * reads and its kernel offsets (dilated, minus the padding).
 */
static void
conv_krows(const struct conv_geom *g, const float *x, int64_t k0, int64_t kc,
    const float **plane, int64_t *offd, int64_t *offh, int64_t *offw)
{
	for (int64_t kk = 0; kk < kc; kk++) {
		int64_t k = k0 + kk, kw = k % g->k[2], r = k / g->k[2];
		int64_t kh = r % g->k[1], kd = (r / g->k[1]) % g->k[0], ch = r / g->k[1] / g->k[0];

		plane[kk] = x + ch * g->in_sp;
		offd[kk] = kd * g->dil[0] - g->pad_b[0];
		offh[kk] = kh * g->dil[1] - g->pad_b[1];
		offw[kk] = kw * g->dil[2] - g->pad_b[2];
	}
}

static void
pack_b_im2col(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float *dst)
{
	const struct im2col_src *src = ctx;
	const struct conv_geom *g = src->g;
	const float *plane[PG_KC];
	int64_t offd[PG_KC], offh[PG_KC], offw[PG_KC];

	conv_krows(g, src->x, k0, kc, plane, offd, offh, offw);
	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR, n = n0 + j;
		int64_t ow0 = n % g->out[2], t = n / g->out[2];
		int64_t oh0 = t % g->out[1], od0 = t / g->out[1];
		float *d = dst + (j / PG_NR) * kc * PG_NR;

		for (int64_t kk = 0; kk < kc; kk++, d += PG_NR) {
			int64_t ow = ow0, oh = oh0, od = od0, filled = 0;
			int64_t s2 = g->stride[2], in2 = g->in[2];

			while (filled < cols) {
				int64_t seg = g->out[2] - ow < cols - filled ? g->out[2] - ow : cols - filled;
				int64_t id = od * g->stride[0] + offd[kk];
				int64_t ih = oh * g->stride[1] + offh[kk];
				float *o = d + filled;

				if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
					memset(o, 0, (size_t)seg * sizeof *o);
				} else {
					const float *xrow = plane[kk] + (id * g->in[1] + ih) * in2;
					int64_t iw = ow * s2 + offw[kk];
					if (s2 == 1 && iw >= 0 && iw + seg <= in2) {
						memcpy(o, xrow + iw, (size_t)seg * sizeof *o);
					} else {
						for (int64_t q = 0; q < seg; q++, iw += s2)
							o[q] = iw >= 0 && iw < in2 ? xrow[iw] : 0.0f;
					}
				}
				filled += seg;
				ow = 0;
				if (++oh == g->out[1]) {
					oh = 0;
					od++;
				}
			}
			if (cols < PG_NR)
				memset(d + cols, 0, (size_t)(PG_NR - cols) * sizeof *d);
		}
	}
}

#if LADDER_SIMD_X86
/*
 * The same packing with AVX-512, for strides 1 and 2 along the row: each
 * panel's columns are cut once into runs along output rows, then every row
 * of the block copies its runs with masked loads (borders read as 0) and
 * masked stores.
 */
static LADDER_AVX512 void
pack_b_im2col_avx512(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float *dst)
{
	const struct im2col_src *src = ctx;
	const struct conv_geom *g = src->g;
	const float *plane[PG_KC];
	int64_t offd[PG_KC], offh[PG_KC], offw[PG_KC];
	int64_t s2 = g->stride[2], in2 = g->in[2];
	const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4,
	    2, 0);
	const __m512 zero = _mm512_setzero_ps();
	struct conv_run run[PG_NR + 1];

	conv_krows(g, src->x, k0, kc, plane, offd, offh, offw);
	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR;
		int n_run = conv_runs(g, n0 + j, cols, run);
		float *d = dst + (j / PG_NR) * kc * PG_NR;

		__mmask16 tail0 = (__mmask16)~pg_range_mask16(0, cols);
		__mmask16 tail1 = (__mmask16)~pg_range_mask16(16, cols);

		for (int64_t kk = 0; kk < kc; kk++, d += PG_NR) {
			_mm512_mask_storeu_ps(d, tail0, zero);
			_mm512_mask_storeu_ps(d + 16, tail1, zero);
			for (int64_t ri = 0; ri < n_run; ri++) {
				int64_t id = run[ri].od + offd[kk], ih = run[ri].oh + offh[kk];
				float *o = d + run[ri].lane;
				int64_t len = run[ri].len;

				if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
					for (int64_t q = 0; q < len; q += 16)
						_mm512_mask_storeu_ps(o + q, pg_range_mask16(q, len), zero);
					continue;
				}
				const float *xrow = plane[kk] + (id * g->in[1] + ih) * in2;
				int64_t iw = run[ri].ow + offw[kk];

				for (int64_t q = 0; q < len; q += 16) {
					int64_t b = iw + q * s2;
					__m512 v = _mm512_maskz_loadu_ps(pg_range_mask16(b, in2), xrow + b);

					if (s2 == 2)
						v = _mm512_permutex2var_ps(v, evens, _mm512_maskz_loadu_ps(
						    pg_range_mask16(b + 16, in2), xrow + b + 16));
					_mm512_mask_storeu_ps(o + q, pg_range_mask16(q, len), v);
				}
			}
		}
	}
}
#endif

/*
 * The float32 convolution: y = post(conv(x, w) + bias), batch after batch and
 * group after group.  post's z (if any) is laid out like y.
 */
static void
conv_f32(const struct op_ctx *c, const struct conv_geom *g, const struct conv_layout *L,
    const float *xd, const float *wd, float *yd, const struct pg_post *post, float *scratch)
{
	const struct conv_state *st = c->params;
	int64_t cg = g->c / g->group, mg = g->m / g->group, kdim = cg * g->k_sp;

	if (conv_is_depthwise(g)) {
		struct pg_post rest = *post;

#if LADDER_SIMD_X86
		if (pg_fast() && g->stride[2] <= 2 && g->k[2] <= DW_MAX_K &&
		    (g->out[2] + 15) / 16 <= DW_MAX_CHUNKS) {
			conv_depthwise_avx512(g, xd, wd, yd, post, c->threads);
			return;
		}
#endif
		conv_depthwise(g, xd, wd, post->bias, yd);
		rest.bias = NULL;
		if (rest.z != NULL || rest.act != PG_ACT_NONE)
			for (int64_t r = 0; r < g->n * g->m; r++)
				pg_post_row(&rest, 0, yd + r * g->out_sp,
				    rest.z != NULL ? rest.z + r * g->out_sp : NULL, g->out_sp);
		return;
	}
	for (int64_t n = 0; n < g->n; n++) {
		for (int64_t grp = 0; grp < g->group; grp++) {
			const float *xg = xd + (n * g->c + grp * cg) * g->in_sp;
			float *yg = yd + (n * g->m + grp * mg) * g->out_sp;
			struct pg_post gp = *post;

			if (gp.bias != NULL)
				gp.bias += grp * mg;
			if (gp.z != NULL)
				gp.z += (n * g->m + grp * mg) * g->out_sp;
			gp.ldz = g->out_sp;
			if (L->fast) {
				const float *ap = st->packed + grp * st->packed_group;

				if (dconv_suits(g)) {
					dconv_run(g, xg, ap, yg, &gp, c->threads);
				} else if (conv_pointwise(g)) {
					struct pg_matrix bm = { xg, g->out_sp };

					pg_gemm(mg, g->out_sp, kdim, ap, pg_pack_b_matrix, &bm, yg,
					    g->out_sp, &gp, scratch, c->threads);
				} else {
					struct im2col_src is = { g, xg };
					pg_pack_b_fn pack = pack_b_im2col;
#if LADDER_SIMD_X86
					if (g->stride[2] <= 2)
						pack = pack_b_im2col_avx512;
#endif
					pg_gemm(mg, g->out_sp, kdim, ap, pack, &is, yg,
					    g->out_sp, &gp, scratch, c->threads);
				}
				continue;
			}
			const float *srcb = xg;

			if (!conv_pointwise(g)) {
				im2col(g, xg, cg, scratch);
				srcb = scratch;
			}
			op_sgemm(false, false, mg, g->out_sp, kdim, 1.0f, wd + grp * mg * kdim, kdim,
			    srcb, g->out_sp, 0.0f, yg, g->out_sp);
			for (int64_t m = 0; m < mg; m++)
				pg_post_row(&gp, m, yg + m * g->out_sp,
				    gp.z != NULL ? gp.z + m * g->out_sp : NULL, g->out_sp);
		}
	}
}

static double
act_double(const struct pg_post *p, double v)
{
	switch (p->act) {
	case PG_ACT_NONE:
		break;
	case PG_ACT_RELU:
		v = v > 0 ? v : 0;
		break;
	case PG_ACT_CLIP:
		v = v < p->lo ? p->lo : v;
		v = v > p->hi ? p->hi : v;
		break;
	case PG_ACT_LEAKY:
		v = v >= 0 ? v : p->alpha * v;
		break;
	}
	return v;
}

void
conv_post_broadcast(const struct pg_post *p, const struct exec_value *t, const struct exec_value *z,
    struct exec_value *y)
{
	int64_t ts[LADDER_MAX_RANK], zs[LADDER_MAX_RANK], idx[LADDER_MAX_RANK] = { 0 };
	int64_t n = op_numel(y), ti = 0, zi = 0;

	op_broadcast_strides(t, y->rank, y->dims, ts);
	if (z != NULL)
		op_broadcast_strides(z, y->rank, y->dims, zs);
	for (int64_t i = 0; i < n; i++) {
		double v = op_get_double(t, ti) + (z != NULL ? op_get_double(z, zi) : 0.0);

		/* Rounded to y's dtype before the activation, as the Add would store it. */
		op_set_double(y, i, v);
		if (p->act != PG_ACT_NONE)
			op_set_double(y, i, act_double(p, op_get_double(y, i)));
		for (int d = y->rank - 1; d >= 0; d--) {
			ti += ts[d];
			if (z != NULL)
				zi += zs[d];
			if (++idx[d] < y->dims[d])
				break;
			ti -= ts[d] * y->dims[d];
			if (z != NULL)
				zi -= zs[d] * y->dims[d];
			idx[d] = 0;
		}
	}
}

static int
conv_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1], *b = c->in[2], *z = conv_z(c);
	struct exec_value *y = c->out[0];
	const struct conv_state *st = c->params;
	struct conv_geom g;
	struct conv_layout L;
	struct pg_post post = st->post, none = { 0 };
	int rc = conv_geom(c, &g, err);

	if (rc != 0)
		return rc;
	conv_layout(c, &g, &L);
	if (c->scratch_bytes < L.end * sizeof(float))
		return op_fail(c, err, LADDER_EINVAL, "workspace too small");
	float *sc = c->scratch;
	int64_t conv_numel = g.n * g.m * g.out_sp;
	/* The conv result: y itself, unless z broadcasts it up to a bigger y. */
	struct exec_value t = *y;

	t.rank = x->rank;
	t.dims[1] = g.m;
	for (int i = 0; i < g.nsp; i++)
		t.dims[2 + i] = g.out[CONV_MAX_SP - g.nsp + i];
	if (!L.f32) {
		if (L.tmp)
			t.data = sc;
		conv_generic(c, &g, &t);
		if (z != NULL || post.act != PG_ACT_NONE)
			conv_post_broadcast(&post, &t, z, y);
		return 0;
	}

	bool half = conv_fp16(c);
	const float *xd = x->data, *wd = w->data;
	float *yd = y->data;

	post.bias = b != NULL ? b->data : NULL;
	post.z = z != NULL && L.z_inline ? z->data : NULL;
	if (half) {
		pg_h2f(x->data, sc + L.xf, op_numel(x));
		xd = sc + L.xf;
		if (!L.fast) {
			pg_h2f(w->data, sc + L.wf, op_numel(w));
			wd = sc + L.wf;
		}
		if (b != NULL) {
			pg_h2f(b->data, sc + L.bf, g.m);
			post.bias = sc + L.bf;
		}
		if (post.z != NULL) {
			pg_h2f(z->data, sc + L.zf, op_numel(z));
			post.z = sc + L.zf;
		}
	}
	if (half || L.tmp)
		yd = sc + L.yf;
	if (!L.z_inline) {
		/* Bias only here; z and the activation follow, broadcast. */
		struct pg_post bias_only = none;

		bias_only.act = PG_ACT_NONE;
		bias_only.bias = post.bias;
		conv_f32(c, &g, &L, xd, wd, yd, &bias_only, sc + L.work);
	} else {
		conv_f32(c, &g, &L, xd, wd, yd, &post, sc + L.work);
	}
	if (half) {
		/* The float result, rounded once to float16. */
		uint16_t *th = L.tmp ? NULL : y->data;

		if (!L.tmp)
			pg_f2h(yd, th, conv_numel);
		if (!L.z_inline) {
			t.dtype = LADDER_DT_FLOAT;
			t.data = yd;
			conv_post_broadcast(&post, &t, z, y);
		}
		return 0;
	}
	if (!L.z_inline) {
		t.data = yd;
		conv_post_broadcast(&post, &t, z, y);
	}
	return 0;
}

int64_t
conv_macs_of(const struct exec_value *y, const struct exec_value *w)
{
	int64_t per = 1;

	for (int i = 1; i < w->rank; i++)
		per *= w->dims[i];
	return op_numel(y) * per;
}

static int64_t
conv_macs(const struct op_ctx *c)
{
	return conv_macs_of(c->out[0], c->in[1]);
}

const struct op_def op_Conv = {
	.name = "Conv", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.check = conv_check, .infer = conv_infer, .run = conv_run, .macs = conv_macs,
};

/*
 * com.microsoft FusedConv (as ONNX Runtime defines it): Conv, then + Z when
 * given, then the activation named by "activation" ("Relu", "Clip" with
 * activation_params [min, max], "LeakyRelu" with [alpha]).
 */
const struct op_def op_FusedConv = {
	.name = "FusedConv", .domain = "com.microsoft", .n_in_min = 2, .n_in_max = 4,
	.n_out_min = 1, .n_out_max = 1,
	.check = conv_check, .infer = conv_infer, .run = conv_run, .macs = conv_macs,
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
	return conv_macs_of(c->in[0], c->in[1]);	/* every input element meets every weight */
}

const struct op_def op_ConvTranspose = {
	.name = "ConvTranspose", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1,
	.n_out_max = 1, .infer = convt_infer, .run = convt_run, .macs = convt_macs,
};
