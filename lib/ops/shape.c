/*
 * shape.c: operators that make or reshape tensors without moving data:
 * Constant, ConstantOfShape, Shape, Size, Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity, Dropout (inference), Range, EyeLike.
 */
#include <math.h>
#include <string.h>

#include "ops/op-data.h"
#include "util/banned.h"

/* Constant */

struct constant_view {
	enum ladder_dtype dtype;
	int rank;
	int64_t dims[LADDER_MAX_RANK];
	const void *data;
	size_t bytes;
};

static int
constant_find(const struct op_ctx *c, struct constant_view *v, struct ladder_err *err)
{
	const struct ladder_node *n = c->node;
	const struct ladder_attr *found = NULL;

	for (size_t i = 0; i < n->n_attrs; i++) {
		const struct ladder_attr *a = &n->attrs[i];

		if (strncmp(a->name, "value", 5) != 0 && strcmp(a->name, "sparse_value") != 0)
			continue;
		if (found != NULL)
			return op_fail(c, err, LADDER_EINVAL, "has both '%s' and '%s'", found->name,
			    a->name);
		found = a;
	}
	if (found == NULL)
		return op_fail(c, err, LADDER_EINVAL, "has no value attribute");
	memset(v, 0, sizeof *v);
	if (strcmp(found->name, "value") == 0 && found->type == LADDER_ATTR_TENSOR && found->t) {
		const struct ladder_tensor *t = found->t;

		if (t->dtype == LADDER_DT_STRING)
			return op_fail(c, err, LADDER_EUNSUPPORTED, "string tensors are not supported");
		if (t->rank < 0 || t->rank > LADDER_MAX_RANK || ladder_dtype_size(t->dtype) == 0)
			return op_fail(c, err, LADDER_EUNSUPPORTED, "unsupported value tensor");
		int64_t numel = ladder_tensor_numel(t);

		if (numel < 0 || (size_t)numel * ladder_dtype_size(t->dtype) != t->bytes)
			return op_fail(c, err, LADDER_EINVAL, "value tensor has %zu bytes for its shape",
			    t->bytes);
		v->dtype = t->dtype;
		v->rank = t->rank;
		memcpy(v->dims, t->dims, sizeof v->dims);
		v->data = t->data;
		v->bytes = t->bytes;
	} else if (strcmp(found->name, "value_float") == 0 && found->type == LADDER_ATTR_FLOAT) {
		v->dtype = LADDER_DT_FLOAT;
		v->data = &found->f;
		v->bytes = sizeof(float);
	} else if (strcmp(found->name, "value_int") == 0 && found->type == LADDER_ATTR_INT) {
		v->dtype = LADDER_DT_INT64;
		v->data = &found->i;
		v->bytes = sizeof(int64_t);
	} else if (strcmp(found->name, "value_floats") == 0 && found->type == LADDER_ATTR_FLOATS) {
		v->dtype = LADDER_DT_FLOAT;
		v->rank = 1;
		v->dims[0] = (int64_t)found->n;
		v->data = found->floats;
		v->bytes = found->n * sizeof(float);
	} else if (strcmp(found->name, "value_ints") == 0 && found->type == LADDER_ATTR_INTS) {
		v->dtype = LADDER_DT_INT64;
		v->rank = 1;
		v->dims[0] = (int64_t)found->n;
		v->data = found->ints;
		v->bytes = found->n * sizeof(int64_t);
	} else if (strcmp(found->name, "value_string") == 0 ||
	    strcmp(found->name, "value_strings") == 0) {
		return op_fail(c, err, LADDER_EUNSUPPORTED, "string constants are not supported");
	} else if (strcmp(found->name, "sparse_value") == 0) {
		return op_fail(c, err, LADDER_EUNSUPPORTED, "sparse_value is not supported");
	} else {
		return op_fail(c, err, LADDER_EINVAL, "attribute '%s' is not a valid value",
		    found->name);
	}
	return 0;
}

static int
constant_check(struct op_ctx *c, struct ladder_err *err)
{
	struct constant_view v;

	return constant_find(c, &v, err);
}

