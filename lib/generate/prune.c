/* prune.c: the exit:NAME and split:TENSOR recipes, and resolution:HxW. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "ladder-exec.h"
#include "util/banned.h"

int
ladder_transform_exit(struct ladder_model *m, const char *output, struct ladder_err *err)
{
	struct ladder_graph *g = &m->graph;

	for (size_t i = 0; i < g->n_outputs; i++) {
		if (strcmp(g->outputs[i].name, output) != 0)
			continue;
		g->outputs[0] = g->outputs[i];
		g->n_outputs = 1;
		return gen_prune(g, err);
	}
	struct ladder_buf names;
	ladder_buf_init(&names);
	for (size_t i = 0; i < g->n_outputs; i++)
		ladder_buf_addf(&names, "%s'%s'", i ? ", " : "", g->outputs[i].name);
	ladder_errf(err, LADDER_ENOTFOUND, "recipe 'exit:%s': the model has no output '%s' (outputs: %s)",
	    output, output, names.data ? names.data : "none");
	ladder_buf_release(&names);
	return LADDER_ENOTFOUND;
}

/* A zero-filled input tensor of the declared shape (unknown dims 1), in m's arena. */
static int
zero_input(struct ladder_model *m, const struct ladder_value_info *vi, struct ladder_tensor *t,
    struct ladder_err *err)
{
	size_t bytes = ladder_dtype_size(vi->type.dtype);

	memset(t, 0, sizeof *t);
	if (vi->type.kind != LADDER_TYPE_TENSOR || vi->type.rank < 0 || bytes == 0)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "input '%s' has no static tensor type",
		    vi->name);
	t->dtype = vi->type.dtype;
	t->rank = vi->type.rank;
	for (int d = 0; d < t->rank; d++) {
		t->dims[d] = vi->type.dims[d].value > 0 ? vi->type.dims[d].value : 1;
		bytes *= (size_t)t->dims[d];
	}
	t->bytes = bytes;
	t->data = ladder_arena_alloc(m->arena, bytes);
	return t->data ? 0 : ladder_errf(err, LADDER_ENOMEM, "out of memory");
}

/* Non-initializer graph inputs of g. */
static size_t
feed_inputs(const struct ladder_graph *g, const struct ladder_value_info **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n_inputs && n < max; i++)
		if (!ladder_graph_is_initializer(g, g->inputs[i].name))
			out[n++] = &g->inputs[i];
	return n;
}

/* Runs m once on zero inputs and reports the dtype and shape of value `name`. */
static int
probe_value(const struct ladder_model *m, const char *name, struct ladder_tensor *shape,
    struct ladder_err *err)
{
	struct ladder_model *probe = NULL;
	struct ladder_exec *ex = NULL;
	const struct ladder_value_info *ins[16];
	struct ladder_tensor feeds[16];
	size_t n_in;
	int rc;

	rc = ladder_model_clone(m, &probe, err);
	if (rc != 0)
		return rc;
	if (ladder_graph_add_output(probe, &probe->graph, name, LADDER_DT_UNDEFINED, -1, NULL,
	    NULL) == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto out;
	}
	n_in = feed_inputs(&probe->graph, ins, 16);
	for (size_t i = 0; i < n_in && rc == 0; i++) {
		rc = zero_input(probe, ins[i], &feeds[i], err);
		feeds[i].name = ins[i]->name;
	}
	if (rc == 0)
		rc = gen_exec_new(probe, 1, &ex, err);
	if (rc == 0)
		rc = ladder_exec_run(ex, feeds, n_in, err);
	if (rc == 0) {
		const struct ladder_tensor *t = ladder_exec_output(ex, probe->graph.n_outputs - 1);
		*shape = *t;
		shape->data = NULL;
		shape->name = NULL;
	}
out:
	ladder_exec_free(ex);
	ladder_model_free(probe);
	return rc;
}

int
ladder_transform_split(const struct ladder_model *m, const char *tensor,
    struct ladder_model **head_out, struct ladder_model **tail_out, struct ladder_err *err)
{
	struct ladder_model *head = NULL, *tail = NULL;
	struct ladder_tensor shape;
	struct gen_map head_values;
	int rc;

	*head_out = *tail_out = NULL;
	gen_map_init(&head_values);
	if (gen_producer(&m->graph, tensor) < 0) {
		return ladder_errf(err, LADDER_ENOTFOUND,
		    "recipe 'split:%s': no node produces a value '%s'", tensor, tensor);
	}
	rc = probe_value(m, tensor, &shape, err);
	if (rc != 0) {
		ladder_err_prefix(err, "recipe 'split:%s'", tensor);
		return rc;
	}
	rc = ladder_model_clone(m, &head, err);
	if (rc == 0)
		rc = ladder_model_clone(m, &tail, err);
	if (rc != 0)
		goto fail;

