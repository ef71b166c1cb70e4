/*
 * pgemm8.c: packed 8-bit GEMM (see pgemm8.h).
 *
 * vpdpbusd multiplies 4 unsigned bytes of B by 4 signed bytes of A and adds
 * the 4 products to a 32-bit lane: so B is packed as quads of k for each
 * column (one 64-byte vector = 16 columns x 4 k) and A as one 32-bit word
 * (4 k) per row, broadcast.  The tile is 12 rows x 32 columns in 24 int32
 * registers; k is not blocked (the sums stay in registers to the end), B is
 * packed PQ_NC columns at a time.  The sums are exact, so the result does
 * not depend on the kernel or the thread count.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/par.h"
#include "ops/pgemm8.h"
#include "ops/simd.h"
#include "util/banned.h"

static int64_t
round4(int64_t k)
{
	return (k + 3) / 4 * 4;
}

size_t
pq_packed_a_bytes(int64_t m, int64_t k)
{
	return (size_t)((m + PG_MR - 1) / PG_MR) * PG_MR * (size_t)round4(k);
}

void
pq_pack_a(const int8_t *a, int64_t lda, int64_t m, int64_t k, int8_t *out, int32_t *row_sum)
{
	int64_t k4 = round4(k);

	for (int64_t i = 0; i < m; i++) {
		int32_t s = 0;

		for (int64_t q = 0; q < k; q++)
			s += a[i * lda + q];
		row_sum[i] = s;
	}
	for (int64_t p = 0; p < m; p += PG_MR) {
		for (int64_t q = 0; q < k4; q += 4) {
			for (int64_t r = 0; r < PG_MR; r++)
				for (int64_t i = 0; i < 4; i++)
					*out++ = p + r < m && q + i < k ? a[(p + r) * lda + q + i] : 0;
		}
	}
}

void
pq_pack_b_matrix(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, uint8_t *dst)
{
	const struct pq_matrix *b = ctx;

	for (int64_t j = 0; j < nc; j += PG_NR) {
		int64_t cols = nc - j < PG_NR ? nc - j : PG_NR;
		uint8_t *d = dst + (j / PG_NR) * kc * PG_NR;

		for (int64_t kk = 0; kk < kc; kk++) {
			int64_t k = k0 + kk;
			const uint8_t *src = b->p + k * b->ld + n0 + j;
			uint8_t *o = d + (kk / 4) * 4 * PG_NR + kk % 4;

			for (int64_t c = 0; c < PG_NR; c++)
				o[c * 4] = k < b->k && c < cols ? src[c] : 0;
		}
	}
}

size_t
pq_work_bytes(int64_t k, int64_t n)
{
	int64_t nc = (n + PG_NR - 1) / PG_NR * PG_NR;

	return (size_t)round4(k > 0 ? k : 1) * (size_t)(nc < PQ_NC ? (nc > 0 ? nc : PG_NR) : PQ_NC);
}

/* Dequantize one row of sums and apply the float epilogue (portable kernel). */
static void
finish_row(const struct pq_dequant *dq, const struct pg_post *post, int64_t row, const int32_t *acc,
    float *c, int64_t col0, int nv)
{
	float s = dq->scale[row];
	int32_t corr = dq->corr[row];

	for (int j = 0; j < nv; j++)
		c[j] = (float)(acc[j] - corr) * s;
	pg_post_row(post, row, c, post->z != NULL ? post->z + row * post->ldz + col0 : NULL, nv);
}

static void
kernel_c(int64_t k4, const int8_t *a, const uint8_t *b, float *c, int64_t ldc, int mv, int nv,
    const struct pq_dequant *dq, const struct pg_post *post, int64_t row0, int64_t col0)
{
	int32_t acc[PG_MR][PG_NR];

	memset(acc, 0, sizeof acc);
	for (int64_t q = 0; q < k4; q += 4, a += 4 * PG_MR, b += 4 * PG_NR)
		for (int r = 0; r < PG_MR; r++)
			for (int j = 0; j < PG_NR; j++)
				for (int i = 0; i < 4; i++)
					acc[r][j] += (int32_t)a[r * 4 + i] * (int32_t)b[j * 4 + i];
	for (int r = 0; r < mv; r++)
		finish_row(dq, post, row0 + r, acc[r], c + r * ldc, col0, nv);
}

#if LADDER_SIMD_X86
#define PQ_VNNI __attribute__((target("avx512f,avx512bw,avx512vnni,fma")))

