/*
 * topo.c: topological order of a graph's nodes (Kahn's algorithm with a
 * min-heap, so a graph already in order keeps its order).  A node whose
 * subgraphs read a value of this graph depends on that value's producer.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"
#include "util/banned.h"

struct edges {
	size_t n, cap;
	size_t *from, *to;
};

static int
edge_add(struct edges *e, size_t from, size_t to)
{
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 64;
		size_t *f = realloc(e->from, ncap * sizeof *f);

		if (f == NULL)
			return LADDER_ENOMEM;
		e->from = f;
		size_t *t = realloc(e->to, ncap * sizeof *t);
		if (t == NULL)
			return LADDER_ENOMEM;
		e->to = t;
		e->cap = ncap;
	}
	e->from[e->n] = from;
	e->to[e->n] = to;
	e->n++;
	return 0;
}

/* Edges from producers in this graph to node `to` for every name its subgraphs read. */
static int
subgraph_edges(const struct ladder_graph *sub, const struct ir_names *producers, size_t to,
    struct edges *e, int depth)
{
	size_t from;
	int rc;

	if (depth > 64)
		return 0;
	for (size_t i = 0; i < sub->n_nodes; i++) {
		const struct ladder_node *n = &sub->nodes[i];

		for (size_t k = 0; k < n->n_inputs; k++) {
			if (n->inputs[k][0] != '\0' && ir_names_get(producers, n->inputs[k], &from) &&
			    (rc = edge_add(e, from, to)) != 0)
				return rc;
		}
		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_GRAPH && a->g != NULL &&
			    (rc = subgraph_edges(a->g, producers, to, e, depth + 1)) != 0)
				return rc;
			for (size_t j = 0; a->type == LADDER_ATTR_GRAPHS && j < a->n; j++) {
				if ((rc = subgraph_edges(a->graphs[j], producers, to, e, depth + 1)) != 0)
					return rc;
			}
		}
	}
	/* Subgraph outputs may name outer values directly. */
	for (size_t i = 0; i < sub->n_outputs; i++) {
		if (ir_names_get(producers, sub->outputs[i].name, &from) && (rc = edge_add(e, from, to)) != 0)
			return rc;
	}
	return 0;
}

static void
heap_push(size_t *heap, size_t *n, size_t v)
{
	size_t i = (*n)++;

	heap[i] = v;
	while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
		size_t p = (i - 1) / 2, t = heap[p];

		heap[p] = heap[i];
		heap[i] = t;
		i = p;
	}
}

static size_t
heap_pop(size_t *heap, size_t *n)
{
	size_t top = heap[0], i = 0;

	heap[0] = heap[--(*n)];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < *n && heap[l] < heap[m])
			m = l;
		if (r < *n && heap[r] < heap[m])
			m = r;
		if (m == i)
			break;
		size_t t = heap[m];
		heap[m] = heap[i];
		heap[i] = t;
		i = m;
	}
	return top;
}

static const char *
label(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "(unnamed)";
}

/* Names a value on a cycle: follow unfinished producers until one repeats. */
static int
cycle_error(const struct ladder_graph *g, const struct ir_names *producers, const size_t *indegree,
    struct ladder_err *err)
{
	size_t v = 0, steps = 0;

	while (v < g->n_nodes && indegree[v] == 0)
		v++;
	/* After n steps along unfinished dependencies we must be on the cycle. */
	const char *via = NULL;
	for (steps = 0; steps <= g->n_nodes; steps++) {
		const struct ladder_node *n = &g->nodes[v];
		size_t from;
		bool moved = false;

		for (size_t k = 0; k < n->n_inputs && !moved; k++) {
			if (n->inputs[k][0] != '\0' && ir_names_get(producers, n->inputs[k], &from) &&
			    indegree[from] != 0) {
				v = from;
				via = n->inputs[k];
				moved = true;
			}
		}
		if (!moved)
			break;	/* the cycle runs through a subgraph; name this node */
	}
	if (via != NULL)
		return ladder_errf(err, LADDER_EFORMAT, "cycle through node '%s' (%s) and value '%s'",
		    label(g->nodes[v].name), g->nodes[v].op_type, via);
	return ladder_errf(err, LADDER_EFORMAT, "cycle through node '%s' (%s)", label(g->nodes[v].name),
	    g->nodes[v].op_type);
}

