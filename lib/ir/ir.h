/* ir.h: internal to libladder's IR code: a string-keyed hash map and model statistics. */
#ifndef LADDER_IR_H
#define LADDER_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"

/*
 * A map from borrowed C strings to size_t, open addressing.  The keys are
 * not copied: they must outlive the map (model strings do).
 */
struct ir_names {
	size_t cap;		/* power of two, or 0 */
	size_t count;
	const char **keys;
	size_t *values;
};

int ir_names_init(struct ir_names *m, size_t expected);
void ir_names_release(struct ir_names *m);
/* Inserts or finds key: returns 1 if it was new, 0 if present (*value then holds the old value), <0 on OOM. */
int ir_names_put(struct ir_names *m, const char *key, size_t value, size_t *old_value);
bool ir_names_get(const struct ir_names *m, const char *key, size_t *value);

/* Weight statistics: parameter count and bytes of every initializer (subgraphs included). */
struct ir_weight_stats {
	int64_t params;
	int64_t weight_bytes;
	int64_t weight_bytes_by_dtype[LADDER_DT_COUNT_];
};

void ir_weight_stats(const struct ladder_model *m, struct ir_weight_stats *out);

#endif
