/*
 * quant.c: quantization operators: QuantizeLinear, DequantizeLinear
 * (per tensor and per axis), DynamicQuantizeLinear, MatMulInteger,
 * QLinearMatMul.  Rounding is half to even, as ONNX specifies.
 */
#include <math.h>
#include <string.h>

#include "ops/op-data.h"
#include "ops/qgemm.h"
#include "ops/simd.h"
#include "util/banned.h"

static bool
is_q8(enum ladder_dtype dt)
{
	return dt == LADDER_DT_UINT8 || dt == LADDER_DT_INT8;
}

static double
saturate(enum ladder_dtype dt, double v)
{
	double lo = 0, hi = 255;

	switch (dt) {
	case LADDER_DT_INT8: lo = -128; hi = 127; break;
	case LADDER_DT_INT16: lo = -32768; hi = 32767; break;
	case LADDER_DT_UINT16: hi = 65535; break;
	case LADDER_DT_INT32: lo = -2147483648.0; hi = 2147483647.0; break;
	default: break;
	}
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Scale/zero-point layout against x: per tensor (count 1) or along axis
 * (count dims[axis], element i uses index (i / inner) % count).
 */
struct qaxis {
	int64_t count, inner;
};

static int
qaxis(const struct op_ctx *c, const struct exec_value *x, const struct exec_value *scale,
    const struct exec_value *zp, struct qaxis *q, struct ladder_err *err)
{
	int axis;

	q->count = 1;
	q->inner = 1;
	if (zp != NULL && !op_same_shape(zp, scale) && !(op_numel(zp) == 1 && op_numel(scale) == 1))
		return op_fail(c, err, LADDER_EINVAL, "scale and zero point differ in shape");
	if (op_numel(scale) == 1 && scale->rank <= 1)
		return 0;
	if (c->opset < 13 || scale->rank != 1)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "scale must be a scalar%s",
		    c->opset < 13 ? "" : " or 1-d");
	if (!op_axis(op_attr_int(c, "axis", 1), x->rank, &axis))
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range",
		    (long long)op_attr_int(c, "axis", 1));
	if (scale->dims[0] != x->dims[axis])
		return op_fail(c, err, LADDER_EINVAL, "scale has %lld values, axis %d has %lld",
		    (long long)scale->dims[0], axis, (long long)x->dims[axis]);
	q->count = x->dims[axis];
	for (int i = axis + 1; i < x->rank; i++)
		q->inner *= x->dims[i];
	return 0;
}

static int64_t
qindex(const struct qaxis *q, int64_t i)
{
	return q->count == 1 ? 0 : (i / q->inner) % q->count;
}

static const struct exec_value *
opt_in(const struct op_ctx *c, size_t i)
{
	return i < c->n_in ? c->in[i] : NULL;
}

#if LADDER_SIMD_X86
/*
 * float32 -> int8/uint8 with one scale and zero point, 16 at a time: the same
 * operations as the scalar loop (divide, round half to even, add the zero
 * point, saturate), so the results are identical.
 */
static LADDER_AVX512 void
quantize_f32_avx512(const float *x, void *y, int64_t n, float s, float z, bool sign)
{
	__m512 vs = _mm512_set1_ps(s), vz = _mm512_set1_ps(z);
	__m512 lo = _mm512_set1_ps(sign ? -128.0f : 0.0f), hi = _mm512_set1_ps(sign ? 127.0f : 255.0f);
	int64_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m512 v = _mm512_roundscale_ps(_mm512_div_ps(_mm512_loadu_ps(x + i), vs),
		    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);

		v = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(v, vz), lo), hi);
		_mm_storeu_si128((__m128i *)((uint8_t *)y + i), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(v)));
	}
	for (; i < n; i++) {
		float v = nearbyintf(x[i] / s) + z;

		v = v < (sign ? -128.0f : 0.0f) ? (sign ? -128.0f : 0.0f) : v;
		v = v > (sign ? 127.0f : 255.0f) ? (sign ? 127.0f : 255.0f) : v;
		if (sign)
			((int8_t *)y)[i] = (int8_t)v;
		else
			((uint8_t *)y)[i] = (uint8_t)v;
	}
}

