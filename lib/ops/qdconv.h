/*
 * qdconv.h: direct 8-bit convolution (AVX-512 VNNI) for QConv, stride 1
 * along the row.  Internal to libladder.
 */
#ifndef LADDER_OPS_QDCONV_H
#define LADDER_OPS_QDCONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ops/conv.h"
#include "ops/pgemm8.h"

/* True when qdconv_run is available here and suits g. */
bool qdconv_suits(const struct conv_geom *g);
/* The k of the reordered weights: channels rounded up to 4, times the kernel. */
int64_t qdconv_k(const struct conv_geom *g);
/* One group's int8 weights [mg][cg][kh][kw] in the direct kernel's k order, [mg][qdconv_k]. */
void qdconv_reorder(const struct conv_geom *g, const int8_t *w, int64_t mg, int8_t *out);
/* Workspace bytes of one call (the interleaved input). */
size_t qdconv_scratch_bytes(const struct conv_geom *g);
/*
 * One batch element and group: y = post(dequant(conv(x - zx, w))); ap from
 * pq_pack_a of the reordered weights; dq, post's bias start at the group.
 */
void qdconv_run(const struct conv_geom *g, const uint8_t *x, uint8_t zx, const int8_t *ap,
    float *y, const struct pq_dequant *dq, const struct pg_post *post, void *scratch,
    int threads);

#endif
