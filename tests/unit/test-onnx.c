/*
 * test-onnx.c: ONNX load/save: builder round trip, every tensor encoding,
 * external data, and every model of the ONNX backend test data.
 * Encodings are written with the generated protobuf-c code directly.
 */
#include <dirent.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "ladder.h"
#include "model-eq.h"
#include "onnx.pb-c.h"

static char tmpdir[256];

static const char *
tmp_path(const char *name)
{
	static char path[512];

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof tmpdir, "%s/ladder-test-onnx.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(tmpdir) == NULL)
			abort();
	}
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	return path;
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		abort();
	fwrite(data, 1, len, f);
	fclose(f);
}

/* A small model using every attribute kind the builder offers, plus a subgraph. */
static struct ladder_model *
make_model(void)
{
	struct ladder_model *m = ladder_model_new(8, 17);
	const int64_t wdims[] = { 2, 3 }, xdims[] = { -1, 3 };
	const char *params[] = { "batch", NULL };
	const float w[] = { 1, 2, 3, 4, 5, 6 };
	const int64_t ints[] = { 1, -2, 3 };
	const float floats[] = { 0.5f, -1.25f };
	struct ladder_bytes strs[2] = { { (uint8_t *)"ab", 2 }, { (uint8_t *)"", 0 } };
	struct ladder_node *n;

	if (m == NULL)
		return NULL;
	ladder_graph_add_input(m, &m->graph, "x", LADDER_DT_FLOAT, 2, xdims, params);
	ladder_graph_add_initializer(m, &m->graph, "w", LADDER_DT_FLOAT, 2, wdims, w);
	ladder_graph_add_initializer(m, &m->graph, "labels", LADDER_DT_STRING, 1, (int64_t[]){ 2 }, strs);
	ladder_graph_add_initializer(m, &m->graph, "h", LADDER_DT_FLOAT16, 1, (int64_t[]){ 2 },
	    (uint16_t[]){ 0x3c00, 0xc000 });
	ladder_graph_add_initializer(m, &m->graph, "scalar", LADDER_DT_INT64, 0, NULL, (int64_t[]){ 42 });
	n = ladder_graph_add_node(m, &m->graph, "Gemm", "gemm", 2, (const char *[]){ "x", "w" }, 1,
	    (const char *[]){ "y" });
	ladder_node_set_int(m, n, "transB", 1);
	ladder_node_set_float(m, n, "alpha", 0.75f);
	ladder_node_set_string(m, n, "note", "hello");
	ladder_node_set_ints(m, n, "ints", 3, ints);
	ladder_node_set_floats(m, n, "floats", 2, floats);
	ladder_node_set_tensor(m, n, "t", &m->graph.initializers[0]);
	n = ladder_graph_add_node(m, &m->graph, "If", "if", 1, (const char *[]){ "cond" }, 1,
	    (const char *[]){ "z" });
	struct ladder_graph *sub = ladder_arena_alloc(m->arena, sizeof *sub);
	sub->name = ladder_arena_strdup(m->arena, "then");
	ladder_graph_add_node(m, sub, "Identity", "inner", 1, (const char *[]){ "y" }, 1,
	    (const char *[]){ "zt" });
	ladder_graph_add_output(m, sub, "zt", LADDER_DT_FLOAT, -1, NULL, NULL);
	ladder_node_set_int(m, n, "then_branch", 0);
	n->attrs[0].type = LADDER_ATTR_GRAPH;
	n->attrs[0].g = sub;
	ladder_node_set_int(m, n, "else_branch", 0);
	n->attrs[1].type = LADDER_ATTR_GRAPH;
	n->attrs[1].g = sub;
	ladder_graph_add_input(m, &m->graph, "cond", LADDER_DT_BOOL, 0, NULL, NULL);
	ladder_graph_add_output(m, &m->graph, "z", LADDER_DT_FLOAT, 2, (int64_t[]){ -1, 2 }, params);
	ladder_model_set_opset(m, "com.example", 1);
	return m;
}

