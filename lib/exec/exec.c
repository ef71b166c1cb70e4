/*
 * exec.c: the executor session: checks every node once, plans shapes,
 * constant folding and one arena for all intermediates, and runs the plan.
 *
 * Plan: nodes run in topological order.  Each op's infer gives output
 * shapes from input shapes; a node whose inputs are all known at plan time
 * (initializers, Constant, folded values, and Shape/Size of anything, since
 * every shape is known once the fed inputs are bound) is executed right
 * then ("folded"), so Reshape/Expand/Slice... see their shape inputs.
 * Intermediates get offsets in one buffer, assigned greedily (largest
 * first, lowest offset free during the value's lifetime), so the peak is
 * known before the first kernel runs.
 *
 * Data-dependent shapes (NonZero, Unique, TopK with a runtime k...): an op
 * whose infer fails while some input's data is unknown at plan time, or
 * that leaves a negative dim, is marked dynamic, and so is everything that
 * consumes its outputs.  Dynamic nodes infer again at run time with the
 * real data and their outputs are allocated per run (freed at the next run
 * or at free), counted in ladder_exec_arena_bytes after the run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "ops/gemm.h"
#include "ops/pgemm.h"
#include "ops/pgemm8.h"
#include "util/banned.h"

#define EXEC_ALIGN 64
/* Refuse plans beyond this (hostile or absurd shapes). */
#define EXEC_MAX_PLAN_BYTES ((size_t)16 << 30)

static int session_fail_node(const struct ladder_node *n, struct ladder_err *err, int code,
    const char *what);

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int
exec_value_id(const struct ladder_exec *ex, const char *name)
{
	size_t mask = ex->hash_cap - 1;

	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		int id = ex->hash[i];

		if (id < 0)
			return -1;
		if (strcmp(ex->values[id].name, name) == 0)
			return id;
	}
}

/* Returns the id of name, adding it when new; -1 when full (cannot happen: sized up front). */
static int
value_intern(struct ladder_exec *ex, const char *name)
{
	size_t mask = ex->hash_cap - 1;

	for (size_t i = hash_str(name) & mask;; i = (i + 1) & mask) {
		int id = ex->hash[i];

		if (id >= 0 && strcmp(ex->values[id].name, name) == 0)
			return id;
		if (id < 0) {
			id = (int)ex->n_values++;
			ex->hash[i] = id;
			ex->values[id].name = name;
			ex->slots[id].producer = -1;
			ex->slots[id].last_use = -1;
			ex->slots[id].input_index = -1;
			return id;
		}
	}
}

static bool
is_control_flow(const char *op)
{
	return strcmp(op, "If") == 0 || strcmp(op, "Loop") == 0 || strcmp(op, "Scan") == 0;
}

static bool
is_sequence_op(const char *op)
{
	return strncmp(op, "Sequence", 8) == 0 || strcmp(op, "SplitToSequence") == 0 ||
	    strcmp(op, "ConcatFromSequence") == 0 || strncmp(op, "Optional", 8) == 0;
}

/* Ops whose output shape depends on input data (see op.h): always dynamic. */
static bool
data_dependent_op(const struct ladder_node *n)
{
	const char *op = n->op_type, *d = n->domain ? n->domain : "";

	return (d[0] == '\0' || strcmp(d, "ai.onnx") == 0) &&
	    (strcmp(op, "NonZero") == 0 || strcmp(op, "Unique") == 0 ||
	    strcmp(op, "Compress") == 0 || strcmp(op, "NonMaxSuppression") == 0);
}

static bool
is_random_op(const char *op)
{
	return strncmp(op, "Random", 6) == 0 || strcmp(op, "Bernoulli") == 0 ||
	    strcmp(op, "Multinomial") == 0;
}

static int
session_fail_node(const struct ladder_node *n, struct ladder_err *err, int code, const char *what)
{
	return ladder_errf(err, code, "node '%s' (%s): %s",
	    n->name && n->name[0] ? n->name : "?", n->op_type, what);
}

static int64_t
model_opset(const struct ladder_model *m, const char *domain, bool *found)
{
	bool want_default = domain == NULL || domain[0] == '\0' || strcmp(domain, "ai.onnx") == 0;

	for (size_t i = 0; i < m->n_opsets; i++) {
		const char *d = m->opsets[i].domain ? m->opsets[i].domain : "";
		bool is_default = d[0] == '\0' || strcmp(d, "ai.onnx") == 0;

		if (want_default ? is_default : strcmp(d, domain) == 0) {
			*found = true;
			return m->opsets[i].version;
		}
	}
	*found = false;
	return 0;
}

/* Resolves a node's op: the def, or an error naming what is missing. */
static int
resolve_op(const struct ladder_model *m, const struct ladder_node *n, const struct op_def **def,
    int64_t *opset, struct ladder_err *err)
{
	const char *domain = n->domain ? n->domain : "";
	bool found;
	char what[256];

	*def = NULL;
	if (is_control_flow(n->op_type))
		return session_fail_node(n, err, LADDER_EUNSUPPORTED,
		    "control flow operators are not supported");
	if (is_sequence_op(n->op_type))
		return session_fail_node(n, err, LADDER_EUNSUPPORTED,
		    "sequence and optional operators are not supported");
	if (strcmp(domain, "ai.onnx.preview.training") == 0)
		return session_fail_node(n, err, LADDER_EUNSUPPORTED,
		    "training operators are not supported");
	*opset = model_opset(m, domain, &found);
	if (!found && ((strcmp(domain, "com.microsoft") == 0 && strcmp(n->op_type, "FusedConv") == 0) ||
	    (strcmp(domain, "ladder") == 0 && strcmp(n->op_type, "QConv") == 0))) {
		/* Made by the session's own fusion (fuse.c), or a model that forgot the import. */
		*opset = 1;
		found = true;
	}
	if (!found) {
		snprintf(what, sizeof what, "no opset declared for domain '%s'", domain);
		return session_fail_node(n, err, LADDER_EFORMAT, what);
	}
	*def = op_find(domain, n->op_type);
	if (*def == NULL) {
		if (domain[0] != '\0' && strcmp(domain, "ai.onnx") != 0)
			snprintf(what, sizeof what, "operator not supported in domain '%s'", domain);
		else
			snprintf(what, sizeof what, "operator not supported");
		return session_fail_node(n, err, LADDER_EUNSUPPORTED, what);
	}
	return 0;
}

