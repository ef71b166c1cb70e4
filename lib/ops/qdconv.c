/*
 * qdconv.c: direct 8-bit convolution (AVX-512 VNNI) for QConv with stride 1
 * along the row: no im2col.  The uint8 input is first interleaved by 4
 * channels ([channel / 4][row][column][4], padded channels read as the zero
 * point), so the 4 bytes vpdpbusd sums for one output are contiguous and a
 * 64-byte load feeds 16 outputs; the weights are packed in the matching k
 * order (channel / 4, kernel row, kernel column, channel % 4).  Positions
 * outside the input read the zero point, exactly as the float path's zero
 * padding after dequantization.  Tiles are 12 output channels x 32 outputs
 * of one output row, or P = 16 / width whole rows per vector for narrow
 * maps.  Internal to libladder.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops/conv.h"
#include "ops/par.h"
#include "ops/pgemm8.h"
#include "ops/qdconv.h"
#include "ops/simd.h"
#include "util/banned.h"

#define QD_MAX_KW 16
#define QD_MAX_CHUNKS 16
#define QD_MAX_STEPS 4096	/* k quads of one tile: (channels / 4) x kernel */
#define QD_MAX_P 4

enum { QD_ROW32, QD_ROWS };

static int
qd_mode(const struct conv_geom *g)
{
	if (g->out[2] <= 16) {
		int64_t p = 16 / g->out[2];

		return p <= QD_MAX_P && p * g->out[2] >= 12 ? QD_ROWS : -1;
	}
	int64_t chunks = (g->out[2] + 31) / 32;

	return g->out[2] * 4 >= chunks * 32 * 3 ? QD_ROW32 : -1;
}

bool
qdconv_suits(const struct conv_geom *g)
{
	int64_t cq = (g->c / g->group + 3) / 4;

	if (!pq_fast() || g->nsp != 2 || g->stride[2] != 1 || g->k[2] > QD_MAX_KW ||
	    (g->out[2] + 31) / 32 > QD_MAX_CHUNKS || cq * g->k_sp > QD_MAX_STEPS ||
	    cq * 4 * g->in_sp > INT32_MAX / 2)
		return false;
	return qd_mode(g) >= 0;
}

int64_t
qdconv_k(const struct conv_geom *g)
{
	return (g->c / g->group + 3) / 4 * 4 * g->k_sp;
}

void
qdconv_reorder(const struct conv_geom *g, const int8_t *w, int64_t mg, int8_t *out)
{
	int64_t cg = g->c / g->group, cq = (cg + 3) / 4, kh_n = g->k[1], kw_n = g->k[2];
	int64_t k4 = qdconv_k(g);

	for (int64_t m = 0; m < mg; m++)
		for (int64_t q = 0; q < cq; q++)
			for (int64_t kh = 0; kh < kh_n; kh++)
				for (int64_t kw = 0; kw < kw_n; kw++)
					for (int64_t c4 = 0; c4 < 4; c4++) {
						int64_t c = q * 4 + c4;
						int64_t dst = ((q * kh_n + kh) * kw_n + kw) * 4 + c4;

						out[m * k4 + dst] = c < cg ?
						    w[(m * cg + c) * kh_n * kw_n + kh * kw_n + kw] : 0;
					}
}

size_t
qdconv_scratch_bytes(const struct conv_geom *g)
{
	return (size_t)((g->c / g->group + 3) / 4) * 4 * (size_t)g->in_sp + 64;
}

#if LADDER_SIMD_X86
#define QD_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,fma")))

struct qd_job {
	const struct conv_geom *g;
	const uint32_t *x4;	/* interleaved input: [cq][in1][in2] words of 4 channels */
	const int8_t *ap;
	float *y;
	const struct pq_dequant *dq;
	const struct pg_post *post;
	int64_t mg, cq, chunks, p;
	int mode;
	uint32_t zx4;
	__mmask16 m[QD_MAX_CHUNKS][QD_MAX_KW][2];	/* per (chunk, kw): the two vectors */
	__mmask16 sub[QD_MAX_KW][QD_MAX_P];		/* QD_ROWS: lanes of row s, per kw */
	__mmask16 om0[QD_MAX_CHUNKS], om1[QD_MAX_CHUNKS];
};

struct qd_steps {
	int64_t n;
	int32_t xoff[QD_MAX_STEPS];	/* words from x4: channel quad, row, kernel column */
	uint8_t kw[QD_MAX_STEPS];
	uint8_t rows[QD_MAX_STEPS];	/* bit r: tile row r reads inside the input */
};

