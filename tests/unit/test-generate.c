/* test-generate.c: the generate transforms on a small two-exit CNN built in code. */
#include <math.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"

/* input [N,1,8,8] -> Conv(4,3x3,pad1) -> Relu -> "feat"
 *   feat -> GlobalAveragePool -> Flatten -> Gemm(4->3) -> "exit1"
 *   feat -> Conv(4,3x3,pad1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(4->3) -> "logits" */
static struct ladder_model *
tiny_cnn(void)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	struct ladder_graph *g = &m->graph;
	float w1[4 * 1 * 9], b1[4], w2[4 * 4 * 9], b2[4], g1[3 * 4], c1[3], g2[3 * 4], c2[3];
	unsigned s = 12345;
#define RND() ((float)((s = s * 1103515245u + 12345u) >> 16 & 0x7fff) / 32768.0f - 0.5f)
	for (size_t i = 0; i < sizeof w1 / 4; i++) w1[i] = RND();
	for (size_t i = 0; i < sizeof b1 / 4; i++) b1[i] = RND() * 0.1f;
	for (size_t i = 0; i < sizeof w2 / 4; i++) w2[i] = RND() * 0.5f;
	for (size_t i = 0; i < sizeof b2 / 4; i++) b2[i] = RND() * 0.1f;
	for (size_t i = 0; i < sizeof g1 / 4; i++) g1[i] = RND();
	for (size_t i = 0; i < sizeof c1 / 4; i++) c1[i] = RND();
	for (size_t i = 0; i < sizeof g2 / 4; i++) g2[i] = RND();
	for (size_t i = 0; i < sizeof c2 / 4; i++) c2[i] = RND();
	int64_t in_dims[4] = { -1, 1, 8, 8 }, out_dims[2] = { -1, 3 };
	const char *params[4] = { "batch", NULL, NULL, NULL };
	int64_t dw1[4] = { 4, 1, 3, 3 }, dw2[4] = { 4, 4, 3, 3 }, d4[1] = { 4 }, dg[2] = { 3, 4 }, d3[1] = { 3 };
	ladder_graph_add_input(m, g, "input", LADDER_DT_FLOAT, 4, in_dims, params);
	ladder_graph_add_output(m, g, "exit1", LADDER_DT_FLOAT, 2, out_dims, params);
	ladder_graph_add_output(m, g, "logits", LADDER_DT_FLOAT, 2, out_dims, params);
	ladder_graph_add_initializer(m, g, "w1", LADDER_DT_FLOAT, 4, dw1, w1);
	ladder_graph_add_initializer(m, g, "b1", LADDER_DT_FLOAT, 1, d4, b1);
	ladder_graph_add_initializer(m, g, "w2", LADDER_DT_FLOAT, 4, dw2, w2);
	ladder_graph_add_initializer(m, g, "b2", LADDER_DT_FLOAT, 1, d4, b2);
	ladder_graph_add_initializer(m, g, "g1", LADDER_DT_FLOAT, 2, dg, g1);
	ladder_graph_add_initializer(m, g, "c1", LADDER_DT_FLOAT, 1, d3, c1);
	ladder_graph_add_initializer(m, g, "g2", LADDER_DT_FLOAT, 2, dg, g2);
	ladder_graph_add_initializer(m, g, "c2", LADDER_DT_FLOAT, 1, d3, c2);
	int64_t pads[4] = { 1, 1, 1, 1 };
	struct ladder_node *n;
	n = ladder_graph_add_node(m, g, "Conv", "conv1", 3, (const char *[]){ "input", "w1", "b1" }, 1,
	    (const char *[]){ "c1out" });
	ladder_node_set_ints(m, n, "pads", 4, pads);
	ladder_graph_add_node(m, g, "Relu", "relu1", 1, (const char *[]){ "c1out" }, 1, (const char *[]){ "feat" });
	ladder_graph_add_node(m, g, "GlobalAveragePool", "gap1", 1, (const char *[]){ "feat" }, 1, (const char *[]){ "p1" });
	ladder_graph_add_node(m, g, "Flatten", "flat1", 1, (const char *[]){ "p1" }, 1, (const char *[]){ "f1" });
	n = ladder_graph_add_node(m, g, "Gemm", "fc1", 3, (const char *[]){ "f1", "g1", "c1" }, 1,
	    (const char *[]){ "exit1" });
	ladder_node_set_int(m, n, "transB", 1);
	n = ladder_graph_add_node(m, g, "Conv", "conv2", 3, (const char *[]){ "feat", "w2", "b2" }, 1,
	    (const char *[]){ "c2out" });
	ladder_node_set_ints(m, n, "pads", 4, pads);
	ladder_graph_add_node(m, g, "Relu", "relu2", 1, (const char *[]){ "c2out" }, 1, (const char *[]){ "r2" });
	ladder_graph_add_node(m, g, "GlobalAveragePool", "gap2", 1, (const char *[]){ "r2" }, 1, (const char *[]){ "p2" });
	ladder_graph_add_node(m, g, "Flatten", "flat2", 1, (const char *[]){ "p2" }, 1, (const char *[]){ "f2" });
	n = ladder_graph_add_node(m, g, "Gemm", "fc2", 3, (const char *[]){ "f2", "g2", "c2" }, 1,
	    (const char *[]){ "logits" });
	ladder_node_set_int(m, n, "transB", 1);
	return m;
}

