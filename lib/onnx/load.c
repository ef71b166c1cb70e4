/*
 * load.c: ONNX protobuf (via protobuf-c) into the model IR.  Every size that
 * comes from the file is checked before it is used; the limits come from
 * struct ladder_load_limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/pb.h"
#include "util/banned.h"

struct load_ctx {
	struct ladder_arena *arena;	/* the model's */
	const char *base_dir;		/* for external data; NULL: not allowed */
	struct ladder_load_limits lim;
	struct ladder_err *err;		/* unprefixed messages */
	size_t n_nodes;			/* across all graphs */
};

static int graph_from_pb(struct load_ctx *c, const Onnx__GraphProto *gp, struct ladder_graph *g,
    int depth);

static int
oom(struct load_ctx *c)
{
	return ladder_errf(c->err, LADDER_ENOMEM, "out of memory");
}

/* Strings that name things are never NULL in the IR ("" when absent). */
static int
dup_name(struct load_ctx *c, const char *s, char **out)
{
	*out = ladder_arena_strdup(c->arena, s != NULL ? s : "");
	return *out == NULL ? oom(c) : 0;
}

/* Optional text (doc strings): NULL when absent. */
static int
dup_opt(struct load_ctx *c, const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	*out = ladder_arena_strdup(c->arena, s);
	return *out == NULL ? oom(c) : 0;
}

/* Byte strings keep a NUL after len so ops can use them as C strings. */
static int
dup_bytes(struct load_ctx *c, const ProtobufCBinaryData *b, struct ladder_bytes *out)
{
	out->len = b->len;
	out->data = (uint8_t *)ladder_arena_strndup(c->arena, (const char *)b->data, b->len);
	return out->data == NULL ? oom(c) : 0;
}

/* Allocates count entries of size each (count comes from the parsed file). */
static int
alloc_array(struct load_ctx *c, void **out, size_t count, size_t size)
{
	size_t bytes;

	*out = NULL;
	if (count == 0)
		return 0;
	if (!ladder_mul_size(count, size, &bytes))
		return oom(c);
	*out = ladder_arena_alloc(c->arena, bytes);
	return *out == NULL ? oom(c) : 0;
}

/* Parts the IR keeps opaque: serialized as a message holding only them. */
static int
pack_opaque(struct load_ctx *c, const ProtobufCMessage *m, struct ladder_bytes *out)
{
	size_t len = protobuf_c_message_get_packed_size(m);

	out->data = ladder_arena_alloc(c->arena, len);
	if (out->data == NULL)
		return oom(c);
	out->len = protobuf_c_message_pack(m, out->data);
	return 0;
}

/* count pointers to zeroed objects of size each, in one block after the pointers. */
static int
alloc_objects(struct load_ctx *c, void ***out, size_t count, size_t size)
{
	char *objects;
	int rc;

	if ((rc = alloc_array(c, (void **)out, count, sizeof(void *))) != 0 ||
	    (rc = alloc_array(c, (void **)&objects, count, size)) != 0)
		return rc;
	for (size_t i = 0; i < count; i++)
		(*out)[i] = objects + i * size;
	return 0;
}

static const char *
tensor_label(const struct ladder_tensor *t)
{
	return t->name != NULL && t->name[0] != '\0' ? t->name : "(unnamed)";
}

static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* A relative path with no '..' component and no NUL tricks. */
static bool
safe_relative_path(const char *p)
{
	if (p[0] == '\0' || p[0] == '/')
		return false;
	for (const char *s = p; *s != '\0';) {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n;
		while (*s == '/')
			s++;
	}
	return true;
}