	/* Head: inputs -> tensor. */
	struct ladder_graph *hg = &head->graph;
	hg->n_outputs = 0;
	int64_t dims[LADDER_MAX_RANK];
	const char *params[LADDER_MAX_RANK] = { 0 };
	bool batch_symbolic = m->graph.n_inputs > 0 && m->graph.inputs[0].type.rank > 0 &&
	    m->graph.inputs[0].type.dims[0].value < 0;
	for (int d = 0; d < shape.rank; d++)
		dims[d] = shape.dims[d];
	if (batch_symbolic && shape.rank > 0) {
		dims[0] = -1;
		params[0] = m->graph.inputs[0].type.dims[0].param ?
		    m->graph.inputs[0].type.dims[0].param : "batch";
	}
	if (ladder_graph_add_output(head, hg, tensor, shape.dtype, shape.rank, dims, params) == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto fail;
	}
	rc = gen_prune(hg, err);
	if (rc != 0)
		goto fail;
	for (size_t i = 0; i < hg->n_nodes; i++)
		for (size_t k = 0; k < hg->nodes[i].n_outputs; k++)
			gen_map_put(&head_values, hg->nodes[i].outputs[k], 1);

	/* Tail: tensor -> outputs; drop the head's nodes, then check it is a clean cut. */
	struct ladder_graph *tg = &tail->graph;
	size_t kept = 0;
	for (size_t i = 0; i < tg->n_nodes; i++) {
		bool in_head = false;
		for (size_t k = 0; k < tg->nodes[i].n_outputs; k++)
			in_head |= gen_map_get(&head_values, tg->nodes[i].outputs[k], NULL);
		if (!in_head)
			tg->nodes[kept++] = tg->nodes[i];
	}
	tg->n_nodes = kept;
	for (size_t i = 0; i < tg->n_nodes; i++) {
		for (size_t k = 0; k < tg->nodes[i].n_inputs; k++) {
			const char *v = tg->nodes[i].inputs[k];
			if (v[0] && strcmp(v, tensor) != 0 && gen_map_get(&head_values, v, NULL)) {
				rc = ladder_errf(err, LADDER_EINVAL,
				    "recipe 'split:%s': not a clean cut, node '%s' after the cut also reads '%s'",
				    tensor, tg->nodes[i].name, v);
				goto fail;
			}
		}
	}
	for (size_t i = 0; i < tg->n_outputs; i++) {
		if (gen_map_get(&head_values, tg->outputs[i].name, NULL)) {
			rc = ladder_errf(err, LADDER_EINVAL,
			    "recipe 'split:%s': not a clean cut, output '%s' is computed before the cut",
			    tensor, tg->outputs[i].name);
			goto fail;
		}
	}
	tg->n_inputs = 0;
	if (ladder_graph_add_input(tail, tg, tensor, shape.dtype, shape.rank, dims, params) == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto fail;
	}
	rc = gen_prune(tg, err);
	if (rc != 0)
		goto fail;
	gen_clear_value_infos(hg);
	gen_clear_value_infos(tg);
	gen_map_release(&head_values);
	*head_out = head;
	*tail_out = tail;
	return 0;
fail:
	gen_map_release(&head_values);
	ladder_model_free(head);
	ladder_model_free(tail);
	return rc;
}

int
ladder_transform_resolution(struct ladder_model *m, int64_t height, int64_t width,
    struct ladder_err *err)
{
	struct ladder_graph *g = &m->graph;
	const struct ladder_value_info *ins[16];
	struct ladder_value_info *in;
	struct ladder_tensor shape;
	size_t n_in = feed_inputs(g, ins, 16);
	int rc;

	if (height <= 0 || width <= 0 || height > 65536 || width > 65536)
		return ladder_errf(err, LADDER_EINVAL, "recipe 'resolution:%lldx%lld': bad size",
		    (long long)height, (long long)width);
	if (n_in != 1 || ins[0]->type.rank != 4)
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "recipe 'resolution': needs a model with one 4-d image input (NCHW)");
	in = (struct ladder_value_info *)ins[0];
	in->type.dims[2].value = height;
	in->type.dims[2].param = NULL;
	in->type.dims[3].value = width;
	in->type.dims[3].param = NULL;
	/* Declared output shapes may hold the old spatial size: drop those dims. */
	for (size_t i = 0; i < g->n_outputs; i++)
		for (int d = 2; d < g->outputs[i].type.rank; d++)
			g->outputs[i].type.dims[d].value = -1;
	gen_clear_value_infos(g);
	/* The proof that it is resolution-agnostic: it runs at the new size. */
	rc = probe_value(m, g->outputs[0].name, &shape, err);
	if (rc != 0) {
		struct ladder_err inner = *err;
		ladder_err_clear(err);
		return ladder_errf(err, LADDER_EUNSUPPORTED,
		    "recipe 'resolution:%lldx%lld': the model does not run at that size: %s",
		    (long long)height, (long long)width, inner.msg);
	}
	return 0;
}
