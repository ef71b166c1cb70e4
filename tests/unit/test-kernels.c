/*
 * test-kernels.c: the fast kernels against plain references: the packed GEMM
 * (every epilogue, edge sizes, thread counts), and whole sessions with
 * Conv [+ Add] [+ activation] fused against the same model unfused, for
 * plain, strided, dilated, grouped, depthwise, pointwise and float16 convs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ladder.h"
#include "ops/pgemm.h"
#include "ops/pgemm8.h"

static uint32_t rng = 12345;

static float
frand(void)
{
	rng = rng * 1664525u + 1013904223u;
	return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static double
ref_act(const struct pg_post *p, double v)
{
	switch (p->act) {
	case PG_ACT_NONE:
		return v;
	case PG_ACT_RELU:
		return v > 0 ? v : 0;
	case PG_ACT_CLIP:
		return v < p->lo ? p->lo : v > p->hi ? p->hi : v;
	case PG_ACT_LEAKY:
		return v >= 0 ? v : p->alpha * v;
	}
	return v;
}

/* Max |C - reference| over all of C, for one problem. */
static double
gemm_error(int64_t m, int64_t n, int64_t k, enum pg_act act, bool bias, bool z, int threads,
    float **out, size_t *out_n)
{
	float *a = malloc((size_t)(m * k) * sizeof *a), *b = malloc((size_t)(k * n) * sizeof *b);
	float *c = malloc((size_t)(m * n) * sizeof *c), *zz = malloc((size_t)(m * n) * sizeof *zz);
	float *bb = malloc((size_t)m * sizeof *bb);
	float *ap = malloc(pg_packed_a_floats(m, k) * sizeof *ap);
	float *work = aligned_alloc(64, pg_work_floats(k, n) * (size_t)threads * sizeof(float));
	struct pg_post p = { .bias = bias ? bb : NULL, .z = z ? zz : NULL, .ldz = n, .act = act,
		.lo = -0.25f, .hi = 0.5f, .alpha = 0.125f };
	struct pg_matrix bm;
	double worst = 0;

	for (int64_t i = 0; i < m * k; i++)
		a[i] = frand();
	for (int64_t i = 0; i < k * n; i++)
		b[i] = frand();
	for (int64_t i = 0; i < m * n; i++)
		zz[i] = frand();
	for (int64_t i = 0; i < m; i++)
		bb[i] = frand();
	bm.p = b;
	bm.ld = n;
	pg_pack_a(a, k, m, k, ap);
	pg_gemm(m, n, k, ap, pg_pack_b_matrix, &bm, c, n, &p, work, threads);
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			double s = 0;

			for (int64_t q = 0; q < k; q++)
				s += (double)a[i * k + q] * b[q * n + j];
			if (bias)
				s += bb[i];
			if (z)
				s += zz[i * n + j];
			s = ref_act(&p, s);
			double e = fabs(s - c[i * n + j]) / (1.0 + fabs(s));

			if (e > worst)
				worst = e;
		}
	}
	if (out != NULL) {
		*out = c;
		*out_n = (size_t)(m * n);
	} else {
		free(c);
	}
	free(a), free(b), free(zz), free(bb), free(ap), free(work);
	return worst;
}

TEST(pgemm_matches_reference)
{
	static const int64_t sizes[][3] = {
		{ 1, 1, 1 }, { 12, 32, 1 }, { 13, 33, 7 }, { 11, 31, 255 }, { 24, 64, 256 },
		{ 25, 65, 257 }, { 64, 385, 27 }, { 7, 800, 600 }, { 100, 49, 513 },
	};
	static const enum pg_act acts[] = { PG_ACT_NONE, PG_ACT_RELU, PG_ACT_CLIP, PG_ACT_LEAKY };

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		for (size_t a = 0; a < 4; a++) {
			double e = gemm_error(sizes[s][0], sizes[s][1], sizes[s][2], acts[a], a % 2 == 0,
			    a >= 2, 1, NULL, NULL);

			if (e > 1e-5)
				TEST_FAIL_("%lldx%lldx%lld act %d: error %g", (long long)sizes[s][0],
				    (long long)sizes[s][1], (long long)sizes[s][2], (int)acts[a], e);
		}
	}
}

