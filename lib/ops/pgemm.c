/*
 * pgemm.c: packed float GEMM with a fused epilogue (see pgemm.h).
 *
 * Blocking: B is packed PG_KC rows by PG_NC columns at a time (384 KB, in
 * L2); each PG_KC x PG_NR panel of it (32 KB) stays in L1 while every
 * PG_MR-row panel of the packed A streams past it.  The AVX-512 micro-kernel
 * keeps a 12 x 32 tile of C in 24 registers: per k it loads two vectors of B
 * and broadcasts twelve values of A (24 FMAs).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "ops/par.h"
#include "ops/pgemm.h"
#include "util/banned.h"

#include "ops/simd.h"

size_t
pg_packed_a_floats(int64_t m, int64_t k)
{
	return (size_t)((m + PG_MR - 1) / PG_MR) * PG_MR * (size_t)k;
}

void
pg_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *out)
{
	for (int64_t p = 0; p < m; p += PG_MR) {
		int64_t rows = m - p < PG_MR ? m - p : PG_MR;

		for (int64_t kk = 0; kk < k; kk++) {
			for (int64_t r = 0; r < PG_MR; r++)
				out[r] = r < rows ? a[(p + r) * lda + kk] : 0.0f;
			out += PG_MR;
		}
	}
}

#if LADDER_SIMD_X86
static bool use_avx512(void);

/* pg_pack_b_matrix with masked vector copies (zeros past the last column). */
static LADDER_AVX512 void
pack_b_matrix_avx512(const struct pg_matrix *b, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
    float *dst)
{
	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR;
		__mmask16 m0 = pg_range_mask16(0, cols), m1 = pg_range_mask16(16, cols);
		const float *src = b->p + k0 * b->ld + n0 + j;

		for (int64_t kk = 0; kk < kc; kk++, src += b->ld, dst += PG_NR) {
			_mm512_storeu_ps(dst, _mm512_maskz_loadu_ps(m0, src));
			_mm512_storeu_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + 16));
		}
	}
}
#endif

void
pg_pack_b_matrix(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float *dst)
{
	const struct pg_matrix *b = ctx;

#if LADDER_SIMD_X86
	if (use_avx512()) {
		pack_b_matrix_avx512(b, k0, kc, n0, nc, dst);
		return;
	}
#endif

	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR;
		const float *src = b->p + k0 * b->ld + n0 + j;

		for (int64_t kk = 0; kk < kc; kk++, src += b->ld, dst += PG_NR) {
			memcpy(dst, src, (size_t)cols * sizeof *dst);
			if (cols < PG_NR)
				memset(dst + cols, 0, (size_t)(PG_NR - cols) * sizeof *dst);
		}
	}
}

size_t
pg_work_floats(int64_t k, int64_t n)
{
	int64_t kc = k < PG_KC ? k : PG_KC, nc = (n + PG_NR - 1) / PG_NR * PG_NR;

	return (size_t)(kc > 0 ? kc : 1) * (size_t)(nc < PG_NC ? (nc > 0 ? nc : PG_NR) : PG_NC);
}

void
pg_post_row(const struct pg_post *post, int64_t row, float *c, const float *z, int64_t n)
{
	float b = post->bias != NULL ? post->bias[row] : 0.0f;

	if (post->bias != NULL)
		for (int64_t i = 0; i < n; i++)
			c[i] += b;
	if (z != NULL)
		for (int64_t i = 0; i < n; i++)
			c[i] += z[i];
	switch (post->act) {
	case PG_ACT_NONE:
		break;
	case PG_ACT_RELU:
		for (int64_t i = 0; i < n; i++)
			c[i] = c[i] > 0.0f ? c[i] : 0.0f;
		break;
	case PG_ACT_CLIP:
		for (int64_t i = 0; i < n; i++) {
			float v = c[i] < post->lo ? post->lo : c[i];

			c[i] = v > post->hi ? post->hi : v;
		}
		break;
	case PG_ACT_LEAKY:
		for (int64_t i = 0; i < n; i++)
			c[i] = c[i] >= 0.0f ? c[i] : post->alpha * c[i];
		break;
	}
}

#if LADDER_SIMD_X86

enum { PG_FIRST = 1, PG_LAST = 2 };

/*
 * One tile of R rows (R <= PG_MR, read from a PG_MR-row panel) by 16 * V
 * columns: mv valid rows, nv valid columns.  Instantiated for the row and
 * column counts below so that narrow edges do not pay for a full tile.
 */
