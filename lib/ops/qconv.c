/*
 * qconv.c: integer convolutions: ConvInteger and QLinearConv, as im2col
 * (padding with the input zero point) followed by the 8-bit GEMM in
 * qgemm.c, per image and group.  1-d and 2-d convolutions.
 */
#include <math.h>
#include <string.h>

#include "ops/op-data.h"
#include "ops/qgemm.h"
#include "util/banned.h"

struct qconv {
	int64_t N, C, H, W, M, G, Cg, Mg;
	int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow;
};

static int
pad_same(const char *mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *begin,
    int64_t *end, int64_t *out)
{
	int64_t o = (in + s - 1) / s, total = (o - 1) * s + (k - 1) * d + 1 - in;

	if (total < 0)
		total = 0;
	if (strcmp(mode, "SAME_UPPER") == 0)
		*begin = total / 2;
	else
		*begin = total - total / 2;
	*end = total - *begin;
	*out = o;
	return 0;
}

static int
qconv_plan(const struct op_ctx *c, const struct exec_value *x, const struct exec_value *w,
    struct qconv *p, struct ladder_err *err)
{
	int64_t ks[2], st[2] = { 1, 1 }, dl[2] = { 1, 1 }, pads[4] = { 0, 0, 0, 0 };
	const char *auto_pad = op_attr_string(c, "auto_pad", "NOTSET");
	int sp = x->rank - 2, n;

	if (x->rank < 3 || x->rank > 4 || w->rank != x->rank)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "only 1-d and 2-d convolutions are supported");
	p->N = x->dims[0];
	p->C = x->dims[1];
	p->H = sp == 2 ? x->dims[2] : 1;
	p->W = x->dims[x->rank - 1];
	p->M = w->dims[0];
	p->G = op_attr_int(c, "group", 1);
	if (p->G < 1 || p->C % p->G != 0 || p->M % p->G != 0 || w->dims[1] != p->C / p->G)
		return op_fail(c, err, LADDER_EINVAL, "group %lld does not fit %lld input and %lld output channels",
		    (long long)p->G, (long long)p->C, (long long)p->M);
	p->Cg = p->C / p->G;
	p->Mg = p->M / p->G;
	n = op_attr_ints(c, "kernel_shape", ks, 2);
	if (n > 0 && (n != sp || ks[0] != w->dims[2] || (sp == 2 && ks[1] != w->dims[3])))
		return op_fail(c, err, LADDER_EINVAL, "kernel_shape does not match the weights");
	if ((n = op_attr_ints(c, "strides", st, 2)) != 0 && n != sp)
		return op_fail(c, err, LADDER_EINVAL, "strides has %d values", n);
	if ((n = op_attr_ints(c, "dilations", dl, 2)) != 0 && n != sp)
		return op_fail(c, err, LADDER_EINVAL, "dilations has %d values", n);
	if ((n = op_attr_ints(c, "pads", pads, 4)) != 0 && n != 2 * sp)
		return op_fail(c, err, LADDER_EINVAL, "pads has %d values", n);
	if (sp == 1) {
		/* 1-d: the height axis is 1 with no padding. */
		st[1] = st[0], st[0] = 1;
		dl[1] = dl[0], dl[0] = 1;
		pads[3] = pads[1], pads[1] = pads[0], pads[0] = 0, pads[2] = 0;
	}
	p->kh = sp == 2 ? w->dims[2] : 1;
	p->kw = w->dims[w->rank - 1];
	p->sh = st[0], p->sw = st[1], p->dh = dl[0], p->dw = dl[1];
	p->pt = pads[0], p->pl = pads[1], p->pb = pads[2], p->pr = pads[3];
	if (p->sh < 1 || p->sw < 1 || p->dh < 1 || p->dw < 1 || p->pt < 0 || p->pl < 0 ||
	    p->pb < 0 || p->pr < 0 || p->sh > 65536 || p->sw > 65536 || p->dh > 65536 ||
	    p->dw > 65536 || p->pt > 65536 || p->pl > 65536 || p->pb > 65536 || p->pr > 65536)
		return op_fail(c, err, LADDER_EINVAL, "bad strides, dilations or pads");
	if (strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0) {
		pad_same(auto_pad, p->H, p->kh, p->sh, p->dh, &p->pt, &p->pb, &p->oh);
		pad_same(auto_pad, p->W, p->kw, p->sw, p->dw, &p->pl, &p->pr, &p->ow);
		if (sp == 1)
			p->pt = p->pb = 0, p->oh = 1;
		return 0;
	}
	if (strcmp(auto_pad, "VALID") == 0)
		p->pt = p->pl = p->pb = p->pr = 0;
	else if (strcmp(auto_pad, "NOTSET") != 0)
		return op_fail(c, err, LADDER_EINVAL, "auto_pad '%s' is not valid", auto_pad);
	p->oh = (p->H + p->pt + p->pb - ((p->kh - 1) * p->dh + 1)) / p->sh + 1;
	p->ow = (p->W + p->pl + p->pr - ((p->kw - 1) * p->dw + 1)) / p->sw + 1;
	if (p->oh < 1 || p->ow < 1)
		return op_fail(c, err, LADDER_EINVAL, "kernel is larger than the padded input");
	return 0;
}

