/*
 * op-data.h: helpers shared by the shape, data-movement and quantization
 * operator families: reading shape-like inputs known at plan time, dtype
 * checks, and the strided copy that Transpose, Slice, Expand, Tile and the
 * depth/space ops are built on.  Internal to lib/ops.
 */
#ifndef LADDER_OPS_OP_DATA_H
#define LADDER_OPS_OP_DATA_H

#include "ops/op.h"

/* Rank of the views op_copy_strided accepts (Tile doubles the rank). */
#define OP_VIEW_MAX_RANK (3 * LADDER_MAX_RANK)

/*
 * Reads the elements of integer tensor v (rank 0 or 1) as int64 into out.
 * v must be known at plan time (data != NULL); otherwise fails with
 * LADDER_EUNSUPPORTED naming `what`.  More than max elements: LADDER_EINVAL.
 */
int op_input_ints(const struct op_ctx *c, const struct exec_value *v, const char *what,
    int64_t *out, int max, int *count, struct ladder_err *err);
/* Same for a float input (scales, ROI). */
int op_input_floats(const struct op_ctx *c, const struct exec_value *v, const char *what,
    float *out, int max, int *count, struct ladder_err *err);
/* Fails with a clear message unless v's dtype has a fixed element size (not string). */
int op_need_sized(const struct op_ctx *c, const struct exec_value *v, struct ladder_err *err);
/* Fails unless an output of this shape has a representable element count and byte size. */
int op_check_size(const struct op_ctx *c, const struct exec_value *v, struct ladder_err *err);
/* Row-major strides (in elements) of dims. */
void op_strides(int rank, const int64_t *dims, int64_t *strides);
/* Element size of v in bytes. */
size_t op_esize(const struct exec_value *v);
/*
 * Copies a strided view of src into dense dst: dst is row-major over dims,
 * and element (i0..in) comes from src + esize * (offset + sum i_k * strides_k).
 * Strides may be 0 (broadcast) or negative (reversed).
 */
void op_copy_strided(void *dst, const void *src, int rank, const int64_t *dims,
    const int64_t *strides, int64_t offset, size_t esize);
/* Copies in to out unless they share a buffer (Identity, Reshape...). */
void op_copy_value(struct exec_value *out, const struct exec_value *in);

#endif