static int
external_data(struct load_ctx *c, const Onnx__TensorProto *tp, struct ladder_tensor *t,
    size_t need)
{
	const char *location = NULL, *name = tensor_label(t);
	uint64_t offset = 0, length = 0;
	bool have_length = false;
	char path[PATH_MAX], real_dir[PATH_MAX], real_file[PATH_MAX];
	struct stat st;
	int fd, rc = 0;

	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *kv = tp->external_data[i];
		const char *key = kv->key != NULL ? kv->key : "";

		if (strcmp(key, "location") == 0) {
			location = kv->value;
		} else if (strcmp(key, "offset") == 0) {
			if (!parse_u64(kv->value, &offset))
				return ladder_errf(c->err, LADDER_EFORMAT,
				    "tensor '%s' has a bad external data offset '%s'", name,
				    kv->value ? kv->value : "");
		} else if (strcmp(key, "length") == 0) {
			if (!parse_u64(kv->value, &length))
				return ladder_errf(c->err, LADDER_EFORMAT,
				    "tensor '%s' has a bad external data length '%s'", name,
				    kv->value ? kv->value : "");
			have_length = true;
		}
	}
	if (location == NULL || location[0] == '\0')
		return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' has external data without a location",
		    name);
	if (!safe_relative_path(location))
		return ladder_errf(c->err, LADDER_ESECURITY,
		    "tensor '%s' has external data '%s' outside the model's directory", name, location);
	if (c->base_dir == NULL)
		return ladder_errf(c->err, LADDER_EINVAL,
		    "tensor '%s' has external data '%s' but the model has no directory", name, location);
	if (ladder_path_join(path, sizeof path, c->base_dir, location) != 0)
		return ladder_errf(c->err, LADDER_EINVAL, "tensor '%s': external data path '%s' is too long",
		    name, location);
	/* Symbolic links must not lead out of the model's directory either. */
	if (realpath(c->base_dir, real_dir) == NULL || realpath(path, real_file) == NULL)
		return ladder_errf(c->err, LADDER_EIO, "tensor '%s': cannot open external data '%s': %s",
		    name, location, strerror(errno));
	size_t dl = strlen(real_dir);
	if (strncmp(real_file, real_dir, dl) != 0 || (real_file[dl] != '/' && dl > 1))
		return ladder_errf(c->err, LADDER_ESECURITY,
		    "tensor '%s' has external data '%s' outside the model's directory", name, location);
	fd = open(real_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ladder_errf(c->err, LADDER_EIO, "tensor '%s': cannot open external data '%s': %s",
		    name, location, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = ladder_errf(c->err, LADDER_EIO, "tensor '%s': external data '%s' is not a regular file",
		    name, location);
		goto out;
	}
	if (offset > (uint64_t)st.st_size) {
		rc = ladder_errf(c->err, LADDER_EFORMAT,
		    "tensor '%s': external data offset %llu is beyond the end of '%s' (%lld bytes)",
		    name, (unsigned long long)offset, location, (long long)st.st_size);
		goto out;
	}
	if (!have_length)
		length = (uint64_t)st.st_size - offset;
	if (length > (uint64_t)st.st_size - offset) {
		rc = ladder_errf(c->err, LADDER_EFORMAT,
		    "tensor '%s': external data %llu+%llu is beyond the end of '%s' (%lld bytes)", name,
		    (unsigned long long)offset, (unsigned long long)length, location, (long long)st.st_size);
		goto out;
	}
	if (length != need) {
		rc = ladder_errf(c->err, LADDER_EFORMAT,
		    "tensor '%s' declares %zu bytes but has %llu bytes of external data", name, need,
		    (unsigned long long)length);
		goto out;
	}
	t->data = ladder_arena_alloc(c->arena, need);
	if (t->data == NULL) {
		rc = oom(c);
		goto out;
	}
	for (size_t done = 0; done < need;) {
		ssize_t n = pread(fd, (char *)t->data + done, need - done, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = ladder_errf(c->err, LADDER_EIO, "tensor '%s': cannot read external data '%s': %s",
			    name, location, n < 0 ? strerror(errno) : "unexpected end of file");
			goto out;
		}
		done += (size_t)n;
	}
	t->bytes = need;
	t->external_location = ladder_arena_strdup(c->arena, location);
	if (t->external_location == NULL)
		rc = oom(c);
out:
	close(fd);
	return rc;
}

/* The typed field that holds a dtype's values, and how many values an element takes. */
static int
typed_field(const Onnx__TensorProto *tp, enum ladder_dtype dt, size_t *have, const char **field,
    size_t *per_elem)
{
	*per_elem = dt == LADDER_DT_COMPLEX64 || dt == LADDER_DT_COMPLEX128 ? 2 : 1;
	switch (dt) {
	case LADDER_DT_FLOAT:
	case LADDER_DT_COMPLEX64:
		*have = tp->n_float_data;
		*field = "float_data";
		return 0;
	case LADDER_DT_DOUBLE:
	case LADDER_DT_COMPLEX128:
		*have = tp->n_double_data;
		*field = "double_data";
		return 0;
	case LADDER_DT_INT64:
		*have = tp->n_int64_data;
		*field = "int64_data";
		return 0;
	case LADDER_DT_UINT32:
	case LADDER_DT_UINT64:
		*have = tp->n_uint64_data;
		*field = "uint64_data";
		return 0;
	case LADDER_DT_INT32:
	case LADDER_DT_INT16:
	case LADDER_DT_UINT16:
	case LADDER_DT_FLOAT16:
	case LADDER_DT_BFLOAT16:
	case LADDER_DT_INT8:
	case LADDER_DT_UINT8:
	case LADDER_DT_BOOL:
		/* Narrow kinds travel as int32 values (float16 as its bit pattern). */
		*have = tp->n_int32_data;
		*field = "int32_data";
		return 0;
	default:
		return -1;
	}
}

