/*
 * conv.h: convolution geometry shared by Conv/FusedConv (conv.c) and the
 * 8-bit QConv (qdqconv.c).  Internal to libladder.
 */
#ifndef LADDER_OPS_CONV_H
#define LADDER_OPS_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/op.h"
#include "ops/pgemm.h"

#define CONV_MAX_SP 3

struct conv_geom {
	int nsp;		/* spatial dims; the real ones are the last nsp slots, the others 1 */
	int64_t n, c, m, group;
	int64_t in[CONV_MAX_SP], k[CONV_MAX_SP], out[CONV_MAX_SP];
	int64_t stride[CONV_MAX_SP], dil[CONV_MAX_SP], pad_b[CONV_MAX_SP], pad_e[CONV_MAX_SP];
	int64_t in_sp, k_sp, out_sp;	/* products */
};

/*
 * The geometry from the node's attributes and its X and W (for QConv: inputs
 * 0 and 3, bias 6), checking dtypes and shapes.
 */
int conv_geom(const struct op_ctx *c, struct conv_geom *g, struct ladder_err *err);
/* 1x1 kernel, stride 1, no padding: the input is already the GEMM's B. */
bool conv_pointwise(const struct conv_geom *g);
/* One filter per input channel, 2-d. */
bool conv_is_depthwise(const struct conv_geom *g);
/* The "activation" and "activation_params" attributes (FusedConv, QConv) as an epilogue. */
int conv_activation(const struct op_ctx *c, struct pg_post *post, struct ladder_err *err);
/*
 * The columns n .. n + cols - 1 of the im2col matrix cut at output-row ends:
 * run i covers columns lane .. lane + len - 1 (counted from n), of output row
 * (od, oh) from column ow, all three already multiplied by the strides.
 * Returns the number of runs (at most cols + 1).
 */
struct conv_run {
	int64_t lane, len, od, oh, ow;
};
int conv_runs(const struct conv_geom *g, int64_t n, int64_t cols, struct conv_run *run);

/* Multiply-adds of a convolution producing y with weights w ([M, C/group, k...]). */
int64_t conv_macs_of(const struct exec_value *y, const struct exec_value *w);

/*
 * Which of the nrows output rows from oh read input row ih + r * stride
 * inside the input for some kernel row (ih: that row for output row oh):
 * bit r set.  Rows past the map's end are never set.
 */
unsigned conv_rows_inside(const struct conv_geom *g, int64_t oh, int64_t ih, int64_t nrows);

/* y = act(t + z), t and z broadcast to y's shape (t may be y itself); any float dtype. */
void conv_post_broadcast(const struct pg_post *p, const struct exec_value *t,
    const struct exec_value *z, struct exec_value *y);

#endif
