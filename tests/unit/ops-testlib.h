/*
 * ops-testlib.h: drives one operator through check, infer and run on
 * hand-made values, without the loader or the executor (shared by the op
 * unit tests; included, not compiled alone).
 */
#ifndef LADDER_TEST_OPS_TESTLIB_H
#define LADDER_TEST_OPS_TESTLIB_H

#include "harness.h"
#include "ladder.h"
#include "ops/op.h"

#define T_MAX_IO 8

struct t_op {
	const char *op;
	int opset;
	struct ladder_attr attrs[12];
	size_t n_attrs;
	struct exec_value *in[T_MAX_IO];
	size_t n_in;
	struct exec_value out[T_MAX_IO];
	size_t n_out;
	struct ladder_err err;
	struct ladder_arena *arena;
};

static inline struct t_op *
t_new(const char *op, int opset, size_t n_out)
{
	struct t_op *t = calloc(1, sizeof *t);

	t->op = op;
	t->opset = opset;
	t->n_out = n_out;
	t->arena = ladder_arena_new();
	return t;
}

static inline void
t_free(struct t_op *t)
{
	for (size_t i = 0; i < t->n_in; i++) {
		if (t->in[i]) {
			free(t->in[i]->data);
			free(t->in[i]);
		}
	}
	for (size_t i = 0; i < t->n_out; i++)
		free(t->out[i].data);
	ladder_arena_free(t->arena);
	free(t);
}

/* Adds an input (copies data; data NULL: unknown at plan time; dt 0: omitted input). */
static inline struct exec_value *
t_in(struct t_op *t, enum ladder_dtype dt, int rank, const int64_t *dims, const void *data)
{
	struct exec_value *v;

	if (dt == LADDER_DT_UNDEFINED) {
		t->in[t->n_in++] = NULL;
		return NULL;
	}
	v = calloc(1, sizeof *v);
	v->name = "x";
	v->dtype = dt;
	v->rank = rank;
	for (int i = 0; i < rank; i++)
		v->dims[i] = dims[i];
	v->bytes = (size_t)op_numel(v) * ladder_dtype_size(dt);
	if (data) {
		v->data = malloc(v->bytes ? v->bytes : 1);
		memcpy(v->data, data, v->bytes);
		v->is_const = true;
	}
	t->in[t->n_in++] = v;
	return v;
}

/* An input of zeros (known at plan time). */
static inline struct exec_value *
t_in_zero(struct t_op *t, enum ladder_dtype dt, int rank, const int64_t *dims)
{
	struct exec_value *v = t_in(t, dt, rank, dims, NULL);

	v->data = calloc(1, v->bytes + 1);
	v->is_const = true;
	return v;
}

#define T_IN_F(t, rank, dims, ...) \
	t_in(t, LADDER_DT_FLOAT, rank, (const int64_t[])dims, (const float[]){ __VA_ARGS__ })
#define T_IN_I64(t, rank, dims, ...) \
	t_in(t, LADDER_DT_INT64, rank, (const int64_t[])dims, (const int64_t[]){ __VA_ARGS__ })
#define DIMS(...) { __VA_ARGS__ }

static inline struct ladder_attr *
t_attr(struct t_op *t, const char *name, enum ladder_attr_type type)
{
	struct ladder_attr *a = &t->attrs[t->n_attrs++];

	a->name = (char *)name;
	a->type = type;
	return a;
}

static inline void
t_int(struct t_op *t, const char *name, int64_t v)
{
	t_attr(t, name, LADDER_ATTR_INT)->i = v;
}

static inline void
t_float(struct t_op *t, const char *name, float v)
{
	t_attr(t, name, LADDER_ATTR_FLOAT)->f = v;
}

static inline void
t_string(struct t_op *t, const char *name, const char *v)
{
	struct ladder_attr *a = t_attr(t, name, LADDER_ATTR_STRING);

	a->s.data = (uint8_t *)v;
	a->s.len = strlen(v);
}

static inline void
t_ints(struct t_op *t, const char *name, size_t n, const int64_t *v)
{
	struct ladder_attr *a = t_attr(t, name, LADDER_ATTR_INTS);

	a->n = n;
	a->ints = ladder_arena_alloc(t->arena, n * sizeof *v + 1);
	memcpy(a->ints, v, n * sizeof *v);
}

