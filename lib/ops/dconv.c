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

/*
 * The tile shapes: one output row, 32 outputs, stride 1 or 2 along the row;
 * or, for narrow maps (14 x 14, 7 x 7...), whole output rows: P = 16 / width
 * consecutive rows per vector, 2P rows per tile (stride 1).  Consecutive
 * output rows are contiguous in memory, so each vector still stores at once.
 */
enum dc_mode { DC_ROW32, DC_ROW32_S2, DC_ROWS, DC_ROWS_P };	/* DC_ROWS_P: P > 1 */

#define DC_MAX_P 4

static int
dc_mode_of(const struct conv_geom *g)
{
	if (g->out[2] <= 16) {
		int64_t p = 16 / g->out[2];

		/* At least 12 of 16 lanes used: widths 4, 5, 6(no), 7, 8, 12..16. */
		if (g->stride[2] != 1 || p > DC_MAX_P || p * g->out[2] < 12)
			return -1;
		return p == 1 ? DC_ROWS : DC_ROWS_P;
	}
	int64_t chunks = (g->out[2] + 31) / 32;

	/* Worth it when few lanes are wasted: rows of 24 or more. */
	if (g->out[2] * 4 < chunks * 32 * 3)
		return -1;
	return g->stride[2] == 1 ? DC_ROW32 : g->stride[2] == 2 ? DC_ROW32_S2 : -1;
}

bool
dconv_suits(const struct conv_geom *g)
{
	if (!pg_fast() || g->nsp != 2 || conv_is_depthwise(g) || conv_pointwise(g) ||
	    g->k[2] > DC_MAX_KW || (g->out[2] + 31) / 32 > DC_MAX_CHUNKS ||
	    g->c / g->group * g->k_sp > DC_MAX_K || g->in_sp > INT32_MAX / 2 / g->c)
		return false;
	return dc_mode_of(g) >= 0;
}

#if LADDER_SIMD_X86
struct dc_job {
	const struct conv_geom *g;
	const float *x;		/* the group's first input channel */
	const float *ap;	/* the group's packed weights */
	float *y;		/* the group's first output channel */
	const struct pg_post *post;	/* bias and z already at the group */
	int64_t mg, cg, chunks, p;	/* p: output rows per vector (DC_ROWS) */
	int mode;
	__mmask16 sub[DC_MAX_KW][DC_MAX_P];	/* DC_ROWS: lanes of row s of a vector, per kw */
	/* Load masks per (chunk, kernel column): 4 vectors of 16 inputs (stride 2 reads 64). */
	__mmask16 m[DC_MAX_CHUNKS][DC_MAX_KW][4];
	__mmask16 om0[DC_MAX_CHUNKS], om1[DC_MAX_CHUNKS];
};

/* The k steps of one tile that read inside the input: offsets, kernel columns, rows hit. */
struct dc_steps {
	int64_t n;
	int32_t xoff[DC_MAX_K];	/* from the group's input: channel, row and column offset */
	int32_t koff[DC_MAX_K];	/* k, the row of the packed weights */
	uint8_t kw[DC_MAX_K];
	uint8_t rows[DC_MAX_K];	/* DC_ROWS: bit r set when tile row r reads inside the input */
};

static inline __attribute__((always_inline)) LADDER_AVX512 void
dc_tile(const int R, const int MODE, const struct dc_job *jb, const struct dc_steps *st,
    int64_t oh, int64_t ch, const float *a, int64_t row0, int mv)
{
	const struct conv_geom *g = jb->g;
	const struct pg_post *p = jb->post;
	const int64_t n = st->n, next_row = g->stride[1] * g->in[2];
	const float *x = jb->x + ch * 32 * (MODE == DC_ROW32_S2 ? 2 : 1);
	const int32_t *restrict xoff = st->xoff, *restrict koff = st->koff;
	const uint8_t *restrict kws = st->kw, *restrict rows = st->rows;
	const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6,
	    4, 2, 0);
	__mmask16 mk[DC_MAX_KW][4];
	__m512 acc[PG_MR][2];

	for (int64_t kw = 0; kw < g->k[2]; kw++)
		for (int q = 0; q < 4; q++)
			mk[kw][q] = jb->m[ch][kw][q];