#define N_SAMPLES 40
static float sample_data[N_SAMPLES][64];
static struct ladder_tensor sample_tensors[N_SAMPLES];

static struct ladder_samples
make_samples(void)
{
	unsigned s = 777;
	for (int i = 0; i < N_SAMPLES; i++) {
		for (int j = 0; j < 64; j++)
			sample_data[i][j] = (float)((s = s * 1103515245u + 12345u) >> 16 & 0xff) / 255.0f;
		sample_tensors[i] = (struct ladder_tensor){ .dtype = LADDER_DT_FLOAT, .rank = 4,
		    .dims = { 1, 1, 8, 8 }, .data = sample_data[i], .bytes = sizeof sample_data[i] };
	}
	return (struct ladder_samples){ N_SAMPLES, sample_tensors };
}

/* Largest relative difference of output `out` between a and b over the samples. */
static double
max_rel_diff(const struct ladder_model *a, const struct ladder_model *b, size_t out, struct ladder_err *err)
{
	struct ladder_samples s = make_samples();
	struct ladder_exec *ea = NULL, *eb = NULL;
	double worst = 0;

	if (ladder_exec_new(a, NULL, &ea, err) != 0 || ladder_exec_new(b, NULL, &eb, err) != 0)
		goto fail;
	for (size_t i = 0; i < s.n; i++) {
		if (ladder_exec_run(ea, &s.inputs[i], 1, err) != 0 || ladder_exec_run(eb, &s.inputs[i], 1, err) != 0)
			goto fail;
		const struct ladder_tensor *ta = ladder_exec_output(ea, out), *tb = ladder_exec_output(eb, out);
		if (ta->dtype != LADDER_DT_FLOAT || tb->dtype != LADDER_DT_FLOAT || ta->bytes != tb->bytes)
			goto fail;
		const float *x = ta->data, *y = tb->data;
		double scale = 1e-6, d = 0;
		for (size_t k = 0; k < ta->bytes / 4; k++) {
			scale = fmax(scale, fabs(x[k]));
			d = fmax(d, fabs((double)x[k] - y[k]));
		}
		worst = fmax(worst, d / scale);
	}
	ladder_exec_free(ea);
	ladder_exec_free(eb);
	return worst;
fail:
	ladder_exec_free(ea);
	ladder_exec_free(eb);
	return INFINITY;
}

static bool
has_op(const struct ladder_model *m, const char *op)
{
	for (size_t i = 0; i < m->graph.n_nodes; i++)
		if (strcmp(m->graph.nodes[i].op_type, op) == 0)
			return true;
	return false;
}

TEST(fp16_keeps_outputs_close)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn(), *h = NULL;

	CHECK_OK(ladder_model_clone(m, &h, &err), &err);
	REQUIRE(h != NULL);
	CHECK_OK(ladder_transform_fp16(h, "", &err), &err);
	CHECK(has_op(h, "Cast"));
	const struct ladder_tensor *w = ladder_graph_initializer(&h->graph, "w1");
	REQUIRE(w != NULL);
	CHECK_EQ_INT(w->dtype, LADDER_DT_FLOAT16);
	CHECK_EQ_INT(h->graph.outputs[0].type.dtype, LADDER_DT_FLOAT);
	double d = max_rel_diff(m, h, 1, &err);
	CHECK(d < 1e-2);
	if (!(d < 1e-2))
		printf("#   fp16 rel diff %g: %s\n", d, err.msg);
	ladder_model_free(h);
	ladder_model_free(m);
}

