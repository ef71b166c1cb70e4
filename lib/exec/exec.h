/*
 * exec.h: the executor's session and plan, shared by exec.c (run) and
 * analyze.c (static analysis).  Internal to libladder.
 */
#ifndef LADDER_EXEC_EXEC_H
#define LADDER_EXEC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-exec.h"
#include "ops/op.h"

/* Per-value bookkeeping next to the struct exec_value the ops see. */
struct exec_slot {
	int producer;		/* schedule index of the producing node, -1 if none */
	int last_use;		/* schedule index of the last consumer; INT_MAX for graph outputs */
	int input_index;	/* index among fed inputs, -1 if not a fed input */
	const struct ladder_tensor *init;	/* initializer, or NULL */
	bool graph_output;
	bool dynamic;		/* shape depends on runtime data: allocated per run */
	bool known;		/* shape inferred in the current plan */
	size_t offset;		/* in the intermediate arena, when arena-backed */
	bool in_arena;
};

struct exec_node {
	const struct ladder_node *node;
	const struct op_def *def;	/* NULL: unsupported (lenient sessions only) */
	struct op_ctx ctx;
	int *in_ids;		/* ctx.n_in entries, -1 when absent */
	int *out_ids;		/* ctx.n_out entries, -1 when absent */
	bool folded;		/* executed at plan time (all inputs constant) */
	bool dynamic;		/* shapes known only at run time */
	bool skipped;		/* lenient analysis: shapes could not be inferred */
	size_t scratch_offset;
	int64_t macs;		/* from the current plan; -1 unknown */
	uint64_t last_ns;	/* the last run's time, with opts.time_nodes */
};

struct ladder_exec {
	const struct ladder_model *model;
	struct ladder_exec_options opts;
	bool lenient;		/* analysis: keep going past unsupported ops */
	struct ladder_arena *arena;	/* session lifetime: names, params, tables */

	size_t n_values;
	struct exec_value *values;
	struct exec_slot *slots;
	size_t hash_cap;
	int *hash;		/* open addressing, value ids, -1 empty */

	size_t n_nodes;
	struct exec_node *nodes;	/* in schedule (topological) order */

	size_t n_inputs;	/* fed inputs (initializers excluded) */
	int *input_ids;
	const struct ladder_value_info **input_infos;
	size_t n_outputs;
	int *output_ids;
	struct ladder_tensor *outputs;

	/* The current plan. */
	bool planned;
	struct exec_value *bound;	/* shapes of the fed inputs the plan was made for */
	struct ladder_arena *fold_arena;	/* data of folded values */
	size_t fold_bytes;
	void *buf;		/* the intermediate arena */
	size_t buf_bytes;
	bool has_dynamic;

	/* Per-run allocations (values downstream of data-dependent shapes). */
	void **dyn;
	size_t n_dyn, cap_dyn;
	size_t dyn_bytes;

	size_t init_bytes;
};

/* Builds a session; lenient: unsupported nodes are kept (def NULL) instead of failing. */
int exec_session_new(const struct ladder_model *model, const struct ladder_exec_options *opts,
    bool lenient, struct ladder_exec **out, struct ladder_err *err);
/*
 * Plans for fed inputs of these dtypes and shapes (data not needed): infers
 * every shape, folds constants, lays out the arena.  With no_alloc the arena
 * is laid out but not allocated (analysis).
 */
int exec_plan(struct ladder_exec *ex, const struct exec_value *inputs, bool no_alloc,
    struct ladder_err *err);
int exec_value_id(const struct ladder_exec *ex, const char *name);
/*
 * fuse.c: the session's node array, with Conv [+ Add] [+ Relu, Clip,
 * LeakyRelu] chains replaced by FusedConv nodes (BatchNormalization folded
 * into the weights: the new tensors are *inits) and, with quant, QDQ
 * convolutions by QConv nodes (allocated from a).
 */
int exec_fuse(const struct ladder_graph *g, int opset, bool quant, struct ladder_arena *a,
    struct ladder_node **out, size_t *n_out, struct ladder_tensor **inits, size_t *n_inits,
    struct ladder_err *err);

#endif
