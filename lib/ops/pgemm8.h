/*
 * pgemm8.h: the packed 8-bit GEMM behind QDQ convolutions (see
 * lib/exec/fuse.c): uint8 activations times int8 weights, summed exactly in
 * int32 (AVX-512 VNNI), then dequantized to float with the float epilogue of
 * pgemm.h:
 *   C[i][j] = post(scale[i] * (sum_k A[i][k] * B[k][j] - corr[i]))
 * where corr[i] = zero point of B * sum_k A[i][k].  Internal to libladder.
 */
#ifndef LADDER_OPS_PGEMM8_H
#define LADDER_OPS_PGEMM8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops/pgemm.h"

#define PQ_NC 128	/* columns of one packed block of B */

/* True when this CPU has the 8-bit kernel (AVX-512 VNNI). */
bool pq_fast(void);

/* Bytes of A (m x k) packed: panels of PG_MR rows, k rounded up to 4. */
size_t pq_packed_a_bytes(int64_t m, int64_t k);
/* Packs row-major int8 A (lda) and gives each row's sum (for the zero-point correction). */
void pq_pack_a(const int8_t *a, int64_t lda, int64_t m, int64_t k, int8_t *out, int32_t *row_sum);

/*
 * Fills rows k0..k0+kc-1 (kc a multiple of 4; rows past k are never read
 * against non-zero weights), columns n0..n0+nc-1 of uint8 B into dst as
 * panels of PG_NR columns, each row quad interleaved:
 * dst[(j / PG_NR) * kc * PG_NR + (kk / 4) * 4 * PG_NR + (j % PG_NR) * 4 + kk % 4].
 */
typedef void (*pq_pack_b_fn)(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
    uint8_t *dst);

/* The packer for a plain row-major uint8 B (ctx: struct pq_matrix). */
struct pq_matrix {
	const uint8_t *p;
	int64_t ld;
	int64_t k;	/* rows of B; rows past it read as 0 */
};
void pq_pack_b_matrix(const void *ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc,
    uint8_t *dst);

/* Bytes of workspace per thread. */
size_t pq_work_bytes(int64_t k, int64_t n);

struct pq_dequant {
	const float *scale;	/* per row: scale of A's row times scale of B */
	const int32_t *corr;	/* per row: zero point of B times the row's sum */
};

/* C (float) = post(dequant(A * B)); work has threads * pq_work_bytes(k, n) bytes. */
void pq_gemm(int64_t m, int64_t n, int64_t k, const int8_t *ap, pq_pack_b_fn pack_b,
    const void *bctx, float *c, int64_t ldc, const struct pq_dequant *dq,
    const struct pg_post *post, uint8_t *work, int threads);

#endif
