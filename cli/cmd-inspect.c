/*
 * cmd-inspect.c: `ladder inspect MODEL [--json]`: versions, producer, inputs
 * and outputs, op histogram, params, MACs, weights and validity problems.
 * The JSON object (schema "ladder.inspect/1") is documented in ladder-inspect(1).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define INSPECT_SCHEMA "ladder.inspect/1"

struct op_count {
	char *key;		/* "Conv", or "domain:Op" outside the default domain */
	size_t count;
};

struct inspect {
	const struct ladder_model *m;
	struct ladder_model_stats stats;
	struct op_count *ops;
	size_t n_ops;
	size_t n_nodes;
	char **problems;
	size_t n_problems;
};

static void
count_op(struct inspect *in, const struct ladder_node *n)
{
	char key[256];
	bool def = n->domain[0] == '\0' || strcmp(n->domain, "ai.onnx") == 0;

	snprintf(key, sizeof key, "%s%s%s", def ? "" : n->domain, def ? "" : ":", n->op_type);
	in->n_nodes++;
	for (size_t i = 0; i < in->n_ops; i++) {
		if (strcmp(in->ops[i].key, key) == 0) {
			in->ops[i].count++;
			return;
		}
	}
	in->ops = xrealloc(in->ops, (in->n_ops + 1) * sizeof *in->ops);
	in->ops[in->n_ops].key = xstrdup(key);
	in->ops[in->n_ops].count = 1;
	in->n_ops++;
}

/* Nodes of subgraphs (If/Loop/Scan bodies) count too. */
static void
count_graph(struct inspect *in, const struct ladder_graph *g, int depth)
{
	if (depth > 64)
		return;
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		count_op(in, n);
		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_GRAPH && a->g != NULL)
				count_graph(in, a->g, depth + 1);
			for (size_t j = 0; a->type == LADDER_ATTR_GRAPHS && j < a->n; j++)
				count_graph(in, a->graphs[j], depth + 1);
		}
	}
}

static int
cmp_op_name(const void *a, const void *b)
{
	return strcmp(((const struct op_count *)a)->key, ((const struct op_count *)b)->key);
}

