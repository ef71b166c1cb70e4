/*
 * dconv.c: direct 2-d float convolution with AVX-512 for convolutions whose
 * output rows are wide (stride 1 along the row): no im2col at all.  A tile
 * is 12 output channels x 32 consecutive outputs of one output row; for
 * every (input channel, kernel row, kernel column) it loads the 32 inputs
 * the tile needs straight from the input row (masked at the borders) and
 * broadcasts 12 packed weights, in the same k order as the packed GEMM
 * (pgemm.h), so the weights are packed once for both.  The sum over k is in
 * registers to the end; bias, residual and activation are applied before
 * the store.  Internal to libladder.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/conv.h"
#include "ops/dconv.h"
#include "ops/par.h"
#include "ops/simd.h"
#include "util/banned.h"

#define DC_MAX_CHUNKS 16	/* output rows up to 512 wide */
#define DC_MAX_KW 16
#define DC_MAX_K 4608		/* k steps of one output row (channels x kernel) */

bool
dconv_suits(const struct conv_geom *g)
{
	int64_t chunks = (g->out[2] + 31) / 32;

	if (!pg_fast() || g->nsp != 2 || g->stride[2] != 1 || conv_is_depthwise(g) ||
	    conv_pointwise(g) || g->k[2] > DC_MAX_KW || chunks > DC_MAX_CHUNKS ||
	    g->c / g->group * g->k_sp > DC_MAX_K || g->in_sp > INT32_MAX / 2 / g->c)
		return false;
	/* Worth it when few lanes are wasted: rows of 24 or more. */
	return g->out[2] * 4 >= chunks * 32 * 3;
}

#if LADDER_SIMD_X86
struct dc_job {
	const struct conv_geom *g;
	const float *x;		/* the group's first input channel */
	const float *ap;	/* the group's packed weights */
	float *y;		/* the group's first output channel */
	const struct pg_post *post;	/* bias and z already at the group */
	int64_t mg, cg, chunks;
	__mmask16 m0[DC_MAX_CHUNKS][DC_MAX_KW], m1[DC_MAX_CHUNKS][DC_MAX_KW];
	__mmask16 om0[DC_MAX_CHUNKS], om1[DC_MAX_CHUNKS];
};

/* The k steps of one output row that read inside the input: offsets and kernel columns. */
struct dc_steps {
	int64_t n;
	int32_t xoff[DC_MAX_K];	/* from the group's input: channel, row and column offset */
	int32_t koff[DC_MAX_K];	/* k, the row of the packed weights */
	uint8_t kw[DC_MAX_K];
};

static inline __attribute__((always_inline)) LADDER_AVX512 void
dc_tile(const int R, const struct dc_job *jb, const struct dc_steps *st, int64_t oh, int64_t ch,
    const float *a, int64_t row0, int mv)
{
	const struct conv_geom *g = jb->g;
	const struct pg_post *p = jb->post;
	const float *x = jb->x + ch * 32;
	__m512 acc[PG_MR][2];

#pragma GCC unroll 12
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_ps();
	const int64_t n = st->n;
	const int32_t *restrict xoff = st->xoff, *restrict koff = st->koff;
	const uint8_t *restrict kws = st->kw;
	__mmask16 m0[DC_MAX_KW], m1[DC_MAX_KW];

	for (int64_t kw = 0; kw < g->k[2]; kw++) {
		m0[kw] = jb->m0[ch][kw];
		m1[kw] = jb->m1[ch][kw];
	}
	for (int64_t t = 0; t < n; t++) {
		const float *q = x + xoff[t], *ak = a + (int64_t)koff[t] * PG_MR;
		int kw = kws[t];
		__m512 b0 = _mm512_maskz_loadu_ps(m0[kw], q);
		__m512 b1 = _mm512_maskz_loadu_ps(m1[kw], q + 16);

#pragma GCC unroll 12
		for (int r = 0; r < R; r++) {
			__m512 av = _mm512_set1_ps(ak[r]);

			acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
			acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
		}
	}
	int64_t col = oh * g->out[2] + ch * 32;
	__mmask16 o0 = jb->om0[ch], o1 = jb->om1[ch];

	/* Unrolled with constant indices, so the accumulators never leave registers. */
#pragma GCC unroll 12
	for (int r = 0; r < R; r++) {
		if (r >= mv)
			break;
		int64_t row = row0 + r;
		float *yr = jb->y + row * g->out_sp + col;
		__m512 v0 = acc[r][0], v1 = acc[r][1];

		if (p->bias != NULL) {
			__m512 bv = _mm512_set1_ps(p->bias[row]);

			v0 = _mm512_add_ps(v0, bv);
			v1 = _mm512_add_ps(v1, bv);
		}
		if (p->z != NULL) {
			const float *zr = p->z + row * g->out_sp + col;

			v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(o0, zr));
			v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(o1, zr + 16));
		}
		_mm512_mask_storeu_ps(yr, o0, pg_post_vec(p, v0));
		_mm512_mask_storeu_ps(yr + 16, o1, pg_post_vec(p, v1));
	}
}

