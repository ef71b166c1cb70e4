/*
 * fuse.c: the graph rewrite a session makes before it schedules: Conv,
 * optionally followed by an Add of another tensor, optionally followed by
 * Relu, Clip (constant bounds) or LeakyRelu, becomes one com.microsoft
 * FusedConv node.  The intermediate tensors must have no other reader and
 * must not be graph outputs, so nothing observable changes; the fused node
 * keeps the Conv's name, so errors still name it.
 *
 * The model is not modified: the session gets its own node array whose
 * unchanged entries are shallow copies of the model's nodes.
 */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "util/banned.h"

static bool
default_domain(const char *d)
{
	return d == NULL || d[0] == '\0' || strcmp(d, "ai.onnx") == 0;
}

static bool
is_op(const struct ladder_node *n, const char *op)
{
	return default_domain(n->domain) && strcmp(n->op_type, op) == 0;
}

static bool
named(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static size_t
count_readers(const struct ladder_graph *g, const char *name, size_t *reader)
{
	size_t cnt = 0;

	for (size_t i = 0; i < g->n_nodes; i++)
		for (size_t k = 0; k < g->nodes[i].n_inputs; k++)
			if (named(g->nodes[i].inputs[k]) && strcmp(g->nodes[i].inputs[k], name) == 0) {
				cnt++;
				*reader = i;
			}
	return cnt;
}

static bool
is_graph_output(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i].name != NULL && strcmp(g->outputs[i].name, name) == 0)
			return true;
	return false;
}

/*
 * The node reading `name` when it is the only reader, comes after node
 * `after` in the file and name is not a graph output; else -1.
 */
static long
sole_reader(const struct ladder_graph *g, const char *name, size_t after)
{
	size_t r = 0;

	if (is_graph_output(g, name) || count_readers(g, name, &r) != 1 || r <= after)
		return -1;
	return (long)r;
}

/* A float32 scalar known before any run: an initializer or a Constant node's value. */
static bool
const_scalar(const struct ladder_graph *g, const char *name, float *out)
{
	const struct ladder_tensor *t = NULL;

	for (size_t i = 0; i < g->n_initializers && t == NULL; i++)
		if (g->initializers[i].name && strcmp(g->initializers[i].name, name) == 0)
			t = &g->initializers[i];
	for (size_t i = 0; i < g->n_nodes && t == NULL; i++) {
		const struct ladder_node *n = &g->nodes[i];

		if (is_op(n, "Constant") && n->n_outputs == 1 && named(n->outputs[0]) &&
		    strcmp(n->outputs[0], name) == 0) {
			const struct ladder_attr *a = ladder_node_attr(n, "value");

			if (a == NULL || a->type != LADDER_ATTR_TENSOR)
				return false;
			t = a->t;
		}
	}
	if (t == NULL || t->dtype != LADDER_DT_FLOAT || ladder_tensor_numel(t) != 1 ||
	    t->data == NULL || t->bytes < sizeof(float))
		return false;
	memcpy(out, t->data, sizeof *out);
	return true;
}

/* The activation node n as FusedConv attributes; false if it cannot be fused. */
static bool
activation_of(const struct ladder_graph *g, const struct ladder_node *n, int opset,
    const char **act, float *params, size_t *n_params)
{
	if (n->n_outputs != 1 || !named(n->outputs[0]))
		return false;
	if (is_op(n, "Relu") && n->n_inputs == 1) {
		*act = "Relu";
		*n_params = 0;
		return true;
	}
	if (is_op(n, "LeakyRelu") && n->n_inputs == 1) {
		const struct ladder_attr *a = ladder_node_attr(n, "alpha");

		*act = "LeakyRelu";
		params[0] = a != NULL && a->type == LADDER_ATTR_FLOAT ? a->f : 0.01f;
		*n_params = 1;
		return true;
	}
	if (is_op(n, "Clip") && n->n_inputs >= 1) {
		float lo = -FLT_MAX, hi = FLT_MAX;

		if (opset < 11) {
			const struct ladder_attr *a = ladder_node_attr(n, "min");
			const struct ladder_attr *b = ladder_node_attr(n, "max");

			if (a != NULL && a->type == LADDER_ATTR_FLOAT)
				lo = a->f;
			if (b != NULL && b->type == LADDER_ATTR_FLOAT)
				hi = b->f;
		} else {
			if (n->n_inputs > 1 && named(n->inputs[1]) && !const_scalar(g, n->inputs[1], &lo))
				return false;
			if (n->n_inputs > 2 && named(n->inputs[2]) && !const_scalar(g, n->inputs[2], &hi))
				return false;
		}
		*act = "Clip";
		params[0] = lo;
		params[1] = hi;
		*n_params = 2;
		return true;
	}
	return false;
}

