/* test-exec.c: the executor's plan (re-planning, arena reuse, folding), errors, analysis. */
#include "harness.h"
#include "ladder.h"

/* x[N,3,8,8] -> Conv(4,3x3,pad 1) -> BatchNorm -> MaxPool 2x2 -> Conv(2,1x1) -> GlobalAveragePool. */
static struct ladder_model *
small_cnn(void)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	static float w1[4 * 3 * 3 * 3], b1[4], sc[4], bi[4], mean[4], var[4], w2[2 * 4];
	int64_t dw1[] = { 4, 3, 3, 3 }, d4[] = { 4 }, dw2[] = { 2, 4, 1, 1 };
	int64_t dx[] = { -1, 3, 8, 8 }, dy[] = { -1, 2, 1, 1 };
	const char *params[] = { "N", NULL, NULL, NULL };

	for (size_t i = 0; i < sizeof w1 / sizeof w1[0]; i++)
		w1[i] = (float)((i * 7) % 11) / 11.0f - 0.5f;
	for (int i = 0; i < 4; i++) {
		b1[i] = 0.1f * i;
		sc[i] = 1.0f + 0.1f * i;
		bi[i] = -0.2f;
		mean[i] = 0.05f;
		var[i] = 1.5f;
	}
	for (int i = 0; i < 8; i++)
		w2[i] = 0.25f * (i - 4);
	ladder_graph_add_input(m, g, "x", LADDER_DT_FLOAT, 4, dx, params);
	ladder_graph_add_output(m, g, "y", LADDER_DT_FLOAT, 4, dy, params);
	ladder_graph_add_initializer(m, g, "w1", LADDER_DT_FLOAT, 4, dw1, w1);
	ladder_graph_add_initializer(m, g, "b1", LADDER_DT_FLOAT, 1, d4, b1);
	ladder_graph_add_initializer(m, g, "sc", LADDER_DT_FLOAT, 1, d4, sc);
	ladder_graph_add_initializer(m, g, "bi", LADDER_DT_FLOAT, 1, d4, bi);
	ladder_graph_add_initializer(m, g, "mean", LADDER_DT_FLOAT, 1, d4, mean);
	ladder_graph_add_initializer(m, g, "var", LADDER_DT_FLOAT, 1, d4, var);
	ladder_graph_add_initializer(m, g, "w2", LADDER_DT_FLOAT, 4, dw2, w2);
	const char *c1in[] = { "x", "w1", "b1" }, *c1out[] = { "c1" };
	struct ladder_node *n = ladder_graph_add_node(m, g, "Conv", "conv1", 3, c1in, 1, c1out);
	int64_t pads[] = { 1, 1, 1, 1 };
	ladder_node_set_ints(m, n, "pads", 4, pads);
	const char *bnin[] = { "c1", "sc", "bi", "mean", "var" }, *bnout[] = { "bn" };
	ladder_graph_add_node(m, g, "BatchNormalization", "bn1", 5, bnin, 1, bnout);
	const char *mpin[] = { "bn" }, *mpout[] = { "mp" };
	n = ladder_graph_add_node(m, g, "MaxPool", "pool1", 1, mpin, 1, mpout);
	int64_t k2[] = { 2, 2 };
	ladder_node_set_ints(m, n, "kernel_shape", 2, k2);
	ladder_node_set_ints(m, n, "strides", 2, k2);
	const char *c2in[] = { "mp", "w2" }, *c2out[] = { "c2" };
	ladder_graph_add_node(m, g, "Conv", "conv2", 2, c2in, 1, c2out);
	const char *gin[] = { "c2" }, *gout[] = { "y" };
	ladder_graph_add_node(m, g, "GlobalAveragePool", "gap", 1, gin, 1, gout);
	return m;
}

static struct ladder_tensor
input_of(float *buf, int64_t n)
{
	struct ladder_tensor t = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 4,
		.dims = { n, 3, 8, 8 }, .data = buf, .bytes = (size_t)(n * 3 * 64) * sizeof(float) };

	for (int64_t i = 0; i < n * 3 * 64; i++)
		buf[i] = (float)((i * 13) % 17) / 17.0f;
	return t;
}

TEST(exec_runs_and_replans)
{
	struct ladder_model *m = small_cnn();
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	static float buf[4 * 3 * 64];
	struct ladder_tensor in = input_of(buf, 1);

	CHECK_OK(ladder_exec_new(m, NULL, &ex, &err), &err);
	REQUIRE(ex != NULL);
	CHECK_EQ_INT(ladder_exec_n_inputs(ex), 1);
	CHECK_OK(ladder_exec_run(ex, &in, 1, &err), &err);
	const struct ladder_tensor *y = ladder_exec_output(ex, 0);
	REQUIRE(y != NULL && y->rank == 4);
	CHECK_EQ_INT(y->dims[0], 1);
	CHECK_EQ_INT(y->dims[1], 2);
	float first0 = ((float *)y->data)[0], first1 = ((float *)y->data)[1];

	/* Intermediates: c1, bn [1,4,8,8] 1 KiB each, mp 256 B, im2col 27*64*4; reuse keeps it below the sum. */
	size_t arena1 = ladder_exec_arena_bytes(ex);
	CHECK(arena1 > 0 && arena1 < 2 * 1024 + 256 + 27 * 64 * 4 + 64);

	/* A new batch size re-plans; batch elements are independent. */
	in = input_of(buf, 4);
	for (int i = 0; i < 3 * 64; i++)
		buf[3 * 3 * 64 + i] = buf[i];
	CHECK_OK(ladder_exec_run(ex, &in, 1, &err), &err);
	y = ladder_exec_output(ex, 0);
	CHECK_EQ_INT(y->dims[0], 4);
	CHECK(ladder_exec_arena_bytes(ex) > arena1);
	CHECK_NEAR(((float *)y->data)[6], first0, 1e-6);
	CHECK_NEAR(((float *)y->data)[7], first1, 1e-6);
	ladder_exec_free(ex);
	ladder_model_free(m);
}