TEST(pgemm_same_for_every_thread_count)
{
	float *c1, *c3;
	size_t n1, n3;

	rng = 7;
	gemm_error(70, 900, 300, PG_ACT_RELU, true, true, 1, &c1, &n1);
	rng = 7;
	gemm_error(70, 900, 300, PG_ACT_RELU, true, true, 3, &c3, &n3);
	REQUIRE(n1 == n3);
	CHECK(memcmp(c1, c3, n1 * sizeof *c1) == 0);
	free(c1);
	free(c3);
	/* Few columns: the rows are split between threads. */
	rng = 9;
	gemm_error(200, 40, 100, PG_ACT_NONE, false, false, 1, &c1, &n1);
	rng = 9;
	gemm_error(200, 40, 100, PG_ACT_NONE, false, false, 4, &c3, &n3);
	CHECK(memcmp(c1, c3, n1 * sizeof *c1) == 0);
	free(c1);
	free(c3);
}

TEST(half_conversions_round_trip)
{
	uint16_t h[37], h2[37];
	float f[37];

	for (int i = 0; i < 37; i++)	/* subnormals, normals, both signs; no NaN */
		h[i] = (uint16_t)((i * 887 + 3) % 0x7c00 | (i % 2 ? 0x8000 : 0));
	h[5] = 0x7c00;				/* +inf */
	h[6] = 0x8000;				/* -0 */
	pg_h2f(h, f, 37);
	pg_f2h(f, h2, 37);
	CHECK(memcmp(h, h2, sizeof h) == 0);
	CHECK(isinf(f[5]) && f[5] > 0);
	CHECK(f[6] == 0 && signbit(f[6]));
}

/* The 8-bit GEMM: exact integer sums, so equal to the reference up to the float epilogue. */
static void
gemm8_case(int64_t m, int64_t n, int64_t k, int zp, bool portable)
{
	int8_t *a = malloc((size_t)(m * k));
	uint8_t *b = malloc((size_t)(k * n)), *work;
	int8_t *ap = malloc(pq_packed_a_bytes(m, k));
	int32_t *rs = malloc((size_t)m * sizeof *rs);
	float *c = malloc((size_t)(m * n) * sizeof *c), *sc = malloc((size_t)m * sizeof *sc);
	float *bias = malloc((size_t)m * sizeof *bias);
	struct pq_matrix bm = { NULL, n, k };
	struct pg_post post = { .bias = bias, .act = PG_ACT_RELU };
	int32_t *corr = malloc((size_t)m * sizeof *corr);
	struct pq_dequant dq = { sc, corr };
	double worst = 0;

	work = aligned_alloc(64, (pq_work_bytes(k, n) * 2 + 63) / 64 * 64);
	for (int64_t i = 0; i < m * k; i++)
		a[i] = (int8_t)(int)(frand() * 127);
	for (int64_t i = 0; i < k * n; i++)
		b[i] = (uint8_t)(int)((frand() + 1) * 127);
	for (int64_t i = 0; i < m; i++) {
		sc[i] = 0.001f * (1 + (float)i / 10);
		bias[i] = frand();
	}
	bm.p = b;
	pq_pack_a(a, k, m, k, ap, rs);
	for (int64_t i = 0; i < m; i++)
		corr[i] = zp * rs[i];
	pg_force_portable(portable);
	pq_gemm(m, n, k, ap, pq_pack_b_matrix, &bm, c, n, &dq, &post, work, 2);
	pg_force_portable(false);
	for (int64_t i = 0; i < m; i++) {
		for (int64_t j = 0; j < n; j++) {
			int64_t s = 0;

			for (int64_t q = 0; q < k; q++)
				s += (int64_t)a[i * k + q] * ((int64_t)b[q * n + j] - zp);
			double v = (double)s * sc[i] + bias[i];

			v = v > 0 ? v : 0;
			double e = fabs(v - c[i * n + j]) / (1 + fabs(v));
			if (e > worst)
				worst = e;
		}
	}
	if (worst > 1e-5)
		TEST_FAIL_("8-bit %lldx%lldx%lld zp %d%s: error %g", (long long)m, (long long)n,
		    (long long)k, zp, portable ? " portable" : "", worst);
	free(a), free(b), free(ap), free(rs), free(c), free(sc), free(bias), free(corr), free(work);
}

