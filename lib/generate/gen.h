/* gen.h: graph-editing helpers shared by the generate transforms.  Internal. */
#ifndef LADDER_GENERATE_GEN_H
#define LADDER_GENERATE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-generate.h"
#include "ladder-model.h"

/* A string -> int64 map (open addressing); keys are borrowed. */
struct gen_map {
	size_t cap, len;
	const char **keys;
	int64_t *vals;
};

void gen_map_init(struct gen_map *map);
void gen_map_release(struct gen_map *map);
int gen_map_put(struct gen_map *map, const char *key, int64_t val);
bool gen_map_get(const struct gen_map *map, const char *key, int64_t *val);

/* A name not yet used by any value, node or initializer of g: "base", "base_1", ... */
char *gen_unique_name(struct ladder_model *m, const struct ladder_graph *g, const char *base);
/* Index of the node producing value `name`, or -1. */
long gen_producer(const struct ladder_graph *g, const char *name);
/* Number of node inputs (and graph outputs) reading `name`. */
size_t gen_use_count(const struct ladder_graph *g, const char *name);
/* Replaces every read of `from` by `to` in nodes (except node index `skip`, -1 none). */
void gen_rename_uses(struct ladder_graph *g, const char *from, char *to, long skip);
/* Reorders g's nodes topologically. */
int gen_toposort(struct ladder_graph *g, struct ladder_err *err);
/* Drops nodes not needed for the graph outputs, then unused initializers, inputs, value_infos. */
int gen_prune(struct ladder_graph *g, struct ladder_err *err);
/* Value dtypes by propagation from inputs and initializers (enough for CNN graphs). */
int gen_value_dtypes(const struct ladder_model *m, const struct ladder_graph *g,
    struct gen_map *dtypes, struct ladder_err *err);
/* Removes every value_info entry (hints only; transforms invalidate them). */
void gen_clear_value_infos(struct ladder_graph *g);

/* Runs m on one input, returning the outputs named `names` (copied into new tensors). */
struct ladder_exec;
int gen_exec_new(const struct ladder_model *m, int threads, struct ladder_exec **out,
    struct ladder_err *err);

#endif
