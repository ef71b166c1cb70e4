/*
 * pgemm.h: the packed float GEMM behind Conv (and FusedConv):
 *   C[m x n] = post(A[m x k] * B[k x n])
 * A (the weights) is packed once, when the session is planned; B is packed
 * block by block by a caller-supplied function, so im2col writes straight
 * into the packed layout; the epilogue (bias per row, a residual added
 * element-wise, an activation) is applied while the result is still in
 * registers.  Kernels for AVX-512 and AVX2+FMA are picked at run time; a
 * portable C kernel remains for every other CPU.  Internal to libladder.
 *
 * Results do not depend on the blocking or on how the work is split: every
 * element of C is the same sum over k in the same order.
 */
#ifndef LADDER_OPS_PGEMM_H
#define LADDER_OPS_PGEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PG_MR 12	/* rows of C per micro-tile */
#define PG_NR 32	/* columns of C per micro-tile */
#define PG_KC 256	/* depth of one packed block of B */
#define PG_NC 384	/* columns of one packed block of B (a multiple of PG_NR) */

enum pg_act { PG_ACT_NONE, PG_ACT_RELU, PG_ACT_CLIP, PG_ACT_LEAKY };

struct pg_post {
	const float *bias;	/* one value per row of C, or NULL */
	const float *z;		/* added element-wise, laid out like C (ldz), or NULL */
	int64_t ldz;
	enum pg_act act;
	float lo, hi;		/* Clip bounds */
	float alpha;		/* LeakyRelu slope */
};

/* Floats needed to hold A (m x k) packed. */
size_t pg_packed_a_floats(int64_t m, int64_t k);
/* Packs row-major A (lda) into panels of PG_MR rows, zero-padded. */
void pg_pack_a(const float *a, int64_t lda, int64_t m, int64_t k, float *out);

/*
 * Fills rows k0..k0+kc-1, columns n0..n0+nc-1 of B into dst as panels of
 * PG_NR columns: dst[(j / PG_NR) * kc * PG_NR + kk * PG_NR + j % PG_NR] for
 * column n0 + j of row k0 + kk; columns past n0 + nc in the last panel are 0.
 */
typedef void (*pg_pack_b_fn)(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
    float *dst);

/* The packer for a plain row-major B (ctx: struct pg_matrix). */
struct pg_matrix {
	const float *p;
	int64_t ld;
};
void pg_pack_b_matrix(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
    float *dst);

/* Floats of workspace pg_gemm needs per thread for a k x n B. */
size_t pg_work_floats(int64_t k, int64_t n);

/*
 * C = post(A * B); ap from pg_pack_a; work has threads * pg_work_floats()
 * floats (64-byte aligned).  Runs on up to `threads` threads; the result is
 * the same for every thread count.
 */
void pg_gemm(int64_t m, int64_t n, int64_t k, const float *ap, pg_pack_b_fn pack_b,
    const void *bctx, float *c, int64_t ldc, const struct pg_post *post, float *work,
    int threads);

/* The epilogue alone, over row `row` of C (n values; z may be NULL). */
void pg_post_row(const struct pg_post *post, int64_t row, float *c, const float *z, int64_t n);

/* float16 <-> float32 for n values (round to nearest even), with F16C-style instructions when there. */
void pg_h2f(const uint16_t *h, float *f, int64_t n);
void pg_f2h(const float *f, uint16_t *h, int64_t n);

/*
 * True when pg_gemm has a fast kernel on this CPU (AVX-512); ops use the BLAS
 * otherwise.  LADDER_CPU=generic in the environment forces false (tests).
 */
bool pg_fast(void);
/* Tests: true forces the portable kernels from now on, false detects again. */
void pg_force_portable(bool on);

#endif