static int
typed_data(struct load_ctx *c, const Onnx__TensorProto *tp, struct ladder_tensor *t, size_t numel,
    size_t need)
{
	const char *field;
	size_t have, per_elem;

	if (typed_field(tp, t->dtype, &have, &field, &per_elem) != 0)
		return ladder_errf(c->err, LADDER_EUNSUPPORTED, "tensor '%s' has unsupported data type %d",
		    tensor_label(t), (int)t->dtype);
	/* Checked before allocating: the counts come from data actually in the file. */
	if (have / per_elem != numel || have % per_elem != 0)
		return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' declares %zu values but has %zu in %s",
		    tensor_label(t), numel * per_elem, have, field);
	if (need == 0)
		return 0;
	t->data = ladder_arena_alloc(c->arena, need);
	if (t->data == NULL)
		return oom(c);
	t->bytes = need;
	switch (t->dtype) {
	case LADDER_DT_FLOAT:
	case LADDER_DT_COMPLEX64:
		memcpy(t->data, tp->float_data, need);
		break;
	case LADDER_DT_DOUBLE:
	case LADDER_DT_COMPLEX128:
		memcpy(t->data, tp->double_data, need);
		break;
	case LADDER_DT_INT64:
		memcpy(t->data, tp->int64_data, need);
		break;
	case LADDER_DT_UINT64:
		memcpy(t->data, tp->uint64_data, need);
		break;
	case LADDER_DT_UINT32:
		for (size_t i = 0; i < numel; i++)
			((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i];
		break;
	case LADDER_DT_INT32:
		memcpy(t->data, tp->int32_data, need);
		break;
	case LADDER_DT_INT16:
	case LADDER_DT_UINT16:
	case LADDER_DT_FLOAT16:
	case LADDER_DT_BFLOAT16:
		for (size_t i = 0; i < numel; i++)
			((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i];
		break;
	default:	/* 8-bit kinds and bool */
		for (size_t i = 0; i < numel; i++)
			((uint8_t *)t->data)[i] = (uint8_t)tp->int32_data[i];
		break;
	}
	return 0;
}

static int
tensor_from_pb(struct load_ctx *c, const Onnx__TensorProto *tp, struct ladder_tensor *t)
{
	size_t numel = 1, elem, need;
	int rc;

	memset(t, 0, sizeof *t);
	if ((rc = dup_name(c, tp->name, &t->name)) != 0 || (rc = dup_opt(c, tp->doc_string, &t->doc_string)) != 0)
		return rc;
	if (!tp->has_data_type || tp->data_type <= 0 || tp->data_type >= LADDER_DT_COUNT_) {
		if (!tp->has_data_type)
			return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' has no data type", tensor_label(t));
		return ladder_errf(c->err, LADDER_EUNSUPPORTED, "tensor '%s' has unsupported data type %d",
		    tensor_label(t), (int)tp->data_type);
	}
	t->dtype = (enum ladder_dtype)tp->data_type;
	if (tp->n_dims > LADDER_MAX_RANK)
		return ladder_errf(c->err, LADDER_EUNSUPPORTED, "tensor '%s' has rank %zu (at most %d supported)",
		    tensor_label(t), tp->n_dims, LADDER_MAX_RANK);
	t->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		t->dims[i] = tp->dims[i];
		if (tp->dims[i] < 0)
			return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' has a negative dimension %lld",
			    tensor_label(t), (long long)tp->dims[i]);
		if ((uint64_t)tp->dims[i] > SIZE_MAX || !ladder_mul_size(numel, (size_t)tp->dims[i], &numel))
			return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' has too many elements (dimensions overflow)",
			    tensor_label(t));
	}
	if (t->dtype == LADDER_DT_STRING) {
		struct ladder_bytes *s;

		if (tp->n_string_data != numel)
			return ladder_errf(c->err, LADDER_EFORMAT, "tensor '%s' declares %zu strings but has %zu",
			    tensor_label(t), numel, tp->n_string_data);
		if (numel == 0)
			return 0;
		/* n_string_data came from the file, so numel is bounded by its size. */
		s = ladder_arena_alloc(c->arena, numel * sizeof *s);
		if (s == NULL)
			return oom(c);
		for (size_t i = 0; i < numel; i++) {
			if ((rc = dup_bytes(c, &tp->string_data[i], &s[i])) != 0)
				return rc;
		}
		t->data = s;
		t->bytes = numel * sizeof *s;
		return 0;
	}
	elem = ladder_dtype_size(t->dtype);
	if (!ladder_mul_size(numel, elem, &need) || need > c->lim.max_tensor_bytes)
		return ladder_errf(c->err, LADDER_ENOMEM, "tensor '%s' declares %zu elements, more than the limit of %zu bytes",
		    tensor_label(t), numel, c->lim.max_tensor_bytes);
	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return external_data(c, tp, t, need);
	if (tp->has_raw_data) {
		if (tp->raw_data.len != need)
			return ladder_errf(c->err, LADDER_EFORMAT,
			    "tensor '%s' declares %zu elements but has %zu bytes of raw data", tensor_label(t),
			    numel, tp->raw_data.len);
		if (need == 0)
			return 0;
		t->data = ladder_arena_memdup(c->arena, tp->raw_data.data, need);
		t->bytes = need;
		return t->data == NULL ? oom(c) : 0;
	}
	return typed_data(c, tp, t, numel, need);
}