TEST(pgemm8_matches_reference)
{
	static const int64_t sizes[][3] = {
		{ 1, 1, 1 }, { 12, 32, 4 }, { 13, 33, 7 }, { 25, 200, 27 }, { 64, 49, 577 },
	};

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		gemm8_case(sizes[i][0], sizes[i][1], sizes[i][2], 128, false);
		gemm8_case(sizes[i][0], sizes[i][1], sizes[i][2], 3, true);
	}
}

/* ---- fused sessions against unfused ones ---- */

struct conv_case {
	int64_t c, m, hw, k, stride, pad, dil, group;
	bool add, add_bcast, out_is_graph_output;
	const char *act;	/* NULL, "Relu", "Clip", "LeakyRelu" */
	enum ladder_dtype dt;
};

static void
fill_tensor(enum ladder_dtype dt, void *data, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		float v = frand();

		if (dt == LADDER_DT_FLOAT16) {
			uint16_t hv;

			pg_f2h(&v, &hv, 1);
			((uint16_t *)data)[i] = hv;
		} else {
			((float *)data)[i] = v;
		}
	}
}

/* x [1,c,hw,hw] -> Conv -> [Add z] -> [act] -> y (and the Conv output also an output, if asked). */
static struct ladder_model *
conv_model(const struct conv_case *cc)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	size_t es = cc->dt == LADDER_DT_FLOAT16 ? 2 : 4;
	int64_t xd[4] = { 1, cc->c, cc->hw, cc->hw }, wd[4] = { cc->m, cc->c / cc->group, cc->k, cc->k };
	int64_t ext = (cc->k - 1) * cc->dil + 1, o = (cc->hw + 2 * cc->pad - ext) / cc->stride + 1;
	int64_t yd[4] = { 1, cc->m, o, o }, zd[4] = { 1, cc->m, 1, o }, bd[1] = { cc->m };
	void *w = malloc((size_t)(wd[0] * wd[1] * wd[2] * wd[3]) * es), *b = malloc((size_t)cc->m * es);
	void *z = malloc((size_t)(cc->m * o * o) * es);
	const char *last = "conv";

	fill_tensor(cc->dt, w, wd[0] * wd[1] * wd[2] * wd[3]);
	fill_tensor(cc->dt, b, cc->m);
	fill_tensor(cc->dt, z, cc->m * o * o);
	ladder_graph_add_input(m, g, "x", cc->dt, 4, xd, NULL);
	ladder_graph_add_initializer(m, g, "w", cc->dt, 4, wd, w);
	ladder_graph_add_initializer(m, g, "b", cc->dt, 1, bd, b);
	const char *cin[3] = { "x", "w", "b" }, *cout[1] = { "conv" };
	struct ladder_node *n = ladder_graph_add_node(m, g, "Conv", "conv", 3, cin, 1, cout);
	int64_t ks[2] = { cc->k, cc->k }, st[2] = { cc->stride, cc->stride };
	int64_t pads[4] = { cc->pad, cc->pad, cc->pad, cc->pad }, dl[2] = { cc->dil, cc->dil };

	ladder_node_set_ints(m, n, "kernel_shape", 2, ks);
	ladder_node_set_ints(m, n, "strides", 2, st);
	ladder_node_set_ints(m, n, "pads", 4, pads);
	ladder_node_set_ints(m, n, "dilations", 2, dl);
	ladder_node_set_int(m, n, "group", cc->group);
	if (cc->add) {
		ladder_graph_add_initializer(m, g, "z", cc->dt, 4, cc->add_bcast ? zd : yd, z);
		const char *ain[2] = { "z", last }, *aout[1] = { "sum" };

		ladder_graph_add_node(m, g, "Add", "add", 2, ain, 1, aout);
		last = "sum";
	}
	if (cc->act != NULL) {
		const char *ain[3] = { last, "lo", "hi" }, *aout[1] = { "act" };
		size_t nin = 1;

		if (strcmp(cc->act, "Clip") == 0) {
			float lo = -0.3f, hi = 0.6f;
			uint16_t hlo, hhi;

			pg_f2h(&lo, &hlo, 1);
			pg_f2h(&hi, &hhi, 1);
			ladder_graph_add_initializer(m, g, "lo", cc->dt, 0, NULL,
			    cc->dt == LADDER_DT_FLOAT16 ? (void *)&hlo : (void *)&lo);
			ladder_graph_add_initializer(m, g, "hi", cc->dt, 0, NULL,
			    cc->dt == LADDER_DT_FLOAT16 ? (void *)&hhi : (void *)&hi);
			nin = 3;
		}
		n = ladder_graph_add_node(m, g, cc->act, "act", nin, ain, 1, aout);
		if (strcmp(cc->act, "LeakyRelu") == 0)
			ladder_node_set_float(m, n, "alpha", 0.2f);
		last = "act";
	}
	ladder_graph_add_output(m, g, last, cc->dt, 4, yd, NULL);
	if (cc->out_is_graph_output && strcmp(last, "conv") != 0)
		ladder_graph_add_output(m, g, "conv", cc->dt, 4, yd, NULL);
	free(w), free(b), free(z);
	return m;
}

