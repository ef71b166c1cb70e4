/*
 * qdqconv.c: QConv (domain "ladder"), the 8-bit convolution the executor
 * makes from the QDQ pattern (lib/exec/fuse.c)
 *   act(Conv(DequantizeLinear(x_q, x_scale, x_zp),
 *            DequantizeLinear(w_q, w_scale, 0), B))
 * as exact int32 sums of uint8 x int8 products (pgemm8.h), dequantized once
 * per output: x_scale * w_scale[m] * (sum - x_zp * sum_k w_q[m][k]) + B[m].
 * The float path rounds every product and partial sum; this one does not, so
 * results differ from it by float rounding only.
 *
 * Inputs: 0 x_q (uint8), 1 x_scale (float scalar), 2 x_zero_point (uint8
 * scalar, optional), 3 w_q (int8, constant), 4 w_scale (float, scalar or one
 * per output channel, constant), 5 w_zero_point (int8 zeros, optional),
 * 6 B (float, optional).  Attributes: Conv's, plus FusedConv's activation.
 */
#include <string.h>

#include "ops/conv.h"
#include "ops/pgemm8.h"
#include "ops/qdconv.h"
#include "ops/simd.h"
#include "util/banned.h"

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

struct qconv_state {
	struct pg_post post;
	const void *packed_src;		/* w_q data the packing was made from */
	int8_t *packed;
	size_t packed_group;		/* bytes per group */
	float *scale;			/* per output channel: x_scale * w_scale */
	int32_t *corr;			/* per output channel: x_zp * sum of the weights */
	uint8_t zx;
	bool direct;			/* packed for qdconv_run (k reordered) */
};

static int
qconv_check(struct op_ctx *c, struct ladder_err *err)
{
	struct qconv_state *st = ladder_arena_alloc(c->arena, sizeof *st);
	int rc;

	if (st == NULL)
		return op_fail(c, err, LADDER_ENOMEM, "out of memory");
	memset(st, 0, sizeof *st);
	if ((rc = conv_activation(c, &st->post, err)) != 0)
		return rc;
	c->params = st;
	return 0;
}

static const struct exec_value *
in_at(const struct op_ctx *c, size_t i)
{
	return i < c->n_in ? c->in[i] : NULL;
}

/* Scales and zero points must be known constants of the expected shapes. */
static int
qconv_params(struct op_ctx *c, const struct conv_geom *g, struct ladder_err *err)
{
	struct qconv_state *st = c->params;
	const struct exec_value *xs = in_at(c, 1), *xz = in_at(c, 2), *w = in_at(c, 3);
	const struct exec_value *ws = in_at(c, 4), *wz = in_at(c, 5);
	int64_t mg = g->m / g->group, kdim = g->c / g->group * g->k_sp;

	if (xs == NULL || xs->data == NULL || xs->dtype != LADDER_DT_FLOAT || op_numel(xs) != 1)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "x_scale must be a constant float scalar");
	if (xz != NULL && (xz->data == NULL || xz->dtype != LADDER_DT_UINT8 || op_numel(xz) != 1))
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "x_zero_point must be a constant uint8 scalar");
	if (w->data == NULL || ws == NULL || ws->data == NULL || ws->dtype != LADDER_DT_FLOAT ||
	    (op_numel(ws) != 1 && op_numel(ws) != g->m))
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "weights and w_scale (one or one per output channel) must be constant");
	if (wz != NULL) {
		if (wz->data == NULL || wz->dtype != LADDER_DT_INT8)
			return op_fail(c, err, LADDER_EUNSUPPORTED, "w_zero_point must be constant int8");
		for (int64_t i = 0; i < op_numel(wz); i++)
			if (((const int8_t *)wz->data)[i] != 0)
				return op_fail(c, err, LADDER_EUNSUPPORTED, "w_zero_point must be 0");
	}
	if (st->packed != NULL && st->packed_src == w->data)
		return 0;
	bool direct = qdconv_suits(g);
	int64_t kp = direct ? qdconv_k(g) : kdim;
	size_t per = pq_packed_a_bytes(mg, kp);
	int32_t *rs = ladder_arena_alloc(c->arena, (size_t)g->m * sizeof *rs);
	int8_t *re = direct ? ladder_arena_alloc(c->arena, (size_t)(mg * kp)) : NULL;

	st->packed = ladder_arena_alloc(c->arena, per * (size_t)g->group);
	st->scale = ladder_arena_alloc(c->arena, (size_t)g->m * sizeof *st->scale);
	st->corr = ladder_arena_alloc(c->arena, (size_t)g->m * sizeof *st->corr);
	if (rs == NULL || st->packed == NULL || st->scale == NULL || st->corr == NULL ||
	    (direct && re == NULL))
		return op_fail(c, err, LADDER_ENOMEM, "out of memory packing the weights");
	for (int64_t grp = 0; grp < g->group; grp++) {
		const int8_t *wg = (const int8_t *)w->data + grp * mg * kdim;

		if (direct) {
			qdconv_reorder(g, wg, mg, re);
			wg = re;
		}
		pq_pack_a(wg, kp, mg, kp, st->packed + grp * per, rs + grp * mg);
	}
	st->direct = direct;
	st->zx = xz != NULL ? *(const uint8_t *)xz->data : 0;
	for (int64_t m = 0; m < g->m; m++) {
		float s = ((const float *)ws->data)[op_numel(ws) == 1 ? 0 : m];

		st->scale[m] = *(const float *)xs->data * s;
		st->corr[m] = (int32_t)st->zx * rs[m];
	}
	st->packed_src = w->data;
	st->packed_group = per;
	return 0;
}

