/*
 * ladder-model.h: the model IR (graph, values, nodes, attributes, tensors),
 * ONNX load/save, and the static analysis that `ladder inspect` prints.
 *
 * Ownership: everything reachable from a struct ladder_model (strings,
 * arrays, tensor data, subgraphs) lives in the model's arena and is freed
 * by ladder_model_free.  Builder calls allocate from that arena.  Pointers
 * handed out are borrowed for the model's lifetime.
 *
 * The protobuf-c types never leave lib/onnx.  Parts of ONNX that ladder does
 * not model (functions, training info, sparse initializers, non-tensor type
 * protos, sparse/type-proto attributes) are kept as opaque serialized bytes
 * so that a load/save round trip preserves them.
 */
#ifndef LADDER_MODEL_H
#define LADDER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladder-util.h"

/* Same numbering as ONNX TensorProto.DataType. */
enum ladder_dtype {
	LADDER_DT_UNDEFINED = 0,
	LADDER_DT_FLOAT = 1,
	LADDER_DT_UINT8 = 2,
	LADDER_DT_INT8 = 3,
	LADDER_DT_UINT16 = 4,
	LADDER_DT_INT16 = 5,
	LADDER_DT_INT32 = 6,
	LADDER_DT_INT64 = 7,
	LADDER_DT_STRING = 8,
	LADDER_DT_BOOL = 9,
	LADDER_DT_FLOAT16 = 10,
	LADDER_DT_DOUBLE = 11,
	LADDER_DT_UINT32 = 12,
	LADDER_DT_UINT64 = 13,
	LADDER_DT_COMPLEX64 = 14,
	LADDER_DT_COMPLEX128 = 15,
	LADDER_DT_BFLOAT16 = 16,
	LADDER_DT_COUNT_
};

/* Element size in bytes (0 for UNDEFINED and STRING); name ("float32"...). */
size_t ladder_dtype_size(enum ladder_dtype dt);
const char *ladder_dtype_name(enum ladder_dtype dt);
/* Parses a name as ladder_dtype_name prints it; LADDER_DT_UNDEFINED if unknown. */
enum ladder_dtype ladder_dtype_parse(const char *name);

#define LADDER_MAX_RANK 8

/* A byte string (ONNX `bytes`/`string`), not NUL-terminated in general. */
struct ladder_bytes {
	uint8_t *data;
	size_t len;
};

/*
 * A tensor: an initializer, an attribute value, or an executor input or
 * output.  Data is dense, row-major, little-endian, `bytes` long.  For
 * LADDER_DT_STRING, data points to numel struct ladder_bytes.
 * External data is read at load time; `external` remembers where it came
 * from so save can write it back the same way.
 */
struct ladder_tensor {
	char *name;
	enum ladder_dtype dtype;
	int rank;
	int64_t dims[LADDER_MAX_RANK];
	void *data;
	size_t bytes;
	char *doc_string;
	char *external_location;	/* NULL unless loaded from external data */
};

/* Number of elements (1 for rank 0); -1 on overflow or negative dims. */
int64_t ladder_tensor_numel(const struct ladder_tensor *t);

/* A dimension of a declared shape: a size, a symbol, or unknown. */
struct ladder_dim {
	int64_t value;		/* >= 0 when known, -1 otherwise */
	char *param;		/* symbolic name ("batch") or NULL */
};

enum ladder_type_kind {
	LADDER_TYPE_TENSOR = 0,
	LADDER_TYPE_OTHER = 1,	/* sequence, map, optional, sparse: opaque */
};

struct ladder_type {
	enum ladder_type_kind kind;
	enum ladder_dtype dtype;	/* TENSOR only */
	int rank;			/* -1: shape unknown */
	struct ladder_dim *dims;	/* rank entries */
	struct ladder_bytes raw;	/* OTHER: serialized onnx.TypeProto */
};

struct ladder_value_info {
	char *name;
	char *doc_string;
	struct ladder_type type;
};

