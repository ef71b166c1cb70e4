/*
 * fuse.c: the graph rewrite a session makes before it schedules: Conv,
 * optionally followed by an Add of another tensor, optionally followed by
 * Relu, Clip (constant bounds) or LeakyRelu, becomes one com.microsoft
 * FusedConv node; a BatchNormalization right after the Conv is folded into
 * its weights and bias first.  The intermediate tensors must have no other reader and
 * must not be graph outputs, so nothing observable changes; the fused node
 * keeps the Conv's name, so errors still name it.
 *
 * Where the CPU has an 8-bit kernel, a Conv whose input and weights come
 * from DequantizeLinear (the QDQ form that `ladder generate` and most
 * quantizers write) becomes a QConv (qdqconv.c) that reads the 8-bit
 * tensors directly; DequantizeLinear nodes read by nothing else go.
 *
 * The model is not modified: the session gets its own node array whose
 * unchanged entries are shallow copies of the model's nodes.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
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

/* The initializer called name, or NULL. */
static const struct ladder_tensor *
initializer(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; named(name) && i < g->n_initializers; i++)
		if (g->initializers[i].name && strcmp(g->initializers[i].name, name) == 0)
			return &g->initializers[i];
	return NULL;
}

/* The node producing name, or -1. */
static long
producer(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; named(name) && i < g->n_nodes; i++)
		for (size_t k = 0; k < g->nodes[i].n_outputs; k++)
			if (named(g->nodes[i].outputs[k]) && strcmp(g->nodes[i].outputs[k], name) == 0)
				return (long)i;
	return -1;
}

/* name is read once (by the node being fused) and is not a graph output. */
static bool
read_once(const struct ladder_graph *g, const char *name)
{
	size_t r;

	return !is_graph_output(g, name) && count_readers(g, name, &r) == 1;
}

static bool
init_of(const struct ladder_graph *g, const char *name, enum ladder_dtype dt, int64_t numel)
{
	const struct ladder_tensor *t = initializer(g, name);

	return t != NULL && t->dtype == dt && t->data != NULL &&
	    (numel < 0 || ladder_tensor_numel(t) == numel);
}

/*
 * The QDQ pattern of an 8-bit convolution: X = DequantizeLinear(x_q: uint8,
 * scalar scale and zero point), W = DequantizeLinear(constant int8 weights,
 * zero point 0, one scale or one per output channel on axis 0).  Gives the
 * two DequantizeLinear nodes.
 */
static bool
qdq_conv(const struct ladder_graph *g, const struct ladder_node *cv, long *dqx, long *dqw)
{
	const struct ladder_node *x, *w;
	const struct ladder_tensor *wq;

	*dqx = producer(g, cv->inputs[0]);
	*dqw = producer(g, cv->inputs[1]);
	if (*dqx < 0 || *dqw < 0)
		return false;
	x = &g->nodes[*dqx];
	w = &g->nodes[*dqw];
	if (!is_op(x, "DequantizeLinear") || !is_op(w, "DequantizeLinear") || x->n_inputs < 2 ||
	    w->n_inputs < 2 || x->n_inputs > 3 || w->n_inputs > 3)
		return false;
	if (!init_of(g, x->inputs[1], LADDER_DT_FLOAT, 1) ||
	    (x->n_inputs == 3 && named(x->inputs[2]) && !init_of(g, x->inputs[2], LADDER_DT_UINT8, 1)))
		return false;
	if (x->n_inputs < 3 || !named(x->inputs[2]))
		return false;	/* without a zero point x_q would be uint8 too, but keep it explicit */
	wq = initializer(g, w->inputs[0]);
	if (wq == NULL || wq->dtype != LADDER_DT_INT8 || wq->rank < 3 || wq->data == NULL)
		return false;
	/* Fewer than 4 input channels (a first layer on raw pixels): the float path is faster. */
	if (wq->dims[1] < 4)
		return false;
	const struct ladder_tensor *ws = initializer(g, w->inputs[1]);

	if (ws == NULL || ws->dtype != LADDER_DT_FLOAT ||
	    (ladder_tensor_numel(ws) != 1 && ladder_tensor_numel(ws) != wq->dims[0]))
		return false;
	if (ladder_tensor_numel(ws) != 1) {
		const struct ladder_attr *ax = ladder_node_attr(w, "axis");

		if (ax == NULL || ax->type != LADDER_ATTR_INT || ax->i != 0)
			return false;
	}
	if (w->n_inputs == 3 && named(w->inputs[2])) {
		const struct ladder_tensor *wz = initializer(g, w->inputs[2]);

		if (wz == NULL || wz->dtype != LADDER_DT_INT8 || wz->data == NULL)
			return false;
		for (int64_t i = 0; i < ladder_tensor_numel(wz); i++)
			if (((const int8_t *)wz->data)[i] != 0)
				return false;
	}
	return true;
}