static int
constant_infer(struct op_ctx *c, struct ladder_err *err)
{
	struct constant_view v;
	int rc = constant_find(c, &v, err);

	if (rc != 0)
		return rc;
	op_set_shape(c->out[0], v.dtype, v.rank, v.dims);
	return 0;
}

static int
constant_run(struct op_ctx *c, struct ladder_err *err)
{
	struct constant_view v;
	int rc = constant_find(c, &v, err);

	if (rc != 0)
		return rc;
	if (v.bytes > 0)
		memcpy(c->out[0]->data, v.data, v.bytes);
	return 0;
}

const struct op_def op_Constant = {
	.name = "Constant", .n_in_min = 0, .n_in_max = 0, .n_out_min = 1, .n_out_max = 1,
	.check = constant_check, .infer = constant_infer, .run = constant_run,
};

/* ConstantOfShape */

static int
cos_value(const struct op_ctx *c, enum ladder_dtype *dt, const void **data, struct ladder_err *err)
{
	static const float zero;
	const struct ladder_attr *a = op_attr(c, "value");

	*dt = LADDER_DT_FLOAT;
	*data = &zero;
	if (a == NULL)
		return 0;
	if (a->type != LADDER_ATTR_TENSOR || a->t == NULL)
		return op_fail(c, err, LADDER_EINVAL, "value must be a tensor");
	if (a->t->dtype == LADDER_DT_STRING || ladder_dtype_size(a->t->dtype) == 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "value of dtype %s is not supported",
		    ladder_dtype_name(a->t->dtype));
	if (ladder_tensor_numel(a->t) != 1 || a->t->bytes != ladder_dtype_size(a->t->dtype))
		return op_fail(c, err, LADDER_EINVAL, "value must have one element");
	*dt = a->t->dtype;
	*data = a->t->data;
	return 0;
}

static int
cos_check(struct op_ctx *c, struct ladder_err *err)
{
	enum ladder_dtype dt;
	const void *data;

	return cos_value(c, &dt, &data, err);
}

