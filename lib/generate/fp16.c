/*
 * fp16.c: the fp16 recipe.  Weights and compute in float16; graph inputs and
 * outputs stay float32 with Casts at the boundary; ops in the keep list stay
 * float32 with Casts around them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "ops/op.h"
#include "util/banned.h"

/* Ops that read any float type as is (no Cast needed in front of them). */
static bool
reads_any_float(const char *op)
{
	static const char *const any[] = { "Cast", "Shape", "Size", "CastLike", NULL };

	for (int i = 0; any[i]; i++)
		if (strcmp(op, any[i]) == 0)
			return true;
	return false;
}

/* Inputs the ONNX spec types as float32 only. */
static bool
float32_only_input(const char *op, size_t k)
{
	return (strcmp(op, "Resize") == 0 && k == 2) || (strcmp(op, "Upsample") == 0 && k == 1);
}

static bool
in_list(const char *list, const char *op)
{
	size_t n = strlen(op);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, op, n) == 0)
			return true;
		p += len;
		p += *p == ',';
	}
	return false;
}

static int
tensor_to_fp16(struct ladder_model *m, struct ladder_tensor *t)
{
	int64_t n = ladder_tensor_numel(t);
	uint16_t *h;
	const float *f = t->data;

	if (n < 0)
		return LADDER_EFORMAT;
	h = ladder_arena_alloc(m->arena, (size_t)n * 2);
	if (h == NULL)
		return LADDER_ENOMEM;
	for (int64_t i = 0; i < n; i++)
		h[i] = op_float_to_half(f[i]);
	t->data = h;
	t->bytes = (size_t)n * 2;
	t->dtype = LADDER_DT_FLOAT16;
	t->external_location = NULL;
	return 0;
}

struct fp16_state {
	struct ladder_model *m;
	struct ladder_graph *g;
	struct gen_map orig;	/* original dtype of each value */
	struct gen_map now;	/* dtype after conversion */
	struct gen_map casts;	/* "value\x01dtype" -> index into cast_names */
	char **cast_names;
	size_t n_casts;
};

/* The name of `value` converted to dtype `to`, adding a Cast node once. */
static char *
cast_of(struct fp16_state *s, const char *value, int to, struct ladder_err *err)
{
	char key[600], base[600];
	int64_t idx;

	snprintf(key, sizeof key, "%s\x01%d", value, to);
	if (gen_map_get(&s->casts, key, &idx))
		return s->cast_names[idx];
	snprintf(base, sizeof base, "%s_%s", value, to == LADDER_DT_FLOAT16 ? "fp16" : "fp32");
	char *out = gen_unique_name(s->m, s->g, base);
	char *kcopy = ladder_arena_strdup(s->m->arena, key);
	char **names = realloc(s->cast_names, (s->n_casts + 1) * sizeof *names);
	if (out == NULL || kcopy == NULL || names == NULL) {
		ladder_errf(err, LADDER_ENOMEM, "out of memory converting to fp16");
		return NULL;
	}
	s->cast_names = names;
	const char *in[1] = { value }, *outs[1] = { out };
	struct ladder_node *n = ladder_graph_add_node(s->m, s->g, "Cast", out, 1, in, 1, outs);
	if (n == NULL || ladder_node_set_int(s->m, n, "to", to) != 0) {
		ladder_errf(err, LADDER_ENOMEM, "out of memory converting to fp16");
		return NULL;
	}
	s->cast_names[s->n_casts] = out;
	gen_map_put(&s->casts, kcopy, (int64_t)s->n_casts++);
	gen_map_put(&s->now, out, to);
	gen_map_put(&s->orig, out, LADDER_DT_FLOAT);
	return out;
}

