/*
 * dtypes.c: element types of every value by forward propagation.  Enough for
 * the vision graphs generate rewrites; unknown results stay UNDEFINED.
 */
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "util/banned.h"

static bool
is(const struct ladder_node *n, const char *op)
{
	return strcmp(n->op_type, op) == 0;
}

static int64_t
input_dtype(const struct gen_map *dt, const struct ladder_node *n, size_t k)
{
	int64_t v = LADDER_DT_UNDEFINED;

	if (k < n->n_inputs && n->inputs[k][0])
		gen_map_get(dt, n->inputs[k], &v);
	return v;
}

/* Output k's dtype of node n, given its inputs' dtypes. */
static int64_t
output_dtype(const struct gen_map *dt, const struct ladder_node *n, size_t k)
{
	const struct ladder_attr *a;

	if (is(n, "Cast")) {
		a = ladder_node_attr(n, "to");
		return a ? a->i : LADDER_DT_UNDEFINED;
	}
	if (is(n, "CastLike"))
		return input_dtype(dt, n, 1);
	if (is(n, "Constant")) {
		a = ladder_node_attr(n, "value");
		if (a && a->t)
			return a->t->dtype;
		if (ladder_node_attr(n, "value_float") || ladder_node_attr(n, "value_floats"))
			return LADDER_DT_FLOAT;
		return LADDER_DT_INT64;
	}
	if (is(n, "ConstantOfShape")) {
		a = ladder_node_attr(n, "value");
		return a && a->t ? a->t->dtype : LADDER_DT_FLOAT;
	}
	if (is(n, "Shape") || is(n, "Size") || is(n, "ArgMax") || is(n, "ArgMin") ||
	    is(n, "NonZero") || is(n, "NonMaxSuppression"))
		return LADDER_DT_INT64;
	if (is(n, "TopK") || is(n, "Unique"))
		return k == 0 ? input_dtype(dt, n, 0) : LADDER_DT_INT64;
	if (is(n, "MaxPool") && k == 1)
		return LADDER_DT_INT64;
	if (is(n, "Equal") || is(n, "Less") || is(n, "Greater") || is(n, "LessOrEqual") ||
	    is(n, "GreaterOrEqual") || is(n, "Not") || is(n, "And") || is(n, "Or") ||
	    is(n, "Xor") || is(n, "IsNaN") || is(n, "IsInf"))
		return LADDER_DT_BOOL;
	if (is(n, "QuantizeLinear")) {
		int64_t z = input_dtype(dt, n, 2);
		return z != LADDER_DT_UNDEFINED ? z : LADDER_DT_UINT8;
	}
	if (is(n, "DynamicQuantizeLinear"))
		return k == 1 ? LADDER_DT_FLOAT : LADDER_DT_UINT8;
	if (is(n, "DequantizeLinear"))
		return input_dtype(dt, n, 1);
	if (is(n, "ConvInteger") || is(n, "MatMulInteger"))
		return LADDER_DT_INT32;
	if (is(n, "QLinearConv") || is(n, "QLinearMatMul"))
		return input_dtype(dt, n, 7);
	if (is(n, "Where"))
		return input_dtype(dt, n, 1);
	if (is(n, "Range") || is(n, "Gather") || is(n, "GatherElements") || is(n, "GatherND"))
		return input_dtype(dt, n, 0);
	if (is(n, "Dropout") && k == 1)
		return LADDER_DT_BOOL;
	if (is(n, "BatchNormalization") || is(n, "LayerNormalization"))
		return input_dtype(dt, n, 0);
	/* Most ops: the type of the first typed input. */
	for (size_t i = 0; i < n->n_inputs; i++) {
		int64_t v = input_dtype(dt, n, i);
		if (v != LADDER_DT_UNDEFINED)
			return v;
	}
	return LADDER_DT_UNDEFINED;
}

int
gen_value_dtypes(const struct ladder_model *m, const struct ladder_graph *g,
    struct gen_map *dtypes, struct ladder_err *err)
{
	size_t *order = NULL;
	int rc;

	(void)m;
	for (size_t i = 0; i < g->n_inputs; i++)
		if (gen_map_put(dtypes, g->inputs[i].name, g->inputs[i].type.dtype) != 0)
			goto oom;
	for (size_t i = 0; i < g->n_initializers; i++)
		if (gen_map_put(dtypes, g->initializers[i].name, g->initializers[i].dtype) != 0)
			goto oom;
	if (g->n_nodes == 0)
		return 0;
	order = calloc(g->n_nodes, sizeof *order);
	if (order == NULL)
		goto oom;
	rc = ladder_graph_topo_order(g, order, NULL, 0, err);
	if (rc != 0) {
		free(order);
		return rc;
	}
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[order[i]];

		for (size_t k = 0; k < n->n_outputs; k++) {
			if (n->outputs[k][0] == '\0')
				continue;
			if (gen_map_put(dtypes, n->outputs[k], output_dtype(dtypes, n, k)) != 0)
				goto oom;
		}
	}
	free(order);
	return 0;
oom:
	free(order);
	return ladder_errf(err, LADDER_ENOMEM, "out of memory inferring types");
}