struct fuse_plan {
	bool fuse;
	bool quant;		/* QConv */
	long dqx, dqw;		/* the DequantizeLinear nodes (quant) */
	const char *z, *act, *last;
	float params[2];
	size_t n_params;
	const char *w, *b;	/* BatchNormalization folded in: the new weights and bias */
};

static int
emit(const struct ladder_graph *g, const struct ladder_node *cv, const struct fuse_plan *fp,
    struct ladder_arena *a, struct ladder_node *f)
{
	size_t n_in;

	*f = *cv;
	if (fp->quant) {
		const struct ladder_node *x = &g->nodes[fp->dqx], *w = &g->nodes[fp->dqw];

		n_in = 7;
		f->domain = "ladder";
		f->op_type = "QConv";
		f->inputs = ladder_arena_alloc(a, n_in * sizeof *f->inputs);
		if (f->inputs == NULL)
			return -1;
		f->inputs[0] = x->inputs[0];
		f->inputs[1] = x->inputs[1];
		f->inputs[2] = x->n_inputs > 2 ? x->inputs[2] : "";
		f->inputs[3] = w->inputs[0];
		f->inputs[4] = w->inputs[1];
		f->inputs[5] = w->n_inputs > 2 ? w->inputs[2] : "";
		f->inputs[6] = cv->n_inputs > 2 ? cv->inputs[2] : "";
	} else {
		n_in = fp->z != NULL ? 4 : fp->w != NULL ? 3 : cv->n_inputs;
		f->domain = "com.microsoft";
		f->op_type = "FusedConv";
		f->inputs = ladder_arena_alloc(a, n_in * sizeof *f->inputs);
		if (f->inputs == NULL)
			return -1;
		for (size_t k = 0; k < n_in; k++)
			f->inputs[k] = k < cv->n_inputs ? cv->inputs[k] : "";
		if (fp->w != NULL) {
			if (n_in < 3)
				n_in = 3;
			f->inputs[1] = (char *)fp->w;
			f->inputs[2] = (char *)fp->b;
		}
		if (fp->z != NULL)
			f->inputs[3] = (char *)fp->z;
	}
	f->n_inputs = n_in;
	f->outputs = ladder_arena_alloc(a, sizeof *f->outputs);
	f->n_attrs = cv->n_attrs + 2;
	f->attrs = ladder_arena_alloc(a, f->n_attrs * sizeof *f->attrs);
	if (f->outputs == NULL || f->attrs == NULL)
		return -1;
	f->outputs[0] = (char *)fp->last;
	memcpy(f->attrs, cv->attrs, cv->n_attrs * sizeof *f->attrs);
	struct ladder_attr *aa = &f->attrs[cv->n_attrs], *ap = aa + 1;

	memset(aa, 0, 2 * sizeof *aa);
	aa->name = "activation";
	aa->type = LADDER_ATTR_STRING;
	aa->s.data = (uint8_t *)arena_strdup(a, fp->act != NULL ? fp->act : "Identity");
	if (aa->s.data == NULL)
		return -1;
	aa->s.len = strlen((char *)aa->s.data);
	ap->name = "activation_params";
	ap->type = LADDER_ATTR_FLOATS;
	ap->n = fp->n_params;
	ap->floats = ladder_arena_alloc(a, (fp->n_params + 1) * sizeof *ap->floats);
	if (ap->floats == NULL)
		return -1;
	memcpy(ap->floats, fp->params, fp->n_params * sizeof *ap->floats);
	return 0;
}