#define DC_TILE(R)                                                                      \
	static LADDER_AVX512 void                                                       \
	dc_tile_##R(const struct dc_job *jb, const struct dc_steps *st, int64_t oh,     \
	    int64_t ch, const float *a, int64_t row0, int mv)                           \
	{                                                                               \
		dc_tile(R, jb, st, oh, ch, a, row0, mv);                                 \
	}
DC_TILE(12)
DC_TILE(8)
DC_TILE(4)

/* Task: one output row, every chunk and every 12-channel panel. */
static void
dc_row(void *ctx, int64_t oh, int worker)
{
	const struct dc_job *jb = ctx;
	const struct conv_geom *g = jb->g;
	int64_t kdim = jb->cg * g->k_sp;
	struct dc_steps st;

	(void)worker;
	/* The k order of the packed weights: (channel, kernel row, kernel column). */
	st.n = 0;
	for (int64_t c = 0, k = 0; c < jb->cg; c++) {
		for (int64_t kh = 0; kh < g->k[1]; kh++) {
			int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];

			for (int64_t kw = 0; kw < g->k[2]; kw++, k++) {
				if (ih < 0 || ih >= g->in[1])
					continue;
				st.xoff[st.n] = (int32_t)(c * g->in_sp + ih * g->in[2] + kw * g->dil[2] -
				    g->pad_b[2]);
				st.koff[st.n] = (int32_t)k;
				st.kw[st.n++] = (uint8_t)kw;
			}
		}
	}
	for (int64_t ch = 0; ch < jb->chunks; ch++) {
		for (int64_t i = 0; i < jb->mg; i += PG_MR) {
			const float *a = jb->ap + (i / PG_MR) * kdim * PG_MR;
			int mv = (int)(jb->mg - i < PG_MR ? jb->mg - i : PG_MR);

			if (mv > 8)
				dc_tile_12(jb, &st, oh, ch, a, i, mv);
			else if (mv > 4)
				dc_tile_8(jb, &st, oh, ch, a, i, mv);
			else
				dc_tile_4(jb, &st, oh, ch, a, i, mv);
		}
	}
}

void
dconv_run(const struct conv_geom *g, const float *x, const float *ap, float *y,
    const struct pg_post *post, int threads)
{
	struct dc_job job;

	job.g = g;
	job.x = x;
	job.ap = ap;
	job.y = y;
	job.post = post;
	job.mg = g->m / g->group;
	job.cg = g->c / g->group;
	job.chunks = (g->out[2] + 31) / 32;
	for (int64_t ch = 0; ch < job.chunks; ch++) {
		job.om0[ch] = pg_range_mask16(ch * 32, g->out[2]);
		job.om1[ch] = pg_range_mask16(ch * 32 + 16, g->out[2]);
		for (int64_t kw = 0; kw < g->k[2]; kw++) {
			int64_t b = ch * 32 + kw * g->dil[2] - g->pad_b[2];

			/* Lanes inside the input row and inside the output row. */
			job.m0[ch][kw] = pg_range_mask16(b, g->in[2]) & job.om0[ch];
			job.m1[ch][kw] = pg_range_mask16(b + 16, g->in[2]) & job.om1[ch];
		}
	}
	op_parallel_for(threads, g->out[1], dc_row, &job);
}
#else
void
dconv_run(const struct conv_geom *g, const float *x, const float *ap, float *y,
    const struct pg_post *post, int threads)
{
	(void)g, (void)x, (void)ap, (void)y, (void)post, (void)threads;
}
#endif