static int
cos_infer(struct op_ctx *c, struct ladder_err *err)
{
	int64_t dims[LADDER_MAX_RANK];
	enum ladder_dtype dt;
	const void *data;
	int n, rc;

	if ((rc = cos_value(c, &dt, &data, err)) != 0 ||
	    (rc = op_input_ints(c, c->in[0], "shape", dims, LADDER_MAX_RANK, &n, err)) != 0)
		return rc;
	for (int i = 0; i < n; i++) {
		if (dims[i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "shape has negative dimension %lld",
			    (long long)dims[i]);
	}
	op_set_shape(c->out[0], dt, n, dims);
	return op_check_size(c, c->out[0], err);
}

static int
cos_run(struct op_ctx *c, struct ladder_err *err)
{
	enum ladder_dtype dt;
	const void *data;
	int rc = cos_value(c, &dt, &data, err);
	struct exec_value *o = c->out[0];
	size_t es = op_esize(o);
	int64_t n = op_numel(o);

	if (rc != 0)
		return rc;
	for (int64_t i = 0; i < n; i++)
		memcpy((char *)o->data + (size_t)i * es, data, es);
	return 0;
}

const struct op_def op_ConstantOfShape = {
	.name = "ConstantOfShape", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.check = cos_check, .infer = cos_infer, .run = cos_run,
};

/* Shape and Size: the output depends only on the input's shape, never its data. */

static void
shape_range(const struct op_ctx *c, int rank, int64_t *start, int64_t *end)
{
	int64_t s = 0, e = rank;

	if (c->opset >= 15) {
		s = op_attr_int(c, "start", 0);
		e = op_attr_int(c, "end", rank);
	}
	if (s < 0)
		s += rank;
	if (e < 0)
		e += rank;
	s = s < 0 ? 0 : s > rank ? rank : s;
	e = e < 0 ? 0 : e > rank ? rank : e;
	*start = s;
	*end = e > s ? e : s;
}

static int
shape_infer(struct op_ctx *c, struct ladder_err *err)
{
	int64_t s, e;

	shape_range(c, c->in[0]->rank, &s, &e);
	int64_t dims[1] = { e - s };

	op_set_shape(c->out[0], LADDER_DT_INT64, 1, dims);
	return 0;
}

static int
shape_run(struct op_ctx *c, struct ladder_err *err)
{
	int64_t s, e;

	shape_range(c, c->in[0]->rank, &s, &e);
	for (int64_t i = s; i < e; i++)
		((int64_t *)c->out[0]->data)[i - s] = c->in[0]->dims[i];
	return 0;
}

const struct op_def op_Shape = {
	.name = "Shape", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = shape_infer, .run = shape_run,
};

static int
size_infer(struct op_ctx *c, struct ladder_err *err)
{
	op_set_shape(c->out[0], LADDER_DT_INT64, 0, NULL);
	return 0;
}

static int
size_run(struct op_ctx *c, struct ladder_err *err)
{
	*(int64_t *)c->out[0]->data = op_numel(c->in[0]);
	return 0;
}

const struct op_def op_Size = {
	.name = "Size", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = size_infer, .run = size_run,
};

/* Identity and the view ops: the output is the input's bytes. */

static int
copy_run(struct op_ctx *c, struct ladder_err *err)
{
	op_copy_value(c->out[0], c->in[0]);
	return 0;
}

static int
identity_infer(struct op_ctx *c, struct ladder_err *err)
{
	int rc = op_need_sized(c, c->in[0], err);

	if (rc == 0)
		op_set_shape(c->out[0], c->in[0]->dtype, c->in[0]->rank, c->in[0]->dims);
	return rc;
}

const struct op_def op_Identity = {
	.name = "Identity", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = identity_infer, .run = copy_run,
};

/* Reshape */

static int
reshape_check(struct op_ctx *c, struct ladder_err *err)
{
	if (c->opset < 5 && op_attr(c, "shape") == NULL)
		return op_fail(c, err, LADDER_EINVAL, "missing attribute 'shape'");
	if (c->opset >= 5 && (c->n_in < 2 || c->node->n_inputs < 2))
		return op_fail(c, err, LADDER_EINVAL, "missing input 'shape'");
	return 0;
}

static int
reshape_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t shape[LADDER_MAX_RANK], known = 1, total = op_numel(x);
	int n, rc, minus = -1;
	bool allowzero = c->opset >= 14 && op_attr_int(c, "allowzero", 0) != 0;

	if ((rc = op_need_sized(c, x, err)) != 0)
		return rc;
	if (c->opset < 5) {
		n = op_attr_ints(c, "shape", shape, LADDER_MAX_RANK);
		if (n < 0)
			return op_fail(c, err, LADDER_EINVAL, "shape has more than %d values",
			    LADDER_MAX_RANK);
	} else if (c->in[1] == NULL) {
		return op_fail(c, err, LADDER_EINVAL, "missing input 'shape'");
	} else if ((rc = op_input_ints(c, c->in[1], "shape", shape, LADDER_MAX_RANK, &n, err)) != 0) {
		return rc;
	}
	for (int i = 0; i < n; i++) {
		if (shape[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return op_fail(c, err, LADDER_EINVAL,
				    "shape[%d] is 0 but the input has rank %d", i, x->rank);
			shape[i] = x->dims[i];
		}
		if (shape[i] == -1) {
			if (minus >= 0)
				return op_fail(c, err, LADDER_EINVAL, "shape has more than one -1");
			minus = i;
			continue;
		}
		if (shape[i] < 0)
			return op_fail(c, err, LADDER_EINVAL, "shape[%d] is %lld", i,
			    (long long)shape[i]);
		if (__builtin_mul_overflow(known, shape[i], &known))
			return op_fail(c, err, LADDER_EINVAL, "shape is too large");
	}
	if (minus >= 0) {
		if (known == 0 || total % known != 0)
			return op_fail(c, err, LADDER_EINVAL,
			    "cannot reshape %lld elements with a -1 dimension", (long long)total);
		shape[minus] = total / known;
	} else if (known != total) {
		return op_fail(c, err, LADDER_EINVAL, "cannot reshape %lld elements into %lld",
		    (long long)total, (long long)known);
	}
	op_set_shape(c->out[0], x->dtype, n, shape);
	return 0;
}

const struct op_def op_Reshape = {
	.name = "Reshape", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.check = reshape_check, .infer = reshape_infer, .run = copy_run,
};

/* Flatten */

static int
flatten_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t axis = op_attr_int(c, "axis", 1), dims[2] = { 1, 1 };
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0)
		return rc;
	if (axis < 0)
		axis += x->rank;
	if (axis < 0 || axis > x->rank)
		return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
		    (long long)op_attr_int(c, "axis", 1), x->rank);
	for (int i = 0; i < x->rank; i++)
		dims[i < axis ? 0 : 1] *= x->dims[i];
	op_set_shape(c->out[0], x->dtype, 2, dims);
	return 0;
}

