/*
 * qgemm.h: the 8-bit integer GEMM behind MatMulInteger, QLinearMatMul,
 * ConvInteger and QLinearConv.  A reference kernel with int32 accumulation
 * now; the speed work replaces its body, not its callers.
 */
#ifndef LADDER_OPS_QGEMM_H
#define LADDER_OPS_QGEMM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * C[m][n] = sum_k (A[m][k] - a_zp[m]) * (B[k][n] - b_zp[n])
 * A: M x K row-major bytes (int8 when a_signed, else uint8); a_zp has
 * a_zp_n entries (1: per tensor, M: per row).  B: K x N row-major; b_zp has
 * 1 or N entries.  C: M x N int32, overwritten.
 */
void op_qgemm(int64_t M, int64_t N, int64_t K,
    const void *A, bool a_signed, const int32_t *a_zp, int64_t a_zp_n,
    const void *B, bool b_signed, const int32_t *b_zp, int64_t b_zp_n, int32_t *C);

#endif