TEST(builder_save_load_round_trip)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = make_model(), *back = NULL;
	struct ladder_buf problems;

	REQUIRE(m != NULL);
	ladder_buf_init(&problems);
	CHECK_OK(ladder_model_validate(m, &problems, &err), &err);
	CHECK_EQ_STR(problems.data ? problems.data : "", "");
	CHECK_OK(ladder_model_save(m, tmp_path("built.onnx"), &err), &err);
	CHECK_OK(ladder_model_load(tmp_path("built.onnx"), &back, &err), &err);
	REQUIRE(back != NULL);
	if (!model_eq(m, back))
		TEST_FAIL_("round trip differs: %s", model_eq_why);
	const struct ladder_attr *a = ladder_node_attr(&back->graph.nodes[0], "note");
	REQUIRE(a != NULL);
	CHECK_EQ_STR((const char *)a->s.data, "hello");
	CHECK_EQ_INT(ladder_model_opset(back, "ai.onnx"), 17);
	CHECK_EQ_INT(ladder_model_opset(back, "com.example"), 1);
	CHECK_EQ_STR(back->graph.inputs[0].type.dims[0].param, "batch");
	CHECK_EQ_STR(back->path, tmp_path("built.onnx"));
	ladder_buf_release(&problems);
	ladder_model_free(back);
	ladder_model_free(m);
}

static int
load_tensor(Onnx__TensorProto *tp, struct ladder_tensor **t, struct ladder_arena **arena,
    struct ladder_err *err)
{
	size_t len = protobuf_c_message_get_packed_size(&tp->base);
	uint8_t *buf = malloc(len + 1);
	int rc;

	protobuf_c_message_pack(&tp->base, buf);
	rc = ladder_tensor_load_pb(buf, len, t, arena, err);
	free(buf);
	return rc;
}

TEST(every_typed_encoding)
{
	static const struct {
		int dtype;
		int field;	/* 0 float, 1 int32, 2 int64, 3 double, 4 uint64 */
		size_t values;	/* per element */
	} cases[] = {
		{ LADDER_DT_FLOAT, 0, 1 }, { LADDER_DT_COMPLEX64, 0, 2 }, { LADDER_DT_UINT8, 1, 1 },
		{ LADDER_DT_INT8, 1, 1 }, { LADDER_DT_UINT16, 1, 1 }, { LADDER_DT_INT16, 1, 1 },
		{ LADDER_DT_INT32, 1, 1 }, { LADDER_DT_BOOL, 1, 1 }, { LADDER_DT_FLOAT16, 1, 1 },
		{ LADDER_DT_BFLOAT16, 1, 1 }, { LADDER_DT_INT64, 2, 1 }, { LADDER_DT_DOUBLE, 3, 1 },
		{ LADDER_DT_COMPLEX128, 3, 2 }, { LADDER_DT_UINT32, 4, 1 }, { LADDER_DT_UINT64, 4, 1 },
	};
	float f[6] = { 1, 0, 1, 0, 1, 1 };
	int32_t i32[3] = { 1, 0, 1 };
	int64_t i64[3] = { 1, 0, 1 }, dims[1] = { 3 };
	double d[6] = { 1, 0, 1, 0, 1, 1 };
	uint64_t u64[3] = { 1, 0, 1 };

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
		struct ladder_err err = { 0 };
		struct ladder_tensor *t, raw;
		struct ladder_arena *arena;
		uint8_t *ser;
		size_t len;

		tp.name = "t";
		tp.has_data_type = 1;
		tp.data_type = cases[c].dtype;
		tp.n_dims = 1;
		tp.dims = dims;
		size_t n = 3 * cases[c].values;
		switch (cases[c].field) {
		case 0: tp.n_float_data = n; tp.float_data = f; break;
		case 1: tp.n_int32_data = n; tp.int32_data = i32; break;
		case 2: tp.n_int64_data = n; tp.int64_data = i64; break;
		case 3: tp.n_double_data = n; tp.double_data = d; break;
		default: tp.n_uint64_data = n; tp.uint64_data = u64; break;
		}
		CHECK_OK(load_tensor(&tp, &t, &arena, &err), &err);
		if (err.code != 0)
			continue;
		size_t elem = ladder_dtype_size((enum ladder_dtype)cases[c].dtype);
		CHECK_EQ_INT(t->bytes, 3 * elem);
		/* Element 0 is 1, element 1 is 0 in every encoding; check the low byte. */
		const uint8_t *p = t->data;
		CHECK(p[elem] == 0);
		if (cases[c].dtype != LADDER_DT_FLOAT16 && cases[c].dtype != LADDER_DT_BFLOAT16 &&
		    cases[c].field != 0 && cases[c].field != 3)
			CHECK(p[0] == 1);
		/* Serialized back (raw_data) and reloaded: same bytes. */
		CHECK_OK(ladder_tensor_serialize_pb(t, &ser, &len, &err), &err);
		struct ladder_tensor *t2;
		struct ladder_arena *arena2;
		CHECK_OK(ladder_tensor_load_pb(ser, len, &t2, &arena2, &err), &err);
		if (err.code == 0) {
			CHECK(tensor_eq(t, t2));
			ladder_arena_free(arena2);
		}
		/* A count that does not match the shape is an error. */
		switch (cases[c].field) {
		case 0: tp.n_float_data--; break;
		case 1: tp.n_int32_data--; break;
		case 2: tp.n_int64_data--; break;
		case 3: tp.n_double_data--; break;
		default: tp.n_uint64_data--; break;
		}
		struct ladder_err err2 = { 0 };
		struct ladder_arena *arena3;
		CHECK(load_tensor(&tp, &t2, &arena3, &err2) == LADDER_EFORMAT);
		CHECK(strstr(err2.msg, "tensor 't' declares") != NULL);
		(void)raw;
		free(ser);
		ladder_arena_free(arena);
	}
}

