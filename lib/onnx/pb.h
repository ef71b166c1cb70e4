/*
 * pb.h: internal to lib/onnx: the generated protobuf-c types, a wire-format
 * pre-check, and arena-backed protobuf-c allocators.
 */
#ifndef LADDER_ONNX_PB_H
#define LADDER_ONNX_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-model.h"
#include "onnx.pb-c.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ladder assumes a little-endian host (ONNX raw_data is little-endian)"
#endif

/* A protobuf-c allocator that takes from an arena and refuses past a budget. */
struct pb_alloc {
	ProtobufCAllocator base;
	struct ladder_arena *arena;
	size_t budget;		/* 0: unlimited */
	bool over_budget;
};

void pb_alloc_init(struct pb_alloc *a, struct ladder_arena *arena, size_t budget);

/*
 * Walks protobuf wire data of message type d without allocating: checks
 * that every length fits and that messages nest at most max_depth deep
 * (protobuf-c's unpacker recurses, so hostile nesting must stop here).
 * Returns 0, or -1 (malformed) / -2 (too deep) with *where set to the offset.
 */
int pb_wire_check(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *d,
    int max_depth, size_t *where);

/* Default limits filled in where the caller left zeros. */
void onnx_limits_resolve(const struct ladder_load_limits *in, struct ladder_load_limits *out);

#endif