TEST(exec_input_errors)
{
	struct ladder_model *m = small_cnn();
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	static float buf[3 * 64];
	struct ladder_tensor in = input_of(buf, 1);

	CHECK_OK(ladder_exec_new(m, NULL, &ex, &err), &err);
	in.dims[1] = 2;
	CHECK(ladder_exec_run(ex, &in, 1, &err) == LADDER_EINVAL);
	CHECK(strstr(err.msg, "'x'") != NULL);
	ladder_err_clear(&err);
	in = input_of(buf, 1);
	in.dtype = LADDER_DT_INT32;
	CHECK(ladder_exec_run(ex, &in, 1, &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	in = input_of(buf, 1);
	in.name = "nope";
	CHECK(ladder_exec_run(ex, &in, 1, &err) == LADDER_ENOTFOUND);
	ladder_err_clear(&err);
	CHECK(ladder_exec_run(ex, NULL, 0, &err) != 0);
	ladder_exec_free(ex);
	ladder_model_free(m);
}

TEST(exec_unsupported_op_names_node)
{
	struct ladder_model *m = small_cnn();
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	const char *in[] = { "y" }, *out[] = { "z" };

	ladder_graph_add_node(m, &m->graph, "FrobnicateTensor", "frob7", 1, in, 1, out);
	CHECK(ladder_exec_new(m, NULL, &ex, &err) == LADDER_EUNSUPPORTED);
	CHECK(ex == NULL);
	CHECK(strstr(err.msg, "frob7") != NULL && strstr(err.msg, "FrobnicateTensor") != NULL);
	ladder_model_free(m);
}

TEST(exec_folds_shape_chains)
{
	/* y = Reshape(x, Shape(x)): the shape input is folded at plan time. */
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	struct ladder_exec *ex = NULL;
	struct ladder_err err = { 0 };
	int64_t d[] = { 2, 3 };
	float x[6] = { 1, 2, 3, 4, 5, 6 };

	ladder_graph_add_input(m, g, "x", LADDER_DT_FLOAT, 2, d, NULL);
	ladder_graph_add_output(m, g, "y", LADDER_DT_FLOAT, 2, d, NULL);
	const char *sin[] = { "x" }, *sout[] = { "s" }, *rin[] = { "x", "s" }, *rout[] = { "y" };
	ladder_graph_add_node(m, g, "Shape", "shape", 1, sin, 1, sout);
	ladder_graph_add_node(m, g, "Reshape", "reshape", 2, rin, 1, rout);
	CHECK_OK(ladder_exec_new(m, NULL, &ex, &err), &err);
	struct ladder_tensor in = { .name = "x", .dtype = LADDER_DT_FLOAT, .rank = 2, .dims = { 2, 3 },
		.data = x, .bytes = sizeof x };
	CHECK_OK(ladder_exec_run(ex, &in, 1, &err), &err);
	const struct ladder_tensor *y = ladder_exec_output(ex, 0);
	REQUIRE(y != NULL);
	CHECK_EQ_INT(y->rank, 2);
	CHECK_EQ_INT(y->dims[1], 3);
	CHECK(memcmp(y->data, x, sizeof x) == 0);
	ladder_exec_free(ex);
	ladder_model_free(m);
}

TEST(analyze_counts_macs)
{
	struct ladder_model *m = small_cnn();
	struct ladder_model_stats st;
	struct ladder_err err = { 0 };

	CHECK_OK(ladder_model_analyze(m, &st, &err), &err);
	CHECK(st.shapes_complete);
	CHECK_EQ_INT(st.params, 108 + 4 * 5 + 8);
	/* conv1 4*64 outputs x 27; conv2 2*16 x 4; bn 256; maxpool 64 x 4; gap 32. */
	CHECK_EQ_INT(st.macs, 4 * 64 * 27 + 2 * 16 * 4 + 256 + 64 * 4 + 32);
	CHECK_EQ_INT(st.largest_tensor_bytes, 4 * 64 * 4);

	/* An unsupported op leaves the rest analysable and shapes incomplete. */
	const char *in[] = { "y" }, *out[] = { "z" };
	ladder_graph_add_node(m, &m->graph, "FrobnicateTensor", "frob", 1, in, 1, out);
	ladder_graph_add_output(m, &m->graph, "z", LADDER_DT_FLOAT, -1, NULL, NULL);
	CHECK_OK(ladder_model_analyze(m, &st, &err), &err);
	CHECK(!st.shapes_complete);
	CHECK_EQ_INT(st.macs, 4 * 64 * 27 + 2 * 16 * 4 + 256 + 64 * 4 + 32);
	ladder_model_free(m);
}

TEST_MAIN()