static int
qconv_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct conv_geom g;
	int64_t dims[LADDER_MAX_RANK];
	int rc = conv_geom(c, &g, err);

	if (rc != 0)
		return rc;
	if ((rc = qconv_params(c, &g, err)) != 0)
		return rc;
	dims[0] = g.n;
	dims[1] = g.m;
	for (int i = 0; i < g.nsp; i++)
		dims[2 + i] = g.out[CONV_MAX_SP - g.nsp + i];
	op_set_shape(c->out[0], LADDER_DT_FLOAT, c->in[0]->rank, dims);
	/* The direct kernel needs only the interleaved input; the GEMM a block per thread. */
	if (((const struct qconv_state *)c->params)->direct)
		c->scratch_bytes = qdconv_scratch_bytes(&g);
	else
		c->scratch_bytes = (pq_work_bytes(g.c / g.group * g.k_sp, g.out_sp) + 63) / 64 * 64 *
		    (size_t)(c->threads > 1 ? c->threads : 1);
	return 0;
}

/* uint8 im2col for pq_gemm: padding reads as the zero point (the float path's 0). */
struct im2col8 {
	const struct conv_geom *g;
	const uint8_t *x;	/* the group's first input channel */
	int64_t k;		/* rows of the unpadded matrix */
	uint8_t zx;
};

/* Where row k of the im2col matrix reads: its input plane and kernel offsets. */
struct krow {
	const uint8_t *plane;
	int64_t offd, offh, offw;
	bool zero;	/* past the real rows: reads 0 (against zero weights) */
};

static void
im2col8_row(const struct im2col8 *s, const struct krow *kr, const struct conv_run *run, int n_run,
    int64_t cols, uint8_t *out)
{
	const struct conv_geom *g = s->g;

	if (kr->zero) {
		memset(out, 0, (size_t)cols);
		return;
	}
	for (int ri = 0; ri < n_run; ri++) {
		int64_t id = run[ri].od + kr->offd, ih = run[ri].oh + kr->offh, seg = run[ri].len;
		uint8_t *o = out + run[ri].lane;

		if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
			memset(o, s->zx, (size_t)seg);
			continue;
		}
		const uint8_t *xrow = kr->plane + (id * g->in[1] + ih) * g->in[2];
		int64_t iw = run[ri].ow + kr->offw, s2 = g->stride[2];

		if (s2 == 1 && iw >= 0 && iw + seg <= g->in[2]) {
			memcpy(o, xrow + iw, (size_t)seg);
		} else {
			for (int64_t q = 0; q < seg; q++, iw += s2)
				o[q] = iw >= 0 && iw < g->in[2] ? xrow[iw] : s->zx;
		}
	}
}