static int
type_from_pb(struct load_ctx *c, const Onnx__TypeProto *tp, struct ladder_type *ty)
{
	memset(ty, 0, sizeof *ty);
	ty->rank = -1;
	if (tp == NULL || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET)
		return 0;
	if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || tp->tensor_type == NULL) {
		/* Sequences, maps, optionals, sparse tensors: kept opaque. */
		ty->kind = LADDER_TYPE_OTHER;
		return pack_opaque(c, &tp->base, &ty->raw);
	}
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	ty->kind = LADDER_TYPE_TENSOR;
	ty->dtype = tt->has_elem_type && tt->elem_type > 0 && tt->elem_type < LADDER_DT_COUNT_ ?
	    (enum ladder_dtype)tt->elem_type : LADDER_DT_UNDEFINED;
	if (tt->shape == NULL)
		return 0;
	if (tt->shape->n_dim > INT_MAX)
		return ladder_errf(c->err, LADDER_EFORMAT, "shape with %zu dimensions", tt->shape->n_dim);
	ty->rank = (int)tt->shape->n_dim;
	if (ty->rank == 0)
		return 0;
	ty->dims = ladder_arena_alloc(c->arena, tt->shape->n_dim * sizeof *ty->dims);
	if (ty->dims == NULL)
		return oom(c);
	for (size_t i = 0; i < tt->shape->n_dim; i++) {
		const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];

		ty->dims[i].value = -1;
		if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && d->dim_value >= 0)
			ty->dims[i].value = d->dim_value;
		else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM) {
			int rc = dup_opt(c, d->dim_param, &ty->dims[i].param);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
value_info_from_pb(struct load_ctx *c, const Onnx__ValueInfoProto *vp, struct ladder_value_info *v)
{
	int rc;

	if ((rc = dup_name(c, vp->name, &v->name)) != 0 || (rc = dup_opt(c, vp->doc_string, &v->doc_string)) != 0)
		return rc;
	return type_from_pb(c, vp->type, &v->type);
}

/* IR version 1 files may lack the attribute type: take it from the field in use. */
static enum ladder_attr_type
attr_type_guess(const Onnx__AttributeProto *ap)
{
	if (ap->has_type)
		return (enum ladder_attr_type)ap->type;
	if (ap->has_f)
		return LADDER_ATTR_FLOAT;
	if (ap->has_i)
		return LADDER_ATTR_INT;
	if (ap->has_s)
		return LADDER_ATTR_STRING;
	if (ap->t != NULL)
		return LADDER_ATTR_TENSOR;
	if (ap->g != NULL)
		return LADDER_ATTR_GRAPH;
	if (ap->n_floats > 0)
		return LADDER_ATTR_FLOATS;
	if (ap->n_ints > 0)
		return LADDER_ATTR_INTS;
	if (ap->n_strings > 0)
		return LADDER_ATTR_STRINGS;
	if (ap->n_tensors > 0)
		return LADDER_ATTR_TENSORS;
	if (ap->n_graphs > 0)
		return LADDER_ATTR_GRAPHS;
	return LADDER_ATTR_UNDEFINED;
}

static int
attr_from_pb(struct load_ctx *c, const Onnx__AttributeProto *ap, struct ladder_attr *a, int depth)
{
	int rc;

	memset(a, 0, sizeof *a);
	if ((rc = dup_name(c, ap->name, &a->name)) != 0 || (rc = dup_opt(c, ap->doc_string, &a->doc_string)) != 0 ||
	    (rc = dup_opt(c, ap->ref_attr_name, &a->ref_attr_name)) != 0)
		return rc;
	a->type = attr_type_guess(ap);
	switch (a->type) {
	case LADDER_ATTR_FLOAT:
		a->f = ap->f;
		return 0;
	case LADDER_ATTR_INT:
		a->i = ap->i;
		return 0;
	case LADDER_ATTR_STRING:
		return dup_bytes(c, &ap->s, &a->s);
	case LADDER_ATTR_TENSOR:
		if (ap->t == NULL)
			return ladder_errf(c->err, LADDER_EFORMAT, "attribute '%s' has no tensor", a->name);
		a->t = ladder_arena_alloc(c->arena, sizeof *a->t);
		if (a->t == NULL)
			return oom(c);
		return tensor_from_pb(c, ap->t, a->t);
	case LADDER_ATTR_GRAPH:
		if (ap->g == NULL)
			return ladder_errf(c->err, LADDER_EFORMAT, "attribute '%s' has no graph", a->name);
		a->g = ladder_arena_alloc(c->arena, sizeof *a->g);
		if (a->g == NULL)
			return oom(c);
		return graph_from_pb(c, ap->g, a->g, depth + 1);
	case LADDER_ATTR_FLOATS:
		a->n = ap->n_floats;
		if (a->n > 0 && (a->floats = ladder_arena_memdup(c->arena, ap->floats, a->n * sizeof(float))) == NULL)
			return oom(c);
		return 0;
	case LADDER_ATTR_INTS:
		a->n = ap->n_ints;
		if (a->n > 0 && (a->ints = ladder_arena_memdup(c->arena, ap->ints, a->n * sizeof(int64_t))) == NULL)
			return oom(c);
		return 0;
	case LADDER_ATTR_STRINGS:
		a->n = ap->n_strings;
		if (a->n == 0)
			return 0;
		if ((a->strings = ladder_arena_alloc(c->arena, a->n * sizeof *a->strings)) == NULL)
			return oom(c);
		for (size_t i = 0; i < a->n; i++) {
			if ((rc = dup_bytes(c, &ap->strings[i], &a->strings[i])) != 0)
				return rc;
		}
		return 0;
	case LADDER_ATTR_TENSORS:
		a->n = ap->n_tensors;
		if (a->n == 0)
			return 0;
		if ((rc = alloc_objects(c, (void ***)&a->tensors, a->n, sizeof **a->tensors)) != 0)
			return rc;
		for (size_t i = 0; i < a->n; i++) {
			if ((rc = tensor_from_pb(c, ap->tensors[i], a->tensors[i])) != 0)
				return rc;
		}
		return 0;
	case LADDER_ATTR_GRAPHS:
		a->n = ap->n_graphs;
		if (a->n == 0)
			return 0;
		if ((rc = alloc_objects(c, (void ***)&a->graphs, a->n, sizeof **a->graphs)) != 0)
			return rc;
		for (size_t i = 0; i < a->n; i++) {
			if ((rc = graph_from_pb(c, ap->graphs[i], a->graphs[i], depth + 1)) != 0)
				return rc;
		}
		return 0;
	case LADDER_ATTR_SPARSE_TENSOR:
	case LADDER_ATTR_SPARSE_TENSORS:
	case LADDER_ATTR_TYPE_PROTO:
	case LADDER_ATTR_TYPE_PROTOS:
		return pack_opaque(c, &ap->base, &a->raw);
	default:
		return ladder_errf(c->err, LADDER_EFORMAT, "attribute '%s' has unknown type %d", a->name,
		    (int)a->type);
	}
}

static int
node_from_pb(struct load_ctx *c, const Onnx__NodeProto *np, struct ladder_node *n, int depth)
{
	int rc;

	if ((rc = dup_name(c, np->name, &n->name)) != 0 || (rc = dup_name(c, np->op_type, &n->op_type)) != 0 ||
	    (rc = dup_name(c, np->domain, &n->domain)) != 0 || (rc = dup_opt(c, np->doc_string, &n->doc_string)) != 0)
		return rc;
	n->n_inputs = np->n_input;
	n->n_outputs = np->n_output;
	n->n_attrs = np->n_attribute;
	if ((n->n_inputs > 0 && (n->inputs = ladder_arena_alloc(c->arena, n->n_inputs * sizeof(char *))) == NULL) ||
	    (n->n_outputs > 0 && (n->outputs = ladder_arena_alloc(c->arena, n->n_outputs * sizeof(char *))) == NULL) ||
	    (n->n_attrs > 0 && (n->attrs = ladder_arena_alloc(c->arena, n->n_attrs * sizeof *n->attrs)) == NULL))
		return oom(c);
	for (size_t i = 0; i < n->n_inputs; i++) {
		if ((rc = dup_name(c, np->input[i], &n->inputs[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < n->n_outputs; i++) {
		if ((rc = dup_name(c, np->output[i], &n->outputs[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < n->n_attrs; i++) {
		if ((rc = attr_from_pb(c, np->attribute[i], &n->attrs[i], depth)) != 0) {
			ladder_err_prefix(c->err, "node '%s' (%s)", n->name, n->op_type);
			return rc;
		}
	}
	return 0;
}

static int
graph_from_pb(struct load_ctx *c, const Onnx__GraphProto *gp, struct ladder_graph *g, int depth)
{
	int rc;

	memset(g, 0, sizeof *g);
	if (depth > c->lim.max_graph_depth)
		return ladder_errf(c->err, LADDER_EFORMAT, "subgraphs nest deeper than %d levels",
		    c->lim.max_graph_depth);
	if ((rc = dup_name(c, gp->name, &g->name)) != 0 || (rc = dup_opt(c, gp->doc_string, &g->doc_string)) != 0)
		return rc;
	if (gp->n_node > c->lim.max_nodes || c->n_nodes > c->lim.max_nodes - gp->n_node)
		return ladder_errf(c->err, LADDER_ENOMEM, "more than %zu nodes", c->lim.max_nodes);
	c->n_nodes += gp->n_node;
	if ((rc = alloc_array(c, (void **)&g->nodes, gp->n_node, sizeof *g->nodes)) != 0 ||
	    (rc = alloc_array(c, (void **)&g->initializers, gp->n_initializer, sizeof *g->initializers)) != 0 ||
	    (rc = alloc_array(c, (void **)&g->inputs, gp->n_input, sizeof *g->inputs)) != 0 ||
	    (rc = alloc_array(c, (void **)&g->outputs, gp->n_output, sizeof *g->outputs)) != 0 ||
	    (rc = alloc_array(c, (void **)&g->value_infos, gp->n_value_info, sizeof *g->value_infos)) != 0)
		return rc;
	g->n_nodes = g->cap_nodes = gp->n_node;
	g->n_initializers = g->cap_initializers = gp->n_initializer;
	g->n_inputs = g->cap_inputs = gp->n_input;
	g->n_outputs = g->cap_outputs = gp->n_output;
	g->n_value_infos = g->cap_value_infos = gp->n_value_info;
	for (size_t i = 0; i < gp->n_initializer; i++) {
		if ((rc = tensor_from_pb(c, gp->initializer[i], &g->initializers[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < gp->n_input; i++) {
		if ((rc = value_info_from_pb(c, gp->input[i], &g->inputs[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		if ((rc = value_info_from_pb(c, gp->output[i], &g->outputs[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < gp->n_value_info; i++) {
		if ((rc = value_info_from_pb(c, gp->value_info[i], &g->value_infos[i])) != 0)
			return rc;
	}
	for (size_t i = 0; i < gp->n_node; i++) {
		if ((rc = node_from_pb(c, gp->node[i], &g->nodes[i], depth)) != 0)
			return rc;
	}
	if (gp->n_sparse_initializer > 0 || gp->n_quantization_annotation > 0) {
		Onnx__GraphProto extra = ONNX__GRAPH_PROTO__INIT;

		extra.n_sparse_initializer = gp->n_sparse_initializer;
		extra.sparse_initializer = gp->sparse_initializer;
		extra.n_quantization_annotation = gp->n_quantization_annotation;
		extra.quantization_annotation = gp->quantization_annotation;
		if ((rc = pack_opaque(c, &extra.base, &g->raw_extra)) != 0)
			return rc;
	}
	return 0;
}

static int
model_from_pb(struct load_ctx *c, const Onnx__ModelProto *mp, struct ladder_model *m)
{
	int rc;

	m->ir_version = mp->has_ir_version ? mp->ir_version : 0;
	m->model_version = mp->has_model_version ? mp->model_version : 0;
	if ((rc = dup_opt(c, mp->producer_name, &m->producer_name)) != 0 ||
	    (rc = dup_opt(c, mp->producer_version, &m->producer_version)) != 0 ||
	    (rc = dup_opt(c, mp->domain, &m->domain)) != 0 || (rc = dup_opt(c, mp->doc_string, &m->doc_string)) != 0)
		return rc;
	if ((rc = alloc_array(c, (void **)&m->opsets, mp->n_opset_import, sizeof *m->opsets)) != 0 ||
	    (rc = alloc_array(c, (void **)&m->metadata, mp->n_metadata_props, sizeof *m->metadata)) != 0)
		return rc;
	m->n_opsets = mp->n_opset_import;
	for (size_t i = 0; i < m->n_opsets; i++) {
		if ((rc = dup_name(c, mp->opset_import[i]->domain, &m->opsets[i].domain)) != 0)
			return rc;
		m->opsets[i].version = mp->opset_import[i]->version;
	}
	m->n_metadata = mp->n_metadata_props;
	for (size_t i = 0; i < m->n_metadata; i++) {
		if ((rc = dup_name(c, mp->metadata_props[i]->key, &m->metadata[i].key)) != 0 ||
		    (rc = dup_name(c, mp->metadata_props[i]->value, &m->metadata[i].value)) != 0)
			return rc;
	}
	if (mp->graph == NULL)
		return ladder_errf(c->err, LADDER_EFORMAT, "no graph (not an ONNX model?)");
	if ((rc = graph_from_pb(c, mp->graph, &m->graph, 0)) != 0)
		return rc;
	if (mp->n_functions > 0 || mp->n_training_info > 0) {
		Onnx__ModelProto extra = ONNX__MODEL_PROTO__INIT;

		extra.n_functions = mp->n_functions;
		extra.functions = mp->functions;
		extra.n_training_info = mp->n_training_info;
		extra.training_info = mp->training_info;
		if ((rc = pack_opaque(c, &extra.base, &m->raw_extra)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Unpacks a message into a scratch arena after checking its wire format.
 * The budget bounds what protobuf-c may allocate for a hostile file.
 */
static ProtobufCMessage *
unpack_checked(const ProtobufCMessageDescriptor *d, const void *data, size_t len,
    const struct ladder_load_limits *lim, struct ladder_arena *scratch, struct ladder_err *err)
{
	struct pb_alloc alloc;
	ProtobufCMessage *msg;
	size_t where, budget;
	int rc;

	rc = pb_wire_check(data, len, d, lim->max_graph_depth * 3 + 32, &where);
	if (rc == -2) {
		ladder_errf(err, LADDER_EFORMAT, "messages nest too deeply (at byte %zu)", where);
		return NULL;
	}
	if (rc != 0) {
		ladder_errf(err, LADDER_EFORMAT, "not a valid %s (truncated or malformed protobuf at byte %zu)",
		    d == &onnx__model_proto__descriptor ? "ONNX model" : "ONNX tensor", where);
		return NULL;
	}
	if (!ladder_mul_size(len, 32, &budget) || !ladder_add_size(budget, (size_t)64 << 20, &budget))
		budget = SIZE_MAX;
	pb_alloc_init(&alloc, scratch, budget);
	msg = protobuf_c_message_unpack(d, &alloc.base, len, data);
	if (msg == NULL) {
		if (alloc.over_budget)
			ladder_errf(err, LADDER_ENOMEM, "decoding needs more than %zu bytes", budget);
		else
			ladder_errf(err, LADDER_EFORMAT, "not a valid %s (protobuf decoding failed)",
			    d == &onnx__model_proto__descriptor ? "ONNX model" : "ONNX tensor");
	}
	return msg;
}

static int
load_mem(const void *data, size_t len, const char *base_dir, const char *label,
    const struct ladder_load_limits *limits, struct ladder_model **out, struct ladder_err *err)
{
	struct ladder_err e = { 0 };
	struct load_ctx c = { .base_dir = base_dir, .err = &e };
	struct ladder_arena *scratch = NULL;
	struct ladder_model *m = NULL;
	ProtobufCMessage *msg;
	int rc;

	*out = NULL;
	onnx_limits_resolve(limits, &c.lim);
	if (len > c.lim.max_file_bytes) {
		rc = ladder_errf(&e, LADDER_ENOMEM, "%zu bytes exceeds the limit of %zu", len, c.lim.max_file_bytes);
		goto fail;
	}
	scratch = ladder_arena_new();
	c.arena = ladder_arena_new();
	if (scratch == NULL || c.arena == NULL || (m = ladder_arena_alloc(c.arena, sizeof *m)) == NULL) {
		rc = oom(&c);
		goto fail;
	}
	m->arena = c.arena;
	msg = unpack_checked(&onnx__model_proto__descriptor, data, len, &c.lim, scratch, &e);
	if (msg == NULL) {
		rc = e.code;
		goto fail;
	}
	if ((rc = model_from_pb(&c, (const Onnx__ModelProto *)msg, m)) != 0)
		goto fail;
	if (label != NULL && (m->path = ladder_arena_strdup(c.arena, label)) == NULL) {
		rc = oom(&c);
		goto fail;
	}
	ladder_arena_free(scratch);
	*out = m;
	return 0;
fail:
	ladder_arena_free(scratch);
	ladder_arena_free(c.arena);
	if (label != NULL)
		return ladder_errf(err, rc, "cannot load '%s': %s", label, e.msg);
	return ladder_errf(err, rc, "cannot load model: %s", e.msg);
}

int
ladder_model_load_mem(const void *data, size_t len, const char *base_dir,
    struct ladder_model **out, struct ladder_err *err)
{
	return load_mem(data, len, base_dir, NULL, NULL, out, err);
}

int
ladder_model_load_ex(const char *path, const struct ladder_load_limits *limits,
    struct ladder_model **out, struct ladder_err *err)
{
	struct ladder_load_limits lim;
	struct ladder_err e = { 0 };
	char dir[PATH_MAX];
	char *data;
	size_t len;
	int rc;

	*out = NULL;
	onnx_limits_resolve(limits, &lim);
	if ((rc = ladder_read_file(path, lim.max_file_bytes, &data, &len, &e)) != 0)
		return ladder_errf(err, rc, "cannot load '%s': %s", path, e.msg);
	ladder_path_dir(path, dir, sizeof dir);
	rc = load_mem(data, len, dir, path, &lim, out, err);
	free(data);
	return rc;
}

int
ladder_model_load(const char *path, struct ladder_model **out, struct ladder_err *err)
{
	return ladder_model_load_ex(path, NULL, out, err);
}

void
ladder_model_free(struct ladder_model *m)
{
	if (m != NULL)
		ladder_arena_free(m->arena);
}

int
ladder_tensor_load_pb(const void *data, size_t len, struct ladder_tensor **out,
    struct ladder_arena **arena, struct ladder_err *err)
{
	struct ladder_err e = { 0 };
	struct load_ctx c = { .err = &e };
	struct ladder_arena *scratch = ladder_arena_new();
	ProtobufCMessage *msg;
	int rc;

	*out = NULL;
	*arena = NULL;
	onnx_limits_resolve(NULL, &c.lim);
	c.arena = ladder_arena_new();
	if (scratch == NULL || c.arena == NULL || (*out = ladder_arena_alloc(c.arena, sizeof **out)) == NULL) {
		rc = oom(&c);
		goto fail;
	}
	msg = unpack_checked(&onnx__tensor_proto__descriptor, data, len, &c.lim, scratch, &e);
	if (msg == NULL) {
		rc = e.code;
		goto fail;
	}
	if ((rc = tensor_from_pb(&c, (const Onnx__TensorProto *)msg, *out)) != 0)
		goto fail;
	ladder_arena_free(scratch);
	*arena = c.arena;
	return 0;
fail:
	*out = NULL;
	ladder_arena_free(scratch);
	ladder_arena_free(c.arena);
	return ladder_errf(err, rc, "cannot load tensor: %s", e.msg);
}