enum ladder_attr_type {
	LADDER_ATTR_UNDEFINED = 0,
	LADDER_ATTR_FLOAT = 1,
	LADDER_ATTR_INT = 2,
	LADDER_ATTR_STRING = 3,
	LADDER_ATTR_TENSOR = 4,
	LADDER_ATTR_GRAPH = 5,
	LADDER_ATTR_FLOATS = 6,
	LADDER_ATTR_INTS = 7,
	LADDER_ATTR_STRINGS = 8,
	LADDER_ATTR_TENSORS = 9,
	LADDER_ATTR_GRAPHS = 10,
	LADDER_ATTR_SPARSE_TENSOR = 11,
	LADDER_ATTR_SPARSE_TENSORS = 12,
	LADDER_ATTR_TYPE_PROTO = 13,
	LADDER_ATTR_TYPE_PROTOS = 14,
};

struct ladder_graph;

struct ladder_attr {
	char *name;
	enum ladder_attr_type type;
	char *ref_attr_name;		/* functions only; usually NULL */
	char *doc_string;
	float f;
	int64_t i;
	struct ladder_bytes s;
	struct ladder_tensor *t;
	struct ladder_graph *g;
	size_t n;			/* element count of the list kinds */
	float *floats;
	int64_t *ints;
	struct ladder_bytes *strings;
	struct ladder_tensor **tensors;
	struct ladder_graph **graphs;
	struct ladder_bytes raw;	/* sparse and type-proto kinds: the serialized AttributeProto */
};

struct ladder_node {
	char *name;
	char *op_type;
	char *domain;			/* "" for the default ONNX domain */
	char *doc_string;
	size_t n_inputs;
	char **inputs;			/* "" marks an omitted optional input */
	size_t n_outputs;
	char **outputs;
	size_t n_attrs;
	struct ladder_attr *attrs;
};

struct ladder_graph {
	char *name;
	char *doc_string;
	size_t n_nodes, cap_nodes;
	struct ladder_node *nodes;
	size_t n_initializers, cap_initializers;
	struct ladder_tensor *initializers;
	size_t n_inputs, cap_inputs;
	struct ladder_value_info *inputs;	/* may include initializer names (IR < 4) */
	size_t n_outputs, cap_outputs;
	struct ladder_value_info *outputs;
	size_t n_value_infos, cap_value_infos;
	struct ladder_value_info *value_infos;
	struct ladder_bytes raw_extra;	/* sparse_initializer and quantization_annotation, serialized */
};

struct ladder_opset {
	char *domain;			/* "" or "ai.onnx" for the default domain */
	int64_t version;
};

struct ladder_kv {
	char *key;
	char *value;
};

struct ladder_arena;

struct ladder_model {
	struct ladder_arena *arena;
	int64_t ir_version;
	size_t n_opsets;
	struct ladder_opset *opsets;
	char *producer_name;
	char *producer_version;
	char *domain;
	int64_t model_version;
	char *doc_string;
	size_t n_metadata;
	struct ladder_kv *metadata;
	struct ladder_graph graph;
	struct ladder_bytes raw_extra;	/* functions and training_info, serialized */
	char *path;			/* file it was loaded from, or NULL */
};

/* Limits that protect against hostile files. */
struct ladder_load_limits {
	size_t max_file_bytes;		/* default 4 GiB */
	size_t max_tensor_bytes;	/* default 4 GiB */
	size_t max_nodes;		/* default 1,000,000 */
	int max_graph_depth;		/* default 16 (nested If/Loop bodies) */
};

/* Loading: from a file (external data resolved next to it) or memory. */
int ladder_model_load(const char *path, struct ladder_model **out, struct ladder_err *err);
int ladder_model_load_mem(const void *data, size_t len, const char *base_dir,
    struct ladder_model **out, struct ladder_err *err);
int ladder_model_load_ex(const char *path, const struct ladder_load_limits *limits,
    struct ladder_model **out, struct ladder_err *err);
/* Saving: every tensor inline (raw_data). */
int ladder_model_save(const struct ladder_model *m, const char *path, struct ladder_err *err);
/* Serializes to a new buffer (caller frees *data). */
int ladder_model_serialize(const struct ladder_model *m, uint8_t **data, size_t *len,
    struct ladder_err *err);