TEST(raw_data_and_strings)
{
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	struct ladder_err err = { 0 };
	struct ladder_tensor *t;
	struct ladder_arena *arena;
	int64_t dims[2] = { 2, 2 };
	float data[4] = { 1, 2, 3, 4 };
	ProtobufCBinaryData strs[4] = { { 1, (uint8_t *)"a" }, { 2, (uint8_t *)"bc" }, { 0, NULL },
		{ 3, (uint8_t *)"d\0e" } };

	tp.name = "conv1.weight";
	tp.has_data_type = 1;
	tp.data_type = LADDER_DT_FLOAT;
	tp.n_dims = 2;
	tp.dims = dims;
	tp.has_raw_data = 1;
	tp.raw_data.len = sizeof data;
	tp.raw_data.data = (uint8_t *)data;
	CHECK_OK(load_tensor(&tp, &t, &arena, &err), &err);
	CHECK(t != NULL && t->bytes == 16 && memcmp(t->data, data, 16) == 0);
	ladder_arena_free(arena);
	tp.raw_data.len = 12;
	CHECK(load_tensor(&tp, &t, &arena, &err) == LADDER_EFORMAT);
	CHECK_EQ_STR(err.msg, "cannot load tensor: tensor 'conv1.weight' declares 4 elements but has 12 bytes of raw data");

	Onnx__TensorProto sp = ONNX__TENSOR_PROTO__INIT;
	ladder_err_clear(&err);
	sp.has_data_type = 1;
	sp.data_type = LADDER_DT_STRING;
	sp.n_dims = 2;
	sp.dims = dims;
	sp.n_string_data = 4;
	sp.string_data = strs;
	CHECK_OK(load_tensor(&sp, &t, &arena, &err), &err);
	REQUIRE(t != NULL);
	const struct ladder_bytes *s = t->data;
	CHECK(s[1].len == 2 && memcmp(s[1].data, "bc", 3) == 0);
	CHECK(s[3].len == 3 && memcmp(s[3].data, "d\0e", 3) == 0);
	ladder_arena_free(arena);
}

TEST(shape_checks)
{
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	struct ladder_err err = { 0 };
	struct ladder_tensor *t;
	struct ladder_arena *arena;
	int64_t neg[2] = { 2, -3 }, huge[3] = { INT64_MAX / 2, 4, 4 };
	int64_t deep[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };

	tp.name = "w";
	tp.has_data_type = 1;
	tp.data_type = LADDER_DT_FLOAT;
	tp.n_dims = 2;
	tp.dims = neg;
	CHECK(load_tensor(&tp, &t, &arena, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "negative dimension -3") != NULL);
	ladder_err_clear(&err);
	tp.n_dims = 3;
	tp.dims = huge;
	CHECK(load_tensor(&tp, &t, &arena, &err) != 0);
	CHECK(strstr(err.msg, "tensor 'w'") != NULL);
	ladder_err_clear(&err);
	tp.n_dims = 9;
	tp.dims = deep;
	CHECK(load_tensor(&tp, &t, &arena, &err) == LADDER_EUNSUPPORTED);
	CHECK(strstr(err.msg, "rank 9") != NULL);
	ladder_err_clear(&err);
	tp.n_dims = 0;
	tp.data_type = 99;
	CHECK(load_tensor(&tp, &t, &arena, &err) == LADDER_EUNSUPPORTED);
}

