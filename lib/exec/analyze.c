/*
 * analyze.c: ladder_model_analyze: weights (lib/ir), and shapes, MACs and
 * the largest intermediate from a plan over the declared input shapes
 * (symbolic or unknown dims taken as 1).  The plan is lenient: nodes with
 * unsupported ops, and everything downstream of them, are left out and
 * shapes_complete says so.
 */
#include <stdio.h>
#include <string.h>

#include "exec/exec.h"
#include "ir/ir.h"
#include "util/banned.h"

int
ladder_model_analyze(const struct ladder_model *model, struct ladder_model_stats *stats,
    struct ladder_err *err)
{
	struct ir_weight_stats w;
	struct ladder_exec *ex = NULL;
	struct ladder_err local = { 0 };
	struct exec_value *inputs = NULL;

	memset(stats, 0, sizeof *stats);
	ir_weight_stats(model, &w);
	stats->params = w.params;
	stats->weight_bytes = w.weight_bytes;
	memcpy(stats->weight_bytes_by_dtype, w.weight_bytes_by_dtype, sizeof w.weight_bytes_by_dtype);
	stats->shapes_complete = false;

	/* Shapes are best effort: a model the executor cannot plan still has weight stats. */
	if (exec_session_new(model, NULL, true, &ex, &local) != 0)
		return 0;
	inputs = ladder_arena_alloc(ex->arena, (ex->n_inputs + 1) * sizeof *inputs);
	if (inputs == NULL) {
		ladder_exec_free(ex);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	}
	bool complete = true;

	for (size_t i = 0; i < ex->n_inputs; i++) {
		const struct ladder_type *t = &ex->input_infos[i]->type;

		inputs[i].dtype = t->dtype;
		if (t->kind != LADDER_TYPE_TENSOR || t->rank < 0 || t->rank > LADDER_MAX_RANK) {
			complete = false;
			inputs[i].rank = 0;
			continue;
		}
		inputs[i].rank = t->rank;
		for (int d = 0; d < t->rank; d++)
			inputs[i].dims[d] = t->dims[d].value >= 0 ? t->dims[d].value : 1;
	}
	if (exec_plan(ex, inputs, true, &local) != 0) {
		ladder_exec_free(ex);
		return 0;
	}
	for (size_t s = 0; s < ex->n_nodes; s++) {
		const struct exec_node *en = &ex->nodes[s];

		if (en->skipped || en->dynamic) {
			complete = false;
			continue;
		}
		if (en->macs >= 0) {
			stats->macs += en->macs;
			stats->flops += 2 * en->macs;
		} else {
			/* No MAC count: one operation per output element. */
			for (size_t k = 0; k < en->ctx.n_out; k++)
				if (en->ctx.out[k] != NULL)
					stats->flops += op_numel(en->ctx.out[k]);
		}
	}
	for (size_t i = 0; i < ex->n_values; i++) {
		const struct exec_value *v = &ex->values[i];
		const struct exec_slot *sl = &ex->slots[i];

		if (!sl->known || sl->dynamic || sl->init != NULL || sl->input_index >= 0 || v->is_const)
			continue;
		if ((int64_t)v->bytes > stats->largest_tensor_bytes) {
			stats->largest_tensor_bytes = (int64_t)v->bytes;
			snprintf(stats->largest_tensor, sizeof stats->largest_tensor, "%s", v->name);
		}
	}
	for (size_t i = 0; i < ex->n_outputs; i++) {
		if (!ex->slots[ex->output_ids[i]].known || ex->slots[ex->output_ids[i]].dynamic)
			complete = false;
	}
	stats->shapes_complete = complete;
	ladder_exec_free(ex);
	return 0;
}
