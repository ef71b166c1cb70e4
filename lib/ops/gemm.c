/*
 * gemm.c: Gemm and MatMul, and the float matrix-multiply kernel they share
 * with Conv: OpenBLAS's sgemm when built with it, a portable C one otherwise.
 */
#include <limits.h>
#include <string.h>

#include "ops/gemm.h"
#include "ops/pgemm.h"
#include "ops/op.h"
#include "util/banned.h"

/*
 * GCC 12 at -O2 uses the "very cheap" vectorizer cost model, which skips
 * loops of unknown trip count: exactly the kernel's inner loops (5x slower).
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif

/* Cache blocks: a KBLOCK x NBLOCK panel of B (128 KiB) stays in L2 while every row of A passes. */
#define GEMM_KBLOCK 128
#define GEMM_NBLOCK 256

static void
scale_c(int64_t m, int64_t n, float beta, float *c, int64_t ldc)
{
	for (int64_t i = 0; i < m; i++) {
		float *row = c + i * ldc;

		if (beta == 0.0f)
			memset(row, 0, (size_t)n * sizeof *row);
		else if (beta != 1.0f)
			for (int64_t j = 0; j < n; j++)
				row[j] *= beta;
	}
}

/* C[4 rows][nb] += alpha * A[4 rows][kb] * B[kb][nb]: each B element loaded once for 4 rows. */
static void
kernel_4rows(int64_t nb, int64_t kb, float alpha, const float *a, int64_t lda,
    const float *restrict b, int64_t ldb, float *c, int64_t ldc)
{
	float *restrict c0 = c, *restrict c1 = c + ldc, *restrict c2 = c + 2 * ldc,
	    *restrict c3 = c + 3 * ldc;

	for (int64_t p = 0; p < kb; p++) {
		const float *restrict brow = b + p * ldb;
		float a0 = alpha * a[p], a1 = alpha * a[lda + p];
		float a2 = alpha * a[2 * lda + p], a3 = alpha * a[3 * lda + p];

		for (int64_t j = 0; j < nb; j++) {
			float bv = brow[j];

			c0[j] += a0 * bv;
			c1[j] += a1 * bv;
			c2[j] += a2 * bv;
			c3[j] += a3 * bv;
		}
	}
}

static void
kernel_1row(int64_t nb, int64_t kb, float alpha, const float *a, const float *restrict b,
    int64_t ldb, float *restrict c)
{
	for (int64_t p = 0; p < kb; p++) {
		const float *restrict brow = b + p * ldb;
		float av = alpha * a[p];

		for (int64_t j = 0; j < nb; j++)
			c[j] += av * brow[j];
	}
}

/* C += alpha * A * B, neither transposed. */
static void
gemm_nn(int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
    const float *b, int64_t ldb, float *c, int64_t ldc)
{
	for (int64_t j0 = 0; j0 < n; j0 += GEMM_NBLOCK) {
		int64_t nb = n - j0 < GEMM_NBLOCK ? n - j0 : GEMM_NBLOCK;

		for (int64_t k0 = 0; k0 < k; k0 += GEMM_KBLOCK) {
			int64_t kb = k - k0 < GEMM_KBLOCK ? k - k0 : GEMM_KBLOCK;
			const float *bp = b + k0 * ldb + j0;
			int64_t i = 0;

			for (; i + 4 <= m; i += 4)
				kernel_4rows(nb, kb, alpha, a + i * lda + k0, lda, bp, ldb,
				    c + i * ldc + j0, ldc);
			for (; i < m; i++)
				kernel_1row(nb, kb, alpha, a + i * lda + k0, bp, ldb, c + i * ldc + j0);
		}
	}
}

#if LADDER_HAVE_OPENBLAS
/* From OpenBLAS's cblas.h; declared here so no include path is needed. */
enum { LADDER_CBLAS_ROW_MAJOR = 101, LADDER_CBLAS_NO_TRANS = 111, LADDER_CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
    const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda,
    const float *x, int incx, float beta, float *y, int incy);
