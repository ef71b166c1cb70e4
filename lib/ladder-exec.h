/*
 * ladder-exec.h: the built-in ONNX executor.
 *
 * A session is made once per model (ops checked, weights prepared); each
 * run binds inputs, plans shapes and the arena if they changed since the last
 * run, and executes.  Outputs are borrowed until the next run or free.
 */
#ifndef LADDER_EXEC_H
#define LADDER_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"
#include "ladder-util.h"

struct ladder_exec;

struct ladder_exec_options {
	int threads;		/* 0 or 1: single-threaded */
	bool no_fusion;		/* disable the Conv [+ Add] [+ activation] fusion (testing) */
	bool time_nodes;	/* time every node of every run (ladder_exec_node_time) */
};

/*
 * Checks every node (op supported, attributes valid) and prepares weights.
 * The model must outlive the session.  Unsupported ops fail here, naming the
 * node and op.
 */
int ladder_exec_new(const struct ladder_model *model, const struct ladder_exec_options *opts,
    struct ladder_exec **out, struct ladder_err *err);
void ladder_exec_free(struct ladder_exec *ex);

/*
 * Runs the model.  inputs[i] are matched to graph inputs by name (name NULL:
 * by position among the non-initializer inputs); their data is borrowed for
 * the call.  Dtypes and static dims must match the declared ones; symbolic
 * dims are bound from the inputs.
 */
int ladder_exec_run(struct ladder_exec *ex, const struct ladder_tensor *inputs, size_t n_inputs,
    struct ladder_err *err);

/* The graph's outputs after a run, in graph order; borrowed. */
size_t ladder_exec_n_outputs(const struct ladder_exec *ex);
const struct ladder_tensor *ladder_exec_output(const struct ladder_exec *ex, size_t i);

/* Graph inputs that must be fed (initializers excluded); borrowed. */
size_t ladder_exec_n_inputs(const struct ladder_exec *ex);
const struct ladder_value_info *ladder_exec_input(const struct ladder_exec *ex, size_t i);

/*
 * The nodes as scheduled (after fusion: a fused node carries the Conv's name
 * and op type FusedConv), and with opts.time_nodes the wall time each took in
 * the last run (0 for nodes folded at plan time).
 */
size_t ladder_exec_n_nodes(const struct ladder_exec *ex);
void ladder_exec_node_time(const struct ladder_exec *ex, size_t i, const char **name,
    const char **op_type, double *ms);

/* Bytes of the intermediate-tensor arena of the current plan, and of prepared weights. */
size_t ladder_exec_arena_bytes(const struct ladder_exec *ex);
size_t ladder_exec_weight_bytes(const struct ladder_exec *ex);

/*
 * Static analysis for `ladder inspect` and ladder.json: shapes inferred from
 * the declared inputs (symbolic dims taken as 1 unless given), per-node MACs.
 */
struct ladder_model_stats {
	int64_t params;			/* elements of all initializers */
	int64_t weight_bytes;		/* bytes of all initializers */
	int64_t weight_bytes_by_dtype[LADDER_DT_COUNT_];
	int64_t macs;			/* multiply-accumulates of one inference */
	int64_t flops;
	int64_t largest_tensor_bytes;	/* largest intermediate value */
	char largest_tensor[128];
	bool shapes_complete;		/* every value got a static shape */
};

int ladder_model_analyze(const struct ladder_model *model, struct ladder_model_stats *stats,
    struct ladder_err *err);

#endif