/*
 * Conv -> BatchNormalization (inference) with constant float32 weights and
 * statistics: the Conv with W' = W * s, B' = (B - mean) * s + beta, where
 * s = gamma / sqrt(var + epsilon), computed in double.  The two new tensors
 * are appended to inits (named after the BatchNormalization's output).
 */
static int
fold_bn(const struct ladder_graph *g, const struct ladder_node *cv, const struct ladder_node *bn,
    struct ladder_arena *a, struct ladder_tensor *inits, size_t *n_inits, struct fuse_plan *fp)
{
	const struct ladder_tensor *w = initializer(g, cv->inputs[1]);
	const struct ladder_tensor *b = cv->n_inputs > 2 && named(cv->inputs[2]) ?
	    initializer(g, cv->inputs[2]) : NULL;
	const struct ladder_tensor *p[4];
	const struct ladder_attr *tm = ladder_node_attr(bn, "training_mode");
	const struct ladder_attr *ea = ladder_node_attr(bn, "epsilon");
	const struct ladder_attr *sp = ladder_node_attr(bn, "spatial");
	double eps = ea != NULL && ea->type == LADDER_ATTR_FLOAT ? ea->f : 1e-5;

	if (bn->n_inputs != 5 || bn->n_outputs < 1 || !named(bn->outputs[0]) ||
	    strcmp(bn->inputs[0], cv->outputs[0]) != 0 || (tm != NULL && tm->i != 0) ||
	    (sp != NULL && sp->type == LADDER_ATTR_INT && sp->i == 0))
		return 0;
	for (size_t k = 1; k < bn->n_outputs; k++)
		if (named(bn->outputs[k]))
			return 0;
	if (w == NULL || w->dtype != LADDER_DT_FLOAT || w->rank < 3 || w->data == NULL ||
	    (cv->n_inputs > 2 && named(cv->inputs[2]) &&
	    (b == NULL || b->dtype != LADDER_DT_FLOAT || ladder_tensor_numel(b) != w->dims[0])))
		return 0;
	int64_t m = w->dims[0], per = ladder_tensor_numel(w) / (m > 0 ? m : 1);

	for (int k = 0; k < 4; k++) {
		p[k] = initializer(g, bn->inputs[k + 1]);
		if (p[k] == NULL || p[k]->dtype != LADDER_DT_FLOAT || ladder_tensor_numel(p[k]) != m ||
		    p[k]->data == NULL)
			return 0;
	}
	struct ladder_tensor *nw = &inits[(*n_inits)++], *nb = &inits[(*n_inits)++];
	size_t len = strlen(bn->outputs[0]) + 16;
	char *wn = ladder_arena_alloc(a, len), *bname = ladder_arena_alloc(a, len);
	float *wd = ladder_arena_alloc(a, (size_t)(m * per) * sizeof *wd);
	float *bd = ladder_arena_alloc(a, (size_t)m * sizeof *bd);

	if (wn == NULL || bname == NULL || wd == NULL || bd == NULL)
		return -1;
	snprintf(wn, len, "ladder.fold:%s:w", bn->outputs[0]);
	snprintf(bname, len, "ladder.fold:%s:b", bn->outputs[0]);
	const float *gamma = p[0]->data, *beta = p[1]->data, *mean = p[2]->data, *var = p[3]->data;
	const float *wv = w->data, *bv = b != NULL ? b->data : NULL;

	for (int64_t i = 0; i < m; i++) {
		double sc = gamma[i] / sqrt((double)var[i] + eps);

		for (int64_t j = 0; j < per; j++)
			wd[i * per + j] = (float)(wv[i * per + j] * sc);
		bd[i] = (float)(((bv != NULL ? bv[i] : 0.0) - mean[i]) * sc + beta[i]);
	}
	*nw = *w;
	nw->name = wn;
	nw->data = wd;
	nw->bytes = (size_t)(m * per) * sizeof *wd;
	nw->external_location = NULL;
	memset(nb, 0, sizeof *nb);
	nb->name = bname;
	nb->dtype = LADDER_DT_FLOAT;
	nb->rank = 1;
	nb->dims[0] = m;
	nb->data = bd;
	nb->bytes = (size_t)m * sizeof *bd;
	fp->w = wn;
	fp->b = bname;
	fp->last = bn->outputs[0];
	return 1;
}