static inline __attribute__((always_inline)) LADDER_AVX512 void
tile_avx512(const int R, const int V, int64_t kc, const float *restrict a,
    const float *restrict b, float *c, int64_t ldc, int mv, int nv, int mode,
    const struct pg_post *p, int64_t row0, int64_t col0)
{
	__m512 acc[PG_MR][2];

#pragma GCC unroll 12
	for (int r = 0; r < R; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_ps();
	for (int64_t kk = 0; kk < kc; kk++) {
		__m512 b0 = _mm512_load_ps(b), b1 = V == 2 ? _mm512_load_ps(b + 16) : b0;

#pragma GCC unroll 12
		for (int r = 0; r < R; r++) {
			__m512 av = _mm512_set1_ps(a[r]);

			acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
			if (V == 2)
				acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
		}
		a += PG_MR;
		b += PG_NR;
	}
	__mmask16 m0 = nv >= 16 ? 0xffff : (__mmask16)((1u << nv) - 1);
	__mmask16 m1 = nv >= 32 ? 0xffff : nv <= 16 ? 0 : (__mmask16)((1u << (nv - 16)) - 1);

	/* Unrolled with constant indices, so the accumulators never leave registers. */
#pragma GCC unroll 12
	for (int r = 0; r < R; r++) {
		if (r >= mv)
			break;
		float *cr = c + r * ldc;
		__m512 v0 = acc[r][0], v1 = V == 2 ? acc[r][1] : _mm512_setzero_ps();

		if (!(mode & PG_FIRST)) {
			v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
			if (V == 2)
				v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
		}
		if (mode & PG_LAST) {
			const float *zr = p->z != NULL ? p->z + (row0 + r) * p->ldz + col0 : NULL;

			pg_finish2(p, row0 + r, v0, v1, cr, cr + 16, zr, zr != NULL ? zr + 16 : NULL, m0,
			    V == 2 ? m1 : 0);
			continue;
		}
		_mm512_mask_storeu_ps(cr, m0, v0);
		if (V == 2)
			_mm512_mask_storeu_ps(cr + 16, m1, v1);
	}
}

#define PG_TILE(R, V)                                                                   \
	static LADDER_AVX512 void                                                       \
	tile_##R##x##V(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,  \
	    int mv, int nv, int mode, const struct pg_post *p, int64_t row0, int64_t col0) \
	{                                                                               \
		tile_avx512(R, V, kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);        \
	}
PG_TILE(12, 2)
PG_TILE(12, 1)
PG_TILE(8, 2)
PG_TILE(8, 1)
PG_TILE(4, 2)
PG_TILE(4, 1)

