/*
 * gemm.h: the float matrix-multiply kernel shared by Gemm, MatMul, Conv and
 * ConvTranspose.  Row-major; C = alpha * op(A) * op(B) + beta * C, where
 * op(X) is X or its transpose.  One entry point so that a packed or BLAS
 * kernel can replace the portable one later without touching the ops.
 */
#ifndef LADDER_OPS_GEMM_H
#define LADDER_OPS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

void op_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
    const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/*
 * Threads the BLAS may use from now on (at least 1).  Called by the executor
 * before each run with the session's --threads, so results are the same for
 * the same thread count.  A no-op without OpenBLAS.
 */
void op_sgemm_set_threads(int threads);

#endif
