/*
 * onnx-fixtures.c: writes test models.
 *   onnx-fixtures base FILE     a small valid CNN (Conv, Relu, Flatten, Gemm)
 *   onnx-fixtures hostile DIR   the base model plus >= 100 corrupted variants:
 *                               DIR/must-fail.list and DIR/may-fail.list name them
 * Structural corruptions edit the protobuf-c message; byte-level ones edit
 * the serialized bytes (truncation, huge lengths, flipped bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ladder.h"
#include "onnx.pb-c.h"

/* The variants share and leak message parts on purpose; LeakSanitizer need not say so. */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

static const char *outdir;
static FILE *must_fail, *may_fail;
static int counter;

static void
die(const char *what)
{
	fprintf(stderr, "onnx-fixtures: %s\n", what);
	exit(1);
}

static struct ladder_model *
base_model(void)
{
	struct ladder_model *m = ladder_model_new(8, 13);
	static float conv_w[2 * 1 * 3 * 3], conv_b[2], fc_w[10 * 72], fc_b[10];
	const char *params[] = { "batch", NULL, NULL, NULL };

	if (m == NULL)
		die("out of memory");
	for (size_t i = 0; i < sizeof conv_w / sizeof conv_w[0]; i++)
		conv_w[i] = (float)i / 10.0f - 0.5f;
	for (size_t i = 0; i < sizeof fc_w / sizeof fc_w[0]; i++)
		fc_w[i] = (float)(i % 13) / 13.0f - 0.5f;
	conv_b[1] = 0.25f;
	fc_b[3] = 1.0f;
	ladder_graph_add_input(m, &m->graph, "input", LADDER_DT_FLOAT, 4, (int64_t[]){ -1, 1, 8, 8 }, params);
	ladder_graph_add_initializer(m, &m->graph, "conv1.weight", LADDER_DT_FLOAT, 4,
	    (int64_t[]){ 2, 1, 3, 3 }, conv_w);
	ladder_graph_add_initializer(m, &m->graph, "conv1.bias", LADDER_DT_FLOAT, 1, (int64_t[]){ 2 }, conv_b);
	ladder_graph_add_initializer(m, &m->graph, "fc.weight", LADDER_DT_FLOAT, 2, (int64_t[]){ 10, 72 }, fc_w);
	ladder_graph_add_initializer(m, &m->graph, "fc.bias", LADDER_DT_FLOAT, 1, (int64_t[]){ 10 }, fc_b);
	struct ladder_node *n = ladder_graph_add_node(m, &m->graph, "Conv", "conv1", 3,
	    (const char *[]){ "input", "conv1.weight", "conv1.bias" }, 1, (const char *[]){ "c1" });
	ladder_node_set_ints(m, n, "kernel_shape", 2, (int64_t[]){ 3, 3 });
	ladder_graph_add_node(m, &m->graph, "Relu", "relu1", 1, (const char *[]){ "c1" }, 1,
	    (const char *[]){ "r1" });
	n = ladder_graph_add_node(m, &m->graph, "Flatten", "flatten", 1, (const char *[]){ "r1" }, 1,
	    (const char *[]){ "f1" });
	ladder_node_set_int(m, n, "axis", 1);
	n = ladder_graph_add_node(m, &m->graph, "Gemm", "fc", 3, (const char *[]){ "f1", "fc.weight", "fc.bias" },
	    1, (const char *[]){ "logits" });
	ladder_node_set_int(m, n, "transB", 1);
	ladder_graph_add_output(m, &m->graph, "logits", LADDER_DT_FLOAT, 2, (int64_t[]){ -1, 10 }, params);
	return m;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		die("cannot write a file");
}

/* Writes a variant; `must` says whether loading it must fail. */
static void
variant(const char *name, const void *data, size_t len, bool must)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%03d-%s.onnx", outdir, counter++, name);
	write_file(path, data, len);
	fprintf(must ? must_fail : may_fail, "%s\n", path);
}

static void
variant_msg(const char *name, Onnx__ModelProto *mp)
{
	size_t len = protobuf_c_message_get_packed_size(&mp->base);
	uint8_t *buf = malloc(len + 1);

	if (buf == NULL)
		die("out of memory");
	protobuf_c_message_pack(&mp->base, buf);
	variant(name, buf, len, true);
	free(buf);
}

static uint8_t *base_bytes;
static size_t base_len;