void openblas_set_num_threads(int threads);

static int blas_threads;

void
op_sgemm_set_threads(int threads)
{
	if (threads < 1)
		threads = 1;
	if (threads != blas_threads) {
		openblas_set_num_threads(threads);
		blas_threads = threads;
	}
}

static bool
fits_int(int64_t v)
{
	return v >= 0 && v <= INT_MAX;
}
#else
void
op_sgemm_set_threads(int threads)
{
	(void)threads;
}
#endif

static void portable_sgemm(bool, bool, int64_t, int64_t, int64_t, float, const float *,
    int64_t, const float *, int64_t, float, float *, int64_t);

void
op_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
    const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
#if LADDER_HAVE_OPENBLAS
	if (m > 0 && n > 0 && k > 0 && fits_int(m) && fits_int(n) && fits_int(k) &&
	    fits_int(lda) && fits_int(ldb) && fits_int(ldc)) {
		if (blas_threads == 0)
			op_sgemm_set_threads(1);
		if (m == 1 && !trans_a) {
			/* One row (a fully connected layer at batch 1): a matrix-vector product. */
			if (trans_b)
				cblas_sgemv(LADDER_CBLAS_ROW_MAJOR, LADDER_CBLAS_NO_TRANS, (int)n, (int)k,
				    alpha, b, (int)ldb, a, 1, beta, c, 1);
			else
				cblas_sgemv(LADDER_CBLAS_ROW_MAJOR, LADDER_CBLAS_TRANS, (int)k, (int)n,
				    alpha, b, (int)ldb, a, 1, beta, c, 1);
			return;
		}
		cblas_sgemm(LADDER_CBLAS_ROW_MAJOR,
		    trans_a ? LADDER_CBLAS_TRANS : LADDER_CBLAS_NO_TRANS,
		    trans_b ? LADDER_CBLAS_TRANS : LADDER_CBLAS_NO_TRANS, (int)m, (int)n, (int)k,
		    alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
		return;
	}
#endif
	portable_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void
portable_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
    const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
	scale_c(m, n, beta, c, ldc);
	if (m == 0 || n == 0 || k == 0)
		return;
	if (!trans_a && !trans_b) {
		gemm_nn(m, n, k, alpha, a, lda, b, ldb, c, ldc);
		return;
	}
	if (!trans_a && trans_b) {
		/* Dot products of contiguous rows. */
		for (int64_t i = 0; i < m; i++) {
			const float *arow = a + i * lda;

			for (int64_t j = 0; j < n; j++) {
				const float *brow = b + j * ldb;
				float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
				int64_t p = 0;

				for (; p + 4 <= k; p += 4) {
					s0 += arow[p] * brow[p];
					s1 += arow[p + 1] * brow[p + 1];
					s2 += arow[p + 2] * brow[p + 2];
					s3 += arow[p + 3] * brow[p + 3];
				}
				for (; p < k; p++)
					s0 += arow[p] * brow[p];
				c[i * ldc + j] += alpha * ((s0 + s1) + (s2 + s3));
			}
		}
		return;
	}
	/* Transposed A: C row i += A[p][i] * B row p. */
	for (int64_t i = 0; i < m; i++) {
		float *crow = c + i * ldc;

		for (int64_t p = 0; p < k; p++) {
			float av = alpha * a[p * lda + i];

			if (!trans_b) {
				const float *brow = b + p * ldb;

				for (int64_t j = 0; j < n; j++)
					crow[j] += av * brow[j];
			} else {
				for (int64_t j = 0; j < n; j++)
					crow[j] += av * b[j * ldb + p];
			}
		}
	}
}

static bool
numeric_dtype(enum ladder_dtype dt)
{
	switch (dt) {
	case LADDER_DT_FLOAT: case LADDER_DT_DOUBLE: case LADDER_DT_FLOAT16: case LADDER_DT_BFLOAT16:
	case LADDER_DT_INT32: case LADDER_DT_INT64: case LADDER_DT_UINT32: case LADDER_DT_UINT64:
		return true;
	default:
		return false;
	}
}

