/* graph.c: naming, producer/use lookups, renaming, pruning and sorting of graphs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generate/gen.h"
#include "ladder-exec.h"
#include "util/banned.h"

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

void
gen_map_init(struct gen_map *map)
{
	memset(map, 0, sizeof *map);
}

void
gen_map_release(struct gen_map *map)
{
	free(map->keys);
	free(map->vals);
	gen_map_init(map);
}

static int
map_grow(struct gen_map *map)
{
	size_t cap = map->cap ? map->cap * 2 : 64;
	const char **keys = calloc(cap, sizeof *keys);
	int64_t *vals = calloc(cap, sizeof *vals);

	if (keys == NULL || vals == NULL) {
		free(keys);
		free(vals);
		return LADDER_ENOMEM;
	}
	for (size_t i = 0; i < map->cap; i++) {
		if (map->keys[i] == NULL)
			continue;
		size_t j = hash_str(map->keys[i]) & (cap - 1);
		while (keys[j] != NULL)
			j = (j + 1) & (cap - 1);
		keys[j] = map->keys[i];
		vals[j] = map->vals[i];
	}
	free(map->keys);
	free(map->vals);
	map->keys = keys;
	map->vals = vals;
	map->cap = cap;
	return 0;
}

int
gen_map_put(struct gen_map *map, const char *key, int64_t val)
{
	if ((map->len + 1) * 2 > map->cap && map_grow(map) != 0)
		return LADDER_ENOMEM;
	size_t j = hash_str(key) & (map->cap - 1);
	while (map->keys[j] != NULL && strcmp(map->keys[j], key) != 0)
		j = (j + 1) & (map->cap - 1);
	if (map->keys[j] == NULL) {
		map->keys[j] = key;
		map->len++;
	}
	map->vals[j] = val;
	return 0;
}

bool
gen_map_get(const struct gen_map *map, const char *key, int64_t *val)
{
	if (map->cap == 0)
		return false;
	size_t j = hash_str(key) & (map->cap - 1);
	while (map->keys[j] != NULL) {
		if (strcmp(map->keys[j], key) == 0) {
			if (val)
				*val = map->vals[j];
			return true;
		}
		j = (j + 1) & (map->cap - 1);
	}
	return false;
}

static bool
name_used(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_inputs; i++)
		if (strcmp(g->inputs[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < g->n_outputs; i++)
		if (strcmp(g->outputs[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < g->n_initializers; i++)
		if (strcmp(g->initializers[i].name, name) == 0)
			return true;
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		if (n->name && strcmp(n->name, name) == 0)
			return true;
		for (size_t k = 0; k < n->n_outputs; k++)
			if (strcmp(n->outputs[k], name) == 0)
				return true;
		for (size_t k = 0; k < n->n_inputs; k++)
			if (strcmp(n->inputs[k], name) == 0)
				return true;
	}
	return false;
}

char *
gen_unique_name(struct ladder_model *m, const struct ladder_graph *g, const char *base)
{
	char buf[512];

	if (!name_used(g, base))
		return ladder_arena_strdup(m->arena, base);
	for (unsigned i = 1;; i++) {
		snprintf(buf, sizeof buf, "%s_%u", base, i);
		if (!name_used(g, buf))
			return ladder_arena_strdup(m->arena, buf);
	}
}

long
gen_producer(const struct ladder_graph *g, const char *name)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_outputs; k++)
			if (strcmp(n->outputs[k], name) == 0)
				return (long)i;
	}
	return -1;
}

size_t
gen_use_count(const struct ladder_graph *g, const char *name)
{
	size_t count = 0;

	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_inputs; k++)
			count += strcmp(n->inputs[k], name) == 0;
	}
	for (size_t i = 0; i < g->n_outputs; i++)
		count += strcmp(g->outputs[i].name, name) == 0;
	return count;
}

void
gen_rename_uses(struct ladder_graph *g, const char *from, char *to, long skip)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct ladder_node *n = &g->nodes[i];

		if ((long)i == skip)
			continue;
		for (size_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k][0] != '\0' && strcmp(n->inputs[k], from) == 0)
				n->inputs[k] = to;
	}
}

int
gen_toposort(struct ladder_graph *g, struct ladder_err *err)
{
	size_t *order;
	struct ladder_node *sorted;
	int rc;

	if (g->n_nodes == 0)
		return 0;
	order = calloc(g->n_nodes, sizeof *order);
	sorted = calloc(g->n_nodes, sizeof *sorted);
	if (order == NULL || sorted == NULL) {
		free(order);
		free(sorted);
		return ladder_errf(err, LADDER_ENOMEM, "out of memory sorting graph '%s'",
		    g->name ? g->name : "");
	}
	rc = ladder_graph_topo_order(g, order, NULL, 0, err);
	if (rc == 0) {
		for (size_t i = 0; i < g->n_nodes; i++)
			sorted[i] = g->nodes[order[i]];
		memcpy(g->nodes, sorted, g->n_nodes * sizeof *sorted);
	}
	free(order);
	free(sorted);
	return rc;
}

int
gen_prune(struct ladder_graph *g, struct ladder_err *err)
{
	struct gen_map needed;
	size_t kept = 0;
	int rc;

	rc = gen_toposort(g, err);
	if (rc != 0)
		return rc;
	gen_map_init(&needed);
	for (size_t i = 0; i < g->n_outputs; i++)
		if (gen_map_put(&needed, g->outputs[i].name, 1) != 0)
			goto oom;
	/* Walk backwards: a node is live if any of its outputs is needed. */
	bool *live = calloc(g->n_nodes ? g->n_nodes : 1, sizeof *live);
	if (live == NULL)
		goto oom;
	for (size_t i = g->n_nodes; i-- > 0;) {
		struct ladder_node *n = &g->nodes[i];

		for (size_t k = 0; k < n->n_outputs; k++)
			if (n->outputs[k][0] && gen_map_get(&needed, n->outputs[k], NULL))
				live[i] = true;
		if (!live[i])
			continue;
		for (size_t k = 0; k < n->n_inputs; k++)
			if (n->inputs[k][0] && gen_map_put(&needed, n->inputs[k], 1) != 0) {
				free(live);
				goto oom;
			}
		/* Subgraph bodies may read outer values: keep every name they mention. */
		for (size_t a = 0; a < n->n_attrs; a++) {
			const struct ladder_attr *at = &n->attrs[a];
			const struct ladder_graph *subs[1];
			size_t n_subs = 0;

			if (at->type == LADDER_ATTR_GRAPH && at->g)
				subs[n_subs++] = at->g;
			for (size_t s = 0; s < n_subs; s++)
				for (size_t j = 0; j < subs[s]->n_nodes; j++)
					for (size_t k = 0; k < subs[s]->nodes[j].n_inputs; k++)
						gen_map_put(&needed, subs[s]->nodes[j].inputs[k], 1);
		}
	}
	for (size_t i = 0; i < g->n_nodes; i++)
		if (live[i])
			g->nodes[kept++] = g->nodes[i];
	g->n_nodes = kept;
	free(live);
	kept = 0;
	for (size_t i = 0; i < g->n_initializers; i++)
		if (gen_map_get(&needed, g->initializers[i].name, NULL))
			g->initializers[kept++] = g->initializers[i];
	g->n_initializers = kept;
	kept = 0;
	for (size_t i = 0; i < g->n_inputs; i++)
		if (gen_map_get(&needed, g->inputs[i].name, NULL))
			g->inputs[kept++] = g->inputs[i];
	g->n_inputs = kept;
	kept = 0;
	for (size_t i = 0; i < g->n_value_infos; i++)
		if (gen_map_get(&needed, g->value_infos[i].name, NULL))
			g->value_infos[kept++] = g->value_infos[i];
	g->n_value_infos = kept;
	gen_map_release(&needed);
	return 0;
oom:
	gen_map_release(&needed);
	return ladder_errf(err, LADDER_ENOMEM, "out of memory pruning graph");
}

void
gen_clear_value_infos(struct ladder_graph *g)
{
	g->n_value_infos = 0;
}

int
ladder_model_clone(const struct ladder_model *m, struct ladder_model **out, struct ladder_err *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char dir[4096] = ".";
	int rc;

	rc = ladder_model_serialize(m, &data, &len, err);
	if (rc != 0)
		return rc;
	if (m->path)
		ladder_path_dir(m->path, dir, sizeof dir);
	rc = ladder_model_load_mem(data, len, dir, out, err);
	free(data);
	if (rc == 0 && m->path)
		(*out)->path = ladder_arena_strdup((*out)->arena, m->path);
	return rc;
}

int
gen_exec_new(const struct ladder_model *m, int threads, struct ladder_exec **out,
    struct ladder_err *err)
{
	struct ladder_exec_options o = { .threads = threads };

	return ladder_exec_new(m, &o, out, err);
}