static LADDER_AVX512 void
dequantize_f32_avx512(const void *x, float *y, int64_t n, float s, float z, bool sign)
{
	__m512 vs = _mm512_set1_ps(s), vz = _mm512_set1_ps(z);
	int64_t i = 0;

	for (; i + 16 <= n; i += 16) {
		__m128i q = _mm_loadu_si128((const __m128i *)((const uint8_t *)x + i));
		__m512i w = sign ? _mm512_cvtepi8_epi32(q) : _mm512_cvtepu8_epi32(q);

		_mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_sub_ps(_mm512_cvtepi32_ps(w), vz), vs));
	}
	for (; i < n; i++)
		y[i] = ((float)(sign ? ((const int8_t *)x)[i] : ((const uint8_t *)x)[i]) - z) * s;
}
#endif

/* QuantizeLinear */

static int
quantize_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *zp = opt_in(c, 2);
	enum ladder_dtype dt = zp ? zp->dtype : LADDER_DT_UINT8;
	struct qaxis q;
	int rc;

	if (!is_q8(dt))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "output dtype %s is not supported",
		    ladder_dtype_name(dt));
	if (x->dtype != LADDER_DT_FLOAT && x->dtype != LADDER_DT_INT32 &&
	    x->dtype != LADDER_DT_FLOAT16 && x->dtype != LADDER_DT_DOUBLE)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input dtype %s is not supported",
		    ladder_dtype_name(x->dtype));
	if ((rc = qaxis(c, x, scale, zp, &q, err)) != 0)
		return rc;
	op_set_shape(c->out[0], dt, x->rank, x->dims);
	return 0;
}

static int
quantize_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *zp = opt_in(c, 2);
	struct exec_value *y = c->out[0];
	struct qaxis q;
	int64_t n = op_numel(x);
	int rc;

	if ((rc = qaxis(c, x, scale, zp, &q, err)) != 0)
		return rc;
#if LADDER_SIMD_X86
	if (q.count == 1 && x->dtype == LADDER_DT_FLOAT && pg_fast() && is_q8(y->dtype)) {
		quantize_f32_avx512(x->data, y->data, n, (float)op_get_double(scale, 0),
		    zp ? (float)op_get_double(zp, 0) : 0.0f, y->dtype == LADDER_DT_INT8);
		return 0;
	}
#endif
	for (int64_t i = 0; i < n; i++) {
		int64_t k = qindex(&q, i);
		float s = (float)op_get_double(scale, k);
		double z = zp ? op_get_double(zp, k) : 0, v;

		if (x->dtype == LADDER_DT_FLOAT || x->dtype == LADDER_DT_FLOAT16)
			v = nearbyintf((float)op_get_double(x, i) / s);
		else
			v = nearbyint(op_get_double(x, i) / s);
		op_set_double(y, i, saturate(y->dtype, v + z));
	}
	return 0;
}

const struct op_def op_QuantizeLinear = {
	.name = "QuantizeLinear", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = quantize_infer, .run = quantize_run,
};

/* DequantizeLinear */

static int
dequantize_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *zp = opt_in(c, 2);
	struct qaxis q;
	int rc;

	if (!is_q8(x->dtype) && x->dtype != LADDER_DT_INT32)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input dtype %s is not supported",
		    ladder_dtype_name(x->dtype));
	if (zp != NULL && zp->dtype != x->dtype)
		return op_fail(c, err, LADDER_EINVAL, "zero point dtype differs from the input's");
	if ((rc = qaxis(c, x, scale, zp, &q, err)) != 0)
		return rc;
	op_set_shape(c->out[0], scale->dtype == LADDER_DT_FLOAT16 ? LADDER_DT_FLOAT16 :
	    LADDER_DT_FLOAT, x->rank, x->dims);
	return 0;
}