/*
 * Three sessions of the model: unfused, fused (same kernels: equal), and
 * unfused on the portable kernels (an independent reference: close).
 */
static void
run_case(const struct conv_case *cc, int threads)
{
	struct ladder_model *m = conv_model(cc);
	struct ladder_exec *ex[3] = { NULL, NULL, NULL };
	struct ladder_err err = { 0 };
	size_t es = cc->dt == LADDER_DT_FLOAT16 ? 2 : 4;
	int64_t n = cc->c * cc->hw * cc->hw;
	void *x = malloc((size_t)n * es);
	struct ladder_tensor in = { .name = "x", .dtype = cc->dt, .rank = 4,
		.dims = { 1, cc->c, cc->hw, cc->hw }, .data = x, .bytes = (size_t)n * es };

	fill_tensor(cc->dt, x, n);
	for (int f = 0; f < 3; f++) {
		struct ladder_exec_options o = { .threads = threads, .no_fusion = f != 1 };

		pg_force_portable(f == 2);
		CHECK_OK(ladder_exec_new(m, &o, &ex[f], &err), &err);
		if (ex[f] != NULL)
			CHECK_OK(ladder_exec_run(ex[f], &in, 1, &err), &err);
		pg_force_portable(false);
		if (ex[f] == NULL || err.code != 0)
			goto out;
	}
	for (size_t i = 0; i < ladder_exec_n_outputs(ex[0]); i++) {
		const struct ladder_tensor *a = ladder_exec_output(ex[0], i), *b = ladder_exec_output(ex[1], i);
		const struct ladder_tensor *r = ladder_exec_output(ex[2], i);

		REQUIRE(a->bytes == b->bytes && a->dtype == b->dtype && a->bytes == r->bytes);
		if (cc->dt == LADDER_DT_FLOAT) {
			const float *fa = a->data, *fb = b->data, *fr = r->data;
			size_t bad = 0, far = 0;

			for (size_t j = 0; j < a->bytes / 4; j++) {
				bad += fa[j] != fb[j];
				far += fabsf(fa[j] - fr[j]) > 1e-5f * (1 + fabsf(fr[j]));
			}
			if (bad != 0 || far != 0)
				TEST_FAIL_("case c=%lld m=%lld hw=%lld k=%lld group=%lld act=%s: %zu of %zu "
				    "differ fused/unfused, %zu from the portable kernels",
				    (long long)cc->c, (long long)cc->m, (long long)cc->hw, (long long)cc->k,
				    (long long)cc->group, cc->act ? cc->act : "-", bad, a->bytes / 4, far);
			continue;
		}
		/* float16: the fused epilogue rounds once instead of after each op. */
		float fa[4096], fb[4096];
		int64_t cnt = (int64_t)(a->bytes / 2) < 4096 ? (int64_t)(a->bytes / 2) : 4096;

		pg_h2f(a->data, fa, cnt);
		pg_h2f(b->data, fb, cnt);
		for (int64_t j = 0; j < cnt; j++)
			CHECK_NEAR(fa[j], fb[j], 2e-3 * (1 + fabsf(fa[j])));
	}
out:
	for (int f = 0; f < 3; f++)
		ladder_exec_free(ex[f]);
	ladder_model_free(m);
	free(x);
}