const struct op_def op_Flatten = {
	.name = "Flatten", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = flatten_infer, .run = copy_run,
};

/* Squeeze and Unsqueeze: axes from the attribute (opset < 13) or input 1. */

static int
axes_list(struct op_ctx *c, int64_t *axes, int *n, struct ladder_err *err)
{
	*n = 0;
	if (c->opset < 13) {
		*n = op_attr_ints(c, "axes", axes, LADDER_MAX_RANK);
		if (*n < 0)
			return op_fail(c, err, LADDER_EINVAL, "axes has more than %d values",
			    LADDER_MAX_RANK);
		return 0;
	}
	if (c->n_in > 1 && c->in[1] != NULL)
		return op_input_ints(c, c->in[1], "axes", axes, LADDER_MAX_RANK, n, err);
	return 0;
}

static int
squeeze_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t axes[LADDER_MAX_RANK], dims[LADDER_MAX_RANK];
	bool drop[LADDER_MAX_RANK] = { false };
	int n, rc, r = 0;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = axes_list(c, axes, &n, err)) != 0)
		return rc;
	if (n == 0) {
		for (int i = 0; i < x->rank; i++)
			drop[i] = x->dims[i] == 1;
	}
	for (int i = 0; i < n; i++) {
		int a;

		if (!op_axis(axes[i], x->rank, &a))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
			    (long long)axes[i], x->rank);
		if (x->dims[a] != 1)
			return op_fail(c, err, LADDER_EINVAL, "cannot squeeze axis %d of size %lld",
			    a, (long long)x->dims[a]);
		drop[a] = true;
	}
	for (int i = 0; i < x->rank; i++) {
		if (!drop[i])
			dims[r++] = x->dims[i];
	}
	op_set_shape(c->out[0], x->dtype, r, dims);
	return 0;
}

const struct op_def op_Squeeze = {
	.name = "Squeeze", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = squeeze_infer, .run = copy_run,
};

static int
unsqueeze_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	int64_t axes[LADDER_MAX_RANK], dims[LADDER_MAX_RANK];
	bool added[LADDER_MAX_RANK] = { false };
	int n, rc, r, k = 0;

	if ((rc = op_need_sized(c, x, err)) != 0 || (rc = axes_list(c, axes, &n, err)) != 0)
		return rc;
	if (n == 0)
		return op_fail(c, err, LADDER_EINVAL, "axes is missing or empty");
	r = x->rank + n;
	if (r > LADDER_MAX_RANK)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "output rank %d is above %d", r,
		    LADDER_MAX_RANK);
	for (int i = 0; i < n; i++) {
		int a;

		if (!op_axis(axes[i], r, &a))
			return op_fail(c, err, LADDER_EINVAL, "axis %lld is out of range for rank %d",
			    (long long)axes[i], r);
		if (added[a])
			return op_fail(c, err, LADDER_EINVAL, "axis %d is repeated", a);
		added[a] = true;
	}
	for (int i = 0; i < r; i++)
		dims[i] = added[i] ? 1 : x->dims[k++];
	op_set_shape(c->out[0], x->dtype, r, dims);
	return 0;
}

