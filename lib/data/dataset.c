/* dataset.c: labelled evaluation data: load, preprocess, identify, bind to a model input. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "util/banned.h"

static double
element_as_double(const struct ladder_tensor *t, size_t i)
{
	const uint8_t *p = t->data;

	switch (t->dtype) {
	case LADDER_DT_UINT8: return p[i];
	case LADDER_DT_INT8: return ((const int8_t *)p)[i];
	case LADDER_DT_INT16: return ((const int16_t *)p)[i];
	case LADDER_DT_UINT16: return ((const uint16_t *)p)[i];
	case LADDER_DT_INT32: return ((const int32_t *)p)[i];
	case LADDER_DT_UINT32: return ((const uint32_t *)p)[i];
	case LADDER_DT_INT64: return (double)((const int64_t *)p)[i];
	case LADDER_DT_UINT64: return (double)((const uint64_t *)p)[i];
	case LADDER_DT_FLOAT: return ((const float *)p)[i];
	case LADDER_DT_DOUBLE: return ((const double *)p)[i];
	case LADDER_DT_BOOL: return p[i] != 0;
	default: return NAN;
	}
}

static bool
is_integer_dtype(enum ladder_dtype dt)
{
	switch (dt) {
	case LADDER_DT_UINT8: case LADDER_DT_INT8: case LADDER_DT_INT16: case LADDER_DT_UINT16:
	case LADDER_DT_INT32: case LADDER_DT_UINT32: case LADDER_DT_INT64: case LADDER_DT_UINT64:
		return true;
	default:
		return false;
	}
}

static void
dims_text(const int64_t *dims, int rank, char *out, size_t size)
{
	size_t at = 0;

	out[0] = '\0';
	at += (size_t)snprintf(out, size, "[");
	for (int i = 0; i < rank && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%s%lld", i ? ", " : "", (long long)dims[i]);
	if (at < size)
		snprintf(out + at, size - at, "]");
}

static json_t *
preprocess_object(const struct ladder_data_spec *spec)
{
	json_t *o = json_object(), *mean = json_array(), *std = json_array();

	for (int i = 0; i < spec->n_mean; i++)
		json_array_append_new(mean, json_real(spec->mean[i]));
	for (int i = 0; i < spec->n_std; i++)
		json_array_append_new(std, json_real(spec->std[i]));
	json_object_set_new(o, "scale", json_real(spec->scale));
	json_object_set_new(o, "mean", mean);
	json_object_set_new(o, "std", std);
	json_object_set_new(o, "layout", json_string(spec->layout));
	if (spec->source_layout[0] != '\0' && strcmp(spec->source_layout, spec->layout) != 0)
		json_object_set_new(o, "source_layout", json_string(spec->source_layout));
	json_object_set_new(o, "dtype", json_string(ladder_dtype_name(spec->dtype)));
	return o;
}

char *
ladder_dataset_preprocess_json(const struct ladder_dataset *ds)
{
	json_t *o = preprocess_object(&ds->spec);
	char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(17));

	json_decref(o);
	return s;
}

void
ladder_dataset_free(struct ladder_dataset *ds)
{
	if (ds == NULL)
		return;
	free(ds->data);
	free(ds->labels);
	free(ds);
}

/* Converts samples to the model's dtype and layout, applying scale, mean and std. */
static int
preprocess(struct ladder_dataset *ds, const struct ladder_tensor *x, size_t n,
    struct ladder_err *err)
{
	const struct ladder_data_spec *spec = &ds->spec;
	const char *src_layout = spec->source_layout[0] ? spec->source_layout : spec->layout;
	int64_t h = 0, w = 0, c = 1;
	bool transpose = false, nhwc = strcmp(spec->layout, "NHWC") == 0;
	size_t per = 1, esize = ladder_dtype_size(spec->dtype);

