/*
 * save.c: the model IR back to ONNX protobuf.  The protobuf-c structures are
 * built in a scratch arena and point into the IR; opaque parts are unpacked
 * from their serialized bytes into the same arena.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx/pb.h"
#include "util/banned.h"

struct save_ctx {
	struct ladder_arena *arena;	/* scratch */
	struct pb_alloc alloc;
	struct ladder_err *err;
};

static Onnx__GraphProto *graph_to_pb(struct save_ctx *c, const struct ladder_graph *g);

static void *
salloc(struct save_ctx *c, size_t count, size_t size)
{
	size_t bytes;

	if (count == 0)
		count = 1;
	if (!ladder_mul_size(count, size, &bytes))
		return NULL;
	void *p = ladder_arena_alloc(c->arena, bytes);
	if (p == NULL)
		ladder_errf(c->err, LADDER_ENOMEM, "out of memory");
	return p;
}

/* Opaque bytes back into a message; NULL (error set) if they do not parse. */
static ProtobufCMessage *
unpack_opaque(struct save_ctx *c, const ProtobufCMessageDescriptor *d, const struct ladder_bytes *b,
    const char *what)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(d, &c->alloc.base, b->len, b->data);

	if (m == NULL)
		ladder_errf(c->err, LADDER_EINVAL, "the stored bytes of %s do not parse", what);
	return m;
}

static Onnx__TensorProto *
tensor_to_pb(struct save_ctx *c, const struct ladder_tensor *t)
{
	Onnx__TensorProto *tp = salloc(c, 1, sizeof *tp);
	int64_t numel = ladder_tensor_numel(t);

	if (tp == NULL)
		return NULL;
	onnx__tensor_proto__init(tp);
	if (t->rank < 0 || t->rank > LADDER_MAX_RANK || numel < 0) {
		ladder_errf(c->err, LADDER_EINVAL, "tensor '%s': bad shape", t->name ? t->name : "");
		return NULL;
	}
	tp->name = t->name;
	tp->doc_string = t->doc_string;
	tp->has_data_type = 1;
	tp->data_type = (int32_t)t->dtype;
	tp->n_dims = (size_t)t->rank;
	tp->dims = (int64_t *)t->dims;
	if (t->dtype == LADDER_DT_STRING) {
		const struct ladder_bytes *s = t->data;

		if ((size_t)numel * sizeof *s != t->bytes) {
			ladder_errf(c->err, LADDER_EINVAL, "tensor '%s': %lld strings but %zu bytes",
			    t->name ? t->name : "", (long long)numel, t->bytes);
			return NULL;
		}
		tp->n_string_data = (size_t)numel;
		tp->string_data = salloc(c, tp->n_string_data, sizeof *tp->string_data);
		if (tp->string_data == NULL)
			return NULL;
		for (size_t i = 0; i < tp->n_string_data; i++) {
			tp->string_data[i].len = s[i].len;
			tp->string_data[i].data = s[i].data;
		}
		return tp;
	}
	size_t need;
	if (!ladder_mul_size((size_t)numel, ladder_dtype_size(t->dtype), &need) || need != t->bytes ||
	    (need > 0 && t->data == NULL)) {
		ladder_errf(c->err, LADDER_EINVAL, "tensor '%s': %lld elements but %zu bytes",
		    t->name ? t->name : "", (long long)numel, t->bytes);
		return NULL;
	}
	tp->has_raw_data = 1;
	tp->raw_data.len = t->bytes;
	tp->raw_data.data = t->data;
	return tp;
}

