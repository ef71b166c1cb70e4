/* stats.c: parameter count and weight bytes of a model's initializers. */
#include <string.h>

#include "ir/ir.h"
#include "util/banned.h"

static void
graph_weights(const struct ladder_graph *g, struct ir_weight_stats *out, int depth)
{
	if (depth > 64)
		return;
	for (size_t i = 0; i < g->n_initializers; i++) {
		const struct ladder_tensor *t = &g->initializers[i];
		int64_t numel = ladder_tensor_numel(t);

		if (numel < 0 || (unsigned)t->dtype >= LADDER_DT_COUNT_)
			continue;
		out->params += numel;
		out->weight_bytes += (int64_t)t->bytes;
		out->weight_bytes_by_dtype[t->dtype] += (int64_t)t->bytes;
	}
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_GRAPH && a->g != NULL)
				graph_weights(a->g, out, depth + 1);
			for (size_t j = 0; a->type == LADDER_ATTR_GRAPHS && j < a->n; j++)
				graph_weights(a->graphs[j], out, depth + 1);
		}
	}
}

void
ir_weight_stats(const struct ladder_model *m, struct ir_weight_stats *out)
{
	memset(out, 0, sizeof *out);
	graph_weights(&m->graph, out, 0);
}