#pragma GCC unroll 12
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_ps();
	for (int64_t t = 0; t < n; t++) {
		const float *q = x + xoff[t], *ak = a + (int64_t)koff[t] * PG_MR;
		int kw = kws[t];
		__m512 b0, b1;

		if (MODE == DC_ROW32) {
			b0 = _mm512_maskz_loadu_ps(mk[kw][0], q);
			b1 = _mm512_maskz_loadu_ps(mk[kw][1], q + 16);
		} else if (MODE == DC_ROW32_S2) {
			b0 = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(mk[kw][0], q), evens,
			    _mm512_maskz_loadu_ps(mk[kw][1], q + 16));
			b1 = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(mk[kw][2], q + 32), evens,
			    _mm512_maskz_loadu_ps(mk[kw][3], q + 48));
		} else if (MODE == DC_ROWS) {
			__mmask16 r0 = rows[t] & 1 ? mk[kw][0] : 0, r1 = rows[t] & 2 ? mk[kw][0] : 0;

			b0 = _mm512_maskz_loadu_ps(r0, q);
			b1 = _mm512_maskz_loadu_ps(r1, q + next_row);
		} else {
			/* Row s of vector v reads input row (v * P + s) rows down, shifted by s * width. */
			const int64_t P = jb->p, w = g->out[2];
			unsigned rb = rows[t];

			b0 = _mm512_setzero_ps();
			b1 = _mm512_setzero_ps();
			for (int64_t sr = 0; sr < P; sr++) {
				__mmask16 m0 = (rb >> sr) & 1 ? jb->sub[kw][sr] : 0;
				__mmask16 m1 = (rb >> (P + sr)) & 1 ? jb->sub[kw][sr] : 0;

				b0 = _mm512_mask_loadu_ps(b0, m0, q + sr * next_row - sr * w);
				b1 = _mm512_mask_loadu_ps(b1, m1, q + (P + sr) * next_row - sr * w);
			}
		}
#pragma GCC unroll 12
		for (int r = 0; r < R; r++) {
			__m512 av = _mm512_set1_ps(ak[r]);

			acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
			acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
		}
	}
	/* Where the two halves go: the rest of one row, or the next output row. */
	int64_t col0 = oh * g->out[2] + ch * 32;
	int64_t col1 = MODE >= DC_ROWS ? col0 + jb->p * g->out[2] : col0 + 16;
	__mmask16 o0 = jb->om0[ch], o1 = jb->om1[ch];

	if (MODE >= DC_ROWS)	/* rows past the map's last are not stored */
		pg_rows_store_masks(g->out[1] - oh, jb->p, g->out[2], &o0, &o1);
	/* Unrolled with constant indices, so the accumulators never leave registers. */
#pragma GCC unroll 12
	for (int r = 0; r < R; r++) {
		if (r >= mv)
			break;
		int64_t row = row0 + r;
		float *yr = jb->y + row * g->out_sp;
		__m512 v0 = acc[r][0], v1 = acc[r][1];

		const float *zr = p->z != NULL ? p->z + row * g->out_sp : NULL;

		pg_finish2(p, row, v0, v1, yr + col0, yr + col1, zr != NULL ? zr + col0 : NULL,
		    zr != NULL ? zr + col1 : NULL, o0, o1);
	}
}

#define DC_TILE(R, MODE)                                                                \
	static LADDER_AVX512 void                                                       \
	dc_tile_##R##_##MODE(const struct dc_job *jb, const struct dc_steps *st,        \
	    int64_t oh, int64_t ch, const float *a, int64_t row0, int mv)               \
	{                                                                               \
		dc_tile(R, MODE, jb, st, oh, ch, a, row0, mv);                           \
	}
DC_TILE(12, 0)
DC_TILE(8, 0)
DC_TILE(4, 0)
DC_TILE(12, 1)
DC_TILE(8, 1)
DC_TILE(4, 1)
DC_TILE(12, 2)
DC_TILE(8, 2)
DC_TILE(4, 2)
DC_TILE(12, 3)
DC_TILE(8, 3)
DC_TILE(4, 3)

typedef void (*dc_tile_fn)(const struct dc_job *, const struct dc_steps *, int64_t, int64_t,
    const float *, int64_t, int);

static const dc_tile_fn dc_tiles[4][3] = {
	{ dc_tile_12_0, dc_tile_8_0, dc_tile_4_0 },
	{ dc_tile_12_1, dc_tile_8_1, dc_tile_4_1 },
	{ dc_tile_12_2, dc_tile_8_2, dc_tile_4_2 },
	{ dc_tile_12_3, dc_tile_8_3, dc_tile_4_3 },
};