/* A one-initializer model whose tensor lives in external data. */
static void
write_external_model(const char *model, const char *location, const char *offset, const char *length)
{
	Onnx__ModelProto mp = ONNX__MODEL_PROTO__INIT;
	Onnx__GraphProto gp = ONNX__GRAPH_PROTO__INIT;
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	Onnx__StringStringEntryProto kv[3], *kvs[3];
	Onnx__TensorProto *inits[1] = { &tp };
	int64_t dims[1] = { 4 };
	size_t n = 0;

	mp.has_ir_version = 1;
	mp.ir_version = 8;
	mp.graph = &gp;
	gp.name = "g";
	gp.n_initializer = 1;
	gp.initializer = inits;
	tp.name = "ext";
	tp.has_data_type = 1;
	tp.data_type = LADDER_DT_FLOAT;
	tp.n_dims = 1;
	tp.dims = dims;
	tp.has_data_location = 1;
	tp.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	const char *keys[3] = { "location", "offset", "length" }, *vals[3] = { location, offset, length };
	for (int i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		onnx__string_string_entry_proto__init(&kv[n]);
		kv[n].key = (char *)keys[i];
		kv[n].value = (char *)vals[i];
		kvs[n] = &kv[n];
		n++;
	}
	tp.n_external_data = n;
	tp.external_data = kvs;
	size_t len = protobuf_c_message_get_packed_size(&mp.base);
	uint8_t *buf = malloc(len);
	protobuf_c_message_pack(&mp.base, buf);
	write_bytes(model, buf, len);
	free(buf);
}