int
exec_fuse(const struct ladder_graph *g, int opset, bool quant, struct ladder_arena *a,
    struct ladder_node **out, size_t *n_out, struct ladder_tensor **inits_out, size_t *n_inits,
    struct ladder_err *err)
{
	struct ladder_node *nodes = ladder_arena_alloc(a, (g->n_nodes + 1) * sizeof *nodes);
	/* At most two new tensors per Conv, for BatchNormalization folding. */
	struct ladder_tensor *inits = ladder_arena_alloc(a, (2 * g->n_nodes + 1) * sizeof *inits);

	*n_inits = 0;
	*inits_out = inits;
	if (inits == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	bool *gone = calloc(g->n_nodes + 1, sizeof *gone);
	struct fuse_plan *plan = calloc(g->n_nodes + 1, sizeof *plan);
	size_t n = 0;

	if (nodes == NULL || gone == NULL || plan == NULL) {
		free(gone);
		free(plan);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	}
	/* Pass 1: decide, and mark the nodes that disappear into a fused one. */
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *cv = &g->nodes[i];
		struct fuse_plan *fp = &plan[i];
		long r, add = -1, actn = -1;

		if (gone[i] || !is_op(cv, "Conv") || cv->n_inputs < 2 || cv->n_inputs > 3 ||
		    cv->n_outputs != 1 || !named(cv->outputs[0]) || !named(cv->inputs[0]) ||
		    !named(cv->inputs[1]))
			continue;
		fp->quant = quant && qdq_conv(g, cv, &fp->dqx, &fp->dqw);
		fp->last = cv->outputs[0];
		r = sole_reader(g, fp->last, i);
		long bn = -1;

		if (!fp->quant && r >= 0 && !gone[r] && is_op(&g->nodes[r], "BatchNormalization")) {
			int f = fold_bn(g, cv, &g->nodes[r], a, inits, n_inits, fp);

			if (f < 0) {
				free(gone);
				free(plan);
				return ladder_errf(err, LADDER_ENOMEM, "out of memory");
			}
			if (f > 0) {
				bn = r;
				gone[bn] = true;
				r = sole_reader(g, fp->last, (size_t)bn);
			}
		}
		if (!fp->quant && r >= 0 && is_op(&g->nodes[r], "Add") && g->nodes[r].n_inputs == 2 &&
		    g->nodes[r].n_outputs == 1 && named(g->nodes[r].outputs[0]) && !gone[r]) {
			const struct ladder_node *ad = &g->nodes[r];
			const char *other = strcmp(ad->inputs[0], fp->last) == 0 ? ad->inputs[1] :
			    ad->inputs[0];

			if (named(other) && strcmp(other, fp->last) != 0) {
				fp->z = other;
				add = r;
				fp->last = ad->outputs[0];
				r = sole_reader(g, fp->last, (size_t)add);
			}
		}
		if (r >= 0 && !gone[r] &&
		    activation_of(g, &g->nodes[r], opset, &fp->act, fp->params, &fp->n_params)) {
			actn = r;
			fp->last = g->nodes[r].outputs[0];
		}
		fp->fuse = fp->quant || bn >= 0 || add >= 0 || actn >= 0;
		if (add >= 0)
			gone[add] = true;
		if (actn >= 0)
			gone[actn] = true;
		if (fp->quant && read_once(g, cv->inputs[0]))
			gone[fp->dqx] = true;
		if (fp->quant && read_once(g, cv->inputs[1]))
			gone[fp->dqw] = true;
	}
	/* Pass 2: the session's nodes, in file order. */
	for (size_t i = 0; i < g->n_nodes; i++) {
		if (gone[i])
			continue;
		if (!plan[i].fuse) {
			nodes[n++] = g->nodes[i];
			continue;
		}
		if (emit(g, &g->nodes[i], &plan[i], a, &nodes[n++]) != 0) {
			free(gone);
			free(plan);
			return ladder_errf(err, LADDER_ENOMEM, "out of memory");
		}
	}
	free(gone);
	free(plan);
	*out = nodes;
	*n_out = n;
	return 0;
}