/* The same session at 1 and 3 threads: bit-identical on the packed kernels. */
TEST(conv_same_for_every_thread_count)
{
	static const struct conv_case cc = { 8, 30, 23, 3, 1, 1, 1, 1, true, false, false, "Relu",
		LADDER_DT_FLOAT };
	struct ladder_model *m = conv_model(&cc);
	struct ladder_err err = { 0 };
	float x[8 * 23 * 23];
	struct ladder_tensor in = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 4,
		.dims = { 1, 8, 23, 23 }, .data = x, .bytes = sizeof x };
	struct ladder_exec *ex[2] = { NULL, NULL };

	if (!pg_fast()) {
		/* Elsewhere the BLAS decides; results are reproducible per thread count only. */
		ladder_model_free(m);
		return;
	}
	fill_tensor(LADDER_DT_FLOAT, x, 8 * 23 * 23);
	for (int i = 0; i < 2; i++) {
		struct ladder_exec_options o = { .threads = i == 0 ? 1 : 3 };

		CHECK_OK(ladder_exec_new(m, &o, &ex[i], &err), &err);
		REQUIRE(ex[i] != NULL);
		CHECK_OK(ladder_exec_run(ex[i], &in, 1, &err), &err);
	}
	const struct ladder_tensor *a = ladder_exec_output(ex[0], 0), *b = ladder_exec_output(ex[1], 0);

	CHECK(a->bytes == b->bytes && memcmp(a->data, b->data, a->bytes) == 0);
	ladder_exec_free(ex[0]);
	ladder_exec_free(ex[1]);
	ladder_model_free(m);
}

TEST(fused_conv_equals_unfused)
{
	static const struct conv_case cases[] = {
		{ 3, 8, 9, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 5, 20, 17, 3, 2, 1, 1, 1, false, false, false, "Clip", LADDER_DT_FLOAT },
		{ 6, 14, 12, 3, 1, 2, 2, 1, true, true, false, "LeakyRelu", LADDER_DT_FLOAT },
		{ 8, 8, 20, 3, 1, 1, 1, 8, false, false, false, "Clip", LADDER_DT_FLOAT },
		{ 8, 8, 37, 5, 2, 2, 1, 8, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 8, 12, 10, 3, 1, 1, 1, 4, true, false, false, NULL, LADDER_DT_FLOAT },
		{ 16, 40, 7, 1, 1, 0, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 3, 16, 40, 7, 2, 3, 1, 1, false, false, true, "Relu", LADDER_DT_FLOAT },
		/* Wide rows, stride 1: the direct kernel (dconv.c). */
		{ 5, 20, 30, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 8, 16, 44, 3, 1, 2, 2, 2, false, false, false, "LeakyRelu", LADDER_DT_FLOAT },
		{ 3, 13, 64, 5, 1, 2, 1, 1, true, true, false, "Clip", LADDER_DT_FLOAT },
		{ 3, 16, 64, 7, 2, 3, 1, 1, false, false, false, "Relu", LADDER_DT_FLOAT },
		{ 4, 10, 61, 3, 2, 1, 1, 1, true, false, false, NULL, LADDER_DT_FLOAT },
		{ 16, 30, 14, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 8, 12, 13, 3, 1, 1, 1, 2, false, false, false, "Clip", LADDER_DT_FLOAT },
		{ 40, 30, 7, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 9, 14, 9, 3, 1, 1, 1, 1, true, true, false, "LeakyRelu", LADDER_DT_FLOAT },
		{ 6, 20, 8, 3, 1, 2, 2, 1, false, false, false, NULL, LADDER_DT_FLOAT },
		{ 5, 16, 6, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT },
		{ 5, 16, 4, 3, 1, 1, 1, 1, true, false, false, "Clip", LADDER_DT_FLOAT },
		{ 4, 24, 11, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT16 },
		{ 6, 6, 15, 3, 2, 1, 1, 6, false, false, false, "Clip", LADDER_DT_FLOAT16 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_case(&cases[i], 1);
		run_case(&cases[i], 3);
	}
}

/* x -> QuantizeLinear -> q (output) -> DequantizeLinear -> d (output). */
static void
quant_roundtrip(enum ladder_dtype qdt, float scale, int zp, bool portable, void *q, float *d,
    const float *x, int64_t n)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	int64_t dims[1] = { n };
	uint8_t zb = (uint8_t)zp;
	int8_t zs = (int8_t)zp;
	const char *qin[3] = { "x", "s", "z" }, *qout[1] = { "q" };
	const char *din[3] = { "q", "s", "z" }, *dout[1] = { "d" };
	struct ladder_tensor in = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 1, .dims = { n },
		.data = (void *)x, .bytes = (size_t)n * sizeof *x };

	ladder_graph_add_input(m, g, "x", LADDER_DT_FLOAT, 1, dims, NULL);
	ladder_graph_add_initializer(m, g, "s", LADDER_DT_FLOAT, 0, NULL, &scale);
	ladder_graph_add_initializer(m, g, "z", qdt, 0, NULL,
	    qdt == LADDER_DT_INT8 ? (void *)&zs : (void *)&zb);
	ladder_graph_add_node(m, g, "QuantizeLinear", "q", 3, qin, 1, qout);
	ladder_graph_add_node(m, g, "DequantizeLinear", "d", 3, din, 1, dout);
	ladder_graph_add_output(m, g, "q", qdt, 1, dims, NULL);
	ladder_graph_add_output(m, g, "d", LADDER_DT_FLOAT, 1, dims, NULL);
	pg_force_portable(portable);
	CHECK_OK(ladder_exec_new(m, NULL, &ex, &err), &err);
	if (ex != NULL && ladder_exec_run(ex, &in, 1, &err) == 0) {
		memcpy(q, ladder_exec_output(ex, 0)->data, (size_t)n);
		memcpy(d, ladder_exec_output(ex, 1)->data, (size_t)n * sizeof *d);
	} else {
		TEST_FAIL_("quantize model: %s", err.msg);
	}
	pg_force_portable(false);
	ladder_exec_free(ex);
	ladder_model_free(m);
}