TEST(external_data)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = NULL;
	float data[6] = { 9, 9, 1, 2, 3, 4 };
	char model[512];

	mkdir(tmp_path("ext"), 0755);
	write_bytes(tmp_path("ext/weights.bin"), data, sizeof data);
	write_bytes(tmp_path("outside.bin"), data, sizeof data);
	snprintf(model, sizeof model, "%s", tmp_path("ext/m.onnx"));

	write_external_model(model, "weights.bin", "8", "16");
	CHECK_OK(ladder_model_load(model, &m, &err), &err);
	REQUIRE(m != NULL);
	CHECK(m->graph.initializers[0].bytes == 16 && memcmp(m->graph.initializers[0].data, data + 2, 16) == 0);
	CHECK_EQ_STR(m->graph.initializers[0].external_location, "weights.bin");
	/* Saved inline, it reloads equal. */
	struct ladder_model *back = NULL;
	CHECK_OK(ladder_model_save(m, tmp_path("inline.onnx"), &err), &err);
	CHECK_OK(ladder_model_load(tmp_path("inline.onnx"), &back, &err), &err);
	CHECK(back != NULL && back->graph.initializers[0].bytes == 16 &&
	    memcmp(back->graph.initializers[0].data, data + 2, 16) == 0);
	ladder_model_free(back);
	ladder_model_free(m);

	/* No length: the rest of the file. */
	write_external_model(model, "weights.bin", "8", NULL);
	CHECK_OK(ladder_model_load(model, &m, &err), &err);
	ladder_model_free(m);

	static const struct {
		const char *location, *offset, *length, *expect;
	} bad[] = {
		{ "../outside.bin", "0", "16", "outside the model's directory" },
		{ "/etc/passwd", "0", "16", "outside the model's directory" },
		{ "sub/../../outside.bin", "0", "16", "outside the model's directory" },
		{ "weights.bin", "16", "16", "beyond the end of 'weights.bin'" },
		{ "weights.bin", "4096", "16", "beyond the end of 'weights.bin'" },
		{ "weights.bin", "0", "12", "declares 16 bytes but has 12" },
		{ "weights.bin", "-1", "16", "bad external data offset" },
		{ "weights.bin", "0", "18446744073709551615", "beyond the end" },
		{ "missing.bin", "0", "16", "cannot open external data 'missing.bin'" },
		{ "", "0", "16", "without a location" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ladder_err_clear(&err);
		write_external_model(model, bad[i].location, bad[i].offset, bad[i].length);
		CHECK(ladder_model_load(model, &m, &err) != 0);
		CHECK(m == NULL);
		if (strstr(err.msg, bad[i].expect) == NULL || strncmp(err.msg, "cannot load '", 13) != 0)
			TEST_FAIL_("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].expect);
	}
	/* A symbolic link out of the directory is refused too. */
	ladder_err_clear(&err);
	if (symlink(tmp_path("outside.bin"), tmp_path("ext/link.bin")) == 0) {
		write_external_model(model, "link.bin", "0", "16");
		CHECK(ladder_model_load(model, &m, &err) == LADDER_ESECURITY);
	}
	/* From memory without a directory. */
	char *buf;
	size_t len;
	ladder_err_clear(&err);
	write_external_model(model, "weights.bin", "0", "16");
	CHECK_OK(ladder_read_file(model, 0, &buf, &len, &err), &err);
	CHECK(ladder_model_load_mem(buf, len, NULL, &m, &err) != 0);
	CHECK(strstr(err.msg, "has no directory") != NULL);
	free(buf);
}

TEST(limits)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m = make_model(), *back = NULL;
	struct ladder_load_limits lim = { .max_nodes = 1 };

	REQUIRE(m != NULL);
	CHECK_OK(ladder_model_save(m, tmp_path("lim.onnx"), &err), &err);
	CHECK(ladder_model_load_ex(tmp_path("lim.onnx"), &lim, &back, &err) == LADDER_ENOMEM);
	CHECK(strstr(err.msg, "more than 1 nodes") != NULL);
	ladder_err_clear(&err);
	lim = (struct ladder_load_limits){ .max_tensor_bytes = 8 };
	CHECK(ladder_model_load_ex(tmp_path("lim.onnx"), &lim, &back, &err) == LADDER_ENOMEM);
	ladder_err_clear(&err);
	lim = (struct ladder_load_limits){ .max_graph_depth = 0 };
	CHECK_OK(ladder_model_load_ex(tmp_path("lim.onnx"), &lim, &back, &err), &err);
	ladder_model_free(back);
	ladder_err_clear(&err);
	lim = (struct ladder_load_limits){ .max_file_bytes = 10 };
	CHECK(ladder_model_load_ex(tmp_path("lim.onnx"), &lim, &back, &err) != 0);
	CHECK(strncmp(err.msg, "cannot load '", 13) == 0);
	ladder_model_free(m);
}

TEST(topo_order_and_errors)
{
	struct ladder_model *m = ladder_model_new(8, 17);
	struct ladder_err err = { 0 };
	size_t order[4];

	REQUIRE(m != NULL);
	ladder_graph_add_input(m, &m->graph, "x", LADDER_DT_FLOAT, -1, NULL, NULL);
	/* Out of order: c needs b needs a. */
	ladder_graph_add_node(m, &m->graph, "Relu", "c", 1, (const char *[]){ "b" }, 1, (const char *[]){ "c" });
	ladder_graph_add_node(m, &m->graph, "Relu", "b", 1, (const char *[]){ "a" }, 1, (const char *[]){ "b" });
	ladder_graph_add_node(m, &m->graph, "Relu", "a", 2, (const char *[]){ "x", "" }, 1,
	    (const char *[]){ "a" });
	CHECK_OK(ladder_graph_topo_order(&m->graph, order, NULL, 0, &err), &err);
	CHECK(order[0] == 2 && order[1] == 1 && order[2] == 0);
	/* A cycle: a reads c. */
	m->graph.nodes[2].inputs[0] = "c";
	CHECK(ladder_graph_topo_order(&m->graph, order, NULL, 0, &err) == LADDER_EFORMAT);
	CHECK(strstr(err.msg, "cycle through node") != NULL);
	ladder_err_clear(&err);
	/* Dangling. */
	m->graph.nodes[2].inputs[0] = "nowhere";
	CHECK(ladder_graph_topo_order(&m->graph, order, NULL, 0, &err) == LADDER_EFORMAT);
	CHECK_EQ_STR(err.msg, "node 'a' (Relu) reads 'nowhere', which no node, input or initializer provides");
	ladder_err_clear(&err);
	/* ... unless the outer scope provides it. */
	const char *outer[] = { "nowhere" };
	CHECK_OK(ladder_graph_topo_order(&m->graph, order, outer, 1, &err), &err);
	ladder_model_free(m);
}