static bool
type_is_string(const struct ladder_type *t)
{
	return t->kind == LADDER_TYPE_TENSOR && t->dtype == LADDER_DT_STRING;
}

int
exec_session_new(const struct ladder_model *model, const struct ladder_exec_options *opts,
    bool lenient, struct ladder_exec **out, struct ladder_err *err)
{
	const struct ladder_graph *g = &model->graph;
	struct ladder_exec *ex;
	size_t max_values, i;
	int rc = LADDER_ENOMEM;

	*out = NULL;
	ex = calloc(1, sizeof *ex);
	if (ex == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	ex->model = model;
	ex->lenient = lenient;
	if (opts != NULL)
		ex->opts = *opts;
	ex->arena = ladder_arena_new();
	if (ex->arena == NULL)
		goto nomem;

	/* Running sessions fuse Conv [+ Add] [+ activation] (fuse.c); analysis sees the model as is. */
	const struct ladder_node *gnodes = g->nodes;
	size_t gn = g->n_nodes, n_folded = 0;
	struct ladder_tensor *folded = NULL;

	if (!lenient && !ex->opts.no_fusion) {
		struct ladder_node *fused;
		bool found;
		int64_t opset = model_opset(model, "", &found);

		rc = exec_fuse(g, (int)opset, pq_fast(), ex->arena, &fused, &gn, &folded, &n_folded,
		    err);
		if (rc != 0)
			goto fail;
		gnodes = fused;
	}
	/* Every value name appears as an initializer, input or node output/input. */
	max_values = g->n_initializers + n_folded + g->n_inputs + g->n_outputs + 1;
	for (i = 0; i < gn; i++)
		max_values += gnodes[i].n_inputs + gnodes[i].n_outputs;
	ex->hash_cap = 16;
	while (ex->hash_cap < 2 * max_values)
		ex->hash_cap *= 2;
	ex->values = ladder_arena_alloc(ex->arena, max_values * sizeof *ex->values);
	ex->slots = ladder_arena_alloc(ex->arena, max_values * sizeof *ex->slots);
	ex->hash = ladder_arena_alloc(ex->arena, ex->hash_cap * sizeof *ex->hash);
	ex->nodes = ladder_arena_alloc(ex->arena, (gn + 1) * sizeof *ex->nodes);
	if (!ex->values || !ex->slots || !ex->hash || !ex->nodes)
		goto nomem;
	memset(ex->hash, 0xff, ex->hash_cap * sizeof *ex->hash);

	for (i = 0; i < g->n_initializers; i++) {
		const struct ladder_tensor *t = &g->initializers[i];
		int id;

		if (t->name == NULL || t->name[0] == '\0')
			continue;
		if (t->dtype == LADDER_DT_STRING && !lenient) {
			rc = ladder_errf(err, LADDER_EUNSUPPORTED,
			    "initializer '%s': string tensors are not supported", t->name);
			goto fail;
		}
		id = value_intern(ex, t->name);
		ex->slots[id].init = t;
		ex->init_bytes += t->bytes;
	}
	/* Weights and biases with a BatchNormalization folded in (fuse.c). */
	for (i = 0; i < n_folded; i++) {
		int id = value_intern(ex, folded[i].name);

		ex->slots[id].init = &folded[i];
		ex->init_bytes += folded[i].bytes;
	}
	/* Fed inputs: graph inputs that are not initializers. */
	ex->input_ids = ladder_arena_alloc(ex->arena, (g->n_inputs + 1) * sizeof *ex->input_ids);
	ex->input_infos = ladder_arena_alloc(ex->arena, (g->n_inputs + 1) * sizeof *ex->input_infos);
	ex->bound = ladder_arena_alloc(ex->arena, (g->n_inputs + 1) * sizeof *ex->bound);
	if (!ex->input_ids || !ex->input_infos || !ex->bound)
		goto nomem;
	for (i = 0; i < g->n_inputs; i++) {
		const struct ladder_value_info *vi = &g->inputs[i];
		int id;

		if (vi->name == NULL || vi->name[0] == '\0')
			continue;
		id = value_intern(ex, vi->name);
		if (ex->slots[id].init != NULL || ex->slots[id].input_index >= 0)
			continue;
		if (!lenient && (vi->type.kind != LADDER_TYPE_TENSOR || type_is_string(&vi->type))) {
			rc = ladder_errf(err, LADDER_EUNSUPPORTED,
			    "input '%s': only numeric tensor inputs are supported", vi->name);
			goto fail;
		}
		ex->slots[id].input_index = (int)ex->n_inputs;
		ex->input_ids[ex->n_inputs] = id;
		ex->input_infos[ex->n_inputs++] = vi;
	}

	/* Schedule: Kahn's algorithm, keeping file order among ready nodes. */
	size_t n = gn;
	int *producer_node = NULL, *pending = NULL, *order = NULL;
	size_t *ready = NULL;

	producer_node = malloc((max_values + 1) * sizeof *producer_node);
	pending = calloc(n + 1, sizeof *pending);
	order = malloc((n + 1) * sizeof *order);
	ready = malloc((n + 1) * sizeof *ready);
	if (!producer_node || !pending || !order || !ready) {
		free(producer_node), free(pending), free(order), free(ready);
		goto nomem;
	}
	for (i = 0; i < max_values; i++)
		producer_node[i] = -1;
	for (i = 0; i < n; i++) {
		const struct ladder_node *nd = &gnodes[i];

		for (size_t k = 0; k < nd->n_outputs; k++) {
			if (nd->outputs[k] == NULL || nd->outputs[k][0] == '\0')
				continue;
			int id = value_intern(ex, nd->outputs[k]);

			if (producer_node[id] >= 0 || ex->slots[id].input_index >= 0) {
				rc = ladder_errf(err, LADDER_EFORMAT, "value '%s' is produced twice",
				    nd->outputs[k]);
				free(producer_node), free(pending), free(order), free(ready);
				goto fail;
			}
			producer_node[id] = (int)i;
		}
	}
	for (i = 0; i < n; i++) {
		const struct ladder_node *nd = &gnodes[i];

		for (size_t k = 0; k < nd->n_inputs; k++) {
			if (nd->inputs[k] == NULL || nd->inputs[k][0] == '\0')
				continue;
			int id = value_intern(ex, nd->inputs[k]);

			if (producer_node[id] >= 0)
				pending[i]++;
			else if (ex->slots[id].init == NULL && ex->slots[id].input_index < 0) {
				char what[LADDER_ERR_MAX / 2];

				snprintf(what, sizeof what, "input '%.200s' is not produced by any node",
				    nd->inputs[k]);
				rc = session_fail_node(nd, err, LADDER_EFORMAT, what);
				free(producer_node), free(pending), free(order), free(ready);
				goto fail;
			}
		}
	}
	size_t n_ready = 0, n_order = 0;
	/* A simple O(n * fan-out) ready scan: consumers are found by scanning inputs. */
	for (i = 0; i < n; i++) {
		if (pending[i] == 0)
			ready[n_ready++] = i;
	}
	/* consumers list: for each value, nodes that read it (CSR). */
	size_t *cons_start = calloc(max_values + 1, sizeof *cons_start);
	size_t total_in = 0;
	for (i = 0; i < n; i++)
		total_in += gnodes[i].n_inputs;
	size_t *cons = malloc((total_in + 1) * sizeof *cons), *fill = NULL;
	if (cons_start == NULL || cons == NULL) {
		free(cons_start), free(cons);
		free(producer_node), free(pending), free(order), free(ready);
		goto nomem;
	}
	for (i = 0; i < n; i++) {
		for (size_t k = 0; k < gnodes[i].n_inputs; k++) {
			const char *nm = gnodes[i].inputs[k];
			if (nm && nm[0])
				cons_start[exec_value_id(ex, nm) + 1]++;
		}
	}
	for (i = 0; i < max_values; i++)
		cons_start[i + 1] += cons_start[i];
	fill = calloc(max_values + 1, sizeof *fill);
	if (fill == NULL) {
		free(cons_start), free(cons);
		free(producer_node), free(pending), free(order), free(ready);
		goto nomem;
	}
	for (i = 0; i < n; i++) {
		for (size_t k = 0; k < gnodes[i].n_inputs; k++) {
			const char *nm = gnodes[i].inputs[k];
			if (nm && nm[0]) {
				int id = exec_value_id(ex, nm);
				cons[cons_start[id] + fill[id]++] = i;
			}
		}
	}
	/* Process ready nodes in ascending index order (a small heap would do; n is modest). */
	while (n_ready > 0) {
		size_t best = 0;

		for (size_t r = 1; r < n_ready; r++) {
			if (ready[r] < ready[best])
				best = r;
		}
		size_t cur = ready[best];
		ready[best] = ready[--n_ready];
		order[n_order++] = (int)cur;
		const struct ladder_node *nd = &gnodes[cur];
		for (size_t k = 0; k < nd->n_outputs; k++) {
			if (nd->outputs[k] == NULL || nd->outputs[k][0] == '\0')
				continue;
			int id = exec_value_id(ex, nd->outputs[k]);
			for (size_t c = cons_start[id]; c < cons_start[id + 1]; c++) {
				if (--pending[cons[c]] == 0)
					ready[n_ready++] = cons[c];
			}
		}
	}
	free(cons_start), free(cons), free(fill);
	free(producer_node), free(pending), free(ready);
	if (n_order != n) {
		for (i = 0; i < n; i++) {
			bool seen = false;
			for (size_t k = 0; k < n_order && !seen; k++)
				seen = order[k] == (int)i;
			if (!seen)
				break;
		}
		rc = session_fail_node(&gnodes[i < n ? i : 0], err, LADDER_EFORMAT,
		    "the graph has a cycle through this node");
		free(order);
		goto fail;
	}

	/* Nodes: resolve ops, wire values, check attributes. */
	for (size_t s = 0; s < n; s++) {
		const struct ladder_node *nd = &gnodes[order[s]];
		struct exec_node *en = &ex->nodes[s];
		int64_t opset = 0;

		en->node = nd;
		en->macs = -1;
		rc = resolve_op(model, nd, &en->def, &opset, err);
		if (rc != 0) {
			if (!lenient) {
				free(order);
				goto fail;
			}
			rc = 0;
		}
		size_t n_in = nd->n_inputs, n_out = nd->n_outputs;
		if (en->def != NULL) {
			const struct op_def *d = en->def;
			char what[160];

			if ((int64_t)nd->n_inputs < d->n_in_min ||
			    (d->n_in_max >= 0 && (int64_t)nd->n_inputs > d->n_in_max) ||
			    (int64_t)nd->n_outputs < d->n_out_min ||
			    (d->n_out_max >= 0 && (int64_t)nd->n_outputs > d->n_out_max)) {
				snprintf(what, sizeof what, "has %zu inputs and %zu outputs "
				    "(accepts %d..%d inputs, %d..%d outputs)", nd->n_inputs,
				    nd->n_outputs, d->n_in_min, d->n_in_max, d->n_out_min, d->n_out_max);
				rc = session_fail_node(nd, err, LADDER_EFORMAT, what);
				if (!lenient) {
					free(order);
					goto fail;
				}
				rc = 0;
				en->def = NULL;
			}
			if (en->def != NULL) {
				/* Variadic ops (n_in_max < 0 or large) see exactly the node's inputs. */
				if (d->n_in_max >= 0 && d->n_in_max <= 64 && (size_t)d->n_in_max > n_in)
					n_in = (size_t)d->n_in_max;
				if (d->n_out_max >= 0 && d->n_out_max <= 64 && (size_t)d->n_out_max > n_out)
					n_out = (size_t)d->n_out_max;
			}
		}
		en->ctx.node = nd;
		en->ctx.opset = (int)opset;
		en->ctx.n_in = n_in;
		en->ctx.n_out = n_out;
		en->ctx.arena = ex->arena;
		en->ctx.threads = ex->opts.threads > 0 ? ex->opts.threads : 1;
		en->ctx.in = ladder_arena_alloc(ex->arena, (n_in + 1) * sizeof *en->ctx.in);
		en->ctx.out = ladder_arena_alloc(ex->arena, (n_out + 1) * sizeof *en->ctx.out);
		en->in_ids = ladder_arena_alloc(ex->arena, (n_in + 1) * sizeof *en->in_ids);
		en->out_ids = ladder_arena_alloc(ex->arena, (n_out + 1) * sizeof *en->out_ids);
		if (!en->ctx.in || !en->ctx.out || !en->in_ids || !en->out_ids) {
			free(order);
			goto nomem;
		}
		for (size_t k = 0; k < n_in; k++) {
			int id = -1;

			if (k < nd->n_inputs && nd->inputs[k] && nd->inputs[k][0]) {
				id = exec_value_id(ex, nd->inputs[k]);
				ex->slots[id].last_use = (int)s;
			}
			en->in_ids[k] = id;
			en->ctx.in[k] = id >= 0 ? &ex->values[id] : NULL;
		}
		for (size_t k = 0; k < n_out; k++) {
			int id = -1;

			if (k < nd->n_outputs && nd->outputs[k] && nd->outputs[k][0]) {
				id = exec_value_id(ex, nd->outputs[k]);
				ex->slots[id].producer = (int)s;
			}
			en->out_ids[k] = id;
			en->ctx.out[k] = id >= 0 ? &ex->values[id] : NULL;
		}
		if (en->def != NULL && en->def->check != NULL) {
			rc = en->def->check(&en->ctx, err);
			if (rc != 0) {
				if (!lenient) {
					free(order);
					goto fail;
				}
				rc = 0;
				en->def = NULL;
			}
		}
	}
	ex->n_nodes = n;
	free(order);

	/* Graph outputs. */
	ex->output_ids = ladder_arena_alloc(ex->arena, (g->n_outputs + 1) * sizeof *ex->output_ids);
	ex->outputs = ladder_arena_alloc(ex->arena, (g->n_outputs + 1) * sizeof *ex->outputs);
	if (!ex->output_ids || !ex->outputs)
		goto nomem;
	for (i = 0; i < g->n_outputs; i++) {
		const char *nm = g->outputs[i].name;
		int id = nm ? exec_value_id(ex, nm) : -1;

		if (id < 0) {
			rc = ladder_errf(err, LADDER_EFORMAT, "graph output '%s' is not produced by any node",
			    nm ? nm : "");
			goto fail;
		}
		ex->slots[id].graph_output = true;
		ex->slots[id].last_use = INT_MAX;
		ex->output_ids[ex->n_outputs] = id;
		ex->outputs[ex->n_outputs].name = (char *)nm;
		ex->n_outputs++;
	}
	*out = ex;
	return 0;
nomem:
	rc = ladder_errf(err, LADDER_ENOMEM, "out of memory building the executor session");
fail:
	ladder_exec_free(ex);
	return rc;
}

int
ladder_exec_new(const struct ladder_model *model, const struct ladder_exec_options *opts,
    struct ladder_exec **out, struct ladder_err *err)
{
	return exec_session_new(model, opts, false, out, err);
}

static void
free_dynamic(struct ladder_exec *ex)
{
	for (size_t i = 0; i < ex->n_dyn; i++)
		free(ex->dyn[i]);
	ex->n_dyn = 0;
	ex->dyn_bytes = 0;
}

void
ladder_exec_free(struct ladder_exec *ex)
{
	if (ex == NULL)
		return;
	free_dynamic(ex);
	free(ex->dyn);
	free(ex->buf);
	ladder_arena_free(ex->fold_arena);
	ladder_arena_free(ex->arena);
	free(ex);
}

static void *
dyn_alloc(struct ladder_exec *ex, size_t bytes)
{
	void *p;

	if (ex->n_dyn == ex->cap_dyn) {
		size_t cap = ex->cap_dyn ? 2 * ex->cap_dyn : 16;
		void **d = realloc(ex->dyn, cap * sizeof *d);

		if (d == NULL)
			return NULL;
		ex->dyn = d;
		ex->cap_dyn = cap;
	}
	p = aligned_alloc(EXEC_ALIGN, bytes ? (bytes + EXEC_ALIGN - 1) / EXEC_ALIGN * EXEC_ALIGN : EXEC_ALIGN);
	if (p == NULL)
		return NULL;
	memset(p, 0, bytes);
	ex->dyn[ex->n_dyn++] = p;
	ex->dyn_bytes += bytes;
	return p;
}

/* Bytes of a value from its dtype and shape; false on overflow, bad dtype or unknown dims. */
static bool
value_bytes(const struct exec_value *v, size_t *out)
{
	int64_t n = op_numel(v);
	size_t es = ladder_dtype_size(v->dtype);

	if (n < 0 || es == 0)
		return false;
	return ladder_mul_size((size_t)n, es, out) && *out <= EXEC_MAX_PLAN_BYTES;
}

/* Shape and Size read only their input's shape, which is known at plan time. */
static bool
shape_only_op(const struct exec_node *en)
{
	const char *op = en->node->op_type;
	const char *d = en->node->domain ? en->node->domain : "";

	return (d[0] == '\0' || strcmp(d, "ai.onnx") == 0) &&
	    (strcmp(op, "Shape") == 0 || strcmp(op, "Size") == 0);
}

static int
infer_node(struct ladder_exec *ex, struct exec_node *en, struct ladder_err *err)
{
	for (size_t k = 0; k < en->ctx.n_out; k++) {
		struct exec_value *v = en->ctx.out[k];

		if (v == NULL)
			continue;
		v->dtype = LADDER_DT_UNDEFINED;
		v->rank = 0;
		v->data = NULL;
		v->bytes = 0;
		v->is_const = false;
	}
	en->ctx.scratch_bytes = 0;
	en->ctx.scratch = NULL;
	if (en->def->infer == NULL)
		return op_fail(&en->ctx, err, LADDER_EUNSUPPORTED, "operator has no shape inference");
	return en->def->infer(&en->ctx, err);
}

static int
check_outputs(struct exec_node *en, bool *negative, struct ladder_err *err)
{
	*negative = false;
	for (size_t k = 0; k < en->ctx.n_out; k++) {
		struct exec_value *v = en->ctx.out[k];

		if (v == NULL)
			continue;
		for (int d = 0; d < v->rank; d++) {
			if (v->dims[d] < 0)
				*negative = true;
		}
		if (*negative)
			return 0;
		if (v->rank < 0 || v->rank > LADDER_MAX_RANK)
			return op_fail(&en->ctx, err, LADDER_EINVAL, "output '%s' has rank %d",
			    v->name, v->rank);
		if (!value_bytes(v, &v->bytes))
			return op_fail(&en->ctx, err, LADDER_EINVAL,
			    "output '%s' has an unsupported dtype or too many elements", v->name);
	}
	return 0;
}

/* Plan-time execution of a node whose inputs are all known. */
static int
fold_node(struct ladder_exec *ex, struct exec_node *en, struct ladder_err *err)
{
	void *scratch = NULL;
	int rc;

	for (size_t k = 0; k < en->ctx.n_out; k++) {
		struct exec_value *v = en->ctx.out[k];

		if (v == NULL)
			continue;
		v->data = ladder_arena_alloc(ex->fold_arena, v->bytes);
		if (v->data == NULL)
			return op_fail(&en->ctx, err, LADDER_ENOMEM, "out of memory folding a constant");
		ex->fold_bytes += v->bytes;
	}
	if (shape_only_op(en)) {
		const struct exec_value *in = en->ctx.in[0];
		struct exec_value *o = en->ctx.out[0];

		if (o == NULL || in == NULL)
			return 0;
		if (strcmp(en->node->op_type, "Size") == 0) {
			if (op_numel(o) != 1)
				return op_fail(&en->ctx, err, LADDER_EINVAL, "output is not a scalar");
			op_set_double(o, 0, (double)op_numel(in));
		} else {
			int64_t r = in->rank, s = op_attr_int(&en->ctx, "start", 0),
			    e = op_attr_int(&en->ctx, "end", r);

			if (s < 0)
				s += r;
			if (e < 0)
				e += r;
			s = s < 0 ? 0 : s > r ? r : s;
			e = e < 0 ? 0 : e > r ? r : e;
			if (op_numel(o) != (e > s ? e - s : 0) || o->dtype != LADDER_DT_INT64)
				return op_fail(&en->ctx, err, LADDER_EINVAL,
				    "inferred output does not match the input's shape");
			for (int64_t i = s; i < e; i++)
				((int64_t *)o->data)[i - s] = in->dims[i];
		}
	} else {
		if (en->ctx.scratch_bytes > 0) {
			if (en->ctx.scratch_bytes > EXEC_MAX_PLAN_BYTES)
				return op_fail(&en->ctx, err, LADDER_ENOMEM, "workspace too large");
			scratch = calloc(1, en->ctx.scratch_bytes);
			if (scratch == NULL)
				return op_fail(&en->ctx, err, LADDER_ENOMEM, "out of memory folding a constant");
		}
		en->ctx.scratch = scratch;
		rc = en->def->run(&en->ctx, err);
		en->ctx.scratch = NULL;
		free(scratch);
		if (rc != 0)
			return rc;
	}
	for (size_t k = 0; k < en->ctx.n_out; k++) {
		if (en->ctx.out[k] != NULL)
			en->ctx.out[k]->is_const = true;
	}
	en->folded = true;
	return 0;
}

struct interval {
	size_t bytes;
	int start, end;		/* schedule steps, inclusive */
	size_t *offset;		/* where to store the result */
};

static int
cmp_interval(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->start - y->start;
}

/* Greedy layout: biggest first, each at the lowest offset free over its lifetime. */
static size_t
layout(struct interval *iv, size_t n)
{
	size_t peak = 0;
	size_t *placed = malloc((n + 1) * sizeof *placed), n_placed = 0;

	if (placed == NULL)
		return SIZE_MAX;
	qsort(iv, n, sizeof *iv, cmp_interval);
	for (size_t i = 0; i < n; i++) {
		size_t size = (iv[i].bytes + EXEC_ALIGN - 1) / EXEC_ALIGN * EXEC_ALIGN;
		size_t off = 0;
		bool moved = true;

		/* Repeatedly bump past conflicting placed buffers until none overlaps. */
		while (moved) {
			moved = false;
			for (size_t j = 0; j < n_placed; j++) {
				const struct interval *p = &iv[placed[j]];
				size_t psize = (p->bytes + EXEC_ALIGN - 1) / EXEC_ALIGN * EXEC_ALIGN;

				if (p->end < iv[i].start || iv[i].end < p->start)
					continue;
				if (*p->offset < off + size && off < *p->offset + psize) {
					off = *p->offset + psize;
					moved = true;
				}
			}
		}
		*iv[i].offset = off;
		if (off + size > peak)
			peak = off + size;
		placed[n_placed++] = i;
	}
	free(placed);
	return peak;
}

int
exec_plan(struct ladder_exec *ex, const struct exec_value *inputs, bool no_alloc,
    struct ladder_err *err)
{
	struct interval *iv = NULL;
	size_t n_iv = 0;
	int rc = 0;

	ex->planned = false;
	free(ex->buf);
	ex->buf = NULL;
	ex->buf_bytes = 0;
	ladder_arena_free(ex->fold_arena);
	ex->fold_bytes = 0;
	ex->has_dynamic = false;
	ex->fold_arena = ladder_arena_new();
	if (ex->fold_arena == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");

	for (size_t i = 0; i < ex->n_values; i++) {
		struct exec_value *v = &ex->values[i];
		struct exec_slot *sl = &ex->slots[i];

		sl->dynamic = false;
		sl->known = false;
		sl->in_arena = false;
		v->data = NULL;
		v->is_const = false;
		v->rank = 0;
		v->dtype = LADDER_DT_UNDEFINED;
		v->bytes = 0;
		if (sl->input_index >= 0) {
			const struct exec_value *b = &inputs[sl->input_index];

			op_set_shape(v, b->dtype, b->rank, b->dims);
			value_bytes(v, &v->bytes);
			sl->known = true;
		} else if (sl->init != NULL) {
			const struct ladder_tensor *t = sl->init;

			op_set_shape(v, t->dtype, t->rank, t->dims);
			v->data = t->data;
			v->bytes = t->bytes;
			v->is_const = true;
			sl->known = true;
		}
	}
	iv = calloc(2 * ex->n_nodes + ex->n_values + 1, sizeof *iv);
	if (iv == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");

	for (size_t s = 0; s < ex->n_nodes; s++) {
		struct exec_node *en = &ex->nodes[s];
		bool all_const = true, any_dynamic = false, any_unknown = false, negative = false;
		struct ladder_err local = { 0 };

		en->folded = en->dynamic = en->skipped = false;
		en->macs = -1;
		en->scratch_offset = 0;
		for (size_t k = 0; k < en->ctx.n_in; k++) {
			int id = en->in_ids[k];

			if (id < 0)
				continue;
			if (ex->slots[id].dynamic)
				any_dynamic = true;
			if (!ex->slots[id].known)
				any_unknown = true;
			if (!ex->values[id].is_const)
				all_const = false;
		}
		if (en->def == NULL || any_unknown) {
			/* Lenient analysis only: an unsupported node or one downstream of it. */
			en->skipped = true;
			continue;
		}
		if (any_dynamic || (data_dependent_op(en->node) && !all_const)) {
			en->dynamic = true;
		} else {
			rc = infer_node(ex, en, &local);
			if (rc == 0)
				rc = check_outputs(en, &negative, &local);
			if (rc != 0 || negative) {
				bool data_missing = false;

				for (size_t k = 0; k < en->ctx.n_in; k++) {
					if (en->ctx.in[k] != NULL && en->ctx.in[k]->data == NULL &&
					    !shape_only_op(en))
						data_missing = true;
				}
				if (!data_missing && !negative) {
					if (ex->lenient) {
						en->skipped = true;
						rc = 0;
						continue;
					}
					if (err != NULL && err->code == 0)
						*err = local;
					goto out;
				}
				rc = 0;
				en->dynamic = true;
			}
		}
		if (en->dynamic) {
			ex->has_dynamic = true;
			for (size_t k = 0; k < en->ctx.n_out; k++) {
				if (en->out_ids[k] >= 0) {
					ex->slots[en->out_ids[k]].dynamic = true;
					ex->slots[en->out_ids[k]].known = !ex->lenient;
				}
			}
			continue;
		}
		for (size_t k = 0; k < en->ctx.n_out; k++) {
			if (en->out_ids[k] >= 0)
				ex->slots[en->out_ids[k]].known = true;
		}
		if (en->def->macs != NULL)
			en->macs = en->def->macs(&en->ctx);
		if ((all_const && !is_random_op(en->node->op_type)) || shape_only_op(en)) {
			rc = fold_node(ex, en, &local);
			if (rc != 0) {
				if (ex->lenient) {
					en->skipped = true;
					for (size_t k = 0; k < en->ctx.n_out; k++)
						if (en->out_ids[k] >= 0)
							ex->slots[en->out_ids[k]].known = false;
					rc = 0;
					continue;
				}
				if (err != NULL && err->code == 0)
					*err = local;
				goto out;
			}
			continue;
		}
		for (size_t k = 0; k < en->ctx.n_out; k++) {
			int id = en->out_ids[k];

			if (id < 0)
				continue;
			ex->slots[id].in_arena = true;
			iv[n_iv++] = (struct interval){ ex->values[id].bytes, (int)s,
				ex->slots[id].last_use < (int)s ? (int)s : ex->slots[id].last_use,
				&ex->slots[id].offset };
		}
		if (en->ctx.scratch_bytes > 0)
			iv[n_iv++] = (struct interval){ en->ctx.scratch_bytes, (int)s, (int)s,
				&en->scratch_offset };
	}
	/* Graph outputs that are fed inputs are copied (inputs are borrowed only for a call). */
	for (size_t i = 0; i < ex->n_outputs; i++) {
		int id = ex->output_ids[i];

		if (ex->slots[id].input_index >= 0 && !ex->slots[id].in_arena) {
			ex->slots[id].in_arena = true;
			iv[n_iv++] = (struct interval){ ex->values[id].bytes, 0, INT_MAX,
				&ex->slots[id].offset };
		}
	}
	size_t peak = layout(iv, n_iv);
	if (peak == SIZE_MAX || peak > EXEC_MAX_PLAN_BYTES) {
		rc = ladder_errf(err, LADDER_ENOMEM, "the plan needs too much memory (%zu bytes)", peak);
		goto out;
	}
	ex->buf_bytes = peak;
	if (!no_alloc) {
		ex->buf = aligned_alloc(EXEC_ALIGN, peak ? peak : EXEC_ALIGN);
		if (ex->buf == NULL) {
			rc = ladder_errf(err, LADDER_ENOMEM, "cannot allocate the %zu-byte arena", peak);
			goto out;
		}
		/* Not cleared: every kernel writes its whole output, and untouched pages cost nothing. */
		for (size_t i = 0; i < ex->n_values; i++) {
			if (ex->slots[i].in_arena && ex->slots[i].input_index < 0)
				ex->values[i].data = (char *)ex->buf + ex->slots[i].offset;
		}
	}
	ex->planned = true;
out:
	free(iv);
	return rc;
}

static bool
same_shape_and_type(const struct exec_value *a, const struct exec_value *b)
{
	return a->dtype == b->dtype && op_same_shape(a, b);
}

/* Checks a fed tensor against the declared input; binds symbolic dims consistently. */
static int
check_input(const struct ladder_value_info *vi, const struct ladder_tensor *t,
    struct ladder_err *err)
{
	const struct ladder_type *ty = &vi->type;
	int64_t n = ladder_tensor_numel(t);
	size_t need;

	if (t->rank < 0 || t->rank > LADDER_MAX_RANK || n < 0)
		return ladder_errf(err, LADDER_EINVAL, "input '%s': bad shape", vi->name);
	if (!ladder_mul_size((size_t)n, ladder_dtype_size(t->dtype), &need) ||
	    ladder_dtype_size(t->dtype) == 0 || t->bytes < need || (need > 0 && t->data == NULL))
		return ladder_errf(err, LADDER_EINVAL, "input '%s': data has %zu bytes, needs %zu",
		    vi->name, t->bytes, need);
	if (ty->kind != LADDER_TYPE_TENSOR)
		return 0;
	if (ty->dtype != LADDER_DT_UNDEFINED && ty->dtype != t->dtype)
		return ladder_errf(err, LADDER_EINVAL, "input '%s': dtype %s, model wants %s",
		    vi->name, ladder_dtype_name(t->dtype), ladder_dtype_name(ty->dtype));
	if (ty->rank < 0)
		return 0;
	if (ty->rank != t->rank)
		return ladder_errf(err, LADDER_EINVAL, "input '%s': rank %d, model wants %d",
		    vi->name, t->rank, ty->rank);
	for (int d = 0; d < t->rank; d++) {
		if (ty->dims[d].value >= 0 && ty->dims[d].value != t->dims[d])
			return ladder_errf(err, LADDER_EINVAL,
			    "input '%s': dim %d is %lld, model wants %lld", vi->name, d,
			    (long long)t->dims[d], (long long)ty->dims[d].value);
	}
	return 0;
}

int
ladder_exec_run(struct ladder_exec *ex, const struct ladder_tensor *inputs, size_t n_inputs,
    struct ladder_err *err)
{
	const struct ladder_tensor **fed;
	bool replan = !ex->planned;
	int rc = 0;

	fed = calloc(ex->n_inputs + 1, sizeof *fed);
	if (fed == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	/* The BLAS threads are process-wide: set them to this session's count every run. */
	/*
	 * With the AVX-512 kernels ladder threads its convolutions itself; the
	 * BLAS (Gemm, MatMul) then stays on one thread, or its spinning workers
	 * would compete with ladder's for the same cores.
	 */
	op_sgemm_set_threads(pg_fast() ? 1 : ex->opts.threads > 0 ? ex->opts.threads : 1);
	for (size_t i = 0; i < n_inputs; i++) {
		const struct ladder_tensor *t = &inputs[i];
		int idx;

		if (t->name != NULL) {
			int id = exec_value_id(ex, t->name);

			idx = id >= 0 ? ex->slots[id].input_index : -1;
			if (idx < 0) {
				rc = ladder_errf(err, LADDER_ENOTFOUND, "the model has no input '%s'", t->name);
				goto out;
			}
		} else {
			idx = (int)i;
			if (i >= ex->n_inputs) {
				rc = ladder_errf(err, LADDER_EINVAL, "%zu inputs given, the model takes %zu",
				    n_inputs, ex->n_inputs);
				goto out;
			}
		}
		fed[idx] = t;
	}
	for (size_t i = 0; i < ex->n_inputs; i++) {
		const struct ladder_value_info *vi = ex->input_infos[i];
		struct exec_value want = { 0 };

		if (fed[i] == NULL) {
			rc = ladder_errf(err, LADDER_EINVAL, "input '%s' is missing", vi->name);
			goto out;
		}
		rc = check_input(vi, fed[i], err);
		if (rc != 0)
			goto out;
		op_set_shape(&want, fed[i]->dtype, fed[i]->rank, fed[i]->dims);
		if (!same_shape_and_type(&want, &ex->bound[i]))
			replan = true;
	}
	if (replan) {
		for (size_t i = 0; i < ex->n_inputs; i++)
			op_set_shape(&ex->bound[i], fed[i]->dtype, fed[i]->rank, fed[i]->dims);
		rc = exec_plan(ex, ex->bound, false, err);
		if (rc != 0)
			goto out;
	}
	free_dynamic(ex);
	for (size_t i = 0; i < ex->n_inputs; i++) {
		struct exec_value *v = &ex->values[ex->input_ids[i]];

		v->data = fed[i]->data;
		v->bytes = fed[i]->bytes;
	}
	for (size_t s = 0; s < ex->n_nodes; s++) {
		struct exec_node *en = &ex->nodes[s];

		if (en->folded)
			continue;
		if (en->dynamic) {
			/* Every input's data is known now: let infer read it as if constant. */
			bool was_const[en->ctx.n_in + 1];

			for (size_t k = 0; k < en->ctx.n_in; k++) {
				if (en->ctx.in[k] != NULL) {
					was_const[k] = en->ctx.in[k]->is_const;
					en->ctx.in[k]->is_const = true;
				}
			}
			rc = infer_node(ex, en, err);
			for (size_t k = 0; k < en->ctx.n_in; k++) {
				if (en->ctx.in[k] != NULL)
					en->ctx.in[k]->is_const = was_const[k];
			}
			bool negative;
			if (rc == 0)
				rc = check_outputs(en, &negative, err);
			if (rc == 0 && negative)
				rc = op_fail(&en->ctx, err, LADDER_EINVAL, "output shape still unknown at run time");
			if (rc != 0)
				goto out;
			for (size_t k = 0; k < en->ctx.n_out; k++) {
				struct exec_value *v = en->ctx.out[k];

				if (v != NULL && (v->data = dyn_alloc(ex, v->bytes)) == NULL) {
					rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
					goto out;
				}
			}
			if (en->ctx.scratch_bytes > 0 &&
			    (en->ctx.scratch = dyn_alloc(ex, en->ctx.scratch_bytes)) == NULL) {
				rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
				goto out;
			}
		} else {
			en->ctx.scratch = en->ctx.scratch_bytes > 0 ?
			    (char *)ex->buf + en->scratch_offset : NULL;
		}
		uint64_t t0 = ex->opts.time_nodes ? ladder_now_ns() : 0;

		rc = en->def->run(&en->ctx, err);
		if (ex->opts.time_nodes)
			en->last_ns = ladder_now_ns() - t0;
		if (rc != 0)
			goto out;
		if (en->dynamic) {
			/* run may shrink data-dependent outputs below the inferred bound. */
			for (size_t k = 0; k < en->ctx.n_out; k++) {
				struct exec_value *v = en->ctx.out[k];
				size_t bytes;

				if (v != NULL && value_bytes(v, &bytes) && bytes <= v->bytes)
					v->bytes = bytes;
			}
		}
	}
	for (size_t i = 0; i < ex->n_outputs; i++) {
		int id = ex->output_ids[i];
		struct exec_value *v = &ex->values[id];
		struct ladder_tensor *t = &ex->outputs[i];
		void *data = v->data;

		if (ex->slots[id].input_index >= 0) {
			data = (char *)ex->buf + ex->slots[id].offset;
			if (v->bytes > 0)
				memcpy(data, v->data, v->bytes);
		}
		t->dtype = v->dtype;
		t->rank = v->rank;
		memcpy(t->dims, v->dims, sizeof t->dims);
		t->data = data;
		t->bytes = v->bytes;
	}
out:
	free(fed);
	if (rc != 0 && err != NULL && err->code == 0)
		ladder_errf(err, rc, "run failed");
	return rc;
}

size_t
ladder_exec_n_outputs(const struct ladder_exec *ex)
{
	return ex->n_outputs;
}

const struct ladder_tensor *
ladder_exec_output(const struct ladder_exec *ex, size_t i)
{
	return i < ex->n_outputs ? &ex->outputs[i] : NULL;
}

size_t
ladder_exec_n_inputs(const struct ladder_exec *ex)
{
	return ex->n_inputs;
}

const struct ladder_value_info *
ladder_exec_input(const struct ladder_exec *ex, size_t i)
{
	return i < ex->n_inputs ? ex->input_infos[i] : NULL;
}

size_t
ladder_exec_arena_bytes(const struct ladder_exec *ex)
{
	return ex->buf_bytes + ex->dyn_bytes;
}

size_t
ladder_exec_weight_bytes(const struct ladder_exec *ex)
{
	return ex->init_bytes + ex->fold_bytes;
}

size_t
ladder_exec_n_nodes(const struct ladder_exec *ex)
{
	return ex->n_nodes;
}

void
ladder_exec_node_time(const struct ladder_exec *ex, size_t i, const char **name,
    const char **op_type, double *ms)
{
	const struct exec_node *en = &ex->nodes[i];

	*name = en->node->name != NULL ? en->node->name : "";
	*op_type = en->node->op_type;
	*ms = en->folded ? 0.0 : (double)en->last_ns / 1e6;
}
