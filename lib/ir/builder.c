/* builder.c: make and edit models in code (tests, `ladder generate`). */
#include <string.h>

#include "ladder-model.h"
#include "util/banned.h"

/* Grows an arena array of *n used and *cap allocated entries by one. */
static void *
grow(struct ladder_arena *a, void **array, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap < 4 ? 8 : *cap * 2, bytes;
		void *p;

		if (!ladder_mul_size(ncap, size, &bytes) || (p = ladder_arena_alloc(a, bytes)) == NULL)
			return NULL;
		if (*n > 0)
			memcpy(p, *array, *n * size);
		*array = p;
		*cap = ncap;
	}
	char *slot = (char *)*array + *n * size;
	(*n)++;
	memset(slot, 0, size);
	return slot;
}

struct ladder_model *
ladder_model_new(int64_t ir_version, int64_t default_opset)
{
	struct ladder_arena *a = ladder_arena_new();
	struct ladder_model *m;

	if (a == NULL)
		return NULL;
	m = ladder_arena_alloc(a, sizeof *m);
	if (m == NULL)
		goto fail;
	m->arena = a;
	m->ir_version = ir_version;
	m->producer_name = ladder_arena_strdup(a, "ladder");
	m->producer_version = ladder_arena_strdup(a, ladder_version());
	m->graph.name = ladder_arena_strdup(a, "main");
	if (m->producer_name == NULL || m->producer_version == NULL || m->graph.name == NULL)
		goto fail;
	if (default_opset > 0 && ladder_model_set_opset(m, "", default_opset) != 0)
		goto fail;
	return m;
fail:
	ladder_arena_free(a);
	return NULL;
}

static bool
same_domain(const char *a, const char *b)
{
	if (a == NULL || strcmp(a, "ai.onnx") == 0)
		a = "";
	if (b == NULL || strcmp(b, "ai.onnx") == 0)
		b = "";
	return strcmp(a, b) == 0;
}

int
ladder_model_set_opset(struct ladder_model *m, const char *domain, int64_t version)
{
	struct ladder_opset *o;
	size_t cap = m->n_opsets;

	for (size_t i = 0; i < m->n_opsets; i++) {
		if (same_domain(m->opsets[i].domain, domain)) {
			m->opsets[i].version = version;
			return 0;
		}
	}
	o = grow(m->arena, (void **)&m->opsets, &m->n_opsets, &cap, sizeof *m->opsets);
	if (o == NULL || (o->domain = ladder_arena_strdup(m->arena, domain ? domain : "")) == NULL)
		return LADDER_ENOMEM;
	o->version = version;
	return 0;
}

int64_t
ladder_model_opset(const struct ladder_model *m, const char *domain)
{
	for (size_t i = 0; i < m->n_opsets; i++) {
		if (same_domain(m->opsets[i].domain, domain))
			return m->opsets[i].version;
	}
	return 0;
}