static inline __attribute__((always_inline)) QD_VNNI void
qd_tile(const int R, const int MODE, const struct qd_job *jb, const struct qd_steps *st,
    int64_t oh, int64_t ch, const int8_t *a, int64_t row0, int mv)
{
	const struct conv_geom *g = jb->g;
	const struct pg_post *p = jb->post;
	const int64_t n = st->n, next_row = g->stride[1] * g->in[2], w = g->out[2], P = jb->p;
	const uint32_t *x = jb->x4 + ch * 32;
	const __m512i zx = _mm512_set1_epi32((int)jb->zx4);
	__m512i acc[PG_MR][2];

#pragma GCC unroll 12
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_si512();
	for (int64_t t = 0; t < n; t++) {
		const uint32_t *q = x + st->xoff[t];
		int kw = st->kw[t];
		unsigned rb = st->rows[t];
		__m512i b0, b1;

		if (MODE == QD_ROW32) {
			b0 = _mm512_mask_loadu_epi32(zx, rb & 1 ? jb->m[ch][kw][0] : 0, q);
			b1 = _mm512_mask_loadu_epi32(zx, rb & 1 ? jb->m[ch][kw][1] : 0, q + 16);
		} else {
			b0 = zx;
			b1 = zx;
			for (int64_t sr = 0; sr < P; sr++) {
				__mmask16 s = jb->sub[kw][sr];

				b0 = _mm512_mask_loadu_epi32(b0, (rb >> sr) & 1 ? s : 0,
				    q + sr * next_row - sr * w);
				b1 = _mm512_mask_loadu_epi32(b1, (rb >> (P + sr)) & 1 ? s : 0,
				    q + (P + sr) * next_row - sr * w);
			}
		}
		const int32_t *aw = (const int32_t *)(const void *)(a + t * 4 * PG_MR);

#pragma GCC unroll 12
		for (int r = 0; r < R; r++) {
			__m512i av = _mm512_set1_epi32(aw[r]);

			acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, av);
			acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, av);
		}
	}
	int64_t col0 = oh * w + ch * 32, col1 = MODE == QD_ROWS ? col0 + P * w : col0 + 16;
	__mmask16 o0 = jb->om0[ch], o1 = jb->om1[ch];

	if (MODE == QD_ROWS)	/* rows past the map's last are not stored */
		pg_rows_store_masks(g->out[1] - oh, P, w, &o0, &o1);
#pragma GCC unroll 12
	for (int r = 0; r < R; r++) {
		if (r >= mv)
			break;
		int64_t row = row0 + r;
		float *yr = jb->y + row * g->out_sp;
		__m512i corr = _mm512_set1_epi32(jb->dq->corr[row]);
		__m512 sc = _mm512_set1_ps(jb->dq->scale[row]);
		__m512 v0 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], corr)), sc);
		__m512 v1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], corr)), sc);

		pg_finish2(p, row, v0, v1, yr + col0, yr + col1, NULL, NULL, o0, o1);
	}
}

#define QD_TILE(R, MODE)                                                                \
	static QD_VNNI void                                                             \
	qd_tile_##R##_##MODE(const struct qd_job *jb, const struct qd_steps *st,        \
	    int64_t oh, int64_t ch, const int8_t *a, int64_t row0, int mv)              \
	{                                                                               \
		qd_tile(R, MODE, jb, st, oh, ch, a, row0, mv);                           \
	}
QD_TILE(12, 0)
QD_TILE(8, 0)
QD_TILE(4, 0)
QD_TILE(12, 1)
QD_TILE(8, 1)
QD_TILE(4, 1)

typedef void (*qd_tile_fn)(const struct qd_job *, const struct qd_steps *, int64_t, int64_t,
    const int8_t *, int64_t, int);

static const qd_tile_fn qd_tiles[2][3] = {
	{ qd_tile_12_0, qd_tile_8_0, qd_tile_4_0 },
	{ qd_tile_12_1, qd_tile_8_1, qd_tile_4_1 },
};

