/*
 * dconv.h: direct 2-d float convolution (AVX-512) for wide output rows,
 * reading the weights packed for pg_gemm.  Internal to libladder.
 */
#ifndef LADDER_OPS_DCONV_H
#define LADDER_OPS_DCONV_H

#include <stdbool.h>

#include "ops/conv.h"
#include "ops/pgemm.h"

/* True when dconv_run is available here and beats im2col + GEMM for g. */
bool dconv_suits(const struct conv_geom *g);

/*
 * One batch element and group: y = post(conv(x, weights)); ap from
 * pg_pack_a of the group's weights; post's bias and z start at the group.
 */
void dconv_run(const struct conv_geom *g, const float *x, const float *ap, float *y,
    const struct pg_post *post, int threads);

#endif