static char **
dup_names(struct ladder_arena *a, size_t n, const char *const *names)
{
	char **out;

	if (n == 0)
		return NULL;
	if ((out = ladder_arena_alloc(a, n * sizeof *out)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if ((out[i] = ladder_arena_strdup(a, names[i] ? names[i] : "")) == NULL)
			return NULL;
	}
	return out;
}

struct ladder_node *
ladder_graph_add_node(struct ladder_model *m, struct ladder_graph *g, const char *op_type,
    const char *name, size_t n_inputs, const char *const *inputs, size_t n_outputs,
    const char *const *outputs)
{
	struct ladder_node *n;

	n = grow(m->arena, (void **)&g->nodes, &g->n_nodes, &g->cap_nodes, sizeof *g->nodes);
	if (n == NULL)
		return NULL;
	n->op_type = ladder_arena_strdup(m->arena, op_type);
	n->name = ladder_arena_strdup(m->arena, name ? name : "");
	n->domain = ladder_arena_strdup(m->arena, "");
	n->n_inputs = n_inputs;
	n->inputs = dup_names(m->arena, n_inputs, inputs);
	n->n_outputs = n_outputs;
	n->outputs = dup_names(m->arena, n_outputs, outputs);
	if (n->op_type == NULL || n->name == NULL || n->domain == NULL ||
	    (n_inputs > 0 && n->inputs == NULL) || (n_outputs > 0 && n->outputs == NULL)) {
		g->n_nodes--;
		return NULL;
	}
	return n;
}

/* The attribute named `name`, replaced if present, else appended. */
static struct ladder_attr *
node_attr_slot(struct ladder_model *m, struct ladder_node *n, const char *name,
    enum ladder_attr_type type)
{
	struct ladder_attr *a = NULL;
	char *dup;

	for (size_t i = 0; i < n->n_attrs; i++) {
		if (strcmp(n->attrs[i].name, name) == 0)
			a = &n->attrs[i];
	}
	if ((dup = ladder_arena_strdup(m->arena, name)) == NULL)
		return NULL;
	if (a == NULL) {
		struct ladder_attr *attrs = ladder_arena_alloc(m->arena, (n->n_attrs + 1) * sizeof *attrs);

		if (attrs == NULL)
			return NULL;
		if (n->n_attrs > 0)
			memcpy(attrs, n->attrs, n->n_attrs * sizeof *attrs);
		n->attrs = attrs;
		a = &attrs[n->n_attrs++];
	}
	memset(a, 0, sizeof *a);
	a->name = dup;
	a->type = type;
	return a;
}

int
ladder_node_set_int(struct ladder_model *m, struct ladder_node *n, const char *name, int64_t v)
{
	struct ladder_attr *a = node_attr_slot(m, n, name, LADDER_ATTR_INT);

	if (a == NULL)
		return LADDER_ENOMEM;
	a->i = v;
	return 0;
}

int
ladder_node_set_float(struct ladder_model *m, struct ladder_node *n, const char *name, float v)
{
	struct ladder_attr *a = node_attr_slot(m, n, name, LADDER_ATTR_FLOAT);

	if (a == NULL)
		return LADDER_ENOMEM;
	a->f = v;
	return 0;
}

int
ladder_node_set_string(struct ladder_model *m, struct ladder_node *n, const char *name, const char *v)
{
	struct ladder_attr *a = node_attr_slot(m, n, name, LADDER_ATTR_STRING);

	if (a == NULL || (a->s.data = (uint8_t *)ladder_arena_strdup(m->arena, v)) == NULL)
		return LADDER_ENOMEM;
	a->s.len = strlen(v);
	return 0;
}

int
ladder_node_set_ints(struct ladder_model *m, struct ladder_node *n, const char *name,
    size_t count, const int64_t *v)
{
	struct ladder_attr *a = node_attr_slot(m, n, name, LADDER_ATTR_INTS);

	if (a == NULL || (count > 0 && (a->ints = ladder_arena_memdup(m->arena, v, count * sizeof *v)) == NULL))
		return LADDER_ENOMEM;
	a->n = count;
	return 0;
}

int
ladder_node_set_floats(struct ladder_model *m, struct ladder_node *n, const char *name,
    size_t count, const float *v)
{
	struct ladder_attr *a = node_attr_slot(m, n, name, LADDER_ATTR_FLOATS);

	if (a == NULL || (count > 0 && (a->floats = ladder_arena_memdup(m->arena, v, count * sizeof *v)) == NULL))
		return LADDER_ENOMEM;
	a->n = count;
	return 0;
}

/* Deep copy of a tensor's name, doc and data into the arena. */
static int
tensor_copy(struct ladder_arena *a, struct ladder_tensor *dst, const char *name, enum ladder_dtype dt,
    int rank, const int64_t *dims, const void *data)
{
	size_t bytes;
	int64_t numel;

	if (rank < 0 || rank > LADDER_MAX_RANK || (unsigned)dt >= LADDER_DT_COUNT_)
		return LADDER_EINVAL;
	memset(dst, 0, sizeof *dst);
	dst->dtype = dt;
	dst->rank = rank;
	for (int i = 0; i < rank; i++)
		dst->dims[i] = dims[i];
	if ((numel = ladder_tensor_numel(dst)) < 0)
		return LADDER_EINVAL;
	if ((dst->name = ladder_arena_strdup(a, name ? name : "")) == NULL)
		return LADDER_ENOMEM;
	if (dt == LADDER_DT_STRING) {
		const struct ladder_bytes *src = data;
		struct ladder_bytes *s;

		if (!ladder_mul_size((size_t)numel, sizeof *s, &bytes))
			return LADDER_EINVAL;
		if (numel == 0)
			return 0;
		if ((s = ladder_arena_alloc(a, bytes)) == NULL)
			return LADDER_ENOMEM;
		for (int64_t i = 0; i < numel; i++) {
			s[i].len = src != NULL ? src[i].len : 0;
			s[i].data = (uint8_t *)ladder_arena_strndup(a, src ? (const char *)src[i].data : "", s[i].len);
			if (s[i].data == NULL)
				return LADDER_ENOMEM;
		}
		dst->data = s;
		dst->bytes = bytes;
		return 0;
	}
	if (!ladder_mul_size((size_t)numel, ladder_dtype_size(dt), &bytes))
		return LADDER_EINVAL;
	if (bytes == 0)
		return 0;
	dst->data = data != NULL ? ladder_arena_memdup(a, data, bytes) : ladder_arena_alloc(a, bytes);
	if (dst->data == NULL)
		return LADDER_ENOMEM;
	dst->bytes = bytes;
	return 0;
}

int
ladder_node_set_tensor(struct ladder_model *m, struct ladder_node *n, const char *name,
    const struct ladder_tensor *t)
{
	struct ladder_tensor *copy = ladder_arena_alloc(m->arena, sizeof *copy);
	struct ladder_attr *a;
	int rc;

	if (copy == NULL)
		return LADDER_ENOMEM;
	if ((rc = tensor_copy(m->arena, copy, t->name, t->dtype, t->rank, t->dims, t->data)) != 0)
		return rc;
	if (t->doc_string != NULL && (copy->doc_string = ladder_arena_strdup(m->arena, t->doc_string)) == NULL)
		return LADDER_ENOMEM;
	if ((a = node_attr_slot(m, n, name, LADDER_ATTR_TENSOR)) == NULL)
		return LADDER_ENOMEM;
	a->t = copy;
	return 0;
}

struct ladder_tensor *
ladder_graph_add_initializer(struct ladder_model *m, struct ladder_graph *g, const char *name,
    enum ladder_dtype dt, int rank, const int64_t *dims, const void *data)
{
	struct ladder_tensor tmp;

	if (tensor_copy(m->arena, &tmp, name, dt, rank, dims, data) != 0)
		return NULL;
	struct ladder_tensor *t = grow(m->arena, (void **)&g->initializers, &g->n_initializers,
	    &g->cap_initializers, sizeof *g->initializers);
	if (t == NULL)
		return NULL;
	*t = tmp;
	return t;
}

static int
value_info_fill(struct ladder_arena *a, struct ladder_value_info *v, const char *name,
    enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params)
{
	v->name = ladder_arena_strdup(a, name ? name : "");
	if (v->name == NULL)
		return LADDER_ENOMEM;
	v->type.kind = LADDER_TYPE_TENSOR;
	v->type.dtype = dt;
	v->type.rank = rank < 0 ? -1 : rank;
	if (rank <= 0)
		return 0;
	if ((v->type.dims = ladder_arena_alloc(a, (size_t)rank * sizeof *v->type.dims)) == NULL)
		return LADDER_ENOMEM;
	for (int i = 0; i < rank; i++) {
		v->type.dims[i].value = dims != NULL && dims[i] >= 0 ? dims[i] : -1;
		if (params != NULL && params[i] != NULL &&
		    (v->type.dims[i].param = ladder_arena_strdup(a, params[i])) == NULL)
			return LADDER_ENOMEM;
	}
	return 0;
}

/* Appends to a graph's inputs or outputs. */
static struct ladder_value_info *
add_value_info(struct ladder_model *m, struct ladder_value_info **array, size_t *n, size_t *cap,
    const char *name, enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params)
{
	struct ladder_value_info *v = grow(m->arena, (void **)array, n, cap, sizeof **array);

	if (v == NULL)
		return NULL;
	if (value_info_fill(m->arena, v, name, dt, rank, dims, params) != 0) {
		(*n)--;
		return NULL;
	}
	return v;
}

struct ladder_value_info *
ladder_graph_add_input(struct ladder_model *m, struct ladder_graph *g, const char *name,
    enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params)
{
	return add_value_info(m, &g->inputs, &g->n_inputs, &g->cap_inputs, name, dt, rank, dims, params);
}

struct ladder_value_info *
ladder_graph_add_output(struct ladder_model *m, struct ladder_graph *g, const char *name,
    enum ladder_dtype dt, int rank, const int64_t *dims, const char *const *params)
{
	return add_value_info(m, &g->outputs, &g->n_outputs, &g->cap_outputs, name, dt, rank, dims, params);
}