#if LADDER_SIMD_X86
#define PQ_BW __attribute__((target("avx512f,avx512bw,avx512vl")))

/* Lanes l of 32 with 0 <= base + l < n. */
static inline __mmask32
range_mask32(int64_t base, int64_t n)
{
	int64_t lo = base < 0 ? -base : 0, hi = n - base < 32 ? n - base : 32;

	if (hi <= lo)
		return 0;
	return (__mmask32)((hi - lo == 32 ? 0xffffffffu : ((1u << (hi - lo)) - 1)) << lo);
}

/* im2col8_row with masked byte loads and stores (out has PG_NR bytes). */
static PQ_BW void
im2col8_row_avx512(const struct im2col8 *s, const struct krow *kr, const struct conv_run *run,
    int n_run, int64_t cols, uint8_t *out)
{
	const struct conv_geom *g = s->g;
	__m256i zx = _mm256_set1_epi8((char)s->zx);

	if (kr->zero) {
		_mm256_storeu_si256((__m256i *)out, _mm256_setzero_si256());
		return;
	}
	if (g->stride[2] != 1) {
		im2col8_row(s, kr, run, n_run, cols, out);
		return;
	}
	for (int ri = 0; ri < n_run; ri++) {
		int64_t id = run[ri].od + kr->offd, ih = run[ri].oh + kr->offh, seg = run[ri].len;
		uint8_t *o = out + run[ri].lane;
		__mmask32 sm = range_mask32(0, seg);

		if (id < 0 || id >= g->in[0] || ih < 0 || ih >= g->in[1]) {
			_mm256_mask_storeu_epi8(o, sm, zx);
			continue;
		}
		const uint8_t *xrow = kr->plane + (id * g->in[1] + ih) * g->in[2];
		int64_t iw = run[ri].ow + kr->offw;
		__m256i v = _mm256_mask_loadu_epi8(zx, sm & range_mask32(iw, g->in[2]), xrow + iw);

		_mm256_mask_storeu_epi8(o, sm, v);
	}
}
#endif

/* Four rows of PG_NR bytes into quads: out[c * 4 + i] = rows[i][c]. */
static void
interleave4(uint8_t rows[4][PG_NR], uint8_t *out)
{
#if defined(__x86_64__)
	for (int h = 0; h < PG_NR; h += 16) {
		__m128i r0 = _mm_loadu_si128((const __m128i *)(rows[0] + h));
		__m128i r1 = _mm_loadu_si128((const __m128i *)(rows[1] + h));
		__m128i r2 = _mm_loadu_si128((const __m128i *)(rows[2] + h));
		__m128i r3 = _mm_loadu_si128((const __m128i *)(rows[3] + h));
		__m128i a = _mm_unpacklo_epi8(r0, r1), b = _mm_unpackhi_epi8(r0, r1);
		__m128i cc = _mm_unpacklo_epi8(r2, r3), d = _mm_unpackhi_epi8(r2, r3);
		uint8_t *o = out + h * 4;

		_mm_storeu_si128((__m128i *)o, _mm_unpacklo_epi16(a, cc));
		_mm_storeu_si128((__m128i *)(o + 16), _mm_unpackhi_epi16(a, cc));
		_mm_storeu_si128((__m128i *)(o + 32), _mm_unpacklo_epi16(b, d));
		_mm_storeu_si128((__m128i *)(o + 48), _mm_unpackhi_epi16(b, d));
	}
#else
	for (int cidx = 0; cidx < PG_NR; cidx++)
		for (int i = 0; i < 4; i++)
			out[cidx * 4 + i] = rows[i][cidx];
#endif
}