/* ---- Gemm ---- */

static int
gemm_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *a = c->in[0], *b = c->in[1], *cc = c->in[2];
	bool ta = op_attr_int(c, "transA", 0) != 0, tb = op_attr_int(c, "transB", 0) != 0;
	int64_t dims[2];

	if (a->rank != 2 || b->rank != 2)
		return op_fail(c, err, LADDER_EINVAL, "A and B must be 2-d (got %d-d and %d-d)",
		    a->rank, b->rank);
	if (a->dtype != b->dtype || !numeric_dtype(a->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtypes %s and %s",
		    ladder_dtype_name(a->dtype), ladder_dtype_name(b->dtype));
	int64_t m = ta ? a->dims[1] : a->dims[0], k = ta ? a->dims[0] : a->dims[1];
	int64_t kb = tb ? b->dims[1] : b->dims[0], n = tb ? b->dims[0] : b->dims[1];

	if (k != kb)
		return op_fail(c, err, LADDER_EINVAL, "inner dimensions differ (%lld and %lld)",
		    (long long)k, (long long)kb);
	if (cc != NULL) {
		if (cc->rank > 2 || cc->dtype != a->dtype)
			return op_fail(c, err, LADDER_EINVAL, "C must be at most 2-d of A's dtype");
		int64_t cm = cc->rank == 2 ? cc->dims[0] : 1;
		int64_t cn = cc->rank >= 1 ? cc->dims[cc->rank - 1] : 1;

		if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
			return op_fail(c, err, LADDER_EINVAL, "C does not broadcast to [%lld, %lld]",
			    (long long)m, (long long)n);
	}
	dims[0] = m;
	dims[1] = n;
	op_set_shape(c->out[0], a->dtype, 2, dims);
	if (a->dtype == LADDER_DT_FLOAT16)
		/* float16 computes in float32: A, B, C and Y converted, rounded once at the end. */
		c->scratch_bytes = (size_t)(op_numel(a) + op_numel(b) + (cc ? op_numel(cc) : 0) +
		    m * n + 64) * sizeof(float);
	return 0;
}

static int
gemm_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *a = c->in[0], *b = c->in[1], *cc = c->in[2];
	struct exec_value *y = c->out[0];
	bool ta = op_attr_int(c, "transA", 0) != 0, tb = op_attr_int(c, "transB", 0) != 0;
	double alpha = op_attr_float(c, "alpha", 1.0f), beta = op_attr_float(c, "beta", 1.0f);
	int64_t m = y->dims[0], n = y->dims[1], k = ta ? a->dims[0] : a->dims[1];
	int64_t cs0 = 0, cs1 = 0;

	if (cc != NULL) {
		int64_t cm = cc->rank == 2 ? cc->dims[0] : 1;
		int64_t cn = cc->rank >= 1 ? cc->dims[cc->rank - 1] : 1;

		cs0 = cm == 1 ? 0 : cn;
		cs1 = cn == 1 ? 0 : 1;
	}
	if (y->dtype == LADDER_DT_FLOAT) {
		float *yd = y->data;

		if (cc != NULL && beta != 0) {
			const float *cd = cc->data;

			for (int64_t i = 0; i < m; i++)
				for (int64_t j = 0; j < n; j++)
					yd[i * n + j] = (float)beta * cd[i * cs0 + j * cs1];
		}
		op_sgemm(ta, tb, m, n, k, (float)alpha, a->data, a->dims[1], b->data, b->dims[1],
		    cc != NULL && beta != 0 ? 1.0f : 0.0f, yd, n);
		return 0;
	}
	if (y->dtype == LADDER_DT_FLOAT16 && c->scratch != NULL) {
		float *af = c->scratch, *bf = af + (op_numel(a) + 15) / 16 * 16;
		float *cf = bf + (op_numel(b) + 15) / 16 * 16;
		float *yf = cf + (cc != NULL ? (op_numel(cc) + 15) / 16 * 16 : 0);

		pg_h2f(a->data, af, op_numel(a));
		pg_h2f(b->data, bf, op_numel(b));
		if (cc != NULL && beta != 0) {
			pg_h2f(cc->data, cf, op_numel(cc));
			for (int64_t i = 0; i < m; i++)
				for (int64_t j = 0; j < n; j++)
					yf[i * n + j] = (float)beta * cf[i * cs0 + j * cs1];
		}
		op_sgemm(ta, tb, m, n, k, (float)alpha, af, a->dims[1], bf, b->dims[1],
		    cc != NULL && beta != 0 ? 1.0f : 0.0f, yf, n);
		pg_f2h(yf, y->data, m * n);
		return 0;
	}
	/* Other dtypes: straightforward loops in double. */
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			double s = 0;

			for (int64_t p = 0; p < k; p++) {
				double av = op_get_double(a, ta ? p * a->dims[1] + i : i * a->dims[1] + p);
				double bv = op_get_double(b, tb ? j * b->dims[1] + p : p * b->dims[1] + j);
				s += av * bv;
			}
			s *= alpha;
			if (cc != NULL)
				s += beta * op_get_double(cc, i * cs0 + j * cs1);
			op_set_double(y, i * n + j, s);
		}
	}
	(void)err;
	return 0;
}