/* A fresh copy of the base model as a protobuf-c message (leaked: a test tool). */
static Onnx__ModelProto *
fresh(void)
{
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, base_len, base_bytes);

	if (mp == NULL)
		die("cannot unpack the base model");
	return mp;
}

static void
set_dims(Onnx__TensorProto *t, size_t n, const int64_t *dims)
{
	t->n_dims = n;
	t->dims = malloc(n * sizeof *dims + 1);
	memcpy(t->dims, dims, n * sizeof *dims);
}

static void
external(const char *name, const char *location, const char *offset, const char *length)
{
	Onnx__ModelProto *mp = fresh();
	Onnx__TensorProto *t = mp->graph->initializer[0];
	Onnx__StringStringEntryProto **kv = calloc(3, sizeof *kv);
	const char *keys[3] = { "location", "offset", "length" }, *vals[3] = { location, offset, length };
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		kv[n] = calloc(1, sizeof **kv);
		onnx__string_string_entry_proto__init(kv[n]);
		kv[n]->key = (char *)keys[i];
		kv[n]->value = (char *)vals[i];
		n++;
	}
	t->has_raw_data = 0;
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	t->n_external_data = n;
	t->external_data = kv;
	variant_msg(name, mp);
}

/* Subgraphs nested `depth` deep (If inside If ...). */
static Onnx__GraphProto *
nested_graph(int depth)
{
	Onnx__GraphProto *g = calloc(1, sizeof *g);

	onnx__graph_proto__init(g);
	g->name = "body";
	if (depth == 0)
		return g;
	Onnx__NodeProto *n = calloc(1, sizeof *n);
	Onnx__AttributeProto *a = calloc(1, sizeof *a);
	onnx__node_proto__init(n);
	onnx__attribute_proto__init(a);
	a->name = "then_branch";
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	a->g = nested_graph(depth - 1);
	n->op_type = "If";
	n->n_attribute = 1;
	n->attribute = calloc(1, sizeof *n->attribute);
	n->attribute[0] = a;
	g->n_node = 1;
	g->node = calloc(1, sizeof *g->node);
	g->node[0] = n;
	return g;
}