static int
dequantize_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0], *scale = c->in[1], *zp = opt_in(c, 2);
	struct exec_value *y = c->out[0];
	struct qaxis q;
	int64_t n = op_numel(x);
	int rc;

	if ((rc = qaxis(c, x, scale, zp, &q, err)) != 0)
		return rc;
#if LADDER_SIMD_X86
	if (q.count == 1 && is_q8(x->dtype) && y->dtype == LADDER_DT_FLOAT && pg_fast()) {
		dequantize_f32_avx512(x->data, y->data, n, (float)op_get_double(scale, 0),
		    zp ? (float)op_get_double(zp, 0) : 0.0f, x->dtype == LADDER_DT_INT8);
		return 0;
	}
#endif
	for (int64_t i = 0; i < n; i++) {
		int64_t k = qindex(&q, i);
		float s = (float)op_get_double(scale, k);
		float z = zp ? (float)op_get_double(zp, k) : 0;

		op_set_double(y, i, ((float)op_get_double(x, i) - z) * s);
	}
	return 0;
}

const struct op_def op_DequantizeLinear = {
	.name = "DequantizeLinear", .n_in_min = 2, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = dequantize_infer, .run = dequantize_run,
};

/* DynamicQuantizeLinear: uint8, scale and zero point from the data's range. */

static int
dynq_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];

	if (x->dtype != LADDER_DT_FLOAT)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "input must be float32");
	op_set_shape(c->out[0], LADDER_DT_UINT8, x->rank, x->dims);
	if (c->n_out > 1 && c->out[1])
		op_set_shape(c->out[1], LADDER_DT_FLOAT, 0, NULL);
	if (c->n_out > 2 && c->out[2])
		op_set_shape(c->out[2], LADDER_DT_UINT8, 0, NULL);
	return 0;
}

static int
dynq_run(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	const float *xd = x->data;
	uint8_t *y = c->out[0]->data;
	int64_t n = op_numel(x);
	float lo = 0, hi = 0;

	for (int64_t i = 0; i < n; i++) {
		lo = xd[i] < lo ? xd[i] : lo;
		hi = xd[i] > hi ? xd[i] : hi;
	}
	float scale = (float)(((double)hi - (double)lo) / 255.0);
	float zpf = scale != 0 ? nearbyintf(0.0f - lo / scale) : 0;
	uint8_t zp = (uint8_t)(zpf < 0 ? 0 : zpf > 255 ? 255 : zpf);

	for (int64_t i = 0; i < n; i++) {
		float v = scale != 0 ? nearbyintf(xd[i] / scale) + zp : zp;

		y[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
	if (c->n_out > 1 && c->out[1])
		*(float *)c->out[1]->data = scale;
	if (c->n_out > 2 && c->out[2])
		*(uint8_t *)c->out[2]->data = zp;
	return 0;
}

const struct op_def op_DynamicQuantizeLinear = {
	.name = "DynamicQuantizeLinear", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 3,
	.infer = dynq_infer, .run = dynq_run,
};

/* Integer matrix products with numpy matmul broadcasting. */

struct mm_plan {
	int64_t M, N, K, batch;
	int rank;			/* output */
	int64_t dims[LADDER_MAX_RANK];
	int brank;			/* batch axes */
	int64_t bdims[LADDER_MAX_RANK], a_str[LADDER_MAX_RANK], b_str[LADDER_MAX_RANK];
};

static int
mm_plan(const struct op_ctx *c, const struct exec_value *a, const struct exec_value *b,
    struct mm_plan *p, struct ladder_err *err)
{
	struct exec_value ab = { .rank = 0 }, bb = { .rank = 0 };
	const struct exec_value *v[2] = { &ab, &bb };

	if (a->rank < 1 || b->rank < 1)
		return op_fail(c, err, LADDER_EINVAL, "inputs must be at least 1-d");
	p->M = a->rank == 1 ? 1 : a->dims[a->rank - 2];
	p->K = a->dims[a->rank - 1];
	p->N = b->rank == 1 ? 1 : b->dims[b->rank - 1];
	if ((b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]) != p->K)
		return op_fail(c, err, LADDER_EINVAL, "inner dimensions differ (%lld and %lld)",
		    (long long)p->K, (long long)(b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2]));
	ab.rank = a->rank > 2 ? a->rank - 2 : 0;
	bb.rank = b->rank > 2 ? b->rank - 2 : 0;
	memcpy(ab.dims, a->dims, sizeof(int64_t) * (size_t)ab.rank);
	memcpy(bb.dims, b->dims, sizeof(int64_t) * (size_t)bb.rank);
	if (!op_broadcast_shape(v, 2, &p->brank, p->bdims))
		return op_fail(c, err, LADDER_EINVAL, "batch dimensions do not broadcast");
	op_broadcast_strides(&ab, p->brank, p->bdims, p->a_str);
	op_broadcast_strides(&bb, p->brank, p->bdims, p->b_str);
	p->batch = 1;
	p->rank = 0;
	for (int i = 0; i < p->brank; i++) {
		p->batch *= p->bdims[i];
		p->dims[p->rank++] = p->bdims[i];
	}
	if (a->rank > 1)
		p->dims[p->rank++] = p->M;
	if (b->rank > 1)
		p->dims[p->rank++] = p->N;
	return 0;
}