static int
cmp_op_count(const void *a, const void *b)
{
	const struct op_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

static void
split_problems(struct inspect *in, char *text)
{
	for (char *line = text; line != NULL && *line != '\0';) {
		char *nl = strchr(line, '\n');

		if (nl != NULL)
			*nl = '\0';
		in->problems = xrealloc(in->problems, (in->n_problems + 1) * sizeof *in->problems);
		in->problems[in->n_problems++] = xstrdup(line);
		line = nl != NULL ? nl + 1 : NULL;
	}
}

static void
inspect_release(struct inspect *in)
{
	for (size_t i = 0; i < in->n_ops; i++)
		free(in->ops[i].key);
	free(in->ops);
	for (size_t i = 0; i < in->n_problems; i++)
		free(in->problems[i]);
	free(in->problems);
}

/* Graph inputs that are not initializers (IR < 4 lists weights as inputs). */
static bool
is_real_input(const struct ladder_graph *g, const struct ladder_value_info *v)
{
	return !ladder_graph_is_initializer(g, v->name);
}

static const char *
type_name(const struct ladder_type *t)
{
	return t->kind == LADDER_TYPE_OTHER ? "other" : ladder_dtype_name(t->dtype);
}

static void
format_shape(const struct ladder_type *t, char *out, size_t size)
{
	size_t off = 0;

	if (t->kind != LADDER_TYPE_TENSOR || t->rank < 0) {
		snprintf(out, size, "unknown shape");
		return;
	}
	off += (size_t)snprintf(out, size, "[");
	for (int i = 0; i < t->rank && off < size; i++) {
		const struct ladder_dim *d = &t->dims[i];
		const char *sep = i > 0 ? ", " : "";

		if (d->value >= 0)
			off += (size_t)snprintf(out + off, size - off, "%s%lld", sep, (long long)d->value);
		else if (d->param != NULL && d->param[0] != '\0')
			off += (size_t)snprintf(out + off, size - off, "%s%s", sep, d->param);
		else
			off += (size_t)snprintf(out + off, size - off, "%s?", sep);
	}
	if (off < size)
		snprintf(out + off, size - off, "]");
}

static void
format_bytes(int64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%lld B", (long long)bytes);
	else
		snprintf(out, size, "%.1f %s", v, units[u]);
}

static void
print_values(const struct ladder_graph *g, const struct ladder_value_info *v, size_t n, bool inputs)
{
	char shape[512];

	for (size_t i = 0; i < n; i++) {
		if (inputs && !is_real_input(g, &v[i]))
			continue;
		format_shape(&v[i].type, shape, sizeof shape);
		printf("  %-24s %-9s %s\n", v[i].name, type_name(&v[i].type), shape);
	}
}

static void
print_human(const struct inspect *in, const char *path)
{
	const struct ladder_model *m = in->m;
	char bytes[64];

	printf("model      %s\n", path);
	printf("ir         %lld\n", (long long)m->ir_version);
	printf("opsets    ");
	for (size_t i = 0; i < m->n_opsets; i++)
		printf(" %s %lld%s", m->opsets[i].domain[0] ? m->opsets[i].domain : "ai.onnx",
		    (long long)m->opsets[i].version, i + 1 < m->n_opsets ? "," : "");
	printf("\n");
	printf("producer   %s%s%s\n", m->producer_name ? m->producer_name : "unknown",
	    m->producer_version && m->producer_version[0] ? " " : "",
	    m->producer_version ? m->producer_version : "");
	printf("inputs\n");
	print_values(&m->graph, m->graph.inputs, m->graph.n_inputs, true);
	printf("outputs\n");
	print_values(&m->graph, m->graph.outputs, m->graph.n_outputs, false);
	printf("ops        %zu nodes\n", in->n_nodes);
	for (size_t i = 0; i < in->n_ops; i++)
		printf("  %-24s %zu\n", in->ops[i].key, in->ops[i].count);
	printf("params     %lld\n", (long long)in->stats.params);
	if (in->stats.shapes_complete)
		printf("macs       %lld\n", (long long)in->stats.macs);
	else
		printf("macs       unknown (shapes incomplete)\n");
	format_bytes(in->stats.weight_bytes, bytes, sizeof bytes);
	printf("weights    %s (%lld bytes)\n", bytes, (long long)in->stats.weight_bytes);
	for (int dt = 0; dt < LADDER_DT_COUNT_; dt++) {
		if (in->stats.weight_bytes_by_dtype[dt] == 0)
			continue;
		format_bytes(in->stats.weight_bytes_by_dtype[dt], bytes, sizeof bytes);
		printf("  %-24s %s\n", ladder_dtype_name((enum ladder_dtype)dt), bytes);
	}
	if (in->stats.largest_tensor_bytes > 0) {
		format_bytes(in->stats.largest_tensor_bytes, bytes, sizeof bytes);
		printf("largest    '%s' %s%s\n", in->stats.largest_tensor, bytes,
		    in->stats.shapes_complete ? "" : " (of the tensors with known shapes)");
	} else {
		printf("largest    unknown\n");
	}
	if (in->n_problems == 0)
		printf("problems   none\n");
	else
		printf("problems   %zu\n", in->n_problems);
	for (size_t i = 0; i < in->n_problems; i++)
		printf("  %s\n", in->problems[i]);
}

/* json_string refuses invalid UTF-8; names from a hostile file may be that. */
static json_t *
json_text(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	return j != NULL ? j : json_string("(invalid utf-8)");
}

static json_t *
json_shape(const struct ladder_type *t)
{
	json_t *a;

	if (t->kind != LADDER_TYPE_TENSOR || t->rank < 0)
		return json_null();
	a = json_array();
	for (int i = 0; i < t->rank; i++) {
		const struct ladder_dim *d = &t->dims[i];

		if (d->value >= 0)
			json_array_append_new(a, json_integer(d->value));
		else if (d->param != NULL && d->param[0] != '\0')
			json_array_append_new(a, json_text(d->param));
		else
			json_array_append_new(a, json_null());
	}
	return a;
}

static json_t *
json_values(const struct ladder_graph *g, const struct ladder_value_info *v, size_t n, bool inputs)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		if (inputs && !is_real_input(g, &v[i]))
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "name", json_text(v[i].name));
		json_object_set_new(o, "dtype", json_string(type_name(&v[i].type)));
		json_object_set_new(o, "shape", json_shape(&v[i].type));
		json_array_append_new(a, o);
	}
	return a;
}