static void
structural(void)
{
	Onnx__ModelProto *mp;
	char name[64];

	/* Absurd, negative and overflowing dims, in initializers and attributes. */
	static const struct {
		const char *name;
		size_t n;
		int64_t dims[9];
	} shapes[] = {
		{ "dims-absurd", 2, { 1LL << 40, 1LL << 40 } },
		{ "dims-huge", 1, { 1LL << 62 } },
		{ "dims-negative", 2, { -1, 9 } },
		{ "dims-negative-large", 1, { INT64_MIN } },
		{ "dims-overflow", 2, { INT64_MAX, 2 } },
		{ "dims-overflow-3", 3, { 1LL << 30, 1LL << 30, 1LL << 30 } },
		{ "dims-mismatch", 2, { 3, 3 } },
		{ "dims-zero-with-data", 2, { 0, 3 } },
		{ "rank-9", 9, { 1, 1, 1, 1, 1, 1, 1, 1, 18 } },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		for (size_t k = 0; k < 2; k++) {
			mp = fresh();
			set_dims(mp->graph->initializer[k * 2], shapes[i].n, shapes[i].dims);
			snprintf(name, sizeof name, "%s-%zu", shapes[i].name, k);
			variant_msg(name, mp);
		}
	}
	mp = fresh();
	mp->graph->initializer[0]->raw_data.len -= 4;
	variant_msg("raw-data-short", mp);
	mp = fresh();
	mp->graph->initializer[1]->raw_data.len = 0;
	variant_msg("raw-data-empty", mp);
	mp = fresh();
	mp->graph->initializer[2]->data_type = 99;
	variant_msg("data-type-unknown", mp);
	mp = fresh();
	mp->graph->initializer[2]->has_data_type = 0;
	variant_msg("data-type-missing", mp);
	mp = fresh();
	mp->graph->initializer[2]->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
	variant_msg("data-type-wider", mp);
	mp = fresh();
	mp->graph->initializer[1]->has_raw_data = 0;
	mp->graph->initializer[1]->n_float_data = 1;
	mp->graph->initializer[1]->float_data = calloc(1, sizeof(float));
	variant_msg("float-data-count", mp);
	mp = fresh();
	mp->graph->initializer[1]->has_raw_data = 0;
	variant_msg("no-data", mp);

	/* Graph structure. */
	mp = fresh();
	mp->graph->node[0]->input[0] = "logits";
	variant_msg("cycle", mp);
	mp = fresh();
	mp->graph->node[1]->input[0] = "r1";
	variant_msg("self-loop", mp);
	mp = fresh();
	mp->graph->node[2]->input[0] = "nowhere";
	variant_msg("dangling-input", mp);
	mp = fresh();
	mp->graph->node[0]->input[1] = "missing.weight";
	variant_msg("dangling-weight", mp);
	mp = fresh();
	mp->graph->node[1]->output[0] = "c1";
	variant_msg("duplicate-output", mp);
	mp = fresh();
	mp->graph->node[0]->output[0] = "input";
	variant_msg("output-shadows-input", mp);
	mp = fresh();
	mp->graph->output[0]->name = "ghost";
	variant_msg("graph-output-missing", mp);
	mp = fresh();
	mp->graph->initializer[1]->name = mp->graph->initializer[0]->name;
	variant_msg("duplicate-initializer", mp);
	mp = fresh();
	mp->graph->node[2]->op_type = "";
	variant_msg("no-op-type", mp);
	mp = fresh();
	mp->graph->node[2]->domain = "com.unknown";
	variant_msg("unknown-domain", mp);
	mp = fresh();
	mp->graph = NULL;
	variant_msg("no-graph", mp);
	mp = fresh();
	mp->n_opset_import = 0;
	variant_msg("no-opset", mp);
	mp = fresh();
	mp->graph->node[2]->attribute[0]->type = 99;
	variant_msg("attribute-type-unknown", mp);
	mp = fresh();
	mp->graph->node[3]->attribute[0]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	variant_msg("attribute-tensor-missing", mp);
	mp = fresh();
	mp->graph->node[3]->attribute[0]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	variant_msg("attribute-graph-missing", mp);
	mp = fresh();
	mp->graph->node[3]->attribute[0]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	mp->graph->node[3]->attribute[0]->t = mp->graph->initializer[0];
	set_dims(mp->graph->initializer[0], 2, (int64_t[]){ 1LL << 40, 1LL << 40 });
	variant_msg("attribute-tensor-absurd", mp);

	/* Names that are not UTF-8: must not break the JSON report. */
	mp = fresh();
	mp->graph->node[0]->name = "conv\xff\xfe";
	mp->graph->node[1]->op_type = "Re\xc3";
	mp->graph->input[0]->type->tensor_type->shape->dim[0]->dim_param = "b\x80";
	{
		size_t len = protobuf_c_message_get_packed_size(&mp->base);
		uint8_t *buf = malloc(len + 1);

		protobuf_c_message_pack(&mp->base, buf);
		variant("not-utf8-names", buf, len, false);
		free(buf);
	}

	/* Nesting. */
	mp = fresh();
	mp->graph->node[1]->n_attribute = 1;
	mp->graph->node[1]->attribute = calloc(1, sizeof(void *));
	mp->graph->node[1]->attribute[0] = calloc(1, sizeof(Onnx__AttributeProto));
	onnx__attribute_proto__init(mp->graph->node[1]->attribute[0]);
	mp->graph->node[1]->attribute[0]->name = "then_branch";
	mp->graph->node[1]->attribute[0]->has_type = 1;
	mp->graph->node[1]->attribute[0]->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	mp->graph->node[1]->attribute[0]->g = nested_graph(40);
	variant_msg("subgraphs-too-deep", mp);
	mp = fresh();
	Onnx__TypeProto *tp = NULL;
	for (int i = 0; i < 3000; i++) {
		Onnx__TypeProto *outer = calloc(1, sizeof *outer);
		Onnx__TypeProto__Sequence *seq = calloc(1, sizeof *seq);

		onnx__type_proto__init(outer);
		onnx__type_proto__sequence__init(seq);
		seq->elem_type = tp;
		outer->value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE;
		outer->sequence_type = seq;
		tp = outer;
	}
	mp->graph->input[0]->type = tp;
	variant_msg("types-too-deep", mp);

	/* External data. */
	external("external-escape-dotdot", "../weights.bin", "0", "72");
	external("external-escape-absolute", "/etc/passwd", "0", "72");
	external("external-escape-nested", "sub/../../weights.bin", "0", "72");
	external("external-beyond-eof", "weights.bin", "4096", "72");
	external("external-length-beyond-eof", "weights.bin", "64", "72");
	external("external-length-mismatch", "weights.bin", "0", "64");
	external("external-length-huge", "weights.bin", "0", "18446744073709551615");
	external("external-offset-negative", "weights.bin", "-8", "72");
	external("external-offset-garbage", "weights.bin", "12abc", "72");
	external("external-missing-file", "nothere.bin", "0", "72");
	external("external-no-location", NULL, "0", "72");
	external("external-directory", "subdir", "0", "72");
}