static inline void
t_floats(struct t_op *t, const char *name, size_t n, const float *v)
{
	struct ladder_attr *a = t_attr(t, name, LADDER_ATTR_FLOATS);

	a->n = n;
	a->floats = ladder_arena_alloc(t->arena, n * sizeof *v + 1);
	memcpy(a->floats, v, n * sizeof *v);
}

static inline void
t_tensor(struct t_op *t, const char *name, enum ladder_dtype dt, int rank, const int64_t *dims,
    const void *data)
{
	struct ladder_attr *a = t_attr(t, name, LADDER_ATTR_TENSOR);
	struct ladder_tensor *x = ladder_arena_alloc(t->arena, sizeof *x);

	x->dtype = dt;
	x->rank = rank;
	for (int i = 0; i < rank; i++)
		x->dims[i] = dims[i];
	x->bytes = (size_t)ladder_tensor_numel(x) * ladder_dtype_size(dt);
	x->data = ladder_arena_alloc(t->arena, x->bytes + 1);
	memcpy(x->data, data, x->bytes);
	a->t = x;
}

/* check + infer + run; returns the first non-zero status (message in t->err). */
static inline int
t_run(struct t_op *t)
{
	static char *names[T_MAX_IO] = { "a", "b", "c", "d", "e", "f", "g", "h" };
	const struct op_def *d = op_find("", t->op);
	struct ladder_node node = { .name = "n", .op_type = (char *)t->op, .domain = "" };
	struct exec_value *outs[T_MAX_IO];
	char *in_names[T_MAX_IO];
	struct op_ctx c = { 0 };
	void *scratch = NULL;
	int rc;

	if (d == NULL)
		return ladder_errf(&t->err, LADDER_EUNSUPPORTED, "no op %s", t->op);
	size_t n_in = t->n_in > (size_t)d->n_in_max ? t->n_in : (size_t)d->n_in_max;
	struct exec_value **ins = calloc(n_in + 1, sizeof *ins);

	for (size_t i = 0; i < t->n_in; i++) {
		ins[i] = t->in[i];
		in_names[i] = t->in[i] ? names[i] : "";
	}
	node.n_inputs = t->n_in;
	node.inputs = in_names;
	node.n_outputs = t->n_out;
	node.outputs = names;
	node.n_attrs = t->n_attrs;
	node.attrs = t->attrs;
	for (size_t i = 0; i < t->n_out; i++) {
		t->out[i].name = names[i];
		outs[i] = &t->out[i];
	}
	c.node = &node;
	c.opset = t->opset;
	c.n_in = n_in;
	c.n_out = t->n_out;
	c.in = ins;
	c.out = outs;
	c.arena = t->arena;
	c.threads = 1;
	if ((d->check && (rc = d->check(&c, &t->err)) != 0) ||
	    (rc = d->infer(&c, &t->err)) != 0) {
		free(ins);
		return rc;
	}
	for (size_t i = 0; i < t->n_out; i++) {
		struct exec_value *o = &t->out[i];

		o->bytes = (size_t)op_numel(o) * ladder_dtype_size(o->dtype);
		o->data = calloc(1, o->bytes + 1);
	}
	if (c.scratch_bytes)
		c.scratch = scratch = calloc(1, c.scratch_bytes);
	rc = d->run(&c, &t->err);
	free(scratch);
	free(ins);
	return rc;
}

static inline bool
t_dims(const struct exec_value *v, int rank, const int64_t *dims)
{
	if (v->rank != rank)
		return false;
	for (int i = 0; i < rank; i++) {
		if (v->dims[i] != dims[i])
			return false;
	}
	return true;
}

#define CHECK_DIMS(v, rank, ...) CHECK(t_dims(v, rank, (const int64_t[]){ 0, ##__VA_ARGS__ } + 1))

/* Compares the output with expected values read as doubles. */
static inline bool
t_values(const struct exec_value *v, size_t n, const double *want, double tol)
{
	if ((size_t)op_numel(v) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		double x = op_get_double(v, (int64_t)i);

		if (!(fabs(x - want[i]) <= tol)) {
			printf("#   element %zu: %g, want %g\n", i, x, want[i]);
			return false;
		}
	}
	return true;
}

#define CHECK_VALUES(v, tol, ...)                                                      \
	CHECK(t_values(v, sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double),  \
	    (const double[]){ __VA_ARGS__ }, tol))

#endif