TEST(quantize_fast_equals_portable)
{
	enum { N = 203 };
	float x[N], d1[N], d2[N];
	uint8_t q1[N], q2[N];

	for (int i = 0; i < N; i++)	/* ties (k + 0.5) * scale, saturation both ways */
		x[i] = i % 3 == 0 ? ((float)(i - 100) + 0.5f) * 0.25f : frand() * 80.0f;
	for (int t = 0; t < 2; t++) {
		enum ladder_dtype qdt = t == 0 ? LADDER_DT_UINT8 : LADDER_DT_INT8;
		int zp = t == 0 ? 128 : -3;

		quant_roundtrip(qdt, 0.25f, zp, false, q1, d1, x, N);
		quant_roundtrip(qdt, 0.25f, zp, true, q2, d2, x, N);
		CHECK(memcmp(q1, q2, N) == 0);
		CHECK(memcmp(d1, d2, sizeof d1) == 0);
	}
}

/* x -> Q -> DQ -> Conv(W = DQ(w_q, per-channel scale)) -> Relu: QConv against the float QDQ path. */
static void
qdq_case(int64_t c, int64_t m, int64_t hw, int64_t k, int64_t stride, int64_t pad, int64_t group)
{
	struct ladder_model *mod = ladder_model_new(8, 13);
	struct ladder_graph *g = &mod->graph;
	int64_t xd[4] = { 1, c, hw, hw }, wd[4] = { m, c / group, k, k }, md[1] = { m };
	int64_t nw = wd[0] * wd[1] * wd[2] * wd[3];
	int8_t *wq = malloc((size_t)nw), *wz0 = calloc((size_t)m, 1);
	float *ws = malloc((size_t)m * sizeof *ws), *b = malloc((size_t)m * sizeof *b);
	float xs = 0.02f;
	uint8_t xz = 120;
	int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pads[4] = { pad, pad, pad, pad };
	int64_t o = (hw + 2 * pad - k) / stride + 1, yd[4] = { 1, m, o, o };
	int64_t nx = c * hw * hw;
	float *x = malloc((size_t)nx * sizeof *x);
	struct ladder_exec *ex[2] = { NULL, NULL };
	struct ladder_err err = { 0 };

	for (int64_t i = 0; i < nw; i++)
		wq[i] = (int8_t)(int)(frand() * 127);
	for (int64_t i = 0; i < m; i++) {
		ws[i] = 0.001f + 0.0001f * (float)i;
		b[i] = frand();
	}
	for (int64_t i = 0; i < nx; i++)
		x[i] = frand() * 2;
	ladder_graph_add_input(mod, g, "x", LADDER_DT_FLOAT, 4, xd, NULL);
	ladder_graph_add_initializer(mod, g, "xs", LADDER_DT_FLOAT, 0, NULL, &xs);
	ladder_graph_add_initializer(mod, g, "xz", LADDER_DT_UINT8, 0, NULL, &xz);
	ladder_graph_add_initializer(mod, g, "wq", LADDER_DT_INT8, 4, wd, wq);
	ladder_graph_add_initializer(mod, g, "ws", LADDER_DT_FLOAT, 1, md, ws);
	ladder_graph_add_initializer(mod, g, "wz", LADDER_DT_INT8, 1, md, wz0);
	ladder_graph_add_initializer(mod, g, "b", LADDER_DT_FLOAT, 1, md, b);
	const char *q_in[3] = { "x", "xs", "xz" }, *q_out[1] = { "xq" };
	const char *dx_in[3] = { "xq", "xs", "xz" }, *dx_out[1] = { "xf" };
	const char *dw_in[3] = { "wq", "ws", "wz" }, *dw_out[1] = { "wf" };
	const char *c_in[3] = { "xf", "wf", "b" }, *c_out[1] = { "conv" };
	const char *r_in[1] = { "conv" }, *r_out[1] = { "y" };

	ladder_graph_add_node(mod, g, "QuantizeLinear", "q", 3, q_in, 1, q_out);
	ladder_graph_add_node(mod, g, "DequantizeLinear", "dqx", 3, dx_in, 1, dx_out);
	struct ladder_node *dw = ladder_graph_add_node(mod, g, "DequantizeLinear", "dqw", 3, dw_in,
	    1, dw_out);
	ladder_node_set_int(mod, dw, "axis", 0);
	struct ladder_node *cv = ladder_graph_add_node(mod, g, "Conv", "conv", 3, c_in, 1, c_out);
	ladder_node_set_ints(mod, cv, "kernel_shape", 2, ks);
	ladder_node_set_ints(mod, cv, "strides", 2, st);
	ladder_node_set_ints(mod, cv, "pads", 4, pads);
	ladder_node_set_int(mod, cv, "group", group);
	ladder_graph_add_node(mod, g, "Relu", "relu", 1, r_in, 1, r_out);
	ladder_graph_add_output(mod, g, "y", LADDER_DT_FLOAT, 4, yd, NULL);

	struct ladder_tensor in = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 4,
		.dims = { 1, c, hw, hw }, .data = x, .bytes = (size_t)nx * sizeof *x };

	for (int f = 0; f < 2; f++) {
		struct ladder_exec_options op = { .threads = 2, .no_fusion = f == 0, .time_nodes = true };

		CHECK_OK(ladder_exec_new(mod, &op, &ex[f], &err), &err);
		if (ex[f] == NULL)
			goto out;
		CHECK_OK(ladder_exec_run(ex[f], &in, 1, &err), &err);
		if (err.code != 0)
			goto out;
	}
	if (pq_fast() && c / group >= 4) {	/* fewer input channels stay float (fuse.c) */
		bool seen = false;

		for (size_t i = 0; i < ladder_exec_n_nodes(ex[1]); i++) {
			const char *nm, *opt;
			double ms;

			ladder_exec_node_time(ex[1], i, &nm, &opt, &ms);
			seen = seen || strcmp(opt, "QConv") == 0;
		}
		CHECK(seen);
	}
	const float *ya = ladder_exec_output(ex[0], 0)->data, *yb = ladder_exec_output(ex[1], 0)->data;

	for (int64_t i = 0; i < m * o * o; i++)
		CHECK_NEAR(ya[i], yb[i], 1e-5 * (1 + fabsf(ya[i])));