static Onnx__TypeProto *
type_to_pb(struct save_ctx *c, const struct ladder_type *ty)
{
	Onnx__TypeProto *tp;
	Onnx__TypeProto__Tensor *tt;

	if (ty->kind == LADDER_TYPE_OTHER) {
		if (ty->raw.len == 0)
			return NULL;
		return (Onnx__TypeProto *)unpack_opaque(c, &onnx__type_proto__descriptor, &ty->raw, "a type");
	}
	if (ty->dtype == LADDER_DT_UNDEFINED && ty->rank < 0)
		return NULL;
	if ((tp = salloc(c, 1, sizeof *tp)) == NULL || (tt = salloc(c, 1, sizeof *tt)) == NULL)
		return NULL;
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	if (ty->dtype != LADDER_DT_UNDEFINED) {
		tt->has_elem_type = 1;
		tt->elem_type = (int32_t)ty->dtype;
	}
	if (ty->rank < 0)
		return tp;
	Onnx__TensorShapeProto *sp = salloc(c, 1, sizeof *sp);
	Onnx__TensorShapeProto__Dimension **dims = salloc(c, (size_t)ty->rank, sizeof *dims);
	if (sp == NULL || dims == NULL)
		return NULL;
	onnx__tensor_shape_proto__init(sp);
	sp->n_dim = (size_t)ty->rank;
	sp->dim = dims;
	for (int i = 0; i < ty->rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = salloc(c, 1, sizeof *d);

		if (d == NULL)
			return NULL;
		onnx__tensor_shape_proto__dimension__init(d);
		if (ty->dims[i].value >= 0) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			d->dim_value = ty->dims[i].value;
		} else if (ty->dims[i].param != NULL) {
			d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			d->dim_param = ty->dims[i].param;
		}
		dims[i] = d;
	}
	tt->shape = sp;
	return tp;
}

static Onnx__ValueInfoProto **
value_infos_to_pb(struct save_ctx *c, const struct ladder_value_info *v, size_t n)
{
	Onnx__ValueInfoProto **out = salloc(c, n, sizeof *out);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		Onnx__ValueInfoProto *vp = salloc(c, 1, sizeof *vp);

		if (vp == NULL)
			return NULL;
		onnx__value_info_proto__init(vp);
		vp->name = v[i].name;
		vp->doc_string = v[i].doc_string;
		vp->type = type_to_pb(c, &v[i].type);
		if (vp->type == NULL && c->err->code != 0)
			return NULL;
		out[i] = vp;
	}
	return out;
}

static Onnx__AttributeProto *
attr_to_pb(struct save_ctx *c, const struct ladder_attr *a)
{
	Onnx__AttributeProto *ap;

	switch (a->type) {
	case LADDER_ATTR_SPARSE_TENSOR:
	case LADDER_ATTR_SPARSE_TENSORS:
	case LADDER_ATTR_TYPE_PROTO:
	case LADDER_ATTR_TYPE_PROTOS:
		return (Onnx__AttributeProto *)unpack_opaque(c, &onnx__attribute_proto__descriptor, &a->raw,
		    "an attribute");
	default:
		break;
	}
	if ((ap = salloc(c, 1, sizeof *ap)) == NULL)
		return NULL;
	onnx__attribute_proto__init(ap);
	ap->name = a->name;
	ap->ref_attr_name = a->ref_attr_name;
	ap->doc_string = a->doc_string;
	ap->has_type = 1;
	ap->type = (Onnx__AttributeProto__AttributeType)a->type;
	switch (a->type) {
	case LADDER_ATTR_FLOAT:
		ap->has_f = 1;
		ap->f = a->f;
		break;
	case LADDER_ATTR_INT:
		ap->has_i = 1;
		ap->i = a->i;
		break;
	case LADDER_ATTR_STRING:
		ap->has_s = 1;
		ap->s.len = a->s.len;
		ap->s.data = a->s.data;
		break;
	case LADDER_ATTR_TENSOR:
		if (a->t == NULL || (ap->t = tensor_to_pb(c, a->t)) == NULL)
			goto missing;
		break;
	case LADDER_ATTR_GRAPH:
		if (a->g == NULL || (ap->g = graph_to_pb(c, a->g)) == NULL)
			goto missing;
		break;
	case LADDER_ATTR_FLOATS:
		ap->n_floats = a->n;
		ap->floats = a->floats;
		break;
	case LADDER_ATTR_INTS:
		ap->n_ints = a->n;
		ap->ints = a->ints;
		break;
	case LADDER_ATTR_STRINGS:
		ap->n_strings = a->n;
		if ((ap->strings = salloc(c, a->n, sizeof *ap->strings)) == NULL)
			return NULL;
		for (size_t i = 0; i < a->n; i++) {
			ap->strings[i].len = a->strings[i].len;
			ap->strings[i].data = a->strings[i].data;
		}
		break;
	case LADDER_ATTR_TENSORS:
		ap->n_tensors = a->n;
		if ((ap->tensors = salloc(c, a->n, sizeof *ap->tensors)) == NULL)
			return NULL;
		for (size_t i = 0; i < a->n; i++) {
			if ((ap->tensors[i] = tensor_to_pb(c, a->tensors[i])) == NULL)
				return NULL;
		}
		break;
	case LADDER_ATTR_GRAPHS:
		ap->n_graphs = a->n;
		if ((ap->graphs = salloc(c, a->n, sizeof *ap->graphs)) == NULL)
			return NULL;
		for (size_t i = 0; i < a->n; i++) {
			if ((ap->graphs[i] = graph_to_pb(c, a->graphs[i])) == NULL)
				return NULL;
		}
		break;
	default:
		ladder_errf(c->err, LADDER_EINVAL, "attribute '%s': unknown type %d", a->name,
		    (int)a->type);
		return NULL;
	}
	return ap;
missing:
	ladder_errf(c->err, LADDER_EINVAL, "attribute '%s': no value", a->name);
	return NULL;
}