const struct op_def op_Unsqueeze = {
	.name = "Unsqueeze", .n_in_min = 1, .n_in_max = 2, .n_out_min = 1, .n_out_max = 1,
	.infer = unsqueeze_infer, .run = copy_run,
};

/* Dropout: inference only; output = input, optional mask all true. */

static int
dropout_training(const struct op_ctx *c, bool *training, double *ratio, struct ladder_err *err)
{
	*training = false;
	*ratio = op_attr_float(c, "ratio", 0.5f);
	if (c->opset < 7 && op_attr_int(c, "is_test", 0) == 0)
		*training = true;
	if (c->opset >= 12) {
		if (c->n_in > 1 && c->in[1] != NULL) {
			if (c->in[1]->data == NULL)
				return op_fail(c, err, LADDER_EUNSUPPORTED, "ratio must be a constant");
			*ratio = op_get_double(c->in[1], 0);
		}
		if (c->n_in > 2 && c->in[2] != NULL) {
			if (c->in[2]->data == NULL)
				return op_fail(c, err, LADDER_EUNSUPPORTED,
				    "training_mode must be a constant");
			*training = op_get_int(c->in[2], 0) != 0;
		}
	}
	if (*training && *ratio != 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED,
		    "training mode (random dropout) is not supported");
	return 0;
}

static int
dropout_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	bool training;
	double ratio;
	int rc;

	if ((rc = op_need_sized(c, x, err)) != 0 ||
	    (rc = dropout_training(c, &training, &ratio, err)) != 0)
		return rc;
	op_set_shape(c->out[0], x->dtype, x->rank, x->dims);
	if (c->n_out > 1 && c->out[1] != NULL)
		op_set_shape(c->out[1], c->opset >= 10 ? LADDER_DT_BOOL : x->dtype, x->rank, x->dims);
	return 0;
}

static int
dropout_run(struct op_ctx *c, struct ladder_err *err)
{
	bool training;
	double ratio;
	int rc = dropout_training(c, &training, &ratio, err);

	if (rc != 0)
		return rc;
	op_copy_value(c->out[0], c->in[0]);
	if (c->n_out > 1 && c->out[1] != NULL) {
		struct exec_value *m = c->out[1];
		int64_t n = op_numel(m);

		for (int64_t i = 0; i < n; i++)
			op_set_double(m, i, 1);
	}
	return 0;
}

const struct op_def op_Dropout = {
	.name = "Dropout", .n_in_min = 1, .n_in_max = 3, .n_out_min = 1, .n_out_max = 2,
	.infer = dropout_infer, .run = dropout_run,
};

/* Range */

static int
range_count(struct op_ctx *c, int64_t *count, struct ladder_err *err)
{
	for (int i = 0; i < 3; i++) {
		const struct exec_value *v = c->in[i];

		if (v->data == NULL)
			return op_fail(c, err, LADDER_EUNSUPPORTED,
			    "input %d must be known before running", i);
		if (op_numel(v) != 1)
			return op_fail(c, err, LADDER_EINVAL, "input %d must be a scalar", i);
		if (v->dtype != c->in[0]->dtype)
			return op_fail(c, err, LADDER_EINVAL, "inputs have different dtypes");
	}
	switch (c->in[0]->dtype) {
	case LADDER_DT_FLOAT: case LADDER_DT_DOUBLE: case LADDER_DT_INT16:
	case LADDER_DT_INT32: case LADDER_DT_INT64:
		break;
	default:
		return op_fail(c, err, LADDER_EUNSUPPORTED, "dtype %s is not supported",
		    ladder_dtype_name(c->in[0]->dtype));
	}
	if (c->in[0]->dtype == LADDER_DT_FLOAT || c->in[0]->dtype == LADDER_DT_DOUBLE) {
		double start = op_get_double(c->in[0], 0), limit = op_get_double(c->in[1], 0);
		double delta = op_get_double(c->in[2], 0), n;

		if (delta == 0 || !isfinite(start) || !isfinite(limit) || !isfinite(delta))
			return op_fail(c, err, LADDER_EINVAL, "invalid start, limit or delta");
		n = ceil((limit - start) / delta);
		if (n > (double)((int64_t)1 << 40))
			return op_fail(c, err, LADDER_EINVAL, "range is too long");
		*count = n > 0 ? (int64_t)n : 0;
	} else {
		int64_t start = op_get_int(c->in[0], 0), limit = op_get_int(c->in[1], 0);
		int64_t delta = op_get_int(c->in[2], 0);

		if (delta == 0)
			return op_fail(c, err, LADDER_EINVAL, "delta is 0");
		/* In long double to avoid overflow of limit - start. */
		long double n = ceill(((long double)limit - start) / delta);

		if (n > (long double)((int64_t)1 << 40))
			return op_fail(c, err, LADDER_EINVAL, "range is too long");
		*count = n > 0 ? (int64_t)n : 0;
	}
	return 0;
}

