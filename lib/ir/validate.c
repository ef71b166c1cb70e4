/*
 * validate.c: structural checks of a model (names, references, cycles,
 * opsets, tensor sizes), collected as lines of text for `ladder inspect`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "util/banned.h"

#define MAX_PROBLEMS 100

struct vctx {
	const struct ladder_model *m;
	struct ladder_buf *out;
	size_t count;
	char first[LADDER_ERR_MAX];
	bool oom;
};

static void problem(struct vctx *v, const char *scope, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct vctx *v, const char *scope, const char *fmt, ...)
{
	char line[LADDER_ERR_MAX];
	size_t off = 0;
	va_list ap;

	if (scope != NULL)
		off = (size_t)snprintf(line, sizeof line, "in subgraph '%s': ", scope);
	if (off >= sizeof line)
		off = sizeof line - 1;
	va_start(ap, fmt);
	vsnprintf(line + off, sizeof line - off, fmt, ap);
	va_end(ap);
	if (v->count == 0)
		snprintf(v->first, sizeof v->first, "%s", line);
	v->count++;
	if (v->out != NULL && v->count <= MAX_PROBLEMS)
		ladder_buf_addf(v->out, "%s\n", line);
}

static const char *
label(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "(unnamed)";
}

static void
check_tensor(struct vctx *v, const char *scope, const struct ladder_tensor *t, const char *what)
{
	int64_t numel = ladder_tensor_numel(t);
	size_t need;

	if ((unsigned)t->dtype >= LADDER_DT_COUNT_ || t->dtype == LADDER_DT_UNDEFINED) {
		problem(v, scope, "%s '%s' has no valid data type", what, label(t->name));
		return;
	}
	if (t->rank < 0 || t->rank > LADDER_MAX_RANK || numel < 0) {
		problem(v, scope, "%s '%s' has a bad shape", what, label(t->name));
		return;
	}
	size_t elem = t->dtype == LADDER_DT_STRING ? sizeof(struct ladder_bytes) : ladder_dtype_size(t->dtype);
	if (!ladder_mul_size((size_t)numel, elem, &need) || need != t->bytes || (need > 0 && t->data == NULL))
		problem(v, scope, "%s '%s' has %lld elements but %zu bytes of data", what, label(t->name),
		    (long long)numel, t->bytes);
}

static bool
domain_imported(const struct ladder_model *m, const char *domain)
{
	if (domain == NULL || domain[0] == '\0' || strcmp(domain, "ai.onnx") == 0)
		return ladder_model_opset(m, "") > 0;
	return ladder_model_opset(m, domain) > 0;
}

struct names_vec {
	size_t n, cap;
	const char **v;
};

static bool
vec_add(struct names_vec *s, const char *name)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		const char **p = realloc(s->v, ncap * sizeof *p);

		if (p == NULL)
			return false;
		s->v = p;
		s->cap = ncap;
	}
	s->v[s->n++] = name;
	return true;
}

static void check_graph(struct vctx *v, const struct ladder_graph *g, const char *scope,
    const char *const *outer, size_t n_outer, int depth);

static void
check_nodes(struct vctx *v, const struct ladder_graph *g, const char *scope, struct ir_names *defined,
    const char *const *outer, size_t n_outer, int depth)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];
		size_t old;

		if (n->op_type == NULL || n->op_type[0] == '\0')
			problem(v, scope, "node '%s' has no op_type", label(n->name));
		else if (!domain_imported(v->m, n->domain))
			problem(v, scope, "node '%s' (%s) uses domain '%s', which the model does not import",
			    label(n->name), n->op_type, n->domain ? n->domain : "");
		for (size_t k = 0; k < n->n_outputs; k++) {
			if (n->outputs[k][0] == '\0')
				continue;
			int rc = ir_names_put(defined, n->outputs[k], i + 1, &old);
			if (rc < 0)
				v->oom = true;
			else if (rc == 0 && old == 0)
				problem(v, scope, "node '%s' (%s) redefines '%s', a graph input or initializer",
				    label(n->name), n->op_type, n->outputs[k]);
		}
		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_TENSOR && a->t == NULL)
				problem(v, scope, "node '%s' attribute '%s' has no tensor", label(n->name), a->name);
			else if (a->type == LADDER_ATTR_TENSOR)
				check_tensor(v, scope, a->t, "attribute tensor");
			if (a->type == LADDER_ATTR_GRAPH && a->g == NULL)
				problem(v, scope, "node '%s' attribute '%s' has no graph", label(n->name), a->name);
		}
	}
	/* Subgraphs see everything of this graph (and what this graph sees). */
	struct names_vec seen = { 0 };
	for (size_t i = 0; i < n_outer; i++)
		v->oom |= !vec_add(&seen, outer[i]);
	for (size_t i = 0; i < g->n_inputs; i++)
		v->oom |= !vec_add(&seen, g->inputs[i].name);
	for (size_t i = 0; i < g->n_initializers; i++)
		v->oom |= !vec_add(&seen, g->initializers[i].name);
	for (size_t i = 0; i < g->n_nodes; i++) {
		for (size_t k = 0; k < g->nodes[i].n_outputs; k++)
			v->oom |= !vec_add(&seen, g->nodes[i].outputs[k]);
	}
	for (size_t i = 0; i < g->n_nodes && !v->oom; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_GRAPH && a->g != NULL)
				check_graph(v, a->g, label(a->g->name), seen.v, seen.n, depth + 1);
			for (size_t j = 0; a->type == LADDER_ATTR_GRAPHS && j < a->n; j++)
				check_graph(v, a->graphs[j], label(a->graphs[j]->name), seen.v, seen.n, depth + 1);
		}
	}
	free(seen.v);
}