static Onnx__NodeProto *
node_to_pb(struct save_ctx *c, const struct ladder_node *n)
{
	Onnx__NodeProto *np = salloc(c, 1, sizeof *np);

	if (np == NULL)
		return NULL;
	onnx__node_proto__init(np);
	np->name = n->name;
	np->op_type = n->op_type;
	np->domain = n->domain != NULL && n->domain[0] != '\0' ? n->domain : NULL;
	np->doc_string = n->doc_string;
	np->n_input = n->n_inputs;
	np->input = n->inputs;
	np->n_output = n->n_outputs;
	np->output = n->outputs;
	np->n_attribute = n->n_attrs;
	if ((np->attribute = salloc(c, n->n_attrs, sizeof *np->attribute)) == NULL)
		return NULL;
	for (size_t i = 0; i < n->n_attrs; i++) {
		if ((np->attribute[i] = attr_to_pb(c, &n->attrs[i])) == NULL)
			return NULL;
	}
	return np;
}

static Onnx__GraphProto *
graph_to_pb(struct save_ctx *c, const struct ladder_graph *g)
{
	Onnx__GraphProto *gp = salloc(c, 1, sizeof *gp);

	if (gp == NULL)
		return NULL;
	onnx__graph_proto__init(gp);
	gp->name = g->name;
	gp->doc_string = g->doc_string;
	gp->n_node = g->n_nodes;
	gp->n_initializer = g->n_initializers;
	if ((gp->node = salloc(c, g->n_nodes, sizeof *gp->node)) == NULL ||
	    (gp->initializer = salloc(c, g->n_initializers, sizeof *gp->initializer)) == NULL)
		return NULL;
	for (size_t i = 0; i < g->n_nodes; i++) {
		if ((gp->node[i] = node_to_pb(c, &g->nodes[i])) == NULL)
			return NULL;
	}
	for (size_t i = 0; i < g->n_initializers; i++) {
		if ((gp->initializer[i] = tensor_to_pb(c, &g->initializers[i])) == NULL)
			return NULL;
	}
	gp->n_input = g->n_inputs;
	gp->n_output = g->n_outputs;
	gp->n_value_info = g->n_value_infos;
	if ((gp->input = value_infos_to_pb(c, g->inputs, g->n_inputs)) == NULL ||
	    (gp->output = value_infos_to_pb(c, g->outputs, g->n_outputs)) == NULL ||
	    (gp->value_info = value_infos_to_pb(c, g->value_infos, g->n_value_infos)) == NULL)
		return NULL;
	if (g->raw_extra.len > 0) {
		Onnx__GraphProto *extra = (Onnx__GraphProto *)unpack_opaque(c, &onnx__graph_proto__descriptor,
		    &g->raw_extra, "sparse initializers");
		if (extra == NULL)
			return NULL;
		gp->n_sparse_initializer = extra->n_sparse_initializer;
		gp->sparse_initializer = extra->sparse_initializer;
		gp->n_quantization_annotation = extra->n_quantization_annotation;
		gp->quantization_annotation = extra->quantization_annotation;
	}
	return gp;
}