void ladder_model_free(struct ladder_model *m);

/* A single ONNX TensorProto (.pb files of the ONNX test data); tensor owned by *out's arena. */
int ladder_tensor_load_pb(const void *data, size_t len, struct ladder_tensor **out,
    struct ladder_arena **arena, struct ladder_err *err);
int ladder_tensor_serialize_pb(const struct ladder_tensor *t, uint8_t **data, size_t *len,
    struct ladder_err *err);

/*
 * Arena: bump allocation, freed all at once.  Allocation failure returns NULL.
 */
struct ladder_arena *ladder_arena_new(void);
void ladder_arena_free(struct ladder_arena *a);
void *ladder_arena_alloc(struct ladder_arena *a, size_t size);	/* zeroed, 16-aligned */
char *ladder_arena_strdup(struct ladder_arena *a, const char *s);
char *ladder_arena_strndup(struct ladder_arena *a, const char *s, size_t n);
void *ladder_arena_memdup(struct ladder_arena *a, const void *p, size_t size);
size_t ladder_arena_bytes(const struct ladder_arena *a);

/*
 * Builder: make models in code (tests, `ladder generate`).  Returned
 * pointers stay valid until the next call that adds to the same array.
 */
struct ladder_model *ladder_model_new(int64_t ir_version, int64_t default_opset);
int ladder_model_set_opset(struct ladder_model *m, const char *domain, int64_t version);
int64_t ladder_model_opset(const struct ladder_model *m, const char *domain);
struct ladder_node *ladder_graph_add_node(struct ladder_model *m, struct ladder_graph *g,
    const char *op_type, const char *name, size_t n_inputs, const char *const *inputs,
    size_t n_outputs, const char *const *outputs);
int ladder_node_set_int(struct ladder_model *m, struct ladder_node *n, const char *name, int64_t v);
int ladder_node_set_float(struct ladder_model *m, struct ladder_node *n, const char *name, float v);
int ladder_node_set_string(struct ladder_model *m, struct ladder_node *n, const char *name, const char *v);
int ladder_node_set_ints(struct ladder_model *m, struct ladder_node *n, const char *name,
    size_t count, const int64_t *v);
int ladder_node_set_floats(struct ladder_model *m, struct ladder_node *n, const char *name,
    size_t count, const float *v);
int ladder_node_set_tensor(struct ladder_model *m, struct ladder_node *n, const char *name,
    const struct ladder_tensor *t);
/* Copies data into the arena. */
struct ladder_tensor *ladder_graph_add_initializer(struct ladder_model *m, struct ladder_graph *g,
    const char *name, enum ladder_dtype dt, int rank, const int64_t *dims, const void *data);
/* dims: -1 entries are unknown; params (may be NULL) name symbolic dims. */
struct ladder_value_info *ladder_graph_add_input(struct ladder_model *m, struct ladder_graph *g,
    const char *name, enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params);
struct ladder_value_info *ladder_graph_add_output(struct ladder_model *m, struct ladder_graph *g,
    const char *name, enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params);

/* Lookups (linear; build your own index for hot paths). */
const struct ladder_attr *ladder_node_attr(const struct ladder_node *n, const char *name);
const struct ladder_tensor *ladder_graph_initializer(const struct ladder_graph *g, const char *name);
bool ladder_graph_is_initializer(const struct ladder_graph *g, const char *name);

/*
 * Topological order of g's nodes into order[n_nodes] (node indices).  Fails
 * on cycles and on inputs that nothing produces (naming the node and value).
 * Outer-scope names visible to a subgraph are passed in `outer`.
 */
int ladder_graph_topo_order(const struct ladder_graph *g, size_t *order,
    const char *const *outer, size_t n_outer, struct ladder_err *err);

/*
 * Structural validation: names, references, cycles, opsets, tensor sizes.
 * Problems are appended to `problems` as lines of text (may be NULL); the
 * return value is LADDER_EFORMAT when anything is wrong.
 */
int ladder_model_validate(const struct ladder_model *m, struct ladder_buf *problems,
    struct ladder_err *err);

#endif