static int64_t
gemm_macs(const struct op_ctx *c)
{
	const struct exec_value *a = c->in[0], *y = c->out[0];
	bool ta = op_attr_int(c, "transA", 0) != 0;

	return y->dims[0] * y->dims[1] * (ta ? a->dims[0] : a->dims[1]);
}

const struct op_def op_Gemm = {
	.name = "Gemm", .domain = "", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = gemm_infer, .run = gemm_run, .macs = gemm_macs,
};

/* ---- MatMul ---- */

/* Shapes of A and B as batched matrices: batch dims broadcast, 1-d operands promoted. */
struct matmul_shape {
	int batch_rank;
	int64_t batch[LADDER_MAX_RANK];
	int64_t astride[LADDER_MAX_RANK], bstride[LADDER_MAX_RANK];	/* in matrices */
	int64_t m, n, k;
};

static int
matmul_shape(const struct op_ctx *c, struct matmul_shape *s, int *out_rank, int64_t *out_dims,
    struct ladder_err *err)
{
	const struct exec_value *a = c->in[0], *b = c->in[1];
	int ar = a->rank, br = b->rank;

	if (ar < 1 || br < 1)
		return op_fail(c, err, LADDER_EINVAL, "inputs must be at least 1-d");
	s->m = ar == 1 ? 1 : a->dims[ar - 2];
	s->k = a->dims[ar - 1];
	s->n = br == 1 ? 1 : b->dims[br - 1];
	int64_t kb = br == 1 ? b->dims[0] : b->dims[br - 2];

	if (s->k != kb)
		return op_fail(c, err, LADDER_EINVAL, "inner dimensions differ (%lld and %lld)",
		    (long long)s->k, (long long)kb);
	int abr = ar > 2 ? ar - 2 : 0, bbr = br > 2 ? br - 2 : 0;
	int r = abr > bbr ? abr : bbr;
	int64_t as = 1, bs = 1;

	s->batch_rank = r;
	for (int i = r - 1; i >= 0; i--) {
		int ai = i - (r - abr), bi = i - (r - bbr);
		int64_t ad = ai >= 0 ? a->dims[ai] : 1, bd = bi >= 0 ? b->dims[bi] : 1;

		if (ad != bd && ad != 1 && bd != 1)
			return op_fail(c, err, LADDER_EINVAL, "batch dimensions do not broadcast");
		s->batch[i] = ad > bd ? ad : bd;
		if (ad == 1 && bd == 0)
			s->batch[i] = 0;
		s->astride[i] = ad == 1 ? 0 : as;
		s->bstride[i] = bd == 1 ? 0 : bs;
		as *= ad;
		bs *= bd;
	}
	int rank = 0;