static void
put_varint(uint8_t *p, size_t *n, uint64_t v)
{
	do {
		p[(*n)++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static uint32_t lcg_state = 12345;

static uint32_t
lcg(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return lcg_state >> 8;
}

static void
byte_level(void)
{
	uint8_t *buf = malloc(base_len + 64);
	char name[64];

	/* Truncations, spread over the whole file (0 = empty file). */
	for (int i = 0; i < 60; i++) {
		size_t at = (size_t)i * base_len / 60;

		snprintf(name, sizeof name, "truncated-at-%zu", at);
		variant(name, base_bytes, at, true);
	}
	/* A length-delimited graph field whose length is absurd, before or after the real data. */
	static const uint64_t huge[] = { 1ULL << 31, 1ULL << 32, (1ULL << 63) + 5, UINT64_MAX, 1u << 30 };
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		for (int where = 0; where < 2; where++) {
			size_t n = 0;

			if (where == 1) {
				memcpy(buf, base_bytes, base_len);
				n = base_len;
			}
			buf[n++] = (7 << 3) | 2;
			put_varint(buf, &n, huge[i]);
			buf[n++] = 0;
			snprintf(name, sizeof name, "huge-length-%zu-%s", i, where ? "end" : "start");
			variant(name, buf, n, true);
		}
	}
	/* An unterminated varint, a group wire type, field number 0. */
	static const uint8_t bad1[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t bad2[] = { 0x0b, 0x0c };
	static const uint8_t bad3[] = { 0x02, 0x00 };
	variant("varint-unterminated", bad1, sizeof bad1, true);
	variant("group-wire-type", bad2, sizeof bad2, true);
	variant("field-zero", bad3, sizeof bad3, true);
	variant("text", "this is not a model\n", 20, true);
	for (size_t i = 0; i < 512; i++)
		buf[i] = (uint8_t)lcg();
	variant("random-bytes", buf, 512, true);
	/* Flipped bytes: these may still be valid models, but must never crash. */
	for (int i = 0; i < 50; i++) {
		size_t at = lcg() % base_len;

		memcpy(buf, base_bytes, base_len);
		buf[at] ^= (uint8_t)(1u << (lcg() % 8)) | (i % 2 ? 0xf0 : 0);
		snprintf(name, sizeof name, "flipped-%zu", at);
		variant(name, buf, base_len, false);
	}
	free(buf);
}

int
main(int argc, char **argv)
{
	struct ladder_err err = { 0 };
	struct ladder_model *m;
	char path[1024];

	if (argc != 3 || (strcmp(argv[1], "base") != 0 && strcmp(argv[1], "hostile") != 0)) {
		fprintf(stderr, "usage: onnx-fixtures base FILE | hostile DIR\n");
		return 2;
	}
	m = base_model();
	if (strcmp(argv[1], "base") == 0) {
		if (ladder_model_save(m, argv[2], &err) != 0)
			die(err.msg);
		return 0;
	}
	outdir = argv[2];
	mkdir(outdir, 0755);
	snprintf(path, sizeof path, "%s/subdir", outdir);
	mkdir(path, 0755);
	if (ladder_model_serialize(m, &base_bytes, &base_len, &err) != 0)
		die(err.msg);
	snprintf(path, sizeof path, "%s/base.onnx", outdir);
	write_file(path, base_bytes, base_len);
	/* 72 bytes: the size of conv1.weight, which the external variants point at. */
	static float weights[18];
	snprintf(path, sizeof path, "%s/weights.bin", outdir);
	write_file(path, weights, sizeof weights);
	snprintf(path, sizeof path, "%s/must-fail.list", outdir);
	must_fail = fopen(path, "w");
	snprintf(path, sizeof path, "%s/may-fail.list", outdir);
	may_fail = fopen(path, "w");
	if (must_fail == NULL || may_fail == NULL)
		die("cannot write the lists");
	structural();
	byte_level();
	fclose(must_fail);
	fclose(may_fail);
	ladder_model_free(m);
	return 0;
}