static Onnx__ModelProto *
model_to_pb(struct save_ctx *c, const struct ladder_model *m)
{
	Onnx__ModelProto *mp = salloc(c, 1, sizeof *mp);

	if (mp == NULL)
		return NULL;
	onnx__model_proto__init(mp);
	mp->has_ir_version = 1;
	mp->ir_version = m->ir_version;
	mp->producer_name = m->producer_name;
	mp->producer_version = m->producer_version;
	mp->domain = m->domain;
	mp->has_model_version = m->model_version != 0;
	mp->model_version = m->model_version;
	mp->doc_string = m->doc_string;
	mp->n_opset_import = m->n_opsets;
	mp->n_metadata_props = m->n_metadata;
	if ((mp->opset_import = salloc(c, m->n_opsets, sizeof *mp->opset_import)) == NULL ||
	    (mp->metadata_props = salloc(c, m->n_metadata, sizeof *mp->metadata_props)) == NULL)
		return NULL;
	for (size_t i = 0; i < m->n_opsets; i++) {
		Onnx__OperatorSetIdProto *op = salloc(c, 1, sizeof *op);

		if (op == NULL)
			return NULL;
		onnx__operator_set_id_proto__init(op);
		op->domain = m->opsets[i].domain;
		op->has_version = 1;
		op->version = m->opsets[i].version;
		mp->opset_import[i] = op;
	}
	for (size_t i = 0; i < m->n_metadata; i++) {
		Onnx__StringStringEntryProto *kv = salloc(c, 1, sizeof *kv);

		if (kv == NULL)
			return NULL;
		onnx__string_string_entry_proto__init(kv);
		kv->key = m->metadata[i].key;
		kv->value = m->metadata[i].value;
		mp->metadata_props[i] = kv;
	}
	if ((mp->graph = graph_to_pb(c, &m->graph)) == NULL)
		return NULL;
	if (m->raw_extra.len > 0) {
		Onnx__ModelProto *extra = (Onnx__ModelProto *)unpack_opaque(c, &onnx__model_proto__descriptor,
		    &m->raw_extra, "functions and training info");
		if (extra == NULL)
			return NULL;
		mp->n_functions = extra->n_functions;
		mp->functions = extra->functions;
		mp->n_training_info = extra->n_training_info;
		mp->training_info = extra->training_info;
	}
	return mp;
}

/* Packs msg into a new malloc'd buffer; protobuf caps a message at 2 GiB. */
static int
pack_new(const ProtobufCMessage *msg, uint8_t **data, size_t *len, struct ladder_err *err)
{
	size_t size = protobuf_c_message_get_packed_size(msg);

	if (size > (size_t)INT32_MAX)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "%zu bytes is over the 2 GiB protobuf limit", size);
	*data = malloc(size > 0 ? size : 1);
	if (*data == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	*len = protobuf_c_message_pack(msg, *data);
	return 0;
}

/* Builds the message for obj in a scratch arena and packs it into a new buffer. */
static int
serialize(const void *obj, ProtobufCMessage *(*build)(struct save_ctx *, const void *), const char *what,
    uint8_t **data, size_t *len, struct ladder_err *err)
{
	struct ladder_err e = { 0 };
	struct save_ctx c = { .err = &e };
	ProtobufCMessage *msg;
	int rc;

	*data = NULL;
	*len = 0;
	if ((c.arena = ladder_arena_new()) == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot serialize %s: out of memory", what);
	pb_alloc_init(&c.alloc, c.arena, 0);
	msg = build(&c, obj);
	rc = msg == NULL ? e.code : pack_new(msg, data, len, &e);
	ladder_arena_free(c.arena);
	if (rc != 0)
		return ladder_errf(err, rc, "cannot serialize %s: %s", what, e.msg);
	return 0;
}

static ProtobufCMessage *
build_model(struct save_ctx *c, const void *m)
{
	Onnx__ModelProto *mp = model_to_pb(c, m);

	return mp != NULL ? &mp->base : NULL;
}

static ProtobufCMessage *
build_tensor(struct save_ctx *c, const void *t)
{
	Onnx__TensorProto *tp = tensor_to_pb(c, t);

	return tp != NULL ? &tp->base : NULL;
}

int
ladder_model_serialize(const struct ladder_model *m, uint8_t **data, size_t *len,
    struct ladder_err *err)
{
	return serialize(m, build_model, "model", data, len, err);
}

int
ladder_model_save(const struct ladder_model *m, const char *path, struct ladder_err *err)
{
	uint8_t *data;
	size_t len;
	int rc;

	if ((rc = ladder_model_serialize(m, &data, &len, err)) != 0)
		return rc;
	rc = ladder_write_file(path, data, len, err);
	free(data);
	return rc;
}

int
ladder_tensor_serialize_pb(const struct ladder_tensor *t, uint8_t **data, size_t *len,
    struct ladder_err *err)
{
	return serialize(t, build_tensor, "tensor", data, len, err);
}