	ds->sample_rank = x->rank - 1;
	for (int i = 1; i < x->rank; i++) {
		ds->sample_dims[i - 1] = x->dims[i];
		per *= (size_t)x->dims[i];
	}
	if (ds->sample_rank == 3) {
		bool src_nhwc = strcmp(src_layout, "NHWC") == 0;

		c = src_nhwc ? x->dims[3] : x->dims[1];
		h = src_nhwc ? x->dims[1] : x->dims[2];
		w = src_nhwc ? x->dims[2] : x->dims[3];
		transpose = src_nhwc != nhwc;
		if (nhwc) {
			ds->sample_dims[0] = h, ds->sample_dims[1] = w, ds->sample_dims[2] = c;
		} else {
			ds->sample_dims[0] = c, ds->sample_dims[1] = h, ds->sample_dims[2] = w;
		}
	}
	if ((spec->n_mean > 1 && spec->n_mean != c) || (spec->n_std > 1 && spec->n_std != c))
		return ladder_errf(err, LADDER_EINVAL,
		    "cannot use '%s': mean/std give %d/%d channels but samples have %lld",
		    spec->data_path, spec->n_mean, spec->n_std, (long long)c);
	for (int i = 0; i < spec->n_std; i++) {
		if (spec->std[i] == 0)
			return ladder_errf(err, LADDER_EINVAL, "cannot use '%s': std is 0", spec->data_path);
	}
	if (spec->dtype == LADDER_DT_UINT8 && x->dtype != LADDER_DT_UINT8)
		return ladder_errf(err, LADDER_EINVAL,
		    "cannot use '%s': dtype uint8 needs uint8 data, not %s", spec->data_path,
		    ladder_dtype_name(x->dtype));
	ds->dtype = spec->dtype;
	ds->sample_bytes = per * esize;
	if (!ladder_mul_size(n, ds->sample_bytes, &per))
		return ladder_errf(err, LADDER_ENOMEM, "cannot use '%s': too large", spec->data_path);
	ds->data = malloc(per ? per : 1);
	if (ds->data == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "cannot use '%s': out of memory", spec->data_path);
	per = ds->sample_bytes / esize;
	for (size_t s = 0; s < n; s++) {
		for (size_t j = 0; j < per; j++) {
			size_t src = j;
			int64_t ch = 0;

			if (ds->sample_rank == 3) {
				/* j indexes the output layout; find the channel and source index. */
				int64_t a, b, cc;

				if (nhwc) {
					cc = (int64_t)j % c, a = (int64_t)j / c / w, b = (int64_t)j / c % w;
				} else {
					cc = (int64_t)j / (h * w), a = (int64_t)j / w % h, b = (int64_t)j % w;
				}
				ch = cc;
				if (transpose)
					src = nhwc ? (size_t)((cc * h + a) * w + b) : (size_t)((a * w + b) * c + cc);
			}
			src += s * per;
			if (spec->dtype == LADDER_DT_UINT8) {
				ds->data[s * per + j] = ((const uint8_t *)x->data)[src];
			} else {
				double v = element_as_double(x, src) * spec->scale;
				double m = spec->mean[spec->n_mean > 1 ? ch : 0];
				double sd = spec->std[spec->n_std > 1 ? ch : 0];

				((float *)ds->data)[s * per + j] = (float)((v - m) / sd);
			}
		}
	}
	return 0;
}

/* sha256 of the file a path names ("FILE.npz:member" hashes FILE). */
static int
file_sha256(const char *path, char hex[LADDER_SHA256_HEX], struct ladder_err *err)
{
	const char *colon = strrchr(path, ':');
	char file[1024];

	if (colon != NULL && colon > path && strstr(path, ".npz:") == colon - 4 &&
	    (size_t)(colon - path) < sizeof file) {
		memcpy(file, path, (size_t)(colon - path));
		file[colon - path] = '\0';
		return ladder_sha256_file(file, hex, err);
	}
	return ladder_sha256_file(path, hex, err);
}

