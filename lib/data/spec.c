/* spec.c: the data spec (YAML or JSON, man/ladder-data.5) and its defaults. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "data/data.h"
#include "util/yamldoc.h"
#include "util/banned.h"

void
ladder_data_spec_init(struct ladder_data_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->scale = 1.0;
	spec->n_mean = spec->n_std = 1;
	spec->mean[0] = 0.0;
	spec->std[0] = 1.0;
	snprintf(spec->layout, sizeof spec->layout, "NCHW");
	spec->dtype = LADDER_DT_FLOAT;
}

void
ladder_data_spec_fmnist(struct ladder_data_spec *spec)
{
	ladder_data_spec_init(spec);
	snprintf(spec->name, sizeof spec->name, "fashion-mnist-test");
	snprintf(spec->data_path, sizeof spec->data_path, "%s/t10k-images-idx3-ubyte.gz",
	    LADDER_FMNIST_DIR);
	snprintf(spec->labels_path, sizeof spec->labels_path, "%s/t10k-labels-idx1-ubyte.gz",
	    LADDER_FMNIST_DIR);
	spec->scale = 1.0 / 255.0;
}

int
ladder_data_parse_channels(const char *text, double *out, int *n, struct ladder_err *err)
{
	const char *p = text;

	*n = 0;
	for (;;) {
		char *end;
		double v;

		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || !isfinite(v))
			return ladder_errf(err, LADDER_EINVAL, "bad number list '%s'", text);
		if (*n == LADDER_DATA_MAX_CHANNELS)
			return ladder_errf(err, LADDER_EINVAL, "bad number list '%s': more than %d channels",
			    text, LADDER_DATA_MAX_CHANNELS);
		out[(*n)++] = v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return ladder_errf(err, LADDER_EINVAL, "bad number list '%s'", text);
		p++;
	}
}

/* "1/255" or a plain number. */
static int
parse_scale(const char *s, double *out)
{
	char *end;
	double a, b;

	errno = 0;
	a = strtod(s, &end);
	if (end == s || errno != 0)
		return -1;
	if (*end == '/') {
		const char *q = end + 1;

		b = strtod(q, &end);
		if (end == q || b == 0)
			return -1;
		a /= b;
	}
	if (*end != '\0' || !isfinite(a))
		return -1;
	*out = a;
	return 0;
}

static int
set_path(char *dst, size_t size, const char *dir, const char *value)
{
	int n;

	if (value[0] == '/' || strcmp(dir, ".") == 0)
		n = snprintf(dst, size, "%s", value);
	else
		n = snprintf(dst, size, "%s/%s", dir, value);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
ladder_data_spec_load(const char *path, struct ladder_data_spec *spec, struct ladder_err *err)
{
	yaml_document_t doc;
	yaml_node_t *root;
	char dir[1024];
	int rc;

	ladder_data_spec_init(spec);
	rc = ladder_yaml_load(path, 1 << 20, &doc, err);
	if (rc != 0)
		return rc;
	ladder_path_dir(path, dir, sizeof dir);
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': not a mapping of settings", path);
		goto done;
	}
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
		const char *key, *val = NULL;
		char list[512];

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad key", path);
			goto done;
		}
		key = (const char *)k->data.scalar.value;
		if (v->type == YAML_SCALAR_NODE) {
			val = (const char *)v->data.scalar.value;
		} else if (v->type == YAML_SEQUENCE_NODE) {
			size_t at = 0;

			list[0] = '\0';
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				yaml_node_t *e = yaml_document_get_node(&doc, *it);
				int n;

				if (e == NULL || e->type != YAML_SCALAR_NODE)
					break;
				n = snprintf(list + at, sizeof list - at, "%s%s", at ? "," : "",
				    (const char *)e->data.scalar.value);
				if (n < 0 || (size_t)n >= sizeof list - at)
					break;
				at += (size_t)n;
			}
			val = list;
		}
		if (val == NULL) {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad value for '%s'", path, key);
			goto done;
		}
		if (strcmp(key, "schema") == 0) {
			if (strncmp(val, "ladder.data/", 12) != 0 || atoi(val + 12) != 1) {
				rc = ladder_errf(err, LADDER_EFORMAT,
				    "cannot read '%s': schema '%s' is not ladder.data/1", path, val);
				goto done;
			}
		} else if (strcmp(key, "name") == 0) {
			snprintf(spec->name, sizeof spec->name, "%s", val);
		} else if (strcmp(key, "data") == 0) {
			if (set_path(spec->data_path, sizeof spec->data_path, dir, val) != 0)
				goto too_long;
		} else if (strcmp(key, "labels") == 0) {
			if (set_path(spec->labels_path, sizeof spec->labels_path, dir, val) != 0)
				goto too_long;
		} else if (strcmp(key, "scale") == 0) {
			if (parse_scale(val, &spec->scale) != 0)
				goto bad_value;
		} else if (strcmp(key, "mean") == 0 || strcmp(key, "std") == 0) {
			bool is_mean = key[0] == 'm';
			struct ladder_err e2 = { 0 };

			if (ladder_data_parse_channels(val, is_mean ? spec->mean : spec->std,
			    is_mean ? &spec->n_mean : &spec->n_std, &e2) != 0)
				goto bad_value;
		} else if (strcmp(key, "layout") == 0 || strcmp(key, "source_layout") == 0) {
			if (strcmp(val, "NCHW") != 0 && strcmp(val, "NHWC") != 0)
				goto bad_value;
			if (key[0] == 'l')
				snprintf(spec->layout, sizeof spec->layout, "%s", val);
			else
				snprintf(spec->source_layout, sizeof spec->source_layout, "%s", val);
		} else if (strcmp(key, "dtype") == 0) {
			spec->dtype = ladder_dtype_parse(val);
			if (spec->dtype != LADDER_DT_FLOAT && spec->dtype != LADDER_DT_UINT8)
				goto bad_value;
		} else if (strcmp(key, "limit") == 0) {
			char *end;
			long long n;

			errno = 0;
			n = strtoll(val, &end, 10);
			if (*end != '\0' || end == val || n < 0 || errno != 0)
				goto bad_value;
			spec->limit = (size_t)n;
		} else {
			rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': unknown setting '%s'", path,
			    key);
			goto done;
		}
		continue;
bad_value:
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': bad value '%s' for '%s'", path,
		    val, key);
		goto done;
too_long:
		rc = ladder_errf(err, LADDER_EINVAL, "cannot read '%s': path for '%s' too long", path, key);
		goto done;
	}
	if (spec->data_path[0] == '\0')
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no 'data' file given", path);
	else if (spec->labels_path[0] == '\0')
		rc = ladder_errf(err, LADDER_EFORMAT, "cannot read '%s': no 'labels' file given", path);
done:
	yaml_document_delete(&doc);
	return rc;
}
