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

static void
run_case(const struct conv_case *cc, int threads)
{
	struct ladder_model *m = conv_model(cc);
	struct ladder_exec *ex[2] = { NULL, NULL };
	struct ladder_err err = { 0 };
	size_t es = cc->dt == LADDER_DT_FLOAT16 ? 2 : 4;
	int64_t n = cc->c * cc->hw * cc->hw;
	void *x = malloc((size_t)n * es);
	struct ladder_tensor in = { .name = "x", .dtype = cc->dt, .rank = 4,
		.dims = { 1, cc->c, cc->hw, cc->hw }, .data = x, .bytes = (size_t)n * es };

	fill_tensor(cc->dt, x, n);
	for (int f = 0; f < 2; f++) {
		struct ladder_exec_options o = { .threads = threads, .no_fusion = f == 0 };

		CHECK_OK(ladder_exec_new(m, &o, &ex[f], &err), &err);
		if (ex[f] == NULL)
			goto out;
		CHECK_OK(ladder_exec_run(ex[f], &in, 1, &err), &err);
	}
	for (size_t i = 0; i < ladder_exec_n_outputs(ex[0]); i++) {
		const struct ladder_tensor *a = ladder_exec_output(ex[0], i), *b = ladder_exec_output(ex[1], i);

		REQUIRE(a->bytes == b->bytes && a->dtype == b->dtype);
		if (cc->dt == LADDER_DT_FLOAT) {
			const float *fa = a->data, *fb = b->data;
			size_t bad = 0;

			for (size_t j = 0; j < a->bytes / 4; j++)
				bad += fa[j] != fb[j];
			if (bad != 0)
				TEST_FAIL_("case c=%lld m=%lld k=%lld group=%lld act=%s: %zu of %zu differ",
				    (long long)cc->c, (long long)cc->m, (long long)cc->k,
				    (long long)cc->group, cc->act ? cc->act : "-", bad, a->bytes / 4);
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
	ladder_exec_free(ex[0]);
	ladder_exec_free(ex[1]);
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
		{ 4, 24, 11, 3, 1, 1, 1, 1, true, false, false, "Relu", LADDER_DT_FLOAT16 },
		{ 6, 6, 15, 3, 2, 1, 1, 6, false, false, false, "Clip", LADDER_DT_FLOAT16 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		run_case(&cases[i], 1);
		run_case(&cases[i], 3);
	}
}

TEST_MAIN()
