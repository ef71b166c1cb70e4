/* wire.c: protobuf wire-format pre-check and the arena allocator for protobuf-c. */
#include <string.h>

#include "onnx/pb.h"
#include "util/banned.h"

static void *
pb_alloc_fn(void *data, size_t size)
{
	struct pb_alloc *a = data;

	if (a->budget != 0 && (size > a->budget || ladder_arena_bytes(a->arena) > a->budget - size)) {
		a->over_budget = true;
		return NULL;
	}
	return ladder_arena_alloc(a->arena, size);
}

static void
pb_free_fn(void *data, void *p)
{
	/* Arena memory goes all at once. */
}

void
pb_alloc_init(struct pb_alloc *a, struct ladder_arena *arena, size_t budget)
{
	a->base.alloc = pb_alloc_fn;
	a->base.free = pb_free_fn;
	a->base.allocator_data = a;
	a->arena = arena;
	a->budget = budget;
	a->over_budget = false;
}

static bool
read_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (*i >= len)
			return false;
		uint8_t b = p[(*i)++];
		v |= (uint64_t)(b & 0x7f) << (shift < 64 ? shift : 63);
		if ((b & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

static int
wire_check(const uint8_t *p, size_t len, const ProtobufCMessageDescriptor *d, int depth,
    int max_depth, size_t base, size_t *where)
{
	size_t i = 0;

	if (depth > max_depth) {
		*where = base;
		return -2;
	}
	while (i < len) {
		uint64_t key, v;
		size_t at = i;

		if (!read_varint(p, len, &i, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
			*where = base + at;
			return -1;
		}
		switch (key & 7) {
		case 0:
			if (!read_varint(p, len, &i, &v)) {
				*where = base + at;
				return -1;
			}
			break;
		case 1:
		case 5: {
			size_t n = (key & 7) == 1 ? 8 : 4;

			if (len - i < n) {
				*where = base + at;
				return -1;
			}
			i += n;
			break;
		}
		case 2: {
			const ProtobufCFieldDescriptor *f;

			if (!read_varint(p, len, &i, &v) || v > len - i) {
				*where = base + at;
				return -1;
			}
			f = d != NULL ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
			if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE) {
				int rc = wire_check(p + i, (size_t)v, f->descriptor, depth + 1, max_depth,
				    base + i, where);
				if (rc != 0)
					return rc;
			}
			i += (size_t)v;
			break;
		}
		default:	/* groups: ONNX has none */
			*where = base + at;
			return -1;
		}
	}
	return 0;
}

int
pb_wire_check(const uint8_t *data, size_t len, const ProtobufCMessageDescriptor *d,
    int max_depth, size_t *where)
{
	*where = 0;
	return wire_check(data, len, d, 0, max_depth, 0, where);
}

void
onnx_limits_resolve(const struct ladder_load_limits *in, struct ladder_load_limits *out)
{
	static const struct ladder_load_limits defaults = {
		.max_file_bytes = (size_t)4 << 30,
		.max_tensor_bytes = (size_t)4 << 30,
		.max_nodes = 1000000,
		.max_graph_depth = 16,
	};

	*out = defaults;
	if (in == NULL)
		return;
	if (in->max_file_bytes != 0)
		out->max_file_bytes = in->max_file_bytes;
	if (in->max_tensor_bytes != 0)
		out->max_tensor_bytes = in->max_tensor_bytes;
	if (in->max_nodes != 0)
		out->max_nodes = in->max_nodes;
	if (in->max_graph_depth > 0)
		out->max_graph_depth = in->max_graph_depth;
}
