/* lookup.c: find attributes and initializers by name. */
#include <string.h>

#include "ladder-model.h"
#include "util/banned.h"

const struct ladder_attr *
ladder_node_attr(const struct ladder_node *n, const char *name)
{
	for (size_t i = 0; i < n->n_attrs; i++) {
		if (n->attrs[i].name && strcmp(n->attrs[i].name, name) == 0)
			return &n->attrs[i];
	}
	return NULL;
}

const struct ladder_tensor *
ladder_graph_initializer(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_initializers; i++) {
		if (g->initializers[i].name && strcmp(g->initializers[i].name, name) == 0)
			return &g->initializers[i];
	}
	return NULL;
}

bool
ladder_graph_is_initializer(const struct ladder_graph *g, const char *name)
{
	return ladder_graph_initializer(g, name) != NULL;
}
