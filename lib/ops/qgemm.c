/* qgemm.c: reference 8-bit GEMM with zero points and int32 accumulation (see qgemm.h). */
#include <string.h>

#include "ops/qgemm.h"
#include "util/banned.h"

static inline int32_t
load8(const void *p, int64_t i, bool is_signed)
{
	return is_signed ? ((const int8_t *)p)[i] : ((const uint8_t *)p)[i];
}

void
op_qgemm(int64_t M, int64_t N, int64_t K,
    const void *A, bool a_signed, const int32_t *a_zp, int64_t a_zp_n,
    const void *B, bool b_signed, const int32_t *b_zp, int64_t b_zp_n, int32_t *C)
{
	memset(C, 0, (size_t)(M * N) * sizeof *C);
	for (int64_t m = 0; m < M; m++) {
		int32_t az = a_zp_n > 1 ? a_zp[m] : a_zp[0];
		int32_t *c = C + m * N;

		for (int64_t k = 0; k < K; k++) {
			int32_t a = load8(A, m * K + k, a_signed) - az;

			if (a == 0)
				continue;
			if (b_zp_n > 1) {
				for (int64_t n = 0; n < N; n++)
					c[n] += a * (load8(B, k * N + n, b_signed) - b_zp[n]);
			} else if (b_signed) {
				const int8_t *b = (const int8_t *)B + k * N;
				int32_t bz = b_zp[0];

				for (int64_t n = 0; n < N; n++)
					c[n] += a * (b[n] - bz);
			} else {
				const uint8_t *b = (const uint8_t *)B + k * N;
				int32_t bz = b_zp[0];

				for (int64_t n = 0; n < N; n++)
					c[n] += a * (b[n] - bz);
			}
		}
	}
}