static void
check_graph(struct vctx *v, const struct ladder_graph *g, const char *scope,
    const char *const *outer, size_t n_outer, int depth)
{
	struct ladder_err err = { 0 };
	struct ir_names defined;
	size_t *order;

	if (depth > 64) {
		problem(v, scope, "subgraphs nest too deeply");
		return;
	}
	/* defined: value 0 for inputs and initializers, node index + 1 for node outputs. */
	if (ir_names_init(&defined, g->n_inputs + g->n_initializers + g->n_nodes) != 0) {
		v->oom = true;
		return;
	}
	for (size_t i = 0; i < g->n_initializers; i++) {
		const struct ladder_tensor *t = &g->initializers[i];

		if (t->name[0] == '\0')
			problem(v, scope, "an initializer has no name");
		else if (ir_names_put(&defined, t->name, 0, NULL) == 0)
			problem(v, scope, "initializer '%s' is defined twice", t->name);
		check_tensor(v, scope, t, "initializer");
	}
	for (size_t i = 0; i < g->n_inputs; i++) {
		const char *name = g->inputs[i].name;

		if (name[0] == '\0')
			problem(v, scope, "a graph input has no name");
		else if (ir_names_put(&defined, name, 0, NULL) == 0 && !ladder_graph_is_initializer(g, name))
			problem(v, scope, "graph input '%s' is declared twice", name);
	}
	check_nodes(v, g, scope, &defined, outer, n_outer, depth);
	if ((order = malloc((g->n_nodes + 1) * sizeof *order)) == NULL) {
		v->oom = true;
	} else if (ladder_graph_topo_order(g, order, outer, n_outer, &err) != 0) {
		if (err.code == LADDER_ENOMEM)
			v->oom = true;
		else
			problem(v, scope, "%s", err.msg);
	}
	free(order);
	for (size_t i = 0; i < g->n_outputs; i++) {
		const char *name = g->outputs[i].name;
		bool found = ir_names_get(&defined, name, NULL);

		for (size_t k = 0; !found && k < n_outer; k++)
			found = strcmp(outer[k], name) == 0;
		if (name[0] == '\0')
			problem(v, scope, "a graph output has no name");
		else if (!found)
			problem(v, scope, "graph output '%s' is not produced by any node, input or initializer",
			    name);
	}
	for (size_t i = 0; i < g->n_outputs; i++) {
		for (size_t k = 0; k < i; k++) {
			if (g->outputs[i].name[0] != '\0' && strcmp(g->outputs[i].name, g->outputs[k].name) == 0) {
				problem(v, scope, "graph output '%s' is declared twice", g->outputs[i].name);
				break;
			}
		}
		if (i > 1000)
			break;
	}
	ir_names_release(&defined);
}

int
ladder_model_validate(const struct ladder_model *m, struct ladder_buf *problems,
    struct ladder_err *err)
{
	struct vctx v = { .m = m, .out = problems };
	bool uses_default = false;

	if (m->ir_version <= 0)
		problem(&v, NULL, "model has no IR version");
	for (size_t i = 0; i < m->graph.n_nodes; i++) {
		const char *d = m->graph.nodes[i].domain;

		uses_default |= d == NULL || d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
	}
	if (uses_default && ladder_model_opset(m, "") <= 0)
		problem(&v, NULL, "model does not import the default ONNX opset");
	check_graph(&v, &m->graph, NULL, NULL, 0, 0);
	if (v.oom)
		return ladder_errf(err, LADDER_ENOMEM, "cannot validate '%s': out of memory",
		    m->path ? m->path : "model");
	if (problems != NULL && v.count > MAX_PROBLEMS)
		ladder_buf_addf(problems, "(%zu more problems)\n", v.count - MAX_PROBLEMS);
	if (v.count == 0)
		return 0;
	if (v.count == 1)
		return ladder_errf(err, LADDER_EFORMAT, "'%s' is not a valid model: %s",
		    m->path ? m->path : "model", v.first);
	return ladder_errf(err, LADDER_EFORMAT, "'%s' is not a valid model: %s (and %zu more problems)",
	    m->path ? m->path : "model", v.first, v.count - 1);
}