static void
qd_row(void *ctx, int64_t task, int worker)
{
	const struct qd_job *jb = ctx;
	const struct conv_geom *g = jb->g;
	int64_t nrows = jb->mode == QD_ROWS ? 2 * jb->p : 1, oh = task * nrows;
	int64_t kq = jb->cq * g->k_sp;
	static _Thread_local struct qd_steps st;

	(void)worker;
	/* Every k quad, in the packed order; rows outside the input read the zero point. */
	st.n = 0;
	for (int64_t q = 0; q < jb->cq; q++) {
		for (int64_t kh = 0; kh < g->k[1]; kh++) {
			int64_t ih = oh * g->stride[1] - g->pad_b[1] + kh * g->dil[1];
			unsigned rows = conv_rows_inside(g, oh, ih, nrows);
			for (int64_t kw = 0; kw < g->k[2]; kw++) {
				st.xoff[st.n] = (int32_t)(q * g->in_sp + ih * g->in[2] + kw * g->dil[2] -
				    g->pad_b[2]);
				st.kw[st.n] = (uint8_t)kw;
				st.rows[st.n++] = (uint8_t)rows;
			}
		}
	}
	for (int64_t ch = 0; ch < jb->chunks; ch++) {
		for (int64_t i = 0; i < jb->mg; i += PG_MR) {
			const int8_t *a = jb->ap + (i / PG_MR) * kq * 4 * PG_MR;
			int mv = (int)(jb->mg - i < PG_MR ? jb->mg - i : PG_MR);

			qd_tiles[jb->mode][mv > 8 ? 0 : mv > 4 ? 1 : 2](jb, &st, oh, ch, a, i, mv);
		}
	}
}

void
qdconv_run(const struct conv_geom *g, const uint8_t *x, uint8_t zx, const int8_t *ap, float *y,
    const struct pq_dequant *dq, const struct pg_post *post, void *scratch, int threads)
{
	struct qd_job job;
	int64_t cg = g->c / g->group, cq = (cg + 3) / 4;
	uint32_t *x4 = scratch;

	/* Interleave 4 channels per word; channels past cg read the zero point. */
	for (int64_t q = 0; q < cq; q++) {
		for (int64_t i = 0; i < g->in_sp; i++) {
			uint8_t b[4];

			for (int c4 = 0; c4 < 4; c4++)
				b[c4] = q * 4 + c4 < cg ? x[(q * 4 + c4) * g->in_sp + i] : zx;
			memcpy(&x4[q * g->in_sp + i], b, 4);
		}
	}
	job.g = g;
	job.x4 = x4;
	job.ap = ap;
	job.y = y;
	job.dq = dq;
	job.post = post;
	job.mg = g->m / g->group;
	job.cq = cq;
	job.mode = qd_mode(g);
	job.p = job.mode == QD_ROWS ? 16 / g->out[2] : 1;
	job.chunks = job.mode == QD_ROWS ? 1 : (g->out[2] + 31) / 32;
	job.zx4 = 0x01010101u * zx;
	for (int64_t kw = 0; kw < g->k[2] && job.mode == QD_ROWS; kw++)
		pg_rows_sub_masks(kw * g->dil[2] - g->pad_b[2], g->in[2], g->out[2], job.p, job.sub[kw]);
	for (int64_t ch = 0; ch < job.chunks; ch++) {
		if (job.mode == QD_ROWS) {
			job.om0[ch] = job.om1[ch] = pg_range_mask16(0, job.p * g->out[2]);
			continue;
		}
		job.om0[ch] = pg_range_mask16(ch * 32, g->out[2]);
		job.om1[ch] = pg_range_mask16(ch * 32 + 16, g->out[2]);
		for (int64_t kw = 0; kw < g->k[2]; kw++) {
			int64_t b = ch * 32 + kw * g->dil[2] - g->pad_b[2];

			job.m[ch][kw][0] = pg_range_mask16(b, g->in[2]) & job.om0[ch];
			job.m[ch][kw][1] = pg_range_mask16(b + 16, g->in[2]) & job.om1[ch];
		}
	}
	threads = op_threads_for(threads, job.mg * g->out_sp * cq * g->k_sp);
	op_parallel_for(threads, job.mode == QD_ROWS ?
	    (g->out[1] + 2 * job.p - 1) / (2 * job.p) : g->out[1], qd_row, &job);
}
#else
void
qdconv_run(const struct conv_geom *g, const uint8_t *x, uint8_t zx, const int8_t *ap, float *y,
    const struct pq_dequant *dq, const struct pg_post *post, void *scratch, int threads)
{
	(void)g, (void)x, (void)zx, (void)ap, (void)y, (void)dq, (void)post, (void)scratch;
	(void)threads;
}
#endif