/* Offsets (in matrices) of batch element i in A and B. */
static void
mm_batch(const struct mm_plan *p, int64_t i, int64_t *a_off, int64_t *b_off)
{
	*a_off = *b_off = 0;
	for (int d = p->brank - 1; d >= 0; d--) {
		int64_t k = i % p->bdims[d];

		i /= p->bdims[d];
		*a_off += k * p->a_str[d];
		*b_off += k * p->b_str[d];
	}
}

/* Zero points into int32 arrays in the workspace: entries of v (or one 0). */
static int32_t *
zp_load(const struct exec_value *v, int32_t *buf, int64_t *count)
{
	int64_t n = v ? op_numel(v) : 0;

	if (n == 0) {
		buf[0] = 0;
		*count = 1;
		return buf;
	}
	for (int64_t i = 0; i < n; i++)
		buf[i] = (int32_t)op_get_int(v, i);
	*count = n;
	return buf;
}

static int
mmi_common_infer(struct op_ctx *c, const struct exec_value *a, const struct exec_value *b,
    const struct exec_value *azp, const struct exec_value *bzp, enum ladder_dtype out_dt,
    struct ladder_err *err)
{
	struct mm_plan p;
	int rc;

	if (!is_q8(a->dtype) || !is_q8(b->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "inputs must be int8 or uint8");
	if ((rc = mm_plan(c, a, b, &p, err)) != 0)
		return rc;
	if (azp && op_numel(azp) != 1 && op_numel(azp) != p.M)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "a zero point must be per tensor or per row");
	if (bzp && op_numel(bzp) != 1 && op_numel(bzp) != p.N)
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "b zero point must be per tensor or per column");
	if ((azp && azp->dtype != a->dtype) || (bzp && bzp->dtype != b->dtype))
		return op_fail(c, err, LADDER_EINVAL, "zero point dtypes differ from the inputs'");
	op_set_shape(c->out[0], out_dt, p.rank, p.dims);
	/* Workspace: zero points (M + N) and an int32 product (M x N) for requantizing. */
	c->scratch_bytes = (size_t)(p.M + p.N + 2 + p.M * p.N) * sizeof(int32_t);
	return 0;
}