TEST(fp16_keep_list_stays_float32)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn();

	CHECK_OK(ladder_transform_fp16(m, "Gemm,GlobalAveragePool", &err), &err);
	CHECK_EQ_INT(ladder_graph_initializer(&m->graph, "g1")->dtype, LADDER_DT_FLOAT);
	CHECK_EQ_INT(ladder_graph_initializer(&m->graph, "w1")->dtype, LADDER_DT_FLOAT16);
	ladder_model_free(m);
}

TEST(int8_weights_close_and_quantized)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn(), *q = NULL;

	CHECK_OK(ladder_model_clone(m, &q, &err), &err);
	REQUIRE(q != NULL);
	CHECK_OK(ladder_transform_int8_weights(q, &err), &err);
	CHECK(has_op(q, "DequantizeLinear"));
	CHECK(ladder_graph_initializer(&q->graph, "w1") == NULL);
	double d = max_rel_diff(m, q, 1, &err);
	CHECK(d < 0.05);
	if (!(d < 0.05))
		printf("#   int8-weights rel diff %g: %s\n", d, err.msg);
	ladder_model_free(q);
	ladder_model_free(m);
}

TEST(int8_static_calibrated)
{
	struct ladder_err err = { 0 };
	struct ladder_samples s = make_samples();

	for (int method = 0; method < 3; method++) {
		struct ladder_model *m = tiny_cnn(), *q = NULL;
		CHECK_OK(ladder_model_clone(m, &q, &err), &err);
		REQUIRE(q != NULL);
		CHECK_OK(ladder_transform_int8(q, &s, 32, (enum ladder_calib_method)method, 99.9, 1, &err), &err);
		CHECK(has_op(q, "QuantizeLinear"));
		double d = max_rel_diff(m, q, 1, &err);
		CHECK(d < 0.1);
		if (!(d < 0.1))
			printf("#   int8 method %d rel diff %g: %s\n", method, d, err.msg);
		ladder_model_free(q);
		ladder_model_free(m);
		ladder_err_clear(&err);
	}
	struct ladder_model *m = tiny_cnn();
	CHECK(ladder_transform_int8(m, NULL, 0, LADDER_CALIB_MINMAX, 0, 1, &err) != 0);
	CHECK(strstr(err.msg, "calibration data") != NULL);
	ladder_model_free(m);
}

TEST(exit_prunes_to_one_output)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn();

	CHECK_OK(ladder_transform_exit(m, "exit1", &err), &err);
	CHECK_EQ_INT(m->graph.n_outputs, 1);
	CHECK_EQ_INT(m->graph.n_nodes, 5);
	CHECK(ladder_graph_initializer(&m->graph, "w2") == NULL);
	ladder_err_clear(&err);
	CHECK(ladder_transform_exit(m, "nope", &err) == LADDER_ENOTFOUND);
	CHECK(strstr(err.msg, "no output 'nope'") != NULL);
	ladder_model_free(m);
}

