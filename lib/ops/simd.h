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

/* Lanes l of 16 with 0 <= base + l < n. */
static inline __mmask16
pg_range_mask16(int64_t base, int64_t n)
{
	int64_t lo = base < 0 ? -base : 0, hi = n - base < 16 ? n - base : 16;

	if (hi <= lo)
		return 0;
	return (__mmask16)(((1u << (hi - lo)) - 1) << lo);
}
#else
#define LADDER_SIMD_X86 0
#endif

#endif