static void
qconv_shape(struct exec_value *y, enum ladder_dtype dt, const struct exec_value *x,
    const struct qconv *p)
{
	int64_t dims[4] = { p->N, p->M, p->oh, p->ow };

	if (x->rank == 3) {
		dims[2] = p->ow;
		op_set_shape(y, dt, 3, dims);
	} else {
		op_set_shape(y, dt, 4, dims);
	}
}

static size_t
qconv_scratch(const struct qconv *p)
{
	int64_t K = p->Cg * p->kh * p->kw, n = p->oh * p->ow;

	return (size_t)(K * n) + (size_t)(p->Mg * n + p->M + 2) * sizeof(int32_t) + 16;
}

/* col[K][oh*ow] for image n, group g; padding takes the value pad. */
static void
im2col(const struct qconv *p, const uint8_t *x, int64_t n, int64_t g, uint8_t pad, uint8_t *col)
{
	int64_t cols = p->oh * p->ow;

	for (int64_t ci = 0; ci < p->Cg; ci++) {
		const uint8_t *plane = x + ((n * p->C) + g * p->Cg + ci) * p->H * p->W;

		for (int64_t ki = 0; ki < p->kh; ki++) {
			for (int64_t kj = 0; kj < p->kw; kj++) {
				uint8_t *row = col + ((ci * p->kh + ki) * p->kw + kj) * cols;

				for (int64_t oy = 0; oy < p->oh; oy++) {
					int64_t iy = oy * p->sh - p->pt + ki * p->dh;

					for (int64_t ox = 0; ox < p->ow; ox++) {
						int64_t ix = ox * p->sw - p->pl + kj * p->dw;

						row[oy * p->ow + ox] = iy < 0 || iy >= p->H || ix < 0 || ix >= p->W ?
						    pad : plane[iy * p->W + ix];
					}
				}
			}
		}
	}
}

static bool
q8(enum ladder_dtype dt)
{
	return dt == LADDER_DT_UINT8 || dt == LADDER_DT_INT8;
}

/*
 * The shared loop: for each image and group, im2col and GEMM into acc;
 * emit(c, p, acc, n, g) consumes the Mg x (oh*ow) int32 block.
 */
static void
qconv_compute(const struct op_ctx *c, const struct qconv *p, const struct exec_value *x,
    const struct exec_value *w, const struct exec_value *xzp, const struct exec_value *wzp,
    void (*emit)(const struct op_ctx *c, const struct qconv *p, const int32_t *acc, int64_t n,
    int64_t g))
{
	int64_t K = p->Cg * p->kh * p->kw, cols = p->oh * p->ow, wn;
	uint8_t *col = c->scratch;
	int32_t *acc = (int32_t *)((char *)c->scratch + (((size_t)(K * cols) + 15) & ~(size_t)15));
	int32_t *wz = acc + p->Mg * cols, xz = xzp && op_numel(xzp) ? (int32_t)op_get_int(xzp, 0) : 0;
	bool x_signed = x->dtype == LADDER_DT_INT8, w_signed = w->dtype == LADDER_DT_INT8;

	wn = wzp ? op_numel(wzp) : 0;
	if (wn == 0) {
		wz[0] = 0;
		wn = 1;
	} else {
		for (int64_t i = 0; i < wn; i++)
			wz[i] = (int32_t)op_get_int(wzp, i);
	}
	uint8_t pad = x_signed ? (uint8_t)(int8_t)xz : (uint8_t)xz;

	for (int64_t n = 0; n < p->N; n++) {
		for (int64_t g = 0; g < p->G; g++) {
			im2col(p, x->data, n, g, pad, col);
			op_qgemm(p->Mg, cols, K, (const uint8_t *)w->data + g * p->Mg * K, w_signed,
			    wn > 1 ? wz + g * p->Mg : wz, wn > 1 ? p->Mg : 1, col, x_signed, &xz, 1, acc);
			emit(c, p, acc, n, g);
		}
	}
}

/* ConvInteger: x, w, x_zero_point, w_zero_point -> int32 */

static int
convint_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[1];
	const struct exec_value *xzp = c->n_in > 2 ? c->in[2] : NULL, *wzp = c->n_in > 3 ? c->in[3] : NULL;
	struct qconv p;
	int rc;

	if (!q8(x->dtype) || !q8(w->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "inputs must be int8 or uint8");
	if ((xzp && op_numel(xzp) > 1) || (wzp && op_numel(wzp) != 1 && op_numel(wzp) != w->dims[0]))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "zero points must be per tensor (x) or per channel (w)");
	if ((rc = qconv_plan(c, x, w, &p, err)) != 0)
		return rc;
	qconv_shape(c->out[0], LADDER_DT_INT32, x, &p);
	c->scratch_bytes = qconv_scratch(&p);
	return 0;
}