TEST(split_head_tail_compose)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn(), *head = NULL, *tail = NULL;

	CHECK_OK(ladder_transform_exit(m, "logits", &err), &err);
	CHECK_OK(ladder_transform_split(m, "feat", &head, &tail, &err), &err);
	REQUIRE(head != NULL && tail != NULL);
	CHECK_EQ_STR(head->graph.outputs[0].name, "feat");
	CHECK_EQ_STR(tail->graph.inputs[0].name, "feat");
	struct ladder_samples s = make_samples();
	struct ladder_exec *ef = NULL, *eh = NULL, *et = NULL;
	CHECK_OK(ladder_exec_new(m, NULL, &ef, &err), &err);
	CHECK_OK(ladder_exec_new(head, NULL, &eh, &err), &err);
	CHECK_OK(ladder_exec_new(tail, NULL, &et, &err), &err);
	REQUIRE(ef && eh && et);
	for (int i = 0; i < 5; i++) {
		CHECK_OK(ladder_exec_run(ef, &s.inputs[i], 1, &err), &err);
		CHECK_OK(ladder_exec_run(eh, &s.inputs[i], 1, &err), &err);
		struct ladder_tensor mid = *ladder_exec_output(eh, 0);
		mid.name = NULL;
		CHECK_OK(ladder_exec_run(et, &mid, 1, &err), &err);
		const struct ladder_tensor *a = ladder_exec_output(ef, 0), *b = ladder_exec_output(et, 0);
		REQUIRE(a->bytes == b->bytes);
		CHECK(memcmp(a->data, b->data, a->bytes) == 0);
	}
	ladder_exec_free(ef);
	ladder_exec_free(eh);
	ladder_exec_free(et);
	ladder_model_free(head);
	ladder_model_free(tail);
	struct ladder_model *full = tiny_cnn();
	ladder_err_clear(&err);
	CHECK(ladder_transform_split(full, "p1", &head, &tail, &err) != 0);	/* exit1 needs the head */
	CHECK(strstr(err.msg, "clean cut") != NULL);
	ladder_err_clear(&err);
	CHECK(ladder_transform_split(full, "nothing", &head, &tail, &err) == LADDER_ENOTFOUND);
	ladder_model_free(full);
	ladder_model_free(m);
}

TEST(resolution_changes_input)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = tiny_cnn();

	CHECK_OK(ladder_transform_resolution(m, 16, 12, &err), &err);
	CHECK_EQ_INT(m->graph.inputs[0].type.dims[2].value, 16);
	CHECK_EQ_INT(m->graph.inputs[0].type.dims[3].value, 12);
	ladder_model_free(m);
}

TEST(recipe_syntax)
{
	struct ladder_err err = { 0 };

	CHECK_OK(ladder_recipe_check("fp16", &err), &err);
	CHECK_OK(ladder_recipe_check("exit:e1+int8", &err), &err);
	CHECK_OK(ladder_recipe_check("int8@cnn", &err), &err);
	CHECK_OK(ladder_recipe_check("resolution:32x24", &err), &err);
	CHECK(ladder_recipe_check("fp17", &err) == LADDER_EINVAL);
	CHECK(strstr(err.msg, "unknown recipe step 'fp17'") != NULL);
	ladder_err_clear(&err);
	CHECK(ladder_recipe_check("split:x+fp16", &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	CHECK(ladder_recipe_check("resolution:0x3", &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	CHECK(ladder_recipe_check("fp16+fp16", &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	CHECK(ladder_recipe_check("", &err) == LADDER_EINVAL);
	ladder_err_clear(&err);
	CHECK(ladder_recipe_check("int8@", &err) == LADDER_EINVAL);
}

TEST(generate_is_reproducible)
{
	struct ladder_err err = { 0 };
	char dir[] = "/tmp/ladder-gen-XXXXXX", path[512], out1[600], out2[600];
	struct ladder_model *m = tiny_cnn();
	struct ladder_samples s = make_samples();

	REQUIRE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/tiny.onnx", dir);
	CHECK_OK(ladder_model_save(m, path, &err), &err);
	const char *models[1] = { path };
	const char *recipes[4] = { "fp16", "int8", "exit:exit1+int8-weights", "split:feat@tiny" };
	snprintf(out1, sizeof out1, "%s/a", dir);
	snprintf(out2, sizeof out2, "%s/b", dir);
	struct ladder_generate_options o = { .out_dir = out1, .n_models = 1, .models = models,
	    .n_recipes = 3, .recipes = recipes, .samples = &s, .calib_samples = 16, .fidelity_samples = 16 };
	CHECK_OK(ladder_generate(&o, NULL, &err), &err);
	o.out_dir = out2;
	CHECK_OK(ladder_generate(&o, NULL, &err), &err);
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "diff -r %s %s >/dev/null", out1, out2);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "grep -q '\"schema\": \"ladder.ladder/1\"' %s/ladder.json && "
	    "grep -q '\"top1_agreement\"' %s/ladder.json && test -f %s/rungs/tiny-int8.onnx", out1, out1, out1);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	ladder_model_free(m);
}

TEST_MAIN()