int
ladder_transform_fp16(struct ladder_model *m, const char *keep_ops, struct ladder_err *err)
{
	struct fp16_state s = { .m = m, .g = &m->graph };
	struct ladder_graph *g = &m->graph;
	size_t n_orig;
	bool *converted = NULL;
	int rc;

	gen_map_init(&s.orig);
	gen_map_init(&s.now);
	gen_map_init(&s.casts);
	rc = gen_toposort(g, err);
	if (rc == 0)
		rc = gen_value_dtypes(m, g, &s.orig, err);
	if (rc != 0)
		goto out;
	n_orig = g->n_nodes;
	converted = calloc(n_orig ? n_orig : 1, sizeof *converted);
	if (converted == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory converting to fp16");
		goto out;
	}

	/* 1. Which nodes compute in fp16, and the dtype of their float outputs. */
	for (size_t i = 0; i < g->n_inputs; i++)
		gen_map_put(&s.now, g->inputs[i].name, g->inputs[i].type.dtype);
	for (size_t i = 0; i < n_orig; i++) {
		struct ladder_node *n = &g->nodes[i];
		const struct ladder_attr *to;

		converted[i] = !in_list(keep_ops, n->op_type);
		if (converted[i] && strcmp(n->op_type, "Cast") == 0 &&
		    (to = ladder_node_attr(n, "to")) != NULL && to->i == LADDER_DT_FLOAT)
			((struct ladder_attr *)to)->i = LADDER_DT_FLOAT16;
		if (converted[i] && (strcmp(n->op_type, "Constant") == 0 ||
		    strcmp(n->op_type, "ConstantOfShape") == 0)) {
			struct ladder_attr *v = (struct ladder_attr *)ladder_node_attr(n, "value");
			if (v && v->t && v->t->dtype == LADDER_DT_FLOAT &&
			    (rc = tensor_to_fp16(m, v->t)) != 0) {
				ladder_errf(err, rc, "cannot convert constant of node '%s'", n->name);
				goto out;
			}
		}
		for (size_t k = 0; k < n->n_outputs; k++) {
			int64_t d = LADDER_DT_UNDEFINED;

			if (!n->outputs[k][0])
				continue;
			gen_map_get(&s.orig, n->outputs[k], &d);
			if (d == LADDER_DT_FLOAT && converted[i])
				d = LADDER_DT_FLOAT16;
			gen_map_put(&s.now, n->outputs[k], d);
		}
	}

	/* 2. Graph outputs stay float32: the producer writes NAME_fp16, a Cast makes NAME. */
	for (size_t i = 0; i < g->n_outputs; i++) {
		const char *name = g->outputs[i].name;
		int64_t d = LADDER_DT_UNDEFINED;
		long p;

		gen_map_get(&s.now, name, &d);
		if (d != LADDER_DT_FLOAT16 || (p = gen_producer(g, name)) < 0)
			continue;
		char base[600];
		snprintf(base, sizeof base, "%s_fp16", name);
		char *inner = gen_unique_name(m, g, base);
		struct ladder_node *prod = &g->nodes[p];
		for (size_t k = 0; k < prod->n_outputs; k++)
			if (strcmp(prod->outputs[k], name) == 0)
				prod->outputs[k] = inner;
		gen_rename_uses(g, name, inner, -1);
		gen_map_put(&s.now, inner, LADDER_DT_FLOAT16);
		gen_map_put(&s.orig, inner, LADDER_DT_FLOAT);
		const char *in[1] = { inner }, *outs[1] = { name };
		struct ladder_node *c = ladder_graph_add_node(m, g, "Cast", inner, 1, in, 1, outs);
		if (c == NULL || ladder_node_set_int(m, c, "to", LADDER_DT_FLOAT) != 0) {
			rc = ladder_errf(err, LADDER_ENOMEM, "out of memory converting to fp16");
			goto out;
		}
		gen_map_put(&s.now, name, LADDER_DT_FLOAT);
	}

	/* 3. Float initializers: fp16 when every reader wants fp16, else a converted copy. */
	for (size_t i = 0; i < g->n_initializers; i++) {
		struct ladder_tensor *t = &g->initializers[i];
		size_t want16 = 0, want32 = 0;

		if (t->dtype != LADDER_DT_FLOAT)
			continue;
		for (size_t j = 0; j < n_orig; j++) {
			const struct ladder_node *n = &g->nodes[j];
			for (size_t k = 0; k < n->n_inputs; k++) {
				if (strcmp(n->inputs[k], t->name) != 0 || reads_any_float(n->op_type))
					continue;
				if (converted[j] && !float32_only_input(n->op_type, k))
					want16++;
				else
					want32++;
			}
		}
		for (size_t j = 0; j < g->n_outputs; j++)
			want32 += strcmp(g->outputs[j].name, t->name) == 0;
		if (want16 > 0 && want32 == 0) {
			if ((rc = tensor_to_fp16(m, t)) != 0) {
				ladder_errf(err, rc, "cannot convert initializer '%s' to fp16", t->name);
				goto out;
			}
			gen_map_put(&s.now, t->name, LADDER_DT_FLOAT16);
		} else {
			gen_map_put(&s.now, t->name, LADDER_DT_FLOAT);
		}
	}

	/* 4. Casts wherever a reader wants another float type than the value has. */
	for (size_t j = 0; j < n_orig; j++) {
		for (size_t k = 0; k < g->nodes[j].n_inputs; k++) {
			struct ladder_node *n = &g->nodes[j];
			int64_t have = LADDER_DT_UNDEFINED, orig = LADDER_DT_UNDEFINED;
			int want;

			if (!n->inputs[k][0] || reads_any_float(n->op_type))
				continue;
			gen_map_get(&s.orig, n->inputs[k], &orig);
			gen_map_get(&s.now, n->inputs[k], &have);
			if (orig != LADDER_DT_FLOAT && have != LADDER_DT_FLOAT16)
				continue;
			want = converted[j] && !float32_only_input(n->op_type, k) ?
			    LADDER_DT_FLOAT16 : LADDER_DT_FLOAT;
			if (have == want)
				continue;
			char *c = cast_of(&s, n->inputs[k], want, err);
			if (c == NULL) {
				rc = LADDER_ENOMEM;
				goto out;
			}
			g->nodes[j].inputs[k] = c;	/* re-index: add_node may move nodes */
		}
	}
	gen_clear_value_infos(g);
	rc = gen_toposort(g, err);
out:
	free(converted);
	free(s.cast_names);
	gen_map_release(&s.orig);
	gen_map_release(&s.now);
	gen_map_release(&s.casts);
	return rc;
}