int
ladder_dataset_load(const struct ladder_data_spec *spec, struct ladder_dataset **out,
    struct ladder_err *err)
{
	struct ladder_tensor x = { 0 }, y = { 0 };
	struct ladder_dataset *ds;
	struct ladder_buf id;
	char sha_x[LADDER_SHA256_HEX], sha_y[LADDER_SHA256_HEX];
	char *pre;
	size_t n;
	int rc;

	*out = NULL;
	ds = calloc(1, sizeof *ds);
	if (ds == NULL)
		return ladder_errf(err, LADDER_ENOMEM, "out of memory");
	ds->spec = *spec;
	if (ds->spec.name[0] == '\0')
		snprintf(ds->spec.name, sizeof ds->spec.name, "data");
	rc = ladder_tensor_file_read(spec->data_path, 0, &x, err);
	if (rc == 0)
		rc = ladder_tensor_file_read(spec->labels_path, 0, &y, err);
	if (rc != 0)
		goto fail;
	if (x.rank < 2) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot use '%s': samples need shape [N, ...], not rank %d",
		    spec->data_path, x.rank);
		goto fail;
	}
	if (!(y.rank == 1 || (y.rank == 2 && y.dims[1] == 1)) || !is_integer_dtype(y.dtype)) {
		char d[128];

		dims_text(y.dims, y.rank, d, sizeof d);
		rc = ladder_errf(err, LADDER_EFORMAT,
		    "cannot use '%s': labels need integer shape [N], not %s %s", spec->labels_path,
		    ladder_dtype_name(y.dtype), d);
		goto fail;
	}
	if (x.dims[0] != y.dims[0]) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot use '%s': %lld samples but %lld labels in '%s'",
		    spec->data_path, (long long)x.dims[0], (long long)y.dims[0], spec->labels_path);
		goto fail;
	}
	if (x.rank > 4) {
		rc = ladder_errf(err, LADDER_EUNSUPPORTED, "cannot use '%s': samples of rank %d (at most 3)",
		    spec->data_path, x.rank - 1);
		goto fail;
	}
	n = (size_t)x.dims[0];
	if (spec->limit > 0 && spec->limit < n)
		n = spec->limit;
	if (n == 0) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot use '%s': no samples", spec->data_path);
		goto fail;
	}
	ds->samples = n;
	ds->labels = malloc(n * sizeof *ds->labels);
	if (ds->labels == NULL) {
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		double v = element_as_double(&y, i);

		if (!(v >= 0 && v < 1e6)) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot use '%s': label %zu is %g (not 0 to 999999)",
			    spec->labels_path, i, v);
			goto fail;
		}
		ds->labels[i] = (int32_t)v;
		if (ds->labels[i] + 1 > ds->classes)
			ds->classes = ds->labels[i] + 1;
	}
	rc = preprocess(ds, &x, n, err);
	if (rc != 0)
		goto fail;
	rc = file_sha256(spec->data_path, sha_x, err);
	if (rc == 0)
		rc = file_sha256(spec->labels_path, sha_y, err);
	if (rc != 0)
		goto fail;
	pre = ladder_dataset_preprocess_json(ds);
	ladder_buf_init(&id);
	ladder_buf_addf(&id, "ladder.data/1\ndata %s\nlabels %s\npreprocess %s\nsamples %zu\n", sha_x,
	    sha_y, pre ? pre : "", n);
	free(pre);
	if (id.failed || pre == NULL) {
		ladder_buf_release(&id);
		rc = ladder_errf(err, LADDER_ENOMEM, "out of memory");
		goto fail;
	}
	ladder_sha256_hex(id.data, id.len, ds->sha256);
	ladder_buf_release(&id);
	ladder_data_tensor_release(&x);
	ladder_data_tensor_release(&y);
	*out = ds;
	return 0;
fail:
	ladder_data_tensor_release(&x);
	ladder_data_tensor_release(&y);
	ladder_dataset_free(ds);
	return rc;
}