static void
mmi_compute(const struct op_ctx *c, const struct exec_value *a, const struct exec_value *b,
    const struct exec_value *azp, const struct exec_value *bzp,
    void (*emit)(const struct op_ctx *c, const int32_t *acc, int64_t off, int64_t n),
    int32_t *direct)
{
	struct mm_plan p;
	int32_t *ws = c->scratch, *az, *bz, *prod;
	int64_t an, bn;

	mm_plan(c, a, b, &p, NULL);
	az = zp_load(azp, ws, &an);
	bz = zp_load(bzp, ws + p.M + 1, &bn);
	prod = ws + p.M + p.N + 2;
	for (int64_t i = 0; i < p.batch; i++) {
		int64_t ao, bo;
		int32_t *dst = direct ? direct + i * p.M * p.N : prod;

		mm_batch(&p, i, &ao, &bo);
		op_qgemm(p.M, p.N, p.K, (const uint8_t *)a->data + ao * p.M * p.K, a->dtype == LADDER_DT_INT8,
		    az, an, (const uint8_t *)b->data + bo * p.K * p.N, b->dtype == LADDER_DT_INT8, bz, bn,
		    dst);
		if (emit)
			emit(c, dst, i * p.M * p.N, p.M * p.N);
	}
}

static int
mmi_infer(struct op_ctx *c, struct ladder_err *err)
{
	return mmi_common_infer(c, c->in[0], c->in[1], opt_in(c, 2), opt_in(c, 3), LADDER_DT_INT32,
	    err);
}

static int
mmi_run(struct op_ctx *c, struct ladder_err *err)
{
	mmi_compute(c, c->in[0], c->in[1], opt_in(c, 2), opt_in(c, 3), NULL, c->out[0]->data);
	return 0;
}

static int64_t
mmi_macs(const struct op_ctx *c)
{
	const struct exec_value *a = c->in[0];

	/* Output elements times the shared dimension. */
	return op_numel(c->out[0]) * a->dims[a->rank - 1];
}

const struct op_def op_MatMulInteger = {
	.name = "MatMulInteger", .n_in_min = 2, .n_in_max = 4, .n_out_min = 1, .n_out_max = 1,
	.infer = mmi_infer, .run = mmi_run, .macs = mmi_macs,
};

/* QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp */

static int
qlmm_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *ys = c->in[6], *yzp = c->in[7];

	for (int i = 1; i < 6; i += 3) {
		if (op_numel(c->in[i]) != 1 || op_numel(c->in[i + 1]) != 1)
			return op_fail(c, err, LADDER_EUNSUPPORTED,
			    "only per-tensor scales and zero points are supported");
	}
	if (op_numel(ys) != 1 || op_numel(yzp) != 1 || !is_q8(yzp->dtype))
		return op_fail(c, err, LADDER_EUNSUPPORTED, "bad y scale or zero point");
	return mmi_common_infer(c, c->in[0], c->in[3], c->in[2], c->in[5], yzp->dtype, err);
}

static void
qlmm_emit(const struct op_ctx *c, const int32_t *acc, int64_t off, int64_t n)
{
	struct exec_value *y = c->out[0];
	float mult = (float)op_get_double(c->in[1], 0) * (float)op_get_double(c->in[4], 0) /
	    (float)op_get_double(c->in[6], 0);
	double z = op_get_double(c->in[7], 0);

	for (int64_t i = 0; i < n; i++)
		op_set_double(y, off + i, saturate(y->dtype, nearbyintf((float)acc[i] * mult) + z));
}

static int
qlmm_run(struct op_ctx *c, struct ladder_err *err)
{
	mmi_compute(c, c->in[0], c->in[3], c->in[2], c->in[5], qlmm_emit, NULL);
	return 0;
}

const struct op_def op_QLinearMatMul = {
	.name = "QLinearMatMul", .n_in_min = 8, .n_in_max = 8, .n_out_min = 1, .n_out_max = 1,
	.infer = qlmm_infer, .run = qlmm_run, .macs = mmi_macs,
};