/* Task: one output row (2P for DC_ROWS), every chunk and every 12-channel panel. */
static void
dc_row(void *ctx, int64_t task, int worker)
{
	const struct dc_job *jb = ctx;
	const struct conv_geom *g = jb->g;
	int64_t kdim = jb->cg * g->k_sp, oh = jb->mode >= DC_ROWS ? 2 * jb->p * task : task;
	int64_t nrows = jb->mode >= DC_ROWS ? 2 * jb->p : 1;
	static _Thread_local struct dc_steps st;	/* about 46 KB: not on the stack */

	(void)worker;
	/* The k order of the packed weights: (channel, kernel row, kernel column). */
	st.n = 0;
	for (int64_t c = 0, k = 0; c < jb->cg; c++) {
		for (int64_t kh = 0; kh < g->k[1]; kh++) {
			int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];
			unsigned rows = conv_rows_inside(g, oh, ih, nrows);
			for (int64_t kw = 0; kw < g->k[2]; kw++, k++) {
				if (rows == 0)
					continue;
				st.xoff[st.n] = (int32_t)(c * g->in_sp + ih * g->in[2] + kw * g->dil[2] -
				    g->pad_b[2]);
				st.koff[st.n] = (int32_t)k;
				st.kw[st.n] = (uint8_t)kw;
				st.rows[st.n++] = (uint8_t)rows;
			}
		}
	}
	for (int64_t ch = 0; ch < jb->chunks; ch++) {
		for (int64_t i = 0; i < jb->mg; i += PG_MR) {
			const float *a = jb->ap + (i / PG_MR) * kdim * PG_MR;
			int mv = (int)(jb->mg - i < PG_MR ? jb->mg - i : PG_MR);

			dc_tiles[jb->mode][mv > 8 ? 0 : mv > 4 ? 1 : 2](jb, &st, oh, ch, a, i, mv);
		}
	}
}

void
dconv_run(const struct conv_geom *g, const float *x, const float *ap, float *y,
    const struct pg_post *post, int threads)
{
	struct dc_job job;
	int64_t s2 = g->stride[2];

	job.g = g;
	job.x = x;
	job.ap = ap;
	job.y = y;
	job.post = post;
	job.mg = g->m / g->group;
	job.cg = g->c / g->group;
	job.mode = dc_mode_of(g);
	job.chunks = job.mode >= DC_ROWS ? 1 : (g->out[2] + 31) / 32;
	job.p = job.mode >= DC_ROWS ? 16 / g->out[2] : 1;
	if (job.mode >= DC_ROWS) {
		for (int64_t kw = 0; kw < g->k[2]; kw++)
			pg_rows_sub_masks(kw * g->dil[2] - g->pad_b[2], g->in[2], g->out[2], job.p,
			    job.sub[kw]);
	}
	for (int64_t ch = 0; ch < job.chunks; ch++) {
		if (job.mode >= DC_ROWS) {
			job.om0[ch] = job.om1[ch] = pg_range_mask16(0, job.p * g->out[2]);
		} else {
			job.om0[ch] = pg_range_mask16(ch * 32, g->out[2]);
			job.om1[ch] = pg_range_mask16(ch * 32 + 16, g->out[2]);
		}
		for (int64_t kw = 0; kw < g->k[2]; kw++) {
			/* Input index of output lane 0 of the chunk for this kernel column. */
			int64_t b = ch * 32 * s2 + kw * g->dil[2] - g->pad_b[2];

			for (int q = 0; q < 4; q++) {
				__mmask16 in = pg_range_mask16(b + 16 * q, g->in[2]), out = 0;

				/* Only inputs some valid output lane reads (lane l reads b + l * s2). */
				for (int l = 0; l < 16; l++) {
					int64_t idx = 16 * q + l;	/* offset from b */
					int64_t lane = idx / s2;

					if (idx % s2 == 0 && (job.mode >= DC_ROWS ? lane < g->out[2] :
					    ch * 32 + lane < g->out[2]) && lane < (job.mode >= DC_ROWS ? 16 : 32))
						out |= (__mmask16)(1u << l);
				}
				job.m[ch][kw][q] = in & out;
			}
		}
	}
	threads = op_threads_for(threads, job.mg * g->out_sp * job.cg * g->k_sp);
	op_parallel_for(threads, job.mode >= DC_ROWS ?
	    (g->out[1] + 2 * job.p - 1) / (2 * job.p) : g->out[1], dc_row,
	    &job);
}
#else
void
dconv_run(const struct conv_geom *g, const float *x, const float *ap, float *y,
    const struct pg_post *post, int threads)
{
	(void)g, (void)x, (void)ap, (void)y, (void)post, (void)threads;
}
#endif