int
ladder_dataset_bind(const struct ladder_dataset *ds, const struct ladder_value_info *want,
    size_t start, size_t n, struct ladder_tensor *t, struct ladder_err *err)
{
	const struct ladder_type *ty = &want->type;
	int64_t numel = 1, squeezed[LADDER_MAX_RANK];
	int ns = 0, r;
	char have[160], need[160];

	memset(t, 0, sizeof *t);
	if (start > ds->samples || n > ds->samples - start)
		return ladder_errf(err, LADDER_EINVAL, "samples %zu to %zu are out of range (have %zu)",
		    start, start + n, ds->samples);
	for (int i = 0; i < ds->sample_rank; i++) {
		numel *= ds->sample_dims[i];
		if (ds->sample_dims[i] != 1)
			squeezed[ns++] = ds->sample_dims[i];
	}
	t->name = want->name;
	t->dtype = ds->dtype;
	t->data = ds->data + start * ds->sample_bytes;
	t->bytes = n * ds->sample_bytes;
	if (ty->kind != LADDER_TYPE_TENSOR)
		return ladder_errf(err, LADDER_EUNSUPPORTED, "input '%s' is not a tensor", want->name);
	if (ty->dtype != ds->dtype)
		return ladder_errf(err, LADDER_EINVAL,
		    "input '%s' wants %s but the data spec gives %s (set its dtype)", want->name,
		    ladder_dtype_name(ty->dtype), ladder_dtype_name(ds->dtype));
	if (ty->rank < 0) {
		t->rank = ds->sample_rank + 1;
		t->dims[0] = (int64_t)n;
		memcpy(t->dims + 1, ds->sample_dims, (size_t)ds->sample_rank * sizeof t->dims[0]);
		return 0;
	}
	r = ty->rank;
	if (r < 1 || r > LADDER_MAX_RANK)
		goto mismatch;
	t->rank = r;
	t->dims[0] = (int64_t)n;
	if (ty->dims[0].value >= 0 && ty->dims[0].value != (int64_t)n)
		return ladder_errf(err, LADDER_EINVAL,
		    "input '%s' has a fixed batch of %lld, cannot feed %zu samples", want->name,
		    (long long)ty->dims[0].value, n);
	if (ds->sample_rank == r - 1) {
		for (int i = 1; i < r; i++) {
			if (ty->dims[i].value >= 0 && ty->dims[i].value != ds->sample_dims[i - 1])
				goto mismatch;
			t->dims[i] = ds->sample_dims[i - 1];
		}
		return 0;
	}
	if (r == 2) {
		if (ty->dims[1].value >= 0 && ty->dims[1].value != numel)
			goto mismatch;
		t->dims[1] = numel;
		return 0;
	}
	/* Different ranks: match the non-1 dims in order ([28, 28] → [1, 28, 28]). */
	{
		int k = 0;

		for (int i = 1; i < r; i++) {
			int64_t v = ty->dims[i].value;

			if (v == 1) {
				t->dims[i] = 1;
			} else if (k < ns && (v < 0 || v == squeezed[k])) {
				t->dims[i] = squeezed[k++];
			} else if (v < 0 && k == ns) {
				t->dims[i] = 1;
			} else {
				goto mismatch;
			}
		}
		if (k == ns)
			return 0;
	}
mismatch:
	dims_text(ds->sample_dims, ds->sample_rank, have, sizeof have);
	{
		size_t at = (size_t)snprintf(need, sizeof need, "[");

		for (int i = 0; i < r && at < sizeof need; i++) {
			if (ty->dims[i].value >= 0)
				at += (size_t)snprintf(need + at, sizeof need - at, "%s%lld", i ? ", " : "",
				    (long long)ty->dims[i].value);
			else
				at += (size_t)snprintf(need + at, sizeof need - at, "%s%s", i ? ", " : "",
				    ty->dims[i].param ? ty->dims[i].param : "?");
		}
		if (at < sizeof need)
			snprintf(need + at, sizeof need - at, "]");
	}
	return ladder_errf(err, LADDER_EINVAL, "input '%s' wants %s but samples of '%s' are %s",
	    want->name, need, ds->spec.data_path, have);
}