static void
pack_b_im2col8(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, uint8_t *dst)
{
	const struct im2col8 *s = ctx;
	const struct conv_geom *g = s->g;
	uint8_t rows[4][PG_NR];
	struct conv_run run[PG_NR + 1];
	bool simd = pq_fast();

	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR;
		uint8_t *d = dst + (j / PG_NR) * kc * PG_NR;
		int n_run = conv_runs(g, n0 + j, cols, run);

		if (cols < PG_NR)
			memset(rows, 0, sizeof rows);
		/* Row k0 decomposed once; later rows step the counters (no division per row). */
		int64_t kw = k0 % g->k[2], r = k0 / g->k[2];
		int64_t kh = r % g->k[1], kd = (r / g->k[1]) % g->k[0], ch = r / g->k[1] / g->k[0];

		for (int64_t kk = 0; kk < kc; kk += 4, d += 4 * PG_NR) {
			for (int i = 0; i < 4; i++) {
				struct krow kr = { s->x + ch * g->in_sp, kd * g->dil[0] - g->pad_b[0],
					kh * g->dil[1] - g->pad_b[1], kw * g->dil[2] - g->pad_b[2],
					k0 + kk + i >= s->k };

#if LADDER_SIMD_X86
				if (simd)
					im2col8_row_avx512(s, &kr, run, n_run, cols, rows[i]);
				else
#endif
					im2col8_row(s, &kr, run, n_run, cols, rows[i]);
				if (++kw == g->k[2]) {
					kw = 0;
					if (++kh == g->k[1]) {
						kh = 0;
						if (++kd == g->k[0]) {
							kd = 0;
							ch++;
						}
					}
				}
			}
			interleave4(rows, d);
		}
	}
}

static int
qconv_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct qconv_state *st = c->params;
	const struct exec_value *x = c->in[0], *b = in_at(c, 6);
	struct conv_geom g;
	int rc = conv_geom(c, &g, err);

	if (rc != 0)
		return rc;
	if (st->packed == NULL || st->packed_src != in_at(c, 3)->data)
		return op_fail(c, err, LADDER_EINVAL, "weights changed since planning");
	int64_t cg = g.c / g.group, mg = g.m / g.group, kdim = cg * g.k_sp;

	for (int64_t n = 0; n < g.n; n++) {
		for (int64_t grp = 0; grp < g.group; grp++) {
			const uint8_t *xg = (const uint8_t *)x->data + (n * g.c + grp * cg) * g.in_sp;
			float *yg = (float *)c->out[0]->data + (n * g.m + grp * mg) * g.out_sp;
			struct pq_dequant dq = { st->scale + grp * mg, st->corr + grp * mg };
			struct pg_post post = st->post;
			struct im2col8 src = { &g, xg, kdim, st->zx };
			struct pq_matrix bm = { xg, g.out_sp, kdim };

			post.bias = b != NULL ? (const float *)b->data + grp * mg : NULL;
			post.z = NULL;
			if (st->direct) {
				qdconv_run(&g, xg, st->zx, st->packed + grp * st->packed_group, yg, &dq,
				    &post, c->scratch, c->threads);
				continue;
			}
			pq_gemm(mg, g.out_sp, kdim, st->packed + grp * st->packed_group,
			    conv_pointwise(&g) ? pq_pack_b_matrix : pack_b_im2col8,
			    conv_pointwise(&g) ? (const void *)&bm : (const void *)&src, yg, g.out_sp, &dq,
			    &post, c->scratch, c->threads);
		}
	}
	return 0;
}

static int64_t
qconv_macs(const struct op_ctx *c)
{
	return conv_macs_of(c->out[0], c->in[3]);
}

const struct op_def op_QConv = {
	.name = "QConv", .domain = "ladder", .n_in_min = 4, .n_in_max = 7, .n_out_min = 1,
	.n_out_max = 1,
	.check = qconv_check, .infer = qconv_infer, .run = qconv_run, .macs = qconv_macs,
};
