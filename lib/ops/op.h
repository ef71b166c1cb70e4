/*
 * op.h: the operator interface of the executor.  Internal to libladder.
 *
 * Each ONNX operator (family) lives in lib/ops/NAME.c and exports one or more
 * `const struct op_def` listed in lib/ops/ops.def.  The executor calls, per
 * node:
 *   check  once per session: attributes and opset variant; parse them into
 *          c->params (allocated from c->arena).  Unsupported attribute values
 *          fail here with a message naming the node and op.
 *   infer  whenever input shapes change: set each output's dtype, rank and
 *          dims from the inputs'.  An input whose data is known at plan time
 *          (initializer or folded constant) has data != NULL and is_const; ops
 *          whose output shape depends on input data (Reshape, Expand, Slice
 *          with tensor inputs...) read it there, and fail with
 *          LADDER_EUNSUPPORTED if it is not known.  infer may ask for a
 *          workspace by setting c->scratch_bytes.
 *   run    compute outputs.  Output buffers are already allocated (sized from
 *          infer) in the arena; kernels never allocate.
 *   macs   optional: multiply-accumulates for one run, from shapes.
 * Omitted optional inputs are NULL in c->in (also beyond the node's count up
 * to n_in_max); omitted optional outputs are NULL in c->out.
 *
 * Data-dependent output shapes (NonZero, Unique, Compress,
 * NonMaxSuppression): when the inputs that decide the shape are known at
 * infer, infer gives the exact shape.  Otherwise infer gives an upper bound
 * (the most elements the output can have) and run writes the actual, never
 * larger, dims into out->rank/dims.
 * What the executor (lib/exec/exec.c) does: nodes of those four ops (unless
 * all inputs are constant), nodes whose infer fails at plan time while some
 * input's data is still unknown (data == NULL), and every node downstream of
 * either are "dynamic": at run time their infer is called again with every
 * input's data present and is_const set true for that call (so infer gives
 * exact shapes), their outputs and scratch are allocated per run (reported
 * in ladder_exec_arena_bytes), and after run the dims are re-read.  So an
 * infer that needs input data should test `data != NULL` (or is_const) and
 * fail with LADDER_EUNSUPPORTED when it is NULL.  Shape and Size read only
 * in->dims: the executor computes them itself at plan time (attributes
 * start/end honoured) unless their input is dynamic.
 * Variadic ops: n_in_max < 0 (or > 64) means any count; c->n_in is then the
 * node's input count.
 */
#ifndef LADDER_OPS_OP_H
#define LADDER_OPS_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"
#include "ladder-util.h"

struct exec_value {
	const char *name;
	enum ladder_dtype dtype;
	int rank;
	int64_t dims[LADDER_MAX_RANK];
	void *data;
	size_t bytes;
	bool is_const;		/* known before run: initializer or folded */
};

struct op_ctx {
	const struct ladder_node *node;
	int opset;		/* opset version of the node's domain */
	size_t n_in;		/* entries in `in`: max(node inputs, def->n_in_max) */
	size_t n_out;
	struct exec_value **in;
	struct exec_value **out;
	void *params;		/* set by check */
	struct ladder_arena *arena;	/* session lifetime, for params */
	void *scratch;		/* run: workspace of scratch_bytes */
	size_t scratch_bytes;	/* infer: set to the workspace needed */
	int threads;
};

struct op_def {
	const char *name;	/* op_type, e.g. "Conv" */
	const char *domain;	/* "" or "com.microsoft" ... */
	int n_in_min, n_in_max;	/* accepted input count */
	int n_out_min, n_out_max;
	int (*check)(struct op_ctx *c, struct ladder_err *err);
	int (*infer)(struct op_ctx *c, struct ladder_err *err);
	int (*run)(struct op_ctx *c, struct ladder_err *err);
	int64_t (*macs)(const struct op_ctx *c);
};

/* ops.def: OP(symbol) for each `extern const struct op_def op_SYMBOL`. */
#define OP(sym) extern const struct op_def op_##sym;
#include "ops/ops.def"
#undef OP

/* The registry: lookup by domain ("" and "ai.onnx" are the same) and op_type. */
const struct op_def *op_find(const char *domain, const char *op_type);
size_t op_count(void);
const struct op_def *op_at(size_t i);

/*
 * Errors name the node and op: "node 'conv1' (Conv): kernel_shape has 3 values, input is 2-d".
 */
int op_fail(const struct op_ctx *c, struct ladder_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Attributes with defaults.  *_req fail when absent. */
const struct ladder_attr *op_attr(const struct op_ctx *c, const char *name);
int64_t op_attr_int(const struct op_ctx *c, const char *name, int64_t def);
float op_attr_float(const struct op_ctx *c, const char *name, float def);
const char *op_attr_string(const struct op_ctx *c, const char *name, const char *def);
/* Copies up to max ints into out; returns the count (0 when absent), -1 if more than max. */
int op_attr_ints(const struct op_ctx *c, const char *name, int64_t *out, int max);

/* Shapes. */
int64_t op_numel(const struct exec_value *v);
void op_set_shape(struct exec_value *v, enum ladder_dtype dt, int rank, const int64_t *dims);
bool op_same_shape(const struct exec_value *a, const struct exec_value *b);
/* Normalises a possibly negative axis into [0, rank); false if out of range. */
bool op_axis(int64_t axis, int rank, int *out);
/* Multidirectional (numpy) broadcast of n shapes into out; false if incompatible. */
bool op_broadcast_shape(const struct exec_value *const *v, int n, int *rank, int64_t *dims);
/*
 * Strides (in elements) to read `v` as if broadcast to rank/dims: 0 along
 * broadcast axes.
 */
void op_broadcast_strides(const struct exec_value *v, int rank, const int64_t *dims,
    int64_t *strides);

/* Reads element i of an integer tensor (int32/int64/uint8/...) as int64. */
int64_t op_get_int(const struct exec_value *v, int64_t i);
/* Reads element i of any numeric tensor as double / float. */
double op_get_double(const struct exec_value *v, int64_t i);
void op_set_double(struct exec_value *v, int64_t i, double x);

/* float16 / bfloat16 conversion (IEEE round-to-nearest-even). */
float op_half_to_float(uint16_t h);
uint16_t op_float_to_half(float f);
float op_bf16_to_float(uint16_t h);
uint16_t op_float_to_bf16(float f);

#endif