int
ladder_graph_topo_order(const struct ladder_graph *g, size_t *order,
    const char *const *outer, size_t n_outer, struct ladder_err *err)
{
	struct ir_names producers, available;
	struct edges e = { 0 };
	size_t *indegree = NULL, *start = NULL, *adj = NULL, *heap = NULL, done = 0, from, n_heap = 0;
	int rc;

	if ((rc = ir_names_init(&producers, g->n_nodes)) != 0)
		return ladder_errf(err, rc, "out of memory");
	if ((rc = ir_names_init(&available, g->n_inputs + g->n_initializers + n_outer)) != 0) {
		ir_names_release(&producers);
		return ladder_errf(err, rc, "out of memory");
	}
	for (size_t i = 0; i < g->n_inputs && rc >= 0; i++)
		rc = ir_names_put(&available, g->inputs[i].name, 0, NULL);
	for (size_t i = 0; i < g->n_initializers && rc >= 0; i++)
		rc = ir_names_put(&available, g->initializers[i].name, 0, NULL);
	for (size_t i = 0; i < n_outer && rc >= 0; i++)
		rc = ir_names_put(&available, outer[i], 0, NULL);
	for (size_t i = 0; i < g->n_nodes && rc >= 0; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_outputs && rc >= 0; k++) {
			if (n->outputs[k][0] == '\0')
				continue;
			rc = ir_names_put(&producers, n->outputs[k], i, &from);
			if (rc == 0 && from != i) {
				rc = ladder_errf(err, LADDER_EFORMAT,
				    "value '%s' is produced by node '%s' (%s) and node '%s' (%s)", n->outputs[k],
				    label(g->nodes[from].name), g->nodes[from].op_type, label(n->name), n->op_type);
				goto out;
			}
		}
	}
	if (rc < 0)
		goto oom;
	rc = 0;
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_inputs; k++) {
			const char *in = n->inputs[k];

			if (in[0] == '\0')
				continue;
			if (ir_names_get(&producers, in, &from)) {
				if ((rc = edge_add(&e, from, i)) != 0)
					goto oom;
			} else if (!ir_names_get(&available, in, NULL)) {
				rc = ladder_errf(err, LADDER_EFORMAT,
				    "node '%s' (%s) reads '%s', which no node, input or initializer provides",
				    label(n->name), n->op_type, in);
				goto out;
			}
		}
		for (size_t k = 0; k < n->n_attrs; k++) {
			const struct ladder_attr *a = &n->attrs[k];

			if (a->type == LADDER_ATTR_GRAPH && a->g != NULL &&
			    (rc = subgraph_edges(a->g, &producers, i, &e, 0)) != 0)
				goto oom;
			for (size_t j = 0; a->type == LADDER_ATTR_GRAPHS && j < a->n; j++) {
				if ((rc = subgraph_edges(a->graphs[j], &producers, i, &e, 0)) != 0)
					goto oom;
			}
		}
	}
	/* Adjacency in CSR form. */
	indegree = calloc(g->n_nodes + 1, sizeof *indegree);
	start = calloc(g->n_nodes + 2, sizeof *start);
	adj = malloc((e.n + 1) * sizeof *adj);
	heap = malloc((g->n_nodes + 1) * sizeof *heap);
	if (indegree == NULL || start == NULL || adj == NULL || heap == NULL)
		goto oom;
	for (size_t i = 0; i < e.n; i++) {
		start[e.from[i] + 2]++;
		indegree[e.to[i]]++;
	}
	for (size_t i = 2; i < g->n_nodes + 2; i++)
		start[i] += start[i - 1];
	for (size_t i = 0; i < e.n; i++)
		adj[start[e.from[i] + 1]++] = e.to[i];
	for (size_t i = 0; i < g->n_nodes; i++) {
		if (indegree[i] == 0)
			heap_push(heap, &n_heap, i);
	}
	while (n_heap > 0) {
		size_t v = heap_pop(heap, &n_heap);

		order[done++] = v;
		for (size_t k = start[v]; k < start[v + 1]; k++) {
			if (--indegree[adj[k]] == 0)
				heap_push(heap, &n_heap, adj[k]);
		}
	}
	if (done != g->n_nodes)
		rc = cycle_error(g, &producers, indegree, err);
	goto out;
oom:
	rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
out:
	ir_names_release(&producers);
	ir_names_release(&available);
	free(e.from);
	free(e.to);
	free(indegree);
	free(start);
	free(adj);
	free(heap);
	return rc;
}