/* The smallest tile that covers mv rows and nv columns. */
static void
kernel_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mv, int nv,
    int mode, const struct pg_post *p, int64_t row0, int64_t col0)
{
	if (nv > 16) {
		if (mv > 8)
			tile_12x2(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
		else if (mv > 4)
			tile_8x2(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
		else
			tile_4x2(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
	} else {
		if (mv > 8)
			tile_12x1(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
		else if (mv > 4)
			tile_8x1(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
		else
			tile_4x1(kc, a, b, c, ldc, mv, nv, mode, p, row0, col0);
	}
}

static int avx512_state;	/* 0 unknown, 1 yes, 2 no; races only write the same value */

static bool
use_avx512(void)
{
	int state = avx512_state;

	if (state == 0) {
		const char *force = getenv("LADDER_CPU");
		bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");

		if (force != NULL && strcmp(force, "generic") == 0)
			ok = false;
		state = ok ? 1 : 2;
		avx512_state = state;
	}
	return state == 1;
}

#else
static bool
use_avx512(void)
{
	return false;
}

#endif

/* The portable kernel: same tile, same order of the sums over k. */
static void
kernel_c(int64_t kc, const float *restrict a, const float *restrict b, float *c, int64_t ldc,
    int mv, int nv, bool first, bool last, const struct pg_post *p, int64_t row0, int64_t col0)
{
	float acc[PG_MR][PG_NR];

	memset(acc, 0, sizeof acc);
	for (int64_t kk = 0; kk < kc; kk++, a += PG_MR, b += PG_NR)
		for (int r = 0; r < PG_MR; r++)
			for (int j = 0; j < PG_NR; j++)
				acc[r][j] += a[r] * b[j];
	for (int r = 0; r < mv; r++) {
		float *cr = c + r * ldc;

		for (int j = 0; j < nv; j++)
			cr[j] = first ? acc[r][j] : cr[j] + acc[r][j];
		if (last)
			pg_post_row(p, row0 + r, cr, p->z != NULL ? p->z + (row0 + r) * p->ldz + col0 : NULL,
			    nv);
	}
}

struct pg_job {
	int64_t m, n, k, nb, m_chunk;
	const float *ap;
	pg_pack_b_fn pack_b;
	const void *bctx;
	float *c;
	int64_t ldc;
	const struct pg_post *post;
	float *work;
	bool avx512;
};

/* Task t: columns block t % nb, rows chunk t / nb; worker w packs into its own workspace. */
static void
pg_task(void *ctx, int64_t t, int w)
{
	const struct pg_job *jb = ctx;
	int64_t n0 = (t % jb->nb) * PG_NC, nc = jb->n - n0 < PG_NC ? jb->n - n0 : PG_NC;
	int64_t m_lo = (t / jb->nb) * jb->m_chunk;
	int64_t m_hi = m_lo + jb->m_chunk < jb->m ? m_lo + jb->m_chunk : jb->m;
	float *work = jb->work + (size_t)w * pg_work_floats(jb->k, jb->n);

	/* Equal k blocks (576 = 2 x 288, not 256 + 256 + 64): fewer passes over C per FMA. */
	int64_t nkb = (jb->k + PG_KC - 1) / PG_KC, kb = (jb->k + nkb - 1) / nkb;

	for (int64_t k0 = 0; k0 < jb->k; k0 += kb) {
		int64_t kc = jb->k - k0 < kb ? jb->k - k0 : kb;
		bool first = k0 == 0, last = k0 + kc >= jb->k;

		jb->pack_b(jb->bctx, k0, kc, n0, nc, work);
		/*
		 * Few column panels (small feature maps, many channels): rows outer, so
		 * each panel of A comes from memory once and meets every panel of B.
		 */
		bool rows_outer = nc <= 4 * PG_NR;
		int64_t nj = (nc + PG_NR - 1) / PG_NR, ni = (m_hi - m_lo + PG_MR - 1) / PG_MR;

		for (int64_t outer = 0; outer < (rows_outer ? ni : nj); outer++) {
			for (int64_t inner = 0; inner < (rows_outer ? nj : ni); inner++) {
				int64_t j = (rows_outer ? inner : outer) * PG_NR;
				int64_t i = m_lo + (rows_outer ? outer : inner) * PG_MR;
				const float *bp = work + (j / PG_NR) * kc * PG_NR;
				int nv = (int)(nc - j < PG_NR ? nc - j : PG_NR);
				const float *a = jb->ap + (i / PG_MR) * jb->k * PG_MR + k0 * PG_MR;
				float *ct = jb->c + i * jb->ldc + n0 + j;
				int mv = (int)(jb->m - i < PG_MR ? jb->m - i : PG_MR);
#if LADDER_SIMD_X86
				if (jb->avx512) {
					kernel_avx512(kc, a, bp, ct, jb->ldc, mv, nv,
					    (first ? PG_FIRST : 0) | (last ? PG_LAST : 0), jb->post, i,
					    n0 + j);
					continue;
				}
#endif
				kernel_c(kc, a, bp, ct, jb->ldc, mv, nv, first, last, jb->post, i, n0 + j);
			}
		}
	}
}

void
pg_gemm(int64_t m, int64_t n, int64_t k, const float *ap, pg_pack_b_fn pack_b, const void *bctx,
    float *c, int64_t ldc, const struct pg_post *post, float *work, int threads)
{
	struct pg_job jb = { .m = m, .n = n, .k = k, .ap = ap, .pack_b = pack_b, .bctx = bctx,
		.c = c, .ldc = ldc, .post = post, .work = work, .avx512 = use_avx512() };
	int64_t panels = (m + PG_MR - 1) / PG_MR, chunks = 1;

	if (m <= 0 || n <= 0)
		return;
	threads = op_threads_for(threads, m * n * k);
	jb.nb = (n + PG_NC - 1) / PG_NC;
	if (threads > 1 && jb.nb < threads) {
		/* Too few column blocks: split the rows too (each part packs its own B). */
		chunks = (threads + jb.nb - 1) / jb.nb;
		if (chunks > panels)
			chunks = panels;
	}
	jb.m_chunk = (panels + chunks - 1) / chunks * PG_MR;
	chunks = (m + jb.m_chunk - 1) / jb.m_chunk;
	op_parallel_for(threads, jb.nb * chunks, pg_task, &jb);
}

bool
pg_fast(void)
{
	return use_avx512();
}

void
pg_force_portable(bool on)
{
#if LADDER_SIMD_X86
	avx512_state = on ? 2 : 0;
#else
	(void)on;
#endif
}

#if LADDER_SIMD_X86
static LADDER_AVX512 void
h2f_avx512(const uint16_t *h, float *f, int64_t n)
{
	int64_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm512_storeu_ps(f + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + i))));
	for (; i < n; i++)
		f[i] = op_half_to_float(h[i]);
}

static LADDER_AVX512 void
f2h_avx512(const float *f, uint16_t *h, int64_t n)
{
	int64_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256((__m256i *)(h + i),
		    _mm512_cvtps_ph(_mm512_loadu_ps(f + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
	for (; i < n; i++)
		h[i] = op_float_to_half(f[i]);
}
#endif

void
pg_h2f(const uint16_t *h, float *f, int64_t n)
{
#if LADDER_SIMD_X86
	if (use_avx512()) {
		h2f_avx512(h, f, n);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++)
		f[i] = op_half_to_float(h[i]);
}

void
pg_f2h(const float *f, uint16_t *h, int64_t n)
{
#if LADDER_SIMD_X86
	if (use_avx512()) {
		f2h_avx512(f, h, n);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++)
		h[i] = op_float_to_half(f[i]);
}