static void
convint_emit(const struct op_ctx *c, const struct qconv *p, const int32_t *acc, int64_t n, int64_t g)
{
	int64_t cols = p->oh * p->ow;

	memcpy((int32_t *)c->out[0]->data + (n * p->M + g * p->Mg) * cols, acc,
	    (size_t)(p->Mg * cols) * sizeof *acc);
}

static int
convint_run(struct op_ctx *c, struct ladder_err *err)
{
	struct qconv p;
	int rc;

	if ((rc = qconv_plan(c, c->in[0], c->in[1], &p, err)) != 0)
		return rc;
	qconv_compute(c, &p, c->in[0], c->in[1], c->n_in > 2 ? c->in[2] : NULL,
	    c->n_in > 3 ? c->in[3] : NULL, convint_emit);
	return 0;
}

static int64_t
qconv_macs(const struct op_ctx *c)
{
	const struct exec_value *y = c->out[0];
	const struct exec_value *w = c->in[c->node->op_type[0] == 'Q' ? 3 : 1];
	int64_t per = 1;

	for (int i = 1; i < w->rank; i++)
		per *= w->dims[i];
	return op_numel(y) * per;
}

const struct op_def op_ConvInteger = {
	.name = "ConvInteger", .n_in_min = 2, .n_in_max = 4, .n_out_min = 1, .n_out_max = 1,
	.infer = convint_infer, .run = convint_run, .macs = qconv_macs,
};

/* QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B */

static int
qlconv_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *w = c->in[3], *yzp = c->in[7];
	const struct exec_value *b = c->n_in > 8 ? c->in[8] : NULL;
	struct qconv p;
	int rc;

	if (!q8(x->dtype) || !q8(w->dtype) || !q8(yzp->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "x, w and y must be int8 or uint8");
	if (op_numel(c->in[1]) != 1 || op_numel(c->in[2]) != 1 || op_numel(c->in[6]) != 1 ||
	    op_numel(yzp) != 1)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "x and y scales must be per tensor");
	if ((op_numel(c->in[4]) != 1 && op_numel(c->in[4]) != w->dims[0]) ||
	    (op_numel(c->in[5]) != 1 && op_numel(c->in[5]) != w->dims[0]))
		return op_fail(c, err, LADDER_EINVAL, "w scale and zero point must be per tensor or per channel");
	if (b != NULL && (b->dtype != LADDER_DT_INT32 || op_numel(b) != w->dims[0]))
		return op_fail(c, err, LADDER_EINVAL, "B must be int32 with one value per output channel");
	if ((rc = qconv_plan(c, x, w, &p, err)) != 0)
		return rc;
	qconv_shape(c->out[0], yzp->dtype, x, &p);
	c->scratch_bytes = qconv_scratch(&p);
	return 0;
}

static void
qlconv_emit(const struct op_ctx *c, const struct qconv *p, const int32_t *acc, int64_t n, int64_t g)
{
	const struct exec_value *ws = c->in[4], *b = c->n_in > 8 ? c->in[8] : NULL;
	struct exec_value *y = c->out[0];
	float xs = (float)op_get_double(c->in[1], 0), ys = (float)op_get_double(c->in[6], 0);
	float yz = (float)op_get_double(c->in[7], 0);
	float lo = y->dtype == LADDER_DT_INT8 ? -128 : 0, hi = y->dtype == LADDER_DT_INT8 ? 127 : 255;
	int64_t cols = p->oh * p->ow, wsn = op_numel(ws);

	for (int64_t m = 0; m < p->Mg; m++) {
		int64_t oc = g * p->Mg + m;
		float mult = xs * (float)op_get_double(ws, wsn > 1 ? oc : 0) / ys;
		int32_t bias = b ? ((const int32_t *)b->data)[oc] : 0;
		int64_t base = (n * p->M + oc) * cols;

		for (int64_t i = 0; i < cols; i++) {
			float v = nearbyintf((float)(acc[m * cols + i] + bias) * mult) + yz;

			v = v < lo ? lo : v > hi ? hi : v;
			if (y->dtype == LADDER_DT_INT8)
				((int8_t *)y->data)[base + i] = (int8_t)v;
			else
				((uint8_t *)y->data)[base + i] = (uint8_t)v;
		}
	}
}

static int
qlconv_run(struct op_ctx *c, struct ladder_err *err)
{
	struct qconv p;
	int rc;

	if ((rc = qconv_plan(c, c->in[0], c->in[3], &p, err)) != 0)
		return rc;
	qconv_compute(c, &p, c->in[0], c->in[3], c->in[2], c->in[5], qlconv_emit);
	return 0;
}

const struct op_def op_QLinearConv = {
	.name = "QLinearConv", .n_in_min = 8, .n_in_max = 9, .n_out_min = 1, .n_out_max = 1,
	.infer = qlconv_infer, .run = qlconv_run, .macs = qconv_macs,
};