static int
range_infer(struct op_ctx *c, struct ladder_err *err)
{
	int64_t n;
	int rc = range_count(c, &n, err);

	if (rc == 0)
		op_set_shape(c->out[0], c->in[0]->dtype, 1, &n);
	return rc;
}

static int
range_run(struct op_ctx *c, struct ladder_err *err)
{
	int64_t n;
	int rc = range_count(c, &n, err);
	struct exec_value *o = c->out[0];

	if (rc != 0)
		return rc;
	if (o->dtype == LADDER_DT_FLOAT || o->dtype == LADDER_DT_DOUBLE) {
		double start = op_get_double(c->in[0], 0), delta = op_get_double(c->in[2], 0);

		for (int64_t i = 0; i < n; i++)
			op_set_double(o, i, start + (double)i * delta);
	} else {
		int64_t start = op_get_int(c->in[0], 0), delta = op_get_int(c->in[2], 0);

		for (int64_t i = 0; i < n; i++) {
			int64_t x = start + i * delta;

			switch (o->dtype) {
			case LADDER_DT_INT64: ((int64_t *)o->data)[i] = x; break;
			case LADDER_DT_INT32: ((int32_t *)o->data)[i] = (int32_t)x; break;
			default: ((int16_t *)o->data)[i] = (int16_t)x; break;
			}
		}
	}
	return 0;
}

const struct op_def op_Range = {
	.name = "Range", .n_in_min = 3, .n_in_max = 3, .n_out_min = 1, .n_out_max = 1,
	.infer = range_infer, .run = range_run,
};

/* EyeLike */

static int
eyelike_infer(struct op_ctx *c, struct ladder_err *err)
{
	const struct exec_value *x = c->in[0];
	enum ladder_dtype dt = (enum ladder_dtype)op_attr_int(c, "dtype", x->dtype);

	if (x->rank != 2)
		return op_fail(c, err, LADDER_EINVAL, "input must be 2-d, not %d-d", x->rank);
	if (dt <= LADDER_DT_UNDEFINED || dt >= LADDER_DT_COUNT_ || dt == LADDER_DT_STRING ||
	    ladder_dtype_size(dt) == 0)
		return op_fail(c, err, LADDER_EUNSUPPORTED, "dtype %d is not supported", (int)dt);
	op_set_shape(c->out[0], dt, 2, x->dims);
	return 0;
}

static int
eyelike_run(struct op_ctx *c, struct ladder_err *err)
{
	struct exec_value *o = c->out[0];
	int64_t rows = o->dims[0], cols = o->dims[1], k = op_attr_int(c, "k", 0);

	/* A diagonal outside the matrix leaves zeros; clamping keeps i + k in range. */
	k = k < -rows ? -rows : k > cols ? cols : k;

	memset(o->data, 0, (size_t)op_numel(o) * op_esize(o));
	for (int64_t i = 0; i < rows; i++) {
		int64_t j = i + k;

		if (j >= 0 && j < cols)
			op_set_double(o, i * cols + j, 1);
	}
	return 0;
}

const struct op_def op_EyeLike = {
	.name = "EyeLike", .n_in_min = 1, .n_in_max = 1, .n_out_min = 1, .n_out_max = 1,
	.infer = eyelike_infer, .run = eyelike_run,
};