static int
print_json(const struct inspect *in, const char *path)
{
	const struct ladder_model *m = in->m;
	json_t *root = json_object(), *a, *o;
	char *text;

	json_object_set_new(root, "schema", json_string(INSPECT_SCHEMA));
	json_object_set_new(root, "file", json_text(path));
	json_object_set_new(root, "ir_version", json_integer(m->ir_version));
	a = json_array();
	for (size_t i = 0; i < m->n_opsets; i++) {
		o = json_object();
		json_object_set_new(o, "domain", json_text(m->opsets[i].domain[0] ? m->opsets[i].domain : "ai.onnx"));
		json_object_set_new(o, "version", json_integer(m->opsets[i].version));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "opsets", a);
	o = json_object();
	json_object_set_new(o, "name", json_text(m->producer_name));
	json_object_set_new(o, "version", json_text(m->producer_version));
	json_object_set_new(root, "producer", o);
	json_object_set_new(root, "inputs", json_values(&m->graph, m->graph.inputs, m->graph.n_inputs, true));
	json_object_set_new(root, "outputs", json_values(&m->graph, m->graph.outputs, m->graph.n_outputs, false));
	json_object_set_new(root, "nodes", json_integer((json_int_t)in->n_nodes));
	o = json_object();
	for (size_t i = 0; i < in->n_ops; i++) {
		json_t *k = json_string(in->ops[i].key);

		if (k != NULL)
			json_object_set_new(o, in->ops[i].key, json_integer((json_int_t)in->ops[i].count));
		json_decref(k);
	}
	json_object_set_new(root, "op_counts", o);
	json_object_set_new(root, "params", json_integer(in->stats.params));
	json_object_set_new(root, "macs", in->stats.shapes_complete ? json_integer(in->stats.macs) : json_null());
	json_object_set_new(root, "flops", in->stats.shapes_complete ? json_integer(in->stats.flops) : json_null());
	json_object_set_new(root, "weight_bytes", json_integer(in->stats.weight_bytes));
	o = json_object();
	for (int dt = 0; dt < LADDER_DT_COUNT_; dt++) {
		if (in->stats.weight_bytes_by_dtype[dt] != 0)
			json_object_set_new(o, ladder_dtype_name((enum ladder_dtype)dt),
			    json_integer(in->stats.weight_bytes_by_dtype[dt]));
	}
	json_object_set_new(root, "weight_bytes_by_dtype", o);
	if (in->stats.largest_tensor_bytes > 0) {
		o = json_object();
		json_object_set_new(o, "name", json_text(in->stats.largest_tensor));
		json_object_set_new(o, "bytes", json_integer(in->stats.largest_tensor_bytes));
		json_object_set_new(root, "largest_tensor", o);
	} else {
		json_object_set_new(root, "largest_tensor", json_null());
	}
	json_object_set_new(root, "shapes_complete", json_boolean(in->stats.shapes_complete));
	a = json_array();
	for (size_t i = 0; i < in->n_problems; i++)
		json_array_append_new(a, json_text(in->problems[i]));
	json_object_set_new(root, "problems", a);
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (text == NULL)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
cmd_inspect_exec(struct cmd_ctx *ctx)
{
	const char *path = ctx->argv[0];
	struct ladder_err err = { 0 };
	struct ladder_model *m;
	struct inspect in = { 0 };
	struct ladder_buf problems;
	int rc = 0;

	if (ladder_model_load(path, &m, &err) != 0)
		return cmd_fail_err(ctx, &err);
	in.m = m;
	ladder_buf_init(&problems);
	if (ladder_model_validate(m, &problems, &err) == LADDER_ENOMEM) {
		rc = cmd_fail_err(ctx, &err);
		goto out;
	}
	split_problems(&in, problems.data);
	/* Weights always count; MACs only where every shape is known. */
	struct ladder_err aerr = { 0 };
	if (ladder_model_analyze(m, &in.stats, &aerr) != 0) {
		in.stats.shapes_complete = false;
		if (ctx->verbosity > 0)
			cmd_info(ctx, "ladder inspect: %s", aerr.msg);
	}
	if (!in.stats.shapes_complete)
		in.stats.macs = in.stats.flops = 0;
	count_graph(&in, &m->graph, 0);
	if (cmd_flag(ctx, "json")) {
		qsort(in.ops, in.n_ops, sizeof *in.ops, cmp_op_name);
		if (print_json(&in, path) != 0)
			rc = cmd_fail(ctx, "cannot format the report of '%s'", path);
	} else {
		qsort(in.ops, in.n_ops, sizeof *in.ops, cmp_op_count);
		print_human(&in, path);
	}
	if (rc == 0 && in.n_problems > 0)
		rc = cmd_fail_err(ctx, &err);
out:
	inspect_release(&in);
	ladder_buf_release(&problems);
	ladder_model_free(m);
	return rc;
}

static const struct cmd_option inspect_options[] = {
	{ "json", 0, NULL, false, "print a JSON object (schema " INSPECT_SCHEMA ")", COMPLETE_NONE, NULL },
	{ 0 },
};

const struct cmd_entry cmd_inspect_entry = {
	.name = "inspect",
	.summary = "show a model's inputs, outputs, operators, size and problems",
	.usage = "[--json] MODEL",
	.options = inspect_options,
	.min_args = 1,
	.max_args = 1,
	.args_complete = COMPLETE_FILE,
	.exec = cmd_inspect_exec,
};