out:
	ladder_exec_free(ex[0]);
	ladder_exec_free(ex[1]);
	ladder_model_free(mod);
	free(wq), free(wz0), free(ws), free(b), free(x);
}

TEST(qconv_equals_float_qdq)
{
	qdq_case(3, 16, 12, 3, 1, 1, 1);
	qdq_case(8, 20, 15, 3, 2, 1, 1);
	qdq_case(6, 12, 9, 1, 1, 0, 1);
	qdq_case(8, 8, 11, 3, 1, 1, 4);
	qdq_case(33, 40, 7, 3, 1, 1, 1);
	/* The direct 8-bit kernel (qdconv.c): wide rows, P rows per vector, odd channel counts. */
	qdq_case(5, 16, 30, 3, 1, 1, 1);
	qdq_case(7, 12, 8, 3, 1, 1, 1);
	qdq_case(3, 20, 4, 3, 1, 1, 1);
	qdq_case(8, 8, 40, 5, 1, 2, 2);
	qdq_case(4, 8, 28, 3, 1, 1, 1);
}

/* Conv -> BatchNormalization -> Relu: the folded session against the unfused one. */
TEST(batchnorm_folds_into_conv)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	int64_t xd[4] = { 1, 6, 10, 10 }, wd[4] = { 9, 6, 3, 3 }, md[1] = { 9 }, yd[4] = { 1, 9, 10, 10 };
	float w[9 * 6 * 9], bias[9], gam[9], bet[9], mean[9], var[9], x[600];
	int64_t ks[2] = { 3, 3 }, pads[4] = { 1, 1, 1, 1 };
	struct ladder_exec *ex[2] = { NULL, NULL };
	struct ladder_err err = { 0 };

	for (int i = 0; i < 9 * 6 * 9; i++)
		w[i] = frand();
	for (int i = 0; i < 9; i++) {
		bias[i] = frand();
		gam[i] = 1 + frand() / 2;
		bet[i] = frand();
		mean[i] = frand() / 4;
		var[i] = 0.5f + (frand() + 1) / 2;
	}
	for (int i = 0; i < 600; i++)
		x[i] = frand();
	ladder_graph_add_input(m, g, "x", LADDER_DT_FLOAT, 4, xd, NULL);
	ladder_graph_add_initializer(m, g, "w", LADDER_DT_FLOAT, 4, wd, w);
	ladder_graph_add_initializer(m, g, "b", LADDER_DT_FLOAT, 1, md, bias);
	ladder_graph_add_initializer(m, g, "gamma", LADDER_DT_FLOAT, 1, md, gam);
	ladder_graph_add_initializer(m, g, "beta", LADDER_DT_FLOAT, 1, md, bet);
	ladder_graph_add_initializer(m, g, "mean", LADDER_DT_FLOAT, 1, md, mean);
	ladder_graph_add_initializer(m, g, "var", LADDER_DT_FLOAT, 1, md, var);
	const char *cin[3] = { "x", "w", "b" }, *cout[1] = { "c" };
	const char *bin[5] = { "c", "gamma", "beta", "mean", "var" }, *bout[1] = { "n" };
	const char *rin[1] = { "n" }, *rout[1] = { "y" };
	struct ladder_node *cv = ladder_graph_add_node(m, g, "Conv", "conv", 3, cin, 1, cout);

	ladder_node_set_ints(m, cv, "kernel_shape", 2, ks);
	ladder_node_set_ints(m, cv, "pads", 4, pads);
	ladder_node_set_float(m, ladder_graph_add_node(m, g, "BatchNormalization", "bn", 5, bin, 1,
	    bout), "epsilon", 1e-3f);
	ladder_graph_add_node(m, g, "Relu", "relu", 1, rin, 1, rout);
	ladder_graph_add_output(m, g, "y", LADDER_DT_FLOAT, 4, yd, NULL);

	struct ladder_tensor in = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 4,
		.dims = { 1, 6, 10, 10 }, .data = x, .bytes = sizeof x };

	for (int f = 0; f < 2; f++) {
		struct ladder_exec_options o = { .no_fusion = f == 0, .time_nodes = true };

		CHECK_OK(ladder_exec_new(m, &o, &ex[f], &err), &err);
		REQUIRE(ex[f] != NULL);
		CHECK_OK(ladder_exec_run(ex[f], &in, 1, &err), &err);
	}
	/* One node left: the Conv, fused with the folded BatchNormalization and the Relu. */
	CHECK_EQ_INT(ladder_exec_n_nodes(ex[1]), 1);
	const float *a = ladder_exec_output(ex[0], 0)->data, *b = ladder_exec_output(ex[1], 0)->data;

	for (int i = 0; i < 900; i++)
		CHECK_NEAR(a[i], b[i], 1e-5 * (1 + fabsf(a[i])));
	ladder_exec_free(ex[0]);
	ladder_exec_free(ex[1]);
	ladder_model_free(m);
}

TEST_MAIN()