	for (int i = 0; i < r; i++)
		out_dims[rank++] = s->batch[i];
	if (ar > 1)
		out_dims[rank++] = s->m;
	if (br > 1)
		out_dims[rank++] = s->n;
	*out_rank = rank;
	return 0;
}

static int
matmul_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct matmul_shape s;
	int64_t dims[LADDER_MAX_RANK];
	int rank;
	int rc;

	if (c->in[0]->dtype != c->in[1]->dtype || !numeric_dtype(c->in[0]->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported dtypes %s and %s",
		    ladder_dtype_name(c->in[0]->dtype), ladder_dtype_name(c->in[1]->dtype));
	rc = matmul_shape(c, &s, &rank, dims, err);
	if (rc != 0)
		return rc;
	op_set_shape(c->out[0], c->in[0]->dtype, rank, dims);
	return 0;
}

static int
matmul_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *a = c->in[0], *b = c->in[1];
	struct exec_value *y = c->out[0];
	struct matmul_shape s;
	int64_t dims[LADDER_MAX_RANK], idx[LADDER_MAX_RANK] = { 0 }, nb = 1;
	int rank, rc;

	rc = matmul_shape(c, &s, &rank, dims, err);
	if (rc != 0)
		return rc;
	for (int i = 0; i < s.batch_rank; i++)
		nb *= s.batch[i];
	int64_t asz = s.m * s.k, bsz = s.k * s.n, ysz = s.m * s.n;

	for (int64_t t = 0; t < nb; t++) {
		int64_t ao = 0, bo = 0;

		for (int i = 0; i < s.batch_rank; i++) {
			ao += idx[i] * s.astride[i];
			bo += idx[i] * s.bstride[i];
		}
		if (y->dtype == LADDER_DT_FLOAT) {
			op_sgemm(false, false, s.m, s.n, s.k, 1.0f, (const float *)a->data + ao * asz, s.k,
			    (const float *)b->data + bo * bsz, s.n, 0.0f, (float *)y->data + t * ysz, s.n);
		} else {
			for (int64_t i = 0; i < s.m; i++) {
				for (int64_t j = 0; j < s.n; j++) {
					double acc = 0;

					for (int64_t p = 0; p < s.k; p++)
						acc += op_get_double(a, ao * asz + i * s.k + p) *
						    op_get_double(b, bo * bsz + p * s.n + j);
					if (y->dtype == LADDER_DT_INT64 || y->dtype == LADDER_DT_INT32 ||
					    y->dtype == LADDER_DT_UINT32 || y->dtype == LADDER_DT_UINT64) {
						int64_t iacc = 0;

						for (int64_t p = 0; p < s.k; p++)
							iacc += op_get_int(a, ao * asz + i * s.k + p) *
							    op_get_int(b, bo * bsz + p * s.n + j);
						if (y->dtype == LADDER_DT_INT64)
							((int64_t *)y->data)[t * ysz + i * s.n + j] = iacc;
						else
							op_set_double(y, t * ysz + i * s.n + j, (double)iacc);
					} else {
						op_set_double(y, t * ysz + i * s.n + j, acc);
					}
				}
			}
		}
		for (int i = s.batch_rank - 1; i >= 0; i--) {
			if (++idx[i] < s.batch[i])
				break;
			idx[i] = 0;
		}
	}
	return 0;
}

static int64_t
matmul_macs(const struct op_ctx *c)
{
	struct matmul_shape s;
	int64_t dims[LADDER_MAX_RANK], nb = 1;
	int rank;

	if (matmul_shape(c, &s, &rank, dims, NULL) != 0)
		return -1;
	for (int i = 0; i < s.batch_rank; i++)
		nb *= s.batch[i];
	return nb * s.m * s.n * s.k;
}

const struct op_def op_MatMul = {
	.name = "MatMul", .domain = "", .n_in_min = 2, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = matmul_infer, .run = matmul_run, .macs = matmul_macs,
};