TEST(topo_subgraph_reads_outer_value)
{
	struct ladder_model *m = make_model();
	struct ladder_err err = { 0 };
	size_t order[2];

	REQUIRE(m != NULL);
	/* Swap: the If (whose branch reads y) first, Gemm (which makes y) second. */
	struct ladder_node t = m->graph.nodes[0];
	m->graph.nodes[0] = m->graph.nodes[1];
	m->graph.nodes[1] = t;
	CHECK_OK(ladder_graph_topo_order(&m->graph, order, NULL, 0, &err), &err);
	CHECK(order[0] == 1 && order[1] == 0);
	ladder_model_free(m);
}

TEST(validate_problems)
{
	struct ladder_model *m = make_model();
	struct ladder_err err = { 0 };
	struct ladder_buf p;

	REQUIRE(m != NULL);
	ladder_buf_init(&p);
	/* Two nodes produce y; an output nothing makes; an unknown domain. */
	m->graph.nodes[1].outputs[0] = "y";
	m->graph.outputs[0].name = "ghost";
	m->graph.nodes[0].domain = "com.unknown";
	CHECK(ladder_model_validate(m, &p, &err) == LADDER_EFORMAT);
	REQUIRE(p.data != NULL);
	CHECK(strstr(p.data, "value 'y' is produced by node 'gemm' (Gemm) and node 'if' (If)") != NULL);
	CHECK(strstr(p.data, "graph output 'ghost' is not produced") != NULL);
	CHECK(strstr(p.data, "domain 'com.unknown'") != NULL);
	CHECK(strstr(err.msg, "is not a valid model") != NULL);
	ladder_buf_release(&p);
	ladder_model_free(m);
}

static bool
round_trip_file(const char *path, char *why, size_t why_size)
{
	struct ladder_err err = { 0 };
	struct ladder_model *a = NULL, *b = NULL;
	uint8_t *data = NULL;
	size_t len;
	bool ok = false;
	char dir[512];

	if (ladder_model_load(path, &a, &err) != 0) {
		snprintf(why, why_size, "%s", err.msg);
		return false;
	}
	if (ladder_model_serialize(a, &data, &len, &err) != 0) {
		snprintf(why, why_size, "%s", err.msg);
		goto out;
	}
	ladder_path_dir(path, dir, sizeof dir);
	if (ladder_model_load_mem(data, len, dir, &b, &err) != 0) {
		snprintf(why, why_size, "reload: %s", err.msg);
		goto out;
	}
	ok = model_eq(a, b);
	if (!ok)
		snprintf(why, why_size, "%s: reloaded model differs: %s", path, model_eq_why);
out:
	free(data);
	ladder_model_free(a);
	ladder_model_free(b);
	return ok;
}

TEST(onnx_backend_test_data_round_trips)
{
	const char *root = getenv("LADDER_ONNX_TESTDATA");
	const char *sets[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };
	size_t total = 0, failed = 0;
	char pattern[512], why[LADDER_ERR_MAX + 256];

	if (root == NULL)
		root = "/usr/share/libonnx-testdata/data";
	for (size_t s = 0; s < 4; s++) {
		glob_t gl;

		snprintf(pattern, sizeof pattern, "%s/%s/*/model.onnx", root, sets[s]);
		if (glob(pattern, 0, NULL, &gl) != 0)
			continue;
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			total++;
			if (!round_trip_file(gl.gl_pathv[i], why, sizeof why)) {
				if (failed++ < 10)
					TEST_FAIL_("%s", why);
			}
		}
		globfree(&gl);
	}
	printf("# %zu models, %zu failed\n", total, failed);
	CHECK(total >= 1000);
	CHECK_EQ_INT(failed, 0);
}

TEST(cleanup)
{
	char cmd[600];

	if (tmpdir[0] == '\0')
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	CHECK(system(cmd) == 0);
}

TEST_MAIN()