static char *
arena_strdup(struct ladder_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = ladder_arena_alloc(a, n);

	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

int
exec_fuse(const struct ladder_graph *g, int opset, struct ladder_arena *a,
    struct ladder_node **out, size_t *n_out, struct ladder_err *err)
{
	struct ladder_node *nodes = ladder_arena_alloc(a, (g->n_nodes + 1) * sizeof *nodes);
	bool *gone = calloc(g->n_nodes + 1, sizeof *gone);
	size_t n = 0;

	if (nodes == NULL || gone == NULL) {
		free(gone);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *cv = &g->nodes[i];
		const char *z = NULL, *act = NULL, *last;
		float params[2];
		size_t n_params = 0;
		long r;

		if (gone[i])
			continue;
		nodes[n] = *cv;
		if (!is_op(cv, "Conv") || cv->n_inputs < 2 || cv->n_inputs > 3 || cv->n_outputs != 1 ||
		    !named(cv->outputs[0]) || !named(cv->inputs[0]) || !named(cv->inputs[1])) {
			n++;
			continue;
		}
		last = cv->outputs[0];
		long add = -1, actn = -1;

		r = sole_reader(g, last, i);
		if (r >= 0 && is_op(&g->nodes[r], "Add") && g->nodes[r].n_inputs == 2 &&
		    g->nodes[r].n_outputs == 1 && named(g->nodes[r].outputs[0]) && !gone[r]) {
			const struct ladder_node *ad = &g->nodes[r];
			const char *other = strcmp(ad->inputs[0], last) == 0 ? ad->inputs[1] : ad->inputs[0];

			if (named(other) && strcmp(other, last) != 0) {
				z = other;
				add = r;
				last = ad->outputs[0];
				r = sole_reader(g, last, (size_t)add);
			}
		}
		if (r >= 0 && !gone[r] && activation_of(g, &g->nodes[r], opset, &act, params, &n_params)) {
			actn = r;
			last = g->nodes[r].outputs[0];
		}
		if (add < 0 && actn < 0) {
			n++;
			continue;
		}
		/* The fused node: X, W, B ("" when absent), [Z]; the Conv's attributes plus the activation. */
		struct ladder_node *f = &nodes[n++];
		size_t n_in = z != NULL ? 4 : cv->n_inputs;

		f->domain = "com.microsoft";
		f->op_type = "FusedConv";
		f->n_inputs = n_in;
		f->inputs = ladder_arena_alloc(a, n_in * sizeof *f->inputs);
		f->outputs = ladder_arena_alloc(a, sizeof *f->outputs);
		f->n_attrs = cv->n_attrs + 2;
		f->attrs = ladder_arena_alloc(a, f->n_attrs * sizeof *f->attrs);
		if (f->inputs == NULL || f->outputs == NULL || f->attrs == NULL)
			goto nomem;
		for (size_t k = 0; k < n_in; k++)
			f->inputs[k] = k < cv->n_inputs ? cv->inputs[k] : "";
		if (z != NULL)
			f->inputs[3] = (char *)z;
		f->outputs[0] = (char *)last;
		memcpy(f->attrs, cv->attrs, cv->n_attrs * sizeof *f->attrs);
		struct ladder_attr *aa = &f->attrs[cv->n_attrs], *ap = aa + 1;

		memset(aa, 0, 2 * sizeof *aa);
		aa->name = "activation";
		aa->type = LADDER_ATTR_STRING;
		aa->s.data = (uint8_t *)arena_strdup(a, act != NULL ? act : "Identity");
		if (aa->s.data == NULL)
			goto nomem;
		aa->s.len = strlen((char *)aa->s.data);
		ap->name = "activation_params";
		ap->type = LADDER_ATTR_FLOATS;
		ap->n = n_params;
		ap->floats = ladder_arena_alloc(a, (n_params + 1) * sizeof *ap->floats);
		if (ap->floats == NULL)
			goto nomem;
		memcpy(ap->floats, params, n_params * sizeof *ap->floats);
		if (add >= 0)
			gone[add] = true;
		if (actn >= 0)
			gone[actn] = true;
	}
	free(gone);
	*out = nodes;
	*n_out = n;
	return 0;
nomem:
	free(gone);
	return ladder_errf(err, LADDER_ENOMEM, "out of memory");
}
