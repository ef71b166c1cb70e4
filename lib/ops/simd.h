/*
 * simd.h: what the x86-64 kernels share: the target attribute for AVX-512
 * functions and the epilogue's activation on one vector.  Each kernel is
 * chosen at run time (pg_fast()), so the rest of libladder stays built for
 * the baseline CPU.  Internal to libladder.
 */
#ifndef LADDER_OPS_SIMD_H
#define LADDER_OPS_SIMD_H

#include "ops/pgemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LADDER_SIMD_X86 1
#define LADDER_AVX512 __attribute__((target("avx512f,fma")))

static inline LADDER_AVX512 __m512
pg_post_vec(const struct pg_post *p, __m512 v)
{
	switch (p->act) {
	case PG_ACT_NONE:
		break;
	case PG_ACT_RELU:
		v = _mm512_max_ps(v, _mm512_setzero_ps());
		break;
	case PG_ACT_CLIP:
		v = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(p->lo)), _mm512_set1_ps(p->hi));
		break;
	case PG_ACT_LEAKY: {
		__mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);

		v = _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(p->alpha));
		break;
	}
	}
	return v;
}

/*
 * The end of every kernel's tile row: add row's bias, the residual (z0, z1
 * may be NULL), apply the activation, store the two vectors under masks.
 */
static inline __attribute__((always_inline)) LADDER_AVX512 void
pg_finish2(const struct pg_post *p, int64_t row, __m512 v0, __m512 v1, float *d0, float *d1,
    const float *z0, const float *z1, __mmask16 m0, __mmask16 m1)
{
	if (p->bias != NULL) {
		__m512 bv = _mm512_set1_ps(p->bias[row]);

		v0 = _mm512_add_ps(v0, bv);
		v1 = _mm512_add_ps(v1, bv);
	}
	if (z0 != NULL) {
		v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, z0));
		v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, z1));
	}
	_mm512_mask_storeu_ps(d0, m0, pg_post_vec(p, v0));
	_mm512_mask_storeu_ps(d1, m1, pg_post_vec(p, v1));
}

/* Lanes l of 16 with 0 <= base + l < n. */
static inline __mmask16
pg_range_mask16(int64_t base, int64_t n)
{
	int64_t lo = base < 0 ? -base : 0, hi = n - base < 16 ? n - base : 16;

	if (hi <= lo)
		return 0;
	return (__mmask16)(((1u << (hi - lo)) - 1) << lo);
}
/*
 * Tiles of 2P whole output rows of width w (P per vector) starting `left`
 * rows before the map's end: shrink the two store masks to the rows there.
 */
static inline void
pg_rows_store_masks(int64_t left, int64_t p, int64_t w, __mmask16 *o0, __mmask16 *o1)
{
	if (left < p)
		*o0 = pg_range_mask16(0, left * w);
	if (left <= p)
		*o1 = 0;
	else if (left < 2 * p)
		*o1 = pg_range_mask16(0, (left - p) * w);
}

/*
 * For P whole output rows of width w per vector: sub[s] = the lanes of row s
 * whose input column (kernel column offset b) lies inside a row of width in.
 */
static inline void
pg_rows_sub_masks(int64_t b, int64_t in, int64_t w, int64_t p, __mmask16 *sub)
{
	__mmask16 cols = pg_range_mask16(b, in) & pg_range_mask16(0, w);

	for (int64_t s = 0; s < p; s++)
		sub[s] = (__mmask16)(cols << (s * w));
}
#else
#define LADDER_SIMD_X86 0
#endif

#endif