static PQ_VNNI void
kernel_vnni(int64_t k4, const int8_t *a, const uint8_t *b, float *c, int64_t ldc, int mv, int nv,
    const struct pq_dequant *dq, const struct pg_post *p, int64_t row0, int64_t col0)
{
	__m512i acc[PG_MR][2];

#pragma GCC unroll 12
	for (int r = 0; r < PG_MR; r++)
		acc[r][0] = acc[r][1] = _mm512_setzero_si512();
	for (int64_t q = 0; q < k4; q += 4) {
		__m512i b0 = _mm512_loadu_si512(b), b1 = _mm512_loadu_si512(b + 64);
		const int32_t *aw = (const int32_t *)(const void *)a;

#pragma GCC unroll 12
		for (int r = 0; r < PG_MR; r++) {
			__m512i av = _mm512_set1_epi32(aw[r]);

			acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], b0, av);
			acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], b1, av);
		}
		a += 4 * PG_MR;
		b += 4 * PG_NR;
	}
	__mmask16 m0 = nv >= 16 ? 0xffff : (__mmask16)((1u << nv) - 1);
	__mmask16 m1 = nv >= 32 ? 0xffff : nv <= 16 ? 0 : (__mmask16)((1u << (nv - 16)) - 1);

	for (int r = 0; r < mv; r++) {
		int64_t row = row0 + r;
		float *cr = c + r * ldc;
		__m512i corr = _mm512_set1_epi32(dq->corr[row]);
		__m512 s = _mm512_set1_ps(dq->scale[row]);
		__m512 v0 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], corr)), s);
		__m512 v1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], corr)), s);

		const float *zr = p->z != NULL ? p->z + row * p->ldz + col0 : NULL;

		pg_finish2(p, row, v0, v1, cr, cr + 16, zr, zr != NULL ? zr + 16 : NULL, m0, m1);
	}
}
#endif

bool
pq_fast(void)
{
#if LADDER_SIMD_X86
	return pg_fast() && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
#else
	return false;
#endif
}

struct pq_job {
	int64_t m, n, k, k4, nb;
	const int8_t *ap;
	pq_pack_b_fn pack_b;
	const void *bctx;
	float *c;
	int64_t ldc;
	const struct pq_dequant *dq;
	const struct pg_post *post;
	uint8_t *work;
	bool vnni;
};

static void
pq_task(void *ctx, int64_t t, int w)
{
	const struct pq_job *jb = ctx;
	int64_t n0 = t * PQ_NC, nc = jb->n - n0 < PQ_NC ? jb->n - n0 : PQ_NC;
	uint8_t *work = jb->work + (size_t)w * pq_work_bytes(jb->k, jb->n);

	jb->pack_b(jb->bctx, 0, jb->k4, n0, nc, work);
	for (int64_t j = 0; j < nc; j += PG_NR) {
		const uint8_t *bp = work + (j / PG_NR) * jb->k4 * PG_NR;
		int nv = (int)(nc - j < PG_NR ? nc - j : PG_NR);

		for (int64_t i = 0; i < jb->m; i += PG_MR) {
			const int8_t *a = jb->ap + (i / PG_MR) * jb->k4 * PG_MR;
			float *ct = jb->c + i * jb->ldc + n0 + j;
			int mv = (int)(jb->m - i < PG_MR ? jb->m - i : PG_MR);
#if LADDER_SIMD_X86
			if (jb->vnni) {
				kernel_vnni(jb->k4, a, bp, ct, jb->ldc, mv, nv, jb->dq, jb->post, i, n0 + j);
				continue;
			}
#endif
			kernel_c(jb->k4, a, bp, ct, jb->ldc, mv, nv, jb->dq, jb->post, i, n0 + j);
		}
	}
}

void
pq_gemm(int64_t m, int64_t n, int64_t k, const int8_t *ap, pq_pack_b_fn pack_b, const void *bctx,
    float *c, int64_t ldc, const struct pq_dequant *dq, const struct pg_post *post, uint8_t *work,
    int threads)
{
	struct pq_job jb = { .m = m, .n = n, .k = k, .k4 = round4(k), .ap = ap, .pack_b = pack_b,
		.bctx = bctx, .c = c, .ldc = ldc, .dq = dq, .post = post, .work = work,
		.vnni = pq_fast() };

	if (m <= 0 || n <= 0)
		return;
	jb.nb = (n + PQ_NC - 1) / PQ_NC;
	op_parallel_for(op_threads_for(threads, m * n * k / 4), jb.nb, pq_task, &jb);
}
