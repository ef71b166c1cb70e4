/*
 * analyze.c: PROVISIONAL ladder_model_analyze (weights only).  The executor
 * replaces this file with shape inference, MACs and the largest tensor.
 */
#include <string.h>

#include "ladder-exec.h"
#include "ir/ir.h"
#include "util/banned.h"

int
ladder_model_analyze(const struct ladder_model *model, struct ladder_model_stats *stats,
    struct ladder_err *err)
{
	struct ir_weight_stats w;

	memset(stats, 0, sizeof *stats);
	ir_weight_stats(model, &w);
	stats->params = w.params;
	stats->weight_bytes = w.weight_bytes;
	memcpy(stats->weight_bytes_by_dtype, w.weight_bytes_by_dtype, sizeof w.weight_bytes_by_dtype);
	stats->shapes_complete = false;
	return 0;
}
